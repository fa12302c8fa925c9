/*
 * test_smtpc - the SMTP client engine (fetcher/smtpc.c) with hostile
 * servers: every reply is fed as octets, every command checked as
 * octets.  No network.
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
#include "log.h"
#include "smtpc.h"

#define EHLO_PIPE "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" \
	"250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n"

/* Events seen, as text: "R" ready, "B1" body of 1, "D1:0:ID" done, ... */
static char evlog[4096];

static void
ev_note(const struct smtpc_event *ev)
{
	char	buf[256];

	switch (ev->type) {
	case SMTPC_EV_READY:
		snprintf(buf, sizeof(buf), "R ");
		break;
	case SMTPC_EV_BODY:
		snprintf(buf, sizeof(buf), "B%lu ", ev->tag);
		break;
	case SMTPC_EV_DONE:
		snprintf(buf, sizeof(buf), "D%lu:%s:%d:%s ", ev->tag,
		    ev->status == PC_OK ? "ok" : ev->status == PC_TEMP ?
		    "temp" : "perm", ev->code, ev->qid);
		break;
	case SMTPC_EV_QUIT:
		snprintf(buf, sizeof(buf), "Q ");
		break;
	case SMTPC_EV_FATAL:
		snprintf(buf, sizeof(buf), "F ");
		break;
	default:
		return;
	}
	pc_strlcat(evlog, buf, sizeof(evlog));
}

/* take - what the engine wants written, as a string; then drop it */

static const char *
take(struct smtpc *c)
{
	static char buf[SMTPC_OUT_MAX + 1];
	size_t	len;
	const char *p = smtpc_out(c, &len);

	memcpy(buf, p, len);
	buf[len] = 0;
	smtpc_out_done(c, len);
	return (buf);
}

/*
 * feed - server octets in chunks of step; a BODY event gets body as the
 * message.  Returns the last event's why.
 */
static char lastwhy[1024];

static void
feed(struct smtpc *c, const char *in, size_t step, const char *body)
{
	struct smtpc_event ev;
	size_t	len = strlen(in), i = 0;

	while (i < len) {
		size_t	n = len - i < step ? len - i : step, used;

		used = smtpc_feed(c, in + i, n, &ev);
		assert_true(used <= n);
		i += used;
		ev_note(&ev);
		if (ev.type != SMTPC_EV_NONE)
			pc_strlcpy(lastwhy, ev.why, sizeof(lastwhy));
		if (ev.type == SMTPC_EV_BODY) {
			struct smtpc_body b;
			char   *out = xmalloc(SMTPC_BODY_OUT(strlen(body)));
			size_t	o;

			smtpc_body_init(&b);
			o = smtpc_body_encode(&b, body, strlen(body), out);
			/* the transport writes pending commands, then data */
			(void)take(c);
			free(out);
			(void)o;
			smtpc_end_data(c, &b);
		}
		if (ev.type == SMTPC_EV_FATAL)
			return;
	}
}

static void
start(struct smtpc *c, const char *ehlo_reply, size_t step)
{
	evlog[0] = 0;
	smtpc_init(c, "client.test");
	assert_string_equal(take(c), "");
	feed(c, "220 mx.test ESMTP\r\n", step, "");
	assert_string_equal(take(c), "EHLO client.test\r\n");
	feed(c, ehlo_reply, step, "");
}

static void
test_parse_line(void **state)
{
	static const struct {
		const char *line;
		int	rc, code, more;
		const char *text;
	} t[] = {
		{"250 ok", 0, 250, 0, "ok"},
		{"250-PIPELINING", 0, 250, 1, "PIPELINING"},
		{"250", 0, 250, 0, ""},
		{"354 go", 0, 354, 0, "go"},
		{"554 x", 0, 554, 0, "x"},
		{"599 x", -1, 0, 0, NULL},
		{"199 x", -1, 0, 0, NULL},
		{"600 x", -1, 0, 0, NULL},
		{"260 x", -1, 0, 0, NULL},
		{"25 x", -1, 0, 0, NULL},
		{"25", -1, 0, 0, NULL},
		{"", -1, 0, 0, NULL},
		{"250x", -1, 0, 0, NULL},
		{"2500 x", -1, 0, 0, NULL},
		{"25a x", -1, 0, 0, NULL},
		{" 250 x", -1, 0, 0, NULL},
	};
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(t); i++) {
		int	code = 0, more = 0;
		const char *text = NULL;

		assert_int_equal(smtpc_parse_line(t[i].line,
		    strlen(t[i].line), &code, &more, &text), t[i].rc);
		if (t[i].rc)
			continue;
		assert_int_equal(code, t[i].code);
		assert_int_equal(more, t[i].more);
		assert_string_equal(text, t[i].text);
	}
}

