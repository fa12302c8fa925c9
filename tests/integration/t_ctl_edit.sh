#!/bin/sh
# t_ctl_edit - popconnctl edits the files in place: add/edit/remove round
# trips keep every unrelated line and comment byte for byte (diff against
# expected files); passwords never show in argv and stay mode 0600; a kill
# in the middle of an edit leaves the old or the new file; schedule,
# log-level, undeliverable and route edits; check reports a 0644 passwords
# file and an unknown popconn.cf key with file and line.  No daemon runs:
# every verb must say so and still save the change.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
E=$H_TMP/etc
mkdir -p "$E"
ctl() { "$CTL" -c "$E" "$@"; }

cat >"$E/popconn.cf" <<EOT
# popconn.cf written by hand
state_directory = $H_TMP/state
spool_directory = $H_TMP/spool
control_socket = $H_TMP/fetcher.sock
milter_pid_file = $H_TMP/milter.pid

# the schedule
poll_interval = 15m
local_domains = example.test,
    other.test
log_level = medium
EOT
printf '# mailboxes, by hand\r\n\r\nbob user pop3s://bob@mail.example bob@example.test\r\n  -o keep=yes\r\n# carol is next\r\ncarol user pop3s://carol@mail.example' >"$E/mailboxes.cf"
printf '# secrets\nbob bob-pw\n  carol carol pw\n' >"$E/passwords"
chmod 600 "$E/passwords"
cp "$E/popconn.cf" "$H_TMP/popconn.cf.orig"
cp "$E/mailboxes.cf" "$H_TMP/mailboxes.cf.orig"
cp "$E/passwords" "$H_TMP/passwords.orig"

# --- mailbox add: appended in the file's own line ends, the rest intact.
printf 's3cret-alice\n' | ctl mailbox add alice --type user \
    --url pop3s://alice@mail.example:995 --deliver-to alice@example.test \
    --keep=7 --auth plain >"$H_TMP/out" 2>"$H_TMP/err"
h_check "add: exit 0" [ $? -eq 0 ]
h_check "add: says the fetcher is not running" \
    grep -q 'fetcher is not running' "$H_TMP/err"
{
	cat "$H_TMP/mailboxes.cf.orig"
	printf '\r\nalice user pop3s://alice@mail.example:995 alice@example.test\r\n  -o keep=yes\r\n  -o keep_days=7\r\n  -o auth=plain\r\n'
} >"$H_TMP/expect"
h_check "add: mailboxes.cf is the old file plus the entry (CRLF)" \
    cmp "$H_TMP/expect" "$E/mailboxes.cf"
{ cat "$H_TMP/passwords.orig"; echo "alice s3cret-alice"; } >"$H_TMP/expect"
h_check "add: passwords has the new line, the rest intact" \
    cmp "$H_TMP/expect" "$E/passwords"
h_check "add: passwords is mode 0600" \
    [ "$(stat -c %a "$E/passwords")" = 600 ]
h_check "add: a second add of the same name is refused" \
    sh -c "! printf 'x\n' | '$CTL' -c '$E' mailbox add alice --type user --url pop3s://a@b 2>/dev/null"
h_check "add: an unknown -o is refused, nothing written" sh -c \
    "! printf 'x\n' | '$CTL' -c '$E' mailbox add dan --type user --url pop3s://d@b -o colour=red 2>/dev/null && ! grep -q dan '$E/mailboxes.cf' '$E/passwords'"

# --- mailbox edit: only that entry changes, in place.
ctl mailbox edit bob --no-keep --size-limit 10m --deliver-to bobby@example.test 2>/dev/null
printf '# mailboxes, by hand\r\n\r\nbob user pop3s://bob@mail.example bobby@example.test\r\n  -o keep=no\r\n  -o size_limit=10m\r\n# carol is next\r\ncarol user pop3s://carol@mail.example\r\nalice user pop3s://alice@mail.example:995 alice@example.test\r\n  -o keep=yes\r\n  -o keep_days=7\r\n  -o auth=plain\r\n' >"$H_TMP/expect"
h_check "edit: bob replaced in place, comments and others intact" \
    cmp "$H_TMP/expect" "$E/mailboxes.cf"
