#!/bin/sh
# bench/run.sh - popconn against fetchmail, getmail6, mpop and fdm (issues
# 9, 21).
#
#   make bench                     build, then this script (~20 minutes)
#   BENCH_QUICK=1 make bench       smoke run, small sizes (a few minutes)
#   BENCH_REPS=N                   repetitions per measurement (default 3)
#   BENCH_PEER_REPS=N              repetitions of each peer and of the
#                                  sendmail ceiling (default 1: slow)
#   BENCH_ONLY="1 2 3"             run only these scenarios (1..8; 7 is
#                                  the scheduler at 1k/10k/50k mailboxes,
#                                  bench/sched.sh; 8 is 10,000 real
#                                  mailboxes on the private Dovecot,
#                                  delivered over SMTP)
#   BENCH_OUT=FILE                 also write the table (markdown) there
#
# It writes the report itself: bench/RESULTS.md (the commit measured, the
# machine, the date: tests/lib/measured.sh; then the tables) and the raw
# data of every run beside it in bench/results/DATE-COMMIT/ (bench.json:
# every run and the medians; sched.jsonl; the tables as printed).  A
# quick run (BENCH_QUICK=1) writes build/bench-quick/RESULTS.md and
# build/bench-quick/results/ instead: not a figure to commit.  Exit
# status 1 when some work did not finish within its cap.
#
# It starts one private Dovecot (POP3S) and one private Postfix (sendmail
# in, virtual Maildirs out, plus the dedicated SMTP listener of
# delivery_method = smtp: the master.cf entry "popconnctl postfix-setup"
# writes, on a free loopback port, without a milter as the sendmail path
# here has none) with tests/lib/harness.sh, then hands over to
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

for p in fetchmail getmail mpop fdm smtp-source /usr/bin/time; do
	command -v "$p" >/dev/null 2>&1 || {
		echo "bench: $p missing: run 'sh tests/deps.sh bench' as root" >&2
		exit 1
	}
done
[ -x "$BUILD/popconn-fetcher" ] || {
	echo "bench: $BUILD/popconn-fetcher missing: run make first" >&2
	exit 1
}

quick=${BENCH_QUICK:-0}
only=${BENCH_ONLY:-1 2 3 4 5 6 7 8}
if [ "$quick" = 1 ]; then out=$TOP/build/bench-quick; else out=$TOP/bench; fi
stamp=$(date -u +%Y%m%d-%H%M)-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
raw=$out/results/$stamp
mkdir -p "$raw"
t_start=$(date -u '+%Y-%m-%d %H:%M UTC')
failed=0

# The report, from what this run left in $raw (also on an early exit).
write_report() {
	{
		echo "# popconn benchmarks: results"
		echo
		echo "Written by \`make bench\` (bench/run.sh, bench/bench.py, bench/sched.sh); never edited by hand."
		[ "$quick" = 1 ] && { echo; echo "**A quick run** (BENCH_QUICK=1: small sizes): not the release figures."; }
		echo
		sh "$TOP/tests/lib/measured.sh" bench/RESULTS.md bench/results
		echo
		echo "Run: started $t_start; BENCH_REPS=${BENCH_REPS:-default} BENCH_PEER_REPS=${BENCH_PEER_REPS:-1} BENCH_ONLY=\"$only\"; software: Postfix $(/usr/sbin/postconf -d -h mail_version 2>/dev/null), $(dovecot --version 2>/dev/null | sed 's/^/Dovecot /' | head -1), fetchmail $(fetchmail --version 2>/dev/null | sed -n '1s/^This is fetchmail release \([0-9.]*\).*/\1/p'), mpop $(mpop --version 2>/dev/null | sed -n '1s/.* //p'), fdm $(dpkg-query -W -f='${Version}' fdm 2>/dev/null), getmail $(getmail --version 2>/dev/null | sed -n '1s/.* //p')."
		echo
		echo "Raw data of every run: ${raw#"$TOP"/}/ (bench.json, sched.jsonl)."
		echo
		[ -s "$raw/table.md" ] && cat "$raw/table.md"
		[ -s "$raw/sched.md" ] && { echo; cat "$raw/sched.md"; }
		[ "$failed" = 0 ] || { echo; echo "**This run failed** (see the failures above)."; }
	} >"$out/RESULTS.md.new" && mv "$out/RESULTS.md.new" "$out/RESULTS.md"
	echo "bench: wrote ${out#"$TOP"/}/RESULTS.md and ${raw#"$TOP"/}/" >&2
}

# 7: the scheduler, each size with its own harness (no Dovecot needed).
case " $only " in
*" 7 "*)
	BENCH_RAW=$raw sh "$TOP/bench/sched.sh" >"$raw/sched.md" || failed=1
	cat "$raw/sched.md" ;;
esac
case " $only " in
*" 1 "*|*" 2 "*|*" 3 "*|*" 4 "*|*" 5 "*|*" 6 "*|*" 8 "*) ;;
*)	write_report; exit "$failed" ;;
esac

H_QUIET=1
export H_QUIET
. "$TOP/tests/lib/harness.sh"
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
# The SMTP injection listener (delivery_method = smtp, fdm, fetchmail's
# SMTP mode, smtp-source): postfix-setup's entry, on a free port.
BENCH_SMTP_PORT=$(h_free_port)
H_POSTFIX_EXTRA_MASTER="127.0.0.1:$BENCH_SMTP_PORT inet n - n - - smtpd
  -o smtpd_client_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o content_filter=
  -o milter_macro_daemon_name=popconn-smtp"
export BENCH_SMTP_PORT H_POSTFIX_EXTRA_MASTER

h_init
h_ca
h_dovecot_start "$users"
h_postfix_start example.test "bulk many postmaster"

BENCH_ONLY=$only BENCH_RAW=$raw BENCH_OUT=${BENCH_OUT:-$raw/table.md} \
    python3 "$TOP/bench/bench.py" & wait $! || failed=1
[ -z "${BENCH_OUT:-}" ] || cp "$BENCH_OUT" "$raw/table.md"
write_report
exit "$failed"
