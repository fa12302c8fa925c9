#!/bin/sh
# t_lint_funclen - tests/lint_funclen.sh (run by make lint; issue 16)
# passes on this tree, and in a scratch tree fails naming the file, the
# function and its length for a function over 120 lines, passes when
# the comment before it says why after "LONG:", and fails for a file
# over 900 lines.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/popconn-funclen.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM HUP
fail=0
check() { if "$@"; then echo "ok - $desc"; else echo "not ok - $desc"; fail=1; fi; }
lint() { out=$(sh "$TOP/tests/lint_funclen.sh" "$@" 2>&1); rc=$?; }
# func NAME BODYLINES COMMENT: a KNF function with BODYLINES statements
func() {
	printf '/* %s - %s */\n\nstatic int\n%s(int x)\n{\n' "$1" "$3" "$1"
	i=0
	while [ $i -lt "$2" ]; do echo "	x++;"; i=$((i + 1)); done
	printf '\treturn (x);\n}\n\n'
}

desc="this tree: no function over 120 lines, no file over 900"
lint "$TOP"; check [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || echo "$out" | sed 's/^/# /'

mkdir -p "$tmp/fetcher" "$tmp/plugin" "$tmp/ctl" "$tmp/lib"
{ func short_one 100 "short"; func long_one 119 "long"; } >"$tmp/lib/a.c"
lint "$tmp"
desc="a 121-line function fails"; check [ "$rc" -eq 1 ]
desc="the finding names file, line, function and length"
check [ "$out" = "lib/a.c:112: long_one is 121 lines (over 120): split it, or say why after LONG: in the comment before it" ]

func long_one 119 "long.  LONG: one table, kept whole" >"$tmp/lib/a.c"
func short_two 118 "120 lines exactly" >>"$tmp/lib/a.c"
lint "$tmp"
desc="LONG: in the comment before it lets it pass; 120 lines pass"
check [ "$rc" -eq 0 ]

func next_one 130 "after the long one" >>"$tmp/lib/a.c"
lint "$tmp"
desc="LONG: covers only the function it precedes"
check [ "$rc" -eq 1 ]
desc="... and the next one is named"
named() { case $out in *"next_one is 132 lines"*) return 0;; esac; return 1; }
check named

func short_one 10 "short" >"$tmp/lib/a.c"
seq 1 901 >"$tmp/ctl/big.h"
lint "$tmp"
desc="a 901-line file fails, named"
check_file() { [ "$rc" -eq 1 ] && [ "$out" = "ctl/big.h:1: 901 lines (over 900): split the file" ]; }
check check_file

exit $fail
