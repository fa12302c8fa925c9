#!/usr/bin/env python3
"""fakepop3.py - a scripted POP3 server for popconn's tests (stdlib only).

Subcommands:

  fakepop3.py init STATE [--uids A,B,..] [--uid-prefix P] [--raw] FILE...
      Create the mailbox STATE (a JSON file) holding FILE... as messages
      1..n, with UIDs P1, P2, ... (default prefix "uid-") or the ones
      given.  Messages are stored as files are (LF line ends); the server
      sends every LF as CR LF and dot-stuffs.  With --raw the file is sent
      verbatim after the "+OK" line of RETR (it must hold the wire form,
      terminating ".\\r\\n" included).

  fakepop3.py serve --state STATE [--scenario FILE] [--port N]
                    [--port-file F] [--transcript F] [--connections N]
                    [--timeout SECS]
      Listen on 127.0.0.1 (port N, or a free one), write the port to F
      once listening, serve N connections (default 1) one after the
      other, then exit.  It exits by itself after SECS (default 60).
      Exit status 0, or 3 on the overall timeout.

  fakepop3.py count STATE         number of messages in the mailbox
                                  (also kept in the file STATE.count)
  fakepop3.py uids STATE          their UIDs, one a line
  fakepop3.py gen DIR COUNT SIZE [--seed N]
      write DIR/msgNNN.eml: COUNT messages of about SIZE bytes, LF line
      ends, with lines that need dot-stuffing
  fakepop3.py strip FILE          FILE without its first header when that
                                  is "Received:" (and its folded lines)
  fakepop3.py compare GOT WANT [GOT WANT]...
                                  0 when each GOT, without its first
                                  Received: header, is byte-identical to
                                  its WANT
  fakepop3.py captured DIR FILE...
                                  0 when DIR (capture-sendmail's) holds
                                  exactly FILE... in this order (0001 is
                                  the first FILE), each compared as above

The mailbox persists between connections and server runs in STATE: DELE
marks a message, QUIT (the UPDATE state, RFC 1939 section 6) removes the
marked ones and saves STATE; a connection that ends any other way rolls
its DELEs back.

Scenario: a Python literal (JSON works too: true/false/null are known
names), e.g.

  {
    "user": "alice", "password": "secret",   # None: accept any
    "greeting": "+OK fake POP3 <1.2@localhost>",  # default: no APOP
                                             # timestamp
    "capa": ["USER", "UIDL", "TOP", "RESP-CODES", "PIPELINING", "STLS",
             "SASL PLAIN"],                  # the CAPA lines; "STLS" is
                                             # dropped once TLS is on
    "tls": "none" | "implicit" | "stls",     # stls: STLS works
    "cert": "server.pem", "key": "server.key",
    "stls_inject": b"+OK injected\\r\\n",    # sent with the STLS +OK
    "replies": {KEY: REPLY},                 # canned replies
    "cut": {KEY: WHEN},                      # drop the connection
    "delay": {KEY: SECS},                    # wait before replying
    "list_sizes": {2: 10},                   # LIST (and STAT) lies
    "trickle": SECS,                         # send everything one byte
                                             # every SECS seconds
    "small_buffers": true,                   # SO_SNDBUF/SO_RCVBUF 4 KiB
    "update_on_cut": false,                  # cut at QUIT "before":
                                             # delete first (UPDATE done,
                                             # reply lost)
    "read_timeout": 20,                      # idle client: drop it
    "bad_login": "-ERR [AUTH] invalid credentials",  # the refusal of a
                                             # wrong password
    "persona": "mailutils" | "popa3d" | "courier",
                                             # defaults taken from these
                                             # servers' transcripts
  }

Personas (issue 20; any key of the scenario overrides them):
  mailutils  GNU Mailutils 3.15 pop3d: an APOP timestamp in every
             greeting but no APOP secret (APOP -> "-ERR [AUTH] Bad
             login"), CAPA with RESP-CODES, AUTH-RESP-CODE, LOGIN-DELAY,
             EXPIRE and no SASL, "AUTH ..." -> "-ERR Not implemented".
  popa3d     popa3d 1.0.3: "+OK" greeting, no CAPA, no APOP, no AUTH:
             every refusal a bare "-ERR".
  courier    Courier 1.0.16 pop3d: "+OK Hello there." (no timestamp),
             CAPA without RESP-CODES, "-ERR Login failed.", APOP unknown.

Commands: CAPA, STLS, UTF8, USER, PASS, APOP (if the greeting has a
<timestamp>), AUTH PLAIN, STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP,
QUIT; anything else gets -ERR.  A wrong password gets "-ERR [AUTH]".

KEY matches a command: "CMD#N" (the Nth CMD in the connection), then
"CMD ARG" (e.g. "RETR 2"), then "CMD".  Commands are upper-cased.  The
greeting is the command "GREETING" (so it can be replaced, delayed, cut).

small_buffers: the server never reads a command while a reply is being
written (that holds in every mode: sendall() finishes first); with small
buffers it also skips draining the socket before each reply, so its
receive buffer stays full as long as possible.

REPLY: a str/bytes line (CR LF appended unless present); a list of lines
(a multi-line reply, each line gets CR LF, no dot-stuffing: add the "."
yourself); or {"raw": bytes} sent exactly.  str is encoded as latin-1, so
"\\x00" and "\\xff" are bytes.  A reply starting with "-" suppresses the
command's effect (a PASS -ERR does not log in, a DELE -ERR does not mark,
an STLS -ERR does not start TLS); otherwise the effect happens and only
the bytes sent differ.

WHEN: "before" (read the command, close without replying), "after"
(send the whole reply, then close), or an integer: send that many bytes
of the reply, then close (negative: counted from the end, so -3 is just
before a RETR's final ".\\r\\n" and -2 between "." and CR LF).

Example (what tests/integration/t_pop3_*.sh do):

  fakepop3.py gen msgs 3 2000
  fakepop3.py init box.json msgs/msg001.eml msgs/msg002.eml
  echo '{"user": "alice", "password": "pw",
         "replies": {"PASS": "-ERR [IN-USE] locked"}}' >scn
  fakepop3.py serve --state box.json --scenario scn --port-file port \
      --transcript tr &
  ... run the client against 127.0.0.1:$(cat port) ...
  grep -c ' C PASS' tr; fakepop3.py count box.json

Transcript: one line per event, first field the connection number:
  N ACCEPT 127.0.0.1:port
  N TLS ok TLSv1.3 | N TLS-FAIL reason
  N C <command line as received>          every command, PASS included
  N EARLY <cmd> lines=L bytes=B           when about to reply to <cmd>,
                                          L complete command lines (B
                                          bytes) were already waiting:
                                          the client pipelined
  N VIOLATION ...                         DELE n waiting before the
                                          reply to RETR n was sent
  N INJECT n                              STLS reply carried n extra bytes
  N CUT <cmd> <when>
  N UNREAD <bytes>                        commands unread at the cut
  N UPDATE deleted=uid,uid                QUIT removed these
  N ROLLBACK marked=uid,uid               connection ended without QUIT
  N EOF | N TIMEOUT-READ | N SEND-FAIL | N LINE-TOO-LONG
  0 TIMEOUT                               the overall timeout fired
"""

