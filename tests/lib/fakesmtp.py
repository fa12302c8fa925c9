#!/usr/bin/env python3
"""fakesmtp.py - a scripted SMTP stand-in that answers badly (stdlib only).

  fakesmtp.py --port-file F --outdir D [--scenario PYLITERAL]
              [--connections N] [--timeout SECS] [--unix PATH]

Listens on 127.0.0.1 (a free port, written to F once listening; or on the
unix socket PATH, whose name is written to F), serves
up to N connections (default 10) one after the other, exits after SECS
(default 60).  Every message whose final dot it read is stored as
D/NNNN.eml (dot-unstuffed, CR LF turned into LF) and noted in
D/transcript ("C: line" / "S: reply" / "# events").  Its final reply
says "250 2.0.0 Ok: queued as FAKENNNN" unless the scenario says other.

Scenario (a Python dict literal); a KEY is a command name (GREETING,
EHLO, MAIL, RCPT, DATA, DOT, RSET, QUIT), optionally with "#n" for the
n-th time that command is seen across all connections (1-based):
  "ehlo": ["fake.test", "PIPELINING", "8BITMIME"]  the EHLO reply lines
  "replies": {KEY: "raw reply text"}  sent verbatim (CR LF not added:
                                      wrong multi-line replies, long
                                      lines, early 250s, several replies)
  "cut": {KEY: True}                  close the connection instead of
                                      replying (DOT: after the final dot
                                      was read, before the reply; the
                                      message is stored and noted as cut)
  "silent": {KEY: True}               never reply (the client times out)
  "close_after": {KEY: True}          reply, then close the connection (a
                                      server ending an idle session)
"""
import argparse
import ast
import os
import socket
import sys
import time

DEFAULTS = {
    "GREETING": "220 fake.test ESMTP\r\n",
    "MAIL": "250 2.1.0 Ok\r\n",
    "RCPT": "250 2.1.5 Ok\r\n",
    "DATA": "354 End data with <CR><LF>.<CR><LF>\r\n",
    "RSET": "250 2.0.0 Ok\r\n",
    "QUIT": "221 2.0.0 Bye\r\n",
    "NOOP": "250 2.0.0 Ok\r\n",
}


class Server:
    def __init__(self, args):
        self.sc = ast.literal_eval(args.scenario) if args.scenario else {}
        self.outdir = args.outdir
        self.seen = {}
        self.nmsg = 0
        self.tr = open(os.path.join(self.outdir, "transcript"), "a")

    def note(self, s):
        self.tr.write(s + "\n")
        self.tr.flush()

    def lookup(self, table, cmd):
        t = self.sc.get(table, {})
        n = self.seen.get(cmd, 0)
        for k in ("%s#%d" % (cmd, n), cmd):
            if k in t:
                return t[k]
        return None

    def reply(self, conn, cmd, default):
        """Returns False when the connection is to be cut."""
        self.seen[cmd] = self.seen.get(cmd, 0) + 1
        if self.lookup("cut", cmd):
            self.note("# cut at %s#%d" % (cmd, self.seen[cmd]))
            return False
        if self.lookup("silent", cmd):
            self.note("# silent at %s#%d" % (cmd, self.seen[cmd]))
            time.sleep(3600)
        r = self.lookup("replies", cmd)
        if r is None:
            r = default
        self.note("S: " + r.replace("\r\n", "\\r\\n"))
        conn.sendall(r.encode("latin-1"))
        if self.lookup("close_after", cmd):
            self.note("# closed after %s#%d" % (cmd, self.seen[cmd]))
            return False
        return True

    def serve(self, conn):
        f = conn.makefile("rb")
        if not self.reply(conn, "GREETING", DEFAULTS["GREETING"]):
            return
        while True:
            line = f.readline(100000)
            if not line:
                self.note("# client closed")
                return
            text = line.decode("latin-1").rstrip("\r\n")
            self.note("C: " + text)
            cmd = text.split(" ", 1)[0].split(":", 1)[0].upper()
            if cmd in ("EHLO", "HELO"):
                lines = self.sc.get("ehlo", ["fake.test", "PIPELINING",
                                             "8BITMIME", "SIZE 10240000"])
                d = "".join("250%s%s\r\n" % ("-" if i < len(lines) - 1
                                             else " ", l)
                            for i, l in enumerate(lines))
                if not self.reply(conn, cmd, d):
                    return
            elif cmd == "DATA":
                if not self.reply(conn, "DATA", DEFAULTS["DATA"]):
                    return
                r = self.lookup("replies", "DATA") or DEFAULTS["DATA"]
                if not r.startswith("354"):
                    continue
                body = []
                while True:
                    l = f.readline(1000000)
                    if not l:
                        self.note("# client closed in the data")
                        return
                    if l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    if l.endswith(b"\r\n"):
                        l = l[:-2] + b"\n"
                    body.append(l)
                self.nmsg += 1
                name = "%04d.eml" % self.nmsg
                with open(os.path.join(self.outdir, name), "wb") as o:
                    o.write(b"".join(body))
                self.note("# message %s stored" % name)
                if not self.reply(conn, "DOT", "250 2.0.0 Ok: queued as "
                                  "FAKE%04d\r\n" % self.nmsg):
                    return
            elif cmd == "QUIT":
                self.reply(conn, "QUIT", DEFAULTS["QUIT"])
                return
            elif cmd in DEFAULTS:
                if not self.reply(conn, cmd, DEFAULTS[cmd]):
                    return
            else:
                if not self.reply(conn, cmd, "502 5.5.2 Error\r\n"):
                    return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--scenario")
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--unix", help="listen on this unix socket instead")
    args = ap.parse_args()
    srv = Server(args)
    if args.unix:
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(args.unix)
    else:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
    ls.listen(5)
    ls.settimeout(args.timeout)
    with open(args.port_file + ".tmp", "w") as pf:
        pf.write("%s\n" % (args.unix or ls.getsockname()[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    end = time.time() + args.timeout
    for _ in range(args.connections):
        ls.settimeout(max(0.1, end - time.time()))
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            return 3
        conn.settimeout(max(0.1, end - time.time()))
        srv.note("# connection")
        try:
            srv.serve(conn)
        except (OSError, socket.timeout) as e:
            srv.note("# error %s" % e)
        finally:
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
