#!/bin/sh
# t_ctl_setup - "popconnctl setup", the connection wizard, end to end
# against the harness Dovecot (POP3S and POP3 ports) and Postfix:
#  - flags only (--yes): implicit TLS chosen where it answers, the
#    mailbox written through mailbox add, logged in and listed but
#    nothing fetched; then fetched and delivered by the fetcher;
#  - the POP3S port closed: STLS on the POP3 port chosen;
#  - a wrong password: exit 67, nothing written;
#  - a certificate that does not verify: exit 77, the --tls-ca-file fix;
#  - a server whose SCRAM cannot check the stored password: PLAIN inside
#    TLS chosen and written as auth=PLAIN;
#  - a global mailbox: local_domains read from Postfix, postfix-setup
#    applied on request;
#  - a scripted terminal (a pty): the questions asked, the password
#    read without echo, the same result.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
h_dovecot_start "carol:carol-pw dave:dave-pw erin:erin-pw"
h_postfix_start example.test "carol dave erin"
p_config
E=$P_ETC
ctl() { "$CTL" -c "$E" "$@"; }
PORTS="--pop3s-port $H_POP3S_PORT --pop3-port $H_POP3_PORT"
h_seed carol 3 1 >/dev/null

# setup_flags PASSWORD ARGS...: the wizard without questions
setup_flags() {
	_pw=$1
	shift
	S_RC=0
	printf '%s\n' "$_pw" | ctl setup --yes --password-file - $PORTS "$@" \
	    >"$H_TMP/s.out" 2>"$H_TMP/s.err" || S_RC=$?
}

# --- 1. flags only, both ports answer: implicit TLS
setup_flags carol-pw --server localhost --account carol \
    --deliver-to carol@example.test
h_check "flags: exit 0 (got $S_RC: $(tail -n 1 "$H_TMP/s.err"))" [ "$S_RC" -eq 0 ]
h_check "flags: implicit TLS on the POP3S port chosen" \
    grep -q "^carol user pop3s://carol@localhost:$H_POP3S_PORT carol@example.test" "$E/mailboxes.cf"
h_check "flags: reports TLS, mechanism, messages, capabilities" \
    grep -Eq "pop3s://carol@localhost:$H_POP3S_PORT: ok: TLS TLSv1\.[23] .*logged in with SCRAM-SHA-256; 3 messages, [0-9]+ bytes; offers SASL .*SCRAM-SHA-256.*, APOP, UIDL, PIPELINING" "$H_TMP/s.out"
h_check "flags: auth left to auto (the strongest worked)" \
    sh -c "! grep -q 'auth=' '$E/mailboxes.cf'"
h_check "flags: the password in the passwords file, not in the output" \
    sh -c "grep -q '^carol carol-pw\$' '$E/passwords' && ! grep -q carol-pw '$H_TMP/s.out' '$H_TMP/s.err'"
h_check "flags: nothing fetched or deleted" [ "$(h_pop_count carol)" -eq 3 ]
h_check "flags: says what to run next" grep -q 'systemctl enable --now popconn-fetcher' "$H_TMP/s.out"
ctl check >"$H_TMP/c.out" 2>"$H_TMP/c.err"
h_check "flags: check passes on what setup wrote (exit $?)" [ $? -eq 0 ]
p_fetch carol
h_postfix_wait_idle 60
h_check "flags: the fetcher delivers carol's 3 messages" \
    [ "$(h_mail_count carol)" -eq 3 ]

# the same account again, under another name: refused before any login
n0=$(grep -c 'user=<carol>' "$H_DOVECOT_LOG")
setup_flags carol-pw --server localhost --account carol --name carol2 \
    --deliver-to carol@example.test
h_check "same account again: exit 65 (got $S_RC)" [ "$S_RC" -eq 65 ]
h_check "same account again: names the mailbox that fetches it" \
    grep -q 'mailbox carol (.*line 1) already fetches carol at localhost' "$H_TMP/s.err"
h_check "same account again: no login tried" \
    [ "$(grep -c 'user=<carol>' "$H_DOVECOT_LOG")" -eq "$n0" ]
setup_flags carol-pw --server localhost --account carol --name carol \
    --deliver-to carol@example.test
h_check "same name again: exit 65, says it exists (got $S_RC)" \
    sh -c "[ $S_RC -eq 65 ] && grep -q 'mailbox carol exists already' '$H_TMP/s.err'"

# --- 2. the POP3S port closed: STLS on the POP3 port
closed=$(h_free_port)
S_RC=0
printf 'dave-pw\n' | ctl setup --yes --password-file - --pop3s-port "$closed" \
    --pop3-port "$H_POP3_PORT" --server localhost --account dave \
    --deliver-to dave@example.test >"$H_TMP/s.out" 2>"$H_TMP/s.err" || S_RC=$?
h_check "POP3S closed: exit 0 (got $S_RC)" [ "$S_RC" -eq 0 ]
h_check "POP3S closed: the refusal shown" grep -q "localhost:$closed: .*refused" "$H_TMP/s.out"
h_check "POP3S closed: STLS on the POP3 port written" \
    grep -q "^dave user pop3://dave@localhost:$H_POP3_PORT dave@example.test" "$E/mailboxes.cf"
