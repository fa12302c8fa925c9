#!/bin/sh
# t_torture_stack - hostile messages through the whole stack (Dovecot,
# popconn-fetcher, Postfix, popconn-milter), global and user mailboxes:
# a 200 KB header line, a header folded over HEADER_LINES lines (default
# 20000; `make torture` a million), MIME nested 200 deep, 60 Received:
# headers (Postfix's hopcount_limit is 50), To: with 10,000 local
# addresses.  None may be lost or bounced; the milter must survive.  (A
# header section over Postfix's header_size_limit is cut by Postfix's
# cleanup, not by popconn: alteration is reported, not a failure.)
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
. "$TOP/tests/lib/torture.sh"

HEADER_LINES=${HEADER_LINES:-20000}

h_init
h_ca
h_dovecot_start "domain:domain-pw una:una-pw"
m_postfix_start "postmaster kim una"
p_config
m_config
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT" \
    "una user pop3s://una@localhost:$H_POP3S_PORT una@example.test"
p_password catchall domain-pw
p_password una una-pw
m_start

"$H_PYTHON" - "$H_POP_MAILDIR_ROOT" "$H_TMP/orig" "$HEADER_LINES" "$H_VUID" "$H_VGID" <<'PY'
import os, sys
root, orig, nlines, uid, gid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def put(user, name, hdrs, body=b"body\n", to=None):
    to = to or b"To: kim@example.test\n"
    msg = (b"From: hostile@isp.test\n" + to + b"Subject: hostile " + name.encode() +
           b"\nMessage-ID: <hostile." + name.encode() + b"@isp.test>\n" +
           b"Date: Thu, 01 Jan 2026 00:00:00 +0000\n" + hdrs + b"\n" + body)
    os.makedirs(os.path.join(orig, user), exist_ok=True)
    open(os.path.join(orig, user, name + ".eml"), "wb").write(msg)
    md = os.path.join(root, user, "Maildir")
    t = os.path.join(md, "tmp", name)
    open(t, "wb").write(msg)
    os.chown(t, uid, gid)
    os.rename(t, os.path.join(md, "new", "1700000000.%s.hostile" % name))
put("domain", "longline", b"X-Bomb: " + b"a" * 204800 + b"\n")
put("domain", "folded", b"X-Folded: start\n" + b" x\n" * nlines)
mime = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n"
body = b""
for i in range(200):
    body += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1)
body += b"--b200\nContent-Type: text/plain\n\ndeep\n--b200--\n"
for i in range(199, -1, -1):
    body += b"--b%d--\n" % i
put("domain", "deepmime", mime, body)
rcv = b"".join(b"Received: from hop%d.isp.test by hop%d.isp.test; Thu, 01 Jan 2026 00:00:00 +0000\n" % (i, i + 1) for i in range(60))
put("domain", "received60", rcv)
put("una", "received60u", rcv, to=b"To: una@example.test\n")
to = b"To: " + b",\n ".join(b"user%d@example.test" % i for i in range(10000)) + b",\n kim@example.test\n"
put("domain", "tenthousand", b"", to=to)
PY

set +e
t0=$(date +%s)
t_fetch_bounded 300
echo "# fetch: exit $P_STATUS in $(($(date +%s) - t0))s"
h_check "fetch: no crash, no hang (exit $P_STATUS)" [ "$P_STATUS" -lt 124 ]
h_check "Postfix drained its queue" h_postfix_wait_idle 120
h_check "the milter survived" kill -0 "$M_PID"
H_COMPARE_TRACE="X-Popconn-Routed X-Popconn-Delivered-To X-Popconn-Marker"
export H_COMPARE_TRACE
t_tally "$H_TMP/orig/domain $H_TMP/orig/una" \
    "$H_MAIL_ROOT/kim $H_MAIL_ROOT/postmaster $H_MAIL_ROOT/una" \
    "$H_POP_MAILDIR_ROOT/domain/Maildir $H_POP_MAILDIR_ROOT/una/Maildir"
line="stack: trials=1, messages=$T_M, delivered=$T_D, lost=$T_L, duplicated=$T_X, altered=$T_A, stuck=$T_S"
echo "$line"
[ -z "${TORTURE_FIGURES:-}" ] || echo "$line" >>"$TORTURE_FIGURES"
for f in "$H_MAIL_ROOT"/*/new/*; do
	[ -f "$f" ] || continue
	echo "# $(basename "$(dirname "$(dirname "$f")")"): $(sed -n 's/^Subject: //p' "$f" | head -1) ($(wc -c <"$f") bytes)"
done
h_check "hostile messages: none lost ($T_L)" [ "$T_L" -eq 0 ]
h_check "hostile messages: none duplicated ($T_X)" [ "$T_X" -eq 0 ]
# The two 60-Received: messages exceed Postfix's hopcount_limit (50):
# Postfix would bounce them after sendmail accepted them, so the fetcher
# keeps them on the server and says so (a mail loop at the ISP is for the
# administrator, not for a bounce to the sender).
h_check "hostile messages: only the 2 over-hopcount ones stay on the server ($T_S)" [ "$T_S" -eq 2 ]
h_check "nothing bounced" sh -c "! grep -q 'status=bounced' '$H_MAILLOG'"
grep -E 'status=(bounced|deferred)|too many hops|warning' "$H_MAILLOG" | cut -c1-200 | head -5 | sed 's/^/# maillog: /'
h_check "the 60-Received: messages: kept on the server, logged (hopcount_limit)" \
    [ "$(grep -c 'over hopcount_limit 50 (a mail loop?): left on the server' "$H_TMP/fetcher.log")" -eq 2 ]
h_check "the 60-Received: messages: not bounced to their senders" \
    sh -c "! grep -q 'hopcount exceeded' '$H_MAILLOG'"
m_stop
h_done
