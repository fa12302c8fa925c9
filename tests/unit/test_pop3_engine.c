/*
 * test_pop3_engine - the POP3 session state machine (fetcher/pop3_engine.c)
 * without a network: real Dovecot transcripts (tests/unit/data/
 * dovecot-*.tr, written by capture_dovecot.sh) and hostile servers, fed
 * one byte at a time, in seeded random chunks and all at once.  What the
 * engine sends is compared with what popconn sent to Dovecot, byte for
 * byte; what it hands over as message data with the server's message.
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
	struct strbuf *data;	/* message data handed over */
	int	tls_starts;
	int	injected;	/* bytes were waiting when TLS started */
	int	events[16];	/* POP3E_* counts */
	int	write_fail;	/* fail the next write */
	size_t	plain_end;	/* what comes after is sent under TLS */
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
		return ((size_t)(v->rnd >> 33) % 300 + 1);
	}
}

/* drive - what pop3_io.c does, over the fake server */

static int
drive(struct pop3 *p, struct srv *v, struct strbuf *why)
{
	struct pop3_event ev;
	const char *out;
	size_t	len, used, n, lim;
	int	r;

	for (;;) {
		if ((out = pop3e_output(p, &len)) != NULL) {
			assert_int_equal(strbuf_append(v->sent, out, len), 0);
			pop3e_output_done(p);
			if (v->write_fail) {
				v->write_fail = 0;
				strbuf_printf(why, "write failed");
				(void)pop3e_fail(p, PC_TEMP, 0, &ev, why);
				return (ev.rc);
			}
		}
		r = pop3e_input(p, v->s + v->pos, v->avail - v->pos, &used,
		    &ev, why);
		assert_true(used <= v->avail - v->pos);
		v->pos += used;
		v->events[r]++;
		switch (r) {
		case POP3E_MORE:
			assert_int_equal(v->pos, v->avail);
			lim = v->tls_starts ? v->len : v->plain_end;
			if (v->avail == lim) {
				strbuf_printf(why, "connection closed by %s",
				    p->peer);
				(void)pop3e_fail(p, PC_TEMP, 1, &ev, why);
				return (ev.rc);
			}
			n = chunk(v);
			v->avail += n < lim - v->avail ? n : lim - v->avail;
			break;
		case POP3E_DATA:
			assert_true(ev.len > 0);
			assert_int_equal(strbuf_append(v->data, ev.data,
			    ev.len), 0);
			break;
		case POP3E_TLS:
			/* net_tls_start() refuses bytes sent before TLS. */
			v->tls_starts++;
			if (v->pos < v->avail || v->tls_starts > 1) {
				v->injected = 1;
				strbuf_printf(why, "injection");
				(void)pop3e_fail(p, PC_PERM, 0, &ev, why);
				return (ev.rc);
			}
			pop3e_tls_done(p, why);
			break;
		case POP3E_DONE:
		case POP3E_IDLE:
			return (ev.rc);
		default:
			break;
		}
	}
}

/* srv_init - a server that sends s */

static void
srv_init(struct srv *v, const char *s, size_t len, int mode,
    unsigned long seed)
{
	memset(v, 0, sizeof(*v));
	v->s = s;
	v->len = len;
	v->mode = mode;
	v->rnd = seed;
	v->plain_end = len;
	v->sent = strbuf_alloc(1 << 20);
	v->data = strbuf_alloc(1 << 22);
}

static void
srv_free(struct srv *v)
{
	strbuf_free(v->sent);
	strbuf_free(v->data);
}

/* Transcripts: "C: line" and "S: line", CR LF removed. */
struct transcript {
	struct strbuf *server;
	struct strbuf *client;
};

static void
tr_load(struct transcript *t, const char *name)
{
	char	path[512], line[8192];
	const char *dir = getenv("POP3_TEST_DATA");
	FILE   *fp;
	size_t	n;

	(void)snprintf(path, sizeof(path), "%s/%s",
	    dir ? dir : "tests/unit/data", name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s (run from the top directory or set "
		    "POP3_TEST_DATA)", path);
	t->server = strbuf_alloc(1 << 22);
	t->client = strbuf_alloc(1 << 20);
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = strcspn(line, "\n");
		if (line[n] != '\n')
			fail_msg("%s: line without LF or too long", path);
		line[n] = 0;
		assert_true(n >= 3 && line[1] == ':' && line[2] == ' ');
		assert_int_equal(strbuf_append(line[0] == 'S' ? t->server :
		    t->client, line + 3, n - 3), 0);
		assert_int_equal(strbuf_append(line[0] == 'S' ? t->server :
		    t->client, "\r\n", 2), 0);
	}
	(void)fclose(fp);
}

static void
tr_free(struct transcript *t)
{
	strbuf_free(t->server);
	strbuf_free(t->client);
}

/* next_msg - pop3e_next() and drive; the message data into *got */

static int
next_msg(struct pop3 *p, struct srv *v, int want_kind, unsigned long want,
    struct strbuf *why)
{
	unsigned long num;
	int	kind, rc;

