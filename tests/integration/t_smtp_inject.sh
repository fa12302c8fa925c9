#!/bin/sh
# t_smtp_inject - delivery_method = smtp end to end (issue 21): Dovecot ->
# popconn-fetcher -> a dedicated Postfix smtpd listener on loopback, set up
# by "popconnctl postfix-setup --apply" (master.cf entry with its own
# smtpd_milters and milter_macro_daemon_name) -> Maildir.  Checks:
#  - postfix-setup prints, applies (idempotent) and undoes the listener;
#    with every mailbox on smtp the milter leaves non_smtpd_milters;
#  - every message arrives once, byte for byte, and the queue id in
#    popconn's log line is the one Postfix logged for it;
#  - a 4xx (the milter down: smtpd tempfails) keeps the mail on the
#    server, and the next cycle delivers it, nothing lost, nothing twice;
#  - a global mailbox's marker is trusted from the listener (routed to
#    To:), and the same valid marker through another smtpd is not;
#  - the daemon keeps each mailbox's last delivered queue id, which
#    popconnctl status (and --json "last_queue_id") shows;
#  - one listener per distinct smtp_injection_address (per-mailbox -o
#    too), each with its own syslog_name; unix:QUEUE/public/NAME becomes
#    a "NAME unix" smtpd that delivers; another unix path, or a listener
#    off loopback, is refused naming the file and line.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
h_ca
h_dovecot_start "alice:alice-pw domain:domain-pw carol:carol-pw"
SMTP_PORT=$(h_free_port)
OTHER_PORT=$(h_free_port)
M_SOCK=$H_TMP/milter.sock
# an ordinary smtpd as well, with the milter, for the "any other smtpd" case
H_POSTFIX_EXTRA_MAIN="smtpd_milters = { unix:$M_SOCK, default_action=tempfail }"
H_POSTFIX_EXTRA_MASTER="127.0.0.1:$OTHER_PORT inet n - n - - smtpd"
export H_POSTFIX_EXTRA_MAIN H_POSTFIX_EXTRA_MASTER
h_postfix_start example.test "alice postmaster kim"
mkdir -p "$H_TMP/orig/m"
P_EXTRA_CF="delivery_method = smtp
smtp_injection_address = 127.0.0.1:$SMTP_PORT"
p_config
m_config
p_mailbox "alice user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test"
p_password alice alice-pw
CTL=$TOP/$BUILD/popconnctl
PC="postconf -c $H_POSTFIX_CONF"
KEY="127.0.0.1:$SMTP_PORT/inet"

# --- postfix-setup (the milter is in non_smtpd_milters from an earlier
# sendmail set-up, next to another milter)
$PC -e "non_smtpd_milters = inet:127.0.0.1:1, { unix:$M_SOCK, default_action=tempfail }"
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/setup.out" 2>&1
h_check "postfix-setup prints the listener (postconf -M)" \
    grep -q "^postconf -c .* -M '$KEY=127.0.0.1:$SMTP_PORT inet n - n - - smtpd'" "$H_TMP/setup.out"
h_check "postfix-setup prints its smtpd_milters, daemon name and syslog_name" \
    sh -c "grep -q \"$KEY/syslog_name=postfix/popconn-$SMTP_PORT'\" '$H_TMP/setup.out' &&
           grep -q \"$KEY/smtpd_milters={unix:$M_SOCK,default_action=tempfail\" '$H_TMP/setup.out' &&
           grep -q \"$KEY/milter_macro_daemon_name=popconn-smtp'\" '$H_TMP/setup.out' &&
           grep -q \"$KEY/smtpd_client_restrictions=permit_mynetworks,reject'\" '$H_TMP/setup.out' &&
           grep -q \"$KEY/mynetworks=127.0.0.0/8\" '$H_TMP/setup.out' &&
           grep -q \"$KEY/content_filter='\" '$H_TMP/setup.out'"
h_check "no mailbox uses sendmail: the milter leaves non_smtpd_milters, the other stays" \
    grep -q "^postconf -c .* -e 'non_smtpd_milters = inet:127.0.0.1:1'\$" "$H_TMP/setup.out"
h_check "printing changed nothing" sh -c "[ -z \"\$($PC -M $KEY 2>/dev/null)\" ]"
"$CTL" -c "$P_ETC" postfix-setup --apply >"$H_TMP/apply.out" 2>&1
h_check "postfix-setup --apply: the listener is in master.cf" \
    sh -c "$PC -M $KEY | grep -q 'smtpd'"
h_check "--apply: -o milter_macro_daemon_name=popconn-smtp" \
    sh -c "$PC -P | grep -q '^$KEY/milter_macro_daemon_name = popconn-smtp\$'"
