#!/bin/sh
# t_torture_queue_disk - the disk under Postfix's queue is full (issue 8,
# scenario 5; the spool and state directories are t_daemon_disk.sh): a
# small tmpfs over the private Postfix's maildrop.  sendmail cannot queue
# the message and exits 75; the fetcher keeps everything on the server,
# and once there is room every message arrives exactly once.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "quinn:quinn-pw"
h_postfix_start example.test "quinn"
md=$H_POSTFIX_SPOOL/maildrop
own=$(stat -c %U:%G "$md"); mode=$(stat -c %a "$md")
if ! mount -t tmpfs -o size=64k tmpfs "$md" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs here (not root or no mount permission)"
	exit 77
fi
h_at_cleanup "umount '$md' 2>/dev/null || true"
chown "$own" "$md"; chmod "$mode" "$md"
# Fill it: what is left is smaller than any message below.
dd if=/dev/zero of="$md/.filler" bs=4k count=16 2>/dev/null || true
H_SEED_MAX_SIZE=20000 h_seed quinn 4 21 >/dev/null
p_config
p_mailbox "quinn user pop3s://quinn@localhost:$H_POP3S_PORT quinn@example.test"
p_password quinn quinn-pw

set +e
p_fetch
h_check "queue disk full: the cycle is deferred (exit 75, got $P_STATUS)" [ "$P_STATUS" -eq 75 ]
h_check "queue disk full: logged as deferred" grep -q 'status=deferred' "$H_TMP/fetcher.log"
# A message small enough for the space left may get through; every other
# one must still be on the server (none in between, none lost).
h_postfix_wait_idle 30 || true
h_check "queue disk full: at least one message refused" [ "$(h_pop_count quinn)" -ge 1 ]
h_check "queue disk full: delivered + still on the server = 4 (nothing lost)" \
    [ $(( $(h_pop_count quinn) + $(h_mail_count quinn) )) -eq 4 ]
rm -f "$md/.filler"
: >"$H_TMP/fetcher.log"
p_fetch
h_check "room again: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_postfix_wait_idle 60
res=$(h_compare quinn "$H_TMP/orig/quinn" "$H_MAIL_ROOT/quinn" 2>&1 | tail -n 1)
line="queue_disk: trials=1, messages=4, delivered=$(h_mail_count quinn), lost=$(printf '%s' "$res" | sed -n 's/.*missing=\([0-9]*\).*/\1/p'), duplicated=$(printf '%s' "$res" | sed -n 's/.*duplicated=\([0-9]*\).*/\1/p'), altered=$(printf '%s' "$res" | sed -n 's/.*altered=\([0-9]*\).*/\1/p'), stuck=$(h_pop_count quinn)"
echo "$line"
[ -z "${TORTURE_FIGURES:-}" ] || echo "$line" >>"$TORTURE_FIGURES"
h_check "room again: all 4 delivered exactly once ($res)" \
    h_compare quinn "$H_TMP/orig/quinn" "$H_MAIL_ROOT/quinn"
h_check "room again: server emptied" [ "$(h_pop_count quinn)" -eq 0 ]
h_done
