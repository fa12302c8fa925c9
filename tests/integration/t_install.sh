#!/bin/sh
# t_install - make install / make uninstall, the systemd units and
# popconnctl postfix-setup, the way an administrator meets them.
#
# 1. "make install DESTDIR=... PREFIX=/usr" makes exactly the expected
#    tree with the expected modes (compared with a listing below); a
#    second install keeps an edited configuration file; nothing is
#    chowned, no user made and no secret generated under DESTDIR.
# 2. A real install (no DESTDIR, as root) into a prefix under $H_TMP,
#    so that the machine's /usr, /etc and /var stay untouched: the
#    popconn user and group are created if missing (and removed again at
#    the end if this test made them), passwords is 0600 popconn, the
#    secret 0640 root:popconn, the directories 0700 (run 0755) popconn.
#    The installed units pass "systemd-analyze verify" (skipped, with
#    the reason printed, when systemd-analyze is absent).
# 3. The installed programs do the job: a global mailbox is added with
#    the installed popconnctl against the harness Dovecot, both daemons
#    start with the ExecStart= line of their installed unit, as the
#    unit's User=/SupplementaryGroups= (and, for the milter,
#    NoNewPrivileges=), their ExecReload= signals are survived, "popconnctl
#    postfix-setup --apply" configures the private Postfix (per-milter
#    default_action=tempfail, cleanup's milter_macro_daemon_name, then
#    postfix reload), and messages fetched from the global mailbox land
#    in the right Maildirs.  Logs reach syslog with facility mail.
#    postfix-setup --undo --apply takes the Postfix side back out.
# 4. make uninstall removes programs, units and man pages; the
#    configuration, the secret, the state and the delivered mail stay.
#
# Without systemd here, the daemons run in a private mount namespace
# (unshare -m) that only supplies what this container lacks and a real
# system has: /dev/log (a receiver in this test stands in for syslog)
# and a default /etc/postfix/main.cf that lists the private Postfix in
# alternate_config_directories (Postfix's postdrop, setgid, refuses an
# unlisted -C directory for a non-root submitter).  Nothing outside
# $H_TMP is changed except the popconn user and group, if missing.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
BUILD=${BUILD:-build}
U=popconn

h_init
for c in unshare setpriv useradd groupadd; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "t_install: SKIP: $c not installed" >&2; exit 77; }
done
if ! unshare -m --propagation private true 2>/dev/null; then
	echo "t_install: SKIP: cannot make a mount namespace (unshare -m)" >&2
	exit 77
fi
# The programs of this build (build/san under SANITIZE=1: same flags, so
# that "install: all" does not rebuild them differently).
case $BUILD in */san) SAN=1 ;; *) SAN= ;; esac
mk() { make -C "$TOP" --no-print-directory BUILD="$BUILD" SANITIZE="$SAN" "$@"; }

# ------------------------------------------------------------ 1. DESTDIR
D=$H_TMP/destdir
mkdir -p "$D"
rc=0
mk install DESTDIR="$D" PREFIX=/usr >"$H_TMP/install-destdir.log" 2>&1 || rc=$?
h_check "make install DESTDIR=... PREFIX=/usr" [ $rc = 0 ] ||
    cat "$H_TMP/install-destdir.log"
