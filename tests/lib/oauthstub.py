#!/usr/bin/env python3
"""oauthstub.py - a local OAuth 2.0 authorization server for popconn's
tests (stdlib only): HTTPS with the harness's test certificate.

  oauthstub.py serve --dir DIR --cert PEM --key KEY [--port-file F]
                     [--timeout SECS]

Endpoints (POST, application/x-www-form-urlencoded):
  /devicecode   RFC 8628 3.1: device_code, user_code, verification_uri
  /authorize    GET: the browser sign-in (RFC 6749 4.1, PKCE S256):
                redirects at once to the loopback redirect_uri with a
                code (or error=access_denied with "browser_deny")
  /token        grant_type device_code (RFC 8628 3.4), authorization_code
                (the PKCE verifier checked), refresh_token
                (RFC 6749 6), client_credentials (RFC 6749 4.4)
  /device       the "browser": user_code=CODE&action=approve|deny
  /admin        JSON body: {"set": {...}} changes the behaviour,
                {"revoke": "refresh"|"access"|"all"}

Behaviour (DIR/conf.json, changed through /admin "set"):
  client_id, client_secret (None: public client), interval, expires_in
  (of the device code), access_expires_in, rotate (issue a new refresh
  token on each refresh and revoke the old one), polls: a list of
  answers given to the first device-code polls before the user's choice
  counts ("authorization_pending", "slow_down"), expire_device: true
  answers expired_token, hostile: a raw body (and "hostile_status") to
  send instead of any token response; client_cert: a certificate PEM
  whose key must sign the client assertion of client_credentials (RFC
  7523: RS256, x5t, aud, iss, sub, jti, nbf, exp checked; the signature
  with openssl dgst).

Files in DIR: tokens (the valid access tokens, one a line: the scripted
POP3 server's "token_file"), refresh (the valid refresh tokens), log
(one line per request: the endpoint, the grant, the answer, and the
poll's time, never a secret), conf.json.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

DEFAULT = {
    "client_id": "popconn-test-client",
    "client_secret": None,
    "interval": 1,
    "expires_in": 60,
    "access_expires_in": 3600,
    "rotate": False,
    "polls": [],
    "expire_device": False,
    "hostile": None,
    "hostile_status": 200,
    "scope": None,
}


class Stub:
    def __init__(self, d):
        self.dir = d
        self.lock = threading.Lock()
        self.conf = dict(DEFAULT)
        self.devices = {}     # device_code -> {"user": code, "state": ...}
        self.codes = {}       # authorization code -> (challenge, uri)
        self.access = []
        self.refresh = []
        self.save()

    def path(self, name):
        return os.path.join(self.dir, name)

    def save(self):
        for name, v in (("tokens", self.access), ("refresh", self.refresh)):
            tmp = self.path(name + ".tmp")
            with open(tmp, "w") as f:
                f.write("".join(t + "\n" for t in v))
            os.replace(tmp, self.path(name))
        with open(self.path("conf.json"), "w") as f:
            json.dump(self.conf, f)

    def log(self, line):
        with open(self.path("log"), "a") as f:
            f.write("%.2f %s\n" % (time.time(), line))

    def issue(self, with_refresh):
        acc = "ATOK-" + secrets.token_urlsafe(24)
        self.access.append(acc)
        r = {"token_type": "Bearer", "access_token": acc,
             "expires_in": self.conf["access_expires_in"],
             "scope": self.conf["scope"] or "https://outlook.office.com/"
                                             "POP.AccessAsUser.All"}
        if with_refresh:
            ref = "RTOK-" + secrets.token_urlsafe(24)
            self.refresh.append(ref)
            r["refresh_token"] = ref
        return r


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_assertion(f, c, aud):
    """RFC 7523 2.2: an RS256 JWT signed by the registered certificate's
    key; returns why not, or "" when it is good."""
    if f.get("client_assertion_type") != \
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
        return "no client_assertion_type"
    parts = (f.get("client_assertion") or "").split(".")
    if len(parts) != 3:
        return "not a JWT"
    hdr = json.loads(b64url_dec(parts[0]))
    cl = json.loads(b64url_dec(parts[1]))
    der = ssl.PEM_cert_to_DER_cert(open(c["client_cert"]).read())
    now = time.time()
    if hdr.get("alg") != "RS256":
        return "alg"
    if b64url_dec(hdr.get("x5t", "")) != hashlib.sha1(der).digest():
        return "x5t"
    if cl.get("aud") != aud or cl.get("iss") != c["client_id"] or \
            cl.get("sub") != c["client_id"] or not cl.get("jti"):
        return "claims"
    if not (cl.get("nbf", 0) <= now + 60 < cl.get("exp", 0) + 60 and
            cl["exp"] - cl["nbf"] <= 3600):
        return "times"
    with tempfile.TemporaryDirectory() as d:
        pub, sig, data = (os.path.join(d, n) for n in ("pub", "sig", "data"))
        subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in",
                        c["client_cert"], "-out", pub], check=True)
        open(sig, "wb").write(b64url_dec(parts[2]))
        open(data, "wb").write((parts[0] + "." + parts[1]).encode())
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub,
                            "-signature", sig, data], capture_output=True)
        if r.returncode != 0:
            return "signature"
    return ""


def err(code, desc=""):
    return 400, {"error": code, "error_description": desc}


class Handler(http.server.BaseHTTPRequestHandler):
    stub = None

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        """/authorize: the browser sign-in; the user "signs in" at once
        and is sent back to the loopback redirect_uri."""
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/authorize":
            self.answer(404, {"error": "invalid_request"})
            return
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        st = self.stub
        with st.lock:
            c = st.conf
            ru = q.get("redirect_uri", "")
            bad = (q.get("client_id") != c["client_id"] or
                   q.get("response_type") != "code" or
                   q.get("code_challenge_method") != "S256" or
                   not q.get("code_challenge") or not q.get("state") or
                   not ru.startswith("http://127.0.0.1:"))
            if bad:
                st.log("authorize refused %s" % sorted(q))
                self.answer(400, {"error": "invalid_request"})
                return
            if c.get("browser_deny"):
                loc = ru + "?" + urllib.parse.urlencode(
                    {"error": "access_denied", "state": q["state"]})
                st.log("authorize denied")
            else:
                code = "4/AC-" + secrets.token_urlsafe(16)
                st.codes[code] = (q["code_challenge"], ru)
                loc = ru + "?" + urllib.parse.urlencode(
                    {"state": q["state"], "code": code,
                     "scope": q.get("scope", "")})
                st.log("authorize scope=%s access_type=%s" % (
                    q.get("scope"), q.get("access_type")))
            st.save()
        self.send_response(302)
        self.send_header("Location", loc)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(min(n, 1 << 20)).decode("latin-1")
        st = self.stub
        with st.lock:
            status, body = self.route(st, data)
            st.save()
        self.answer(status, body)

    def route(self, st, data):
        p = self.path
        if p == "/admin":
            cmd = json.loads(data)
            st.conf.update(cmd.get("set", {}))
            what = cmd.get("revoke")
            if what in ("refresh", "all"):
                st.refresh.clear()
            if what in ("access", "all"):
                st.access.clear()
            st.log("admin %s" % json.dumps(cmd, sort_keys=True))
            return 200, {"ok": True}
        f = {k: v[0] for k, v in urllib.parse.parse_qs(data).items()}
        if p == "/device":
            for dc, dv in st.devices.items():
                if dv["user"] == f.get("user_code"):
                    dv["state"] = f.get("action", "approve")
                    st.log("device %s" % dv["state"])
                    return 200, {"ok": True}
            return 404, {"error": "no such code"}
        c = st.conf
        if c["hostile"] is not None and p == "/token":
            st.log("token hostile")
            return c["hostile_status"], c["hostile"].encode("latin-1")
        if f.get("client_id") != c["client_id"]:
            st.log("%s invalid_client" % p)
            return 400, {"error": "invalid_client", "error_description":
                         "AADSTS700016: Application with identifier "
                         "was not found in the directory"}
        if p == "/devicecode":
            dc = secrets.token_urlsafe(16)
            uc = "%04d-%04d" % (secrets.randbelow(10000),
                                secrets.randbelow(10000))
            st.devices[dc] = {"user": uc, "state": "pending",
                              "polls": list(c["polls"]),
                              "scope": f.get("scope")}
            with open(st.path("user_code"), "w") as fh:
                fh.write(uc + "\n")
            st.log("devicecode scope=%s" % f.get("scope"))
            return 200, {"device_code": dc, "user_code": uc,
                         "verification_uri": "https://127.0.0.1:%d/device"
                         % self.server.server_address[1],
                         "expires_in": c["expires_in"],
                         "interval": c["interval"],
                         "message": "To sign in, ..."}
        if p != "/token":
            return 404, {"error": "invalid_request"}
        g = f.get("grant_type")
        if (c["client_secret"] is not None and
                f.get("client_secret") != c["client_secret"]):
            st.log("token %s invalid_client(secret)" % g)
            return 401, {"error": "invalid_client", "error_description":
                         "AADSTS7000215: Invalid client secret provided."}
        if g == "urn:ietf:params:oauth:grant-type:device_code":
            dv = st.devices.get(f.get("device_code"))
            if dv is None:
                st.log("token device invalid_grant")
                return err("invalid_grant", "unknown device_code")
            if c["expire_device"]:
                st.log("token device expired_token")
                return err("expired_token", "AADSTS70020: expired")
            if dv["polls"]:
                a = dv["polls"].pop(0)
                st.log("token device %s" % a)
                return err(a, "AADSTS70016: pending" if
                           a == "authorization_pending" else "")
            if dv["state"] == "deny":
                st.log("token device access_denied")
                return err("access_denied", "AADSTS70000: denied")
            if dv["state"] != "approve":
                st.log("token device authorization_pending")
                return err("authorization_pending", "AADSTS70016")
            del st.devices[f["device_code"]]
            st.log("token device issued")
            return 200, st.issue(True)
        if g == "authorization_code":
            ch, ru = st.codes.pop(f.get("code"), (None, None))
            v = f.get("code_verifier", "")
            want = base64.urlsafe_b64encode(
                hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode()
            if ch is None or f.get("redirect_uri") != ru:
                st.log("token authorization_code invalid_grant")
                return err("invalid_grant", "unknown code")
            if want != ch:
                st.log("token authorization_code pkce mismatch")
                return err("invalid_grant", "code_verifier")
            st.log("token authorization_code issued")
            return 200, st.issue(True)
        if g == "refresh_token":
            rt = f.get("refresh_token")
            if rt not in st.refresh:
                st.log("token refresh invalid_grant")
                return err("invalid_grant", "AADSTS70008: The provided "
                           "authorization code or refresh token has "
                           "expired due to inactivity.")
            r = st.issue(c["rotate"])
            if c["rotate"]:
                st.refresh.remove(rt)
            st.log("token refresh issued%s" % (" rotated" if c["rotate"]
                                               else ""))
            return 200, r
        if g == "client_credentials":
            if c.get("client_cert"):
                why = check_assertion(f, c, "https://127.0.0.1:%d/token"
                                      % self.server.server_address[1])
                if why:
                    st.log("token client_credentials assertion refused: "
                           + why)
                    return 401, {"error": "invalid_client",
                                 "error_description": "AADSTS700027: "
                                 "Client assertion contains an invalid "
                                 "signature. (%s)" % why}
                st.log("token client_credentials assertion verified")
            st.log("token client_credentials issued scope=%s"
                   % f.get("scope"))
            return 200, st.issue(False)
        return err("unsupported_grant_type")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--port-file")
    s.add_argument("--timeout", type=int, default=600)
    a = ap.parse_args()
    Handler.stub = Stub(a.dir)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Timer(a.timeout, lambda: os._exit(3)).start()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
