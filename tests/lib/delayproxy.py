#!/usr/bin/env python3
"""delayproxy.py - a TCP proxy on loopback that adds latency.

    delayproxy.py --listen PORT --to PORT --delay-ms MS [--port-file F]
                  [--timeout SECS]

Every chunk is held for MS milliseconds in each direction (so the added
round-trip time is 2*MS), order preserved.  This machine's kernel has no
netem; POSTFIX-NOTES.md measured 10 ms each way as 20.8 ms per one-at-a-
time POP3 command.  Listens on 127.0.0.1 only and exits by itself after
--timeout seconds (default 600).
"""
import argparse
import asyncio
import time


async def pump(reader, writer, delay):
    q = asyncio.Queue()

    async def rd():
        while True:
            data = await reader.read(65536)
            await q.put((time.monotonic() + delay, data))
            if not data:
                return

    async def wr():
        while True:
            due, data = await q.get()
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            if not data:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(rd(), wr())
    except (ConnectionError, OSError):
        pass


async def handle(cr, cw, to, delay):
    try:
        sr, sw = await asyncio.open_connection("127.0.0.1", to)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pump(cr, sw, delay), pump(sr, cw, delay))
    for w in (cw, sw):
        try:
            w.close()
        except OSError:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, default=0)
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--delay-ms", type=float, default=10.0)
    ap.add_argument("--port-file")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    srv = await asyncio.start_server(
        lambda r, w: handle(r, w, a.to, a.delay_ms / 1000.0),
        "127.0.0.1", a.listen)
    port = srv.sockets[0].getsockname()[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        await asyncio.wait_for(srv.serve_forever(), a.timeout)
    except asyncio.TimeoutError:
        pass


if __name__ == "__main__":
    asyncio.run(main())