h_check "--apply: postfix reloaded" grep -q 'done: postfix .* reload' "$H_TMP/apply.out"
h_check "--apply: non_smtpd_milters keeps only the other milter" \
    sh -c "[ \"\$($PC -h non_smtpd_milters)\" = 'inet:127.0.0.1:1' ]"
$PC -X non_smtpd_milters
"$CTL" -c "$P_ETC" postfix-setup --apply >"$H_TMP/apply2.out" 2>&1
h_check "--apply again changes nothing" \
    sh -c "grep -q 'listener $KEY is in place' '$H_TMP/apply2.out' && ! grep -q 'done: postconf' '$H_TMP/apply2.out'"
m_start
# the reloaded master opens the new listener
_n=0
until "$H_PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1)" 2>/dev/null; do
	_n=$((_n + 1)); [ $_n -lt 100 ] || break; sleep 0.1
done

# --- 30 messages through the listener
h_seed alice 30 1
p_fetch
h_check "fetch over smtp exits 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "postfix drained" h_postfix_wait_idle 60
h_check "30 delivered byte-identical, none lost or duplicated" \
    h_compare alice "$H_TMP/orig/alice" "$H_MAIL_ROOT/alice"
h_check "alice's POP3 mailbox is empty" [ "$(h_pop_count alice)" -eq 0 ]
grep 'status=delivered (queued as ' "$H_TMP/fetcher.log" |
    sed 's/.*(queued as \([0-9A-Za-z]*\)).*/\1/' | sort >"$H_TMP/qids"
h_check "30 log lines with 30 distinct queue ids" \
    sh -c "[ \$(wc -l <'$H_TMP/qids') -eq 30 ] && [ \$(sort -u '$H_TMP/qids' | wc -l) -eq 30 ]"
qid_ok() {	# each popconn queue id: Postfix's smtpd took it from us and
		# virtual delivered it to alice, once
	while read -r q; do
		[ "$(grep -c "postfix/popconn-$SMTP_PORT/smtpd\[[0-9]*\]: $q: client=localhost\[127.0.0.1\]" "$H_MAILLOG")" -eq 1 ] || {
			echo "  $q: no smtpd line" >&2; return 1; }
		[ "$(grep -c "postfix/virtual\[[0-9]*\]: $q: to=<alice@example.test>.*status=sent" "$H_MAILLOG")" -eq 1 ] || {
			echo "  $q: not delivered once" >&2; return 1; }
	done <"$H_TMP/qids"
}
h_check "each queue id in popconn's log is the one Postfix logged (smtpd, delivered once)" qid_ok
h_check "the listener was used, not sendmail" \
    sh -c "! grep -q 'postfix/pickup' '$H_MAILLOG'"

# --- a 4xx keeps the mail on the server
m_stop
h_seed alice 5 2
p_fetch
h_check "milter down: the listener tempfails, nothing delivered" \
    [ "$(h_mail_count alice)" -eq 30 ]
h_check "milter down: all 5 stay on the server" [ "$(h_pop_count alice)" -eq 5 ]
h_check "milter down: the log shows the 4xx" \
    grep -q "127.0.0.1:$SMTP_PORT.* 4[0-9][0-9] " "$H_TMP/fetcher.log"
m_start
p_fetch
h_check "milter back: the next cycle delivers them" h_postfix_wait_idle 60
h_check "35 delivered, none lost or duplicated" \
    h_compare alice "$H_TMP/orig/alice" "$H_MAIL_ROOT/alice"
h_check "POP3 mailbox empty again" [ "$(h_pop_count alice)" -eq 0 ]

# --- a 5xx: refused at RCPT (no such local user), kept on the server,
# counted against max_delivery_attempts; Postfix made no bounce
p_mailbox "carol user pop3s://carol@localhost:$H_POP3S_PORT ghost@example.test"
p_password carol carol-pw
h_seed carol 1 3
p_fetch
h_check "5xx: the 550 from the listener is in the log" \
    grep -q "127.0.0.1:$SMTP_PORT said: RCPT TO: 550 " "$H_TMP/fetcher.log"
h_check "5xx: the message stays on the server" [ "$(h_pop_count carol)" -eq 1 ]
h_check "5xx: smtpd refused it before queueing (NOQUEUE: reject)" \
    grep -q 'NOQUEUE: reject: RCPT .* to=<ghost@example.test>' "$H_MAILLOG"
h_check "5xx: nothing queued or bounced for it (no backscatter)" \
    sh -c "! grep -E -q 'postfix/(qmgr|virtual|error|bounce)\[[0-9]*\]: .*ghost@example.test' '$H_MAILLOG' && ! grep -q 'postfix/bounce' '$H_MAILLOG'"
