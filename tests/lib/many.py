#!/usr/bin/env python3
"""many.py - seed.py and compare.py for many users in one process.

    many.py seed LIBDIR POPROOT ORIGROOT DOMAIN COUNT SEED UID GID USER...
        seed.py --count COUNT --seed SEED for each USER (Maildir
        POPROOT/USER/Maildir, originals in ORIGROOT/USER)
    many.py compare LIBDIR ORIGROOT MAILROOT USER...
        compare.py ORIGROOT/USER MAILROOT/USER for each USER; prints
        "USER delivered=D missing=M duplicated=X altered=A" per user and
        a last line "total delivered=.. missing=.. duplicated=..
        altered=.."; exit 0 only when every user compared clean.

Starting Python once instead of once per user keeps 200 mailboxes cheap.
Only the command-line interface of seed.py and compare.py is used.
"""

import contextlib
import io
import os
import runpy
import sys


def load(libdir, name):
    return runpy.run_path(os.path.join(libdir, name))["main"]


def call(main, argv):
    old = sys.argv
    sys.argv = argv
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main()
            except SystemExit as e:
                rc = e.code
    finally:
        sys.argv = old
    return rc or 0, out.getvalue(), err.getvalue()


def main():
    cmd = sys.argv[1]
    if cmd == "seed":
        libdir, poproot, origroot, domain, count, seed, uid, gid = sys.argv[2:10]
        seed_main = load(libdir, "seed.py")
        for user in sys.argv[10:]:
            rc, out, err = call(seed_main, [
                "seed.py", "--user", user, "--count", count, "--seed", seed,
                "--to", "%s@%s" % (user, domain),
                "--maildir", os.path.join(poproot, user, "Maildir"),
                "--orig", os.path.join(origroot, user),
                "--uid", uid, "--gid", gid])
            if rc:
                sys.stderr.write("seed %s: %s%s" % (user, out, err))
                return 1
        return 0
    if cmd == "compare":
        libdir, origroot, mailroot = sys.argv[2:5]
        cmp_main = load(libdir, "compare.py")
        tot = {"delivered": 0, "missing": 0, "duplicated": 0, "altered": 0}
        bad = 0
        for user in sys.argv[5:]:
            rc, out, err = call(cmp_main, [
                "compare.py", os.path.join(origroot, user),
                os.path.join(mailroot, user)])
            line = out.strip().splitlines()[-1] if out.strip() else ""
            print("%s %s" % (user, line))
            for field in line.split():
                k, _, v = field.partition("=")
                if k in tot and v.isdigit():
                    tot[k] += int(v)
            if rc:
                bad = 1
                sys.stderr.write("%s: %s" % (user, err[-2000:]))
        print("total " + " ".join("%s=%d" % (k, tot[k]) for k in
                                  ("delivered", "missing", "duplicated",
                                   "altered")))
        return bad
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
