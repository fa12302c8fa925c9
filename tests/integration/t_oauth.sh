#!/bin/sh
# t_oauth - OAuth 2.0 sign-in built in (issue 24), against a local HTTPS
# authorization server (tests/lib/oauthstub.py, TLS with the harness CA)
# and the scripted POP3 server replaying Exchange Online (two-step
# "AUTH XOAUTH2", "+", token; a bad token refused at once) and Gmail
# (XOAUTH2 and OAUTHBEARER, a base64 JSON error for a rejected token).
# The POP3 server accepts only the access tokens the stand-in issued and
# has not revoked.
#
#   1. popconnctl oauth login: device code printed, authorization_pending
#      and slow_down (the poll interval grows by 5 s), the test approves
#      the code itself; refresh token into the passwords file (0600),
#      oauth settings and auth = xoauth2 written, test login.
#   2. fetch: the cached access token is reused (no new grant).
#   3. an access token revoked early: the session fails, the cache is
#      dropped, the next session gets a new one.
#   4. expiry in the middle of a schedule: a token about to expire is
#      renewed before the session; a rotated refresh token is stored
#      (state file, 0600) and used next.
#   5. revocation: invalid_grant fails the mailbox with the command that
#      fixes it; a new login fixes it.
#   6. denied and expired device codes; an OAUTHBEARER-only server makes
#      login pick oauthbearer; Gmail's JSON errors.
#   7. app-only (client credentials) with a secret from the passwords
#      file, or a certificate (a signed client assertion the stand-in
#      verifies); a wrong secret or certificate names the step.
#   8. hostile token endpoint answers: clear errors, no crash.
#   9. no token in logs, in ps output, in files others can read.
#  10. end to end over pop3s into the real Postfix, run by the service;
#      a revoked consent shows in status with the command that fixes it.
#  11. popconnctl setup on a server that takes only OAuth says so.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/harness.sh"
. "$TOP/tests/lib/popconn.sh"
. "$TOP/tests/lib/fakepop3.sh"

h_init
h_ca
fp_init
CTL=$TOP/$BUILD/popconnctl
OD=$H_TMP/oauth
mkdir -m 0700 "$OD"
"$H_PYTHON" "$TOP/tests/lib/oauthstub.py" serve --dir "$OD" \
    --cert "$H_SSL_DIR/server.pem" --key "$H_SSL_DIR/server.key" \
    --port-file "$OD/port" --timeout 900 >"$OD/stub.out" 2>&1 &
