#!/bin/sh
# t_detects_breakage - the end-to-end check can fail.  Delivery is broken
# on purpose three ways, with a sendmail wrapper that alters one message,
# drops one (exits 0 without delivering it) and delivers one twice; the
# comparison of t_fetch_user must report each: altered, missing and
# duplicated.  A check that cannot fail proves nothing.
set -eu
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"

h_init
h_ca
h_dovecot_start "dave:dave-pw"
h_postfix_start example.test "dave"
h_seed dave 6 4

# Message 2 is altered (one byte appended to its last line), message 4 is
# dropped, message 6 is delivered twice; the rest pass through untouched.
wrap=$H_TMP/broken-sendmail
cat >"$wrap" <<EOT
#!/bin/sh
n=\$(cat "$H_TMP/count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$H_TMP/count"
case \$n in
2) sed '\$ s/\$/X/' | /usr/sbin/sendmail "\$@" ;;
4) cat >/dev/null ;;
6) cat >"$H_TMP/m6"; /usr/sbin/sendmail "\$@" <"$H_TMP/m6" && /usr/sbin/sendmail "\$@" <"$H_TMP/m6" ;;
*) exec /usr/sbin/sendmail "\$@" ;;
esac
EOT
chmod 755 "$wrap"
P_EXTRA_CF="sendmail_path = $wrap
delivery_parallelism = 1"
p_config
p_mailbox "dave user pop3s://dave@localhost:$H_POP3S_PORT dave@example.test"
p_password dave dave-pw
p_fetch
h_check "fetcher believed it delivered all 6" [ "$P_STATUS" -eq 0 ]
h_postfix_wait_idle 60

out=$(h_compare dave "$H_TMP/orig/dave" "$H_MAIL_ROOT/dave" 2>/dev/null) && rc=0 || rc=$?
echo "compare said: $out (exit $rc)"
h_check "the comparison fails" [ "$rc" -ne 0 ]
h_check "it counts 1 altered" sh -c "echo '$out' | grep -q 'altered=1'"
h_check "it counts 1 missing" sh -c "echo '$out' | grep -q 'missing=1'"
h_check "it counts 1 duplicated" sh -c "echo '$out' | grep -q 'duplicated=1'"
h_done
