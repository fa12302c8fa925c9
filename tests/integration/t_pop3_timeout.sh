#!/bin/sh
# t_pop3_timeout - a scripted POP3 server (tests/lib/fakepop3.py) that
# trickles one byte every 2 seconds, or stops answering: the fetcher's
# command and session timeouts end the session with a temporary failure.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

# ---- fake POP3 server helpers (the same block in every t_pop3_*.sh) ----
# fp_init: capture-sendmail wrapper, popconn.cf; FP_PORT for the server.
# fp_box URL [-o ...]: (re)write mailboxes.cf with mailbox "box".
# fp_msgs FILE...: reset the server mailbox (UIDs uid-1, uid-2, ...),
#     the fetcher's UIDL state and the captured mail.
# fp_run NAME 'SCENARIO': serve one connection with SCENARIO, run one
#     fetch cycle (bounded); sets P_STATUS, FP_TR (transcript), FP_LOG
#     (fetcher log), FP_SECS.
# fp_count: messages left on the server; cap_count: messages captured;
# captured FILE...: see below;
# tr_count PATTERN: transcript lines matching the extended regex.
FP=$TOP/tests/lib/fakepop3.py
FP_STATE=
CAP=
fp_init() {
	FP_STATE=$H_TMP/pop3.state
	CAP=$H_TMP/capture
	mkdir -p "$CAP"
	chmod 1777 "$CAP"
	printf '#!/bin/sh\nexec %s --capture-dir %s "$@"\n' \
	    "$TOP/tests/lib/capture-sendmail" "$CAP" >"$H_TMP/sendmail"
	chmod 755 "$H_TMP/sendmail"
	H_POSTFIX_CONF=
	P_EXTRA_CF="sendmail_path = $H_TMP/sendmail"
	p_config
	p_password box secret
	FP_PORT=$(h_free_port)
}
fp_box() {
	: >"$P_ETC/mailboxes.cf"
	p_mailbox "box user $1 rcpt@example.test"
	shift
	for _o in "$@"; do p_mailbox "  $_o"; done
}
fp_msgs() {
	python3 "$FP" init "$FP_STATE" "$@"
	rm -rf "$H_TMP/state" "$CAP"/[0-9]* "$CAP/status"
}
fp_run() {
	FP_TR=$H_TMP/$1.tr
	FP_LOG=$H_TMP/$1.log
	printf '%s\n' "$2" >"$H_TMP/$1.scn"
	rm -f "$H_TMP/port" "$FP_TR"
	python3 "$FP" serve --state "$FP_STATE" --scenario "$H_TMP/$1.scn" \
	    --port "$FP_PORT" --port-file "$H_TMP/port" --transcript "$FP_TR" \
	    --timeout 60 >>"$H_TMP/fakepop3.out" 2>&1 &
	_fp_pid=$!
	h_track_pid "$_fp_pid"
	_n=200
	while [ ! -s "$H_TMP/port" ] && [ "$_n" -gt 0 ] &&
	    _h_alive "$_fp_pid"; do
		sleep 0.05; _n=$((_n - 1))
	done
	if [ ! -s "$H_TMP/port" ]; then
		echo "fakepop3 did not start:" >&2
		cat "$H_TMP/fakepop3.out" >&2
		exit 1
	fi
	_t0=$(date +%s)
	P_STATUS=0
	timeout 60 "$P_FETCHER" -f -1 -c "$P_ETC" >"$FP_LOG" 2>&1 ||
	    P_STATUS=$?
	FP_SECS=$(($(date +%s) - _t0))
	# The server ends once the fetcher has closed the connection.
	_n=100
	while _h_alive "$_fp_pid" && [ "$_n" -gt 0 ]; do
		sleep 0.05; _n=$((_n - 1))
	done
	kill -TERM "$_fp_pid" 2>/dev/null || true
	wait "$_fp_pid" 2>/dev/null || true
	if [ "${FP_VERBOSE:-0}" = 1 ]; then
		echo "--- $1: exit $P_STATUS"; cat "$FP_LOG"; cat "$FP_TR"
	fi
	return 0
}
fp_count() { cat "$FP_STATE.count"; }
cap_count() { find "$CAP" -name '[0-9][0-9][0-9][0-9]' | wc -l | tr -d ' '; }
tr_count() { grep -Ec "$1" "$FP_TR" || true; }
# captured FILE...: sendmail got exactly FILE... in this order, each
# byte-exact once the fetcher's Received: header is removed.
captured() { python3 "$FP" captured "$CAP" "$@"; }
# ---- end of the fake POP3 helpers ----

h_init
fp_init
M=$H_TMP/msgs
python3 "$FP" gen "$M" 3 2000 --seed 13
BASIC='"user": "alice", "password": "secret",'

# 1. A server that sends one byte every 2 seconds: each read is within
#    command_timeout, but session_timeout (10 s) ends it.
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" \
    "-o command_timeout=3s" "-o session_timeout=10s"
fp_msgs "$M"/msg00[123].eml
fp_run trickle "{ $BASIC \"trickle\": 2 }"
h_check "trickling server: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "trickling server: gave up within 15 s (took ${FP_SECS}s)" \
    [ "$FP_SECS" -le 15 ]
h_check "trickling server: nothing delivered or deleted" \
    [ "$(cap_count)" -eq 0 -a "$(fp_count)" -eq 3 ]

# 2. A server that stops answering in the middle (RETR 2): the command
#    timeout ends the session; message 1 delivered, nothing deleted.
fp_msgs "$M"/msg00[123].eml
fp_run stall "{ $BASIC \"delay\": {\"RETR 2\": 30} }"
h_check "stalled RETR: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "stalled RETR: gave up within 8 s (took ${FP_SECS}s)" \
    [ "$FP_SECS" -le 8 ]
h_check "stalled RETR: message 1 delivered" captured "$M/msg001.eml"
h_check "stalled RETR: nothing deleted" [ "$(fp_count)" -eq 3 ]
h_done
