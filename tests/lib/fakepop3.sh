# fakepop3.sh - shell helpers for tests that run popconn-fetcher against
# the scripted POP3 server tests/lib/fakepop3.py, delivering through
# tests/lib/capture-sendmail.  Source after harness.sh and popconn.sh.
# FP_EXTRA_CF: more popconn.cf lines for fp_init.
#
# fp_init: capture-sendmail wrapper, popconn.cf; FP_PORT for the server.
# fp_box URL [-o ...]: (re)write mailboxes.cf with mailbox "box".
# fp_msgs FILE...: reset the server mailbox (UIDs uid-1, uid-2, ...),
#     the fetcher's UIDL state and the captured mail.
# fp_run NAME 'SCENARIO': serve one connection with SCENARIO, run one
#     fetch cycle (bounded); sets P_STATUS, FP_TR (transcript), FP_LOG
#     (fetcher log), FP_SECS.
# fp_serve NAME 'SCENARIO' / fp_reap NAME: the server alone, around a
#     client of the caller's; fp_ctl NAME 'SCENARIO' ARGS...: popconnctl.
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
	P_EXTRA_CF="sendmail_path = $H_TMP/sendmail
${FP_EXTRA_CF:-}"
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
	"$H_PYTHON" "$FP" init "$FP_STATE" "$@"
	rm -rf "$H_TMP/state" "$CAP"/[0-9]* "$CAP/status"
}
fp_serve() {
	FP_TR=$H_TMP/$1.tr
	FP_LOG=$H_TMP/$1.log
	printf '%s\n' "$2" >"$H_TMP/$1.scn"
	rm -f "$H_TMP/port" "$FP_TR"
	"$H_PYTHON" "$FP" serve --state "$FP_STATE" --scenario "$H_TMP/$1.scn" \
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
}
fp_reap() {
	# The server ends once the client has closed the connection.
	_n=100
	while _h_alive "$_fp_pid" && [ "$_n" -gt 0 ]; do
		sleep 0.05; _n=$((_n - 1))
	done
	kill -TERM "$_fp_pid" 2>/dev/null || true
	wait "$_fp_pid" 2>/dev/null || true
	if [ "${FP_VERBOSE:-0}" = 1 ]; then
		echo "--- $1: exit $P_STATUS"; cat "$FP_LOG"; cat "$FP_TR"
	fi
}
fp_run() {
	fp_serve "$1" "$2"
	_t0=$(date +%s)
	P_STATUS=0
	timeout 60 "$P_FETCHER" -f -1 -c "$P_ETC" >"$FP_LOG" 2>&1 ||
	    P_STATUS=$?
	FP_SECS=$(($(date +%s) - _t0))
	fp_reap "$1"
	return 0
}
# fp_ctl NAME 'SCENARIO' ARGS...: serve one connection, run popconnctl
# ARGS (e.g. mailbox test box); output in $FP_LOG, exit in $P_STATUS.
fp_ctl() {
	_name=$1 _scn=$2
	shift 2
	fp_serve "$_name" "$_scn"
	P_STATUS=0
	timeout 60 "$TOP/$BUILD/popconnctl" -c "$P_ETC" "$@" >"$FP_LOG" 2>&1 ||
	    P_STATUS=$?
	fp_reap "$_name"
	return 0
}
fp_count() { cat "$FP_STATE.count"; }
cap_count() { find "$CAP" -name '[0-9][0-9][0-9][0-9]' | wc -l | tr -d ' '; }
tr_count() { grep -Ec "$1" "$FP_TR" || true; }
# captured FILE...: sendmail got exactly FILE..., in any order (deliveries
# run in parallel), each byte-exact once the fetcher's Received: header
# is removed.
captured() { "$H_PYTHON" "$FP" captured "$CAP" "$@"; }