	pop3e_next(p, &kind, &num);
	assert_int_equal(kind, want_kind);
	assert_int_equal(num, want);
	strbuf_reset(v->data);
	rc = drive(p, v, why);
	return (rc);
}

/* expect_msg - the message data is the transcript's RETR n, unstuffed */

static void
expect_msg(const struct pop3 *p, const struct srv *v, const char *server,
    unsigned long num)
{
	const char *s, *e;
	struct strbuf *want = strbuf_alloc(1 << 22);
	size_t	i;

	/* The body is what follows the n-th "+OK nnn octets" line. */
	s = server;
	for (i = 0; i < num; i++) {
		s = strstr(s, " octets\r\n");
		assert_non_null(s);
		s += 9;
	}
	e = strstr(s, "\r\n.\r\n");
	assert_non_null(e);
	e += 2;
	while (s < e) {
		const char *nl = strstr(s, "\r\n");

		if (*s == '.')
			s++;
		(void)strbuf_append(want, s, (size_t)(nl - s));
		(void)strbuf_putc(want, '\n');
		s = nl + 2;
	}
	assert_int_equal(v->data->len, want->len);
	assert_memory_equal(v->data->data, want->data, want->len);
	for (i = 0; i < p->nmsgs; i++)
		if (p->msgs[i].num == num)
			assert_int_equal(p->bd.octets, p->msgs[i].size);
	strbuf_free(want);
}

/* session_user - Dovecot, USER/PASS, 3 messages, pipelined */

static void
session_user(int mode, unsigned long seed)
{
	struct transcript t;
	struct srv v;
	struct pop3 p;
	struct strbuf *why = strbuf_alloc(1024);
	size_t	i;

	tr_load(&t, "dovecot-user.tr");
	srv_init(&v, t.server->data, t.server->len, mode, seed);
	pop3e_init(&p, "box", "127.0.0.1");
	pop3e_open(&p, POP3_TLS_NONE);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	assert_true(p.caps.flags & POP3_CAP_PIPELINING);
	assert_true(p.caps.flags & POP3_CAP_STLS);
	assert_true(pop3_offers(&p.caps, "scram-sha-256"));
	assert_int_not_equal(p.apop_ts[0], 0);
	assert_int_equal(v.events[POP3E_GREETING], 1);
	assert_int_equal(pop3e_login(&p, "alice", "alice-pw", why), PC_OK);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	assert_int_equal(p.auth_class, POP3_AUTH_OK);
	pop3e_scan(&p, why);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	assert_int_equal(p.nmsgs, 3);
	assert_true(p.uidl_ok);
	for (i = 0; i < 3; i++) {
		assert_int_equal(p.msgs[i].num, i + 1);
		assert_int_equal(strlen(p.msgs[i].uid), 16);
	}
	assert_int_equal(p.msgs[0].size, 322);
	for (i = 1; i <= 3; i++)
		assert_int_equal(pop3e_queue(&p, POP3_Q_RETR, i, why), PC_OK);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(next_msg(&p, &v, POP3_Q_RETR, i, why), PC_OK);
		expect_msg(&p, &v, t.server->data, i);
	}
	assert_int_equal(pop3e_queue(&p, POP3_Q_DELE, 2, why), PC_OK);
	assert_int_equal(pop3e_queue(&p, POP3_Q_DELE, 1, why), PC_OK);
	assert_int_equal(next_msg(&p, &v, POP3_Q_DELE, 2, why), PC_OK);
	assert_int_equal(next_msg(&p, &v, POP3_Q_DELE, 1, why), PC_OK);
	assert_int_equal(pop3e_queue(&p, POP3_Q_DELE, 3, why), PC_OK);
	assert_int_equal(next_msg(&p, &v, POP3_Q_DELE, 3, why), PC_OK);
	pop3e_quit(&p, why);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	/* Everything used, and what was sent is what popconn sent. */
	assert_int_equal(v.pos, v.len);
	assert_int_equal(v.sent->len, t.client->len);
	assert_memory_equal(v.sent->data, t.client->data, t.client->len);
	/* Idle: nothing more is taken. */
	{
		struct pop3_event ev;
		size_t	used;

		assert_int_equal(pop3e_input(&p, "x", 1, &used, &ev, why),
		    POP3E_IDLE);
		assert_int_equal(used, 0);
	}
	print_message("dovecot-user: %s chunks: ok\n", mode_name[mode]);
	pop3e_free(&p);
	srv_free(&v);
	tr_free(&t);
	strbuf_free(why);
}

static void
test_dovecot_user(void **state)
{
	unsigned long seed;

	(void)state;
	session_user(0, 0);
	session_user(1, 0);
	for (seed = 1; seed <= 8; seed++)
		session_user(2, seed);
}

/* session_auth - a Dovecot login transcript with another method */