static void
test_queue_id(void **state)
{
	static const struct {
		const char *text;
		const char *qid;
	} t[] = {
		{"2.0.0 Ok: queued as 4XyzAbc", "4XyzAbc"},
		{"2.0.0 Ok: queued as 4Q8k2L0xYZz1 (more)", "4Q8k2L0xYZz1"},
		{"Ok: queued as 3F2A1B0C9.", "3F2A1B0C9"},
		{"OK QUEUED AS abc", "abc"},
		{"2.0.0 Ok: queued as ", NULL},
		{"2.0.0 Ok: queued as", NULL},
		{"2.0.0 Ok: queued as ../../etc", NULL},
		{"2.0.0 Ok: queued as AB;rm", NULL},
		{"2.0.0 Ok: queued as "
		    "0123456789012345678901234567890123456789", NULL},
		{"2.0.0 Ok", NULL},
		{"", NULL},
	};
	char	qid[SMTPC_QID_MAX + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(t); i++) {
		int	rc = smtpc_queue_id(t[i].text, qid, sizeof(qid));

		if (t[i].qid == NULL) {
			assert_int_equal(rc, -1);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(qid, t[i].qid);
		}
	}
	/* a buffer too small for the id: refused, not truncated */
	assert_int_equal(smtpc_queue_id("queued as ABCDEF", qid, 4), -1);
}

static void
test_parse_cap(void **state)
{
	unsigned long long size = 7;

	(void)state;
	assert_int_equal(smtpc_parse_cap("PIPELINING", &size),
	    SMTPC_CAP_PIPELINING);
	assert_int_equal(smtpc_parse_cap("pipelining", &size),
	    SMTPC_CAP_PIPELINING);
	assert_int_equal(smtpc_parse_cap("PIPELININGX", &size), 0);
	assert_int_equal(smtpc_parse_cap("PIPELINING x", &size), 0);
	assert_int_equal(smtpc_parse_cap("8BITMIME", &size),
	    SMTPC_CAP_8BITMIME);
	assert_int_equal(smtpc_parse_cap("SMTPUTF8", &size),
	    SMTPC_CAP_SMTPUTF8);
	assert_int_equal(smtpc_parse_cap("SIZE 10240000", &size),
	    SMTPC_CAP_SIZE);
	assert_true(size == 10240000);
	assert_int_equal(smtpc_parse_cap("SIZE", &size), SMTPC_CAP_SIZE);
	assert_true(size == 0);
	assert_int_equal(smtpc_parse_cap("SIZE -1", &size), 0);
	assert_int_equal(smtpc_parse_cap("SIZE 12x", &size), 0);
	assert_int_equal(smtpc_parse_cap("SIZE ", &size), 0);
	assert_int_equal(smtpc_parse_cap(
	    "SIZE 99999999999999999999999999999", &size), 0);
	assert_int_equal(smtpc_parse_cap("", &size), 0);
	assert_int_equal(smtpc_parse_cap("AUTH PLAIN", &size), 0);
}

static void
encode_all(const char *in, size_t len, size_t step, char *out, size_t *olen)
{
	struct smtpc_body b;
	size_t	i, o = 0;

	smtpc_body_init(&b);
	for (i = 0; i < len; i += step) {
		size_t	n = len - i < step ? len - i : step;

		o += smtpc_body_encode(&b, in + i, n, out + o);
		assert_true(o <= SMTPC_BODY_OUT(i + n));
	}
	o += smtpc_body_end(&b, out + o);
	out[o] = 0;
	*olen = o;
}

