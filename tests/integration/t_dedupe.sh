#!/bin/sh
# t_dedupe - one copy per recipient for global-mailbox mail, on the real
# path (Dovecot -> fetcher -> Postfix -> milter), and single-use markers
# bound to their message (issues 18 and 14):
#  - an ISP that stores one copy per envelope recipient (Delivered-To on
#    top), including a Bcc recipient: each recipient gets one copy;
#  - the same message stored twice, and a message without Message-ID
#    stored twice: one copy; two messages that share a Message-ID but
#    differ in body: the first one only (the Message-ID is the identity);
#    two different messages with the same text but other Message-IDs: both;
#  - the window expiring (duplicate_window=10s): delivered again;
#  - the milter restarted (and the fetcher, one run each) between two
#    copies: still one copy;
#  - cleanup fails after the milter routed a message (a second milter
#    tempfails): Postfix retries the same maildrop file, the milter knows
#    its marker as the same injection and it is delivered once, even with
#    a duplicate copy dropped against it and Postfix restarted in between;
#  - sendmail exits non-zero after postdrop queued the message: the
#    fetcher injects it again, the milter drops that copy;
#  - the store deleted (while running, and between runs) or corrupt: the
#    milter starts empty, logs it, never crashes, loses nothing;
#  - envelope headers count only in the ISP's block: a sender's
#    X-Original-To below the first Received: is ignored; a mailbox may
#    name the one header its ISP writes and how many to skip;
#  - a marker moved to another message and a marker replayed onto other
#    recipients are refused (the envelope decides: the undeliverable
#    mailbox) and logged; a marker header arriving from the ISP is
#    removed by the fetcher.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
h_ca
h_dovecot_start "domain:domain-pw dom2:dom2-pw"
M_SOCK=$H_TMP/milter.sock
G_SOCK=$H_TMP/gate.sock
G_FILE=$H_TMP/gate.closed
H_POSTFIX_EXTRA_MAIN="non_smtpd_milters = { unix:$M_SOCK, default_action=tempfail, connect_timeout=10s, command_timeout=10s }, { unix:$G_SOCK, default_action=tempfail, connect_timeout=10s, command_timeout=10s }
milter_macro_daemon_name = local-submit"
export H_POSTFIX_EXTRA_MAIN
h_postfix_start example.test "postmaster kim pat chris lee dave"
mkdir -p "$H_TMP/orig/m"
p_config
m_config
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT" \
    "  -o trust_envelope_headers=yes" \
    "short global pop3s://dom2@localhost:$H_POP3S_PORT" \
    "  -o duplicate_window=10s -o trust_envelope_headers=yes" \
    "  -o envelope_header=X-Envelope-To -o envelope_header_skip=1"
p_password catchall domain-pw
p_password short dom2-pw
STATE=$H_TMP/milter-state
h_spawn gate "$TOP/$BUILD/tests/milter_gate" "$G_SOCK" "$G_FILE"
GATE_LOG=$H_SPAWN_LOG
m_start

# d_put USER TAG: stdin into USER's Dovecot Maildir as file TAG
d_put() {
	_dp_md=$H_POP_MAILDIR_ROOT/$1/Maildir
	cat >"$_dp_md/tmp/$2"
	chown "$H_VUID:$H_VGID" "$_dp_md/tmp/$2"
	mv "$_dp_md/tmp/$2" "$_dp_md/new/$2"
}
# d_copy USER TAG N "TOP-HEADERS" "HEADERS": test message N with a header
# on top (the ISP's Delivered-To) as file TAG
d_copy() { m_msg "$3" "$5" "$4" | d_put "$1" "$2"; }
dropped() { grep -c "dropped: duplicate of marker=" "$M_LOG" || true; }
run() { p_fetch; h_postfix_wait_idle 60; }
# kick N: wake pickup every 2 s of a 0.1 s polling loop
kick() { [ $(($1 % 20)) -ne 0 ] || postkick -c "$H_POSTFIX_CONF" public pickup W >/dev/null 2>&1 || true; }