static void
session_auth(const char *file, const char *how, int mode, unsigned long seed)
{
	struct transcript t;
	struct srv v;
	struct pop3 p;
	struct strbuf *why = strbuf_alloc(1024);
	int	rc;

	tr_load(&t, file);
	srv_init(&v, t.server->data, t.server->len, mode, seed);
	pop3e_init(&p, "box", "127.0.0.1");
	pop3e_open(&p, POP3_TLS_NONE);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	if (strcmp(how, "apop") == 0)
		rc = pop3e_apop(&p, "alice", "alice-pw", why);
	else
		rc = pop3e_sasl(&p, how, "alice", "alice-pw", "127.0.0.1",
		    110, why);
	assert_int_equal(rc, PC_OK);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	assert_int_equal(p.auth_class, POP3_AUTH_OK);
	pop3e_scan(&p, why);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	if (p.nmsgs == 1) {
		assert_int_equal(pop3e_queue(&p, POP3_Q_RETR, 1, why), PC_OK);
		assert_int_equal(next_msg(&p, &v, POP3_Q_RETR, 1, why), PC_OK);
		expect_msg(&p, &v, t.server->data, 1);
		assert_int_equal(pop3e_queue(&p, POP3_Q_DELE, 1, why), PC_OK);
		assert_int_equal(next_msg(&p, &v, POP3_Q_DELE, 1, why), PC_OK);
	}
	pop3e_quit(&p, why);
	assert_int_equal(drive(&p, &v, why), PC_OK);
	assert_int_equal(v.pos, v.len);
	assert_int_equal(v.sent->len, t.client->len);
	assert_memory_equal(v.sent->data, t.client->data, t.client->len);
	pop3e_free(&p);
	srv_free(&v);
	tr_free(&t);
	strbuf_free(why);
}

static void
test_dovecot_auth(void **state)
{
	static const char *const files[][2] = {
		{"dovecot-plain.tr", "plain"},
		{"dovecot-login.tr", "login"},
		{"dovecot-cram.tr", "cram-md5"},
		{"dovecot-apop.tr", "apop"},
	};
	size_t	i;
	unsigned long seed;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(files); i++) {
		session_auth(files[i][0], files[i][1], 0, 0);
		session_auth(files[i][0], files[i][1], 1, 0);
		for (seed = 1; seed <= 4; seed++)
			session_auth(files[i][0], files[i][1], 2, seed);
	}
}

/*
 * Hostile and unusual servers.  Each case runs a script of operations
 * ("open", "open-stls", "user", "apop", "sasl:MECH", "scan", "retr N",
 * "dele N", "dele+quit N": DELE and QUIT in one write, "quit") against what the server says, and checks the
 * result of the last operation, a word of the reason, and the commands
 * sent.
 */
struct hcase {
	const char *name;
	const char *script;	/* operations, ';' separated */
	const char *server;
	int	rc;		/* of the last operation */
	const char *why;	/* in the reason (NULL: anything) */
	const char *sent;	/* the commands sent (NULL: anything) */
	const char *pass;	/* password (NULL: "pw") */
};

#define GREET	"+OK hi <1.2@x>\r\n"
#define NOCAPA	GREET "-ERR no\r\n"
#define CAPA(s)	GREET "+OK\r\n" s ".\r\n"
#define LOGIN	NOCAPA "+OK\r\n+OK\r\n"