static void
test_body(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} t[] = {
		{"", ".\r\n"},
		{"a\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".\n", "..\r\n.\r\n"},
		{"a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n"},
		{"a\n..x\n", "a\r\n...x\r\n.\r\n"},
		{"a.\n", "a.\r\n.\r\n"},
		{"a\r\n.\r\n", "a\r\n..\r\n.\r\n"},
		{"a\rb\n", "a\rb\r\n.\r\n"},
		{"\r.\n", "\r.\r\n.\r\n"},
		{"a\r", "a\r\r\n.\r\n"},
		{"\n\n", "\r\n\r\n.\r\n"},
		{".", "..\r\n.\r\n"},
		{"x\n.", "x\r\n..\r\n.\r\n"},
		{"\r\r\n", "\r\r\n.\r\n"},
	};
	char	out[256];
	size_t	i, step, olen;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(t); i++)
		for (step = 1; step <= 8; step++) {
			encode_all(t[i].in, strlen(t[i].in), step, out, &olen);
			assert_string_equal(out, t[i].out);
		}
}

/* The data can never end the message early: no CR LF . CR LF inside. */
static void
test_body_no_early_end(void **state)
{
	char	in[6], out[64];
	static const char alpha[] = "\r\n.a";
	size_t	olen, n;
	unsigned long k;

	(void)state;
	for (k = 0; k < 4UL * 4 * 4 * 4 * 4 * 4; k++) {
		unsigned long v = k;
		char   *hit;

		for (n = 0; n < sizeof(in); n++, v /= 4)
			in[n] = alpha[v % 4];
		encode_all(in, sizeof(in), 1 + k % 3, out, &olen);
		hit = strstr(out, "\r\n.\r\n");
		/* only the terminator itself */
		assert_true(hit == NULL || hit == out + olen - 5);
		if (hit == NULL)
			assert_true(olen == 3 && memcmp(out, ".\r\n", 3) == 0);
	}
}

static void
test_pipelined(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);
	size_t	step;

	(void)state;
	for (step = 1; step < 40; step += 13) {
		start(&c, EHLO_PIPE, step);
		assert_string_equal(evlog, "R ");
		assert_true(c.caps & SMTPC_CAP_PIPELINING);
		assert_true(c.size_max == 10240000);
		assert_int_equal(smtpc_send_mail(&c, 1, "", "a@x.test", 100,
		    why), PC_OK);
		assert_int_equal(smtpc_send_mail(&c, 2, "s@y.test",
		    "b@x.test", 0, why), PC_OK);
		/* one group up to DATA; the second waits for the dot */
		assert_string_equal(take(&c), "MAIL FROM:<> BODY=8BITMIME "
		    "SIZE=100\r\nRCPT TO:<a@x.test>\r\nDATA\r\n");
		feed(&c, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n", step,
		    "hello\n.\n");
		assert_string_equal(evlog, "R B1 ");
		/* RFC 2920: the next envelope right after the final dot */
		assert_string_equal(take(&c), ".\r\nMAIL FROM:<s@y.test> "
		    "BODY=8BITMIME\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
		feed(&c, "250 2.0.0 Ok: queued as 4XyzAbc\r\n250 Ok\r\n"
		    "250 Ok\r\n354 go\r\n", step, "x");
		assert_string_equal(evlog, "R B1 D1:ok:250:4XyzAbc B2 ");
		assert_string_equal(take(&c), "\r\n.\r\n");
		assert_false(smtpc_idle(&c));
		smtpc_quit(&c);
		assert_string_equal(take(&c), "QUIT\r\n");
		feed(&c, "250 2.0.0 Ok: queued as B\r\n221 Bye\r\n", step, "");
		assert_string_equal(evlog,
		    "R B1 D1:ok:250:4XyzAbc B2 D2:ok:250:B Q ");
		assert_true(smtpc_idle(&c));
	}
	strbuf_free(why);
}

