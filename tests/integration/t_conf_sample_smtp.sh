#!/bin/sh
# t_conf_sample_smtp - a site as installed that delivers with SMTP
# injection (issue 21): the shipped conf/popconn.cf with only paths
# changed (p_config_sample), the mailboxes set "-o delivery_method=smtp"
# in mailboxes.cf, Postfix set up by "popconnctl postfix-setup --apply"
# alone (no hand-written master.cf line), Postfix run both usual ways
# (h_postfix_site_start: mydestination + local(8), then
# virtual_mailbox_domains); the set-up shared with t_global_site and
# t_route_corpus is tests/lib/site.sh.  Two listeners: the global mailbox uses the
# sample's smtp_injection_address (127.0.0.1:10027), the user mailbox a
# unix socket under Postfix's queue directory (a per-mailbox -o
# smtp_injection_address=unix:QUEUE/public/popconn-in).  Asserted on
# Postfix's own log:
#   - every message came in through the listener postfix-setup wrote
#     (its syslog_name, postfix/popconn-10027 or postfix/popconn-popconn-in,
#     on the smtpd line of that queue id), and nothing through pickup;
#   - every "status=delivered (queued as ID)" of popconn's log names a
#     queue id that Postfix delivered, to exactly the right recipients;
#   - the milter saw each global-mailbox message under the same queue
#     id and routed it to its To: recipients;
#   - no mailbox uses sendmail: non_smtpd_milters does not name the
#     milter, the listeners' smtpd_milters do.
# Without an argument it runs itself once per mode.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
export TOP BUILD
. "$TOP/tests/lib/site.sh"
SITE_POP_USERS=alice:alice-pw
site_main "$@"
if ss -ltn 2>/dev/null | grep -q '127\.0\.0\.1:10027 '; then
	h_not_ok "$MODE: 127.0.0.1:10027 (the sample's smtp_injection_address) is free"
	h_done; exit 1
fi
h_check "$MODE: Postfix starts; p_config_sample installs the sample" \
    site_postfix "alice bob kim" || { h_done; exit 1; }
PC="postconf -c $H_POSTFIX_CONF"
QDIR=$($PC -xh queue_directory)
USOCK=$QDIR/public/popconn-in
site_catchall "  -o delivery_method=smtp"
p_mailbox "alice user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test" \
    "  -o delivery_method=smtp -o smtp_injection_address=unix:$USOCK"
p_password alice alice-pw
"$CTL" -c "$P_ETC" check >"$H_TMP/check0.out" 2>&1
h_check "$MODE: before postfix-setup, check says no listener passes the milter" \
    grep -q "no service's smtpd_milters names the milter socket" "$H_TMP/check0.out"
site_postfix_setup
rc=$?
sed 's/^/#   /' "$H_TMP/postfix-setup.out"
h_check "$MODE: postfix-setup --apply (exit $rc)" [ "$rc" -eq 0 ]
h_check "$MODE: master.cf has the inet listener postfix-setup wrote" \
    sh -c "$PC -M 127.0.0.1:10027/inet | grep -q '^127.0.0.1:10027 *inet  *n  *-  *n  *-  *-  *smtpd'"
h_check "$MODE: master.cf has the unix listener postfix-setup wrote" \
    sh -c "$PC -M popconn-in/unix | grep -q '^popconn-in *unix  *n  *-  *n  *-  *-  *smtpd'"
for key in 127.0.0.1:10027/inet popconn-in/unix; do
	h_check "$MODE: $key: -o smtpd_milters names the milter" \
	    sh -c "$PC -P | grep -q '^$key/smtpd_milters = {unix:$M_SOCK,'"
done
h_check "$MODE: no mailbox uses sendmail: non_smtpd_milters does not name the milter" \
    sh -c "! $PC -h non_smtpd_milters | grep -qF '$M_SOCK'"
m_start || { h_not_ok "$MODE: milter starts"; h_done; exit 1; }
_n=0
until [ -S "$USOCK" ] &&
    "$H_PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', 10027), 1)" 2>/dev/null; do
	_n=$((_n + 1)); [ $_n -lt 100 ] || break; sleep 0.1
done
h_check "$MODE: both listeners accept connections" [ -S "$USOCK" ]
"$CTL" -c "$P_ETC" check >"$H_TMP/check.out" 2>&1
rc=$?
h_check "$MODE: after postfix-setup, popconnctl check accepts the site (exit $rc)" [ "$rc" -eq 0 ]
grep -i 'error' "$H_TMP/check.out" | sed 's/^/#   /'