import argparse
import base64
import struct
import hmac
import hashlib
import json
import os
import random
import select
import signal
import socket
import ssl
import sys
import time

MAX_CMD_LINE = 64 * 1024


# ----------------------------------------------------------------- state

def load_state(path):
    with open(path, "r", encoding="ascii") as f:
        st = json.load(f)
    for m in st["messages"]:
        m["bytes"] = base64.b64decode(m["data"])
    return st


def save_state(path, st):
    out = {"messages": [{"uid": m["uid"], "raw": m.get("raw", False),
                         "data": base64.b64encode(m["bytes"]).decode()}
                        for m in st["messages"]]}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        json.dump(out, f)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    # The message count, for shell tests that would rather not start
    # Python to learn it.
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % len(out["messages"]))
    os.rename(tmp, path + ".count")


def wire_body(m):
    """The RETR body as sent: CR LF lines, dot-stuffed, terminated."""
    data = m["bytes"]
    if m.get("raw"):
        return data
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    for ln in lines:
        if ln.startswith(b"."):
            ln = b"." + ln
        out.append(ln + b"\r\n")
    out.append(b".\r\n")
    return b"".join(out)


def pop3_size(m):
    """The size LIST reports: CR LF line ends, before dot-stuffing."""
    data = m["bytes"]
    if m.get("raw"):
        return len(data)
    n = data.count(b"\n")
    if data and not data.endswith(b"\n"):
        return len(data) + n + 2
    return len(data) + n


# ------------------------------------------------------------- transcript

class Transcript:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else None

    def log(self, conn, text):
        if self.f is None:
            return
        self.f.write("%d %s\n" % (conn, text))
        self.f.flush()


def shown(b, limit=300):
    s = b.decode("latin-1")
    s = "".join(c if 32 <= ord(c) < 127 else "\\x%02x" % ord(c) for c in s)
    if len(s) > limit:
        s = s[:limit] + "...(%d bytes)" % len(b)
    return s


# ------------------------------------------------------------- connection

class Gone(Exception):
    """The connection ended (cut, EOF, error)."""


def enc(x):
    if isinstance(x, bytes):
        return x
    return str(x).encode("latin-1")


