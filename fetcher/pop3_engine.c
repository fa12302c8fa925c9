/*
 * NAME
 *	pop3_engine - the POP3 session as a state machine without I/O
 * SYNOPSIS
 *	See pop3.h ("Engine").
 * DESCRIPTION
 *	Everything a POP3 session decides happens here: which command goes
 *	out next, what a reply means, when TLS must start, how a message
 *	body streams, how an AUTH exchange goes on or is cancelled.  The
 *	engine never reads or writes a socket: the caller hands it the
 *	server's bytes (pop3e_input(), which says how many it used and what
 *	happened), takes the bytes it wants sent (pop3e_output()), and runs
 *	TLS when asked (POP3E_TLS, then pop3e_tls_done()).  pop3_io.c is
 *	that caller over net.c; the unit tests and the fuzz target feed it
 *	transcripts in chunks of any size, down to one byte.
 *
 *	An operation (pop3e_open(), the logins of pop3_auth.c,
 *	pop3e_scan(), pop3e_next(), pop3e_quit()) queues its
 *	first command and sets the state; each server line then moves the
 *	machine on until the operation ends with POP3E_DONE and a PC_* code.
 *	The engine stops consuming input at the end of the reply that ended
 *	the operation: bytes after it stay with the caller, which is what
 *	lets pipelined replies wait for the next pop3e_next(), and what
 *	lets net_tls_start() refuse bytes injected after "+OK" to STLS.
 *
 *	Line coverage from the unit tests alone (make coverage-pop3: gcov
 *	over test_pop3, test_pop3_engine, test_pop3_io): this file 95.8 %
 *	of 456 lines (what is left: panics and full-buffer paths),
 *	pop3_auth.c 92.3 % of 155, pop3.c 98.7 % of 222, pop3_io.c 90.8 %
 *	of 109.
 * SECURITY
 *	Every server byte is untrusted: lines are bounded (PC_LINE_MAX,
 *	POP3_SASL_LINE_MAX during AUTH), NUL bytes refused, message bodies
 *	decoded in bounded chunks (NET_RBUF_SIZE) whatever their size.
 *	Credentials pass through the output buffer only, which is wiped
 *	once sent; they are never logged.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "pop3.h"
#include "pop3_int.h"

#define POP3_MAX_MSGS	1000000UL	/* per mailbox and session */

struct scan_ctx {
	struct pop3_msg *v;
	size_t	n;
	size_t	cap;
	size_t	bad;		/* lines that are no valid "num uid" */
};

struct pop3_scan {
	struct scan_ctx u;	/* UIDL */
	struct scan_ctx l;	/* LIST */
	int	list_sent;	/* LIST went out with UIDL (PIPELINING) */
};


/* pop3e_init - prepare the engine's half of a session object */

void
pop3e_init(struct pop3 *p, const char *name, const char *peer)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->peer = peer;
	p->line = strbuf_alloc(POP3_SASL_LINE_MAX);
	p->wbuf = strbuf_alloc(POP3_QMAX * 32 + POP3_SASL_LINE_MAX + 2);
	p->body = xmalloc(NET_RBUF_SIZE + 2);
	p->drain_why = strbuf_alloc(2048);
	p->login_delay = -1;
	p->caps.login_delay = -1;
	p->caps.expire = -1;
	p->st = E_IDLE;
	p->linemax = PC_LINE_MAX;
}

/* scan_free - forget a scan in progress */

static void
scan_free(struct pop3 *p)
{
	if (p->scan == NULL)
		return;
	free(p->scan->u.v);
	free(p->scan->l.v);
	free(p->scan);
	p->scan = NULL;
}

/* pop3e_free - release the engine's half of a session object */

