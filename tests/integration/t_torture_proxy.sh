#!/bin/sh
# t_torture_proxy - a fault-injecting TCP proxy (tests/lib/faultproxy.py)
# between the fetcher and the real Dovecot (POP3S, implicit TLS): each
# session is cut at a random byte offset from the server (greeting, TLS
# handshake, RETR data, ...) or from the client (commands, just after a
# DELE, during QUIT), stalled past command_timeout, stalled briefly,
# trickled, or reset.  TRIALS fetch cycles (default 20), new mail seeded
# as the mailbox empties; then the proxy turns faithful and the mailbox
# is emptied.  Every message must be delivered exactly once, intact:
# there is no crash here, and the UIDL journal is written before DELE,
# so no duplicate is allowed.
#
#   TRIALS=500 sh tests/integration/t_torture_proxy.sh
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/torture.sh"

TRIALS=${TRIALS:-20}
BATCH=${BATCH:-6}

h_init
h_ca
h_dovecot_start "ivy:ivy-pw"
h_postfix_start example.test "ivy"
P_EXTRA_CF="connect_timeout = 3s
command_timeout = 2s
session_timeout = 60s"
p_config
p_password ivy ivy-pw

ctl=$H_TMP/proxy.mode
plog=$H_TMP/proxy.log
h_spawn proxy "$H_PYTHON" "$H_LIB_DIR/faultproxy.py" \
    --target "127.0.0.1:$H_POP3S_PORT" --port-file "$H_TMP/proxy.port" \
    --seed "${SEED:-$$}" --control "$ctl" --log "$plog" \
    --timeout 3000 --max-offset 250000 --stall 3
n=100
while [ ! -s "$H_TMP/proxy.port" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
pport=$(cat "$H_TMP/proxy.port")
p_mailbox "ivy user pop3s://ivy@localhost:$pport ivy@example.test"
echo "# proxy seed ${SEED:-$$} on port $pport"

set +e
H_SEED_MAX_SIZE=${H_SEED_MAX_SIZE:-60000}
export H_SEED_MAX_SIZE
batches=0
t0=$(date +%s)
i=0
while [ $i -lt "$TRIALS" ]; do
	if [ "$(h_pop_count ivy)" -lt 3 ]; then
		batches=$((batches + 1))
		h_seed ivy "$BATCH" "$batches" >/dev/null
	fi
	t_fetch_bounded 60
	echo "$P_STATUS" >>"$H_TMP/status.list"
	i=$((i + 1))
done
chaos_secs=$(($(date +%s) - t0))
h_check "no fetch cycle hung (none killed by timeout 60)" \
    sh -c "! grep -qx 124 '$H_TMP/status.list'"
h_check "no fetch cycle crashed (no signal exit)" \
    sh -c "! grep -Eqx '1[3-9][0-9]' '$H_TMP/status.list'"
echo "# $TRIALS faulty cycles in ${chaos_secs}s; exit statuses: $(sort "$H_TMP/status.list" | uniq -c | tr -s ' \n' ' ')"
echo "# faults: $(awk '{print $2}' "$plog" | sort | uniq -c | tr -s ' \n' ' ')"

# The proxy turns faithful: everything left is fetched.
echo none >"$ctl"
n=0
while [ "$(h_pop_count ivy)" -gt 0 ] && [ $n -lt 10 ]; do
	t_fetch_bounded 120
	n=$((n + 1))
done
h_check "faithful proxy: the mailbox is emptied" [ "$(h_pop_count ivy)" -eq 0 ]
h_check "Postfix's queue drained" h_postfix_wait_idle 60
t_tally "$H_TMP/orig/ivy" "$H_MAIL_ROOT/ivy" "$H_POP_MAILDIR_ROOT/ivy/Maildir"
t_figures proxy "$TRIALS" 0
h_check "no credential or message data in the fetcher log" \
    sh -c "! grep -q 'ivy-pw' '$H_TMP/fetcher.log'"
h_check "spool empty" [ -z "$(find "$H_TMP/spool" -type f 2>/dev/null)" ]
h_done
