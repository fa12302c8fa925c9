#!/bin/sh
# t_daemon_reconfig - a configuration change while a mailbox is being
# fetched is safe: "mailbox remove", "mailbox edit" and a reload
# (popconnctl reload, SIGHUP) during a poll of a few hundred messages,
# the sessions held in mid-delivery by a sendmail that waits for a file.
# The daemon stays up (no crash, its pid file and socket in place),
# answers status, every message arrives once, and a removed mailbox
# disappears from status when its session has ended.  Run under
# SANITIZE=1 too (build/san): the session's end once freed a mailbox
# entry that was never set up.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
h_dovecot_start "erin:erin-pw frank:frank-pw gina:gina-pw"
h_postfix_start example.test "erin frank gina"
HOLD=$H_TMP/hold
mkdir -p "$H_TMP/bin"
cat >"$H_TMP/bin/sendmail" <<EOT
#!/bin/sh
# waits while $HOLD exists, then delivers
while [ -e "$HOLD" ]; do sleep 0.05; done
exec /usr/sbin/sendmail "\$@"
EOT
chmod 755 "$H_TMP/bin/sendmail"
P_EXTRA_CF="poll_interval = 1h
sendmail_path = $H_TMP/bin/sendmail"
p_config
E=$P_ETC
ctl() { "$CTL" -c "$E" "$@"; }
log=$H_TMP/daemon.log
N=300
for u in erin frank gina; do
	h_seed "$u" "$N" 1 >/dev/null
	printf '%s-pw\n' "$u" | ctl mailbox add "$u" --type user \
	    --url "pop3s://$u@localhost:$H_POP3S_PORT" \
	    --deliver-to "$u@example.test" >/dev/null 2>&1
done
alive() { _h_alive "$P_DAEMON_PID"; }
polling() { [ "$(d_status "$1" state)" = polling ]; }
gone() { [ -z "$(d_status "$1" state)" ]; }
idle() { [ "$(d_status "$1" state)" = idle ]; }
delivered() { [ "$(h_mail_count "$1")" -eq "$2" ]; }
ok_daemon() {
	alive && [ -S "$H_TMP/fetcher.sock" ] && [ -s "$H_TMP/fetcher.pid" ] &&
	    [ -n "$(d_status - pid)" ]
}
# hold_poll NAME: start a poll of NAME that is held in its first delivery
hold_poll() {
	: >"$HOLD"
	p_ctl fetch "$1" >/dev/null 2>&1
	d_wait 20 polling "$1" && sleep 1
}

set +e
: >"$HOLD"		# the start-up polls wait too
h_check "daemon starts" p_daemon_start
h_check "erin: polling, held in delivery" d_wait 20 polling erin

# 1. remove a mailbox in mid-session: its session stops after the
# message in hand; what it delivered is recorded, the rest stays on the
# server.
ctl mailbox remove erin >"$H_TMP/rm.out" 2>&1
h_check "remove during the poll: accepted ($(cat "$H_TMP/rm.out"))" [ $? -eq 0 ]
h_check "remove: the worker is asked to stop" d_wait 20 grep -q \
    'acct=erin: mailbox removed during its session' "$log"
rm -f "$HOLD"
h_check "remove: the session ends" d_wait 120 grep -Eq \
    'acct=erin: session=(done|deferred|failed)' "$log"
sleep 1
h_check "remove: the daemon is still up (pid, socket, status)" ok_daemon
h_check "remove: erin no longer in status" gone erin
h_postfix_wait_idle 60
left=$(h_pop_count erin); got=$(h_mail_count erin)
h_check "remove: delivered ($got) + left on the server ($left) = $N" \
    [ $((got + left)) -eq "$N" ]
h_compare erin >"$H_TMP/cmp.out" 2>&1
h_check "remove: nothing delivered twice or altered ($(tail -n 1 "$H_TMP/cmp.out"))" \
    grep -q 'duplicated=0 altered=0' "$H_TMP/cmp.out"
d_wait 120 idle frank; d_wait 120 idle gina

# 2. edit a mailbox in mid-session
h_seed frank "$N" 2 >/dev/null
hold_poll frank
ctl mailbox edit frank -o size_limit=50m >"$H_TMP/ed.out" 2>&1
h_check "edit during the poll: accepted ($(cat "$H_TMP/ed.out"))" [ $? -eq 0 ]
rm -f "$HOLD"
h_check "edit: the session ends" d_wait 120 idle frank
h_check "edit: the daemon is still up" ok_daemon
h_check "edit: all $((2 * N)) delivered" d_wait 60 delivered frank $((2 * N))

# 3. reload (popconnctl reload, then SIGHUP) in mid-session
h_seed gina "$N" 2 >/dev/null
hold_poll gina
echo "# changed" >>"$E/popconn.cf"
ctl reload >/dev/null 2>&1
kill -HUP "$P_DAEMON_PID"
printf 'frank-pw\n' | ctl mailbox add frank2 --type user \
    --url "pop3://frank@localhost:$H_POP3_PORT" -o tls=none \
    --deliver-to frank@example.test >/dev/null 2>&1
ctl mailbox remove frank2 >/dev/null 2>&1
rm -f "$HOLD"
h_check "reload: the session ends" d_wait 120 idle gina
h_check "reload: the daemon is still up" ok_daemon
h_check "reload: all $((2 * N)) delivered" d_wait 60 delivered gina $((2 * N))

# 4. remove the mailbox, and add it back, while its session runs
h_seed gina 50 3 >/dev/null
hold_poll gina
ctl mailbox remove gina >/dev/null 2>&1
printf 'gina-pw\n' | ctl mailbox add gina --type user \
    --url "pop3s://gina@localhost:$H_POP3S_PORT" \
    --deliver-to gina@example.test >/dev/null 2>&1
rm -f "$HOLD"
h_check "remove and add back: the daemon is still up" ok_daemon
p_ctl fetch gina >/dev/null 2>&1
h_check "remove and add back: the rest arrives" \
    d_wait 120 delivered gina $((2 * N + 50))
h_check "remove and add back: the daemon is still up" ok_daemon
h_postfix_wait_idle 60
for u in frank gina; do
	h_check "$u: each message once, byte-identical" h_compare "$u"
done
h_check "no sanitizer report or crash in the log" \
    sh -c "! grep -Eq 'AddressSanitizer|runtime error|Segmentation|worker died' '$log'"
d_stop 30
h_check "stops cleanly (exit $D_EXIT)" [ "${D_EXIT:-1}" -eq 0 ]
h_done
