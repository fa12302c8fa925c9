#!/bin/sh
# run.sh - run every unit test and every integration test; end with one
# line "N passed, N failed".  Exit status 0 only when nothing failed.
#
# Unit tests are cmocka programs in $BUILD/tests/test_*; each test case
# counts.  Integration tests are tests/integration/t_*.sh; each script
# counts once (exit 0 pass, 77 skipped, anything else fail).  TESTS=glob
# limits the integration tests run (e.g. TESTS='t_fetch*').  A unit source
# without its program, and a program without cmocka's summary, fail; the
# "ok - # SKIP" checks of a passing integration test count as skipped.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
# For run.sh's own test (t_run_honest): where the sources are.
UNIT_SRC=${RUN_UNIT_SRC:-tests/unit}
INTEG_DIR=${RUN_INTEG_DIR:-tests/integration}
TOP=$(pwd)
export TOP
passed=0
failed=0
skipped=0
failures=""
case $BUILD in
/*)	logdir=$BUILD/test-logs ;;
*)	logdir=$TOP/$BUILD/test-logs ;;
esac
rm -rf "$logdir"
mkdir -p "$logdir"

# Each unit source is run by its program; one without a program (a build
# that failed) would vanish from the count: a failure of its own.
for src in "$UNIT_SRC"/test_*.c; do
	[ -f "$src" ] || continue
	n=$(basename "$src" .c)
	t=$BUILD/tests/$n
	if [ ! -x "$t" ]; then
		failed=$((failed + 1))
		failures="$failures $n"
		echo "FAIL unit $n: $src has no program $t (build failed?)"
		continue
	fi
	out=$logdir/$n.log
	"$t" >"$out" 2>&1
	rc=$?
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed or failed outside a test case
	fi
	# No cmocka summary: it did not run its tests, whatever its status.
	if [ "$f" -eq 0 ] && ! grep -q '^\[==========\] [0-9]* test(s) run' "$out"; then
		echo "FAIL unit $n: no cmocka summary (exit $rc)"
		f=$((f + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures="$failures $n"
		echo "FAIL unit $n (see $out)"
		grep -E '^\[  (FAILED|ERROR)  \]|^\[  ERROR|Assert|ERROR:|runtime error' "$out" | head -20
	else
		echo "ok   unit $n: $p passed"
	fi
done

pattern=${TESTS:-t_*}
for t in "$INTEG_DIR"/$pattern.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	out=$logdir/$n.log
	start=$(date +%s)
	timeout 600 sh "$t" >"$out" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		# Checks a passing test skipped are counted and named.
		ns=$(grep -c '^ok - # SKIP' "$out")
		if [ "$ns" -gt 0 ]; then
			skipped=$((skipped + ns))
			echo "ok   $n (${secs}s; $ns check(s) skipped)"
			grep '^ok - # SKIP' "$out" | sed 's/^/    /'
		else
			echo "ok   $n (${secs}s)"
		fi
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip $n: $(tail -1 "$out")"
	else
		failed=$((failed + 1))
		failures="$failures $n"
		echo "FAIL $n (exit $rc, ${secs}s; log: $out)"
		tail -30 "$out" | sed 's/^/    /'
	fi
done

# How many product commits the measured reports are behind (issue 16);
# before the pass line, which stays the last line.
sh "$TOP/tests/report_age.sh" "$TOP"
[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
