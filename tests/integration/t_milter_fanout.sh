#!/bin/sh
# t_milter_fanout - a global message with the documented maximum of routed
# recipients (max_recipients = 10000) through the real fetcher, Postfix
# and milter is delivered once to each of them, not tempfailed for ever:
# the X-Popconn-Routed header is bounded (issue 19, defect 1: above about
# 800 recipients it outgrew libmilter's 64 KB and Postfix retried the
# message at every pickup pass); the milter's log names every recipient
# across numbered lines.  One more than the maximum goes to the
# undeliverable mailbox.  Postfix discards (discard(8)) instead of
# writing 10,000 Maildirs, and logs each recipient.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"

h_init
h_ca
h_dovecot_start "domain:domain-pw"
M_SOCK=$H_TMP/milter.sock
H_POSTFIX_EXTRA_MAIN="non_smtpd_milters = { unix:$M_SOCK, default_action=tempfail, connect_timeout=10s, command_timeout=30s }
milter_macro_daemon_name = local-submit
virtual_transport = discard:fan-out test"
export H_POSTFIX_EXTRA_MAIN
h_postfix_start example.test "postmaster"
mkdir -p "$H_TMP/orig/m"
P_EXTRA_CF="max_recipients = 10000
recipient_maps = pcre:$H_TMP/etc/fanout.pcre"
p_config
m_config
printf '/^u[0-9]+@example\\.test$/ ok\n' >"$P_ETC/fanout.pcre"
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT"
p_password catchall domain-pw
m_start

# headers N FIRST: To: lines of 1,000 addresses each (under Postfix's
# header_address_token_limit of 10240 tokens per header)
headers() {
	"$H_PYTHON" - "$1" <<'PY'
import sys
n = int(sys.argv[1])
for start in range(0, n, 1000):
    end = min(n, start + 1000)
    print("To: " + ",\n ".join("u%05d@example.test" % i for i in range(start, end)))
PY
}
m_pop domain 1 "$(headers 10000)"
m_pop domain 2 "$(headers 10001)"
p_fetch
h_check "fetch exits 0 (status $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "postfix drained its queue" h_postfix_wait_idle 180
qid=$(grep -E 'mailbox=catchall, marker=[0-9a-f]+, part 1,' "$M_LOG" | head -n 1 | sed 's/.*\]: \([^:]*\): mailbox=.*/\1/; s/.*info: \([^:]*\): mailbox=.*/\1/')
h_check "the milter routed 10,000 recipients (queue id $qid)" \
    grep -q "$qid: mailbox=catchall, marker=[0-9a-f]*, part [0-9]*, .*, 10000 recipients" "$M_LOG"
h_check "every one of them in the milter's log" \
    [ "$(grep "$qid: mailbox=catchall, marker=[0-9a-f]*, part" "$M_LOG" | grep -o 'to=<u[0-9]*@example.test>' | sort -u | wc -l)" -eq 10000 ]
# qmgr's nrcpt counts the deleted placeholder record too: count deliveries.
h_check "each delivered (discarded) once" \
    [ "$(grep -F "$qid: to=<u" "$H_MAILLOG" | grep 'status=sent' | sort -u | wc -l)" -eq 10000 ]
h_check "and nothing else: the placeholder is gone" \
    [ "$(grep -F "$qid: to=<" "$H_MAILLOG" | grep -vc "$qid: to=<u")" -eq 0 ]
h_check "none tempfailed" sh -c "! grep -q 'milter-reject' '$H_MAILLOG'"
h_check "10,001: the undeliverable mailbox" \
    grep -q 'mailbox=catchall, marker=[0-9a-f]*, to=<postmaster@example.test> (undeliverable: .*more than 10000' "$M_LOG"
h_check "nothing left in the queue" sh -c "[ -z \"\$(find '$H_POSTFIX_SPOOL/deferred' '$H_POSTFIX_SPOOL/maildrop' -type f 2>/dev/null)\" ]"
h_done
