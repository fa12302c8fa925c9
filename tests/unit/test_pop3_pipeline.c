/*
 * test_pop3_pipeline - the round trips cut from a POP3 login (issue 21,
 * fetcher/pop3_auth.c): USER and PASS in one write, UIDL and LIST in the
 * write of PASS or APOP (never behind AUTH), only where the server
 * announced PIPELINING; UTF8 in the write of the first login.  Each transcript is fed whole, one byte at a time
 * and in seeded random chunks, as in test_pop3_engine.c; hostile servers
 * refuse the login with the pipelined replies behind, hang up after PASS,
 * answer +OK where -ERR must come.
 * A refusal is reported exactly as without pipelining, every pipelined
 * reply is read, and a connection out of step is never used again.
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
#include "pop3.h"

/* A fake server: its bytes, how far they were delivered and used. */
struct srv {
	const char *s;
	size_t	len;
	size_t	pos;		/* used by the engine */
	size_t	avail;		/* delivered so far */
	int	mode;		/* chunk sizes: 0 all, 1 one byte, 2 random */
	unsigned long rnd;
	struct strbuf *sent;	/* everything the engine sent */
	int	writes;		/* how many writes that took */
	int	eof;		/* the server closed (all delivered) */
};

static const char *const mode_name[] = {"whole", "bytes", "random"};

/* chunk - how many more bytes the server delivers now */

static size_t
chunk(struct srv *v)
{
	switch (v->mode) {
	case 0:
		return (v->len);
	case 1:
		return (1);
	default:
		v->rnd = v->rnd * 6364136223846793005UL + 1442695040888963407UL;
		return ((size_t)(v->rnd >> 33) % 40 + 1);
	}
}

/* drive - what pop3_io.c does, over the fake server */

static int
drive(struct pop3 *p, struct srv *v, struct strbuf *why)
{
	struct pop3_event ev;
	const char *out;
	size_t	len, used, n;
	int	r;

	for (;;) {
		if ((out = pop3e_output(p, &len)) != NULL) {
			assert_int_equal(strbuf_append(v->sent, out, len), 0);
			v->writes++;
			pop3e_output_done(p);
		}
		r = pop3e_input(p, v->s + v->pos, v->avail - v->pos, &used,
		    &ev, why);
		assert_true(used <= v->avail - v->pos);
		v->pos += used;
		switch (r) {
		case POP3E_MORE:
			assert_int_equal(v->pos, v->avail);
			if (v->avail == v->len) {
				v->eof = 1;
				strbuf_printf(why, "connection closed by %s",
				    p->peer);
				(void)pop3e_fail(p, PC_TEMP, 1, &ev, why);
				return (ev.rc);
			}
			n = chunk(v);
			v->avail += n < v->len - v->avail ? n : v->len -
			    v->avail;
			break;
		case POP3E_DATA:
		case POP3E_TLS:
			fail_msg("unexpected event %d", r);
			break;
		case POP3E_DONE:
		case POP3E_IDLE:
			return (ev.rc);
		default:
			break;
		}
	}
}

/*
 * A case: the server's capabilities, the login, what the server says to
 * it (and to what was sent behind it), and what must come of it.
 */
struct pcase {
	const char *name;
	const char *capa;	/* CAPA lines, without the final "." */
	int	scan_early;
	const char *login;	/* "user", "apop", "sasl:MECH" */
	const char *server;	/* after the CAPA response */
	int	rc;		/* of the login */
	const char *why;	/* in the reason (NULL: anything) */
	const char *sent;	/* everything sent after "CAPA\r\n" */
	int	writes;		/* of the login (0: any) */
	int	cls;		/* p.auth_class */
	int	desync;		/* the connection is out of step after it */
	int	eof;		/* the server hangs up on the client */
	size_t	nmsgs;		/* after a scan, if the login succeeded */
};

#define PIPE	"PIPELINING\r\nUSER\r\nSASL PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n"
#define SCAN1	"+OK\r\n1 a\r\n.\r\n+OK\r\n1 10\r\n.\r\n"
#define ULSENT	"UIDL\r\nLIST\r\n"
#define PLAIN_IR "AUTH PLAIN AHUAcHc=\r\n"
#define CRED	POP3_AUTH_CREDENTIALS

