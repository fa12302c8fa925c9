#!/bin/sh
# t_pop3_tls - TLS against a scripted server (tests/lib/fakepop3.py):
# STARTTLS response injection, STLS missing or refused, and server
# certificates that must not verify (self-signed, wrong host, expired, a
# NUL byte inside the name made by tests/tools/mkcert_nul).  In every
# failure no credential reaches the server.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

# ---- fake POP3 server helpers (the same block in every t_pop3_*.sh) ----
# fp_init: capture-sendmail wrapper, popconn.cf; FP_PORT for the server.
# fp_box URL [-o ...]: (re)write mailboxes.cf with mailbox "box".
# fp_msgs FILE...: reset the server mailbox (UIDs uid-1, uid-2, ...),
#     the fetcher's UIDL state and the captured mail.
# fp_run NAME 'SCENARIO': serve one connection with SCENARIO, run one
#     fetch cycle (bounded); sets P_STATUS, FP_TR (transcript), FP_LOG
#     (fetcher log), FP_SECS.
# fp_count: messages left on the server; cap_count: messages captured;
# captured FILE...: see below;
# tr_count PATTERN: transcript lines matching the extended regex.
FP=$TOP/tests/lib/fakepop3.py
FP_STATE=
CAP=
fp_init() {
	FP_STATE=$H_TMP/pop3.state
	CAP=$H_TMP/capture
	mkdir -p "$CAP"
	chmod 1777 "$CAP"
	printf '#!/bin/sh\nexec %s --capture-dir %s "$@"\n' \
	    "$TOP/tests/lib/capture-sendmail" "$CAP" >"$H_TMP/sendmail"
	chmod 755 "$H_TMP/sendmail"
	H_POSTFIX_CONF=
	P_EXTRA_CF="sendmail_path = $H_TMP/sendmail"
	p_config
	p_password box secret
	FP_PORT=$(h_free_port)
}
fp_box() {
	: >"$P_ETC/mailboxes.cf"
	p_mailbox "box user $1 rcpt@example.test"
	shift
	for _o in "$@"; do p_mailbox "  $_o"; done
}
fp_msgs() {
	python3 "$FP" init "$FP_STATE" "$@"
	rm -rf "$H_TMP/state" "$CAP"/[0-9]* "$CAP/status"
}
fp_run() {
	FP_TR=$H_TMP/$1.tr
	FP_LOG=$H_TMP/$1.log
	printf '%s\n' "$2" >"$H_TMP/$1.scn"
	rm -f "$H_TMP/port" "$FP_TR"
	python3 "$FP" serve --state "$FP_STATE" --scenario "$H_TMP/$1.scn" \
	    --port "$FP_PORT" --port-file "$H_TMP/port" --transcript "$FP_TR" \
	    --timeout 60 >>"$H_TMP/fakepop3.out" 2>&1 &
	_fp_pid=$!
	h_track_pid "$_fp_pid"
	_n=200
	while [ ! -s "$H_TMP/port" ] && [ "$_n" -gt 0 ] &&
	    _h_alive "$_fp_pid"; do
		sleep 0.05; _n=$((_n - 1))
	done
	if [ ! -s "$H_TMP/port" ]; then
		echo "fakepop3 did not start:" >&2
		cat "$H_TMP/fakepop3.out" >&2
		exit 1
	fi
	_t0=$(date +%s)
	P_STATUS=0
	timeout 60 "$P_FETCHER" -f -1 -c "$P_ETC" >"$FP_LOG" 2>&1 ||
	    P_STATUS=$?
	FP_SECS=$(($(date +%s) - _t0))
	# The server ends once the fetcher has closed the connection.
	_n=100
	while _h_alive "$_fp_pid" && [ "$_n" -gt 0 ]; do
		sleep 0.05; _n=$((_n - 1))
	done
	kill -TERM "$_fp_pid" 2>/dev/null || true
	wait "$_fp_pid" 2>/dev/null || true
	if [ "${FP_VERBOSE:-0}" = 1 ]; then
		echo "--- $1: exit $P_STATUS"; cat "$FP_LOG"; cat "$FP_TR"
	fi
	return 0
}
fp_count() { cat "$FP_STATE.count"; }
cap_count() { find "$CAP" -name '[0-9][0-9][0-9][0-9]' | wc -l | tr -d ' '; }
tr_count() { grep -Ec "$1" "$FP_TR" || true; }
# captured FILE...: sendmail got exactly FILE... in this order, each
# byte-exact once the fetcher's Received: header is removed.
captured() { python3 "$FP" captured "$CAP" "$@"; }
# ---- end of the fake POP3 helpers ----

