#!/bin/sh
# t_daemon_schedule - popconn-fetcher as a service: it polls on its own
# (poll_interval), says what it does on the control socket (status,
# fetch, fetch-wait, log-level), starts idle without mailboxes, takes new
# mailboxes on SIGHUP without a restart, refuses a broken configuration
# (naming the file and line) and keeps polling with the old one, computes
# the next poll from poll_times, and stops promptly and cleanly on SIGTERM.
# Requests are JSON lines: the old word lines and hostile ones (duplicate
# keys, control characters, too long) are refused with the reason, on one
# line; names with spaces and UTF-8 pass.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

h_init
h_ca
h_dovecot_start "erin:erin-pw frank:frank-pw"
h_postfix_start example.test "erin frank"
P_EXTRA_CF="poll_interval = 2s
retry_min = 1s"
p_config
p_password erin erin-pw
p_password frank frank-pw
log=$H_TMP/daemon.log
erin="erin user pop3s://erin@localhost:$H_POP3S_PORT erin@example.test"

delivered() { [ "$(h_mail_count "$1")" -eq "$2" ]; }
alive() { _h_alive "$P_DAEMON_PID"; }
last_line() { tail -n 1 "$1"; }
# in_log PATTERN: grep -E the daemon log (since the last mark)
mark() { D_MARK=$(wc -l <"$log"); }
in_log() { tail -n +"$((D_MARK + 1))" "$log" | grep -Eq "$1"; }

# Setup is done: from here on every check runs, even after a failure.
set +e

# ------------------------------------------------ 1. no mailboxes: idle
h_check "daemon starts and opens its control socket" p_daemon_start
pid0=$P_DAEMON_PID
h_check "pid file holds the daemon's pid" \
    [ "$(cat "$H_TMP/fetcher.pid" 2>/dev/null)" = "$P_DAEMON_PID" ]
h_check "no mailboxes: status service is \"idle\"" \
    [ "$(d_status - service)" = idle ]
h_check "no mailboxes: reason \"disabled: no mailboxes\"" \
    [ "$(d_status - reason)" = "disabled: no mailboxes" ]
h_check "no mailboxes: status pid is the daemon's" \
    [ "$(d_status - pid)" = "$P_DAEMON_PID" ]
p_ctl fetch >"$H_TMP/ans" 2>&1 || true
h_check "no mailboxes: fetch answers an error ($(last_line "$H_TMP/ans"))" \
    grep -q '^error: ' "$H_TMP/ans"

# ------------------------------- 2. a mailbox added, SIGHUP: it polls
h_seed erin 3 1 >/dev/null
p_mailbox "$erin"
mark
kill -HUP "$P_DAEMON_PID"
h_check "HUP with a new mailbox: its 3 messages delivered without asking" \
    d_wait 20 delivered erin 3
h_check "HUP: the same daemon process (no restart)" \
    sh -c "[ '$(d_status - pid)' = '$pid0' ] && kill -0 $pid0"
h_check "HUP: logged as a reload" in_log 'reloaded: mailboxes=1'
h_check "status: service \"running\", 1 mailbox" \
    sh -c "[ '$(d_status - service)' = running ] && [ '$(d_status - mailboxes)' = 1 ]"

# Mail arriving while the daemon runs is picked up on the next poll.
t0=$(date +%s)
h_seed erin 4 2 >/dev/null
if d_wait 20 delivered erin 7; then
	h_ok "mail seeded while running: delivered on its own in $(($(date +%s) - t0)) s"
else
	h_not_ok "mail seeded while running: delivered on its own (have $(h_mail_count erin) of 7)"
fi
h_check "erin: 7 delivered once, byte-identical" h_compare erin
h_check "erin's POP3 mailbox emptied" d_wait 10 [ "$(h_pop_count erin)" -eq 0 ]

