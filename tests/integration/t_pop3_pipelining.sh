#!/bin/sh
# t_pop3_pipelining - RFC 2449 PIPELINING against a scripted server
# (tests/lib/fakepop3.py): without it, one command in flight at a time;
# with it, RETRs pipelined and everything delivered once; against a
# server with tiny socket buffers that only reads when its output has
# drained, 20 messages of 300 KB without a deadlock.  With it, UIDL and
# LIST go out together and QUIT with the last DELEs (issue 21: a round
# trip less each); a DELE refused then fails the session, the other
# DELEs stand (QUIT was sent), and the next session deletes the refused
# message without delivering anything twice.  And the login (issue 21):
# with PIPELINING, USER and PASS go in one write, but nothing goes behind
# PASS or AUTH (Courier and Cyrus drop it: tests/interop); a refused login
# still
# reads as one (the pipelined -ERRs are read and discarded), also when
# the server hangs up after refusing PASS.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

. "$TOP/tests/lib/fakepop3.sh"

h_init
fp_init
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 5 3000 --seed 11
BASIC='"user": "alice", "password": "secret",'
# The first RETR reply waits a moment, so that whatever the client sends
# early is there when the server checks before replying.
SLOW='"delay": {"RETR#1": 0.3, "DELE#1": 0.2},'

# 1. No PIPELINING announced: one command in flight at a time.
fp_msgs "$M"/msg00[1-5].eml
fp_run no-pipelining "{ $BASIC $SLOW
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\"] }"
h_check "no PIPELINING: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "no PIPELINING: never a second command before a reply" \
    [ "$(tr_count ' EARLY ')" -eq 0 ]
h_check "no PIPELINING: 5 delivered once, byte-exact" \
    captured "$M"/msg00[1-5].eml
h_check "no PIPELINING: every DELE after its message's RETR reply" \
    [ "$(tr_count ' VIOLATION ')" -eq 0 ]
h_check "no PIPELINING: server mailbox empty" [ "$(fp_count)" -eq 0 ]

# 2. PIPELINING announced: RETRs go out together.
fp_msgs "$M"/msg00[1-5].eml
fp_run pipelining "{ $BASIC $SLOW
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\", \"PIPELINING\"] }"
h_check "PIPELINING: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "PIPELINING: several RETRs waiting before the first reply" \
    grep -Eq '^1 EARLY RETR 1 lines=([2-9]|[1-9][0-9])' "$FP_TR"
h_check "PIPELINING: 5 delivered once, byte-exact" \
    captured "$M"/msg00[1-5].eml
h_check "PIPELINING: no DELE before its message's RETR reply" \
    [ "$(tr_count ' VIOLATION ')" -eq 0 ]
h_check "PIPELINING: each message retrieved once" \
    [ "$(tr_count ' C RETR ')" -eq 5 ]
h_check "PIPELINING: server mailbox empty" [ "$(fp_count)" -eq 0 ]

# 3. Pipelining against a server with 4 KiB socket buffers that reads
#    no command while its output is queued: 20 messages of ~300 KB.
B=$H_TMP/big
"$H_PYTHON" "$FP" gen "$B" 20 300000 --seed 5
fp_msgs "$B"/msg*.eml
fp_run small-buffers "{ $BASIC \"small_buffers\": True,
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\", \"PIPELINING\"] }"
h_check "small buffers: exit 0, no deadlock (got $P_STATUS in ${FP_SECS}s)" \
    [ "$P_STATUS" -eq 0 ]
h_check "small buffers: 20 delivered once, byte-exact" captured "$B"/msg*.eml
h_check "small buffers: the server did not time out" \
    [ "$(tr_count 'TIMEOUT')" -eq 0 ]
h_check "small buffers: server mailbox empty" [ "$(fp_count)" -eq 0 ]

# 4. Round trips: LIST waits behind UIDL, QUIT behind the last DELE (both
#    replies are delayed so that what came in the same write is there).
PIPE='"capa": ["USER", "UIDL", "TOP", "RESP-CODES", "PIPELINING"],'
fp_msgs "$M"/msg00[1-3].eml
fp_run round-trips "{ $BASIC $PIPE \"delay\": {\"UIDL\": 0.3, \"DELE#3\": 0.3} }"
h_check "round trips: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "round trips: LIST sent with UIDL" \
    grep -Eq '^1 EARLY UIDL lines=1 ' "$FP_TR"
h_check "round trips: QUIT sent with the last DELE" \
    [ "$(grep ' C DELE \| EARLY DELE ' "$FP_TR" | tail -1 | \
    grep -Ec 'EARLY DELE [0-9]+ lines=1 ')" -eq 1 ]
h_check "round trips: 3 delivered once, byte-exact" \
    captured "$M"/msg00[1-3].eml
h_check "round trips: no DELE before its RETR reply" \
    [ "$(tr_count ' VIOLATION ')" -eq 0 ]
