#!/usr/bin/env python3
"""demo_mail.py - sample ISP mail for `make demo`.

Writes a few realistic messages into the Dovecot Maildirs of the demo's
ISP accounts: demo_mail.py POP_MAILDIR_ROOT UID GID
"""
import os
import sys
import time

MAIL = {
    "chris": [
        ("Ann Lee <ann@contoso.example>", "Quarterly figures",
         "Hi Chris,\n\nThe Q3 figures are attached as promised.\n\nAnn\n"),
        ("Tailspin Toys <orders@tailspin.example>", "Order 4711 shipped",
         "Your order 4711 left our warehouse today.\n"),
        ("Mum <mum@family.example>", "Sunday?",
         "Are you coming on Sunday? Bring the kids.\n"),
    ],
    "kim": [
        ("Fabrikam HR <hr@fabrikam.example>", "Interview on Tuesday",
         "Dear Kim,\n\nWe confirm your interview on Tuesday at 10:00.\n"),
        ("Ben <ben@litware.example>", "Re: drawings",
         "Looks good.\n..\nA line that starts with a dot survives too.\n"),
    ],
    "wingtiptoys": [
        ("Ann Lee <ann@contoso.example>", "Board meeting",
         "To both of you: the board meets on Monday.\n",
         "To: chris@wingtiptoys.test\nCc: Kim <kim@wingtiptoys.test>\n"),
        ("dev list <dev-owner@lists.example>", "[dev] release 2.0",
         "Release 2.0 is out.\n",
         "To: dev@lists.example\n"),
        ("Fabrikam <news@fabrikam.example>", "Fabrikam newsletter",
         "Our news of the month.\n",
         "To: subscribers@fabrikam.example\n"),
        ("Partner <p@partner.example>", "Bcc'd proposal",
         "A proposal for Kim, sent as a Bcc.\n",
         "Delivered-To: kim@wingtiptoys.test\nTo: board@partner.example\n"),
        ("Spammer <x@spam.example>", "You won!",
         "Nobody here was addressed: this goes to postmaster.\n",
         "To: undisclosed-recipients:;\n"),
    ],
    "sales": [
        ("Woodgrove Bank <rfq@woodgrove.example>", "Request for quote: 200 kites",
         "Please quote 200 red kites, delivery before March.\n"),
        ("Northwind <buyer@northwind.example>", "Catalogue 2027",
         "Could you send us your 2027 catalogue?\n"),
    ],
}


def main():
    root, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    n = 0
    for user, msgs in MAIL.items():
        new = os.path.join(root, user, "Maildir", "new")
        for m in msgs:
            frm, subj, body = m[:3]
            to = m[3] if len(m) > 3 else f"To: {user}@isp.example\n"
            n += 1
            date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
            text = (f"Return-Path: <{frm.split('<')[1].rstrip('>')}>\n"
                    f"From: {frm}\n{to}"
                    f"Subject: {subj}\nDate: {date}\n"
                    f"Message-ID: <demo.{n}@isp.example>\n\n{body}")
            path = os.path.join(new, f"{int(time.time())}.demo{n}.isp")
            with open(path, "w") as f:
                f.write(text)
            os.chown(path, uid, gid)


if __name__ == "__main__":
    main()
