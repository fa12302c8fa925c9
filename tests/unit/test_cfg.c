/*
 * NAME
 *	test_cfg - unit tests for lib/cfg.c
 * DESCRIPTION
 *	popconn.cf syntax (comments, continuation, over-long and NUL
 *	lines), $name expansion (loops, depth, unknown names, '$' at the
 *	end), typed settings (ranges, overflow, suffixes), unknown keys,
 *	mailboxes.cf and the passwords file (mode 0600, no secret quoted).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc.h"
#include "cfg.h"
#include "log.h"
#include "safeio.h"

struct settings {
	char   *spool;
	char   *queue;
	char   *greeting;
	long long workers;
	long long timeout;
	long long maxsize;
	int     tls;
	long long neg;
};

static const struct cfg_param tab[] = {
	{"spool_directory", CFG_STR, "/var/spool/popconn", 0, 0,
	offsetof(struct settings, spool), CFG_MAIN},
	{"queue_directory", CFG_STR, "$spool_directory/queue", 0, 0,
	offsetof(struct settings, queue), CFG_MAIN},
	{"greeting", CFG_STR, NULL, 0, 0,
	offsetof(struct settings, greeting), CFG_MAIN | CFG_MAILBOX},
	{"workers", CFG_INT, "4", 1, 100,
	offsetof(struct settings, workers), CFG_MAIN},
	{"timeout", CFG_TIME, "5m", 1, 3600,
	offsetof(struct settings, timeout), CFG_MAIN | CFG_MAILBOX},
	{"max_size", CFG_SIZE, "10m", 0, 1LL << 40,
	offsetof(struct settings, maxsize), CFG_MAIN | CFG_MAILBOX},
	{"use_tls", CFG_BOOL, "yes", 0, 0,
	offsetof(struct settings, tls), CFG_MAILBOX},
	{"offset", CFG_INT, "-5", 0, 0,
	offsetof(struct settings, neg), CFG_MAIN},
	{NULL, CFG_STR, NULL, 0, 0, 0, 0},
};

static struct strbuf *why;

/* setup - a reason buffer; quiet logging */

static int
setup(void **state)
{
	why = strbuf_alloc(2048);
	log_set_level(LOGL_NONE);
	return (0);
}

/* teardown - free it */

static int
teardown(void **state)
{
	why = strbuf_free(why);
	return (0);
}

/* parse - cfg_parse_main_buf on a C string */

static int
parse(const char *text, struct cfg_dict *d)
{
	strbuf_reset(why);
	return (cfg_parse_main_buf("t.cf", text, strlen(text), d, why));
}

/* value - a raw value, or NULL */

static const char *
value(const struct cfg_dict *d, const char *name)
{
	const struct cfg_entry *e = cfg_dict_find(d, name);

	return (e ? e->value : NULL);
}

/* test_main_syntax - comments, blanks, continuation, trimming */

static void
test_main_syntax(void **state)
{
	struct cfg_dict *d = cfg_dict_alloc();

	assert_int_equal(parse(
	    "# comment\n"
	    "\n"
	    "a = one\n"
	    "b=two  \r\n"
	    "c =   three\n"
	    "    four\n"
	    "  # comment inside continuation is skipped\n"
	    "\tfive   \n"
	    "   \n"
	    "d =\n"
	    "a = again\n"
	    "e = x # not a comment\n"
	    "f = last", d), PC_OK);
	assert_string_equal(value(d, "a"), "again");
	assert_int_equal(cfg_dict_find(d, "a")->line, 11);
	assert_string_equal(cfg_dict_find(d, "a")->file, "t.cf");
	assert_string_equal(value(d, "b"), "two");
	assert_string_equal(value(d, "c"), "three four five");
	assert_int_equal(cfg_dict_find(d, "c")->line, 5);
	assert_string_equal(value(d, "d"), "");
	assert_string_equal(value(d, "e"), "x # not a comment");
	assert_string_equal(value(d, "f"), "last");
	assert_null(value(d, "g"));
	assert_int_equal(d->n, 6);
	cfg_dict_free(d);
}

/* test_main_errors - hostile popconn.cf input */

