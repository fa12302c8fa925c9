#!/bin/sh
# t_fetch_user - the whole path once, byte for byte: 50 messages in a real
# Dovecot mailbox end up in real Postfix Maildirs, exactly once, and the
# POP3 mailbox is empty.  Over pop3s:// (implicit TLS) and pop3:// + STLS,
# with the certificate verified against the harness CA.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "alice:alice-pw bob:bob-pw"
h_postfix_start example.test "alice bob"
h_seed alice 50 1
h_seed bob 10 2
p_config
p_mailbox "alice user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test"
p_mailbox "bob user pop3://bob@localhost:$H_POP3_PORT bob@example.test"
p_password alice alice-pw
p_password bob bob-pw

p_fetch
h_check "first cycle exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "postfix drained its queue" h_postfix_wait_idle 60
h_check "alice: 50 delivered byte-identical, none lost or duplicated" \
    h_compare alice "$H_TMP/orig/alice" "$H_MAIL_ROOT/alice"
h_check "bob (STLS): 10 delivered byte-identical" \
    h_compare bob "$H_TMP/orig/bob" "$H_MAIL_ROOT/bob"
h_check "alice's POP3 mailbox is empty" [ "$(h_pop_count alice)" -eq 0 ]
h_check "bob's POP3 mailbox is empty" [ "$(h_pop_count bob)" -eq 0 ]
h_check "log has one delivered line per message" \
    [ "$(grep -c 'status=delivered' "$H_TMP/fetcher.log")" -eq 60 ]
h_check "session used TLS 1.2 or 1.3 on both" \
    [ "$(grep -c 'session=done.*tls=TLSv1\.[23]' "$H_TMP/fetcher.log")" -eq 2 ]
h_check "no password in the log" sh -c "! grep -q -e alice-pw -e bob-pw '$H_TMP/fetcher.log'"

# A second cycle finds nothing and delivers nothing twice.
p_fetch
h_postfix_wait_idle 30 || true
h_check "second cycle exits 0" [ "$P_STATUS" -eq 0 ]
h_check "still exactly 50 for alice after a second cycle" \
    h_compare alice "$H_TMP/orig/alice" "$H_MAIL_ROOT/alice"
h_done
