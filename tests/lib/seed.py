#!/usr/bin/env python3
"""seed.py - generate deterministic test messages for popconn's tests.

    seed.py --count N [--seed S] [--user U] [--to ADDR] [--from ADDR]
            [--orig DIR] [--maildir MAILDIR --uid UID --gid GID] [--first K]

Message K (K = first .. first+N-1) depends only on (seed, user, K), so a
message is the same whatever --count says.  Every message has a unique
Message-ID, Subject "popconn test K", From, To, Date, a header folded over
several lines, lines that start with '.', a line that is only '.', and LF
line ends (Maildir convention).  Kinds rotate with K:

    K%6 == 1  small plain text (~300 bytes; no MIME headers, no folded
              header), ends with a line "."
    K%6 == 2  multipart/mixed, base64 attachment, ~200 KB
    K%6 == 3  plain text with a ~1500-char and a ~5000-char line
    K%6 == 4  8-bit UTF-8 body
    K%6 == 5  8-bit ISO-8859-1 body
    K%6 == 0  multipart/mixed, two base64 attachments, random size

After the first six, sizes vary at random (log-uniform, 300 B .. 200 KB).
--max-size N caps them near N bytes (for throughput tests; the long-line
kind stays ~7 KB, multipart ones are at least ~2 KB).

--orig DIR       writes DIR/KKKKKK-sS.eml (one file per message)
--maildir DIR    writes DIR/tmp/NAME then renames it to DIR/new/NAME,
                 chowned to UID:GID (so a running Dovecot sees it whole)
Prints one line: "seeded N messages, B bytes".
"""

import argparse
import base64
import hashlib
import math
import os
import random
import sys

UTF8_TEXT = [
    "Grüße aus München – „Anführungszeichen“ und ß.",
    "Ceci est un message en français : élève, où, naïve, cœur.",
    "Русский текст: съешь же ещё этих мягких французских булок.",
    "日本語のテキスト：いろはにほへと ちりぬるを。",
    "Ελληνικά: ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "Emoji: 📬 📨 ✉️ and math: ∀x ∈ ℝ, x² ≥ 0.",
    "עברית: דג סקרן שט בים מאוכזב.",
]

LATIN1_TEXT = [
    "Déjà vu: façade, naïve, rôle, Ærø, Øresund, smörgåsbord.",
    "Preis: 15 £ oder ¥ 300; Fußgänger über Straße.",
    "Señor Muñoz añadió: ¿qué tal? ¡Olé!",
    "Größe: 3×4 mm ± 0,5; ½ + ¼ = ¾; © ® ° µ ¶ §.",
]

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
         "eiusmod tempor incididunt ut labore et dolore magna aliqua ut "
         "enim ad minim veniam quis nostrud exercitation ullamco laboris "
         "nisi aliquip ex ea commodo consequat duis aute irure in "
         "reprehenderit voluptate velit esse cillum fugiat nulla pariatur "
         "popconn pop3 postfix milter maildir dovecot").split()

DOT_LINES = [
    ".",
    ".leading dot on this line",
    "..two leading dots",
    "...",
    " .space then dot",
    "trailing spaces kept   ",
    "From the body: a line starting with From",
]

BOUNDARY_BASE = "popconn-boundary"


def words(rng, nchars):
    """ASCII text lines of at most ~72 chars, about nchars in total."""
    lines, line, linelen, total = [], [], 0, 0
    while total < nchars:
        w = rng.choice(WORDS)
        if line and linelen + len(w) > 72:
            lines.append(" ".join(line))
            total += len(lines[-1]) + 1
            line, linelen = [], 0
        line.append(w)
        linelen += len(w) + 1
    if line:
        lines.append(" ".join(line))
    return lines


def date_for(seed, k):
    # deterministic, valid RFC 5322 date
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
              "Sep", "Oct", "Nov", "Dec"]
    day = 1 + (k % 28)
    # 2024-01-01 is a Monday
    t_days = sum([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][:seed % 12]) + day - 1
    return "%s, %d %s 2024 %02d:%02d:%02d +0000" % (
        days[t_days % 7], day, months[seed % 12], k % 24, (k * 7) % 60,
        (seed * 13 + k) % 60)


def headers(a, k, ctype, cte=None, extra=()):
    h = [
        "From: \"Popconn Seeder\" <%s>" % a.sender,
        "To: %s" % a.to,
        "Subject: popconn test %d" % k,
        "Date: %s" % date_for(a.seed, k),
        "Message-ID: %s" % message_id(a, k),
    ]
    if ctype is None:       # minimal message: no MIME, no folded header
        return h
    h += [
        "MIME-Version: 1.0",
        "X-Popconn-Seed: %d" % a.seed,
        "X-Popconn-Folded: this header is folded over several lines,",
        " the first continuation starts with a space,",
        "\tthe second with a tab,",
        "    and the third with several spaces (message %d)" % k,
        "Content-Type: %s" % ctype,
    ]
    if cte:
        h.append("Content-Transfer-Encoding: %s" % cte)
    h.extend(extra)
    return h


def message_id(a, k):
    return "<popconn-test.s%d.%s.%d@seed.popconn.test>" % (a.seed, a.user, k)


def b64_lines(data):
    enc = base64.encodebytes(data).decode("ascii")  # 76-char lines
    return enc.rstrip("\n").split("\n")


def to_bytes(lines, charset="utf-8"):
    return ("\n".join(lines) + "\n").encode(charset)


MAX_SIZE = 0


def size_target(rng):
    # log-uniform 300 B .. 200 KB (at most --max-size)
    t = int(math.exp(rng.uniform(math.log(300), math.log(200_000))))
    return min(t, MAX_SIZE) if MAX_SIZE else t


