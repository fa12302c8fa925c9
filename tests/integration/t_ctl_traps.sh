#!/bin/sh
# t_ctl_traps - what a first-day administrator falls into, each refused or
# explained (issue 15): the same ISP account added twice under two names
# (add, edit and check refuse it: every message would be delivered
# twice); "schedule set 15" (15 seconds: said, and refused without
# --force); route list of tab-separated texthash entries (the RECIPIENT
# column filled, no \x09); check with a tls_ca_file that does not exist;
# pop3s:// to the plain POP3 port (a hint, not OpenSSL's "wrong version
# number"); --password-file /dev/null (not "Invalid argument"); mailbox
# list of a global mailbox (no placeholder as DELIVER-TO); a one-shot
# fetch as root leaves no root-owned state (it runs as daemon_user).
# No popconn daemon runs; Dovecot does.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
h_dovecot_start "carol:carol-pw"
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
tls_ca_file = $H_CA
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

# --- 2. schedule set 15
cp "$E/popconn.cf" "$H_TMP/cf.before"
ctl schedule set 15 >"$H_TMP/out" 2>"$H_TMP/err"
h_check "schedule set 15: refused without --force (exit $?)" [ $? -eq 64 ]
h_check "schedule set 15: says it read 15 seconds, suggests 15m" \
    grep -q '15: read as 15 seconds.*did you mean 15m' "$H_TMP/err"
h_check "schedule set 15: popconn.cf unchanged" cmp -s "$H_TMP/cf.before" "$E/popconn.cf"
ctl schedule set 15 --force >"$H_TMP/out" 2>"$H_TMP/err"
h_check "schedule set 15 --force: set, and says 15 seconds" \
    grep -q '^schedule: every 15 (15 seconds)$' "$H_TMP/out"
ctl schedule set 90m >"$H_TMP/out" 2>"$H_TMP/err"
h_check "schedule set 90m: says 1 hour 30 minutes" \
    grep -q '^schedule: every 90m (1 hour 30 minutes)$' "$H_TMP/out"
ctl schedule set 30s --mailbox sales >"$H_TMP/out" 2>"$H_TMP/err"
h_check "schedule set 30s --mailbox: refused too (exit $?)" [ $? -eq 64 ]
ctl schedule set 15m --mailbox sales >"$H_TMP/out" 2>"$H_TMP/err"
h_check "schedule set 15m --mailbox: says 15 minutes" \
    grep -q '^schedule of sales: every 15m (15 minutes)$' "$H_TMP/out"

# --- 3. route list of a tab-separated texthash table
printf 'sales@example.test\tbob\n# comment\nlist@example.test   carol, dave\nlonely@example.test\n' >"$E/routing"
printf '/^info@/\tbob\n/^a b@/i  carol\n' >"$E/routing.pcre"
echo "routing_maps = texthash:$E/routing, pcre:$E/routing.pcre" >>"$E/popconn.cf"
ctl route list >"$H_TMP/routes" 2>"$H_TMP/err"
h_check "route list: no \\x09 shown" sh -c "! grep -q 'x09' '$H_TMP/routes'"
h_check "route list: tab-separated entry split (sales -> bob)" \
    grep -Eq "^texthash:$E/routing:1 +sales@example.test +bob\$" "$H_TMP/routes"
h_check "route list: spaces and a list as recipient" \
    grep -Eq "^texthash:$E/routing:3 +list@example.test +carol, dave\$" "$H_TMP/routes"
h_check "route list: a key without recipient says (none)" \
    grep -Eq "routing:4 +lonely@example.test +\(none\)\$" "$H_TMP/routes"
h_check "route list: pcre with a tab" \
    grep -Eq "routing.pcre:1 +/\^info@/ +bob\$" "$H_TMP/routes"
h_check "route list: pcre pattern with a space and flags" \
    grep -Eq "routing.pcre:2 +/\^a b@/i +carol\$" "$H_TMP/routes"
h_check "route list: header names the RECIPIENT column" \
    grep -Eq '^TABLE:LINE +PATTERN +RECIPIENT$' "$H_TMP/routes"
sed -i '/^routing_maps/d' "$E/popconn.cf"

# --- 4. check and a tls_ca_file that does not exist
ctl mailbox edit sales --tls-ca-file "$H_TMP/no-such-ca.pem" >/dev/null 2>&1
ctl check >"$H_TMP/out" 2>"$H_TMP/err"
h_check "check: a mailbox's missing tls_ca_file is an error (exit $?)" [ $? -eq 78 ]
h_check "check: names the mailbox and the file" \
    grep -q "mailbox sales: tls_ca_file $H_TMP/no-such-ca.pem: No such file" "$H_TMP/err"
