#!/bin/sh
# t_ctl_json - popconnctl --json, the shape a web manager calls: every
# operation answers with one JSON object on standard output (nothing on
# standard error) and the exit status it has without --json; a refusal
# names the field, and the file and line where there is one; the results
# are the ones the text form prints (mailbox list and show, schedule,
# undeliverable, route list, check with file and line per problem); the
# password comes on standard input and never appears in an answer; verbs
# for a terminal refuse --json.  No daemon runs.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
E=$H_TMP/etc
mkdir -p "$E"
ctl() { "$CTL" -c "$E" --json "$@"; }

cat >"$E/popconn.cf" <<EOT
state_directory = $H_TMP/state
spool_directory = $H_TMP/spool
control_socket = $H_TMP/fetcher.sock
milter_pid_file = $H_TMP/milter.pid
poll_interval = 15m
local_domains = example.test
EOT
printf 'bob user pop3s://bob@mail.example bob@example.test\n  -o keep=yes\n' \
    >"$E/mailboxes.cf"
printf 'bob bob-pw\n' >"$E/passwords"
chmod 600 "$E/passwords"

# j FILE EXPR - the Python expression over the answer d is true
j() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
O=$H_TMP/out
R=$H_TMP/err

# --- refusals name the field (and the file and line).
ctl mailbox add alice --type robot --url pop3s://alice@mail.example \
    </dev/null >"$O" 2>"$R"
h_check "add --type robot: exit 64 (got $?)" [ $? -eq 64 ]
h_check "add --type robot: one JSON answer, field type" \
    j "$O" 'd["ok"] is False and d["status"] == 64 and d["field"] == "type" and "robot" in d["error"]'
h_check "add --type robot: nothing on standard error" [ ! -s "$R" ]
ctl mailbox add bob --type user --url pop3s://bob2@mail.example \
    </dev/null >"$O" 2>"$R"
h_check "add of an existing name: exit 65 (got $?)" [ $? -eq 65 ]
h_check "add of an existing name: field name, file and line" \
    j "$O" 'd["field"] == "name" and d["file"].endswith("/mailboxes.cf") and d["line"] == 1'
ctl mailbox add al --type user --url pop3s://al@mail.example -o colour=blue \
    </dev/null >"$O" 2>"$R"
h_check "add -o colour: field colour" j "$O" 'd["field"] == "colour"'
ctl mailbox add al --type user --url pop3s://bob@mail.example \
    </dev/null >"$O" 2>"$R"
h_check "add of bob's account again: field url, bob's line" \
    j "$O" 'd["field"] == "url" and d["line"] == 1 and "twice" in d["error"]'

# --- add, with the password on standard input; notes, not stderr.
printf 'alice-s3cret\n' | ctl mailbox add alice --type user \
    --url pop3s://alice@mail.example --keep=7 >"$O" 2>"$R"
h_check "add: exit 0 (got $?)" [ $? -eq 0 ]
h_check "add: result names the mailbox" \
    j "$O" 'd["ok"] and d["result"] == {"mailbox": "alice", "done": "added"}'
h_check "add: the fetcher's absence is a note" \
    j "$O" 'any("not running" in n for n in d["notes"])'
h_check "add: nothing on standard error" [ ! -s "$R" ]
h_check "add: the password is not in the answer" \
    sh -c "! grep -q alice-s3cret '$O'"
h_check "add: the password went into passwords" \
    grep -qx 'alice alice-s3cret' "$E/passwords"

# --- list and show: what the text form prints.
ctl mailbox list >"$O" 2>"$R"
h_check "list: both mailboxes, with their options" \
    j "$O" '[b["name"] for b in d["result"]] == ["bob", "alice"] and d["result"][1]["options"] == {"keep": "yes", "keep_days": "7"}'
"$CTL" -c "$E" mailbox list --json >"$H_TMP/list2"
h_check "list: mailbox list --json is the same list" \
    python3 -c 'import json,sys
a = json.load(open(sys.argv[1]))["result"]; b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b else 1)' "$O" "$H_TMP/list2"
ctl mailbox show alice >"$O" 2>"$R"
h_check "show: where each setting comes from" \
    j "$O" '{s["name"]: (s["value"], s["line"]) for s in d["result"]["settings"]}["keep_days"] == ("7", 5) and d["result"]["password"]["state"] == "set"'
