#!/bin/sh
# t_daemon_limit - the adaptive per-server session limit (issue 21) with
# the default limits (initial_connections_per_server = 4 growing to
# max_connections_per_server), 24 mailboxes (LIMIT_MANY=N for another
# number) on the one Dovecot, 2 messages each:
#  1. behind a proxy that plays Courier's couriertcpd -maxperip=4
#     (tests/lib/countproxy.py --max-per-ip 4: a fifth connection is
#     accepted and closed without a word, as couriertcpd does): every
#     mailbox is polled and emptied, nothing is counted as failed (no
#     deferred session, no failures in status), the server never held
#     more than 4, it did refuse (the limit was probed), the daemon logs
#     the grep-able "server=... refused a session with 4 open: limit for
#     ... now 4" line, and status says 4 sessions at once for the server;
#  2. straight through a counting proxy (Dovecot has no per-IP limit):
#     the limit grows past 4, in the log, in status and in the number of
#     sessions the server saw at once.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

N=${LIMIT_MANY:-24}
users=
specs=
i=1
while [ "$i" -le "$N" ]; do
	u=$(printf 'l%03d' "$i")
	users="$users $u"
	specs="$specs $u:pw-$u"
	i=$((i + 1))
done

h_init
h_ca
h_dovecot_start "$specs"
h_postfix_start example.test "$users"

# start_proxy NAME [--max-per-ip N]: a counting proxy in front of
# Dovecot's POP3S port; PROXY_PORT, PROXY_STATS
start_proxy() {
	_sp=$1; shift
	rm -f "$H_TMP/$_sp.port"
	h_spawn "$_sp" python3 "$H_LIB_DIR/countproxy.py" --target "$H_POP3S_PORT" \
	    --port-file "$H_TMP/$_sp.port" --stats "$H_TMP/$_sp.stats" \
	    --timeout 600 --events "$H_TMP/$_sp.events" "$@"
	PROXY_PID=$H_SPAWN_PID
	d_wait 10 [ -s "$H_TMP/$_sp.port" ] || return 1
	PROXY_PORT=$(cat "$H_TMP/$_sp.port")
	PROXY_STATS=$H_TMP/$_sp.stats
}
stat_of() { sed -n "s/^$1 //p" "$PROXY_STATS"; }

# config: the default limits; every mailbox through the proxy
config() {
	P_EXTRA_CF="poll_interval = 1h
retry_min = 2s"
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
# every mailbox's last poll ok, none with a failure
all_ok() {
	p_ctl status >"$H_TMP/status.json" 2>/dev/null || return 1
	python3 - "$H_TMP/status.json" "$N" <<'PY'
import json, sys
boxes = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"mailbox"')]
bad = [b["mailbox"] for b in boxes if b["result"] != "ok" or b["failures"]]
sys.exit(0 if len(boxes) == int(sys.argv[2]) and not bad else 1)
PY
}
# the server limit status reports for mailbox l001
limit_now() { d_status l001 server_limit; }

# round NAME SEED WANT [proxy options]: seed, run the daemon until WANT
# messages in all are delivered, the server is empty and every mailbox
# polled ok; keep it running (the caller reads status, then stops it)
round() {
	_r=$1 _seed=$2 _want=$3; shift 3
	start_proxy "$_r" "$@" || return 1
	config
	seed_all "$_seed" || return 1
	: >"$H_TMP/daemon.log"
	p_daemon_start || return 1
	ROUND_OK=0
	d_wait 180 all_delivered "$_want" && d_wait 30 all_ok && ROUND_OK=1
	return 0
}
stop_round() {
	d_stop 30 || true
	kill -TERM "$PROXY_PID" 2>/dev/null || true
	cp "$H_TMP/daemon.log" "$H_TMP/daemon-$1.log"
}

set +e

# ------------------------------------------------ 1. Courier's MAXPERIP=4
h_check "round 1 ran" round courier 1 $((2 * N)) --max-per-ip 4
lim1=$(limit_now)
"$TOP/$BUILD/popconnctl" -c "$P_ETC" status l001 >"$H_TMP/status-l001.txt" 2>&1
stop_round courier
max1=$(stat_of max)
tot1=$(stat_of total)
ref1=$(stat_of refused)
L=$H_TMP/daemon-courier.log
h_check "maxperip=4: all $((2 * N)) delivered, the server emptied, every mailbox ok" \
    [ "$ROUND_OK" = 1 ]
h_check "maxperip=4: every mailbox polled (sessions done $(grep -c 'session=done' "$L") = $N)" \
    [ "$(grep -c 'session=done' "$L")" -eq "$N" ]
h_check "maxperip=4: the server never held more than 4 (max $max1, $tot1 served)" \
    [ "${max1:-99}" -le 4 ]
h_check "maxperip=4: the server refused sessions: the limit was probed ($ref1 refused)" \
    [ "${ref1:-0}" -ge 1 ]
h_check "maxperip=4: no session deferred or failed" \
    sh -c "! grep -Eq 'session=(deferred|failed)|worker died' '$L'"
# 4, or 3 when a session's end and the next one's start crossed at the
# server (it still counted the one that had ended: as couriertcpd does
# until it reaps the child); on a quiet machine it is 4.
h_check "maxperip=4: the refusal logged: 'server=localhost refused a session with N open: limit for localhost now N' (N = 4, or 3)" \
    grep -Eq 'server=localhost refused a session with ([34]) open: limit for localhost now \1' "$L"
h_check "maxperip=4: one refusal line per refusal the server made ($(grep -c 'refused a session' "$L") <= $ref1)" \
    [ "$(grep -c 'refused a session' "$L")" -le "${ref1:-0}" ]
h_check "maxperip=4: the limit settled at 4, or 3 (status: $lim1)" \
    [ "$lim1" = 4 -o "$lim1" = 3 ]
h_check "maxperip=4: popconnctl status NAME shows it" \
    grep -Eq "server: *localhost, $lim1 session\(s\) at once now \(refused a session with $lim1 open: held until" \
    "$H_TMP/status-l001.txt"
h_postfix_wait_idle 60 || true
# shellcheck disable=SC2086
if python3 "$H_LIB_DIR/many.py" compare "$H_LIB_DIR" "$H_TMP/orig" \
    "$H_MAIL_ROOT" $users >"$H_TMP/compare.out" 2>&1; then
	h_ok "maxperip=4: every message delivered exactly once"
else
	h_not_ok "maxperip=4: every message delivered exactly once ($(tail -n 1 "$H_TMP/compare.out"))"
fi

# ------------------------------------------------ 2. Dovecot, no limit
h_check "round 2 ran" round dovecot 2 $((4 * N))
lim2=$(limit_now)
stop_round dovecot
max2=$(stat_of max)
L=$H_TMP/daemon-dovecot.log
h_check "no per-IP limit: all delivered, every mailbox ok" [ "$ROUND_OK" = 1 ]
h_check "no per-IP limit: the limit grew past 4 (logged)" \
    grep -q 'server=localhost took 4 sessions at once: limit for localhost now 5' "$L"
h_check "no per-IP limit: status says more than 4 ($lim2)" [ "${lim2:-0}" -gt 4 ]
h_check "no per-IP limit: the server held more than 4 at once (max $max2)" \
    [ "${max2:-0}" -gt 4 ]
h_check "no per-IP limit: nothing refused, deferred or failed" \
    sh -c "! grep -Eq 'refused a session|session=(deferred|failed)|worker died' '$L'"
echo "limit: mailboxes=$N; maxperip=4: max $max1 at once, $ref1 refused, limit $lim1; no limit: max $max2 at once, limit $lim2"
h_done
