#!/bin/sh
# t_milter_smtp - a marker that arrives over SMTP is never trusted, even a
# valid one: the milter also runs in smtpd_milters (so that it can remove
# markers from SMTP mail), sees {daemon_name} = smtpd instead of the
# sendmail path's name, removes every marker and routes nothing: the
# envelope alone decides.  Only loopback: smtpd listens on 127.0.0.1.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
SMTP_PORT=$(h_free_port)
M_SOCK=$H_TMP/milter.sock
H_POSTFIX_EXTRA_MAIN="non_smtpd_milters = { unix:$M_SOCK, default_action=tempfail }
smtpd_milters = { unix:$M_SOCK, default_action=tempfail }
milter_macro_daemon_name = local-submit"
H_POSTFIX_EXTRA_MASTER="127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o milter_macro_daemon_name=smtpd"
export H_POSTFIX_EXTRA_MAIN H_POSTFIX_EXTRA_MASTER
h_postfix_start example.test "postmaster kim pat"
mkdir -p "$H_TMP/orig/m"
p_config
m_config
m_start

smtp_send() {	# N MARKER-VALUE: one message over SMTP to the placeholder
	m_msg "$1" "To: Kim <kim@example.test>
Cc: pat@example.test" "X-Popconn-Marker: $2" >"$H_TMP/orig/m/$1.eml"
	"$H_PYTHON" - "$SMTP_PORT" "$H_TMP/orig/m/$1.eml" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
    s.sendmail("outsider@evil.test", ["postmaster@example.test"],
               open(sys.argv[2], "rb").read())
PY
}
h_check "a VALID marker submitted over SMTP is accepted by smtpd" smtp_send 1 "$(m_marker 1)"
h_check "a forged marker submitted over SMTP is accepted by smtpd" smtp_send 2 "v=1; mb=catchall; t=1; n=0000000000000000; env=1; mac=00"
h_check "Postfix delivered both" h_postfix_wait_idle 60
h_check "both went by their envelope (postmaster) only" m_has postmaster "1 2"
h_check "not routed to To: kim" m_has kim ""
h_check "not routed to Cc: pat" m_has pat ""
h_check "the valid marker was removed" \
    sh -c "! grep -qi '^X-Popconn-Marker' '$(m_file postmaster 1)'"
h_check "the forged marker was removed" \
    sh -c "! grep -qi '^X-Popconn-Marker' '$(m_file postmaster 2)'"
h_check "the milter logged why it did not route" grep -qi 'daemon' "$M_LOG"
h_done
