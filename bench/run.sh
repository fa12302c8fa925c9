#!/bin/sh
# bench/run.sh - popconn against fetchmail, getmail6 and mpop (issue 9).
#
#   make bench                     build, then this script (~20 minutes)
#   BENCH_QUICK=1 make bench       smoke run, small sizes (a few minutes)
#   BENCH_REPS=N                   repetitions per measurement (default 3)
#   BENCH_PEER_REPS=N              repetitions of each peer and of the
#                                  sendmail ceiling (default 1: slow)
#   BENCH_ONLY="1 2 3"             run only these scenarios (1..6)
#   BENCH_OUT=FILE                 also write the table (markdown) there
#
# It starts one private Dovecot (POP3S) and one private Postfix (sendmail
# in, virtual Maildirs out) with tests/lib/harness.sh, then hands over to
# bench/bench.py, which seeds the mailboxes, runs every program on the same
# work, checks what arrived (tests/lib/compare.py: delivered, missing,
# duplicated, altered) and prints the medians and ratios.  Everything runs
# on 127.0.0.1 and is stopped at exit; latency comes from
# tests/lib/delayproxy.py (this kernel has no netem).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
export TOP BUILD
cd "$TOP"

for p in fetchmail getmail mpop /usr/bin/time; do
	command -v "$p" >/dev/null 2>&1 || {
		echo "bench: $p missing: run 'sh tests/deps.sh bench' as root" >&2
		exit 1
	}
done
[ -x "$BUILD/popconn-fetcher" ] || {
	echo "bench: $BUILD/popconn-fetcher missing: run make first" >&2
	exit 1
}

H_QUIET=1
export H_QUIET
. "$TOP/tests/lib/harness.sh"

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then nmany=20; else nmany=200; fi

# Dovecot users: bulk (scenarios 1, 2, 4, 5, 6) and m001..mNNN (scenario 3).
users="bulk:bulk-pw"
i=1
while [ "$i" -le "$nmany" ]; do
	users="$users $(printf 'm%03d:m%03d-pw' "$i" "$i")"
	i=$((i + 1))
done

# 100 MB messages: lift Postfix's size limits (10 MB / 50 MB by default).
H_POSTFIX_EXTRA_MAIN="message_size_limit = 0
virtual_mailbox_limit = 0
mailbox_size_limit = 0
milter_macro_daemon_name = local-submit"
export H_POSTFIX_EXTRA_MAIN

h_init
h_ca
h_dovecot_start "$users"
h_postfix_start example.test "bulk many postmaster"

python3 "$TOP/bench/bench.py" & wait $!