# status: per-mailbox fields.  Polls come every 2 s: read until idle.
status_ok() {
	p_ctl status >"$H_TMP/status" || return 1
	python3 - "$H_TMP/status" <<'PY'
import json, sys, time
lines = open(sys.argv[1]).read().splitlines()
assert lines[-1] == "ok", lines[-1]
objs = [json.loads(l) for l in lines[:-1]]
svc = objs[0]
assert svc["service"] == "running" and svc["mailboxes"] == 1, svc
m = [o for o in objs if o.get("mailbox") == "erin"]
assert len(m) == 1, objs
m = m[0]
now = time.time()
assert m["type"] == "user", m
if m["state"] != "idle":
    sys.exit(2)                     # polling now: ask again
assert m["result"] == "ok", m
assert now - 10 <= m["last_poll"] <= now + 1, m
# next poll: poll_interval (2 s) after the previous one started
assert m["last_poll"] + 1 <= m["next_poll"] <= m["last_poll"] + 3, m
assert m["failures"] == 0 and m["last_error"] == "", m
for k in ("messages", "delivered", "bytes", "failed"):
    assert isinstance(m[k], int), (k, m)
PY
}
h_check "status: erin idle, result ok, last_poll recent, next_poll = last_poll + 2 s" \
    d_wait 10 status_ok
[ "$H_FAILED" = 0 ] || cat "$H_TMP/status" >&2

# fetch-wait: events start, progress..., end, then "ok".
h_seed erin 2 3 >/dev/null
p_ctl fetch-wait erin >"$H_TMP/fw" 2>&1 || true
fw_ok() {
	python3 - "$H_TMP/fw" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines and lines[-1] == "ok", lines
ev = [json.loads(l) for l in lines[:-1]]
names = [e["event"] for e in ev]
assert names[0] == "start" and names[-1] == "end", names
assert set(names[1:-1]) <= {"progress"} and "progress" in names, names
assert all(e["mailbox"] == "erin" for e in ev), ev
end = ev[-1]
assert end["result"] == "ok" and end["failed"] == 0 and end["error"] == "", end
for k in ("messages", "delivered", "deleted", "kept", "bytes"):
    assert isinstance(end[k], int), (k, end)
PY
}
h_check "fetch-wait erin: start, progress, end events, final \"ok\"" fw_ok
[ "$H_FAILED" = 0 ] || cat "$H_TMP/fw" >&2
h_check "erin: 9 delivered once" d_wait 10 h_compare erin

p_ctl fetch nosuch >"$H_TMP/ans" 2>&1 || true
h_check "fetch nosuch: \"error: no such mailbox: nosuch\" ($(last_line "$H_TMP/ans"))" \
    [ "$(last_line "$H_TMP/ans")" = "error: no such mailbox: nosuch" ]
p_ctl fetch erin >"$H_TMP/ans" 2>&1 || true
h_check "fetch erin: \"ok\"" [ "$(cat "$H_TMP/ans")" = ok ]
p_ctl frobnicate >"$H_TMP/ans" 2>&1 || true
h_check "unknown request: an error" grep -q '^error: ' "$H_TMP/ans"

# Requests are JSON lines (lib/ctlproto.c): a bad one is answered with
# the decoder's reason on one line, and the daemon carries on.
p_ctl_raw status >"$H_TMP/ans" 2>&1 || true
h_check "the old word line \"status\": refused, not JSON ($(last_line "$H_TMP/ans"))" \
    grep -q '^error: not JSON' "$H_TMP/ans"
p_ctl_raw '{"request":"status","request":"reload"}' >"$H_TMP/ans" 2>&1 || true
h_check "duplicate key: refused ($(last_line "$H_TMP/ans"))" \
    grep -q '^error: not JSON: duplicate object key' "$H_TMP/ans"
p_ctl_raw '{"request":"status","mailboxes":["erin"]}' >"$H_TMP/ans" 2>&1 || true
h_check "a key status does not take: refused ($(last_line "$H_TMP/ans"))" \
    [ "$(cat "$H_TMP/ans")" = 'error: key "mailboxes": not taken by status' ]
p_ctl_raw '{"request":"fetch","mailboxes":["erin\nok"]}' >"$H_TMP/ans" 2>&1 || true
h_check "a control character in a name: refused on one line ($(head -n 1 "$H_TMP/ans"))" \
    [ "$(cat "$H_TMP/ans")" = 'error: mailboxes[0]: control character in the name' ]
