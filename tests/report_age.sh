#!/bin/sh
# report_age.sh - how far behind the head each measured report is (issue
# 16): for tests/RELIABILITY.md and bench/RESULTS.md, the number of
# commits since the commit the report names ("Commit: SHA" line, written
# by tests/lib/measured.sh) that changed product code (fetcher/ plugin/
# lib/ ctl/ include/).  One line per report on stdout; always exits 0 (a
# stale report is shown, not a failure).  tests/run.sh prints these
# lines before its pass line.
#
#   sh tests/report_age.sh [REPO]	(default: this checkout)
set -u
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$repo" || exit 0
git rev-parse --git-dir >/dev/null 2>&1 || {
	echo "reports: not a git checkout, age unknown"
	exit 0
}
for r in tests/RELIABILITY.md bench/RESULTS.md; do
	if [ ! -f "$r" ]; then
		echo "report $r: missing"
		continue
	fi
	c=$(sed -n 's/^Commit: \([0-9a-f]\{7,40\}\).*/\1/p' "$r" | head -1)
	if [ -z "$c" ]; then
		echo "report $r: names no commit (not written by its program): age unknown"
		continue
	fi
	if ! git cat-file -e "$c^{commit}" 2>/dev/null; then
		echo "report $r: commit $c not in this history: age unknown"
		continue
	fi
	if ! git merge-base --is-ancestor "$c" HEAD 2>/dev/null; then
		echo "report $r: commit $c is not an ancestor of HEAD: age unknown"
		continue
	fi
	n=$(git rev-list --count "$c"..HEAD -- fetcher plugin lib ctl include)
	short=$(git rev-parse --short "$c")
	if [ "$n" -eq 0 ]; then
		echo "report $r: measured at $short, up to date with the product code"
	else
		echo "report $r: measured at $short, $n commit(s) changing product code behind HEAD"
	fi
done
exit 0
