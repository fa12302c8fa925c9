#!/bin/sh
# t_smtp_hostile - the SMTP transport (deliver_smtp.c, through the test
# tool smtp_inject) against a scripted SMTP stand-in that answers badly
# (tests/lib/fakesmtp.py): over-long lines, wrong multi-line replies, an
# early 250, 421/452/554, a connection cut after DATA and after the final
# dot before its reply, a server that never answers.  A message counts as
# delivered only on the 250 after its data; every other case is temp
# (kept on the server) or perm (5xx), never "ok".
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
. "$TOP/tests/lib/harness.sh"

h_init
INJ=$TOP/$BUILD/tests/smtp_inject
[ -x "$INJ" ] || { echo "no $INJ (make tests-build)"; exit 1; }
M=$H_TMP/m
mkdir -p "$M"
printf 'Subject: one\n\n.\n..two dots\nno final newline' >"$M/1"
printf 'Subject: two\n\nline\n.\n' >"$M/2"
printf 'Subject: three\n\nx\n' >"$M/3"
N=0

# run SCENARIO FILE|--drain... : one stand-in, smtp_inject against it;
# the tool's lines in $OUT, the stand-in's directory in $D
run() {
	N=$((N + 1))
	D=$H_TMP/s$N
	mkdir -p "$D"
	_sc=$1; shift
	h_spawn "fake$N" "$H_PYTHON" "$TOP/tests/lib/fakesmtp.py" \
	    --port-file "$D/port" --outdir "$D" --scenario "$_sc" \
	    --timeout 30 || return 1
	_i=0
	while [ ! -s "$D/port" ] && [ $_i -lt 100 ]; do
		sleep 0.05; _i=$((_i + 1)); done
	(cd "$M" && "$INJ" -t 2 -s sender@example.test \
	    "127.0.0.1:$(cat "$D/port")" rcpt@example.test "$@") \
	    >"$D/out" 2>"$D/err"
	OUT=$(cat "$D/out")
}

# want LINES: the tool printed exactly these (FILE STATUS QID, no reason)
want() {
	_got=$(printf '%s\n' "$OUT" | cut -d' ' -f1-3)
	if [ "$_got" = "$1" ]; then return 0; fi
	echo "# got:"; printf '%s\n' "$OUT" | sed 's/^/#   /'
	echo "# want:"; printf '%s\n' "$1" | sed 's/^/#   /'
	sed 's/^/#   transcript: /' "$D/transcript" | tail -20
	return 1
}

run '{}' 1 2 3
h_check "plain: three messages over one connection, each with its queue id" \
    want "1 ok FAKE0001
2 ok FAKE0002
3 ok FAKE0003"
h_check "plain: one connection, EHLO once" \
    test "$(grep -c '^C: EHLO' "$D/transcript")" = 1
h_check "plain: the data arrived unchanged (dot-stuffing undone, a final newline added)" \
    sh -c "printf 'Subject: one\n\n.\n..two dots\nno final newline\n' | cmp -s - '$D/0001.eml' && cmp -s '$M/2' '$D/0002.eml'"
h_check "plain: null sender as <>, parameters after EHLO" \
    sh -c "grep -q '^C: MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=' '$D/transcript' && grep -q '^C: RCPT TO:<rcpt@example.test>' '$D/transcript'"
h_check "plain: QUIT at the end" grep -q '^C: QUIT' "$D/transcript"

LONG=$(printf '%0600d' 0)
run "{'replies': {'MAIL': '250 $LONG\r\n'}}" 1
h_check "a reply line of 604 octets: temp" want "1 temp -"

run "{'replies': {'RCPT': '250-ok\r\n251 ok\r\n'}}" 1
h_check "a multi-line reply whose codes differ: temp" want "1 temp -"

run "{'replies': {'DATA': '250 2.0.0 Ok: queued as EARLY\r\n'}}" 1
h_check "an early 250 to DATA (no 354): temp, not delivered" want "1 temp -"

run "{'replies': {'MAIL#1': '250 ok\r\n250 ok\r\n'}}" 1
h_check "an extra reply (more replies than commands): temp" want "1 temp -"

run "{'replies': {'MAIL': '421 4.3.2 Service shutting down\r\n'}}" 1 2
h_check "421 to MAIL: both messages temp" want "1 temp -
2 temp -"

run "{'replies': {'RCPT#1': '452 4.3.1 Insufficient system storage\r\n', 'DATA#1': '554 5.5.1 Error: no valid recipients\r\n'}}" 1 2
h_check "452 to RCPT: temp (the first refusal counts), the next one delivered after RSET" \
    want "1 temp -