h_check "round trips: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_check "round trips: no UIDL/LIST/QUIT without PIPELINING in section 1" \
    [ "$(grep -c ' EARLY ' "$H_TMP/no-pipelining.tr")" -eq 0 ]

# 5. The second DELE refused, QUIT already on its way: the session is
#    deferred, the two other DELEs stand; the next session deletes the
#    third message and delivers nothing twice.
fp_msgs "$M"/msg00[1-3].eml
fp_run dele-refused "{ $BASIC $PIPE \"replies\": {\"DELE#2\": \"-ERR busy\"} }"
h_check "DELE refused: the session is deferred (got $P_STATUS)" \
    [ "$P_STATUS" -eq 75 ]
h_check "DELE refused: 3 delivered once" captured "$M"/msg00[1-3].eml
h_check "DELE refused: the server removed the other two" \
    [ "$(fp_count)" -eq 1 ]
fp_run dele-refused-2 "{ $BASIC $PIPE }"
h_check "DELE refused, next session: exit 0 (got $P_STATUS)" \
    [ "$P_STATUS" -eq 0 ]
h_check "DELE refused, next session: nothing fetched again" \
    [ "$(tr_count ' C RETR')" -eq 0 ]
h_check "DELE refused, next session: still 3 delivered once" \
    captured "$M"/msg00[1-3].eml
h_check "DELE refused, next session: server mailbox empty" \
    [ "$(fp_count)" -eq 0 ]

# 6. The login: USER and PASS in one write (the USER reply waits, so that
#    the whole write is there when the server checks), nothing behind.
fp_msgs "$M"/msg00[1-3].eml
fp_run login-pipelined "{ $BASIC $PIPE \"delay\": {\"USER\": 0.3} }"
h_check "login pipelined: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "login pipelined: PASS sent with USER, nothing behind it" \
    grep -Eq '^1 EARLY USER alice lines=1 ' "$FP_TR"
h_check "login pipelined: 3 delivered once" captured "$M"/msg00[1-3].eml
h_check "no PIPELINING: USER alone (section 1)" \
    [ "$(grep -c ' EARLY USER' "$H_TMP/no-pipelining.tr")" -eq 0 ]

# 7. AUTH PLAIN with its initial response (CAPA SASL PLAIN): alone.
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" "-o auth=plain"
fp_msgs "$M"/msg00[1-3].eml
fp_run plain-pipelined "{ $BASIC \"delay\": {\"AUTH\": 0.3, \"UIDL\": 0.3},
    \"capa\": [\"USER\", \"UIDL\", \"PIPELINING\", \"SASL PLAIN\"] }"
h_check "AUTH PLAIN: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "AUTH PLAIN: with its initial response" \
    grep -Eq '^1 C AUTH PLAIN [^ ]+$' "$FP_TR"
h_check "AUTH PLAIN: nothing sent behind it" \
    [ "$(grep -c ' EARLY AUTH' "$FP_TR")" -eq 0 ]
h_check "AUTH PLAIN: UIDL and LIST together after it" \
    grep -Eq '^1 EARLY UIDL lines=1 ' "$FP_TR"
h_check "AUTH PLAIN: 3 delivered once" captured "$M"/msg00[1-3].eml

# 8. A wrong password under PIPELINING: the failure is the password's
#    (permanent), nothing taken.
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" "-o auth=user"
fp_msgs "$M"/msg00[1-3].eml
fp_run pass-refused "{ \"user\": \"alice\", \"password\": \"other\", $PIPE }"
h_check "PASS refused: permanent (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "PASS refused: reported as the password" \
    grep -q 'PASS refused by .*(authentication failed for alice)' "$FP_LOG"
h_check "PASS refused: no UIDL or LIST sent" \
    [ "$(grep -Ec ' C (UIDL|LIST)$' "$FP_TR")" -eq 0 ]
h_check "PASS refused: not a protocol error" \
    sh -c "! grep -q 'protocol error\|out of step' '$FP_LOG'"
h_check "PASS refused: nothing fetched" [ "$(cap_count)" -eq 0 ]
h_check "PASS refused: server mailbox untouched" [ "$(fp_count)" -eq 3 ]

# 9. The same, and the server hangs up after refusing PASS.
fp_run pass-refused-cut "{ \"user\": \"alice\", \"password\": \"other\", $PIPE
    \"cut\": {\"PASS\": \"after\"} }"
h_check "PASS refused, hang-up: permanent (got $P_STATUS)" \
    [ "$P_STATUS" -eq 69 ]
h_check "PASS refused, hang-up: reported as the password" \
    grep -q 'PASS refused by .*(authentication failed for alice)' "$FP_LOG"
h_check "PASS refused, hang-up: nothing fetched" [ "$(cap_count)" -eq 0 ]
h_done
