/*
 * NAME
 *	pop3_auth - the POP3 engine's logins: USER/PASS, APOP, AUTH
 * SYNOPSIS
 *	See pop3.h ("Engine").
 * DESCRIPTION
 *	The login half of the session state machine (pop3_engine.c), with
 *	no I/O either: pop3e_login(), pop3e_apop() and pop3e_sasl() queue
 *	their first line; the engine hands this file the replies to PASS
 *	and every line of an AUTH exchange (RFC 5034: an initial response
 *	when the command fits in 255 octets, "*" to cancel when a challenge
 *	is bad, at most POP3_SASL_STEPS round trips).  Mechanisms are
 *	xsasl's, called through xsasl.h only.
 * SECURITY
 *	Credentials go into the output buffer only (wiped once sent) and
 *	are never logged; the SASL state is wiped when the exchange ends.
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
#include "xsasl.h"

/* pop3i_sasl_free - end an AUTH exchange, wiping what it held */

void
pop3i_sasl_free(struct pop3 *p)
{
	struct pop3_sasl *s = p->sasl;

	if (s == NULL)
		return;
	(void)xsasl_free(s->x);
	strbuf_free(s->pending);
	strbuf_free(s->out);
	strbuf_free(s->note);
	strbuf_free(s->saved);
	free(s);
	p->sasl = NULL;
}


/*
 * auth_begin - what every login starts with; PC_PERM when the connection
 * is out of step (a reply behind an earlier login did not fit)
 */

static int
auth_begin(struct pop3 *p, int op, const char *user, struct strbuf *why)
{
	p->auth_class = POP3_AUTH_FAILED;
	p->last_code = POP3_RC_NONE;
	p->last_text[0] = 0;
	p->err_seen = 0;
	p->op = op;
	p->user = user;
	if (p->scan_sent || p->pass_sent)
		log_panic("pop3: a login while replies are in flight");
	if (!p->desync)
		return (PC_OK);
	strbuf_printf(why, "protocol error: %s answered out of step; "
	    "nothing more is sent on this connection", p->peer);
	p->op = OP_NONE;
	return (PC_PERM);
}

/*
 * scan_ahead - UIDL and LIST behind the login's last command, where the
 * caller asked for it and the server announced PIPELINING (RFC 2449
 * section 6.6): a round trip less.  Without room, they simply wait.
 */

static void
scan_ahead(struct pop3 *p)
{
	struct strbuf *w;

	if (!p->scan_early || !(p->caps.flags & POP3_CAP_PIPELINING) ||
	    p->scan_sent)
		return;
	w = strbuf_alloc(256);
	if (pop3i_put_line(p, "UIDL", POP3_CMD_MAX, 0, w) == PC_OK) {
		p->scan_sent = 1;
		if (pop3i_put_line(p, "LIST", POP3_CMD_MAX, 0, w) == PC_OK)
			p->scan_sent = 2;
	}
	strbuf_free(w);
}

/*
 * utf8_first - UTF8 (RFC 6856) before the login's first command, in its
 * write, where pop3e_open() left it for the login (PIPELINING)
 */

static void
utf8_first(struct pop3 *p)
{
	struct strbuf *w;

	if (!p->utf8_later || p->wbuf->len + 6 > p->wbuf->max)
		return;
	w = strbuf_alloc(p->wbuf->max);
	(void)strbuf_append(w, p->wbuf->data, p->wbuf->len);
	strbuf_wipe(p->wbuf);
	strbuf_reset(p->wbuf);
	if (pop3i_put_line(p, "UTF8", POP3_CMD_MAX, 0, w) == PC_OK) {
		p->utf8_later = 0;
		p->utf8_wait = 1;
	}
	(void)strbuf_append(p->wbuf, w->data, w->len);
	strbuf_wipe(w);
	strbuf_free(w);
}

/* pop3i_utf8_reply - the reply to a UTF8 sent with the login: +OK or -ERR */

int
pop3i_utf8_reply(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	struct pop3_status st;
	char	pr[160];

	if (memchr(p->line->data, 0, p->line->len) != NULL ||
	    pop3_parse_status(strbuf_str(p->line), &st) != 0) {
		strbuf_printf(why, "protocol error: bad reply to UTF8 from %s: "
		    "%s", p->peer, log_printable(pr, sizeof(pr), p->line->data,
		    p->line->len));
		return (pop3i_finish(p, PC_PERM, ev, why));
	}
	p->utf8_wait = 0;
	return (POP3E_MORE);
}

