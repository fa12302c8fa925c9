/*
 * test_pop3 - the POP3 parsers and the RETR body decoder, with hostile
 * input.  No network: these are the pure parts of fetcher/pop3.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "popconn.h"
#include "alloc.h"
#include "pop3.h"

struct status_case {
	const char *line;
	int	rc;
	int	ok;
	int	code;
	const char *text;
};

static const struct status_case status_cases[] = {
	{"+OK", 0, 1, POP3_RC_NONE, ""},
	{"+OK Dovecot ready.", 0, 1, POP3_RC_NONE, "Dovecot ready."},
	{"-ERR", 0, 0, POP3_RC_NONE, ""},
	{"-ERR no such message", 0, 0, POP3_RC_NONE, "no such message"},
	{"-ERR [IN-USE] locked", 0, 0, POP3_RC_IN_USE, "locked"},
	{"-ERR [in-use] locked", 0, 0, POP3_RC_IN_USE, "locked"},
	{"-ERR [LOGIN-DELAY] wait", 0, 0, POP3_RC_LOGIN_DELAY, "wait"},
	{"-ERR [LOGIN-DELAY 600] wait", 0, 0, POP3_RC_LOGIN_DELAY, "wait"},
	{"-ERR [LOGIN-DELAYED] x", 0, 0, POP3_RC_OTHER, "x"},
	{"-ERR [SYS/TEMP] try later", 0, 0, POP3_RC_SYS_TEMP, "try later"},
	{"-ERR [SYS/PERM] gone", 0, 0, POP3_RC_SYS_PERM, "gone"},
	{"-ERR [AUTH] Authentication failed.", 0, 0, POP3_RC_AUTH,
	"Authentication failed."},
	{"-ERR [AUTH/FOO] x", 0, 0, POP3_RC_AUTH, "x"},
	{"-ERR [AUTHX] x", 0, 0, POP3_RC_OTHER, "x"},
	{"-ERR [SYS] x", 0, 0, POP3_RC_OTHER, "x"},
	{"-ERR [unterminated", 0, 0, POP3_RC_NONE, "[unterminated"},
	{"+OKAY", -1, 0, 0, NULL},
	{"-ERROR", -1, 0, 0, NULL},
	{"OK", -1, 0, 0, NULL},
	{"", -1, 0, 0, NULL},
	{" +OK", -1, 0, 0, NULL},
	{"+ok", -1, 0, 0, NULL},
};

static void
test_status(void **state)
{
	struct pop3_status st;
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(status_cases); i++) {
		const struct status_case *c = &status_cases[i];

		memset(&st, 0, sizeof(st));
		assert_int_equal(pop3_parse_status(c->line, &st), c->rc);
		if (c->rc != 0)
			continue;
		assert_int_equal(st.ok, c->ok);
		assert_int_equal(st.code, c->code);
		assert_string_equal(st.text, c->text);
	}
}

/* RFC 2449 section 8, RFC 3206: what a refused login means (issue 20). */
static void
test_auth_class(void **state)
{
	static const struct {
		unsigned flags;
		int	announced, sent, code, want;
	} c[] = {
		/* nothing sent (APOP without a timestamp) */
		{0, 0, 0, POP3_RC_AUTH, POP3_AUTH_NOT_OFFERED},
		/* [AUTH] is the credentials, announced or not */
		{0, 1, 1, POP3_RC_AUTH, POP3_AUTH_CREDENTIALS},
		{POP3_CAP_AUTH_RESP, 0, 1, POP3_RC_AUTH,
		    POP3_AUTH_CREDENTIALS},
		{0, 1, 1, POP3_RC_IN_USE, POP3_AUTH_TEMP},
		{0, 1, 1, POP3_RC_LOGIN_DELAY, POP3_AUTH_TEMP},
		{0, 1, 1, POP3_RC_SYS_TEMP, POP3_AUTH_TEMP},
		{0, 1, 1, POP3_RC_SYS_PERM, POP3_AUTH_SYS_PERM},
		/* Mailutils: AUTH PLAIN not announced -> -ERR Not implemented */
		{POP3_CAP_AUTH_RESP, 0, 1, POP3_RC_NONE,
		    POP3_AUTH_NOT_OFFERED},
		/* popa3d: no CAPA, bare -ERR to AUTH */
		{0, 0, 1, POP3_RC_NONE, POP3_AUTH_NOT_OFFERED},
		/* popa3d, Courier: bare -ERR to PASS */
		{0, 1, 1, POP3_RC_NONE, POP3_AUTH_CREDENTIALS},
		/* AUTH-RESP-CODE and no [AUTH]: not the credentials */
		{POP3_CAP_AUTH_RESP, 1, 1, POP3_RC_NONE, POP3_AUTH_REFUSED},
		{POP3_CAP_AUTH_RESP, 1, 1, POP3_RC_OTHER, POP3_AUTH_REFUSED},
		{0, 1, 1, POP3_RC_OTHER, POP3_AUTH_CREDENTIALS},
	};
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(c); i++)
		assert_int_equal(pop3_auth_class(c[i].flags, c[i].announced,
		    c[i].sent, c[i].code), c[i].want);
}