static void
test_main_errors(void **state)
{
	static const struct {
		const char *text;
		size_t  len;		/* 0: strlen */
		const char *reason;
	} cases[] = {
		{"  a = 1\n", 0, "t.cf, line 1: continuation line"},
		{"a = 1\nnovalue\n", 0, "t.cf, line 2: missing '='"},
		{"a = 1\n= 2\n", 0, "t.cf, line 2: expected"},
		{"a b = 1\n", 0, "t.cf, line 1: missing '='"},
		{"a = 1\nb = x\0y\n", 12, "t.cf, line 2: NUL"},
		{"\0", 1, "t.cf, line 1: NUL"},
		{"a = 1\n\n  \n# x\n\tcont\nb$ = 2\n", 0,
		"t.cf, line 6: missing '='"},
	};
	struct cfg_dict *d;
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		d = cfg_dict_alloc();
		strbuf_reset(why);
		assert_int_equal(cfg_parse_main_buf("t.cf", cases[i].text,
		    cases[i].len ? cases[i].len : strlen(cases[i].text), d, why),
		    PC_PERM);
		if (strstr(strbuf_str(why), cases[i].reason) == NULL)
			fail_msg("case %zu: got \"%s\"", i, strbuf_str(why));
		cfg_dict_free(d);
	}
}

/* test_main_long - physical and logical lines over 64 KiB */

static void
test_main_long(void **state)
{
	size_t  n = PC_CFG_LINE_MAX + 100;
	char   *text = malloc(2 * n);
	struct cfg_dict *d = cfg_dict_alloc();
	size_t  i;
	size_t  pos;

	/* One physical line. */
	memcpy(text, "a = ", 4);
	memset(text + 4, 'x', n);
	assert_int_equal(cfg_parse_main_buf("t.cf", text, n + 4, d, why),
	    PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "line 1: line longer"));

	/* Many continuation lines adding up to more than 64 KiB. */
	pos = 0;
	memcpy(text, "a = x\n", 6);
	pos = 6;
	for (i = 0; pos + 100 < 2 * n - 16; i++) {
		memset(text + pos, ' ', 1);
		memset(text + pos + 1, 'y', 98);
		text[pos + 99] = '\n';
		pos += 100;
	}
	memcpy(text + pos, "b = 1\n", 6);
	pos += 6;
	assert_int_equal(cfg_parse_main_buf("t.cf", text, pos, d, why),
	    PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "line 1: logical line longer"));

	/* Just under the limit is fine. */
	memcpy(text, "a = ", 4);
	memset(text + 4, 'x', PC_CFG_LINE_MAX - 4);
	cfg_dict_free(d);
	d = cfg_dict_alloc();
	if (cfg_parse_main_buf("t.cf", text, PC_CFG_LINE_MAX, d, why) != PC_OK)
		fail_msg("%s", strbuf_str(why));
	assert_int_equal(strlen(value(d, "a")), PC_CFG_LINE_MAX - 4);
	cfg_dict_free(d);
	free(text);
}

/* expand - cfg_expand over one layer */

static int
expand(const struct cfg_dict *d, const char *in, struct strbuf *out)
{
	const struct cfg_dict *layers[] = {d};

	strbuf_reset(why);
	return (cfg_expand(tab, layers, 1, in, out, why));
}

/* add - append to an 8 KiB text, asserting that it fits */

static void
add(char *text, const char *s)
{
	assert_true(pc_strlcat(text, s, 8192) < 8192);
}

/* test_expand - good and bad $name references */

