#!/bin/sh
# t_pop3_tls_resume - TLS session resumption against the private Dovecot
# (issue 21: no round trip less, but no certificate chain sent, signed and
# verified on either side): the fetcher keeps the server's last session
# (a TLS 1.3 ticket) per mailbox in the state directory, mode 0600, and
# the next session resumes it (SSL_session_reused).  A damaged file, one
# that others may read, or one saved under other trust settings (another
# CA file) is not used: a full handshake, and the session still works.
# Dovecot runs in its "high-performance" login mode here (one pop3-login
# process for every connection): in the default mode each connection has
# its own login process and ticket keys, and nothing can be resumed.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

H_DOVECOT_EXTRA="service pop3-login {
  service_count = 0
  process_limit = 1
}"
export H_DOVECOT_EXTRA
h_init
h_ca
h_dovecot_start "alice:alice-pw"
h_postfix_start example.test "alice"
p_config
p_password alice alice-pw
BOX="alice user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test"
p_mailbox "$BOX"
F=$H_TMP/state/alice.tls
n=0
# fetch: one session with 2 new messages, its log in $LOG
fetch() {
	n=$((n + 1))
	LOG=$H_TMP/fetch$n.log
	h_seed alice 2 "$n" >/dev/null
	P_STATUS=0
	"$P_FETCHER" -f -1 -v -c "$P_ETC" >"$LOG" 2>&1 || P_STATUS=$?
}
resumed() { grep -q 'acct=alice: TLS session resumed' "$LOG"; }
done_ok() { [ "$P_STATUS" -eq 0 ] && grep -q 'session=done.*delivered=2' "$LOG"; }

# 1. First session: a full handshake; the session is saved, 0600.
fetch
h_check "first: delivered (exit $P_STATUS)" done_ok
h_check "first: not resumed" sh -c "! grep -q 'TLS session resumed' '$LOG'"
h_check "first: session saved in the state directory" [ -s "$F" ]
h_check "first: the file is the owner's alone (0600)" \
    [ "$(stat -c %a "$F")" = 600 ]

# 2. Second session: resumed; a new session saved.
fetch
h_check "second: delivered (exit $P_STATUS)" done_ok
h_check "second: the TLS session was resumed" resumed
h_check "second: a session saved again, 0600" \
    sh -c "[ -s '$F' ] && [ \"\$(stat -c %a '$F')\" = 600 ]"
fetch
h_check "third: resumed again" resumed

# 3. A damaged file: not used, the session works, a good one is saved.
printf 'popconn-tls-session 1 xx\nnonsense\n' >"$F"
chmod 600 "$F"
fetch
h_check "damaged: delivered (exit $P_STATUS)" done_ok
h_check "damaged: not resumed" sh -c "! grep -q 'TLS session resumed' '$LOG'"
fetch
h_check "damaged, then: resumed with the new one" resumed

# 4. A file others may read: not used (it holds the session's secret).
chmod 644 "$F"
fetch
h_check "world-readable: delivered (exit $P_STATUS)" done_ok
h_check "world-readable: not used" sh -c "! grep -q 'TLS session resumed' '$LOG'"
h_check "world-readable: replaced by one of mode 0600" \
    [ "$(stat -c %a "$F")" = 600 ]

# 5. Other trust settings (another CA file, same content): the saved
#    session was verified under the old ones, so it is not resumed.
cp "$H_CA" "$H_TMP/ca-copy.pem"
: >"$P_ETC/mailboxes.cf"
p_mailbox "$BOX" "  -o tls_ca_file=$H_TMP/ca-copy.pem"
fetch
h_check "other CA file: delivered (exit $P_STATUS)" done_ok
h_check "other CA file: not resumed" \
    sh -c "! grep -q 'TLS session resumed' '$LOG'"
fetch
h_check "other CA file, then: resumed under the new settings" resumed
h_check "nothing left on the server" [ "$(h_pop_count alice)" -eq 0 ]
h_done
