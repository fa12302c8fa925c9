/*
 * NAME
 *	smtpc - SMTP client protocol engine without I/O (RFC 5321, 2920)
 * SYNOPSIS
 *	See smtpc.h.
 * DESCRIPTION
 *	The engine knows commands, replies and the order they come in;
 *	it never touches a socket or a file.  deliver_smtp.c drives it
 *	over a connection; the unit tests and the fuzz target drive it
 *	with octets of their choosing.
 *
 *	Commands wait in a held queue until the protocol allows them out
 *	(release() below), then move to the in-flight queue, whose head is
 *	the command the next reply belongs to (RFC 2920 section 3.1:
 *	replies come in the order the commands were sent).
 * DIAGNOSTICS
 *	See smtpc.h.
 * SECURITY
 *	Server octets are untrusted: lines are bounded by SMTPC_LINE_MAX,
 *	replies by SMTPC_REPLY_LINES, the text kept is printable and
 *	bounded; a reply that does not fit the command it answers ends the
 *	connection rather than being guessed at.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "smtpc.h"

#define SMTPC_K_GREET	1
#define SMTPC_K_EHLO	2
#define SMTPC_K_HELO	3
#define SMTPC_K_MAIL	4
#define SMTPC_K_RCPT	5
#define SMTPC_K_DATA	6
#define SMTPC_K_DOT	7	/* end of a message's data */
#define SMTPC_K_EMPTY	8	/* end of data sent for a failed transaction */
#define SMTPC_K_RSET	9
#define SMTPC_K_QUIT	10

static const char *const kind_name[] = {
	"?", "greeting", "EHLO", "HELO", "MAIL FROM", "RCPT TO", "DATA",
	"end of data", "end of data", "RSET", "QUIT",
};

/* smtpc_parse_line - split one reply line */

int
smtpc_parse_line(const char *line, size_t len, int *code, int *more,
    const char **text)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '5' || !isdigit((unsigned char)line[2]))
		return (-1);
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
	if (len == 3) {
		*more = 0;
		*text = line + 3;
		return (0);
	}
	if (line[3] != ' ' && line[3] != '-')
		return (-1);
	*more = line[3] == '-';
	*text = line + 4;
	return (0);
}

/* smtpc_queue_id - Postfix's "queued as ID" */

int
smtpc_queue_id(const char *text, char *qid, size_t size)
{
	static const char key[] = "queued as ";
	const char *p, *q;
	size_t	n;

	for (p = text; *p; p++) {
		if (strncasecmp(p, key, sizeof(key) - 1) != 0)
			continue;
		q = p + sizeof(key) - 1;
		for (n = 0; isalnum((unsigned char)q[n]); n++)
			;
		/* The id ends the text or is followed by a space or ')'. */
		if (n == 0 || n > SMTPC_QID_MAX || n >= size ||
		    (q[n] && q[n] != ' ' && q[n] != ')' && q[n] != '.'))
			return (-1);
		memcpy(qid, q, n);
		qid[n] = 0;
		return (0);
	}
	return (-1);
}

/* smtpc_parse_cap - one EHLO keyword line (RFC 5321 section 4.1.1.1) */

unsigned
smtpc_parse_cap(const char *line, unsigned long long *size)
{
	static const struct {
		const char *kw;
		unsigned bit;
	} caps[] = {
		{"PIPELINING", SMTPC_CAP_PIPELINING},
		{"8BITMIME", SMTPC_CAP_8BITMIME},
		{"SMTPUTF8", SMTPC_CAP_SMTPUTF8},
		{"ENHANCEDSTATUSCODES", SMTPC_CAP_ENHANCED},
		{"SIZE", SMTPC_CAP_SIZE},
	};
	unsigned long long v;
	const char *p;
	size_t	i, n;

	for (n = 0; line[n] && line[n] != ' '; n++)
		;
	for (i = 0; i < PC_ARRAY_LEN(caps); i++) {
		if (strlen(caps[i].kw) != n ||
		    strncasecmp(line, caps[i].kw, n) != 0)
			continue;
		if (caps[i].bit != SMTPC_CAP_SIZE)
			return (line[n] == 0 ? caps[i].bit : 0);
		/* RFC 1870: "SIZE" alone or "SIZE number"; 0 = no limit */
		*size = 0;
		if (line[n] == 0)
			return (SMTPC_CAP_SIZE);
		for (v = 0, p = line + n + 1; isdigit((unsigned char)*p); p++) {
			if (v > 1000000000000000ULL)
				return (0);
			v = v * 10 + (unsigned long long)(*p - '0');
		}
		if (p == line + n + 1 || *p)
			return (0);
		*size = v;
		return (SMTPC_CAP_SIZE);
	}
	return (0);
}