static const struct hcase hcases[] = {
	{"greeting -ERR [IN-USE]", "open", "-ERR [IN-USE] busy\r\n",
	PC_TEMP, "connection refused by 127.0.0.1: busy", "", NULL},
	{"greeting garbage", "open", "HELLO\r\n", PC_PERM,
	"bad reply to greeting", "", NULL},
	{"greeting with NUL", "open", "+OK a\xff" "b\r\n", PC_PERM,
	"bad reply to greeting", "", NULL},
	{"greeting too long", "open", "+OK "
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"\r\n", PC_PERM, "longer than", "", NULL},
	{"closed before the greeting", "open", "", PC_TEMP,
	"closed by 127.0.0.1 (after greeting)", "", NULL},
	{"CAPA -ERR: no capabilities", "open", NOCAPA, PC_OK, NULL,
	"CAPA\r\n", NULL},
	{"CAPA cut", "open", GREET "+OK\r\nUSER\r\n", PC_TEMP,
	"(in CAPA response)", NULL, NULL},
	{"CAPA with NUL", "open", GREET "+OK\r\nUS\xff" "ER\r\n.\r\n", PC_PERM,
	"NUL in CAPA response", NULL, NULL},
	{"CAPA SASL list too long", "open", CAPA("SASL "
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	"\r\n"), PC_PERM, "bad CAPA line", NULL, NULL},
	{"CAPA dot-stuffed, UTF8 -ERR goes on", "open",
	CAPA("..X\r\nUTF8\r\nLOGIN-DELAY 900\r\n") "-ERR no\r\n", PC_OK, NULL,
	"CAPA\r\nUTF8\r\n", NULL},
	{"UTF8 reply garbage", "open", CAPA("UTF8\r\n") "what\r\n", PC_PERM,
	"bad reply to UTF8", NULL, NULL},
	{"STLS required, not offered", "open-stls", CAPA("USER\r\n"),
	PC_PERM, "does not offer STLS", "CAPA\r\n", NULL},
	{"STLS required, CAPA -ERR", "open-stls", NOCAPA, PC_PERM,
	"does not offer STLS", "CAPA\r\n", NULL},
	{"STLS -ERR", "open-stls", CAPA("STLS\r\n") "-ERR [SYS/TEMP] no\r\n",
	PC_PERM, "TLS is required: no credentials sent", "CAPA\r\nSTLS\r\n",
	NULL},
	{"STLS lost", "open-stls", CAPA("STLS\r\n"), PC_PERM,
	"(after STLS); TLS is required", NULL, NULL},
	{"STLS injection refused", "open-stls",
	CAPA("STLS\r\n") "+OK go\r\n+OK injected\r\n", PC_PERM, "injection",
	"CAPA\r\nSTLS\r\n", NULL},
	{"STLS, CAPA again, UTF8", "open-stls",
	CAPA("STLS\r\n") "+OK go\r\n\x02+OK\r\nUTF8\r\nUSER\r\n.\r\n+OK\r\n",
	PC_OK, NULL, "CAPA\r\nSTLS\r\nCAPA\r\nUTF8\r\n", NULL},
	{"USER -ERR [AUTH]", "open;user", NOCAPA "-ERR [AUTH] no\r\n",
	PC_PERM, "USER refused by 127.0.0.1: no", "CAPA\r\nUSER u\r\n", NULL},
	{"USER not announced", "open;user", CAPA("TOP\r\n") "-ERR no\r\n",
	PC_PERM, "USER refused", NULL, NULL},
	{"USER lost", "open;user", NOCAPA, PC_TEMP, "(after USER)", NULL,
	NULL},
	{"USER/PASS ok", "open;user", LOGIN, PC_OK, NULL,
	"CAPA\r\nUSER u\r\nPASS pw\r\n", NULL},
	{"PASS -ERR", "open;user", NOCAPA "+OK\r\n-ERR [AUTH] bad\r\n",
	PC_PERM, "(authentication failed for u)", "CAPA\r\nUSER u\r\nPASS pw"
	"\r\n", NULL},
	{"PASS -ERR [SYS/TEMP]", "open;user", NOCAPA "+OK\r\n"
	"-ERR [SYS/TEMP] later\r\n", PC_TEMP, "later", NULL, NULL},
	{"PASS -ERR [IN-USE]", "open;user", NOCAPA "+OK\r\n"
	"-ERR [IN-USE] locked\r\n", PC_TEMP, "locked", NULL, NULL},
	{"PASS -ERR [LOGIN-DELAY 600]", "open;user", NOCAPA "+OK\r\n"
	"-ERR [LOGIN-DELAY 600] wait\r\n", PC_TEMP, "wait", NULL, NULL},
	{"PASS -ERR [LOGIN-DELAY] after CAPA", "open;user",
	CAPA("LOGIN-DELAY 120\r\nUSER\r\n") "+OK\r\n-ERR [LOGIN-DELAY]\r\n",
	PC_TEMP, "-ERR without text", NULL, NULL},
	{"PASS -ERR [LOGIN-DELAY] no number", "open;user", NOCAPA "+OK\r\n"
	"-ERR [LOGIN-DELAY] x\r\n", PC_TEMP, NULL, NULL, NULL},
	{"PASS -ERR [SYS/PERM]", "open;user", NOCAPA "+OK\r\n"
	"-ERR [SYS/PERM] gone\r\n", PC_PERM, "gone", NULL, NULL},
	{"password with a line break", "open;user", NOCAPA "+OK\r\n",
	PC_PERM, "password too long or has a line break", "CAPA\r\nUSER u\r\n",
	"p\r\nDELE 1"},
	{"APOP -ERR", "open;apop", NOCAPA "-ERR [AUTH] no\r\n", PC_PERM,
	"(authentication failed for u)", NULL, NULL},
	{"APOP without timestamp", "open;apop", "+OK hi\r\n-ERR\r\n",
	PC_PERM, "APOP not offered", "CAPA\r\n", NULL},
	{"AUTH PLAIN -ERR [AUTH]", "open;sasl:plain", NOCAPA
	"-ERR [AUTH] no\r\n", PC_PERM, "(authentication with plain failed",
	"CAPA\r\nAUTH PLAIN AHUAcHc=\r\n", NULL},
	{"AUTH PLAIN garbage", "open;sasl:plain", NOCAPA "* what\r\n",
	PC_PERM, "bad reply to AUTH", NULL, NULL},
	{"AUTH PLAIN NUL", "open;sasl:plain", NOCAPA "+ a\xff" "b\r\n",
	PC_PERM, "bad reply to AUTH", NULL, NULL},
	{"AUTH lost", "open;sasl:plain", NOCAPA, PC_TEMP,
	"(during AUTH plain)", NULL, NULL},
	{"AUTH LOGIN ok", "open;sasl:login", NOCAPA "+ VXNlcm5hbWU6\r\n"
	"+ UGFzc3dvcmQ6\r\n+OK\r\n", PC_OK, NULL, "CAPA\r\nAUTH LOGIN\r\n"
	"dQ==\r\ncHc=\r\n", NULL},
	{"AUTH LOGIN bad challenge: cancelled", "open;sasl:login",
	NOCAPA "+ !!!!\r\n-ERR cancelled\r\n", PC_PERM, NULL,
	"CAPA\r\nAUTH LOGIN\r\n*\r\n", NULL},
	{"AUTH LOGIN cancelled, then lost", "open;sasl:login",
	NOCAPA "+ !!!!\r\n", PC_PERM, NULL, "CAPA\r\nAUTH LOGIN\r\n*\r\n",
	NULL},
	{"AUTH too many challenges", "open;sasl:cram-md5", NOCAPA
	"+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n"
	"+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n"
	"+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n"
	"+ PDEuMkB4Pg==\r\n+ PDEuMkB4Pg==\r\n-ERR\r\n", PC_PERM, NULL, NULL,
	NULL},
	{"AUTH LOGIN asks too often", "open;sasl:login", NOCAPA
	"+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n"
	"+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n"
	"+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n"
	"+ UGFzc3dvcmQ6\r\n+ UGFzc3dvcmQ6\r\n-ERR\r\n", PC_PERM,
	"unexpected third challenge", "CAPA\r\nAUTH LOGIN\r\ndQ==\r\n"
	"cHc=\r\n*\r\n", NULL},
	{"AUTH XOAUTH2 error explained", "open;sasl:xoauth2", NOCAPA
	"+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIn0=\r\n"
	"-ERR [AUTH] no\r\n", PC_PERM, "AUTH refused by 127.0.0.1: no (", NULL,
	NULL},
	{"AUTH long initial response waits for +", "open;sasl:plain",
	NOCAPA "+ \r\n+OK\r\n", PC_OK, NULL, NULL,
	"0123456789012345678901234567890123456789012345678901234567890123456"
	"7890123456789012345678901234567890123456789012345678901234567890123"
	"4567890123456789012345678901234567890123456789012345678901234567890"},
	{"AUTH -ERR after a challenge", "open;sasl:login", CAPA("SASL X\r\n")
	"+ VXNlcm5hbWU6\r\n-ERR no\r\n", PC_PERM, "AUTH refused", NULL, NULL},
	{"AUTH unknown mechanism", "open;sasl:no-such", NOCAPA, PC_PERM,
	NULL, "CAPA\r\n", NULL},
	{"UIDL -ERR: LIST only", "open;scan", NOCAPA "-ERR no\r\n+OK\r\n"
	"1 10\r\n2 20\r\n.\r\n", PC_OK, NULL, "CAPA\r\nUIDL\r\nLIST\r\n", NULL},
	{"PIPELINING: UIDL -ERR, LIST sent with it", "open;scan",
	CAPA("PIPELINING\r\n") "-ERR no\r\n+OK\r\n1 10\r\n.\r\n", PC_OK,
	NULL, "CAPA\r\nUIDL\r\nLIST\r\n", NULL},
	{"PIPELINING: LIST -ERR after UIDL", "open;scan",
	CAPA("PIPELINING\r\n") "+OK\r\n1 a\r\n.\r\n-ERR [SYS/TEMP] x\r\n",
	PC_TEMP, "LIST refused", "CAPA\r\nUIDL\r\nLIST\r\n", NULL},
	{"PIPELINING: cut between UIDL and LIST", "open;scan",
	CAPA("PIPELINING\r\n") "+OK\r\n1 a\r\n.\r\n", PC_TEMP,
	"(after LIST)", "CAPA\r\nUIDL\r\nLIST\r\n", NULL},
	{"QUIT queued behind DELE", "open;dele+quit 1;quit",
	CAPA("PIPELINING\r\n") "+OK\r\n+OK bye\r\n", PC_OK, NULL,
	"CAPA\r\nDELE 1\r\nQUIT\r\n", NULL},
	{"QUIT queued, DELE -ERR", "open;dele+quit 1",
	CAPA("PIPELINING\r\n") "-ERR gone\r\n+OK bye\r\n", PC_TEMP,
	"DELE refused", "CAPA\r\nDELE 1\r\nQUIT\r\n", NULL},
	{"QUIT queued, -ERR to QUIT", "open;dele+quit 1;quit",
	CAPA("PIPELINING\r\n") "+OK\r\n-ERR [SYS/TEMP] no\r\n", PC_TEMP,
	"QUIT refused", "CAPA\r\nDELE 1\r\nQUIT\r\n", NULL},
	{"UIDL invalid: by digest", "open;scan", NOCAPA "+OK\r\n1 a b\r\n"
	"2 \x01\r\n.\r\n+OK\r\n1 10\r\n2 20\r\n.\r\n", PC_OK, NULL, NULL, NULL},
	{"UIDL duplicate: by digest", "open;scan", NOCAPA "+OK\r\n1 a\r\n"
	"2 a\r\n.\r\n+OK\r\n1 10\r\n2 20\r\n.\r\n", PC_OK, NULL, NULL, NULL},
	{"UIDL with NUL", "open;scan", NOCAPA "+OK\r\n1 a\xff" "\r\n.\r\n", PC_PERM,
	"NUL in UIDL response", NULL, NULL},
	{"UIDL garbage status", "open;scan", NOCAPA "OK\r\n", PC_PERM,
	"bad reply to UIDL", NULL, NULL},
	{"LIST -ERR", "open;scan", NOCAPA "+OK\r\n.\r\n-ERR [SYS/TEMP] x\r\n",
	PC_TEMP, "LIST refused", NULL, NULL},
	{"LIST twice", "open;scan", NOCAPA "+OK\r\n.\r\n+OK\r\n1 10\r\n"
	"1 10\r\n.\r\n", PC_PERM, "listed twice", NULL, NULL},
	{"LIST bad line", "open;scan", NOCAPA "+OK\r\n.\r\n+OK\r\nx y\r\n"
	".\r\n", PC_PERM, "bad LIST line", NULL, NULL},
	{"LIST cut", "open;scan", NOCAPA "+OK\r\n.\r\n+OK\r\n1 10\r\n",
	PC_TEMP, "(in LIST response)", NULL, NULL},
	{"RETR -ERR", "open;retr 1", NOCAPA "-ERR no such message\r\n",
	PC_TEMP, "RETR refused", NULL, NULL},
	{"RETR cut", "open;retr 7", NOCAPA "+OK\r\nabc\r\n", PC_TEMP,
	"(during RETR 7)", NULL, NULL},
	{"RETR lenient end", "open;retr 1", NOCAPA "+OK\r\nabc\n.\n",
	PC_OK, NULL, NULL, NULL},
	{"DELE -ERR", "open;dele 3", NOCAPA "-ERR [SYS/PERM] x\r\n",
	PC_PERM, "DELE refused", NULL, NULL},
	{"QUIT -ERR", "open;quit", NOCAPA "-ERR [SYS/TEMP] cannot\r\n",
	PC_TEMP, "QUIT refused", NULL, NULL},
	{"write fails", "open;fail;quit", NOCAPA, PC_TEMP, "write failed",
	NULL, NULL},
};

