#!/bin/sh
# run.sh - `make torture`: the long reliability and security runs, then
# tests/RELIABILITY.md with their figures.
#
# Knobs: TRIALS=N scales every chaos scenario to N trials (default: the
# release counts below); CRASH_ROUNDS (200), PROXY_TRIALS (500),
# SENDMAIL_TRIALS (300), MILTER_TRIALS (200), HEADER_LINES (1000000),
# RSS_CYCLES (1000), FUZZ_SECONDS (120 per target); REDUCED=1 notes in
# the report that the run was reduced.  Logs in build/torture/; the
# report is written by tests/torture/report.sh from what is there.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
BUILD=${BUILD:-build}
export TOP BUILD
out=$TOP/build/torture
rm -rf "$out"
mkdir -p "$out"
TORTURE_FIGURES=$out/figures
: >"$TORTURE_FIGURES"
export TORTURE_FIGURES
make -s tests-build || exit 1

CRASH_ROUNDS=${CRASH_ROUNDS:-${TRIALS:-200}}
PROXY_TRIALS=${PROXY_TRIALS:-${TRIALS:-500}}
SENDMAIL_TRIALS=${SENDMAIL_TRIALS:-${TRIALS:-300}}
MILTER_TRIALS=${MILTER_TRIALS:-${TRIALS:-200}}
HEADER_LINES=${HEADER_LINES:-1000000}
RSS_CYCLES=${RSS_CYCLES:-1000}
FUZZ_SECONDS=${FUZZ_SECONDS:-120}

run() {	# NAME CMD...
	_n=$1; shift
	_t0=$(date +%s)
	echo "torture: $_n ..."
	timeout 14400 "$@" >"$out/$_n.log" 2>&1 </dev/null
	_rc=$?
	_s=$(($(date +%s) - _t0))
	case $_rc in 0) _r=pass ;; 77) _r=skipped ;; *) _r="FAIL (exit $_rc)" ;; esac
	echo "torture: $_n: $_r (${_s}s)"
	[ "$_rc" = 0 ] || [ "$_rc" = 77 ] || grep '^not ok' "$out/$_n.log" | head -10
	echo "| $_n | $_r | $_s |" >>"$out/runs"
	[ "$_rc" = 0 ] || [ "$_rc" = 77 ] || failed=1
}
failed=0
# crash: the existing kill -9 chaos (its line starts with "crash:")
run crash env ROUNDS="$CRASH_ROUNDS" sh tests/integration/t_daemon_crash.sh
grep '^crash:' "$out/crash.log" >>"$TORTURE_FIGURES"
# the same over SMTP injection (issue 21): pipelined SMTP into a loopback
# smtpd, kill -9 at random instants
run crash_smtp env METHOD=smtp ROUNDS="$CRASH_ROUNDS" sh tests/integration/t_daemon_crash.sh
grep '^crash:' "$out/crash_smtp.log" | sed 's/^crash:/crash_smtp:/' >>"$TORTURE_FIGURES"
run proxy env TRIALS="$PROXY_TRIALS" sh tests/integration/t_torture_proxy.sh
run sendmail env TRIALS="$SENDMAIL_TRIALS" sh tests/integration/t_torture_sendmail.sh
run milter env TRIALS="$MILTER_TRIALS" sh tests/integration/t_torture_milter.sh
run stack env HEADER_LINES="$HEADER_LINES" sh tests/integration/t_torture_stack.sh
run hostile sh tests/integration/t_torture_hostile.sh
run disk sh tests/integration/t_daemon_disk.sh
run queue_disk sh tests/integration/t_torture_queue_disk.sh
run many env HEALTHY="${HEALTHY:-480}" INTERVAL=30 sh tests/integration/t_torture_many.sh
run tls-hostile sh tests/integration/t_pop3_tls.sh
run rss env CYCLES="$RSS_CYCLES" sh tests/torture/t_rss.sh
run valgrind sh tests/torture/valgrind.sh
run fuzz env FUZZ_SMOKE_SECONDS="$FUZZ_SECONDS" sh tests/integration/t_fuzz_smoke.sh

# ------------------------------------------------------------ report
cat >"$out/params" <<EOT
CRASH_ROUNDS=$CRASH_ROUNDS
PROXY_TRIALS=$PROXY_TRIALS
SENDMAIL_TRIALS=$SENDMAIL_TRIALS
MILTER_TRIALS=$MILTER_TRIALS
HEADER_LINES=$HEADER_LINES
RSS_CYCLES=$RSS_CYCLES
FUZZ_SECONDS=$FUZZ_SECONDS
REDUCED=${REDUCED:-0}
EOT
# The raw data beside the report (committed with it): the counts, one row
# per run, the scenarios' figure lines and every failed check.
raw=tests/torture/results/$(date -u +%Y%m%d-%H%M)-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$raw"
cp "$out/params" "$out/runs" "$out/figures" "$raw/"
grep -H '^not ok' "$out"/*.log 2>/dev/null | sed "s|^$out/||" >"$raw/failures"
TORTURE_DIR=$out TORTURE_RAW=$raw sh tests/torture/report.sh \
    >tests/RELIABILITY.md.new && mv tests/RELIABILITY.md.new tests/RELIABILITY.md
echo "torture: wrote tests/RELIABILITY.md and $raw/"
[ "$failed" -eq 0 ]