static const struct pcase pcases[] = {
	/* USER/PASS */
	{"USER, PASS, UIDL, LIST in one write", PIPE, 1, "user",
	"+OK\r\n+OK\r\n" SCAN1, PC_OK, NULL, "USER u\r\nPASS pw\r\n" ULSENT,
	1, POP3_AUTH_OK, 0, 0, 1},
	{"USER and PASS in one write, no scan asked", PIPE, 0, "user",
	"+OK\r\n+OK\r\n" SCAN1, PC_OK, NULL, "USER u\r\nPASS pw\r\n" ULSENT,
	1, POP3_AUTH_OK, 0, 0, 1},
	{"no PIPELINING: USER, then PASS", "USER\r\n", 1, "user",
	"+OK\r\n+OK\r\n" SCAN1, PC_OK, NULL, "USER u\r\nPASS pw\r\n" ULSENT,
	2, POP3_AUTH_OK, 0, 0, 1},
	{"PASS -ERR [AUTH], UIDL and LIST -ERR read", PIPE, 1, "user",
	"+OK\r\n-ERR [AUTH] bad\r\n-ERR not yet\r\n-ERR not yet\r\n", PC_PERM,
	"PASS refused by 127.0.0.1: bad (authentication failed for u)",
	"USER u\r\nPASS pw\r\n" ULSENT, 1, CRED, 0, 0, 0},
	{"USER -ERR, PASS UIDL LIST -ERR read", PIPE, 1, "user",
	"-ERR [AUTH] who\r\n-ERR\r\n-ERR\r\n-ERR\r\n", PC_PERM,
	"USER refused by 127.0.0.1: who", "USER u\r\nPASS pw\r\n" ULSENT, 1,
	CRED, 0, 0, 0},
	{"PASS -ERR [IN-USE]: temporary", PIPE, 1, "user",
	"+OK\r\n-ERR [IN-USE] locked\r\n-ERR\r\n-ERR\r\n", PC_TEMP,
	"locked", NULL, 1, POP3_AUTH_TEMP, 0, 0, 0},
	{"closed after PASS -ERR: still the password", PIPE, 1, "user",
	"+OK\r\n-ERR [AUTH] bad\r\n", PC_PERM,
	"PASS refused by 127.0.0.1: bad (authentication failed for u)", NULL,
	1, CRED, 1, 1, 0},
	{"closed after the UIDL -ERR: still the password", PIPE, 1, "user",
	"+OK\r\n-ERR [AUTH] bad\r\n-ERR\r\n", PC_PERM,
	"(authentication failed for u)", NULL, 1, CRED, 1, 1, 0},
	{"closed before PASS was answered", PIPE, 1, "user",
	"+OK\r\n", PC_TEMP, "(after PASS)", NULL, 1, POP3_AUTH_FAILED, 1, 1,
	0},
	{"+OK to UIDL after PASS -ERR: out of step", PIPE, 1, "user",
	"+OK\r\n-ERR [AUTH] bad\r\n+OK\r\n1 a\r\n.\r\n", PC_PERM,
	"(authentication failed for u)", NULL, 1, CRED, 1, 0, 0},
	{"garbage behind USER -ERR: out of step", PIPE, 1, "user",
	"-ERR [AUTH] who\r\nwhat\r\n", PC_PERM, "USER refused", NULL, 1,
	CRED, 1, 0, 0},
	{"password with a line break: not pipelined", PIPE, 1, "user:p\r\nx",
	"+OK\r\n", PC_PERM, "password too long or has a line break",
	"USER u\r\n", 1, POP3_AUTH_FAILED, 0, 0, 0},
	/* APOP */
	{"APOP -ERR, UIDL and LIST -ERR read", PIPE, 1, "apop",
	"-ERR [AUTH] no\r\n-ERR\r\n-ERR\r\n", PC_PERM,
	"(authentication failed for u)", NULL, 1, CRED, 0, 0, 0},
	/* SASL */
	{"AUTH PLAIN: nothing behind it (Cyrus drops it)", PIPE, 1,
	"sasl:plain", "+OK\r\n" SCAN1, PC_OK, NULL, PLAIN_IR ULSENT, 1,
	POP3_AUTH_OK, 0, 0, 1},
	{"AUTH PLAIN -ERR", PIPE, 1, "sasl:plain", "-ERR [AUTH] no\r\n",
	PC_PERM, "AUTH refused by 127.0.0.1: no (authentication with plain "
	"failed for u)", PLAIN_IR, 1, CRED, 0, 0, 0},
	{"AUTH PLAIN, then a challenge: cancelled", PIPE, 1, "sasl:plain",
	"+ \r\n-ERR\r\n", PC_PERM, NULL, PLAIN_IR "*\r\n", 2,
	POP3_AUTH_FAILED, 0, 0, 0},
	{"AUTH PLAIN without CAPA SASL: nothing behind", "PIPELINING\r\n", 1,
	"sasl:plain", "+OK\r\n" SCAN1, PC_OK, NULL, PLAIN_IR ULSENT, 1,
	POP3_AUTH_OK, 0, 0, 1},
	{"AUTH LOGIN: nothing behind the password", PIPE, 1, "sasl:login",
	"+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n-ERR [AUTH] no\r\n", PC_PERM,
	"(authentication with login failed", "AUTH LOGIN\r\ndQ==\r\n"
	"cHc=\r\n", 3, CRED, 0, 0, 0},
	{"AUTH XOAUTH2: nothing behind the token", PIPE, 1, "sasl:xoauth2",
	"+ \r\n+OK\r\n" SCAN1, PC_OK, NULL, NULL, 2, POP3_AUTH_OK, 0, 0, 1},
	/* UTF8 (RFC 6856) with the login where PIPELINING allows it */
	{"UTF8 -ERR in the login's write", PIPE "UTF8\r\n", 1, "user",
	"-ERR no\r\n+OK\r\n+OK\r\n" SCAN1, PC_OK, NULL, "UTF8\r\nUSER u\r\n"
	"PASS pw\r\n" ULSENT, 1, POP3_AUTH_OK, 0, 0, 1},
	{"UTF8 with AUTH PLAIN, AUTH -ERR", PIPE "UTF8\r\n", 1, "sasl:plain",
	"+OK\r\n-ERR [AUTH] no\r\n", PC_PERM,
	"AUTH refused by 127.0.0.1: no (auth", "UTF8\r\n" PLAIN_IR, 1, CRED,
	0, 0, 0},
	{"UTF8 reply garbage: out of step", PIPE "UTF8\r\n", 1, "user",
	"what\r\n+OK\r\n", PC_PERM, "bad reply to UTF8", NULL, 1,
	POP3_AUTH_FAILED, 1, 0, 0},
	{"UTF8 cut: the connection failed", PIPE "UTF8\r\n", 1, "apop", "",
	PC_TEMP, NULL, NULL, 1, POP3_AUTH_FAILED, 1, 1, 0},
	{"AUTH OAUTHBEARER: error challenge answered, not UIDL", PIPE, 1,
	"sasl:oauthbearer", "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n-ERR [AUTH] no\r\n",
	PC_PERM, "AUTH refused", NULL, 2, CRED, 0, 0, 0},
};