/* run_case - one hostile case in one chunk mode */

static void
run_case(const struct hcase *c, int mode, unsigned long seed)
{
	char	script[256], *op, *save = NULL, *srv;
	struct srv v;
	struct pop3 p;
	struct strbuf *why = strbuf_alloc(2048);
	const char *pass = c->pass ? c->pass : "pw";
	int	rc = PC_OK, kind;
	unsigned long num;

	/* "\xff" in a server's words stands for a NUL byte; what follows
	 * "\x02" is sent after the TLS handshake. */
	srv = xstrdup(c->server);
	srv_init(&v, srv, strlen(c->server), mode, seed);
	if ((op = strchr(srv, '\x02')) != NULL) {
		v.plain_end = (size_t)(op - srv);
		memmove(op, op + 1, strlen(op));
		v.len--;
	}
	for (op = srv; *op; op++)
		if (*op == '\xff')
			*op = 0;
	pop3e_init(&p, "box", "127.0.0.1");
	(void)snprintf(script, sizeof(script), "%s", c->script);
	for (op = strtok_r(script, ";", &save); op != NULL;
	    op = strtok_r(NULL, ";", &save)) {
		strbuf_reset(why);
		if (strcmp(op, "open") == 0 || strcmp(op, "open-stls") == 0) {
			pop3e_open(&p, op[4] ? POP3_TLS_STLS : POP3_TLS_NONE);
			rc = drive(&p, &v, why);
		} else if (strcmp(op, "user") == 0) {
			if ((rc = pop3e_login(&p, "u", pass, why)) == PC_OK)
				rc = drive(&p, &v, why);
		} else if (strcmp(op, "apop") == 0) {
			if ((rc = pop3e_apop(&p, "u", pass, why)) == PC_OK)
				rc = drive(&p, &v, why);
		} else if (strncmp(op, "sasl:", 5) == 0) {
			if ((rc = pop3e_sasl(&p, op + 5, "u", pass, "h", 110,
			    why)) == PC_OK)
				rc = drive(&p, &v, why);
		} else if (strcmp(op, "scan") == 0) {
			pop3e_scan(&p, why);
			rc = drive(&p, &v, why);
		} else if (strncmp(op, "retr ", 5) == 0 ||
		    strncmp(op, "dele ", 5) == 0) {
			num = strtoul(op + 5, NULL, 10);
			assert_int_equal(pop3e_queue(&p, op[0] == 'r' ?
			    POP3_Q_RETR : POP3_Q_DELE, num, why), PC_OK);
			pop3e_next(&p, &kind, &num);
			rc = drive(&p, &v, why);
		} else if (strncmp(op, "dele+quit ", 10) == 0) {
			num = strtoul(op + 10, NULL, 10);
			assert_int_equal(pop3e_queue(&p, POP3_Q_DELE, num, why),
			    PC_OK);
			assert_int_equal(pop3e_queue(&p, POP3_Q_QUIT, 0, why),
			    PC_OK);
			pop3e_next(&p, &kind, &num);
			rc = drive(&p, &v, why);
		} else if (strcmp(op, "quit") == 0) {
			pop3e_quit(&p, why);
			rc = drive(&p, &v, why);
		} else if (strcmp(op, "fail") == 0) {
			v.write_fail = 1;
		} else {
			fail_msg("bad script op %s", op);
		}
		if (rc != PC_OK)
			break;
	}
	if (rc != c->rc || (c->why && strstr(strbuf_str(why), c->why) ==
	    NULL) || (c->sent && strcmp(strbuf_str(v.sent), c->sent) != 0))
		fail_msg("%s (%s chunks): rc %d (want %d), why \"%s\", sent "
		    "\"%s\"", c->name, mode_name[mode], rc, c->rc,
		    strbuf_str(why), strbuf_str(v.sent));
	/* Whatever the server said, no password went out in clear text
	 * other than in PASS, and the session is idle again. */
	assert_int_equal(p.op, 0);
	pop3e_free(&p);
	srv_free(&v);
	strbuf_free(why);
	free(srv);
}