listing() { (cd "$1" && find . -mindepth 1 -printf '%M %u:%g %p\n' | sort -k3); }
listing "$D" >"$H_TMP/tree.got"
cat >"$H_TMP/tree.want" <<'EOF'
drwxr-xr-x root:root ./etc
drwxr-xr-x root:root ./etc/popconn
-rw-r----- root:root ./etc/popconn/mailboxes.cf
-rw------- root:root ./etc/popconn/passwords
-rw-r--r-- root:root ./etc/popconn/popconn.cf
-rw-r--r-- root:root ./etc/popconn/routing
-rw-r--r-- root:root ./etc/popconn/routing.pcre
drwxr-xr-x root:root ./lib
drwxr-xr-x root:root ./lib/systemd
drwxr-xr-x root:root ./lib/systemd/system
-rw-r--r-- root:root ./lib/systemd/system/popconn-fetcher.service
-rw-r--r-- root:root ./lib/systemd/system/popconn-milter.service
drwxr-xr-x root:root ./usr
drwxr-xr-x root:root ./usr/sbin
-rwxr-xr-x root:root ./usr/sbin/popconn-fetcher
-rwxr-xr-x root:root ./usr/sbin/popconn-milter
-rwxr-xr-x root:root ./usr/sbin/popconnctl
drwxr-xr-x root:root ./usr/share
drwxr-xr-x root:root ./usr/share/cockpit
drwxr-xr-x root:root ./usr/share/cockpit/popconn
-rw-r--r-- root:root ./usr/share/cockpit/popconn/index.html
-rw-r--r-- root:root ./usr/share/cockpit/popconn/manifest.json
-rw-r--r-- root:root ./usr/share/cockpit/popconn/popconn.css
-rw-r--r-- root:root ./usr/share/cockpit/popconn/popconn.js
drwxr-xr-x root:root ./usr/share/man
drwxr-xr-x root:root ./usr/share/man/man5
-rw-r--r-- root:root ./usr/share/man/man5/mailboxes.cf.5
-rw-r--r-- root:root ./usr/share/man/man5/popconn.cf.5
drwxr-xr-x root:root ./usr/share/man/man8
-rw-r--r-- root:root ./usr/share/man/man8/popconn-fetcher.8
-rw-r--r-- root:root ./usr/share/man/man8/popconn-milter.8
-rw-r--r-- root:root ./usr/share/man/man8/popconnctl.8
drwxr-xr-x root:root ./var
drwxr-xr-x root:root ./var/lib
drwx------ root:root ./var/lib/popconn
drwx------ root:root ./var/lib/popconn-milter
drwxr-xr-x root:root ./var/spool
drwx------ root:root ./var/spool/popconn
EOF
h_check "DESTDIR tree: expected files, modes and owners" \
    diff -u "$H_TMP/tree.want" "$H_TMP/tree.got"
h_check "DESTDIR units run /usr/sbin programs with -c /etc/popconn" \
    grep -qx 'ExecStart=/usr/sbin/popconn-fetcher -c /etc/popconn' \
    "$D/lib/systemd/system/popconn-fetcher.service"
h_check "DESTDIR units: milter ExecStart and ExecReload" \
    sh -c "grep -qx 'ExecStart=/usr/sbin/popconn-milter -c /etc/popconn' \
    '$D/lib/systemd/system/popconn-milter.service' &&
    grep -qx 'ExecReload=/bin/kill -USR1 \$MAINPID' \
    '$D/lib/systemd/system/popconn-milter.service'"
h_check "DESTDIR: the Cockpit page's manifest names /usr/sbin/popconnctl and /etc/popconn" \
    sh -c "grep -q '\"/usr/sbin/popconnctl\"' '$D/usr/share/cockpit/popconn/manifest.json' &&
    grep -q '\"/etc/popconn\"' '$D/usr/share/cockpit/popconn/manifest.json'"
h_check "DESTDIR: no user made, no secret generated, says so" \
    sh -c "grep -q 'DESTDIR is set: not creating user' '$H_TMP/install-destdir.log' &&
    grep -q 'no .*marker.key generated' '$H_TMP/install-destdir.log'"
echo "# edited by the administrator" >>"$D/etc/popconn/popconn.cf"
cp "$D/etc/popconn/popconn.cf" "$H_TMP/popconn.cf.edited"
mk install DESTDIR="$D" PREFIX=/usr >"$H_TMP/install-destdir2.log" 2>&1
h_check "a second install keeps the edited popconn.cf" \
    cmp -s "$D/etc/popconn/popconn.cf" "$H_TMP/popconn.cf.edited"
h_check "a second install says what it kept" \
    grep -q "kept $D/etc/popconn/passwords" "$H_TMP/install-destdir2.log"
mk uninstall DESTDIR="$D" PREFIX=/usr >"$H_TMP/uninstall-destdir.log" 2>&1
listing "$D" >"$H_TMP/tree.after"
h_check "DESTDIR uninstall leaves only configuration and directories" \
    sh -c "! grep -E 'sbin/popconn|\\.service|man[58]/.|cockpit/popconn/.' '$H_TMP/tree.after' &&
    grep -q 'etc/popconn/popconn.cf' '$H_TMP/tree.after' &&
    grep -q 'var/spool/popconn' '$H_TMP/tree.after'"

