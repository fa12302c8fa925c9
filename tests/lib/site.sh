# site.sh - the set-up the site tests share (t_global_site.sh,
# t_route_corpus.sh, t_conf_sample_smtp.sh): the global mailbox on the
# real path in a site as installed, the shipped conf/ samples with only
# paths changed, Postfix run each of the usual ways.  Source it after
# setting TOP and BUILD; it loads harness.sh, popconn.sh and milter.sh.
#
#   site_main "$@"            without an argument: runs the calling test
#                             ($0) once per Postfix mode (SITE_MODES,
#                             default "mydestination virtual") and exits,
#                             1 if a run failed.  With a mode: MODE, the
#                             helpers loaded, CTL (popconnctl), h_init,
#                             h_ca, and Dovecot with the ISP's account
#                             "domain" (domain-pw) and SITE_POP_USERS
#                             ("user:password ...")
#   site_postfix "users" [EXTRA_MAIN]
#                             Postfix as a site runs it in MODE
#                             (h_postfix_site_start MODE example.test),
#                             the shipped configuration (p_config_sample),
#                             M_SOCK; Postfix not yet set up by popconnctl
#   site_postfix_setup        "popconnctl postfix-setup --apply", its
#                             output in $H_TMP/postfix-setup.out
#   site_start "users" [EXTRA_MAIN]
#                             site_postfix, site_postfix_setup, then the
#                             milter (m_start)
#   site_catchall [LINE...]   the global mailbox "catchall" (Dovecot's
#                             "domain" over pop3s) and its password; each
#                             LINE follows it in mailboxes.cf ("  -o ...")

site_main() {
	if [ $# -eq 0 ]; then
		_sm_rc=0
		for _sm_mode in ${SITE_MODES:-mydestination virtual}; do
			echo "# mode $_sm_mode"
			sh "$0" "$_sm_mode" || _sm_rc=1
		done
		exit $_sm_rc
	fi
	MODE=$1
	. "$TOP/tests/lib/harness.sh"
	. "$TOP/tests/lib/popconn.sh"
	. "$TOP/tests/lib/milter.sh"
	CTL=$TOP/$BUILD/popconnctl
	h_init
	h_ca
	h_dovecot_start "domain:domain-pw${SITE_POP_USERS:+ $SITE_POP_USERS}"
}

site_postfix() {
	M_SOCK=$H_TMP/milter.sock
	H_POSTFIX_EXTRA_MAIN=${2:-}
	export H_POSTFIX_EXTRA_MAIN
	h_postfix_site_start "$MODE" example.test "$1" || return 1
	H_POSTFIX_EXTRA_MAIN=
	mkdir -p "$H_TMP/orig/m"
	p_config_sample
}

site_postfix_setup() {
	"$CTL" -c "$P_ETC" postfix-setup --apply >"$H_TMP/postfix-setup.out" 2>&1
}

site_start() {
	site_postfix "$@" || return 1
	site_postfix_setup || {
		echo "site_start: postfix-setup --apply failed:" >&2
		cat "$H_TMP/postfix-setup.out" >&2
		return 1
	}
	m_start
}

site_catchall() {
	p_mailbox "catchall global pop3s://domain@localhost:$H_POP3S_PORT" "$@"
	p_password catchall domain-pw
}