ctl mailbox edit sales --unset tls_ca_file >/dev/null 2>&1
sed -i "s|^tls_ca_file = .*|tls_ca_file = $H_TMP/gone.pem|" "$E/popconn.cf"
ctl check >"$H_TMP/out" 2>"$H_TMP/err"
h_check "check: popconn.cf's missing tls_ca_file is an error (exit $?)" [ $? -eq 78 ]
h_check "check: says popconn.cf and the file" \
    grep -q "popconn.cf: tls_ca_file = $H_TMP/gone.pem: No such file" "$H_TMP/err"
sed -i "s|^tls_ca_file = .*|tls_ca_file = $H_CA|" "$E/popconn.cf"

# --- 5. pop3s:// to the plain POP3 port
add plainport "pop3s://carol@localhost:$H_POP3_PORT" >/dev/null 2>&1
ctl mailbox test plainport >"$H_TMP/out" 2>"$H_TMP/err"
rc=$?
h_check "pop3s:// to the POP3 port: fails (exit $rc)" [ $rc -ne 0 ]
h_check "pop3s:// to the POP3 port: the hint ($(cat "$H_TMP/err"))" \
    grep -q "did not answer TLS on port $H_POP3_PORT: is this the POP3 port? try pop3://localhost:110 for STLS" "$H_TMP/err"
h_check "pop3s:// to the POP3 port: no bare OpenSSL message" \
    sh -c "! grep -q 'wrong version number' '$H_TMP/err'"
ctl mailbox remove plainport >/dev/null 2>&1

# --- 6. --password-file /dev/null
ctl passwd sales --password-file /dev/null >"$H_TMP/out" 2>"$H_TMP/err"
h_check "--password-file /dev/null: refused (exit $?)" [ $? -eq 66 ]
h_check "--password-file /dev/null: says why, not Invalid argument ($(cat "$H_TMP/err"))" \
    sh -c "grep -q 'not a regular file' '$H_TMP/err' && grep -q 'or - to read it from standard input' '$H_TMP/err' && ! grep -q 'Invalid argument' '$H_TMP/err'"

# --- 7. mailbox list and a global mailbox
echo "pw" | ctl mailbox add catchall --type global \
    --url pop3s://all@other.example >/dev/null 2>&1
ctl mailbox list >"$H_TMP/list" 2>&1
h_check "mailbox list: global mailbox routed, no placeholder" \
    grep -Eq '^catchall +global +pop3s://all@other.example +\(routed by milter\)' "$H_TMP/list"
h_check "mailbox list: no postmaster placeholder" sh -c "! grep -q postmaster '$H_TMP/list'"
ctl mailbox list --json >"$H_TMP/list.json" 2>&1
h_check "mailbox list --json: routed true, deliver_to empty" \
    $H_PYTHON -c 'import json,sys; b=[x for x in json.load(open(sys.argv[1])) if x["name"]=="catchall"][0]; sys.exit(not (b["routed"] is True and b["deliver_to"] == ""))' "$H_TMP/list.json"
ctl mailbox remove catchall >/dev/null 2>&1

# --- 8. a one-shot fetch as root hands its files to daemon_user
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	h_seed carol 2 1 >/dev/null
	add carolbox "pop3s://carol@localhost:$H_POP3S_PORT" >/dev/null 2>&1
	sed -i '/^carolbox /d' "$E/passwords"; echo "carolbox carol-pw" >>"$E/passwords"
	chown nobody "$H_TMP/state" "$H_TMP/spool"
	chmod 0755 "$H_TMP" "$E"
	chmod 0644 "$H_CA" 2>/dev/null
	sed -i 's/^daemon_user =.*/daemon_user = nobody/' "$E/popconn.cf"
	echo "sendmail_path = $(p_fake_sendmail 0)" >>"$E/popconn.cf"
	chmod 0755 "$H_TMP/fake-sendmail-0"
	"$P_FETCHER" -f -1 -c "$E" carolbox >"$H_TMP/one.log" 2>&1
	rc=$?
	h_check "one-shot as root: exit 0 (got $rc: $(tail -n 2 "$H_TMP/one.log"))" [ $rc -eq 0 ]
	h_check "one-shot as root: no root-owned file in the state directory" \
	    sh -c "[ -z \"\$(find '$H_TMP/state' '$H_TMP/spool' -user root)\" ]"
	h_check "one-shot as root: the state file belongs to nobody" \
	    sh -c "[ \"\$(stat -c %U '$H_TMP/state/carolbox.uidl' 2>/dev/null || stat -c %U '$H_TMP/state/carolbox.journal')\" = nobody ]"
fi

h_done
