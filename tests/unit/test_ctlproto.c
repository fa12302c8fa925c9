/*
 * NAME
 *	test_ctlproto - unit tests for lib/ctlproto.c
 * DESCRIPTION
 *	The encoder writes the bytes the control protocol has always had
 *	(golden lines for a service, a mailbox and each event, the keys in
 *	their order), makes hostile strings printable, and what it writes
 *	decodes back to the same fields.  The decoder refuses hostile data
 *	lines (not JSON, not an object, wrong types, duplicate keys, a NUL,
 *	bad UTF-8, an overflowing number, deep nesting, over the size
 *	limit, trailing bytes) with a reason, and reads a line from a newer
 *	daemon (unknown keys, nested values) with missing keys as "" or 0.
 *	Requests: the encoder writes the golden lines (mailbox names with
 *	spaces, quotes and UTF-8 as they are) and they decode back; the
 *	request decoder refuses the old word lines, an unknown request,
 *	keys the request does not take, wrong types, duplicate keys, a
 *	NUL, bad UTF-8, control characters, an empty or over-long name,
 *	too many names and an over-long line, each with its reason, and
 *	the encoder refuses what the decoder would.
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

#include "ctl_proto.h"
#include "popconn.h"
#include "strbuf.h"

/* test_golden - the encoder writes what the protocol always had */

static void
test_golden(void **state)
{
	struct strbuf *b = strbuf_alloc(8192);
	struct ctlproto_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = CTLPROTO_SERVICE;
	m.service = "running";
	m.pid = 42;
	m.mailboxes = 2;
	m.started = 1700000000;
	m.running = 1;
	m.shard = "1/2";
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_string_equal(strbuf_str(b), "{\"service\":\"running\","
	    "\"reason\":\"\",\"pid\":42,\"mailboxes\":2,\"started\":1700000000,"
	    "\"running\":1,\"shard\":\"1/2\"}\n");

	memset(&m, 0, sizeof(m));
	m.kind = CTLPROTO_MAILBOX;
	m.mailbox = "bob";
	m.type = "user";
	m.state = "idle";
	m.result = "ok";
	m.messages = 3;
	m.delivered = 3;
	m.bytes = 5000000000LL;
	m.last_error = "";
	m.mechanism = "scram-sha-256";
	m.next_poll = 99;
	m.last_queue_id = "4XyzAB1cDqz";
	strbuf_reset(b);
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_string_equal(strbuf_str(b), "{\"mailbox\":\"bob\","
	    "\"type\":\"user\",\"state\":\"idle\",\"last_poll\":0,"
	    "\"result\":\"ok\",\"messages\":3,\"delivered\":3,"
	    "\"bytes\":5000000000,\"failed\":0,\"last_error\":\"\","
	    "\"mechanism\":\"scram-sha-256\",\"mechanism_why\":\"\","
	    "\"next_poll\":99,\"failures\":0,\"today\":0,"
	    "\"last_queue_id\":\"4XyzAB1cDqz\"}\n");
	{
		/* and it reads back; an older daemon's line reads "" */
		struct ctlproto_msg d;
		struct strbuf *w = strbuf_alloc(256);

		assert_int_equal(ctlproto_decode(strbuf_str(b), strbuf_len(b) -
		    1, &d, w), PC_OK);
		assert_string_equal(d.last_queue_id, "4XyzAB1cDqz");
		ctlproto_free(&d);
		assert_int_equal(ctlproto_decode("{\"mailbox\":\"x\"}", 15,
		    &d, w), PC_OK);
		assert_string_equal(d.last_queue_id, "");
		ctlproto_free(&d);
		strbuf_free(w);
	}

	memset(&m, 0, sizeof(m));
	m.kind = CTLPROTO_EVENT;
	m.event = "start";
	m.mailbox = "bob";
	m.messages = 7;			/* not a key of "start" */
	strbuf_reset(b);
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_string_equal(strbuf_str(b),
	    "{\"event\":\"start\",\"mailbox\":\"bob\"}\n");
	m.event = "progress";
	m.done = 2;
	strbuf_reset(b);
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_string_equal(strbuf_str(b), "{\"event\":\"progress\","
	    "\"mailbox\":\"bob\",\"messages\":7,\"done\":2,\"bytes\":0,"
	    "\"delivered\":0,\"failed\":0}\n");
	m.event = "end";
	m.result = "failed";
	m.error = "login refused";
	strbuf_reset(b);
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_string_equal(strbuf_str(b), "{\"event\":\"end\","
	    "\"mailbox\":\"bob\",\"result\":\"failed\",\"messages\":7,"
	    "\"delivered\":0,\"deleted\":0,\"kept\":0,\"failed\":0,"
	    "\"bytes\":0,\"error\":\"login refused\"}\n");

	m.kind = 0;
	assert_int_equal(ctlproto_encode(b, &m), -1);
	strbuf_free(b);
}

