#!/bin/sh
# t_torture_sendmail - sendmail and Postfix misbehave during fetch cycles.
# sendmail is replaced by a wrapper that, at random, delivers (the real
# /usr/sbin/sendmail), exits 75 (temporary), exits 69, 70 or 77
# (refused: counted towards max_delivery_attempts), kills itself with
# SIGKILL, or hangs (delivery_timeout = 2s kills it); always before
# handing the message to Postfix, so no duplicate may result.  Between
# cycles Postfix is stopped, started or reloaded at random.  Then, with a
# well-behaved sendmail and Postfix running, the mailboxes are emptied.
# Everything must be delivered exactly once, except the messages refused
# max_delivery_attempts (2) times: those must still be on the server
# ("stuck", and exactly the ones the wrapper refused twice).
#
#   TRIALS=300 sh tests/integration/t_torture_sendmail.sh
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/torture.sh"

TRIALS=${TRIALS:-15}
BATCH=${BATCH:-6}
MAXATT=2

h_init
h_ca
h_dovecot_start "jo:jo-pw kai:kai-pw"
h_postfix_start example.test "jo kai"
h_at_cleanup "timeout 8 /usr/sbin/postfix -c '$H_POSTFIX_CONF' stop >/dev/null 2>&1 || true"

SM=$H_TMP/chaos
mkdir -p "$SM"
: >"$SM/calls"
cat >"$SM/sendmail" <<EOS
#!/bin/sh
# chaos sendmail (t_torture_sendmail.sh)
d=$SM
msg=\$(mktemp \$d/msg.XXXXXX) || exit 75
cat >"\$msg"
id=\$(sed -n '/^\$/q; s/^[Mm][Ee][Ss][Ss][Aa][Gg][Ee]-[Ii][Dd]: *//p' "\$msg" | head -n 1)
if [ -e "\$d/normal" ]; then r=0; else r=\$(( \$(od -An -N2 -tu2 /dev/urandom) % 100 )); fi
act=deliver
if [ \$r -ge 50 ]; then
	case \$(( (r - 50) / 7 )) in
	0) act=75 ;; 1) act=69 ;; 2) act=70 ;; 3) act=77 ;; 4) act=kill ;;
	5) act=hang ;; *) act=deliver ;;
	esac
fi
echo "\$act \$id" >>"\$d/calls"
case \$act in
deliver) /usr/sbin/sendmail "\$@" <"\$msg"; st=\$?; rm -f "\$msg"
	[ \$st -eq 0 ] || echo "deliver-failed-\$st \$id" >>"\$d/calls"
	exit \$st ;;
kill) rm -f "\$msg"; kill -9 \$\$ ;;
hang) rm -f "\$msg"; exec sleep 20.0417 ;;
*) rm -f "\$msg"; exit \$act ;;
esac
EOS
chmod 755 "$SM/sendmail"

P_EXTRA_CF="sendmail_path = $SM/sendmail
delivery_timeout = 2s
max_delivery_attempts = $MAXATT
command_timeout = 10s"
p_config
p_password jo jo-pw
p_password kai kai-pw
p_mailbox "jo user pop3://jo@localhost:$H_POP3_PORT jo@example.test"
p_mailbox "kai user pop3s://kai@localhost:$H_POP3S_PORT kai@example.test"

pf_running() {
	_p=$(sed -n '1s/ //gp' "$H_POSTFIX_SPOOL/pid/master.pid" 2>/dev/null)
	[ -n "$_p" ] && _h_alive "$_p" && [ "$(_h_comm "$_p")" = master ]
}
pf() { timeout 30 /usr/sbin/postfix -c "$H_POSTFIX_CONF" "$1" >>"$H_TMP/postfix-ctl.log" 2>&1 || true; }

set +e
batches=0
stops=0 starts=0 reloads=0
t0=$(date +%s)
i=0
while [ $i -lt "$TRIALS" ]; do
	if [ $(($(h_pop_count jo) + $(h_pop_count kai))) -lt 4 ]; then
		batches=$((batches + 1))
		h_seed jo "$BATCH" "$batches" >/dev/null
		h_seed kai "$BATCH" "$((batches + 500))" >/dev/null
	fi
	case $(t_rand 10) in
	0|1) if pf_running; then pf stop; stops=$((stops + 1)); fi ;;
	2|3) if ! pf_running; then pf start; starts=$((starts + 1)); fi ;;
	4) if pf_running; then pf reload; reloads=$((reloads + 1)); fi ;;
	esac
	t_fetch_bounded 90
	echo "$P_STATUS" >>"$H_TMP/status.list"
	i=$((i + 1))
done
echo "# $TRIALS cycles in $(($(date +%s) - t0))s; postfix stop=$stops start=$starts reload=$reloads"
echo "# sendmail actions: $(awk '{print $1}' "$SM/calls" | sort | uniq -c | tr -s ' \n' ' ')"
echo "# fetch exit statuses: $(sort "$H_TMP/status.list" | uniq -c | tr -s ' \n' ' ')"
h_check "no fetch cycle hung or crashed" \
    sh -c "! grep -Eqx '124|1[3-9][0-9]' '$H_TMP/status.list'"
h_check "no sendmail left hanging (delivery_timeout killed them)" \
    sh -c "! pgrep -fx 'sleep 20.0417' >/dev/null"

# Back to normal: Postfix running, sendmail well-behaved.
pf_running || pf start
touch "$SM/normal"
n=0
while [ $(($(h_pop_count jo) + $(h_pop_count kai))) -gt 0 ] && [ $n -lt 6 ]; do
	t_fetch_bounded 120
	n=$((n + 1))
done
h_check "Postfix's queue drained" h_postfix_wait_idle 60

# Expected stuck: Message-IDs the wrapper refused MAXATT times.
want_stuck=$(awk '$1 == 69 || $1 == 70 || $1 == 77 { n[$2]++ } END { s = 0; for (m in n) if (n[m] >= '$MAXATT') s++; print s }' "$SM/calls")
over=$(awk '$1 == 69 || $1 == 70 || $1 == 77 { n[$2]++ } END { s = 0; for (m in n) if (n[m] > '$MAXATT') s++; print s }' "$SM/calls")
h_check "no message offered to sendmail after $MAXATT refusals ($over)" [ "$over" -eq 0 ]
t_tally "$H_TMP/orig/jo $H_TMP/orig/kai" "$H_MAIL_ROOT/jo $H_MAIL_ROOT/kai" \
    "$H_POP_MAILDIR_ROOT/jo/Maildir $H_POP_MAILDIR_ROOT/kai/Maildir"
t_figures sendmail "$TRIALS" 0 "$want_stuck"
h_check "the stuck ones are logged as left for the administrator" \
    sh -c "[ $want_stuck -eq 0 ] || grep -q 'no further attempts' '$H_TMP/fetcher.log'"
h_check "no bounce, no deferral to a non-existent user" \
    sh -c "! grep -q 'status=bounced' '$H_MAILLOG'"
h_done
