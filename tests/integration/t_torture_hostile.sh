#!/bin/sh
# t_torture_hostile - hostile input not covered by t_pop3_*.sh, against the
# scripted server (tests/lib/fakepop3.py): a "*.com" wildcard and CN-only
# certificates, silence after STLS, CAPA refused with TLS required, a
# 1 MB status line, UIDL with 71 characters / control characters /
# spaces / more entries than STAT, a RETR reply without its terminator,
# APOP with malformed timestamps, log injection (ANSI escapes, %n, 64 KB
# fields) at log_level maximum, envelope senders beginning with '-' or
# holding CR/LF/NUL, secrets created under umask 022, a world-readable
# passwords file.  A crash, a hang, a credential sent in clear, a loss or
# a duplicate is a failure.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

h_init
h_ca
FP_EXTRA_CF="command_timeout = 3s
connect_timeout = 3s
log_level = maximum"
fp_init
S=$H_SSL_DIR
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 3000 --seed 8 >/dev/null
BASIC='"user": "alice", "password": "secret",'
CREDS=' C (USER|PASS|AUTH|APOP)'
PLAIN_CAPA='"capa": ["USER", "UIDL", "TOP", "RESP-CODES"],'
# not_crashed: the last fetch ended by itself, neither by a signal nor
# by timeout(1)
not_crashed() { [ "$P_STATUS" -lt 124 ] || [ "$P_STATUS" -eq 126 ]; }
# once: every message delivered at most once, and delivered + left = 2
once() {
	_c=$(cap_count); _l=$(fp_count)
	[ "$((_c + _l))" -eq 2 ] && [ "$_c" -le 2 ]
}

# ------------------------------------------------------- certificates
# sign NAME SUBJ [SAN]: a server certificate signed by the test CA
sign() {
	(cd "$S" && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key" 2>/dev/null &&
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null &&
	if [ -n "${3:-}" ]; then
		printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$3" >"$1.ext"
	else
		printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$1.ext"
	fi &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 30 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null)
}
sign wildcom "/CN=*.com" "DNS:*.com"
sign cnonly "/CN=localhost"
sign cnwrong "/CN=wrong.example"

# *.com: the fetcher must see the name example.com resolve to
# 127.0.0.1: a private mount namespace with its own /etc/hosts.
printf '127.0.0.1 localhost example.com\n' >"$H_TMP/hosts"
if unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts && getent hosts example.com" >/dev/null 2>&1; then
	fp_box "pop3s://alice@example.com:$FP_PORT"
	fp_msgs "$M"/msg00[12].eml
	REAL_FETCHER=$P_FETCHER
	printf '#!/bin/sh\nexec unshare -m sh -c '"'"'mount --bind %s /etc/hosts && exec "$0" "$@"'"'"' %s "$@"\n' \
	    "$H_TMP/hosts" "$REAL_FETCHER" >"$H_TMP/ns-fetcher"
	chmod 755 "$H_TMP/ns-fetcher"
	P_FETCHER=$H_TMP/ns-fetcher
	fp_run wildcom "{ $BASIC \"tls\": \"implicit\", \"cert\": \"$S/wildcom.pem\", \"key\": \"$S/wildcom.key\" }"
	P_FETCHER=$REAL_FETCHER
	h_check "*.com wildcard for example.com: refused (exit 69, got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
	h_check "*.com wildcard: no command reached the server" [ "$(tr_count ' C ')" -eq 0 ]
	h_check "*.com wildcard: nothing fetched" [ "$(fp_count)" -eq 2 ]
else
	echo "# *.com wildcard: skipped (no private mount namespace)"
fi

fp_box "pop3s://alice@localhost:$FP_PORT"
fp_msgs "$M"/msg00[12].eml
fp_run cnonly "{ $BASIC \"tls\": \"implicit\", \"cert\": \"$S/cnonly.pem\", \"key\": \"$S/cnonly.key\" }"
if [ "$P_STATUS" -eq 0 ]; then
	echo "# CN-only certificate (CN=localhost, no subjectAltName): ACCEPTED (OpenSSL's X509_check_host falls back to the CN when there is no DNS SAN)"
	h_check "CN-only certificate, right name: delivered once" captured "$M"/msg00[12].eml
else
	echo "# CN-only certificate (CN=localhost, no subjectAltName): REFUSED (exit $P_STATUS)"
	h_check "CN-only certificate: refused before any command" [ "$(tr_count ' C ')" -eq 0 ]