# 1. one copy per envelope recipient, Delivered-To on top
d_copy domain 1a 1 "Delivered-To: chris@example.test" "To: chris@example.test
Cc: kim@example.test"
d_copy domain 1b 1 "Delivered-To: kim@example.test" "To: chris@example.test
Cc: kim@example.test"
# 2. the same bytes twice
m_msg 2 "To: pat@example.test" >"$H_TMP/m2"
d_put domain 2a <"$H_TMP/m2"
d_put domain 2b <"$H_TMP/m2"
# 3. To: chris, Bcc: dave, stored once per recipient
d_copy domain 3a 3 "Delivered-To: chris@example.test" "To: chris@example.test"
d_copy domain 3b 3 "Delivered-To: dave@example.test" "To: chris@example.test"
# 4. no Message-ID, stored twice
printf 'From: a@isp.test\nTo: lee@example.test\nSubject: milter test 4\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n\nno id\n' >"$H_TMP/m4"
d_put domain 4a <"$H_TMP/m4"
d_put domain 4b <"$H_TMP/m4"
# 5. one Message-ID, two bodies
printf 'From: a@isp.test\nTo: lee@example.test\nSubject: milter test 5\nMessage-ID: <five@isp.test>\n\nfirst body\n' | d_put domain 5a
printf 'From: a@isp.test\nTo: lee@example.test\nSubject: milter test 5\nMessage-ID: <five@isp.test>\n\nsecond body\n' | d_put domain 5b
# 6. same text, two Message-IDs: two messages
printf 'From: a@isp.test\nTo: pat@example.test\nSubject: milter test 6\nMessage-ID: <six-a@isp.test>\n\nsame\n' | d_put domain 6a
printf 'From: a@isp.test\nTo: pat@example.test\nSubject: milter test 6\nMessage-ID: <six-b@isp.test>\n\nsame\n' | d_put domain 6b
# 7. a marker header from the ISP is not ours
d_copy domain 7 7 "X-Popconn-Marker: v=2; mb=catchall; forged" "To: kim@example.test"
run
h_check "fetch exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "per-recipient copies: chris 1 (and 3: To plus Bcc copy)" m_has chris "1 3"
h_check "per-recipient copies: kim 1, plus the ISP-marker message" m_has kim "1 7"
h_check "Bcc copy: dave 1" m_has dave "3"
h_check "same bytes twice: pat 1, and both different Message-IDs" m_has pat "2 6 6"
h_check "no Message-ID twice, one Message-ID two bodies: lee 1 each" m_has lee "4 5"
h_check "postmaster got nothing" m_has postmaster ""
h_check "one of the two bodies under the shared Message-ID" \
    grep -Eq '^(first|second) body' "$(m_file lee 5)"
# copy 1b: chris and kim; 2b: pat; 3b: chris (dave stays); 4b; 5b
h_check "six copies dropped, each logged with the first copy" [ "$(dropped)" -eq 6 ]
h_check "copies that lost every recipient were discarded (logged)" \
    [ "$(grep -c 'every recipient already received this message' "$M_LOG")" -ge 4 ]
h_check "the fetcher removed the ISP's marker header" \
    grep -q 'X-Popconn-Marker header(s) from the server removed' "$H_TMP/fetcher.log"
