# cyrus.sh - the Cyrus part of tests/interop/run.sh (sourced).
#
# Cyrus master runs from the unpacked tree with its own imapd.conf and
# cyrus.conf in $CY: pop3d on a free port for STLS and one for implicit
# TLS, lmtpd on a unix socket.  Cyrus services refuse to run as root, so
# as root master becomes "nobody" (cyrus_user); otherwise it stays who
# it is.  SASL secrets come from a sasldb made with the unpacked
# saslpasswd2; the INBOX is created by the first LMTP delivery
# (autocreate_post).  Its syslog lines go to $CY/server.log (logshim).
CY=$H_TMP/cyrus
CY_USER=alice
CY_PW='Interop-Pa55'
CY_P1=$(h_free_port)
CY_P2=$(h_free_port)
CY_BIN=$ROOT/usr/lib/cyrus/bin
mkdir -p "$CY/conf" "$CY/spool" "$CY/run" "$CY/sieve"
if [ "$(id -u)" = 0 ]; then cy_run_as=nobody; else cy_run_as=$(id -un); fi
cp "$H_SSL_DIR/server.pem" "$H_SSL_DIR/server.key" "$CY/"
cat >"$CY/imapd.conf" <<EOT
configdirectory: $CY/conf
partition-default: $CY/spool
sievedir: $CY/sieve
servername: localhost
cyrus_user: $cy_run_as
admins: admin
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $CY/sasldb2
sasl_mech_list: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 NTLM
allowplaintext: yes
allowapop: yes
tls_server_cert: $CY/server.pem
tls_server_key: $CY/server.key
autocreate_quota: 0
autocreate_post: 1
munge8bit: no
reject8bit: no
popminpoll: 0
lmtpsocket: $CY/run/lmtp
idlesocket: $CY/run/idle
notifysocket: $CY/run/notify
mboxname_lockpath: $CY/run/lock
proc_path: $CY/run/proc
syslog_prefix: interop
EOT
cat >"$CY/cyrus.conf" <<EOT
START {
  recover cmd="$CY_BIN/ctl_cyrusdb -C $CY/imapd.conf -r"
}
SERVICES {
  pop3 cmd="$CY_BIN/pop3d -C $CY/imapd.conf" listen="127.0.0.1:$CY_P1" prefork=0
  pop3s cmd="$CY_BIN/pop3d -s -C $CY/imapd.conf" listen="127.0.0.1:$CY_P2" prefork=0
  lmtpunix cmd="$CY_BIN/lmtpd -C $CY/imapd.conf" listen="$CY/run/lmtp" prefork=0
}
EVENTS {
}
DAEMON {
}
EOT
: >"$CY/server.log"
chmod 0666 "$CY/server.log"
printf '%s' "$CY_PW" | LD_LIBRARY_PATH=$LIBS "$ROOT/usr/sbin/saslpasswd2" \
    -f "$CY/sasldb2" -c -p -u localhost "$CY_USER"
[ "$(id -u)" = 0 ] && chown -R "$cy_run_as" "$CY"
LD_LIBRARY_PATH=$LIBS LD_PRELOAD=$H_TMP/logshim.so INTEROP_LOG=$CY/server.log \
    "$CY_BIN/master" -C "$CY/imapd.conf" -M "$CY/cyrus.conf" \
    -p "$CY/run/master.pid" >"$CY/master.out" 2>&1 &
cy_pid=$!
h_track_pid "$cy_pid"
if ! _h_wait_ports 20 "$cy_pid" "$CY_P1" "$CY_P2"; then
	cell cyrus - - "error: Cyrus master did not start: $(tail -3 "$CY/server.log" "$CY/master.out" | tr '\n' ' ')"
	h_check "Cyrus master listens" false
