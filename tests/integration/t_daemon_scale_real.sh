#!/bin/sh
# t_daemon_scale_real - the service with many REAL mailboxes (issue 22):
# SCALE (400 in make check) users on the private Dovecot, most of them
# empty and SEEDED (10) of them holding 2 messages each, all configured
# in one popconn with the default limits and every mailbox due at start.
# Asserted on the servers' own logs, not only on ours:
#   - Dovecot's log: every user logged in exactly once in the first
#     round (no mailbox polled twice, none forgotten);
#   - at no instant more connections to Dovecot than the default
#     max_connections_per_server (sampled from /proc/net/tcp);
#   - Postfix's log: every seeded message delivered exactly once
#     (status=sent), the Maildirs hold the same bytes, nothing is left on
#     the server;
#   - popconnctl status --json lists every mailbox, each polled "ok";
#   - popconnctl status (the table) is a summary at this size: the
#     counts, the two mailboxes whose server is down first and alone,
#     how many more there are; status NAME the details; --all every row.
# bench/bench.py's scenario 8 is the same at 10,000 with SMTP injection.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"
CTL=$TOP/$BUILD/popconnctl
N=${SCALE:-400}
SEEDED=${SEEDED:-10}

h_init
h_ca
users=""
i=1
while [ "$i" -le "$N" ]; do
	users="$users $(printf 'r%04d:pw-r%04d' "$i" "$i")"
	i=$((i + 1))
done
h_dovecot_start "$users"
h_postfix_start example.test "many"
# the defaults: only the paths (and a long interval: one round)
P_EXTRA_CF="poll_interval = 1h"
p_config
# the default, from the parameter table the fetcher uses
lim=$(sed -n 's/.*"max_connections_per_server", CFG_INT, "\([0-9]*\)".*/\1/p' \
    "$TOP/lib/params.c")
[ -n "$lim" ] || { echo "not ok - no max_connections_per_server default in lib/params.c"; exit 1; }
i=1
while [ "$i" -le "$N" ]; do
	u=$(printf 'r%04d' "$i")
	p_mailbox "$u user pop3s://$u@localhost:$H_POP3S_PORT many@example.test"
	p_password "$u" "pw-$u"
	i=$((i + 1))
done
# two mailboxes whose server is down (nothing listens there)
dead=$(h_free_port)
p_mailbox "zdead1 user pop3s://x@127.0.0.1:$dead many@example.test" \
    "zdead2 user pop3s://y@127.0.0.1:$dead many@example.test"
p_password zdead1 pw
p_password zdead2 pw
# the seeded ones spread over the list
seeded=""
step=$((N / SEEDED))
i=1
while [ "$i" -le "$N" ]; do
	u=$(printf 'r%04d' "$i")
	H_SEED_TO=many@example.test h_seed "$u" 2 "$i" >/dev/null
	seeded="$seeded $u"
	i=$((i + step))
done
nmsg=$(($(echo $seeded | wc -w) * 2))

# sample the connections to Dovecot's POP3S port while the round runs
"$H_PYTHON" "$TOP/tests/lib/tcp_conns.py" "$H_POP3S_PORT" "$H_TMP/conns" &
sampler=$!
h_track_pid "$sampler"
t0=$(date +%s)
p_daemon_start
every_polled() {
	"$CTL" -c "$P_ETC" status --json >"$H_TMP/status.json" 2>/dev/null || return 1
	"$H_PYTHON" - "$H_TMP/status.json" "$((N + 2))" <<'PY'
import json, sys
n = ok = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "mailbox" not in o:
        continue
    if o["last_poll"] == 0 or o["state"] != "idle":
        sys.exit(1)
    n += 1
    ok += o["result"] == "ok"
sys.exit(0 if n == int(sys.argv[2]) else 1)
PY
}
h_check "every one of $N mailboxes polled in the first round (default limits)" \
    d_wait 240 every_polled
echo "# first round of $N real mailboxes: $(($(date +%s) - t0)) s"
: >"$H_TMP/conns.stop"
wait "$sampler" 2>/dev/null || true
h_check "status: every mailbox polled ok" \
    "$H_PYTHON" -c '
import json, sys
bad = [o["mailbox"] for o in map(json.loads, open(sys.argv[1]))
       if "mailbox" in o and o["result"] != "ok"
       and not o["mailbox"].startswith("zdead")]
print("# not ok:", bad[:10]) if bad else None
sys.exit(1 if bad else 0)' "$H_TMP/status.json"