sed -i '/^carol /d' "$P_ETC/mailboxes.cf"

# --- a global mailbox: the marker is trusted from the listener only
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT"
p_password catchall domain-pw
m_pop domain 1 "To: Kim <kim@example.test>"
p_fetch
h_postfix_wait_idle 60
h_check "global over smtp: routed to To: kim by the milter" m_has kim "1"
h_check "global over smtp: not left in the undeliverable mailbox" m_has postmaster ""
m_msg 2 "To: Kim <kim@example.test>" "X-Popconn-Marker: $(m_marker 1 2)" >"$H_TMP/orig/m/2.eml"
"$H_PYTHON" - "$OTHER_PORT" "$H_TMP/orig/m/2.eml" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
    s.sendmail("outsider@evil.test", ["postmaster@example.test"],
               open(sys.argv[2], "rb").read())
PY
h_postfix_wait_idle 60
h_check "another smtpd: kim did not get it" m_has kim "1"
h_check "another smtpd: it went by its envelope" m_has postmaster "2"

# --- the daemon keeps the last delivered message's queue id (status)
p_daemon_start || h_not_ok "the daemon starts"
h_seed alice 2 9
"$CTL" -c "$P_ETC" fetch alice >"$H_TMP/dfetch.out" 2>&1
h_check "daemon: fetch alice delivers" h_postfix_wait_idle 60
lastq=$(sed -n 's/.*acct=alice: .*status=delivered (queued as \([0-9A-Za-z]*\)).*/\1/p' "$H_TMP/daemon.log" | tail -n 1)
h_check "daemon: its log has alice's queue ids" [ -n "$lastq" ]
h_check "daemon: Postfix delivered that queue id to alice" \
    grep -q "postfix/virtual\[[0-9]*\]: $lastq: to=<alice@example.test>.*status=sent" "$H_MAILLOG"
jq_last() {
	"$CTL" -c "$P_ETC" status --json | "$H_PYTHON" -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d.get("mailbox") == sys.argv[1]:
        print(d.get("last_queue_id", "MISSING"))' "$1"
}
h_check "status --json: alice's last_queue_id is the last queued as ($lastq)" \
    [ "$(jq_last alice)" = "$lastq" ]
h_check "status: the LAST QUEUEID column shows it" \
    sh -c "'$CTL' -c '$P_ETC' status | grep -q '^alice .* $lastq '"
"$CTL" -c "$P_ETC" fetch alice >>"$H_TMP/dfetch.out" 2>&1
h_check "status --json: a poll with nothing new keeps it" \
    [ "$(jq_last alice)" = "$lastq" ]
h_check "status --json: a mailbox that delivered nothing has \"\"" \
    [ "$(jq_last catchall)" = "" ]
kill -TERM "$P_DAEMON_PID" 2>/dev/null
_h_wait_gone 10 "$P_DAEMON_PID"

# --- undo
"$CTL" -c "$P_ETC" postfix-setup --undo --apply >"$H_TMP/undo.out" 2>&1
h_check "postfix-setup --undo --apply removes the listener" \
    sh -c "[ -z \"\$($PC -M $KEY 2>/dev/null)\" ]"
# one mailbox on sendmail, one on smtp: both sides are set up
printf 'alice user pop3s://alice@localhost:%s alice@example.test\n  -o delivery_method=sendmail\ncatchall global pop3s://domain@localhost:%s\n' \
    "$H_POP3S_PORT" "$H_POP3S_PORT" >"$P_ETC/mailboxes.cf"
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/mixed.out" 2>&1
h_check "mixed methods: non_smtpd_milters gets the milter and the listener is printed" \
    sh -c "grep -q 'non_smtpd_milters = { unix:$M_SOCK' '$H_TMP/mixed.out' && grep -q -- \"-M '$KEY=\" '$H_TMP/mixed.out'"
sed -i 's/^  -o delivery_method=sendmail/  -o delivery_method=smtp/; s/^catchall .*//' "$P_ETC/mailboxes.cf"
printf 'delivery_method = sendmail\n' >>"$P_ETC/popconn.cf"
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/mixed2.out" 2>&1
h_check "a mailbox's -o delivery_method=smtp alone asks for the listener" \
    grep -q -- "-M '$KEY=" "$H_TMP/mixed2.out"