/* pop3_offers - exact, case-insensitive words only */
static void
test_offers(void **state)
{
	struct pop3_caps caps;

	(void)state;
	memset(&caps, 0, sizeof(caps));
	assert_int_equal(pop3_offers(&caps, "PLAIN"), 0);
	(void)pc_strlcpy(caps.sasl, "SCRAM-SHA-256 plain  NTLM",
	    sizeof(caps.sasl));
	assert_int_equal(pop3_offers(&caps, "PLAIN"), 1);
	assert_int_equal(pop3_offers(&caps, "ntlm"), 1);
	assert_int_equal(pop3_offers(&caps, "SCRAM-SHA-1"), 0);
	assert_int_equal(pop3_offers(&caps, "SCRAM"), 0);
	assert_int_equal(pop3_offers(&caps, ""), 0);
}

static void
test_login_delay(void **state)
{
	struct pop3_status st;

	(void)state;
	assert_int_equal(pop3_parse_status("-ERR [LOGIN-DELAY 600] w", &st),
	    0);
	assert_int_equal(st.delay, 600);
	assert_int_equal(pop3_parse_status("-ERR [LOGIN-DELAY] w", &st), 0);
	assert_int_equal(st.delay, -1);
	assert_int_equal(pop3_parse_status("-ERR [LOGIN-DELAY 9x] w", &st), 0);
	assert_int_equal(st.delay, -1);
	assert_int_equal(pop3_parse_status("-ERR [LOGIN-DELAY 99999999999] w",
	    &st), 0);
	assert_int_equal(st.delay, -1);
}

