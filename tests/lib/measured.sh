#!/bin/sh
# measured.sh - what a report says about the run it reports (issue 16):
# the commit measured, the machine and the date, as markdown lines on
# stdout.  Used by tests/torture/report.sh and bench/run.sh; the
# "Commit:" line is what tests/report_age.sh reads back.
#
#   sh tests/lib/measured.sh [PATHSPEC...]
#
# PATHSPECs are left out of the "uncommitted changes" test (the report
# being written, its raw data).  MEASURED_COMMIT and MEASURED_DATE
# override the commit and the date (tests).
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ -n "${MEASURED_COMMIT:-}" ]; then
	commit=$MEASURED_COMMIT
	dirty=""
else
	commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
	dirty=""
	ex=""
	for p in "$@"; do
		ex="$ex :!$p"
	done
	# shellcheck disable=SC2086	# one word per pathspec
	if [ "$commit" != unknown ] &&
	    ! git diff --quiet HEAD -- . $ex 2>/dev/null; then
		dirty=", with uncommitted changes to tracked files"
	fi
fi
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
echo "Commit: $commit${dirty} ($(git log -1 --format=%cd --date=format:%Y-%m-%d "$commit" 2>/dev/null || echo 'date unknown'))."
echo
echo "Machine: $(nproc) CPUs (${cpu:-unknown CPU}), $mem RAM; $(uname -srm); $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown OS}"); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "Date: ${MEASURED_DATE:-$(date -u '+%Y-%m-%d %H:%M UTC')}."
