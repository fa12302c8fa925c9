#!/bin/sh
# t_web - the Cockpit page (web/, issue 23) in a real browser: a
# cockpit-ws started on a free loopback port (no TLS, no systemd), two
# test users (one with administrative access through sudo, one without),
# the harness's real Dovecot, Postfix, popconn-fetcher and popconn-milter,
# and Debian's chromium driven by selenium under /usr/bin/python3
# (tests/lib/webtest.py, which makes the checks).  The page is the
# worktree's web/ copied into the admin user's ~/.local/share/cockpit/popconn,
# with ~/.config/cockpit/popconn.override.json naming this build's
# popconnctl and the test's configuration directory.  Screenshots of each
# tab go to $BUILD/screenshots/ ("make screenshots" copies them to docs/).
# Skips (77) when cockpit-ws, chromium, chromedriver or selenium is missing.
# WEB_HOLD=SECS keeps everything running that long after the checks (for
# working on the page by hand; KEEP=1 keeps $H_TMP).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
CTL=$TOP/$BUILD/popconnctl
WS=/usr/lib/cockpit/cockpit-ws

for f in "$WS" /usr/bin/cockpit-bridge /usr/bin/chromium /usr/bin/chromedriver \
    /usr/bin/sudo; do
	[ -x "$f" ] || { echo "t_web: SKIP: $f not installed (make deps)" >&2; exit 77; }
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null ||
    { echo "t_web: SKIP: python3-selenium not installed (make deps)" >&2; exit 77; }

h_init
# Passwords unique to this run: the ps and log checks must not match
# another test's.
PW_CAROL=carol-$(openssl rand -hex 5)
PW_DAVE=dave-$(openssl rand -hex 5)
PW_ERIN=erin-$(openssl rand -hex 5)
h_dovecot_start "carol:$PW_CAROL dave:$PW_DAVE"
# Postfix without the milter: the wizard's postfix-setup adds it.
M_SOCK=$H_TMP/milter.sock
h_postfix_start example.test "carol dave"
# Three ordinary messages for carol; one for dave whose subject and sender
# are hostile markup (the page must show it as text).
h_seed carol 3 1
p_config
m_config
E=$P_ETC
m_start || { h_check "milter started" false; h_done; exit 1; }
p_daemon_start || { h_check "fetcher started" false; h_done; exit 1; }
h_check "before the wizard: Postfix does not know the milter" \
    sh -c "! /usr/sbin/postconf -c '$H_POSTFIX_CONF' -h non_smtpd_milters | grep -q milter.sock"

# ---- two users, unique to this run; removed at cleanup.
U_ADMIN=pcw$$a
U_PLAIN=pcw$$b
PW_ADMIN=adm-$(openssl rand -hex 6)
PW_PLAIN=pln-$(openssl rand -hex 6)
SUDOERS=/etc/sudoers.d/popconn-t-web-$$
web_cleanup() {
	rm -f "$SUDOERS"
	for _u in "$U_ADMIN" "$U_PLAIN"; do
		if getent passwd "$_u" >/dev/null; then
			# the users' own leftovers (a bridge) go first, by PID
			for _p in $(pgrep -u "$_u" 2>/dev/null); do
				kill "$_p" 2>/dev/null
			done
			sleep 0.2
			userdel -r "$_u" >/dev/null 2>&1 || userdel "$_u" >/dev/null 2>&1
		fi
	done
}
h_at_cleanup web_cleanup
for _u in "$U_ADMIN" "$U_PLAIN"; do
	useradd -m -s /bin/sh "$_u" || { h_check "useradd $_u" false; h_done; exit 1; }
done
printf '%s:%s\n%s:%s\n' "$U_ADMIN" "$PW_ADMIN" "$U_PLAIN" "$PW_PLAIN" | chpasswd
# Administrative access the way Cockpit's superuser gets it: sudo (with
# the login password, which Cockpit passes on).
printf '%s ALL=(ALL:ALL) ALL\n' "$U_ADMIN" >"$SUDOERS"
chmod 0440 "$SUDOERS"