static void
test_uidl(void **state)
{
	char	uid[PC_UID_MAX + 1];
	char	big[200];
	unsigned long n;

	(void)state;
	assert_int_equal(pop3_parse_uidl("1 abc", &n, uid), 0);
	assert_int_equal(n, 1);
	assert_string_equal(uid, "abc");
	assert_int_equal(pop3_parse_uidl("42 000000016b08b7ef", &n, uid), 0);
	assert_string_equal(uid, "000000016b08b7ef");
	assert_int_equal(pop3_parse_uidl("7 a/b+c=d!~", &n, uid), 0);
	assert_int_equal(pop3_parse_uidl("7 trailing  ", &n, uid), 0);
	assert_string_equal(uid, "trailing");
	/* hostile */
	assert_int_equal(pop3_parse_uidl("0 abc", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("-1 abc", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("1", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("1 ", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("x abc", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("1 two words", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("1 tab\there", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("1 \x7f", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("1 caf\xc3\xa9", &n, uid), -1);
	assert_int_equal(pop3_parse_uidl("99999999999999999999999 a", &n,
	    uid), -1);
	assert_int_equal(pop3_parse_uidl("1000001 a", &n, uid), -1);
	memset(big, 'u', sizeof(big));
	memcpy(big, "1 ", 2);
	big[2 + PC_UID_MAX] = 0;		/* exactly 70: fine */
	assert_int_equal(pop3_parse_uidl(big, &n, uid), 0);
	assert_int_equal(strlen(uid), PC_UID_MAX);
	big[2 + PC_UID_MAX] = 'u';
	big[3 + PC_UID_MAX] = 0;		/* 71: refused */
	assert_int_equal(pop3_parse_uidl(big, &n, uid), -1);
}

static void
test_list(void **state)
{
	unsigned long n;
	unsigned long long sz;

	(void)state;
	assert_int_equal(pop3_parse_list("1 120", &n, &sz), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sz, 120);
	assert_int_equal(pop3_parse_list("3 0", &n, &sz), 0);
	assert_int_equal(pop3_parse_list("3 10 extra", &n, &sz), 0);
	assert_int_equal(pop3_parse_list("3 10x", &n, &sz), -1);
	assert_int_equal(pop3_parse_list("3 -10", &n, &sz), -1);
	assert_int_equal(pop3_parse_list("3", &n, &sz), -1);
	assert_int_equal(pop3_parse_list("0 1", &n, &sz), -1);
	assert_int_equal(pop3_parse_list("1 99999999999999999999999", &n,
	    &sz), -1);
}

static void
test_capa(void **state)
{
	struct pop3_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pop3_parse_capa("PIPELINING", &c), 0);
	assert_int_equal(pop3_parse_capa("uidl", &c), 0);
	assert_int_equal(pop3_parse_capa("STLS", &c), 0);
	assert_int_equal(pop3_parse_capa("SASL PLAIN SCRAM-SHA-256", &c), 0);
	assert_int_equal(pop3_parse_capa("LOGIN-DELAY 900", &c), 0);
	assert_int_equal(pop3_parse_capa("EXPIRE 0", &c), 0);
	assert_int_equal(pop3_parse_capa("X-UNKNOWN whatever", &c), 0);
	assert_true(c.flags & POP3_CAP_PIPELINING);
	assert_true(c.flags & POP3_CAP_UIDL);
	assert_true(c.flags & POP3_CAP_STLS);
	assert_true(c.flags & POP3_CAP_SASL);
	assert_string_equal(c.sasl, "PLAIN SCRAM-SHA-256");
	assert_int_equal(c.login_delay, 900);
	assert_int_equal(c.expire, 0);
	assert_false(c.flags & POP3_CAP_USER);
	assert_true(c.flags & POP3_CAP_LOGIN_DELAY);
	assert_true(c.flags & POP3_CAP_EXPIRE);
	assert_false(c.flags & POP3_CAP_UTF8);
	/* RFC 6856: "UTF8" with or without "USER"; not a prefix match. */
	assert_int_equal(pop3_parse_capa("UTF8X", &c), 0);
	assert_false(c.flags & POP3_CAP_UTF8);
	assert_int_equal(pop3_parse_capa("UTF8 USER", &c), 0);
	assert_true(c.flags & POP3_CAP_UTF8);
}

/* decode - run the body decoder over input in chunks of size step */

static int
decode(const char *in, size_t len, size_t step, char *out, size_t *outlen,
    struct pop3_body *b, size_t *consumed)
{
	char	tmp[4096];
	size_t	i = 0, got, used;

	pop3_body_init(b);
	*outlen = 0;
	while (i < len && !b->done) {
		size_t	n = len - i < step ? len - i : step;

		used = pop3_body_feed(b, in + i, n, tmp, &got);
		assert_true(used <= n);
		assert_true(got <= n + 2);
		memcpy(out + *outlen, tmp, got);
		*outlen += got;
		i += used;
	}
	*consumed = i;
	return (b->done);
}

struct body_case {
	const char *in;
	const char *out;
	int	done;
	size_t	trailing;	/* bytes left after the terminator */
};

static const struct body_case body_cases[] = {
	{"a\r\nb\r\n.\r\n", "a\nb\n", 1, 0},
	{".\r\n", "", 1, 0},
	{"..\r\n.\r\n", ".\n", 1, 0},
	{"...x\r\n.\r\n", "..x\n", 1, 0},
	{"..\r\n..\r\n.\r\n", ".\n.\n", 1, 0},
	{"a\r\n.\r\n+OK next", "a\n", 1, 8},
	{"bare\rcr\r\n.\r\n", "bare\rcr\n", 1, 0},
	{"lf only\n.\n", "lf only\n", 1, 0},
	{"x\r\n.y\r\n.\r\n", "x\n.y\n", 1, 0},
	{".\rz\r\n.\r\n", ".\rz\n", 1, 0},
	{"a\r\n\r\n.\r\n", "a\n\n", 1, 0},
	{"no terminator\r\n", "no terminator\n", 0, 0},
	{"no end.\r\n", "no end.\n", 0, 0},
	{"a\r\n. \r\n.\r\n", "a\n. \n", 1, 0},
	{"cr\r\r\n.\r\n", "cr\r\n", 1, 0},
};

static void
test_body(void **state)
{
	struct pop3_body b;
	char	out[4096];
	size_t	outlen, consumed, i, step;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(body_cases); i++) {
		const struct body_case *c = &body_cases[i];
		size_t	len = strlen(c->in);

		/* Every chunking must give the same result. */
		for (step = 1; step <= len; step++) {
			int	done = decode(c->in, len, step, out, &outlen,
			    &b, &consumed);

			assert_int_equal(done, c->done);
			assert_int_equal(outlen, strlen(c->out));
			assert_memory_equal(out, c->out, outlen);
			if (done)
				assert_int_equal(len - consumed, c->trailing);
		}
	}
}

static void
test_body_octets(void **state)
{
	struct pop3_body b;
	char	out[256];
	size_t	outlen, consumed;
	/* "..x" counts as ".x" (3 octets) + CRLF; "y" + CRLF */
	const char *in = "..x\r\ny\r\n.\r\n";

	(void)state;
	assert_int_equal(decode(in, strlen(in), 4, out, &outlen, &b,
	    &consumed), 1);
	assert_int_equal(b.octets, 4 + 3);
	assert_int_equal(b.lines, 2);
}

static void
test_body_nul_and_long(void **state)
{
	struct pop3_body b;
	size_t	len = 1024 * 1024 + 16, outlen, used, total = 0;
	char   *in = malloc(len), *out = malloc(4096 + 2);
	size_t	i;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	/* A 1 MiB line with NUL bytes in it, then the terminator. */
	for (i = 0; i < len - 5; i++)
		in[i] = (char)(i % 7 == 0 ? 0 : 'a' + i % 26);
	memcpy(in + len - 5, "\r\n.\r\n", 5);
	pop3_body_init(&b);
	for (i = 0; i < len && !b.done; i += used) {
		size_t	n = len - i < 4096 ? len - i : 4096;

		used = pop3_body_feed(&b, in + i, n, out, &outlen);
		total += outlen;
	}
	assert_true(b.done);
	assert_int_equal(total, len - 5 + 1);
	assert_int_equal(b.lines, 1);
	free(in);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_login_delay),
		cmocka_unit_test(test_auth_class),
		cmocka_unit_test(test_offers),
		cmocka_unit_test(test_uidl),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_capa),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_octets),
		cmocka_unit_test(test_body_nul_and_long),
	};

	return (cmocka_run_group_tests_name("pop3", tests, NULL, NULL));
}
