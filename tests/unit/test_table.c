/*
 * test_table - texthash:, pcre: and indexed (postmap -s) tables: syntax,
 * errors naming file and line, the surrogate, Postfix's address lookup
 * order, $n substitution, hostile keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "strbuf.h"
#include "table.h"

static char tmpdir[] = "/tmp/test_table.XXXXXX";

/* put - write a file in tmpdir, return its "type:path" spec */

static const char *
put(const char *type, const char *name, const char *text, size_t len)
{
	static char spec[512];
	char	path[400];
	FILE   *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	snprintf(spec, sizeof(spec), "%s:%s", type, path);
	return (spec);
}

/* open_ok - open a table that must load */

static struct table *
open_ok(const char *spec)
{
	struct strbuf *why = strbuf_alloc(4096);
	struct table *t;

	if (table_open(spec, NULL, &t, why) != PC_OK)
		fail_msg("%s: %s", spec, strbuf_str(why));
	strbuf_free(why);
	return (t);
}

/* open_bad - a table that must fail with a message containing want */

static void
open_bad(const char *spec, const char *want)
{
	struct strbuf *why = strbuf_alloc(4096);
	struct table_hit *h = table_hit_alloc();
	struct table *t = NULL;
	int	err;

	assert_int_not_equal(table_open(spec, NULL, &t, why), PC_OK);
	if (strstr(strbuf_str(why), want) == NULL)
		fail_msg("%s: [%s] lacks [%s]", spec, strbuf_str(why), want);
	/* the surrogate fails every lookup */
	assert_non_null(t);
	assert_null(table_get(t, "anything", h, &err));
	assert_int_equal(err, PC_TEMP);
	assert_non_null(strstr(strbuf_str(h->why), want));
	table_free(t);
	table_hit_free(h);
	strbuf_free(why);
}

/* get - look up key, return "value|where" or "-" */

static const char *
get(const struct table *t, const char *key, int addr, int local)
{
	static char out[1024];
	struct table_hit *h = table_hit_alloc();
	const char *v;
	int	err;

	v = addr ? table_get_addr(t, key, local, "+", h, &err) :
	    table_get(t, key, h, &err);
	assert_int_equal(err, PC_OK);
	if (v == NULL)
		snprintf(out, sizeof(out), "-");
	else
		snprintf(out, sizeof(out), "%s|%s", v, strbuf_str(h->where));
	table_hit_free(h);
	return (out);
}

static void
test_texthash(void **state)
{
	const char txt[] = "# routing\n"
	    "List@Lists.Example   chris\n"
	    "\n"
	    "  # indented comment\n"
	    "multi@lists.example  kim,\n"
	    "    pat\n"
	    "dup@x.test first\n"
	    "dup@x.test second\r\n"
	    "last@x.test  no-newline";
	const char *spec = put("texthash", "routing", txt, sizeof(txt) - 1);
	struct table *t = open_ok(spec);
	char	want[512];

	(void)state;
	snprintf(want, sizeof(want), "chris|%s:2", spec);
	assert_string_equal(get(t, "list@lists.example", 0, 0), want);
	assert_string_equal(get(t, "LIST@LISTS.EXAMPLE", 0, 0), want);
	snprintf(want, sizeof(want), "kim, pat|%s:5", spec);
	assert_string_equal(get(t, "multi@lists.example", 0, 0), want);
	snprintf(want, sizeof(want), "first|%s:7", spec);
	assert_string_equal(get(t, "dup@x.test", 0, 0), want);
	snprintf(want, sizeof(want), "no-newline|%s:9", spec);
	assert_string_equal(get(t, "last@x.test", 0, 0), want);
	assert_string_equal(get(t, "nobody@x.test", 0, 0), "-");
	assert_false(table_is_regex(t));
	assert_string_equal(table_name(t), spec);
	table_free(t);
}

static void
test_texthash_errors(void **state)
{
	static const char nul[] = "a b\nc\0d e\n";

	(void)state;
	open_bad(put("texthash", "e1", "a b\nkeyonly\n", 12), "e1, line 2: "
	    "expected format");
	open_bad(put("texthash", "e2", "  lead x\n", 9), "e2, line 1: "
	    "continuation");
	open_bad(put("texthash", "e3", nul, sizeof(nul) - 1), "e3, line 2: "
	    "NUL");
	open_bad("texthash:/nonexistent/routing", "/nonexistent/routing");
	open_bad("nosuchtype:/etc/passwd", "unsupported table type");
	open_bad("nocolon", "expected type:name");
	open_bad("texthash:", "expected type:name");
}