h_init
h_ca
S=$H_TMP/ssl
fp_init
M=$H_TMP/msgs
python3 "$FP" gen "$M" 2 2000 --seed 9
BASIC='"user": "alice", "password": "secret",'
CREDS=' C (USER|PASS|AUTH|APOP)'
STLS_BOX="pop3://alice@localhost:$FP_PORT"
POP3S_BOX="pop3s://alice@localhost:$FP_PORT"

# 0. The fake server's TLS works: STLS and implicit TLS deliver.
fp_box "$STLS_BOX"
fp_msgs "$M"/msg00[12].eml
fp_run stls-good "{ $BASIC \"tls\": \"stls\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\", \"capa\": [\"USER\", \"UIDL\", \"STLS\"] }"
h_check "STLS: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "STLS: TLS before the credentials" \
    sh -c "grep -E ' TLS ok|$CREDS' '$FP_TR' | head -1 | grep -q ' TLS ok'"
h_check "STLS: 2 delivered" captured "$M"/msg00[12].eml
fp_box "$POP3S_BOX"
fp_msgs "$M"/msg00[12].eml
fp_run pop3s-good "{ $BASIC \"tls\": \"implicit\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\" }"
h_check "implicit TLS: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "implicit TLS: 2 delivered" captured "$M"/msg00[12].eml

# 1. STARTTLS response injection: bytes after "+OK" in the same write.
fp_box "$STLS_BOX"
fp_msgs "$M"/msg00[12].eml
fp_run stls-inject "{ $BASIC \"tls\": \"stls\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\", \"capa\": [\"USER\", \"UIDL\", \"STLS\"],
    \"stls_inject\": b\"+OK injected\\r\\n\" }"
h_check "STLS injection: the server injected" [ "$(tr_count ' INJECT ')" -eq 1 ]
h_check "STLS injection: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "STLS injection: no credentials sent" [ "$(tr_count "$CREDS")" -eq 0 ]
h_check "STLS injection: nothing delivered" [ "$(cap_count)" -eq 0 ]

# 2. STLS not offered, and STLS refused, with tls=required (default).
fp_msgs "$M"/msg00[12].eml
fp_run stls-missing "{ $BASIC \"tls\": \"stls\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\", \"capa\": [\"USER\", \"UIDL\"] }"
h_check "STLS not offered: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "STLS not offered: no credentials sent" [ "$(tr_count "$CREDS")" -eq 0 ]
fp_msgs "$M"/msg00[12].eml
fp_run stls-refused "{ $BASIC \"tls\": \"stls\", \"cert\": \"$S/server.pem\",
    \"key\": \"$S/server.key\", \"capa\": [\"USER\", \"UIDL\", \"STLS\"],
    \"replies\": {\"STLS\": \"-ERR [SYS/TEMP] TLS not available\"} }"
h_check "STLS refused: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
h_check "STLS refused: STLS was asked" [ "$(tr_count ' C STLS')" -eq 1 ]
h_check "STLS refused: no credentials sent" [ "$(tr_count "$CREDS")" -eq 0 ]

# 3. Certificates that must not verify (implicit TLS).
NUL=$TOP/$BUILD/tests/mkcert_nul
if [ ! -x "$NUL" ]; then
	make -s -C "$TOP" "$BUILD/tests/mkcert_nul" >/dev/null 2>&1 || true
fi
certs="selfsigned wronghost expired"
if [ -x "$NUL" ] && "$NUL" "$S/ca.pem" "$S/ca.key" "$S/nulsan.pem" \
    "$S/nulsan.key" && "$NUL" -n "$S/ca.pem" "$S/ca.key" "$S/nulcn.pem" \
    "$S/nulcn.key"; then
	certs="$certs nulsan nulcn"
else
	echo "# SKIP: NUL-in-name certificates: $NUL not built (make tests-build)"
fi
fp_box "$POP3S_BOX"
for c in $certs; do
	fp_msgs "$M"/msg00[12].eml
	fp_run "cert-$c" "{ $BASIC \"tls\": \"implicit\", \"cert\": \"$S/$c.pem\",
	    \"key\": \"$S/$c.key\" }"
	h_check "certificate $c: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
	h_check "certificate $c: says certificate verification failed" \
	    grep -q 'certificate verification failed' "$FP_LOG"
	h_check "certificate $c: no command at all reached the server" \
	    [ "$(tr_count ' C ')" -eq 0 ]
	h_check "certificate $c: all still on the server" [ "$(fp_count)" -eq 2 ]
done
h_done
