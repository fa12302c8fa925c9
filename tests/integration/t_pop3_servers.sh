#!/bin/sh
# t_pop3_servers - the scripted POP3 server (tests/lib/fakepop3.py) plays
# GNU Mailutils', popa3d's and Courier's greetings and answers (issue 20):
# a refused login is classified as RFC 2449/3206 define it, by the
# fetcher and by "popconnctl mailbox test" alike ([AUTH] and a bare -ERR
# are the password; an -ERR to a mechanism the server never announced
# is "not offered", exit 65; [SYS/PERM] and a code-less refusal from an
# AUTH-RESP-CODE server are not the password, 69; [SYS/TEMP] 75); APOP
# without a greeting timestamp is "not offered" and nothing is sent; an
# empty mailbox with UIDL says UIDL; SASL continuation lines are traced
# under the mailbox's name; UTF8 (RFC 6856) is sent where announced.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
FP_EXTRA_CF="log_level = maximum"
. "$TOP/tests/lib/fakepop3.sh"

h_init
fp_init
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 1500 --seed 3
U="pop3://alice@127.0.0.1:$FP_PORT"
OK='"user": "alice", "password": "secret",'
BAD='"user": "alice", "password": "other",'
said() { grep -q -- "$1" "$FP_LOG"; }

# 1. Mailutils: AUTH PLAIN -> "-ERR Not implemented" (no SASL in CAPA,
#    AUTH-RESP-CODE announced): not offered (65), not a wrong password.
fp_box "$U" "-o tls=none" "-o auth=plain"
fp_msgs "$M"/msg00[12].eml
fp_ctl mu-plain "{ $OK \"persona\": \"mailutils\" }" mailbox test box
h_check "mailutils AUTH PLAIN: mailbox test exit 65 (got $P_STATUS)" \
    [ "$P_STATUS" -eq 65 ]
h_check "mailutils AUTH PLAIN: not called a wrong password" \
    sh -c "! grep -q 'wrong password' '$FP_LOG'"
h_check "mailutils AUTH PLAIN: the server's words shown" said 'Not implemented'
h_check "mailutils AUTH PLAIN: says not offered" said 'does not offer AUTH PLAIN'
fp_run mu-plain-fetch "{ $OK \"persona\": \"mailutils\" }"
h_check "mailutils AUTH PLAIN: fetcher fails (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "mailutils AUTH PLAIN: fetcher says not offered, with no code" \
    said 'Not implemented.*no code: not offered by the server'

# Mailutils, USER with a wrong password: "-ERR [AUTH] Bad login" is 67.
fp_box "$U" "-o tls=none" "-o auth=user"
fp_ctl mu-badpw "{ $BAD \"persona\": \"mailutils\" }" mailbox test box
h_check "mailutils wrong password: exit 67 (got $P_STATUS)" [ "$P_STATUS" -eq 67 ]
h_check "mailutils wrong password: [AUTH] and the words shown" \
    said 'wrong password for alice.*Bad login.*\[AUTH\]'

# 2. popa3d: no CAPA; AUTH PLAIN -> bare -ERR: not offered (65).
fp_box "$U" "-o tls=none" "-o auth=plain"
fp_ctl p3-plain "{ $OK \"persona\": \"popa3d\" }" mailbox test box
h_check "popa3d AUTH PLAIN: mailbox test exit 65 (got $P_STATUS)" \
    [ "$P_STATUS" -eq 65 ]
h_check "popa3d AUTH PLAIN: not called a wrong password" \
    sh -c "! grep -q 'wrong password' '$FP_LOG'"
# popa3d, USER with a wrong password: the bare -ERR to PASS is 67.
fp_box "$U" "-o tls=none" "-o auth=user"
fp_ctl p3-badpw "{ $BAD \"persona\": \"popa3d\" }" mailbox test box
h_check "popa3d wrong password: exit 67 (got $P_STATUS)" [ "$P_STATUS" -eq 67 ]
fp_ctl p3-ok "{ $OK \"persona\": \"popa3d\" }" mailbox test box
h_check "popa3d right password: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]

