#!/bin/sh
# t_pop3_sasl - the SASL mechanisms Dovecot cannot test, against the
# scripted server (tests/lib/fakepop3.py): NTLMv2 checked by the server
# itself (MD4/HMAC-MD5 computed independently in Python), XOAUTH2 with
# Microsoft 365's two-step exchange and a token from password_command,
# OAUTHBEARER (RFC 7628) and their JSON error replies; and hostile
# challenges: -ERR instead of a challenge, an oversized challenge, one
# that is not base64, more challenges than any mechanism needs.  A bad
# exchange is cancelled with "*" and reported as an authentication
# failure; no secret reaches the log.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

h_init
fp_init
sed -i '/^box /d' "$P_ETC/passwords"; p_password box Pa55-ntlm
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 1500 --seed 11
BASE='"user": "ACME\\alice", "password": "Pa55-ntlm", "capa": ["USER", "UIDL", "SASL NTLM XOAUTH2 OAUTHBEARER PLAIN"],'
URL="pop3://ACME%5Calice@127.0.0.1:$FP_PORT"

# 1. NTLMv2, verified by the server.
fp_box "$URL" "-o tls=none" "-o auth=ntlm"
fp_msgs "$M"/*.eml
fp_run ntlm "{ $BASE \"ntlm\": true }"
h_check "NTLM: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "NTLM: the server verified the NTLMv2 response" grep -q "NTLM verified" "$FP_TR"
h_check "NTLM: 2 delivered" captured "$M"/*.eml
h_check "NTLM: password not in the log" sh -c "! grep -q Pa55-ntlm '$FP_LOG'"

fp_msgs "$M"/*.eml
sed -i '/^box /d' "$P_ETC/passwords"; p_password box wrong-one
fp_run ntlm-bad "{ $BASE \"ntlm\": true }"
h_check "NTLM wrong password: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "NTLM wrong password: the server rejected it" grep -q "NTLM REJECTED" "$FP_TR"
h_check "NTLM wrong password: an authentication failure" \
    grep -q 'authentication with ntlm failed' "$FP_LOG"
h_check "NTLM wrong password: nothing fetched" [ "$(cap_count)" -eq 0 ]
# restore the right password
sed -i '/^box /d' "$P_ETC/passwords"; p_password box Pa55-ntlm

# 2. NTLM server answers -ERR instead of a challenge.
fp_run ntlm-err "{ $BASE \"sasl\": {\"NTLM\": [\"-ERR [AUTH] NTLM disabled\"]} }"
h_check "NTLM -ERR: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "NTLM -ERR: reported" grep -q 'NTLM disabled' "$FP_LOG"

# 3. Hostile challenges: the client cancels with "*".
big=$(head -c 30000 /dev/zero | base64 -w0)
fp_run sasl-big "{ $BASE \"sasl\": {\"NTLM\": [\"+ $big\", \"-ERR no\"]} }"
h_check "oversized challenge: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "oversized challenge: no crash, reported" grep -q 'ntlm' "$FP_LOG"
fp_run sasl-nonb64 "{ $BASE \"sasl\": {\"NTLM\": [\"+ !!!not-base64!!!\", \"-ERR cancelled\"]} }"
h_check "non-base64 challenge: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "non-base64 challenge: cancelled with *" [ "$(tr_count '^[0-9]+ SASL \*$')" -ge 1 ]
fp_box "$URL" "-o tls=none" "-o auth=plain"
fp_run sasl-many "{ $BASE \"sasl\": {\"PLAIN\": [\"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"+ \", \"-ERR enough\"]} }"
h_check "endless challenges: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "endless challenges: bounded, then cancelled with *" [ "$(tr_count '^[0-9]+ SASL \*$')" -ge 1 ]

# 4. XOAUTH2 with a token from password_command: the token is long, so
#    it goes in a second step after "+ " (what Microsoft 365 does).
TOKEN=$(head -c 900 /dev/urandom | base64 -w0 | tr -d '/+=')
printf '#!/bin/sh\necho %s\n' "$TOKEN" >"$H_TMP/token.sh"
chmod 700 "$H_TMP/token.sh"
fp_box "$URL" "-o tls=none" "-o auth=xoauth2" "-o password_command=$H_TMP/token.sh"
fp_msgs "$M"/*.eml
fp_run xoauth2 "{ $BASE \"token\": \"$TOKEN\" }"
h_check "XOAUTH2: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "XOAUTH2: two-step (AUTH XOAUTH2, then the response)" \
    grep -Eq '^[0-9]+ C AUTH XOAUTH2$' "$FP_TR"
h_check "XOAUTH2: delivered" captured "$M"/*.eml
h_check "XOAUTH2: the token is not in the log" sh -c "! grep -q '$TOKEN' '$FP_LOG'"

fp_msgs "$M"/*.eml
fp_run xoauth2-bad "{ $BASE \"token\": \"not-$TOKEN\" }"
h_check "XOAUTH2 expired token: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "XOAUTH2 expired token: the JSON error summarised" grep -q 'status=401' "$FP_LOG"
h_check "XOAUTH2 expired token: answered the error with an empty line" \
    [ "$(tr_count '^[0-9]+ SASL $')" -ge 1 ]

# 5. OAUTHBEARER (RFC 7628).
fp_box "$URL" "-o tls=none" "-o auth=oauthbearer" "-o password_command=$H_TMP/token.sh"
fp_run oauthbearer "{ $BASE \"token\": \"$TOKEN\" }"
h_check "OAUTHBEARER: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "OAUTHBEARER: delivered" captured "$M"/*.eml
fp_msgs "$M"/*.eml
fp_run oauthbearer-bad "{ $BASE \"token\": \"x$TOKEN\" }"
h_check "OAUTHBEARER error: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "OAUTHBEARER error: answered with %x01 (AQ==)" [ "$(tr_count '^[0-9]+ SASL AQ==$')" -ge 1 ]
h_check "OAUTHBEARER error: status reported" grep -q 'status=401' "$FP_LOG"

# 6. A mechanism the server does not offer.
fp_box "$URL" "-o tls=none" "-o auth=cram-md5"
fp_run not-offered "{ $BASE \"ntlm\": true }"
h_check "not offered: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "not offered: says which ones are" grep -q 'does not offer AUTH cram-md5 (it offers: NTLM XOAUTH2 OAUTHBEARER PLAIN)' "$FP_LOG"
h_done
