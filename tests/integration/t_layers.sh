#!/bin/sh
# t_layers - the build keeps its layers (issue 16).  Test hooks (the
# *_hooks.c files, e.g. xsasl_test_set_nonce) are linked into no program;
# and the objects of lib/ and of the fetcher's SASL code (xsasl*.c,
# xbuf.c) do not call each other in a circle, as xsasl.c and
# xsasl_ntlm.c, and alloc.c and log.c, once did.  Reads the objects of a
# finished build with nm; needs no server.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in
/*)	B=$BUILD ;;
*)	B=$TOP/$BUILD ;;
esac
command -v nm >/dev/null 2>&1 || { echo "skip - no nm"; exit 77; }
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. No test hook in a program.  The hooks are every global symbol the
# *_hooks.o objects define, and anything named *_test_set_* or
# xsasl_test_* in case a hook moves back into a product source.
: >"$tmp/hooks"
for o in "$B"/lib/*_hooks.o "$B"/fetcher/*_hooks.o "$B"/plugin/*_hooks.o; do
	[ -f "$o" ] || continue
	nm -g --defined-only "$o" | awk '{print $3}' >>"$tmp/hooks"
done
if [ ! -s "$tmp/hooks" ]; then
	echo "not ok - no test hooks object (*_hooks.o) in $B"; fail=1
fi
sort -u -o "$tmp/hooks" "$tmp/hooks"
for p in popconn-fetcher popconn-milter popconnctl; do
	[ -x "$B/$p" ] || continue
	nm "$B/$p" | awk 'NF >= 2 {print $NF}' | sort -u >"$tmp/syms"
	bad=$( (join "$tmp/syms" "$tmp/hooks";
	    grep -E '^(xsasl_test_|[a-z_]*_test_set_)' "$tmp/syms") | sort -u |
	    tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo "not ok - $p holds test hooks: $bad"; fail=1
	else
		echo "ok - $p holds no test hook"
	fi
done
[ -x "$B/popconn-fetcher" ] || { echo "not ok - $B/popconn-fetcher not built"; fail=1; }

# 2. No circle.  An edge "a b" when a.o uses a symbol that b.o defines;
# tsort reports any loop.  The objects are those of the current sources
# (a stale object in the build directory does not count).  The
# fetchmailrc*.c files are left out: a parser and its mapping table that
# call each other, on their way to ctl/.
objs=""
for c in "$TOP"/lib/*.c "$TOP"/fetcher/xsasl*.c "$TOP"/fetcher/xbuf.c; do
	[ -f "$c" ] || continue
	n=$(basename "$c" .c)
	case $n in fetchmailrc*|*_hooks) continue ;; esac
	d=$(basename "$(dirname "$c")")
	if [ ! -f "$B/$d/$n.o" ]; then
		echo "not ok - $B/$d/$n.o not built"; fail=1; continue
	fi
	objs="$objs $B/$d/$n.o"
	nm -g --defined-only "$B/$d/$n.o" | awk -v n="$n" '{print $3, n}' \
	    >>"$tmp/defs"
done
sort -u -o "$tmp/defs" "$tmp/defs"
: >"$tmp/edges"
for o in $objs; do
	n=$(basename "$o" .o)
	nm -u "$o" | awk '{print $2}' | sort -u | join - "$tmp/defs" |
	    awk -v n="$n" '$2 != n {print n, $2}' >>"$tmp/edges"
done
sort -u -o "$tmp/edges" "$tmp/edges"
if loops=$(tsort "$tmp/edges" 2>&1 >/dev/null) && [ -z "$loops" ]; then
	echo "ok - lib/ and the SASL objects call each other in no circle"
else
	echo "not ok - a circle among the objects:" $(echo "$loops" |
	    sed -n 's/^tsort: \([a-z0-9_]*\)$/\1/p')
	fail=1
fi
# The SASL layering itself: no mechanism and no helper calls the driver.
if grep -E ' xsasl$' "$tmp/edges" >"$tmp/up"; then
	echo "not ok - called into xsasl.o:" $(cut -d' ' -f1 "$tmp/up"); fail=1
else
	echo "ok - nothing below xsasl.c calls it"
fi
exit $fail