/*
 * pop3i_login_end - a login ends with rc; a refusal waits until the
 * replies to the commands sent behind it (PASS after USER, UIDL, LIST)
 * are read, then is reported as it was
 */

int
pop3i_login_end(struct pop3 *p, int rc, struct pop3_event *ev,
    struct strbuf *why)
{
	int	n = p->scan_sent + (p->pass_sent && p->st == E_USER);

	if (rc == PC_OK || n == 0)
		return (pop3i_finish(p, rc, ev, why));
	p->drain = n;
	p->drain_rc = rc;
	p->drain_st = p->st;
	(void)strbuf_printf(p->drain_why, "%s", strbuf_str(why));
	p->st = E_DRAIN;
	p->linemax = PC_LINE_MAX;
	return (POP3E_MORE);
}

/* drain_end - report the refusal that started the drain */

static int
drain_end(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	p->scan_sent = p->pass_sent = 0;
	p->st = p->drain_st;
	strbuf_printf(why, "%s", strbuf_str(p->drain_why));
	strbuf_reset(p->drain_why);
	return (pop3i_finish(p, p->drain_rc, ev, why));
}

/*
 * pop3i_drain_line - a reply behind a refused login: -ERR, since the
 * server is still in the AUTHORIZATION state (RFC 1939 section 4);
 * anything else puts the connection out of step
 */

int
pop3i_drain_line(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	struct pop3_status st;

	if (memchr(p->line->data, 0, p->line->len) == NULL &&
	    pop3_parse_status(strbuf_str(p->line), &st) == 0 && !st.ok) {
		if (--p->drain > 0)
			return (POP3E_MORE);
		return (drain_end(p, ev, why));
	}
	log_warn("%s: %s accepted or garbled a command sent behind a "
	    "refused login: not using this connection further", p->name,
	    p->peer);
	p->desync = 1;
	return (drain_end(p, ev, why));
}

/* pop3i_drain_fail - the connection failed during the drain */

int
pop3i_drain_fail(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	p->desync = 1;
	return (drain_end(p, ev, why));
}

/* pop3e_login - USER/PASS; the strings must last until POP3E_DONE */

int
pop3e_login(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why)
{
	char	cmd[POP3_CMD_MAX + 1], pcmd[POP3_CMD_MAX + 1];
	int	n;

	if (auth_begin(p, OP_LOGIN, user, why) != PC_OK)
		return (PC_PERM);
	p->pass = pass;
	/* RFC 2449: CAPA lists USER; a server without CAPA may have it. */
	p->announced = !(p->caps.flags & POP3_CAP_ANSWERED) ||
	    (p->caps.flags & POP3_CAP_USER);
	if (!p->tls_active) {
		/* Callers decide; this is the last line of defence. */
		log_warn("%s: sending a password without TLS to %s", p->name,
		    p->peer);
	}
	n = snprintf(pcmd, sizeof(pcmd), "PASS %s", pass);
	if (snprintf(cmd, sizeof(cmd), "USER %s", user) >= (int)sizeof(cmd))
		strbuf_printf(why, "account name too long");
	else if (pop3i_send_cmd(p, cmd, "USER", E_USER, why) == PC_OK) {
		/* RFC 2449 section 6.6: PASS with USER; a PASS that cannot
		 * go waits, to fail as it always did. */
		if ((p->caps.flags & POP3_CAP_PIPELINING) && n > 0 &&
		    n < (int)sizeof(pcmd) && strpbrk(pass, "\r\n") == NULL &&
		    pop3i_put_line(p, pcmd, POP3_CMD_MAX, 0, why) == PC_OK) {
			p->pass_sent = 1;
			scan_ahead(p);
		}
		explicit_bzero(pcmd, sizeof(pcmd));
		utf8_first(p);
		return (PC_OK);
	}
	explicit_bzero(pcmd, sizeof(pcmd));
	p->op = OP_NONE;
	p->st = E_IDLE;
	return (PC_PERM);
}

/* pop3i_send_pass - USER was accepted: PASS */