/* smtpc_body_init - start a message's data */

void
smtpc_body_init(struct smtpc_body *b)
{
	b->bol = 1;
	b->cr = 0;
}

/* smtpc_body_encode - LF to CR LF, dot-stuffing (RFC 5321 4.5.2) */

size_t
smtpc_body_encode(struct smtpc_body *b, const char *in, size_t len,
    char *out)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		char	ch = in[i];

		if (b->cr) {
			b->cr = 0;
			if (ch != '\n') {
				/* a CR inside a line: passed on as it is */
				out[o++] = '\r';
				b->bol = 0;
			}
		}
		if (ch == '\r') {
			b->cr = 1;
			continue;
		}
		if (ch == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			b->bol = 1;
			continue;
		}
		if (b->bol && ch == '.')
			out[o++] = '.';
		out[o++] = ch;
		b->bol = 0;
	}
	return (o);
}

/* smtpc_body_end - the last line end and the terminating dot */

size_t
smtpc_body_end(struct smtpc_body *b, char *out)
{
	size_t	o = 0;

	if (b->cr) {
		out[o++] = '\r';
		b->cr = 0;
		b->bol = 0;
	}
	if (!b->bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	b->bol = 1;
	return (o + 3);
}

/* out_put - append octets to the output */

static int
out_put(struct smtpc *c, const char *s, size_t len)
{
	if (len > sizeof(c->out) - c->outlen)
		return (-1);
	memcpy(c->out + c->outlen, s, len);
	c->outlen += len;
	return (0);
}

/* fly_push - a command went out; its reply is expected */

static void
fly_push(struct smtpc *c, int kind, unsigned long tag)
{
	size_t	i = (c->fly_head + c->fly_n) % SMTPC_INFLIGHT;

	c->fly[i].kind = kind;
	c->fly[i].tag = tag;
	c->fly_n++;
}

/* fly_has - whether a command of this kind is in flight */

static int
fly_has(const struct smtpc *c, int kind)
{
	size_t	i;

	for (i = 0; i < c->fly_n; i++)
		if (c->fly[(c->fly_head + i) % SMTPC_INFLIGHT].kind == kind)
			return (1);
	return (0);
}

/*
 * mail_put - MAIL FROM with the parameters the server offered (known
 * only after EHLO, which may come after the command was queued)
 */
static int
mail_put(struct smtpc *c, const struct smtpc_cmd *h)
{
	char	cmd[SMTPC_CMD_MAX + 80];
	char	size[32] = "";

	/* The held text fits SMTPC_CMD_MAX; the parameters take < 80. */
	if ((c->caps & SMTPC_CAP_SIZE) && h->size > 0)
		(void)snprintf(size, sizeof(size), " SIZE=%llu", h->size);
	if (snprintf(cmd, sizeof(cmd), "%.*s%s%s%s\r\n", (int)(h->len - 2),
	    h->text, (c->caps & SMTPC_CAP_8BITMIME) ? " BODY=8BITMIME" : "",
	    h->utf8 && (c->caps & SMTPC_CAP_SMTPUTF8) ? " SMTPUTF8" : "",
	    size) >= (int)sizeof(cmd))
		log_panic("smtpc: MAIL parameters do not fit");
	return (out_put(c, cmd, strlen(cmd)));
}

/* release - move held commands out as far as the protocol allows */

static void
release(struct smtpc *c)
{
	while (!c->dead && !c->in_body && c->held_n > 0 &&
	    c->fly_n < SMTPC_INFLIGHT) {
		struct smtpc_cmd *h = &c->held[c->held_head];

		/* Nothing but EHLO/HELO before the server said hello. */
		if (!c->ready && h->kind != SMTPC_K_EHLO &&
		    h->kind != SMTPC_K_HELO)
			break;
		/* RFC 2920 3.1: DATA ends a group; wait for its 354. */
		if (fly_has(c, SMTPC_K_DATA))
			break;
		if (!(c->caps & SMTPC_CAP_PIPELINING) && c->fly_n > 0)
			break;
		if (h->kind == SMTPC_K_MAIL) {
			if (mail_put(c, h) != 0)
				break;
		} else if (out_put(c, h->text, h->len) != 0) {
			break;
		}
		fly_push(c, h->kind, h->tag);
		c->held_head = (c->held_head + 1) % SMTPC_HELD;
		c->held_n--;
	}
}

/* hold - queue a command (front: before everything already held) */

static int
hold(struct smtpc *c, int front, int kind, unsigned long tag,
    const char *text)
{
	struct smtpc_cmd *h;
	size_t	len = strlen(text);

	if (c->held_n >= SMTPC_HELD || len + 2 > sizeof(h->text))
		return (-1);
	if (front) {
		c->held_head = (c->held_head + SMTPC_HELD - 1) % SMTPC_HELD;
		h = &c->held[c->held_head];
	} else {
		h = &c->held[(c->held_head + c->held_n) % SMTPC_HELD];
	}
	c->held_n++;
	h->kind = kind;
	h->tag = tag;
	h->size = 0;
	h->utf8 = 0;
	memcpy(h->text, text, len);
	memcpy(h->text + len, "\r\n", 2);
	h->len = len + 2;
	return (0);
}

/* smtpc_init - a new connection: the greeting comes first */

void
smtpc_init(struct smtpc *c, const char *helo)
{
	memset(c, 0, sizeof(*c));
	pc_strlcpy(c->helo, helo && *helo ? helo : "localhost",
	    sizeof(c->helo));
	c->txn_status = PC_OK;
	fly_push(c, SMTPC_K_GREET, 0);
}

/* addr_ok - an address we can put between angle brackets */

static int
addr_ok(const char *a, int *utf8)
{
	const unsigned char *p;

	if (strlen(a) > SMTPC_ADDR_MAX)
		return (0);
	for (p = (const unsigned char *)a; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return (0);
		if (*p >= 0x80)
			*utf8 = 1;
	}
	return (1);
}

/* smtpc_room - whether another message's commands fit */

int
smtpc_room(const struct smtpc *c)
{
	/* MAIL, RCPT, DATA, and room for an RSET or QUIT */
	return (!c->dead && c->held_n + 3 + 2 <= SMTPC_HELD);
}

/* smtpc_send_mail - queue one message's envelope and DATA */

int
smtpc_send_mail(struct smtpc *c, unsigned long tag, const char *sender,
    const char *rcpt, unsigned long long size, struct strbuf *why)
{
	char	cmd[SMTPC_CMD_MAX + 1];
	int	utf8 = 0, n;
	size_t	held_n = c->held_n;

	if (!addr_ok(sender, &utf8) || !addr_ok(rcpt, &utf8) || !*rcpt) {
		strbuf_printf(why, "envelope address not usable in SMTP");
		return (PC_PERM);
	}
	if (!smtpc_room(c)) {
		strbuf_printf(why, c->dead ? "SMTP connection failed" :
		    "SMTP queue full");
		return (PC_TEMP);
	}
	if (utf8 && c->ready && !(c->caps & SMTPC_CAP_SMTPUTF8)) {
		strbuf_printf(why, "non-ASCII address and no SMTPUTF8");
		return (PC_PERM);
	}
	n = snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", sender);
	if (n < 0 || (size_t)n >= sizeof(cmd) ||
	    hold(c, 0, SMTPC_K_MAIL, tag, cmd) != 0)
		goto toolong;
	c->held[(c->held_head + c->held_n - 1) % SMTPC_HELD].size = size;
	c->held[(c->held_head + c->held_n - 1) % SMTPC_HELD].utf8 = utf8;
	n = snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", rcpt);
	if (n < 0 || (size_t)n >= sizeof(cmd) ||
	    hold(c, 0, SMTPC_K_RCPT, tag, cmd) != 0)
		log_panic("smtpc: RCPT does not fit after MAIL did");
	if (hold(c, 0, SMTPC_K_DATA, tag, "DATA") != 0)
		log_panic("smtpc: DATA does not fit");
	release(c);
	return (PC_OK);
toolong:
	strbuf_printf(why, "envelope too long for SMTP");
	c->held_n = held_n;	/* nothing of it stays queued */
	return (PC_PERM);
}

/* smtpc_quit - say goodbye once everything queued is done */

void
smtpc_quit(struct smtpc *c)
{
	if (c->dead || hold(c, 0, SMTPC_K_QUIT, 0, "QUIT") != 0)
		return;
	release(c);
}

/* smtpc_out - what to write now */

const char *
smtpc_out(const struct smtpc *c, size_t *len)
{
	*len = c->outlen;
	return (c->out);
}

/* smtpc_out_done - n octets were written */

void
smtpc_out_done(struct smtpc *c, size_t n)
{
	if (n > c->outlen)
		log_panic("smtpc_out_done: %zu > %zu", n, c->outlen);
	memmove(c->out, c->out + n, c->outlen - n);
	c->outlen -= n;
}

/* smtpc_end_data - the message's data was written; end it */

int
smtpc_end_data(struct smtpc *c, struct smtpc_body *b)
{
	char	end[SMTPC_BODY_END];
	size_t	n;

	if (!c->in_body)
		log_panic("smtpc_end_data: not in a message");
	n = smtpc_body_end(b, end);
	if (c->fly_n >= SMTPC_INFLIGHT || out_put(c, end, n) != 0)
		log_panic("smtpc_end_data: no room");
	fly_push(c, SMTPC_K_DOT, c->in_body_tag);
	c->in_body = 0;
	release(c);
	return (0);
}

/* smtpc_idle - nothing in flight or queued */

int
smtpc_idle(const struct smtpc *c)
{
	return (c->fly_n == 0 && c->held_n == 0 && !c->in_body);
}

/* ev_fatal - the connection is unusable */

static void PC_PRINTF(3, 4)
ev_fatal(struct smtpc *c, struct smtpc_event *ev, const char *fmt, ...)
{
	va_list	ap;

	memset(ev, 0, sizeof(*ev));
	ev->type = SMTPC_EV_FATAL;
	ev->status = PC_TEMP;
	va_start(ap, fmt);
	vsnprintf(ev->why, sizeof(ev->why), fmt, ap);
	va_end(ap);
	c->dead = 1;
	c->held_n = 0;
	c->outlen = 0;
}

/* ev_done - message tag is finished */

static void
ev_done(struct smtpc *c, struct smtpc_event *ev, unsigned long tag,
    int status, int code, const char *why)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = SMTPC_EV_DONE;
	ev->tag = tag;
	ev->status = status;
	ev->code = code;
	pc_strlcpy(ev->why, why, sizeof(ev->why));
	if (status == PC_OK)
		pc_strlcpy(ev->qid, c->rqid, sizeof(ev->qid));
}