static void
test_expand(void **state)
{
	static const struct {
		const char *in;
		int     status;
		const char *out;	/* result or substring of why */
	} cases[] = {
		{"plain", PC_OK, "plain"},
		{"$a", PC_OK, "A"},
		{"${a}-$(a)-$a_x", PC_OK, "A-A-AX"},
		{"x$$y", PC_OK, "x$y"},
		{"$$$a", PC_OK, "$A"},
		{"$ref", PC_OK, "<A>"},
		{"$spool_directory", PC_OK, "/var/spool/popconn"},
		{"$queue_directory", PC_OK, "/var/spool/popconn/queue"},
		{"$greeting!", PC_OK, "!"},
		{"$deep0", PC_OK, "bottom"},
		{"$nosuch", PC_PERM, "undefined parameter $nosuch"},
		{"$bad", PC_PERM, "t.cf, line 5: bad: undefined parameter $zz"},
		{"$loop1", PC_PERM, "(a loop?)"},
		{"$self", PC_PERM, "(a loop?)"},
		{"$tooDeep0", PC_PERM, "(a loop?)"},
		{"end$", PC_PERM, "'$' must be followed"},
		{"$-x", PC_PERM, "'$' must be followed"},
		{"${a", PC_PERM, "missing '}'"},
		{"$(a", PC_PERM, "missing ')'"},
		{"${}", PC_PERM, "bad parameter name"},
		{"$dollarend", PC_PERM, "t.cf, line 11: dollarend: '$' must"},
		{"$fan6", PC_PERM, "expansions"},
	};
	struct cfg_dict *d = cfg_dict_alloc();
	struct strbuf *out = strbuf_alloc(PC_CFG_LINE_MAX);
	char    text[8192];
	char    line[128];
	size_t  i;
	int     n;

	text[0] = 0;
	/* Lines 1..11 are referred to by number above. */
	add(text, "a = A\n");				/* 1 */
	add(text, "a_x = AX\n");				/* 2 */
	add(text, "ref = <$a>\n");				/* 3 */
	add(text, "loop1 = $loop2\n");			/* 4 */
	add(text, "bad = x$zz\n");				/* 5 */
	add(text, "loop2 = $loop1\n");			/* 6 */
	add(text, "self = a$self\n");			/* 7 */
	add(text, "x1 = 1\n");				/* 8 */
	add(text, "x2 = 2\n");				/* 9 */
	add(text, "x3 = 3\n");				/* 10 */
	add(text, "dollarend = abc$\n");			/* 11 */
	for (i = 0; i < 19; i++) {
		assert_true(snprintf(line, sizeof(line), "deep%zu = $deep%zu\n",
		    i, i + 1) < (int) sizeof(line));
		add(text, line);
	}
	add(text, "deep19 = bottom\n");
	for (i = 0; i < 20; i++) {
		assert_true(snprintf(line, sizeof(line), "tooDeep%zu = $tooDeep%zu\n", i,
		    i + 1) < (int) sizeof(line));
		add(text, line);
	}
	add(text, "tooDeep20 = bottom\n");
	/* Exponential fan-out with empty leaves: bounded by a step count. */
	for (i = 0; i < 6; i++) {
		assert_true(snprintf(line, sizeof(line), "fan%zu = $fan%zu$fan%zu$fan%zu"
		    "$fan%zu$fan%zu$fan%zu$fan%zu$fan%zu\n", i + 1, i, i, i, i,
		    i, i, i, i) < (int) sizeof(line));
		add(text, line);
	}
	add(text, "fan0 =\n");
	assert_int_equal(parse(text, d), PC_OK);

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		n = expand(d, cases[i].in, out);
		if (n != cases[i].status)
			fail_msg("\"%s\": status %d: %s", cases[i].in, n,
			    strbuf_str(why));
		if (n == PC_OK)
			assert_string_equal(strbuf_str(out), cases[i].out);
		else if (strstr(strbuf_str(why), cases[i].out) == NULL)
			fail_msg("\"%s\": got \"%s\"", cases[i].in,
			    strbuf_str(why));
	}
	cfg_dict_free(d);
	strbuf_free(out);
}

/* test_expand_long - expansion beyond the output limit */

static void
test_expand_long(void **state)
{
	struct cfg_dict *d = cfg_dict_alloc();
	struct strbuf *out = strbuf_alloc(1000);
	char    big[600];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	cfg_dict_set(d, "big", big, "t.cf", 1);
	assert_int_equal(expand(d, "$big", out), PC_OK);
	assert_int_equal(expand(d, "$big$big", out), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "longer than 1000"));
	cfg_dict_free(d);
	strbuf_free(out);
}

/* test_apply - typed values, defaults, layers, no leak on reapply */