/* login - start the case's login */

static int
login(struct pop3 *p, const char *how, struct strbuf *why)
{
	if (strcmp(how, "user") == 0)
		return (pop3e_login(p, "u", "pw", why));
	if (strncmp(how, "user:", 5) == 0)
		return (pop3e_login(p, "u", how + 5, why));
	if (strcmp(how, "apop") == 0)
		return (pop3e_apop(p, "u", "pw", why));
	return (pop3e_sasl(p, how + 5, "u", "pw", "h", 110, why));
}

/* run_case - one case in one chunk mode */

static void
run_case(const struct pcase *c, int mode, unsigned long seed)
{
	struct strbuf *srvtext = strbuf_alloc(4096);
	struct strbuf *why = strbuf_alloc(2048);
	struct srv v;
	struct pop3 p;
	const char *sent;
	size_t	capa_end;
	int	rc, w0;

	strbuf_printf(srvtext, "+OK hi <1.2@x>\r\n+OK\r\n%s.\r\n%s", c->capa,
	    c->server);
	capa_end = strlen("+OK hi <1.2@x>\r\n+OK\r\n.\r\n") + strlen(c->capa);
	memset(&v, 0, sizeof(v));
	v.s = srvtext->data;
	v.len = srvtext->len;
	v.mode = mode;
	v.rnd = seed;
	v.sent = strbuf_alloc(8192);
	pop3e_init(&p, "box", "127.0.0.1");
	p.scan_early = c->scan_early;
	pop3e_open(&p, POP3_TLS_NONE);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	assert_true(v.pos == capa_end);
	w0 = v.writes;
	strbuf_reset(why);
	if ((rc = login(&p, c->login, why)) == PC_OK)
		rc = drive(&p, &v, why);
	sent = strbuf_str(v.sent) + 6;		/* after "CAPA\r\n" */
	if (rc != c->rc || (c->why && strstr(strbuf_str(why), c->why) ==
	    NULL) || (c->sent && rc != PC_OK && strcmp(sent, c->sent) != 0) ||
	    (c->writes && v.writes - w0 != c->writes) ||
	    p.auth_class != c->cls || p.desync != c->desync || v.eof !=
	    c->eof || (!c->eof && !c->desync && rc != PC_OK && v.pos !=
	    v.len))
		fail_msg("%s (%s chunks): rc %d (want %d), why \"%s\", sent "
		    "\"%s\", %d writes, class %d, desync %d, eof %d",
		    c->name, mode_name[mode], rc, c->rc, strbuf_str(why), sent,
		    v.writes - w0, p.auth_class, p.desync, v.eof);
	assert_int_equal(p.op, 0);
	assert_int_equal(p.scan_sent, rc == PC_OK && c->scan_early &&
	    strstr(c->capa, "PIPELINING") && strstr(c->name, "nothing") ==
	    NULL ? 2 : 0);
	if (rc == PC_OK) {
		pop3e_scan(&p, why);
		assert_int_equal(drive(&p, &v, why), PC_OK);
		assert_int_equal(p.nmsgs, c->nmsgs);
		assert_string_equal(p.msgs[0].uid, "a");
		assert_int_equal(v.pos, v.len);
		if (c->sent)
			assert_string_equal(sent, c->sent);
	} else if (c->desync) {
		/* Nothing more goes out on that connection. */
		strbuf_reset(v.sent);
		assert_int_equal(pop3e_sasl(&p, "plain", "u", "pw", "h", 110,
		    why), PC_PERM);
		assert_non_null(strstr(strbuf_str(why), "out of step"));
		assert_int_equal(pop3e_login(&p, "u", "pw", why), PC_PERM);
		assert_null(pop3e_output(&p, &capa_end));
	}
	pop3e_free(&p);
	strbuf_free(v.sent);
	strbuf_free(why);
	strbuf_free(srvtext);
}

