#!/bin/sh
# t_install_doc - the commands INSTALL section 4 ("The first mailbox")
# shows, extracted from INSTALL itself and run against the harness
# Dovecot: every popconnctl and popconn-fetcher command (the ones that
# read a password get it on standard input), every "name = value" line
# added to popconn.cf; each must succeed, "mailbox test" must log in and
# the one-shot fetch must fetch.  Only names are mapped: popconnctl and
# /etc/popconn to the test's, pop.isp.example to the harness server.  A
# command that INSTALL changes so that it no longer works fails here.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
CTL=$TOP/$BUILD/popconnctl

h_init
h_ca
h_dovecot_start "chris:chris-pw info:info-pw"
H_POSTFIX_CONF=
P_EXTRA_CF="sendmail_path = $(mkdir -p "$H_TMP/bin"; printf '#!/bin/sh\ncat >/dev/null\n' >"$H_TMP/bin/sm"; chmod 755 "$H_TMP/bin/sm"; echo "$H_TMP/bin/sm")"
p_config
E=$P_ETC
mkdir -p "$H_TMP/state" "$H_TMP/spool"
chmod 700 "$H_TMP/state"
h_seed chris 2 1 >/dev/null

# The section, its indented blocks, one command per block line (with
# continuations joined), as "cmd<TAB>text" or "cf<TAB>text".
"$H_PYTHON" - "$TOP/INSTALL" >"$H_TMP/cmds" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sec = text.split("\n4. The first mailbox\n", 1)[1].split("\n5. Postfix integration\n", 1)[0]
lines = sec.split("\n")
i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith("    ") and l.strip():
        cmd = l.strip()
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1].rstrip() + " " + lines[i].strip()
        if re.match(r"^[a-z_]+ = ", cmd):
            print("cf\t" + cmd)
        else:
            print("cmd\t" + cmd)
    i += 1
PY
h_check "INSTALL section 4 shows commands ($(grep -c '^cmd' "$H_TMP/cmds"))" \
    [ "$(grep -c '^cmd' "$H_TMP/cmds")" -ge 6 ]
sed -n '/^4. The first mailbox/,/^5. Postfix/p' "$TOP/INSTALL" >"$H_TMP/sec4"
h_check "INSTALL section 4 mentions --tls-ca-file" \
    grep -q -- '--tls-ca-file' "$H_TMP/sec4"
h_check "INSTALL section 4 shows a password on standard input" \
    grep -q '^cmd	printf .*PASSWORD.* | popconnctl mailbox add' "$H_TMP/cmds"

mkdir -p "$H_TMP/fakebin"
cat >"$H_TMP/fakebin/popconnctl" <<EOT
#!/bin/sh
exec "$CTL" -c "$E" "\$@"
EOT
cat >"$H_TMP/fakebin/popconn-fetcher" <<EOT
#!/bin/sh
# INSTALL's -c /etc/popconn is replaced by the test's directory
a=""; for x in "\$@"; do [ "\$x" = /etc/popconn ] && x="$E"; a="\$a '\$x'"; done
eval exec "$P_FETCHER" \$a
EOT
chmod 755 "$H_TMP/fakebin/popconnctl" "$H_TMP/fakebin/popconn-fetcher"
n=0
while IFS='	' read -r kind line; do
	n=$((n + 1))
	line=$(printf '%s' "$line" | sed -e "s|pop3s://\([^@ ]*\)@pop.isp.example|pop3s://\1@localhost:$H_POP3S_PORT|g" \
	    -e "s|pop3://\([^@ ]*\)@pop.isp.example|pop3://\1@localhost:$H_POP3_PORT|g" \
	    -e "s|/etc/popconn/popconn.cf|$E/popconn.cf|g")
	if [ "$kind" = cf ]; then
		printf '%s\n' "$line" >>"$E/popconn.cf"
		h_ok "INSTALL: set in popconn.cf: $line"
		continue
	fi
	case $line in
	"popconnctl setup")
		# The wizard asks on a terminal (t_ctl_setup drives that);
		# here the same with the answers as flags.
		"$CTL" -c "$E" mailbox remove chris >/dev/null 2>&1
		acct=chris
		line="$line --yes --server localhost --account chris --deliver-to chris --pop3s-port $H_POP3S_PORT --pop3-port $H_POP3_PORT --password-file -";;
	*"mailbox add "*)
		# Two forms of the same add are shown: start each afresh.
		name=$(printf '%s' "$line" | sed 's/.*mailbox add \([^ ]*\).*/\1/')
		"$CTL" -c "$E" mailbox remove "$name" >/dev/null 2>&1
		acct=$(printf '%s' "$line" | sed 's|.*pop3s*://\([^@]*\)@.*|\1|');;
	esac
	pw=$acct-pw
	(
		PATH=$H_TMP/fakebin:$PATH
		PASSWORD=$pw
		export PATH PASSWORD
		printf '%s\n' "$pw" | sh -c "$line"
	) >"$H_TMP/c$n.out" 2>"$H_TMP/c$n.err"
	rc=$?
	h_check "INSTALL: '$(printf '%s' "$line" | tr '\n' ' ')' exits 0 (got $rc: $(tail -n 1 "$H_TMP/c$n.err"))" [ $rc -eq 0 ]
done <"$H_TMP/cmds"
h_check "INSTALL: mailbox test logged in" grep -q '^chris: ok: ' "$H_TMP"/c*.out
h_check "INSTALL: the one-shot fetch fetched chris's 2 messages" \
    [ "$(h_pop_count chris)" -eq 0 ]
h_done
