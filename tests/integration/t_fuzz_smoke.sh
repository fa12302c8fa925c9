#!/bin/sh
# t_fuzz_smoke - every libFuzzer target (tests/fuzz/fuzz_*.c) built with
# ASan+UBSan (make build/fuzz/fuzz_X) and run against a scratch copy of
# its seed corpus.  In make check the run is deterministic: a fixed seed
# and FUZZ_SMOKE_RUNS (default 20000) inputs, so that CI does not fail by
# luck; make torture sets FUZZ_SMOKE_SECONDS for a timed, randomly seeded
# search.  A crash, leak or sanitizer report fails; the crashing input is
# kept under build/fuzz/ (never in the source tree).  Prints "fuzz: TARGET
# executions=N coverage=C".  Skipped (77) without clang's libFuzzer.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1
SECS=${FUZZ_SMOKE_SECONDS:-}
if [ -n "$SECS" ]; then
	HOW="-max_total_time=$SECS"
else
	HOW="-runs=${FUZZ_SMOKE_RUNS:-20000} -seed=1"
fi
mkdir -p build/fuzz/artifacts
command -v clang >/dev/null 2>&1 || { echo "no clang"; exit 77; }
tmp=$(mktemp -d /tmp/popconn-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM HUP
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$tmp/t.c"
if ! clang -fsanitize=fuzzer,address -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1; then
	echo "clang has no libFuzzer (-fsanitize=fuzzer)"
	exit 77
fi
# every target at once, both cores (each failure shows below, per target)
make -s -j2 $(ls tests/fuzz/fuzz_*.c | sed 's|^tests/fuzz/\(.*\)\.c$|build/fuzz/\1|') \
    >"$tmp/all.build" 2>&1 || true
failed=0
for src in tests/fuzz/fuzz_*.c; do
	n=$(basename "$src" .c)
	if ! make -s "build/fuzz/$n" >"$tmp/$n.build" 2>&1; then
		echo "not ok - $n: build failed"; tail -20 "$tmp/$n.build"
		failed=$((failed + 1)); continue
	fi
	mkdir -p "$tmp/corpus-$n"
	# shellcheck disable=SC2086
	"build/fuzz/$n" $HOW -max_len=65536 -timeout=10 \
	    -artifact_prefix="build/fuzz/artifacts/$n-" \
	    -rss_limit_mb=2048 -print_final_stats=1 "$tmp/corpus-$n" "tests/fuzz/corpus/$n" \
	    >"$tmp/$n.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$n.log" | tail -1)
	[ -n "$execs" ] || execs=$(sed -n "s/^Done \([0-9]*\) runs.*/\1/p" "$tmp/$n.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$tmp/$n.log" | tail -1 | awk '{print $2}')
	line="fuzz: $n executions=${execs:-0} coverage=${cov:-0} ${SECS:+seconds=$SECS}"
	echo "$line"
	[ -z "${TORTURE_FIGURES:-}" ] || echo "$line" >>"$TORTURE_FIGURES"
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $n: exit $rc"; grep -A30 -E 'ERROR|runtime error|SUMMARY' "$tmp/$n.log" | head -40
		failed=$((failed + 1))
	else
		echo "ok - $n"
	fi
done
echo "# failed=$failed"
[ "$failed" -eq 0 ]