ctl mailbox list --json >"$H_TMP/list.json"
h_check "list --json parses and holds 3 mailboxes" "$H_PYTHON" -c "
import json,sys; d=json.load(open('$H_TMP/list.json')); sys.exit(len(d)!=3 or d[0]['options']['size_limit']!='10m')"
h_check "show: names where each setting comes from" \
    sh -c "'$CTL' -c '$E' mailbox show bob | grep -q 'size_limit *= 10m.*mailboxes.cf, line 5'"

# --- remove: back to the original bytes (plus the CRLF the add gave carol).
mkdir -p "$H_TMP/state"
for x in uidl auth oauth; do echo state >"$H_TMP/state/alice.$x"; done
ctl mailbox remove alice --keep-state >/dev/null 2>&1
h_check "remove: exit 0" [ $? -eq 0 ]
h_check "remove --keep-state: the UIDL state is kept" [ -f "$H_TMP/state/alice.uidl" ]
h_check "remove: the remembered mechanism and the OAuth token cache go with the password" \
    sh -c "[ ! -e '$H_TMP/state/alice.auth' ] && [ ! -e '$H_TMP/state/alice.oauth' ]"
h_check "remove: passwords is the original again" \
    cmp "$H_TMP/passwords.orig" "$E/passwords"
h_check "remove: alice gone from mailboxes.cf" \
    sh -c "! grep -q alice '$E/mailboxes.cf'"
h_check "remove: a missing mailbox is an error" \
    sh -c "! '$CTL' -c '$E' mailbox remove nobody 2>/dev/null"

# --- passwd: never in argv, never in a readable file.
(sleep 1; echo "Top-Secret-77") | "$CTL" -c "$E" passwd bob >/dev/null 2>&1 &
pw_pid=$!
sleep 0.3
ctl_pid=$(pgrep -n -f "popconnctl -c $E passwd bob" || true)
h_check "passwd: running while it waits for the password" [ -n "$ctl_pid" ]
h_check "passwd: the password is not in its command line" \
    sh -c "! tr '\\0' ' ' </proc/$ctl_pid/cmdline | grep -q Top-Secret-77"
wait $pw_pid
h_check "passwd: exit 0" [ $? -eq 0 ]
h_check "passwd: stored" grep -q '^bob Top-Secret-77$' "$E/passwords"
h_check "passwd: passwords still 0600" [ "$(stat -c %a "$E/passwords")" = 600 ]
h_check "passwd: in no other file" \
    sh -c "[ \$(grep -rl Top-Secret-77 '$H_TMP' | grep -v '^$E/passwords\$' | wc -l) -eq 0 ]"
h_check "passwd: unknown mailbox refused" \
    sh -c "! echo x | '$CTL' -c '$E' passwd nobody 2>/dev/null"

# --- schedule round trip.
ctl schedule set 5m >/dev/null 2>&1
sed 's/^poll_interval = 15m$/poll_interval = 5m/' "$H_TMP/popconn.cf.orig" >"$H_TMP/expect"
h_check "schedule set 5m: only that line changed" cmp "$H_TMP/expect" "$E/popconn.cf"
ctl schedule set --at 07:00,12:00,17:30 >/dev/null 2>&1
h_check "schedule set --at: poll_times appended" \
    sh -c "tail -1 '$E/popconn.cf' | grep -qx 'poll_times = 07:00,12:00,17:30'"
ctl schedule set 15m >/dev/null 2>&1
h_check "schedule set 15m: back to the original file" \
    cmp "$H_TMP/popconn.cf.orig" "$E/popconn.cf"
ctl schedule set --at 06:45 --mailbox carol >/dev/null 2>&1
h_check "schedule --mailbox: -o poll_times on carol" \
    grep -q '  -o poll_times=06:45' "$E/mailboxes.cf"
h_check "schedule show lists carol's times" \
    sh -c "'$CTL' -c '$E' schedule show | grep -q '^carol .*06:45'"
h_check "schedule: a bad time is refused" \
    sh -c "! '$CTL' -c '$E' schedule set --at 24:00 2>/dev/null"
h_check "schedule: a bad interval is refused" \
    sh -c "! '$CTL' -c '$E' schedule set 0s 2>/dev/null"

