/*
 * fuzz_pop3_session - libFuzzer target for the whole POP3 session state
 * machine (fetcher/pop3_engine.c): the input's first two bytes choose
 * the TLS mode, the login method and the chunk sizes; the rest is what
 * the server sends.  The session runs as the fetcher runs it: open
 * (with STLS: a pretend handshake), login, UIDL/LIST, RETR of every
 * message listed (pipelined when PIPELINING is announced), DELE, QUIT;
 * it stops at the first failure as the fetcher does.  Checked: the
 * engine never uses more than it was given, never hands over more than
 * NET_RBUF_SIZE + 2 bytes of data at once, every line it sends ends in
 * CR LF with no other CR or LF, and it is idle after every operation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "log.h"
#include "pop3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const char *s;
	size_t	len;
	size_t	pos;
	size_t	avail;
	unsigned step;
};

/* check_output - each line CR LF, no bare CR or LF */

static void
check_output(const char *out, size_t len)
{
	size_t	i;

	if (len < 2 || out[len - 2] != '\r' || out[len - 1] != '\n')
		abort();
	for (i = 0; i + 2 < len; i++)
		if ((out[i] == '\r') != (out[i + 1] == '\n'))
			abort();
}

/* drive - run the operation to its end over the fuzzed bytes */

static int
drive(struct pop3 *p, struct fz *f, struct strbuf *why)
{
	struct pop3_event ev;
	const char *out;
	size_t	len, used, n;
	int	r;

	for (;;) {
		if ((out = pop3e_output(p, &len)) != NULL) {
			check_output(out, len);
			pop3e_output_done(p);
		}
		r = pop3e_input(p, f->s + f->pos, f->avail - f->pos, &used,
		    &ev, why);
		if (used > f->avail - f->pos)
			abort();
		f->pos += used;
		switch (r) {
		case POP3E_MORE:
			if (f->pos != f->avail)
				abort();
			if (f->avail == f->len) {
				strbuf_printf(why, "closed");
				(void)pop3e_fail(p, PC_TEMP, 1, &ev, why);
				return (ev.rc);
			}
			n = f->step ? f->step : f->len;
			f->avail += n < f->len - f->avail ? n : f->len -
			    f->avail;
			break;
		case POP3E_DATA:
			if (ev.len == 0 || ev.len > NET_RBUF_SIZE + 2)
				abort();
			break;
		case POP3E_TLS:
			pop3e_tls_done(p, why);
			break;
		case POP3E_DONE:
			if (p->op != 0)
				abort();
			return (ev.rc);
		case POP3E_IDLE:
			abort();
		default:
			break;
		}
	}
}

/* session - what the fetcher does, stopping at the first failure */

static void
session(struct pop3 *p, struct fz *f, unsigned how, struct strbuf *why)
{
	static const char *const mechs[] = {"plain", "login", "cram-md5",
	"xoauth2", "oauthbearer", "scram-sha-256", "digest-md5", "ntlm"};
	unsigned long num;
	size_t	i, n, window;
	int	kind, rc, meth = (int)(how >> 1) % 10;

	p->scan_early = 1;	/* UIDL, LIST behind the login, as the fetcher */
	pop3e_open(p, how & 1 ? POP3_TLS_STLS : POP3_TLS_NONE);
	if (drive(p, f, why) != PC_OK)
		return;
	if (meth == 0)
		rc = pop3e_login(p, "user", "secret", why);
	else if (meth == 1)
		rc = pop3e_apop(p, "user", "secret", why);
	else
		rc = pop3e_sasl(p, mechs[meth - 2], "user", "secret",
		    "pop.example", 110, why);
	if (rc == PC_OK)
		rc = drive(p, f, why);
	/* auth = auto: the next mechanism on the same connection. */
	if (rc != PC_OK && pop3e_login(p, "user", "secret", why) == PC_OK)
		rc = drive(p, f, why);
	if (rc != PC_OK)
		return;
	pop3e_scan(p, why);
	if (drive(p, f, why) != PC_OK)
		return;
	window = p->caps.flags & POP3_CAP_PIPELINING ? 8 : 1;
	n = p->nmsgs < 64 ? p->nmsgs : 64;
	for (i = 0; i < n;) {
		size_t	j, k = i + window < n ? i + window : n;

		for (j = i; j < k; j++)
			if (pop3e_queue(p, POP3_Q_RETR, p->msgs[j].num, why) !=
			    PC_OK)
				abort();
		for (j = i; j < k; j++) {
			pop3e_next(p, &kind, &num);
			if (drive(p, f, why) != PC_OK)
				return;
		}
		for (j = i; j < k; j++)
			(void)pop3e_queue(p, POP3_Q_DELE, p->msgs[j].num, why);
		/* The last DELEs: QUIT in their write, as the fetcher does. */
		if (k == n && window > 1)
			(void)pop3e_queue(p, POP3_Q_QUIT, 0, why);
		for (j = i; j < k; j++) {
			pop3e_next(p, &kind, &num);
			if (drive(p, f, why) != PC_OK)
				return;
		}
		i = k;
	}
	pop3e_quit(p, why);
	(void)drive(p, f, why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3 p;
	struct fz f;
	struct strbuf *why;

	if (size < 2)
		return (0);
	log_set_level(LOGL_NONE);
	memset(&f, 0, sizeof(f));
	f.s = (const char *)data + 2;
	f.len = size - 2;
	f.step = data[1] % 17;		/* 0: all at once */
	why = strbuf_alloc(4096);
	pop3e_init(&p, "fuzz", "192.0.2.1");
	session(&p, &f, data[0], why);
	pop3e_free(&p);
	strbuf_free(why);
	return (0);
}