h_check "POP3S closed: TLS was used (STLS)" grep -Eq "pop3://dave@localhost:$H_POP3_PORT: ok: TLS TLSv1" "$H_TMP/s.out"

# --- 3. a wrong password
cp "$E/mailboxes.cf" "$H_TMP/mb.before"
setup_flags wrong-pw --server localhost --account erin --deliver-to erin@example.test
h_check "wrong password: exit 67 (got $S_RC)" [ "$S_RC" -eq 67 ]
h_check "wrong password: says so" grep -q 'wrong password for erin at localhost' "$H_TMP/s.err"
h_check "wrong password: at most two logins tried" \
    [ "$(grep -c 'refused by' "$H_TMP/s.out")" -le 2 ]
h_check "wrong password: nothing written" cmp -s "$H_TMP/mb.before" "$E/mailboxes.cf"

# --- 4. a certificate that does not verify
sed -i 's/^tls_ca_file = .*/tls_ca_file =/' "$E/popconn.cf"
erin_logins=$(grep -c 'user=<erin>' "$H_DOVECOT_LOG")
setup_flags erin-pw --server localhost --account erin --deliver-to erin@example.test
h_check "untrusted certificate: exit 77 (got $S_RC)" [ "$S_RC" -eq 77 ]
h_check "untrusted certificate: the fix (--tls-ca-file)" \
    grep -q 'TLS certificate of localhost does not verify: nothing written.*--tls-ca-file' "$H_TMP/s.err"
h_check "untrusted certificate: nothing written" cmp -s "$H_TMP/mb.before" "$E/mailboxes.cf"
h_check "untrusted certificate: what it says (issuer, names, sha256)" \
    grep -Eq "the server's certificate: subject /CN=localhost, issued by /CN=popconn test CA, for localhost, sha256:[0-9a-f]{64}\$" "$H_TMP/s.out"
h_check "untrusted certificate: no login tried at all" \
    [ "$(grep -c 'user=<erin>' "$H_DOVECOT_LOG")" -eq "$erin_logins" ]
setup_flags erin-pw --server localhost --account erin --deliver-to erin@example.test \
    --tls-ca-file "$H_CA"
h_check "with --tls-ca-file: exit 0 (got $S_RC)" [ "$S_RC" -eq 0 ]
h_check "with --tls-ca-file: written for the mailbox" \
    sh -c "sed -n '/^erin /,/^[^ ]/p' '$E/mailboxes.cf' | grep -q 'tls_ca_file=$H_CA'"
sed -i "s|^tls_ca_file =.*|tls_ca_file = $H_CA|" "$E/popconn.cf"
ctl mailbox remove erin >/dev/null 2>&1

# A TLS server whose certificate (signed by the CA) names wrong.example.
wport=$(h_free_port)
"$H_PYTHON" - "$H_TMP/ssl/wronghost.pem" "$H_TMP/ssl/wronghost.key" "$wport" <<'PY' &
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[3]))); s.listen(4); s.settimeout(30)
for _ in range(2):
    try:
        c, _ = s.accept()
        t = ctx.wrap_socket(c, server_side=True)
        t.sendall(b"+OK ready\r\n")
        t.settimeout(5)
        while True:
            l = t.recv(1000)
            if not l or l.upper().startswith(b"QUIT"):
                break
            t.sendall(b"+OK\r\nUSER\r\n.\r\n" if l.upper().startswith(b"CAPA") else b"-ERR no\r\n")
    except Exception:
        pass
PY
h_track_pid $!
sleep 0.5
S_RC=0
printf 'erin-pw\n' | ctl setup --yes --password-file - --pop3s-port "$wport" \
    --pop3-port "$(h_free_port)" --server localhost --account erin \
    --deliver-to erin@example.test >"$H_TMP/s.out" 2>"$H_TMP/s.err" || S_RC=$?
cp "$H_TMP/s.out" "$H_TMP/wrong.out"; cp "$H_TMP/s.err" "$H_TMP/wrong.err"
h_check "certificate for another name: exit 77 (got $S_RC)" [ "$S_RC" -eq 77 ]
h_check "certificate for another name: names the name it is for" \
    grep -q "the server's certificate: subject /CN=wrong.example, .* for wrong.example" "$H_TMP/s.out"

# --- 5. SCRAM cannot check a hashed password: PLAIN inside TLS
hash=$(doveadm pw -s SHA512-CRYPT -p erin-pw)
sed -i "s|^erin:{PLAIN}erin-pw:|erin:$hash:|" "$H_TMP/dovecot/users"
sleep 1
setup_flags erin-pw --server localhost --account erin --deliver-to erin@example.test
h_check "hashed password: exit 0 (got $S_RC: $(tail -n 1 "$H_TMP/s.err"))" [ "$S_RC" -eq 0 ]
h_check "hashed password: SCRAM-SHA-256 tried first" \
    grep -Eq 'authentication with SCRAM-SHA-256 failed|auto: after SCRAM-SHA-256 refused' "$H_TMP/s.out"
