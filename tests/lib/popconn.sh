# popconn.sh - helpers for tests that run popconn against the harness.
# Source after harness.sh.  Needs $TOP and $BUILD (tests/run.sh sets them).
#
#   p_config              write $H_TMP/etc/popconn.cf for the harness
#   p_mailbox LINE...     append an entry to mailboxes.cf
#   p_password NAME PASS  append to passwords (mode 0600)
#   p_fetch [ARGS...]     run one fetch cycle; log in $H_TMP/fetcher.log;
#                         its exit status in $P_STATUS
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
P_FETCHER=$TOP/$BUILD/popconn-fetcher
P_ETC=
export TOP BUILD

p_config() {
	P_ETC=$H_TMP/etc
	mkdir -p "$P_ETC"
	cat >"$P_ETC/popconn.cf" <<EOT
# written by tests/lib/popconn.sh
state_directory = $H_TMP/state
spool_directory = $H_TMP/spool
postfix_config_directory = $H_POSTFIX_CONF
tls_ca_file = ${H_CA:-}
myhostname = popconn-test.localdomain
marker_secret_file = $H_TMP/etc/marker.key
control_socket = $H_TMP/fetcher.sock
pid_file = $H_TMP/fetcher.pid
milter_pid_file = $H_TMP/milter.pid
daemon_user =
undeliverable_mailbox = postmaster@${H_POSTFIX_DOMAIN:-example.test}
log_level = medium
${P_EXTRA_CF:-}
EOT
	if [ ! -f "$P_ETC/marker.key" ]; then
		(umask 027; openssl rand -hex 32 >"$P_ETC/marker.key")
	fi
	: >"$P_ETC/mailboxes.cf"
	: >"$P_ETC/passwords"
	chmod 600 "$P_ETC/passwords"
}

p_mailbox() {
	for l in "$@"; do
		printf '%s\n' "$l" >>"$P_ETC/mailboxes.cf"
	done
}

p_password() {
	printf '%s %s\n' "$1" "$2" >>"$P_ETC/passwords"
}

p_fetch() {
	P_STATUS=0
	"$P_FETCHER" -f -1 -c "$P_ETC" "$@" >>"$H_TMP/fetcher.log" 2>&1 ||
	    P_STATUS=$?
	return 0
}

# p_daemon_start: run popconn-fetcher as a service in the background
# (log in $H_TMP/daemon.log); waits for its control socket.
p_daemon_start() {
	"$P_FETCHER" -f -c "$P_ETC" "$@" >>"$H_TMP/daemon.log" 2>&1 &
	P_DAEMON_PID=$!
	h_track_pid "$P_DAEMON_PID"
	_n=100
	while [ ! -S "$H_TMP/fetcher.sock" ] && [ "$_n" -gt 0 ]; do
		sleep 0.05; _n=$((_n - 1))
	done
	[ -S "$H_TMP/fetcher.sock" ]
}

# p_ctl REQUEST: one request on the control socket; prints the answer.
p_ctl() {
	"$H_PYTHON" - "$H_TMP/fetcher.sock" "$*" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(120)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
sys.stdout.write(buf.decode("utf-8", "replace"))
PY
}

# p_fake_sendmail STATUS: a sendmail that exits STATUS without delivering.
p_fake_sendmail() {
	_f=$H_TMP/fake-sendmail-$1
	printf '#!/bin/sh\ncat >/dev/null\nexit %s\n' "$1" >"$_f"
	chmod 755 "$_f"
	echo "$_f"
}
