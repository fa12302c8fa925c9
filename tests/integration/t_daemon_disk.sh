#!/bin/sh
# t_daemon_disk - a full disk loses nothing and delivers nothing twice.
# The spool on a 1 MB tmpfs with messages bigger than that: the session
# is deferred, nothing is deleted from the server, the state is intact;
# with room again everything arrives once.  The state directory full at
# the start of a session, then full right after sendmail accepted a
# message (so that recording the delivery fails): no DELE, and once the
# space is freed every message is delivered exactly once.
# Needs to mount tmpfs (root, not in a restricted container): else skipped.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/daemon.sh"

h_init
spoolfs=$H_TMP/spoolfs
statefs=$H_TMP/statefs
mkdir -p "$spoolfs" "$statefs"
if ! mount -t tmpfs -o size=1m,mode=0755 tmpfs "$spoolfs" 2>"$H_TMP/mount.err"; then
	echo "t_daemon_disk: SKIP: cannot mount tmpfs: $(cat "$H_TMP/mount.err")" >&2
	exit 77
fi
h_at_cleanup "umount '$spoolfs' 2>/dev/null || umount -l '$spoolfs' 2>/dev/null || true"
if ! mount -t tmpfs -o size=1m,mode=0755 tmpfs "$statefs" 2>"$H_TMP/mount.err"; then
	echo "t_daemon_disk: SKIP: cannot mount a second tmpfs: $(cat "$H_TMP/mount.err")" >&2
	exit 77
fi
h_at_cleanup "umount '$statefs' 2>/dev/null || umount -l '$statefs' 2>/dev/null || true"
# The daemon must be gone before the file systems are unmounted.
h_at_cleanup '[ -n "${P_DAEMON_PID:-}" ] && kill -TERM "$P_DAEMON_PID" 2>/dev/null && _h_wait_gone 10 "$P_DAEMON_PID"; true'

h_ca
h_dovecot_start "ivy:ivy-pw"
h_postfix_start example.test "ivy"
d_sendmail_wrap
# Polls only when asked (fetch-wait): nothing happens behind the test.
P_EXTRA_CF="poll_interval = 1h
retry_min = 1h
spool_directory = $spoolfs/spool
state_directory = $statefs/state
sendmail_path = $D_SENDMAIL"
p_config
p_password ivy ivy-pw
p_mailbox "ivy user pop3s://ivy@localhost:$H_POP3S_PORT ivy@example.test"
log=$H_TMP/daemon.log

on_server() { [ "$(h_pop_count ivy)" -eq "$1" ]; }
on_server_n() { h_pop_count ivy; }
delivered() { [ "$(h_mail_count ivy)" -eq "$1" ]; }
spool_empty() {
	[ -z "$(find "$spoolfs/spool/tmp" "$spoolfs/spool/new" -type f 2>/dev/null)" ]
}
# fw: fetch-wait ivy; the answer in $H_TMP/fw, its last line in FW
fw() {
	p_ctl fetch-wait ivy >"$H_TMP/fw" 2>&1 || true
	FW=$(tail -n 1 "$H_TMP/fw")
	cat "$H_TMP/fw" >>"$H_TMP/fw.all"
}
fill() { dd if=/dev/zero of="$1" bs=4k >/dev/null 2>&1 || true; }

# Setup is done: from here on every check runs, even after a failure.
set +e

h_check "daemon starts" p_daemon_start
fw
h_check "first poll (empty mailbox): ok ($FW)" [ "$FW" = ok ]

# ------------------------------------------------- 1. spool full
h_seed ivy 4 1 >/dev/null
d_bigmsg ivy 2 1500000 s1
fw
h_check "spool full: the poll ends with an error ($FW)" \
    [ "$FW" != ok ]
h_check "spool full: session deferred" \
    grep -q '"event":"end".*"result":"deferred"' "$H_TMP/fw"
h_check "spool full: the error says so (No space left on device)" \
    grep -qi 'no space left' "$H_TMP/fw"
h_check "spool full: nothing deleted, all 6 still on the server" on_server 6
h_check "spool full: spool left empty (partial file removed)" spool_empty
h_check "spool full: state parses" d_state_check "$statefs/state"
h_postfix_wait_idle 30 || true
no_dups() { ! h_compare ivy 2>/dev/null | grep -q 'duplicated=[1-9]'; }
h_check "spool full: what was delivered was delivered once" no_dups
mount -o remount,size=16m "$spoolfs"
fw
h_check "spool with room: ok ($FW)" [ "$FW" = ok ]
h_postfix_wait_idle 30 || true
h_check "spool with room: all 6 delivered exactly once" h_compare ivy
h_check "spool with room: server emptied" on_server 0

# ---------------------------- 2. state directory full from the start
h_seed ivy 3 2 >/dev/null
# The mailbox's saved TLS session (NAME.tls) is read once and removed at
# the next session's start: the block it frees would let the journal
# write, and the directory would not be full.
rm -f "$statefs"/state/*.tls
fill "$statefs/filler"
fw
h_check "state full: the poll ends with an error ($FW)" [ "$FW" != ok ]
h_check "state full: the error names the state ($(grep -o '"error":"[^"]*"' "$H_TMP/fw" | tail -n 1))" \
    grep -q '"error":".*state.*No space left' "$H_TMP/fw"
h_check "state full: nothing deleted, the 3 still on the server" on_server 3
h_postfix_wait_idle 30 || true
h_check "state full: nothing delivered" delivered 6
h_check "state full: the state still parses" d_state_check "$statefs/state"
rm -f "$statefs/filler"
fw
h_check "state with room: ok ($FW)" [ "$FW" = ok ]
h_postfix_wait_idle 30 || true
h_check "state with room: all 9 delivered exactly once" h_compare ivy
h_check "state with room: server emptied" on_server 0

# ------------- 3. state directory full just after sendmail accepted
# The fetcher keeps journal space allocated before it starts sendmail
# (uidl_state_reserve), so a disk that fills up while sendmail runs
# cannot make an accepted message unrecordable: it is recorded, deleted
# from the server, and never delivered again.
h_seed ivy 3 3 >/dev/null
echo "$statefs/filler" >"$D_SMCTL/fill"
n0=$(grep -c '^0 ' "$D_SMCTL/calls" || true)
fw
h_check "disk fills during sendmail: sendmail accepted the messages" \
    [ "$(grep -c '^0 ' "$D_SMCTL/calls")" -gt "$n0" ]
h_check "disk fills during sendmail: never 'delivered but not recorded'" \
    sh -c "! grep -q 'delivered but not recorded' '$log'"
h_check "disk fills during sendmail: the state still parses" \
    d_state_check "$statefs/state"
h_check "disk fills during sendmail: recorded messages were not refetched" \
    [ "$(on_server_n)" -le 3 ]
rm -f "$statefs/filler" "$D_SMCTL/fill"
fw
h_check "state with room again: ok ($FW)" [ "$FW" = ok ]
h_postfix_wait_idle 30 || true
h_check "state with room again: server emptied" on_server 0
if h_compare ivy >"$H_TMP/cmp" 2>&1; then
	h_ok "after the disk filled: all 12 delivered exactly once"
else
	h_not_ok "after the disk filled: all 12 delivered exactly once ($(tail -n 1 "$H_TMP/cmp"))"
fi

stop_ok() { d_stop 15 && [ "$D_EXIT" = 0 ]; }
h_check "daemon exits 0 on SIGTERM" stop_ok
h_check "state files parse at the end" d_state_check "$statefs/state"
h_done