h_check "hashed password: auth=PLAIN written" \
    sh -c "sed -n '/^erin /,/^[^ ]/p' '$E/mailboxes.cf' | grep -q 'auth=PLAIN'"
ctl mailbox test erin >"$H_TMP/t.out" 2>&1
h_check "hashed password: mailbox test logs in with PLAIN" grep -q 'logged in with PLAIN' "$H_TMP/t.out"
ctl mailbox remove erin >/dev/null 2>&1

# --- 6. a global mailbox: local_domains from Postfix, postfix-setup
sed -i '/^local_domains/d' "$E/popconn.cf"
echo "postfix_config_directory = $H_POSTFIX_CONF" >>"$E/popconn.cf"
sed -i '/^postfix_config_directory = *$/d' "$E/popconn.cf"
echo "milter_socket = unix:$H_TMP/milter.sock" >>"$E/popconn.cf"
setup_flags erin-pw --server localhost --account erin --type global --name office \
    --postfix-setup
h_check "global: exit 0 (got $S_RC: $(tail -n 2 "$H_TMP/s.err"))" [ "$S_RC" -eq 0 ]
h_check "global: local_domains found in Postfix's virtual_mailbox_domains" \
    grep -q "^local_domains: Postfix's own domains (example.test)" "$H_TMP/s.out"
h_check "global: ... and left empty (it means Postfix's)" \
    sh -c "! grep -q '^local_domains' '$E/popconn.cf'"
h_check "global: the mailbox written, no deliver-to" \
    grep -q "^office global pop3s://erin@localhost:$H_POP3S_PORT\$" "$E/mailboxes.cf"
h_check "global: postfix-setup applied (non_smtpd_milters)" \
    sh -c "postconf -c '$H_POSTFIX_CONF' -h non_smtpd_milters | grep -q '$H_TMP/milter.sock'"
h_check "global: says to start the milter too" \
    grep -q 'systemctl enable --now popconn-fetcher popconn-milter' "$H_TMP/s.out"
ctl postfix-setup --undo --apply >/dev/null 2>&1
ctl mailbox remove office >/dev/null 2>&1
setup_flags erin-pw --server localhost --account erin --type global --name office \
    --local-domains other.example --no-postfix-setup
h_check "global --local-domains: written (exit $S_RC)" \
    grep -q '^local_domains = other.example$' "$E/popconn.cf"
h_check "global --no-postfix-setup: says to run postfix-setup" \
    grep -q 'popconnctl postfix-setup --apply' "$H_TMP/s.out"
ctl mailbox remove office >/dev/null 2>&1

# --- 7. a scripted terminal
h_seed erin 2 2 >/dev/null
cat >"$H_TMP/drive_tty.py" <<'PY'
import os, pty, sys, time
argv = sys.argv[1:]
answers = [("POP3 server", "localhost"), ("Account", "erin"),
           ("Type:", ""), ("Name of this mailbox", "erinpty"),
           ("Deliver to", "erin@example.test"),
           ("Password for", "erin-pw"), ("Retype it", "erin-pw")]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
buf = b""
def read_until(text, secs=30):
    global buf
    end = time.time() + secs
    while text.encode() not in buf:
        if time.time() > end:
            return False
        try:
            d = os.read(fd, 4096)
        except OSError:
            return False
        if not d:
            return False
        buf += d
    return True
ok = True
for prompt, ans in answers:
    if not read_until(prompt):
        print("no prompt %r" % prompt, file=sys.stderr)
        ok = False
        break
    time.sleep(0.2)
    buf = buf.replace(prompt.encode(), b"<asked>", 1)
    os.write(fd, ans.encode() + b"\r")
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    buf += d
_, status = os.waitpid(pid, 0)
sys.stdout.write(buf.decode("utf-8", "replace"))
sys.exit(os.WEXITSTATUS(status) if ok else 99)
PY
"$H_PYTHON" "$H_TMP/drive_tty.py" "$CTL" -c "$E" setup $PORTS >"$H_TMP/pty.out" 2>"$H_TMP/pty.err"
rc=$?
h_check "pty: exit 0 (got $rc: $(tail -n 2 "$H_TMP/pty.err"))" [ $rc -eq 0 ]
h_check "pty: every question asked" [ "$(grep -o '<asked>' "$H_TMP/pty.out" | wc -l)" -eq 7 ]
h_check "pty: the password not echoed" sh -c "! grep -q erin-pw '$H_TMP/pty.out'"
h_check "pty: the mailbox written as answered" \
    grep -q "^erinpty user pop3s://erin@localhost:$H_POP3S_PORT erin@example.test" "$E/mailboxes.cf"
h_check "pty: the probe listed erin's 2 messages" grep -q '2 messages' "$H_TMP/pty.out"
h_check "pty: the password stored" grep -q '^erinpty erin-pw$' "$E/passwords"
h_done
