#!/bin/sh
# t_pop3_pipelining - RFC 2449 PIPELINING against a scripted server
# (tests/lib/fakepop3.py): without it, one command in flight at a time;
# with it, RETRs pipelined and everything delivered once; against a
# server with tiny socket buffers that only reads when its output has
# drained, 20 messages of 300 KB without a deadlock.
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
h_done