fi
fp_msgs "$M"/msg00[12].eml
fp_run cnwrong "{ $BASIC \"tls\": \"implicit\", \"cert\": \"$S/cnwrong.pem\", \"key\": \"$S/cnwrong.key\" }"
h_check "CN-only certificate, wrong name: refused (exit 69, got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "CN-only certificate, wrong name: no command reached the server" [ "$(tr_count ' C ')" -eq 0 ]

# ------------------------------------------------------------ STLS
fp_box "pop3://alice@localhost:$FP_PORT"
fp_msgs "$M"/msg00[12].eml
fp_run stls-silent "{ $BASIC \"tls\": \"stls\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\", \"capa\": [\"USER\", \"UIDL\", \"STLS\"],
    \"delay\": {\"STLS\": 40} }"
h_check "silence after STLS: the fetch gives up (exit $P_STATUS, ${FP_SECS}s)" \
    sh -c "[ $P_STATUS -ne 0 ] && [ $P_STATUS -ne 124 ] && [ $FP_SECS -le 15 ]"
h_check "silence after STLS: no credential sent" [ "$(tr_count "$CREDS")" -eq 0 ]
fp_msgs "$M"/msg00[12].eml
fp_run capa-refused "{ $BASIC \"tls\": \"stls\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\", \"replies\": {\"CAPA\": \"-ERR unknown command\"} }"
h_check "CAPA refused, tls=required: no credential before TLS" \
    sh -c "! grep -E ' TLS ok|$CREDS' '$FP_TR' | head -1 | grep -Eq '$CREDS'"
h_check "CAPA refused, tls=required: not crashed (exit $P_STATUS)" not_crashed
echo "# CAPA refused with tls=required: exit $P_STATUS, $(cap_count) delivered"

# ------------------------------------------------- oversized replies
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
big=$("$H_PYTHON" -c 'print("A" * 1048576)')
fp_msgs "$M"/msg00[12].eml
printf '{ %s "greeting": {"raw": b"+OK " + b"A" * 1048576 + b"\\r\\n"} }\n' "$BASIC" >"$H_TMP/g.scn"
fp_run bigline "$(cat "$H_TMP/g.scn")"
h_check "1 MB greeting: the session fails cleanly (exit $P_STATUS, ${FP_SECS}s)" \
    sh -c "[ $P_STATUS -ne 0 ] && [ $P_STATUS -lt 124 ] && [ $FP_SECS -le 15 ]"
h_check "1 MB greeting: no credential sent" [ "$(tr_count "$CREDS")" -eq 0 ]
fp_msgs "$M"/msg00[12].eml
fp_run bigstat "{ $BASIC $PLAIN_CAPA \"replies\": {\"UIDL\": {\"raw\": b\"+OK \" + b\"9\" * 1048576 + b\"\\r\\n1 uid-1\\r\\n2 uid-2\\r\\n.\\r\\n\"}} }"
h_check "1 MB UIDL status line: no crash, no hang (exit $P_STATUS, ${FP_SECS}s)" \
    sh -c "[ $P_STATUS -lt 124 ] && [ $FP_SECS -le 15 ]"
h_check "1 MB UIDL status line: nothing lost or doubled" once
echo "# 1 MB UIDL status line: exit $P_STATUS, delivered $(cap_count)"
unset big

# ---------------------------------------------------------------- UIDL
u71=$("$H_PYTHON" -c 'print("u" * 71)')
uidl_case() {	# NAME 'UIDL reply lines (python list)'
	fp_msgs "$M"/msg00[12].eml
	fp_run "uidl-$1" "{ $BASIC $PLAIN_CAPA \"replies\": {\"UIDL\": $2} }"
	_s1=$P_STATUS
	fp_run "uidl-$1-2" "{ $BASIC $PLAIN_CAPA \"replies\": {\"UIDL\": $2} }"
	h_check "UIDL $1: no crash, no hang (exits $_s1, $P_STATUS)" \
	    sh -c "[ $_s1 -lt 124 ] && [ $P_STATUS -lt 124 ]"
	h_check "UIDL $1: each message delivered at most once or left (captured $(cap_count), left $(fp_count))" once
	echo "# UIDL $1: exits $_s1 $P_STATUS; delivered $(cap_count), left on the server $(fp_count)"
}
uidl_case "71 characters" "[\"+OK\", \"1 $u71\", \"2 uid-2\", \".\"]"
uidl_case "70 characters" "[\"+OK\", \"1 $(echo "$u71" | cut -c2-)\", \"2 uid-2\", \".\"]"
uidl_case "control characters" "[\"+OK\", \"1 uid\\x01\\x1b[2J\", \"2 uid-2\", \".\"]"
uidl_case "spaces" "[\"+OK\", \"1 uid 1 extra\", \"2 uid-2\", \".\"]"
uidl_case "more entries than STAT" "[\"+OK\", \"1 uid-1\", \"2 uid-2\", \"3 uid-3\", \"4 uid-4\", \".\"]"
uidl_case "message number 0 and huge" "[\"+OK\", \"0 uid-0\", \"1 uid-1\", \"2 uid-2\", \"99999999999999999999 uid-x\", \".\"]"

