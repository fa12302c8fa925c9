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
 *	ctlproto_split() cuts a request line into words and refuses too
 *	many.
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

/* test_split - request lines into words */

static void
test_split(void **state)
{
	char	line[256], *w[4];

	(void)snprintf(line, sizeof(line), "%s", "  fetch-wait\ta  b ");
	assert_int_equal(ctlproto_split(line, w, 4), 3);
	assert_string_equal(w[0], "fetch-wait");
	assert_string_equal(w[1], "a");
	assert_string_equal(w[2], "b");
	(void)snprintf(line, sizeof(line), "%s", " \t ");
	assert_int_equal(ctlproto_split(line, w, 4), 0);
	(void)snprintf(line, sizeof(line), "%s", "a b c d");
	assert_int_equal(ctlproto_split(line, w, 4), 4);
	(void)snprintf(line, sizeof(line), "%s", "a b c d e");
	assert_int_equal(ctlproto_split(line, w, 4), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_hostile),
		cmocka_unit_test(test_split),
	};

	return (cmocka_run_group_tests_name("ctlproto", tests, NULL, NULL));
}
