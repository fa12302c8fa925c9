#!/bin/sh
# t_ctl_daemon - popconnctl against the harness Dovecot and Postfix and a
# running popconn-fetcher: "mailbox test" reports each failure class with
# its own line and exit status (wrong password, wrong CA, wrong host name,
# closed port, unknown host) and the count and sizes on success; status,
# fetch (summary lines, non-zero exit when sendmail refuses a message,
# live progress under a pseudo-terminal) and "stopped" when the daemon is
# gone.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
h_dovecot_start "carol:carol-pw"
h_postfix_start example.test "carol"
h_seed carol 3 1
p_config
E=$P_ETC
ctl() { "$CTL" -c "$E" "$@"; }
url="pop3s://carol@localhost:$H_POP3S_PORT"

# add NAME PASSWORD URL [ARGS...]: add a mailbox for carol.
add() {
	_n=$1 _p=$2 _u=$3
	shift 3
	printf '%s\n' "$_p" | ctl mailbox add "$_n" --type user --url "$_u" \
	    --deliver-to carol@example.test "$@" >/dev/null 2>&1
}
# t NAME: run "mailbox test NAME"; $T_RC, $H_TMP/t.out, $H_TMP/t.err.
t() {
	T_RC=0
	ctl mailbox test "$1" >"$H_TMP/t.out" 2>"$H_TMP/t.err" || T_RC=$?
}

add carol carol-pw "$url"
t carol
h_check "test ok: exit 0 (got $T_RC: $(cat "$H_TMP/t.err"))" [ "$T_RC" -eq 0 ]
h_check "test ok: reports 3 messages and their size" \
    grep -Eq '^carol: ok: .* 3 messages, [0-9]+ bytes \(largest [0-9]+\)' "$H_TMP/t.out"
h_check "test ok: nothing fetched or deleted" [ "$(h_pop_count carol)" -eq 3 ]

# The same account may not be added twice (it would be fetched twice):
# the diagnostic entries use the STLS port, one at a time.
surl="pop3://carol@localhost:$H_POP3_PORT"
add badpw wrong-pw "$surl"
t badpw
h_check "wrong password: exit 67 (got $T_RC)" [ "$T_RC" -eq 67 ]
h_check "wrong password: says so" grep -q 'wrong password for carol' "$H_TMP/t.err"
h_check "wrong password: not printed" sh -c "! grep -q wrong-pw '$H_TMP/t.err' '$H_TMP/t.out'"

# A fresh Debian's /etc/hosts maps localhost to ::1 as well, tried first
# where the host has IPv6; Dovecot listens on 127.0.0.1 only, so the
# first address is refused and the second answers.  The refused address
# must not make a wrong password look like an internal error (70).
if command -v unshare >/dev/null 2>&1 &&
    printf '::1 localhost\n127.0.0.1 localhost\n' >"$H_TMP/hosts6" &&
    unshare -m sh -c "mount --bind '$H_TMP/hosts6' /etc/hosts && getent ahosts localhost" 2>/dev/null |
    head -n 1 | grep -q '^::1 '; then
	T_RC=0
	unshare -m sh -c "mount --bind '$H_TMP/hosts6' /etc/hosts &&
	    exec '$CTL' -c '$E' mailbox test badpw" >"$H_TMP/t.out" \
	    2>"$H_TMP/t.err" || T_RC=$?
	h_check "wrong password, localhost also ::1: exit 67 (got $T_RC)" \
	    [ "$T_RC" -eq 67 ]
	h_check "wrong password, localhost also ::1: says so" \
	    grep -q 'wrong password for carol' "$H_TMP/t.err"
	T_RC=0
	unshare -m sh -c "mount --bind '$H_TMP/hosts6' /etc/hosts &&
	    exec '$CTL' -c '$E' mailbox test carol" >"$H_TMP/t.out" \
	    2>"$H_TMP/t.err" || T_RC=$?
	h_check "right password, localhost also ::1: exit 0 (got $T_RC)" \
	    [ "$T_RC" -eq 0 ]
else
	h_ok "# SKIP localhost as ::1: no unshare -m here"
fi

