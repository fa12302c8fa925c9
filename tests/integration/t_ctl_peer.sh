#!/bin/sh
# t_ctl_peer - who may use the fetcher's control socket (issue 19,
# defect 7): root, the fetcher's user and every member of its group,
# supplementary members included (the kernel's SO_PEERGROUPS), which is
# what the socket's mode 0660 lets in; anyone else is told "permission
# denied", not that the fetcher is stopped.  Numeric ids via setpriv: no
# user or group is created.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
command -v setpriv >/dev/null 2>&1 || { echo "no setpriv"; exit 77; }
H_POSTFIX_CONF=$H_TMP/no-postfix
p_config
chmod 755 "$H_TMP" "$P_ETC"
chmod 644 "$P_ETC/popconn.cf" "$P_ETC/mailboxes.cf"
G=42420		# the fetcher's group
# The fetcher keeps uid 0 but runs with group $G, as the service runs
# with group popconn.
setpriv --regid=$G --clear-groups "$P_FETCHER" -f -c "$P_ETC" \
    >>"$H_TMP/daemon.log" 2>&1 &
P_DAEMON_PID=$!
h_track_pid "$P_DAEMON_PID"
n=100
while [ ! -S "$H_TMP/fetcher.sock" ] && [ "$n" -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
h_check "control socket is group $G, mode 0660" \
    [ "$(stat -c '%g %a' "$H_TMP/fetcher.sock")" = "$G 660" ]
rc=0
setpriv --reuid=42421 --regid=42422 --groups=$G "$CTL" -c "$P_ETC" status \
    >"$H_TMP/member.out" 2>&1 || rc=$?
h_check "a supplementary member of the group gets the status (rc $rc)" \
    grep -q '^fetcher: idle' "$H_TMP/member.out"
rc=0
setpriv --reuid=42421 --regid=42422 --clear-groups "$CTL" -c "$P_ETC" \
    status >"$H_TMP/other.out" 2>&1 || rc=$?
h_check "a stranger is told permission denied, not stopped" \
    sh -c "grep -q '^fetcher: permission denied' '$H_TMP/other.out' &&
    ! grep -q '^fetcher: stopped' '$H_TMP/other.out'"
h_check "status --json says denied" sh -c "setpriv --reuid=42421 \
    --regid=42422 --clear-groups '$CTL' -c '$P_ETC' status --json 2>/dev/null |
    grep -q '\"service\":\"denied\"'"
cat "$H_TMP/member.out" "$H_TMP/other.out"
h_done
