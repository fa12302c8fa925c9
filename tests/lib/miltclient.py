#!/usr/bin/env python3
"""miltclient.py - a milter protocol client of our own, for hostile tests.

Usage: miltclient.py SOCKET MODE [ARGS]

  random N SEED   N connections, each a random sequence of milter commands
                  (any order, aborts at any stage, garbage, truncated
                  packets, macro packets with an odd number of strings);
                  after each, a well-formed message must still get its
                  final answer on a fresh connection.
  many N PIDFILE  N messages on one connection (each with a forged marker
                  header, so the milter's removal path runs); prints the
                  milter's RSS (from PIDFILE's process) before and after
                  as "rss KB_BEFORE KB_AFTER".
  oddmacro        one macro packet with an odd number of strings (Debian
                  12's libmilter reads past its array on it), then a
                  well-formed message.

Exit 0 when the milter answered every well-formed message; 1 otherwise.
The protocol is libmilter's (version 6): 4-byte length, 1-byte command.
"""
import os
import random
import socket
import struct
import sys

SMFIF_ALL = 0x1FF
SMFI_V6 = 6
FINAL = set(b"cartdy")   # continue accept reject tempfail discard replycode


def pkt(cmd, data=b""):
    return struct.pack("!I", len(data) + 1) + cmd + data


class Conn:
    def __init__(self, path, timeout=10.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)

    def send(self, raw):
        self.s.sendall(raw)

    def read(self):
        hdr = b""
        while len(hdr) < 4:
            c = self.s.recv(4 - len(hdr))
            if not c:
                raise EOFError("closed")
            hdr += c
        (n,) = struct.unpack("!I", hdr)
        if n < 1 or n > 1 << 20:
            raise ValueError("bad length %d" % n)
        body = b""
        while len(body) < n:
            c = self.s.recv(n - len(body))
            if not c:
                raise EOFError("closed")
            body += c
        return body[:1], body[1:]

    def until_final(self):
        while True:
            cmd, _ = self.read()
            if cmd[0] in FINAL:
                return cmd

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def negotiate(c):
    # No SMFIP_NR_* offered: the milter answers every stage it sees.
    c.send(pkt(b"O", struct.pack("!III", SMFI_V6, SMFIF_ALL, 0x3F)))
    cmd, _ = c.read()
    if cmd != b"O":
        raise ValueError("negotiation answered %r" % cmd)


def well_formed(path, marker=None, conn=None):
    """One ordinary message; True when the end of message is answered."""
    c = conn or Conn(path)
    try:
        if conn is None:
            negotiate(c)
            c.send(pkt(b"D", b"C" + b"j\0mx.example.test\0"))
            c.send(pkt(b"C", b"localhost\x004\x00\x00127.0.0.1\x00"))
            c.until_final()
        c.send(pkt(b"D", b"M" + b"i\0ABC123\0{daemon_name}\0local-submit\0"))
        c.send(pkt(b"M", b"<sender@example.test>\0"))
        c.until_final()
        c.send(pkt(b"R", b"<postmaster@example.test>\0"))
        c.until_final()
        hdrs = [(b"To", b"kim@example.test"), (b"Subject", b"x")]
        if marker is not None:
            hdrs.insert(0, (b"X-Popconn-Marker", marker))
        for n, v in hdrs:
            c.send(pkt(b"L", n + b"\0" + v + b"\0"))
            c.until_final()
        c.send(pkt(b"N"))
        c.until_final()
        c.send(pkt(b"E"))
        c.until_final()
        return True
    except (OSError, EOFError, ValueError) as e:
        print("well-formed message failed: %s" % e, file=sys.stderr)
        return False
    finally:
        if conn is None:
            c.close()


def random_packet(rng):
    cmds = [b"O", b"C", b"H", b"M", b"R", b"L", b"N", b"B", b"E", b"A",
            b"D", b"T", b"U", b"Q", b"X", b"\0"]
    cmd = rng.choice(cmds)
    kind = rng.randrange(6)
    if kind == 0:
        data = b""
    elif kind == 1:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    elif kind == 2:      # NUL-separated strings, odd or even count
        k = rng.randrange(0, 6)
        data = b"".join(rng.choice([b"i", b"{daemon_name}", b"j", b"x" * 300,
                                    b"", b"\xff"]) + b"\0" for _ in range(k))
        if cmd == b"D":
            data = rng.choice([b"C", b"M", b"R", b"E", b"H", b"L"]) + data
    elif kind == 3:
        data = b"X-Popconn-Marker\0v=1; mb=x; t=1; n=00; env=1; mac=00\0"
    elif kind == 4:
        data = b"To\0" + b"a@example.test," * rng.randrange(1, 2000) + b"\0"
    else:
        data = struct.pack("!III", rng.randrange(1 << 32), rng.randrange(
            1 << 32), rng.randrange(1 << 32))
    raw = pkt(cmd, data)
    if rng.randrange(20) == 0:
        raw = raw[:rng.randrange(len(raw))]      # truncated
    return raw


def run_random(path, n, seed):
    rng = random.Random(seed)
    bad = 0
    for i in range(n):
        try:
            c = Conn(path, timeout=0.05)
        except OSError as e:
            print("connect %d: %s" % (i, e), file=sys.stderr)
            return 1
        try:
            if rng.randrange(4):
                c.s.settimeout(2.0)
                negotiate(c)
                c.s.settimeout(0.05)
            for _ in range(rng.randrange(1, 25)):
                c.send(random_packet(rng))
                if rng.randrange(3) == 0:
                    try:
                        c.read()
                    except (socket.timeout, EOFError, ValueError):
                        break
        except OSError:
            pass
        c.close()
        if i % 50 == 49 and not well_formed(path):
            print("after sequence %d the milter does not answer" % i,
                  file=sys.stderr)
            bad += 1
            return 1
    if not well_formed(path):
        return 1
    print("random: %d sequences, milter answers" % n)
    return 0 if bad == 0 else 1


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def run_many(path, n, pidfile):
    pid = int(open(pidfile).read().split()[0])
    c = Conn(path)
    negotiate(c)
    c.send(pkt(b"C", b"localhost\x004\x00\x00127.0.0.1\x00"))
    c.until_final()
    marker = b"v=1; mb=catchall; t=1; n=0123456789abcdef; env=0; mac=" + \
        b"0" * 64
    for i in range(200):
        if not well_formed(path, marker, conn=c):
            return 1
    before = rss(pid)
    for i in range(n):
        if not well_formed(path, marker, conn=c):
            print("message %d failed" % i, file=sys.stderr)
            return 1
        if i % 7 == 3:
            c.send(pkt(b"A"))        # an abort between messages
    after = rss(pid)
    c.close()
    print("rss %d %d" % (before, after))
    return 0


def run_oddmacro(path):
    c = Conn(path)
    negotiate(c)
    # Three strings: a name without its value.
    c.send(pkt(b"D", b"C" + b"j\0mx\0{daemon_name}\0"))
    c.send(pkt(b"C", b"localhost\x004\x00\x00127.0.0.1\x00"))
    try:
        c.until_final()
    except (OSError, EOFError, ValueError):
        pass
    c.close()
    return 0 if well_formed(path) else 1


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "random":
        return run_random(path, int(sys.argv[3]), int(sys.argv[4]))
    if mode == "many":
        return run_many(path, int(sys.argv[3]), sys.argv[4])
    if mode == "oddmacro":
        return run_oddmacro(path)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
