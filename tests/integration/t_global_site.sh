#!/bin/sh
# t_global_site - the global mailbox on the real path (Dovecot ->
# popconn-fetcher -> Postfix sendmail -> popconn-milter) in a site set up
# as installed: the shipped conf/popconn.cf with only paths changed
# (p_config_sample), Postfix configured by "popconnctl postfix-setup
# --apply", and Postfix run both usual ways (tests/lib/site.sh):
# the local domain in mydestination (local(8), /etc/aliases-style map),
# then in virtual_mailbox_domains.  Issue 14:
#   defect 1: To: alice, bob ends with exactly those two envelope
#     recipients in Postfix's log, whichever way undeliverable_mailbox is
#     written (postmaster, postmaster@example.test, <postmaster@example.test>;
#     set with "popconnctl undeliverable" as an administrator would);
#   defect 2: % ! quoted and source-routed local parts are refused: nothing
#     reaches the error/remote transport, the milter's log says so, and
#     the message goes to the undeliverable mailbox when nothing else is
#     left (the local recipient beside one still gets it);
#   defect 4: with Postfix's recipient_delimiter unset, alice+tag is not
#     bounced by Postfix (it lands in the undeliverable mailbox); with
#     recipient_delimiter = + it reaches alice.
# Without an argument it runs itself once per mode.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
export TOP BUILD
. "$TOP/tests/lib/site.sh"
site_main "$@"
site_start "alice bob" || { h_not_ok "$MODE: site starts"; h_done; exit 1; }
site_catchall

# mid N: the Message-ID (without <>) m_pop gives message N
mid() { echo "milter-test-$1.$$@isp.test"; }
# rcpts N: the envelope recipients Postfix held for message N (orig_to
# else to), sorted; the placeholder in any form is "undeliverable"
rcpts() {
	h_maillog_rcpts "$(mid "$1")" | cut -f2 | tr 'A-Z' 'a-z' |
	    sed -e 's/^<\(.*\)>$/\1/' \
	    -e 's/^postmaster$/undeliverable/' \
	    -e 's/^postmaster@example\.test$/undeliverable/' | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
}
# expect N "SET" DESC
expect() {
	_got=$(rcpts "$1")
	h_check "$MODE: $3: envelope recipients [$_got], want [$2]" [ "$_got" = "$2" ]
}
# not_bounced N: no recipient of message N bounced
not_bounced() {
	! h_maillog_rcpts "$(mid "$1")" | cut -f4 | grep -qv '^sent$'
}
round() {
	p_fetch
	h_check "$MODE: fetch exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
	h_check "$MODE: postfix drained" h_postfix_wait_idle 30
}
# reloaded N: wait (10 s at most) until the milter has logged N reloads
reloaded() {
	_w=200
	while [ "$(grep -c 'reload: configuration and tables loaded' "$M_LOG")" -lt "$1" ] &&
	    [ "$_w" -gt 0 ]; do
		sleep 0.05; _w=$((_w - 1))
	done
	[ "$_w" -gt 0 ]
}
RELOADS=0
# set_undeliverable FORM: as an administrator would (popconnctl edits
# popconn.cf and signals the milter to reload)
set_undeliverable() {
	"$CTL" -c "$P_ETC" undeliverable "$1" >>"$H_TMP/ctl.out" 2>&1 ||
	    h_not_ok "$MODE: popconnctl undeliverable '$1'"
	RELOADS=$((RELOADS + 1))
	h_check "$MODE: the milter reloaded (undeliverable_mailbox = $1)" reloaded $RELOADS
}