int
pop3i_send_pass(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	char	cmd[POP3_CMD_MAX + 1];
	int	n, rc;

	n = snprintf(cmd, sizeof(cmd), "PASS %s", p->pass);
	if (n < 0 || n >= (int)sizeof(cmd) || strpbrk(p->pass, "\r\n")) {
		strbuf_printf(why, "password too long or has a line break");
		rc = PC_PERM;
	} else {
		p->last_text[0] = 0;
		rc = pop3i_send_cmd(p, cmd, "PASS", E_PASS, why);
	}
	explicit_bzero(cmd, sizeof(cmd));
	if (rc != PC_OK) {
		p->st = E_USER;		/* no "authentication failed" */
		return (pop3i_finish(p, rc, ev, why));
	}
	ev->type = POP3E_AUTH_STEP;
	return (POP3E_AUTH_STEP);
}

/* pop3e_apop - APOP (RFC 1939 section 7) */

int
pop3e_apop(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why)
{
	char	hex[33], cmd[POP3_CMD_MAX + 1];
	int	rc;

	if (auth_begin(p, OP_APOP, user, why) != PC_OK)
		return (PC_PERM);
	p->op = OP_NONE;
	if (p->apop_ts[0] == 0 || xsasl_apop(p->apop_ts, pass, hex) != PC_OK) {
		/* Nothing was sent: APOP was not offered (RFC 1939 7). */
		strbuf_printf(why, "server %s offers no valid APOP timestamp "
		    "in its greeting: APOP not offered", p->peer);
		p->auth_class = POP3_AUTH_NOT_OFFERED;
		return (PC_PERM);
	}
	if (snprintf(cmd, sizeof(cmd), "APOP %s %s", user, hex) >=
	    (int)sizeof(cmd)) {
		strbuf_printf(why, "account name too long");
		return (PC_PERM);
	}
	rc = pop3i_send_cmd(p, cmd, "APOP", E_APOP, why);
	explicit_bzero(hex, sizeof(hex));
	explicit_bzero(cmd, sizeof(cmd));
	if (rc != PC_OK)
		return (rc);
	p->op = OP_APOP;
	scan_ahead(p);
	utf8_first(p);
	return (PC_OK);
}

/* pop3e_sasl - AUTH with one SASL mechanism (RFC 5034) */

int
pop3e_sasl(struct pop3 *p, const char *mech, const char *user,
    const char *secret, const char *host, int port, struct strbuf *why)
{
	struct pop3_sasl *s;
	struct strbuf *cmd;
	size_t	i;
	int	rc;

	if (auth_begin(p, OP_SASL, user, why) != PC_OK)
		return (PC_PERM);
	p->mech = mech;
	s = p->sasl = xcalloc(1, sizeof(*s));
	s->pending = strbuf_alloc(POP3_SASL_LINE_MAX);
	s->out = strbuf_alloc(POP3_SASL_LINE_MAX);
	s->note = strbuf_alloc(512);
	s->saved = strbuf_alloc(1024);
	cmd = strbuf_alloc(POP3_SASL_LINE_MAX);
	rc = PC_PERM;
	if ((s->x = xsasl_new(mech, user, secret, host, port, why)) == NULL)
		goto out;
	rc = xsasl_initial(s->x, s->out, why);
	if (rc != XSASL_CONTINUE && rc != XSASL_DONE) {
		rc = PC_PERM;
		goto out;
	}
	/* RFC 5034 section 4: an initial response only if AUTH fits. */
	/* RFC 4422 section 3.1: mechanism names are upper case. */
	(void)strbuf_puts(cmd, "AUTH ");
	for (i = 0; mech[i]; i++)
		(void)strbuf_putc(cmd, toupper((unsigned char)mech[i]));
	/*
	 * Exchange Online refuses XOAUTH2's response on the AUTH line
	 * (getmail6 #256): it wants "AUTH XOAUTH2", "+", then the token.
	 */
	if (s->out->len > 0) {
		if (cmd->len + 1 + s->out->len <= POP3_CMD_MAX &&
		    strcasecmp(mech, "XOAUTH2") != 0)
			(void)strbuf_appendf(cmd, " %s", strbuf_str(s->out));
		else
			(void)strbuf_puts(s->pending, strbuf_str(s->out));
	}
	strbuf_wipe(s->out);
	strbuf_reset(s->out);
	if ((rc = pop3i_put_line(p, strbuf_str(cmd), POP3_SASL_LINE_MAX, 0, why)) !=
	    PC_OK)
		goto out;
	/*
	 * Nothing goes behind AUTH: RFC 5034 section 4 starts a security
	 * layer right after the exchange, and Cyrus pop3d discards what
	 * the client sent behind it even without one (tests/interop).
	 */
	p->st = E_SASL;
	p->cmd = "AUTH";
	p->linemax = POP3_SASL_LINE_MAX;
	utf8_first(p);
out:
	strbuf_wipe(cmd);
	strbuf_free(cmd);
	if (rc != PC_OK) {
		pop3i_sasl_free(p);
		p->op = OP_NONE;
		p->user = p->mech = NULL;
	}
	return (rc);
}

