#!/bin/sh
# t_instance_lock - one instance per socket, and no signal to a stranger
# (issue 19, defects 2 and 3; DESIGN.md invariant 10):
# - a second popconn-milter (or popconn-fetcher) on the same configuration
#   names the running one and exits 69; the first keeps its socket and
#   still routes mail through the real Postfix;
# - popconnctl reload signals the process that holds the pid file's lock,
#   not the number written in the file: a forged pid (the service user
#   owns the directory) and a stale file after kill -9 leave a stranger
#   alive.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
m_postfix_start "postmaster kim"
p_config
m_config
m_start

ino() { stat -c %i "$1"; }
sock_ino=$(ino "$M_SOCK")
rc=0
"$TOP/$BUILD/popconn-milter" -f -c "$P_ETC" >"$H_TMP/second.log" 2>&1 || rc=$?
h_check "second milter exits 69 (got $rc)" [ "$rc" -eq 69 ]
h_check "second milter names the running one" \
    grep -q "locked by pid $M_PID" "$H_TMP/second.log"
h_check "the first milter's socket is untouched" \
    [ -S "$M_SOCK" ] && [ "$(ino "$M_SOCK")" = "$sock_ino" ]
h_check "the pid file still names the first" \
    [ "$(cat "$H_TMP/milter.pid")" = "$M_PID" ]
m_msg 1 "To: kim@example.test" "X-Popconn-Marker: $(m_marker 0)" |
    h_sendmail -i -f sender@example.test -- postmaster@example.test
h_postfix_wait_idle 30
h_check "the first milter still routes" m_has kim "1"

# A stranger, and its pid written into the milter's pid file.
sleep 300 &
stranger=$!
h_track_pid "$stranger"
printf '%s\n' "$stranger" | dd of="$H_TMP/milter.pid" conv=notrunc 2>/dev/null
"$CTL" -c "$P_ETC" reload >"$H_TMP/reload.out" 2>&1 || true
sleep 0.5
h_check "reload: the stranger lives" kill -0 "$stranger"
h_check "reload: the milter got it" grep -q 'reload' "$M_LOG"
out=$("$CTL" -c "$P_ETC" status 2>&1 || true)
h_check "status names the real milter pid" \
    sh -c "printf '%s' '$out' | grep -q 'milter: running, pid $M_PID'"

# kill -9: the file stays, with the stranger's pid in it.
kill -KILL "$M_PID"
_h_wait_gone 10 "$M_PID" || true
printf '%s\n' "$stranger" >"$H_TMP/milter.pid"
"$CTL" -c "$P_ETC" reload >"$H_TMP/reload2.out" 2>&1 || true
sleep 0.5
h_check "stale file: the stranger lives" kill -0 "$stranger"
h_check "stale file: popconnctl says the milter is not running" \
    grep -q 'milter is not running' "$H_TMP/reload2.out"
# A new milter starts over the stale file and socket.
m_start
h_check "a new milter starts over a stale pid file" kill -0 "$M_PID"

# The fetcher: the same rule for its control socket.
p_daemon_start
fsock_ino=$(ino "$H_TMP/fetcher.sock")
rc=0
"$P_FETCHER" -f -c "$P_ETC" >"$H_TMP/fsecond.log" 2>&1 || rc=$?
h_check "second fetcher exits 69 (got $rc)" [ "$rc" -eq 69 ]
h_check "second fetcher names the running one" \
    grep -q "locked by pid $P_DAEMON_PID" "$H_TMP/fsecond.log"
h_check "the first fetcher's socket is untouched" \
    [ "$(ino "$H_TMP/fetcher.sock")" = "$fsock_ino" ]
h_check "the first fetcher still answers" "$CTL" -c "$P_ETC" status
kill -TERM "$P_DAEMON_PID"
_h_wait_gone 10 "$P_DAEMON_PID" || true
h_check "the fetcher removed its socket and pid file at exit" \
    [ ! -e "$H_TMP/fetcher.sock" ] && [ ! -e "$H_TMP/fetcher.pid" ]
h_done
