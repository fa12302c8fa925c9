#!/bin/sh
# t_pop3_content - message bytes that stress the RETR decoder, served by
# tests/lib/fakepop3.py (which CR-LFs and dot-stuffs them): lines "..",
# "..x" and ".", bare CR, CR before the line end, NUL bytes, a 1 MB line,
# 8-bit bytes.  sendmail (tests/lib/capture-sendmail) must get them
# byte-exact behind the fetcher's Received: header.
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
	# One sendmail at a time: the checks below read the captures in order.
	P_EXTRA_CF="sendmail_path = $H_TMP/sendmail
delivery_parallelism = 1"
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
mkdir -p "$M"
# Each message as the server stores it (LF line ends); what sendmail
# must get is the same bytes after the Received: header.
python3 - "$M" <<'PY'
import sys
d = sys.argv[1]
hdr = (b"Return-Path: <sender@example.org>\nFrom: sender@example.org\n"
       b"To: rcpt@example.test\nSubject: %s\nMessage-ID: <%s@example.org>\n\n")
msgs = {
    "dots": b"..\n..x\n.\n.x\n...\nend .\n. \n",
    "cr": b"a\rb\nends in CR\r\n\r\n\rstarts with CR\nCR CR\r\r\nx\n",
    "nul": b"a\0b\n\0\n\0\0\0 end\n",
    "longline": b"L" * (1024 * 1024) + b"\n" + b"." * 5000 + b"\n",
    "8bit": bytes(range(0x80, 0x100)) + b"\n\xc3\xa9t\xc3\xa9 \xff\xfe\n",
}
for i, (name, body) in enumerate(msgs.items(), 1):
    with open("%s/m%d-%s.eml" % (d, i, name), "wb") as f:
        f.write(hdr % (name.encode(), name.encode()) + body)
PY
all=$(ls "$M"/m*.eml)
fp_msgs $all
fp_run content '{ "user": "alice", "password": "secret" }'
h_check "content: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "content: 5 delivered" [ "$(cap_count)" -eq 5 ]
for f in $all; do
	n=$(basename "$f" .eml); i=${n%%-*}; i=${i#m}
	h_check "content: ${n#*-} delivered byte-exact" \
	    python3 "$FP" compare "$CAP/$(printf %04d "$i")" "$f"
done
h_check "content: sendmail called as sendmail -i -f SENDER -- RCPT" \
    [ "$(tr '\n' ' ' <"$CAP/0001.args")" = \
    "-i -f sender@example.org -- rcpt@example.test " ]
h_check "content: the Received: header names the mailbox and UIDL" \
    grep -q 'mailbox box, uidl uid-1' "$CAP/0001"
h_check "content: no size warning (LIST sizes were right)" \
    sh -c "! grep -q 'size differs' '$FP_LOG'"
h_check "content: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_done