# --------------------------------------------------------- 2. real prefix
R=$H_TMP/root
had_user=0; had_group=0
getent passwd "$U" >/dev/null && had_user=1
getent group "$U" >/dev/null && had_group=1
FPID='' MPID=''
# Cleanup code runs before the harness stops what it tracks: stop the
# daemons (and their sendmail children) first, or userdel refuses.
h_at_cleanup "
for _p in \$FPID \$MPID; do _h_stop_tree \$_p; done
if [ $had_user = 0 ] && getent passwd $U >/dev/null; then
	userdel $U || echo 't_install: could not remove user $U' >&2
fi
if [ $had_group = 0 ] && getent group $U >/dev/null; then
	groupdel $U || echo 't_install: could not remove group $U' >&2
fi"
IV="PREFIX=$R/usr sysconfdir=$R/etc localstatedir=$R/var runstatedir=$R/run unitdir=$R/lib/systemd/system"
rc=0
# shellcheck disable=SC2086
mk install $IV >"$H_TMP/install-real.log" 2>&1 || rc=$?
h_check "make install into $R (a real install: root, no DESTDIR)" [ $rc = 0 ] ||
    { cat "$H_TMP/install-real.log"; h_done; exit 1; }
E=$R/etc/popconn
mode() { stat -c '%a %U:%G' "$1"; }
h_check "user and group $U exist" \
    sh -c "getent passwd $U >/dev/null && getent group $U >/dev/null"
h_check "passwords 0600 $U" [ "$(mode "$E/passwords")" = "600 $U:$U" ]
h_check "mailboxes.cf 0640 root:$U (accounts and servers)" \
    [ "$(mode "$E/mailboxes.cf")" = "640 root:$U" ]
h_check "marker.key 0640 root:$U, 64 hex digits" \
    sh -c "[ \"\$(stat -c '%a %U:%G' '$E/marker.key')\" = '640 root:$U' ] &&
    grep -Eqx '[0-9a-f]{64}' '$E/marker.key'"
h_check "state, spool and the milter's store 0700 $U, run 0755 $U" \
    sh -c "[ \"\$(stat -c '%a %U' '$R/var/lib/popconn' '$R/var/spool/popconn' '$R/var/lib/popconn-milter' '$R/run/popconn' | tr '\n' ' ')\" = '700 $U 700 $U 700 $U 755 $U ' ]"
cp "$E/marker.key" "$H_TMP/marker.key.1"
# shellcheck disable=SC2086
mk install $IV >"$H_TMP/install-real2.log" 2>&1
h_check "the secret is generated once (kept on reinstall)" \
    cmp -s "$E/marker.key" "$H_TMP/marker.key.1"
UD=$R/lib/systemd/system
if command -v systemd-analyze >/dev/null 2>&1; then
	h_check "systemd-analyze verify: both installed units" \
	    sh -c "MANPATH='$R/usr/share/man' systemd-analyze verify \
	    '$UD/popconn-fetcher.service' '$UD/popconn-milter.service' \
	    >'$H_TMP/verify.log' 2>&1 && ! grep -q . '$H_TMP/verify.log'" ||
	    cat "$H_TMP/verify.log"
else
	echo "ok - # SKIP systemd-analyze verify: systemd-analyze is not installed (Debian package systemd)"
fi
h_check "the fetcher unit does not set NoNewPrivileges (postdrop is setgid)" \
    sh -c "! grep -Eq '^(NoNewPrivileges|RestrictAddressFamilies|SystemCallFilter|PrivateDevices)=' '$UD/popconn-fetcher.service'"

# ------------------------------------------- 3. configure, run, deliver
h_ca
h_dovecot_start "domain:domain-pw"
h_postfix_start example.test "postmaster kim chris"
h_check "the private Postfix has no milter before postfix-setup" \
    [ -z "$(postconf -c "$H_POSTFIX_CONF" -h non_smtpd_milters)" ]

# What an administrator edits in popconn.cf (the rest are the defaults).
RUN=$R/run/popconn
cat >>"$E/popconn.cf" <<EOT

