# shellcheck shell=sh
# harness.sh - real-server test harness for popconn (POSIX sh, dash-safe).
#
# Source it from a test script (it finds its own directory from $0, or
# set H_LIB_DIR), then:
#
#   h_init                          $H_TMP + cleanup traps (not root: exit 77)
#   h_ca                            test CA and certificates in $H_TMP/ssl
#   h_dovecot_start "u1:p1 u2:p2"   private Dovecot: POP3 (+STLS) and POP3S
#   h_postfix_start DOMAIN "u1 u2"  private Postfix: sendmail in, Maildir out
#   h_postfix_site_start MODE DOMAIN "u1 u2"
#                                   the same, set up as a site runs it:
#                                   MODE mydestination (local(8) + aliases)
#                                   or virtual (virtual_mailbox_domains)
#   h_maillog_relays                fails (and prints them) if recipients
#                                   reached the error/remote transport
#   h_maillog_rcpts [MSGID]         envelope recipients per Message-ID,
#                                   from the maillog
#   h_sendmail ARGS...              /usr/sbin/sendmail -C $H_POSTFIX_CONF ARGS
#   h_postfix_wait_idle [SECS]      kick pickup, wait for maildrop/incoming/
#                                   active to empty (default 30 s)
#   h_seed USER COUNT [SEED]        generated mail into USER's POP3 Maildir,
#                                   copies in $H_TMP/orig/USER
#   h_compare USER [ORIG] [MAILDIR] "delivered=D missing=M duplicated=X
#                                   altered=A"; 0 only if all arrived intact
#   h_pop_count USER                messages left in USER's POP3 Maildir
#   h_mail_count USER               messages Postfix delivered to USER
#   h_log_tail [LINES]              tails of the Dovecot log and the maillog
#   h_track_pid PID                 stop PID (and its children) at cleanup
#   h_spawn NAME CMD...             run CMD in the background under a guard
#                                   (H_SPAWN_PID, H_SPAWN_LOG); stopped at
#                                   cleanup; h_spawn_wait NAME [SECS],
#                                   h_spawn_status NAME give its exit status
#   h_at_cleanup 'SHELL CODE'       eval'd at cleanup, before daemons stop
#   h_pids                          "pid comm" of every process running now
#   h_check DESC CMD...             run CMD; "ok - DESC" / "not ok - DESC"
#   h_ok DESC, h_not_ok DESC        record a result decided by the caller
#   h_done                          "# passed=N failed=M"; 0 if none failed
#   h_free_port                     a free TCP port on 127.0.0.1
#   h_cleanup                       what the traps run (idempotent)
#
# Exported: H_TMP H_LIB_DIR H_CA H_SSL_DIR; H_POP3_PORT H_POP3S_PORT H_DOVECOT_LOG
# H_DOVECOT_CONF H_DOVECOT_PID H_POP_MAILDIR_ROOT (USER's Maildir is
# $H_POP_MAILDIR_ROOT/USER/Maildir); H_POSTFIX_CONF H_POSTFIX_SPOOL
# H_POSTFIX_DOMAIN H_POSTFIX_PID H_MAIL_ROOT (USER's Maildir is
# $H_MAIL_ROOT/USER) H_MAILLOG; H_VUID H_VGID (65534, the virtual uid/gid).
# H_PYTHON: the python3 to run (/usr/bin/python3 when there: a pyenv shim
# costs 0.35 s a call).  Helpers beside this file, run with "$H_PYTHON":
# seed.py, compare.py, pop3probe.py (POP3/TLS/SASL client), guard.py.
# Knobs (environment): KEEP=1 keeps $H_TMP; H_QUIET=1 hushes progress
# lines; H_POSTFIX_EXTRA_MAIN / H_POSTFIX_EXTRA_MASTER / H_DOVECOT_EXTRA
# append lines to main.cf / master.cf / dovecot.conf; H_POSTFIX_CLEANUP_ARGS
# adds arguments to master.cf's cleanup service (e.g. "-o
# milter_macro_daemon_name=local-submit"); H_SEED_TO sets To:
# in h_seed, H_SEED_MAX_SIZE=N caps its message sizes near N bytes;
# H_COMPARE_TRACE adds header names h_compare may find
# prepended; H_DOVECOT_AUTH_FAILURE_DELAY (default 0 s) and
# H_DOVECOT_AUTH_PENALTY=1 restore Dovecot's slow-down after failed logins.
#
# Everything the harness starts is stopped by PID at exit (normal end,
# `set -e` failure, INT, TERM, HUP), and $H_TMP is removed unless KEEP=1.
# Daemons run below guard.py, which also kills them (and removes $H_TMP)
# if the test shell dies by SIGKILL.  Every wait is bounded.  Functions
# return non-zero on failure with a message on stderr, with or without
# the caller's `set -e`.  Call h_init, h_*_start and h_spawn from the
# test's own shell, not inside $(...) or a pipeline.  h_init owns the EXIT,
# INT, TERM and HUP traps: add cleanup work with h_at_cleanup instead of
# a trap of your own.  A pending trap runs
# only when the foreground command ends: wait for long things with
# `CMD & wait $!` if a prompt reaction to TERM matters.

# ---------------------------------------------------------------- globals

