#!/bin/sh
# t_fetch_failures - when delivery or login fails, nothing is deleted and
# nothing is lost: sendmail exiting 75 (retry) or 69 (refused), a wrong
# password, a server certificate that does not verify.  Then a working
# cycle delivers everything exactly once.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "carol:carol-pw"
h_postfix_start example.test "carol"
h_seed carol 5 3
box="carol user pop3s://carol@localhost:$H_POP3S_PORT carol@example.test"

# 1. sendmail says "try again later" (EX_TEMPFAIL).
P_EXTRA_CF="sendmail_path = $(p_fake_sendmail 75)"
p_config; p_mailbox "$box"; p_password carol carol-pw
p_fetch
h_check "sendmail 75: fetcher exits 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "sendmail 75: all 5 still on the server" [ "$(h_pop_count carol)" -eq 5 ]
h_check "sendmail 75: logged as deferred" grep -q 'status=deferred' "$H_TMP/fetcher.log"
n=$(grep -c 'status=deferred' "$H_TMP/fetcher.log")
h_check "sendmail 75: the session stopped at the first failure ($n in flight, delivery_parallelism 4)" \
    [ "$n" -ge 1 ] && [ "$n" -le 4 ]

# 2. sendmail refuses every message (EX_UNAVAILABLE): each is kept.
: >"$H_TMP/fetcher.log"
P_EXTRA_CF="sendmail_path = $(p_fake_sendmail 69)"
p_config; p_mailbox "$box"; p_password carol carol-pw
p_fetch
h_check "sendmail 69: fetcher exits 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "sendmail 69: each of the 5 refused and logged" \
    [ "$(grep -c 'status=failed' "$H_TMP/fetcher.log")" -eq 5 ]
h_check "sendmail 69: all 5 still on the server" [ "$(h_pop_count carol)" -eq 5 ]

# 3. Wrong password: a clear authentication failure, one attempt.
: >"$H_TMP/fetcher.log"
P_EXTRA_CF=
p_config; p_mailbox "$box"; p_password carol wrong-pw
p_fetch
h_check "wrong password: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "wrong password: says authentication failed" \
    grep -Eq 'authentication (with [A-Z0-9-]+ )?failed for carol' "$H_TMP/fetcher.log"
h_check "wrong password: not in the log" sh -c "! grep -q wrong-pw '$H_TMP/fetcher.log'"

# 4. Certificate not trusted (system store instead of the test CA): no
#    credential is sent.
: >"$H_TMP/fetcher.log"
p_config
sed -i 's/^tls_ca_file = .*/tls_ca_file =/' "$P_ETC/popconn.cf"
p_mailbox "$box"; p_password carol carol-pw
p_fetch
h_check "untrusted certificate: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "untrusted certificate: says verification failed" \
    grep -q 'certificate verification failed for localhost' "$H_TMP/fetcher.log"
h_check "untrusted certificate: all 5 still on the server" [ "$(h_pop_count carol)" -eq 5 ]

# 5. Everything works: delivered exactly once despite the failures above.
: >"$H_TMP/fetcher.log"
p_config; p_mailbox "$box"; p_password carol carol-pw
p_fetch
h_check "working cycle exits 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_postfix_wait_idle 60
h_check "all 5 delivered once, byte-identical" \
    h_compare carol "$H_TMP/orig/carol" "$H_MAIL_ROOT/carol"
h_check "server mailbox empty" [ "$(h_pop_count carol)" -eq 0 ]
h_done