static void
test_hostile(void **state)
{
	size_t	i;
	unsigned long seed;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(hcases); i++) {
		const struct hcase *c = &hcases[i];

		run_case(c, 0, 0);
		/* Injected bytes that arrive after the handshake began are
		 * the handshake's problem: only "all at once" is the case. */
		if (strstr(c->name, "injection") != NULL)
			continue;
		run_case(c, 1, 0);
		for (seed = 1; seed <= 3; seed++)
			run_case(c, 2, seed);
	}
}

/* A server that answers what it was sent, at once: a write is a round
 * trip (and over TLS a record: one SSL_write per write). */
struct live {
	struct strbuf *out;	/* server bytes */
	size_t	pos;		/* used by the engine */
	unsigned long n;	/* messages */
	int	pipelining;
	int	writes;		/* the client's writes */
};

#define LIVE_MSG "Subject: x\r\n\r\n..dot\r\nbody\r\n"

/* live_cmd - the reply to one command line */

static void
live_cmd(struct live *l, const char *c)
{
	unsigned long i;

	if (strcmp(c, "CAPA") == 0)
		strbuf_appendf(l->out, "+OK\r\nUSER\r\nUIDL\r\n%s.\r\n",
		    l->pipelining ? "PIPELINING\r\n" : "");
	else if (strcmp(c, "UIDL") == 0 || strcmp(c, "LIST") == 0) {
		strbuf_appendf(l->out, "+OK\r\n");
		for (i = 1; i <= l->n; i++)
			strbuf_appendf(l->out, "%lu %lu\r\n", i, c[0] == 'U' ?
			    i : (unsigned long)strlen(LIVE_MSG) - 1);
		strbuf_appendf(l->out, ".\r\n");
	} else if (strncmp(c, "RETR ", 5) == 0)
		strbuf_appendf(l->out, "+OK\r\n" LIVE_MSG ".\r\n");
	else
		strbuf_appendf(l->out, "+OK\r\n");	/* USER PASS DELE QUIT */
}

