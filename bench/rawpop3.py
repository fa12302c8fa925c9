#!/usr/bin/env python3
"""rawpop3.py - the fetch-half ceiling: a minimal pipelined POP3S reader.

    rawpop3.py HOST PORT USER PASS CAFILE [--window N] [--no-dele]

Connects with implicit TLS (certificate verified against CAFILE), logs in
with USER/PASS, STAT, then keeps N commands (RETR k, DELE k) in flight
until every message has been read and deleted, and QUITs.  The message
bytes are counted and thrown away: no parsing beyond finding the end of
each reply, no spool, no delivery.  Prints "messages=M bytes=B".
Exit status 0 on success, 1 on any protocol or network error.
"""
import socket
import ssl
import sys


class Conn:
    def __init__(self, host, port, ca):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection((host, port), timeout=120)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s = ctx.wrap_socket(raw, server_hostname=host)
        self.buf = bytearray()
        self.pos = 0

    def fill(self):
        d = self.s.recv(262144)
        if not d:
            raise OSError("connection closed by the server")
        if self.pos > 1 << 20:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += d

    def line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                ln = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return ln
            self.fill()

    def status(self):
        ln = self.line()
        if not ln.startswith(b"+OK"):
            raise OSError("server said: %r" % ln[:200])
        return ln

    def multiline(self):
        """Skip a dot-terminated body; return its length on the wire."""
        start = self.pos
        if self.buf.startswith(b".\r\n", self.pos):
            self.pos += 3
            return 0
        search = self.pos
        while True:
            i = self.buf.find(b"\r\n.\r\n", search)
            if i >= 0:
                n = i + 2 - start
                self.pos = i + 5
                return n
            search = max(self.pos, len(self.buf) - 4)
            old = self.pos
            self.fill()
            # fill() may have compacted the buffer
            shift = old - self.pos
            start -= shift
            search -= shift

    def send(self, data):
        self.s.sendall(data)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    window = 64
    dele = "--no-dele" not in sys.argv
    for a in sys.argv[1:]:
        if a.startswith("--window="):
            window = int(a.split("=", 1)[1])
    host, port, user, pw, ca = args[0], int(args[1]), args[2], args[3], args[4]
    c = Conn(host, port, ca)
    c.status()                                  # greeting
    c.send(b"USER %s\r\nPASS %s\r\nSTAT\r\n" % (user.encode(), pw.encode()))
    c.status()
    c.status()
    n = int(c.status().split()[1])
    cmds = []
    for k in range(1, n + 1):
        cmds.append((b"RETR %d\r\n" % k, True))
        if dele:
            cmds.append((b"DELE %d\r\n" % k, False))
    sent = got = 0
    total = 0
    inflight = []
    while got < len(cmds):
        batch = []
        while sent < len(cmds) and len(inflight) < window:
            batch.append(cmds[sent][0])
            inflight.append(cmds[sent][1])
            sent += 1
        if batch:
            c.send(b"".join(batch))
        # read half a window before sending more
        target = max(1, len(inflight) // 2) if sent < len(cmds) else len(inflight)
        for _ in range(target):
            multi = inflight.pop(0)
            c.status()
            if multi:
                total += c.multiline()
            got += 1
    c.send(b"QUIT\r\n")
    c.status()
    print("messages=%d bytes=%d" % (n, total))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, IndexError) as e:
        print("rawpop3: %s" % e, file=sys.stderr)
        sys.exit(1)