void
pop3e_free(struct pop3 *p)
{
	pop3i_sasl_free(p);
	scan_free(p);
	p->line = strbuf_free(p->line);
	if (p->wbuf)
		strbuf_wipe(p->wbuf);
	p->wbuf = strbuf_free(p->wbuf);
	free(p->body);
	p->body = NULL;
	p->drain_why = strbuf_free(p->drain_why);
	free(p->msgs);
	p->msgs = NULL;
	p->nmsgs = 0;
	p->st = E_IDLE;
	p->op = OP_NONE;
}

/* pop3e_output - the bytes to send now, or NULL */

const char *
pop3e_output(const struct pop3 *p, size_t *len)
{
	*len = p->wbuf->len;
	return (p->wbuf->len > 0 ? p->wbuf->data : NULL);
}

/* pop3e_output_done - the output was sent (or the session is lost) */

void
pop3e_output_done(struct pop3 *p)
{
	strbuf_wipe(p->wbuf);		/* it may have held a credential */
	strbuf_reset(p->wbuf);
}

/* pop3i_put_line - queue one line; how names the trace (0 plain, 1 secret) */

int
pop3i_put_line(struct pop3 *p, const char *cmd, size_t max, int secret,
    struct strbuf *why)
{
	size_t	len = strlen(cmd);

	if (len > max || strpbrk(cmd, "\r\n") != NULL) {
		strbuf_printf(why, max == POP3_CMD_MAX ? "refusing to send an "
		    "invalid command" : "refusing to send an invalid line");
		return (PC_PERM);
	}
	if (strbuf_append(p->wbuf, cmd, len) != 0 ||
	    strbuf_append(p->wbuf, "\r\n", 2) != 0) {
		strbuf_printf(why, "command buffer full");
		return (PC_TEMP);
	}
	/* Under the mailbox's name, so parallel sessions can be told
	 * apart; a cancel "*" is no secret. */
	if (!secret || strcmp(cmd, "*") == 0)
		log_proto(p->name, 1, cmd, len);
	else
		log_debug("%s S: %s", p->name, len ? "<redacted>" : "");
	return (PC_OK);
}

/* pop3i_send_cmd - queue a command and expect its status in state st */

int
pop3i_send_cmd(struct pop3 *p, const char *cmd, const char *shown, int st,
    struct strbuf *why)
{
	int	rc;

	if ((rc = pop3i_put_line(p, cmd, POP3_CMD_MAX, 0, why)) != PC_OK)
		return (rc);
	p->cmd = shown;
	p->st = st;
	return (PC_OK);
}

/* pop3i_err_status - turn -ERR into PC_TEMP or PC_PERM with a reason */

int
pop3i_err_status(struct pop3 *p, const char *cmd, const struct pop3_status *st,
    int dflt, struct strbuf *why)
{
	char	pr[160];
	int	rc = dflt;

	p->last_code = st->code;
	p->err_seen = 1;
	(void)log_printable(p->last_text, sizeof(p->last_text), st->text,
	    strlen(st->text));
	switch (st->code) {
	case POP3_RC_IN_USE:
	case POP3_RC_SYS_TEMP:
		rc = PC_TEMP;
		break;
	case POP3_RC_LOGIN_DELAY:
		rc = PC_TEMP;
		if (st->delay > 0)
			p->login_delay = st->delay;
		else if (p->caps.login_delay > 0)
			p->login_delay = p->caps.login_delay;
		else
			p->login_delay = 300;
		break;
	case POP3_RC_AUTH:
	case POP3_RC_SYS_PERM:
		rc = PC_PERM;
		break;
	}
	strbuf_printf(why, "%s refused by %s: %s", cmd, p->peer,
	    st->text[0] ? log_printable(pr, sizeof(pr), st->text,
	    strlen(st->text)) : "-ERR without text");
	return (rc);
}

/* pop3i_finish - end the operation with rc; what each operation adds */