/* live_drive - drive() against the live server; count the writes */

static int
live_drive(struct pop3 *p, struct live *l, struct strbuf *why)
{
	struct pop3_event ev;
	const char *out, *e;
	char	c[64];
	size_t	len, used;
	int	r;

	for (;;) {
		if ((out = pop3e_output(p, &len)) != NULL) {
			l->writes++;
			for (; (e = memchr(out, '\n', len)) != NULL;
			    len -= (size_t)(e + 1 - out), out = e + 1) {
				assert_true(e - out >= 1 && e - out < 64);
				memcpy(c, out, (size_t)(e - out - 1));
				c[e - out - 1] = 0;
				live_cmd(l, c);
			}
			assert_int_equal(len, 0);
			pop3e_output_done(p);
		}
		r = pop3e_input(p, l->out->data + l->pos, l->out->len - l->pos,
		    &used, &ev, why);
		l->pos += used;
		if (r == POP3E_DONE || r == POP3E_IDLE)
			return (ev.rc);
		/* Waiting for a reply to nothing sent: a deadlock. */
		if (r == POP3E_MORE)
			assert_non_null(pop3e_output(p, &len));
	}
}

/* live_next - read the replies until at most left commands are in flight */

static void
live_next(struct pop3 *p, struct live *l, size_t left, struct strbuf *why)
{
	unsigned long num;
	int	kind;

	while (p->qlen > left) {
		pop3e_next(p, &kind, &num);
		assert_int_equal(live_drive(p, l, why), PC_OK);
	}
}

/* live_session - n messages as account_deliver.c fetches them; writes */

