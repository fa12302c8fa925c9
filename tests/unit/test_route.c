/*
 * test_route - the routing rules: To/Cc and the default rule, tables
 * (texthash, pcre on address and header text), Bcc from trusted envelope
 * headers, local_domains as a hard limit, recipient_maps, loops, fan-out,
 * hostile headers (comments and quoted strings that look like local
 * addresses, 10,000 addresses), table errors, placeholder matching.
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
#include "strbuf.h"
#include "table.h"
#include "addr.h"
#include "pfparams.h"
#include "route.h"

static char tmpdir[] = "/tmp/test_route.XXXXXX";
static struct table_list routing, recipients, broken;
static char *domains[] = {(char *)(uintptr_t)"example.test",
(char *)(uintptr_t)"second.test"};
static struct route_config cfg;

/* put - write a file in tmpdir; returns the path (static) */

static const char *
put(const char *name, const char *text)
{
	static char path[400];
	FILE   *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return (path);
}

/* run - route headers given as "Name: value" strings; returns a summary
 * "a@x,b@y" or "U:reason" */

static const char *env_header;	/* envelope_header for run() */
static int env_skip;

static const char *
run(int trust, const char *const *lines, size_t n)
{
	struct route_env env = {trust, env_header, env_skip};
	static char out[8192];
	struct route_header h[64];
	struct route_result r;
	struct strbuf *why = strbuf_alloc(4096);
	size_t	i;
	int	rc;

	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		const char *c = strchr(lines[i], ':');

		assert_non_null(c);
		h[i].name = strndup(lines[i], (size_t)(c - lines[i]));
		h[i].value = c + 1 + (c[1] == ' ');
		h[i].len = strlen(h[i].value);
	}
	route_result_init(&r);
	rc = route_message_env(&cfg, h, n, &env, &r, why);
	if (rc != PC_OK)
		snprintf(out, sizeof(out), "TEMP:%s", strbuf_str(why));
	else if (r.undeliverable)
		snprintf(out, sizeof(out), "U:%s", strbuf_str(r.reason));
	else {
		out[0] = 0;
		for (i = 0; i < r.n; i++) {
			size_t	l = strlen(out);

			snprintf(out + l, sizeof(out) - l, "%s%s", i ? "," : "",
			    r.v[i].addr);
		}
	}
	for (i = 0; i < n; i++)
		free((void *)(uintptr_t)h[i].name);
	route_result_free(&r);
	strbuf_free(why);
	return (out);
}

#define RUN(trust, ...) run((trust), (const char *const[]){__VA_ARGS__}, \
	sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void
test_default_rule(void **state)
{
	(void)state;
	assert_string_equal(RUN(0, "To: Kim <Kim@Example.Test>",
	    "Cc: pat@second.test, ext@outside.test, kim@example.test"),
	    "kim@example.test,pat@second.test");
	assert_string_equal(RUN(0, "To: a@example.test", "To: b@example.test",
	    "Resent-To: c@example.test", "Resent-Cc: d@example.test",
	    "Bcc: e@example.test", "From: f@example.test"),
	    "a@example.test,b@example.test,c@example.test,d@example.test");
	assert_string_equal(RUN(0, "To: ext@outside.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: undisclosed-recipients:;"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "Subject: nothing"),
	    "U:no routable recipient");
}

static void
test_hostile(void **state)
{
	(void)state;
	/* comments and quoted strings that look like local addresses */
	assert_string_equal(RUN(0, "To: (kim@example.test) x@outside.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: \"kim@example.test\"@evil.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: \"kim@example.test\" <x@evil.test>"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: =?utf-8?q?kim=40example=2Etest?= "
	    "<x@evil.test>"), "U:no routable recipient");
	assert_string_equal(RUN(0, "To: kim@example.test.evil.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: kim@example.test\r\n\t(folded), "
	    "pat@example.test"), "kim@example.test,pat@example.test");
}

