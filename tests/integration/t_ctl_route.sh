#!/bin/sh
# t_ctl_route - "popconnctl route test" answers "why did this mail land
# there?" with the milter's own routing module: for each message of a
# global mailbox, the recipients it predicts are exactly the mailboxes the
# real popconn-milter in the real Postfix delivered it to.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/milter.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
h_dovecot_start "domain:domain-pw"
m_postfix_start "postmaster kim pat chris lee"
p_config
m_config
p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT" \
    "  -o trust_envelope_headers=yes"
p_password catchall domain-pw
m_start

m_pop domain 1 "To: Kim <kim@example.test>
Cc: Pat <pat@example.test>, ext@outside.test"
m_pop domain 2 "To: Developers <dev@lists.example>"
m_pop domain 3 "To: undisclosed-recipients:;
Cc: Trey Research <news@treyresearch.net>"
m_pop domain 4 "Delivered-To: kim@example.test
To: some-list@outside.test"
m_pop domain 5 "To: nobody-here@outside.test"
p_fetch
h_check "fetch exits 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "postfix drained" h_postfix_wait_idle 60

for n in 1 2 3 4 5; do
	# What the milter did: the local mailboxes holding message n.
	did=$(for u in postmaster kim pat chris lee; do
		m_file "$u" "$n" >/dev/null && [ -n "$(m_file "$u" "$n")" ] && echo "$u"
	done | sort | tr '\n' ' ')
	# What route test predicts, from the original message.
	"$CTL" -c "$P_ETC" route test --trust-env "$H_TMP/orig/m/$n.eml" \
	    >"$H_TMP/route.$n" 2>&1 || true
	said=$(grep -o '[a-z]*@example\.test' "$H_TMP/route.$n" | sed 's/@.*//' |
	    sort -u | tr '\n' ' ')
	h_check "message $n: route test says [$said], the milter delivered to [$did]" \
	    [ "$said" = "$did" ]
done
h_check "route test explains a table rule (file and line)" \
    grep -q 'texthash:.*routing:[0-9]' "$H_TMP/route.2"
h_check "route test names the undeliverable case" \
    grep -qi 'undeliverable' "$H_TMP/route.5"
h_done