class Conn:
    def __init__(self, srv, sock, num):
        self.srv = srv
        self.sc = srv.sc
        self.sock = sock
        self.num = num
        self.buf = b""
        self.eof = False
        self.tls = False
        self.counts = {}
        self.user = None
        self.authed = False
        self.marked = set()
        self.rtimeout = float(self.sc.get("read_timeout", 20))
        self.sock.settimeout(self.rtimeout)

    def log(self, text):
        self.srv.tr.log(self.num, text)

    # -------------------------------------------------------- reading

    def pump(self):
        """Read whatever is waiting, without blocking."""
        if self.eof:
            return
        try:
            self.sock.settimeout(0)
            while True:
                d = self.sock.recv(65536)
                if not d:
                    self.eof = True
                    break
                self.buf += d
        except (BlockingIOError, InterruptedError, socket.timeout,
                ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except OSError:
            self.eof = True
        finally:
            try:
                self.sock.settimeout(self.rtimeout)
            except OSError:
                pass

    def waiting(self):
        """Bytes the client sent that we have not read (a lower bound)."""
        try:
            if self.tls and self.sock.pending() > 0:
                return True
            r, _, _ = select.select([self.sock], [], [], 0)
            return bool(r)
        except (OSError, ValueError):
            return False

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_CMD_LINE:
                self.log("LINE-TOO-LONG")
                raise Gone()
            if self.eof:
                if self.buf:
                    self.log("PARTIAL %s" % shown(self.buf))
                self.log("EOF")
                raise Gone()
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                self.log("TIMEOUT-READ")
                raise Gone()
            except ssl.SSLError as e:
                self.log("TLS-READ-FAIL %s" % e)
                raise Gone()
            except OSError as e:
                self.log("READ-FAIL %s" % e)
                raise Gone()
            if not d:
                self.eof = True
                continue
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        if line.endswith(b"\r"):
            line = line[:-1]
        return line

    # -------------------------------------------------------- writing

    def nap(self, secs):
        """Sleep, but end the connection as soon as the client closes
        it (what it sends meanwhile is kept in the buffer)."""
        end = time.monotonic() + secs
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            try:
                r, _, _ = select.select([self.sock], [], [], min(left, 0.1))
            except (OSError, ValueError):
                raise Gone()
            if r:
                self.pump()
                if self.eof:
                    self.log("EOF while waiting")
                    raise Gone()
                time.sleep(min(left, 0.05))

    def send(self, data):
        trickle = self.sc.get("trickle")
        try:
            if trickle:
                for i in range(len(data)):
                    self.sock.sendall(data[i:i + 1])
                    self.nap(float(trickle))
            else:
                self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            self.log("SEND-FAIL %s" % e)
            raise Gone()

    def close(self):
        try:
            raw = self.sock
            if self.tls:
                # No close_notify: a cut is a cut.
                raw = socket.socket(fileno=os.dup(self.sock.fileno()))
                try:
                    raw.shutdown(socket.SHUT_RDWR)
                finally:
                    raw.close()
            else:
                raw.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def cut(self, what, when):
        self.log("CUT %s %s" % (what, when))
        # Read what the client already sent, so the close is a FIN and
        # not a reset that could discard what we sent before it.
        self.pump()
        if self.buf:
            self.log("UNREAD %s" % shown(self.buf))
        self.close()
        raise Gone()

    # -------------------------------------------------------- replies

    def lookup(self, table, verb, arg, nth):
        t = self.sc.get(table) or {}
        for key in ("%s#%d" % (verb, nth), ("%s %s" % (verb, arg)).strip(),
                    verb):
            if key in t:
                return True, t[key]
        return False, None

    @staticmethod
    def render(reply):
        if isinstance(reply, dict):
            return enc(reply["raw"])
        if isinstance(reply, (list, tuple)):
            return b"".join(enc(x) + b"\r\n" for x in reply)
        b = enc(reply)
        return b if b.endswith(b"\r\n") else b + b"\r\n"

    def reply(self, verb, arg, nth, default, extra=b""):
        """Send the reply to one command (canned, cut, delayed, ...).
        Returns True when the command's effect should happen."""
        what = ("%s %s" % (verb, arg)).strip()
        has, d = self.lookup("delay", verb, arg, nth)
        if has:
            self.nap(float(d))
        # Pipelining check: command bytes already here before we reply?
        if not self.sc.get("small_buffers"):
            self.pump()
        lines = self.buf.count(b"\n")
        if self.buf or self.waiting():
            self.log("EARLY %s lines=%d bytes=%d" % (what, lines,
                                                      len(self.buf)))
        if verb == "RETR":
            # STYLE.md: no DELE before the message was delivered, so
            # never before its RETR reply was even sent.
            for ln in self.buf.split(b"\n"):
                w = ln.strip().split()
                if len(w) == 2 and w[0].upper() == b"DELE" and \
                        w[1] == enc(arg):
                    self.log("VIOLATION DELE %s sent before the RETR %s "
                             "reply" % (arg, arg))
        has, canned = self.lookup("replies", verb, arg, nth)
        data = self.render(canned) if has else default
        data += extra
        effect = not data.startswith(b"-")
        has, when = self.lookup("cut", verb, arg, nth)
        if has:
            if when == "before":
                if (verb == "QUIT" and self.authed and
                        self.sc.get("update_on_cut")):
                    self.update()
                self.cut(what, when)
            if when == "after":
                self.send(data)
                self.cut(what, when)
            k = int(when)
            if k < 0:
                k = max(0, len(data) + k)
            if k:
                self.send(data[:k])
            self.cut(what, k)
        self.send(data)
        return effect

    # -------------------------------------------------------- mailbox

    def msgs(self):
        return self.srv.state["messages"]

    def msg(self, arg):
        try:
            n = int(arg)
        except ValueError:
            return None, None
        ms = self.msgs()
        if n < 1 or n > len(ms) or n in self.marked:
            return None, None
        return n, ms[n - 1]

    def listed_size(self, n, m):
        ls = self.sc.get("list_sizes") or {}
        for k in (n, str(n)):
            if k in ls:
                return int(ls[k])
        return pop3_size(m)

    def update(self):
        ms = self.msgs()
        gone = [ms[n - 1]["uid"] for n in sorted(self.marked)]
        self.srv.state["messages"] = [m for i, m in enumerate(ms)
                                      if i + 1 not in self.marked]
        self.marked = set()
        save_state(self.srv.state_path, self.srv.state)
        self.log("UPDATE deleted=%s" % ",".join(gone))

    # -------------------------------------------------------- session

    def start_tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.sc["cert"], self.sc["key"])
        try:
            s = ctx.wrap_socket(self.sock, server_side=True,
                                do_handshake_on_connect=False)
            s.settimeout(self.rtimeout)
            s.do_handshake()
        except (ssl.SSLError, OSError) as e:
            self.log("TLS-FAIL %s" % e)
            try:
                self.sock.close()
            except OSError:
                pass
            raise Gone()
        self.sock = s
        self.tls = True
        self.log("TLS ok %s" % s.version())

    def capa_lines(self):
        caps = self.sc.get("capa", ["USER", "UIDL", "TOP", "RESP-CODES"])
        out = []
        for c in caps:
            if self.tls and c.upper() == "STLS":
                continue
            out.append(enc(c) + b"\r\n")
        return b"+OK capabilities follow\r\n" + b"".join(out) + b".\r\n"

    def run(self):
        try:
            if self.sc.get("tls") == "implicit":
                self.start_tls()
            greeting = self.sc.get("greeting",
                                   "+OK fakepop3 ready")
            self.reply("GREETING", "", 1, self.render(greeting))
            while True:
                line = self.readline()
                self.log("C %s" % shown(line))
                self.command(line)
        except Gone:
            pass
        finally:
            if self.marked:
                ms = self.msgs()
                self.log("ROLLBACK marked=%s" % ",".join(
                    ms[n - 1]["uid"] for n in sorted(self.marked)))
                self.marked = set()
            self.close()

    def command(self, line):
        parts = line.split(None, 1)
        verb = parts[0].decode("latin-1").upper() if parts else ""
        arg = parts[1].decode("latin-1").strip() if len(parts) > 1 else ""
        nth = self.counts[verb] = self.counts.get(verb, 0) + 1
        R = lambda default, extra=b"": self.reply(verb, arg, nth,
                                                 enc(default), extra)
        authed = self.authed
        if verb == "CAPA":
            R(self.capa_lines())
        elif verb == "STLS":
            if self.tls or authed or self.sc.get("tls") != "stls":
                R("-ERR STLS not available\r\n")
                return
            inject = enc(self.sc.get("stls_inject", b""))
            if inject:
                self.log("INJECT %d" % len(inject))
            if R("+OK Begin TLS negotiation\r\n", inject):
                self.start_tls()
        elif verb == "USER":
            if authed:
                R("-ERR already authenticated\r\n")
            elif R("+OK send PASS\r\n"):
                self.user = arg
        elif verb == "PASS":
            want_u = self.sc.get("user")
            want_p = self.sc.get("password")
            good = (not authed and self.user is not None and
                    (want_u is None or self.user == want_u) and
                    (want_p is None or arg == want_p))
            if good:
                if R("+OK logged in\r\n"):
                    self.authed = True
            else:
                R(self.bad_login())
        elif verb == "AUTH":
            self.auth(verb, arg, nth, R)
        elif verb == "APOP":
            # RFC 1939 section 7: MD5(timestamp password) in hex.
            g = enc(self.sc.get("greeting", ""))
            lt, gt = g.find(b"<"), g.find(b">")
            a = arg.split()
            want_u = self.sc.get("user")
            want_p = self.sc.get("password")
            good = (not authed and lt >= 0 and gt > lt and len(a) == 2 and
                    (want_u is None or a[0] == want_u) and
                    (want_p is None or a[1] == hashlib.md5(
                        g[lt:gt + 1] + enc(want_p)).hexdigest()) and
                    self.sc.get("apop_secret", True))
            if not good:
                R(self.bad_login())
            elif R("+OK logged in\r\n"):
                self.authed = True
        elif verb == "QUIT":
            # RFC 1939 section 6: UPDATE, then the reply.  A cut
            # "before" the reply updates only with update_on_cut.
            has, when = self.lookup("cut", verb, arg, nth)
            if authed and not (has and when == "before"):
                self.update()
            R("+OK bye\r\n")
            self.log("QUIT-DONE")
            self.close()
            raise Gone()
        elif verb == "UTF8" and not authed:
            # RFC 6856 section 2 (Courier announces it).
            R("+OK UTF8 enabled\r\n")
        elif not authed:
            R("-ERR not authenticated\r\n")
        elif verb == "STAT":
            live = [(i + 1, m) for i, m in enumerate(self.msgs())
                    if i + 1 not in self.marked]
            R("+OK %d %d\r\n" % (len(live), sum(self.listed_size(n, m)
                                                  for n, m in live)))
        elif verb in ("LIST", "UIDL"):
            if arg:
                n, m = self.msg(arg)
                if m is None:
                    R("-ERR no such message\r\n")
                elif verb == "LIST":
                    R("+OK %d %d\r\n" % (n, self.listed_size(n, m)))
                else:
                    R("+OK %d %s\r\n" % (n, m["uid"]))
                return
            out = [b"+OK\r\n"]
            for i, m in enumerate(self.msgs()):
                n = i + 1
                if n in self.marked:
                    continue
                if verb == "LIST":
                    out.append(b"%d %d\r\n" % (n, self.listed_size(n, m)))
                else:
                    out.append(b"%d %s\r\n" % (n, enc(m["uid"])))
            out.append(b".\r\n")
            R(b"".join(out))
        elif verb in ("RETR", "TOP"):
            a = arg.split()
            n, m = self.msg(a[0] if a else "")
            if m is None:
                R("-ERR no such message\r\n")
                return
            body = wire_body(m)
            if verb == "TOP":
                hdr, sep, rest = body.partition(b"\r\n\r\n")
                k = int(a[1]) if len(a) > 1 and a[1].isdigit() else 0
                rl = rest.split(b"\r\n")[:-2] if sep else []
                body = hdr + b"\r\n" + (b"\r\n" + b"".join(
                    x + b"\r\n" for x in rl[:k]) if sep else b"") + b".\r\n"
            R(b"+OK %d octets\r\n" % self.listed_size(n, m) + body)
        elif verb == "DELE":
            n, m = self.msg(arg)
            if m is None:
                R("-ERR no such message\r\n")
            elif R("+OK message %d deleted\r\n" % n):
                self.marked.add(n)
        elif verb == "RSET":
            if R("+OK\r\n"):
                self.marked = set()
        elif verb == "NOOP":
            R("+OK\r\n")
        else:
            R("-ERR unknown command\r\n")

    def sasl_read(self):
        """One client line of a SASL exchange (logged as SASL ...)."""
        line = self.readline()
        txt = line.decode("latin-1").strip()
        self.log("SASL %s" % shown(line))
        return txt

    def auth(self, verb, arg, nth, R):
        a = arg.split()
        mech = a[0].upper() if a else ""
        initial = a[1] if len(a) > 1 else None
        script = (self.sc.get("sasl") or {}).get(mech)
        if self.authed:
            R("-ERR already authenticated\r\n")
            return
        if script is not None:
            # A scripted exchange: send each "+ ..." line and read the
            # client's answer; the last item is the final reply.
            for item in script[:-1]:
                self.send(enc(item) + b"\r\n")
                if self.sasl_read() == "*":
                    R("-ERR AUTH cancelled\r\n")
                    return
            if R(script[-1] + "\r\n"):
                self.authed = True
            return
        if mech == "NTLM" and self.sc.get("ntlm"):
            self.auth_ntlm(initial, R)
            return
        if mech in ("XOAUTH2", "OAUTHBEARER") and (
                self.sc.get("token") or self.sc.get("token_file")):
            self.auth_oauth(mech, initial, R)
            return
        if mech != "PLAIN":
            R("-ERR unsupported mechanism\r\n")
            return
        if initial is not None:
            resp = initial
        else:
            self.send(b"+ \r\n")
            resp = self.sasl_read()
        try:
            parts = base64.b64decode(resp, validate=True).split(b"\0")
        except ValueError:
            parts = []
        want_u = self.sc.get("user")
        want_p = self.sc.get("password")
        good = (len(parts) == 3 and
                (want_u is None or parts[1].decode("latin-1") == want_u) and
                (want_p is None or parts[2].decode("latin-1") == want_p))
        if not good:
            R(self.bad_login())
        elif R("+OK logged in\r\n"):
            self.authed = True

    def bad_login(self):
        return self.sc.get("bad_login",
                           "-ERR [AUTH] invalid credentials") + "\r\n"

    def auth_oauth(self, mech, initial, R):
        """XOAUTH2 (Google, Microsoft 365) and OAUTHBEARER (RFC 7628):
        check the bearer token; Microsoft 365 style two-step when the
        client sends no initial response.  "token_file": the tokens the
        OAuth stand-in issued and has not revoked (one a line), read at
        each AUTH.  "oauth_style": "exchange" replays Exchange Online
        (an initial response on the AUTH line is a protocol error; a bad
        token is refused at once, no JSON), "gmail" Google's documented
        error (a base64 JSON challenge, then -ERR)."""
        style = self.sc.get("oauth_style")
        if style == "exchange" and initial is not None:
            self.log("EXCHANGE inline initial response refused")
            R("-ERR Protocol error. 14\r\n")
            return
        if initial is None:
            self.send(b"+ \r\n")
            initial = self.sasl_read()
        try:
            resp = base64.b64decode(initial, validate=True)
        except ValueError:
            resp = b""
        if self.sc.get("token_file"):
            try:
                with open(self.sc["token_file"], "rb") as f:
                    tokens = [t for t in f.read().split(b"\n") if t]
            except OSError:
                tokens = []
        else:
            tokens = [enc(self.sc["token"])]
        user = enc(self.sc.get("user", ""))
        good = False
        for token in tokens:
            if mech == "XOAUTH2":
                good = good or resp == b"user=" + user + \
                    b"\x01auth=Bearer " + token + b"\x01\x01"
            else:
                good = good or (resp.startswith(b"n,a=" + user + b",") and
                                b"\x01auth=Bearer " + token + b"\x01\x01"
                                in resp)
        if good:
            self.log("OAUTH token accepted")
            if R("+OK logged in\r\n"):
                self.authed = True
            return
        self.log("OAUTH token REJECTED")
        if style == "exchange":
            R("-ERR Authentication failure: unknown user name or bad "
              "password.\r\n")
            return
        if style == "gmail":
            if mech == "XOAUTH2":
                err = (b'{"status":"401","schemes":"bearer mac",'
                       b'"scope":"https://mail.google.com/"}')
            else:
                err = (b'{"status":"invalid_token","schemes":"bearer",'
                       b'"scope":"https://mail.google.com/"}')
            self.send(b"+ " + base64.b64encode(err) + b"\r\n")
            self.sasl_read()
            R("-ERR [AUTH] Invalid credentials (Failure)\r\n")
            return
        err = b'{"status":"401","schemes":"bearer","scope":"https://mail"}'
        self.send(b"+ " + base64.b64encode(err) + b"\r\n")
        self.sasl_read()
        R("-ERR [AUTH] invalid token\r\n")

    def auth_ntlm(self, initial, R):
        """NTLMv2 (MS-NLMP), checked for real: type 1, our type 2 with a
        random server challenge and target info, the client's type 3
        verified against NTOWFv2 of the scenario's password."""
        if initial is None:
            self.send(b"+ \r\n")
            initial = self.sasl_read()
        try:
            t1 = base64.b64decode(initial, validate=True)
        except ValueError:
            t1 = b""
        if not t1.startswith(b"NTLMSSP\0\x01\0\0\0"):
            R("-ERR [AUTH] bad NTLM negotiate\r\n")
            return
        chal = os.urandom(8)
        dom = "POPCONN".encode("utf-16-le")
        ts = struct.pack("<Q", (int(time.time()) + 11644473600) * 10000000)
        ti = (struct.pack("<HH", 2, len(dom)) + dom +
              struct.pack("<HH", 7, 8) + ts + struct.pack("<HH", 0, 0))
        flags = 0x00000001 | 0x00000200 | 0x00080000 | 0x00800000 | \
            0x20000000 | 0x80000000 | 0x00000004
        hdr_len = 48
        t2 = (b"NTLMSSP\0" + struct.pack("<I", 2) +
              struct.pack("<HHI", len(dom), len(dom), hdr_len) +
              struct.pack("<I", flags) + chal + b"\0" * 8 +
              struct.pack("<HHI", len(ti), len(ti), hdr_len + len(dom)) +
              dom + ti)
        self.send(b"+ " + base64.b64encode(t2) + b"\r\n")
        try:
            t3 = base64.b64decode(self.sasl_read(), validate=True)
        except ValueError:
            t3 = b""

        def field(off):
            ln, _, o = struct.unpack("<HHI", t3[off:off + 8])
            return t3[o:o + ln]
        try:
            if not t3.startswith(b"NTLMSSP\0\x03\0\0\0"):
                raise ValueError("not a type 3")
            nt = field(20)
            domain = field(28).decode("utf-16-le")
            user = field(36).decode("utf-16-le")
            key = hmac.new(md4(self.sc.get("password", "").encode(
                "utf-16-le")), (user.upper() + domain).encode("utf-16-le"),
                "md5").digest()
            proof = hmac.new(key, chal + nt[16:], "md5").digest()
            good = (len(nt) > 16 and hmac.compare_digest(proof, nt[:16])
                    and (domain + "\\" + user).lower().lstrip("\\") ==
                    self.sc.get("user", "").lower())
        except (ValueError, struct.error, UnicodeDecodeError):
            good = False
        self.log("NTLM %s" % ("verified" if good else "REJECTED"))
        if not good:
            R("-ERR [AUTH] NTLM authentication failed\r\n")
        elif R("+OK logged in\r\n"):
            self.authed = True


