#!/bin/sh
# capture_dovecot.sh - record real Dovecot POP3 sessions as transcripts
# for tests/unit/test_pop3_engine.c (tests/unit/data/dovecot-*.tr).
#
#   BUILD=build sh tests/unit/data/capture_dovecot.sh
#
# Starts the harness's private Dovecot (tests/lib/harness.sh), seeds a
# mailbox, and runs popconn-fetcher once per session through a relay that
# writes every line each side sent: "C: line" (client) and "S: line"
# (server), one protocol line each, CR LF removed (the relay refuses a
# line without CR LF: the transcript must give the bytes back exactly).
# The sessions are plain text (tls=none): the engine's STLS handling is
# tested with transcripts written by hand.  Not part of "make check":
# run it again when the engine's commands change, and commit the result.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
OUT=$TOP/tests/unit/data

h_init
h_ca
h_dovecot_start "alice:alice-pw"
H_POSTFIX_CONF=/etc/postfix p_config
SM=$(p_fake_sendmail 0)
printf 'sendmail_path = %s\n' "$SM" >>"$P_ETC/popconn.cf"
p_password box alice-pw

# relay NAME: one connection to Dovecot's plain port, transcript to OUT.
relay() {
	"$H_PYTHON" - "$H_POP3_PORT" "$H_TMP/relay.port" "$OUT/dovecot-$1.tr" <<'PY' &
import socket, sys, select
target, portfile, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
open(portfile + ".tmp", "w").write(str(ls.getsockname()[1]))
import os; os.rename(portfile + ".tmp", portfile)
ls.settimeout(60)
c, _ = ls.accept(); s = socket.create_connection(("127.0.0.1", target))
buf = {c: b"", s: b""}; peer = {c: s, s: c}; tag = {c: "C", s: "S"}
lines = []
open_ = [c, s]
while open_:
    r, _, _ = select.select(open_, [], [], 60)
    if not r: break
    for f in r:
        d = f.recv(65536)
        if not d:
            open_ = []; break
        peer[f].sendall(d)
        buf[f] += d
        while b"\n" in buf[f]:
            l, buf[f] = buf[f].split(b"\n", 1)
            if not l.endswith(b"\r"):
                sys.exit("line without CR LF: %r" % l)
            lines.append(tag[f] + ": " + l[:-1].decode("latin-1"))
if buf[c] or buf[s]:
    sys.exit("incomplete line at the end")
with open(out, "w", encoding="latin-1") as o:
    o.write("\n".join(lines) + "\n")
PY
	RELAY_PID=$!
	h_track_pid "$RELAY_PID"
	n=100
	while [ ! -s "$H_TMP/relay.port" ] && [ $n -gt 0 ]; do sleep 0.05; n=$((n-1)); done
	RPORT=$(cat "$H_TMP/relay.port")
	rm -f "$H_TMP/relay.port"
}

# session NAME COUNT OPTIONS...: seed COUNT messages, fetch them once.
session() {
	name=$1 count=$2
	shift 2
	rm -rf "$H_TMP/state"
	[ "$count" -eq 0 ] || h_seed alice "$count" 7
	relay "$name"
	: >"$P_ETC/mailboxes.cf"
	p_mailbox "box user pop3://alice@127.0.0.1:$RPORT alice@example.test" \
	    "  -o tls=none"
	for o in "$@"; do p_mailbox "  -o $o"; done
	p_fetch
	wait "$RELAY_PID"
	echo "capture: $name: fetch status $P_STATUS, $(wc -l <"$OUT/dovecot-$name.tr") lines"
}

session user 3 auth=user
session plain 1 auth=plain
session login 0 auth=login
session cram 0 auth=cram-md5
session apop 0 auth=apop
h_done
