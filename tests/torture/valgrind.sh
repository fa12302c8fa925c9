#!/bin/sh
# valgrind.sh - every unit test (build/tests/test_*) under valgrind's
# memcheck: --error-exitcode=1 --leak-check=full; definite and indirect
# leaks and memory errors fail.  Prints "valgrind: tests=N, failed=F".
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: not installed"; exit 77; }
make -s tests-build >/dev/null || exit 1
n=0 f=0
mkdir -p "$BUILD/test-logs"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	log=$BUILD/test-logs/valgrind-$(basename "$t").log
	if CMOCKA_TEST_ABORT=0 timeout 600 valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --trace-children=no \
	    "$t" >"$log" 2>&1; then
		echo "ok - valgrind $(basename "$t")"
	else
		f=$((f + 1))
		echo "not ok - valgrind $(basename "$t") (log: $log)"
		grep -E '==[0-9]+== (Invalid|Conditional|.*definitely|.*indirectly|Syscall)' "$log" | head -10
	fi
done
line="valgrind: tests=$n, failed=$f"
echo "$line"
[ -z "${TORTURE_FIGURES:-}" ] || echo "$line" >>"$TORTURE_FIGURES"
[ "$f" -eq 0 ]