static void
test_no_pipelining(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);

	(void)state;
	start(&c, "250-mx.test\r\n250 8BITMIME\r\n", 100);
	assert_int_equal(smtpc_send_mail(&c, 7, "s@y.test", "b@x.test", 0,
	    why), PC_OK);
	assert_string_equal(take(&c),
	    "MAIL FROM:<s@y.test> BODY=8BITMIME\r\n");
	feed(&c, "250 ok\r\n", 100, "");
	assert_string_equal(take(&c), "RCPT TO:<b@x.test>\r\n");
	feed(&c, "250 ok\r\n", 100, "");
	assert_string_equal(take(&c), "DATA\r\n");
	feed(&c, "354 ok\r\n", 100, "m\n");
	assert_string_equal(take(&c), ".\r\n");
	assert_string_equal(take(&c), "");
	assert_int_equal(smtpc_send_mail(&c, 8, "", "b@x.test", 0, why),
	    PC_OK);
	assert_string_equal(take(&c), "");
	/* the next command goes out once the dot's reply is in */
	feed(&c, "250 ok\r\n", 100, "");
	assert_string_equal(evlog, "R B7 D7:ok:250: ");
	assert_string_equal(take(&c), "MAIL FROM:<> BODY=8BITMIME\r\n");
	strbuf_free(why);
}

/* EHLO refused: HELO, and then nothing is pipelined */
static void
test_helo_fallback(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);

	(void)state;
	start(&c, "502 5.5.2 no EHLO\r\n", 3);
	assert_string_equal(take(&c), "HELO client.test\r\n");
	feed(&c, "250 mx.test\r\n", 3, "");
	assert_string_equal(evlog, "R ");
	assert_int_equal(c.caps, 0);
	assert_int_equal(smtpc_send_mail(&c, 1, "", "a@x.test", 5, why),
	    PC_OK);
	assert_string_equal(take(&c), "MAIL FROM:<>\r\n");
	/* and a non-ASCII address needs SMTPUTF8 */
	assert_int_equal(smtpc_send_mail(&c, 2, "", "j\xc3\xb6@x.test", 5,
	    why), PC_PERM);
	strbuf_free(why);
}

/* A refused recipient: DATA refused too; RSET before the next message */
static void
test_rcpt_refused(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);

	(void)state;
	start(&c, EHLO_PIPE, 5);
	smtpc_send_mail(&c, 1, "", "a@x.test", 0, why);
	smtpc_send_mail(&c, 2, "", "b@x.test", 0, why);
	(void)take(&c);
	feed(&c, "250 ok\r\n452 4.3.1 Insufficient system storage\r\n"
	    "554 5.5.1 Error: no valid recipients\r\n", 5, "");
	/* the first refusal decides: RCPT's 452, not DATA's 554 */
	assert_string_equal(evlog, "R D1:temp:452: ");
	assert_non_null(strstr(lastwhy, "RCPT TO: 452 4.3.1"));
	assert_string_equal(take(&c), "RSET\r\nMAIL FROM:<> BODY=8BITMIME"
	    "\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
	feed(&c, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n"
	    "554 no valid recipients\r\n", 5, "");
	assert_string_equal(evlog, "R D1:temp:452: D2:perm:550: ");
	strbuf_free(why);
}

/* RFC 2920 3.1: DATA accepted although the only recipient was refused */
static void
test_rcpt_refused_data_accepted(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);

	(void)state;
	start(&c, EHLO_PIPE, 5);
	smtpc_send_mail(&c, 1, "", "a@x.test", 0, why);
	(void)take(&c);
	feed(&c, "250 ok\r\n550 no\r\n354 go ahead\r\n", 5, "BODY");
	/* no body: an empty message ends the transaction */
	assert_string_equal(take(&c), ".\r\n");
	feed(&c, "554 no valid recipients\r\n", 5, "");
	assert_string_equal(evlog, "R D1:perm:550: ");
	strbuf_free(why);
}