# Round 1, the sample's undeliverable_mailbox (postmaster, unqualified):
# defect 1, the relay forms (defect 2) and alice+tag without a delimiter
# (defect 4).  Rounds 2 and 3: defect 1 with the other two forms.
m_pop domain 11 "To: alice@example.test, bob@example.test"
m_pop domain 21 "To: evil%outside.test@example.test"
m_pop domain 22 'To: "evil2@outside.test"@example.test'
m_pop domain 23 "To: outside.test!evil3@example.test"
m_pop domain 24 "To: <@example.test:evil4@outside.test>"
m_pop domain 25 "To: <@mail.example.test,@example.test:evil5@outside.test>"
m_pop domain 26 "To: alice@example.test, evil6%outside.test@example.test"
m_pop domain 41 "To: alice+tag@example.test"
round
n=11
for form in postmaster@example.test '<postmaster@example.test>'; do
	n=$((n + 1))
	set_undeliverable "$form"
	m_pop domain $n "To: alice@example.test, bob@example.test"
	round
done
n=10
for form in postmaster postmaster@example.test '<postmaster@example.test>'; do
	n=$((n + 1))
	expect $n "alice@example.test bob@example.test" \
	    "undeliverable_mailbox = $form: To alice, bob"
	h_check "$MODE: undeliverable_mailbox = $form: nothing bounced" not_bounced $n
done
set_undeliverable postmaster

# Defect 2: no relay through the milter.
h_check "$MODE: nothing reached the error/remote transport" h_maillog_relays
for n in 21 22 23 24 25; do
	expect $n undeliverable "relay form $n goes to the undeliverable mailbox"
done
expect 26 "alice@example.test" "a local recipient beside a relay form"
for a in 'evil%outside.test@example.test' '"evil2@outside.test"@example.test' \
    'outside.test!evil3@example.test' 'evil6%outside.test@example.test'; do
	h_check "$MODE: the milter's log says $a was refused" \
	    sh -c "grep -F -- '$a' '$M_LOG' | grep -qi 'refus'"
done
h_check "$MODE: no outside address in any to=<>" \
    sh -c "! grep -E ' to=<[^>]*@outside\\.test>' '$H_MAILLOG'"

# Defect 4: the recipient delimiter is Postfix's (unset above).
h_check "$MODE: delimiter unset: alice+tag is not bounced by Postfix" not_bounced 41
expect 41 undeliverable "delimiter unset: alice+tag goes to the undeliverable mailbox"
postconf -c "$H_POSTFIX_CONF" -e 'recipient_delimiter = +'
/usr/sbin/postfix -c "$H_POSTFIX_CONF" reload >/dev/null 2>&1
kill -USR1 "$M_PID"
RELOADS=$((RELOADS + 1))
h_check "$MODE: the milter reloaded (recipient_delimiter = +)" reloaded $RELOADS
m_pop domain 42 "To: alice+tag@example.test"
round
h_check "$MODE: delimiter +: alice+tag is not bounced" not_bounced 42
h_check "$MODE: delimiter +: alice+tag reaches alice" \
    sh -c "[ -n \"\$(grep -l '^Subject: milter test 42\$' '$H_MAIL_ROOT'/alice/new/* 2>/dev/null)\" ]"
expect 42 "alice+tag@example.test" "delimiter +: the envelope recipient keeps its extension"
h_check "$MODE: nothing reached the error/remote transport (end)" h_maillog_relays

# The relay check can fail: a local user's own submission of a source
# route (no marker: the milter leaves it alone) is relayed by Postfix.
printf 'From: local@example.test\nSubject: relay probe\nMessage-ID: <relay-probe.%s@example.test>\n\nprobe\n' $$ |
    h_sendmail -i -f postmaster -- '@mail.example.test:probe@outside.test'
h_postfix_wait_idle 30 || true
_w=100
while h_maillog_relays 2>/dev/null && [ "$_w" -gt 0 ]; do
	sleep 0.05; _w=$((_w - 1))
done
if h_maillog_relays 2>/dev/null; then
	h_not_ok "$MODE: the relay check sees Postfix relay a source route"
else
	h_ok "$MODE: the relay check sees Postfix relay a source route"
fi

if [ "$H_FAILED" != 0 ]; then
	echo "# $MODE: maillog recipients per message:"
	h_maillog_rcpts | sed 's/^/#   /'
	echo "# $MODE: milter log:"
	grep 'mailbox=' "$M_LOG" | sed 's/^/#   /' | cut -c1-400
fi
h_done
