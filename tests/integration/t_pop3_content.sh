#!/bin/sh
# t_pop3_content - message bytes that stress the RETR decoder, served by
# tests/lib/fakepop3.py (which CR-LFs and dot-stuffs them): lines "..",
# "..x" and ".", bare CR, CR before the line end, NUL bytes, a 1 MB line,
# 8-bit bytes, no final line end.  sendmail (tests/lib/capture-sendmail) must get them
# byte-exact behind the fetcher's Received: header.  X-Popconn-Marker
# headers from the server are removed (issue 19 item 5), nothing else.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

. "$TOP/tests/lib/fakepop3.sh"

h_init
# One sendmail at a time: the checks below read the captures in order.
FP_EXTRA_CF="delivery_parallelism = 1"
fp_init
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none"
M=$H_TMP/msgs
mkdir -p "$M"
# Each message as the server stores it (LF line ends); what sendmail
# must get is the same bytes after the Received: header.
python3 - "$M" <<'PY'
import sys
d = sys.argv[1]
hdr = (b"Return-Path: <sender@example.org>\nFrom: sender@example.org\n"
       b"To: rcpt@example.test\nSubject: %s\nMessage-ID: <%s@example.org>\n\n")
msgs = {
    "dots": b"..\n..x\n.\n.x\n...\nend .\n. \n",
    "cr": b"a\rb\nends in CR\r\n\r\n\rstarts with CR\nCR CR\r\r\nx\n",
    "nul": b"a\0b\n\0\n\0\0\0 end\n",
    "longline": b"L" * (1024 * 1024) + b"\n" + b"." * 5000 + b"\n",
    "8bit": bytes(range(0x80, 0x100)) + b"\n\xc3\xa9t\xc3\xa9 \xff\xfe\n",
    # POP3 ends every line with CRLF, so the last line arrives with
    # one: sendmail must get it with a LF, nothing else changed.
    "nofinal": b"first\nlast line, no LF",
}
for i, (name, body) in enumerate(msgs.items(), 1):
    with open("%s/m%d-%s.eml" % (d, i, name), "wb") as f:
        f.write(hdr % (name.encode(), name.encode()) + body)
    if not body.endswith(b"\n"):
        with open("%s/m%d-%s.want" % (d, i, name), "wb") as f:
            f.write(hdr % (name.encode(), name.encode()) + body + b"\n")
# Our marker header, as the ISP hands it over: removed wherever it is in
# the header (first, folded, obsolete blank before the colon, any case),
# nothing else touched (lookalike names, the body).
i = len(msgs) + 1
with open("%s/m%d-marker.eml" % (d, i), "wb") as f:
    f.write(b"X-Popconn-Marker: v=2; mb=catchall; forged\n"
            b"From: sender@example.org\nx-popconn-marker: folded\n\tmore\n"
            b" and more\nX-Popconn-Marker-Not: kept\nTo: rcpt@example.test\n"
            b"X-Popconn-Marker\t : obsolete\nX-Popconn-Markers: kept\n"
            b"Subject: marker\n\nX-Popconn-Marker: in the body, kept\n")
with open("%s/m%d-marker.want" % (d, i), "wb") as f:
    f.write(b"From: sender@example.org\nX-Popconn-Marker-Not: kept\n"
            b"To: rcpt@example.test\nX-Popconn-Markers: kept\n"
            b"Subject: marker\n\nX-Popconn-Marker: in the body, kept\n")
PY
all=$(ls "$M"/m*.eml)
fp_msgs $all
fp_run content '{ "user": "alice", "password": "secret" }'
h_check "content: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "content: 7 delivered" [ "$(cap_count)" -eq 7 ]
for f in $all; do
	n=$(basename "$f" .eml); i=${n%%-*}; i=${i#m}
	w=$f; [ -f "${f%.eml}.want" ] && w=${f%.eml}.want
	h_check "content: ${n#*-} delivered byte-exact" \
	    "$H_PYTHON" "$FP" compare "$CAP/$(printf %04d "$i")" "$w"
done
h_check "content: sendmail called as sendmail -i -f SENDER -- RCPT" \
    [ "$(tr '\n' ' ' <"$CAP/0001.args")" = \
    "-i -f sender@example.org -- rcpt@example.test " ]
h_check "content: the Received: header names the mailbox and UIDL" \
    grep -q 'mailbox box, uidl uid-1' "$CAP/0001"
h_check "content: no size warning (LIST sizes were right)" \
    sh -c "! grep -q 'size differs' '$FP_LOG'"
h_check "content: the server's marker headers removed, and logged" \
    grep -q 'uidl=uid-7: 3 X-Popconn-Marker header(s) from the server removed' "$FP_LOG"
h_check "content: server mailbox empty" [ "$(fp_count)" -eq 0 ]
h_done