static void
test_envelope_headers(void **state)
{
	(void)state;
	/* Bcc: only the ISP's envelope header knows the recipient */
	assert_string_equal(RUN(1, "Delivered-To: kim@example.test",
	    "To: list@outside.test"), "kim@example.test");
	assert_string_equal(RUN(0, "Delivered-To: kim@example.test",
	    "To: list@outside.test"), "U:no routable recipient");
	assert_string_equal(RUN(1, "X-Original-To: a@example.test",
	    "Envelope-To: b@example.test", "X-Envelope-To: <c@example.test>"),
	    "a@example.test,b@example.test,c@example.test");
}

/*
 * Envelope headers count only in the ISP's block: below the fetcher's
 * Received: (or the top), above the next Received:.  envelope_header
 * names the only one to trust, envelope_header_skip skips occurrences.
 */
static void
test_envelope_block(void **state)
{
	(void)state;
	/* issue 18, row 3: the sender's X-Original-To lower down */
	assert_string_equal(RUN(1, "Received: by pf (Postfix)",
	    "Received: from isp by mx (popconn-fetcher) with POP3S",
	    "Delivered-To: chris@example.test",
	    "Received: from a by isp", "X-Original-To: kim@example.test",
	    "To: list@outside.test"), "chris@example.test");
	/* no fetcher Received (a message as the ISP stored it) */
	assert_string_equal(RUN(1, "Delivered-To: chris@example.test",
	    "Received: from a by isp", "Delivered-To: kim@example.test"),
	    "chris@example.test");
	/* a forged fetcher Received lower down does not move the block */
	assert_string_equal(RUN(1,
	    "Received: from isp by mx (popconn-fetcher) with POP3S",
	    "Received: from a by isp", "Received: x (popconn-fetcher)",
	    "Delivered-To: kim@example.test", "To: chris@example.test"),
	    "chris@example.test");
	/* To/Cc count anywhere */
	assert_string_equal(RUN(1, "Received: from a by isp",
	    "To: pat@example.test"), "pat@example.test");
	/* a named header, skipping the first (the catch-all's own) */
	env_header = "X-Envelope-To";
	env_skip = 1;
	assert_string_equal(RUN(1, "X-Envelope-To: all@example.test",
	    "X-Envelope-To: dave@example.test",
	    "Delivered-To: kim@example.test", "To: list@outside.test"),
	    "dave@example.test");
	assert_string_equal(RUN(0, "X-Envelope-To: all@example.test",
	    "X-Envelope-To: dave@example.test"), "U:no routable recipient");
	env_header = NULL;
	env_skip = 0;
}

