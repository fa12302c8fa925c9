# courier.sh - the Courier part of tests/interop/run.sh (sourced).
#
# Courier's courierpop3login (USER/PASS and SASL PLAIN, LOGIN, CRAM-MD5)
# and courierpop3d, behind couriertcpd on one free port for STLS and one
# with couriertls for implicit TLS, serving a Maildir that holds the
# corpus.  The one thing that cannot run from the test directory is
# authlib: libcourierauth asks authdaemond on a socket whose path is
# compiled in (/run/courier/authdaemon/socket), and authdaemond reads its
# configuration and modules from compiled-in paths as well.  So the
# servers run in a private mount namespace (unshare; a tmpfs over /run
# that no other process sees) with tests/interop/authdaemon.py, which
# speaks authlib's protocol and checks the password and the CRAM digests,
# in authdaemond's place (courier-ns.sh).
CO=$H_TMP/courier
CO_USER=alice
CO_PW='Courier-Pa55'
CO_P1=$(h_free_port)
CO_P2=$(h_free_port)
CO_P3=$(h_free_port)
mkdir -p "$CO/home"
cat "$H_SSL_DIR/server.pem" "$H_SSL_DIR/server.key" >"$CO/cert.pem"
chmod 0600 "$CO/cert.pem"
cp "$H_TMP/logshim.so" "$CO/"
"$H_PYTHON" "$IT/corpus.py" maildir "$CO/home/Maildir" "$CORPUS"
# As root a mount namespace is enough; otherwise (or where a container
# withholds CAP_SYS_ADMIN from root) a user namespace maps us to root.
co_ns=
for o in "--mount" "--mount --map-root-user"; do
	if unshare $o --propagation private true 2>/dev/null; then
		co_ns="unshare $o --propagation private"
		break
	fi
done
[ -n "$co_ns" ] || co_ns="unshare --mount --propagation private"
# In the namespace we are root (or mapped to it): the mail is ours.
$co_ns sh "$IT/courier-ns.sh" "$ROOT" "$CO" "$CO_P1" "$CO_P2" "$CO_USER" \
    "$CO_PW" 0 0 "$CO_P3" >"$CO/ns.out" 2>&1 &
co_pid=$!
h_track_pid "$co_pid"
if ! _h_wait_ports 20 "$co_pid" "$CO_P1" "$CO_P2" "$CO_P3"; then
	cell courier - - "error: Courier did not start: $(tail -3 "$CO/ns.out" | tr '\n' ' ')"
	h_check "Courier pop3d listens (unshare: $(cat "$CO/ns.out" | head -2))" false
else
	sed -i '/^box /d' "$P_ETC/passwords"
	p_password box "$CO_PW"
	S="pop3://$CO_USER@localhost:$CO_P1"
	I="pop3s://$CO_USER@localhost:$CO_P2"
	for m in USER PLAIN LOGIN CRAM-MD5; do
		lm=$(echo "$m" | tr 'A-Z' 'a-z')
		fetch_cell courier "$m" STLS "$S" "-o auth=$lm" "-o keep=yes"
		fetch_cell courier "$m" implicit "$I" "-o auth=$lm" "-o keep=yes"
	done
	fetch_cell courier auto STLS "$S" "-o keep=yes"
	fp_box "$S"
	_t=$H_TMP/co-test.out
	"$TOP/$BUILD/popconnctl" -c "$P_ETC" mailbox test box >"$_t" 2>&1
	sed 's/^/    /' "$_t"
	h_check "courier: mailbox test names the mechanisms offered and chosen" \
	    sh -c "grep -q 'offered: SASL PLAIN LOGIN CRAM-MD5 CRAM-SHA1 CRAM-SHA256; APOP no' '$_t' &&
	    grep -q 'chosen: CRAM-MD5 (auto: ' '$_t' &&
	    grep -q 'capabilities: PIPELINING UIDL TOP LOGIN-DELAY 10s UTF8' '$_t'"
	if fetch_cell courier auto+delete implicit "$I"; then
		"$TOP/$BUILD/popconnctl" -c "$P_ETC" mailbox test box \
		    >"$H_TMP/co-after.out" 2>&1
		h_check "courier: server mailbox empty after the deleting fetch" \
		    grep -q ' 0 messages' "$H_TMP/co-after.out"
	fi
	cell courier APOP both "not offered (no timestamp in Courier's greeting)"
	cell courier SCRAM/NTLM both "not offered (courierpop3login has no SCRAM, no NTLM)"

	. "$IT/courier_limit.sh"
fi
