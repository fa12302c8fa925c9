#!/bin/sh
# t_daemon_crash - kill -9 chaos: the daemon (in its own process group, so
# that one kill -9 takes the parent, its workers and their sendmail, as
# systemd does) is killed at random instants while it fetches two
# mailboxes, and restarted, ROUNDS times (default 30).  Then one clean
# run empties the mailboxes.  Nothing may be lost or altered; duplicates
# are allowed only in the documented window (a crash between sendmail's
# exit and the journal write): at most one per kill and session, or per
# sendmail in flight when deliveries run in parallel
# (delivery_parallelism).  Afterwards the spool is empty and the state
# files parse.
#
#   ROUNDS=200 sh tests/integration/t_daemon_crash.sh     (longer run)
#   PARALLEL=1 ...        delivery_parallelism (when the fetcher has it)
#   GROUP=1 ...           journal_group_size (1: no group commit); the
#                         bound above holds with group commit too
#                         (fetcher/uidl_state.h, CRASH WINDOW)
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

ROUNDS=${ROUNDS:-30}
BATCH=${BATCH:-150}		# messages per mailbox and batch

h_init
h_ca
h_dovecot_start "gina:gina-pw hank:hank-pw"
h_postfix_start example.test "gina hank"
P_EXTRA_CF="poll_interval = 1s
retry_min = 1s"
# With parallel delivery a session has up to delivery_parallelism
# sendmails in flight, each one a duplicate window when killed.
par=1
if grep -q '"delivery_parallelism"' "$TOP/lib/params.c" 2>/dev/null; then
	par=${PARALLEL:-$(sed -n 's/.*"delivery_parallelism", CFG_INT, "\([0-9]*\)".*/\1/p' \
	    "$TOP/lib/params.c")}
	par=${par:-4}
	P_EXTRA_CF="$P_EXTRA_CF
delivery_parallelism = $par"
fi
group=default
if grep -q '"journal_group_size"' "$TOP/lib/params.c" 2>/dev/null; then
	group=${GROUP:-$(sed -n 's/.*"journal_group_size", CFG_INT, "\([0-9]*\)".*/\1/p' \
	    "$TOP/lib/params.c")}
	P_EXTRA_CF="$P_EXTRA_CF
journal_group_size = $group"
fi
p_config
p_password gina gina-pw
p_password hank hank-pw
p_mailbox "gina user pop3s://gina@localhost:$H_POP3S_PORT gina@example.test"
p_mailbox "hank user pop3://hank@localhost:$H_POP3_PORT hank@example.test"
log=$H_TMP/daemon.log
sock=$H_TMP/fetcher.sock

batches=0
seed_batch() {
	batches=$((batches + 1))
	h_seed gina "$BATCH" "$batches" >/dev/null
	h_seed hank "$BATCH" "$((batches + 1000))" >/dev/null
}
left() { echo $(($(h_pop_count gina) + $(h_pop_count hank))); }

# group_alive PGID: a live (not zombie) process in the process group
group_alive() {
	ps -e -o pgid= -o stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}
group_gone() { ! group_alive "$1"; }

# start: the daemon as the leader of its own process group (setsid execs
# it directly: a background job of a non-interactive shell is no group
# leader).  D_PID is its pid and process group.
start() {
	rm -f "$sock"
	setsid "$P_FETCHER" -f -c "$P_ETC" >>"$log" 2>&1 &
	D_PID=$!
	h_track_pid "$D_PID"
	d_wait 10 [ -S "$sock" ]
}

# a random number of milliseconds in [lo, hi]
rand_ms() {
	_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + _r % ($2 - $1 + 1)))
}

# Setup is done: from here on every check runs, even after a failure.
set +e

seed_batch
total=$((2 * BATCH))
kills=0
t0=$(date +%s)
bad_pgid=0
while [ "$kills" -lt "$ROUNDS" ]; do
	if [ "$(left)" -eq 0 ]; then
		seed_batch		# keep every kill in the middle of work
		total=$((total + 2 * BATCH))
	fi
	if ! start; then
		h_not_ok "round $kills: daemon did not come up"
		break
	fi
	pgid=$(ps -o pgid= -p "$D_PID" | tr -d ' ')
	[ "$pgid" = "$D_PID" ] || bad_pgid=1
	ms=$(rand_ms 150 1200)
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	if ! kill -s KILL -- "-$D_PID"; then
		h_not_ok "round $kills: kill -9 of process group $D_PID failed"
		kill -s KILL "$D_PID" 2>/dev/null || true
		break
	fi
	wait "$D_PID" 2>/dev/null || true
	kills=$((kills + 1))
	d_wait 10 group_gone "$D_PID" ||
	    echo "# round $kills: process group $D_PID still alive" >&2
done
h_check "the daemon ran in its own process group" [ "$bad_pgid" = 0 ]
h_check "$kills kill -9 rounds done ($(($(date +%s) - t0)) s, $(left) messages left)" \
    [ "$kills" -eq "$ROUNDS" ]
h_check "after the kills: no process of the group left" \
    [ "$(d_procs "$P_ETC")" -eq 0 ]

# The clean run: everything left gets delivered.
clean_mark=$(wc -l <"$log")
h_check "clean start after the last kill" start
P_DAEMON_PID=$D_PID
empty() { [ "$(left)" -eq 0 ]; }
h_check "clean run: the mailboxes are emptied" d_wait 120 empty
if d_stop 15 && [ "$D_EXIT" = 0 ]; then
	h_ok "clean run: SIGTERM, exit 0"
else
	h_not_ok "clean run: SIGTERM, exit 0 (got ${D_EXIT:-none})"
fi
h_check "Postfix's queue drained" d_postfix_idle 60

# h_compare's counts; "delivered" there counts copies
cmp_field() { echo "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
bound=$((kills * par))
for u in gina hank; do
	d_compare "$u" "$bound" || true
	eval "cmp_$u=\$D_CMP"
	x=$(cmp_field "$D_CMP" duplicated)
	h_check "$u: duplicates ($x) at most one per kill and sendmail in flight ($kills x $par)" \
	    [ "${x:-999}" -le "$bound" ]
done
# shellcheck disable=SC2154,SC2046
set -- $(echo "$cmp_gina $cmp_hank" | tr ' ' '\n' | awk -F= '
	{ s[$1] += $2 } END { print s["delivered"] - s["duplicated"], s["missing"], s["duplicated"], s["altered"] }')
D=$1 L=$2 X=$3 A=$4
echo "crash: trials=$kills, messages=$total, delivered=$D, lost=$L, duplicated=$X, altered=$A (delivery_parallelism=$par, journal_group_size=$group)"
h_check "crash: every message delivered ($D of $total)" [ "$D" -eq "$total" ]
h_check "crash: none lost ($L)" [ "$L" -eq 0 ]
h_check "crash: none altered ($A)" [ "$A" -eq 0 ]
h_check "spool tmp/ empty after the clean shutdown" \
    [ -z "$(ls -A "$H_TMP/spool/tmp")" ]
h_check "spool new/ empty after the clean shutdown" \
    [ -z "$(ls -A "$H_TMP/spool/new")" ]
h_check "state files parse (no torn snapshot)" d_state_check "$H_TMP/state"
h_check "no temporary files left by the kills in the state directory" \
    [ -z "$(find "$H_TMP/state" -name '*.tmp.*')" ]
h_check "no worker died in the clean run" \
    sh -c "! tail -n +$((clean_mark + 1)) '$log' | grep -q 'worker died'"
h_done