ctl mailbox remove badpw --delete-state >/dev/null 2>&1
add badca carol-pw "$surl" -o tls_ca_file=
t badca
h_check "wrong CA: exit 77 (got $T_RC)" [ "$T_RC" -eq 77 ]
h_check "wrong CA: says the certificate does not verify" \
    grep -q 'TLS certificate of localhost does not verify' "$H_TMP/t.err"

# A TLS server with a certificate for wrong.example (signed by the CA).
wport=$(h_free_port)
"$H_PYTHON" - "$H_TMP/ssl/wronghost.pem" "$H_TMP/ssl/wronghost.key" "$wport" <<'PY' &
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[3]))); s.listen(1); s.settimeout(30)
try:
    c, _ = s.accept()
    t = ctx.wrap_socket(c, server_side=True)
    t.sendall(b"+OK ready\r\n"); t.recv(100)
except Exception:
    pass
PY
h_track_pid $!
sleep 0.5
add badhost carol-pw "pop3s://carol@localhost:$wport"
t badhost
h_check "wrong host name: exit 77 (got $T_RC)" [ "$T_RC" -eq 77 ]
h_check "wrong host name: says the certificate does not verify" \
    grep -q 'TLS certificate of localhost does not verify' "$H_TMP/t.err"

cport=$(h_free_port)
add closed carol-pw "pop3s://carol@localhost:$cport"
t closed
h_check "closed port: exit 69 (got $T_RC)" [ "$T_RC" -eq 69 ]
h_check "closed port: connection refused by host:port" \
    grep -q "connection refused by localhost:$cport" "$H_TMP/t.err"

add nohost carol-pw "pop3s://carol@no-such-host.invalid"
t nohost
h_check "unknown host: exit 68 (got $T_RC)" [ "$T_RC" -eq 68 ]
h_check "unknown host: cannot resolve" \
    grep -q 'cannot resolve no-such-host.invalid' "$H_TMP/t.err"

for b in badpw badca badhost closed nohost; do
	ctl mailbox remove "$b" --delete-state >/dev/null 2>&1
done

# ---- against the running daemon.
ctl status >"$H_TMP/st.out" 2>&1
h_check "status before start: stopped, exit 69" \
    sh -c "[ \$? -eq 0 ] || true; grep -q '^fetcher: stopped' '$H_TMP/st.out'"
if ! p_daemon_start; then
	echo "popconn-fetcher did not open its control socket" >&2
	cat "$H_TMP/daemon.log" >&2
	h_check "daemon started" false
	h_done
	exit 1
fi
ctl status >"$H_TMP/st.out" 2>&1
h_check "status: running or idle, exit 0" [ $? -eq 0 ]
h_check "status: the mailbox row" grep -q '^carol ' "$H_TMP/st.out"
h_check "status --json: JSON lines" sh -c \
    "'$CTL' -c '$E' status --json | $H_PYTHON -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"

# The milter's line in status: running (a real popconn-milter), stopped.
ctl status >"$H_TMP/st.out" 2>&1
h_check "status without milter: milter stopped, no pid file" \
    grep -q '^milter: stopped (no pid file' "$H_TMP/st.out"
ctl status --json >"$H_TMP/st.json" 2>&1
h_check "status --json without milter: a milter line, stopped" \
    $H_PYTHON -c 'import json,sys; m=[o for o in map(json.loads, open(sys.argv[1])) if "milter" in o]; sys.exit(not (len(m) == 1 and m[0]["milter"] == "stopped" and "pid file" in m[0]["reason"]))' "$H_TMP/st.json"
M_SOCK=$H_TMP/milter.sock
m_config
if m_start; then
	n=50; while [ ! -s "$H_TMP/milter.pid" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n-1)); done
	ctl status >"$H_TMP/st.out" 2>&1
	h_check "status with the milter: running, pid $M_PID ($(grep '^milter' "$H_TMP/st.out"))" \
	    grep -q "^milter: running, pid $M_PID\$" "$H_TMP/st.out"
	ctl status --json >"$H_TMP/st.json" 2>&1
	h_check "status --json with the milter: {\"milter\":\"running\",\"pid\":$M_PID}" \
	    $H_PYTHON -c 'import json,sys; m=[o for o in map(json.loads, open(sys.argv[1])) if "milter" in o]; sys.exit(not (len(m) == 1 and m[0] == {"milter": "running", "pid": int(sys.argv[2])}))' "$H_TMP/st.json" "$M_PID"
	m_stop
