#!/bin/sh
# t_run_honest - the pass line cannot lie (issue 16): tests/run.sh, run on
# a deliberately broken set, counts a unit source whose program is
# missing as a failure, a unit program that exits 0 without cmocka's
# summary as a failure, and the skipped checks inside a passing test as
# skipped; a sound set passes.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/popconn-run.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM HUP
mkdir -p "$tmp/unit" "$tmp/integ" "$tmp/build/tests"
fail=0
check() { if "$@"; then echo "ok - $desc"; else echo "not ok - $desc"; fail=1; fi; }
: >"$tmp/unit/test_good.c"
printf '#!/bin/sh\necho "[==========] 2 test(s) run."\necho "[  PASSED  ] 2 test(s)."\n' \
    >"$tmp/build/tests/test_good"
: >"$tmp/unit/test_nobinary.c"
: >"$tmp/unit/test_silent.c"
printf '#!/bin/sh\nexit 0\n' >"$tmp/build/tests/test_silent"
chmod +x "$tmp/build/tests/"*
printf '#!/bin/sh\necho "ok - a"\necho "ok - # SKIP b: not here"\nexit 0\n' \
    >"$tmp/integ/t_partial.sh"
out=$(cd "$TOP" && TESTS= RUN_UNIT_SRC="$tmp/unit" RUN_INTEG_DIR="$tmp/integ" \
    BUILD="$tmp/build" sh tests/run.sh 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
desc="a unit source without a program fails"
check sh -c "echo '$out' | grep -q 'FAIL unit test_nobinary'"
desc="a unit program without cmocka's summary fails"
check sh -c "echo '$out' | grep -q 'FAIL unit test_silent: no cmocka summary'"
desc="a skipped check inside a passing test is counted and named"
check sh -c "echo '$out' | grep -q 't_partial.*1 check(s) skipped' &&
    echo '$out' | grep -q 'SKIP b: not here'"
desc="the pass line says so: 3 passed, 2 failed, 1 skipped; exit non-zero"
check sh -c "echo '$out' | tail -1 | grep -qx '3 passed, 2 failed, 1 skipped' && [ $rc -ne 0 ]"
rm "$tmp/unit/test_nobinary.c" "$tmp/unit/test_silent.c"
out=$(cd "$TOP" && TESTS= RUN_UNIT_SRC="$tmp/unit" RUN_INTEG_DIR="$tmp/integ" \
    BUILD="$tmp/build" sh tests/run.sh 2>&1)
rc=$?
desc="a sound set passes (exit 0)"
check [ $rc -eq 0 ]
exit $fail
