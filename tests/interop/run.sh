#!/bin/sh
# run.sh - the interop suite (make interop): popconn-fetcher against POP3
# servers nobody here wrote, unpacked from Debian's packages into the
# test's directory (tests/interop/unpack.sh says why and how), each on
# free loopback ports, never installed.
#
#   Cyrus IMAP 3.6 pop3d with Cyrus SASL 2.1 from sasldb: USER, APOP,
#   PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256 and NTLM (NTLMv2,
#   verified by Cyrus SASL's NTLM plugin), each over STLS and implicit
#   TLS, then auth = auto; the 50-message corpus (tests/interop/corpus.py)
#   goes in over LMTP and must come out byte for byte at every cell, kept
#   on the server, and at the end deleted.
#   Courier 1.0 pop3d (courierpop3login, couriertls): see courier.sh.
#
# It prints a matrix: server x mechanism x TLS mode -> ok / the error.
# Exit 0 when every cell is ok.  INTEROP_DEBS (default build/interop-debs)
# caches the downloaded packages between runs; INTEROP_ONLY="courier" runs
# one server's part.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"
IT=$TOP/tests/interop

h_init
h_ca
fp_init
chmod 0755 "$H_TMP"
ROOT=$H_TMP/root
DEBS=${INTEROP_DEBS:-$TOP/build/interop-debs}
MATRIX=$H_TMP/matrix
: >"$MATRIX"
if ! sh "$IT/unpack.sh" "$DEBS" "$ROOT"; then
	h_check "Debian packages of the servers downloaded and unpacked" false
	h_done
	exit 1
fi
LIBS=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/usr/lib
cc -shared -fPIC -O2 -o "$H_TMP/logshim.so" "$IT/logshim.c" ||
    { h_check "logshim builds" false; h_done; exit 1; }
CORPUS=$H_TMP/corpus
"$H_PYTHON" "$IT/corpus.py" gen "$CORPUS"

# cell SERVER MECH MODE RESULT: one matrix entry.
cell() { printf '%-8s %-14s %-9s %s\n' "$1" "$2" "$3" "$4" >>"$MATRIX"; }

# fetch_cell SERVER MECH MODE URL [-o ...]: one fetch of the whole
# mailbox with these settings (fresh UIDL state, mail kept unless an -o
# says otherwise), then the byte-for-byte comparison.
fetch_cell() {
	_srv=$1 _mech=$2 _mode=$3 _url=$4
	shift 4
	fp_box "$_url" "$@"
	rm -rf "$H_TMP/state" "$CAP"/[0-9]*
	_log=$H_TMP/fetch-$_srv-$_mech-$_mode.log
	_st=0
	timeout 120 "$P_FETCHER" -f -1 -c "$P_ETC" >"$_log" 2>&1 || _st=$?
	if [ "$_st" -ne 0 ]; then
		_why=$(grep -E 'session=(failed|deferred)' "$_log" |
		    sed 's/.*reason=//' | tail -1)
		cell "$_srv" "$_mech" "$_mode" "error: exit $_st: ${_why:-see $_log}"
		h_check "$_srv $_mech $_mode: fetched (exit $_st: $_why)" false
		return 1
	fi
	_cmp=$("$H_PYTHON" "$IT/corpus.py" compare "$CAP" "$CORPUS" 2>&1)
	if [ $? -ne 0 ]; then
		cell "$_srv" "$_mech" "$_mode" "error: $_cmp"
		h_check "$_srv $_mech $_mode: corpus byte for byte ($_cmp)" false
		return 1
	fi
	_with=$(sed -n 's/.*logged in with \([^ ]*\) .*/\1/p' "$_log" | tail -1)
	cell "$_srv" "$_mech" "$_mode" "ok (${_with:-?}; $_cmp)"
	h_check "$_srv $_mech $_mode: 50 messages byte for byte" true
	return 0
}

# INTEROP_ONLY="courier" (or "cyrus"): only those servers.
case " ${INTEROP_ONLY:-cyrus courier} " in *" cyrus "*) . "$IT/cyrus.sh" ;; esac
case " ${INTEROP_ONLY:-cyrus courier} " in *" courier "*) . "$IT/courier.sh" ;; esac

echo "--- interop matrix (server, mechanism, TLS mode -> result)"
cat "$MATRIX"
h_done
