#!/bin/sh
# t_ctl_import - popconnctl import fetchmailrc on a temporary configuration
# directory: the dry run shows the entries (a valid mailboxes.cf fragment),
# where each password comes from and what is skipped, with file and line,
# and changes nothing; --apply adds the entries and the passwords (0600)
# as "mailbox add" does and keeps every other line; a second --apply
# changes nothing; a conflicting name or account and a syntax error
# refuse the whole import and change nothing; no password is ever in the
# output.  Then an imported mailbox fetches from the harness's real
# Dovecot into real Postfix.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
E=$H_TMP/etc1
mkdir -p "$E"
ctl() { "$CTL" -c "$E" "$@"; }
same_files() { cmp -s "$H_TMP/mb.before" "$E/mailboxes.cf" &&
    cmp -s "$H_TMP/pw.before" "$E/passwords"; }
no_secret() { ! grep -q -e 'Secret' "$@"; }

cat >"$E/popconn.cf" <<EOT
state_directory = $H_TMP/state
spool_directory = $H_TMP/spool
control_socket = $H_TMP/fetcher.sock
milter_pid_file = $H_TMP/milter.pid
EOT
printf '# mailboxes, by hand\n\nkeepme user pop3s://keep@keep.example keep\n  -o keep=yes\n' >"$E/mailboxes.cf"
printf 'keepme keep-pw\n' >"$E/passwords"
chmod 600 "$E/passwords"
cp "$E/mailboxes.cf" "$H_TMP/mb.before"
cp "$E/passwords" "$H_TMP/pw.before"

RC=$H_TMP/fetchmailrc
cat >"$RC" <<'EOT'
# fetchmail, as it ran for years
set daemon 300
set postmaster "postmaster"

poll pop.example.com with proto POP3
    user 'alice@example.com' there with password 'Al1ce-Secret' is alice here
    options ssl keep
poll mail.isp.example proto pop3:
    user "bob" with pass "B0b-\"Secret\\" is bob here ssl
poll imap.example.com proto imap user dave pass "D4ve-Secret" is dave here
poll catch.example.net proto pop3 auth password localdomains example.net
    user info pass "Inf0-Secret" is * here ssl mda "/usr/bin/procmail"
poll nopw.example proto pop3 user carol is carol here ssl
EOT
chmod 600 "$RC"

# --- the dry run.
ctl import fetchmailrc "$RC" >"$H_TMP/out" 2>"$H_TMP/err"
h_check "dry run: exit 1 (an entry is skipped)" [ $? -eq 1 ]
h_check "dry run: nothing changed" same_files
h_check "dry run: alice's entry" grep -qx \
    'alice-example user pop3s://alice%40example.com@pop.example.com alice' "$H_TMP/out"
h_check "dry run: her keep setting" grep -qx '  -o keep=yes' "$H_TMP/out"
h_check "dry run: where her password is" \
    grep -qx "# password: from $RC, line 6" "$H_TMP/out"
h_check "dry run: the IMAP poll is skipped, with file and line" \
    grep -q "$RC, line 10: poll imap.example.com: protocol IMAP is not POP3: skipped" "$H_TMP/out"
h_check "dry run: the catch-all is a global mailbox with auth=user" sh -c \
    "grep -qx 'info-catch global pop3s://info@catch.example.net' '$H_TMP/out' && grep -qx '  -o auth=user' '$H_TMP/out'"
h_check "dry run: set daemon suggests poll_interval" \
    grep -q "$RC, line 2: set daemon 300: .*poll_interval = 300s" "$H_TMP/out"
h_check "dry run: mda is noted as not applicable" \
    grep -q "$RC, line 12: mda: not applicable" "$H_TMP/out"
h_check "dry run: carol has no password: popconnctl passwd" \
    grep -q '# password: none in .*popconnctl passwd carol-nopw' "$H_TMP/out"
h_check "dry run: no password in the output" no_secret "$H_TMP/out" "$H_TMP/err"
mkdir -p "$H_TMP/frag"
cp "$E/popconn.cf" "$H_TMP/frag/popconn.cf"
cp "$H_TMP/out" "$H_TMP/frag/mailboxes.cf"
h_check "dry run: the output is a mailboxes.cf with 4 mailboxes" sh -c \
    "[ \$('$CTL' -c '$H_TMP/frag' mailbox list | grep -c -e ' user ' -e ' global ') -eq 4 ]"