int
pop3i_finish(struct pop3 *p, int rc, struct pop3_event *ev, struct strbuf *why)
{
	if (p->op == OP_LOGIN || p->op == OP_APOP || p->op == OP_SASL) {
		/* Replies behind a failed login not read: out of step. */
		if (rc != PC_OK && (p->scan_sent || (p->pass_sent &&
		    p->st == E_USER)))
			p->desync = 1;
		if (rc != PC_OK)
			p->scan_sent = 0;
		p->pass_sent = 0;
	}
	switch (p->op) {
	case OP_OPEN:
		if (rc != PC_OK && p->st == E_STLS) {
			strbuf_appendf(why, "; TLS is required: no "
			    "credentials sent");
			rc = PC_PERM;
		}
		break;
	case OP_LOGIN:
		/* USER refused or lost: no suffix; PASS: the password. */
		if (rc == PC_OK)
			p->auth_class = POP3_AUTH_OK;
		if (rc == PC_PERM && p->st == E_PASS)
			strbuf_appendf(why, " (authentication failed for %s)",
			    p->user);
		break;
	case OP_APOP:
		if (rc == PC_OK)
			p->auth_class = POP3_AUTH_OK;
		if (rc == PC_PERM)
			strbuf_appendf(why, " (authentication failed for %s)",
			    p->user);
		break;
	case OP_SASL:
		pop3i_sasl_free(p);
		if (rc == PC_OK)
			p->auth_class = POP3_AUTH_OK;
		if (rc == PC_PERM)
			strbuf_appendf(why, " (authentication with %s failed "
			    "for %s)", p->mech, p->user);
		break;
	case OP_SCAN:
		scan_free(p);
		break;
	}
	p->user = p->pass = p->mech = NULL;
	p->utf8_wait = 0;
	p->op = OP_NONE;
	p->st = E_IDLE;
	p->linemax = PC_LINE_MAX;
	ev->type = POP3E_DONE;
	ev->rc = rc;
	return (POP3E_DONE);
}

/* pop3e_open - expect the greeting; CAPA, STLS (tls), UTF8 follow */

void
pop3e_open(struct pop3 *p, int tls)
{
	p->op = OP_OPEN;
	p->st = E_GREETING;
	p->cmd = "greeting";
	p->tls_mode = tls;
}

/* send_capa - CAPA; a server without CAPA has no capabilities */

static int
send_capa(struct pop3 *p, struct strbuf *why)
{
	memset(&p->caps, 0, sizeof(p->caps));
	p->caps.login_delay = -1;
	p->caps.expire = -1;
	return (pop3i_send_cmd(p, "CAPA", "CAPA", E_CAPA, why));
}

/* pop3e_tls_done - the caller's TLS handshake after STLS succeeded */

void
pop3e_tls_done(struct pop3 *p, struct strbuf *why)
{
	p->tls_active = 1;
	/* RFC 2595 section 4: forget what was learned before TLS. */
	(void)send_capa(p, why);
}

/* caps_known - after CAPA: STLS, UTF8, or the end of pop3e_open() */

static int
caps_known(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	int	rc;

	if (p->tls_mode == POP3_TLS_STLS && !p->tls_active) {
		if (!(p->caps.flags & POP3_CAP_STLS)) {
			strbuf_printf(why, "server %s does not offer STLS and "
			    "TLS is required: no credentials sent", p->peer);
			return (pop3i_finish(p, PC_PERM, ev, why));
		}
		if ((rc = pop3i_send_cmd(p, "STLS", "STLS", E_STLS, why)) != PC_OK)
			return (pop3i_finish(p, rc, ev, why));
		ev->type = POP3E_CAPS;
		return (POP3E_CAPS);
	}
	/* RFC 6856 section 2: a -ERR to UTF8 changes nothing; go on.  With
	 * PIPELINING it goes with the login (pop3_auth.c): a round trip. */
	p->utf8_later = (p->caps.flags & POP3_CAP_UTF8) &&
	    (p->caps.flags & POP3_CAP_PIPELINING);
	if ((p->caps.flags & POP3_CAP_UTF8) && !p->utf8_later) {
		if ((rc = pop3i_send_cmd(p, "UTF8", "UTF8", E_UTF8, why)) != PC_OK)
			return (pop3i_finish(p, rc, ev, why));
		ev->type = POP3E_CAPS;
		return (POP3E_CAPS);
	}
	/* The capabilities are the last thing pop3e_open() learns. */
	return (pop3i_finish(p, PC_OK, ev, why));
}