# ------------------------------------------- RETR without terminator
fp_msgs "$M"/msg00[12].eml
fp_run noterm "{ $BASIC $PLAIN_CAPA \"replies\": {\"RETR 1\": {\"raw\": b\"+OK\\r\\nSubject: x\\r\\n\\r\\nlast line without CRLF.\\r\\n\"}} }"
h_check "RETR without terminator: gives up within command_timeout (exit $P_STATUS, ${FP_SECS}s)" \
    sh -c "[ $P_STATUS -ne 0 ] && [ $P_STATUS -lt 124 ] && [ $FP_SECS -le 15 ]"
h_check "RETR without terminator: no partial message delivered" [ "$(cap_count)" -eq 0 ]
h_check "RETR without terminator: nothing deleted" [ "$(fp_count)" -eq 2 ]

# ------------------------------------------------------------- APOP
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" "-o auth=apop"
for g in '+OK <>' '+OK <no-closing@bracket' '+OK <a@b>>' '+OK <<a@b>' \
    "+OK <$(printf 'x%.0s' $(seq 1 600))@host>" '+OK <a b@c>' '+OK <\001\033@x>'; do
	fp_msgs "$M"/msg00[12].eml
	fp_run apop "{ $BASIC $PLAIN_CAPA \"greeting\": \"$g\" }"
	gs=$(printf '%s' "$g" | cut -c1-24)
	h_check "APOP, greeting '$gs': no crash (exit $P_STATUS)" not_crashed
	h_check "APOP, greeting '$gs': no USER/PASS fallback" [ "$(tr_count ' C (USER|PASS)')" -eq 0 ]
	h_check "APOP, greeting '$gs': nothing deleted unless delivered" once
done

# ------------------------------------------- log injection (maximum)
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
fp_msgs "$M"/msg00[12].eml
: >"$H_TMP/fetcher.log"
fp_run loginj "{ $BASIC $PLAIN_CAPA
    \"greeting\": \"+OK \\x1b[31mred\\x1b[0m %n%n%s%s%x \\r fake\",
    \"replies\": {\"USER\": \"+OK \\x1b]0;title\\x07 %n\",
                  \"PASS\": {\"raw\": b\"-ERR [AUTH] \" + b\"\\x1b[2J%n\" * 10 + b\"Z\" * 65536 + b\"\\r\\n\"}} }"
h_check "log injection: no crash (exit $P_STATUS)" not_crashed
h_check "log injection: no raw ESC in the log" \
    sh -c "! grep -q \"\$(printf '\\033')\" '$FP_LOG'"
h_check "log injection: no BEL or bare CR in the log" \
    sh -c "! grep -q \"\$(printf '\\007\\r')\" '$FP_LOG'"
maxlen=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$FP_LOG")
h_check "log injection: no log line longer than 2048 bytes (longest $maxlen)" [ "$maxlen" -le 2048 ]
h_check "log injection: the password is not logged" sh -c "! grep -q secret '$FP_LOG'"