def make(a, k):
    rng = random.Random("popconn:%d:%s:%d" % (a.seed, a.user, k))
    kind = k % 6
    first_cycle = k <= 6
    if kind == 1:
        # small plain text without MIME headers, ends with a lone "."
        target = 300 if first_cycle else size_target(rng)
        body = ["Hi,", ".dot", "..dots", "From here", "."]
        body += words(rng, max(0, target - 240))
        body += ["--", "seed %d msg %d" % (a.seed, k), "."]
        return to_bytes(headers(a, k, None) + [""] + body)
    if kind == 2 or kind == 0:
        if kind == 2 and first_cycle:
            sizes = [150_000]
        elif kind == 2:
            sizes = [max(64, size_target(rng) * 3 // 4)]
        else:
            sizes = [rng.randint(64, 4_000),
                     max(64, size_target(rng) * 3 // 4 - 4_000)]
        bnd = "%s-%d-%d" % (BOUNDARY_BASE, a.seed, k)
        h = headers(a, k, "multipart/mixed;\n boundary=\"%s\"" % bnd)
        body = ["This is a multi-part message in MIME format.", "",
                "--" + bnd,
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", ""]
        body += DOT_LINES + [rng.choice(UTF8_TEXT)] + words(rng, 400)
        if a.max_size:
            sizes = [max(64, min(n, (a.max_size - 1500) * 3 // 4 // len(sizes)))
                     for n in sizes]
        for i, n in enumerate(sizes):
            data = rng.randbytes(n)
            body += ["", "--" + bnd,
                     "Content-Type: application/octet-stream; name=\"blob%d.bin\"" % i,
                     "Content-Transfer-Encoding: base64",
                     "Content-Disposition: attachment; filename=\"blob%d.bin\"" % i,
                     "X-Popconn-SHA256: " + hashlib.sha256(data).hexdigest(),
                     ""]
            body += b64_lines(data)
        body += ["", "--" + bnd + "--", ""]
        return to_bytes(h + [""] + body)
    if kind == 3:
        body = ["Long lines follow (RFC 5322 says 998; real mail breaks it)."]
        body += DOT_LINES
        l1 = "L1500:" + "".join(rng.choice("abcdefghij0123456789 ")
                                for _ in range(1494))
        l2 = "." + "L5000:" + "".join(rng.choice("ABCDEFGHIJ0123456789-")
                                      for _ in range(4993))
        body += [l1, "short line between", l2]
        if not first_cycle:
            body += words(rng, max(0, size_target(rng) - 7000))
        body += ["end of long lines"]
        return to_bytes(headers(a, k, "text/plain; charset=us-ascii", "7bit") +
                        [""] + body)
    if kind == 4:
        target = 3000 if first_cycle else size_target(rng)
        body = ["8-bit UTF-8 body:"] + DOT_LINES
        size = sum(len(x.encode()) + 1 for x in body)
        while size < target:
            more = [rng.choice(UTF8_TEXT)] + words(rng, rng.randint(0, 200))
            size += sum(len(x.encode()) + 1 for x in more)
            body.extend(more)
        return to_bytes(headers(a, k, "text/plain; charset=utf-8", "8bit") +
                        [""] + body, "utf-8")
    # kind == 5: ISO-8859-1
    target = 2000 if first_cycle else size_target(rng)
    body = ["8-bit ISO-8859-1 body:"] + DOT_LINES
    size = sum(len(x) + 1 for x in body)
    while size < target:
        more = [rng.choice(LATIN1_TEXT)] + words(rng, rng.randint(0, 200))
        size += sum(len(x) + 1 for x in more)
        body.extend(more)
    return to_bytes(headers(a, k, "text/plain; charset=iso-8859-1", "8bit") +
                    [""] + body, "latin-1")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--first", type=int, default=1)
    p.add_argument("--user", default="user")
    p.add_argument("--to", default=None)
    p.add_argument("--from", dest="sender", default="seeder@example.org")
    p.add_argument("--orig")
    p.add_argument("--maildir")
    p.add_argument("--uid", type=int, default=-1)
    p.add_argument("--gid", type=int, default=-1)
    p.add_argument("--max-size", type=int, default=0,
                   help="cap message sizes near N bytes (long-line messages "
                        "stay ~7 KB; multipart ones at least ~2 KB)")
    a = p.parse_args()
    global MAX_SIZE
    MAX_SIZE = a.max_size
    if a.to is None:
        a.to = "%s@example.test" % a.user
    if not a.orig and not a.maildir:
        p.error("need --orig and/or --maildir")
    if a.orig:
        os.makedirs(a.orig, exist_ok=True)
    if a.maildir:
        for sub in ("tmp", "new", "cur"):
            if not os.path.isdir(os.path.join(a.maildir, sub)):
                p.error("%s is not a Maildir (no %s/)" % (a.maildir, sub))
    total = 0
    for k in range(a.first, a.first + a.count):
        msg = make(a, k)
        assert b"\r" not in msg and b"\0" not in msg
        total += len(msg)
        if a.orig:
            with open(os.path.join(a.orig, "%06d-s%d.eml" % (k, a.seed)), "wb") as f:
                f.write(msg)
        if a.maildir:
            # time-ordered unique names: Dovecot assigns UIDs in this order
            name = "%d.M%06dS%d.popconn-seed" % (1_600_000_000 + k, k, a.seed)
            tmp = os.path.join(a.maildir, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(msg)
            if a.uid >= 0 or a.gid >= 0:
                os.chown(tmp, a.uid, a.gid)
            os.chmod(tmp, 0o600)
            os.rename(tmp, os.path.join(a.maildir, "new", name))
    print("seeded %d messages, %d bytes" % (a.count, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
