#!/usr/bin/env python3
"""pop3probe.py - small POP3 client for checking the test servers.

    pop3probe.py --port PORT [--host 127.0.0.1] [--tls none|stls|implicit]
                 [--ca FILE | --system-ca] [--servername localhost]
                 [--user U --password P] [--auth METHOD]
                 [--fetch DIR] [--delete] [--expect-uidl-re RE] [--capa]

METHOD: user (USER/PASS, default), apop, plain, login, cram-md5,
digest-md5, scram-sha-1, scram-sha-256.  --fetch writes each message as
DIR/NNNNNN.eml exactly as received, CRLF turned into LF and dot-stuffing
undone.  --capa prints the CAPA reply.  Without --user it only connects
(and does the TLS handshake).

Exit status: 0 ok, 2 TLS certificate verification failed, 3 login
refused, 1 anything else.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import os
import poplib
import re
import socket
import ssl
import sys

poplib._MAXLINE = 1 << 20       # the test messages have 5000-char lines


class AuthFailed(Exception):
    pass


def b64(b):
    return base64.b64encode(b).decode("ascii")


def sasl(p, mech, user, password, servername):
    """Generic POP3 AUTH (RFC 5034) exchange driven by a step function."""
    mech = mech.upper()
    u, pw = user.encode(), password.encode()
    state = {}

    def step(chal):
        if mech == "PLAIN":
            return b"\0" + u + b"\0" + pw
        if mech == "LOGIN":
            return u if b"user" in chal.lower() else pw
        if mech == "CRAM-MD5":
            d = hmac.new(pw, chal, hashlib.md5).hexdigest()
            return u + b" " + d.encode()
        if mech == "DIGEST-MD5":
            if chal.startswith(b"rspauth="):
                return b""
            f = dict((k.decode(), v.strip(b'"').decode()) for k, v in
                     re.findall(rb'([a-zA-Z-]+)=("[^"]*"|[^,]*)', chal))
            realm = f.get("realm", "")
            nonce = f["nonce"]
            cnonce = binascii.hexlify(os.urandom(12)).decode()
            uri = "pop/" + servername
            a1 = hashlib.md5(("%s:%s:%s" % (user, realm, password)).encode()).digest()
            a1 = a1 + (":%s:%s" % (nonce, cnonce)).encode()
            a2 = "AUTHENTICATE:" + uri
            h = lambda x: hashlib.md5(x).hexdigest()
            resp = h(("%s:%s:00000001:%s:auth:%s" % (
                h(a1), nonce, cnonce, h(a2.encode()))).encode())
            out = ('username="%s",realm="%s",nonce="%s",cnonce="%s",'
                   'nc=00000001,qop=auth,digest-uri="%s",response=%s,charset=utf-8'
                   % (user, realm, nonce, cnonce, uri, resp))
            return out.encode()
        if mech.startswith("SCRAM-"):
            hname = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}[mech]
            if "cfirst" not in state:
                state["cnonce"] = b64(os.urandom(18))
                state["cfirst"] = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"),
                                                 state["cnonce"])
                return ("n,," + state["cfirst"]).encode()
            if "sig" in state:
                v = dict(x.split("=", 1) for x in chal.decode().split(","))
                if base64.b64decode(v.get("v", "")) != state["sig"]:
                    raise AuthFailed("SCRAM server signature mismatch")
                return b""
            sfirst = chal.decode()
            f = dict(x.split("=", 1) for x in sfirst.split(","))
            if not f["r"].startswith(state["cnonce"]):
                raise AuthFailed("SCRAM nonce mismatch")
            salted = hashlib.pbkdf2_hmac(hname, pw, base64.b64decode(f["s"]), int(f["i"]))
            ckey = hmac.new(salted, b"Client Key", hname).digest()
            skey = hmac.new(salted, b"Server Key", hname).digest()
            final_wo = "c=biws,r=" + f["r"]
            authmsg = ",".join([state["cfirst"], sfirst, final_wo]).encode()
            csig = hmac.new(hashlib.new(hname, ckey).digest(), authmsg, hname).digest()
            proof = bytes(a ^ b for a, b in zip(ckey, csig))
            state["sig"] = hmac.new(skey, authmsg, hname).digest()
            return (final_wo + ",p=" + b64(proof)).encode()
        raise ValueError("unknown mechanism " + mech)

    p._putcmd("AUTH " + mech)
    while True:
        line = p._getline()[0]
        if line.startswith(b"+OK"):
            if mech.startswith("SCRAM-") and "sig" not in state:
                raise AuthFailed("SCRAM: +OK before server signature")
            return line
        if line.startswith(b"-ERR"):
            raise AuthFailed(line.decode("utf-8", "replace"))
        if not line.startswith(b"+"):
            raise poplib.error_proto(line)
        chal = base64.b64decode(line[1:].strip() or b"")
        p._putcmd(b64(step(chal)))


def retr_raw(p, num):
    """RETR num; returns the message with CRLF -> LF and dots unstuffed."""
    p._putcmd("RETR %d" % num)
    first = p._getline()[0]
    if not first.startswith(b"+OK"):
        raise poplib.error_proto(first)
    out = []
    while True:
        raw = p.file.readline(poplib._MAXLINE + 1)
        if not raw:
            raise poplib.error_proto("connection closed in RETR")
        if not raw.endswith(b"\r\n"):
            raise poplib.error_proto("line not ended by CRLF: %r" % raw[-40:])
        line = raw[:-2]
        if line == b".":
            break
        if line.startswith(b"."):
            line = line[1:]
        out.append(line + b"\n")
    return b"".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls", choices=["none", "stls", "implicit"], default="none")
    ap.add_argument("--ca")
    ap.add_argument("--system-ca", action="store_true")
    ap.add_argument("--servername", default="localhost")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--auth", default="user")
    ap.add_argument("--fetch")
    ap.add_argument("--delete", action="store_true")
    ap.add_argument("--expect-uidl-re")
    ap.add_argument("--capa", action="store_true")
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()

    ctx = None
    if a.tls != "none":
        ctx = ssl.create_default_context(cafile=None if a.system_ca else a.ca)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        class POP3(poplib.POP3):
            def _create_socket(self, timeout):
                s = super()._create_socket(timeout)
                if a.tls == "implicit":
                    s = ctx.wrap_socket(s, server_hostname=a.servername)
                return s
        p = POP3(a.host, a.port, timeout=a.timeout)
        if a.tls == "stls":
            # poplib.stls() would check the name given as host
            p._shortcmd("STLS")
            p.sock = ctx.wrap_socket(p.sock, server_hostname=a.servername)
            p.file = p.sock.makefile("rb")
            p._tls_established = True
        if a.capa:
            for k, v in sorted(p.capa().items()):
                print(" ".join([k] + v))
        if a.user:
            try:
                m = a.auth.lower()
                if m == "user":
                    p.user(a.user)
                    p.pass_(a.password)
                elif m == "apop":
                    p.apop(a.user, a.password)
                else:
                    sasl(p, m, a.user, a.password, a.servername)
            except (poplib.error_proto, AuthFailed) as e:
                print("pop3probe: login refused: %s" % e, file=sys.stderr)
                return 3
            if a.expect_uidl_re:
                rx = re.compile(a.expect_uidl_re)
                for entry in p.uidl()[1]:
                    uid = entry.split()[1].decode()
                    if not rx.fullmatch(uid):
                        print("pop3probe: UIDL %r does not match %s" % (uid, a.expect_uidl_re),
                              file=sys.stderr)
                        return 1
            if a.fetch:
                os.makedirs(a.fetch, exist_ok=True)
                count = p.stat()[0]
                for i in range(1, count + 1):
                    data = retr_raw(p, i)
                    with open(os.path.join(a.fetch, "%06d.eml" % i), "wb") as f:
                        f.write(data)
                    if a.delete:
                        p.dele(i)
                print("fetched %d messages" % count)
        p.quit()
    except ssl.SSLCertVerificationError as e:
        print("pop3probe: certificate verification failed: %s" % e, file=sys.stderr)
        return 2
    except (OSError, poplib.error_proto, ssl.SSLError) as e:
        print("pop3probe: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
