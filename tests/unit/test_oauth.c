/*
 * NAME
 *	test_oauth - unit tests for lib/oauth.c (the parsers of outside input)
 * DESCRIPTION
 *	Token and device authorization responses as Entra ID and Google
 *	send them, the RFC 6749 and RFC 8628 error codes, and hostile
 *	answers: huge bodies, wrong types, missing fields, duplicate keys,
 *	NUL and control characters in tokens, numbers out of range, nested
 *	junk, HTTP errors without a body; error text never quotes a token;
 *	the loopback redirect request (state, percent-encoding, NUL, line
 *	breaks, sizes); the provider presets.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn.h"
#include "alloc.h"
#include "oauth.h"

/* tok - parse a token response given as a C string */

static int
tok(const char *body, long status, struct oauth_token *t,
    struct oauth_reply *r, struct strbuf *why)
{
	strbuf_reset(why);
	return (oauth_parse_token(body, strlen(body), status, t, r, why));
}

/* test_token_good - real-world shapes */

static void
test_token_good(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct oauth_token t;
	struct oauth_reply r;

	(void)state;
	/* Entra ID v2.0, with a rotated refresh token. */
	assert_int_equal(tok("{\"token_type\":\"Bearer\",\"scope\":"
	    "\"https://outlook.office.com/POP.AccessAsUser.All\","
	    "\"expires_in\":4557,\"ext_expires_in\":4557,"
	    "\"access_token\":\"eyJ0eXAi.eyJhdWQi.sig-_\","
	    "\"refresh_token\":\"0.AQkA-new\"}", 200, &t, &r, why), PC_OK);
	assert_string_equal(t.access, "eyJ0eXAi.eyJhdWQi.sig-_");
	assert_string_equal(t.refresh, "0.AQkA-new");
	assert_int_equal(t.expires_in, 4557);
	assert_int_equal(r.error, OAUTH_E_NONE);
	oauth_token_free(&t);
	assert_null(t.access);
	/* Google refresh: no new refresh token, expires_in given. */
	assert_int_equal(tok("{\"access_token\":\"ya29.a0Af\",\"expires_in\":"
	    "3599,\"scope\":\"https://mail.google.com/\",\"token_type\":"
	    "\"Bearer\"}", 200, &t, &r, why), PC_OK);
	assert_null(t.refresh);
	assert_int_equal(t.expires_in, 3599);
	oauth_token_free(&t);
	/* expires_in as a string; missing: one hour; bearer in lower case */
	assert_int_equal(tok("{\"access_token\":\"a\",\"token_type\":"
	    "\"bearer\",\"expires_in\":\"3600\"}", 200, &t, &r, why), PC_OK);
	assert_int_equal(t.expires_in, 3600);
	oauth_token_free(&t);
	assert_int_equal(tok("{\"access_token\":\"a\",\"token_type\":"
	    "\"Bearer\"}", 200, &t, &r, why), PC_OK);
	assert_int_equal(t.expires_in, 3600);
	oauth_token_free(&t);
	strbuf_free(why);
}

/* test_token_errors - RFC 6749 5.2 and RFC 8628 3.5 */

static void
test_token_errors(void **state)
{
	static const struct {
		const char *body;
		long	status;
		int	rc;
		int	error;
	} c[] = {
		{"{\"error\":\"authorization_pending\",\"error_description\":"
		    "\"AADSTS70016: pending\"}", 400, PC_PERM, OAUTH_E_PENDING},
		{"{\"error\":\"slow_down\"}", 400, PC_PERM, OAUTH_E_SLOW_DOWN},
		{"{\"error\":\"expired_token\"}", 400, PC_PERM, OAUTH_E_EXPIRED},
		{"{\"error\":\"access_denied\"}", 400, PC_PERM, OAUTH_E_DENIED},
		{"{\"error\":\"invalid_grant\",\"error_description\":"
		    "\"AADSTS70008: expired\"}", 400, PC_PERM,
		    OAUTH_E_INVALID_GRANT},
		{"{\"error\":\"invalid_client\"}", 401, PC_PERM, OAUTH_E_CLIENT},
		{"{\"error\":\"temporarily_unavailable\"}", 503, PC_TEMP,
		    OAUTH_E_OTHER},
		{"{\"error\":\"whatever\"}", 400, PC_PERM, OAUTH_E_OTHER},
		/* an error in a 200 answer is still an error */
		{"{\"error\":\"invalid_grant\",\"access_token\":\"x\"}", 200,
		    PC_PERM, OAUTH_E_INVALID_GRANT},
		/* HTTP errors without a usable body */
		{"<html>Bad gateway</html>", 502, PC_TEMP, OAUTH_E_HTTP},
		{"", 500, PC_TEMP, OAUTH_E_HTTP},
		{"{}", 429, PC_TEMP, OAUTH_E_HTTP},
		{"{}", 404, PC_PERM, OAUTH_E_HTTP},
		{"nope", 403, PC_PERM, OAUTH_E_HTTP},
	};
	struct strbuf *why = strbuf_alloc(1024);
	struct oauth_token t;
	struct oauth_reply r;
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(c); i++) {
		if (tok(c[i].body, c[i].status, &t, &r, why) != c[i].rc ||
		    r.error != c[i].error)
			fail_msg("case %zu (%s): error %d, why %s", i,
			    c[i].body, r.error, strbuf_str(why));
		assert_null(t.access);
		assert_true(strbuf_len(why) > 0);
	}
	/* The description is kept, printable and bounded. */
	assert_int_equal(tok("{\"error\":\"invalid_grant\","
	    "\"error_description\":\"AADSTS50173:\\u0007 bad\\nline\"}",
	    400, &t, &r, why), PC_PERM);
	assert_string_equal(r.desc, "AADSTS50173:? bad?line");
	assert_string_equal(r.code, "invalid_grant");
	strbuf_free(why);
}

