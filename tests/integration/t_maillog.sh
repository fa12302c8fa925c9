#!/bin/sh
# t_maillog - logging where there is no syslog (issue 15): maillog_file
# (a file, or /dev/stdout) takes every line of popconn-fetcher (service
# and one-shot, workers included) and popconn-milter (its fatal
# configuration error too), in Postfix's maillog format; "popconnctl log"
# reads it; without /dev/log and without maillog_file the programs say so
# on standard error at start and log there instead of dropping lines.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"
CTL=$TOP/$BUILD/popconnctl
MILTER=$TOP/$BUILD/popconn-milter

h_init
h_ca
h_dovecot_start "erin:erin-pw"
H_POSTFIX_CONF=
P_EXTRA_CF="sendmail_path = $H_TMP/fake-sendmail-0
poll_interval = 1h"
p_config
p_fake_sendmail 0 >/dev/null
E=$P_ETC
ctl() { "$CTL" -c "$E" "$@"; }
h_seed erin 3 1 >/dev/null
p_mailbox "erin user pop3s://erin@localhost:$H_POP3S_PORT erin@example.test"
p_password erin erin-pw
LOG=$H_TMP/log/popconn.log
mkdir -p "$H_TMP/log"

# start_fetcher OUT ERR: the service without -f (syslog mode)
start_fetcher() {
	"$P_FETCHER" -c "$E" >"$1" 2>"$2" &
	P_DAEMON_PID=$!
	h_track_pid "$P_DAEMON_PID"
	d_wait 10 test -S "$H_TMP/fetcher.sock"
}

# --- 1. no /dev/log, no maillog_file: said on stderr, lines on stderr
if [ ! -e /dev/log ]; then
	start_fetcher "$H_TMP/1.out" "$H_TMP/1.err"
	h_check "no /dev/log: a start-up warning on stderr" \
	    grep -q 'popconn-fetcher\[[0-9]*\]: warning: /dev/log is missing.*set maillog_file' "$H_TMP/1.err"
	h_check "no /dev/log: the log lines go to stderr, not nowhere" \
	    d_wait 10 grep -q 'popconn-fetcher\[[0-9]*\]: info: starting:' "$H_TMP/1.err"
	d_stop 10
	"$MILTER" -c "$H_TMP/no-such-dir" >"$H_TMP/1m.out" 2>"$H_TMP/1m.err"
	h_check "no /dev/log: the milter's fatal error is on stderr" \
	    grep -q 'popconn-milter\[[0-9]*\]: fatal: .*no-such-dir' "$H_TMP/1m.err"
else
	h_ok "# SKIP /dev/log exists here: the no-syslog start-up line is not tested"
fi

# --- 2. maillog_file = a file
echo "maillog_file = $LOG" >>"$E/popconn.cf"
start_fetcher "$H_TMP/2.out" "$H_TMP/2.err"
h_check "maillog_file: the service's lines are in the file" \
    d_wait 10 grep -Eq '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ popconn-fetcher\[[0-9]+\]: starting:' "$LOG"
h_check "maillog_file: a worker's session line too" \
    d_wait 20 grep -q 'popconn-fetcher\[[0-9]*\]: acct=erin: session=done' "$LOG"
h_check "maillog_file: no start-up warning on stderr" \
    sh -c "! grep -q 'dev/log' '$H_TMP/2.err'"
ctl log >"$H_TMP/2.log" 2>&1
h_check "popconnctl log reads maillog_file" grep -q 'acct=erin: session=done' "$H_TMP/2.log"
ctl log erin >"$H_TMP/2.log" 2>&1
h_check "popconnctl log NAME: only erin's lines" \
    sh -c "grep -q 'acct=erin' '$H_TMP/2.log' && ! grep -q 'starting:' '$H_TMP/2.log'"
mv "$LOG" "$LOG.1"
ctl reload >/dev/null 2>&1
h_check "maillog_file: opened again at reload (rotation)" \
    d_wait 10 grep -q 'reloaded' "$LOG"
d_stop 10
h_check "maillog_file: the stop is logged" grep -q 'popconn-fetcher\[[0-9]*\]: stopped' "$LOG"

# the milter: a configuration it refuses, reported in the file
printf 'milter_socket = unix:%s/milter.sock\nmax_recipients = 0\n' "$H_TMP" >>"$E/popconn.cf"
"$MILTER" -c "$E" >"$H_TMP/2m.out" 2>"$H_TMP/2m.err"
h_check "maillog_file: the milter's fatal configuration error is there" \
    grep -q 'popconn-milter\[[0-9]*\]: fatal: .*max_recipients' "$LOG"
h_check "maillog_file: ... and not on stderr" \
    sh -c "! grep -q 'popconn-milter.*fatal' '$H_TMP/2m.err'"
sed -i '/^max_recipients = 0/d; /^milter_socket = /d' "$E/popconn.cf"

# one-shot
"$P_FETCHER" -1 -c "$E" erin >/dev/null 2>"$H_TMP/3.err"
h_check "maillog_file: a one-shot run logs there" \
    grep -q 'popconn-fetcher\[[0-9]*\]: acct=erin: session=done, .*messages=0' "$LOG"

# --- 3. maillog_file = /dev/stdout (containers)
sed -i "s|^maillog_file = .*|maillog_file = /dev/stdout|" "$E/popconn.cf"
"$P_FETCHER" -1 -c "$E" erin >"$H_TMP/4.out" 2>"$H_TMP/4.err"
h_check "maillog_file = /dev/stdout: the lines on standard output" \
    grep -q 'popconn-fetcher\[[0-9]*\]: acct=erin: session=done' "$H_TMP/4.out"
h_check "maillog_file = /dev/stdout: nothing on stderr" [ ! -s "$H_TMP/4.err" ]
h_done