static void
test_refused_at_dot(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);

	(void)state;
	start(&c, EHLO_PIPE, 64);
	smtpc_send_mail(&c, 1, "", "a@x.test", 0, why);
	smtpc_send_mail(&c, 2, "", "a@x.test", 0, why);
	feed(&c, "250 ok\r\n250 ok\r\n354 go\r\n", 64, "m");
	feed(&c, "451 4.3.0 queue file write error\r\n250 ok\r\n250 ok\r\n"
	    "354 go\r\n", 64, "m");
	feed(&c, "554 5.7.1 rejected\r\n", 64, "");
	assert_string_equal(evlog, "R B1 D1:temp:451: B2 D2:perm:554: ");
	strbuf_free(why);
}

/* Hostile replies: each one ends the connection, nothing is delivered. */
static void
test_hostile(void **state)
{
	static const struct {
		const char *name;
		const char *replies;	/* after the EHLO */
		const char *events;
	} t[] = {
		{"early 250 to DATA",
		    "250 ok\r\n250 ok\r\n250 ok\r\n", "R F "},
		{"354 to MAIL", "354 go\r\n", "R F "},
		{"354 to RCPT", "250 ok\r\n354 go\r\n", "R F "},
		{"1yz reply", "150 ok\r\n", "R F "},
		{"421 at MAIL", "421 4.3.2 shutting down\r\n", "R F "},
		{"421 at DATA", "250 ok\r\n250 ok\r\n421 bye\r\n", "R F "},
		{"code mismatch",
		    "250-ok\r\n251 ok\r\n", "R F "},
		{"garbage", "hello\r\n", "R F "},
		{"empty line", "\r\n", "R F "},
		{"bad separator", "250_ok\r\n", "R F "},
		{"reply too early for the dot",
		    "250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n250 extra\r\n",
		    "R B1 D1:ok:250: F "},
		{"354 to the dot",
		    "250 ok\r\n250 ok\r\n354 go\r\n354 again\r\n",
		    "R B1 F "},
		{"RSET refused",
		    "250 ok\r\n450 busy\r\n451 no\r\n500 what\r\n",
		    "R D1:temp:450: F "},
	};
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(t); i++) {
		start(&c, EHLO_PIPE, 7);
		smtpc_send_mail(&c, 1, "", "a@x.test", 0, why);
		feed(&c, t[i].replies, 7, "m");
		if (strcmp(evlog, t[i].events) != 0)
			fail_msg("%s: events \"%s\", want \"%s\"", t[i].name,
			    evlog, t[i].events);
	}
	/* NUL inside a line (strlen stops feed above): fed by length */
	{
		struct smtpc_event ev;
		static const char r[] = "250 o\0k\r\n";

		start(&c, EHLO_PIPE, 7);
		smtpc_send_mail(&c, 1, "", "a@x.test", 0, why);
		(void)smtpc_feed(&c, r, sizeof(r) - 1, &ev);
		assert_int_equal(ev.type, SMTPC_EV_FATAL);
		/* dead stays dead */
		(void)smtpc_feed(&c, "250 ok\r\n", 8, &ev);
		assert_int_equal(ev.type, SMTPC_EV_FATAL);
		assert_int_equal(smtpc_send_mail(&c, 2, "", "a@x.test", 0,
		    why), PC_TEMP);
	}
	strbuf_free(why);
}

static void
test_greeting(void **state)
{
	struct smtpc c;

	(void)state;
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, "554 5.7.1 go away\r\n", 100, "");
	assert_string_equal(evlog, "F ");
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, "421 busy\r\n", 100, "");
	assert_string_equal(evlog, "F ");
	/* a multi-line greeting; bare LF line ends are accepted */
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, "220-mx\n220 ready\n", 1, "");
	assert_string_equal(take(&c), "EHLO h\r\n");
	feed(&c, "250 mx\n", 1, "");
	assert_string_equal(evlog, "R ");
	/* EHLO refused with 4yz: no HELO, the connection is given up */
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, "220 ready\r\n450 later\r\n", 100, "");
	assert_string_equal(evlog, "F ");
	/* a reply before the greeting was asked for (extra greeting) */
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, "220 a\r\n220 b\r\n", 100, "");
	assert_string_equal(evlog, "F ");
}