# ------------------------------------------------- envelope senders
printf 'Return-Path: <-oQ/tmp/evil@x.test>\nFrom: a@x.test\nTo: b@y.test\nSubject: dash\nMessage-ID: <dash@x.test>\n\nbody\n' >"$H_TMP/dash.eml"
printf 'Return-Path: <a@x.test\r\nRCPT TO:<evil@y.test>>\nFrom: a@x.test\nSubject: crlf\nMessage-ID: <crlf@x.test>\n\nbody\n' >"$H_TMP/crlf.eml"
printf 'Return-Path: <a\000b@x.test>\nFrom: a@x.test\nSubject: nul\nMessage-ID: <nul@x.test>\n\nbody\n' >"$H_TMP/nul.eml"
printf 'Return-Path: <-f@x.test>\nFrom: a@x.test\nSubject: dashf\nMessage-ID: <dashf@x.test>\n\nbody\n' >"$H_TMP/dashf.eml"
for m in dash crlf nul dashf; do
	fp_msgs "$H_TMP/$m.eml"
	fp_run "env-$m" "{ $BASIC $PLAIN_CAPA }"
	h_check "Return-Path $m: no crash (exit $P_STATUS)" not_crashed
	h_check "Return-Path $m: not lost (delivered or left)" \
	    sh -c "[ \$(( $(cap_count) + $(fp_count) )) -ge 1 ]"
	if [ -f "$CAP/0001.args" ]; then
		echo "# Return-Path $m: sendmail args: $(tr '\n' ' ' <"$CAP/0001.args" | cat -v)"
		h_check "Return-Path $m: no argument holds CR or NUL" \
		    "$H_PYTHON" -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(b"\r" in d or b"\0" in d)' "$CAP/0001.args"
		h_check "Return-Path $m: no sendmail option injected (every argument before '--' is a known option or -f's value)" \
		    "$H_PYTHON" -c '
import sys
a = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
i = 0
while i < len(a) and a[i] != b"--":
    if a[i] == b"-f":
        i += 2; continue
    if a[i] in (b"-i", b"-oi") or a[i].startswith(b"-f") and len(a[i]) > 2 and not a[i][2:3] == b"-":
        i += 1; continue
    sys.exit("unexpected argument %r" % a[i])
sys.exit(0 if i < len(a) else "no --")' "$CAP/0001.args"
		h_check "Return-Path $m: the sender given to sendmail does not begin with '-'" \
		    sh -c "! awk 'p { print; exit } \$0 == \"-f\" { p = 1 }' '$CAP/0001.args' | grep -q '^-'"
	fi
done

# ----------------------------------------------------------- secrets
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
fp_msgs "$M"/msg00[12].eml
rm -rf "$H_TMP/state" "$H_TMP/spool"
(umask 022; fp_run umask "{ $BASIC $PLAIN_CAPA }")
loose=$(find "$H_TMP/state" "$H_TMP/spool" -perm /044 -type f 2>/dev/null | head -5)
h_check "umask 022: state and spool files not readable by others ($loose)" [ -z "$loose" ]
CTL=$TOP/$BUILD/popconnctl
if [ -x "$CTL" ]; then
	rm -f "$P_ETC/passwords"
	(umask 022; printf 'pw-of-zed\n' | "$CTL" -c "$P_ETC" mailbox add zed --type user \
	    --url pop3s://zed@mail.example --deliver-to zed@example.test >"$H_TMP/ctl.out" 2>&1)
	h_check "umask 022: popconnctl creates passwords with mode 0600 (got $(stat -c %a "$P_ETC/passwords" 2>/dev/null))" \
	    [ "$(stat -c %a "$P_ETC/passwords" 2>/dev/null)" = 600 ]
	(umask 022; "$CTL" -c "$P_ETC" mailbox remove zed >/dev/null 2>&1)
	h_check "umask 022: passwords still 0600 after an edit" \
	    [ "$(stat -c %a "$P_ETC/passwords" 2>/dev/null)" = 600 ]
	(umask 022; "$CTL" -c "$P_ETC" route add x@y.test kim >/dev/null 2>&1) || true
	loose=$(find "$P_ETC" -name 'passwords*' -perm /044 2>/dev/null)
	h_check "umask 022: no secrets file readable by others ($loose)" [ -z "$loose" ]
fi
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
: >"$P_ETC/passwords"; p_password box secret
chmod 644 "$P_ETC/passwords"
fp_msgs "$M"/msg00[12].eml
P_STATUS=0
timeout 30 "$P_FETCHER" -f -1 -c "$P_ETC" >"$H_TMP/ww.log" 2>&1 || P_STATUS=$?
h_check "world-readable passwords: refused (exit 78, got $P_STATUS)" [ "$P_STATUS" -eq 78 ]
h_check "world-readable passwords: the error names the file" grep -q passwords "$H_TMP/ww.log"
chmod 600 "$P_ETC/passwords"
h_done