/* test_token_hostile - wrong types, sizes, characters */

static void
test_token_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"[]",
		"\"string\"",
		"42",
		"null",
		"{",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\"} trailing",
		"{\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"\",\"token_type\":\"Bearer\"}",
		"{\"access_token\":42,\"token_type\":\"Bearer\"}",
		"{\"access_token\":[\"a\"],\"token_type\":\"Bearer\"}",
		"{\"access_token\":{\"a\":1},\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"a b\",\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"a\\u0001auth=x\",\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"a\\u0000b\",\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"a\\r\\nDELE 1\",\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"\\u00e9\",\"token_type\":\"Bearer\"}",
		"{\"access_token\":\"a\",\"token_type\":\"mac\"}",
		"{\"access_token\":\"a\"}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"expires_in\":-1}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"expires_in\":99999999999999999999}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"expires_in\":1.5}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"expires_in\":\"12x\"}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"expires_in\":\"\"}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"expires_in\":true}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"refresh_token\":\"r\\u0001\"}",
		"{\"access_token\":\"a\",\"token_type\":\"Bearer\","
		    "\"refresh_token\":17}",
		"{\"access_token\":\"a\",\"access_token\":\"b\","
		    "\"token_type\":\"Bearer\"}",
		"{\"error\":17}",
		"{\"error\":\"\"}",
		"{\"error\":[\"invalid_grant\"]}",
	};
	struct strbuf *why = strbuf_alloc(1024);
	struct strbuf *big = strbuf_alloc(4 * OAUTH_BODY_MAX);
	struct oauth_token t;
	struct oauth_reply r;
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(bad); i++) {
		if (tok(bad[i], 200, &t, &r, why) != PC_PERM)
			fail_msg("accepted: %s", bad[i]);
		assert_null(t.access);
		assert_null(t.refresh);
		/* Never quote what might be a token. */
		assert_null(strstr(strbuf_str(why), "\"a"));
	}
	/* A body over the limit, even well-formed. */
	strbuf_puts(big, "{\"access_token\":\"");
	while (big->len < OAUTH_BODY_MAX + 10)
		strbuf_putc(big, 'A');
	strbuf_puts(big, "\",\"token_type\":\"Bearer\"}");
	assert_int_equal(oauth_parse_token(big->data, big->len, 200, &t, &r,
	    why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "longer"));
	/* A token over OAUTH_TOKEN_MAX inside the body limit. */
	strbuf_reset(big);
	strbuf_puts(big, "{\"token_type\":\"Bearer\",\"access_token\":\"");
	for (i = 0; i < OAUTH_TOKEN_MAX + 1; i++)
		strbuf_putc(big, 'A');
	strbuf_puts(big, "\"}");
	assert_int_equal(oauth_parse_token(big->data, big->len, 200, &t, &r,
	    why), PC_PERM);
	assert_null(strstr(strbuf_str(why), "AAAA"));
	/* Deep nesting: refused by jansson's depth limit or by type. */
	strbuf_reset(big);
	strbuf_puts(big, "{\"access_token\":");
	for (i = 0; i < 5000; i++)
		strbuf_putc(big, '[');
	for (i = 0; i < 5000; i++)
		strbuf_putc(big, ']');
	strbuf_puts(big, ",\"token_type\":\"Bearer\"}");
	assert_int_equal(oauth_parse_token(big->data, big->len, 200, &t, &r,
	    why), PC_PERM);
	/* Not NUL-terminated: the parser reads len octets only. */
	assert_int_equal(oauth_parse_token("{\"access_token\":\"ab\","
	    "\"token_type\":\"Bearer\"}XYZ", 43, 200, &t, &r, why), PC_OK);
	assert_string_equal(t.access, "ab");
	oauth_token_free(&t);
	strbuf_free(big);
	strbuf_free(why);
}

