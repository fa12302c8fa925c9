/*
 * NAME
 *	test_url - unit tests for lib/url.c
 * DESCRIPTION
 *	A table of good and bad mailbox URLs: schemes, default ports,
 *	percent-decoding, IPv6 literals, passwords in the URL, bad ports,
 *	control characters and empty parts; url_format() writing URLs that
 *	url_parse() reads back, and refusing what it could not.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "url.h"

/* test_good - URLs that parse */

static void
test_good(void **state)
{
	static const struct {
		const char *text;
		int     tls;
		const char *user;
		const char *host;
		int     port;
	} tab[] = {
		{"pop3s://bob@mail.example.com", 1, "bob", "mail.example.com", 995},
		{"pop3://bob@mail.example.com", 0, "bob", "mail.example.com", 110},
		{"POP3S://bob@h:1", 1, "bob", "h", 1},
		{"pop3://bob@h:65535/", 0, "bob", "h", 65535},
		{"pop3s://bob%40example.com@pop.isp.net:995", 1,
		"bob@example.com", "pop.isp.net", 995},
		{"pop3s://a%3Ab%2fc%25d@h", 1, "a:b/c%d", "h", 995},
		{"pop3s://info@192.0.2.1:8995", 1, "info", "192.0.2.1", 8995},
		{"pop3s://u@[2001:db8::1]", 1, "u", "2001:db8::1", 995},
		{"pop3s://u@[::1]:1995/", 1, "u", "::1", 1995},
		{"pop3://u+tag.x-y_z@h_1.example", 0, "u+tag.x-y_z",
		"h_1.example", 110},
		{"pop3://%C3%A9l%C3%A8ve@h", 0, "\xc3\xa9l\xc3\xa8ve", "h", 110},
	};
	struct strbuf *why = strbuf_alloc(256);
	struct url u;
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		if (url_parse(tab[i].text, &u, why) != PC_OK)
			fail_msg("%s: %s", tab[i].text, strbuf_str(why));
		assert_int_equal(u.implicit_tls, tab[i].tls);
		assert_string_equal(u.user, tab[i].user);
		assert_string_equal(u.host, tab[i].host);
		assert_int_equal(u.port, tab[i].port);
		url_free(&u);
		assert_null(u.user);
		assert_null(u.host);
	}
	strbuf_free(why);
}

/* test_bad - URLs that are refused, and why */

static void
test_bad(void **state)
{
	static const struct {
		const char *text;
		const char *reason;	/* substring of why */
	} tab[] = {
		{"", "scheme"},
		{"imap://bob@h", "scheme"},
		{"pop3:/bob@h", "scheme"},
		{"pop3s://h", "missing account"},
		{"pop3s://@h", "empty account"},
		{"pop3s://bob:s3cr3t@h", "password"},
		{"pop3s://bob:@h", "password"},
		{"pop3s://bob@", "empty host"},
		{"pop3s://bob@:995", "empty host"},
		{"pop3s://bob@h:0", "out of range"},
		{"pop3s://bob@h:65536", "out of range"},
		{"pop3s://bob@h:99999999999999999999", "out of range"},
		{"pop3s://bob@h:80a", "not a number"},
		{"pop3s://bob@h:-1", "not a number"},
		{"pop3s://bob@h:", "empty port"},
		{"pop3s://bob@h: 80", "not a number"},
		{"pop3s://bob@[::1", "missing ']'"},
		{"pop3s://bob@[::1]x", "garbage"},
		{"pop3s://bob@[]", "IPv6"},
		{"pop3s://bob@[not:an:addr::zz]", "IPv6"},
		{"pop3s://bob@[::1]:", "empty port"},
		{"pop3s://bob%0a@h", "control character"},
		{"pop3s://bob%0D%0AQUIT@h", "control character"},
		{"pop3s://bob%00@h", "control character"},
		{"pop3s://bob%7f@h", "control character"},
		{"pop3s://bob%@h", "percent"},
		{"pop3s://bob%4@h", "percent"},
		{"pop3s://bob%zz@h", "percent"},
		{"pop3s://bo b@h", "percent-encoded"},
		{"pop3s://bo\tb@h", "percent-encoded"},
		{"pop3s://a@b@h", "%40"},
		{"pop3s://bob@h/inbox", "nothing may follow"},
		{"pop3s://bob@h//", "nothing may follow"},
		{"pop3s://bob@h?x=1", "bad character"},
		{"pop3s://bob@h#frag", "bad character"},
		{"pop3s://bob@ho st", "bad character"},
		{"pop3s://bob@h\n", "bad character"},
		{"pop3s://bob@.h", "must not start"},
		{"pop3s://bob@-h", "must not start"},
		{"pop3s://bob@h%41", "bad character"},
	};
	struct strbuf *why = strbuf_alloc(256);
	struct url u;
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		strbuf_reset(why);
		if (url_parse(tab[i].text, &u, why) != PC_PERM)
			fail_msg("accepted: \"%s\"", tab[i].text);
		if (strstr(strbuf_str(why), tab[i].reason) == NULL)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", tab[i].text,
			    strbuf_str(why), tab[i].reason);
		/* Never quote a would-be password. */
		assert_null(strstr(strbuf_str(why), "s3cr3t"));
		assert_null(u.user);
		assert_null(u.host);
		url_free(&u);
	}
	assert_int_equal(url_parse("pop3s://x@h:0", &u, NULL), PC_PERM);
	strbuf_free(why);
}