/* sasl_cancel - RFC 5034 section 4: "*" cancels; the server says -ERR */

static int
sasl_cancel(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	(void)strbuf_printf(p->sasl->saved, "%s", strbuf_str(why));
	if (pop3i_put_line(p, "*", POP3_SASL_LINE_MAX, 1, p->sasl->saved) !=
	    PC_OK)
		return (pop3i_finish(p, PC_PERM, ev, why));
	p->st = E_SASL_CANCEL;
	return (POP3E_MORE);
}

/* pop3i_sasl_line - one line during AUTH: a challenge or the final status */

int
pop3i_sasl_line(struct pop3 *p, struct pop3_event *ev, struct strbuf *why)
{
	struct pop3_sasl *s = p->sasl;
	struct strbuf *line = p->line;
	struct pop3_status st;
	char	pr[160];
	int	rc;

	if (line->len > 0 && line->data[0] == '+' &&
	    (line->len == 1 || line->data[1] == ' ') &&
	    memchr(line->data, 0, line->len) == NULL) {
		const char *chal = line->len > 2 ? line->data + 2 : "";

		s->challenged = 1;
		if (s->steps++ == POP3_SASL_STEPS) {
			strbuf_printf(why, "AUTH %s: too many challenges from "
			    "%s", p->mech, p->peer);
			return (sasl_cancel(p, ev, why));
		}
		if (s->pending->len > 0 && !s->sent_initial) {
			/* The initial response did not fit in AUTH. */
			s->sent_initial = 1;
			rc = pop3i_put_line(p, strbuf_str(s->pending),
			    POP3_SASL_LINE_MAX, 1, why);
			strbuf_wipe(s->pending);
			if (rc != PC_OK)
				return (pop3i_finish(p, rc, ev, why));
			ev->type = POP3E_AUTH_STEP;
			return (POP3E_AUTH_STEP);
		}
		strbuf_reset(s->out);
		strbuf_reset(why);
		rc = xsasl_step(s->x, chal, s->out, why);
		if (rc != XSASL_CONTINUE && rc != XSASL_DONE)
			return (sasl_cancel(p, ev, why));
		/* An error the server explained in a challenge (OAuth2
		 * JSON): keep it for the final reply. */
		if (why->len > 0)
			(void)strbuf_printf(s->note, "%s", strbuf_str(why));
		rc = pop3i_put_line(p, strbuf_str(s->out), POP3_SASL_LINE_MAX, 1, why);
		strbuf_wipe(s->out);
		if (rc != PC_OK)
			return (pop3i_finish(p, rc, ev, why));
		ev->type = POP3E_AUTH_STEP;
		return (POP3E_AUTH_STEP);
	}
	if (memchr(line->data, 0, line->len) != NULL ||
	    pop3_parse_status(strbuf_str(line), &st) != 0) {
		strbuf_printf(why, "protocol error: bad reply to AUTH from %s: "
		    "%s", p->peer, log_printable(pr, sizeof(pr), line->data,
		    line->len));
		return (pop3i_finish(p, PC_PERM, ev, why));
	}
	if (!st.ok) {
		rc = pop3i_err_status(p, "AUTH", &st, PC_PERM, why);
		/* A challenge proves the mechanism is there. */
		p->auth_class = pop3_auth_class(p->caps.flags,
		    s->challenged || pop3_offers(&p->caps, p->mech), 1,
		    st.code);
		if (s->note->len > 0)
			strbuf_appendf(why, " (%s)", strbuf_str(s->note));
		return (pop3i_login_end(p, rc, ev, why));
	}
	if (xsasl_success_ok(s->x, why) != PC_OK)
		return (pop3i_finish(p, PC_PERM, ev, why));
	return (pop3i_finish(p, PC_OK, ev, why));
}
