#!/bin/sh
# t_milter_protocol - popconn-milter driven by a milter client of our own
# (tests/lib/miltclient.py), not by Postfix (issue 19, "Also"):
# - 400 random command sequences (any order, aborts at every stage,
#   garbage and truncated packets, odd macro packets), after which a
#   well-formed message is still answered;
# - a macro packet with an odd number of strings (Debian 12's libmilter
#   reads past its array on it) does not crash the milter;
# - 10,000 messages on one connection: RSS grows by less than 1 MB.
# Under make check SANITIZE=1 the milter runs with ASan+UBSan.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
H_POSTFIX_CONF=$H_TMP/no-postfix
M_SOCK=$H_TMP/milter.sock
p_config
m_config
m_start
MC="$H_PYTHON $TOP/tests/lib/miltclient.py $M_SOCK"

case $BUILD in
*/san)	# ASan's strcmp interceptor trips on libmilter's own overread
	# (Debian 12's smfi_getsymval): not ours to fix, see issue 19.
	echo "ok - # SKIP odd macro packet under ASan (libmilter's overread)" ;;
*)	h_check "odd macro packet: the milter lives and answers" $MC oddmacro
	h_check "still running" kill -0 "$M_PID" ;;
esac
h_check "400 random sequences: the milter lives and answers" \
    $MC random 400 "${SEED:-1}"
h_check "still running" kill -0 "$M_PID"
$MC many "${N:-10000}" "$H_TMP/milter.pid" >"$H_TMP/many.out" 2>&1 || true
cat "$H_TMP/many.out"
set -- $(sed -n 's/^rss //p' "$H_TMP/many.out")
h_check "10,000 messages on one connection answered" [ $# -eq 2 ]
if [ $# -eq 2 ]; then
	case $BUILD in
	*/san)	# ASan's quarantine holds freed memory; LeakSanitizer at
		# exit is the check there.
		echo "ok - # SKIP RSS under ASan ($1 kB -> $2 kB)" ;;
	*)	h_check "RSS $1 kB -> $2 kB: grows by less than 1 MB" \
		    [ $(( $2 - $1 )) -lt 1024 ] ;;
	esac
fi
h_check "forged markers were refused and logged" \
    grep -q 'marker refused' "$M_LOG"
h_check "no sanitizer report" sh -c "! grep -q 'runtime error\|AddressSanitizer' '$M_LOG'"
h_done
