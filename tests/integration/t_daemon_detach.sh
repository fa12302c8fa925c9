#!/bin/sh
# t_daemon_detach - "popconn-fetcher -D" runs as a classic daemon: the
# command returns at once, the service keeps running in the background
# (its pid in pid_file, its control socket answering), and SIGTERM ends
# it.  With no mailbox configured it says "disabled: no mailboxes".
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
H_POSTFIX_CONF=
p_config
rc=0
timeout 10 "$P_FETCHER" -D -c "$P_ETC" || rc=$?
h_check "-D returns at once with status 0 (got $rc)" [ "$rc" -eq 0 ]
n=100
while [ ! -S "$H_TMP/fetcher.sock" ] && [ "$n" -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
pid=$(cat "$H_TMP/fetcher.pid" 2>/dev/null || echo 0)
[ "$pid" -gt 0 ] && h_track_pid "$pid"
h_check "pid file names a running process ($pid)" kill -0 "$pid"
h_check "it left our session (detached)" \
    [ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
out=$(p_ctl status)
h_check "status answers: idle, disabled: no mailboxes" \
    sh -c "printf '%s' '$out' | grep -q '\"service\":\"idle\",\"reason\":\"disabled: no mailboxes\"'"
kill -TERM "$pid"
n=100
while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
h_check "SIGTERM stops it" sh -c "! kill -0 $pid 2>/dev/null"
h_check "socket and pid file removed" \
    sh -c "[ ! -e '$H_TMP/fetcher.sock' ] && [ ! -e '$H_TMP/fetcher.pid' ]"
h_done
