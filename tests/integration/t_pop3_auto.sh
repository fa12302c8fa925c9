#!/bin/sh
# t_pop3_auto - auth = auto against the scripted POP3 server (issue 20
# defect 2): it tries what the server offers from strongest to weakest
# (NTLM included) and falls back when one is refused, remembers per
# mailbox what worked (state directory) and starts with it next time,
# stops at once on [LOGIN-DELAY] / [SYS/PERM] and keeps to CAPA
# LOGIN-DELAY between polls, calls again when the
# server hangs up after a refusal, and calls it a wrong password only
# when every mechanism was refused for the credentials.  "mailbox test"
# says which mechanism is in use and why.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

h_init
h_ca
fp_init
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 1500 --seed 5
U="pop3://alice@127.0.0.1:$FP_PORT"
OK='"user": "alice", "password": "secret",'
BAD='"user": "alice", "password": "other",'
said() { grep -q -- "$1" "$FP_LOG"; }
AUTHF=$H_TMP/state/box.auth

# 1. GNU Mailutils: a timestamp in every greeting, no APOP secret.  APOP
#    is refused with [AUTH]; auto falls back to USER (tls=none: this
#    mailbox allows clear text) and the mail arrives.
fp_box "$U" "-o tls=none"
fp_msgs "$M"/msg00[12].eml
fp_run mu "{ $OK \"persona\": \"mailutils\" }"
h_check "mailutils auto: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "mailutils auto: APOP first, then USER/PASS" \
    [ "$(grep -E ' C (APOP|USER|PASS)' "$FP_TR" | cut -d' ' -f3 | tr '\n' ' ')" = "APOP USER PASS " ]
h_check "mailutils auto: 2 delivered" captured "$M"/msg00[12].eml
h_check "mailutils auto: logs the choice and why" \
    said 'logged in with USER (auto: after APOP refused (\[AUTH\] Bad login))'
h_check "mailutils auto: USER remembered in the state directory" \
    grep -q '^USER ' "$AUTHF"
# Next session: USER first, APOP not tried again.
fp_msgs "$M"/msg001.eml
mkdir -p "$H_TMP/state"; printf 'USER auto\n' >"$AUTHF"
fp_run mu2 "{ $OK \"persona\": \"mailutils\" }"
h_check "mailutils auto, again: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "mailutils auto, again: no APOP tried" [ "$(tr_count ' C APOP')" -eq 0 ]
h_check "mailutils auto, again: says it worked last time" said 'worked last time'
fp_ctl mu-test "{ $OK \"persona\": \"mailutils\" }" mailbox test box
h_check "mailutils auto: mailbox test exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "mailutils auto: mailbox test names USER and why" \
    said 'logged in with USER (auto: worked last time)'
rm -f "$AUTHF"
fp_ctl mu-test2 "{ $OK \"persona\": \"mailutils\" }" mailbox test box
h_check "mailutils auto, nothing remembered: mailbox test says after APOP" \
    said 'logged in with USER (auto: after APOP refused'
h_check "mailbox test changes nothing: no state written" [ ! -e "$AUTHF" ]

# 2. Every mechanism refused for the credentials: a wrong password (67),
#    each try named.
fp_ctl mu-bad "{ $BAD \"persona\": \"mailutils\" }" mailbox test box
h_check "all refused: mailbox test exit 67 (got $P_STATUS)" [ "$P_STATUS" -eq 67 ]
h_check "all refused: both tries named" said 'APOP refused.*USER refused'
fp_run mu-bad-fetch "{ $BAD \"persona\": \"mailutils\" }"
h_check "all refused: fetcher fails (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "all refused: nothing remembered" [ ! -e "$AUTHF" ]

# 3. [LOGIN-DELAY] on the first try: stop at once, defer (75), no
#    second login.
fp_msgs "$M"/msg00[12].eml
fp_run delay "{ $OK \"persona\": \"mailutils\",
    \"replies\": {\"APOP\": \"-ERR [LOGIN-DELAY 900] wait\"} }"
h_check "LOGIN-DELAY: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "LOGIN-DELAY: no second mechanism tried" \
    [ "$(tr_count ' C (USER|PASS|AUTH)')" -eq 0 ]
# [SYS/PERM]: the account; no other mechanism helps.
fp_run sysperm "{ $OK \"persona\": \"mailutils\",
    \"replies\": {\"APOP\": \"-ERR [SYS/PERM] account disabled\"} }"
h_check "SYS/PERM: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "SYS/PERM: no second mechanism tried" \
    [ "$(tr_count ' C (USER|PASS|AUTH)')" -eq 0 ]

# 4. A server that hangs up after refusing APOP: called again, USER works.
fp_msgs "$M"/msg00[12].eml
FP_SCN="{ $OK \"persona\": \"mailutils\", \"cut\": {\"APOP\": \"after\"} }"
printf '%s\n' "$FP_SCN" >"$H_TMP/hang.scn"
rm -f "$H_TMP/port"
"$H_PYTHON" "$FP" serve --state "$FP_STATE" --scenario "$H_TMP/hang.scn" \
    --port "$FP_PORT" --port-file "$H_TMP/port" --connections 2 \
    --transcript "$H_TMP/hang.tr" --timeout 60 >>"$H_TMP/fakepop3.out" 2>&1 &