def md4(data):
    """MD4 (RFC 1320); hashlib may lack it under OpenSSL 3."""
    def f(x, y, z):
        return (x & y) | (~x & z)

    def g(x, y, z):
        return (x & y) | (x & z) | (y & z)

    def h(x, y, z):
        return x ^ y ^ z

    def rol(v, n):
        v &= 0xffffffff
        return ((v << n) | (v >> (32 - n))) & 0xffffffff
    msg = bytearray(data)
    ml = len(data) * 8
    msg.append(0x80)
    while len(msg) % 64 != 56:
        msg.append(0)
    msg += struct.pack("<Q", ml)
    a, b, c, d = 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k = i
            s_ = (3, 7, 11, 19)[i % 4]
            if i % 4 == 0:
                a = rol(a + f(b, c, d) + x[k], s_)
            elif i % 4 == 1:
                d = rol(d + f(a, b, c) + x[k], s_)
            elif i % 4 == 2:
                c = rol(c + f(d, a, b) + x[k], s_)
            else:
                b = rol(b + f(c, d, a) + x[k], s_)
        for i in range(16):
            k = (i % 4) * 4 + i // 4
            s_ = (3, 5, 9, 13)[i % 4]
            t = 0x5a827999
            if i % 4 == 0:
                a = rol(a + g(b, c, d) + x[k] + t, s_)
            elif i % 4 == 1:
                d = rol(d + g(a, b, c) + x[k] + t, s_)
            elif i % 4 == 2:
                c = rol(c + g(d, a, b) + x[k] + t, s_)
            else:
                b = rol(b + g(c, d, a) + x[k] + t, s_)
        order = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
        for i in range(16):
            k = order[i]
            s_ = (3, 9, 11, 15)[i % 4]
            t = 0x6ed9eba1
            if i % 4 == 0:
                a = rol(a + h(b, c, d) + x[k] + t, s_)
            elif i % 4 == 1:
                d = rol(d + h(a, b, c) + x[k] + t, s_)
            elif i % 4 == 2:
                c = rol(c + h(d, a, b) + x[k] + t, s_)
            else:
                b = rol(b + h(c, d, a) + x[k] + t, s_)
        a = (a + aa) & 0xffffffff
        b = (b + bb) & 0xffffffff
        c = (c + cc) & 0xffffffff
        d = (d + dd) & 0xffffffff
    return struct.pack("<4I", a, b, c, d)


