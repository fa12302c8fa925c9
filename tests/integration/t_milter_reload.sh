#!/bin/sh
# t_milter_reload - popconn-milter's life in Postfix: while it is down,
# marked mail waits in Postfix (default_action=tempfail) and is routed
# correctly, once, when it is back; SIGUSR1 while messages flow swaps
# the routing table without losing or misrouting a message; a reload
# with a broken table keeps the old one and names the file and line;
# a table changed without a signal is picked up by itself
# (config_check_interval), a broken one is refused once, not every
# check; SIGTERM stops it cleanly.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
m_postfix_start "postmaster kim pat chris lee"
p_config
m_config
echo "config_check_interval = 1s" >>"$P_ETC/popconn.cf"
m_start

# inject N HEADERS: a marked message for the placeholder, as the fetcher
# would submit it.
inject() {
	m_msg "$1" "$2" "X-Popconn-Marker: $(m_marker 0)" |
	    h_sendmail -i -f sender@isp.test -- postmaster@example.test
}

# Milter down: the message waits in maildrop, nothing is delivered.
m_stop
h_check "SIGTERM: milter gone, socket removed" [ ! -S "$M_SOCK" ]
inject 1 "To: kim@example.test"
postkick -c "$H_POSTFIX_CONF" public pickup W
sleep 2
h_check "milter down: the message waits in maildrop" \
    [ -n "$(find "$H_POSTFIX_SPOOL/maildrop" -type f)" ]
h_check "milter down: nothing delivered" [ "$(h_mail_count kim)$(h_mail_count postmaster)" = 00 ]
h_check "milter down: nothing bounced" sh -c "! grep -q 'status=bounced' '$H_MAILLOG'"
m_start
h_postfix_wait_idle 30
h_check "milter back: delivered once, routed" m_has kim "1"
h_check "milter back: not in the undeliverable mailbox" m_has postmaster ""

# Reload under load: 60 messages for dev@lists.example (chris, then pat),
# four submissions at a time.  (A bare `wait` would wait for the guards.)
batch() {
	_b_pids=
	while [ $i -lt $1 ]; do
		inject $i "To: dev@lists.example" &
		_b_pids="$_b_pids $!"
		i=$(($i + 1))
		if [ $(($i % 4)) = 0 ]; then
			# shellcheck disable=SC2086
			wait $_b_pids
			_b_pids=
		fi
	done
	# shellcheck disable=SC2086
	[ -z "$_b_pids" ] || wait $_b_pids
}
i=100
batch 130
printf 'dev@lists.example pat\n' >"$P_ETC/routing.new"
mv "$P_ETC/routing.new" "$P_ETC/routing"
kill -USR1 "$M_PID"
batch 160
h_postfix_wait_idle 60
n_chris=$(h_mail_count chris)
n_pat=$(h_mail_count pat)
h_check "reload under load: all 60 routed by one table or the other ($n_chris + $n_pat)" \
    [ $(($n_chris + $n_pat)) -eq 60 ]
h_check "reload under load: the new table took effect" [ "$n_pat" -ge 30 ]
h_check "reload under load: none lost to the undeliverable mailbox" m_has postmaster ""
h_check "reload under load: each delivered once" \
    sh -c "[ \$(cat '$H_MAIL_ROOT'/chris/new/* '$H_MAIL_ROOT'/pat/new/* | grep -c '^Subject: milter test') -eq 60 ]"
h_check "reload logged" grep -q 'reload: configuration and tables loaded' "$M_LOG"

# A broken table on reload: the old one stays, file and line logged.
printf 'dev@lists.example chris\nbroken-line\n' >"$P_ETC/routing"
kill -USR1 "$M_PID"
n=0
while ! grep -q 'reload failed' "$M_LOG" && [ $n -lt 100 ]; do
	sleep 0.05; n=$(($n + 1))
done
h_check "broken table: reload refused, file and line named" \
    grep -q "reload failed, old configuration kept: routing_maps: $P_ETC/routing, line 2" "$M_LOG"
inject 200 "To: dev@lists.example"
h_postfix_wait_idle 30
h_check "broken table: old table still routes" \
    sh -c "grep -l '^Subject: milter test 200' '$H_MAIL_ROOT'/pat/new/* >/dev/null"
h_check "milter still running" kill -0 "$M_PID"

# wait_log PATTERN: until the milter's log has it after line $mark
# (at most 10 s); mark_log sets mark to the current end
mark_log() { mark=$(wc -l <"$M_LOG"); }
wait_log() {
	_n=0
	while ! tail -n +$(($mark + 1)) "$M_LOG" | grep -q "$1" &&
	    [ $_n -lt 200 ]; do
		sleep 0.05; _n=$(($_n + 1))
	done
	tail -n +$(($mark + 1)) "$M_LOG" | grep -q "$1"
}
# The broken table is still there: the periodic check must not retry
# (and log) the same failure every second.
sleep 3
h_check "broken table: refused once, not at every check" \
    [ "$(grep -c 'reload failed' "$M_LOG")" -eq 1 ]
# Fixed without a signal: picked up by the check.
mark_log
printf 'dev@lists.example lee\n' >"$P_ETC/routing.new"
mv "$P_ETC/routing.new" "$P_ETC/routing"
h_check "changed table: reload without a signal, file named" \
    wait_log "reload: $P_ETC/routing changed"
h_check "changed table: loaded" \
    wait_log 'configuration and tables loaded (file changed)'
inject 201 "To: dev@lists.example"
h_postfix_wait_idle 30
h_check "changed table: the new table routes" \
    sh -c "grep -l '^Subject: milter test 201' '$H_MAIL_ROOT'/lee/new/* >/dev/null"
# A regex table edited in place (same inode) counts as well.
mark_log
printf '# header text of To/Cc\n/^Trey Research/ kim\n' >>"$P_ETC/routing.pcre"
h_check "table edited in place: reloaded" \
    wait_log "reload: $P_ETC/routing.pcre changed"
h_check "one failure in the log, from the broken table" \
    [ "$(grep -c 'reload failed' "$M_LOG")" -eq 1 ]
h_check "nothing bounced or deferred" sh -c "! grep -E 'status=(bounced|deferred)' '$H_MAILLOG'"
m_stop
h_check "SIGTERM: clean exit" [ "$(h_spawn_wait milter 10)" = 0 ]
# The configuration it started with is long gone (reloaded): the socket
# path to remove must not have gone with it.
h_check "SIGTERM after reloads: socket removed" [ ! -S "$M_SOCK" ]
h_done
