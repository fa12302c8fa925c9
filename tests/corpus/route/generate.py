#!/usr/bin/env python3
"""generate.py - write the route corpus (NN-name.eml + NN-name.expect).

Run from anywhere: python3 tests/corpus/route/generate.py
The .eml/.expect files are committed; this script is their source (edit
here, rerun, commit both).  See README for the rules the expectations
follow (issue 14) and the site they assume.

Each message has its own Message-ID <route-NN@corpus.test>: the driver
(tests/integration/t_route_corpus.sh) finds each message in Postfix's log
by it.  The RFC 5322 appendix A examples keep their syntax; their
addresses are moved into the test site (local domain example.test, users
alice bob carol dave, alias sales = alice, bob) so that they route.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = []


def case(name, headers, expect, body=None, crlf=False):
    """headers: the header block without Message-ID (str or bytes)."""
    CASES.append((name, headers, expect, body, crlf))


FROM = "From: Sender <sender@isp.test>\n"
DATE = "Date: Mon, 07 Dec 2026 10:00:00 +0000\n"


def plain(hdrs, subject):
    return FROM + hdrs + "Subject: " + subject + "\n" + DATE


# ---- RFC 5322 appendix A (addresses moved into the site)
case("rfc-a1.1-simple", """From: John Doe <jdoe@machine.example>
To: Mary Smith <alice@example.test>
Subject: Saying Hello
Date: Fri, 21 Nov 1997 09:55:06 -0600
""", ["alice@example.test"],
    "This is a message just to say hello.\nSo, \"Hello\".\n")
case("rfc-a1.2-mailboxes", """From: "Joe Q. Public" <john.q.public@example.com>
To: Mary Smith <alice@example.test>, jdoe@example.org, Who? <bob@example.test>
Cc: <carol@example.test>, "Giant; \\"Big\\" Box" <dave@example.test>
Date: Tue, 1 Jul 2003 10:52:37 +0200
""", ["alice@example.test", "bob@example.test", "carol@example.test",
      "dave@example.test"], "Hi everyone.\n")
case("rfc-a1.3-groups", """From: Pete <pete@silly.example>
To: A Group:Ed Jones <alice@example.test>,joe@where.test,John <carol@example.test>;
Cc: Undisclosed recipients:;
Date: Thu, 13 Feb 1969 23:32:54 -0330
""", ["alice@example.test", "carol@example.test"],
    "Testing.\n")
case("rfc-a2-reply1", """From: John Doe <jdoe@machine.example>
To: Mary Smith <bob@example.test>
Subject: Saying Hello
Date: Fri, 21 Nov 1997 09:55:06 -0600
""", ["bob@example.test"], "This is a message just to say hello.\n")
case("rfc-a2-reply2", """From: Mary Smith <mary@example.net>
To: John Doe <dave@example.test>
Reply-To: "Mary Smith: Personal Account" <alice@example.test>
Subject: Re: Saying Hello
Date: Fri, 21 Nov 1997 10:01:10 -0600
In-Reply-To: <1234@local.machine.example>
References: <1234@local.machine.example>
""", ["dave@example.test"], "This is a reply to your hello.\n")
case("rfc-a2-reply3", """To: "Mary Smith: Personal Account" <carol@example.test>
From: John Doe <jdoe@machine.example>
Subject: Re: Saying Hello
Date: Fri, 21 Nov 1997 11:00:00 -0600
In-Reply-To: <3456@example.net>
References: <1234@local.machine.example> <3456@example.net>
""", ["carol@example.test"], "This is a reply to your reply.\n")
case("rfc-a3-resent", """Resent-From: Mary Smith <mary@example.net>
Resent-To: Jane Brown <carol@example.test>
Resent-Date: Mon, 24 Nov 1997 14:22:01 -0800
Resent-Message-ID: <78910@example.net>
From: John Doe <jdoe@machine.example>
To: Mary Smith <alice@example.test>
Subject: Saying Hello
Date: Fri, 21 Nov 1997 09:55:06 -0600
""", ["alice@example.test", "carol@example.test"],
    "This is a message just to say hello.\n")
case("rfc-a4-trace", """Received: from x.y.test
   by example.net
   via TCP
   with ESMTP
   id ABC12345
   for <bob@example.test>;  21 Nov 1997 10:05:43 -0600
