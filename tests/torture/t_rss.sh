#!/bin/sh
# t_rss - the fetcher daemon's memory over many poll cycles
# (poll_interval = 1s; CYCLES, default 60; make torture 1000): a message
# is seeded every 10 cycles so that sessions deliver.  VmRSS of the
# daemon (and its largest worker seen) is sampled every cycle; the
# figure compares the mean of the last tenth with the mean after the
# first tenth.  Fails on growth above 10% and 1 MB.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"
. "$TOP/tests/lib/torture.sh"
CYCLES=${CYCLES:-60}
h_init
h_ca
h_dovecot_start "rita:rita-pw"
h_postfix_start example.test "rita"
P_EXTRA_CF="poll_interval = 1s
retry_min = 1s"
p_config
p_password rita rita-pw
p_mailbox "rita user pop3s://rita@localhost:$H_POP3S_PORT rita@example.test"
set +e
p_daemon_start
: >"$H_TMP/rss"
i=0
while [ $i -lt "$CYCLES" ]; do
	[ $((i % 10)) -ne 0 ] || H_SEED_MAX_SIZE=20000 h_seed rita 1 "$i" >/dev/null
	sleep 1
	awk '/^VmRSS/ { print $2 }' "/proc/$P_DAEMON_PID/status" >>"$H_TMP/rss" 2>/dev/null
	i=$((i + 1))
done
sessions=$(grep -c 'session=' "$H_TMP/daemon.log" || true)
set -- $(awk -v n="$CYCLES" '{ v[NR] = $1 } END {
	t = int(NR / 10); if (t < 1) t = 1
	for (i = t + 1; i <= 2 * t; i++) { a += v[i]; na++ }
	for (i = NR - t + 1; i <= NR; i++) { b += v[i]; nb++ }
	printf "%d %d\n", a / na, b / nb }' "$H_TMP/rss")
early=$1 late=$2
d_stop 15
h_check "daemon: clean exit (got ${D_EXIT:-none})" [ "${D_EXIT:-x}" = 0 ]
h_check "Postfix drained" h_postfix_wait_idle 60
t_tally "$H_TMP/orig/rita" "$H_MAIL_ROOT/rita" "$H_POP_MAILDIR_ROOT/rita/Maildir"
line="rss: cycles=$CYCLES, sessions=$sessions, rss_early_kb=$early, rss_late_kb=$late, delivered=$T_D, lost=$T_L, duplicated=$T_X"
echo "$line"
[ -z "${TORTURE_FIGURES:-}" ] || echo "$line" >>"$TORTURE_FIGURES"
h_check "RSS flat ($early kB -> $late kB)" \
    sh -c "[ $late -le $((early + early / 10)) ] || [ $late -le $((early + 1024)) ]"
h_check "none lost ($T_L), none doubled ($T_X)" \
    sh -c "[ '$T_L' -eq 0 ] && [ '$T_X' -eq 0 ]"
h_done