else
	n=50; while [ ! -S "$CY/run/lmtp" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n-1)); done
	if ! _cmp=$("$H_PYTHON" "$IT/corpus.py" lmtp "$CY/run/lmtp" "$CY_USER" "$CORPUS" 2>&1); then
		cell cyrus - - "error: LMTP delivery of the corpus: $_cmp"
		h_check "corpus delivered into Cyrus over LMTP ($_cmp)" false
	else
		sed -i '/^box /d' "$P_ETC/passwords"
		p_password box "$CY_PW"
		S="pop3://$CY_USER@localhost:$CY_P1"
		I="pop3s://$CY_USER@localhost:$CY_P2"
		# Cyrus SASL upper-cases the NTLM domain (mailboxes.cf(5)).
		NS="pop3://WORKGROUP%5C$CY_USER@localhost:$CY_P1"
		NI="pop3s://WORKGROUP%5C$CY_USER@localhost:$CY_P2"
		for m in USER APOP PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 \
		    NTLM; do
			lm=$(echo "$m" | tr 'A-Z' 'a-z')
			if [ "$m" = NTLM ]; then s=$NS i=$NI; else s=$S i=$I; fi
			fetch_cell cyrus "$m" STLS "$s" "-o auth=$lm" "-o keep=yes"
			fetch_cell cyrus "$m" implicit "$i" "-o auth=$lm" "-o keep=yes"
		done
		fetch_cell cyrus auto STLS "$S" "-o keep=yes"
		# Clear text (the mailbox says so), and pipelining off.
		C="pop3://$CY_USER@localhost:$CY_P1"
		fetch_cell cyrus CRAM-MD5 none "$C" "-o auth=cram-md5" \
		    "-o tls=none" "-o keep=yes"
		fetch_cell cyrus auto none "$C" "-o tls=none" "-o keep=yes"
		fetch_cell cyrus USER,depth=1 STLS "$S" "-o auth=user" \
		    "-o pipeline_depth=1" "-o keep=yes"
		# What mailbox test says about Cyrus.
		fp_box "$S"
		_t=$H_TMP/cy-test.out
		"$TOP/$BUILD/popconnctl" -c "$P_ETC" mailbox test box >"$_t" 2>&1
		sed 's/^/    /' "$_t"
		h_check "cyrus: mailbox test names the mechanisms offered and chosen" \
		    sh -c "grep -q 'offered: SASL PLAIN LOGIN CRAM-MD5 .*SCRAM-SHA-256 NTLM; APOP yes' '$_t' &&
		    grep -q 'chosen: SCRAM-SHA-256 (auto: ' '$_t' &&
		    grep -q 'capabilities: PIPELINING UIDL TOP LOGIN-DELAY 0s EXPIRE NEVER RESP-CODES AUTH-RESP-CODE' '$_t' &&
		    grep -q 'messages: 50, ' '$_t'"
		# Cyrus SASL upper-cases the NTLM domain (mailboxes.cf(5)):
		# written in lower case, the login is refused.
		fp_box "pop3://workgroup%5C$CY_USER@localhost:$CY_P1" "-o auth=ntlm"
		_st=0
		"$TOP/$BUILD/popconnctl" -c "$P_ETC" mailbox test box >"$_t" 2>&1 || _st=$?
		if [ "$_st" -eq 67 ]; then
			cell cyrus "NTLM domain" lower "refused as documented (Cyrus upper-cases the domain)"
		else
			cell cyrus "NTLM domain" lower "error: mailboxes.cf(5) says refused; exit $_st"
		fi
		h_check "cyrus: NTLM with a lower-case domain refused, as documented (exit $_st)" \
		    [ "$_st" -eq 67 ]
		# Leave-on-server above; now delete: fetched once more, then gone.
		if fetch_cell cyrus auto+delete implicit "$I"; then
			P_STATUS=0
			"$TOP/$BUILD/popconnctl" -c "$P_ETC" mailbox test box \
			    >"$H_TMP/cy-after.out" 2>&1 || P_STATUS=$?
			h_check "cyrus: server mailbox empty after the deleting fetch" \
			    grep -q ' 0 messages' "$H_TMP/cy-after.out"
		fi
	fi
fi
