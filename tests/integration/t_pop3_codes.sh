#!/bin/sh
# t_pop3_codes - a scripted POP3 server (tests/lib/fakepop3.py) that
# lacks UIDL, refuses PASS with response codes (RFC 2449, 3206), sends
# an over-long status line, a 100 KB UID, duplicate UIDs (tracked by
# digest instead), or LIST sizes
# that lie.  Mail is delivered through tests/lib/capture-sendmail.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

. "$TOP/tests/lib/fakepop3.sh"

h_init
fp_init
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 3 2000 --seed 7
BASIC='"user": "alice", "password": "secret",'

# 1. No UIDL (UIDL -ERR), keep=no: fetched, delivered, deleted, warned.
fp_msgs "$M"/msg00[123].eml
fp_run no-uidl "{ $BASIC \"capa\": [\"USER\", \"TOP\"],
    \"replies\": {\"UIDL\": \"-ERR command not supported\"} }"
h_check "no UIDL, keep=no: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "no UIDL, keep=no: 3 delivered" [ "$(cap_count)" -eq 3 ]
h_check "no UIDL, keep=no: delivered byte-exact" captured "$M"/msg00[123].eml
h_check "no UIDL, keep=no: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_check "no UIDL, keep=no: warning logged" grep -q 'has no UIDL' "$FP_LOG"

# 2. No UIDL, keep=yes: refused, nothing deleted (nor delivered: it
#    would be delivered again at every poll).
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" "-o keep=yes"
fp_msgs "$M"/msg00[123].eml
fp_run no-uidl-keep "{ $BASIC \"capa\": [\"USER\", \"TOP\"],
    \"replies\": {\"UIDL\": \"-ERR command not supported\"} }"
h_check "no UIDL, keep=yes: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "no UIDL, keep=yes: no DELE sent" [ "$(tr_count ' C DELE')" -eq 0 ]
h_check "no UIDL, keep=yes: all 3 still on the server" [ "$(fp_count)" -eq 3 ]
h_check "no UIDL, keep=yes: nothing delivered" [ "$(cap_count)" -eq 0 ]
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"