# 3. Courier greets without a timestamp: auth=apop cannot even be tried.
fp_box "$U" "-o tls=none" "-o auth=apop"
fp_ctl co-apop "{ $OK \"persona\": \"courier\" }" mailbox test box
h_check "courier APOP: mailbox test exit 65 (got $P_STATUS)" [ "$P_STATUS" -eq 65 ]
h_check "courier APOP: says APOP is not offered" said 'APOP not offered'
h_check "courier APOP: not called a wrong password" \
    sh -c "! grep -q 'wrong password' '$FP_LOG'"
h_check "courier APOP: nothing sent" [ "$(tr_count ' C (APOP|USER|PASS|AUTH)')" -eq 0 ]
fp_run co-apop-fetch "{ $OK \"persona\": \"courier\" }"
h_check "courier APOP: fetcher says APOP is not offered" said 'APOP not offered'
# Courier, wrong password: "-ERR Login failed." without codes is 67.
fp_box "$U" "-o tls=none" "-o auth=user"
fp_ctl co-badpw "{ $BAD \"persona\": \"courier\" }" mailbox test box
h_check "courier wrong password: exit 67 (got $P_STATUS)" [ "$P_STATUS" -eq 67 ]
h_check "courier wrong password: the server's words" said 'Login failed'
# Courier announces UTF8 (RFC 6856) and replaces a message with UTF-8 in
# its headers by a notice unless the client says UTF8 first.
fp_ctl co-utf8 "{ $OK \"persona\": \"courier\" }" mailbox test box
h_check "courier: UTF8 sent before logging in" \
    [ "$(grep -E ' C (UTF8|USER)' "$FP_TR" | cut -d' ' -f3 | tr '\n' ' ')" = "UTF8 USER " ]
h_check "courier: UTF8 shown among the capabilities" said 'capabilities:.* UTF8'

# 4. RFC 3206 codes on PASS, from a server that announces AUTH-RESP-CODE.
CAPS='"capa": ["USER", "UIDL", "RESP-CODES", "AUTH-RESP-CODE"],'
for c in "[SYS/PERM] account disabled:69:not for the password" \
    "[SYS/TEMP] backend down:75:try later" \
    "Go away:69:not for the password" \
    "[AUTH] no such user:67:wrong password" \
    "[IN-USE] locked:75:locked"; do
	text=${c%%:*}; rest=${c#*:}; want=${rest%%:*}; words=${rest#*:}
	fp_ctl codes "{ $OK $CAPS \"replies\": {\"PASS\": \"-ERR $text\"} }" \
	    mailbox test box
	h_check "PASS -ERR $text: mailbox test exit $want (got $P_STATUS)" \
	    [ "$P_STATUS" -eq "$want" ]
	h_check "PASS -ERR $text: says '$words' and the server's words" \
	    sh -c "grep -q '$words' '$FP_LOG' && grep -qF '${text#* }' '$FP_LOG'"
done

# 5. An empty mailbox whose server has UIDL: "UIDL", not "no UIDL".
fp_msgs
fp_ctl empty "{ $OK }" mailbox test box
h_check "empty mailbox: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "empty mailbox: 0 messages, UIDL" said '0 messages.*, UIDL'
h_check "empty mailbox: not 'no UIDL'" sh -c "! grep -q 'no UIDL' '$FP_LOG'"

# 6. SASL continuation lines (LOGIN) are traced under the mailbox name,
#    redacted.
fp_box "$U" "-o tls=none" "-o auth=login"
fp_msgs "$M"/msg00[12].eml
fp_run login-trace "{ $OK \"capa\": [\"USER\", \"UIDL\", \"SASL LOGIN\"],
    \"sasl\": {\"LOGIN\": [\"+ VXNlcm5hbWU6\", \"+ UGFzc3dvcmQ6\",
    \"+OK logged in\"]} }"
h_check "LOGIN: fetched (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "LOGIN: no C-SASL tag in the trace" sh -c "! grep -q 'C-SASL' '$FP_LOG'"
h_check "LOGIN: both continuation lines under the mailbox, redacted" \
    [ "$(grep -c 'box S: <redacted>' "$FP_LOG")" -eq 2 ]
h_check "LOGIN: no credential in the log" \
    sh -c "! grep -Eq 'YWxpY2U|c2VjcmV0|secret' '$FP_LOG'"
h_done
