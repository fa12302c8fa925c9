#!/bin/sh
# t_demo - "make demo" keeps working: it runs to the end, every sample
# message lands where the demo says, and it leaves nothing running.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
BUILD=${BUILD:-build} sh "$TOP/tests/demo.sh" >"$out" 2>&1 || rc=$?
cat "$out"
fail=0
check() {
	if grep -q -- "$2" "$out"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}
[ "$rc" -eq 0 ] && echo "ok - demo exits 0" || { echo "not ok - demo exits 0 (got $rc)"; fail=1; }
check "ends with the all-delivered line" "Done: every message fetched was delivered once"
check "To/Cc routing by the default rule" "routed by popconn-milter: Cc: default rule"
check "a texthash routing rule" "via texthash:.*routing:2"
check "a pcre routing rule" "via pcre:.*routing.pcre:2"
check "a Bcc recovered from Delivered-To" "Delivered-To: default rule"
check "unroutable mail to postmaster" "undeliverable: no routable recipient"
check "second cycle delivers nothing" "messages in local mailboxes now: chris 7, kim 7, postmaster 1"
exit $fail