# Debian's python3 starts in 0.03 s; a pyenv shim first in PATH takes
# 0.35 s per call, which adds up over a test.  Override with H_PYTHON.
if [ -z "${H_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then H_PYTHON=/usr/bin/python3; else H_PYTHON=python3; fi
fi
export H_PYTHON

H_VUID=${H_VUID:-65534}         # virtual mail uid (nobody)
H_VGID=${H_VGID:-65534}         # virtual mail gid (nogroup)
export H_VUID H_VGID

_H_DOVECOT_PID=
_H_DOVECOT_RUN=
_H_POSTFIX_PID=
_H_POSTFIX_CONF=
_H_POSTFIX_SPOOL=
_H_PIDS=
_H_GUARDS=
_H_CLEANUP_CODE=
_H_CLEANED=0
H_FAILED=0
H_PASSED=0

# Where this library lives (for seed.py / compare.py).  A sourced file
# cannot see its own path in POSIX sh: try H_LIB_DIR, then paths relative
# to the test script, then the current directory.
_h_find_lib() {
	for _d in "${H_LIB_DIR:-}" "$(dirname "$0")/../lib" \
	    "$(dirname "$0")/lib" "$(dirname "$0")/tests/lib" \
	    "$(dirname "$0")" ./tests/lib; do
		if [ -n "$_d" ] && [ -f "$_d/seed.py" ] && [ -f "$_d/harness.sh" ]; then
			(cd "$_d" && pwd)
			return 0
		fi
	done
	return 1
}
H_LIB_DIR=$(_h_find_lib) || H_LIB_DIR=
export H_LIB_DIR

_h_err() { echo "harness: $*" >&2; }
_h_info() { [ "${H_QUIET:-0}" = 1 ] || echo "harness: $*" >&2; }

# --------------------------------------------------------------- processes

# _h_alive PID: true when PID exists and is not a zombie.
_h_alive() {
	[ -n "$1" ] || return 1
	[ -r "/proc/$1/stat" ] || return 1
	# field 3 of /proc/PID/stat is the state; comm (field 2) may hold spaces
	_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# _h_comm PID: the command name of PID (empty when gone).
_h_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }

# _h_tree PID: prints "pid comm" for PID and all its descendants.
_h_tree() {
	ps -e -o pid= -o ppid= -o comm= 2>/dev/null | awk -v root="$1" '
		{
			pid[NR] = $1; ppid[NR] = $2; n = NR
			c = $0; sub(/^ *[0-9]+ +[0-9]+ /, "", c); comm[NR] = c
		}
		END {
			want[root] = 1; changed = 1
			while (changed) {
				changed = 0
				for (i = 1; i <= n; i++)
					if (!(pid[i] in want) && (ppid[i] in want)) {
						want[pid[i]] = 1; changed = 1
					}
			}
			for (i = 1; i <= n; i++)
				if (pid[i] in want) print pid[i], comm[i]
		}'
}

# _h_wait_gone SECS PID...: wait until no PID is alive; false on timeout.
_h_wait_gone() {
	_wg_t=$1; shift
	_wg_n=$((_wg_t * 20))
	while [ "$_wg_n" -gt 0 ]; do
		_wg_any=0
		for _wg_p in "$@"; do
			if _h_alive "$_wg_p"; then _wg_any=1; break; fi
		done
		[ "$_wg_any" = 0 ] && return 0
		sleep 0.05
		_wg_n=$((_wg_n - 1))
	done
	return 1
}

# _h_stop_tree PID: stop a process (TERM, KILL after 5 s) and all below it.
# The tree is recorded first; after the main PID is gone, any recorded
# descendant still alive with the same command name is stopped too.
_h_stop_tree() {
	_st_pid=$1
	_h_alive "$_st_pid" || return 0
	_st_tree=$(_h_tree "$_st_pid")
	kill -TERM "$_st_pid" 2>/dev/null || true
	if ! _h_wait_gone 5 "$_st_pid"; then
		_h_err "pid $_st_pid ignored SIGTERM; sending SIGKILL"
		kill -KILL "$_st_pid" 2>/dev/null || true
		_h_wait_gone 2 "$_st_pid" || true
	fi
	_h_kill_leftovers "$_st_tree"
}

# _h_kill_leftovers "pid comm\n...": TERM then KILL those still alive
# (and still running the same program: never a recycled pid).
_h_kill_leftovers() {
	_kl_left=
	_kl_old_ifs=$IFS
	IFS='
'
	for _kl_line in $1; do
		IFS=$_kl_old_ifs
		_kl_p=${_kl_line%% *}
		_kl_c=${_kl_line#* }
		if _h_alive "$_kl_p" && [ "$(_h_comm "$_kl_p")" = "$_kl_c" ]; then
			kill -TERM "$_kl_p" 2>/dev/null || true
			_kl_left="$_kl_left $_kl_p"
		fi
	done
	IFS=$_kl_old_ifs
	[ -n "$_kl_left" ] || return 0
	# shellcheck disable=SC2086
	if ! _h_wait_gone 3 $_kl_left; then
		for _kl_p in $_kl_left; do
			kill -KILL "$_kl_p" 2>/dev/null || true
		done
		# shellcheck disable=SC2086
		_h_wait_gone 2 $_kl_left || _h_err "could not stop:$_kl_left"
	fi
}

# h_track_pid PID: stop PID (and its descendants) at cleanup.
h_track_pid() {
	[ -n "$1" ] || { _h_err "h_track_pid: no pid"; return 1; }
	_H_PIDS="$_H_PIDS $1"
}

# h_at_cleanup 'CODE': run CODE (eval) at cleanup, before daemons stop.
h_at_cleanup() {
	_H_CLEANUP_CODE="${_H_CLEANUP_CODE}${1}
"
}

# h_pids: prints "pid comm" for every daemon process the harness runs now
# (Dovecot and Postfix masters and their children, tracked pids).
h_pids() {
	for _hp in $_H_PIDS $_H_DOVECOT_PID $_H_POSTFIX_PID; do
		_h_alive "$_hp" && _h_tree "$_hp"
	done
	return 0
}

# _h_guard NAME CMD...: run CMD in the background under guard.py, which
# keeps whatever CMD forks off (daemons) below it, reaps their zombies and
# kills them all if this shell dies (even by SIGKILL).  Output goes to
# $H_TMP/guard/NAME.out, "pid N" and "exit S" to $H_TMP/guard/NAME.status.
# Call it from the test's own shell (not from $(...) or a pipeline): the
# guard stops everything when the shell that started it exits.
_h_guard() {
	_g_name=$1; shift
	mkdir -p "$H_TMP/guard" || return 1
	rm -f "$H_TMP/guard/$_g_name.status"
	if [ "${KEEP:-0}" = 1 ]; then set -- --rmdir "" -- "$@"
	else set -- --rmdir "$H_TMP" -- "$@"; fi
	"$H_PYTHON" "$H_LIB_DIR/guard.py" --status "$H_TMP/guard/$_g_name.status" \
	    "$@" </dev/null >"$H_TMP/guard/$_g_name.out" 2>&1 &
	_H_GUARD_PID=$!
	_H_GUARDS="$_H_GUARDS $!"
}

# _h_guard_field NAME KEY SECS: wait for "KEY value" in NAME's status
# file (bounded) and print the value.
_h_guard_field() {
	_gf_n=$(($3 * 20))
	_gf_f=$H_TMP/guard/$1.status
	while :; do
		if [ -f "$_gf_f" ]; then
			_gf_v=$(sed -n "s/^$2 //p" "$_gf_f")
			if [ -n "$_gf_v" ]; then echo "$_gf_v"; return 0; fi
		fi
		[ "$_gf_n" -gt 0 ] || return 1
		sleep 0.05
		_gf_n=$((_gf_n - 1))
	done
}

# _h_guard_exit NAME SECS: CMD's exit status (empty on timeout).
_h_guard_exit() { _h_guard_field "$1" exit "$2" || true; }

# _h_stop_guards: guards end by themselves once their daemons are gone;
# TERM any still there (a guard then kills what is left below it).
_h_stop_guards() {
	[ -n "$_H_GUARDS" ] || return 0
	# shellcheck disable=SC2086
	if ! _h_wait_gone 3 $_H_GUARDS; then
		for _sg in $_H_GUARDS; do
			kill -TERM "$_sg" 2>/dev/null || true
		done
		# shellcheck disable=SC2086
		_h_wait_gone 8 $_H_GUARDS || _h_err "guard did not exit:$_H_GUARDS"
	fi
	for _sg in $_H_GUARDS; do
		wait "$_sg" 2>/dev/null || true
	done
	_H_GUARDS=
}

# h_spawn NAME CMD...: run a foreground program (say, the fetcher) in the
# background under a guard.  Sets H_SPAWN_PID (CMD's own pid, for kill
# -USR1 and the like) and H_SPAWN_LOG (its stdout+stderr); CMD is stopped
# at cleanup.  h_spawn_wait NAME [SECS] waits (default 30 s) for it to end
# and prints its exit status (128+N for signal N; status 1 on timeout);
# h_spawn_status NAME prints it if it has ended (else status 1).
h_spawn() {
	[ $# -ge 2 ] || { _h_err "usage: h_spawn NAME CMD..."; return 1; }
	_sp_name=$1
	_h_guard "$@" || return 1
	H_SPAWN_PID=$(_h_guard_field "$_sp_name" pid 10) || {
		_h_err "h_spawn: $_sp_name did not start"; return 1; }
	H_SPAWN_LOG=$H_TMP/guard/$_sp_name.out
	export H_SPAWN_PID H_SPAWN_LOG
	h_track_pid "$H_SPAWN_PID"
	return 0
}
h_spawn_wait() { _h_guard_field "$1" exit "${2:-30}"; }
h_spawn_status() { _h_guard_field "$1" exit 0; }

# ------------------------------------------------------------ init/cleanup

h_init() {
	if [ "$(id -u)" != 0 ]; then
		echo "harness: SKIP: must run as root (private Postfix/Dovecot)" >&2
		exit 77
	fi
	for _c in "$H_PYTHON" openssl ps; do
		command -v "$_c" >/dev/null 2>&1 || {
			echo "harness: SKIP: $_c not installed" >&2
			exit 77
		}
	done
	if [ -z "$H_LIB_DIR" ]; then
		_h_err "cannot find tests/lib (set H_LIB_DIR)"
		return 1
	fi
	H_TMP=$(mktemp -d /tmp/popconn-test.XXXXXX) || {
		_h_err "mktemp failed"; return 1; }
	chmod 0755 "$H_TMP"
	export H_TMP
	_H_CLEANED=0
	trap '_h_exit_trap' EXIT
	trap '_h_sig_trap 129' HUP
	trap '_h_sig_trap 130' INT
	trap '_h_sig_trap 143' TERM
	mkdir -p "$H_TMP/log" "$H_TMP/orig"
	chmod 0755 "$H_TMP/log" "$H_TMP/orig"
	return 0
}

_h_exit_trap() {
	_et_rc=$?
	h_cleanup
	exit "$_et_rc"
}

_h_sig_trap() {
	trap - EXIT HUP INT TERM
	_h_err "caught signal, cleaning up"
	h_cleanup
	exit "$1"
}

# h_cleanup: stop everything the harness started, remove $H_TMP (unless
# KEEP=1).  Idempotent; the EXIT trap calls it.
h_cleanup() {
	[ "$_H_CLEANED" = 1 ] && return 0
	_H_CLEANED=1
	if [ -n "$_H_CLEANUP_CODE" ]; then
		eval "$_H_CLEANUP_CODE" || true
	fi
	for _cp in $_H_PIDS; do
		_h_stop_tree "$_cp"
		wait "$_cp" 2>/dev/null || true
	done
	_H_PIDS=
	_h_postfix_stop
	_h_dovecot_stop
	_h_stop_guards
	if [ -n "${H_TMP:-}" ] && [ ! -d "$H_TMP" ]; then
		_h_err "note: $H_TMP vanished before cleanup (removed by someone else?)"
	elif [ -n "${H_TMP:-}" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			echo "harness: KEEP=1: test files left in $H_TMP" >&2
		else
			rm -rf "$H_TMP"
		fi
	fi
	return 0
}

# ------------------------------------------------------------------- misc

# h_free_port: prints a currently free TCP port on 127.0.0.1.
h_free_port() {
	"$H_PYTHON" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# _h_wait_ports SECS PID PORT...: wait until every PORT on 127.0.0.1
# accepts connections; fails early when PID (the server) dies.
_h_wait_ports() {
	"$H_PYTHON" - "$@" <<'EOF'
import os, socket, sys, time
secs, pid, ports = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
end = time.monotonic() + secs
pending = [int(p) for p in ports]
def alive(p):
    try:
        with open("/proc/%d/stat" % p) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False
while pending and time.monotonic() < end:
    if pid and not alive(pid):
        print("harness: server pid %d died" % pid, file=sys.stderr)
        sys.exit(1)
    port = pending[0]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        pending.pop(0)
        continue
    except OSError:
        time.sleep(0.05)
if pending:
    print("harness: ports not answering: %s" % pending, file=sys.stderr)
    sys.exit(1)
EOF
}

# h_log_tail [LINES]: tails of the Dovecot log and the maillog.
h_log_tail() {
	_lt_n=${1:-40}
	for _lt_f in "${H_DOVECOT_LOG:-}" "${H_MAILLOG:-}"; do
		[ -n "$_lt_f" ] || continue
		echo "----- last $_lt_n lines of $_lt_f -----" >&2
		if [ -f "$_lt_f" ]; then
			tail -n "$_lt_n" "$_lt_f" >&2
		else
			echo "(no such file)" >&2
		fi
	done
	echo "----- end -----" >&2
}

# h_check DESC CMD...: run CMD; print "ok - DESC" or "not ok - DESC".
h_check() {
	_ck_desc=$1; shift
	if "$@"; then
		echo "ok - $_ck_desc"
		H_PASSED=$((H_PASSED + 1))
		return 0
	fi
	echo "not ok - $_ck_desc"
	H_FAILED=$((H_FAILED + 1))
	return 1
}

# h_ok DESC / h_not_ok DESC: record a result computed by the caller.
h_ok() { echo "ok - $1"; H_PASSED=$((H_PASSED + 1)); }
h_not_ok() { echo "not ok - $1"; H_FAILED=$((H_FAILED + 1)); return 1; }

# h_done: print a summary; status 0 when nothing failed.
h_done() {
	echo "# passed=$H_PASSED failed=$H_FAILED"
	[ "$H_FAILED" = 0 ]
}

# ------------------------------------------------------------------- TLS

# h_ca: test CA + certificates in $H_TMP/ssl:
#   ca.pem ca.key               the test CA (export H_CA)
#   server.pem server.key       CN localhost, SAN DNS:localhost,
#                               IP:127.0.0.1, IP:::1 (signed by the CA)
#   selfsigned.pem .key         same names, self-signed (untrusted)
#   wronghost.pem .key          CN/SAN wrong.example (signed by the CA)
#   expired.pem .key            names as server, signed by the CA,
#                               valid 2020-01-01..2020-02-01
#   chain.pem                   server.pem + ca.pem
# All keys are EC P-256.
h_ca() {
	[ -n "${H_TMP:-}" ] || { _h_err "h_ca: call h_init first"; return 1; }
	_s=$H_TMP/ssl
	[ -f "$_s/ca.pem" ] && { H_CA=$_s/ca.pem; H_SSL_DIR=$_s; export H_CA H_SSL_DIR; return 0; }
	mkdir -p "$_s/db" || return 1
	chmod 0755 "$_s"
	: >"$_s/db/index.txt"
	echo 1000 >"$_s/db/serial"
	cat >"$_s/openssl.cnf" <<EOF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ v3_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ v3_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
[ ca ]
default_ca = testca
[ testca ]
dir = $_s/db
database = $_s/db/index.txt
serial = $_s/db/serial
new_certs_dir = $_s/db
certificate = $_s/ca.pem
private_key = $_s/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no
[ anything ]
commonName = supplied
EOF
	(
		set -e
		cd "$_s"
		_o() { openssl "$@" >>"$_s/openssl.log" 2>&1; }
		_key() { _o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
		_key ca.key
		_o req -config openssl.cnf -new -x509 -key ca.key -out ca.pem \
		    -days 3650 -subj "/CN=popconn test CA" -extensions v3_ca
		# name sign: CSR and CA-signed cert
		_sign() {
			_key "$1.key"
			_o req -config openssl.cnf -new -key "$1.key" -out "$1.csr" \
			    -subj "/CN=$2"
			_o x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
			    -CAcreateserial -days 3650 -sha256 -out "$1.pem" \
			    -extfile openssl.cnf -extensions "$3"
		}
		_sign server localhost v3_server
		_sign wronghost wrong.example v3_wrong
		_key selfsigned.key
		_o req -config openssl.cnf -new -x509 -key selfsigned.key \
		    -out selfsigned.pem -days 3650 -subj "/CN=localhost" \
		    -extensions v3_self
		_key expired.key
		_o req -config openssl.cnf -new -key expired.key -out expired.csr \
		    -subj "/CN=localhost"
		_o ca -batch -config openssl.cnf -notext -in expired.csr \
		    -out expired.pem -startdate 20200101000000Z \
		    -enddate 20200201000000Z -extensions v3_server
		cat server.pem ca.pem >chain.pem
		chmod 0644 ./*.pem
		chmod 0600 ./*.key
	) || {
		_h_err "h_ca: openssl failed:"
		cat "$_s/openssl.log" >&2
		return 1
	}
	H_CA=$_s/ca.pem
	H_SSL_DIR=$_s
	export H_CA H_SSL_DIR
	return 0
}

# ---------------------------------------------------------------- Dovecot

# h_dovecot_start "user1:pass1 user2:pass2 ...": start a private Dovecot
# (POP3 only).  Exports H_POP3_PORT (plain + STLS), H_POP3S_PORT (implicit
# TLS), H_DOVECOT_LOG, H_POP_MAILDIR_ROOT (USER's Maildir is
# $H_POP_MAILDIR_ROOT/USER/Maildir), H_DOVECOT_CONF, H_DOVECOT_PID.
h_dovecot_start() {
	[ -n "${H_TMP:-}" ] || { _h_err "h_dovecot_start: call h_init first"; return 1; }
	command -v dovecot >/dev/null 2>&1 || {
		echo "harness: SKIP: dovecot not installed" >&2; exit 77; }
	[ -x /usr/lib/dovecot/pop3 ] || {
		echo "harness: SKIP: dovecot-pop3d not installed" >&2; exit 77; }
	if [ -n "$_H_DOVECOT_PID" ]; then
		_h_err "h_dovecot_start: already running"; return 1
	fi
	h_ca || return 1
	_dd=$H_TMP/dovecot
	H_POP_MAILDIR_ROOT=$H_TMP/pop
	H_DOVECOT_LOG=$_dd/dovecot.log
	H_DOVECOT_CONF=$_dd/dovecot.conf
	export H_POP_MAILDIR_ROOT H_DOVECOT_LOG H_DOVECOT_CONF
	mkdir -p "$_dd/run" "$_dd/state" "$H_POP_MAILDIR_ROOT" || return 1
	chmod 0755 "$_dd" "$_dd/run" "$_dd/state" "$H_POP_MAILDIR_ROOT"
	: >"$H_DOVECOT_LOG"
	: >"$_dd/users"
	for _u in $1; do
		_name=${_u%%:*}
		_pass=${_u#*:}
		if [ -z "$_name" ] || [ "$_name" = "$_u" ]; then
			_h_err "h_dovecot_start: bad user spec '$_u' (want user:pass)"
			return 1
		fi
		printf '%s:{PLAIN}%s::::::\n' "$_name" "$_pass" >>"$_dd/users"
		_md=$H_POP_MAILDIR_ROOT/$_name/Maildir
		mkdir -p "$_md/cur" "$_md/new" "$_md/tmp" || return 1
		chown -R "$H_VUID:$H_VGID" "$H_POP_MAILDIR_ROOT/$_name"
		chmod 0700 "$_md" "$_md/cur" "$_md/new" "$_md/tmp"
	done
	# the auth process runs as user dovecot
	if chown root:dovecot "$_dd/users" 2>/dev/null; then
		chmod 0640 "$_dd/users"
	else
		chmod 0644 "$_dd/users"
	fi

	_tries=0
	while :; do
		_tries=$((_tries + 1))
		if [ "$_tries" -gt 8 ]; then
			_h_err "h_dovecot_start: no free port pair found"
			return 1
		fi
		H_POP3_PORT=$(h_free_port) && H_POP3S_PORT=$(h_free_port) || return 1
		[ "$H_POP3_PORT" != "$H_POP3S_PORT" ] || continue
		_h_dovecot_conf >"$H_DOVECOT_CONF" || return 1
		if ! doveconf -c "$H_DOVECOT_CONF" -n >"$_dd/doveconf.out" 2>&1; then
			_h_err "h_dovecot_start: configuration rejected:"
			cat "$_dd/doveconf.out" >&2
			return 1
		fi
		rm -f "$_dd/run/master.pid"
		_h_guard dovecot dovecot -c "$H_DOVECOT_CONF"
		_rc=$(_h_guard_exit dovecot 20)
		cp "$H_TMP/guard/dovecot.out" "$_dd/start.out" 2>/dev/null
		if [ "$_rc" = 0 ]; then
			_n=100
			while [ ! -s "$_dd/run/master.pid" ] && [ "$_n" -gt 0 ]; do
				sleep 0.05; _n=$((_n - 1))
			done
			_H_DOVECOT_PID=$(cat "$_dd/run/master.pid" 2>/dev/null)
			_H_DOVECOT_RUN=$_dd/run
			if [ -n "$_H_DOVECOT_PID" ] &&
			    _h_wait_ports 10 "$_H_DOVECOT_PID" "$H_POP3_PORT" "$H_POP3S_PORT"; then
				break
			fi
			_h_err "h_dovecot_start: Dovecot did not come up"
			cat "$_dd/start.out" >&2
			h_log_tail 60
			_h_dovecot_stop
			return 1
		fi
		# a port taken between h_free_port and bind: try new ports
		if grep -q 'Address already in use' "$_dd/start.out"; then
			_h_info "port collision, retrying"
			continue
		fi
		_h_err "h_dovecot_start: dovecot failed to start:"
		cat "$_dd/start.out" >&2
		h_log_tail 60
		return 1
	done
	H_DOVECOT_PID=$_H_DOVECOT_PID
	export H_POP3_PORT H_POP3S_PORT H_DOVECOT_PID
	_h_info "Dovecot pid $_H_DOVECOT_PID: pop3 127.0.0.1:$H_POP3_PORT, pop3s 127.0.0.1:$H_POP3S_PORT"
	return 0
}

_h_dovecot_conf() {
	cat <<EOF
# private Dovecot for popconn tests (generated by tests/lib/harness.sh)
instance_name = $(basename "$H_TMP")
base_dir = $_dd/run
state_dir = $_dd/state
log_path = $H_DOVECOT_LOG
info_log_path = $H_DOVECOT_LOG
debug_log_path = $H_DOVECOT_LOG
log_timestamp = "%Y-%m-%d %H:%M:%S "
protocols = pop3
listen = 127.0.0.1
shutdown_clients = yes
import_environment = TZ

ssl = yes
ssl_cert = <$H_TMP/ssl/server.pem
ssl_key = <$H_TMP/ssl/server.key
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256 apop
auth_verbose = yes
auth_failure_delay = ${H_DOVECOT_AUTH_FAILURE_DELAY:-0}
login_trusted_networks =
first_valid_uid = $H_VUID
last_valid_uid = $H_VUID
first_valid_gid = $H_VGID
last_valid_gid = $H_VGID

passdb {
  driver = passwd-file
  args = scheme=PLAIN $_dd/users
}
userdb {
  driver = static
  args = uid=$H_VUID gid=$H_VGID home=$H_POP_MAILDIR_ROOT/%u
}

mail_location = maildir:$H_POP_MAILDIR_ROOT/%u/Maildir
pop3_uidl_format = %08Xu%08Xv

service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $H_POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $H_POP3S_PORT
    ssl = yes
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    port = 0
  }
}
EOF
	# Dovecot delays logins from an IP after failures from that IP (anvil's
	# auth penalty, up to 15 s): a test that checks a wrong password would
	# slow every later login.  A 0 mode on the socket turns it off.
	if [ "${H_DOVECOT_AUTH_PENALTY:-0}" != 1 ]; then
		cat <<EOF
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
	fi
	if [ -n "${H_DOVECOT_EXTRA:-}" ]; then
		printf '%s\n' "$H_DOVECOT_EXTRA"
	fi
}

# _h_dovecot_stop: stop the master we started and, should a test have
# restarted Dovecot, the one named in base_dir/master.pid.
_h_dovecot_stop() {
	[ -n "$_H_DOVECOT_RUN" ] || return 0
	for _dp in "$_H_DOVECOT_PID" \
	    "$(sed -n '1s/ //gp' "$_H_DOVECOT_RUN/master.pid" 2>/dev/null)"; do
		if [ -n "$_dp" ] && _h_alive "$_dp" && [ "$(_h_comm "$_dp")" = dovecot ]; then
			# On SIGTERM the master alone waits about 1 s for its
			# stats process; TERM the whole tree at once (0.15 s).
			_ds_tree=$(_h_tree "$_dp")
			kill -TERM "$_dp" 2>/dev/null || true
			for _ds_p in $(echo "$_ds_tree" | awk '{ print $1 }'); do
				[ "$_ds_p" = "$_dp" ] && continue
				kill -TERM "$_ds_p" 2>/dev/null || true
			done
			_h_stop_tree "$_dp"
			_h_kill_leftovers "$_ds_tree"
		fi
	done
	_H_DOVECOT_PID=
	_H_DOVECOT_RUN=
}

# h_pop_count USER: messages still in USER's Dovecot Maildir (new + cur).
h_pop_count() {
	_pc_md=$H_POP_MAILDIR_ROOT/$1/Maildir
	[ -d "$_pc_md" ] || { _h_err "h_pop_count: no Maildir for '$1'"; echo 0; return 1; }
	find "$_pc_md/new" "$_pc_md/cur" -maxdepth 1 -type f | wc -l | tr -d ' '
}

# h_seed USER COUNT [SEED]: write COUNT generated messages into USER's
# Dovecot Maildir (new/) and the same bytes into $H_TMP/orig/USER/.
# H_SEED_TO sets the To: address (default USER@$H_POSTFIX_DOMAIN, else
# USER@example.test); H_SEED_MAX_SIZE=N caps sizes near N bytes.  Message
# K has Subject "popconn test K"; Dovecot serves them in seed order.
h_seed() {
	[ $# -ge 2 ] || { _h_err "usage: h_seed USER COUNT [SEED]"; return 1; }
	_sd_md=$H_POP_MAILDIR_ROOT/$1/Maildir
	[ -d "$_sd_md/new" ] || { _h_err "h_seed: no Maildir for '$1' (h_dovecot_start first)"; return 1; }
	"$H_PYTHON" "$H_LIB_DIR/seed.py" --user "$1" --count "$2" --seed "${3:-1}" \
	    --max-size "${H_SEED_MAX_SIZE:-0}" \
	    --to "${H_SEED_TO:-$1@${H_POSTFIX_DOMAIN:-example.test}}" \
	    --maildir "$_sd_md" \
	    --orig "$H_TMP/orig/$1" --uid "$H_VUID" --gid "$H_VGID"
}

# --------------------------------------------------------------- Postfix

# h_postfix_start DOMAIN "user1 user2 ...": start a private Postfix that
# takes mail only from sendmail (no inet services) and delivers
# USER@DOMAIN to the Maildir $H_MAIL_ROOT/USER/; everything else bounces.
# H_POSTFIX_EXTRA_MAIN / H_POSTFIX_EXTRA_MASTER: lines appended to
# main.cf / master.cf.  Exports H_POSTFIX_CONF, H_MAIL_ROOT, H_MAILLOG,
# H_POSTFIX_SPOOL, H_POSTFIX_DOMAIN, H_POSTFIX_PID.
h_postfix_start() {
	[ -n "${H_TMP:-}" ] || { _h_err "h_postfix_start: call h_init first"; return 1; }
	[ $# -ge 2 ] || { _h_err "usage: h_postfix_start DOMAIN 'user1 user2'"; return 1; }
	[ -x /usr/sbin/postfix ] || {
		echo "harness: SKIP: postfix not installed" >&2; exit 77; }
	if [ -n "$_H_POSTFIX_PID" ]; then
		_h_err "h_postfix_start: already running"; return 1
	fi
	_pd=$H_TMP/postfix
	H_POSTFIX_CONF=$_pd/etc
	H_POSTFIX_SPOOL=$_pd/spool
	H_POSTFIX_DOMAIN=$1
	H_MAIL_ROOT=$H_TMP/mail
	H_MAILLOG=$H_TMP/log/maillog
	export H_POSTFIX_CONF H_POSTFIX_SPOOL H_POSTFIX_DOMAIN H_MAIL_ROOT H_MAILLOG
	mkdir -p "$H_POSTFIX_CONF" "$H_POSTFIX_SPOOL" "$_pd/data" "$H_MAIL_ROOT" || return 1
	chown root:root "$_pd" "$H_POSTFIX_CONF" "$H_POSTFIX_SPOOL"
	chmod 0755 "$_pd" "$H_POSTFIX_CONF" "$H_POSTFIX_SPOOL"
	chown postfix "$_pd/data" && chmod 0700 "$_pd/data" || return 1
	chown "$H_VUID:$H_VGID" "$H_MAIL_ROOT" && chmod 0755 "$H_MAIL_ROOT"
	: >"$H_POSTFIX_CONF/vmailbox"
	for _u in $2; do
		printf '%s@%s %s/\n' "$_u" "$1" "$_u" >>"$H_POSTFIX_CONF/vmailbox"
		mkdir -p "$H_MAIL_ROOT/$_u/cur" "$H_MAIL_ROOT/$_u/new" "$H_MAIL_ROOT/$_u/tmp"
		chown -R "$H_VUID:$H_VGID" "$H_MAIL_ROOT/$_u"
	done
	H_POSTFIX_MODE=${_H_POSTFIX_MODE:-legacy}
	export H_POSTFIX_MODE
	if [ "$H_POSTFIX_MODE" != legacy ]; then
		_h_postfix_site_tables "$1" "$2" || return 1
	fi
	_h_postfix_main "$1" >"$H_POSTFIX_CONF/main.cf"
	_h_postfix_master >"$H_POSTFIX_CONF/master.cf"
	if ! /usr/sbin/postfix -c "$H_POSTFIX_CONF" check >"$_pd/check.out" 2>&1; then
		_h_err "h_postfix_start: 'postfix check' failed:"
		cat "$_pd/check.out" >&2
		h_log_tail 40
		return 1
	fi
	_h_guard postfix /usr/sbin/postfix -c "$H_POSTFIX_CONF" start
	_rc=$(_h_guard_exit postfix 30)
	cp "$H_TMP/guard/postfix.out" "$_pd/start.out" 2>/dev/null
	if [ "$_rc" != 0 ]; then
		_h_err "h_postfix_start: 'postfix start' failed:"
		cat "$_pd/start.out" >&2
		h_log_tail 40
		# it may have half-started
		_H_POSTFIX_CONF=$H_POSTFIX_CONF
		_H_POSTFIX_SPOOL=$H_POSTFIX_SPOOL
		_H_POSTFIX_PID=$(sed -n '1s/ //gp' "$H_POSTFIX_SPOOL/pid/master.pid" 2>/dev/null)
		_h_postfix_stop
		return 1
	fi
	_H_POSTFIX_CONF=$H_POSTFIX_CONF
	_H_POSTFIX_SPOOL=$H_POSTFIX_SPOOL
	_n=100
	while [ ! -s "$H_POSTFIX_SPOOL/pid/master.pid" ] && [ "$_n" -gt 0 ]; do
		sleep 0.05; _n=$((_n - 1))
	done
	_H_POSTFIX_PID=$(sed -n '1s/ //gp' "$H_POSTFIX_SPOOL/pid/master.pid" 2>/dev/null)
	if [ -z "$_H_POSTFIX_PID" ] || ! _h_alive "$_H_POSTFIX_PID"; then
		_h_err "h_postfix_start: no Postfix master running after start"
		cat "$_pd/start.out" >&2
		h_log_tail 40
		_h_postfix_stop
		return 1
	fi
	# the public pickup socket is there once master listens
	_n=100
	while [ ! -S "$H_POSTFIX_SPOOL/public/pickup" ] && [ "$_n" -gt 0 ]; do
		sleep 0.05; _n=$((_n - 1))
	done
	H_POSTFIX_PID=$_H_POSTFIX_PID
	export H_POSTFIX_PID
	_h_info "Postfix pid $_H_POSTFIX_PID: config $H_POSTFIX_CONF, mail for @$1 in $H_MAIL_ROOT"
	return 0
}

_h_postfix_main() {
	# Settings that H_POSTFIX_EXTRA_MAIN gives again are left out of the
	# base, so that Postfix does not warn "overriding earlier entry".
	_keys=$(printf '%s\n' "${H_POSTFIX_EXTRA_MAIN:-}" |
	    sed -n 's/^\([a-z_0-9]*\)[ \t]*=.*/\1/p' | tr '\n' '|')
	_h_postfix_main_base "$1" | if [ -n "$_keys" ]; then
		grep -Ev "^(${_keys%|})[ \t]*="
	else
		cat
	fi
	if [ -n "${H_POSTFIX_EXTRA_MAIN:-}" ]; then
		echo "# H_POSTFIX_EXTRA_MAIN"
		printf '%s\n' "$H_POSTFIX_EXTRA_MAIN"
	fi
}

_h_postfix_main_base() {
	if [ "${H_POSTFIX_MODE:-legacy}" != legacy ]; then
		_h_postfix_main_site "$1"
		return
	fi
	_nomail="error:5.7.1 no outbound mail in tests"
	cat <<EOF
# private Postfix for popconn tests (generated by tests/lib/harness.sh)
compatibility_level = 3.6
queue_directory = $H_POSTFIX_SPOOL
data_directory = $_pd/data
mail_owner = postfix
setgid_group = postdrop
myhostname = popconn-test.localdomain
mydomain = localdomain
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
local_transport = $_nomail
alias_maps =
alias_database =
relayhost =
relay_domains =
default_transport = $_nomail
relay_transport = $_nomail
virtual_mailbox_domains = $1
virtual_mailbox_base = $H_MAIL_ROOT
virtual_mailbox_maps = texthash:$H_POSTFIX_CONF/vmailbox
virtual_alias_maps =
virtual_uid_maps = static:$H_VUID
virtual_gid_maps = static:$H_VGID
virtual_minimum_uid = 100
maillog_file = $H_MAILLOG
maillog_file_prefixes = $H_TMP/log
biff = no
append_dot_mydomain = no
readme_directory = no
html_directory = no
delay_warning_time = 0
smtputf8_enable = yes
EOF
}

_h_postfix_master() {
	cat <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
EOF
	if [ -n "${H_POSTFIX_CLEANUP_ARGS:-}" ]; then
		printf '  %s\n' "$H_POSTFIX_CLEANUP_ARGS"
	fi
	cat <<'EOF'
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	if [ "${H_POSTFIX_MODE:-legacy}" != legacy ]; then
		echo "local     unix  -       n       n       -       -       local"
	fi
	if [ -n "${H_POSTFIX_EXTRA_MASTER:-}" ]; then
		echo "# H_POSTFIX_EXTRA_MASTER"
		printf '%s\n' "$H_POSTFIX_EXTRA_MASTER"
	fi
}

# _h_postfix_stop: `postfix stop`, then by pid whatever master is left
# (ours, or one a test restarted: the pid in the spool's master.pid).
_h_postfix_stop() {
	[ -n "$_H_POSTFIX_CONF" ] || return 0
	_ps_pids=
	for _pp in "$_H_POSTFIX_PID" \
	    "$(sed -n '1s/ //gp' "$_H_POSTFIX_SPOOL/pid/master.pid" 2>/dev/null)"; do
		if [ -n "$_pp" ] && _h_alive "$_pp" && [ "$(_h_comm "$_pp")" = master ]; then
			case " $_ps_pids " in *" $_pp "*) ;; *) _ps_pids="$_ps_pids $_pp" ;; esac
		fi
	done
	if [ -n "$_ps_pids" ]; then
		_ps_tree=
		for _pp in $_ps_pids; do
			_ps_tree="$_ps_tree$(_h_tree "$_pp")
"
		done
		# postfix-script's stop polls once a second; bound it anyway
		timeout 8 /usr/sbin/postfix -c "$_H_POSTFIX_CONF" stop >/dev/null 2>&1 || true
		# shellcheck disable=SC2086
		_h_wait_gone 3 $_ps_pids || true
		for _pp in $_ps_pids; do
			_h_stop_tree "$_pp"
		done
		_h_kill_leftovers "$_ps_tree"
	fi
	_H_POSTFIX_PID=
	_H_POSTFIX_CONF=
}

# ------------------------------------------------ Postfix as sites run it
#
# h_postfix_site_start MODE DOMAIN "user1 user2 ...": a private Postfix set
# up the way a site runs one, in one of the two usual ways:
#
#   mydestination  DOMAIN is in mydestination: local(8) delivers, names
#                  come from an /etc/aliases-style map (hash:, built with
#                  postalias): "postmaster: root", "sales: alice, bob"
#                  (when those users exist), and each USER to its Maildir.
#   virtual        DOMAIN is in virtual_mailbox_domains: virtual(8)
#                  delivers USER@DOMAIN (and postmaster@DOMAIN) to
#                  Maildirs; virtual_alias_maps has sales@DOMAIN -> alice,
#                  bob; mydestination keeps Postfix's default (the host
#                  name and localhost, through local(8) and the alias map).
#
# In both: myhostname = mail.DOMAIN, mydomain = DOMAIN, myorigin =
# $mydomain (Debian's /etc/mailname), so an unqualified address becomes
# ADDR@DOMAIN; default_transport and relay_transport are error: transports
# whose text holds H_RELAY_MARK, so a relay attempt bounces at once and is
# found in the log (h_maillog_relays).  USER's Maildir is $H_MAIL_ROOT/USER
# in both modes (h_mail_count works); postmaster's is
# $H_MAIL_ROOT/postmaster.  H_POSTFIX_EXTRA_MAIN is appended as usual
# (for instance "recipient_delimiter = +").
#
# POSTFIX NOTES (measured on Debian 12, Postfix 3.7.11): local(8) needs no
# system user when the alias map sends a name to a path ending in "/"
# (Maildir delivery; allow_mail_to_files includes "alias" by default).
# Such a delivery runs with the privileges of the alias database's owner,
# or default_privs (nobody) when root owns it, as here: the Maildirs
# belong to nobody.  root is aliased too (local(8) never delivers as
# root), and mail_spool_directory and forward_path point into $H_TMP, so
# that no real user's mailbox or .forward file is ever touched.
# texthash: cannot hold aliases ("name: value" is postalias syntax), hence
# hash: built with postalias.
h_postfix_site_start() {
	[ $# -ge 3 ] || { _h_err "usage: h_postfix_site_start mydestination|virtual DOMAIN 'users'"; return 1; }
	case $1 in
	mydestination|virtual) ;;
	*) _h_err "h_postfix_site_start: unknown mode '$1'"; return 1 ;;
	esac
	_H_POSTFIX_MODE=$1
	_ss_users=$3
	case " $_ss_users " in *" postmaster "*) ;; *) _ss_users="postmaster $_ss_users" ;; esac
	_ss_rc=0
	h_postfix_start "$2" "$_ss_users" || _ss_rc=$?
	_H_POSTFIX_MODE=
	return $_ss_rc
}

H_RELAY_MARK="popconn-test RELAY ATTEMPT"
export H_RELAY_MARK

# _h_site_has USER "users": USER is one of users.
_h_site_has() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

# _h_postfix_site_tables DOMAIN "users": the alias map (both modes: it
# serves mydestination) and, for virtual mode, the virtual alias map.
_h_postfix_site_tables() {
	{
		echo "# /etc/aliases-style map (tests/lib/harness.sh)"
		echo "postmaster: root"
		echo "root: $H_MAIL_ROOT/postmaster/"
		echo "MAILER-DAEMON: postmaster"
		if _h_site_has alice "$2" && _h_site_has bob "$2" &&
		    ! _h_site_has sales "$2"; then
			echo "sales: alice, bob"
		fi
		for _u in $2; do
			[ "$_u" = postmaster ] && continue
			echo "$_u: $H_MAIL_ROOT/$_u/"
		done
	} >"$H_POSTFIX_CONF/aliases"
	: >"$H_POSTFIX_CONF/virtual"
	if _h_site_has alice "$2" && _h_site_has bob "$2" &&
	    ! _h_site_has sales "$2"; then
		printf 'sales@%s alice@%s, bob@%s\n' "$1" "$1" "$1" \
		    >"$H_POSTFIX_CONF/virtual"
	fi
	mkdir -p "$H_MAIL_ROOT/spool" || return 1
	chown "$H_VUID:$H_VGID" "$H_MAIL_ROOT/spool"
	chmod 1777 "$H_MAIL_ROOT/spool"
	# postalias reads main.cf (default_database_type): write it first
	_h_postfix_main "$1" >"$H_POSTFIX_CONF/main.cf"
	/usr/sbin/postalias -c "$H_POSTFIX_CONF" "hash:$H_POSTFIX_CONF/aliases" || {
		_h_err "h_postfix_site_start: postalias failed"; return 1; }
}

_h_postfix_main_site() {
	_relay="error:5.7.1 $H_RELAY_MARK"
	if [ "$H_POSTFIX_MODE" = mydestination ]; then
		_mydest="\$myhostname, \$mydomain, localhost.\$mydomain, localhost"
		_vdomains=
		_valias=
	else
		_mydest="\$myhostname, localhost.\$mydomain, localhost"
		_vdomains=$1
		_valias=texthash:$H_POSTFIX_CONF/virtual
	fi
	cat <<EOT
# private Postfix for popconn tests, set up as a site runs it:
# mode $H_POSTFIX_MODE (generated by tests/lib/harness.sh)
compatibility_level = 3.6
queue_directory = $H_POSTFIX_SPOOL
data_directory = $_pd/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.$1
mydomain = $1
myorigin = \$mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination = $_mydest
alias_maps = hash:$H_POSTFIX_CONF/aliases
alias_database = hash:$H_POSTFIX_CONF/aliases
# no real user, no real mailbox: every local name is an alias
local_recipient_maps = \$alias_maps
mail_spool_directory = $H_MAIL_ROOT/spool
forward_path =
relayhost =
relay_domains =
default_transport = $_relay (default_transport)
relay_transport = $_relay (relay_transport)
virtual_mailbox_domains = $_vdomains
virtual_mailbox_base = $H_MAIL_ROOT
virtual_mailbox_maps = texthash:$H_POSTFIX_CONF/vmailbox
virtual_alias_maps = $_valias
virtual_uid_maps = static:$H_VUID
virtual_gid_maps = static:$H_VGID
virtual_minimum_uid = 100
maillog_file = $H_MAILLOG
maillog_file_prefixes = $H_TMP/log
biff = no
readme_directory = no
html_directory = no
delay_warning_time = 0
smtputf8_enable = yes
EOT
}

# h_maillog_relays: status 0 when no recipient reached the error/remote
# transport (a relay attempt: the error transport's text holds
# H_RELAY_MARK) or any transport but local and virtual (relay=none without
# the mark is qmgr's own "User unknown" bounce); otherwise prints them.
h_maillog_relays() {
	_mr_bad=$(grep -E ' to=<' "$H_MAILLOG" 2>/dev/null | awk -v mark="$H_RELAY_MARK" '
		index($0, mark) { print; next }
		/ relay=/ && !/ relay=(local|virtual|none),/ { print }' || true)
	[ -z "$_mr_bad" ] && return 0
	printf '%s\n' "$_mr_bad" >&2
	return 1
}

# h_maillog_rcpts [MESSAGE-ID]: the envelope recipients Postfix delivered
# (or tried to) per message, from the maillog: each queue id's to=<...>
# lines joined to cleanup's message-id=<...> line of that queue id.
# Prints "MESSAGE-ID<TAB>RCPT<TAB>TO<TAB>STATUS" lines, sorted, where RCPT
# is the envelope recipient as the queue file held it (orig_to when
# Postfix logged one, else to) and TO what it was delivered as.  With an
# argument (without <>), only that message.
h_maillog_rcpts() {
	"$H_PYTHON" "$H_LIB_DIR/maillog.py" "$H_MAILLOG" ${1:+"$1"}
}

# h_sendmail ARGS...: submit through the private Postfix.
h_sendmail() {
	/usr/sbin/sendmail -C "$H_POSTFIX_CONF" "$@"
}

# h_postfix_wait_idle [TIMEOUT]: kick pickup, then wait (default 30 s)
# until the maildrop, incoming and active queues are empty.
h_postfix_wait_idle() {
	_wi_n=$((${1:-30} * 20))
	_wi_q=$H_POSTFIX_SPOOL
	_wi_i=0
	while [ "$_wi_n" -gt 0 ]; do
		# re-kick every 2 s: a message can land after the first kick
		if [ $((_wi_i % 40)) = 0 ]; then
			postkick -c "$H_POSTFIX_CONF" public pickup W >/dev/null 2>&1 || true
		fi
		if [ -z "$(find "$_wi_q/maildrop" "$_wi_q/incoming" "$_wi_q/active" \
		    -type f 2>/dev/null | head -n 1)" ]; then
			return 0
		fi
		sleep 0.05
		_wi_n=$((_wi_n - 1))
		_wi_i=$((_wi_i + 1))
	done
	_h_err "h_postfix_wait_idle: queue not empty after ${1:-30} s:"
	find "$_wi_q/maildrop" "$_wi_q/incoming" "$_wi_q/active" -type f >&2 2>/dev/null
	return 1
}

# h_mail_count USER: messages Postfix delivered to USER (new + cur).
h_mail_count() {
	_mc_md=$H_MAIL_ROOT/$1
	[ -d "$_mc_md" ] || { echo 0; return 1; }
	find "$_mc_md/new" "$_mc_md/cur" -maxdepth 1 -type f 2>/dev/null | wc -l | tr -d ' '
}

# h_compare USER [ORIG_DIR] [MAILDIR]: match the messages in MAILDIR
# (default $H_MAIL_ROOT/USER) with the originals in ORIG_DIR (default
# $H_TMP/orig/USER) by Message-ID.  Prints
# "delivered=D missing=M duplicated=X altered=A"; status 0 only when all
# originals arrived exactly once, byte-identical after removing the
# leading trace headers that delivery prepends.
h_compare() {
	[ $# -ge 1 ] || { _h_err "usage: h_compare USER [ORIG_DIR] [MAILDIR]"; return 1; }
	"$H_PYTHON" "$H_LIB_DIR/compare.py" "${2:-$H_TMP/orig/$1}" "${3:-$H_MAIL_ROOT/$1}"
}
