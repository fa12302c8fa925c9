#!/bin/sh
# t_fetch_global - the fetcher's half of a global mailbox: each message is
# injected for the placeholder recipient (undeliverable_mailbox) with one
# signed marker header.  Without the milter, that is where it lands: not
# lost, not bounced.  A marker key others can read is refused.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "domain:domain-pw"
h_postfix_start example.test "postmaster"
H_SEED_TO=someone@example.test h_seed domain 4 7
p_config
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT"
p_password catchall domain-pw

chmod 644 "$P_ETC/marker.key"
p_fetch
h_check "marker key readable by others: refused (exit 78, got $P_STATUS)" [ "$P_STATUS" -eq 78 ]
h_check "the error names the key file" grep -q 'marker.key' "$H_TMP/fetcher.log"
h_check "nothing fetched" [ "$(h_pop_count domain)" -eq 4 ]

chmod 640 "$P_ETC/marker.key"
p_fetch
h_postfix_wait_idle 60
h_check "exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
H_COMPARE_TRACE=X-Popconn-Marker; export H_COMPARE_TRACE
h_check "all 4 in the undeliverable mailbox, content intact" \
    h_compare postmaster "$H_TMP/orig/domain" "$H_MAIL_ROOT/postmaster"
h_check "each carries exactly one marker" \
    sh -c "for f in '$H_MAIL_ROOT'/postmaster/new/*; do [ \$(grep -c '^X-Popconn-Marker: v=2; mb=catchall; ' \"\$f\") -eq 1 ] || exit 1; done"
h_done