# 3. PASS refused with RFC 2449/3206 response codes.
#    RFC 2449 section 8.1.2 names the code "[LOGIN-DELAY]"; servers also
#    put the delay into it.
for c in "IN-USE:75" "LOGIN-DELAY:75" "LOGIN-DELAY 600:75" "SYS/TEMP:75" \
    "AUTH:69" "SYS/PERM:69"; do
	code=${c%:*}; want=${c##*:}
	fp_msgs "$M"/msg00[123].eml
	fp_run "pass-$(echo "$code" | tr ' /' '__')" "{ $BASIC \"capa\": [\"USER\", \"UIDL\",
	    \"RESP-CODES\", \"AUTH-RESP-CODE\"],
	    \"replies\": {\"PASS\": \"-ERR [$code] go away\"} }"
	h_check "PASS -ERR [$code]: exit $want (got $P_STATUS)" \
	    [ "$P_STATUS" -eq "$want" ]
	h_check "PASS -ERR [$code]: one login attempt" \
	    [ "$(tr_count ' C PASS')" -eq 1 -a "$(tr_count ' ACCEPT')" -eq 1 ]
	h_check "PASS -ERR [$code]: nothing fetched" \
	    [ "$(tr_count ' C (RETR|DELE|UIDL|LIST)')" -eq 0 -a "$(cap_count)" -eq 0 ]
	h_check "PASS -ERR [$code]: all 3 still on the server" [ "$(fp_count)" -eq 3 ]
done

# The same with SASL (RFC 5034): the response code of AUTH counts too.
fp_msgs "$M"/msg00[123].eml
fp_run auth-in-use "{ $BASIC \"capa\": [\"USER\", \"UIDL\", \"SASL PLAIN\",
    \"RESP-CODES\", \"AUTH-RESP-CODE\"],
    \"replies\": {\"AUTH\": \"-ERR [IN-USE] go away\"} }"
h_check "AUTH -ERR [IN-USE]: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "AUTH -ERR [IN-USE]: one login attempt" \
    [ "$(tr_count ' C (AUTH|USER|PASS|APOP)')" -eq 1 ]
h_check "AUTH -ERR [IN-USE]: nothing fetched or deleted" \
    [ "$(cap_count)" -eq 0 -a "$(fp_count)" -eq 3 ]

# 4. An over-long (2000 bytes) status line in reply to USER.
fp_msgs "$M"/msg00[123].eml
fp_run long-status "{ $BASIC
    \"replies\": {\"USER\": \"+OK \" + \"x\" * 1996} }"
h_check "2000-byte reply to USER: the session fails (got $P_STATUS)" \
    [ "$P_STATUS" -eq 69 -o "$P_STATUS" -eq 75 ]
h_check "2000-byte reply to USER: no password sent after it" \
    [ "$(tr_count ' C PASS')" -eq 0 ]
h_check "2000-byte reply to USER: nothing deleted" [ "$(fp_count)" -eq 3 ]
h_check "2000-byte reply to USER: logged as a protocol error" \
    grep -Eqi 'too long|longer than|protocol error' "$FP_LOG"

# 5. A 100 KB UID.
fp_msgs "$M"/msg00[123].eml
fp_run huge-uid "{ $BASIC
    \"replies\": {\"UIDL\": [\"+OK\", \"1 \" + \"u\" * 102400, \"2 uid-2\",
        \"3 uid-3\", \".\"]} }"
h_check "100 KB UID: the session fails (got $P_STATUS)" \
    [ "$P_STATUS" -eq 69 -o "$P_STATUS" -eq 75 ]
h_check "100 KB UID: nothing fetched" \
    [ "$(tr_count ' C RETR')" -eq 0 -a "$(cap_count)" -eq 0 ]
h_check "100 KB UID: nothing deleted" \
    [ "$(tr_count ' C DELE')" -eq 0 -a "$(fp_count)" -eq 3 ]

# 6. Two messages with the same UID: the server cannot be tracked by
#    UIDL, so its messages are tracked by digest: each delivered once,
#    also over a second session in which the server repeats itself.
fp_msgs "$M"/msg00[123].eml
DUP="{ $BASIC
    \"replies\": {\"UIDL\": [\"+OK\", \"1 same\", \"2 same\", \"3 uid-3\",
        \".\"]}, \"cut\": {\"QUIT\": \"before\"} }"
fp_run dup-uid "$DUP"
h_check "duplicate UIDs: the session works on (got $P_STATUS)" \
    [ "$P_STATUS" -eq 0 -o "$P_STATUS" -eq 75 ]
h_check "duplicate UIDs: warned, tracked by digest" \
    grep -q 'invalid or duplicate UIDs.*by digest' "$FP_LOG"
h_check "duplicate UIDs: all 3 delivered" captured "$M"/msg00[123].eml
# QUIT was cut: the server rolled the DELEs back and offers all 3 again.
fp_run dup-uid-2 "{ $BASIC
    \"replies\": {\"UIDL\": [\"+OK\", \"1 same\", \"2 same\", \"3 uid-3\",
        \".\"]} }"
h_check "duplicate UIDs, again: nothing delivered twice" captured "$M"/msg00[123].eml
h_check "duplicate UIDs, again: the server is emptied" [ "$(fp_count)" -eq 0 ]

# 7. LIST sizes that lie (smaller for 1, larger for 2).
fp_msgs "$M"/msg00[123].eml
fp_run list-lies "{ $BASIC \"list_sizes\": {1: 10, 2: 999999} }"
h_check "wrong LIST sizes: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "wrong LIST sizes: 3 delivered" [ "$(cap_count)" -eq 3 ]
h_check "wrong LIST sizes: byte-exact" captured "$M"/msg00[123].eml
h_check "wrong LIST sizes: warned twice" \
    [ "$(grep -c 'size differs from LIST' "$FP_LOG")" -eq 2 ]
h_check "wrong LIST sizes: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_done
