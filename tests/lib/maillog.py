#!/usr/bin/env python3
"""maillog.py - envelope recipients per message, from Postfix's maillog.

Usage: maillog.py MAILLOG [MESSAGE-ID]

Joins each queue id's delivery lines ("QID: to=<...>, [orig_to=<...>,]
relay=..., status=...") to cleanup's "QID: message-id=<...>" line of the
same queue id, and prints, sorted and without repeats (a deferred
recipient is logged once per attempt),

    MESSAGE-ID <TAB> RCPT <TAB> TO <TAB> STATUS <TAB> RELAY

RCPT is the envelope recipient as the queue file held it: orig_to when
Postfix logged one (an alias, a virtual alias, or an address Postfix
qualified or rewrote), else to.  A queue id without a message-id line is
listed under "-".  With MESSAGE-ID (without <>), only that message.
Addresses are printed as logged (Postfix quotes where needed).
"""
import re
import sys

QID = r"(?P<qid>[0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]+)"
MSGID = re.compile(r" postfix(?:/\S+)?/cleanup\[\d+\]: " + QID + r": message-id=<(?P<mid>.*)>$")
# to=<...> may itself contain ">" inside quotes; orig_to follows ">, ".
TO = re.compile(r" postfix(?:/\S+)?/(?P<agent>[a-z]+)\[\d+\]: " + QID +
                r": to=<(?P<to>.*?)>, (?:orig_to=<(?P<orig>.*?)>, )?relay=(?P<relay>[^,]*),"
                r".* status=(?P<status>[a-z]+)")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: maillog.py MAILLOG [MESSAGE-ID]")
    want = sys.argv[2] if len(sys.argv) > 2 else None
    mids = {}
    rows = []
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = MSGID.search(line)
            if m:
                mids[m.group("qid")] = m.group("mid")
                continue
            m = TO.search(line)
            if m:
                rows.append((m.group("qid"), m.group("orig") or m.group("to"),
                             m.group("to"), m.group("status"), m.group("relay")))
    out = set()
    for qid, rcpt, to, status, relay in rows:
        mid = mids.get(qid, "-")
        if want is not None and mid != want:
            continue
        out.add("\t".join((mid, rcpt, to, status, relay)))
    for line in sorted(out):
        print(line)


if __name__ == "__main__":
    main()
