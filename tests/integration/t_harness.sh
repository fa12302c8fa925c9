#!/bin/sh
# t_harness.sh - test of the real-server harness (tests/lib) itself.
#
# Starts the private Dovecot and Postfix, checks TLS, logins, seeding and
# read-back, delivery through sendmail, bouncing, compare.py's verdicts,
# and that nothing the harness started outlives a test (normal end,
# `set -e` failure, SIGTERM).  Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
H_LIB_DIR=$(cd "$here/../lib" && pwd)
export H_LIB_DIR

if [ "$(id -u)" != 0 ]; then
	echo "skip: t_harness needs root (private Postfix and Dovecot)"
	exit 77
fi
for c in dovecot /usr/lib/dovecot/pop3 /usr/sbin/postfix /usr/sbin/sendmail \
    openssl ps ss; do
	if ! command -v "$c" >/dev/null 2>&1 && [ ! -x "$c" ]; then
		echo "skip: $c not installed"
		exit 77
	fi
done

OUT=$(mktemp -d /tmp/popconn-t_harness.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PROBE="$PY $H_LIB_DIR/pop3probe.py"	# for sh -c strings
probe() { "$PY" "$H_LIB_DIR/pop3probe.py" "$@"; }
DOM=example.test

# ---------------------------------------------------------------- helpers

# gone FILE: true when no "pid comm" line of FILE is a live process running
# the same program; prints the survivors.
gone() {
	_ok=0
	while read -r _p _c; do
		[ -n "$_p" ] || continue
		if [ -r "/proc/$_p/stat" ] &&
		    [ "$(sed 's/^.*) //' "/proc/$_p/stat" | cut -c1)" != Z ] &&
		    [ "$(cat "/proc/$_p/comm" 2>/dev/null)" = "$_c" ]; then
			echo "# still running: $_p $_c" >&2
			_ok=1
		fi
	done <"$1"
	return $_ok
}

# q CMD...: CMD with its stdout discarded (h_check's own line must show)
# shellcheck disable=SC2317
q() { "$@" >/dev/null; }

# listening PORT: true when something listens on 127.0.0.1:PORT.
listening() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# ------------------------------------------------------------ main body

(
	# shellcheck disable=SC1091
	. "$H_LIB_DIR/harness.sh"
	h_init
	echo "$H_TMP" >"$OUT/tmpdir"

	h_dovecot_start "user1:pass1 user2:Secret-2" || exit 1
	# the knobs: user2 gets a copy of user1's mail; an extra service;
	# arguments for cleanup
	H_POSTFIX_EXTRA_MAIN="recipient_bcc_maps = inline:{ user1@$DOM=user2@$DOM }"
	H_POSTFIX_EXTRA_MASTER="hsink     unix  -       n       n       -       -       discard"
	H_POSTFIX_CLEANUP_ARGS="-o milter_macro_daemon_name=local-submit"
	export H_POSTFIX_EXTRA_MAIN H_POSTFIX_EXTRA_MASTER H_POSTFIX_CLEANUP_ARGS
	h_postfix_start "$DOM" "user1 user2" || exit 1
	echo "$H_POP3_PORT $H_POP3S_PORT" >"$OUT/ports"
	h_pids >"$OUT/pids"
	h_check "daemons recorded ($(wc -l <"$OUT/pids") processes)" \
	    test "$(wc -l <"$OUT/pids")" -ge 4
	case $(h_free_port) in
	[1-9]*) h_ok "h_free_port prints a port" ;;
	*) h_not_ok "h_free_port prints a port" ;;
	esac

	# --- certificates
	s=$H_TMP/ssl
	h_check "server cert verifies against the test CA" \
	    q openssl verify -CAfile "$H_CA" "$s/server.pem"
	h_check "server cert names localhost, 127.0.0.1, ::1" sh -c \
	    "openssl x509 -in '$s/server.pem' -noout -ext subjectAltName |
	     grep -q 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'"
	h_check "wronghost cert is CA-signed for wrong.example" sh -c \
	    "openssl verify -CAfile '$H_CA' '$s/wronghost.pem' >/dev/null &&
	     openssl x509 -in '$s/wronghost.pem' -noout -ext subjectAltName | grep -q DNS:wrong.example"
	h_check "self-signed cert is not trusted by the CA" sh -c \
	    "! openssl verify -CAfile '$H_CA' '$s/selfsigned.pem' >/dev/null 2>&1"
	h_check "expired cert is CA-signed and expired" sh -c \
	    "! openssl x509 -in '$s/expired.pem' -noout -checkend 0 >/dev/null &&
	     openssl verify -CAfile '$H_CA' -no_check_time '$s/expired.pem' >/dev/null"

	# --- where Dovecot and Postfix listen
	dpids=$(h_pids | awk '{ print $1 }' | tr '\n' ' ')
	ss -Hltnp >"$OUT/tcp" 2>/dev/null
	ss -Hlxp >"$OUT/unix" 2>/dev/null
	tcp_ok=1
	unix_ok=1
	for p in $dpids; do
		grep "pid=$p," "$OUT/tcp" | awk '{ print $4 }' >>"$OUT/tcp.mine"
		grep "pid=$p," "$OUT/unix" | awk '{ print $5 }' >>"$OUT/unix.mine"
	done
	sort -u "$OUT/tcp.mine" >"$OUT/tcp.sorted"
	printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$H_POP3_PORT" "$H_POP3S_PORT" |
	    sort >"$OUT/tcp.want"
	cmp -s "$OUT/tcp.sorted" "$OUT/tcp.want" || {
		tcp_ok=0; echo "# TCP listeners:" >&2; cat "$OUT/tcp.sorted" >&2; }
	# Dovecot shows absolute paths, Postfix paths relative to its spool
	if grep -v -e "^$H_TMP/" -e '^[a-z]*/[a-z0-9-]*$' "$OUT/unix.mine" >&2; then
		unix_ok=0
	fi
	h_check "only the two POP3 ports listen on TCP" test "$tcp_ok" = 1
	h_check "every unix socket is inside \$H_TMP" test "$unix_ok" = 1

	# --- TLS
	h_check "POP3S verifies against H_CA as localhost" \
	    probe --port "$H_POP3S_PORT" --tls implicit --ca "$H_CA"
	probe --port "$H_POP3S_PORT" --tls implicit --system-ca 2>/dev/null
	h_check "POP3S fails verification with the system CA store" test $? = 2
	probe --port "$H_POP3S_PORT" --tls implicit --ca "$H_CA" \
	    --servername wrong.example 2>/dev/null
	h_check "POP3S fails verification for another host name" test $? = 2
	h_check "plain port announces STLS" sh -c \
	    "$PROBE --port $H_POP3_PORT --capa | grep -qx STLS"
	h_check "STLS on the plain port verifies as localhost" \
	    probe --port "$H_POP3_PORT" --tls stls --ca "$H_CA" \
	    --user user1 --password pass1
	h_check "POP3S does not offer STLS again" sh -c \
	    "! $PROBE --port $H_POP3S_PORT --tls implicit --ca $H_CA --capa | grep -qx STLS"

	# --- logins
	for m in user apop plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256; do
		h_check "login $m" probe --port "$H_POP3_PORT" --user user1 \
		    --password pass1 --auth "$m"
	done
	h_check "login user2 PLAIN over POP3S" probe --port "$H_POP3S_PORT" \
	    --tls implicit --ca "$H_CA" --user user2 --password Secret-2 --auth plain
	for m in user plain; do
		probe --port "$H_POP3_PORT" --user user1 --password wrong --auth "$m" 2>/dev/null
		h_check "wrong password refused ($m)" test $? = 3
	done
	probe --port "$H_POP3_PORT" --user nosuch --password pass1 2>/dev/null
	h_check "unknown user refused" test $? = 3

	# --- seed and read back over POP3
	h_check "h_seed user1 5" q h_seed user1 5 42
	h_check "h_pop_count is 5 after seeding" test "$(h_pop_count user1)" = 5
	h_check "seeded Maildir files belong to the virtual uid" test \
	    "$(find "$H_POP_MAILDIR_ROOT/user1/Maildir/new" -type f ! -user "$H_VUID" | wc -l)" = 0
	h_check "RETR over POP3S gives the originals byte for byte" sh -c "
	    $PROBE --port $H_POP3S_PORT --tls implicit --ca $H_CA --user user1 \
	        --password pass1 --fetch $H_TMP/fetched \
	        --expect-uidl-re '[0-9a-f]{16}' >/dev/null &&
	    $PY $H_LIB_DIR/compare.py $H_TMP/orig/user1 $H_TMP/fetched >/dev/null"
	h_check "POP3 order is seed order" sh -c \
	    "grep -q '^Subject: popconn test 1\$' $H_TMP/fetched/000001.eml &&
	     grep -q '^Subject: popconn test 5\$' $H_TMP/fetched/000005.eml"
	h_check "messages vary: lone '.', long line, 8-bit, ~200 KB" sh -c "
	    cat $H_TMP/orig/user1/* | grep -qx '\\.' &&
	    awk 'length > 4900 { f = 1 } END { exit !f }' $H_TMP/orig/user1/* &&
	    grep -q 'charset=iso-8859-1' $H_TMP/orig/user1/* &&
	    test \$(wc -c <$H_TMP/orig/user1/000002-s42.eml) -gt 190000"
	h_check "RETR+DELE empties the Maildir" sh -c "
	    $PROBE --port $H_POP3_PORT --user user1 --password pass1 \
	        --fetch $H_TMP/fetched2 --delete >/dev/null"
	h_check "h_pop_count is 0 after DELE" test "$(h_pop_count user1)" = 0

	# --- Postfix: sendmail into the virtual Maildir
	"$PY" "$H_LIB_DIR/seed.py" --count 6 --seed 7 --user user1 \
	    --to "user1@$DOM" --orig "$H_TMP/submit" >/dev/null
	sm_ok=1
	for f in "$H_TMP"/submit/*.eml; do
		h_sendmail -i -f sender@example.org -- "user1@$DOM" <"$f" || sm_ok=0
	done
	h_check "h_sendmail accepted 6 messages" test "$sm_ok" = 1
	h_check "h_postfix_wait_idle" h_postfix_wait_idle 20
	res=$(h_compare user1 "$H_TMP/submit" "$H_MAIL_ROOT/user1")
	h_check "h_compare: all delivered identical ($res)" \
	    test "$res" = "delivered=6 missing=0 duplicated=0 altered=0"
	h_check "h_mail_count user1 is 6" test "$(h_mail_count user1)" = 6
	res=$(h_compare user2 "$H_TMP/submit")
	h_check "H_POSTFIX_EXTRA_MAIN: bcc copies to user2 identical ($res)" \
	    test "$res" = "delivered=6 missing=0 duplicated=0 altered=0"
	h_check "H_POSTFIX_EXTRA_MASTER and H_POSTFIX_CLEANUP_ARGS in master.cf" sh -c \
	    "postconf -c $H_POSTFIX_CONF -M hsink/unix | grep -q discard &&
	     postconf -c $H_POSTFIX_CONF -P cleanup/unix/milter_macro_daemon_name |
	     grep -q local-submit"
	h_check "delivery prepends Delivered-To and X-Original-To" sh -c \
	    "grep -l '^Delivered-To: user1@$DOM' $H_MAIL_ROOT/user1/new/* | wc -l | grep -qx 6"

	# --- outside mail bounces, nothing leaves, nothing is delivered
	before=$(find "$H_MAIL_ROOT" -type f | wc -l)
	printf 'From: sender@example.org\nTo: nobody@outside.example\nSubject: must bounce\nMessage-ID: <bounce.1@popconn.test>\n\nno\n' |
	    h_sendmail -i -f sender@example.org -- nobody@outside.example
	h_postfix_wait_idle 20 >/dev/null
	n=0
	while [ "$n" -lt 40 ] && ! grep -q 'to=<nobody@outside.example>.*status=bounced' "$H_MAILLOG"; do
		sleep 0.05; n=$((n + 1))
	done
	h_check "outside recipient bounced (maillog status=bounced)" \
	    grep -q 'to=<nobody@outside.example>.*status=bounced' "$H_MAILLOG"
	h_check "outside recipient delivered nowhere" \
	    test "$(find "$H_MAIL_ROOT" -type f | wc -l)" = "$before"
	h_check "no mail deferred" test -z "$(find "$H_POSTFIX_SPOOL/deferred" -type f)"

	# --- compare.py notices damage
	mkdir -p "$H_TMP/bad"
	set -- "$H_MAIL_ROOT"/user1/new/*
	cp "$1" "$H_TMP/bad/a"
	cp "$2" "$H_TMP/bad/b"
	cp "$2" "$H_TMP/bad/b2"
	sed 's/^Subject: popconn test/Subject: popconn TEST/' "$3" >"$H_TMP/bad/c"
	cp "$4" "$H_TMP/bad/d"
	printf 'X-Extra: not trace\n' | cat - "$5" >"$H_TMP/bad/e"
	res=$(h_compare user1 "$H_TMP/submit" "$H_TMP/bad" 2>/dev/null)
	rc=$?
	h_check "h_compare reports damage ($res)" test "$rc" = 1 -a \
	    "$res" = "delivered=6 missing=1 duplicated=1 altered=2"

	h_done
)
rc=$?

# ------------------------------------------- nothing outlives the test
tmpdir=$(cat "$OUT/tmpdir" 2>/dev/null)
fails=0
if [ -s "$OUT/pids" ] && gone "$OUT/pids"; then
	echo "ok - no harness process left after cleanup"
else
	echo "not ok - no harness process left after cleanup"
	fails=1
fi
if [ -n "$tmpdir" ] && { [ ! -e "$tmpdir" ] || [ "${KEEP:-0}" = 1 ]; }; then
	echo "ok - \$H_TMP removed"
else
	echo "not ok - \$H_TMP removed ($tmpdir)"
	fails=1
fi
if [ -s "$OUT/ports" ]; then
	read -r p1 p2 <"$OUT/ports"
	if listening "$p1" || listening "$p2"; then
		echo "not ok - POP3 ports closed after cleanup"
		fails=1
	else
		echo "ok - POP3 ports closed after cleanup"
	fi
fi

# A `set -e` test that fails midway, and one killed by SIGTERM while it
# waits: both must leave nothing behind (Postfix's part of the cleanup is
# checked above; these start Dovecot and a background program).
cat >"$OUT/fail.sh" <<EOF
set -e
. "$H_LIB_DIR/harness.sh"
H_QUIET=1
h_init
echo "\$H_TMP" >"$OUT/fail.tmp"
h_dovecot_start "u:p"
h_spawn sleeper sleep 60
h_pids >"$OUT/fail.pids"
false
echo "not reached"
EOF
cat >"$OUT/term.sh" <<EOF
. "$H_LIB_DIR/harness.sh"
H_QUIET=1
h_init
echo "\$H_TMP" >"$OUT/term.tmp"
h_dovecot_start "u:p" || exit 1
sleep 60 &
h_track_pid \$!
h_pids >"$OUT/term.pids"
: >"$OUT/term.ready"
wait
EOF
KEEP=0 sh "$OUT/fail.sh" >"$OUT/fail.out" 2>&1
frc=$?
if [ "$frc" = 1 ] && ! grep -q 'not reached' "$OUT/fail.out" &&
    grep -q sleep "$OUT/fail.pids" && gone "$OUT/fail.pids" &&
    [ ! -e "$(cat "$OUT/fail.tmp")" ]; then
	echo "ok - set -e failure midway stops everything, h_spawn'd program too (exit $frc)"
else
	echo "not ok - set -e failure midway stops everything, h_spawn'd program too (exit $frc)"
	cat "$OUT/fail.out" >&2
	fails=1
fi
KEEP=0 sh "$OUT/term.sh" >"$OUT/term.out" 2>&1 &
tpid=$!
n=0
while [ ! -e "$OUT/term.ready" ] && [ "$n" -lt 200 ]; do
	sleep 0.05; n=$((n + 1))
done
kill -TERM "$tpid" 2>/dev/null
wait "$tpid"
trc=$?
if [ -e "$OUT/term.ready" ] && [ "$trc" = 143 ] && gone "$OUT/term.pids" &&
    grep -q sleep "$OUT/term.pids" && [ ! -e "$(cat "$OUT/term.tmp")" ]; then
	echo "ok - SIGTERM stops everything, tracked pid included (exit $trc)"
else
	echo "not ok - SIGTERM stops everything, tracked pid included (exit $trc)"
	cat "$OUT/term.out" >&2
	fails=1
fi

# SIGKILL leaves no trap to run: the guards must see the shell die, stop
# the daemons and remove $H_TMP on their own.
cat >"$OUT/kill.sh" <<EOF
. "$H_LIB_DIR/harness.sh"
H_QUIET=1
h_init
echo "\$H_TMP" >"$OUT/kill.tmp"
h_dovecot_start "u:p" || exit 1
h_spawn sleeper sleep 60
h_pids >"$OUT/kill.pids"
: >"$OUT/kill.ready"
exec sleep 60
EOF
KEEP=0 sh "$OUT/kill.sh" >"$OUT/kill.out" 2>&1 &
kpid=$!
n=0
while [ ! -e "$OUT/kill.ready" ] && [ "$n" -lt 200 ]; do
	sleep 0.05; n=$((n + 1))
done
kill -KILL "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
n=0
until gone "$OUT/kill.pids" 2>/dev/null && [ ! -e "$(cat "$OUT/kill.tmp")" ]; do
	[ "$n" -lt 200 ] || break
	sleep 0.05; n=$((n + 1))
done
if [ -e "$OUT/kill.ready" ] && grep -q dovecot "$OUT/kill.pids" &&
    grep -q sleep "$OUT/kill.pids" &&
    gone "$OUT/kill.pids" && [ ! -e "$(cat "$OUT/kill.tmp")" ]; then
	echo "ok - SIGKILL of the test: guards stop Dovecot and h_spawn'd program, remove \$H_TMP"
else
	echo "not ok - SIGKILL of the test: guards stop Dovecot and h_spawn'd program, remove \$H_TMP"
	cat "$OUT/kill.out" >&2
	fails=1
fi

if [ "$rc" = 0 ] && [ "$fails" = 0 ]; then
	echo "# t_harness: PASS"
	exit 0
fi
echo "# t_harness: FAIL"
exit 1