/* greeting - the greeting; remember an APOP timestamp */

static int
greeting(struct pop3 *p, const struct pop3_status *st,
    struct pop3_event *ev, struct strbuf *why)
{
	const char *lt, *gt;
	int	rc;

	if (!st->ok)
		return (pop3i_finish(p, pop3i_err_status(p, "connection", st, PC_TEMP,
		    why), ev, why));
	/* RFC 1939 section 7: a msg-id "<...@...>" in the greeting. */
	p->apop_ts[0] = 0;
	if ((lt = strchr(st->text, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL && memchr(lt, '@', (size_t)(gt -
	    lt)) != NULL && (size_t)(gt - lt + 1) < sizeof(p->apop_ts)) {
		memcpy(p->apop_ts, lt, (size_t)(gt - lt + 1));
		p->apop_ts[gt - lt + 1] = 0;
	}
	if ((rc = send_capa(p, why)) != PC_OK)
		return (pop3i_finish(p, rc, ev, why));
	ev->type = POP3E_GREETING;
	return (POP3E_GREETING);
}

/*
 * pop3e_scan - UIDL, then LIST, into p->msgs; with PIPELINING both in one
 * write (RFC 2449 section 6.6), which saves a round trip per session
 */

void
pop3e_scan(struct pop3 *p, struct strbuf *why)
{
	free(p->msgs);
	p->msgs = NULL;
	p->nmsgs = 0;
	p->uidl_ok = 0;
	p->op = OP_SCAN;
	scan_free(p);
	p->scan = xcalloc(1, sizeof(*p->scan));
	if (p->scan_sent) {
		/* They went with the login's last command (pop3_auth.c). */
		p->scan->list_sent = p->scan_sent == 2;
		p->scan_sent = 0;
		p->cmd = "UIDL";
		p->st = E_UIDL;
		return;
	}
	if (pop3i_send_cmd(p, "UIDL", "UIDL", E_UIDL, why) != PC_OK)
		return;
	if ((p->caps.flags & POP3_CAP_PIPELINING) &&
	    pop3i_put_line(p, "LIST", POP3_CMD_MAX, 0, why) == PC_OK)
		p->scan->list_sent = 1;
}

/* scan_list - UIDL is done: expect LIST's reply, sending LIST if need be */

static int
scan_list(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	int	rc;

	if (p->scan->list_sent) {
		p->cmd = "LIST";
		p->st = E_LIST;
		return (POP3E_MORE);
	}
	rc = pop3i_send_cmd(p, "LIST", "LIST", E_LIST, why);
	return (rc == PC_OK ? POP3E_MORE : pop3i_finish(p, rc, ev, why));
}

/* scan_add - append a message entry */

static struct pop3_msg *
scan_add(struct scan_ctx *c)
{
	if (c->n >= POP3_MAX_MSGS)
		return (NULL);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	return (&c->v[c->n++]);
}

/* uidl_line - one UIDL line; invalid ones are judged at the end */

static int
uidl_line(struct scan_ctx *c, const char *line)
{
	struct pop3_msg *m;

	if ((m = scan_add(c)) == NULL)
		return (PC_PERM);
	if (pop3_parse_uidl(line, &m->num, m->uid) != 0) {
		c->n--;
		c->bad++;
	}
	return (PC_OK);
}

/* list_line - one LIST line */

static int
list_line(struct scan_ctx *c, const char *line)
{
	struct pop3_msg *m;

	if ((m = scan_add(c)) == NULL)
		return (PC_PERM);
	return (pop3_parse_list(line, &m->num, &m->size) == 0 ? PC_OK :
	    PC_PERM);
}

/* by_num - qsort by message number */

static int
by_num(const void *a, const void *b)
{
	const struct pop3_msg *x = a, *y = b;

	return (x->num < y->num ? -1 : x->num > y->num);
}

/* by_uid - qsort by UID */

static int
by_uid(const void *a, const void *b)
{
	return (strcmp(((const struct pop3_msg *)a)->uid,
	    ((const struct pop3_msg *)b)->uid));
}

/* scan_done - join UIDL and LIST into p->msgs */

static int
scan_done(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	struct scan_ctx *u = &p->scan->u, *l = &p->scan->l;
	size_t	i, j;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), by_num);
	if (u->n > 1)
		qsort(u->v, u->n, sizeof(*u->v), by_num);
	for (i = 1; i < l->n; i++) {
		if (l->v[i].num == l->v[i - 1].num) {
			strbuf_printf(why, "protocol error: message %lu listed "
			    "twice by %s", l->v[i].num, p->peer);
			return (pop3i_finish(p, PC_PERM, ev, why));
		}
	}
	for (i = 0, j = 0; i < l->n; i++) {
		while (j < u->n && u->v[j].num < l->v[i].num)
			j++;
		if (j < u->n && u->v[j].num == l->v[i].num)
			memcpy(l->v[i].uid, u->v[j].uid, sizeof(l->v[i].uid));
	}
	/*
	 * RFC 1939 section 7: UIDs are 1..70 printable characters, unique.
	 * A server that breaks this cannot be tracked by UIDL: forget every
	 * UID and let the caller track messages by digest, as for a server
	 * without UIDL (nothing is delivered twice, nothing blocks).
	 */
	if (u->n > 1)
		qsort(u->v, u->n, sizeof(*u->v), by_uid);
	for (i = 1; i < u->n && u->bad == 0; i++)
		if (strcmp(u->v[i].uid, u->v[i - 1].uid) == 0)
			u->bad = 1;
	if (u->bad > 0) {
		log_warn("%s: server %s sends invalid or duplicate UIDs (RFC "
		    "1939 section 7): tracking its messages by digest "
		    "instead", p->name, p->peer);
		for (i = 0; i < l->n; i++)
			l->v[i].uid[0] = 0;
		p->uidl_broken = 1;
		p->uidl_ok = 0;
	}
	p->msgs = l->v;
	p->nmsgs = l->n;
	l->v = NULL;
	return (pop3i_finish(p, PC_OK, ev, why));
}

