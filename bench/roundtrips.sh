#!/bin/sh
# bench/roundtrips.sh - what one POP3 session costs the server (issue 21,
# "light on the ISP's server"): the writes popconn makes on its POP3S
# socket for one session of 20 messages (strace: each write(2) there is
# one TLS record, handshake included), and the CPU the private Dovecot's
# process tree spends serving 2,000 messages to popconn and to mpop (the
# same /proc sum as bench.py's server_cpu()).
#
#   BUILD=build sh bench/roundtrips.sh      (root, packages of tests/deps.sh)
#   RT_PROGS="popconn mpop"                 the programs of the CPU figure
#   RT_N=2000 RT_SMALL=20 RT_MAX_SIZE=8192  the two counts, the largest
#                                           message (h_seed: random sizes)
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-build}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
P_FETCHER=$TOP/$BUILD/popconn-fetcher
N=${RT_N:-2000}
SMALL=${RT_SMALL:-20}
H_SEED_MAX_SIZE=${RT_MAX_SIZE:-8192}; export H_SEED_MAX_SIZE

h_init
h_ca
h_dovecot_start "alice:alice-pw"
h_postfix_start example.test "alice"
p_config
p_mailbox "alice user pop3s://alice@localhost:$H_POP3S_PORT alice@example.test"
p_password alice alice-pw

dovecot_cpu() {
	"$H_PYTHON" - "$H_DOVECOT_PID" <<'PY'
import os, sys
pid = int(sys.argv[1]); clk = os.sysconf("SC_CLK_TCK"); kids = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            st = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        fl = st[st.rfind(")") + 2:].split()
        kids.setdefault(int(fl[1]), []).append(int(d))
tot, todo, seen = 0, [pid], set()
while todo:
    q = todo.pop()
    if q in seen:
        continue
    seen.add(q)
    try:
        st = open("/proc/%d/stat" % q).read()
    except OSError:
        continue
    fl = st[st.rfind(")") + 2:].split()
    tot += sum(int(x) for x in fl[11:15])
    todo += kids.get(q, [])
print("%.2f" % (tot / clk))
PY
}

# 1 session x SMALL messages under strace: writes on the POP3 socket.
h_seed alice "$SMALL" 1
strace -f -o "$H_TMP/strace.out" -e trace=connect,write,sendto,sendmsg,close \
    "$P_FETCHER" -f -1 -c "$P_ETC" >>"$H_TMP/fetcher.log" 2>&1
h_postfix_wait_idle 60 || true
"$H_PYTHON" - "$H_TMP/strace.out" "$H_POP3S_PORT" <<'PY'
import re, sys
port = sys.argv[2]; fds = {}; n = 0
for ln in open(sys.argv[1]):
    m = re.match(r"(\d+)\s+(\w+)\((\d+),", ln)
    if not m:
        continue
    pid, call, fd = m.groups()
    if call == "connect" and "htons(%s)" % port in ln:
        fds[(pid, fd)] = 1
    elif call == "close":
        fds.pop((pid, fd), None)
    elif (pid, fd) in fds and call in ("write", "sendto", "sendmsg"):
        n += 1
print("pop3s writes (TLS records incl. handshake), 1 session: %d" % n)
PY
echo "pop3 log lines C: $(grep -c ' S: ' "$H_TMP/fetcher.log" || true)"
[ "$(h_pop_count alice)" -eq 0 ] || echo "WARNING: mailbox not empty"

# N messages: Dovecot's CPU for popconn, then for mpop.
seed=2
for prog in ${RT_PROGS:-popconn mpop}; do
	seed=$((seed + 1))
	h_seed alice "$N" "$seed" >/dev/null
	h_postfix_wait_idle 120 || true
	c0=$(dovecot_cpu)
	t0=$(date +%s.%N)
	if [ $prog = popconn ]; then
		"$P_FETCHER" -f -1 -c "$P_ETC" >>"$H_TMP/fetcher.log" 2>&1 ||
		    { echo "popconn failed:"; tail -5 "$H_TMP/fetcher.log"; }
	else
		rc=$H_TMP/mpoprc; mkdir -p "$H_TMP/uidls"
		printf 'defaults\ntls on\ntls_starttls off\ntls_trust_file %s\nkeep off\nuidls_file %s/uidls/%%U_at_%%H\n\naccount a\nhost localhost\nport %s\nuser alice\npassword alice-pw\ndelivery mda "/usr/sbin/sendmail -C %s -i -f %%F -- alice@example.test"\n' \
		    "$H_CA" "$H_TMP" "$H_POP3S_PORT" "$H_POSTFIX_CONF" >"$rc"
		chmod 600 "$rc"
		mpop -C "$rc" -q -a >>"$H_TMP/mpop.log" 2>&1 ||
		    { echo "mpop failed:"; tail -5 "$H_TMP/mpop.log"; }
	fi
	t1=$(date +%s.%N)
	sleep 1
	c1=$(dovecot_cpu)
	echo "$prog: $N messages, dovecot cpu $(echo "$c1 - $c0" | bc) s, fetch $(echo "$t1 - $t0" | bc) s, left $(h_pop_count alice)"
	h_postfix_wait_idle 300 || true
done
h_done
