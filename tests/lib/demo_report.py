#!/usr/bin/env python3
"""demo_report.py - where did every message go?

demo_report.py MAILBOXES_CF MAIL_ROOT FETCHER_LOG

Reads the local Maildirs Postfix delivered into, recognises each message's
popconn trace header (which ISP mailbox and UIDL it came from) and prints,
per ISP mailbox, each message with its sender, subject and the local
mailbox it landed in.
"""
import email
import email.policy
import os
import re
import sys


def main():
    cf, root, log = sys.argv[1:4]
    boxes = []
    for line in open(cf):
        if line.strip() and not line[0].isspace() and not line.startswith("#"):
            f = line.split()
            boxes.append((f[0], f[1], f[2], f[3] if len(f) > 3 else f[0]))
    seen = {}
    for user in sorted(os.listdir(root)):
        for sub in ("new", "cur"):
            d = os.path.join(root, user, sub)
            if not os.path.isdir(d):
                continue
            for fn in sorted(os.listdir(d)):
                with open(os.path.join(d, fn), "rb") as fh:
                    msg = email.message_from_binary_file(
                        fh, policy=email.policy.compat32)
                rcvd = " ".join(msg.get_all("Received") or [])
                m = re.search(r"\(mailbox (\S+), uidl (\S+)\)", rcvd)
                if not m:
                    continue
                box, uidl = m.group(1), m.group(2)
                routed = " ".join((msg.get("X-Popconn-Routed") or "").split())
                why = ""
                m2 = re.search(r"<%s@[^>]*>\s*\(([^)]*)\)" % re.escape(user),
                               routed)
                if m2:
                    why = m2.group(1)
                elif routed:
                    why = routed[:100]
                seen.setdefault(box, []).append(
                    (uidl, msg.get("From", "?"), msg.get("Subject", "?"),
                     user, msg.get("X-Original-To", "?"),
                     os.path.join(user, sub, fn), why))
    failed = [l.strip() for l in open(log) if "status=failed" in l
              or "status=deferred" in l]
    for name, typ, url, deliver in boxes:
        got = seen.get(name, [])
        if typ == "global":
            deliver = ("each message to the local recipients its To/Cc "
                       "(and trusted envelope headers) name, routed by "
                       "popconn-milter; unroutable mail to the "
                       "undeliverable mailbox")
        print(f"mailbox {name} ({typ}, {url}) -> {deliver}")
        if not got:
            print("    nothing delivered")
        for uidl, frm, subj, user, orig, path, why in sorted(got):
            print(f"    \"{subj}\" from {frm}")
            print(f"        uidl {uidl} -> {orig} -> local mailbox {user} "
                  f"({path[:60]})")
            if why:
                print(f"        routed by popconn-milter: {why}")
    for f in failed:
        print("problem: " + f)


if __name__ == "__main__":
    main()