/* test_device - device authorization responses (RFC 8628 3.2) */

static void
test_device(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"expires_in\":900}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
		    "\"https://x\"}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
		    "\"http://x\",\"expires_in\":900}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
		    "\"javascript:alert(1)\",\"expires_in\":900}",
		"{\"device_code\":\"d\",\"user_code\":\"U\\u001b[2J\","
		    "\"verification_uri\":\"https://x\",\"expires_in\":900}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
		    "\"https://x\",\"expires_in\":900,\"interval\":100000}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
		    "\"https://x\",\"expires_in\":0}",
		"{\"device_code\":1,\"user_code\":\"U\",\"verification_uri\":"
		    "\"https://x\",\"expires_in\":900}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":"
		    "\"https://x\",\"expires_in\":900,"
		    "\"verification_uri_complete\":\"ftp://x\"}",
	};
	struct strbuf *why = strbuf_alloc(1024);
	struct oauth_device d;
	struct oauth_reply r;
	const char *s;
	size_t	i;

	(void)state;
	/* Entra ID */
	s = "{\"user_code\":\"GCNZ8DTQB\",\"device_code\":\"GAQABAAEAAAAm\","
	    "\"verification_uri\":\"https://microsoft.com/devicelogin\","
	    "\"expires_in\":900,\"interval\":5,\"message\":\"To sign in, "
	    "use a web browser\"}";
	assert_int_equal(oauth_parse_device(s, strlen(s), 200, &d, &r, why),
	    PC_OK);
	assert_string_equal(d.user_code, "GCNZ8DTQB");
	assert_string_equal(d.verification_uri,
	    "https://microsoft.com/devicelogin");
	assert_int_equal(d.interval, 5);
	assert_int_equal(d.expires_in, 900);
	oauth_device_free(&d);
	/* Google: verification_url, no interval given is 5 */
	s = "{\"device_code\":\"AH-1Ng\",\"user_code\":\"GQVQ-JKEC\","
	    "\"verification_url\":\"https://www.google.com/device\","
	    "\"expires_in\":1800}";
	assert_int_equal(oauth_parse_device(s, strlen(s), 200, &d, &r, why),
	    PC_OK);
	assert_string_equal(d.verification_uri, "https://www.google.com/device");
	assert_int_equal(d.interval, 5);
	oauth_device_free(&d);
	/* An error */
	s = "{\"error\":\"invalid_client\",\"error_description\":"
	    "\"AADSTS700016: Application not found\"}";
	assert_int_equal(oauth_parse_device(s, strlen(s), 400, &d, &r, why),
	    PC_PERM);
	assert_int_equal(r.error, OAUTH_E_CLIENT);
	assert_non_null(strstr(oauth_hint(&r), "not registered"));
	for (i = 0; i < PC_ARRAY_LEN(bad); i++) {
		strbuf_reset(why);
		if (oauth_parse_device(bad[i], strlen(bad[i]), 200, &d, &r,
		    why) != PC_PERM)
			fail_msg("accepted: %s", bad[i]);
		assert_null(d.device_code);
		assert_true(strbuf_len(why) > 0);
	}
	strbuf_free(why);
}

/* test_redirect - the browser's request to the loopback listener */

static void
test_redirect(void **state)
{
	static const char *const bad[] = {
		"",
		"GET",
		"POST /?state=S&code=c HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\n",
		"GET /favicon.ico HTTP/1.1\r\n",
		"GET /?code=c HTTP/1.1\r\n",
		"GET /?state=T&code=c HTTP/1.1\r\n",
		"GET /?state=SS&code=c HTTP/1.1\r\n",
		"GET /?state=S HTTP/1.1\r\n",
		"GET /?state=S&code= HTTP/1.1\r\n",
		"GET /?state=S&code=a%0d%0aX HTTP/1.1\r\n",
		"GET /?state=S&code=a%00b HTTP/1.1\r\n",
		"GET /?state=S&code=a%2 HTTP/1.1\r\n",
		"GET /?state=S&code=a%zz HTTP/1.1\r\n",
		"GET /?state=S&code=4%d2F0Ad HTTP/1.1\r\n",
		"GET /?state=S&code=a+b HTTP/1.1\r\n",
		"GET /?state=S&error=access_denied&code=c HTTP/1.1\r\n",
		"GET /?state=S%00&code=c HTTP/1.1\r\n",
		"GET /?state=S&code=c",
	};
	struct strbuf *why = strbuf_alloc(1024);
	struct strbuf *big = strbuf_alloc(64 * 1024);
	char   *code;
	size_t	i;

	(void)state;
	assert_int_equal(oauth_parse_redirect("GET /?state=S&code=4%2F0Ad-x_"
	    "&scope=https%3A%2F%2Fmail.google.com%2F HTTP/1.1\r\n", 73, "S",
	    &code, why), PC_OK);
	assert_string_equal(code, "4/0Ad-x_");
	xfree_secret(code);
	assert_int_equal(oauth_parse_redirect("GET /?code=abc&state=S HTTP/1.1"
	    "\r\n", 33, "S", &code, why), PC_OK);
	assert_string_equal(code, "abc");
	xfree_secret(code);
	for (i = 0; i < PC_ARRAY_LEN(bad); i++) {
		strbuf_reset(why);
		if (oauth_parse_redirect(bad[i], strlen(bad[i]), "S", &code,
		    why) != PC_PERM)
			fail_msg("accepted: %s", bad[i]);
		assert_null(code);
		assert_true(strbuf_len(why) > 0);
	}
	/* A code over OAUTH_CODE_MAX. */
	strbuf_puts(big, "GET /?state=S&code=");
	for (i = 0; i < OAUTH_CODE_MAX + 1; i++)
		strbuf_putc(big, 'c');
	strbuf_puts(big, " HTTP/1.1\r\n");
	assert_int_equal(oauth_parse_redirect(big->data, big->len, "S", &code,
	    why), PC_PERM);
	strbuf_free(big);
	strbuf_free(why);
}

