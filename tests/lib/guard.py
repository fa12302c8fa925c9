#!/usr/bin/env python3
"""guard.py - keep a test's daemons on a leash.

    guard.py --status FILE [--rmdir DIR] -- CMD [ARGS...]

Runs CMD as a child and becomes the "child subreaper" (prctl
PR_SET_CHILD_SUBREAPER) of everything below it, so a daemon that forks
into the background (dovecot, postfix start) stays a descendant of this
process and its zombies are reaped here (PID 1 on this machine does not
reap orphans).

FILE gets "pid N" (CMD's pid) at once and "exit S" when CMD ends (S is
its exit status, or 128+signal).  The guard lives while it has any
descendant and then exits 0.

The guard dies with the shell that started it: the kernel sends it
SIGTERM when its parent exits (PR_SET_PDEATHSIG), even after a SIGKILL
of the test.  On SIGTERM, SIGINT or SIGHUP it stops every descendant
(SIGTERM, then SIGKILL after 5 s) and exits; when that happens because
the shell is gone, it also removes DIR (the test's temporary directory).
"""

import ctypes
import os
import shutil
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def prctl(option, arg):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(%d)" % option)


def descendants(root):
    """pids below root (any depth), read from /proc."""
    parent = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parent[int(d)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            pass
    out, want = [], {root}
    changed = True
    while changed:
        changed = False
        for pid, pp in parent.items():
            if pp in want and pid not in want:
                want.add(pid)
                out.append(pid)
                changed = True
    return out


def reap():
    """Reap every exited child without blocking; return False when none left."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


ORIG_PARENT = None
RMDIR = None


def teardown(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    me = os.getpid()
    for sig, secs in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        pids = descendants(me)
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, sig)
            except OSError:
                pass
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if not reap() or not descendants(me):
                break
            time.sleep(0.02)
    reap()
    if RMDIR and os.getppid() != ORIG_PARENT:
        shutil.rmtree(RMDIR, ignore_errors=True)
    os._exit(0)


def main():
    global ORIG_PARENT, RMDIR
    ORIG_PARENT = os.getppid()
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "--status":
        status, args = args[1], args[2:]
    else:
        args = []
    if len(args) >= 2 and args[0] == "--rmdir":
        RMDIR, args = args[1], args[2:]
    if len(args) < 2 or args[0] != "--":
        print("usage: guard.py --status FILE [--rmdir DIR] -- CMD [ARGS...]",
              file=sys.stderr)
        return 2
    cmd = args[1:]
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, teardown)
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != ORIG_PARENT:     # the shell is already gone
        return 1
    prctl(PR_SET_CHILD_SUBREAPER, 1)

    lines = []

    def note(line):
        lines.append(line + "\n")
        with open(status + ".new", "w") as f:
            f.write("".join(lines))
        os.rename(status + ".new", status)

    pid = os.fork()
    if pid == 0:
        try:
            for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(s, signal.SIG_DFL)
            os.execvp(cmd[0], cmd)
        except OSError as e:
            print("guard: %s: %s" % (cmd[0], e), file=sys.stderr)
        os._exit(127)
    note("pid %d" % pid)
    # wait for CMD itself, reaping anything else that ends meanwhile
    while True:
        try:
            p, st = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        if p == pid:
            break
    code = os.waitstatus_to_exitcode(st)
    note("exit %d" % (code if code >= 0 else 128 - code))
    # then reap orphans until none is left
    while True:
        try:
            os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0


if __name__ == "__main__":
    sys.exit(main())
