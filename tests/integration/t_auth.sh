#!/bin/sh
# t_auth - every authentication mechanism Dovecot offers, over implicit
# TLS (pop3s://) and STLS (pop3://), against the real server: the right
# password delivers, a wrong one fails cleanly as an authentication
# failure (exit 69, one attempt, no password in the log).  auth = auto
# picks the strongest mechanism offered (SCRAM-SHA-256 on Dovecot).
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "erin:S3cret,pw=x"
h_postfix_start example.test "erin"

n=0
for mode in pop3s pop3; do
	[ "$mode" = pop3s ] && port=$H_POP3S_PORT || port=$H_POP3_PORT
	for mech in auto user apop plain login cram-md5 scram-sha-1 scram-sha-256; do
		n=$((n + 1))
		h_seed erin 1 "$n" >/dev/null
		box="erin user $mode://erin@localhost:$port erin@example.test"

		: >"$H_TMP/fetcher.log"
		p_config; p_mailbox "$box" "  -o auth=$mech"; p_password erin 'not-the-password'
		p_fetch -v
		h_check "$mode $mech, wrong password: exit 69 (got $P_STATUS)" [ "$P_STATUS" -eq 69 ]
		h_check "$mode $mech, wrong password: reported as an authentication failure" \
		    grep -Eq 'authentication (with [A-Za-z0-9-]+ )?failed for erin' "$H_TMP/fetcher.log"
		h_check "$mode $mech, wrong password: message still there" [ "$(h_pop_count erin)" -eq 1 ]

		: >"$H_TMP/fetcher.log"
		p_config; p_mailbox "$box" "  -o auth=$mech"; p_password erin 'S3cret,pw=x'
		p_fetch -v
		h_check "$mode $mech: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
		h_check "$mode $mech: message fetched" [ "$(h_pop_count erin)" -eq 0 ]
		h_check "$mode $mech: no password in the protocol trace" \
		    sh -c "! grep -q -e 'S3cret' -e 'not-the-password' '$H_TMP/fetcher.log'"
		if [ "$mech" = auto ]; then
			h_check "$mode auto: chose SCRAM-SHA-256" \
			    grep -q 'authenticating with SCRAM-SHA-256' "$H_TMP/fetcher.log"
		fi
	done
done
h_postfix_wait_idle 60
h_check "all $n messages delivered once" [ "$(h_mail_count erin)" -eq "$n" ]
h_done