/*
 * pop3e_queue - queue a RETR, DELE or QUIT behind the commands in flight;
 * nothing may be queued behind a QUIT
 */

int
pop3e_queue(struct pop3 *p, int kind, unsigned long num, struct strbuf *why)
{
	char	cmd[40];
	int	n;

	if (p->qlen == POP3_QMAX)
		log_panic("pop3_queue: more than %d commands in flight",
		    POP3_QMAX);
	if (p->scan_sent)
		log_panic("pop3_queue: UIDL and LIST replies in flight");
	if (p->qlen > 0 && p->q[(p->qhead + p->qlen - 1) % POP3_QMAX].kind ==
	    POP3_Q_QUIT)
		log_panic("pop3_queue: a command behind QUIT");
	if (kind == POP3_Q_QUIT)
		n = snprintf(cmd, sizeof(cmd), "QUIT");
	else
		n = snprintf(cmd, sizeof(cmd), "%s %lu", kind == POP3_Q_RETR ?
		    "RETR" : "DELE", num);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		log_panic("pop3_queue: command too long");
	log_proto(p->name, 1, cmd, (size_t)n);
	if (strbuf_append(p->wbuf, cmd, (size_t)n) != 0 ||
	    strbuf_append(p->wbuf, "\r\n", 2) != 0) {
		strbuf_printf(why, "command buffer full");
		return (PC_TEMP);
	}
	p->q[(p->qhead + p->qlen) % POP3_QMAX].kind = kind;
	p->q[(p->qhead + p->qlen) % POP3_QMAX].num = num;
	p->qlen++;
	if (kind == POP3_Q_RETR)
		p->qretr++;
	return (PC_OK);
}

