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

. "$TOP/tests/lib/fakepop3.sh"

h_init
h_ca
S=$H_TMP/ssl
fp_init
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 2000 --seed 9
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
	# make check builds it (tests-build): its absence is a failure.
	h_not_ok "NUL-in-name certificates: $NUL not built or failed"
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