static void
test_apply(void **state)
{
	struct settings s;
	struct cfg_dict *main_d = cfg_dict_alloc();
	struct cfg_dict *mb_d = cfg_dict_alloc();
	const struct cfg_dict *layers[] = {main_d, mb_d};

	memset(&s, 0, sizeof(s));
	assert_int_equal(cfg_apply(tab, layers, 0, CFG_MAIN | CFG_MAILBOX, &s,
	    why), PC_OK);
	assert_string_equal(s.spool, "/var/spool/popconn");
	assert_string_equal(s.queue, "/var/spool/popconn/queue");
	assert_string_equal(s.greeting, "");
	assert_int_equal(s.workers, 4);
	assert_int_equal(s.timeout, 300);
	assert_int_equal(s.maxsize, 10 * 1024 * 1024);
	assert_int_equal(s.tls, 1);
	assert_int_equal(s.neg, -5);

	assert_int_equal(parse("spool_directory = /srv/spool\n"
	    "workers = 100\n"
	    "timeout = 1h\n"
	    "max_size = 2G\n", main_d), PC_OK);
	cfg_dict_set(mb_d, "timeout", "90s", "mailboxes.cf", 3);
	cfg_dict_set(mb_d, "use_tls", "off", "mailboxes.cf", 3);
	cfg_dict_set(mb_d, "greeting", "hi from $spool_directory", "mb.cf", 4);
	/* Applying again frees the old strings (ASan/valgrind check). */
	assert_int_equal(cfg_apply(tab, layers, 2, CFG_MAIN | CFG_MAILBOX, &s,
	    why), PC_OK);
	assert_string_equal(s.spool, "/srv/spool");
	assert_string_equal(s.queue, "/srv/spool/queue");
	assert_string_equal(s.greeting, "hi from /srv/spool");
	assert_int_equal(s.workers, 100);
	assert_int_equal(s.timeout, 90);
	assert_int_equal(s.maxsize, 2LL * 1024 * 1024 * 1024);
	assert_int_equal(s.tls, 0);

	/* Only the selected parameters are touched. */
	cfg_free_values(tab, CFG_MAIN | CFG_MAILBOX, &s);
	assert_null(s.spool);
	assert_null(s.greeting);
	s.tls = 7;
	assert_int_equal(cfg_apply(tab, layers, 1, CFG_MAIN, &s, why), PC_OK);
	assert_int_equal(s.tls, 7);
	assert_int_equal(s.timeout, 3600);
	cfg_free_values(tab, CFG_MAIN, &s);
	cfg_dict_free(main_d);
	cfg_dict_free(mb_d);
}

/* test_apply_errors - ranges, overflow, suffixes, booleans */

static void
test_apply_errors(void **state)
{
	static const struct {
		const char *name;
		const char *value;
		const char *reason;
	} cases[] = {
		{"workers", "0", "t.cf, line 7: workers = 0: out of range (1..100)"},
		{"workers", "101", "workers = 101: out of range (1..100)"},
		{"workers", "-1", "out of range (1..100)"},
		{"workers", "99999999999999999999",
		"workers = 99999999999999999999: out of range"},
		{"workers", "-99999999999999999999", "out of range"},
		{"workers", "9223372036854775808", "out of range"},
		{"workers", "12abc", "workers = 12abc: bad number"},
		{"workers", "", "bad number"},
		{"workers", "+", "bad number"},
		{"workers", "0x10", "bad number"},
		{"workers", "1 2", "bad number"},
		{"timeout", "2h", "timeout = 2h: out of range (1..3600)"},
		{"timeout", "10x", "bad time"},
		{"timeout", "10mm", "bad time"},
		{"timeout", "m", "bad time"},
		{"timeout", "-5", "bad time"},
		{"timeout", "9223372036854775807w", "out of range"},
		{"timeout", "99999999999999999999s", "out of range"},
		{"max_size", "2T", "bad size"},
		{"max_size", "1.5m", "bad size"},
		{"max_size", "9000000000000g", "out of range"},
		{"max_size", "1025g", "out of range"},
		{"use_tls", "maybe", "use_tls = maybe: bad boolean"},
		{"use_tls", "", "bad boolean"},
		{"spool_directory", "$nope", "t.cf, line 7: spool_directory: "
		"undefined parameter $nope"},
		{"timeout", "${workers}0000",
		"t.cf, line 7: timeout = 40000: out of range"},
		{"workers", "\x01", "workers = \\x01: bad number"},
	};
	struct settings s;
	struct cfg_dict *d;
	const struct cfg_dict *layers[1];
	char    text[256];
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		memset(&s, 0, sizeof(s));
		d = cfg_dict_alloc();
		layers[0] = d;
		assert_true(snprintf(text, sizeof(text), "#\n#\n#\n#\n#\n#\n%s = %s\n",
		    cases[i].name, cases[i].value) < (int) sizeof(text));
		if (parse(text, d) != PC_OK)
			fail_msg("%s", strbuf_str(why));
		strbuf_reset(why);
		if (cfg_apply(tab, layers, 1, CFG_MAIN | CFG_MAILBOX, &s, why)
		    != PC_PERM)
			fail_msg("%s = %s: accepted", cases[i].name,
			    cases[i].value);
		if (strstr(strbuf_str(why), cases[i].reason) == NULL)
			fail_msg("%s = %s: got \"%s\"", cases[i].name,
			    cases[i].value, strbuf_str(why));
		cfg_free_values(tab, CFG_MAIN | CFG_MAILBOX, &s);
		cfg_dict_free(d);
	}
}