# ---- the page, for both users, pointed at this test's popconn.
for _u in "$U_ADMIN" "$U_PLAIN"; do
	_h=$(getent passwd "$_u" | cut -d: -f6)
	mkdir -p "$_h/.local/share/cockpit" "$_h/.config/cockpit"
	cp -r "$TOP/web" "$_h/.local/share/cockpit/popconn"
	printf '{ "config": { "popconnctl": "%s", "config_dir": "%s", "log_file": "%s" } }\n' \
	    "$CTL" "$E" "$H_TMP/daemon.log" >"$_h/.config/cockpit/popconn.override.json"
	chown -R "$_u:" "$_h/.local" "$_h/.config"
done

# ---- cockpit-ws on a free loopback port, as root (it drops privileges
# for the session itself).
WS_PORT=$(h_free_port)
h_spawn cockpit-ws "$WS" --no-tls --address 127.0.0.1 --port "$WS_PORT"
WS_LOG=$H_SPAWN_LOG
_n=100
until "$H_PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $WS_PORT), 1)" 2>/dev/null; do
	_n=$((_n - 1))
	[ "$_n" -gt 0 ] || { cat "$WS_LOG" >&2; h_check "cockpit-ws listens" false; h_done; exit 1; }
	sleep 0.1
done

mkdir -p "$TOP/$BUILD/screenshots"
export WEB_URL="http://127.0.0.1:$WS_PORT" WEB_ETC=$E WEB_CTL=$CTL \
    WEB_ADMIN=$U_ADMIN WEB_ADMIN_PW=$PW_ADMIN WEB_PLAIN=$U_PLAIN \
    WEB_PLAIN_PW=$PW_PLAIN WEB_PW_CAROL=$PW_CAROL WEB_PW_DAVE=$PW_DAVE \
    WEB_PW_ERIN=$PW_ERIN WEB_SHOTS=$TOP/$BUILD/screenshots \
    WEB_POP3S_PORT=$H_POP3S_PORT WEB_MAIL_ROOT=$H_MAIL_ROOT \
    WEB_POP_ROOT=$H_POP_MAILDIR_ROOT WEB_POSTFIX_CONF=$H_POSTFIX_CONF WEB_TMP=$H_TMP WEB_WS_LOG=$WS_LOG \
    WEB_SCRIPT=${WEB_SCRIPT:-all}
if [ -n "${WEB_HOLD:-}" ]; then
	echo "t_web: holding $WEB_HOLD s: $WEB_URL user $U_ADMIN / $PW_ADMIN; etc $E" >&2
	env | grep '^WEB_' >"$H_TMP/web.env"
	sleep "$WEB_HOLD" & wait $!
fi
/usr/bin/python3 "$TOP/tests/lib/webtest.py" >"$H_TMP/webtest.out" 2>&1
_rc=$?
cat "$H_TMP/webtest.out"
# webtest.py prints ok / not ok lines; count them into the harness's tally.
H_PASSED=$((H_PASSED + $(grep -c '^ok - ' "$H_TMP/webtest.out")))
H_FAILED=$((H_FAILED + $(grep -c '^not ok - ' "$H_TMP/webtest.out")))
h_check "webtest.py ran to its end (exit $_rc)" [ "$_rc" -eq 0 ] || [ "$_rc" -eq 1 ]

# ---- a password never in the logs (fetcher, milter, cockpit-ws, syslog).
for _f in "$H_TMP/daemon.log" "$M_LOG" "$WS_LOG" "$H_MAILLOG"; do
	h_check "no test password in $(basename "$_f")" \
	    sh -c "! grep -q -e '$PW_CAROL' -e '$PW_DAVE' -e '$PW_ERIN' -e '$PW_ADMIN' '$_f'"
done
h_done
