#!/bin/sh
# bench/sched.sh - the scheduler at scale (issue 22), part of make bench:
# for each size N (BENCH_SCHED_SIZES, default "1000 10000 50000";
# BENCH_QUICK=1: "500 1000 2000"), the daemon with N configured mailboxes,
# every one due at start, each poll failing fast (connection refused on a
# closed loopback port).  Measured from outside:
#   first round   start of the daemon until every mailbox has been polled
#                 once (counted from the workers' "session=" log lines, so
#                 that waiting costs the daemon nothing);
#   parent CPU    the daemon parent's user+system time at that moment,
#                 per session start (the scheduler's cost);
#   status        the time popconnctl status --json takes to answer, and
#                 whether it lists every mailbox; parent RSS.
# A size whose first round is not done within BENCH_SCHED_CAP seconds
# (default 1800) is a failure (exit 1), not a figure.  One JSON line per
# size goes to $BENCH_RAW/sched.jsonl; then the table, beside the figures
# of the previous measured commit (the newest bench/results/*/sched.jsonl
# of another commit), is printed on stdout (markdown).
# BENCH_SCHED_PERF=FILE (with "one"): perf record -g of the parent alone.
#
#   sh bench/sched.sh			all sizes
#   sh bench/sched.sh one N OUT		one size, its JSON line appended to OUT
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-build}
export TOP BUILD
cd "$TOP" || exit 1

if [ "${1:-}" = one ]; then
	N=$2
	OUT=$3
	H_QUIET=1
	export H_QUIET
	. "$TOP/tests/lib/harness.sh"
	. "$TOP/tests/lib/popconn.sh"
	. "$TOP/tests/lib/daemon.sh"
	CTL=$TOP/$BUILD/popconnctl
	cap=${BENCH_SCHED_CAP:-1800}
	h_init
	H_POSTFIX_CONF=$H_TMP/no-postfix
	P_EXTRA_CF="poll_interval = 1h
retry_min = 1h
max_connections = 10
max_connections_per_server = 10
connect_timeout = 5s"
	p_config
	port=$(h_free_port)
	p_dead_mailboxes "$N" "$port"
	t0=$(date +%s%3N)
	p_daemon_start || { echo "sched: $N: the daemon did not start" >&2; exit 1; }
	# BENCH_SCHED_PERF=FILE: a profile of the parent alone (perf record).
	perf_pid=
	if [ -n "${BENCH_SCHED_PERF:-}" ]; then
		perf record -q -g -i -e cpu-clock -p "$P_DAEMON_PID" \
		    -o "$BENCH_SCHED_PERF" >/dev/null 2>&1 &
		perf_pid=$!
	fi
	finished=true
	while :; do
		done_n=$(grep -c 'session=' "$H_TMP/daemon.log" 2>/dev/null || true)
		[ "${done_n:-0}" -ge "$N" ] && break
		if [ $(( $(date +%s%3N) - t0 )) -gt $(( cap * 1000 )) ]; then
			finished=false
			break
		fi
		sleep 0.2
	done
	first_ms=$(( $(date +%s%3N) - t0 ))
	ticks=$(getconf CLK_TCK)
	set -- $(awk '{ print $14, $15 }' "/proc/$P_DAEMON_PID/stat")
	cpu_ms=$(( ($1 + $2) * 1000 / ticks ))
	ts=$(date +%s%3N)
	"$CTL" -c "$P_ETC" status --json >"$H_TMP/status.json" 2>/dev/null
	src=$?
	status_ms=$(( $(date +%s%3N) - ts ))
	lines=$(grep -c '"mailbox"' "$H_TMP/status.json" || true)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$P_DAEMON_PID/status")
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
	fi
	d_stop 60 || true
	printf '{"mailboxes": %d, "finished": %s, "polled": %d, "first_round_ms": %d, "parent_cpu_ms": %d, "cpu_per_start_us": %d, "status_ms": %d, "status_exit": %d, "status_lines": %d, "rss_kb": %d, "cap_s": %d}\n' \
	    "$N" "$finished" "${done_n:-0}" "$first_ms" "$cpu_ms" \
	    $(( cpu_ms * 1000 / N )) "$status_ms" "$src" "${lines:-0}" \
	    "${rss:-0}" "$cap" >>"$OUT"
	h_done >/dev/null 2>&1 || true
	[ "$finished" = true ]
	exit