static void
test_limits(void **state)
{
	struct smtpc c;
	char	line[SMTPC_LINE_MAX + 8];
	char   *many;
	size_t	i;

	(void)state;
	/* a line of exactly SMTPC_LINE_MAX octets passes */
	memset(line, 'x', sizeof(line));
	memcpy(line, "220 ", 4);
	memcpy(line + SMTPC_LINE_MAX, "\r\n", 3);
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, line, 100, "");
	assert_string_equal(evlog, "");
	assert_string_equal(take(&c), "EHLO h\r\n");
	/* one more octet does not */
	memset(line, 'x', sizeof(line));
	memcpy(line, "220 ", 4);
	memcpy(line + SMTPC_LINE_MAX + 1, "\r\n", 3);
	smtpc_init(&c, "h");
	feed(&c, line, 100, "");
	assert_string_equal(evlog, "F ");
	/* a 64 KiB line without an end never grows anything */
	many = xmalloc(65536 + 3);
	memset(many, 'y', 65536);
	memcpy(many + 65536, "\r\n", 3);
	evlog[0] = 0;
	smtpc_init(&c, "h");
	feed(&c, many, 4096, "");
	assert_string_equal(evlog, "F ");
	/* SMTPC_REPLY_LINES lines pass, one more does not */
	for (i = 0; i < 2; i++) {
		size_t	n, lines = SMTPC_REPLY_LINES + i;

		many[0] = 0;
		for (n = 0; n + 1 < lines; n++)
			pc_strlcat(many, "250-X\r\n", 65536);
		pc_strlcat(many, "250 X\r\n", 65536);
		start(&c, many, 50);
		assert_string_equal(evlog, i ? "F " : "R ");
	}
	free(many);
}

static void
test_addresses(void **state)
{
	struct smtpc c;
	struct strbuf *why = strbuf_alloc(256);
	char	big[SMTPC_ADDR_MAX + 2];

	(void)state;
	start(&c, EHLO_PIPE, 100);
	assert_int_equal(smtpc_send_mail(&c, 1, "a\r\nRSET", "b@x", 0, why),
	    PC_PERM);
	assert_int_equal(smtpc_send_mail(&c, 1, "a>", "b@x", 0, why),
	    PC_PERM);
	assert_int_equal(smtpc_send_mail(&c, 1, "", "", 0, why), PC_PERM);
	assert_int_equal(smtpc_send_mail(&c, 1, "", "b@x\x7f", 0, why),
	    PC_PERM);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(smtpc_send_mail(&c, 1, "", big, 0, why), PC_PERM);
	big[SMTPC_ADDR_MAX] = 0;
	assert_int_equal(smtpc_send_mail(&c, 1, big, big, 99999999999ULL,
	    why), PC_OK);
	(void)take(&c);
	assert_int_equal(smtpc_send_mail(&c, 2, "", "j\xc3\xb6@x.test", 0,
	    why), PC_OK);
	/* nothing of message 2 before the 354 of message 1 */
	assert_string_equal(take(&c), "");
	/* the queue is bounded */
	while (smtpc_room(&c))
		assert_int_equal(smtpc_send_mail(&c, 3, "", "a@x", 0, why),
		    PC_OK);
	assert_int_equal(smtpc_send_mail(&c, 4, "", "a@x", 0, why), PC_TEMP);
	feed(&c, "250 ok\r\n250 ok\r\n354 go\r\n", 100, "m");
	assert_string_equal(take(&c), "\r\n.\r\nMAIL FROM:<> BODY=8BITMIME "
	    "SMTPUTF8\r\nRCPT TO:<j\xc3\xb6@x.test>\r\nDATA\r\n");
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_queue_id),
		cmocka_unit_test(test_parse_cap),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_no_early_end),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_no_pipelining),
		cmocka_unit_test(test_helo_fallback),
		cmocka_unit_test(test_rcpt_refused),
		cmocka_unit_test(test_rcpt_refused_data_accepted),
		cmocka_unit_test(test_refused_at_dot),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_addresses),
	};

	log_set_level(LOGL_NONE);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