logins_once() {
	grep -o 'pop3-login: Info: Login: user=<r[0-9]*>' "$H_DOVECOT_LOG" |
	    sort | uniq -c >"$H_TMP/logins"
	[ "$(wc -l <"$H_TMP/logins")" -eq "$N" ] &&
	    awk '$1 != 1 { bad = 1 } END { exit bad }' "$H_TMP/logins"
}
h_check "Dovecot's log: each of the $N users logged in exactly once" logins_once
most=$(cat "$H_TMP/conns" 2>/dev/null || echo 0)
echo "# connections to Dovecot at most: $most (max_connections_per_server = $lim)"
within_limit() { [ "$most" -ge 1 ] && [ "$most" -le "$lim" ]; }
h_check "at most max_connections_per_server ($lim) connections to Dovecot at once" \
    within_limit

d_wait 60 d_postfix_idle || true
sent_once() {
	[ "$(grep -c 'postfix/virtual\[[0-9]*\]: [0-9A-Za-z]*: to=<many@example.test>.*status=sent' \
	    "$H_MAILLOG")" -eq "$nmsg" ]
}
h_check "Postfix's log: $nmsg deliveries to many@, status=sent" sent_once
mkdir -p "$H_TMP/orig/all"
for u in $seeded; do
	for f in "$H_TMP/orig/$u"/*; do
		cp "$f" "$H_TMP/orig/all/$u-$(basename "$f")"
	done
done
h_check "the Maildir holds every seeded message once, unaltered" \
    d_compare many 0 "$H_TMP/orig/all"
left=0
for u in $seeded; do
	left=$((left + $(h_pop_count "$u")))
done
h_check "nothing left on the server" [ "$left" -eq 0 ]

# --- status at this size: a summary, the failing ones, details by name
"$CTL" -c "$P_ETC" status >"$H_TMP/st.txt" 2>&1 || true
h_check "status: the summary counts every mailbox" \
    grep -q "^mailboxes $((N + 2)): .* $N ok, [0-9]* deferred, [0-9]* failed" "$H_TMP/st.txt"
rows=$(grep -c '^r[0-9]\{4\} \|^zdead' "$H_TMP/st.txt" || true)
first=$(grep -m1 -A1 '^MAILBOX ' "$H_TMP/st.txt" | sed -n '2s/ .*//p')
h_check "status: only the 2 failing mailboxes as rows, first ($rows rows, first $first)" \
    sh -c "[ '$rows' -eq 2 ] && [ '$first' = zdead1 ]"
h_check "status: says how many are not shown and how to see them" \
    grep -q "^$N mailboxes polled without trouble not shown: popconnctl status --all" "$H_TMP/st.txt"
"$CTL" -c "$P_ETC" status r0001 >"$H_TMP/st1.txt" 2>&1
h_check "status NAME: exit 0 and every field of that mailbox" \
    sh -c "[ \$? -eq 0 ] || exit 1; grep -q '^mailbox r0001' '$H_TMP/st1.txt' &&
        grep -q '^  last poll: .*, ok' '$H_TMP/st1.txt' &&
        grep -q '^  login: ' '$H_TMP/st1.txt' && ! grep -q '^mailbox r0002' '$H_TMP/st1.txt'"
rc=0
"$CTL" -c "$P_ETC" status r0001 nosuch >"$H_TMP/st2.txt" 2>&1 || rc=$?
h_check "status with an unknown NAME: exit 69 naming it (got $rc)" \
    sh -c "[ $rc -eq 69 ] && grep -q 'no such mailbox: nosuch' '$H_TMP/st2.txt'"
"$CTL" -c "$P_ETC" status --all >"$H_TMP/st3.txt" 2>&1 || true
h_check "status --all: every row" \
    [ "$(grep -c '^r[0-9]\{4\} \|^zdead' "$H_TMP/st3.txt")" -eq "$((N + 2))" ]
"$CTL" -c "$P_ETC" status --json zdead2 >"$H_TMP/st4.txt" 2>&1 || true
h_check "status --json NAME: the service line and that mailbox only" \
    sh -c "[ \$(grep -c '\"mailbox\"' '$H_TMP/st4.txt') -eq 1 ] &&
        grep -q '\"mailbox\":\"zdead2\"' '$H_TMP/st4.txt' && grep -q '\"service\"' '$H_TMP/st4.txt'"
d_stop 20 || true
h_done
