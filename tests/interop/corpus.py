#!/usr/bin/env python3
"""corpus.py - the interop suite's 50-message corpus, its delivery into a
server over LMTP, and the byte-for-byte comparison after popconn fetched it.

  corpus.py gen DIR            write DIR/m01.eml .. DIR/m50.eml
  corpus.py lmtp SOCKET RCPT DIR
                               deliver each DIR/*.eml to RCPT over LMTP
                               (Cyrus lmtpd on a unix socket)
  corpus.py maildir MAILDIR DIR
                               put each DIR/*.eml into MAILDIR/new as it
                               is (Courier reads the Maildir itself)
  corpus.py compare CAPDIR DIR
                               exit 0 when capture-sendmail's CAPDIR holds
                               each DIR/*.eml exactly once, byte for byte:
                               after popconn's own Received: header and the
                               header lines the server prepended (Cyrus:
                               Return-Path, Received, X-Cyrus-Session-Id,
                               X-Sieve), the message must be the original
                               with CR LF turned into LF (what POP3 can
                               carry) and a final line end.

The corpus: one 5 MiB message, lines that need dot-stuffing (".", "..",
".x", ". "), 8-bit text in headers and body (UTF-8 and Latin-1), files
with CR LF, bare LF and mixed line ends, a message without a final line
end, long lines (998 octets), an empty body, and ordinary mail.  Every
message has a Date and a Message-ID, so that no server adds one.  No NUL
and no bare CR: RFC 5322 forbids them and Cyrus refuses them.
"""
import os
import random
import smtplib
import sys


def msg(i, subject, body, eol=b"\n", extra=b""):
    hdr = [b"From: Sender %d <sender%d@example.net>" % (i, i),
           b"To: alice@example.test",
           b"Subject: " + subject,
           b"Date: Mon, 07 Dec 2026 12:%02d:00 +0000" % (i % 60),
           b"Message-ID: <interop-%d@example.net>" % i]
    if extra:
        hdr.append(extra)
    return eol.join(hdr) + eol + eol + body


def gen(d):
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(20)
    out = {}
    # 1: 5 MiB of base64-looking lines.
    line = b"".join(bytes([rnd.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
                                      b"ghijklmnopqrstuvwxyz0123456789+/")])
                    for _ in range(76))
    big = (line + b"\n") * (5 * 1024 * 1024 // 77 + 1)
    out[1] = msg(1, b"five MiB", b"MIME-less big body\n" + big)
    # 2-5: dot lines.
    out[2] = msg(2, b"dots", b".\n..\n...\n.x\n. \nend\n")
    out[3] = msg(3, b"dot first and last", b".leading\nmiddle\n.")
    out[4] = msg(4, b"dot CRLF", b".\r\n..\r\n.x\r\n", eol=b"\r\n")
    out[5] = msg(5, b"lone dot then text", b"a\n.\nb\n")
    # 6-9: 8-bit.
    out[6] = msg(6, b"\xc3\xa9l\xc3\xa8ve \xe2\x82\xac", "Grüße, "
                 "élève, ΣΊΣΥΦΟΣ, 日本語\n".encode("utf-8"),
                 extra=b"Content-Type: text/plain; charset=utf-8")
    out[7] = msg(7, b"latin-1 body", b"Gr\xfc\xdfe \xe9l\xe8ve\n",
                 extra=b"Content-Type: text/plain; charset=iso-8859-1")
    out[8] = msg(8, b"8bit \xff\xfe bytes", bytes(range(0x80, 0x100)) +
                 b"\n")
    out[9] = msg(9, b"all printable", bytes(range(0x20, 0x7f)) + b"\n")
    # 10-13: line ends.
    out[10] = msg(10, b"CRLF", b"line one\r\nline two\r\n", eol=b"\r\n")
    out[11] = msg(11, b"bare LF", b"line one\nline two\n")
    out[12] = msg(12, b"mixed", b"crlf\r\nlf\ncrlf\r\nlf\n")
    out[13] = msg(13, b"no final line end", b"last line without LF")
    # 14-16: lengths.
    out[14] = msg(14, b"998 octets", b"x" * 998 + b"\n" + b"y" * 997 +
                  b"\n")
    out[15] = msg(15, b"empty body", b"")
    out[16] = msg(16, b"blank lines", b"\n\n\n\nafter blanks\n\n")
    # 17-50: ordinary mail of assorted sizes, some with dot lines.
    for i in range(17, 51):
        n = rnd.randrange(1, 400)
        body = b"".join((b"." if rnd.random() < 0.05 else b"") +
                        b"line %d of message %d %s\n" %
                        (k, i, b"w" * rnd.randrange(0, 70))
                        for k in range(n))
        out[i] = msg(i, b"message %d" % i, body,
                     eol=b"\r\n" if i % 3 == 0 else b"\n")
    for i, data in out.items():
        with open(os.path.join(d, "m%02d.eml" % i), "wb") as f:
            f.write(data)


def files(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.endswith(".eml"))


def lmtp(sock, rcpt, d):
    c = smtplib.LMTP(os.path.abspath(sock))
    c.ehlo("localhost")
    for p in files(d):
        with open(p, "rb") as f:
            data = f.read()
        # smtplib sends bytes as they are: the wire wants CR LF.
        data = want(data).replace(b"\n", b"\r\n")
        bad = c.sendmail("sender@example.net", [rcpt], data)
        if bad:
            sys.exit("lmtp: %s refused: %r" % (p, bad))
    c.quit()


def maildir(md, d):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, sub), exist_ok=True)
    for k, p in enumerate(files(d)):
        with open(p, "rb") as f:
            data = f.read()
        # Courier serves Maildir files with LF line ends.
        data = data.replace(b"\r\n", b"\n")
        name = "1796600000.M%dP1.interop,S=%d" % (k, len(data))
        with open(os.path.join(md, "new", name), "wb") as f:
            f.write(data)


def want(data):
    data = data.replace(b"\r\n", b"\n")
    return data if data.endswith(b"\n") else data + b"\n"


def strip_ours(got):
    """popconn's Received: (and its folded lines) at the top."""
    if not got.startswith(b"Received: "):
        return None
    i = got.find(b"\n")
    while i >= 0 and got[i + 1:i + 2] in (b" ", b"\t"):
        i = got.find(b"\n", i + 1)
    return got[i + 1:]


def compare(cap, d):
    wants = {}
    for p in files(d):
        with open(p, "rb") as f:
            wants[os.path.basename(p)] = want(f.read())
    got = [os.path.join(cap, f) for f in sorted(os.listdir(cap))
           if f.isdigit()]
    left = dict(wants)
    for g in got:
        with open(g, "rb") as f:
            data = strip_ours(f.read())
        if data is None:
            print("%s: no popconn Received: header first" % g)
            return 1
        hit = None
        for name, w in left.items():
            if data.endswith(w):
                pre = data[:len(data) - len(w)]
                # Only header lines before the original: no blank line.
                if pre == b"" or (pre.endswith(b"\n") and
                                  b"\n\n" not in b"\n" + pre):
                    hit = name
                    break
        if hit is None:
            print("%s: matches no corpus message byte for byte" % g)
            return 1
        del left[hit]
    if left:
        print("not delivered: %s" % ", ".join(sorted(left)))
        return 1
    print("ok: %d messages byte for byte" % len(wants))
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "lmtp":
        lmtp(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "maildir":
        maildir(sys.argv[2], sys.argv[3])
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit("usage: corpus.py gen|lmtp|maildir|compare ...")


if __name__ == "__main__":
    main()