cat "$RC" | ctl import fetchmailrc - >"$H_TMP/out2" 2>&1
h_check "dry run from stdin names stdin" \
    grep -q 'stdin, line 10: poll imap.example.com' "$H_TMP/out2"

# --- --apply.
ctl import fetchmailrc --apply "$RC" >"$H_TMP/out" 2>"$H_TMP/err"
h_check "apply: exit 1 (an entry is skipped)" [ $? -eq 1 ]
h_check "apply: four mailboxes added" \
    [ "$(grep -c '^mailbox .* added' "$H_TMP/out")" -eq 4 ]
h_check "apply: the skipped entry on stderr" \
    grep -q "popconnctl: $RC, line 10: .*IMAP is not POP3: skipped" "$H_TMP/err"
h_check "apply: says the fetcher is not running" \
    grep -q 'fetcher is not running' "$H_TMP/err"
h_check "apply: no password in the output" no_secret "$H_TMP/out" "$H_TMP/err"
h_check "apply: mailboxes.cf is the old file plus the entries" sh -c \
    "head -c \$(wc -c <'$H_TMP/mb.before') '$E/mailboxes.cf' | cmp -s - '$H_TMP/mb.before'"
ctl mailbox list --json >"$H_TMP/list.json"
h_check "apply: mailbox list shows all five" "$H_PYTHON" -c "
import json, sys
d = {m['name']: m for m in json.load(open('$H_TMP/list.json'))}
ok = (sorted(d) == ['alice-example', 'bob-isp', 'carol-nopw', 'info-catch', 'keepme']
      and d['alice-example']['options'] == {'keep': 'yes'}
      and d['bob-isp']['url'] == 'pop3s://bob@mail.isp.example'
      and d['info-catch']['type'] == 'global')
sys.exit(0 if ok else 1)"
h_check "apply: the passwords, byte for byte" sh -c "
    grep -qxF 'alice-example Al1ce-Secret' '$E/passwords' &&
    grep -qxF 'bob-isp B0b-\"Secret\\' '$E/passwords' &&
    grep -qxF 'info-catch Inf0-Secret' '$E/passwords' &&
    grep -qxF 'keepme keep-pw' '$E/passwords' &&
    ! grep -q '^carol' '$E/passwords' && ! grep -q D4ve '$E/passwords'"
h_check "apply: passwords is mode 0600" [ "$(stat -c %a "$E/passwords")" = 600 ]
h_check "apply: the passwords are in no other file" sh -c \
    "[ \$(grep -rl 'Al1ce-Secret' '$H_TMP' | grep -v -e '^$E/passwords\$' -e '^$RC\$' | wc -l) -eq 0 ]"
h_check "apply: mailbox show: alice has a password" sh -c \
    "'$CTL' -c '$E' mailbox show alice-example | grep -q '^password: *set'"

# --- a second --apply changes nothing.
cp "$E/mailboxes.cf" "$H_TMP/mb.before"
cp "$E/passwords" "$H_TMP/pw.before"
ctl import fetchmailrc --apply "$RC" >"$H_TMP/out" 2>"$H_TMP/err"
h_check "second apply: exit 1 (the same skipped entry)" [ $? -eq 1 ]
h_check "second apply: files unchanged" same_files
h_check "second apply: every mailbox unchanged" \
    [ "$(grep -c '^mailbox .* unchanged' "$H_TMP/out")" -eq 4 ]
ctl import fetchmailrc "$RC" >"$H_TMP/out" 2>/dev/null
h_check "dry run after apply: 0 to add" grep -q '^# 0 to add, 4 there already' "$H_TMP/out"

