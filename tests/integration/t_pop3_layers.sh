#!/bin/sh
# t_pop3_layers - the POP3 engine has no I/O, and popconnctl links the
# engine through its narrow entry point (issue 16).  Reads the objects of
# a finished build with nm; needs no server.
#  1. pop3.o, pop3_engine.o and pop3_auth.o call nothing of net.c and no system call
#     that moves bytes or waits (read, write, send, recv, poll, connect,
#     SSL_*): the session is a state machine that takes bytes and gives
#     bytes; pop3_io.o is the one that calls net.c.
#  2. popconnctl holds the login and the engine (account_test,
#     pop3e_input) but none of the fetch: no spool, no UIDL state, no
#     delivery, no account_fetch.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in
/*)	B=$BUILD ;;
*)	B=$TOP/$BUILD ;;
esac
command -v nm >/dev/null 2>&1 || { echo "skip - no nm"; exit 77; }
fail=0
IO='^(net_|SSL_|read$|write$|send|recv|poll$|ppoll$|select$|connect$|socket$|accept)'

for o in pop3 pop3_engine pop3_auth; do
	f=$B/fetcher/$o.o
	[ -f "$f" ] || { echo "not ok - $f not built"; fail=1; continue; }
	bad=$(nm -u "$f" | awk '{print $NF}' | grep -E "$IO" | tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo "not ok - $o.o does I/O: $bad"; fail=1
	else
		echo "ok - $o.o does no I/O"
	fi
done
f=$B/fetcher/pop3_io.o
if nm -u "$f" 2>/dev/null | grep -q ' net_fill$'; then
	echo "ok - pop3_io.o drives the engine over net.c"
else
	echo "not ok - pop3_io.o does not call net_fill"; fail=1
fi

p=$B/popconnctl
if [ ! -x "$p" ]; then
	echo "not ok - $p not built"; fail=1
else
	nm "$p" | awk 'NF >= 2 {print $NF}' | sort -u >"${TMPDIR:-/tmp}/t_pop3_layers.$$"
	s=${TMPDIR:-/tmp}/t_pop3_layers.$$
	for want in account_test account_load pop3e_input pop3_open; do
		if grep -qx "$want" "$s"; then
			echo "ok - popconnctl has $want"
		else
			echo "not ok - popconnctl lacks $want"; fail=1
		fi
	done
	bad=$(grep -E '^(account_fetch|spool_|uidl_state_|deliver_)' "$s" |
	    tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo "not ok - popconnctl links the fetch: $bad"; fail=1
	else
		echo "ok - popconnctl links no spool, UIDL state or delivery"
	fi
	rm -f "$s"
fi
exit $fail