p_ctl_raw '{"request":"fetch","mailboxes":"erin"}' >"$H_TMP/ans" 2>&1 || true
h_check "mailboxes not an array: refused ($(last_line "$H_TMP/ans"))" \
    grep -q '^error: key "mailboxes": not an array' "$H_TMP/ans"
p_ctl_raw "$(printf '{"request":"status","x":"%09000d"}' 0)" >"$H_TMP/ans" 2>&1 || true
h_check "a request over 8192 bytes: refused ($(last_line "$H_TMP/ans"))" \
    [ "$(cat "$H_TMP/ans")" = 'error: request too long' ]
p_ctl fetch "no such" >"$H_TMP/ans" 2>&1 || true
h_check "a name with a space: \"no such mailbox: no such\" ($(last_line "$H_TMP/ans"))" \
    [ "$(cat "$H_TMP/ans")" = 'error: no such mailbox: no such' ]
p_ctl fetch "$(printf 'd\303\251j\303\240')" >"$H_TMP/ans" 2>&1 || true
h_check "a UTF-8 name: no such mailbox, quoted printable ($(last_line "$H_TMP/ans"))" \
    [ "$(cat "$H_TMP/ans")" = 'error: no such mailbox: d\xc3\xa9j\xc3\xa0' ]
p_ctl fetch erin >"$H_TMP/ans" 2>&1 || true
h_check "after the bad requests: fetch erin still \"ok\"" [ "$(cat "$H_TMP/ans")" = ok ]

# ---------------------- 3. broken configuration: refused, old one kept
cp "$P_ETC/mailboxes.cf" "$H_TMP/mailboxes.good"
cp "$P_ETC/popconn.cf" "$H_TMP/popconn.good"
echo "broken-entry user" >>"$P_ETC/mailboxes.cf"	# line 2: no URL
mark
kill -HUP "$P_DAEMON_PID"
h_check "HUP with a broken mailboxes.cf: refused in the log, naming file and line" \
    d_wait 10 in_log 'reload refused.*mailboxes\.cf, line 2'
p_ctl reload >"$H_TMP/ans" 2>&1 || true
h_check "reload with a broken mailboxes.cf: error naming file and line ($(last_line "$H_TMP/ans"))" \
    grep -Eq '^error: .*mailboxes\.cf, line 2' "$H_TMP/ans"
h_seed erin 2 4 >/dev/null
h_check "old configuration kept: erin still polled (11 delivered)" \
    d_wait 20 delivered erin 11
h_check "status still shows erin, service running" \
    [ "$(d_status erin type)" = user ]

cp "$H_TMP/mailboxes.good" "$P_ETC/mailboxes.cf"
echo "this line is not a setting" >>"$P_ETC/popconn.cf"
bad_line=$(wc -l <"$P_ETC/popconn.cf")
mark
kill -HUP "$P_DAEMON_PID"
h_check "HUP with a broken popconn.cf: refused, naming file and line $bad_line" \
    d_wait 10 in_log "reload refused.*popconn\\.cf, line $bad_line"
p_ctl reload >"$H_TMP/ans" 2>&1 || true
h_check "reload with a broken popconn.cf: error naming file and line ($(last_line "$H_TMP/ans"))" \
    grep -Eq "^error: .*popconn\\.cf, line $bad_line" "$H_TMP/ans"
h_seed erin 2 5 >/dev/null
h_check "old configuration kept: erin still polled (13 delivered)" \
    d_wait 20 delivered erin 13
h_check "daemon still the same process" kill -0 "$pid0"
cp "$H_TMP/popconn.good" "$P_ETC/popconn.cf"
p_ctl reload >"$H_TMP/ans" 2>&1 || true
h_check "reload with the configuration repaired: ok" [ "$(cat "$H_TMP/ans")" = ok ]