Received: from node.example by x.y.test; 21 Nov 1997 10:01:22 -0600
From: John Doe <jdoe@node.example>
To: Mary Smith <alice@example.test>
Subject: Saying Hello
Date: Fri, 21 Nov 1997 09:55:06 -0600
""", ["alice@example.test"], "This is a message just to say hello.\n")
case("rfc-a5-oddities", """From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>
To:A Group(Some people)
     :Chris Jones <carol@(Chris's host.)example.test>,
         joe@example.org,
  John <alice@example.test> (my dear friend); (the end of the group)
Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;
Date: Thu,
      13
        Feb
          1969
      23:32
               -0330 (Newfoundland Time)
""", ["alice@example.test", "carol@example.test"], "Testing.\n")
case("rfc-a6.1-obs-addressing", """From: Joe Q. Public <john.q.public@example.com>
To: Mary Smith <@node.test:alice@example.test>, , bob@example  . test
Date: Tue, 1 Jul 2003 10:52:37 +0200
""", ["alice@example.test", "bob@example.test"], "Hi everyone.\n")
case("rfc-a6.2-obs-dates", """From: John Doe <jdoe@machine.example>
To: Mary Smith <alice@example.test>
Subject: Saying Hello
Date: 21 Nov 97 09:55:06 GMT
""", ["alice@example.test"], "This is a message just to say hello.\n")
case("rfc-a6.3-obs-ws-comments", """From  : John Doe <jdoe@machine(comment).  example>
To    : Mary Smith
  
          <dave@example.test>
Subject     : Saying Hello
Date  : Fri, 21
                 Nov 1997 09(comment):   55  :  06 -0600
""", ["dave@example.test"], "This is a message just to say hello.\n")

# ---- obsolete syntax, unqualified, trailing dot (defect 3)
case("obs-blank-before-colon", plain("To : bob@example.test\n", "obs To :"),
     ["bob@example.test"])
case("obs-tab-before-colon", plain("Cc\t: carol@example.test\n", "obs Cc tab"),
     ["carol@example.test"])
case("unqualified-two", plain("To: alice, dave\n", "unqualified"),
     ["alice@example.test", "dave@example.test"])
case("unqualified-one-named", plain("To: Bob <bob>\n", "unqualified named"),
     ["bob@example.test"])
case("trailing-dot", plain("To: carol@example.test.\n", "trailing dot"),
     ["carol@example.test"])
case("trailing-dot-named", plain("To: Carol <carol@example.test.>\n",
                                 "trailing dot named"),
     ["carol@example.test"])

# ---- groups, comments, display names
case("group-two", plain("To: Team: alice@example.test, bob@example.test;\n",
                        "group"),
     ["alice@example.test", "bob@example.test"])
case("group-empty-only", plain("To: undisclosed-recipients:;\n", "empty group"),
     ["undeliverable"])
case("group-with-comments",
     plain("To: Friends (all of them): Dave <dave@example.test> (d), "
           "(x) carol@example.test ; (end)\n", "group comments"),
     ["carol@example.test", "dave@example.test"])
case("comment-nested", plain("To: alice@example.test (a (nested) comment)\n",
                             "nested comment"),
     ["alice@example.test"])
case("comment-holds-address",
     plain("To: (carol@example.test) bob@example.test\n", "comment address"),
     ["bob@example.test"])
case("name-holds-address",
     plain("To: \"dave@example.test\" <alice@example.test>\n", "name address"),
     ["alice@example.test"])
case("no-space-after-colon", plain("To:<carol@example.test>\n", "no space"),
     ["carol@example.test"])
case("header-name-case", plain("tO: dave@example.test\n", "name case"),
     ["dave@example.test"])
case("address-case", plain("To: ALICE@EXAMPLE.TEST\n", "address case"),
     ["alice@example.test"])
case("quoted-plain-local", plain("To: \"bob\"@example.test\n", "quoted plain"),
     ["bob@example.test"])
case("duplicates", plain("To: alice@example.test, Alice <alice@example.test>\n"
                         "Cc: ALICE@example.test\n", "duplicates"),
     ["alice@example.test"])

# ---- encoded words and 8-bit headers
case("encoded-b-name", plain("To: =?UTF-8?B?w4FsaWNl?= <alice@example.test>\n",
                             "encoded B"),
     ["alice@example.test"])
case("encoded-q-name",
     plain("To: =?ISO-8859-1?Q?Bob_M=FCller?= <bob@example.test>\n", "encoded Q"),
     ["bob@example.test"])
case("encoded-word-holds-address",
     plain("To: =?UTF-8?Q?carol=40example=2Etest?= <dave@example.test>\n",
           "encoded address"),
     ["dave@example.test"])
case("8bit-utf8-name",
     (FROM + "To: \u00c5lice M\u00fcller <alice@example.test>\n"
      "Subject: 8-bit UTF-8\n" + DATE).encode("utf-8"),
     ["alice@example.test"])
case("8bit-latin1-name",
     (FROM + "To: Bj\xf6rn <bob@example.test>, \xc9ve <carol@example.test>\n"
      "Subject: 8-bit Latin-1\n" + DATE).encode("latin-1"),
     ["bob@example.test", "carol@example.test"])

# ---- several address headers
case("two-to-headers", plain("To: alice@example.test\nTo: bob@example.test\n",
                             "two To"),
     ["alice@example.test", "bob@example.test"])
case("to-cc-resent", plain("To: alice@example.test\nCc: bob@example.test\n"
                           "Resent-To: carol@example.test\n"
                           "Resent-Cc: dave@example.test\n"
                           "Resent-From: Fwd <fwd@isp.test>\n", "all four"),
     ["alice@example.test", "bob@example.test", "carol@example.test",
      "dave@example.test"])
case("cc-only-two", plain("Cc: carol@example.test\nCc: outside@outside.test, "
                          "dave@example.test\n", "two Cc"),
     ["carol@example.test", "dave@example.test"])
case("bcc-ignored", plain("To: alice@example.test\nBcc: carol@example.test\n",
                          "Bcc"),
     ["alice@example.test"])
case("delivered-to-untrusted",
     "Delivered-To: carol@example.test\n" +
     plain("To: list@outside.test\n", "Delivered-To without trust"),
     ["undeliverable"])
case("long-folded",
     plain("To: " + ",\n\t".join(
         ["Person %d <p%d@outside.test>" % (i, i) for i in range(30)] +
         ["Bob <bob@example.test>"] +
         ["Person %d <p%d@outside.test>" % (i, i) for i in range(30, 60)] +
         ["dave@example.test"]) + "\n", "long folded"),
     ["bob@example.test", "dave@example.test"])
case("crlf-lines", plain("To: Bob <bob@example.test>\n", "CRLF"),
     ["bob@example.test"], crlf=True)

# ---- domains
case("outside-only", plain("To: someone@outside.test\n", "outside"),
     ["undeliverable"])
case("no-to-at-all", FROM + "Subject: no To\n" + DATE, ["undeliverable"])
case("subdomain", plain("To: alice@sub.example.test\n", "subdomain"),
     ["undeliverable"])
case("lookalike-domain", plain("To: alice@example.test.outside.test\n",
                               "lookalike"),
     ["undeliverable"])
case("domain-literal", plain("To: alice@[127.0.0.1]\n", "literal"),
     ["undeliverable"])
case("myhostname-domain", plain("To: bob@mail.example.test\n", "myhostname"),
     ["bob@mail.example.test"])
case("alias-sales", plain("To: Sales <sales@example.test>\n", "alias"),
     ["sales@example.test"])
case("delimiter-tag", plain("To: alice+tag@example.test\n", "delimiter"),
     ["alice+tag@example.test"])

# ---- relay forms (defect 2)
case("relay-percent", plain("To: evil%outside.test@example.test\n", "percent"),
     ["undeliverable"])
case("relay-quoted-at", plain("To: \"evil2@outside.test\"@example.test\n",
                              "quoted at"),
     ["undeliverable"])
case("relay-bang", plain("To: outside.test!evil3@example.test\n", "bang"),
     ["undeliverable"])
case("relay-source-route", plain("To: <@example.test:evil4@outside.test>\n",
                                 "source route"),
     ["undeliverable"])
# cleanup (trivial-rewrite) strips a source route from a header address
# before the milter sees it: what is left is the final address, local
# here, so nothing can be relayed (see README).
case("source-route-to-local",
     plain("To: <@outside.test:alice@example.test>\n", "source route to local"),
     ["alice@example.test"])
case("relay-quoted-percent",
     plain("To: \"evil5%outside.test\"@example.test\n", "quoted percent"),
     ["undeliverable"])
case("relay-unqualified-percent", plain("To: evil6%outside.test\n",
                                        "unqualified percent"),
     ["undeliverable"])
case("relay-beside-local",
     plain("To: alice@example.test, evil7%outside.test@example.test,\n"
           " outside.test!evil8@example.test\n", "beside local"),
     ["alice@example.test"])

# ---- headers Postfix cuts (defect 3)
case("token-limit-2000",
     plain("To: " + ",\n ".join(["u%d@outside.test" % i for i in range(2000)] +
                               ["carol@example.test"]) + "\n",
           "2,000 addresses"),
     ["undeliverable"])
case("size-limit-118k",
     plain("To: " + ",\n ".join(['"%s %d" <u%d@outside.test>' % ("x" * 280, i, i)
                                for i in range(400)] +
                               ["carol@example.test"]) + "\n",
           "118 KB To"),
     ["undeliverable"])


def main():
    for f in os.listdir(HERE):
        if f.endswith(".eml") or f.endswith(".expect"):
            os.unlink(os.path.join(HERE, f))
    for i, (name, headers, expect, body, crlf) in enumerate(CASES, 1):
        base = "%02d-%s" % (i, name)
        if isinstance(headers, str):
            headers = headers.encode("utf-8")
        msg = (headers + b"Message-ID: <route-%02d@corpus.test>\n" % i +
               b"\n" + (body or "Route corpus message %s.\n" % base).encode())
        if crlf:
            msg = msg.replace(b"\n", b"\r\n")
        with open(os.path.join(HERE, base + ".eml"), "wb") as f:
            f.write(msg)
        with open(os.path.join(HERE, base + ".expect"), "w") as f:
            f.write("".join(a + "\n" for a in sorted(expect)))
    print("%d messages" % len(CASES))


if __name__ == "__main__":
    main()
