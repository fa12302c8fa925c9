#!/usr/bin/env python3
"""faultproxy.py - a fault-injecting TCP proxy for popconn's torture tests.

    faultproxy.py --target HOST:PORT --port-file F [--port N] [--seed S]
                  [--control FILE] [--log FILE] [--timeout SECS]
                  [--max-offset N] [--stall SECS]

Listens on 127.0.0.1 and forwards every connection to HOST:PORT.  Each
connection gets one fault, drawn at random from the seed and the
connection number (so a run is reproducible), unless the file CONTROL
exists and holds a mode name, which then applies to every connection:

  none          forward faithfully
  cut-s2c       close both sides after K bytes from the server (inside
                the greeting, the TLS handshake, a RETR reply, ...)
  cut-c2s       close both sides after K bytes from the client (inside a
                command, just after a DELE, during QUIT, ...)
  stall-s2c     after K bytes from the server, forward nothing for
                --stall seconds (default 4), then go on
  short-stall   the same, for 0.2 .. 1 s (below any timeout)
  trickle       forward in pieces of 1 .. 64 bytes, 0 .. 3 ms apart
  reset         accept, then close at once (RST)

K is log-uniform in [0, --max-offset] (default 400000): small offsets
(greeting, handshake, commands) are as likely per decade as large ones
(message data).  One line per connection goes to LOG:

  N MODE K up=BYTES down=BYTES

(up: client to server, down: server to client; written when the
connection ends).  Exits after --timeout seconds (default 600) or on
SIGTERM.  Stdlib only.
"""

import argparse
import math
import os
import random
import signal
import socket
import sys
import threading
import time

MODES = ["none", "cut-s2c", "cut-c2s", "stall-s2c", "short-stall",
         "trickle", "reset"]
WEIGHTS = [1, 5, 4, 2, 1, 2, 1]

lock = threading.Lock()


def log_line(path, line):
    if not path:
        return
    with lock:
        with open(path, "a") as f:
            f.write(line + "\n")


def pick(args, n):
    rng = random.Random("%s-%d" % (args.seed, n))
    mode = None
    if args.control and os.path.exists(args.control):
        try:
            mode = open(args.control).read().strip() or None
        except OSError:
            mode = None
    if mode is None:
        mode = rng.choices(MODES, WEIGHTS)[0]
    k = int(math.exp(rng.uniform(0, math.log(args.max_offset + 1)))) - 1
    if mode == "cut-c2s":
        # commands are short: most of the client's bytes are in the TLS
        # handshake and the first few hundred commands
        k = int(math.exp(rng.uniform(0, math.log(8001)))) - 1
    return mode, k, rng


class Conn:
    def __init__(self, n, cs, args):
        self.n = n
        self.cs = cs
        self.args = args
        self.mode, self.k, self.rng = pick(args, n)
        self.up = 0
        self.down = 0
        self.done = threading.Event()
        self.ss = None

    def close(self):
        self.done.set()
        for s in (self.cs, self.ss):
            if s is None:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def pump(self, src, dst, down):
        mode, k = self.mode, self.k
        stalled = False
        try:
            while not self.done.is_set():
                try:
                    data = src.recv(65536)
                except OSError:
                    break
                if not data:
                    # half-close: pass it on
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                sofar = self.down if down else self.up
                cut = ((mode == "cut-s2c" and down) or
                       (mode == "cut-c2s" and not down))
                if cut and sofar + len(data) > k:
                    part = data[:max(0, k - sofar)]
                    if part:
                        dst.sendall(part)
                    self._count(down, len(part))
                    break
                if (mode in ("stall-s2c", "short-stall") and down and
                        not stalled and sofar + len(data) > k):
                    part = data[:max(0, k - sofar)]
                    if part:
                        dst.sendall(part)
                        self._count(down, len(part))
                    data = data[len(part):]
                    stalled = True
                    secs = (self.args.stall if mode == "stall-s2c"
                            else self.rng.uniform(0.2, 1.0))
                    if self.done.wait(secs):
                        return
                if mode == "trickle":
                    i = 0
                    while i < len(data):
                        j = i + self.rng.randint(1, 64)
                        dst.sendall(data[i:j])
                        i = j
                        time.sleep(self.rng.uniform(0, 0.003))
                else:
                    dst.sendall(data)
                self._count(down, len(data))
        except OSError:
            pass
        self.close()

    def _count(self, down, n):
        with lock:
            if down:
                self.down += n
            else:
                self.up += n

    def run(self):
        if self.mode == "reset":
            try:
                self.cs.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            self.close()
            log_line(self.args.log, "%d reset 0 up=0 down=0" % self.n)
            return
        host, port = self.args.target.rsplit(":", 1)
        try:
            self.ss = socket.create_connection((host, int(port)), timeout=10)
            self.ss.settimeout(None)
        except OSError as e:
            log_line(self.args.log, "%d %s %d connect-failed %s"
                     % (self.n, self.mode, self.k, e))
            self.close()
            return
        t1 = threading.Thread(target=self.pump, args=(self.cs, self.ss, False),
                              daemon=True)
        t2 = threading.Thread(target=self.pump, args=(self.ss, self.cs, True),
                              daemon=True)
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        self.close()
        log_line(self.args.log, "%d %s %d up=%d down=%d"
                 % (self.n, self.mode, self.k, self.up, self.down))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--control")
    ap.add_argument("--log")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--max-offset", type=int, default=400000)
    ap.add_argument("--stall", type=float, default=4.0)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    signal.signal(signal.SIGALRM, lambda *a: os._exit(3))
    signal.alarm(int(args.timeout))

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(64)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(tmp, args.port_file)
    n = 0
    while True:
        cs, _ = ls.accept()
        n += 1
        c = Conn(n, cs, args)
        threading.Thread(target=c.run, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