/* test_hostile_strings - server text is made printable, and reads back */

static void
test_hostile_strings(void **state)
{
	struct strbuf *b = strbuf_alloc(CTLPROTO_DATA_MAX);
	struct strbuf *why = strbuf_alloc(512);
	struct ctlproto_msg m, d;
	char	big[5000];

	memset(&m, 0, sizeof(m));
	m.kind = CTLPROTO_MAILBOX;
	m.mailbox = "bob";
	m.last_error = "-ERR \"quoted\" \\ back\r\n\x01\xff\xc3\xa9 end";
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_non_null(strstr(strbuf_str(b), "\"last_error\":\"-ERR "
	    "\\\"quoted\\\" \\\\ back\\\\x0d\\\\x0a\\\\x01\\\\xff\\\\xc3"
	    "\\\\xa9 end\""));
	assert_null(strchr(strbuf_str(b), '\r'));
	assert_int_equal(strchr(strbuf_str(b), '\n') - strbuf_str(b),
	    (long)strbuf_len(b) - 1);
	assert_int_equal(ctlproto_decode(strbuf_str(b), strbuf_len(b), &d,
	    why), PC_OK);
	assert_int_equal(d.kind, CTLPROTO_MAILBOX);
	assert_string_equal(d.last_error, "-ERR \"quoted\" \\ back\\x0d\\x0a"
	    "\\x01\\xff\\xc3\\xa9 end");
	assert_string_equal(d.type, "");	/* NULL is written as "" */
	ctlproto_free(&d);
	assert_null(d.doc);

	/* A long string is cut, marked, and the line still decodes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	m.last_error = big;
	strbuf_reset(b);
	assert_int_equal(ctlproto_encode(b, &m), 0);
	assert_int_equal(ctlproto_decode(strbuf_str(b), strbuf_len(b), &d,
	    why), PC_OK);
	assert_int_equal(strlen(d.last_error), CTLPROTO_TEXT_MAX - 1);
	assert_string_equal(d.last_error + CTLPROTO_TEXT_MAX - 4, "...");
	ctlproto_free(&d);
	strbuf_free(b);
	strbuf_free(why);
}

/* test_decode_good - lenient where a newer daemon may differ */

static void
test_decode_good(void **state)
{
	struct strbuf *why = strbuf_alloc(512);
	struct ctlproto_msg d;
	const char *l;

	l = " {\"mailbox\":\"b\\u00e9\\n\",\"new\":{\"a\":[1,2,{}]},"
	    "\"delivered\":-3}\r\n";
	assert_int_equal(ctlproto_decode(l, strlen(l), &d, why), PC_OK);
	assert_int_equal(d.kind, CTLPROTO_MAILBOX);
	assert_string_equal(d.mailbox, "b\xc3\xa9\n");
	assert_int_equal(d.delivered, -3);
	assert_int_equal(d.bytes, 0);
	assert_string_equal(d.result, "");
	assert_string_equal(d.event, "");
	ctlproto_free(&d);

	l = "{\"event\":\"end\",\"mailbox\":\"x\",\"failed\":2}";
	assert_int_equal(ctlproto_decode(l, strlen(l), &d, why), PC_OK);
	assert_int_equal(d.kind, CTLPROTO_EVENT);
	assert_int_equal(d.failed, 2);
	ctlproto_free(&d);

	l = "{\"service\":\"idle\",\"mailbox\":\"x\"}";
	assert_int_equal(ctlproto_decode(l, strlen(l), &d, why), PC_OK);
	assert_int_equal(d.kind, CTLPROTO_SERVICE);
	ctlproto_free(&d);
	strbuf_free(why);
}

/* test_decode_hostile - refused, with a reason, and nothing kept */

static void
test_decode_hostile(void **state)
{
	static const struct {
		const char *line;
		size_t	len;			/* 0: strlen */
		const char *why;		/* in the reason */
	} tab[] = {
		{"", 0, "not JSON"},
		{"ok", 0, "not JSON"},
		{"{", 0, "not JSON"},
		{"{\"mailbox\":\"a\"", 0, "not JSON"},
		{"{\"mailbox\":\"a\"} {}", 0, "not JSON"},
		{"{\"mailbox\":\"a\",}", 0, "not JSON"},
		{"{'mailbox':'a'}", 0, "not JSON"},
		{"{\"mailbox\":\"a\\x41\"}", 0, "not JSON"},
		{"{\"mailbox\":\"a\\ud800\"}", 0, "not JSON"},
		{"{\"mailbox\":\"a\\u0000b\"}", 0, "not JSON"},
		{"{\"mailbox\":\"\xff\xfe\"}", 0, "not JSON"},
		{"{\"mailbox\":\"a\x01\"}", 0, "not JSON"},
		{"{\"mailbox\":\"a\"}\0{\"x\":1}", 24, "not JSON"},
		{"{\"pid\":99999999999999999999}", 0, "not JSON"},
		{"{\"mailbox\":\"a\",\"mailbox\":\"b\"}", 0, "not JSON"},
		{"[]", 0, "not a JSON object"},
		{"\"mailbox\"", 0, "not JSON"},
		{"42", 0, "not JSON"},
		{"null", 0, "not JSON"},
		{"{}", 0, "neither"},
		{"{\"x\":1}", 0, "neither"},
		{"{\"mailbox\":1}", 0, "key \"mailbox\": not a string"},
		{"{\"mailbox\":null}", 0, "key \"mailbox\": not a string"},
		{"{\"mailbox\":\"a\",\"error\":[]}", 0,
		"key \"error\": not a string"},
		{"{\"mailbox\":\"a\",\"pid\":\"1\"}", 0,
		"key \"pid\": not an integer"},
		{"{\"mailbox\":\"a\",\"bytes\":1.5}", 0,
		"key \"bytes\": not an integer"},
		{"{\"mailbox\":\"a\",\"bytes\":true}", 0,
		"key \"bytes\": not an integer"},
	};
	struct strbuf *why = strbuf_alloc(512);
	struct ctlproto_msg d;
	char   *deep, *long_line;
	size_t	i, n;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		n = tab[i].len ? tab[i].len : strlen(tab[i].line);
		strbuf_reset(why);
		if (ctlproto_decode(tab[i].line, n, &d, why) != PC_PERM)
			fail_msg("accepted: %s", tab[i].line);
		if (strstr(strbuf_str(why), tab[i].why) == NULL)
			fail_msg("%s: reason \"%s\", wanted \"%s\"",
			    tab[i].line, strbuf_str(why), tab[i].why);
		assert_null(d.doc);
		assert_int_equal(d.kind, 0);
	}

	/* Nesting a million deep: jansson's depth limit, not the stack. */
	n = 1000000;
	deep = malloc(2 * n + 32);
	assert_non_null(deep);
	memcpy(deep, "{\"mailbox\":\"a\",\"x\":", 19);
	memset(deep + 19, '[', n);
	memset(deep + 19 + n, ']', n);
	memcpy(deep + 19 + 2 * n, "}", 2);
	assert_int_equal(ctlproto_decode(deep, strlen(deep), &d, why),
	    PC_PERM);
	free(deep);

	/* One byte over the limit, though valid JSON. */
	long_line = malloc(CTLPROTO_DATA_MAX + 2);
	assert_non_null(long_line);
	memcpy(long_line, "{\"mailbox\":\"", 12);
	memset(long_line + 12, 'a', CTLPROTO_DATA_MAX - 12 - 1);
	memcpy(long_line + CTLPROTO_DATA_MAX - 1, "\"}", 3);
	strbuf_reset(why);
	assert_int_equal(ctlproto_decode(long_line, CTLPROTO_DATA_MAX + 1,
	    &d, why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "over"));
	free(long_line);
	strbuf_free(why);
}