# ----------------------------------------------------------------- server

class Server:
    def __init__(self, args):
        self.args = args
        self.sc = load_scenario(args.scenario)
        self.state_path = args.state
        self.state = load_state(args.state)
        self.tr = Transcript(args.transcript)

    def run(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.sc.get("small_buffers"):
            # Accepted sockets inherit these.
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        ls.bind(("127.0.0.1", self.args.port))
        ls.listen(8)
        port = ls.getsockname()[1]
        if self.args.port_file:
            tmp = self.args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.rename(tmp, self.args.port_file)
        ls.settimeout(1.0)
        served = 0
        while served < self.args.connections:
            try:
                s, peer = ls.accept()
            except socket.timeout:
                continue
            served += 1
            self.tr.log(served, "ACCEPT %s:%d" % peer)
            Conn(self, s, served).run()
            self.tr.log(served, "END")
        ls.close()
        return 0


PERSONAS = {
    "mailutils": {
        "greeting": "+OK POP3 Ready <4242.1765100000@mailutils.test>",
        "capa": ["TOP", "USER", "UIDL", "RESP-CODES", "PIPELINING",
                 "LOGIN-DELAY 0", "AUTH-RESP-CODE", "EXPIRE NEVER",
                 "IMPLEMENTATION GNU Mailutils 3.15"],
        "bad_login": "-ERR [AUTH] Bad login",
        "apop_secret": False,
        "replies": {"AUTH": "-ERR Not implemented"},
    },
    "popa3d": {
        "greeting": "+OK",
        "bad_login": "-ERR",
        "replies": {"CAPA": "-ERR", "AUTH": "-ERR", "APOP": "-ERR",
                    "STLS": "-ERR"},
    },
    "courier": {
        "greeting": "+OK Hello there.",
        "capa": ["TOP", "USER", "LOGIN-DELAY 10", "PIPELINING", "UIDL",
                 "UTF8 USER", "IMPLEMENTATION Courier Mail Server"],
        "bad_login": "-ERR Login failed.",
        "replies": {"APOP": "-ERR Invalid command.",
                    "AUTH": "-ERR Invalid command."},
    },
}


def load_scenario(path):
    if not path:
        return {}
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    names = {"__builtins__": {}, "true": True, "false": False,
             "null": None}
    sc = eval(text, names, {})  # trusted: written by the test itself
    if sc.get("persona"):
        base = dict(PERSONAS[sc["persona"]])
        replies = dict(base.get("replies", {}))
        replies.update(sc.get("replies", {}))
        base.update(sc)
        base["replies"] = replies
        sc = base
    if not isinstance(sc, dict):
        raise SystemExit("fakepop3: scenario must be a dict")
    return sc


# ----------------------------------------------------------------- tools

def strip_received(data):
    """Remove the first header if it is Received: (with folded lines)."""
    if not data[:9].lower() == b"received:":
        return data
    pos = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return b""
        pos = nl + 1
        if pos >= len(data) or data[pos:pos + 1] not in (b"\t", b" "):
            return data[pos:]


def cmd_init(a):
    msgs = []
    uids = a.uids.split(",") if a.uids else None
    if uids is not None and len(uids) != len(a.files):
        raise SystemExit("fakepop3 init: %d uids for %d files"
                         % (len(uids), len(a.files)))
    for i, fn in enumerate(a.files):
        with open(fn, "rb") as f:
            data = f.read()
        uid = uids[i] if uids else "%s%d" % (a.uid_prefix, i + 1)
        msgs.append({"uid": uid, "bytes": data, "raw": a.raw})
    save_state(a.state, {"messages": msgs})
    return 0


def cmd_gen(a):
    rnd = random.Random(a.seed)
    pool = "".join(rnd.choice("abcdefghij klmnopqrstuvwxyz0123.")
                   for _ in range(8192))
    os.makedirs(a.dir, exist_ok=True)
    for i in range(1, a.count + 1):
        hdr = ("Return-Path: <sender%d@example.org>\n"
               "From: Sender <sender%d@example.org>\n"
               "To: rcpt@example.test\n"
               "Subject: generated message %d\n"
               "Message-ID: <gen%d.%d@example.org>\n\n" % (i, i, i, i,
                                                            a.seed))
        body = []
        n = len(hdr)
        while n < a.size:
            r = rnd.random()
            if r < 0.05:
                ln = "." + "x" * rnd.randint(0, 40)
            elif r < 0.07:
                ln = "."
            elif r < 0.1:
                ln = ""
            else:
                k = rnd.randint(0, len(pool) - 80)
                ln = pool[k:k + rnd.randint(1, 76)]
            body.append(ln + "\n")
            n += len(ln) + 1
        with open(os.path.join(a.dir, "msg%03d.eml" % i), "wb") as f:
            f.write((hdr + "".join(body)).encode())
    return 0


def compare_one(gotf, wantf):
    try:
        with open(gotf, "rb") as f:
            got = strip_received(f.read())
    except OSError as e:
        print("fakepop3 compare: %s" % e, file=sys.stderr)
        return False
    with open(wantf, "rb") as f:
        want = f.read()
    if got == want:
        return True
    i = 0
    while i < min(len(got), len(want)) and got[i] == want[i]:
        i += 1
    print("fakepop3 compare: %s differs from %s at byte %d (got %d bytes, "
          "want %d): got %r, want %r" % (gotf, wantf, i, len(got),
                                         len(want), got[i:i + 20],
                                         want[i:i + 20]), file=sys.stderr)
    return False


def cmd_compare(a):
    if len(a.files) % 2:
        raise SystemExit("fakepop3 compare: GOT WANT pairs")
    ok = True
    for i in range(0, len(a.files), 2):
        ok = compare_one(a.files[i], a.files[i + 1]) and ok
    return 0 if ok else 1


def cmd_captured(a):
    """The capture directory holds exactly FILE..., in any order.

    Deliveries run in parallel (delivery_parallelism), so sendmail may
    see the messages in another order than the server sent them; each
    wanted file must match one captured message, each captured message
    one wanted file (a multiset: a duplicate delivery is an error)."""
    got = sorted(f for f in os.listdir(a.dir)
                 if f.isdigit() and len(f) == 4)
    ok = True
    if len(got) != len(a.files):
        print("fakepop3 captured: %d messages in %s, want %d"
              % (len(got), a.dir, len(a.files)), file=sys.stderr)
        ok = False
    bodies = {}
    for g in got:
        with open(os.path.join(a.dir, g), "rb") as f:
            bodies[g] = strip_received(f.read())
    for w in a.files:
        with open(w, "rb") as f:
            want = f.read()
        match = next((g for g, b in bodies.items() if b == want), None)
        if match is None:
            print("fakepop3 captured: nothing in %s matches %s"
                  % (a.dir, w), file=sys.stderr)
            ok = False
        else:
            del bodies[match]
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(prog="fakepop3.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--state", required=True)
    s.add_argument("--scenario")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file")
    s.add_argument("--transcript")
    s.add_argument("--connections", type=int, default=1)
    s.add_argument("--timeout", type=float, default=60)
    s = sub.add_parser("init")
    s.add_argument("state")
    s.add_argument("--uids")
    s.add_argument("--uid-prefix", default="uid-")
    s.add_argument("--raw", action="store_true")
    s.add_argument("files", nargs="*")
    s = sub.add_parser("count")
    s.add_argument("state")
    s = sub.add_parser("uids")
    s.add_argument("state")
    s = sub.add_parser("gen")
    s.add_argument("dir")
    s.add_argument("count", type=int)
    s.add_argument("size", type=int)
    s.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("strip")
    s.add_argument("file")
    s = sub.add_parser("compare")
    s.add_argument("files", nargs="+")
    s = sub.add_parser("captured")
    s.add_argument("dir")
    s.add_argument("files", nargs="*")
    a = p.parse_args()

    if a.cmd == "serve":
        tr = Transcript(a.transcript)

        def on_alarm(signum, frame):
            tr.log(0, "TIMEOUT")
            os._exit(3)
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, a.timeout)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        return Server(a).run()
    if a.cmd == "init":
        return cmd_init(a)
    if a.cmd == "count":
        print(len(load_state(a.state)["messages"]))
        return 0
    if a.cmd == "uids":
        for m in load_state(a.state)["messages"]:
            print(m["uid"])
        return 0
    if a.cmd == "gen":
        return cmd_gen(a)
    if a.cmd == "strip":
        with open(a.file, "rb") as f:
            sys.stdout.buffer.write(strip_received(f.read()))
        return 0
    if a.cmd == "compare":
        return cmd_compare(a)
    if a.cmd == "captured":
        return cmd_captured(a)
    return 2


if __name__ == "__main__":
    sys.exit(main())
