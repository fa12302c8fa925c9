#!/bin/sh
# t_daemon_many - many mailboxes on one server: 200 mailboxes (MANY=N for
# another number) on the one Dovecot, 2 messages each, max_connections=10
# and max_connections_per_server=4.  All are delivered exactly once in a
# bounded time, and a counting TCP proxy in front of Dovecot's POP3S port
# shows that no more than 4 sessions ever ran against the server at once.
# A second round with max_connections_per_server=10 runs more sessions in
# parallel (more than 4).  Prints the wall time of both rounds.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

N=${MANY:-200}
users=
specs=
i=1
while [ "$i" -le "$N" ]; do
	u=$(printf 'u%03d' "$i")
	users="$users $u"
	specs="$specs $u:pw-$u"
	i=$((i + 1))
done

h_init
h_ca
h_dovecot_start "$specs"
h_postfix_start example.test "$users"

# start_proxy NAME: a counting proxy in front of Dovecot's POP3S port;
# PROXY_PORT, PROXY_STATS
start_proxy() {
	rm -f "$H_TMP/$1.port"
	h_spawn "$1" python3 "$H_LIB_DIR/countproxy.py" --target "$H_POP3S_PORT" \
	    --port-file "$H_TMP/$1.port" --stats "$H_TMP/$1.stats" --timeout 600 \
	    --events "$H_TMP/$1.events"
	PROXY_PID=$H_SPAWN_PID
	d_wait 10 [ -s "$H_TMP/$1.port" ] || return 1
	PROXY_PORT=$(cat "$H_TMP/$1.port")
	PROXY_STATS=$H_TMP/$1.stats
}
stat_of() { sed -n "s/^$1 //p" "$PROXY_STATS"; }

# config PER_SERVER: popconn.cf and every mailbox through the proxy
config() {
	P_EXTRA_CF="poll_interval = 1h
retry_min = 2s
max_connections = 10
max_connections_per_server = $1"
	p_config
	for u in $users; do
		p_mailbox "$u user pop3s://$u@localhost:$PROXY_PORT $u@example.test"
		p_password "$u" "pw-$u"
	done
}
seed_all() {
	# shellcheck disable=SC2086
	python3 "$H_LIB_DIR/many.py" seed "$H_LIB_DIR" "$H_POP_MAILDIR_ROOT" \
	    "$H_TMP/orig" example.test 2 "$1" "$H_VUID" "$H_VGID" $users
}
pop_total() {
	find "$H_POP_MAILDIR_ROOT" -mindepth 3 -maxdepth 3 -type f \
	    \( -path '*/new/*' -o -path '*/cur/*' \) | wc -l | tr -d ' '
}
all_delivered() { [ "$(d_mails_total)" -ge "$1" ] && [ "$(pop_total)" -eq 0 ]; }
compare_all() {
	# shellcheck disable=SC2086
	python3 "$H_LIB_DIR/many.py" compare "$H_LIB_DIR" "$H_TMP/orig" \
	    "$H_MAIL_ROOT" $users >"$H_TMP/compare.out" 2>"$H_TMP/compare.err"
}
ms_now() { date +%s%3N; }

# round PER_SERVER SEED WANT: seed, run the daemon until WANT messages in
# all are delivered and the server is empty, stop it; ROUND_MS, ROUND_OK
round() {
	start_proxy "proxy$1" || return 1
	config "$1"
	seed_all "$2" || return 1
	: >"$H_TMP/daemon.log"
	t0=$(ms_now)
	p_daemon_start || return 1
	ROUND_OK=0
	d_wait 180 all_delivered "$3" && ROUND_OK=1
	ROUND_MS=$(($(ms_now) - t0))
	d_stop 30 || true
	kill -TERM "$PROXY_PID" 2>/dev/null || true
	return 0
}

h_check "Dovecot copes with $N users" [ "$(grep -c . "$H_TMP/dovecot/users")" -eq "$N" ]

# Setup is done: from here on every check runs, even after a failure.
set +e

# ------------------------------------------------ 1. 4 per server
h_check "round 1 ran" round 4 1 $((2 * N))
ms1=$ROUND_MS
max1=$(stat_of max)
tot1=$(stat_of total)
h_check "per_server=4: all $((2 * N)) delivered and the server emptied within 180 s (${ms1} ms)" \
    [ "$ROUND_OK" = 1 ]
h_check "per_server=4: every mailbox polled ($tot1 connections >= $N)" \
    [ "${tot1:-0}" -ge "$N" ]
h_check "per_server=4: at most 4 sessions at once (max $max1)" \
    [ "${max1:-99}" -le 4 ]
h_check "per_server=4: the limit was reached (max $max1 = 4)" \
    [ "${max1:-0}" -eq 4 ]
h_check "per_server=4: daemon exited 0" [ "${D_EXIT:-1}" = 0 ]
h_check "per_server=4: no session deferred or failed" \
    sh -c "! grep -Eq 'session=(deferred|failed)|worker died' '$H_TMP/daemon.log'"
h_postfix_wait_idle 60 || true
if compare_all; then
	h_ok "per_server=4: every message delivered exactly once ($(tail -n 1 "$H_TMP/compare.out"))"
else
	h_not_ok "per_server=4: every message delivered exactly once ($(tail -n 1 "$H_TMP/compare.out"))"
	grep -v 'missing=0 duplicated=0 altered=0' "$H_TMP/compare.out" | head -5 >&2
fi

# ------------------------------------------------ 2. 10 per server
h_check "round 2 ran" round 10 2 $((4 * N))
ms2=$ROUND_MS
max2=$(stat_of max)
tot2=$(stat_of total)
h_check "per_server=10: all $((2 * N)) more delivered and the server emptied within 180 s (${ms2} ms)" \
    [ "$ROUND_OK" = 1 ]
h_check "per_server=10: more parallelism (max $max2 > 4)" [ "${max2:-0}" -gt 4 ]
h_check "per_server=10: never above max_connections (max $max2 <= 10)" \
    [ "${max2:-99}" -le 10 ]
h_check "per_server=10: daemon exited 0" [ "${D_EXIT:-1}" = 0 ]
h_check "per_server=10: no session deferred or failed" \
    sh -c "! grep -Eq 'session=(deferred|failed)|worker died' '$H_TMP/daemon.log'"
h_postfix_wait_idle 60 || true
if compare_all; then
	h_ok "per_server=10: every message delivered exactly once ($(tail -n 1 "$H_TMP/compare.out"))"
else
	h_not_ok "per_server=10: every message delivered exactly once ($(tail -n 1 "$H_TMP/compare.out"))"
	grep -v 'missing=0 duplicated=0 altered=0' "$H_TMP/compare.out" | head -5 >&2
fi
echo "many: mailboxes=$N, per_server=4: ${ms1} ms (max $max1 at once, $tot1 connections); per_server=10: ${ms2} ms (max $max2 at once, $tot2 connections)"
h_done
