#!/bin/sh
# t_pop3_pin - tls_fingerprint stands alone when the mailbox has no CA
# file (issue 20 defect 5): a self-signed server (tests/lib/harness.sh
# h_ca) with its pin is fetched from and "mailbox test" says how it was
# verified; a wrong pin is always fatal (77), with or without a CA file;
# with a CA file the chain must verify as well as the pin.  Also what
# "mailbox test" reports: TLS mode and version, certificate subject and
# how it was verified, mechanisms offered and chosen, capabilities, the
# message count.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

h_init
h_ca
fp_init
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 1500 --seed 9
U="pop3s://alice@localhost:$FP_PORT"
said() { grep -q -- "$1" "$FP_LOG"; }
fpr() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'
}
SELF=$(fpr "$H_SSL_DIR/selfsigned.pem")
SELFHEX=$(printf '%s' "$SELF" | tr -d ':' | tr 'A-F' 'a-f')
OTHER=$(fpr "$H_SSL_DIR/server.pem")
S="\"user\": \"alice\", \"password\": \"secret\", \"tls\": \"implicit\",
    \"cert\": \"$H_SSL_DIR/selfsigned.pem\", \"key\": \"$H_SSL_DIR/selfsigned.key\",
    \"capa\": [\"USER\", \"UIDL\", \"TOP\", \"PIPELINING\", \"LOGIN-DELAY 900\",
    \"EXPIRE 30\", \"RESP-CODES\", \"AUTH-RESP-CODE\", \"SASL PLAIN\"],"

# 1. Self-signed, the pin alone (no CA file for this mailbox): works.
fp_box "$U" "-o tls_ca_file=" "-o tls_fingerprint=sha256:$SELFHEX"
fp_msgs "$M"/msg00[12].eml
fp_ctl pin-test "{ $S }" mailbox test box
h_check "pin alone: mailbox test exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "pin alone: says verified by the pin alone" \
    said 'verified by pinned SHA-256 fingerprint alone'
h_check "pin alone: certificate subject shown" said 'certificate: CN=localhost'
h_check "pin alone: TLS mode and version" said 'tls: implicit (pop3s), TLSv1.[23]'
h_check "pin alone: offered and chosen" \
    sh -c "grep -q 'offered: SASL PLAIN; APOP no; USER yes' '$FP_LOG' &&
    grep -q 'chosen: PLAIN (auto: strongest offered)' '$FP_LOG'"
h_check "pin alone: capabilities" \
    said 'capabilities: PIPELINING UIDL TOP LOGIN-DELAY 900s EXPIRE 30 days RESP-CODES AUTH-RESP-CODE'
h_check "pin alone: message count" said 'messages: 2, '
fp_run pin-fetch "{ $S }"
h_check "pin alone: fetch exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "pin alone: 2 delivered" captured "$M"/msg00[12].eml

# 2. The pin as openssl prints it (colons, upper case) works too.
fp_box "$U" "-o tls_ca_file=" "-o tls_fingerprint=$SELF"
fp_ctl pin-colons "{ $S }" mailbox test box
h_check "pin with colons: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]

# 3. A wrong pin is fatal: 77, nothing sent.
fp_box "$U" "-o tls_ca_file=" "-o tls_fingerprint=$OTHER"
fp_ctl pin-wrong "{ $S }" mailbox test box
h_check "wrong pin: exit 77 (got $P_STATUS)" [ "$P_STATUS" -eq 77 ]
h_check "wrong pin: says it does not match" said 'does not match the pin'
h_check "wrong pin: no credentials sent" [ "$(tr_count ' C (USER|PASS|AUTH)')" -eq 0 ]
fp_run pin-wrong-fetch "{ $S }"
h_check "wrong pin: fetch fails (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]

# 4. With a CA file, the chain must verify as well: the self-signed
#    certificate does not, even with the right pin.
fp_box "$U" "-o tls_ca_file=$H_CA" "-o tls_fingerprint=$SELF"
fp_ctl pin-ca "{ $S }" mailbox test box
h_check "pin + CA file, self-signed: exit 77 (got $P_STATUS)" [ "$P_STATUS" -eq 77 ]
# ... and a CA-signed server with its pin and the CA passes both checks.
C="\"user\": \"alice\", \"password\": \"secret\", \"tls\": \"implicit\",
    \"cert\": \"$H_SSL_DIR/server.pem\", \"key\": \"$H_SSL_DIR/server.key\","
fp_box "$U" "-o tls_ca_file=$H_CA" "-o tls_fingerprint=$OTHER"
fp_ctl pin-ca-ok "{ $C }" mailbox test box
h_check "pin + CA file, CA-signed: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "pin + CA file: both named" \
    said 'verified by chain to CA file .* and host name localhost, and the pinned SHA-256 fingerprint'
fp_box "$U" "-o tls_ca_file=$H_CA" "-o tls_fingerprint=$SELF"
fp_ctl pin-ca-wrong "{ $C }" mailbox test box
h_check "pin + CA file, wrong pin: exit 77 (got $P_STATUS)" [ "$P_STATUS" -eq 77 ]
# No pin, no CA file (system store): the self-signed server is refused.
fp_box "$U" "-o tls_ca_file="
fp_ctl nopin "{ $S }" mailbox test box
h_check "no pin, system store, self-signed: exit 77 (got $P_STATUS)" [ "$P_STATUS" -eq 77 ]
h_done
