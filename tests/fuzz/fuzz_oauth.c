/*
 * NAME
 *	fuzz_oauth - libFuzzer target for the OAuth 2.0 response parsers
 * DESCRIPTION
 *	The input's first octet picks an HTTP status (200, 400, 401, 429 or
 *	503); the rest is parsed as a token response, as a device
 *	authorization response (lib/oauth.c) and as the browser's request
 *	to the loopback listener with state "S" (lib/oauth_loopback.c).  Checks what oauth.h
 *	promises: on success the access token is 1..OAUTH_TOKEN_MAX
 *	printable octets without white space, expires_in is in range, the
 *	device codes are printable and the URI is https; on failure nothing
 *	is returned, and the error text is printable.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "oauth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_tok - a token the parser returned */

static void
check_tok(const char *s)
{
	size_t	i;

	if (s == NULL || *s == 0)
		abort();
	for (i = 0; s[i]; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || i >= OAUTH_TOKEN_MAX)
			abort();
}

/* check_text - error text is printable */

static void
check_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

/* LLVMFuzzerTestOneInput - one response body */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long st[] = {200, 400, 401, 429, 503};
	struct strbuf *why = strbuf_alloc(1024);
	struct oauth_token t;
	struct oauth_device d;
	struct oauth_reply r;
	long	status;
	char   *code;

	log_set_level(LOGL_NONE);
	if (size == 0)
		goto out;
	status = st[data[0] % PC_ARRAY_LEN(st)];
	if (oauth_parse_token((const char *)data + 1, size - 1, status, &t,
	    &r, why) == PC_OK) {
		check_tok(t.access);
		if (t.refresh)
			check_tok(t.refresh);
		if (t.expires_in < 0 || t.expires_in > OAUTH_EXPIRES_MAX)
			abort();
		oauth_token_free(&t);
	} else {
		if (t.access || t.refresh)
			abort();
		check_text(r.code);
		check_text(r.desc);
	}
	strbuf_reset(why);
	if (oauth_parse_device((const char *)data + 1, size - 1, status, &d,
	    &r, why) == PC_OK) {
		check_tok(d.device_code);
		check_tok(d.user_code);
		check_tok(d.verification_uri);
		if (strncasecmp(d.verification_uri, "https://", 8) != 0 ||
		    d.interval < 1 || d.interval > OAUTH_INTERVAL_MAX)
			abort();
		oauth_device_free(&d);
	} else if (d.device_code) {
		abort();
	}
	(void)oauth_hint(&r);
	strbuf_reset(why);
	if (oauth_parse_redirect((const char *)data + 1, size - 1, "S", &code,
	    why) == PC_OK) {
		check_tok(code);
		xfree_secret(code);
	} else if (code != NULL) {
		abort();
	}
out:
	strbuf_free(why);
	return (0);
}