/* test_b64url - RFC 4648 section 10 vectors, URL alphabet, no padding */

static void
test_b64url(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
		{"\xfb\xff", "-_8"}, {"\xff\xfe\xfd", "__79"},
	};
	struct strbuf *out = strbuf_alloc(64);
	struct strbuf *tiny = strbuf_alloc(3);
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(v); i++) {
		strbuf_reset(out);
		assert_int_equal(oauth_b64url(out, (const unsigned char *)
		    v[i].in, strlen(v[i].in)), 0);
		assert_string_equal(strbuf_str(out), v[i].out);
	}
	/* Full: an error, never a silent cut. */
	assert_int_not_equal(oauth_b64url(tiny, (const unsigned char *)
	    "foobar", 6), 0);
	strbuf_free(out);
	strbuf_free(tiny);
}

/* test_preset - provider presets */

static void
test_preset(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct oauth_endpoints ep;

	(void)state;
	assert_int_equal(oauth_preset("microsoft", "", 0, &ep, why), PC_OK);
	assert_string_equal(ep.token, "https://login.microsoftonline.com/"
	    "organizations/oauth2/v2.0/token");
	assert_string_equal(ep.scope, "https://outlook.office.com/"
	    "POP.AccessAsUser.All offline_access");
	assert_int_equal(oauth_preset("microsoft", "contoso.onmicrosoft.com",
	    1, &ep, why), PC_OK);
	assert_string_equal(ep.scope, "https://outlook.office.com/.default");
	assert_non_null(strstr(ep.token, "/contoso.onmicrosoft.com/"));
	assert_int_equal(oauth_preset("microsoft", "organizations", 1, &ep,
	    why), PC_PERM);
	assert_int_equal(oauth_preset("microsoft", "a/../b", 0, &ep, why),
	    PC_PERM);
	assert_int_equal(oauth_preset("microsoft", "x?y=1", 0, &ep, why),
	    PC_PERM);
	assert_int_equal(oauth_preset("google", NULL, 0, &ep, why), PC_OK);
	assert_string_equal(ep.scope, "https://mail.google.com/");
	assert_string_equal(ep.device, "https://oauth2.googleapis.com/"
	    "device/code");
	assert_int_equal(oauth_preset("google", NULL, 1, &ep, why), PC_PERM);
	assert_int_equal(oauth_preset("generic", NULL, 0, &ep, why), PC_OK);
	assert_string_equal(ep.token, "");
	assert_int_equal(oauth_preset("yahoo", NULL, 0, &ep, why), PC_PERM);
	strbuf_free(why);
}

/* test_http_refused - no request leaves for a non-https endpoint */

static void
test_http_refused(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct oauth_conf c;
	struct oauth_token t;
	struct oauth_reply r;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.token_endpoint = "http://127.0.0.1:1/token";
	c.client_id = "id";
	assert_int_equal(oauth_refresh(&c, "secret-refresh", &t, &r, why),
	    PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "not an https URL"));
	assert_null(strstr(strbuf_str(why), "secret-refresh"));
	strbuf_reset(why);
	c.token_endpoint = "";
	assert_int_equal(oauth_client_credentials(&c, &t, &r, why), PC_PERM);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_good),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_token_hostile),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_preset),
		cmocka_unit_test(test_http_refused),
	};

	return (cmocka_run_group_tests_name("oauth", tests, NULL, NULL));
}