/* test_request_golden - requests encode to these lines and back */

#define ANY_ORDER	" { \"mailboxes\" : [] , \"request\" : \"fetch\" }\r\n"

static void
test_request_golden(void **state)
{
	static const struct {
		int	op;
		const char *level;
		size_t	nnames;
		const char *names[3];
		const char *line;	/* what the encoder writes */
	} tab[] = {
		{CTLPROTO_REQ_STATUS, NULL, 0, {NULL},
		"{\"request\":\"status\"}\n"},
		{CTLPROTO_REQ_FETCH_WAIT, NULL, 3,
		    {"a", "b c", "d\xc3\xa9j\xc3\xa0 \"vu\""},	/* UTF-8 */
		"{\"request\":\"fetch-wait\",\"mailboxes\":[\"a\",\"b c\","
		"\"d\xc3\xa9j\xc3\xa0 \\\"vu\\\"\"]}\n"},
		{CTLPROTO_REQ_FETCH, NULL, 0, {NULL},
		"{\"request\":\"fetch\"}\n"},
		{CTLPROTO_REQ_LOG_LEVEL, "medium", 0, {NULL},
		"{\"request\":\"log-level\",\"level\":\"medium\"}\n"},
		{CTLPROTO_REQ_RELOAD, NULL, 0, {NULL},
		"{\"request\":\"reload\"}\n"},
	};
	struct strbuf *b = strbuf_alloc(CTL_LINE_MAX);
	struct strbuf *why = strbuf_alloc(512);
	struct ctlproto_req r, d;
	size_t	i, k, cut;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		memset(&r, 0, sizeof(r));
		r.op = tab[i].op;
		r.level = tab[i].level;
		r.nnames = tab[i].nnames;
		for (k = 0; k < r.nnames; k++)
			r.names[k] = tab[i].names[k];
		strbuf_reset(b);
		assert_int_equal(ctlproto_encode_request(b, &r, why), PC_OK);
		assert_string_equal(strbuf_str(b), tab[i].line);
		/* It decodes back, with its newline and without. */
		for (cut = 0; cut < 2; cut++) {
			assert_int_equal(ctlproto_decode_request(strbuf_str(b),
			    strbuf_len(b) - cut, &d, why), PC_OK);
			assert_int_equal(d.op, r.op);
			assert_int_equal(d.nnames, r.nnames);
			for (k = 0; k < r.nnames; k++)
				assert_string_equal(d.names[k], r.names[k]);
			if (r.level != NULL)
				assert_string_equal(d.level, r.level);
			else
				assert_null(d.level);
			ctlproto_free_request(&d);
		}
	}

	/* Keys in any order, white space, [] for all, CRLF. */
	assert_int_equal(ctlproto_decode_request(ANY_ORDER,
	    sizeof(ANY_ORDER) - 1, &d, why), PC_OK);
	assert_int_equal(d.op, CTLPROTO_REQ_FETCH);
	assert_int_equal(d.nnames, 0);
	ctlproto_free_request(&d);
	strbuf_free(b);
	strbuf_free(why);
}

