#!/bin/sh
# t_pop3_pipelining - RFC 2449 PIPELINING against a scripted server
# (tests/lib/fakepop3.py): without it, one command in flight at a time;
# with it, RETRs pipelined and everything delivered once; against a
# server with tiny socket buffers that only reads when its output has
# drained, 20 messages of 300 KB without a deadlock.
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
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
M=$H_TMP/msgs
python3 "$FP" gen "$M" 5 3000 --seed 11
BASIC='"user": "alice", "password": "secret",'
# The first RETR reply waits a moment, so that whatever the client sends
# early is there when the server checks before replying.
SLOW='"delay": {"RETR#1": 0.3, "DELE#1": 0.2},'

# 1. No PIPELINING announced: one command in flight at a time.
fp_msgs "$M"/msg00[1-5].eml
fp_run no-pipelining "{ $BASIC $SLOW
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\"] }"
h_check "no PIPELINING: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "no PIPELINING: never a second command before a reply" \
    [ "$(tr_count ' EARLY ')" -eq 0 ]
h_check "no PIPELINING: 5 delivered once, byte-exact" \
    captured "$M"/msg00[1-5].eml
h_check "no PIPELINING: every DELE after its message's RETR reply" \
    [ "$(tr_count ' VIOLATION ')" -eq 0 ]
h_check "no PIPELINING: server mailbox empty" [ "$(fp_count)" -eq 0 ]

# 2. PIPELINING announced: RETRs go out together.
fp_msgs "$M"/msg00[1-5].eml
fp_run pipelining "{ $BASIC $SLOW
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\", \"PIPELINING\"] }"
h_check "PIPELINING: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "PIPELINING: several RETRs waiting before the first reply" \
    grep -Eq '^1 EARLY RETR 1 lines=([2-9]|[1-9][0-9])' "$FP_TR"
h_check "PIPELINING: 5 delivered once, byte-exact" \
    captured "$M"/msg00[1-5].eml
h_check "PIPELINING: no DELE before its message's RETR reply" \
    [ "$(tr_count ' VIOLATION ')" -eq 0 ]
h_check "PIPELINING: each message retrieved once" \
    [ "$(tr_count ' C RETR ')" -eq 5 ]
h_check "PIPELINING: server mailbox empty" [ "$(fp_count)" -eq 0 ]

# 3. Pipelining against a server with 4 KiB socket buffers that reads
#    no command while its output is queued: 20 messages of ~300 KB.
B=$H_TMP/big
python3 "$FP" gen "$B" 20 300000 --seed 5
fp_msgs "$B"/msg*.eml
fp_run small-buffers "{ $BASIC \"small_buffers\": True,
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\", \"PIPELINING\"] }"
h_check "small buffers: exit 0, no deadlock (got $P_STATUS in ${FP_SECS}s)" \
    [ "$P_STATUS" -eq 0 ]
h_check "small buffers: 20 delivered once, byte-exact" captured "$B"/msg*.eml
h_check "small buffers: the server did not time out" \
    [ "$(tr_count 'TIMEOUT')" -eq 0 ]
h_check "small buffers: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_done
