#!/bin/sh
# t_torture_milter - a flow of global-mailbox mail (the fetcher as a
# daemon, poll_interval 1s) through the real Postfix and popconn-milter,
# while the milter is killed (SIGKILL), stopped (SIGTERM) and restarted,
# or reloaded (SIGUSR1) after its routing table changed (dev@lists.example
# goes to chris, then pat, then chris...).  TRIALS chaos actions (default 8,
# make torture 200), 0.3 to 1.5 s apart.  Then the milter stays up and the flow
# drains: every message delivered exactly once, intact (but for trace
# headers), to a mailbox its To: routes to; none in the undeliverable
# mailbox, nothing bounced.
#
#   TRIALS=300 sh tests/integration/t_torture_milter.sh
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/daemon.sh"
. "$TOP/tests/lib/torture.sh"

TRIALS=${TRIALS:-8}

h_init
h_ca
h_dovecot_start "domain:domain-pw"
m_postfix_start "postmaster kim pat chris lee"
P_EXTRA_CF="poll_interval = 1s
retry_min = 1s"
p_config
m_config
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT"
p_password catchall domain-pw

nstart=0
mstart() {
	nstart=$((nstart + 1))
	h_spawn "milter-$nstart" "$TOP/$BUILD/popconn-milter" -f -c "$P_ETC" || return 1
	M_PID=$H_SPAWN_PID
	M_LOG=$H_SPAWN_LOG
	_n=100
	while [ $_n -gt 0 ] && ! grep -q 'listening\|ready\|started' "$M_LOG" 2>/dev/null &&
	    [ ! -S "$M_SOCK" ]; do
		sleep 0.05; _n=$((_n - 1))
	done
}
mstart
h_check "milter up" [ -S "$M_SOCK" ]

table=chris
swap_table() {
	if [ $table = chris ]; then table=pat; else table=chris; fi
	printf '# torture table\ndev@lists.example %s\nowner@lists.example lee\n' \
	    $table >"$P_ETC/routing.new"
	mv "$P_ETC/routing.new" "$P_ETC/routing"
}
nseed=0
seed() {
	nseed=$((nseed + 1))
	H_SEED_MAX_SIZE=20000 H_SEED_TO=kim@example.test h_seed domain 2 "$nseed" >/dev/null
	H_SEED_MAX_SIZE=20000 H_SEED_TO=dev@lists.example h_seed domain 3 "$((nseed + 1000))" >/dev/null
	H_SEED_MAX_SIZE=20000 H_SEED_TO=owner@lists.example h_seed domain 1 "$((nseed + 2000))" >/dev/null
}

set +e
seed
p_daemon_start
kills=0 terms=0 reloads=0
i=0
while [ $i -lt "$TRIALS" ]; do
	[ "$(h_pop_count domain)" -ge 6 ] || seed
	t_sleep_ms 300 1500
	case $(t_rand 4) in
	0) kill -KILL "$M_PID"; _h_wait_gone 5 "$M_PID"; kills=$((kills + 1))
	   t_sleep_ms 0 800; swap_table; mstart ;;
	1) kill -TERM "$M_PID"; _h_wait_gone 10 "$M_PID"; terms=$((terms + 1))
	   t_sleep_ms 0 800; mstart ;;
	*) swap_table; kill -USR1 "$M_PID"; reloads=$((reloads + 1)) ;;
	esac
	i=$((i + 1))
done
echo "# milter: kill -9=$kills, SIGTERM=$terms, SIGUSR1=$reloads, $nstart starts, $nseed batches"
h_check "the milter is running after the chaos" kill -0 "$M_PID"
empty() { [ "$(h_pop_count domain)" -eq 0 ]; }
h_check "the global mailbox is emptied" d_wait 60 empty
d_stop 15
h_check "daemon: SIGTERM, exit 0 (got ${D_EXIT:-none})" [ "${D_EXIT:-x}" = 0 ]
h_check "Postfix's queue drained (tempfailed mail retried)" d_postfix_idle 90

H_COMPARE_TRACE="X-Popconn-Routed X-Popconn-Delivered-To"
export H_COMPARE_TRACE
t_tally "$H_TMP/orig/domain" \
    "$H_MAIL_ROOT/kim $H_MAIL_ROOT/chris $H_MAIL_ROOT/pat $H_MAIL_ROOT/lee $H_MAIL_ROOT/postmaster" \
    "$H_POP_MAILDIR_ROOT/domain/Maildir"
t_figures milter "$TRIALS" 0
h_check "none in the undeliverable mailbox" [ "$(h_mail_count postmaster)" -eq 0 ]
misrouted=$("$H_PYTHON" - "$H_MAIL_ROOT" <<'PY'
import os, re, sys
root = sys.argv[1]
ok = {"kim@example.test": {"kim"}, "dev@lists.example": {"chris", "pat"},
      "owner@lists.example": {"lee"}}
bad = 0
for u in os.listdir(root):
    for sub in ("new", "cur"):
        d = os.path.join(root, u, sub)
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            h = open(os.path.join(d, f), "rb").read().split(b"\n\n")[0]
            m = re.search(rb"^To: *(\S+)", h, re.M)
            to = m.group(1).decode() if m else "?"
            if u not in ok.get(to, ()):
                print("misrouted: %s (To: %s) in %s" % (f, to, u), file=sys.stderr)
                bad += 1
print(bad)
PY
)
h_check "each message in a mailbox its To: routes to (misrouted $misrouted)" [ "$misrouted" -eq 0 ]
h_check "no marker header delivered" \
    sh -c "! grep -rlq '^X-Popconn-Marker' '$H_MAIL_ROOT'"
h_check "nothing bounced" sh -c "! grep -q 'status=bounced' '$H_MAILLOG'"
h_done