hp=$!
h_track_pid "$hp"
n=100; while [ ! -s "$H_TMP/port" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n-1)); done
P_STATUS=0
timeout 60 "$P_FETCHER" -f -1 -c "$P_ETC" >"$H_TMP/hang.log" 2>&1 || P_STATUS=$?
wait "$hp" 2>/dev/null || true
h_check "hang-up after APOP: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "hang-up after APOP: a second connection" \
    [ "$(grep -c ' ACCEPT' "$H_TMP/hang.tr")" -eq 2 ]
h_check "hang-up after APOP: USER on the second" grep -q '^2 C PASS' "$H_TMP/hang.tr"
h_check "hang-up after APOP: 2 delivered" captured "$M"/msg00[12].eml
rm -f "$AUTHF"

# 5. Inside TLS (STLS, verified): NTLM is the strongest offered and is
#    chosen (checked by the server); PLAIN is not tried.
sed -i '/^box /d' "$P_ETC/passwords"; p_password box Pa55-ntlm
fp_box "$U"
fp_msgs "$M"/msg00[12].eml
TLS="\"tls\": \"stls\", \"cert\": \"$H_SSL_DIR/server.pem\",
    \"key\": \"$H_SSL_DIR/server.key\","
NT="\"user\": \"ACME\\\\alice\", \"password\": \"Pa55-ntlm\", \"ntlm\": true,
    \"capa\": [\"USER\", \"UIDL\", \"STLS\", \"SASL PLAIN NTLM\"],"
fp_box "pop3://ACME%5Calice@localhost:$FP_PORT"
fp_run ntlm "{ $NT $TLS }"
h_check "TLS, auto: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "TLS, auto: NTLM chosen and verified by the server" \
    grep -q 'NTLM verified' "$FP_TR"
h_check "TLS, auto: nothing else tried" [ "$(tr_count ' C (USER|PASS|APOP|AUTH PLAIN)')" -eq 0 ]
h_check "TLS, auto: says strongest offered" said 'logged in with NTLM (auto: strongest offered)'
# NTLM refused for the credentials inside TLS: PLAIN is allowed there.
fp_run ntlm-plain "{ $NT $TLS \"sasl\": {\"NTLM\": [\"-ERR [AUTH] no NTLM hash\"]},
    \"user\": \"ACME\\\\alice\" }"
h_check "TLS, NTLM refused: falls back inside TLS (got $P_STATUS)" \
    [ "$P_STATUS" -eq 0 ]
h_check "TLS, NTLM refused: PLAIN after NTLM" \
    [ "$(grep -E ' C AUTH' "$FP_TR" | cut -d' ' -f4 | tr '\n' ' ')" = "NTLM PLAIN " ]

# 6. LOGIN-DELAY in CAPA (RFC 2449 section 6.5): the service polls no
#    sooner than the server allows, although poll_interval is 1s.
sed -i '/^box /d' "$P_ETC/passwords"; p_password box secret
ld() {
	fp_box "$U" "-o tls=none" "-o poll_interval=1s"
	fp_msgs "$M"/msg001.eml
	printf '%s\n' "{ $OK \"capa\": [\"USER\", \"UIDL\", $1] }" >"$H_TMP/ld.scn"
	rm -f "$H_TMP/port" "$H_TMP/ld.tr"
	"$H_PYTHON" "$FP" serve --state "$FP_STATE" --scenario "$H_TMP/ld.scn" \
	    --port "$FP_PORT" --port-file "$H_TMP/port" --connections 20 \
	    --transcript "$H_TMP/ld.tr" --timeout 30 >>"$H_TMP/fakepop3.out" 2>&1 &
	lp=$!
	h_track_pid "$lp"
	n=100; while [ ! -s "$H_TMP/port" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n-1)); done
	p_daemon_start
	sleep 5
	"$TOP/$BUILD/popconnctl" -c "$P_ETC" status --json >"$H_TMP/ld.status" 2>&1 || true
	"$TOP/$BUILD/popconnctl" -c "$P_ETC" status >"$H_TMP/ld.table" 2>&1 || true
	kill -TERM "$P_DAEMON_PID"; wait "$P_DAEMON_PID" 2>/dev/null
	kill -TERM "$lp" 2>/dev/null; wait "$lp" 2>/dev/null
	LD_N=$(grep -c ' ACCEPT' "$H_TMP/ld.tr")
}
ld '"LOGIN-DELAY 60"'
h_check "CAPA LOGIN-DELAY 60, poll_interval 1s: one login in 5 s (got $LD_N)" \
    [ "$LD_N" -eq 1 ]
h_check "status --json says which mechanism is in use and why" \
    grep -Eq '"mechanism":"[A-Z0-9-]+","mechanism_why":"[^"]+"' "$H_TMP/ld.status" ||
    cat "$H_TMP/ld.status"
# the word after the RESULT column is the AUTH column's
auth_col=$(awk '$1 == "box" { for (i = 2; i < NF; i++)
    if ($i ~ /^(ok|deferred|failed|never)$/) { print $(i + 1); exit } }' \
    "$H_TMP/ld.table")
h_check "the status table has it in its AUTH column (got '$auth_col')" \
    sh -c "grep -q ' AUTH ' '$H_TMP/ld.table' && [ -n '$auth_col' ] && [ '$auth_col' != - ]" ||
    cat "$H_TMP/ld.table"
ld '"TOP"'
h_check "no LOGIN-DELAY, poll_interval 1s: several logins in 5 s (got $LD_N)" \
    [ "$LD_N" -ge 2 ]
h_done