static void
test_tables(void **state)
{
	(void)state;
	/* texthash rule; several recipients; unqualified gets domain 1 */
	assert_string_equal(RUN(0, "To: List <dev@lists.example>"),
	    "chris@example.test");
	assert_string_equal(RUN(0, "To: team@lists.example"),
	    "kim@example.test,pat@second.test");
	/* outside local_domains: refused, never relayed */
	assert_string_equal(RUN(0, "To: evil@lists.example"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: mixed@lists.example"),
	    "lee@example.test");
	/* pcre on the address, with $1; a substitution cannot escape */
	assert_string_equal(RUN(0, "To: ann@pcre.example"),
	    "ann@example.test");
	assert_string_equal(RUN(0, "To: \"a@b.c\"@pcre.example"),
	    "U:no routable recipient");
	/* pcre on the header text */
	assert_string_equal(RUN(0, "Cc: Trey Research Announcements "
	    "<news@treyresearch.net>"), "chris@example.test");
	/* the table wins over the default rule */
	assert_string_equal(RUN(0, "To: alias@example.test"),
	    "pat@example.test");
}

static void
test_recipient_maps(void **state)
{
	(void)state;
	cfg.recipients = &recipients;
	assert_string_equal(RUN(0, "To: kim@example.test, nobody@example.test, "
	    "ghost@example.test"), "kim@example.test,postmaster@example.test");
	assert_string_equal(RUN(0, "To: nobody@example.test"),
	    "postmaster@example.test");
	cfg.recipients = NULL;
}

static void
test_loops(void **state)
{
	const char *recv[64];
	size_t	i;

	(void)state;
	assert_string_equal(RUN(0, ROUTE_TRACE_HEADER ": by mx.example.test; "
	    "mailbox=x;", "To: kim@example.test"), "U:mail loop: already "
	    "routed by mx.example.test (X-Popconn-Routed header)");
	assert_string_equal(RUN(0, ROUTE_TRACE_HEADER ": by other.site; "
	    "mailbox=x;", "To: kim@example.test"), "kim@example.test");
	for (i = 0; i < 51; i++)
		recv[i] = "Received: from x by y";
	recv[51] = "To: kim@example.test";
	assert_string_equal(run(0, recv + 1, 51), "kim@example.test");
	assert_string_equal(run(0, recv, 52),
	    "U:mail loop: 51 Received: headers (limit 50)");
}

static void
test_fanout(void **state)
{
	struct strbuf *b = strbuf_alloc(ADDR_TEXT_MAX);
	const char *l[1];
	int	i;

	(void)state;
	strbuf_puts(b, "To: ");
	for (i = 0; i < 101; i++)
		strbuf_appendf(b, "%su%d@example.test", i ? "," : "", i);
	l[0] = strbuf_str(b);
	assert_string_equal(run(0, l, 1), "U:more than 100 recipients");
	/* 10,000 addresses outside: nothing routable, quickly */
	strbuf_reset(b);
	strbuf_puts(b, "To: ");
	for (i = 0; i < 10000; i++)
		strbuf_appendf(b, "%su%d@outside.test", i ? "," : "", i);
	l[0] = strbuf_str(b);
	assert_string_equal(run(0, l, 1), "U:no routable recipient");
	strbuf_puts(b, ", one@outside.test");
	l[0] = strbuf_str(b);
	assert_string_equal(run(0, l, 1), "U:To: more than 10000 addresses "
	    "in the message");
	/* split over two headers, local ones first: still the mailbox alone */
	{
		const char *two[2] = {"To: kim@example.test", strbuf_str(b)};

		assert_string_equal(run(0, two, 2), "U:To: more than 10000 "
		    "addresses in the message");
	}
	strbuf_free(b);
}

/* the trace header stays small at the documented maximum (issue 19) */
static void
test_trace_bound(void **state)
{
	struct strbuf *b = strbuf_alloc(ADDR_TEXT_MAX);
	struct strbuf *why = strbuf_alloc(256), *out = strbuf_alloc(65536);
	struct route_header h;
	struct route_result r;
	int	i;

	(void)state;
	strbuf_puts(b, "");
	for (i = 0; i < 10000; i++)
		strbuf_appendf(b, "%su%05d@example.test", i ? "," : "", i);
	h.name = "To";
	h.value = strbuf_str(b);
	h.len = strbuf_len(b);
	cfg.max_recipients = 10000;
	route_result_init(&r);
	assert_int_equal(route_message(&cfg, &h, 1, 0, &r, why), PC_OK);
	assert_int_equal(r.n, 10000);
	assert_int_equal(route_trace(&cfg, "catchall", &r, out), 0);
	assert_true(strbuf_len(out) <= ROUTE_TRACE_MAX);
	assert_non_null(strstr(strbuf_str(out), "more recipients; the full "
	    "list is in the log)"));
	cfg.max_recipients = 100;
	route_result_free(&r);
	strbuf_free(b);
	strbuf_free(why);
	strbuf_free(out);
}

static void
test_table_error(void **state)
{
	const char *s;

	(void)state;
	cfg.routing = &broken;
	s = RUN(0, "To: kim@example.test");
	assert_true(strncmp(s, "TEMP:routing_maps: ", 19) == 0);
	cfg.routing = &routing;
	cfg.recipients = &broken;
	s = RUN(0, "To: kim@example.test");
	assert_true(strncmp(s, "TEMP:recipient_maps: ", 21) == 0);
	cfg.recipients = NULL;
}

static void
test_trace(void **state)
{
	struct route_header h = {"To", "kim@example.test, x@outside.test",
	32};
	struct route_result r;
	struct strbuf *why = strbuf_alloc(256), *out = strbuf_alloc(4096);

	(void)state;
	route_result_init(&r);
	assert_int_equal(route_message(&cfg, &h, 1, 0, &r, why), PC_OK);
	assert_int_equal(route_trace(&cfg, "catchall", &r, out), 0);
	assert_string_equal(strbuf_str(out), "by mx.example.test; "
	    "mailbox=catchall;\n\t<kim@example.test> (To: default rule);");
	if (strstr(strbuf_str(r.notes), "x@outside.test not local") == NULL)
		fail_msg("notes: %s", strbuf_str(r.notes));
	assert_non_null(strstr(strbuf_str(r.notes), "x@outside.test not "
	    "local"));
	route_result_free(&r);
	strbuf_free(why);
	strbuf_free(out);
}

static void
test_placeholder(void **state)
{
	(void)state;
	assert_true(route_placeholder_match("postmaster",
	    "<postmaster@popconn-test.localdomain>"));
	assert_true(route_placeholder_match("postmaster", "postmaster"));
	assert_true(route_placeholder_match("postmaster@example.test",
	    "<Postmaster@Example.Test>"));
	assert_false(route_placeholder_match("postmaster@example.test",
	    "<postmaster@other.test>"));
	assert_false(route_placeholder_match("postmaster",
	    "<postmasters@x.test>"));
	assert_false(route_placeholder_match("postmaster", "<kim@x.test>"));
	assert_false(route_placeholder_match("postmaster", "<>"));
	assert_false(route_placeholder_match("", "<x@y>"));
}


/* Invariant 4: nothing Postfix would send elsewhere (issue 14, defect 2) */
static void
test_no_relay(void **state)
{
	(void)state;
	assert_string_equal(RUN(0, "To: evil%outside.test@example.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: \"evil2@outside.test\"@example.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: outside.test!evil3@example.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: <@relay.test:evil4@example.test>"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: \"a b\"@example.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: \"|/bin/sh\"@example.test"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: /etc/passwd@example.test"),
	    "U:no routable recipient");
	/* the others still go */
	assert_string_equal(RUN(0, "To: evil%outside.test@example.test, "
	    "kim@example.test"), "kim@example.test");
	/* quoted but a dot-atom inside: the parser unquotes, it is plain */
	assert_string_equal(RUN(0, "To: \"kim\"@example.test"),
	    "kim@example.test");
	/* table results get the same check */
	assert_string_equal(RUN(0, "To: relay@lists.example"),
	    "U:no routable recipient");
	assert_string_equal(RUN(0, "To: quoted@lists.example"),
	    "U:no routable recipient");
}

/* recipient_delimiter: Postfix's, for table lookups (defect 4) */
static void
test_delimiter(void **state)
{
	(void)state;
	cfg.recipients = &recipients;
	cfg.delim = "+";
	assert_string_equal(RUN(0, "To: kim+tag@example.test"),
	    "kim+tag@example.test");
	cfg.delim = "";
	/* no delimiter: kim+tag is a user of its own, not in the map */
	assert_string_equal(RUN(0, "To: kim+tag@example.test"),
	    "postmaster@example.test");
	cfg.delim = "-+";
	assert_string_equal(RUN(0, "To: kim-tag@example.test"),
	    "kim-tag@example.test");
	cfg.delim = NULL;
	cfg.recipients = NULL;
}

/* headers cleanup cut: never a subset (defect 3) */
static void
test_cut(void **state)
{
	struct strbuf *b = strbuf_alloc(ADDR_TEXT_MAX);
	const char *l[1];
	int	i;

	(void)state;
	cfg.token_limit = 100;
	strbuf_puts(b, "To: ");
	for (i = 0; i < 19; i++)
		strbuf_appendf(b, "u%d@outside.test, ", i);
	strbuf_puts(b, "kim@example.test");
	l[0] = strbuf_str(b);
	/* 19 * 6 + 5 tokens: over the limit of 100 */
	assert_string_equal(run(0, l, 1), "U:To: header cut by Postfix at "
	    "header_address_token_limit (100 tokens)");
	cfg.token_limit = 200;
	assert_string_equal(run(0, l, 1), "kim@example.test");
	cfg.token_limit = 0;
	cfg.size_limit = 200;
	assert_string_equal(run(0, l, 1), "U:To: header cut by Postfix at "
	    "header_size_limit (200 bytes)");
	cfg.size_limit = 0;
	strbuf_free(b);
}

/* the tokens Postfix counts against header_address_token_limit */
static void
test_tok822_count(void **state)
{
	(void)state;
	assert_int_equal(addr_tok822_count("", 0, 0), 0);
	assert_int_equal(addr_tok822_count("a@b.c", 5, 0), 5);
	assert_int_equal(addr_tok822_count("Kim (x(y)z) <k@x>", 17, 0), 7);
	assert_int_equal(addr_tok822_count("\"a,b\"@[1.2.3.4]", 15, 0), 3);
	assert_int_equal(addr_tok822_count("a%b!c|d", 7, 0), 7);
	assert_int_equal(addr_tok822_count("a\\@b", 4, 0), 1);
	assert_int_equal(addr_tok822_count("a@b.c", 5, 3), 3);
	/* unclosed comment and quote swallow the rest: one token */
	assert_int_equal(addr_tok822_count("(abc", 4, 0), 1);
	assert_int_equal(addr_tok822_count("\"abc", 4, 0), 1);
	assert_int_equal(addr_tok822_count("x\\", 2, 0), 1);
}

/* cleanup_headers - run route_cleanup_headers() on text; "Name=value|" */

static const char *
cleanup(const struct pf_params *pf, const char *text)
{
	static const char *const keep[] = {"To", "Cc", "Delivered-To"};
	static char out[8192];
	struct route_header *h;
	struct strbuf *notes = strbuf_alloc(4096);
	size_t	n, i;

	assert_int_equal(route_cleanup_headers(pf, text, strlen(text), keep,
	    3, &h, &n, notes), PC_OK);
	out[0] = 0;
	for (i = 0; i < n; i++) {
		size_t	l = strlen(out);

		snprintf(out + l, sizeof(out) - l, "%s=%.*s|", h[i].name,
		    (int)h[i].len, h[i].value);
	}
	route_cleanup_free(h, n);
	strbuf_free(notes);
	return (out);
}

/* route test: what cleanup does before the milter sees the headers */
static void
test_cleanup_emulation(void **state)
{
	struct pf_params pf;
	struct strbuf *why = strbuf_alloc(256), *b;
	const char *conf = "myorigin = example.test\nmydomain = example.test\n"
	    "header_address_token_limit = 30\nheader_size_limit = 300\n";
	int	i;

	(void)state;
	memset(&pf, 0, sizeof(pf));
	assert_int_equal(pf_params_parse(conf, strlen(conf), &pf, why),
	    PC_OK);
	assert_string_equal(cleanup(&pf, "To: alice, dave\n\nbody\n"),
	    "To=alice@example.test, dave@example.test|");
	assert_string_equal(cleanup(&pf, "To : bob@example.test\n"),
	    "To=bob@example.test|");
	assert_string_equal(cleanup(&pf, "Cc: carol@example.test.\n"),
	    "Cc=carol@example.test|");
	assert_string_equal(cleanup(&pf, "To: Kim <kim>,\n\tLee (x) <lee>\n"),
	    "To=Kim <kim@example.test>, Lee (x) <lee@example.test>|");
	assert_string_equal(cleanup(&pf, "To: evil%outside.test\n"),
	    "To=evil@outside.test|");
	assert_string_equal(cleanup(&pf, "To: outside.test!evil\n"),
	    "To=evil@outside.test|");
	assert_string_equal(cleanup(&pf, "To: evil%x.test@example.test\n"),
	    "To=evil%x.test@example.test|");
	assert_string_equal(cleanup(&pf, "To: <@a.test:kim@example.test>\n"),
	    "To=<kim@example.test>|");
	assert_string_equal(cleanup(&pf, "To: team: a, b;\n"),
	    "To=team: a@example.test, b@example.test; |");
	/* Delivered-To is not rewritten; a bad line ends the header */
	assert_string_equal(cleanup(&pf, "Delivered-To: x\nnot a header\n"
	    "To: kim@example.test\n"), "Delivered-To=x|");
	/* the token limit: the list is cut, the milter's check sees it */
	b = strbuf_alloc(4096);
	strbuf_puts(b, "To: ");
	for (i = 0; i < 10; i++)
		strbuf_appendf(b, "u%d@example.test, ", i);
	strbuf_puts(b, "kim@example.test\n");
	assert_int_equal(strlen(cleanup(&pf, strbuf_str(b))) < 6 * 30, 1);
	/* the size limit: cut at 300 bytes */
	strbuf_reset(b);
	strbuf_puts(b, "Cc: ");
	for (i = 0; i < 100; i++)
		strbuf_puts(b, "x");
	strbuf_puts(b, "@example.test\n");
	for (i = 0; i < 30; i++)
		strbuf_puts(b, " (a long comment line here)\n");
	assert_true(strlen(cleanup(&pf, strbuf_str(b))) <= 300);
	/* Postfix's defaults when asked nothing; append_dot_mydomain */
	conf = "append_dot_mydomain = yes\nmydomain = corp.test\n";
	assert_int_equal(pf_params_parse(conf, strlen(conf), &pf, why),
	    PC_OK);
	assert_string_equal(cleanup(&pf, "To: kim@host\n"),
	    "To=kim@host.corp.test|");
	pf_params_free(&pf);
	strbuf_free(b);
	strbuf_free(why);
}

/* without recipient_maps: Postfix's own tables decide (delimiter unset) */
static void
test_pfcheck(void **state)
{
	struct pf_params pf;
	struct route_pfcheck pc;
	struct strbuf *why = strbuf_alloc(4096);
	char	conf[2048], a[400], v[400];
	static char *three[] = {(char *)(uintptr_t)"example.test",
	(char *)(uintptr_t)"second.test", (char *)(uintptr_t)"alias.test"};

	(void)state;
	memset(&pf, 0, sizeof(pf));
	snprintf(a, sizeof(a), "%s", put("aliases",
	    "sales alice, bob\nalice /tmp/alice/\n"));
	snprintf(v, sizeof(v), "%s", put("vmailbox", "pat@second.test pat/\n"));
	snprintf(conf, sizeof(conf), "mydestination = example.test\n"
	    "virtual_mailbox_domains = second.test\n"
	    "virtual_alias_domains = alias.test\n"
	    "local_recipient_maps = proxy:unix:passwd.byname texthash:%s\n"
	    "virtual_mailbox_maps = texthash:%s\n"
	    "virtual_alias_maps = texthash:%s\n", a, v, put("valias",
	    "info@alias.test pat@second.test\n"));
	cfg.domains = three;
	cfg.ndomains = 3;
	assert_int_equal(pf_params_parse(conf, strlen(conf), &pf, why),
	    PC_OK);
	assert_int_equal(route_pfcheck_open(&pf, NULL, &pc, why), PC_OK);
	cfg.pfcheck = &pc;
	cfg.delim = "";
	assert_string_equal(RUN(0, "To: alice@example.test, sales@example.test,"
	    " root@example.test, pat@second.test, info@alias.test"),
	    "alice@example.test,sales@example.test,root@example.test,"
	    "pat@second.test,info@alias.test");
	/* unknown to Postfix: the undeliverable mailbox, not a bounce */
	assert_string_equal(RUN(0, "To: alice+tag@example.test"),
	    "postmaster@example.test");
	assert_string_equal(RUN(0, "To: nobody-here@example.test, "
	    "kim@second.test, x@alias.test"), "postmaster@example.test");
	cfg.delim = "+";
	assert_string_equal(RUN(0, "To: alice+tag@example.test, "
	    "pat+x@second.test"), "alice+tag@example.test,pat+x@second.test");
	cfg.delim = NULL;
	cfg.pfcheck = NULL;
	cfg.domains = domains;
	cfg.ndomains = 2;
	route_pfcheck_free(&pc);
	/* a table it cannot read: the check is off, said once */
	pf_params_free(&pf);
	memset(&pf, 0, sizeof(pf));
	snprintf(conf, sizeof(conf), "virtual_mailbox_maps = ldap:/x.cf\n");
	assert_int_equal(pf_params_parse(conf, strlen(conf), &pf, why),
	    PC_OK);
	assert_int_not_equal(route_pfcheck_open(&pf, NULL, &pc, why), PC_OK);
	assert_int_equal(pc.on, 0);
	assert_non_null(strstr(strbuf_str(why), "set recipient_maps"));
	route_pfcheck_free(&pc);
	pf_params_free(&pf);
	strbuf_free(why);
}

/* postconf -x output: hostile and plain */
static void
test_pf_params(void **state)
{
	struct pf_params pf;
	struct strbuf *why = strbuf_alloc(256);
	const char *ok = "mydestination = $myhostname, localhost.x, "
	    "hash:/etc/postfix/d\nvirtual_mailbox_domains = v.test\n"
	    "virtual_alias_domains =\nrecipient_delimiter = +-\n"
	    "unknown_name = 1\nswap_bangpath = no\n";

	(void)state;
	memset(&pf, 0, sizeof(pf));
	assert_int_equal(pf_params_parse(ok, strlen(ok), &pf, why), PC_OK);
	assert_string_equal(pf.local_domains,
	    "$myhostname, localhost.x, v.test");
	assert_string_equal(pf.skipped, "hash:/etc/postfix/d");
	assert_string_equal(pf.recipient_delimiter, "+-");
	assert_int_equal(pf.swap_bangpath, 0);
	assert_int_equal(pf.header_address_token_limit, 10240);
	assert_int_equal(pf_params_parse("x\n", 2, &pf, why), PC_PERM);
	assert_int_equal(pf_params_parse("swap_bangpath = maybe\n", 22, &pf,
	    why), PC_PERM);
	assert_int_equal(pf_params_parse("header_size_limit = -5\n", 23,
	    &pf, why), PC_PERM);
	assert_int_equal(pf_params_parse("header_size_limit = 99999999999\n",
	    32, &pf, why), PC_PERM);
	pf_params_free(&pf);
	strbuf_free(why);
}

static int
setup(void **state)
{
	struct strbuf *why = strbuf_alloc(4096);
	char	specs[1024];

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(specs, sizeof(specs), "texthash:%s", put("routing",
	    "dev@lists.example chris\n"
	    "team@lists.example kim@example.test, pat@second.test\n"
	    "evil@lists.example someone@outside.test\n"
	    "mixed@lists.example x@outside.test lee\n"
	    "alias@example.test pat\n"
	    "relay@lists.example evil%outside.test@example.test\n"
	    "quoted@lists.example \"a@b\"@example.test\n"));
	snprintf(specs + strlen(specs), sizeof(specs) - strlen(specs),
	    ", pcre:%s", put("routing.pcre",
	    "/^(.*)@pcre\\.example$/ $1\n"
	    "/Trey Research/ chris\n"));
	if (table_list_open(specs, NULL, &routing, why) != PC_OK)
		return (-1);
	snprintf(specs, sizeof(specs), "texthash:%s", put("recipients",
	    "kim@example.test ok\n@second.test ok\n"
	    "postmaster@example.test ok\n"));
	if (table_list_open(specs, NULL, &recipients, why) != PC_OK)
		return (-1);
	(void)table_list_open("texthash:/nonexistent/table", NULL, &broken,
	    why);
	cfg.domains = domains;
	cfg.ndomains = 2;
	cfg.undeliverable = "postmaster@example.test";
	cfg.routing = &routing;
	cfg.recipients = NULL;
	cfg.max_recipients = 100;
	cfg.hop_limit = ROUTE_HOP_LIMIT;
	cfg.site = "mx.example.test";
	strbuf_free(why);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[256];

	(void)state;
	table_list_free(&routing);
	table_list_free(&recipients);
	table_list_free(&broken);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rule),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_envelope_headers),
		cmocka_unit_test(test_envelope_block),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_recipient_maps),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_table_error),
		cmocka_unit_test(test_trace_bound),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_placeholder),
		cmocka_unit_test(test_no_relay),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_tok822_count),
		cmocka_unit_test(test_cleanup_emulation),
		cmocka_unit_test(test_pf_params),
		cmocka_unit_test(test_pfcheck),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