2 ok FAKE0001"
h_check "452: RSET was sent" grep -q '^C: RSET' "$D/transcript"
h_check "452: the reason names the 452" grep -q '452 4.3.1' "$D/out"

run "{'replies': {'DOT#1': '554 5.7.1 Rejected by policy\r\n'}}" 1 2
h_check "554 after the data: perm; the next one delivered on the same connection" \
    want "1 perm -
2 ok FAKE0002"

run "{'replies': {'RCPT': '550 5.1.1 User unknown\r\n', 'DATA': '354 go\r\n'}}" 1
h_check "550 to RCPT but 354 to DATA: perm, and no data sent (an empty message)" \
    want "1 perm -"
h_check "550/354: nothing stored" sh -c "! grep -q 'stored' '$D/transcript' || grep -q 'message 0001.eml stored' '$D/transcript' && test ! -s '$D/0001.eml'"

run "{'cut': {'DATA#1': True}}" 1 --drain 2
h_check "cut after DATA: temp; the next message on a new connection is delivered" \
    want "1 temp -
2 ok FAKE0001"
h_check "cut after DATA: two connections" \
    test "$(grep -c '^# connection' "$D/transcript")" = 2

run "{'cut': {'DOT#1': True}}" 1 2
h_check "cut after the final dot, before its reply: temp for it and for the one pipelined after it" \
    want "1 temp -
2 temp -"
h_check "cut after the dot: the stand-in had the message (the documented duplicate window)" \
    grep -q 'message 0001.eml stored' "$D/transcript"

run "{'silent': {'DOT#1': True}}" 1
h_check "no reply after the data: temp after the timeout" want "1 temp -"
h_check "no reply: the reason says timeout" grep -q 'timeout' "$D/out"

run "{'replies': {'GREETING': '554 5.3.2 go away\r\n'}}" 1
h_check "554 greeting: temp (the listener, not the message)" want "1 temp -"

run "{'ehlo': ['fake.test']}" 1 2
h_check "no PIPELINING: one command at a time, both delivered" \
    want "1 ok FAKE0001
2 ok FAKE0002"

run "{'replies': {'DOT': '250 2.0.0 Ok: queued as ../../x\r\n'}}" 1
h_check "a queue id with odd characters: delivered, no queue id taken" \
    want "1 ok -"

run "{'close_after': {'DOT#1': True}}" 1 --drain --sleep 2
h_check "the server closed the idle connection: the next message goes over a new one" \
    want "1 ok FAKE0001
2 ok FAKE0002"
h_check "idle close: two connections" \
    test "$(grep -c '^# connection' "$D/transcript")" = 2

run "{'replies': {'DOT#1': '250 2.0.0 Ok: queued as A1\r\n421 4.4.2 fake.test Error: timeout exceeded\r\n'}, 'close_after': {'DOT#1': True}}" 1 --drain --sleep 2
h_check "a 421 on the idle connection: the delivered message stays delivered, the next one goes over a new connection" \
    want "1 ok A1
2 ok FAKE0002"

# unix:PATH (smtp_injection_address = unix:/path)
N=$((N + 1)); D=$H_TMP/s$N; mkdir -p "$D"
h_spawn "fake$N" "$H_PYTHON" "$TOP/tests/lib/fakesmtp.py" \
    --port-file "$D/port" --outdir "$D" --unix "$D/smtp.sock" --timeout 30
_i=0
while [ ! -s "$D/port" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
(cd "$M" && "$INJ" -t 2 "unix:$D/smtp.sock" rcpt@example.test 1 2) >"$D/out" 2>"$D/err"
OUT=$(cat "$D/out")
h_check "unix:PATH: both delivered over a unix socket" want "1 ok FAKE0001
2 ok FAKE0002"
(cd "$M" && "$INJ" -t 2 "unix:$H_TMP/nonexistent.sock" rcpt@example.test 1) >"$D/out" 2>"$D/err"
OUT=$(cat "$D/out")
h_check "unix:PATH that nobody listens on: refused at submission, temp" \
    want "1 refused temp"
(cd "$M" && "$INJ" -t 2 "127.0.0.1:$(h_free_port)" rcpt@example.test 1) >"$D/out" 2>"$D/err"
OUT=$(cat "$D/out")
h_check "a TCP port nobody listens on: refused at submission, temp" \
    want "1 refused temp"
for bad in "unix:relative" "127.0.0.1" "127.0.0.1:0" "127.0.0.1:99999" ":25" "[::1:25"; do
	h_check "smtp_injection_address = $bad is refused as malformed" \
	    sh -c "'$INJ' '$bad' r@x 1 2>&1 | grep -q 'not host:port or unix:/path'"
done

h_done