# A mailbox without a password is not a broken file: the reload is
# taken, that mailbox fails at each poll saying why, the others run.
p_mailbox "nopw user pop3s://nopw@localhost:$H_POP3S_PORT erin@example.test"
mark
p_ctl reload >"$H_TMP/ans" 2>&1 || true
h_check "reload with a mailbox lacking its password: ok ($(last_line "$H_TMP/ans"))" \
    [ "$(cat "$H_TMP/ans")" = ok ]
h_check "the missing password is logged, naming the mailbox and the fix" \
    d_wait 10 in_log 'mailbox nopw: no password in the passwords file \(popconnctl passwd nopw\)'
nopw_failed() {
	[ "$(d_status nopw result)" = failed ] &&
	    d_status nopw last_error | grep -q 'no password'
}
h_check "status: nopw failed, last_error says no password" d_wait 20 nopw_failed
h_seed erin 2 6 >/dev/null
h_check "the other mailboxes still run: erin polled (15 delivered)" \
    d_wait 20 delivered erin 15
cp "$H_TMP/mailboxes.good" "$P_ETC/mailboxes.cf"
p_ctl reload >"$H_TMP/ans" 2>&1 || true
h_check "nopw removed again: reload ok" [ "$(cat "$H_TMP/ans")" = ok ]

# ------------------------------------------------------ 4. poll_times
# A time about an hour ahead (whole minute): the next poll is exactly
# then, today or tomorrow.
now=$(date +%s)
hhmm=$(date -d "@$((now + 3600))" +%H:%M)
expect=$(date -d "$(date -d "@$((now + 3600))" +%Y-%m-%d) $hhmm" +%s)
h_seed frank 2 1 >/dev/null
p_mailbox "frank user pop3s://frank@localhost:$H_POP3S_PORT frank@example.test" \
    "  -o poll_times=$hhmm"
p_ctl reload >"$H_TMP/ans" 2>&1 || true
h_check "reload adding frank (poll_times=$hhmm): ok" [ "$(cat "$H_TMP/ans")" = ok ]
h_check "frank, new, polled at once: 2 delivered" d_wait 20 delivered frank 2
frank_polled() {
	[ "$(d_status frank state)" = idle ] && [ "$(d_status frank result)" = ok ]
}
d_wait 10 frank_polled || true
np=$(d_status frank next_poll)
h_check "frank: next_poll is $hhmm ($expect), got $np" [ "$np" = "$expect" ]
sleep 3
h_check "frank not polled again before $hhmm" \
    [ "$(grep -c 'acct=frank: session=done' "$log")" -eq 1 ]

# ------------------------------------------------------- 5. log-level
mark
p_ctl log-level maximum >"$H_TMP/ans" 2>&1 || true
h_check "log-level maximum: ok" [ "$(cat "$H_TMP/ans")" = ok ]
h_check "log-level maximum: debug lines appear (poll started)" \
    d_wait 10 in_log 'poll started'
p_ctl log-level bogus >"$H_TMP/ans" 2>&1 || true
h_check "log-level bogus: refused ($(last_line "$H_TMP/ans"))" \
    grep -q '^error: ' "$H_TMP/ans"
p_ctl log-level medium >/dev/null 2>&1 || true

# --------------------------------------------------------- 6. SIGTERM
h_check "SIGTERM: the daemon exits within 10 s" d_stop 10
h_check "SIGTERM: exit status 0 (got ${D_EXIT:-none}, ${D_STOP_SECS:-?} s)" \
    [ "${D_EXIT:-1}" = 0 ]
h_check "SIGTERM: promptly (${D_STOP_SECS:-?} s <= 5)" [ "${D_STOP_SECS:-99}" -le 5 ]
h_check "SIGTERM: control socket removed" [ ! -e "$H_TMP/fetcher.sock" ]
h_check "SIGTERM: pid file removed" [ ! -e "$H_TMP/fetcher.pid" ]
h_check "SIGTERM: no worker left behind" [ "$(d_procs "$P_ETC")" -eq 0 ]
h_check "everything delivered once at the end (erin)" h_compare erin
h_check "everything delivered once at the end (frank)" h_compare frank
h_check "state files parse" d_state_check "$H_TMP/state"
h_done