/* pop3e_next - expect the reply to the oldest command in flight */

void
pop3e_next(struct pop3 *p, int *kind, unsigned long *num)
{
	struct pop3_cmdq c;

	if (p->qlen == 0)
		log_panic("pop3_next: nothing in flight");
	c = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % POP3_QMAX;
	p->qlen--;
	if (c.kind == POP3_Q_RETR)
		p->qretr--;
	*kind = p->cur_kind = c.kind;
	*num = p->cur_num = c.num;
	pop3_body_init(&p->bd);
	if (c.kind == POP3_Q_QUIT) {
		p->op = OP_QUIT;
		p->st = E_QUIT;
		p->cmd = "QUIT";
		return;
	}
	p->op = OP_NEXT;
	p->st = E_REPLY;
	p->cmd = c.kind == POP3_Q_RETR ? "RETR" : "DELE";
}

/*
 * pop3e_quit - QUIT; the server deletes in the UPDATE state.  A QUIT
 * queued behind the last commands (pop3e_queue()) is already on its way:
 * expect its reply, once every reply before it was read.
 */

void
pop3e_quit(struct pop3 *p, struct strbuf *why)
{
	unsigned long num;
	int	kind;

	if (p->scan_sent)
		log_panic("pop3_quit: UIDL and LIST replies in flight");
	if (p->qlen > 0) {
		if (p->qlen != 1 || p->q[p->qhead].kind != POP3_Q_QUIT)
			log_panic("pop3_quit: replies still in flight");
		pop3e_next(p, &kind, &num);
		return;
	}
	p->op = OP_QUIT;
	(void)pop3i_send_cmd(p, "QUIT", "QUIT", E_QUIT, why);
}

/* multi_line - one line of a multi-line response; "." ends it */

static int
multi_line(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	const char *s;
	char	pr[120];
	int	rc;

	if (memchr(p->line->data, 0, p->line->len) != NULL) {
		strbuf_printf(why, "protocol error: NUL in %s response from %s",
		    p->cmd, p->peer);
		return (pop3i_finish(p, PC_PERM, ev, why));
	}
	s = strbuf_str(p->line);
	if (s[0] == '.') {
		if (s[1] == 0) {
			switch (p->st) {
			case E_CAPA_LINES:
				return (caps_known(p, ev, why));
			case E_UIDL_LINES:
				return (scan_list(p, ev, why));
			default:
				return (scan_done(p, ev, why));
			}
		}
		s++;			/* dot-stuffed */
	}
	if (p->st == E_CAPA_LINES)
		rc = pop3_parse_capa(s, &p->caps) == 0 ? PC_OK : PC_PERM;
	else
		rc = p->st == E_UIDL_LINES ? uidl_line(&p->scan->u, s) :
		    list_line(&p->scan->l, s);
	if (rc != PC_OK) {
		strbuf_printf(why, "protocol error: bad %s line from %s: %s",
		    p->cmd, p->peer, log_printable(pr, sizeof(pr), s,
		    strlen(s)));
		return (pop3i_finish(p, rc, ev, why));
	}
	return (POP3E_MORE);
}

/* status_line - a status line in state p->st */

