#!/bin/sh
# t_pop3_cuts - a scripted POP3 server (tests/lib/fakepop3.py) drops the
# connection inside a RETR reply (at several byte offsets), right after a
# DELE, or during QUIT.  No partial message reaches sendmail, nothing is
# lost, and over the next fetch no message is delivered twice (the UIDL
# state skips messages whose DELE the server rolled back).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

. "$TOP/tests/lib/fakepop3.sh"

h_init
fp_init
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 3 20000 --seed 3
BASIC='"user": "alice", "password": "secret",'
NOPIPE='"capa": ["USER", "UIDL", "TOP", "RESP-CODES"],'
PIPE='"capa": ["USER", "UIDL", "TOP", "RESP-CODES", "PIPELINING"],'
# The RETR 2 reply: "+OK N octets\r\n", then the body and ".\r\n".
len2=$(python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); import fakepop3 as f
m = {"bytes": open(sys.argv[2], "rb").read()}
print(len(b"+OK %d octets\r\n" % f.pop3_size(m)) + len(f.wire_body(m)))' \
    "$TOP/tests/lib" "$M/msg002.eml")

# after_cut DESC: the fetch after a cut delivers what is left, nothing
# twice, and empties the mailbox.
after_cut() {
	fp_run "$2-again" "{ $BASIC $NOPIPE }"
	h_check "$1, then a normal fetch: exit 0 (got $P_STATUS)" \
	    [ "$P_STATUS" -eq 0 ]
	h_check "$1, then a normal fetch: each message delivered once" \
	    captured "$M"/msg00[123].eml
	h_check "$1, then a normal fetch: server mailbox empty" \
	    [ "$(fp_count)" -eq 0 ]
}

# 1. The connection drops inside the RETR 2 reply: at its first byte, one
#    byte in, in the middle, just before ".\r\n", between "." and CR LF,
#    between CR and LF.  Message 1 is delivered; message 2 never reaches
#    sendmail; the server rolls the DELE of message 1 back (no QUIT).
for off in 0 1 $((len2 / 2)) -3 -2 -1; do
	for mode in nopipe pipe; do
		[ "$mode" = pipe ] && [ "$off" != 1 ] && [ "$off" != -2 ] && continue
		if [ "$mode" = pipe ]; then caps=$PIPE; else caps=$NOPIPE; fi
		d="cut in RETR 2 at $off of $len2 ($mode)"
		fp_msgs "$M"/msg00[123].eml
		fp_run "cut-$mode$off" "{ $BASIC $caps \"cut\": {\"RETR 2\": $off} }"
		h_check "$d: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
		h_check "$d: the cut happened" [ "$(tr_count ' CUT RETR 2')" -eq 1 ]
		h_check "$d: only message 1 handed to sendmail" \
		    captured "$M/msg001.eml"
		h_check "$d: nothing deleted (no QUIT)" \
		    [ "$(tr_count ' UPDATE')" -eq 0 -a "$(fp_count)" -eq 3 ]
		after_cut "$d" "cut-$mode$off"
		h_check "$d, then a normal fetch: message 1 not retrieved again" \
		    [ "$(tr_count ' C RETR 1$')" -eq 0 ]
	done
done

# 2. The connection drops right after the reply to the second DELE.
for caps in "$NOPIPE" "$PIPE"; do
	case $caps in *PIPELINING*) mode=pipe ;; *) mode=nopipe ;; esac
	d="cut after the 2nd DELE ($mode)"
	fp_msgs "$M"/msg00[123].eml
	fp_run "cut-dele-$mode" "{ $BASIC $caps \"cut\": {\"DELE#2\": \"after\"} }"
	h_check "$d: exit 75 (got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
	h_check "$d: the cut happened" [ "$(tr_count ' CUT DELE')" -eq 1 ]
	h_check "$d: nothing deleted (no QUIT)" [ "$(fp_count)" -eq 3 ]
	after_cut "$d" "cut-dele-$mode"
done

# 3. The connection drops during QUIT (read, not answered): once before
#    the server's UPDATE state, once after it removed the messages.
for upd in False True; do
	d="cut during QUIT (update_on_cut=$upd)"
	fp_msgs "$M"/msg00[123].eml
	fp_run "cut-quit-$upd" "{ $BASIC $NOPIPE \"cut\": {\"QUIT\": \"before\"},
	    \"update_on_cut\": $upd }"
	h_check "$d: exit 0 or 75 (got $P_STATUS)" \
	    [ "$P_STATUS" -eq 0 -o "$P_STATUS" -eq 75 ]
	h_check "$d: the cut happened" [ "$(tr_count ' CUT QUIT')" -eq 1 ]
	h_check "$d: all 3 delivered" captured "$M"/msg00[123].eml
	after_cut "$d" "cut-quit-$upd"
	h_check "$d, then a normal fetch: nothing retrieved again" \
	    [ "$(tr_count ' C RETR')" -eq 0 ]
done
h_done