/* reply_class - PC_TEMP for 4yz, PC_PERM for 5yz */

static int
reply_class(int code)
{
	return (code >= 500 ? PC_PERM : PC_TEMP);
}

/* hello - send EHLO or HELO before anything held */

static void
hello(struct smtpc *c, int kind)
{
	char	cmd[sizeof(c->helo) + 8];

	snprintf(cmd, sizeof(cmd), "%s %s",
	    kind == SMTPC_K_EHLO ? "EHLO" : "HELO", c->helo);
	if (hold(c, 1, kind, 0, cmd) != 0) {
		c->dead = 1;	/* the next feed reports it */
		return;
	}
	release(c);
}

/* txn_fail - the first refusal in a transaction decides */

static void
txn_fail(struct smtpc *c, int kind)
{
	if (c->txn_status != PC_OK)
		return;
	c->txn_status = reply_class(c->rcode);
	c->txn_code = c->rcode;
	snprintf(c->txn_why, sizeof(c->txn_why), "%s: %d %s",
	    kind_name[kind], c->rcode, c->rtext);
}

/*
 * handle_reply - a complete reply for the oldest command in flight.
 * Returns 1 when it produced an event.  One switch over the command
 * kinds keeps the whole reply table in one place (about 100 lines).
 */
static int
handle_reply(struct smtpc *c, struct smtpc_event *ev)
{
	int	kind, code = c->rcode, cls = code / 100;
	unsigned long tag;
	char	why[SMTPC_TEXT_MAX + 80];

	if (c->fly_n == 0) {
		ev_fatal(c, ev, "unexpected reply: %d %s", code, c->rtext);
		return (1);
	}
	kind = c->fly[c->fly_head].kind;
	tag = c->fly[c->fly_head].tag;
	c->fly_head = (c->fly_head + 1) % SMTPC_INFLIGHT;
	c->fly_n--;
	snprintf(why, sizeof(why), "%s: %d %s", kind_name[kind], code,
	    c->rtext);
	if (code == 421 && kind != SMTPC_K_QUIT) {
		ev_fatal(c, ev, "%s", why);
		return (1);
	}
	memset(ev, 0, sizeof(*ev));
	switch (kind) {
	case SMTPC_K_GREET:
		if (code != 220)
			break;
		hello(c, SMTPC_K_EHLO);
		return (0);
	case SMTPC_K_EHLO:
	case SMTPC_K_HELO:
		if (cls == 5 && kind == SMTPC_K_EHLO) {
			/* RFC 5321 3.2: fall back to HELO */
			hello(c, SMTPC_K_HELO);
			return (0);
		}
		if (code != 250)
			break;
		c->caps = kind == SMTPC_K_EHLO ? c->rcaps : 0;
		c->size_max = kind == SMTPC_K_EHLO ? c->rsize : 0;
		c->ready = 1;
		ev->type = SMTPC_EV_READY;
		release(c);
		return (1);
	case SMTPC_K_MAIL:
		c->txn_status = PC_OK;
		c->txn_code = 0;
		c->txn_why[0] = 0;
		__attribute__((fallthrough));	/* and check the code */
	case SMTPC_K_RCPT:
		/* RFC 5321 4.3.2: 250 (and 251 for RCPT) or a refusal */
		if (code == 250 || (code == 251 && kind == SMTPC_K_RCPT))
			return (0);
		if (cls != 4 && cls != 5)
			break;
		txn_fail(c, kind);
		return (0);
	case SMTPC_K_DATA:
		if (code == 354 && c->txn_status == PC_OK) {
			c->in_body = 1;
			c->in_body_tag = tag;
			ev->type = SMTPC_EV_BODY;
			ev->tag = tag;
			return (1);
		}
		if (code == 354) {
			/* RFC 2920 3.1: DATA accepted after a refusal */
			if (c->fly_n >= SMTPC_INFLIGHT ||
			    out_put(c, ".\r\n", 3) != 0)
				log_panic("smtpc: no room for end of data");
			fly_push(c, SMTPC_K_EMPTY, tag);
			release(c);
			return (0);
		}
		if (cls != 4 && cls != 5)
			break;	/* an "early 250" */
		txn_fail(c, kind);
		ev_done(c, ev, tag, c->txn_status, c->txn_code, c->txn_why);
		/* The transaction may still be open (MAIL accepted). */
		if (hold(c, 1, SMTPC_K_RSET, 0, "RSET") != 0)
			log_panic("smtpc: no room for RSET");
		release(c);
		return (1);
	case SMTPC_K_DOT:
		if (code != 250 && cls != 4 && cls != 5)
			break;
		ev_done(c, ev, tag, cls == 2 ? PC_OK : reply_class(code), code,
		    why);
		return (1);
	case SMTPC_K_EMPTY:
		if (code != 250 && cls != 4 && cls != 5)
			break;
		ev_done(c, ev, tag, c->txn_status, c->txn_code, c->txn_why);
		return (1);
	case SMTPC_K_RSET:
		if (code != 250)
			break;
		return (0);
	case SMTPC_K_QUIT:
		ev->type = SMTPC_EV_QUIT;
		ev->code = code;
		pc_strlcpy(ev->why, why, sizeof(ev->why));
		return (1);
	}
	ev_fatal(c, ev, "unexpected reply to %s", why);
	return (1);
}

