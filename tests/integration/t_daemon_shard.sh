#!/bin/sh
# t_daemon_shard - two fetchers on one configuration, shard = 1/2 and 2/2
# (issue 22): every mailbox is polled by exactly one of them, and each
# lists only its own part in status.  The mailboxes point at a closed
# loopback port (each poll fails fast); what is checked is who polled.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"
CTL=$TOP/$BUILD/popconnctl
N=200

h_init
H_POSTFIX_CONF=$H_TMP/no-postfix
port=$(h_free_port)
P_EXTRA_CF="poll_interval = 1h
retry_min = 1h"
p_config
p_dead_mailboxes "$N" "$port"
# Two configuration directories: the same mailboxes, passwords and
# settings; each its own part, control socket, pid file and state.
for k in 1 2; do
	d=$H_TMP/etc$k
	mkdir -p "$d" "$H_TMP/state$k"
	cp -p "$P_ETC/mailboxes.cf" "$P_ETC/passwords" "$P_ETC/marker.key" "$d/"
	sed -e "s|^state_directory = .*|state_directory = $H_TMP/state$k|" \
	    -e "s|^control_socket = .*|control_socket = $H_TMP/fetcher$k.sock|" \
	    -e "s|^pid_file = .*|pid_file = $H_TMP/fetcher$k.pid|" \
	    "$P_ETC/popconn.cf" >"$d/popconn.cf"
	echo "shard = $k/2" >>"$d/popconn.cf"
	"$P_FETCHER" -f -c "$d" >>"$H_TMP/daemon$k.log" 2>&1 &
	h_track_pid $!
done
both_done() {
	for k in 1 2; do
		"$CTL" -c "$H_TMP/etc$k" status --json >"$H_TMP/status$k.json" 2>/dev/null || return 1
	done
	"$H_PYTHON" - "$H_TMP/status1.json" "$H_TMP/status2.json" "$N" <<'PY'
import json, sys
sets = []
for f in sys.argv[1:3]:
    names = {}
    for line in open(f):
        o = json.loads(line)
        if "mailbox" in o:
            names[o["mailbox"]] = o["last_poll"] > 0
    sets.append(names)
if not all(all(v.values()) for v in sets):
    sys.exit(1)
a, b = set(sets[0]), set(sets[1])
print("shard 1/2: %d, 2/2: %d, both: %d, union: %d" % (len(a), len(b), len(a & b), len(a | b)))
sys.exit(0 if not (a & b) and len(a | b) == int(sys.argv[3]) and a and b else 2)
PY
}
d_wait 120 both_done || true
h_check "every mailbox polled by exactly one of the two fetchers" both_done
h_check "each status says its shard" \
    sh -c "grep -q '\"shard\":\"1/2\"' '$H_TMP/status1.json' && grep -q '\"shard\":\"2/2\"' '$H_TMP/status2.json'"
# Polls as the logs say: no mailbox in both.
grep -ho 'acct=m[0-9]*' "$H_TMP/daemon1.log" | sort -u >"$H_TMP/l1"
grep -ho 'acct=m[0-9]*' "$H_TMP/daemon2.log" | sort -u >"$H_TMP/l2"
h_check "no mailbox in both fetchers' logs" [ -z "$(comm -12 "$H_TMP/l1" "$H_TMP/l2")" ]
# A one-shot run (-1) with shard = 1/2 polls its part only; named
# mailboxes are polled whatever their part.
"$P_FETCHER" -f -1 -c "$H_TMP/etc1" >"$H_TMP/once.log" 2>&1 || true
grep -ho 'acct=m[0-9]*' "$H_TMP/once.log" | sort -u >"$H_TMP/o1"
h_check "one-shot with shard = 1/2 polls exactly shard 1's mailboxes" \
    sh -c "[ -s '$H_TMP/o1' ] && cmp -s '$H_TMP/o1' '$H_TMP/l1'"
other=$(head -n 1 "$H_TMP/l2" | sed 's/acct=//')
"$P_FETCHER" -f -1 -c "$H_TMP/etc1" "$other" >"$H_TMP/named.log" 2>&1 || true
h_check "one-shot polls a named mailbox of the other shard ($other)" \
    grep -q "acct=$other" "$H_TMP/named.log"
rc=0
sed 's|^shard = .*|shard = 3/2|' "$H_TMP/etc1/popconn.cf" >"$H_TMP/bad.cf"
mkdir -p "$H_TMP/etcbad"; cp "$H_TMP/bad.cf" "$H_TMP/etcbad/popconn.cf"
cp "$P_ETC/mailboxes.cf" "$P_ETC/passwords" "$H_TMP/etcbad/"
"$P_FETCHER" -f -1 -c "$H_TMP/etcbad" >"$H_TMP/bad.log" 2>&1 || rc=$?
h_check "shard = 3/2 is refused with the file named (exit $rc)" \
    sh -c "[ $rc -eq 78 ] && grep -q 'popconn.cf: shard = 3/2' '$H_TMP/bad.log'"
h_done
