#!/bin/sh
# t_conf_sample - the global-mailbox tests run the configuration a site
# runs: the shipped conf/popconn.cf as installed, with only paths changed
# (issue 14).  Fails when the sample and the tests' configuration drift
# apart on anything but paths:
#   - p_config_sample changes only the P_PATH_SETTINGS lines, each to a
#     path under the test's directory, and every other line is the
#     sample's, byte for byte;
#   - each P_PATH_SETTINGS entry is a path setting (its default in
#     lib/params.c is empty, absolute, or unix:/...), and every setting
#     whose default is a host path is in P_PATH_SETTINGS (no test writes
#     to /var or /run);
#   - each "#key = value" of the sample is that key's default in
#     lib/params.c (the sample "as installed", all commented, is the
#     code's defaults), and every setting of lib/params.c is in it;
#   - the tests that exercise the global mailbox as a site runs it
#     (t_global_site, t_route_corpus, t_conf_sample_smtp) use
#     p_config_sample (tests/lib/site.sh) and add no setting of their own
#     (t_global_site.sh changes undeliverable_mailbox the way an
#     administrator does, with "popconnctl undeliverable", and that is all);
#   - popconnctl check accepts the installed sample.
# How the older helpers' configuration (p_config + m_config) differs from
# the sample is printed as notes, for whoever converts those tests.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
# Paths only; no daemon is started.
H_POSTFIX_CONF=$H_TMP/postfix/etc
H_CA=$H_TMP/ssl/ca.pem
mkdir -p "$H_POSTFIX_CONF" "$H_TMP/ssl"
# check reports a tls_ca_file that does not exist: give it one (a PEM
# is not needed: check looks for the file, the fetcher reads it).
: >"$H_CA"
# enough of a main.cf for postconf (the local domain in mydestination)
cat >"$H_POSTFIX_CONF/main.cf" <<EOT
compatibility_level = 3.6
myhostname = mail.example.test
mydomain = example.test
myorigin = \$mydomain
mydestination = \$myhostname, \$mydomain, localhost
non_smtpd_milters = { unix:$H_TMP/milter.sock, default_action=tempfail }
EOT
: >"$H_POSTFIX_CONF/master.cf"
SAMPLE=$TOP/conf/popconn.cf
PATHS=$(printf '%s\n' "$P_PATH_SETTINGS" | tr '\n' ' ')

h_check "p_config_sample installs the sample" p_config_sample
GOT=$P_ETC/popconn.cf

# 1. Only path lines differ, each to a path under $H_TMP.
diff "$SAMPLE" "$GOT" | sed -n 's/^> //p' >"$H_TMP/added"
diff "$SAMPLE" "$GOT" | sed -n 's/^< //p' >"$H_TMP/removed"
bad=0
while IFS= read -r line; do
	k=$(printf '%s\n' "$line" | sed -n 's/^\([a-z_0-9]*\) = .*/\1/p')
	v=$(printf '%s\n' "$line" | sed -n 's/^[a-z_0-9]* = //p')
	case " $P_RUNAS_SETTINGS " in
	*" $k "*) [ -z "$v" ] || { echo "  $k is set to '$v', not empty"; bad=1; }
		continue ;;
	esac
	case " $PATHS " in
	*" $k "*) ;;
	*) echo "  changed line is not a path setting: $line"; bad=1; continue ;;
	esac
	case $v in
	"$H_TMP"/*|"unix:$H_TMP"/*) ;;
	*) echo "  $k is set to '$v', not a path under \$H_TMP"; bad=1 ;;
	esac
done <"$H_TMP/added"
while IFS= read -r line; do
	k=$(printf '%s\n' "$line" | sed -n 's/^#\{0,1\}\([a-z_0-9]*\)[ \t]*=.*/\1/p')
	case " $PATHS $P_RUNAS_SETTINGS " in
	*" $k "*) ;;
	*) echo "  sample line dropped or changed: $line"; bad=1 ;;
	esac
done <"$H_TMP/removed"
h_check "the installed sample differs from conf/popconn.cf only in path settings (and daemon_user, empty: tests run as root)" [ "$bad" = 0 ]
h_check "every path setting was found in the sample" \
    [ "$(wc -l <"$H_TMP/added")" -eq "$(echo "$PATHS $P_RUNAS_SETTINGS" | wc -w)" ]
h_check "mailboxes.cf and passwords are the samples" \
    sh -c "cmp -s '$TOP/conf/mailboxes.cf' '$P_ETC/mailboxes.cf' && cmp -s '$TOP/conf/passwords' '$P_ETC/passwords'"

# 2. The defaults of lib/params.c, "name<TAB>default" (a setting that two
# programs declare appears once per program).
sed -n 's/^[ \t]*{"\([a-z_0-9]*\)", CFG_[A-Z]*, "\([^"]*\)".*/\1\t\2/p' \
    "$TOP/lib/params.c" | sort -u >"$H_TMP/defaults"
