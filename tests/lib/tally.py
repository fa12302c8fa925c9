#!/usr/bin/env python3
"""tally.py - the figures of a torture scenario.

    tally.py [--trace-header NAME]... --orig DIR [--orig DIR]...
             --delivered MAILDIR [--delivered MAILDIR]...
             [--server MAILDIR]... [--stuck-ok N]

Originals (one message a file, matched by Message-ID) against what was
delivered (every Maildir given, new/ and cur/) and what is still on the
POP3 server (Dovecot Maildirs).  Prints

    messages=M delivered=D lost=L duplicated=X altered=A stuck=S

messages: originals; delivered: originals delivered at least once;
lost: neither delivered nor on the server; duplicated: extra copies;
altered: a delivered copy that is not the original preceded by trace
header fields (compare.py's rule), or an unknown Message-ID; stuck: not
delivered but still on the server.  Details on stderr.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trace-header", action="append", default=[])
    ap.add_argument("--orig", action="append", default=[])
    ap.add_argument("--delivered", action="append", default=[])
    ap.add_argument("--server", action="append", default=[])
    a = ap.parse_args()
    trace = set(compare.TRACE)
    trace.update(x.lower() for x in a.trace_header)
    trace.update(x.lower() for x in
                 os.environ.get("H_COMPARE_TRACE", "").split())
    orig = {}
    for d in a.orig:
        if not os.path.isdir(d):
            continue
        for p, data in compare.read_dir(d, maildir_ok=False):
            orig[compare.message_id(data)] = data
    seen = {}
    altered = 0
    for d in a.delivered:
        if not os.path.isdir(d):
            continue
        for p, data in compare.read_dir(d):
            mid = compare.message_id(data)
            o = orig.get(mid)
            if o is None:
                altered += 1
                print("tally: unknown message %s (%s)" % (p, mid),
                      file=sys.stderr)
                continue
            seen[mid] = seen.get(mid, 0) + 1
            if not (data.endswith(o) and compare.only_trace_fields(
                    data[:len(data) - len(o)], trace)):
                altered += 1
                print("tally: altered %s: %s" % (mid,
                      compare.diff_hint(o, data)), file=sys.stderr)
    server = set()
    for d in a.server:
        if os.path.isdir(d):
            for p, data in compare.read_dir(d):
                server.add(compare.message_id(data))
    lost = stuck = 0
    for mid in orig:
        if mid in seen:
            continue
        if mid in server:
            stuck += 1
            print("tally: stuck on the server: %s" % mid, file=sys.stderr)
        else:
            lost += 1
            print("tally: lost: %s" % mid, file=sys.stderr)
    dup = sum(n - 1 for n in seen.values())
    for mid, n in seen.items():
        if n > 1:
            print("tally: duplicated %s (%d copies)" % (mid, n),
                  file=sys.stderr)
    print("messages=%d delivered=%d lost=%d duplicated=%d altered=%d stuck=%d"
          % (len(orig), len(seen), lost, dup, altered, stuck))
    return 0


if __name__ == "__main__":
    sys.exit(main())