/* test_limits - long account and host names */

static void
test_limits(void **state)
{
	char    text[2048];
	char    name[1024];
	struct strbuf *why = strbuf_alloc(256);
	struct url u;

	memset(name, 'a', sizeof(name));
	name[255] = 0;
	assert_true(snprintf(text, sizeof(text), "pop3s://%s@h", name) < (int) sizeof(text));
	assert_int_equal(url_parse(text, &u, why), PC_OK);
	url_free(&u);
	name[255] = 'a';
	name[256] = 0;
	assert_true(snprintf(text, sizeof(text), "pop3s://%s@h", name) < (int) sizeof(text));
	assert_int_equal(url_parse(text, &u, why), PC_PERM);
	name[256] = 'a';
	name[254] = 0;
	assert_true(snprintf(text, sizeof(text), "pop3s://u@%s", name) < (int) sizeof(text));
	assert_int_equal(url_parse(text, &u, why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "longer"));
	strbuf_free(why);
}

/* test_url_format - accounts with '@' and worse, IPv6, ports */

static void
test_url_format(void **state)
{
	static const struct {
		int	tls;
		const char *user, *host;
		int	port;
		const char *url;	/* NULL: refused */
	} c[] = {
		{1, "a@b.example", "pop.example", 995,
		    "pop3s://a%40b.example@pop.example"},
		{0, "a@b", "pop.example", 995, "pop3://a%40b@pop.example:995"},
		{0, "x:y/z%?#[] ", "h", 110, "pop3://x%3Ay%2Fz%25%3F%23%5B%5D"
		    "%20@h"},
		{1, "$HOME", "h", 995, "pop3s://%24HOME@h"},
		{1, "u", "::1", 995, "pop3s://u@[::1]"},
		{1, "u", "h", 1, "pop3s://u@h:1"},
		{1, "\xc3\xa9", "h", 995, "pop3s://%C3%A9@h"},
		{1, "a\tb", "h", 995, NULL},
		{1, "", "h", 995, NULL},
		{1, "u", "bad host", 995, NULL},
		{1, "u", "h", 0, NULL},
		{1, "u", "h", 65536, NULL},
		{1, "u", "1:2", 995, NULL},
	};
	struct strbuf *out = strbuf_alloc(1024);
	struct strbuf *why = strbuf_alloc(256);
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(c); i++) {
		rc = url_format(out, c[i].tls, c[i].user, c[i].host,
		    c[i].port, why);
		if (c[i].url == NULL) {
			assert_int_equal(rc, PC_PERM);
			continue;
		}
		if (rc != PC_OK)
			fail_msg("%s: %s", c[i].url, strbuf_str(why));
		assert_string_equal(strbuf_str(out), c[i].url);
	}
	strbuf_free(out);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_url_format),
	};

	return (cmocka_run_group_tests_name("url", tests, NULL, NULL));
}
