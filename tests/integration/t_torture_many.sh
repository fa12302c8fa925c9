#!/bin/sh
# t_torture_many - many mailboxes at once, some servers bad (issue 8,
# scenario 6): HEALTHY mailboxes on the real Dovecot (120 in make check;
# make torture runs 480, so 500 mailboxes in all), plus 10
# whose server is down (connection refused), 5 whose server accepts and
# never answers, and 5 whose login is refused.  The healthy ones keep
# their schedule: all their mail arrives, and a second batch arrives
# within the next poll interval; the bad ones are reported with their
# own reason and never hold up the rest.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

N=${HEALTHY:-120}
INTERVAL=${INTERVAL:-20}
users=
specs=
i=1
while [ "$i" -le "$N" ]; do
	u=$(printf 'h%03d' "$i")
	users="$users $u"
	specs="$specs $u:pw-$u"
	i=$((i + 1))
done

h_init
h_ca
h_dovecot_start "$specs"
h_postfix_start example.test "$users"
h_spawn blackhole "$H_PYTHON" "$H_LIB_DIR/blackhole.py" \
    --port-file "$H_TMP/bh.port" --host 127.0.0.2 --timeout 600
d_wait 10 [ -s "$H_TMP/bh.port" ]
BH=$(cat "$H_TMP/bh.port")
DOWN=$(h_free_port)		# nothing listens there

P_EXTRA_CF="poll_interval = ${INTERVAL}s
retry_min = 5s
connect_timeout = 3s
command_timeout = 3s
session_timeout = 20s
max_connections = 10
max_connections_per_server = 4"
p_config
for u in $users; do
	p_mailbox "$u user pop3s://$u@localhost:$H_POP3S_PORT $u@example.test"
	p_password "$u" "pw-$u"
done
for k in 1 2 3 4 5 6 7 8 9 10; do
	p_mailbox "down$k user pop3s://x@127.0.0.1:$DOWN x@example.test"
	p_password "down$k" pw
done
for k in 1 2 3 4 5; do
	# 127.0.0.2 is another loopback address: another "server" for the
	# per-server limit, as a hanging ISP would be.
	p_mailbox "slow$k user pop3s://x@127.0.0.2:$BH x@example.test"
	p_password "slow$k" pw
	p_mailbox "refused$k user pop3s://h00$k@localhost:$H_POP3S_PORT h00$k@example.test"
	p_password "refused$k" wrong-password
done

seed() {	# SEED: one message for every healthy mailbox
	# shellcheck disable=SC2086
	"$H_PYTHON" "$H_LIB_DIR/many.py" seed "$H_LIB_DIR" "$H_POP_MAILDIR_ROOT" \
	    "$H_TMP/orig" example.test 1 "$1" "$H_VUID" "$H_VGID" $users
}
pop_total() {
	find "$H_POP_MAILDIR_ROOT" -mindepth 3 -maxdepth 3 -type f \
	    \( -path '*/new/*' -o -path '*/cur/*' \) | wc -l | tr -d ' '
}
all_in() { [ "$(d_mails_total)" -ge "$1" ] && [ "$(pop_total)" -eq 0 ]; }
now() { date +%s; }

set +e
seed 1
t0=$(now)
p_daemon_start
h_check "round 1: all $N healthy mailboxes delivered within 240 s" d_wait 240 all_in "$N"
t1=$(( $(now) - t0 ))
# Second batch: must arrive within the next poll interval (plus a round).
seed 2
t2s=$(now)
h_check "round 2: the next $N arrive within 2 poll intervals ($((2 * INTERVAL)) s) + 60 s" \
    d_wait $((2 * INTERVAL + 60)) all_in $((2 * N))
t2=$(( $(now) - t2s ))
p_ctl status >"$H_TMP/status.json"
bad_ok() {	# NAME-PREFIX RESULT TEXT: every such mailbox reports it
	"$H_PYTHON" - "$H_TMP/status.json" "$1" "$2" "$3" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{\"mailbox\"")]
want = [r for r in rows if r["mailbox"].startswith(sys.argv[2])]
bad = [r for r in want if r["result"] != sys.argv[3]
       or sys.argv[4].lower() not in r["last_error"].lower()]
for r in bad:
    print("  %s: %s %s" % (r["mailbox"], r["result"], r["last_error"]), file=sys.stderr)
sys.exit(1 if bad or not want else 0)
PY
}
h_check "servers down: reported deferred, 'connect'" bad_ok down deferred connect
h_check "servers hanging: reported deferred, 'timeout'" bad_ok slow deferred timeout
h_check "logins refused: reported failed, 'authentication'" bad_ok refused failed authentication
d_stop 30
h_check "daemon exited 0" [ "${D_EXIT:-1}" = 0 ]
h_postfix_wait_idle 60 || true
# shellcheck disable=SC2086
"$H_PYTHON" "$H_LIB_DIR/many.py" compare "$H_LIB_DIR" "$H_TMP/orig" \
    "$H_MAIL_ROOT" $users >"$H_TMP/compare.out" 2>&1
res=$(tail -n 1 "$H_TMP/compare.out")
m=$((2 * N)); d=$(d_mails_total)
lost=$(printf '%s' "$res" | sed -n 's/.*missing=\([0-9]*\).*/\1/p')
dup=$(printf '%s' "$res" | sed -n 's/.*duplicated=\([0-9]*\).*/\1/p')
alt=$(printf '%s' "$res" | sed -n 's/.*altered=\([0-9]*\).*/\1/p')
line="many: trials=2, messages=$m, delivered=$d, lost=${lost:-?}, duplicated=${dup:-?}, altered=${alt:-?}, stuck=$(pop_total)"
echo "$line"
echo "# round 1: ${t1}s, round 2: ${t2}s for $N healthy mailboxes among $((N + 20)) (poll_interval ${INTERVAL}s)"
[ -z "${TORTURE_FIGURES:-}" ] || echo "$line" >>"$TORTURE_FIGURES"
h_check "every healthy message delivered exactly once ($res)" \
    [ "${lost:-1}" = 0 ] && [ "${dup:-1}" = 0 ] && [ "${alt:-1}" = 0 ]
h_done