/* val - just the value part of get() */

static const char *
val(const struct table *t, const char *addr, int local)
{
	static char out[256];
	const char *g = get(t, addr, 1, local);

	snprintf(out, sizeof(out), "%.*s", (int)strcspn(g, "|"), g);
	return (out);
}

static void
test_addr_order(void **state)
{
	const char txt[] = "kim+x@example.test A\n"
	    "kim@example.test B\n"
	    "pat+y C\n"
	    "pat D\n"
	    "@example.test E\n"
	    "@outside.test F\n"
	    "lee G\n";
	struct table *t = open_ok(put("texthash", "order", txt,
	    sizeof(txt) - 1));

	(void)state;
	assert_string_equal(val(t, "kim+x@example.test", 1), "A");
	assert_string_equal(val(t, "kim+z@example.test", 1), "B");
	assert_string_equal(val(t, "Kim@Example.Test", 1), "B");
	assert_string_equal(val(t, "pat+y@example.test", 1), "C");
	assert_string_equal(val(t, "pat+q@example.test", 1), "D");
	assert_string_equal(val(t, "pat@example.test", 1), "D");
	/* user-only keys only for local domains */
	assert_string_equal(val(t, "pat@outside.test", 0), "F");
	assert_string_equal(val(t, "lee@outside.test", 0), "F");
	assert_string_equal(val(t, "lee@third.test", 0), "-");
	assert_string_equal(val(t, "lee@example.test", 1), "G");
	assert_string_equal(val(t, "zed@example.test", 1), "E");
	assert_string_equal(val(t, "+x@third.test", 0), "-");
	assert_string_equal(val(t, "lee", 1), "G");
	table_free(t);
}

static void
test_pcre(void **state)
{
	const char txt[] = "# comment\n"
	    "/^(.*)@lists\\.example$/   $1-list@example.test\n"
	    "/^CASE@x\\.test$/i   sensitive\n"
	    "/^case@x\\.test$/   insensitive\n"
	    "#/treyresearch/ chris\n"
	    "/treyresearch/\n"
	    "  chris\n"
	    "/^(a)(b)?c$/ [${1},$2,$$]\n"
	    "|pi/pe| p\n"
	    "/(x+x+)+y/ never\n"
	    "!/@/   no-at\n";
	const char *spec = put("pcre", "routing.pcre", txt, sizeof(txt) - 1);
	struct table *t = open_ok(spec);
	struct strbuf *k = strbuf_alloc(100000);
	char	want[512];
	int	i;

	(void)state;
	assert_true(table_is_regex(t));
	snprintf(want, sizeof(want), "dev-list@example.test|%s:2", spec);
	assert_string_equal(get(t, "dev@lists.example", 0, 0), want);
	/* regex tables see the full address only */
	assert_string_equal(get(t, "dev@Lists.Example", 1, 1), want);
	assert_string_equal(val(t, "CASE@x.test", 0), "sensitive");
	assert_string_equal(val(t, "Case@x.test", 0), "insensitive");
	assert_string_equal(val(t, "nobody", 0), "no-at");
	snprintf(want, sizeof(want), "chris|%s:6", spec);
	assert_string_equal(get(t, "List <l@treyresearch.net>", 0, 0), want);
	assert_string_equal(val(t, "ac", 0), "[a,,$]");
	assert_string_equal(val(t, "abc", 0), "[a,b,$]");
	assert_string_equal(val(t, "a pi/pe!", 0), "p");
	/* catastrophic backtracking hits the match limit: no match */
	for (i = 0; i < 5000; i++)
		strbuf_putc(k, 'x');
	strbuf_putc(k, '@');
	assert_string_equal(val(t, strbuf_str(k), 0), "-");
	assert_string_equal(val(t, "nobody@else.test", 0), "-");
	strbuf_free(k);
	table_free(t);
}

