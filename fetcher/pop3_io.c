/*
 * NAME
 *	pop3_io - the POP3 session over a connection: the engine's driver
 * SYNOPSIS
 *	See pop3.h ("Sessions").
 * DESCRIPTION
 *	Each pop3_*() session function starts one engine operation
 *	(pop3_engine.c) and runs it to its end: it writes what the engine
 *	wants sent, hands it the bytes in the connection's read buffer
 *	(net.c), reads more when the engine wants more, runs the TLS
 *	handshake when it asks, and gives message data to the caller's
 *	sink.  Every decision about the protocol is the engine's; the
 *	connection, TLS and the timeouts are net.c's.
 * DIAGNOSTICS
 *	See pop3.h.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <string.h>
#include <time.h>

#include "popconn.h"
#include "log.h"
#include "pop3.h"

/* flush - send what the engine queued */

static int
flush(struct pop3 *p, struct strbuf *why)
{
	const char *out;
	size_t	len;
	int	rc = PC_OK;

	if ((out = pop3e_output(p, &len)) != NULL)
		rc = net_write(&p->net, out, len, why);
	pop3e_output_done(p);
	return (rc);
}

/* drive - run the engine's operation to its end */

static int
drive(struct pop3 *p, const struct net_tls *t,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct strbuf *why)
{
	struct pop3_event ev;
	size_t	used;
	int	rc;

	for (;;) {
		if ((rc = flush(p, why)) != PC_OK) {
			(void)pop3e_fail(p, rc, 0, &ev, why);
			return (ev.rc);
		}
		switch (pop3e_input(p, p->net.rbuf + p->net.rpos,
		    p->net.rlen - p->net.rpos, &used, &ev, why)) {
		case POP3E_MORE:
			p->net.rpos += used;
			if ((rc = net_fill(&p->net, why)) != PC_OK) {
				(void)pop3e_fail(p, rc, 1, &ev, why);
				return (ev.rc);
			}
			break;
		case POP3E_DATA:
			p->net.rpos += used;
			/* No sink (a caller draining DELEs): nowhere to go. */
			if (sink == NULL ||
			    sink(ctx, ev.data, ev.len) != PC_OK) {
				strbuf_printf(why, "cannot store message %lu",
				    ev.num);
				(void)pop3e_fail(p, PC_TEMP, 0, &ev, why);
				return (PC_TEMP);
			}
			break;
		case POP3E_TLS:
			p->net.rpos += used;
			if (t == NULL)
				log_panic("pop3: STLS outside pop3_open");
			if ((rc = net_tls_start(&p->net, t, why)) != PC_OK) {
				(void)pop3e_fail(p, rc, 0, &ev, why);
				return (rc);
			}
			pop3e_tls_done(p, why);
			break;
		case POP3E_DONE:
		case POP3E_IDLE:
			p->net.rpos += used;
			return (ev.rc);
		default:		/* greeting, capabilities, AUTH step */
			p->net.rpos += used;
			break;
		}
	}
}

/* pop3_init - prepare a session object */

void
pop3_init(struct pop3 *p, const char *name)
{
	pop3e_init(p, name, p->net.peer);
	net_init(&p->net);
}

/* pop3_open - connect, TLS, greeting, capabilities */