h_track_pid $!
n=100
while [ ! -s "$OD/port" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
[ -s "$OD/port" ] || { cat "$OD/stub.out"; h_not_ok "stand-in started"; h_done; exit 1; }
OP=$(cat "$OD/port")
EP=https://127.0.0.1:$OP
CID=popconn-test-client

# admin JSON: change the stand-in's behaviour
admin() {
	"$H_PYTHON" - "$EP/admin" "$H_CA" "$1" <<'PY'
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
urllib.request.urlopen(urllib.request.Request(sys.argv[1],
    data=sys.argv[3].encode()), context=ctx).read()
PY
}
# approve/deny the code the stand-in handed out, as the user's browser
browser() {
	"$H_PYTHON" - "$EP/device" "$H_CA" "$1" "$(cat "$OD/user_code")" <<'PY'
import ssl, sys, urllib.request, urllib.parse
ctx = ssl.create_default_context(cafile=sys.argv[2])
body = urllib.parse.urlencode({"action": sys.argv[3],
                               "user_code": sys.argv[4]}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=body),
                       context=ctx).read()
PY
}
grants() { grep -c "token $1" "$OD/log" 2>/dev/null || true; }
# msgs: fp_msgs (a fresh mailbox and UIDL state), keeping the token cache
msgs() {
	mkdir -p "$H_TMP/keep"
	cp -p "$H_TMP"/state/*.oauth "$H_TMP/keep/" 2>/dev/null || true
	fp_msgs "$M"/*.eml
	mkdir -p "$H_TMP/state"
	chmod 700 "$H_TMP/state"
	cp -p "$H_TMP"/keep/*.oauth "$H_TMP/state/" 2>/dev/null || true
	rm -f "$H_TMP"/keep/*.oauth
}

URL="pop3://alice%40contoso.example@127.0.0.1:$FP_PORT"
M=$H_TMP/msgs
"$H_PYTHON" "$FP" gen "$M" 2 1200 --seed 24
sed -i '/^box /d' "$P_ETC/passwords"
fp_box "$URL" "-o tls=none"
EXO="\"user\": \"alice@contoso.example\", \"token_file\": \"$OD/tokens\", \"oauth_style\": \"exchange\", \"capa\": [\"USER\", \"UIDL\", \"SASL PLAIN XOAUTH2\"]"
GML="\"user\": \"alice@contoso.example\", \"token_file\": \"$OD/tokens\", \"oauth_style\": \"gmail\", \"capa\": [\"USER\", \"UIDL\", \"SASL XOAUTH2 OAUTHBEARER\"]"
LOGIN_OPTS="--provider generic --client-id $CID --scope https://outlook.office.com/POP.AccessAsUser.All,offline_access --token-endpoint $EP/token --device-endpoint $EP/devicecode --ca-file $H_CA"

# login NAME SCENARIO ACTION [CONNECTIONS]: run oauth login in the
# background, answer the code in the "browser", serve the test login.
login() {
	_lname=$1 _scn=$2 _act=$3 _conns=${4:-1}
	rm -f "$OD/user_code"
	FP_TR=$H_TMP/login-$_lname.tr
	printf '%s\n' "$_scn" >"$H_TMP/login-$_lname.scn"
	rm -f "$H_TMP/port"
	"$H_PYTHON" "$FP" serve --state "$FP_STATE" --scenario \
	    "$H_TMP/login-$_lname.scn" --port "$FP_PORT" --port-file \
	    "$H_TMP/port" --transcript "$FP_TR" --connections "$_conns" \
	    --timeout 90 >>"$H_TMP/fakepop3.out" 2>&1 &
	_sp=$!
	h_track_pid "$_sp"
	LOGIN_OUT=$H_TMP/login-$_lname.out
	# shellcheck disable=SC2086
	timeout 120 "$CTL" -c "$P_ETC" oauth login box $LOGIN_OPTS \
	    ${LOGIN_EXTRA:-} >"$LOGIN_OUT" 2>&1 &
	_lp=$!
	_n=100
	while [ ! -s "$OD/user_code" ] && [ "$_n" -gt 0 ]; do
		sleep 0.1; _n=$((_n - 1))
	done
	ps -eo args >"$H_TMP/ps-$_lname.txt"
	[ "$_act" = none ] || { sleep 1.5; browser "$_act"; }
	LOGIN_STATUS=0
	wait "$_lp" || LOGIN_STATUS=$?
	_n=50
	while _h_alive "$_sp" && [ "$_n" -gt 0 ]; do sleep 0.1; _n=$((_n - 1)); done
	kill "$_sp" 2>/dev/null || true
	wait "$_sp" 2>/dev/null || true
	[ "${FP_VERBOSE:-0}" = 1 ] && cat "$LOGIN_OUT" "$FP_TR"
	return 0
}

# 1. Sign-in with authorization_pending and slow_down.
admin '{"set": {"polls": ["authorization_pending", "slow_down"]}}'
msgs
login first "{ $EXO }" approve
h_check "login: exit 0 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 0 ]
h_check "login: prints the verification URL and the code" \
    grep -q "open $EP/device in a web browser and enter the code $(cat "$OD/user_code")" "$LOGIN_OUT"
h_check "login: polled through authorization_pending and slow_down" \
    sh -c "grep -q 'token device authorization_pending' '$OD/log' && grep -q 'token device slow_down' '$OD/log' && grep -q 'token device issued' '$OD/log'"
gap=$(awk '/token device slow_down/ {t=$1} /token device (issued|authorization_pending)/ && t {print int($1 - t); exit}' "$OD/log")
h_check "login: slow_down made the next poll wait 5 s more (waited ${gap:-?} s)" [ "${gap:-0}" -ge 5 ]
RT=$(head -1 "$OD/refresh")
h_check "login: the refresh token is the mailbox's passwords entry" grep -qx "box $RT" "$P_ETC/passwords"
h_check "login: passwords file is mode 0600" [ "$(stat -c %a "$P_ETC/passwords")" = 600 ]
h_check "login: settings written (provider, client id, auth = xoauth2)" \
    sh -c "grep -q 'oauth_provider=generic' '$P_ETC/mailboxes.cf' && grep -q 'oauth_client_id=$CID' '$P_ETC/mailboxes.cf' && grep -q 'auth=xoauth2' '$P_ETC/mailboxes.cf'"
h_check "login: test login ok" grep -q "test login ok" "$LOGIN_OUT"
h_check "login: Exchange two-step (AUTH XOAUTH2 alone, then the token)" \
    sh -c "grep -Eq '^[0-9]+ C AUTH XOAUTH2$' '$FP_TR' && grep -q 'OAUTH token accepted' '$FP_TR'"
h_check "login: no token printed" sh -c "! grep -Eq 'RTOK-|ATOK-' '$LOGIN_OUT'"
h_check "login: no code or token in ps output" sh -c "! grep -Eq 'RTOK-|ATOK-|device_code' '$H_TMP/ps-first.txt'"

# 2. A fetch reuses the access token the test login got.  From here on
# the fetcher traces the protocol (log_level = maximum): the leak checks
# at the end cover the trace too.
sed -i 's/^log_level = .*/log_level = maximum/' "$P_ETC/popconn.cf"
before=$(grants "refresh issued")
fp_run fetch1 "{ $EXO }"
h_check "fetch: the protocol trace shows the AUTH, its response redacted" \
    sh -c "grep -q 'AUTH XOAUTH2' '$FP_LOG' && grep -q 'redacted' '$FP_LOG'"
h_check "fetch: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "fetch: 2 delivered" captured "$M"/*.eml
h_check "fetch: two-step XOAUTH2 accepted" grep -q 'OAUTH token accepted' "$FP_TR"
h_check "fetch: the cached access token was reused (no new grant)" [ "$(grants "refresh issued")" -eq "$before" ]
h_check "fetch: token cache is mode 0600" [ "$(stat -c %a "$H_TMP/state/box.oauth")" = 600 ]

# 3. The access token revoked early: this session fails, the next heals.
admin '{"revoke": "access"}'
msgs
fp_run revoked-access "{ $EXO }"
h_check "revoked access token: session fails (got $P_STATUS)" [ "$P_STATUS" -ne 0 ]
h_check "revoked access token: Exchange's refusal reported" grep -q 'unknown user name or bad password' "$FP_LOG"
h_check "revoked access token: dropped from the cache" sh -c "! grep -q '^access ' '$H_TMP/state/box.oauth'"
fp_run healed "{ $EXO }"
h_check "next session: new access token, exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "next session: delivered" captured "$M"/*.eml

# 4. Expiry in the middle of a schedule, with refresh token rotation.
admin '{"set": {"rotate": true}}'
before=$(grants "refresh issued")
sed -i "s/^expires .*/expires $(($(date +%s) + 100))/" "$H_TMP/state/box.oauth"
msgs
fp_run expiring "{ $EXO }"
h_check "about to expire: renewed before the session, exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "about to expire: one refresh grant" [ "$(grants "refresh issued")" -eq $((before + 1)) ]
h_check "about to expire: accepted at the first AUTH" [ "$(tr_count 'OAUTH token REJECTED')" -eq 0 ]
RT2=$(head -1 "$OD/refresh")
h_check "rotation: the new refresh token stored in the state file" grep -qx "refresh $RT2" "$H_TMP/state/box.oauth"
h_check "rotation: logged without the token" sh -c "grep -q 'refresh token rotated and stored' '$FP_LOG' && ! grep -q '$RT2' '$FP_LOG'"
h_check "rotation: the old refresh token is revoked at the stand-in" sh -c "! grep -qx '$RT' '$OD/refresh'"
sed -i "s/^expires .*/expires 1/" "$H_TMP/state/box.oauth"
msgs
fp_run rotated "{ $EXO }"
h_check "rotation: the next refresh uses the rotated token, exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "rotation: delivered" captured "$M"/*.eml
admin '{"set": {"rotate": false}}'

# 5. Revoked consent: invalid_grant, a clear failure with the fix.
admin '{"revoke": "all"}'
sed -i "s/^expires .*/expires 1/" "$H_TMP/state/box.oauth"
msgs
fp_run invalid-grant "{ $EXO }"
h_check "invalid_grant: the session fails (got $P_STATUS)" [ "$P_STATUS" -ne 0 ]
h_check "invalid_grant: says what happened and the command that fixes it" \
    grep -q 'refused the refresh token (invalid_grant: AADSTS70008.*sign in again with: popconnctl oauth login box' "$FP_LOG"
h_check "invalid_grant: nothing fetched" [ "$(cap_count)" -eq 0 ]
admin '{"set": {"polls": []}}'
login again "{ $EXO }" approve
h_check "login again: exit 0 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 0 ]
RT3=$(head -1 "$OD/refresh")
h_check "login again: new refresh token in passwords; the stale state ignored" \
    sh -c "grep -qx 'box $RT3' '$P_ETC/passwords' && ! grep -q 'refresh $RT2' '$H_TMP/state/box.oauth'"
fp_run after-login "{ $EXO }"
h_check "after the new login: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]

# 6. Refused and expired codes; an OAUTHBEARER-only server; Gmail.
login denied "{ $EXO }" deny
h_check "access_denied: exit 77 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 77 ]
h_check "access_denied: says so" grep -q 'access_denied.*refused' "$LOGIN_OUT"
h_check "access_denied: passwords unchanged" grep -qx "box $RT3" "$P_ETC/passwords"
admin '{"set": {"expire_device": true}}'
login expired "{ $EXO }" none
admin '{"set": {"expire_device": false}}'
h_check "expired_token: exit 77 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 77 ]
h_check "expired_token: says start again" grep -q 'expired_token.*start again' "$LOGIN_OUT"

sed -i 's/-o auth=xoauth2/-o auth=auto/' "$P_ETC/mailboxes.cf"
OBO="\"user\": \"alice@contoso.example\", \"token_file\": \"$OD/tokens\", \"oauth_style\": \"gmail\", \"capa\": [\"USER\", \"UIDL\", \"SASL OAUTHBEARER\"]"
login obonly "{ $OBO }" approve 2
h_check "OAUTHBEARER-only server: login exit 0 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 0 ]
h_check "OAUTHBEARER-only server: auth = oauthbearer" grep -q 'auth=oauthbearer' "$P_ETC/mailboxes.cf"
h_check "OAUTHBEARER-only server: the test login worked with it" grep -q 'logged in with OAUTHBEARER' "$LOGIN_OUT"

msgs
fp_run gmail-ob "{ $GML }"
h_check "Gmail OAUTHBEARER: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "Gmail OAUTHBEARER: delivered" captured "$M"/*.eml
admin '{"revoke": "access"}'
msgs
fp_run gmail-ob-bad "{ $GML }"
h_check "Gmail OAUTHBEARER rejected: fails (got $P_STATUS)" [ "$P_STATUS" -ne 0 ]
h_check "Gmail OAUTHBEARER rejected: the JSON error summarised" grep -q 'status=invalid_token' "$FP_LOG"
h_check "Gmail OAUTHBEARER rejected: answered with %x01" [ "$(tr_count '^[0-9]+ SASL AQ==$')" -ge 1 ]
sed -i 's/-o auth=oauthbearer/-o auth=xoauth2/' "$P_ETC/mailboxes.cf"
msgs
fp_run gmail-x2 "{ $GML }"
h_check "Gmail XOAUTH2: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "Gmail XOAUTH2: delivered" captured "$M"/*.eml
admin '{"revoke": "access"}'
msgs
fp_run gmail-x2-bad "{ $GML }"
h_check "Gmail XOAUTH2 rejected: fails (got $P_STATUS)" [ "$P_STATUS" -ne 0 ]
h_check "Gmail XOAUTH2 rejected: the JSON error summarised" grep -q 'status=401' "$FP_LOG"
h_check "Gmail XOAUTH2 rejected: answered with an empty line" [ "$(tr_count '^[0-9]+ SASL $')" -ge 1 ]
fp_run gmail-x2-again "{ $GML }"
h_check "Gmail XOAUTH2 after the refusal: a new token works (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]

# 6b. The browser sign-in (Google's way: authorization code, PKCE, a
# loopback redirect); the test's "browser" follows the printed address.
browser_login() {
	LOGIN_OUT=$H_TMP/login-$1.out
	fp_serve "login-$1" "{ $EXO }"
	# shellcheck disable=SC2086
	timeout 120 "$CTL" -c "$P_ETC" oauth login box $LOGIN_OPTS --browser \
	    --auth-endpoint "$EP/authorize" >"$LOGIN_OUT" 2>&1 &
	_lp=$!
	_n=100
	while ! grep -q '^https://' "$LOGIN_OUT" && [ "$_n" -gt 0 ]; do
		sleep 0.1; _n=$((_n - 1))
	done
	ps -eo args >"$H_TMP/ps-$1.txt"
	"$H_PYTHON" - "$(grep '^https://' "$LOGIN_OUT")" "$H_CA" <<'PY' >"$H_TMP/browser-$1.out" 2>&1 || true
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
op = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
try:
    print(op.open(sys.argv[1]).read().decode())
except Exception as e:
    print(getattr(e, "read", lambda: b"")().decode(), e)
PY
	LOGIN_STATUS=0
	wait "$_lp" || LOGIN_STATUS=$?
	fp_reap "login-$1"
}
browser_login browser
h_check "browser sign-in: exit 0 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 0 ]
h_check "browser sign-in: PKCE checked, code redeemed" grep -q 'token authorization_code issued' "$OD/log"
h_check "browser sign-in: offline access asked for" grep -q 'authorize scope=.*access_type=offline' "$OD/log"
h_check "browser sign-in: the browser was told it is done" grep -q 'signed in; you can close' "$H_TMP/browser-browser.out"
RT4=$(tail -1 "$OD/refresh")
h_check "browser sign-in: refresh token in passwords" grep -qx "box $RT4" "$P_ETC/passwords"
h_check "browser sign-in: test login ok" grep -q 'test login ok' "$LOGIN_OUT"
admin '{"set": {"browser_deny": true}}'
browser_login browser-deny
admin '{"set": {"browser_deny": false}}'
h_check "browser sign-in refused: exit 77 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 77 ]
h_check "browser sign-in refused: says so" grep -q 'refused (access_denied)' "$LOGIN_OUT"
h_check "browser sign-in refused: passwords unchanged" grep -qx "box $RT4" "$P_ETC/passwords"

# 7. App-only access (client credentials) with a secret.
admin '{"set": {"client_secret": "app-s3cret-XYZ"}}'
echo app-s3cret-XYZ | "$CTL" -c "$P_ETC" oauth secret entra-app --secret-file - >"$H_TMP/secret.out" 2>&1
h_check "oauth secret: stored in the passwords file" grep -qx 'entra-app app-s3cret-XYZ' "$P_ETC/passwords"
: >"$P_ETC/mailboxes.cf"
p_mailbox "box2 user $URL rcpt2@example.test" "  -o tls=none" "  -o auth=xoauth2" \
    "  -o oauth_provider=generic" "  -o oauth_mode=app" "  -o oauth_client_id=$CID" \
    "  -o oauth_client_secret_name=entra-app" "  -o oauth_token_endpoint=$EP/token" \
    "  -o oauth_scope=https://outlook.office.com/.default" "  -o oauth_ca_file=$H_CA"
msgs
fp_run app "{ $EXO }"
h_check "app-only: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "app-only: client credentials grant with the .default scope" \
    grep -q 'token client_credentials issued scope=https://outlook.office.com/.default' "$OD/log"
h_check "app-only: delivered" captured "$M"/*.eml
admin '{"set": {"client_secret": "another"}}'
rm -f "$H_TMP/state/box2.oauth"
fp_run app-bad "{ $EXO }"
h_check "app-only wrong secret: fails (got $P_STATUS)" [ "$P_STATUS" -ne 0 ]
h_check "app-only wrong secret: names the step" grep -q 'the client secret is wrong' "$FP_LOG"
h_check "app-only wrong secret: the secret is not in the log" sh -c "! grep -q 'app-s3cret' '$FP_LOG'"
admin '{"set": {"client_secret": "app-s3cret-XYZ"}}'

# 7b. App-only with a certificate: a signed client assertion (RFC 7523).
( cd "$H_TMP" && umask 077 &&
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=popconn-app -days 2 \
      -keyout app.key -out app.crt >/dev/null 2>&1 &&
  cat app.crt app.key >app.pem &&
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -days 2 \
      -keyout other.key -out other.crt >/dev/null 2>&1 &&
  cat other.crt other.key >other.pem )
admin "{\"set\": {\"client_secret\": null, \"client_cert\": \"$H_TMP/app.crt\"}}"
sed -i "s|-o oauth_client_secret_name=entra-app|-o oauth_client_certificate=$H_TMP/app.pem|" "$P_ETC/mailboxes.cf"
rm -f "$H_TMP/state/box2.oauth"
msgs
fp_run app-cert "{ $EXO }"
h_check "app-only certificate: exit 0 (got $P_STATUS)" [ "$P_STATUS" -eq 0 ]
h_check "app-only certificate: the stand-in verified the assertion" grep -q 'client_credentials assertion verified' "$OD/log"
h_check "app-only certificate: delivered" captured "$M"/*.eml
sed -i "s|$H_TMP/app.pem|$H_TMP/other.pem|" "$P_ETC/mailboxes.cf"
rm -f "$H_TMP/state/box2.oauth"
fp_run app-cert-wrong "{ $EXO }"
h_check "app-only wrong certificate: refused (got $P_STATUS)" [ "$P_STATUS" -ne 0 ]
h_check "app-only wrong certificate: says which" grep -q 'not the certificate registered with the application' "$FP_LOG"
chmod 644 "$H_TMP/other.pem"
fp_run app-cert-mode "{ $EXO }"
h_check "app-only certificate readable by others: refused" grep -q 'other.pem' "$FP_LOG"
h_check "app-only certificate readable by others: no request made" sh -c "[ \$(grep -c 'assertion' '$OD/log') -eq 2 ]"
admin '{"set": {"client_cert": null, "client_secret": "app-s3cret-XYZ"}}'
sed -i "s|-o oauth_client_certificate=$H_TMP/other.pem|-o oauth_client_secret_name=entra-app|" "$P_ETC/mailboxes.cf"

# 8. Hostile token endpoint answers.
hostile() {
	admin "{\"set\": {\"hostile\": $1, \"hostile_status\": $2}}"
	rm -f "$H_TMP/state/box2.oauth"
	fp_run "hostile-$3" "{ $EXO }"
	h_check "hostile $3: fails cleanly, no crash (got $P_STATUS)" \
	    sh -c "[ $P_STATUS -ne 0 ] && [ $P_STATUS -lt 128 ]"
	h_check "hostile $3: a clear error ($4)" grep -q "$4" "$FP_LOG"
}
big=$("$H_PYTHON" -c 'print("\"{\\\"access_token\\\": \\\"" + "A" * 100000 + "\\\"}\"")')
hostile "$big" 200 huge "longer than 65536 octets"
hostile '"{\"access_token\": 5, \"token_type\": \"Bearer\"}"' 200 wrong-type "wrong type or size"
hostile '"{\"token_type\": \"Bearer\"}"' 200 missing "no access_token"
hostile '"{\"access_token\": \"a\\u0001b\", \"token_type\": \"Bearer\"}"' 200 control "characters a token cannot hold"
hostile '"<html>oops</html>"' 502 http502 "HTTP status 502"
hostile '"[1,2"' 200 notjson "not JSON"
h_check "HTTP 502: deferred, not failed" grep -q 'session=deferred' "$H_TMP/hostile-http502.log"
admin '{"set": {"hostile": null}}'

# 10. End to end: oauth login, then fetches over pop3s into the real
# Postfix, by the service; revocation shows in status with the fix.
h_postfix_start example.test "alice"
admin '{"set": {"client_secret": null}}'
sed -i -e '/^sendmail_path/d' -e "s|^postfix_config_directory.*|postfix_config_directory = $H_POSTFIX_CONF|" "$P_ETC/popconn.cf"
URLS="pop3s://alice%40contoso.example@127.0.0.1:$FP_PORT"
: >"$P_ETC/mailboxes.cf"
p_mailbox "box user $URLS alice@example.test"
TLS="\"tls\": \"implicit\", \"cert\": \"$H_SSL_DIR/server.pem\", \"key\": \"$H_SSL_DIR/server.key\""
msgs
login e2e "{ $EXO, $TLS }" approve
h_check "e2e login over pop3s: exit 0 (got $LOGIN_STATUS)" [ "$LOGIN_STATUS" -eq 0 ]
p_daemon_start
fp_serve e2e-fetch "{ $EXO, $TLS }"
"$CTL" -c "$P_ETC" fetch box >"$H_TMP/e2e-fetch.out" 2>&1 || true
fp_reap e2e-fetch
h_check "e2e: postfix drained its queue" h_postfix_wait_idle 60
h_check "e2e: both messages delivered by Postfix to alice" [ "$(h_mail_count alice)" -eq 2 ]
admin '{"revoke": "all"}'
sed -i "s/^expires .*/expires 1/" "$H_TMP/state/box.oauth"
fp_serve e2e-revoked "{ $EXO, $TLS }"
"$CTL" -c "$P_ETC" fetch box >"$H_TMP/e2e-revoked.out" 2>&1 || true
fp_reap e2e-revoked
"$CTL" -c "$P_ETC" status >"$H_TMP/e2e-status.out" 2>&1 || true
h_check "e2e revoked: status says invalid_grant and the command that fixes it" \
    sh -c "grep -q 'invalid_grant' '$H_TMP/e2e-status.out' && grep -q 'popconnctl oauth login box' '$H_TMP/e2e-status.out'"
h_check "e2e revoked: the daemon log says it too" grep -q 'sign in again with: popconnctl oauth login box' "$H_TMP/daemon.log"

# 11. popconnctl setup against a server that takes only OAuth (PLAIN
# offered, basic authentication off as at Exchange Online): the wizard
# points to oauth login.
: >"$P_ETC/mailboxes.cf"
rm -f "$H_TMP/port"
"$H_PYTHON" "$FP" serve --state "$FP_STATE" --scenario /dev/stdin \
    --port "$FP_PORT" --port-file "$H_TMP/port" --transcript "$H_TMP/setup.tr" \
    --connections 4 --timeout 30 >>"$H_TMP/fakepop3.out" 2>&1 <<EOT &
{ $EXO, $TLS, "password": "basic-auth-is-off", "bad_login": "-ERR Authentication failure: unknown user name or bad password." }
EOT
sp=$!
h_track_pid "$sp"
n=100; while [ ! -s "$H_TMP/port" ] && [ "$n" -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
echo some-password | "$CTL" -c "$P_ETC" setup --yes --password-file - \
    --pop3s-port "$FP_PORT" --pop3-port "$(h_free_port)" --server 127.0.0.1 \
    --account alice@contoso.example --deliver-to alice@example.test \
    >"$H_TMP/setup.out" 2>"$H_TMP/setup.err" || true
kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
h_check "setup, OAuth-only server: points to oauth login" \
    grep -q 'offers OAuth 2.0 sign-in (PLAIN XOAUTH2): add the mailbox, then popconnctl oauth login NAME' "$H_TMP/setup.err"

# 11b. setup --oauth: the wizard writes the mailbox without a password
# and signs in itself (the stand-in's settings from popconn.cf).
admin '{"set": {"polls": ["authorization_pending"]}}'
cp "$P_ETC/popconn.cf" "$H_TMP/popconn.cf.pre-oauth"
cat >>"$P_ETC/popconn.cf" <<EOT
oauth_client_id = $CID
oauth_scope = https://outlook.office.com/POP.AccessAsUser.All,offline_access
oauth_token_endpoint = $EP/token
oauth_device_endpoint = $EP/devicecode
oauth_ca_file = $H_CA
EOT
rm -f "$H_TMP/port" "$OD/user_code"
"$H_PYTHON" "$FP" serve --state "$FP_STATE" --scenario /dev/stdin \
    --port "$FP_PORT" --port-file "$H_TMP/port" --transcript "$H_TMP/setup2.tr" \
    --connections 2 --timeout 60 >>"$H_TMP/fakepop3.out" 2>&1 <<EOT &
{ $EXO, $TLS }
EOT
sp=$!
h_track_pid "$sp"
n=100; while [ ! -s "$H_TMP/port" ] && [ "$n" -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
timeout 120 "$CTL" -c "$P_ETC" setup --yes --oauth generic --name ms365 \
    --pop3s-port "$FP_PORT" --server 127.0.0.1 \
    --account alice@contoso.example --deliver-to alice@example.test \
    >"$H_TMP/setup2.out" 2>&1 </dev/null &
lp=$!
n=100; while [ ! -s "$OD/user_code" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
sleep 1.5; browser approve
rc=0; wait "$lp" || rc=$?
kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
h_check "setup --oauth: signed in and tested (exit $rc)" [ "$rc" -eq 0 ]
h_check "setup --oauth: the mailbox is written with implicit TLS and auth = xoauth2" \
    sh -c "grep -q '^ms365 user pop3s://alice%40contoso.example@127.0.0.1:$FP_PORT' '$P_ETC/mailboxes.cf' && grep -q 'auth=xoauth2' '$P_ETC/mailboxes.cf'"
h_check "setup --oauth: the refresh token is the mailbox's secret" \
    grep -q '^ms365 ' "$P_ETC/passwords"
h_check "setup --oauth: the server got the token the stand-in issued" \
    grep -q 'AUTH XOAUTH2' "$H_TMP/setup2.tr"
"$CTL" -c "$P_ETC" mailbox remove ms365 --delete-state >/dev/null 2>&1 || true
cp "$H_TMP/popconn.cf.pre-oauth" "$P_ETC/popconn.cf"

# 9. No token in logs or in files others can read.
all=$(cat "$OD/tokens" "$OD/refresh" 2>/dev/null; echo "$RT"; echo "$RT2"; echo "$RT3")
leak=0
for t in $all; do
	[ -n "$t" ] || continue
	if grep -rlF "$t" "$H_TMP"/*.log "$H_TMP"/*.out "$H_MAILLOG" 2>/dev/null | grep -q .; then leak=1; fi
	if find "$P_ETC" "$H_TMP/state" "$H_TMP/spool" -type f -perm /o=r 2>/dev/null |
	    xargs -r grep -lF "$t" | grep -q .; then leak=1; fi
done
h_check "no token in the logs, the output or files others can read" [ "$leak" -eq 0 ]
h_check "tokens on disk only in 0600 files" \
    sh -c "[ \$(find '$P_ETC' '$H_TMP/state' -name '*.oauth' -o -name passwords | xargs stat -c %a | sort -u) = 600 ]"
h_done
