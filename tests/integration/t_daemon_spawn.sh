#!/bin/sh
# t_daemon_spawn - the service's workers are spawned programs (issue 22):
# a running worker ("popconn-fetcher -W -c DIR", its command name that of
# the service) holds descriptors 0, 1, 2, its result pipe (4) and the
# maillog_file (5), nothing else of its parent's; its command line and
# environment hold no password and its memory holds its own password
# only, not another mailbox's; stopping the service stops it (SIGTERM);
# a service whose binary was removed from the disk (an upgrade) still
# starts workers; "popconn-fetcher -W" by hand is refused.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

h_init
H_POSTFIX_CONF=$H_TMP/no-postfix
port=$(h_free_port)
# A server that accepts and never says a word: the worker waits.
"$H_PYTHON" - "$port" >/dev/null 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
PY
h_track_pid $!
dead=$(h_free_port)
P_EXTRA_CF="poll_interval = 1h
retry_min = 1h
command_timeout = 30s
session_timeout = 1h
maillog_file = $H_TMP/maillog"
p_config
p_mailbox "hang user pop3://hang@127.0.0.1:$port hang@example.test" "  -o tls=none"
p_password hang hang-own-secret-4711
p_mailbox "other user pop3://other@127.0.0.1:$dead other@example.test" "  -o tls=none"
p_password other other-secret-0815
# The service runs from a copy of the binary, removed once started.
mkdir -p "$H_TMP/bin"
cp "$P_FETCHER" "$H_TMP/bin/popconn-fetcher"
P_FETCHER=$H_TMP/bin/popconn-fetcher
h_check "the service starts" p_daemon_start
rm -f "$H_TMP/bin/popconn-fetcher"

# worker_pid: the service's child (the "hang" worker)
worker_pid() {
	for _c in $(cat "/proc/$P_DAEMON_PID/task/$P_DAEMON_PID/children" \
	    2>/dev/null); do
		tr '\0' ' ' <"/proc/$_c/cmdline" 2>/dev/null |
		    grep -q -- '-W' && { echo "$_c"; return 0; }
	done
	return 1
}
h_check "a worker runs for the silent server" d_wait 20 worker_pid
w=$(worker_pid)
fds=$(ls "/proc/$w/fd" 2>/dev/null | sort -n | tr '\n' ' ')
h_check "the worker holds fds 0 1 2 3 4 5 and no other (got: $fds)" \
    [ "$fds" = "0 1 2 3 4 5 " ]
h_check "fd 3 its POP3 connection, 4 a pipe, 5 the maillog_file" sh -c "
    readlink /proc/$w/fd/3 | grep -q '^socket:' &&
    readlink /proc/$w/fd/4 | grep -q '^pipe:' &&
    [ \"\$(readlink /proc/$w/fd/5)\" = '$H_TMP/maillog' ]"
h_check "its command line is popconn-fetcher -W -c DIR" \
    [ "$(tr '\0' ' ' <"/proc/$w/cmdline")" = "popconn-fetcher -W -c $P_ETC " ]
h_check "its command name is the service's" \
    [ "$(cat "/proc/$w/comm")" = "popconn-fetcher" ]
h_check "no password in its command line or environment" sh -c "
    ! cat /proc/$w/cmdline /proc/$w/environ | tr '\0' '\n' |
    grep -q secret"
# Its memory: its own password (it logs in with it), not the other one.
mem() {
	"$H_PYTHON" - "$w" "$1" <<'PY'
import re, sys
pid, want = sys.argv[1], sys.argv[2].encode()
found = False
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        try:
            mem.seek(a)
            if want in mem.read(b - a):
                found = True
        except (OSError, ValueError, OverflowError):
            pass
sys.exit(0 if found else 1)
PY
}
h_check "the worker's memory holds its own password" mem hang-own-secret-4711
if mem other-secret-0815; then
	h_check "no other mailbox's password in the worker's memory" false
else
	h_check "no other mailbox's password in the worker's memory" true
fi
h_check "the other mailbox was polled by a worker from the removed binary" \
    d_wait 20 grep -q 'acct=other: .*session=' "$H_TMP/daemon.log"
# SIGTERM: the worker's own handler (signals were reset at the spawn);
# a session waiting on a silent server ends at command_timeout.
sigcgt=$(awk '/^SigCgt/ { print $2 }' "/proc/$w/status")
h_check "the worker catches SIGTERM (SigCgt $sigcgt)" \
    [ $(( 0x${sigcgt:-0} >> 14 & 1 )) -eq 1 ]
sigblk=$(awk '/^SigBlk/ { print $2 }' "/proc/$w/status")
h_check "the worker blocks no signal once started (SigBlk $sigblk)" \
    [ "$(( 0x${sigblk:-1} & 0x7fffffff ))" -eq 0 ]
sigign=$(awk '/^SigIgn/ { print $2 }' "/proc/$w/status")
# (of the signals 1-31: 32 and 33 are the C library's own)
h_check "the worker ignores SIGPIPE and nothing else (SigIgn $sigign)" \
    [ "$(( 0x${sigign:-0} & 0x7fffffff ))" -eq 4096 ]
h_check "stopping the service stops the waiting worker" d_stop 60
h_check "the worker is gone" _h_wait_gone 5 "$w"
h_check "the stop was logged" grep -q 'stopping: 1 session' "$H_TMP/daemon.log"
h_check "no worker left behind" [ "$(d_procs "$P_ETC")" -eq 0 ]

"$TOP/$BUILD/popconn-fetcher" -W >"$H_TMP/w.out" 2>"$H_TMP/w.err"
st=$?
h_check "popconn-fetcher -W by hand: usage error (64, got $st)" [ "$st" -eq 64 ]
h_check "popconn-fetcher -W by hand: says it is internal" \
    grep -q 'internal' "$H_TMP/w.err"
h_done