# --- log-level and undeliverable.
ctl log-level maximum >/dev/null 2>&1
h_check "log-level: persisted" grep -qx 'log_level = maximum' "$E/popconn.cf"
h_check "log-level: a bad level refused" sh -c "! '$CTL' -c '$E' log-level loud 2>/dev/null"
ctl undeliverable lost@example.test >/dev/null 2>"$H_TMP/err"
h_check "undeliverable: set" grep -qx 'undeliverable_mailbox = lost@example.test' "$E/popconn.cf"
h_check "undeliverable: says the milter is not running" grep -q 'milter is not running' "$H_TMP/err"
h_check "undeliverable: shows it" [ "$(ctl undeliverable)" = lost@example.test ]

# --- routes.
ctl route add list@treyresearch.net chris >/dev/null 2>&1
h_check "route add: routing file created" grep -q '^list@treyresearch.net	chris$' "$E/routing"
h_check "route add: routing_maps set" grep -q "^routing_maps = texthash:$E/routing\$" "$E/popconn.cf"
ctl route add '/^sales@/' pat --pcre >/dev/null 2>&1
ctl route add '@treyresearch\.net$' joe --pcre >/dev/null 2>&1
h_check "route add --pcre: both rules in routing.pcre" \
    [ "$(grep -c . "$E/routing.pcre")" -eq 2 ]
ctl route add '/a(b/' x --pcre >/dev/null 2>"$H_TMP/err"
h_check "route add: bad regex refused" [ $? -ne 0 ]
h_check "route add: bad regex error names the position" \
    grep -q 'at position 3' "$H_TMP/err"
ctl route list >"$H_TMP/routes"
h_check "route list: 3 rules" [ "$(grep -c -e '^texthash:' -e '^pcre:' "$H_TMP/routes")" -eq 3 ]
ctl route remove '/^sales@/' --pcre >/dev/null 2>&1
h_check "route remove: gone" sh -c "! grep -q sales '$E/routing.pcre'"
if [ -f "$TOP/plugin/route.c" ]; then
	printf 'To: list@treyresearch.net\nSubject: x\n\nbody\n' >"$H_TMP/m1"
	ctl route test "$H_TMP/m1" >"$H_TMP/rt" 2>&1
	h_check "route test: via the texthash table" \
	    grep -q 'chris.*texthash:.*routing:1' "$H_TMP/rt"
	printf 'To: someone@elsewhere.example\n\nbody\n' | ctl route test - >"$H_TMP/rt" 2>&1
	h_check "route test: undeliverable" grep -q '^undeliverable: lost@example.test' "$H_TMP/rt"
fi

# --- a kill -9 during an edit leaves the old file or the new one.
i=0; bad=0
while [ $i -lt 20 ]; do
	before=$(cat "$E/popconn.cf")
	timeout -s KILL "0.00$((i % 9 + 1))" "$CTL" -c "$E" schedule set "$((i + 2))m" >/dev/null 2>&1
	after=$(cat "$E/popconn.cf")
	if [ "$before" != "$after" ] && ! printf '%s\n' "$after" | grep -qx "poll_interval = $((i + 2))m"; then
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
h_check "kill -9 during edits: always the old or the new file" [ $bad -eq 0 ]
# (A kill between create and rename leaves a popconn.cf.tmp.PID.N file
# behind; the daemons never read it.)
rm -f "$E"/*.tmp.*

# --- check.
ctl check >"$H_TMP/out" 2>"$H_TMP/err"
h_check "check: clean configuration passes (got $?)" [ $? -eq 0 ] || cat "$H_TMP/err"
chmod 644 "$E/passwords"
echo "colour = blue" >>"$E/popconn.cf"
ctl check >"$H_TMP/out" 2>"$H_TMP/err"
h_check "check: exit 78 on errors" [ $? -eq 78 ]
h_check "check: 0644 passwords named" grep -q "$E/passwords: mode 0644" "$H_TMP/err"
n=$(grep -c '' "$E/popconn.cf")
h_check "check: unknown key with file and line" \
    grep -q "$E/popconn.cf, line $n: unknown parameter colour" "$H_TMP/err"
h_check "edits refuse to write a broken popconn.cf" \
    sh -c "! '$CTL' -c '$E' log-level none 2>/dev/null && grep -qx 'log_level = maximum' '$E/popconn.cf'"
h_done