/* test_bad_default - a broken table is reported as such */

static void
test_bad_default(void **state)
{
	static const struct cfg_param bad[] = {
		{"n", CFG_INT, "500", 1, 10, 0, CFG_MAIN},
		{NULL, CFG_STR, NULL, 0, 0, 0, 0},
	};
	static const struct cfg_param badref[] = {
		{"s", CFG_STR, "$missing", 0, 0, 0, CFG_MAIN},
		{NULL, CFG_STR, NULL, 0, 0, 0, 0},
	};
	long long n = 0;
	char   *s = NULL;

	assert_int_equal(cfg_apply(bad, NULL, 0, CFG_MAIN, &n, why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "default for n = 500"));
	assert_int_equal(cfg_apply(badref, NULL, 0, CFG_MAIN, &s, why),
	    PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "default for s: undefined"));
	cfg_free_values(badref, CFG_MAIN, &s);
}

/* test_parse_values - the scalar parsers directly */

static void
test_parse_values(void **state)
{
	static const struct {
		int     kind;		/* 0 time, 1 size */
		const char *in;
		int     ret;
		long long val;
	} cases[] = {
		{0, "0", 0, 0}, {0, "10", 0, 10}, {0, "10s", 0, 10},
		{0, "2m", 0, 120}, {0, "3h", 0, 10800}, {0, "1d", 0, 86400},
		{0, "2w", 0, 1209600}, {0, "1H", 0, 3600}, {0, "", -1, 0},
		{0, " 1", -1, 0}, {0, "1 ", -1, 0}, {0, "1y", -1, 0},
		{0, "99999999999999999999", -2, 0},
		{0, "15250284452486w", -2, 0},
		{1, "0", 0, 0}, {1, "1k", 0, 1024}, {1, "1K", 0, 1024},
		{1, "3m", 0, 3 << 20}, {1, "1g", 0, 1 << 30},
		{1, "8589934591g", 0, 8589934591LL << 30},
		{1, "8589934592g", -2, 0}, {1, "1kb", -1, 0},
		{1, "-1", -1, 0}, {1, "k", -1, 0},
	};
	long long v;
	size_t  i;
	int     b;
	int     ret;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		v = -42;
		ret = cases[i].kind ? cfg_parse_size(cases[i].in, &v)
		    : cfg_parse_time(cases[i].in, &v);
		if (ret != cases[i].ret)
			fail_msg("\"%s\": %d", cases[i].in, ret);
		if (ret == 0)
			assert_int_equal(v, cases[i].val);
	}
	assert_int_equal(cfg_parse_bool("YES", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(cfg_parse_bool("off", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(cfg_parse_bool("1", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(cfg_parse_bool("False", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(cfg_parse_bool("yess", &b), -1);
	assert_int_equal(cfg_parse_bool("", &b), -1);
}

/* test_check_known - unknown keys are named with file and line */

static void
test_check_known(void **state)
{
	static const struct cfg_param other[] = {
		{"extra", CFG_STR, NULL, 0, 0, 0, CFG_MAIN},
		{NULL, CFG_STR, NULL, 0, 0, 0, 0},
	};
	const struct cfg_param *const tabs[] = {tab, other};
	struct cfg_dict *d = cfg_dict_alloc();

	assert_int_equal(parse("workers = 2\nextra = 1\n", d), PC_OK);
	assert_int_equal(cfg_check_known(d, tabs, 2, CFG_MAIN, why), PC_OK);
	assert_int_equal(cfg_check_known(d, tabs, 1, CFG_MAIN, why), PC_PERM);
	assert_string_equal(strbuf_str(why),
	    "t.cf, line 2: unknown parameter extra");
	/* use_tls is a mailbox parameter, not a main one. */
	assert_int_equal(parse("use_tls = yes\n", d), PC_OK);
	assert_int_equal(cfg_check_known(d, tabs, 2, CFG_MAIN, why), PC_PERM);
	assert_string_equal(strbuf_str(why),
	    "t.cf, line 1: unknown parameter use_tls");
	assert_int_equal(cfg_check_known(d, tabs, 2, CFG_MAIN | CFG_MAILBOX,
	    why), PC_OK);
	cfg_dict_free(d);
}

/* mb_parse - cfg_parse_mailboxes_buf on a C string */

static int
mb_parse(const char *text, struct cfg_mailboxes *m)
{
	memset(m, 0, sizeof(*m));
	strbuf_reset(why);
	return (cfg_parse_mailboxes_buf("mb.cf", text, strlen(text), m, why));
}

/* test_mailboxes - good entries */

static void
test_mailboxes(void **state)
{
	struct cfg_mailboxes m;

	assert_int_equal(mb_parse(
	    "# name type url deliver-to\n"
	    "alice user pop3s://alice@pop.isp.net\n"
	    "bob   user pop3s://bob%40ex.com@pop.isp.net:995 bob@int.lan"
	    " -o timeout=30s\n"
	    "    -o use_tls=no\n"
	    "\n"
	    "  # comment\n"
	    "\t-o greeting=a=b -o max_size=\n"
	    "info global pop3://info@[::1]:1110/ -\n"
	    "carol\n"
	    "  user\n"
	    "  pop3s://c@h carol@x -o timeout=1m\n", &m), PC_OK);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.v[0].name, "alice");
	assert_string_equal(m.v[0].type, "user");
	assert_string_equal(m.v[0].url, "pop3s://alice@pop.isp.net");
	assert_null(m.v[0].deliver_to);
	assert_int_equal(m.v[0].line, 2);
	assert_int_equal(m.v[0].opts->n, 0);
	assert_string_equal(m.v[1].deliver_to, "bob@int.lan");
	assert_int_equal(m.v[1].opts->n, 4);
	assert_string_equal(cfg_dict_find(m.v[1].opts, "timeout")->value,
	    "30s");
	assert_int_equal(cfg_dict_find(m.v[1].opts, "timeout")->line, 3);
	assert_string_equal(cfg_dict_find(m.v[1].opts, "use_tls")->value, "no");
	assert_int_equal(cfg_dict_find(m.v[1].opts, "use_tls")->line, 4);
	assert_string_equal(cfg_dict_find(m.v[1].opts, "greeting")->value,
	    "a=b");
	assert_string_equal(cfg_dict_find(m.v[1].opts, "max_size")->value, "");
	assert_string_equal(m.v[2].type, "global");
	assert_null(m.v[2].deliver_to);
	assert_string_equal(m.v[3].name, "carol");
	assert_string_equal(m.v[3].deliver_to, "carol@x");
	assert_string_equal(m.v[3].file, "mb.cf");
	cfg_mailboxes_free(&m);
	assert_int_equal(m.n, 0);
	assert_null(m.v);
}

/* test_mailboxes_errors - hostile mailboxes.cf input */

static void
test_mailboxes_errors(void **state)
{
	static const struct {
		const char *text;
		const char *reason;
	} cases[] = {
		{"  -o a=b\n", "mb.cf, line 1: continuation"},
		{"a user\n", "mb.cf, line 1: a: missing url"},
		{"a\n", "mb.cf, line 1: a: missing type"},
		{"a imap pop3s://a@h\n", "line 1: a: type must be"},
		{"a user http://a@h\n", "line 1: a: bad URL: scheme"},
		{"a user pop3s://a:pw@h\n", "password in the URL"},
		{"a user pop3s://a@h\nb user pop3s://b@h\na user pop3s://c@h\n",
		"mb.cf, line 3: duplicate mailbox a (first defined at mb.cf, "
		"line 1)"},
		{"a/b user pop3s://a@h\n", "line 1: bad mailbox name"},
		{"a user pop3s://a@h -o\n", "line 1: a: -o needs name=value"},
		{"a user pop3s://a@h -o\n\n", "line 1: a: -o needs name=value"},
		{"a user pop3s://a@h -o\nb user pop3s://b@h\n",
		"line 1: a: -o needs name=value"},
		{"a user pop3s://a@h -o novalue\n", "-o needs name=value"},
		{"a user pop3s://a@h -o =v\n", "-o: bad parameter name"},
		{"a user pop3s://a@h -o a$=v\n", "-o: bad parameter name"},
		{"a user pop3s://a@h x y\n", "line 1: a: unexpected \"y\""},
		{"a user pop3s://a@h -x\n", "bad deliver-to"},
		{"a user pop3s://a@h -o a=b extra\n", "unexpected \"extra\""},
		{"a user pop3s://a@h\x01x\n", "bad URL"},
		{"a user pop3s://a@h x\x01\n", "control character in deliver-to"},
		{"a user pop3s://a@h x\n  y\n", "line 2: a: unexpected \"y\""},
	};
	struct cfg_mailboxes m;
	char    longname[256];
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		if (mb_parse(cases[i].text, &m) != PC_PERM)
			fail_msg("case %zu: accepted", i);
		if (strstr(strbuf_str(why), cases[i].reason) == NULL)
			fail_msg("case %zu: got \"%s\"", i, strbuf_str(why));
		cfg_mailboxes_free(&m);
	}
	/* NUL byte. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(cfg_parse_mailboxes_buf("mb.cf",
	    "a user pop3s://a@h\0\n", 20, &m, why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "line 1: NUL"));
	cfg_mailboxes_free(&m);
	/* Name length limit. */
	memset(longname, 'n', PC_NAME_MAX + 1);
	memcpy(longname + PC_NAME_MAX + 1, " user pop3s://a@h\n", 19);
	assert_int_equal(mb_parse(longname, &m), PC_PERM);
	cfg_mailboxes_free(&m);
	memmove(longname + PC_NAME_MAX, longname + PC_NAME_MAX + 1, 19);
	assert_int_equal(mb_parse(longname, &m), PC_OK);
	cfg_mailboxes_free(&m);
}

/*
 * test_dict_many - a dictionary past its hash index's threshold, and
 * duplicate mailboxes among thousands (issue 22: both were linear).
 */

static void
test_dict_many(void **state)
{
	struct cfg_dict *d = cfg_dict_alloc();
	struct cfg_mailboxes m;
	const struct cfg_entry *e;
	struct strbuf *t = strbuf_alloc(256 * 1024);
	char	name[32], val[32];
	size_t	i;

	for (i = 0; i < 5000; i++) {
		(void)snprintf(name, sizeof(name), "n%zu", i);
		(void)snprintf(val, sizeof(val), "v%zu", i);
		cfg_dict_set(d, name, val, "f", (int)i + 1);
		assert_int_equal(d->n, i + 1);
	}
	/* Replacing keeps one entry; the value and line are the new ones. */
	cfg_dict_set(d, "n17", "again", "g", 9);
	assert_int_equal(d->n, 5000);
	for (i = 0; i < 5000; i++) {
		(void)snprintf(name, sizeof(name), "n%zu", i);
		(void)snprintf(val, sizeof(val), "v%zu", i);
		assert_non_null(e = cfg_dict_find(d, name));
		assert_string_equal(e->name, name);
		if (i == 17) {
			assert_string_equal(e->value, "again");
			assert_int_equal(e->line, 9);
		} else
			assert_string_equal(e->value, val);
	}
	assert_null(cfg_dict_find(d, "n5000"));
	assert_null(cfg_dict_find(d, "N1"));
	assert_null(cfg_dict_find(d, ""));
	d = cfg_dict_free(d);

	/* A duplicate far down a long mailboxes.cf names the first line. */
	for (i = 0; i < 3000; i++)
		strbuf_appendf(t, "m%zu user pop3s://u@h\n", i);
	strbuf_appendf(t, "m1234 user pop3s://u@h\n");
	assert_int_equal(mb_parse(strbuf_str(t), &m), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "mb.cf, line 3001: duplicate "
	    "mailbox m1234 (first defined at mb.cf, line 1235)"));
	cfg_mailboxes_free(&m);
	/* One from an earlier file (the list is appended to) counts too. */
	assert_int_equal(mb_parse("x user pop3s://u@h\ny user pop3s://u@h\n",
	    &m), PC_OK);
	assert_int_equal(cfg_parse_mailboxes_buf("two.cf",
	    "z user pop3s://u@h\ny user pop3s://u@h\n", 38, &m, why),
	    PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "two.cf, line 2: duplicate "
	    "mailbox y (first defined at mb.cf, line 2)"));
	cfg_mailboxes_free(&m);
	strbuf_free(t);
}

/* pw_parse - cfg_parse_passwords_buf on a C string */

static int
pw_parse(const char *text, struct cfg_dict *d)
{
	strbuf_reset(why);
	return (cfg_parse_passwords_buf("pw", text, strlen(text), d, why));
}

/* test_passwords - parsing; secrets never in messages */

static void
test_passwords(void **state)
{
	static const struct {
		const char *text;
		const char *reason;
	} bad[] = {
		{"alice\n", "pw, line 1: no secret for alice"},
		{"alice   \r\n", "pw, line 1: no secret for alice"},
		{"a s3cr3t\nb x\na s3cr3t2\n", "pw, line 3: duplicate name a"},
		{"s3cr3t/x y\n", "pw, line 1: bad mailbox name"},
		{"ok s3cr3t\nbad\x01s3cr3t x\n", "pw, line 2: bad mailbox name"},
	};
	struct cfg_dict *d = cfg_dict_alloc();
	size_t  i;

	assert_int_equal(pw_parse("# comment\n"
	    "alice  pass with  spaces \r\n"
	    "\n"
	    "  bob\t#notacomment\n"
	    "carol x", d), PC_OK);
	assert_int_equal(d->n, 3);
	assert_string_equal(value(d, "alice"), "pass with  spaces ");
	assert_string_equal(value(d, "bob"), "#notacomment");
	assert_string_equal(value(d, "carol"), "x");
	cfg_dict_free(d);

	for (i = 0; i < PC_ARRAY_LEN(bad); i++) {
		d = cfg_dict_alloc();
		assert_int_equal(pw_parse(bad[i].text, d), PC_PERM);
		if (strstr(strbuf_str(why), bad[i].reason) == NULL)
			fail_msg("case %zu: got \"%s\"", i, strbuf_str(why));
		assert_null(strstr(strbuf_str(why), "s3cr3t"));
		cfg_dict_free(d);
	}
	d = cfg_dict_alloc();
	assert_int_equal(cfg_parse_passwords_buf("pw", "a s3c\0r3t\n", 10, d,
	    why), PC_PERM);
	assert_string_equal(strbuf_str(why), "pw, line 1: NUL character in line");
	cfg_dict_free(d);
}

/* test_files - reading files: mode 0600 for passwords */

static void
test_files(void **state)
{
	char    dir[] = "/tmp/test_cfg.XXXXXX";
	char    pw[128];
	char    cf[128];
	char    mb[128];
	char    link[128];
	struct cfg_dict *d = cfg_dict_alloc();
	struct cfg_mailboxes m;

	assert_non_null(mkdtemp(dir));
	assert_true(snprintf(pw, sizeof(pw), "%s/passwords", dir) < (int) sizeof(pw));
	assert_true(snprintf(cf, sizeof(cf), "%s/popconn.cf", dir) < (int) sizeof(cf));
	assert_true(snprintf(mb, sizeof(mb), "%s/mailboxes.cf", dir) < (int) sizeof(mb));
	assert_true(snprintf(link, sizeof(link), "%s/link", dir) < (int) sizeof(link));

	assert_int_equal(safeio_replace(pw, "alice s3cr3t\n", 13, 0644, why),
	    PC_OK);
	assert_int_equal(cfg_load_passwords(pw, d, why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "mode 0644"));
	assert_int_equal(d->n, 0);
	assert_int_equal(chmod(pw, 0600), 0);
	assert_int_equal(cfg_load_passwords(pw, d, why), PC_OK);
	assert_string_equal(value(d, "alice"), "s3cr3t");
	assert_int_equal(symlink(pw, link), 0);
	cfg_dict_free(d);
	d = cfg_dict_alloc();
	assert_int_equal(cfg_load_passwords(link, d, why), PC_PERM);
	assert_int_equal(cfg_parse_main(link, d, why), PC_PERM);

	assert_int_equal(safeio_replace(cf, "workers = 3\n", 12, 0644, why),
	    PC_OK);
	assert_int_equal(cfg_parse_main(cf, d, why), PC_OK);
	assert_string_equal(value(d, "workers"), "3");
	assert_string_equal(cfg_dict_find(d, "workers")->file, cf);

	assert_int_equal(safeio_replace(mb, "a user pop3s://a@h\n", 19, 0644,
	    why), PC_OK);
	memset(&m, 0, sizeof(m));
	assert_int_equal(cfg_parse_mailboxes(mb, &m, why), PC_OK);
	assert_int_equal(m.n, 1);
	cfg_mailboxes_free(&m);

	unlink(cf);
	assert_int_equal(cfg_parse_main(cf, d, why), PC_TEMP);
	assert_int_equal(cfg_parse_mailboxes(cf, &m, why), PC_TEMP);
	assert_int_equal(cfg_load_passwords(cf, d, why), PC_TEMP);
	cfg_mailboxes_free(&m);

	unlink(pw);
	unlink(mb);
	unlink(link);
	assert_int_equal(rmdir(dir), 0);
	cfg_dict_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_syntax),
		cmocka_unit_test(test_main_errors),
		cmocka_unit_test(test_main_long),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_long),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_errors),
		cmocka_unit_test(test_bad_default),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_check_known),
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_mailboxes_errors),
		cmocka_unit_test(test_dict_many),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_files),
	};

	return (cmocka_run_group_tests_name("cfg", tests, setup, teardown));
}