static void
test_pipelined_login(void **state)
{
	size_t	i;
	unsigned long seed;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(pcases); i++) {
		run_case(&pcases[i], 0, 0);
		run_case(&pcases[i], 1, 0);
		for (seed = 1; seed <= 4; seed++)
			run_case(&pcases[i], 2, seed);
	}
}

/* test_auto_after_refusal - a refused login, drained; the next one works */

static void
test_auto_after_refusal(void **state)
{
	static const char s[] = "+OK hi\r\n+OK\r\n" PIPE ".\r\n"
	    "-ERR [AUTH] no\r\n"			/* AUTH PLAIN */
	    "+OK\r\n+OK\r\n" SCAN1;			/* USER, PASS */
	struct strbuf *why = strbuf_alloc(1024);
	struct srv v;
	struct pop3 p;
	int	mode;

	(void)state;
	for (mode = 0; mode < 3; mode++) {
		memset(&v, 0, sizeof(v));
		v.s = s;
		v.len = sizeof(s) - 1;
		v.mode = mode;
		v.rnd = 7;
		v.sent = strbuf_alloc(4096);
		pop3e_init(&p, "box", "127.0.0.1");
		p.scan_early = 1;
		pop3e_open(&p, POP3_TLS_NONE);
		assert_int_equal(drive(&p, &v, why), PC_OK);
		assert_int_equal(pop3e_sasl(&p, "plain", "u", "pw", "h", 110,
		    why), PC_OK);
		assert_int_equal(drive(&p, &v, why), PC_PERM);
		assert_int_equal(p.auth_class, CRED);
		assert_int_equal(pop3e_login(&p, "u", "pw", why), PC_OK);
		assert_int_equal(drive(&p, &v, why), PC_OK);
		pop3e_scan(&p, why);
		assert_int_equal(drive(&p, &v, why), PC_OK);
		assert_int_equal(p.nmsgs, 1);
		assert_int_equal(v.pos, v.len);
		assert_string_equal(strbuf_str(v.sent), "CAPA\r\n" PLAIN_IR
		    "USER u\r\nPASS pw\r\n" ULSENT);
		pop3e_free(&p);
		strbuf_free(v.sent);
	}
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_login),
		cmocka_unit_test(test_auto_after_refusal),
	};

	log_set_level(LOGL_NONE);
	return (cmocka_run_group_tests_name("pop3_pipeline", tests, NULL,
	    NULL));
}
