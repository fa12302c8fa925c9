#!/bin/sh
# demo.sh - "make demo": popconn's main job on an embedded default.
#
# Starts a private Dovecot playing the ISP (sample POP3 mailboxes, TLS with
# a demo CA) and a private Postfix for the local domain wingtiptoys.test
# with popconn-milter in its non_smtpd_milters, writes a popconn
# configuration for them (three user mailboxes and one global mailbox),
# runs one fetch cycle and tells where every message went.  Everything
# runs from a temporary directory on loopback and is stopped at the end.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
export TOP BUILD
H_QUIET=1
export H_QUIET
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

h_init
step "Starting the stand-ins"
h_ca
h_dovecot_start "chris:chris-isp-pw kim:kim-isp-pw sales:sales-isp-pw wingtiptoys:domain-isp-pw"
say "ISP:     a private Dovecot on 127.0.0.1 (POP3S port $H_POP3S_PORT, POP3+STLS port $H_POP3_PORT), certificate from a demo CA"
M_SOCK=$H_TMP/milter.sock
H_POSTFIX_EXTRA_MAIN="virtual_alias_maps = texthash:$H_TMP/postfix/etc/lists
non_smtpd_milters = { unix:$M_SOCK, default_action=tempfail, connect_timeout=10s, command_timeout=10s }
milter_macro_daemon_name = local-submit"
export H_POSTFIX_EXTRA_MAIN
mkdir -p "$H_TMP/postfix/etc"
printf 'sales-team@wingtiptoys.test chris@wingtiptoys.test, kim@wingtiptoys.test\n' \
    >"$H_TMP/postfix/etc/lists"
h_postfix_start wingtiptoys.test "chris kim postmaster"
say "Postfix: a private instance for @wingtiptoys.test (mailboxes chris, kim, postmaster; list sales-team -> chris, kim)"

"$H_PYTHON" "$TOP/tests/lib/demo_mail.py" "$H_POP_MAILDIR_ROOT" "$H_VUID" "$H_VGID"

p_config
cat >>"$P_ETC/popconn.cf" <<EOT
# global mailbox routing (popconn-milter)
milter_socket = unix:$M_SOCK
local_domains = wingtiptoys.test
routing_maps = texthash:$P_ETC/routing, pcre:$P_ETC/routing.pcre
EOT
printf '# mailing lists the ISP delivers to the catch-all\ndev@lists.example chris@wingtiptoys.test\n' >"$P_ETC/routing"
printf '# text of the To/Cc line\n/@fabrikam\\.example/ kim@wingtiptoys.test\n' >"$P_ETC/routing.pcre"
p_mailbox "chris  user  pop3s://chris@localhost:$H_POP3S_PORT  chris@wingtiptoys.test" \
    "kim    user  pop3://kim@localhost:$H_POP3_PORT     kim@wingtiptoys.test" \
    "sales  user  pop3s://sales@localhost:$H_POP3S_PORT  sales-team@wingtiptoys.test" \
    "  -o keep=yes" \
    "wingtiptoys  global  pop3s://wingtiptoys@localhost:$H_POP3S_PORT" \
    "  -o trust_envelope_headers=yes"
p_password chris chris-isp-pw
p_password kim kim-isp-pw
p_password sales sales-isp-pw
p_password wingtiptoys domain-isp-pw

h_spawn milter "$TOP/$BUILD/popconn-milter" -f -c "$P_ETC"
n=100
while [ ! -S "$M_SOCK" ] && [ "$n" -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
say "Milter:  popconn-milter on $M_SOCK (Postfix non_smtpd_milters)"

step "The configuration ($P_ETC)"
say "mailboxes.cf:"
sed 's/^/    /' "$P_ETC/mailboxes.cf"
say "routing tables:"
grep -hv '^#' "$P_ETC/routing" "$P_ETC/routing.pcre" | sed 's/^/    /'
say "passwords: mode $(stat -c %a "$P_ETC/passwords"), $(grep -c . "$P_ETC/passwords") entries (not shown)"

say "On the ISP before the fetch: chris $(h_pop_count chris), kim $(h_pop_count kim), sales $(h_pop_count sales), wingtiptoys (catch-all) $(h_pop_count wingtiptoys) messages"

step "One fetch cycle: popconn-fetcher -f -1 -c $P_ETC"
p_fetch
sed -e 's/^popconn-fetcher\[[0-9]*\]: //' "$H_TMP/fetcher.log" | sed 's/^/    /'
h_postfix_wait_idle 60 || say "(Postfix is still busy)"

step "Where every message went"
"$H_PYTHON" "$TOP/tests/lib/demo_report.py" "$P_ETC/mailboxes.cf" "$H_MAIL_ROOT" \
    "$H_TMP/fetcher.log"

step "Left on the ISP"
say "chris $(h_pop_count chris), kim $(h_pop_count kim), wingtiptoys $(h_pop_count wingtiptoys), sales $(h_pop_count sales) (sales has -o keep=yes: mail stays on the server, tracked by UIDL)"

step "A second cycle delivers nothing twice"
: >"$H_TMP/fetcher.log"
p_fetch
grep 'session=' "$H_TMP/fetcher.log" | sed -e 's/^popconn-fetcher\[[0-9]*\]: //' -e 's/^/    /'
h_postfix_wait_idle 30 || true
say "messages in local mailboxes now: chris $(h_mail_count chris), kim $(h_mail_count kim), postmaster $(h_mail_count postmaster)"

if [ "$P_STATUS" -eq 0 ]; then
	step "Done: every message fetched was delivered once; nothing was lost."
else
	step "The fetcher reported a problem (exit $P_STATUS): see the log above."
	exit 1
fi
