#!/bin/sh
# t_daemon_faults - the daemon when delivery goes wrong, over several
# polls: sendmail exiting 75 and then 0 (delivered exactly once, later);
# sendmail refusing one message with 69 (kept on the server, reported,
# given up after max_delivery_attempts while new mail still flows);
# Postfix stopped (nothing lost, delivered once it runs again); keep=yes
# with keep_days=1 (deleted from the server once old enough, never
# delivered again).
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

h_init
h_ca
h_dovecot_start "carol:carol-pw dave:dave-pw"
h_postfix_start example.test "carol dave"
d_sendmail_wrap
P_EXTRA_CF="poll_interval = 2s
retry_min = 1s
max_delivery_attempts = 2
sendmail_path = $D_SENDMAIL"
p_config
p_password carol carol-pw
p_password dave dave-pw
p_mailbox "carol user pop3s://carol@localhost:$H_POP3S_PORT carol@example.test"
log=$H_TMP/daemon.log
calls=$D_SMCTL/calls

delivered() { [ "$(h_mail_count "$1")" -eq "$2" ]; }
on_server() { [ "$(h_pop_count "$1")" -eq "$2" ]; }
ncalls() { grep -c "^$1 " "$calls" || true; }
calls_at_least() { [ "$(ncalls "$1")" -ge "$2" ]; }

# Setup is done: from here on every check runs, even after a failure.
set +e

# -------------------------------------------- 1. sendmail 75, then 0
touch "$D_SMCTL/tempfail"
h_seed carol 3 1 >/dev/null
h_check "daemon starts" p_daemon_start
h_check "sendmail 75: tried on at least two polls" d_wait 20 calls_at_least 75 2
h_check "sendmail 75: nothing delivered" delivered carol 0
h_check "sendmail 75: all 3 still on the server" on_server carol 3
h_check "sendmail 75: logged as deferred" grep -q 'acct=carol:.*status=deferred' "$log"
deferred_status() {
	[ "$(d_status carol result)" = deferred ] &&
	    [ "$(d_status carol failures)" -ge 1 ] &&
	    d_status carol last_error | grep -q 'status 75'
}
h_check "sendmail 75: status says deferred, failures >= 1, last_error names 75" \
    d_wait 10 deferred_status
retry_soon() {
	_np=$(d_status carol next_poll)
	[ "$_np" = 0 ] || [ $((_np - $(date +%s))) -le 10 ]
}
h_check "sendmail 75: retried soon (retry_min 1 s): next_poll within 10 s" retry_soon
rm -f "$D_SMCTL/tempfail"
t0=$(date +%s)
if d_wait 30 delivered carol 3; then
	h_ok "sendmail 0 again: the 3 delivered $(($(date +%s) - t0)) s later, on its own"
else
	h_not_ok "sendmail 0 again: the 3 delivered on their own (have $(h_mail_count carol))"
fi
h_check "sendmail 75 then 0: each of the 3 delivered exactly once" h_compare carol
h_check "sendmail 75 then 0: sendmail succeeded exactly 3 times" [ "$(ncalls 0)" -eq 3 ]
h_check "server emptied" d_wait 10 on_server carol 0
status_ok() {
	[ "$(d_status carol result)" = ok ] && [ "$(d_status carol failures)" = 0 ]
}
h_check "status: ok again, failures reset" d_wait 10 status_ok

# ------------------------------- 2. one message refused (69), poison
# sendmail refuses the message holding the Message-ID of the 2nd one.
mkdir -p "$H_TMP/poison"
python3 "$H_LIB_DIR/seed.py" --user carol --count 4 --seed 2 \
    --to carol@example.test --orig "$H_TMP/poison" >/dev/null
poison_id=$(d_msgid "$H_TMP/poison/000002-s2.eml")
printf '%s\n' "$poison_id" >"$D_SMCTL/refuse"
h_seed carol 4 2 >/dev/null
p_ctl fetch-wait carol >"$H_TMP/fw" 2>&1 || true
h_check "poison: fetch-wait ends with an error ($(tail -n 1 "$H_TMP/fw"))" \
    grep -q '^error: ' "$H_TMP/fw"
h_check "poison: its end event reports failed=1" \
    grep -q '"event":"end".*"failed":1[,}]' "$H_TMP/fw"
h_check "poison: refused twice (max_delivery_attempts = 2)" \
    d_wait 20 sh -c "[ \$(grep -c '^69 ' '$calls') -ge 2 ]"
h_check "poison: the 3 others delivered" d_wait 20 delivered carol 6
h_check "poison: logged as failed" \
    grep -q 'acct=carol:.*status=failed' "$log"
h_check "poison: the log says it is given up" \
    d_wait 10 grep -q 'acct=carol: uidl=.*refused 2 times; no further attempts' "$log"