static void
test_pcre_errors(void **state)
{
	(void)state;
	open_bad(put("pcre", "p1", "/ok/ x\n/(unclosed/ y\n", 20),
	    "p1, line 2: regex error");
	open_bad(put("pcre", "p2", "/a/ $1\n", 7), "p2, line 1: bad or "
	    "out-of-range");
	open_bad(put("pcre", "p3", "/a/q x\n", 7), "p3, line 1: unknown flag");
	open_bad(put("pcre", "p4", "/abc x\n", 7), "p4, line 1: no closing");
	open_bad(put("pcre", "p5", "/abc/\n", 6), "p5, line 1: no result");
	open_bad(put("pcre", "p6", "if /a/\n/b/ c\nendif\n", 19),
	    "p6, line 1: if/endif");
	open_bad(put("pcre", "p7", "abc x\n", 6), "p7, line 1: expected");
}

static void
test_postmap(void **state)
{
	char	cmd[1024], conf[400], want[512];
	const char *spec;
	struct table *t;
	struct strbuf *why = strbuf_alloc(4096);

	(void)state;
	if (access(TABLE_POSTMAP_PATH, X_OK) != 0)
		skip();
	snprintf(conf, sizeof(conf), "%s/pfconf", tmpdir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && : >%s/main.cf", conf,
	    conf);
	assert_int_equal(system(cmd), 0);
	spec = put("hash", "indexed", "list@lists.example chris\n"
	    "@example.test catch\n", 45);
	snprintf(cmd, sizeof(cmd), "%s -c %s %s", TABLE_POSTMAP_PATH, conf,
	    spec);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(table_open(spec, conf, &t, why), PC_OK);
	snprintf(want, sizeof(want), "chris|%s", spec);
	assert_string_equal(get(t, "LIST@lists.example", 0, 0), want);
	assert_string_equal(val(t, "x@example.test", 1), "catch");
	table_free(t);
	/* a missing .db: a surrogate */
	assert_int_not_equal(table_open("hash:/nonexistent/x", conf, &t, why),
	    PC_OK);
	assert_non_null(strstr(strbuf_str(why), "postmap"));
	table_free(t);
	strbuf_free(why);
}

static void
test_list(void **state)
{
	struct table_list l;
	struct strbuf *why = strbuf_alloc(4096);
	char	specs[1024], a[512];

	(void)state;
	snprintf(a, sizeof(a), "%s", put("texthash", "l1", "a@b x\n", 6));
	snprintf(specs, sizeof(specs), "%s, %s  texthash:/nonexistent/l3", a,
	    put("pcre", "l2", "/c/ y\n", 6));
	assert_int_not_equal(table_list_open(specs, NULL, &l, why), PC_OK);
	assert_int_equal(l.n, 3);
	assert_non_null(strstr(strbuf_str(why), "/nonexistent/l3"));
	assert_string_equal(val(l.v[0], "a@b", 0), "x");
	assert_string_equal(val(l.v[1], "c", 0), "y");
	table_list_free(&l);
	assert_int_equal(table_list_open("", NULL, &l, why), PC_OK);
	assert_int_equal(l.n, 0);
	table_list_free(&l);
	assert_int_equal(table_list_open(NULL, NULL, &l, why), PC_OK);
	table_list_free(&l);
	strbuf_free(why);
}

static int
setup(void **state)
{
	(void)state;
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* test_file - the file whose change changes a table */

static void
test_file(void **state)
{
	static const char *const cases[][2] = {
		{"texthash:/etc/popconn/routing", "/etc/popconn/routing"},
		{"pcre:/etc/popconn/routing.pcre", "/etc/popconn/routing.pcre"},
		{"hash:/etc/postfix/virtual", "/etc/postfix/virtual.db"},
		{"cdb:/etc/postfix/virtual", "/etc/postfix/virtual.cdb"},
		{"lmdb:/etc/postfix/virtual", "/etc/postfix/virtual.lmdb"},
	};
	struct strbuf *why = strbuf_alloc(4096);
	struct table *t;
	char	buf[64];
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		/* missing files: the surrogate keeps its name */
		(void)table_open(cases[i][0], NULL, &t, why);
		assert_int_equal(table_file(t, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i][1]);
		assert_int_equal(table_file(t, buf, 8), -1);	/* too long */
		t = table_free(t);
	}
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texthash),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_texthash_errors),
		cmocka_unit_test(test_addr_order),
		cmocka_unit_test(test_pcre),
		cmocka_unit_test(test_pcre_errors),
		cmocka_unit_test(test_postmap),
		cmocka_unit_test(test_list),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
