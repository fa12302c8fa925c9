#!/bin/sh
# t_ctl_test_codes - "popconnctl mailbox test" against the scripted POP3
# server: a server that stops answering during the login is a protocol
# failure of that server (exit 74, "timeout"), never an internal error
# (70); a wrong password is 67 whichever way the server says it.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

h_init
FP_EXTRA_CF="command_timeout = 1s"
fp_init
# fp_run runs $P_FETCHER: make it "mailbox test box" instead.
cat >"$H_TMP/ctl-test" <<EOT
#!/bin/sh
exec "$TOP/$BUILD/popconnctl" -c "$P_ETC" mailbox test box
EOT
chmod 755 "$H_TMP/ctl-test"
P_FETCHER=$H_TMP/ctl-test
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 1 500 --seed 3
fp_msgs "$M"/*.eml
BASE='"user": "alice", "password": "secret", "capa": ["USER", "UIDL"],'
fp_box "pop3://alice@127.0.0.1:$FP_PORT" "-o tls=none" "-o auth=user"

fp_run stall "{ $BASE \"delay\": {\"PASS\": 4} }"
h_check "server silent after PASS: exit 74, not 70 (got $P_STATUS)" [ "$P_STATUS" -eq 74 ]
h_check "server silent after PASS: says timeout" grep -q 'timeout' "$FP_LOG"

sed -i '/^box /d' "$P_ETC/passwords"; p_password box wrong
fp_run badpw "{ $BASE }"
h_check "wrong password: exit 67 (got $P_STATUS)" [ "$P_STATUS" -eq 67 ]
h_check "wrong password: says so" grep -q 'wrong password for alice' "$FP_LOG"
h_done
