#!/usr/bin/env python3
"""compare.py - check delivered messages against their originals.

    compare.py [--trace-header NAME]... ORIG_DIR DELIVERED

ORIG_DIR holds one original message per file.  DELIVERED is a Maildir
(its new/ and cur/ are read) or a plain directory of message files.
Messages are matched by Message-ID.  A delivered message is identical
when it is the original preceded only by whole trace header fields that
the delivery path prepends: Return-Path:, Delivered-To:, X-Original-To:,
Received: (add names with --trace-header or the environment variable
H_COMPARE_TRACE="name1 name2").  The rest is compared byte for byte.

Prints "delivered=D missing=M duplicated=X altered=A" on stdout, details
on stderr; exit status 0 only when M = X = A = 0 and D equals the
number of originals.  A delivered message with no Message-ID or an
unknown one counts as altered.
"""

import argparse
import os
import re
import sys

TRACE = {"return-path", "delivered-to", "x-original-to", "received"}
FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")


def header_block(msg):
    """The header section (without the blank line)."""
    m = re.search(rb"\r?\n\r?\n", msg)
    if m:
        return msg[:m.start() + 1]
    return msg


def message_id(msg):
    # unfold the header section and find Message-ID
    hdr = re.sub(rb"\r?\n[ \t]+", b" ", header_block(msg))
    for line in hdr.split(b"\n"):
        m = re.match(rb"(?i)message-id[ \t]*:[ \t]*(.*?)[ \t\r]*$", line)
        if m:
            return m.group(1).decode("utf-8", "replace")
    return None


def only_trace_fields(prefix, trace):
    """True when prefix is a sequence of complete trace header fields."""
    if prefix == b"":
        return True
    if not prefix.endswith(b"\n"):
        return False
    for line in prefix[:-1].split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            continue                        # continuation of the field
        m = FIELD.match(line)
        if not m or m.group(1).decode("ascii").lower() not in trace:
            return False
    return prefix[:1] not in (b" ", b"\t")


def diff_hint(orig, got):
    """Short description of the first difference (after the prefix)."""
    # align on the original's first header line if we can
    start = got.find(orig[:40]) if len(orig) >= 40 else -1
    body = got[start:] if start >= 0 else got
    n = min(len(orig), len(body))
    i = 0
    while i < n and orig[i] == body[i]:
        i += 1
    ctx = lambda b: repr(b[max(0, i - 30):i + 40])
    return ("orig %d bytes, delivered %d bytes (%d after trace headers); "
            "first difference at byte %d: orig %s vs delivered %s"
            % (len(orig), len(got), len(body), i, ctx(orig), ctx(body)))


def read_dir(path, maildir_ok=True):
    files = []
    subs = [os.path.join(path, s) for s in ("new", "cur")]
    if maildir_ok and any(os.path.isdir(s) for s in subs):
        dirs = [s for s in subs if os.path.isdir(s)]
    else:
        dirs = [path]
    for d in dirs:
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if name.startswith(".") or not os.path.isfile(p):
                continue
            with open(p, "rb") as f:
                files.append((p, f.read()))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trace-header", action="append", default=[])
    ap.add_argument("orig_dir")
    ap.add_argument("delivered")
    a = ap.parse_args()
    trace = set(TRACE)
    trace.update(x.lower() for x in a.trace_header)
    trace.update(x.lower() for x in os.environ.get("H_COMPARE_TRACE", "").split())

    if not os.path.isdir(a.orig_dir):
        print("compare: no such directory: %s" % a.orig_dir, file=sys.stderr)
        print("delivered=0 missing=0 duplicated=0 altered=0")
        return 2
    originals = {}
    for p, data in read_dir(a.orig_dir, maildir_ok=False):
        mid = message_id(data)
        if mid is None:
            print("compare: original without Message-ID: %s" % p, file=sys.stderr)
            return 2
        if mid in originals:
            print("compare: two originals with Message-ID %s" % mid, file=sys.stderr)
            return 2
        originals[mid] = data

    delivered = read_dir(a.delivered) if os.path.isdir(a.delivered) else []
    seen = {}
    altered = 0
    for p, data in delivered:
        mid = message_id(data)
        if mid is None or mid not in originals:
            altered += 1
            print("compare: altered: %s has %s" % (
                p, "no Message-ID" if mid is None else "unknown Message-ID " + mid),
                file=sys.stderr)
            continue
        seen[mid] = seen.get(mid, 0) + 1
        orig = originals[mid]
        ok = (len(data) >= len(orig) and data.endswith(orig) and
              only_trace_fields(data[:len(data) - len(orig)], trace))
        if not ok:
            altered += 1
            print("compare: altered: %s %s: %s" % (mid, p, diff_hint(orig, data)),
                  file=sys.stderr)
    missing = [m for m in originals if m not in seen]
    duplicated = sum(n - 1 for n in seen.values())
    for m in sorted(missing):
        print("compare: missing: %s" % m, file=sys.stderr)
    for m, n in sorted(seen.items()):
        if n > 1:
            print("compare: duplicated: %s delivered %d times" % (m, n), file=sys.stderr)
    print("delivered=%d missing=%d duplicated=%d altered=%d"
          % (len(delivered), len(missing), duplicated, altered))
    ok = (not missing and not duplicated and not altered and
          len(delivered) == len(originals))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
