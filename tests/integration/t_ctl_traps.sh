#!/bin/sh
# t_ctl_traps - what a first-day administrator falls into, each refused or
# explained by popconnctl (issue 15): the same ISP account added twice
# under two names (add, edit and check refuse it: every message would be
# delivered twice).  No daemon runs.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
E=$H_TMP/etc
mkdir -p "$E" "$H_TMP/state" "$H_TMP/spool"
chmod 700 "$H_TMP/state"
ctl() { "$CTL" -c "$E" "$@"; }
cat >"$E/popconn.cf" <<EOT
state_directory = $H_TMP/state
spool_directory = $H_TMP/spool
control_socket = $H_TMP/fetcher.sock
milter_pid_file = $H_TMP/milter.pid
pid_file = $H_TMP/fetcher.pid
local_domains = example.test
daemon_user =
EOT
: >"$E/mailboxes.cf"
: >"$E/passwords"
chmod 600 "$E/passwords"
# add NAME URL [ARGS...]: a user mailbox with a password on stdin
add() {
	_n=$1 _u=$2
	shift 2
	echo "pw-$_n" | ctl mailbox add "$_n" --type user --url "$_u" \
	    --deliver-to "$_n@example.test" "$@"
}

# --- 1. the same ISP account twice
add office pop3s://office@mail.example:11995 >/dev/null 2>&1
add office2 pop3s://office@MAIL.example:11995 >"$H_TMP/out" 2>"$H_TMP/err"
h_check "add: same user, host and port under another name refused (exit $?)" \
    [ $? -eq 65 ]
h_check "add: says which mailbox already fetches it" \
    grep -q 'mailbox office (.*line 1) already fetches this account' "$H_TMP/err"
h_check "add: nothing written" sh -c "! grep -q office2 '$E/mailboxes.cf' '$E/passwords'"
h_check "add: another port is another account" \
    add office3 pop3s://office@mail.example:995
h_check "add: another user at the same server is fine" \
    add sales pop3s://sales@mail.example:11995
ctl mailbox edit sales --url pop3s://office@mail.example:11995 >"$H_TMP/out" 2>"$H_TMP/err"
h_check "edit: turning sales into office's account refused (exit $?)" [ $? -eq 65 ]
h_check "edit: sales unchanged" grep -q '^sales user pop3s://sales@mail.example:11995' "$E/mailboxes.cf"
h_check "edit: a mailbox may keep its own account" \
    ctl mailbox edit office --keep
# by hand: check must find it
printf 'dup user pop3s://office@mail.example:11995 dup@example.test\n' >>"$E/mailboxes.cf"
echo "dup pw-dup" >>"$E/passwords"
ctl check >"$H_TMP/out" 2>"$H_TMP/err"
rc=$?
h_check "check: the same account twice is an error (exit $rc)" [ $rc -eq 78 ]
h_check "check: names both mailboxes" \
    grep -q 'mailbox dup fetches the same account as office' "$H_TMP/err"
sed -i '/^dup /d' "$E/mailboxes.cf" "$E/passwords"
ctl check >"$H_TMP/out" 2>"$H_TMP/err"
h_check "check: clean again (exit $?: $(cat "$H_TMP/err"))" [ $? -eq 0 ]

h_done