# t_install: this installation's paths and the test servers
state_directory = $R/var/lib/popconn
spool_directory = $R/var/spool/popconn
control_socket = $RUN/fetcher.sock
pid_file = $RUN/fetcher.pid
milter_socket = unix:$RUN/milter.sock
milter_pid_file = $RUN/milter.pid
milter_state_directory = $R/var/lib/popconn-milter
marker_secret_file = $E/marker.key
postfix_config_directory = $H_POSTFIX_CONF
tls_ca_file = $H_CA
myhostname = popconn-test.localdomain
local_domains = example.test
undeliverable_mailbox = postmaster@example.test
routing_maps = texthash:$E/routing
EOT
CTL=$R/usr/sbin/popconnctl
ctl() { "$CTL" -c "$E" "$@"; }
echo domain-pw >"$H_TMP/pw"
h_check "popconnctl mailbox add (installed popconnctl)" \
    ctl mailbox add catchall --type global \
    --url "pop3s://domain@localhost:$H_POP3S_PORT" --password-file "$H_TMP/pw"
h_check "passwords still 0600 $U after the edit" \
    [ "$(mode "$E/passwords")" = "600 $U:$U" ]
h_check "mailboxes.cf still 0640 root:$U after the edit" \
    [ "$(mode "$E/mailboxes.cf")" = "640 root:$U" ]
h_check "popconnctl route add" ctl route add dev@lists.example chris

# postfix-setup: print, apply, idempotent.
ctl postfix-setup >"$H_TMP/setup.out" 2>&1 || true
h_check "postfix-setup prints the postconf commands" \
    sh -c "grep -q \"postconf -c '$H_POSTFIX_CONF' -e 'non_smtpd_milters = { unix:$RUN/milter.sock, default_action=tempfail, connect_timeout=10s, command_timeout=10s }'\" '$H_TMP/setup.out' &&
    grep -q \"postconf -c '$H_POSTFIX_CONF' -P 'cleanup/unix/milter_macro_daemon_name=local-submit'\" '$H_TMP/setup.out'"
h_check "postfix-setup without --apply changes nothing" \
    [ -z "$(postconf -c "$H_POSTFIX_CONF" -h non_smtpd_milters)" ]
h_check "postfix-setup --apply --postfix-config" \
    sh -c "'$CTL' -c '$E' postfix-setup --apply --postfix-config '$H_POSTFIX_CONF' >'$H_TMP/apply.out' 2>&1" ||
    cat "$H_TMP/apply.out"
h_check "main.cf: the per-milter tempfail form" \
    [ "$(postconf -c "$H_POSTFIX_CONF" -h non_smtpd_milters)" = \
    "{ unix:$RUN/milter.sock, default_action=tempfail, connect_timeout=10s, command_timeout=10s }" ]
h_check "master.cf: cleanup -o milter_macro_daemon_name=local-submit" \
    sh -c "postconf -c '$H_POSTFIX_CONF' -P | grep -qx 'cleanup/unix/milter_macro_daemon_name = local-submit'"
h_check "postfix reloaded by postfix-setup" grep -q 'done: postfix .* reload' "$H_TMP/apply.out"
h_check "postfix-setup --apply again: nothing to change" \
    sh -c "'$CTL' -c '$E' postfix-setup --apply | grep -q 'nothing to change'"