# --- conflicts and syntax errors refuse the whole import.
# refused DESC FILE PATTERN: --apply FILE exits 65, says PATTERN on stderr
# (no password in it), prints nothing and changes no file.
refused() {
	ctl import fetchmailrc --apply "$2" >"$H_TMP/out" 2>"$H_TMP/err"
	h_check "$1: exit 65" [ $? -eq 65 ]
	h_check "$1: says why" grep -q "$3" "$H_TMP/err"
	h_check "$1: nothing changed, nothing printed" sh -c \
	    "cmp -s '$H_TMP/mb.before' '$E/mailboxes.cf' && cmp -s '$H_TMP/pw.before' '$E/passwords' && [ ! -s '$H_TMP/out' ]"
	h_check "$1: no password in the message" no_secret "$H_TMP/err"
}
cat >"$H_TMP/rc.conflict" <<'EOT'
poll new.example proto pop3 user new pass "N3w-Secret" is new here ssl
poll pop.example.com proto pop3 user alice@example.com pass 'Al1ce-Secret'
    is somebody-else here ssl keep
EOT
refused "conflict with a name (the new entry not added either)" \
    "$H_TMP/rc.conflict" \
    "$H_TMP/rc.conflict, line 2: mailbox alice-example exists ($E/mailboxes.cf, line 5) and differs"
printf 'poll keep.example proto pop3 user keep pass x is k here ssl\n' >"$H_TMP/rc.account"
refused "conflict: the same account under another name" "$H_TMP/rc.account" \
    'mailbox keepme .* already fetches this account'
printf 'poll mail.isp.example proto pop3 user bob pass other is bob here ssl\n' >"$H_TMP/rc.pw"
refused "conflict: an identical entry with another password" "$H_TMP/rc.pw" \
    'exists with another password .*popconnctl passwd bob-isp'
printf 'poll a.example proto pop3\n  user u pass "Synt4x-Secret" is u here\n  frobnicate\npoll b.example user v is v here\n' >"$H_TMP/rc.bad"
refused "syntax error" "$H_TMP/rc.bad" \
    "$H_TMP/rc.bad, line 3: unknown keyword \"frobnicate\""
head -c 1100000 /dev/zero | tr '\0' '#' >"$H_TMP/rc.big"
ctl import fetchmailrc "$H_TMP/rc.big" >/dev/null 2>"$H_TMP/err"
h_check "a file over 1 MiB is refused (65) with its line" sh -c \
    "[ $? -eq 65 ] && grep -q 'rc.big, line 1: the file is larger than 1048576 bytes' '$H_TMP/err'"
ctl import fetchmailrc "$H_TMP/missing" >/dev/null 2>&1
h_check "a missing file: exit 66" [ $? -eq 66 ]
ctl import getmailrc "$RC" >/dev/null 2>&1
h_check "only fetchmailrc: exit 64 otherwise" [ $? -eq 64 ]

# --- end to end: an imported mailbox fetches from Dovecot into Postfix.
h_ca
h_dovecot_start 'imp:Imp"Pw\7'
h_postfix_start example.test "imp"
h_seed imp 5 3
p_config
cat >"$H_TMP/rc.e2e" <<EOT
set daemon 60
poll localhost with proto pop3 port $H_POP3S_PORT
    user imp there with password "Imp\\"Pw\\\\7" is imp@example.test here
    options ssl sslcertfile "$H_CA" fetchall
EOT
"$CTL" -c "$P_ETC" import fetchmailrc --apply "$H_TMP/rc.e2e" >"$H_TMP/out" 2>"$H_TMP/err"
h_check "e2e: import exit 0" [ $? -eq 0 ] || cat "$H_TMP/err"
h_check "e2e: the entry" grep -qx \
    "imp-localhost user pop3s://imp@localhost:$H_POP3S_PORT imp@example.test" "$P_ETC/mailboxes.cf"
h_check "e2e: the password with a quote and a backslash" \
    grep -qxF 'imp-localhost Imp"Pw\7' "$P_ETC/passwords"
p_fetch
h_check "e2e: one fetch cycle exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ] ||
    tail -20 "$H_TMP/fetcher.log"
h_check "e2e: postfix drained its queue" h_postfix_wait_idle 60
h_check "e2e: 5 messages delivered byte-identical, none lost or doubled" \
    h_compare imp "$H_TMP/orig/imp" "$H_MAIL_ROOT/imp"
h_check "e2e: the POP3 mailbox is empty" [ "$(h_pop_count imp)" -eq 0 ]
h_check "e2e: no password in the log" sh -c "! grep -q 'Imp\"Pw' '$H_TMP/fetcher.log'"
h_done
