"""tcp_conns - how many TCP connections to a loopback port are open at once,
read from /proc/net/tcp{,6}; used by t_daemon_scale_real and bench.py.

A read of /proc/net/tcp is not atomic: the kernel hands it out a page at a
time, so while sessions come and go one read can list a socket that closed
half-way through it beside one that opened after that.  Counting the
sockets of one read therefore over-counts (a limit of 4 was seen as 5).
Held() counts the sockets of one read; Sampler.sample() counts only the
sockets listed by two reads in a row: each such socket was open from the
end of the first read to the start of the second, so all of them were open
at the same moment.  The count can miss a connection shorter than a read,
never invent one.

    python3 tcp_conns.py PORT OUT [SECONDS]
        sample until OUT.stop exists (or SECONDS, default 300), writing the
        most seen at once to OUT each time it grows, and at the end.
"""
import sys
import time


def held(port):
    """Socket inodes of the established connections to port held by a
    process (client side: remote port = port; inode 0 is a socket already
    closed whose FIN is not out yet)."""
    seen = set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for ln in lines:
            x = ln.split()
            if len(x) > 9 and x[3] == "01" and x[9] != "0" and \
                    int(x[2].rsplit(":", 1)[1], 16) == port:
                seen.add(x[9])
    return seen


class Sampler:
    """Connections open at once to port, from two reads in a row."""

    def __init__(self, port):
        self.port = port
        self.prev = held(port)

    def sample(self):
        cur = held(self.port)
        n = len(cur & self.prev)
        self.prev = cur
        return n


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    secs = float(sys.argv[3]) if len(sys.argv) > 3 else 300
    s = Sampler(port)
    most = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        n = s.sample()
        if n > most:
            most = n
            open(out, "w").write("%d\n" % most)
        try:
            open(out + ".stop").close()
            break
        except OSError:
            time.sleep(0.005)
    open(out, "w").write("%d\n" % most)


if __name__ == "__main__":
    main()
