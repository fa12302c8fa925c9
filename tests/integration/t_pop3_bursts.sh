#!/bin/sh
# t_pop3_bursts - with PIPELINING the fetcher sends its commands in
# bursts, not one write (one TLS record, one wake-up of the server) per
# message (issue 21: Dovecot spent twice mpop's CPU per message on
# popconn).  200 messages from the scripted server (tests/lib/fakepop3.py),
# the fetcher under strace -yy: its writes to the server's socket are
# counted.  The window refills once half of it has drained and the DELEs
# ride along, so about 2 writes per pipeline_depth/2 messages (at most N/3 here,
# with the log-in commands); before,
# more than one per message.  Everything still arrives once and the
# mailbox ends empty; no DELE before its RETR reply.  A small mailbox's
# DELEs wait for the last delivery and go out in one write.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

command -v strace >/dev/null 2>&1 || { echo "1..0 # SKIP no strace"; exit 0; }
h_init
fp_init
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
M=$H_TMP/msgs
N=200
"$H_PYTHON" "$FP" gen "$M" $N 1500 --seed 21
BASIC='"user": "alice", "password": "secret",'
REAL=$P_FETCHER
P_FETCHER=$H_TMP/strace-fetcher
cat >"$P_FETCHER" <<EOS
#!/bin/sh
exec strace -f -qq -yy -e trace=write,writev,sendto,sendmsg -o "$H_TMP/strace.out" "$REAL" "\$@"
EOS
chmod +x "$P_FETCHER"

fp_msgs "$M"/msg*.eml
fp_run bursts "{ $BASIC
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\", \"PIPELINING\"] }"
h_check "exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
W=$(grep -c -- "->127.0.0.1:$FP_PORT\]" "$H_TMP/strace.out" || true)
h_check "writes to the server for $N messages: $W, at most $((N / 3))" \
    sh -c "[ $W -gt 0 ] && [ $W -le $((N / 3)) ]"
h_check "each message retrieved once" [ "$(tr_count ' C RETR ')" -eq $N ]
h_check "no DELE before its message's RETR reply" \
    [ "$(tr_count ' VIOLATION ')" -eq 0 ]
h_check "all $N captured once, byte-exact" captured "$M"/msg*.eml
h_check "server mailbox empty" [ "$(fp_count)" -eq 0 ]

# 2. A small mailbox: the DELEs at the end wait for the last delivery in
#    flight and go out in one write (one round trip), not one per group.
fp_msgs "$M"/msg00[1-6].eml
fp_run end "{ $BASIC
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"RESP-CODES\", \"PIPELINING\"] }"
h_check "end: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
D=$(grep -- "->127.0.0.1:$FP_PORT\]" "$H_TMP/strace.out" | grep -c 'DELE' || true)
h_check "end: the 6 DELEs in one write (got $D)" [ "$D" -eq 1 ]
h_check "end: all 6 captured once" captured "$M"/msg00[1-6].eml
h_check "end: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_done