else
	h_check "popconn-milter starts" false
fi
printf 'garbage\n' >"$H_TMP/milter.pid"
ctl status >"$H_TMP/st.out" 2>&1
h_check "status with a stale milter pid file: stopped, says why" \
    grep -q '^milter: stopped (.*milter.pid' "$H_TMP/st.out"
rm -f "$H_TMP/milter.pid"

ctl fetch carol >"$H_TMP/f.out" 2>&1
rc=$?
h_check "fetch: exit 0 (got $rc: $(cat "$H_TMP/f.out"))" [ "$rc" -eq 0 ]
# (The daemon polls at start too, so this fetch may find nothing left.)
h_check "fetch: one summary line" grep -q '^carol: ok: [0-9]* messages, [0-9]* delivered' "$H_TMP/f.out"
h_postfix_wait_idle 60
h_check "fetch: 3 delivered by Postfix" [ "$(h_mail_count carol)" -eq 3 ]

# sendmail refuses (69): fetch must fail.
h_seed carol 2 2
printf 'sendmail_path = %s\n' "$(p_fake_sendmail 69)" >>"$E/popconn.cf"
ctl reload >/dev/null 2>&1
ctl fetch carol >"$H_TMP/f.out" 2>&1
rc=$?
h_check "fetch with sendmail 69: non-zero exit (got $rc)" [ "$rc" -ne 0 ]
h_check "fetch with sendmail 69: failures shown" grep -Eq '^carol: .*[1-9][0-9]* failed' "$H_TMP/f.out"
h_check "fetch with sendmail 69: mail still on the server" [ "$(h_pop_count carol)" -eq 2 ]

# Progress under a pseudo-terminal.
sed -i '/^sendmail_path = /d' "$E/popconn.cf"
ctl reload >/dev/null 2>&1
h_seed carol 20 3
if command -v script >/dev/null 2>&1; then
	script -qec "$CTL -c $E fetch carol" /dev/null >"$H_TMP/pty.out" 2>&1
	rc=$?
	h_check "fetch on a pty: exit 0 (got $rc)" [ "$rc" -eq 0 ]
	h_check "fetch on a pty: live line rewritten in place" \
	    grep -q "$(printf '\r\033\\[K')carol: " "$H_TMP/pty.out"
	h_check "fetch on a pty: progress or connecting shown" \
	    grep -Eq 'carol: (connecting|[0-9]+ of [0-9]+ messages)' "$H_TMP/pty.out"
	h_check "fetch on a pty: summary line" grep -q 'carol: ok: ' "$H_TMP/pty.out"
fi
ctl fetch --quiet nosuchbox >/dev/null 2>"$H_TMP/f.err"
h_check "fetch of an unknown mailbox fails" [ $? -ne 0 ]
# Names travel as JSON strings: a space reaches the fetcher intact; a
# control character is refused before anything is sent (usage).
ctl fetch carol "no such" >/dev/null 2>"$H_TMP/f.err"
rc=$?
h_check "fetch \"no such\": exit 69, the fetcher names it whole (got $rc: $(cat "$H_TMP/f.err"))" \
    sh -c "[ $rc -eq 69 ] && grep -q 'fetch: no such mailbox: no such\$' '$H_TMP/f.err'"
ctl fetch "$(printf 'a\tb')" >/dev/null 2>"$H_TMP/f.err"
rc=$?
h_check "fetch of a name with a tab: exit 64, says why (got $rc: $(cat "$H_TMP/f.err"))" \
    sh -c "[ $rc -eq 64 ] && grep -q 'control character' '$H_TMP/f.err'"

kill "$P_DAEMON_PID" 2>/dev/null
n=50; while [ -S "$H_TMP/fetcher.sock" ] && kill -0 "$P_DAEMON_PID" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n-1)); done
ctl status >"$H_TMP/st.out" 2>"$H_TMP/st.err"
rc=$?
h_check "status after stop: exit 69 (got $rc)" [ "$rc" -eq 69 ]
h_check "status after stop: stopped" grep -q '^fetcher: stopped' "$H_TMP/st.out"
ctl fetch >/dev/null 2>"$H_TMP/f.err"
h_check "fetch without daemon: says it is not running" \
    grep -q 'fetcher is not running' "$H_TMP/f.err"
h_done
