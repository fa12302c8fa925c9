#!/bin/sh
# t_docs - the documentation keeps up with the code: every setting that
# lib/params.c declares is described in popconn.cf(5) and listed in the
# sample conf/popconn.cf, every per-mailbox setting is in mailboxes.cf(5)'s
# -o list, and every man page renders without warnings.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
fail=0
for k in $(grep -o '{"[a-z_]*"' "$TOP/lib/params.c" | tr -d '{"' | sort -u); do
	if ! grep -q "^\.B $k = " "$TOP/man/popconn.cf.5"; then
		echo "not ok - $k is not described in man/popconn.cf.5"; fail=1
	fi
	if ! grep -q "^#$k =" "$TOP/conf/popconn.cf"; then
		echo "not ok - $k is not in the sample conf/popconn.cf"; fail=1
	fi
done
[ "$fail" = 0 ] && echo "ok - every setting documented and in the sample"
# Every setting a mailbox may override (MB in lib/params.c) is named in
# the -o list of mailboxes.cf(5) (issue 20: pipeline_depth and
# size_limit_action were missing).
ol=$(sed -n '/^\.BI \\-o " setting" = value/,/^\.PP/p' "$TOP/man/mailboxes.cf.5" |
    tr -d '\\' | tr ',\n' '  ')
for k in $(tr '\n' ' ' <"$TOP/lib/params.c" | grep -o '{"[a-z_]*"[^}]*MB}' |
    grep -o '^{"[a-z_]*"' | tr -d '{"' | sort -u); do
	case " $ol " in
	*" $k "*) ;;
	*) echo "not ok - $k (a per-mailbox setting) is not in mailboxes.cf(5)'s -o list"
	   fail=1 ;;
	esac
done
for m in "$TOP"/man/*.[0-9]; do
	if command -v groff >/dev/null 2>&1; then
		w=$(groff -man -Tutf8 -ww "$m" 2>&1 >/dev/null)
		if [ -n "$w" ]; then
			echo "not ok - $(basename "$m"): $w"; fail=1
		else
			echo "ok - $(basename "$m") renders cleanly"
		fi
	fi
done
exit $fail
