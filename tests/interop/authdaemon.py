#!/usr/bin/env python3
"""authdaemon.py - a stand-in for Courier's authdaemond, for the interop
suite (tests/interop/courier.sh).

  authdaemon.py SOCKET USER PASSWORD HOME UID GID LOG

Courier's courierpop3login asks authdaemond over a unix socket whose path
is compiled into libcourierauth (/run/courier/...), and authdaemond reads
its configuration and modules from compiled-in paths too, so the real
one cannot run from a test directory.  This one speaks the same client
protocol (authlib's authdaemon.c: "KEY=VALUE" lines such as
TCPREMOTEIP, then "AUTH <n>\\n" and n octets holding
"service\\nauthtype\\ndata", or "PRE . service user\\n"; the answer is
KEY=VALUE lines ending with ".", or "FAIL") for one user, and checks
the credentials as authlib's modules do: "login" (USER/PASS, AUTH PLAIN
and LOGIN: user and password) and "cram-md5", "cram-sha1",
"cram-sha256" (base64 challenge and response "user hexdigest", an
HMAC keyed with the password).  Every request and verdict goes to LOG
(never the password).
"""
import base64
import hashlib
import hmac
import os
import socket
import sys


def main():
    path, user, pw, home, uid, gid, logf = sys.argv[1:8]
    log = open(logf, "a", buffering=1)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o777)
    s.listen(16)
    # No USERNAME=: authlib would look that up with getpwnam().  USER-N
    # (N digits: the per-IP limit case of courier_limit.sh) is another
    # account with the same password and the Maildir HOME/Maildir-N.

    def known(name):
        tail = name[len(user) + 1:] if name.startswith(user + "-") else ""
        return name == user or tail.isdigit()

    def rec(name):
        md = "Maildir" + name[len(user):] if known(name) else "Maildir"
        return ("UID=%s\nGID=%s\nHOME=%s\nADDRESS=%s\n"
                "MAILDIR=%s/%s\nOPTIONS=\n.\n" %
                (uid, gid, home, name, home, md)).encode()
    while True:
        c, _ = s.accept()
        with c:
            f = c.makefile("rb")
            # Newer authlib sends "TCPREMOTEIP=..." lines first.
            first = f.readline().decode("latin-1")
            while "=" in first.split(" ", 1)[0]:
                first = f.readline().decode("latin-1")
            if first.startswith("PRE "):
                w = first.split()
                ok = len(w) >= 4 and known(w[3])
                log.write("PRE %s -> %s\n" % (w[3:4], ok))
                c.sendall(rec(w[3]) if ok else b"FAIL\n")
                continue
            if not first.startswith("AUTH "):
                log.write("unknown request %r\n" % first[:40])
                c.sendall(b"FAIL\n")
                continue
            n = int(first.split()[1])
            data = f.read(n).decode("latin-1")
            parts = data.split("\n")
            service, atype, rest = parts[0], parts[1], parts[2:]
            ok = False
            if atype == "login" and len(rest) >= 2:
                ok = known(rest[0]) and rest[1] == pw
                who = rest[0]
            elif atype.startswith("cram-") and len(rest) >= 2:
                dig = {"cram-md5": "md5", "cram-sha1": "sha1",
                       "cram-sha256": "sha256"}.get(atype)
                try:
                    chal = base64.b64decode(rest[0])
                    who, got = base64.b64decode(rest[1]).decode(
                        "latin-1").rsplit(" ", 1)
                    ok = dig is not None and known(who) and \
                        hmac.compare_digest(got, hmac.new(
                            pw.encode(), chal, dig).hexdigest())
                except (ValueError, TypeError):
                    who = "?"
            else:
                who = "?"
            log.write("AUTH service=%s type=%s user=%s -> %s\n" %
                      (service, atype, who, "ok" if ok else "FAIL"))
            c.sendall(rec(who) if ok else b"FAIL\n")


if __name__ == "__main__":
    main()