bad=0
for k in $P_PATH_SETTINGS; do
	d=$(awk -F '\t' -v k="$k" '$1 == k { print $2; exit }' "$H_TMP/defaults")
	case $d in
	""|/*|unix:/*) ;;
	*) echo "  $k (default '$d') does not look like a path setting"; bad=1 ;;
	esac
done
h_check "P_PATH_SETTINGS holds only path settings" [ "$bad" = 0 ]
# ... and every setting whose default is a path on the host, so that no
# test ever writes to /var or /run (sendmail_path names the real program).
bad=0
while IFS='	' read -r k d; do
	case $d in /*|unix:/*) ;; *) continue ;; esac
	[ "$k" = sendmail_path ] && continue
	case " $PATHS " in
	*" $k "*) ;;
	*) echo "  $k (default $d) is a path: add it to P_PATH_SETTINGS and _p_path_value (tests/lib/popconn.sh)"; bad=1 ;;
	esac
done <"$H_TMP/defaults"
h_check "every path setting of lib/params.c is moved into the test's directory" [ "$bad" = 0 ]

bad=0
cut -f1 "$H_TMP/defaults" | sort | uniq -d >"$H_TMP/twice"
while IFS= read -r k; do
	echo "  $k has two different defaults in lib/params.c:"
	grep "^$k	" "$H_TMP/defaults" | sed 's/^/    /'
	bad=1
done <"$H_TMP/twice"
sed -n 's/^#\([a-z_0-9]*\) = \(.*\)$/\1\t\2/p; s/^#\([a-z_0-9]*\) =$/\1\t/p' \
    "$SAMPLE" >"$H_TMP/sample"
while IFS='	' read -r k v; do
	if ! grep -q "^$k	" "$H_TMP/defaults"; then
		echo "  the sample sets $k, which lib/params.c does not know"
		bad=1
	elif ! grep -qxF "$k	$v" "$H_TMP/defaults"; then
		echo "  sample: $k = '$v'; lib/params.c: $(grep "^$k	" "$H_TMP/defaults" | cut -f2 | sed "s/.*/'&'/" | tr '\n' ' ')"
		bad=1
	fi
done <"$H_TMP/sample"
cut -f1 "$H_TMP/defaults" | sort -u | while read -r k; do
	grep -q "^$k	" "$H_TMP/sample" || echo "  $k (lib/params.c) is not in the sample"
done >"$H_TMP/missing"
cat "$H_TMP/missing"
[ -s "$H_TMP/missing" ] && bad=1
h_check "the sample's commented values are the defaults of lib/params.c" [ "$bad" = 0 ]
h_check "the sample has no active setting (as installed, all defaults)" \
    sh -c "! grep -Eq '^[a-z_0-9]+[ \t]*=' '$SAMPLE'"

# 3. The site-style global-mailbox tests use the sample and nothing else.
bad=0
for t in integration/t_global_site.sh integration/t_route_corpus.sh \
    integration/t_conf_sample_smtp.sh lib/site.sh; do
	f=$TOP/tests/$t
	if [ ! -f "$f" ]; then
		echo "  $t is missing"; bad=1; continue
	fi
	grep -q 'site_start\|site_postfix\|p_config_sample' "$f" ||
	    { echo "  $t does not use p_config_sample"; bad=1; }
	if grep -nE '(^|[^_a-z])(p_config|m_config)([^_a-z]|$)|P_EXTRA_CF|P_SAMPLE_EXTRA|>>? *"?\$P_ETC/popconn\.cf|postconf.*P_ETC' "$f"; then
		echo "  $t changes the configuration beyond the sample"; bad=1
	fi
done
h_check "the site tests run the sample configuration unchanged" [ "$bad" = 0 ]

# 4. popconnctl check on the installed sample (with a global mailbox).
p_mailbox "catchall global pop3s://domain@localhost:995"
p_password catchall domain-pw
"$CTL" -c "$P_ETC" check >"$H_TMP/check.out" 2>&1
rc=$?
sed 's/^/  check: /' "$H_TMP/check.out"
h_check "popconnctl check accepts the installed sample (exit $rc)" [ "$rc" -eq 0 ]

# Notes: what the older helpers set beyond paths.
save=$P_ETC
P_ETC=$H_TMP/legacy
P_EXTRA_CF=
p_config >/dev/null 2>&1
M_SOCK=$H_TMP/milter.sock
export M_SOCK
. "$TOP/tests/lib/milter.sh"
m_config
sed -n 's/^\([a-z_0-9]*\)[ \t]*=[ \t]*\(.*\)$/\1 = \2/p' "$P_ETC/popconn.cf" |
    while IFS= read -r line; do
	k=${line%% =*}
	case " $PATHS " in *" $k "*) continue ;; esac
	echo "# note: p_config/m_config set $line (sample: $(grep "^#$k =" "$SAMPLE" || echo unset))"
done
P_ETC=$save
h_done
