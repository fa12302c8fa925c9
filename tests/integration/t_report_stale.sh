#!/bin/sh
# t_report_stale - tests/report_age.sh counts, for each measured report,
# the commits since the one it names that changed product code (fetcher/
# plugin/ lib/ ctl/ include/), in a temporary git repository whose
# history is known; a report naming no commit, or one not in the
# history, is said to be of unknown age; tests/run.sh prints these lines
# before its pass line, which stays last (issue 16).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v git >/dev/null 2>&1 || { echo "git not installed"; exit 77; }
tmp=$(mktemp -d /tmp/popconn-age.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM HUP
fail=0
check() { if "$@"; then echo "ok - $desc"; else echo "not ok - $desc"; fail=1; fi; }
r=$tmp/repo
g() { git -C "$r" -c user.name=t -c user.email=t@example.test "$@" >/dev/null 2>&1; }
commit() {	# FILE... : touch each file, commit
	for f in "$@"; do
		mkdir -p "$r/$(dirname "$f")"
		echo "$f $(date +%s%N)" >>"$r/$f"
	done
	g add -A && g commit -q -m "change $*"
}
mkdir -p "$r" && g init -q
commit fetcher/a.c README.md
measured=$(git -C "$r" rev-parse HEAD)
mkdir -p "$r/tests" "$r/bench"
printf '# figures\n\nCommit: %s (2026-01-01).\n' "$measured" >"$r/tests/RELIABILITY.md"
printf '# bench, written by hand\n' >"$r/bench/RESULTS.md"
g add -A && g commit -q -m reports
commit lib/x.c				# 1
commit README.md			# documentation: not counted
commit include/y.h ctl/z.c		# 2 (one commit, two directories)
commit tests/unit/test_x.c		# tests: not counted
commit plugin/p.c			# 3
out=$(sh "$TOP/tests/report_age.sh" "$r")
echo "$out" | sed 's/^/    /'
short=$(git -C "$r" rev-parse --short "$measured")
desc="3 product commits behind: lib, include+ctl, plugin (docs and tests not counted)"
check sh -c "echo '$out' | grep -qx 'report tests/RELIABILITY.md: measured at $short, 3 commit(s) changing product code behind HEAD'"
desc="a report naming no commit: age unknown"
check sh -c "echo '$out' | grep -q 'report bench/RESULTS.md: names no commit'"
head=$(git -C "$r" rev-parse HEAD)
printf '# bench\n\nCommit: %s, with uncommitted changes to tracked files (2026-01-02).\n' "$head" >"$r/bench/RESULTS.md"
printf '# figures\n\nCommit: 0123456789abcdef0123456789abcdef01234567 (2026-01-01).\n' >"$r/tests/RELIABILITY.md"
out=$(sh "$TOP/tests/report_age.sh" "$r")
echo "$out" | sed 's/^/    /'
desc="a report of the head commit is up to date"
check sh -c "echo '$out' | grep -q 'report bench/RESULTS.md: measured at .*, up to date with the product code'"
desc="a commit not in the history: age unknown"
check sh -c "echo '$out' | grep -q 'report tests/RELIABILITY.md: commit 0123456789abcdef0123456789abcdef01234567 not in this history'"
commit fetcher/b.c
out=$(sh "$TOP/tests/report_age.sh" "$r")
desc="one more product commit: 1 behind"
check sh -c "echo '$out' | grep -q 'report bench/RESULTS.md: measured at .*, 1 commit(s) changing product code behind HEAD'"
# tests/run.sh prints the ages before its pass line (an empty unit set).
mkdir -p "$tmp/unit" "$tmp/integ" "$tmp/build/tests"
out=$(cd "$TOP" && TESTS= RUN_UNIT_SRC="$tmp/unit" RUN_INTEG_DIR="$tmp/integ" \
    BUILD="$tmp/build" sh tests/run.sh 2>&1)
echo "$out" | sed 's/^/    /'
desc="run.sh prints each report's age, and the pass line stays last"
check sh -c "echo '$out' | grep -q '^report tests/RELIABILITY.md: ' &&
    echo '$out' | grep -q '^report bench/RESULTS.md: ' &&
    echo '$out' | tail -1 | grep -qx '0 passed, 0 failed'"
exit $fail
