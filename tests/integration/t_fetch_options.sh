#!/bin/sh
# t_fetch_options - per-mailbox settings: size_limit leaves large mail on
# the server (also when LIST understates it), keep=yes keeps everything on
# the server and never delivers a message twice, sender= sets the envelope.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "fay:fay-pw gus:gus-pw"
h_postfix_start example.test "fay gus"
h_seed fay 12 5
h_seed gus 4 6

big=$(find "$H_TMP/orig/fay" -type f -size +100k | wc -l)
p_config
p_mailbox "fay user pop3s://fay@localhost:$H_POP3S_PORT fay@example.test" \
    "  -o size_limit=100k" \
    "gus user pop3s://gus@localhost:$H_POP3S_PORT gus@example.test" \
    "  -o keep=yes -o sender=popconn-test@example.test"
p_password fay fay-pw
p_password gus gus-pw
p_fetch
h_postfix_wait_idle 60
h_check "first cycle exits 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "fay: $big messages over 100k exist in the seed" [ "$big" -ge 1 ]
h_check "fay: the $big large ones stay on the server" [ "$(h_pop_count fay)" -eq "$big" ]
h_check "fay: each is logged" [ "$(grep -c 'over size_limit' "$H_TMP/fetcher.log")" -eq "$big" ]
h_check "fay: the others were delivered" [ "$(h_mail_count fay)" -eq $((12 - big)) ]
h_check "gus: keep=yes leaves all 4 on the server" [ "$(h_pop_count gus)" -eq 4 ]
h_check "gus: all 4 delivered, identical" h_compare gus "$H_TMP/orig/gus" "$H_MAIL_ROOT/gus"
h_check "gus: envelope sender set by sender=" \
    grep -q 'from=<popconn-test@example.test>' "$H_TMP/fetcher.log"
h_check "gus: Return-Path is the configured sender" \
    sh -c "grep -l '^Return-Path: <popconn-test@example.test>' '$H_MAIL_ROOT'/gus/new/* | wc -l | grep -qx 4"

p_fetch
p_fetch
h_postfix_wait_idle 30 || true
h_check "gus: after two more cycles still exactly 4 delivered" \
    h_compare gus "$H_TMP/orig/gus" "$H_MAIL_ROOT/gus"
h_check "gus: and 4 still on the server" [ "$(h_pop_count gus)" -eq 4 ]
h_check "fay: the large ones were not fetched again" \
    [ "$(h_mail_count fay)" -eq $((12 - big)) ]

# size_limit_action = delete: the administrator drops them unfetched.
: >"$H_TMP/fetcher.log"
sed -i 's/-o size_limit=100k/-o size_limit=100k -o size_limit_action=delete/' "$P_ETC/mailboxes.cf"
p_fetch
h_check "fay: size_limit_action=delete removes the $big large ones" [ "$(h_pop_count fay)" -eq 0 ]
h_check "fay: each deletion logged" \
    [ "$(grep -c 'deleted from the server without fetching' "$H_TMP/fetcher.log")" -eq "$big" ]
h_check "fay: still none of them delivered" [ "$(h_mail_count fay)" -eq $((12 - big)) ]
sed -i 's/size_limit_action=delete/size_limit_action=bogus/' "$P_ETC/mailboxes.cf"
p_fetch
h_check "a bad size_limit_action is a configuration error (78, got $P_STATUS)" [ "$P_STATUS" -eq 78 ]
sed -i 's/size_limit_action=bogus/delivery_method=bogus/' "$P_ETC/mailboxes.cf"
: >"$H_TMP/fetcher.log"
p_fetch
h_check "a bad delivery_method is a configuration error (78, got $P_STATUS)" [ "$P_STATUS" -eq 78 ]
h_check "it says which values are allowed" \
    grep -q 'delivery_method = bogus: use sendmail or smtp' "$H_TMP/fetcher.log"
h_done