/* req_refused - line is refused with a reason holding want */

static void
req_refused(const char *line, size_t len, const char *want)
{
	struct strbuf *why = strbuf_alloc(512);
	struct ctlproto_req d;

	if (ctlproto_decode_request(line, len, &d, why) != PC_PERM)
		fail_msg("accepted: %s", line);
	assert_null(d.doc);
	assert_int_equal(d.op, 0);
	assert_int_equal(d.nnames, 0);
	if (strstr(strbuf_str(why), want) == NULL)
		fail_msg("%s: reason \"%s\", not \"%s\"", line,
		    strbuf_str(why), want);
	strbuf_free(why);
}

/* A line (sizeof: it may hold a NUL) and what its reason holds. */
#define REFUSED(l, w)	{(l), sizeof(l) - 1, (w)}

/* test_request_hostile - bad requests are refused, with a reason */

static void
test_request_hostile(void **state)
{
	static const struct {
		const char *line;
		size_t	len;
		const char *why;	/* in the reason */
	} tab[] = {
		REFUSED("", "not JSON"),
		REFUSED("status", "not JSON"),		/* the old words */
		REFUSED("fetch-wait a b", "not JSON"),
		REFUSED("[\"status\"]", "not a JSON object"),
		REFUSED("\"status\"", "not JSON"),
		REFUSED("{}", "no \"request\""),
		REFUSED("{\"request\":1}", "\"request\": not a string"),
		REFUSED("{\"request\":null}", "\"request\": not a string"),
		REFUSED("{\"request\":\"frobnicate\"}", "unknown request"),
		REFUSED("{\"request\":\"Status\"}", "unknown request"),
		REFUSED("{\"request\":\"status\\n\"}", "unknown request"),
		REFUSED("{\"request\":\"status\",\"request\":\"reload\"}",
		    "duplicate"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"a\"],"
		    "\"mailboxes\":[\"b\"]}", "duplicate"),
		REFUSED("{\"request\":\"status\",\"mailboxes\":[\"a\"]}",
		    "\"mailboxes\": not taken by status"),
		REFUSED("{\"request\":\"fetch\",\"level\":\"medium\"}",
		    "\"level\": not taken by fetch"),
		REFUSED("{\"request\":\"reload\",\"x\":1}", "\"x\": not taken"),
		REFUSED("{\"request\":\"log-level\"}", "without \"level\""),
		REFUSED("{\"request\":\"log-level\",\"level\":3}",
		    "\"level\": not a string"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":\"a\"}",
		    "not an array"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":{\"a\":1}}",
		    "not an array"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"a\",1]}",
		    "mailboxes[1]: not a string"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[[\"a\"]]}",
		    "mailboxes[0]: not a string"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"\"]}",
		    "empty"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"a\\nok\"]}",
		    "control character"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"a\\u007f\"]}",
		    "control character"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"a\\u0000b\"]}",
		    "NUL"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"a\xff\"]}",
		    "decode byte 0xff"),
		REFUSED("{\"request\":\"fetch\",\"mailboxes\":[\"\xc3\"]}",
		    "decode byte 0xc3"),
		REFUSED("{\"request\":\"status\"\0}", "not JSON"),  /* raw NUL */
		REFUSED("{\"request\":\"status\"} {}", "not JSON"), /* trailing */
		REFUSED("{\"request\":\"status\"}\n{\"request\":\"reload\"}",
		    "not JSON"),
	};
	struct strbuf *why;
	struct ctlproto_req d;
	char	line[CTL_LINE_MAX + 64], name[PC_NAME_MAX + 2];
	size_t	n, i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++)
		req_refused(tab[i].line, tab[i].len, tab[i].why);

/* A name one byte over PC_NAME_MAX; exactly PC_NAME_MAX passes. */
	memset(name, 'n', PC_NAME_MAX + 1);
	name[PC_NAME_MAX + 1] = 0;
	n = (size_t)snprintf(line, sizeof(line), "{\"request\":\"fetch\","
	    "\"mailboxes\":[\"%s\"]}", name);
	req_refused(line, n, "over 64 bytes");

	/* One name too many. */
	n = (size_t)snprintf(line, sizeof(line), "%s",
	    "{\"request\":\"fetch\",\"mailboxes\":[\"a\"");
	for (i = 0; i < CTLPROTO_REQ_NAMES; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"a\"");
	n += (size_t)snprintf(line + n, sizeof(line) - n, "]}");
	req_refused(line, n, "more than 64 mailboxes");

	/* Over CTL_LINE_MAX, though valid JSON. */
	n = (size_t)snprintf(line, sizeof(line), "%s",
	    "{\"request\":\"status\"");
	memset(line + n, ' ', CTL_LINE_MAX - n);
	memcpy(line + CTL_LINE_MAX, "}", 2);
	req_refused(line, CTL_LINE_MAX + 1, "over");

	/* At the limit, newline included: taken. */
	memcpy(line + CTL_LINE_MAX - 2, "}\n", 2);
	why = strbuf_alloc(512);
	assert_int_equal(ctlproto_decode_request(line, CTL_LINE_MAX, &d, why),
	    PC_OK);
	assert_int_equal(d.op, CTLPROTO_REQ_STATUS);
	ctlproto_free_request(&d);
	strbuf_free(why);
}

/* test_request_encode_refused - the encoder applies the same rules */

static void
test_request_encode_refused(void **state)
{
	static char name[PC_NAME_MAX + 2];	/* PC_NAME_MAX + 1 'n's */
	static const struct {
		int	op;
		const char *name;	/* names[0]; NULL: no names */
		const char *why;	/* in the reason */
	} tab[] = {
		{99, NULL, "unknown request"},
		{CTLPROTO_REQ_STATUS, "a", "no mailboxes"},
		{CTLPROTO_REQ_LOG_LEVEL, NULL, "no level"},
		{CTLPROTO_REQ_FETCH, "a\tb", "control character"},
		{CTLPROTO_REQ_FETCH, "bad\xff", "UTF-8"},
		{CTLPROTO_REQ_FETCH, name, "over 64 bytes"},
	};
	struct strbuf *b = strbuf_alloc(CTL_LINE_MAX);
	struct strbuf *why = strbuf_alloc(512);
	struct ctlproto_req r;
	size_t	i;

	memset(name, 'n', PC_NAME_MAX + 1);
	name[PC_NAME_MAX + 1] = 0;
	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		memset(&r, 0, sizeof(r));
		r.op = tab[i].op;
		r.names[0] = tab[i].name;
		r.nnames = tab[i].name != NULL;
		strbuf_reset(why);
		assert_int_equal(ctlproto_encode_request(b, &r, why), PC_PERM);
		if (strstr(strbuf_str(why), tab[i].why) == NULL)
			fail_msg("%zu: reason \"%s\", not \"%s\"", i,
			    strbuf_str(why), tab[i].why);
	}
	assert_int_equal(strbuf_len(b), 0);	/* nothing written */

	/* The most a request holds: 64 names of PC_NAME_MAX bytes. */
	name[PC_NAME_MAX] = 0;
	memset(&r, 0, sizeof(r));
	r.op = CTLPROTO_REQ_FETCH;
	for (i = 0; i < CTLPROTO_REQ_NAMES; i++)
		r.names[i] = name;
	r.nnames = CTLPROTO_REQ_NAMES;
	assert_int_equal(ctlproto_encode_request(b, &r, why), PC_OK);
	assert_true(strbuf_len(b) <= CTL_LINE_MAX);
	assert_int_equal(strbuf_len(b),
	    strlen("{\"request\":\"fetch\",\"mailboxes\":[]}\n") +
	    (PC_NAME_MAX + 3) * CTLPROTO_REQ_NAMES - 1);
	strbuf_free(b);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_hostile),
		cmocka_unit_test(test_request_golden),
		cmocka_unit_test(test_request_hostile),
		cmocka_unit_test(test_request_encode_refused),
	};

	return (cmocka_run_group_tests_name("ctlproto", tests, NULL, NULL));
}
