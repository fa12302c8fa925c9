# popconn.sh - helpers for tests that run popconn against the harness.
# Source after harness.sh.  Needs $TOP and $BUILD (tests/run.sh sets them).
#
#   p_config              write $H_TMP/etc/popconn.cf for the harness
#   p_config_sample       the shipped conf/popconn.cf, conf/mailboxes.cf
#                         and conf/passwords as installed, with only the
#                         settings in P_PATH_SETTINGS changed (to paths
#                         under $H_TMP); t_conf_sample.sh holds it to that
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
milter_state_directory = $H_TMP/milter-state
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

# The settings that name a file, a directory, a socket or another Postfix
# instance: the only ones p_config_sample may change in the sample.
P_PATH_SETTINGS="state_directory spool_directory control_socket pid_file
milter_pid_file milter_socket marker_secret_file postfix_config_directory
tls_ca_file milter_state_directory"
# And the user the service switches to: the tests run as root in a
# temporary directory, so the one-shot fetcher must not switch to the
# system's popconn user (which may exist: make install makes it).
P_RUNAS_SETTINGS="daemon_user"

# _p_path_value KEY: the test's value of path setting KEY.
_p_path_value() {
	case $1 in
	state_directory) echo "$H_TMP/state" ;;
	spool_directory) echo "$H_TMP/spool" ;;
	control_socket) echo "$H_TMP/fetcher.sock" ;;
	pid_file) echo "$H_TMP/fetcher.pid" ;;
	milter_pid_file) echo "$H_TMP/milter.pid" ;;
	milter_socket) echo "unix:$H_TMP/milter.sock" ;;
	marker_secret_file) echo "$P_ETC/marker.key" ;;
	postfix_config_directory) echo "${H_POSTFIX_CONF:-}" ;;
	tls_ca_file) echo "${H_CA:-}" ;;
	milter_state_directory) echo "$H_TMP/milter-state" ;;
	daemon_user) echo "" ;;
	*) return 1 ;;
	esac
}

# p_config_sample: install the sample configuration into $H_TMP/etc the
# way INSTALL says (copy conf/popconn.cf, mailboxes.cf, passwords; make a
# marker key), changing nothing but the P_PATH_SETTINGS: each one's
# commented default line "#key = value" becomes "key = <test path>" in
# place.  Fails when a path setting is not in the sample.  P_SAMPLE_EXTRA
# (lines appended) is for diagnosis by hand, never set by a test.  Add mailboxes
# with p_mailbox and passwords with p_password as for p_config.
p_config_sample() {
	P_ETC=$H_TMP/etc
	mkdir -p "$P_ETC" || return 1
	_pcs_map=
	for _pcs_k in $P_PATH_SETTINGS $P_RUNAS_SETTINGS; do
		_pcs_map="$_pcs_map$_pcs_k=$(_p_path_value "$_pcs_k")
"
	done
	printf '%s' "$_pcs_map" | awk -v sample="$TOP/conf/popconn.cf" '
		BEGIN { FS = "=" }
		{ k = $1; v = substr($0, length(k) + 2); want[k] = v; n++ }
		END {
			FS = " "
			while ((getline line < sample) > 0) {
				done = 0
				for (k in want) {
					if (line ~ ("^#?" k "[ 	]*=")) {
						print k " = " want[k]; seen[k] = 1; done = 1
						break
					}
				}
				if (!done)
					print line
			}
			bad = 0
			for (k in want)
				if (!(k in seen)) {
					print "p_config_sample: " k " is not in the sample" > "/dev/stderr"
					bad = 1
				}
			exit bad
		}' >"$P_ETC/popconn.cf" || return 1
	if [ -n "${P_SAMPLE_EXTRA:-}" ]; then
		# For diagnosis by hand only; no test sets it (t_conf_sample.sh).
		echo "p_config_sample: WARNING: P_SAMPLE_EXTRA adds settings to the sample" >&2
		printf '# P_SAMPLE_EXTRA (diagnosis only)\n%s\n' "$P_SAMPLE_EXTRA" >>"$P_ETC/popconn.cf"
	fi
	cp "$TOP/conf/mailboxes.cf" "$P_ETC/mailboxes.cf" || return 1
	cp "$TOP/conf/passwords" "$P_ETC/passwords" || return 1
	chmod 600 "$P_ETC/passwords"
	if [ ! -f "$P_ETC/marker.key" ]; then
		(umask 027; openssl rand -hex 32 >"$P_ETC/marker.key")
	fi
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

# p_ctl REQUEST [NAME... | LEVEL]: one request on the control socket, as
# the JSON line of include/ctl_proto.h ({"request":..., "mailboxes":[...]}
# or "level"); prints the answer.  p_ctl_raw LINE sends LINE as it is.
p_ctl() {
	_p_ctl json "$@"
}
p_ctl_raw() {
	_p_ctl raw "$1"
}
_p_ctl() {
	"$H_PYTHON" - "$H_TMP/fetcher.sock" "$@" <<'PY'
import json, socket, sys
mode, args = sys.argv[2], sys.argv[3:]
if mode == "raw":
    line = args[0]
else:
    req = {"request": args[0]}
    if args[0] == "log-level":
        req.update({"level": a for a in args[1:2]})
    elif args[1:]:
        req["mailboxes"] = args[1:]
    line = json.dumps(req, ensure_ascii=False)
s = socket.socket(socket.AF_UNIX)
s.settimeout(120)
s.connect(sys.argv[1])
s.sendall(line.encode("utf-8", "surrogateescape") + b"\n")
buf = b""
while True:
    try:
        d = s.recv(65536)
    except ConnectionResetError:	# it closed on bytes it did not read
        break
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

# p_dead_mailboxes N PORT: mailboxes.cf and passwords with N user
# mailboxes m00000.. on 127.0.0.1:PORT, where nothing listens (each poll
# fails fast): for tests of the service's scale and sharing.
p_dead_mailboxes() {
	"$H_PYTHON" - "$P_ETC" "$1" "$2" <<'PY'
import sys
etc, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(etc + "/mailboxes.cf", "w") as f, open(etc + "/passwords", "w") as p:
    for i in range(n):
        f.write("m%05d user pop3s://u%05d@127.0.0.1:%s m%05d@example.test\n"
                % (i, i, port, i))
        p.write("m%05d pw%05d\n" % (i, i))
PY
}