int
pop3_open(struct pop3 *p, const struct pop3_opts *o, struct strbuf *why)
{
	struct net_tls t;
	int	rc;

	memset(&t, 0, sizeof(t));
	t.host = o->host;
	t.ca_file = o->ca_file;
	t.pin = o->pin;
	t.verify = !o->no_verify;
	t.session_file = o->tls_session_file;
	if ((rc = net_connect(&p->net, o->host, o->port, o->connect_timeout,
	    why)) != PC_OK)
		return (rc);
	p->net.timeout = o->command_timeout;
	if (o->session_timeout > 0)
		p->net.deadline = time(NULL) + o->session_timeout;
	if (o->tls == POP3_TLS_IMPLICIT) {
		if ((rc = net_tls_start(&p->net, &t, why)) != PC_OK) {
			if (p->net.not_tls) {
				strbuf_reset(why);
				strbuf_printf(why, "the server %s did not "
				    "answer TLS on port %d: is this the POP3 "
				    "port? try pop3://%s%s%s:110 for STLS (or "
				    "the POP3S port, 995)", p->net.peer,
				    o->port, strchr(o->host, ':') ? "[" : "",
				    o->host, strchr(o->host, ':') ? "]" : "");
				rc = PC_PERM;
			}
			return (rc);
		}
		p->tls_active = 1;
	}
	p->scan_early = o->scan_with_login;
	pop3e_open(p, o->tls);
	return (drive(p, &t, NULL, NULL, why));
}

/* pop3_login - USER/PASS */

int
pop3_login(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why)
{
	int	rc;

	if ((rc = pop3e_login(p, user, pass, why)) != PC_OK)
		return (rc);
	return (drive(p, NULL, NULL, NULL, why));
}

/* pop3_apop - APOP (RFC 1939 section 7) */

int
pop3_apop(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why)
{
	int	rc;

	if ((rc = pop3e_apop(p, user, pass, why)) != PC_OK)
		return (rc);
	return (drive(p, NULL, NULL, NULL, why));
}

/* pop3_sasl - AUTH with one SASL mechanism (RFC 5034) */

int
pop3_sasl(struct pop3 *p, const char *mech, const char *user,
    const char *secret, const char *host, int port, struct strbuf *why)
{
	int	rc;

	if ((rc = pop3e_sasl(p, mech, user, secret, host, port, why)) !=
	    PC_OK)
		return (rc);
	return (drive(p, NULL, NULL, NULL, why));
}

/* pop3_scan - UIDL and LIST into p->msgs */

int
pop3_scan(struct pop3 *p, struct strbuf *why)
{
	pop3e_scan(p, why);
	return (drive(p, NULL, NULL, NULL, why));
}

/* pop3_queue - queue a RETR or DELE behind the commands in flight */

int
pop3_queue(struct pop3 *p, int kind, unsigned long num, struct strbuf *why)
{
	return (pop3e_queue(p, kind, num, why));
}

/* pop3_next - send what is queued, read the oldest reply */

int
pop3_next(struct pop3 *p, int *kind, unsigned long *num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why)
{
	int	rc;

	if ((rc = flush(p, why)) != PC_OK)
		return (rc);
	pop3e_next(p, kind, num);
	rc = drive(p, NULL, sink, ctx, why);
	info->octets = p->bd.octets;
	info->lines = p->bd.lines;
	return (rc);
}

/* pop3_retr - fetch one message, nothing else in flight */

int
pop3_retr(struct pop3 *p, unsigned long num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why)
{
	unsigned long n;
	int	kind, rc;

	if ((rc = pop3_queue(p, POP3_Q_RETR, num, why)) != PC_OK)
		return (rc);
	return (pop3_next(p, &kind, &n, sink, ctx, info, why));
}

/* pop3_dele - mark one message deleted, nothing else in flight */

int
pop3_dele(struct pop3 *p, unsigned long num, struct strbuf *why)
{
	struct pop3_retr_info info;
	unsigned long n;
	int	kind, rc;

	if ((rc = pop3_queue(p, POP3_Q_DELE, num, why)) != PC_OK)
		return (rc);
	return (pop3_next(p, &kind, &n, NULL, NULL, &info, why));
}

/* pop3_quit - end the session; the server deletes in the UPDATE state */

int
pop3_quit(struct pop3 *p, struct strbuf *why)
{
	pop3e_quit(p, why);
	return (drive(p, NULL, NULL, NULL, why));
}

/* pop3_close - drop the connection (without QUIT: DELEs roll back) */

void
pop3_close(struct pop3 *p)
{
	net_close(&p->net);
	pop3e_free(p);
}