# Mail: three for the global mailbox, four for alice.
m_pop domain 1 "To: bob@example.test, kim@example.test"
m_pop domain 2 "To: Kim <kim@example.test>"
m_pop domain 3 "To: bob@example.test"
h_seed alice 4 1
p_fetch
h_check "$MODE: fetch exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "$MODE: postfix drained" h_postfix_wait_idle 60
h_check "$MODE: alice's four arrive byte-identical" \
    h_compare alice "$H_TMP/orig/alice" "$H_MAIL_ROOT/alice"
h_check "$MODE: both POP3 mailboxes are empty" \
    [ "$(h_pop_count alice)" -eq 0 -a "$(h_pop_count domain)" -eq 0 ]

# acct<TAB>queue id, from popconn's log
sed -n 's/.*acct=\([a-z]*\): .*status=delivered (queued as \([0-9A-Za-z]*\)).*/\1	\2/p' \
    "$H_TMP/fetcher.log" >"$H_TMP/qids"
h_check "$MODE: 7 delivered lines with 7 distinct queue ids" \
    sh -c "[ \$(wc -l <'$H_TMP/qids') -eq 7 ] && [ \$(cut -f2 '$H_TMP/qids' | sort -u | wc -l) -eq 7 ]"
h_check "$MODE: nothing came in through pickup (sendmail)" \
    sh -c "! grep -q 'postfix/pickup\[' '$H_MAILLOG'"
# rcpts QID: the envelope recipients Postfix delivered for QID, sorted
rcpts() {
	_mid=$(sed -n "s/.* postfix\/cleanup\[[0-9]*\]: $1: message-id=<\(.*\)>\$/\1/p" "$H_MAILLOG" | head -n 1)
	[ -n "$_mid" ] || return 1
	h_maillog_rcpts "$_mid" | awk -F '\t' '$4 == "sent" { print $2 }' |
	    sort -u | tr '\n' ' ' | sed 's/ $//'
}
# want QID: what the message with that queue id must have gone to
want() {
	_s=$(sed -n "s/.* postfix\/cleanup\[[0-9]*\]: $1: message-id=<milter-test-\([0-9]*\)\..*/\1/p" "$H_MAILLOG" | head -n 1)
	case $_s in
	1) echo "bob@example.test kim@example.test" ;;
	2) echo "kim@example.test" ;;
	3) echo "bob@example.test" ;;
	*) echo "alice@example.test" ;;
	esac
}
bad=0
while IFS='	' read -r acct q; do
	case $acct in
	catchall) svc=popconn-10027 ;;
	*) svc=popconn-popconn-in ;;
	esac
	if [ "$(grep -c " postfix/$svc/smtpd\[[0-9]*\]: $q: client=localhost\[127\.0\.0\.1\]" "$H_MAILLOG")" -ne 1 ]; then
		echo "  $acct $q: no line 'postfix/$svc/smtpd[..]: $q: client=' in the maillog"; bad=1
	fi
	got=$(rcpts "$q") || { echo "  $acct $q: no cleanup message-id line"; bad=1; continue; }
	w=$(want "$q")
	[ "$got" = "$w" ] || { echo "  $acct $q: delivered to [$got], want [$w]"; bad=1; }
	if [ "$acct" = catchall ]; then
		grep -q "^.*$q: mailbox=catchall, marker=" "$M_LOG" ||
		    { echo "  $q: the milter did not log it for catchall"; bad=1; }
	fi
done <"$H_TMP/qids"
h_check "$MODE: each popconn queue id came through its listener's smtpd and reached the right recipients" [ "$bad" = 0 ]
h_check "$MODE: the milter routed the global mail by To: (no undeliverable)" \
    sh -c "[ \$(grep -c 'mailbox=catchall, marker=' '$M_LOG') -eq 3 ] && ! grep 'mailbox=catchall' '$M_LOG' | grep -q undeliverable"
h_check "$MODE: kim has messages 1 and 2" m_has kim "1 2"
h_check "$MODE: bob has messages 1 and 3" m_has bob "1 3"
h_check "$MODE: postmaster has nothing" m_has postmaster ""
h_check "$MODE: the global mail is unaltered (body, Subject, Message-ID)" m_compare_all

if [ "$H_FAILED" != 0 ]; then
	echo "# $MODE: fetcher log:"; sed 's/^/#   /' "$H_TMP/fetcher.log" | tail -30
	echo "# $MODE: maillog:"; sed 's/^/#   /' "$H_MAILLOG" | tail -60
fi
h_done
