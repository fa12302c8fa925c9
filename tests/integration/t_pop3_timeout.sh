#!/bin/sh
# t_pop3_timeout - a scripted POP3 server (tests/lib/fakepop3.py) that
# trickles one byte every 2 seconds, or stops answering: the fetcher's
# command and session timeouts end the session with a temporary failure.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

. "$TOP/tests/lib/fakepop3.sh"

h_init
fp_init
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 3 2000 --seed 13
BASIC='"user": "alice", "password": "secret",'

# 1. A server that sends one byte every 2 seconds: each read is within
#    command_timeout, but session_timeout (10 s) ends it.
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" \
    "-o command_timeout=3s" "-o session_timeout=10s"
fp_msgs "$M"/msg00[123].eml
fp_run trickle "{ $BASIC \"trickle\": 2 }"
h_check "trickling server: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "trickling server: gave up within 15 s (took ${FP_SECS}s)" \
    [ "$FP_SECS" -le 15 ]
h_check "trickling server: nothing delivered or deleted" \
    [ "$(cap_count)" -eq 0 -a "$(fp_count)" -eq 3 ]

# 2. A server that stops answering in the middle (RETR 2): the command
#    timeout ends the session; message 1 delivered, nothing deleted.
fp_msgs "$M"/msg00[123].eml
fp_run stall "{ $BASIC \"delay\": {\"RETR 2\": 30} }"
h_check "stalled RETR: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "stalled RETR: gave up within 8 s (took ${FP_SECS}s)" \
    [ "$FP_SECS" -le 8 ]
h_check "stalled RETR: message 1 delivered" captured "$M/msg001.eml"
h_check "stalled RETR: nothing deleted" [ "$(fp_count)" -eq 3 ]
h_done