static int
status_line(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	struct pop3_status st;
	char	pr[160];
	int	rc;

	if (memchr(p->line->data, 0, p->line->len) != NULL ||
	    pop3_parse_status(strbuf_str(p->line), &st) != 0) {
		strbuf_printf(why, "protocol error: bad reply to %s from %s: %s",
		    p->cmd, p->peer, log_printable(pr, sizeof(pr),
		    p->line->data, p->line->len));
		return (pop3i_finish(p, PC_PERM, ev, why));
	}
	switch (p->st) {
	case E_GREETING:
		return (greeting(p, &st, ev, why));
	case E_CAPA:
		if (!st.ok)
			return (caps_known(p, ev, why));
		p->caps.flags |= POP3_CAP_ANSWERED;
		p->st = E_CAPA_LINES;
		return (POP3E_MORE);
	case E_STLS:
		if (!st.ok)
			return (pop3i_finish(p, pop3i_err_status(p, "STLS", &st, PC_PERM,
			    why), ev, why));
		p->st = E_TLS;
		ev->type = POP3E_TLS;
		return (POP3E_TLS);
	case E_UTF8:
		return (pop3i_finish(p, PC_OK, ev, why));
	case E_USER:
		if (!st.ok) {
			rc = pop3i_err_status(p, "USER", &st, PC_PERM, why);
			p->auth_class = pop3_auth_class(p->caps.flags,
			    p->announced, 1, p->last_code);
			return (pop3i_login_end(p, rc, ev, why));
		}
		if (p->pass_sent) {	/* it went with USER */
			p->last_text[0] = 0;
			p->cmd = "PASS";
			p->st = E_PASS;
			return (POP3E_MORE);
		}
		return (pop3i_send_pass(p, ev, why));
	case E_PASS:
	case E_APOP:
		if (st.ok)
			return (pop3i_finish(p, PC_OK, ev, why));
		rc = pop3i_err_status(p, p->cmd, &st, PC_PERM, why);
		/* USER was accepted: PASS is about the password. */
		p->auth_class = pop3_auth_class(p->caps.flags, 1, 1,
		    p->last_code);
		return (pop3i_login_end(p, rc, ev, why));
	case E_UIDL:
		p->uidl_ok = st.ok;	/* an empty list is a working UIDL */
		if (st.ok) {
			p->st = E_UIDL_LINES;
			return (POP3E_MORE);
		}
		return (scan_list(p, ev, why));
	case E_LIST:
		if (!st.ok)
			return (pop3i_finish(p, pop3i_err_status(p, "LIST", &st, PC_TEMP,
			    why), ev, why));
		p->st = E_LIST_LINES;
		return (POP3E_MORE);
	case E_REPLY:
		if (!st.ok)
			return (pop3i_finish(p, pop3i_err_status(p, p->cmd, &st, PC_TEMP,
			    why), ev, why));
		if (p->cur_kind == POP3_Q_RETR) {
			p->st = E_BODY;
			return (POP3E_MORE);
		}
		return (pop3i_finish(p, PC_OK, ev, why));
	default:			/* E_QUIT */
		if (!st.ok)
			return (pop3i_finish(p, pop3i_err_status(p, "QUIT", &st, PC_TEMP,
			    why), ev, why));
		return (pop3i_finish(p, PC_OK, ev, why));
	}
}

/* one_line - a complete line arrived in p->line */

static int
one_line(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	log_proto(p->name, 0, strbuf_str(p->line), strbuf_len(p->line));
	if (p->utf8_wait)
		return (pop3i_utf8_reply(p, ev, why));
	switch (p->st) {
	case E_CAPA_LINES:
	case E_UIDL_LINES:
	case E_LIST_LINES:
		return (multi_line(p, ev, why));
	case E_SASL:
		return (pop3i_sasl_line(p, ev, why));
	case E_SASL_CANCEL:
		/* Whatever it says; the reason is the one given before. */
		return (pop3i_finish(p, PC_PERM, ev, why));
	case E_DRAIN:
		return (pop3i_drain_line(p, ev, why));
	default:
		return (status_line(p, ev, why));
	}
}