ctl mailbox show nobody >"$O" 2>"$R"
h_check "show nobody: exit 65, field name" \
    j "$O" 'd["status"] == 65 and d["field"] == "name"'

# --- passwd, schedule, undeliverable.
printf 'new-pw\n' | ctl passwd alice >"$O" 2>"$R"
h_check "passwd: ok, no password in the answer" \
    sh -c "j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"ok\"] else 1)' \"\$1\"; }; j '$O' && ! grep -q new-pw '$O'"
ctl schedule set 10 >"$O" 2>"$R"
h_check "schedule set 10: refused (seconds), field poll_interval" \
    j "$O" 'd["status"] == 64 and d["field"] == "poll_interval"'
ctl schedule set 10m --mailbox alice >"$O" 2>"$R"
h_check "schedule set 10m --mailbox alice: the result" \
    j "$O" 'd["result"]["mailbox"] == "alice" and d["result"]["seconds"] == 600 and d["result"]["human"] == "10 minutes"'
ctl schedule show >"$O" 2>"$R"
h_check "schedule show: global and per mailbox" \
    j "$O" 'd["result"]["poll_interval"] == "15m" and d["result"]["mailboxes"] == [{"name": "bob", "poll_interval": None, "poll_times": None}, {"name": "alice", "poll_interval": "10m", "poll_times": None}]'
ctl undeliverable "bad address" >"$O" 2>"$R"
h_check "undeliverable with a space: field undeliverable_mailbox" \
    j "$O" 'd["field"] == "undeliverable_mailbox"'
ctl undeliverable lost@example.test >"$O" 2>"$R"
ctl undeliverable >"$O" 2>"$R"
h_check "undeliverable: shows the new address" \
    j "$O" 'd["result"] == {"undeliverable_mailbox": "lost@example.test"}'

# --- routes.
ctl route add @sales.test carol@example.test >"$O" 2>"$R"
h_check "route add: created the table and routing_maps" \
    j "$O" 'd["result"]["done"] == "added" and d["result"]["routing_maps"].startswith("texthash:")'
ctl route add --pcre '/(unclosed/' dave@example.test >"$O" 2>"$R"
h_check "route add of a bad regex: exit 65, field pattern" \
    j "$O" 'd["status"] == 65 and d["field"] == "pattern" and "position" in d["error"]'
ctl route list >"$O" 2>"$R"
h_check "route list: the entry with its line" \
    j "$O" 'd["result"][0]["pattern"] == "@sales.test" and d["result"][0]["recipient"] == "carol@example.test" and d["result"][0]["line"] >= 1'
printf 'To: x@sales.test\nSubject: hi\n\nbody\n' >"$H_TMP/msg"
ctl route test "$H_TMP/msg" >"$O" 2>/dev/null
h_check "route test: each recipient with the rule behind it" \
    j "$O" 'd["result"]["recipients"][0]["address"] == "carol@example.test" and "sales.test" in d["result"]["recipients"][0]["reason"] and d["result"]["undeliverable"] is False'

# --- check: every problem with its file and line.
echo "colour = blue" >>"$E/popconn.cf"
n=$(grep -c '' "$E/popconn.cf")
ctl check >"$O" 2>"$R"
h_check "check: exit 78 (got $?)" [ $? -eq 78 ]
h_check "check: the unknown key as a problem with file and line" \
    j "$O" "any(p['severity'] == 'error' and p['file'] == '$E/popconn.cf' and p['line'] == $n and 'colour' in p['text'] for p in d['result']['problems'])"
h_check "check: nothing on standard error" [ ! -s "$R" ]
sed -i '$d' "$E/popconn.cf"

# --- the streams, and verbs without a JSON form.
ctl status >"$O" 2>"$R"
h_check "status without a fetcher: exit 69 (got $?)" [ $? -eq 69 ]
ctl setup >"$O" 2>"$R"
h_check "setup --json: refused, exit 64 (got $?)" [ $? -eq 64 ]
h_check "setup --json: says why" grep -q 'no --json form' "$R"
ctl mailbox remove alice --keep-state >"$O" 2>"$R"
h_check "remove: one mailbox left" \
    j "$O" 'd["result"]["done"] == "removed" and d["result"]["mailboxes_left"] == 1'
h_check "remove: the password is gone" sh -c "! grep -q '^alice' '$E/passwords'"
h_done