static int
live_session(unsigned long n, int pipelining)
{
	struct live l = {strbuf_alloc(1 << 20), 0, n, pipelining, 0};
	struct strbuf *why = strbuf_alloc(1024);
	struct pop3 p;
	unsigned long i;

	pop3e_init(&p, "box", "127.0.0.1");
	strbuf_appendf(l.out, "+OK hi\r\n");
	pop3e_open(&p, POP3_TLS_NONE);
	assert_int_equal(live_drive(&p, &l, why), PC_OK);
	assert_int_equal(pop3e_login(&p, "u", "pw", why), PC_OK);
	assert_int_equal(live_drive(&p, &l, why), PC_OK);
	pop3e_scan(&p, why);
	assert_int_equal(live_drive(&p, &l, why), PC_OK);
	assert_int_equal(p.nmsgs, n);
	assert_int_equal(p.msgs[n - 1].size, strlen(LIVE_MSG) - 1);
	for (i = 1; i <= n; i++) {
		assert_int_equal(pop3e_queue(&p, POP3_Q_RETR, i, why), PC_OK);
		if (!pipelining || i == n)
			live_next(&p, &l, 0, why);
	}
	for (i = 1; i <= n; i++) {
		assert_int_equal(pop3e_queue(&p, POP3_Q_DELE, i, why), PC_OK);
		if (pipelining && i == n)
			assert_int_equal(pop3e_queue(&p, POP3_Q_QUIT, 0, why),
			    PC_OK);
		if (!pipelining || i == n)
			live_next(&p, &l, pipelining, why);
	}
	pop3e_quit(&p, why);
	assert_int_equal(live_drive(&p, &l, why), PC_OK);
	assert_int_equal(l.pos, l.out->len);
	pop3e_free(&p);
	strbuf_free(l.out);
	strbuf_free(why);
	return (l.writes);
}

/* test_writes - with PIPELINING 5 writes whatever n (issue 21) */

static void
test_writes(void **state)
{
	(void)state;
	assert_int_equal(live_session(2, 1), 5);
	assert_int_equal(live_session(20, 1), 5);
	assert_int_equal(live_session(2, 0), 3 + 2 + 2 * 2 + 1);
	assert_int_equal(live_session(20, 0), 3 + 2 + 2 * 20 + 1);
}

/* test_words - the classes and codes in words */

static void
test_words(void **state)
{
	int	i;

	(void)state;
	for (i = POP3_AUTH_OK; i <= POP3_AUTH_FAILED + 1; i++)
		assert_true(strlen(pop3_auth_class_str(i)) > 0);
	for (i = POP3_RC_NONE; i <= POP3_RC_OTHER; i++)
		assert_true(strlen(pop3_code_str(i)) > 0);
	assert_string_equal(pop3_code_str(POP3_RC_AUTH), "[AUTH]");
	assert_string_equal(pop3_auth_class_str(POP3_AUTH_SYS_PERM),
	    "refused for the account, not the password");
}

/* test_immediate - what fails before anything is sent; TLS waits */

static void
test_immediate(void **state)
{
	char	user[400];
	struct pop3 p;
	struct pop3_event ev;
	struct strbuf *why = strbuf_alloc(1024);
	const char *s = CAPA("STLS\r\n") "+OK\r\n";
	size_t	used, len;

	(void)state;
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = 0;
	pop3e_init(&p, "box", "127.0.0.1");
	assert_int_equal(pop3e_login(&p, user, "pw", why), PC_PERM);
	assert_string_equal(strbuf_str(why), "account name too long");
	(void)pop3e_output(&p, &len);
	assert_int_equal(len, 0);
	(void)pc_strlcpy(p.apop_ts, "<1.2@x>", sizeof(p.apop_ts));
	assert_int_equal(pop3e_apop(&p, user, "pw", why), PC_PERM);
	assert_string_equal(strbuf_str(why), "account name too long");
	assert_int_equal(p.op, 0);
	/* Told to start TLS, it says so again until the handshake is done,
	 * and takes nothing meanwhile. */
	pop3e_open(&p, POP3_TLS_STLS);
	assert_int_equal(pop3e_input(&p, s, strlen(s), &used, &ev, why),
	    POP3E_GREETING);
	s += used;
	pop3e_output_done(&p);
	assert_int_equal(pop3e_input(&p, s, strlen(s), &used, &ev, why),
	    POP3E_CAPS);
	s += used;
	pop3e_output_done(&p);
	assert_int_equal(pop3e_input(&p, s, strlen(s), &used, &ev, why),
	    POP3E_TLS);
	assert_int_equal(pop3e_input(&p, "+OK\r\n", 5, &used, &ev, why),
	    POP3E_TLS);
	assert_int_equal(used, 0);
	pop3e_tls_done(&p, why);
	assert_non_null(pop3e_output(&p, &len));
	assert_int_equal(len, 6);
	assert_int_equal(p.tls_active, 1);
	pop3e_free(&p);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dovecot_user),
		cmocka_unit_test(test_dovecot_auth),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_immediate),
		cmocka_unit_test(test_writes),
	};

	log_set_level(LOGL_NONE);
	return (cmocka_run_group_tests_name("pop3_engine", tests, NULL, NULL));
}