/* body_input - message data, in chunks of at most NET_RBUF_SIZE */

static int
body_input(struct pop3 *p, const char *in, size_t len, size_t *used,
    struct pop3_event *ev, struct strbuf *why)
{
	size_t	chunk, outlen;

	*used = 0;
	while (!p->bd.done && *used < len) {
		chunk = len - *used;
		if (chunk > NET_RBUF_SIZE)
			chunk = NET_RBUF_SIZE;
		*used += pop3_body_feed(&p->bd, in + *used, chunk, p->body,
		    &outlen);
		if (outlen > 0) {
			ev->type = POP3E_DATA;
			ev->data = p->body;
			ev->len = outlen;
			ev->num = p->cur_num;
			return (POP3E_DATA);
		}
	}
	if (p->bd.done)
		return (pop3i_finish(p, PC_OK, ev, why));
	return (POP3E_MORE);
}

/* pop3e_input - take server bytes; say how many were used and why not */

int
pop3e_input(struct pop3 *p, const char *in, size_t len, size_t *used,
    struct pop3_event *ev, struct strbuf *why)
{
	const char *nl;
	size_t	off = 0, take;
	int	r;

	memset(ev, 0, sizeof(*ev));
	for (;;) {
		if (p->st == E_IDLE) {
			r = POP3E_IDLE;
			break;
		}
		if (p->st == E_TLS) {
			r = ev->type = POP3E_TLS;
			break;
		}
		if (p->st == E_BODY) {
			r = body_input(p, in + off, len - off, &take, ev, why);
			off += take;
			break;
		}
		if (off == len) {
			r = POP3E_MORE;
			break;
		}
		nl = memchr(in + off, '\n', len - off);
		take = nl ? (size_t)(nl - (in + off)) : len - off;
		if (p->line->len + take > p->linemax) {
			strbuf_reset(p->line);
			strbuf_printf(why, "line from %s longer than %zu bytes",
			    p->peer, p->linemax);
			r = pop3e_fail(p, PC_PERM, 1, ev, why);
			break;
		}
		(void)strbuf_append(p->line, in + off, take);
		off += take;
		if (nl == NULL) {
			r = POP3E_MORE;
			break;
		}
		off++;
		if (p->line->len > 0 && p->line->data[p->line->len - 1] == '\r')
			strbuf_truncate(p->line, p->line->len - 1);
		r = one_line(p, ev, why);
		strbuf_reset(p->line);
		if (r != POP3E_MORE)
			break;
		if (p->wbuf->len > 0) {
			/* A command to send before its reply can come. */
			r = ev->type = POP3E_SEND;
			break;
		}
	}
	*used = off;
	return (r);
}

/* pop3e_fail - the connection failed (reading or writing): end it */

int
pop3e_fail(struct pop3 *p, int rc, int reading, struct pop3_event *ev,
    struct strbuf *why)
{
	memset(ev, 0, sizeof(*ev));
	if (p->st == E_DRAIN)
		return (pop3i_drain_fail(p, ev, why));
	if (p->st == E_SASL_CANCEL) {
		/* Cancelling anyway: the reason is the one given before. */
		strbuf_printf(why, "%s", strbuf_str(p->sasl->saved));
		return (pop3i_finish(p, PC_PERM, ev, why));
	}
	if (reading) {
		switch (p->st) {
		case E_CAPA_LINES:
		case E_UIDL_LINES:
		case E_LIST_LINES:
			strbuf_appendf(why, " (in %s response)", p->cmd);
			break;
		case E_SASL:
			strbuf_appendf(why, " (during AUTH %s)", p->mech);
			break;
		case E_BODY:
			strbuf_appendf(why, " (during RETR %lu)", p->cur_num);
			break;
		default:
			strbuf_appendf(why, " (after %s)", p->cmd);
			break;
		}
	}
	return (pop3i_finish(p, rc, ev, why));
}