sed -i 's/^  -o delivery_method=smtp//' "$P_ETC/mailboxes.cf"
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/mixed3.out" 2>&1
h_check "all on sendmail: no listener" sh -c "! grep -q -- '-M ' '$H_TMP/mixed3.out'"
# mailboxes with their own smtp_injection_address: one listener each
QDIR=$($PC -xh queue_directory)
PORT2=$(h_free_port)
printf 'delivery_method = smtp\n' >>"$P_ETC/popconn.cf"
cat >"$P_ETC/mailboxes.cf" <<EOT
alice user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test
b1 user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test
  -o smtp_injection_address=127.0.0.1:$PORT2
b2 user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test
  -o smtp_injection_address=unix:$QDIR/public/popconn-test
b3 user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test
  -o smtp_injection_address=127.0.0.1:$PORT2
EOT
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/multi.out" 2>&1
h_check "three distinct addresses: three listeners printed, no more" \
    sh -c "[ \$(grep -c -- \"-M '\" '$H_TMP/multi.out') -eq 3 ] &&
           grep -q -- \"-M '$KEY=\" '$H_TMP/multi.out' &&
           grep -q -- \"-M '127.0.0.1:$PORT2/inet=127.0.0.1:$PORT2 inet n - n - - smtpd'\" '$H_TMP/multi.out' &&
           grep -q -- \"-M 'popconn-test/unix=popconn-test unix n - n - - smtpd'\" '$H_TMP/multi.out'"
h_check "each listener gets its own syslog_name" \
    sh -c "grep -q \"127.0.0.1:$PORT2/inet/syslog_name=postfix/popconn-$PORT2'\" '$H_TMP/multi.out' &&
           grep -q \"popconn-test/unix/syslog_name=postfix/popconn-popconn-test'\" '$H_TMP/multi.out'"
"$CTL" -c "$P_ETC" postfix-setup --apply >"$H_TMP/multi-apply.out" 2>&1
h_check "--apply writes the unix listener" \
    sh -c "$PC -M popconn-test/unix | grep -q 'popconn-test *unix *n *- *n *- *- *smtpd'"
_n=0
while [ ! -S "$QDIR/public/popconn-test" ] && [ $_n -lt 100 ]; do
	_n=$((_n + 1)); sleep 0.1
done
h_check "Postfix's master listens on QUEUE/public/popconn-test" [ -S "$QDIR/public/popconn-test" ]
# b2 delivers through the unix socket
sed -i '/^b1 /,$d' "$P_ETC/mailboxes.cf"
printf 'b2 user pop3s://alice@localhost:%s alice@example.test\n  -o smtp_injection_address=unix:%s/public/popconn-test\n' \
    "$H_POP3S_PORT" "$QDIR" >>"$P_ETC/mailboxes.cf"
sed -i '/^alice /d' "$P_ETC/mailboxes.cf"
p_password b2 alice-pw
h_seed alice 3 4
p_fetch
h_postfix_wait_idle 60
h_check "over the unix listener: all delivered, none lost or duplicated" \
    h_compare alice "$H_TMP/orig/alice" "$H_MAIL_ROOT/alice"
h_check "the unix listener's smtpd took them (its syslog_name)" \
    [ "$(grep -c 'postfix/popconn-popconn-test/smtpd\[[0-9]*\]: [0-9A-F]*: client=localhost\[127.0.0.1\]' "$H_MAILLOG")" -eq 3 ]
"$CTL" -c "$P_ETC" postfix-setup --undo --apply >"$H_TMP/multi-undo.out" 2>&1
h_check "--undo removes the per-mailbox listener too" \
    sh -c "[ -z \"\$($PC -M popconn-test/unix 2>/dev/null)\" ]"
# a unix socket Postfix cannot listen on: refused, naming file and line
printf 'b2 user pop3s://alice@localhost:%s alice@example.test\n  -o smtp_injection_address=unix:/run/elsewhere.sock\n' \
    "$H_POP3S_PORT" >"$P_ETC/mailboxes.cf"
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/badunix.out" 2>&1
h_check "unix:/run/elsewhere.sock is refused (exit 78)" [ $? -eq 78 ]
h_check "... naming mailboxes.cf, line 2 and the queue directory" \
    grep -q "mailboxes.cf, line 2: smtp_injection_address = unix:/run/elsewhere.sock: .*use unix:$QDIR/public/NAME" "$H_TMP/badunix.out"
: >"$P_ETC/mailboxes.cf"
printf 'smtp_injection_address = 192.0.2.1:25\n' >>"$P_ETC/popconn.cf"
"$CTL" -c "$P_ETC" postfix-setup >"$H_TMP/remote.out" 2>&1
h_check "a listener off loopback is refused (exit 78)" [ $? -eq 78 ]
h_check "... naming popconn.cf and its line" \
    grep -q "popconn.cf, line [0-9]*: smtp_injection_address = 192.0.2.1:25: the listener must be on loopback" "$H_TMP/remote.out"
h_done