# The run-time environment a systemd machine provides (see the header).
PFDEF=$H_TMP/etc-postfix
cp -a /etc/postfix "$PFDEF"
printf '\nalternate_config_directories = %s\n' "$H_POSTFIX_CONF" >>"$PFDEF/main.cf"
DEVD=$H_TMP/dev
mkdir -p "$DEVD"
for n in null zero full random urandom; do : >"$DEVD/$n"; done
chmod 0755 "$DEVD"
h_spawn syslog "$H_PYTHON" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
' "$DEVD/log" "$H_TMP/syslog.log"
n=100; while [ ! -S "$DEVD/log" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
cat >"$H_TMP/asunit.sh" <<'EOT'
# asunit.sh DEVD PFDEF NNP GROUPS USER HIDE CMD...: in a fresh mount
# namespace, /dev and /etc/postfix as a systemd host has them, the paths
# of HIDE (the unit's InaccessiblePaths=, comma-separated, "-" for none)
# covered as systemd covers them, then CMD as USER (with supplementary
# GROUPS, "-" for none; NNP=1: no_new_privs).
set -e
devd=$1 pfdef=$2 nnp=$3 groups=$4 user=$5 hide=$6
shift 6
for n in null zero full random urandom; do mount --bind "/dev/$n" "$devd/$n"; done
mount --rbind "$devd" /dev
mount --bind "$pfdef" /etc/postfix
if [ "$hide" != - ]; then
	for p in $(echo "$hide" | tr ',' ' '); do
		p=${p#-}
		if [ -d "$p" ]; then mount -t tmpfs -o ro,mode=000 none "$p"
		elif [ -e "$p" ]; then mount --bind "$devd/../inaccessible" "$p"; fi
	done
fi
umask 077
set -- --reuid="$user" --regid="$user" -- "$@"
if [ "$groups" = - ]; then set -- --init-groups "$@"; else set -- --groups="$groups" "$@"; fi
[ "$nnp" = 1 ] && set -- --no-new-privs "$@"
exec setpriv "$@"
EOT
# ExecStart= of an installed unit, word by word (no quoting in ours).
execstart() { sed -n 's/^ExecStart=//p' "$UD/$1"; }
unit_user() { sed -n 's/^User=//p' "$UD/$1"; }
unit_groups() { g=$(sed -n 's/^SupplementaryGroups=//p' "$UD/$1"); echo "${g:--}"; }
unit_nnp() { grep -qx 'NoNewPrivileges=yes' "$UD/$1" && echo 1 || echo 0; }
unit_hide() { h=$(sed -n 's/^InaccessiblePaths=//p' "$UD/$1" | tr ' ' ','); echo "${h:--}"; }
: >"$H_TMP/inaccessible"
chmod 000 "$H_TMP/inaccessible"
start_unit() {
	_u=$1.service
	# shellcheck disable=SC2046
	h_spawn "$1" unshare -m --propagation private sh "$H_TMP/asunit.sh" \
	    "$DEVD" "$PFDEF" "$(unit_nnp "$_u")" "$(unit_groups "$_u")" \
	    "$(unit_user "$_u")" "$(unit_hide "$_u")" $(execstart "$_u")
}
start_unit popconn-milter
MPID=$H_SPAWN_PID
n=200; while [ ! -S "$RUN/milter.sock" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
h_check "popconn-milter is up, as $U, with its socket" \
    sh -c "[ -S '$RUN/milter.sock' ] && [ \"\$(stat -c %U /proc/$MPID)\" = $U ]" ||
    { cat "$H_TMP/guard/popconn-milter.out" "$H_TMP/syslog.log"; }
h_check "milter socket 0660 $U:postfix" \
    [ "$(mode "$RUN/milter.sock")" = "660 $U:postfix" ]
# In the milter's namespace, as its user: no password, no state, no spool
# (issue 19 defect 4); its own configuration and secret it reads.
inms() { nsenter --target "$MPID" --mount -- setpriv --reuid=$U --regid=$U --init-groups "$@"; }
h_check "the milter's user cannot read the ISP passwords" \
    sh -c "! $(command -v nsenter) --target $MPID --mount -- setpriv --reuid=$U --regid=$U --init-groups cat '$E/passwords' >/dev/null 2>&1"
h_check "... nor the fetcher's state or spool" \
    sh -c "! $(command -v nsenter) --target $MPID --mount -- setpriv --reuid=$U --regid=$U --init-groups ls '$R/var/lib/popconn' '$R/var/spool/popconn' >/dev/null 2>&1"
h_check "... but popconn.cf and the marker secret" \
    inms cat "$E/popconn.cf" "$E/marker.key"
start_unit popconn-fetcher
FPID=$H_SPAWN_PID
n=200; while [ ! -S "$RUN/fetcher.sock" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
h_check "popconn-fetcher is up, as $U, with its control socket" \
    sh -c "[ -S '$RUN/fetcher.sock' ] && [ \"\$(stat -c %U /proc/$FPID)\" = $U ]" ||
    { cat "$H_TMP/guard/popconn-fetcher.out" "$H_TMP/syslog.log"; }
# ExecReload= of each unit, as systemctl reload would send it.
kill -HUP "$FPID"
kill -USR1 "$MPID"
sleep 0.3
h_check "both daemons survive their ExecReload signal" \
    sh -c "kill -0 $FPID && kill -0 $MPID"

mkdir -p "$H_TMP/orig/m"
m_pop domain 1 "To: Kim <kim@example.test>"
m_pop domain 2 "To: Developers <dev@lists.example>"
m_pop domain 3 "To: someone@outside.test"
h_check "popconnctl fetch (installed popconnctl, running fetcher)" \
    sh -c "timeout 60 '$CTL' -c '$E' fetch --quiet >'$H_TMP/fetch.out' 2>&1" ||
    { cat "$H_TMP/fetch.out"; tail -20 "$H_TMP/syslog.log"; }
h_check "postfix drained its queue" h_postfix_wait_idle 30
h_check "kim: routed by To:" m_has kim "1"
h_check "chris: routed by the route added with popconnctl" m_has chris "2"
h_check "postmaster: the unroutable one" m_has postmaster "3"
h_check "the mailbox is empty on the server" [ "$(h_pop_count domain)" -eq 0 ]
h_check "nothing bounced or deferred" \
    sh -c "! grep -E 'status=(bounced|deferred)' '$H_MAILLOG'"
# <22> = facility mail (2) * 8 + info (6)
h_check "the fetcher logs to syslog, facility mail" \
    grep -Eq '^<22>.*popconn-fetcher\[[0-9]+\]: .*status=delivered' "$H_TMP/syslog.log"
h_check "the milter logs to syslog, facility mail" \
    grep -Eq '^<22>.*popconn-milter\[[0-9]+\]: ' "$H_TMP/syslog.log"
h_check "no log line on the daemons' stderr" \
    sh -c "! grep -q . '$H_TMP/guard/popconn-fetcher.out' '$H_TMP/guard/popconn-milter.out'"

# Stop as systemd would (SIGTERM to the main process).
kill -TERM "$FPID" "$MPID"
h_check "fetcher stops with status 0 on SIGTERM" [ "$(h_spawn_wait popconn-fetcher 20)" = 0 ]
h_check "milter stops with status 0 on SIGTERM" [ "$(h_spawn_wait popconn-milter 20)" = 0 ]

h_check "postfix-setup --undo --apply" \
    sh -c "'$CTL' -c '$E' postfix-setup --undo --apply >'$H_TMP/undo.out' 2>&1" ||
    cat "$H_TMP/undo.out"
h_check "undo: no non_smtpd_milters, no cleanup override" \
    sh -c "[ -z \"\$(postconf -c '$H_POSTFIX_CONF' -nh non_smtpd_milters)\" ] &&
    ! postconf -c '$H_POSTFIX_CONF' -P | grep -q '^cleanup/unix/milter_macro_daemon_name'"

# ------------------------------------------------------------ 4. uninstall
(cd "$E" && sha256sum popconn.cf mailboxes.cf passwords marker.key routing) >"$H_TMP/conf.sum"
mails_before=$(find "$H_MAIL_ROOT" -type f | wc -l)
rc=0
# shellcheck disable=SC2086
mk uninstall $IV >"$H_TMP/uninstall.log" 2>&1 || rc=$?
h_check "make uninstall" [ $rc = 0 ] || cat "$H_TMP/uninstall.log"
h_check "programs, units and man pages are gone" \
    sh -c "[ -z \"\$(find '$R/usr' '$UD' -type f)\" ]"
h_check "configuration and the secret are untouched" \
    sh -c "cd '$E' && sha256sum -c --quiet '$H_TMP/conf.sum'"
h_check "state, spool and run directories stay" \
    sh -c "[ -d '$R/var/spool/popconn' ] && [ -n \"\$(ls -A '$R/var/lib/popconn')\" ]"
h_check "delivered mail stays" [ "$(find "$H_MAIL_ROOT" -type f | wc -l)" -eq "$mails_before" ]
h_check "user $U stays after uninstall" sh -c "getent passwd $U >/dev/null"
h_done