sleep 5		# two more polls at least
h_check "poison: later polls say it is left on the server" \
    grep -q 'acct=carol: uidl=.*refused by sendmail 2 times; left on the server' "$log"
h_check "poison: never offered to sendmail a third time" [ "$(ncalls 69)" -eq 2 ]
h_check "poison: the only message left on the server" on_server carol 1
h_check "poison: the mailbox's polls are ok again (result ok)" d_wait 10 status_ok
h_seed carol 2 3 >/dev/null
h_check "poison: new mail still flows (8 delivered)" d_wait 20 delivered carol 8
mkdir -p "$H_TMP/orig-nopoison"
cp "$H_TMP/orig/carol/"* "$H_TMP/orig-nopoison/"
rm -f "$H_TMP/orig-nopoison/000002-s2.eml"
h_check "poison: every other message delivered exactly once" \
    h_compare carol "$H_TMP/orig-nopoison"
h_check "poison: still on the server" on_server carol 1

# --------------------------------------------- 3. Postfix stopped
pfpid=$H_POSTFIX_PID
/usr/sbin/postfix -c "$H_POSTFIX_CONF" stop >/dev/null 2>&1 || true
h_check "Postfix stopped" _h_wait_gone 10 "$pfpid"
n0=$(wc -l <"$calls")
python3 "$H_LIB_DIR/seed.py" --user carol --count 3 --seed 4 \
    --to carol@example.test --orig "$H_TMP/orig-nopoison" >/dev/null
h_seed carol 3 4 >/dev/null
# Wait for polls to try them (sendmail exits 0 into the maildrop queue,
# or 75; either way nothing may be lost).
h_check "Postfix stopped: the daemon tried the 3 new messages" \
    d_wait 20 sh -c "[ \$(tail -n +$((n0 + 1)) '$calls' | grep -vc '^69 ') -ge 3 ]"
sleep 3
left=$(h_pop_count carol)
queued=$(find "$H_POSTFIX_SPOOL/maildrop" -type f | wc -l)
h_check "Postfix stopped: nothing lost (on server $left - 1 poison, in maildrop $queued; want 3)" \
    [ $((left - 1 + queued)) -eq 3 ]
h_check "Postfix stopped: nothing delivered meanwhile" delivered carol 8
h_spawn pfstart /usr/sbin/postfix -c "$H_POSTFIX_CONF" start
h_check "Postfix started again" [ "$(h_spawn_wait pfstart 30)" = 0 ]
newpf=$(sed -n '1s/ //gp' "$H_POSTFIX_SPOOL/pid/master.pid" 2>/dev/null)
[ -n "$newpf" ] && h_track_pid "$newpf"
h_at_cleanup "timeout 8 /usr/sbin/postfix -c '$H_POSTFIX_CONF' stop >/dev/null 2>&1 || true"
kicked_delivered() {
	postkick -c "$H_POSTFIX_CONF" public pickup W >/dev/null 2>&1 || true
	[ "$(h_mail_count carol)" -ge 11 ]
}
h_check "Postfix running: the 3 delivered on a later poll (11)" \
    d_wait 40 kicked_delivered
h_postfix_wait_idle 30 || true
h_check "Postfix stopped then started: all delivered exactly once" \
    h_compare carol "$H_TMP/orig-nopoison"
h_check "Postfix stopped then started: server holds only the poison message" \
    d_wait 10 on_server carol 1

# --------------------------------------------- 4. keep=yes, keep_days=1
h_seed dave 3 1 >/dev/null
p_mailbox "dave user pop3s://dave@localhost:$H_POP3S_PORT dave@example.test" \
    "  -o keep=yes" "  -o keep_days=1"
kill -HUP "$P_DAEMON_PID"
h_check "keep: dave's 3 delivered" d_wait 20 delivered dave 3
sleep 5		# more polls: kept, not delivered again
h_check "keep: all 3 still on the server after several polls" on_server dave 3
h_check "keep: not delivered again" h_compare dave
stop_ok() { d_stop 15 && [ "$D_EXIT" = 0 ]; }
h_check "daemon stops for the state edit, exit 0" stop_ok
h_check "state parses before the edit" d_state_check "$H_TMP/state"
h_check "keep: dave's delivery times moved 2 days back" \
    d_state_age "$H_TMP/state" dave 172800
h_check "daemon restarts" p_daemon_start
h_check "keep_days=1: the 3 deleted from the server on the next poll" \
    d_wait 20 on_server dave 0
h_check "keep_days=1: logged" \
    grep -q 'acct=dave: uidl=.*kept 1 days: deleted from the server' "$log"
h_postfix_wait_idle 30 || true
h_check "keep_days=1: not delivered again" h_compare dave
h_check "carol still delivered exactly once" h_compare carol "$H_TMP/orig-nopoison"
h_check "daemon exits 0 on SIGTERM" stop_ok
h_check "state files parse" d_state_check "$H_TMP/state"
h_done