fi

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	sizes=${BENCH_SCHED_SIZES:-500 1000 2000}
else
	sizes=${BENCH_SCHED_SIZES:-1000 10000 50000}
fi
raw=${BENCH_RAW:-$TOP/build/bench-sched}
mkdir -p "$raw"
: >"$raw/sched.jsonl"
failed=0
for n in $sizes; do
	echo "sched: $n mailboxes ..." >&2
	# Its own harness and daemon: nothing carried over between sizes.
	env -u H_TMP sh "$0" one "$n" "$raw/sched.jsonl" >"$raw/sched-$n.log" 2>&1 ||
	    { failed=1; echo "sched: $n mailboxes: FAILED (see $raw/sched-$n.log)" >&2; }
	tail -1 "$raw/sched.jsonl" >&2
done
python3 - "$raw" "$TOP/bench/results" <<'PY'
import glob, json, os, sys
raw, results = sys.argv[1], sys.argv[2]
cur = [json.loads(l) for l in open(os.path.join(raw, "sched.jsonl")) if l.strip()]
commit = os.path.basename(os.path.normpath(raw)).rsplit("-", 1)[-1]
prev, prev_name = {}, None
for d in sorted(glob.glob(os.path.join(results, "*", "sched.jsonl")), reverse=True):
    name = os.path.basename(os.path.dirname(d))
    if os.path.samefile(os.path.dirname(d), raw) or name.rsplit("-", 1)[-1] == commit:
        continue
    prev = {o["mailboxes"]: o for o in map(json.loads, filter(str.strip, open(d)))}
    prev_name = name
    break
def f(o, k, scale=1.0, fmt="%.2f"):
    if o is None or k not in o or not o.get("finished", True):
        return "—" if o is None else "**not done**"
    return fmt % (o[k] * scale)
print("### 7. scheduler: N mailboxes, all due at start, each poll refused\n")
print("Previous: %s.\n" % ("bench/results/%s (raw data)" % prev_name if prev_name
                          else "none committed"))
print("| mailboxes | first round (s) | previous | parent CPU per start (ms) "
      "| previous | status --json (ms) | previous | lists all | RSS parent (kB) |")
print("|---:|---:|---:|---:|---:|---:|---:|---|---:|")
for o in cur:
    p = prev.get(o["mailboxes"])
    print("| %d | %s | %s | %s | %s | %d | %s | %s | %d |" % (
        o["mailboxes"], f(o, "first_round_ms", 1e-3), f(p, "first_round_ms", 1e-3),
        "%.3f" % (o["parent_cpu_ms"] / o["mailboxes"]),
        "—" if p is None else "%.3f" % (p["parent_cpu_ms"] / p["mailboxes"]),
        o["status_ms"], "—" if p is None else "%d" % p["status_ms"],
        "yes" if o["status_lines"] == o["mailboxes"] else
        "**no (%d)**" % o["status_lines"], o["rss_kb"]))
done = [o for o in cur if o["finished"]]
if len(done) >= 2:
    lo, hi = done[0], done[-1]
    r = (hi["parent_cpu_ms"] / hi["mailboxes"]) / max(lo["parent_cpu_ms"] / lo["mailboxes"], 1e-9)
    print("\nParent CPU per start at %d / at %d: **%.2f** (target ≤ 1.5)." % (
        hi["mailboxes"], lo["mailboxes"], r))
for o in cur:
    if o["mailboxes"] == 10000 and o["finished"]:
        print("At 10,000: %.3f ms parent CPU per start (target ≤ 0.2), "
              "status in %d ms (target < 1,000)." % (
                  o["parent_cpu_ms"] / 1e4, o["status_ms"]))
for o in cur:
    if not o["finished"]:
        print("\n**FAILED:** %d mailboxes: %d polled after the cap of %d s."
              % (o["mailboxes"], o["polled"], o["cap_s"]))
PY
exit $failed