/* text_add - keep reply text for the log, printable and bounded */

static void
text_add(struct smtpc *c, const char *t)
{
	size_t	len = strlen(c->rtext);

	if (len > 0 && len + 3 < sizeof(c->rtext)) {
		memcpy(c->rtext + len, " / ", 3);
		len += 3;
	}
	for (; *t && len + 1 < sizeof(c->rtext); t++)
		c->rtext[len++] = isprint((unsigned char)*t) ? *t : '?';
	c->rtext[len] = 0;
	if (*t && len >= 3)
		memcpy(c->rtext + len - 3, "...", 3);
}

/* line_done - one reply line; returns 1 with an event */

static int
line_done(struct smtpc *c, struct smtpc_event *ev)
{
	const char *text;
	int	code, more, kind, n;

	if (c->overlong) {
		ev_fatal(c, ev, "reply line longer than %d octets",
		    SMTPC_LINE_MAX);
		return (1);
	}
	c->line[c->linelen] = 0;
	if (memchr(c->line, 0, c->linelen) != NULL ||
	    smtpc_parse_line(c->line, c->linelen, &code, &more, &text) != 0) {
		char	buf[80];

		ev_fatal(c, ev, "malformed reply line: %s",
		    log_printable(buf, sizeof(buf), c->line, c->linelen));
		return (1);
	}
	if (c->rlines == 0) {
		c->rcode = code;
		c->rtext[0] = 0;
		c->rqid[0] = 0;
		c->rcaps = 0;
		c->rsize = 0;
	} else if (code != c->rcode) {
		ev_fatal(c, ev, "reply lines with codes %d and %d", c->rcode,
		    code);
		return (1);
	}
	if (++c->rlines > SMTPC_REPLY_LINES) {
		ev_fatal(c, ev, "reply longer than %d lines",
		    SMTPC_REPLY_LINES);
		return (1);
	}
	kind = c->fly_n ? c->fly[c->fly_head].kind : 0;
	if (kind == SMTPC_K_EHLO && c->rlines > 1)
		c->rcaps |= smtpc_parse_cap(text, &c->rsize);
	if (kind == SMTPC_K_DOT && !c->rqid[0])
		(void)smtpc_queue_id(text, c->rqid, sizeof(c->rqid));
	text_add(c, text);
	if (more)
		return (0);
	c->rlines = 0;
	n = handle_reply(c, ev);
	release(c);	/* without PIPELINING: the next command */
	return (n);
}

/* smtpc_feed - parse server octets up to the next event */

size_t
smtpc_feed(struct smtpc *c, const char *in, size_t len,
    struct smtpc_event *ev)
{
	size_t	i;

	memset(ev, 0, sizeof(*ev));
	if (c->dead) {
		ev->type = SMTPC_EV_FATAL;
		ev->status = PC_TEMP;
		pc_strlcpy(ev->why, "SMTP connection failed", sizeof(ev->why));
		return (len);
	}
	for (i = 0; i < len; i++) {
		char	ch = in[i];

		if (ch != '\n') {
			/* room for the content and its CR */
			if (c->linelen < SMTPC_LINE_MAX + 1)
				c->line[c->linelen++] = ch;
			else
				c->overlong = 1;
			continue;
		}
		if (c->linelen > 0 && c->line[c->linelen - 1] == '\r')
			c->linelen--;
		if (c->linelen > SMTPC_LINE_MAX)
			c->overlong = 1;
		if (line_done(c, ev)) {
			c->linelen = 0;
			c->overlong = 0;
			return (i + 1);
		}
		c->linelen = 0;
		c->overlong = 0;
	}
	return (len);
}