h_check "no marker refused" sh -c "! grep -q 'marker refused' '$M_LOG'"
h_check "one id joins the fetcher's and the milter's lines (every message)" sh -c "
    ids=\$(sed -n 's/.*acct=catchall: uidl=[^,]*, marker=\\([0-9a-f]*\\),.*/\\1/p' '$H_TMP/fetcher.log')
    [ \$(echo \"\$ids\" | wc -w) -eq 13 ] || exit 1
    for n in \$ids; do grep -q \"marker=\$n[,:]\" '$M_LOG' || exit 1; done"
cat "$H_TMP/fetcher.log" "$M_LOG" >"$H_TMP/both.log"
"$TOP/$BUILD/popconnctl" -c "$P_ETC" log --file "$H_TMP/both.log" -n 500 catchall \
    >"$H_TMP/ctl-log.out" 2>&1 || true
h_check "popconnctl log NAME: each delivery line followed by the milter's final recipients" \
    sh -c "grep -A3 'acct=catchall: uidl=.*marker=' '$H_TMP/ctl-log.out' |
        grep -q '^    -> .*mailbox=catchall, marker=[0-9a-f]*, to=<.*chris@example.test'"
h_check "nothing bounced or deferred" \
    sh -c "! grep -E 'status=(bounced|deferred)' '$H_MAILLOG'"

# route test: says which recipients would be dropped, records nothing
CTL="$TOP/$BUILD/popconnctl -c $P_ETC"
$CTL status >"$H_TMP/st1" 2>&1 || true
m_msg 1 "To: chris@example.test
Cc: kim@example.test" "Delivered-To: chris@example.test" >"$H_TMP/rt1"
$CTL route test --trust-env "$H_TMP/rt1" >"$H_TMP/rt1.out" 2>&1 || true
m_msg 99 "To: chris@example.test" >"$H_TMP/rt2"
$CTL route test "$H_TMP/rt2" >"$H_TMP/rt2.out" 2>&1 || true
$CTL status >"$H_TMP/st2" 2>&1 || true
h_check "route test: a delivered message's recipients would be dropped" \
    sh -c "grep -q '^duplicate: chris@example.test would be dropped' '$H_TMP/rt1.out' &&
        grep -q '^duplicate: kim@example.test would be dropped' '$H_TMP/rt1.out'"
h_check "route test: a new message's would not" \
    sh -c "grep -q '^recipient: chris@example.test' '$H_TMP/rt2.out' && ! grep -q '^duplicate:' '$H_TMP/rt2.out'"
h_check "status: dropped copies per mailbox" \
    grep -q '^duplicates dropped: catchall 6, short 0 (store ' "$H_TMP/st2"
h_check "route test recorded nothing (same entries before and after)" \
    sh -c "[ \"\$(grep '^duplicates' '$H_TMP/st1')\" = \"\$(grep '^duplicates' '$H_TMP/st2')\" ]"

# 8. window: 10 s for mailbox "short"
d_copy dom2 8a 8 "" "To: kim@example.test"
run
t8=$(date +%s)		# the first copy was recorded before this
d_copy dom2 8b 8 "" "To: kim@example.test"
run
h_check "within the window: kim 8 once" m_has kim "1 7 8"
# past the window of the first copy
while [ $(( $(date +%s) - t8 )) -le 10 ]; do sleep 1; done
d_copy dom2 8c 8 "" "To: kim@example.test"
run
h_check "after the window: kim 8 again" m_has kim "1 7 8 8"

# 9. both daemons restarted between two copies
d_copy domain 9a 9 "" "To: chris@example.test"
run
m_stop
m_start
d_copy domain 9b 9 "" "To: chris@example.test"
run
h_check "restart between copies: chris 9 once" m_has chris "1 3 9"
h_check "the memory is in milter_state_directory" [ -s "$STATE/data.mdb" ]

# 10. cleanup fails after the milter routed: Postfix retries the same
# maildrop file; meanwhile a second copy is dropped against the first.
: >"$G_FILE"
d_copy domain 10a 10 "" "To: pat@example.test"
p_fetch
postkick -c "$H_POSTFIX_CONF" public pickup W >/dev/null 2>&1 || true
n=300; while [ "$n" -gt 0 ] && ! grep -q tempfail "$GATE_LOG"; do kick "$n"; sleep 0.1; n=$((n - 1)); done
h_check "cleanup failed after our milter routed it" grep -q tempfail "$GATE_LOG"
h_check "gone from the ISP, nothing delivered yet" \
    sh -c "[ \$(h_pop_count domain 2>/dev/null || echo 0) -eq 0 ] && ! grep -q 'milter test 10\$' '$H_MAIL_ROOT'/pat/new/* 2>/dev/null"
h_check "it waits in maildrop" \
    [ -n "$(find "$H_POSTFIX_SPOOL/maildrop" -type f | head -n 1)" ]
d_copy domain 10b 10 "" "To: pat@example.test"
d0=$(dropped)
p_fetch
postkick -c "$H_POSTFIX_CONF" public pickup W >/dev/null 2>&1 || true
n=300; while [ "$n" -gt 0 ] && [ "$(dropped)" -eq "$d0" ]; do kick "$n"; sleep 0.1; n=$((n - 1)); done
h_check "the second copy was dropped against the held one" \
    [ "$(dropped)" -eq $((d0 + 1)) ]
# Postfix stopped and started while the injection waits: nothing of it
# lives in the milter's memory but the marker and the copies.
/usr/sbin/postfix -c "$H_POSTFIX_CONF" stop >/dev/null 2>&1 || true
/usr/sbin/postfix -c "$H_POSTFIX_CONF" start >/dev/null 2>&1 || true
h_check "Postfix restarted, the injection still in maildrop" \
    [ -n "$(find "$H_POSTFIX_SPOOL/maildrop" -type f | head -n 1)" ]
rm -f "$G_FILE"
h_postfix_wait_idle 90
h_check "the retried injection is delivered once: pat 10" m_has pat "2 6 6 10"
h_check "the milter logged it as the same injection again" \
    grep -q 'the same injection again (Postfix retried it)' "$M_LOG"

# 11. store deleted while running, then between runs: starts empty
rm -f "$STATE/data.mdb"
d_copy domain 11a 11 "" "To: lee@example.test"
run
h_check "deleted while running: logged" grep -q 'duplicate store was deleted' "$M_LOG"
h_check "deleted while running: delivered" m_has lee "4 5 11"
m_stop
rm -rf "$STATE"
m_start
d_copy domain 11b 11 "" "To: lee@example.test"
run
h_check "deleted between runs: the copy is delivered again (memory gone, mail not lost)" \
    m_has lee "4 5 11 11"

# 16. sendmail fails after postdrop queued the message (invariant 2's
# window): the fetcher leaves it on the server and injects it again with
# a new marker; the milter drops that copy: one copy, nothing lost.
printf '#!/bin/sh\n/usr/sbin/sendmail "$@"; exit 75\n' >"$H_TMP/sendmail-75"
chmod 755 "$H_TMP/sendmail-75"
cp "$P_ETC/popconn.cf" "$H_TMP/popconn.cf.saved"
echo "sendmail_path = $H_TMP/sendmail-75" >>"$P_ETC/popconn.cf"
d_copy domain 16 16 "" "To: kim@example.test"
run
h_check "sendmail said 75 after queueing: left on the server" \
    [ "$(h_pop_count domain)" -eq 1 ]
cp "$H_TMP/popconn.cf.saved" "$P_ETC/popconn.cf"
d0=$(dropped)
run
h_check "fetched again: the second injection is dropped, kim 16 once" \
    m_has kim "1 7 8 8 16"
h_check "and the ISP's copy is gone" [ "$(h_pop_count domain)" -eq 0 ]
h_check "the drop is logged" [ "$(dropped)" -eq $((d0 + 1)) ]

# 12. corrupt store
m_stop
head -c 65536 /dev/urandom >"$STATE/data.mdb"
rm -f "$STATE/lock.mdb"
m_start
d_copy domain 12 12 "" "To: dave@example.test"
run
h_check "corrupt store: the milter runs" kill -0 "$M_PID"
h_check "corrupt store: logged and moved aside" \
    sh -c "grep -q 'duplicate store is damaged' '$M_LOG' && ls '$STATE'/data.mdb.broken-* >/dev/null"
h_check "corrupt store: delivered" m_has dave "3 12"

# 13. a marker moved to another message; a marker replayed
m_msg 13 "To: kim@example.test" "X-Popconn-Marker: $(m_marker 0 14)" |
    h_sendmail -i -f postmaster@example.test -- postmaster@example.test
mk=$(m_marker 0 15)
m_msg 15 "To: kim@example.test" "X-Popconn-Marker: $mk" |
    h_sendmail -i -f postmaster@example.test -- postmaster@example.test
h_postfix_wait_idle 30
m_msg 15 "To: pat@example.test" "X-Popconn-Marker: $mk" |
    h_sendmail -i -f postmaster@example.test -- postmaster@example.test
h_postfix_wait_idle 30
h_check "moved marker: refused and logged" grep -q 'made for another message' "$M_LOG"
h_check "replayed marker: refused and logged" grep -q 'replayed marker' "$M_LOG"
h_check "the first use of a marker routed (kim 15)" m_has kim "1 7 8 8 15 16"
h_check "the moved and the replayed marker: the envelope decides" \
    m_has postmaster "13 15"

# 14. envelope headers only where the ISP writes them (issue 18, row 3)
d_copy domain 14 14 "Delivered-To: chris@example.test" "Received: from sender.test by isp.test
X-Original-To: kim@example.test
To: list@outside.test"
run
h_check "the ISP's Delivered-To counts: chris 14" m_has chris "1 3 9 14"
h_check "the sender's X-Original-To below Received: does not: no kim 14" \
    m_has kim "1 7 8 8 15 16"
h_check "and it is noted in the log" grep -q 'X-Original-To: below the ISP' "$M_LOG"

# 17. an ISP that writes X-Envelope-To, the catch-all's own address first
# (mailbox "short": envelope_header=X-Envelope-To, envelope_header_skip=1)
d_copy dom2 17 17 "X-Envelope-To: all@example.test" "X-Envelope-To: dave@example.test
Delivered-To: chris@example.test
To: list@outside.test"
run
h_check "envelope_header: the second X-Envelope-To counts (dave 17)" \
    m_has dave "3 12 17"
h_check "envelope_header: the skipped one and Delivered-To do not" \
    sh -c "! grep -q 'milter test 17\$' '$H_MAIL_ROOT'/chris/new/* '$H_MAIL_ROOT'/postmaster/new/* 2>/dev/null"
m_msg 17 "X-Envelope-To: dave@example.test
Delivered-To: chris@example.test
To: list@outside.test" "X-Envelope-To: all@example.test" >"$H_TMP/rt17"
$CTL route test --trust-env --envelope-header X-Envelope-To --envelope-skip 1 \
    "$H_TMP/rt17" >"$H_TMP/rt17.out" 2>&1 || true
h_check "route test --envelope-header/--envelope-skip agrees" \
    sh -c "grep -q '^recipient: dave@example.test' '$H_TMP/rt17.out' &&
        [ \$(grep -c '^recipient:' '$H_TMP/rt17.out') -eq 1 ]"
h_check "nothing bounced" sh -c "! grep -E 'status=bounced' '$H_MAILLOG'"
h_done
