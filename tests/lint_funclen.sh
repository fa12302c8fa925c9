#!/bin/sh
# lint_funclen.sh - no function over 120 lines, no file over 900 (issue
# 16), in fetcher/ plugin/ ctl/ lib/.  A function is a line starting
# with its name and "(" at column 0 (the KNF layout: the return type on
# the line before), its body from "{" to "}" at column 0; its length is
# the lines between the two, as in the issue's awk.  A function may be
# longer only when the comment before it (anything between the previous
# function's "}" and its name) says why, after the word "LONG:".  Every
# .c and .h file there must have at most 900 lines (wc -l).  One line per
# finding, "file:line: ..."; exits 1 on any, 0 otherwise.  Run by
# "make lint".
#
#   sh tests/lint_funclen.sh [TOP]	(default: this checkout)
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
FUNC_MAX=120
FILE_MAX=900
bad=0
for f in fetcher/*.c plugin/*.c ctl/*.c lib/*.c; do
	[ -f "$f" ] || continue
	awk -v F="$f" -v MAX=$FUNC_MAX '
	/^[A-Za-z_][A-Za-z0-9_]*\(/ && !/;[ \t]*$/ {
		name = $0; sub(/\(.*/, "", name); nl = NR
	}
	/LONG:/ { why = 1 }
	/^\{/ { bs = NR }
	/^\}/ {
		if (name != "" && bs > 0 && NR - bs > MAX && !why) {
			printf "%s:%d: %s is %d lines (over %d): split it, " \
			    "or say why after LONG: in the comment before " \
			    "it\n", F, nl, name, NR - bs, MAX
			bad = 1
		}
		name = ""; bs = 0; why = 0
	}
	END { exit bad }' "$f" || bad=1
done
for f in fetcher/*.[ch] plugin/*.[ch] ctl/*.[ch] lib/*.[ch]; do
	[ -f "$f" ] || continue
	n=$(wc -l < "$f")
	if [ "$n" -gt $FILE_MAX ]; then
		echo "$f:1: $n lines (over $FILE_MAX): split the file"
		bad=1
	fi
done
exit $bad
