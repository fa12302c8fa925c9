#!/usr/bin/env python3
"""countproxy.py - a TCP relay that counts simultaneous connections.

    countproxy.py --target PORT --port-file F --stats F [--timeout SECS]
                  [--events F] [--max-per-ip N]

Listens on 127.0.0.1 (a free port, written to --port-file once
listening) and relays every connection to 127.0.0.1:PORT, bytes both
ways, unchanged (TLS passes through).  A connection counts from its
accept until the client closes its side (or either side fails); the
highest number open at once is written to the --stats file as

    max N
    total N        (connections accepted)
    active N

rewritten (atomically) whenever a number changes.  Single-threaded: in
every round of the event loop, data and end-of-file from open
connections are handled before a new connection is accepted, and again
right after it, before the count is taken: a client that closed before
another one connected is never counted together with it, however late
this process gets to run (on loopback the FIN is in the socket before the
next SYN is).  Exits
after --timeout seconds (default 600) or on SIGTERM.  --events F logs
"TIME open|close|refused CLIENT-PORT ACTIVE" for every connection
(diagnosis).

--max-per-ip N plays Courier's couriertcpd -maxperip=N (every client is
127.0.0.1 here): a connection that arrives while N are open is accepted
and closed at once, without a byte, as couriertcpd does ("ALERT: Maximum
connection limit reached for IP" in its log, nothing to the client); it
is counted in the stats file as "refused N", not in max, total or active.
"""

import argparse
import errno
import os
import selectors
import signal
import socket
import sys
import time


class Pair:
    def __init__(self, client, server):
        self.client = client
        self.server = server
        self.out = {client: b"", server: b""}   # pending data for each
        self.eof = {client: False, server: False}
        self.counted = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--events")
    ap.add_argument("--max-per-ip", type=int, default=0)
    a = ap.parse_args()
    evlog = open(a.events, "a", buffering=1) if a.events else None

    def event(what, port):
        if evlog:
            evlog.write("%.6f %s %d %d\n" % (time.time(), what, port,
                                             stats["active"]))

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(512)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    stats = {"max": 0, "total": 0, "active": 0, "refused": 0}

    def write_stats():
        tmp = a.stats + ".tmp"
        with open(tmp, "w") as f:
            for k in ("max", "total", "active", "refused"):
                f.write("%s %d\n" % (k, stats[k]))
        os.replace(tmp, a.stats)

    write_stats()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.replace(tmp, a.port_file)

    pairs = {}          # socket -> Pair

    def uncount(p):
        if p.counted:
            p.counted = False
            stats["active"] -= 1
            event("close", p.port)
            write_stats()

    def close_pair(p):
        uncount(p)
        for s in (p.client, p.server):
            if s in pairs:
                del pairs[s]
                try:
                    sel.unregister(s)
                except (KeyError, ValueError):
                    pass
                s.close()

    def accept():
        """Accept one connection; False when none was waiting."""
        while True:
            try:
                c, _ = lsock.accept()
            except BlockingIOError:
                return False
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE):
                    return False
                raise
            if a.max_per_ip and stats["active"] >= a.max_per_ip:
                stats["refused"] += 1
                event("refused", c.getpeername()[1])
                c.close()
                write_stats()
                return True
            try:
                s = socket.create_connection(("127.0.0.1", a.target), timeout=10)
            except OSError:
                c.close()
                continue
            c.setblocking(False)
            s.setblocking(False)
            p = Pair(c, s)
            p.port = c.getpeername()[1]
            pairs[c] = p
            pairs[s] = p
            sel.register(c, selectors.EVENT_READ, p)
            sel.register(s, selectors.EVENT_READ, p)
            stats["total"] += 1
            stats["active"] += 1
            event("open", p.port)
            return True

    def handle(s, mask, p):
        other = p.server if s is p.client else p.client
        if mask & selectors.EVENT_WRITE and p.out[s]:
            try:
                n = s.send(p.out[s])
                p.out[s] = p.out[s][n:]
            except BlockingIOError:
                pass
            except OSError:
                close_pair(p)
                return
            if not p.out[s] and p.eof[other]:
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        if mask & selectors.EVENT_READ and not p.eof[s]:
            try:
                d = s.recv(65536)
            except BlockingIOError:
                d = None
            except OSError:
                close_pair(p)
                return
            if d == b"":
                p.eof[s] = True
                if s is p.client:
                    uncount(p)
                if not p.out[other]:
                    try:
                        other.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
            elif d:
                p.out[other] += d
        if p.eof[p.client] and p.eof[p.server] and not p.out[p.client] \
                and not p.out[p.server]:
            close_pair(p)
            return
        if s in pairs:
            update(p)

    def update(p):
        for s in (p.client, p.server):
            other = p.server if s is p.client else p.client
            ev = 0
            if not p.eof[s] and len(p.out[other]) < (1 << 20):
                ev |= selectors.EVENT_READ
            if p.out[s]:
                ev |= selectors.EVENT_WRITE
            registered = True
            try:
                sel.get_key(s)
            except KeyError:
                registered = False
            if ev and registered:
                sel.modify(s, ev, p)
            elif ev:
                sel.register(s, ev, p)
            elif registered:
                sel.unregister(s)

    end = time.monotonic() + a.timeout
    def handle_events(events):
        listen_ready = False
        for key, mask in events:
            if key.fileobj is lsock:
                listen_ready = True
            elif key.fileobj in pairs:
                handle(key.fileobj, mask, key.data)
        return listen_ready

    while not stop and time.monotonic() < end:
        ready = handle_events(sel.select(timeout=0.5))
        # One connection at a time, each after a fresh look at the open
        # ones: a close that happened before a connect is counted first.
        while ready and not stop:
            handle_events(sel.select(timeout=0))
            ready = accept()
            if ready:
                # A close that arrived before this connection's SYN was
                # surely there by the time accept() returned: settle
                # pending closes first, then take the count.
                handle_events(sel.select(timeout=0))
                if stats["active"] > stats["max"]:
                    stats["max"] = stats["active"]
                write_stats()
    for p in list({id(p): p for p in pairs.values()}.values()):
        close_pair(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
