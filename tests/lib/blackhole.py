#!/usr/bin/env python3
"""blackhole.py - a TCP server on loopback that accepts and never answers.

    blackhole.py --port-file F [--host 127.0.0.X] [--timeout SECS]

Stands in for a POP3 server that hangs: every connection is accepted and
held, nothing is ever sent.  Listens on a loopback address only; exits by itself
after --timeout seconds (default 300).
"""
import argparse
import os
import selectors
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if not a.host.startswith("127."):
        raise SystemExit("blackhole.py: loopback addresses only")
    ls.bind((a.host, 0))
    ls.listen(128)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    held = []
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=1):
            c, _ = ls.accept()
            held.append(c)		# hold it, say nothing
            held = held[-1000:]


if __name__ == "__main__":
    main()
