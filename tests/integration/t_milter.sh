#!/bin/sh
# t_milter - popconn-milter in the real private Postfix (non_smtpd_milters
# on a unix socket) with the real fetcher: To/Cc routing, routing-table
# rules (texthash on the address, pcre on the header text), a Bcc
# recovered from a trusted ISP's Delivered-To (and not bounced as a
# loop), the same Bcc without trust -> the undeliverable mailbox; no
# external address ever handed to a transport; a forged marker submitted
# by a local user is removed and not routed; a marker valid for another
# envelope is not routed.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
h_ca
h_dovecot_start "domain:domain-pw dom2:dom2-pw"
m_postfix_start "postmaster kim pat chris lee"
p_config
m_config
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT" \
    "  -o trust_envelope_headers=yes" \
    "plain global pop3s://dom2@localhost:$H_POP3S_PORT"
p_password catchall domain-pw
p_password plain dom2-pw
m_start

# Messages as the ISP hands them over (Maildir files in Dovecot).
m_pop domain 1 "To: Kim <kim@example.test>
Cc: Pat <pat@example.test>, ext@outside.test, (chris@example.test) x@outside.test"
m_pop domain 2 "To: Developers <dev@lists.example>"
m_pop domain 3 "To: undisclosed-recipients:;
Cc: Trey Research <news@treyresearch.net>"
m_pop domain 4 "Delivered-To: kim@example.test
To: some-list@outside.test"
m_pop dom2 5 "Delivered-To: kim@example.test
To: some-list@outside.test"
m_pop domain 6 "To: \"chris@example.test\"@outside.test, lee@outside.test"

p_fetch
h_check "fetch exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "postfix drained its queue" h_postfix_wait_idle 60
h_check "kim: To and the trusted Bcc (2 messages)" m_has kim "1 4"
h_check "pat: Cc" m_has pat "1"
h_check "chris: texthash rule" m_has chris "2"
h_check "lee: pcre rule on the Cc text" m_has lee "3"
h_check "postmaster: Bcc without trust, quoted lookalike" m_has postmaster "5 6"
h_check "no marker header delivered anywhere" \
    sh -c "! grep -rqi '^X-Popconn-Marker:' '$H_MAIL_ROOT'"
h_check "each routed message says why" \
    grep -q 'Delivered-To: default rule' "$(m_file kim 4)"
h_check "texthash rule named with file and line" \
    grep -q "via texthash:$P_ETC/routing:2" "$(m_file chris 2)"
h_check "the ISP's Delivered-To is renamed (no loop bounce)" \
    grep -q '^X-Popconn-Delivered-To: kim@example.test' "$(m_file kim 4)"
h_check "nothing bounced, nothing deferred" \
    sh -c "! grep -E 'status=(bounced|deferred)' '$H_MAILLOG'"
h_check "no delivery to anything but virtual" \
    sh -c "! grep 'relay=' '$H_MAILLOG' | grep -v 'relay=virtual'"
h_check "no external address ever a recipient" \
    sh -c "! grep -E 'to=<[^>]*@(outside\\.test|lists\\.example|treyresearch\\.net)>' '$H_MAILLOG'"
h_check "one milter log line per routed message" \
    [ "$(grep -c ': mailbox=catchall, marker=[0-9a-f]*, to=<' "$M_LOG")" -eq 5 ]
h_check "content intact (but for trace headers)" m_compare_all

# A local user forges a marker: it is removed, the envelope decides.
m_msg 7 "To: pat@example.test" \
    "X-Popconn-Marker: v=1; mb=catchall; t=$(date +%s); n=0123456789abcdef; env=1; mac=$(printf '%064d' 0)" |
    h_sendmail -i -f local-user@example.test -- kim@example.test
# A valid marker, but the sender added a recipient of their own.
m_msg 8 "To: pat@example.test" "X-Popconn-Marker: $(m_marker 1)" |
    h_sendmail -i -f local-user@example.test -- postmaster@example.test \
    lee@example.test
h_postfix_wait_idle 30
h_check "forged marker: delivered by its envelope only" m_has kim "1 4 7"
h_check "forged marker: not routed to To:" m_has pat "1"
h_check "valid marker, extra recipient: not routed" m_has lee "3 8"
h_check "forged marker removed" sh -c "! grep -qi '^X-Popconn-Marker' '$(m_file kim 7)'"
h_check "refusals logged" \
    [ "$(grep -c 'marker refused' "$M_LOG")" -eq 2 ]
h_done
