/*
 * NAME
 *	pop3 - POP3 client protocol engine (RFC 1939, 2449, 2595, 3206)
 * SYNOPSIS
 *	See pop3.h.
 * DESCRIPTION
 *	The parsers at the top of this file do no I/O.  The session
 *	functions below them drive one connection with net.c; they know
 *	nothing of scheduling, spooling or delivery: a message is handed to
 *	the caller's sink as it arrives.
 * DIAGNOSTICS
 *	See pop3.h.  Every failure names the server and the command.
 * SECURITY
 *	All server data is untrusted.  Lines are bounded (PC_LINE_MAX),
 *	UIDs validated, numbers range checked, and the message count is
 *	limited to POP3_MAX_MSGS.  Credentials never reach the log:
 *	log_proto() redacts PASS and AUTH.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "pop3.h"
#include "xsasl.h"

#define POP3_MAX_MSGS	1000000UL	/* per mailbox and session */
#define POP3_CMD_MAX	255		/* RFC 2449 section 4 */

/* parse_num - decimal number without sign, at most max; end in *end */

static int
parse_num(const char *s, unsigned long long max, unsigned long long *val,
    const char **end)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return (-1);
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (max - (unsigned long long)(*p - '0')) / 10)
			return (-1);
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*val = v;
	*end = p;
	return (0);
}

/* pop3_parse_status - classify a status line */

int
pop3_parse_status(const char *line, struct pop3_status *st)
{
	static const struct {
		const char *name;
		int	code;
	} codes[] = {
		{"IN-USE", POP3_RC_IN_USE},
		{"LOGIN-DELAY", POP3_RC_LOGIN_DELAY},
		{"SYS/TEMP", POP3_RC_SYS_TEMP},
		{"SYS/PERM", POP3_RC_SYS_PERM},
		{"AUTH", POP3_RC_AUTH},
	};
	const char *p, *close;
	size_t	i, len;

	st->code = POP3_RC_NONE;
	st->delay = -1;
	if (strncmp(line, "+OK", 3) == 0 && (line[3] == 0 || line[3] == ' ')) {
		st->ok = 1;
		st->text = line[3] ? line + 4 : line + 3;
		return (0);
	}
	if (strncmp(line, "-ERR", 4) != 0 || (line[4] != 0 && line[4] != ' '))
		return (-1);
	st->ok = 0;
	p = line[4] ? line + 5 : line + 4;
	st->text = p;
	if (*p == '[' && (close = strchr(p, ']')) != NULL) {
		st->code = POP3_RC_OTHER;
		/* Hierarchical codes: match the leading component(s). */
		len = (size_t)(close - p - 1);
		for (i = 0; i < PC_ARRAY_LEN(codes); i++) {
			size_t	n = strlen(codes[i].name);

			if (len >= n && strncasecmp(p + 1, codes[i].name, n) == 0
			    && (len == n || p[1 + n] == '/' || p[1 + n] == ' ')) {
				st->code = codes[i].code;
				break;
			}
		}
		st->text = close[1] == ' ' ? close + 2 : close + 1;
		/* "[LOGIN-DELAY 600]": some servers say how long to wait. */
		if (st->code == POP3_RC_LOGIN_DELAY && p[12] == ' ') {
			unsigned long long v;
			const char *end;

			if (parse_num(p + 13, 1ULL << 31, &v, &end) == 0 &&
			    *end == ']')
				st->delay = (long)v;
		}
	}
	return (0);
}

/* pop3_auth_class - what a refused login means (RFC 2449, RFC 3206) */

int
pop3_auth_class(unsigned capflags, int announced, int sent, int code)
{
	if (!sent)
		return (POP3_AUTH_NOT_OFFERED);
	switch (code) {
	case POP3_RC_AUTH:
		return (POP3_AUTH_CREDENTIALS);
	case POP3_RC_IN_USE:
	case POP3_RC_LOGIN_DELAY:
	case POP3_RC_SYS_TEMP:
		return (POP3_AUTH_TEMP);
	case POP3_RC_SYS_PERM:
		return (POP3_AUTH_SYS_PERM);
	}
	/* No code (or one RFC 3206 does not define). */
	if (!announced)
		return (POP3_AUTH_NOT_OFFERED);
	/* RFC 3206 section 6: such a server says [AUTH] when it means it. */
	if (capflags & POP3_CAP_AUTH_RESP)
		return (POP3_AUTH_REFUSED);
	return (POP3_AUTH_CREDENTIALS);
}

/* pop3_auth_class_str - a login class in words */

const char *
pop3_auth_class_str(int cls)
{
	switch (cls) {
	case POP3_AUTH_OK:
		return ("logged in");
	case POP3_AUTH_CREDENTIALS:
		return ("credentials refused");
	case POP3_AUTH_NOT_OFFERED:
		return ("not offered by the server");
	case POP3_AUTH_TEMP:
		return ("temporarily refused");
	case POP3_AUTH_SYS_PERM:
		return ("refused for the account, not the password");
	case POP3_AUTH_REFUSED:
		return ("refused, not for the credentials");
	default:
		return ("failed");
	}
}

/* pop3_code_str - an RFC 2449/3206 response code as the server wrote it */

const char *
pop3_code_str(int code)
{
	switch (code) {
	case POP3_RC_IN_USE:
		return ("[IN-USE]");
	case POP3_RC_LOGIN_DELAY:
		return ("[LOGIN-DELAY]");
	case POP3_RC_SYS_TEMP:
		return ("[SYS/TEMP]");
	case POP3_RC_SYS_PERM:
		return ("[SYS/PERM]");
	case POP3_RC_AUTH:
		return ("[AUTH]");
	case POP3_RC_OTHER:
		return ("an unknown code");
	default:
		return ("no code");
	}
}

/* pop3_offers - did CAPA SASL list this mechanism? */

int
pop3_offers(const struct pop3_caps *caps, const char *mech)
{
	const char *s = caps->sasl;
	size_t	len = strlen(mech);

	if (len == 0)
		return (0);
	while (*s) {
		size_t	w = strcspn(s, " ");

		if (w == len && strncasecmp(s, mech, len) == 0)
			return (1);
		s += w;
		s += strspn(s, " ");
	}
	return (0);
}

/* valid_uid - RFC 1939 section 7: 1..70 characters 0x21..0x7E */

static int
valid_uid(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > PC_UID_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return (0);
	return (1);
}

/* pop3_parse_uidl - "num uid" */

int
pop3_parse_uidl(const char *line, unsigned long *num,
    char uid[PC_UID_MAX + 1])
{
	unsigned long long v;
	const char *p, *u;
	size_t	len;

	if (parse_num(line, POP3_MAX_MSGS, &v, &p) != 0 || v == 0 || *p != ' ')
		return (-1);
	while (*p == ' ')
		p++;
	u = p;
	len = strlen(u);
	while (len > 0 && u[len - 1] == ' ')	/* tolerate trailing blanks */
		len--;
	if (!valid_uid(u, len))
		return (-1);
	memcpy(uid, u, len);
	uid[len] = 0;
	*num = (unsigned long)v;
	return (0);
}

/* pop3_parse_list - "num size" (anything after the size is ignored) */

int
pop3_parse_list(const char *line, unsigned long *num,
    unsigned long long *size)
{
	unsigned long long v, s;
	const char *p;

	if (parse_num(line, POP3_MAX_MSGS, &v, &p) != 0 || v == 0 || *p != ' ')
		return (-1);
	while (*p == ' ')
		p++;
	if (parse_num(p, 1ULL << 50, &s, &p) != 0)
		return (-1);
	if (*p != 0 && *p != ' ')
		return (-1);
	*num = (unsigned long)v;
	*size = s;
	return (0);
}

/* pop3_parse_capa - one line of a CAPA response */

int
pop3_parse_capa(const char *line, struct pop3_caps *caps)
{
	const char *arg;
	size_t	kwlen;
	unsigned long long v;
	const char *end;

	kwlen = strcspn(line, " ");
	arg = line[kwlen] ? line + kwlen + 1 : line + kwlen;
#define KW(s)	(kwlen == sizeof(s) - 1 && strncasecmp(line, s, kwlen) == 0)
	if (KW("USER"))
		caps->flags |= POP3_CAP_USER;
	else if (KW("UIDL"))
		caps->flags |= POP3_CAP_UIDL;
	else if (KW("PIPELINING"))
		caps->flags |= POP3_CAP_PIPELINING;
	else if (KW("STLS"))
		caps->flags |= POP3_CAP_STLS;
	else if (KW("TOP"))
		caps->flags |= POP3_CAP_TOP;
	else if (KW("UTF8"))
		caps->flags |= POP3_CAP_UTF8;
	else if (KW("RESP-CODES"))
		caps->flags |= POP3_CAP_RESP_CODES;
	else if (KW("AUTH-RESP-CODE"))
		caps->flags |= POP3_CAP_AUTH_RESP;
	else if (KW("SASL")) {
		caps->flags |= POP3_CAP_SASL;
		if (pc_strlcpy(caps->sasl, arg, sizeof(caps->sasl)) >=
		    sizeof(caps->sasl))
			return (-1);
	} else if (KW("LOGIN-DELAY")) {
		caps->flags |= POP3_CAP_LOGIN_DELAY;
		if (parse_num(arg, 1ULL << 31, &v, &end) == 0)
			caps->login_delay = (long)v;
	} else if (KW("EXPIRE")) {
		caps->flags |= POP3_CAP_EXPIRE;
		if (parse_num(arg, 1ULL << 31, &v, &end) == 0)
			caps->expire = (long)v;
		else if (strncasecmp(arg, "NEVER", 5) == 0)
			caps->expire = -1;
	}
#undef KW
	return (0);
}

/* Body decoder states. */
#define B_BOL		0	/* at the beginning of a line */
#define B_DOT		1	/* "." at the beginning of a line */
#define B_DOTCR		2	/* ".\r" at the beginning of a line */
#define B_MID		3	/* inside a line */
#define B_CR		4	/* "\r" inside a line */

/* pop3_body_init - start decoding a RETR response */

void
pop3_body_init(struct pop3_body *b)
{
	memset(b, 0, sizeof(*b));
	b->state = B_BOL;
}

/* pop3_body_feed - decode dot-stuffed CR LF text into LF text */

size_t
pop3_body_feed(struct pop3_body *b, const char *in, size_t len, char *out,
    size_t *outlen)
{
	size_t	i, o = 0;
	unsigned char c;

#define EMIT(ch)	do { out[o++] = (char)(ch); b->octets++; } while (0)
#define EMIT_NL()	do { out[o++] = '\n'; b->octets += 2; b->lines++; \
			    b->state = B_BOL; } while (0)
	for (i = 0; i < len && !b->done; i++) {
		c = (unsigned char)in[i];
		switch (b->state) {
		case B_BOL:
			if (c == '.')
				b->state = B_DOT;
			else if (c == '\r')
				b->state = B_CR;
			else if (c == '\n')
				EMIT_NL();
			else {
				EMIT(c);
				b->state = B_MID;
			}
			break;
		case B_DOT:
			if (c == '\r')
				b->state = B_DOTCR;
			else if (c == '\n')
				b->done = 1;	/* lenient: ".\n" */
			else {
				/* ".." is an unstuffed "."; a lone "." before
				 * other text violates RFC 1939 but is kept. */
				if (c != '.')
					EMIT('.');
				EMIT(c);
				b->state = B_MID;
			}
			break;
		case B_DOTCR:
			if (c == '\n') {
				b->done = 1;
				break;
			}
			/* ".\r" then text: keep both, go on inside the line */
			EMIT('.');
			EMIT('\r');
			b->state = B_MID;
			i--;
			break;
		case B_MID:
			if (c == '\r')
				b->state = B_CR;
			else if (c == '\n')
				EMIT_NL();
			else
				EMIT(c);
			break;
		case B_CR:
			if (c == '\n')
				EMIT_NL();
			else if (c == '\r')
				EMIT('\r');	/* stay in B_CR */
			else {
				EMIT('\r');	/* bare CR is content */
				EMIT(c);
				b->state = B_MID;
			}
			break;
		}
	}
#undef EMIT
#undef EMIT_NL
	*outlen = o;
	return (i);
}

/* pop3_init - prepare a session object */

void
pop3_init(struct pop3 *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->line = strbuf_alloc(PC_LINE_MAX);
	p->wbuf = strbuf_alloc(POP3_QMAX * 32);
	p->body = xmalloc(NET_RBUF_SIZE + 2);
	p->login_delay = -1;
	p->caps.login_delay = -1;
	p->caps.expire = -1;
	net_init(&p->net);
}

/* send_line - send one line, traced as who */

static int
send_line(struct pop3 *p, const char *who, const char *cmd,
    struct strbuf *why)
{
	char	buf[POP3_SASL_LINE_MAX + 3];
	size_t	len = strlen(cmd);

	if (len > POP3_SASL_LINE_MAX || strpbrk(cmd, "\r\n") != NULL) {
		strbuf_printf(why, "refusing to send an invalid line");
		return (PC_PERM);
	}
	memcpy(buf, cmd, len);
	memcpy(buf + len, "\r\n", 2);
	log_proto(who, 1, cmd, len);
	return (net_write(&p->net, buf, len + 2, why));
}

/* send_secret - send a SASL continuation line, traced as redacted */

static int
send_secret(struct pop3 *p, const char *cmd, struct strbuf *why)
{
	char	buf[POP3_SASL_LINE_MAX + 3];
	size_t	len = strlen(cmd);

	if (len > POP3_SASL_LINE_MAX || strpbrk(cmd, "\r\n") != NULL) {
		strbuf_printf(why, "refusing to send an invalid line");
		return (PC_PERM);
	}
	memcpy(buf, cmd, len);
	memcpy(buf + len, "\r\n", 2);
	/* Under the mailbox's name, so parallel sessions can be told
	 * apart; a cancel "*" is no secret. */
	if (strcmp(cmd, "*") == 0)
		log_proto(p->name, 1, cmd, len);
	else
		log_debug("%s S: %s", p->name, len ? "<redacted>" : "");
	return (net_write(&p->net, buf, len + 2, why));
}

/* send_cmd - send one command line */

static int
send_cmd(struct pop3 *p, const char *cmd, struct strbuf *why)
{
	char	buf[POP3_CMD_MAX + 3];
	size_t	len = strlen(cmd);

	if (len > POP3_CMD_MAX || strpbrk(cmd, "\r\n") != NULL) {
		strbuf_printf(why, "refusing to send an invalid command");
		return (PC_PERM);
	}
	memcpy(buf, cmd, len);
	memcpy(buf + len, "\r\n", 2);
	log_proto(p->name, 1, cmd, len);
	return (net_write(&p->net, buf, len + 2, why));
}

/* read_status - read and classify one status line */

static int
read_status(struct pop3 *p, const char *cmd, struct pop3_status *st,
    struct strbuf *why)
{
	char	pr[160];
	int	rc;

	if ((rc = net_getline(&p->net, p->line, why)) != PC_OK) {
		strbuf_appendf(why, " (after %s)", cmd);
		return (rc);
	}
	log_proto(p->name, 0, strbuf_str(p->line), strbuf_len(p->line));
	if (memchr(p->line->data, 0, p->line->len) != NULL ||
	    pop3_parse_status(strbuf_str(p->line), st) != 0) {
		strbuf_printf(why, "protocol error: bad reply to %s from %s: %s",
		    cmd, p->net.peer, log_printable(pr, sizeof(pr),
		    p->line->data, p->line->len));
		return (PC_PERM);
	}
	return (PC_OK);
}

/* err_status - turn -ERR into PC_TEMP or PC_PERM with a reason */

static int
err_status(struct pop3 *p, const char *cmd, const struct pop3_status *st,
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
	strbuf_printf(why, "%s refused by %s: %s", cmd, p->net.peer,
	    st->text[0] ? log_printable(pr, sizeof(pr), st->text,
	    strlen(st->text)) : "-ERR without text");
	return (rc);
}

/* command - send a command and expect +OK */

static int
command(struct pop3 *p, const char *cmd, const char *shown, int dflt,
    struct strbuf *why)
{
	struct pop3_status st;
	int	rc;

	if ((rc = send_cmd(p, cmd, why)) != PC_OK)
		return (rc);
	if ((rc = read_status(p, shown, &st, why)) != PC_OK)
		return (rc);
	if (!st.ok)
		return (err_status(p, shown, &st, dflt, why));
	return (PC_OK);
}

/* read_multiline - read lines until ".", calling fn on each */

static int
read_multiline(struct pop3 *p, const char *cmd,
    int (*fn)(struct pop3 *, const char *, void *), void *ctx,
    struct strbuf *why)
{
	const char *s;
	int	rc;

	for (;;) {
		if ((rc = net_getline(&p->net, p->line, why)) != PC_OK) {
			strbuf_appendf(why, " (in %s response)", cmd);
			return (rc);
		}
		log_proto(p->name, 0, strbuf_str(p->line),
		    strbuf_len(p->line));
		if (memchr(p->line->data, 0, p->line->len) != NULL) {
			strbuf_printf(why, "protocol error: NUL in %s "
			    "response from %s", cmd, p->net.peer);
			return (PC_PERM);
		}
		s = strbuf_str(p->line);
		if (s[0] == '.') {
			if (s[1] == 0)
				return (PC_OK);
			s++;		/* dot-stuffed */
		}
		if ((rc = fn(p, s, ctx)) != PC_OK) {
			char	pr[120];

			strbuf_printf(why, "protocol error: bad %s line from "
			    "%s: %s", cmd, p->net.peer, log_printable(pr,
			    sizeof(pr), s, strlen(s)));
			return (rc);
		}
	}
}

/* capa_line - one CAPA line */

static int
capa_line(struct pop3 *p, const char *line, void *ctx)
{
	(void)ctx;
	return (pop3_parse_capa(line, &p->caps) == 0 ? PC_OK : PC_PERM);
}

/* get_caps - CAPA; a server without CAPA has no capabilities */

static int
get_caps(struct pop3 *p, struct strbuf *why)
{
	struct pop3_status st;
	int	rc;

	memset(&p->caps, 0, sizeof(p->caps));
	p->caps.login_delay = -1;
	p->caps.expire = -1;
	if ((rc = send_cmd(p, "CAPA", why)) != PC_OK)
		return (rc);
	if ((rc = read_status(p, "CAPA", &st, why)) != PC_OK)
		return (rc);
	if (!st.ok)
		return (PC_OK);
	p->caps.flags |= POP3_CAP_ANSWERED;
	return (read_multiline(p, "CAPA", capa_line, NULL, why));
}

/* greeting - read the greeting and remember an APOP timestamp */

static int
greeting(struct pop3 *p, struct strbuf *why)
{
	struct pop3_status st;
	const char *lt, *gt;
	int	rc;

	if ((rc = read_status(p, "greeting", &st, why)) != PC_OK)
		return (rc);
	if (!st.ok)
		return (err_status(p, "connection", &st, PC_TEMP, why));
	/* RFC 1939 section 7: a msg-id "<...@...>" in the greeting. */
	p->apop_ts[0] = 0;
	if ((lt = strchr(st.text, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL && memchr(lt, '@', (size_t)(gt -
	    lt)) != NULL && (size_t)(gt - lt + 1) < sizeof(p->apop_ts)) {
		memcpy(p->apop_ts, lt, (size_t)(gt - lt + 1));
		p->apop_ts[gt - lt + 1] = 0;
	}
	return (PC_OK);
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
	if ((rc = greeting(p, why)) != PC_OK)
		return (rc);
	if ((rc = get_caps(p, why)) != PC_OK)
		return (rc);
	if (o->tls == POP3_TLS_STLS) {
		if (!(p->caps.flags & POP3_CAP_STLS)) {
			strbuf_printf(why, "server %s does not offer STLS and "
			    "TLS is required: no credentials sent",
			    p->net.peer);
			return (PC_PERM);
		}
		if (command(p, "STLS", "STLS", PC_PERM, why) != PC_OK) {
			strbuf_appendf(why, "; TLS is required: no "
			    "credentials sent");
			return (PC_PERM);
		}
		if ((rc = net_tls_start(&p->net, &t, why)) != PC_OK)
			return (rc);
		p->tls_active = 1;
		/* RFC 2595 section 4: forget what was learned before TLS. */
		if ((rc = get_caps(p, why)) != PC_OK)
			return (rc);
	}
	if (p->caps.flags & POP3_CAP_UTF8) {
		struct pop3_status st;

		/* RFC 6856 section 2: a -ERR changes nothing; go on. */
		if ((rc = send_cmd(p, "UTF8", why)) != PC_OK ||
		    (rc = read_status(p, "UTF8", &st, why)) != PC_OK)
			return (rc);
	}
	return (PC_OK);
}

/* pop3_login - USER/PASS */

int
pop3_login(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why)
{
	struct strbuf *cmd = strbuf_alloc(POP3_CMD_MAX);
	int	rc, announced;

	/* RFC 2449: CAPA lists USER; a server without CAPA may have it. */
	announced = !(p->caps.flags & POP3_CAP_ANSWERED) ||
	    (p->caps.flags & POP3_CAP_USER);
	p->auth_class = POP3_AUTH_FAILED;
	p->last_code = POP3_RC_NONE;
	p->last_text[0] = 0;
	p->err_seen = 0;
	if (!p->tls_active) {
		/* Callers decide; this is the last line of defence. */
		log_warn("%s: sending a password without TLS to %s", p->name,
		    p->net.peer);
	}
	if (strbuf_printf(cmd, "USER %s", user) != 0) {
		strbuf_printf(why, "account name too long");
		rc = PC_PERM;
		goto out;
	}
	if ((rc = command(p, strbuf_str(cmd), "USER", PC_PERM, why)) != PC_OK) {
		if (p->err_seen)
			p->auth_class = pop3_auth_class(p->caps.flags,
			    announced, 1, p->last_code);
		goto out;
	}
	if (strbuf_printf(cmd, "PASS %s", pass) != 0 ||
	    strpbrk(pass, "\r\n") != NULL) {
		strbuf_printf(why, "password too long or has a line break");
		rc = PC_PERM;
		goto out;
	}
	p->last_text[0] = 0;
	rc = command(p, strbuf_str(cmd), "PASS", PC_PERM, why);
	if (rc == PC_OK)
		p->auth_class = POP3_AUTH_OK;
	else if (p->err_seen)
		/* USER was accepted: PASS is about the password. */
		p->auth_class = pop3_auth_class(p->caps.flags, 1, 1,
		    p->last_code);
	if (rc == PC_PERM)
		strbuf_appendf(why, " (authentication failed for %s)", user);
out:
	strbuf_wipe(cmd);
	strbuf_free(cmd);
	return (rc);
}

/* pop3_apop - APOP (RFC 1939 section 7) */

int
pop3_apop(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why)
{
	char	hex[33], cmd[POP3_CMD_MAX + 1];
	int	rc;

	p->auth_class = POP3_AUTH_FAILED;
	p->last_code = POP3_RC_NONE;
	p->last_text[0] = 0;
	p->err_seen = 0;
	if (p->apop_ts[0] == 0 || xsasl_apop(p->apop_ts, pass, hex) != PC_OK) {
		/* Nothing was sent: APOP was not offered (RFC 1939 7). */
		strbuf_printf(why, "server %s offers no valid APOP timestamp "
		    "in its greeting: APOP not offered", p->net.peer);
		p->auth_class = POP3_AUTH_NOT_OFFERED;
		return (PC_PERM);
	}
	if (snprintf(cmd, sizeof(cmd), "APOP %s %s", user, hex) >=
	    (int)sizeof(cmd)) {
		strbuf_printf(why, "account name too long");
		return (PC_PERM);
	}
	rc = command(p, cmd, "APOP", PC_PERM, why);
	explicit_bzero(hex, sizeof(hex));
	if (rc == PC_OK)
		p->auth_class = POP3_AUTH_OK;
	else if (p->err_seen)
		p->auth_class = pop3_auth_class(p->caps.flags, 1, 1,
		    p->last_code);
	if (rc == PC_PERM)
		strbuf_appendf(why, " (authentication failed for %s)", user);
	return (rc);
}

/* sasl_exchange - the challenge/response loop after AUTH */

static int
sasl_exchange(struct pop3 *p, struct xsasl *x, const char *mech,
    const struct strbuf *pending, struct strbuf *out, struct strbuf *line,
    int *challenged, struct strbuf *why)
{
	struct pop3_status st;
	struct strbuf *note = strbuf_alloc(512);
	char	pr[160];
	const char *chal;
	int	rc, steps, sent_initial = 0;

	for (steps = 0; steps <= POP3_SASL_STEPS; steps++) {
		if ((rc = net_getline(&p->net, line, why)) != PC_OK) {
			strbuf_appendf(why, " (during AUTH %s)", mech);
			strbuf_free(note);
			return (rc);
		}
		log_proto(p->name, 0, strbuf_str(line), strbuf_len(line));
		if (line->len > 0 && line->data[0] == '+' &&
		    (line->len == 1 || line->data[1] == ' ') &&
		    memchr(line->data, 0, line->len) == NULL) {
			chal = line->len > 2 ? line->data + 2 : "";
			*challenged = 1;
			if (steps == POP3_SASL_STEPS) {
				strbuf_printf(why, "AUTH %s: too many "
				    "challenges from %s", mech, p->net.peer);
				goto cancel;
			}
			if (pending->len > 0 && !sent_initial) {
				/* The initial response did not fit in AUTH. */
				sent_initial = 1;
				if ((rc = send_secret(p, pending->data, why)) != PC_OK) {
					strbuf_free(note);
					return (rc);
				}
				continue;
			}
			strbuf_reset(out);
			strbuf_reset(why);
			rc = xsasl_step(x, chal, out, why);
			if (rc != XSASL_CONTINUE && rc != XSASL_DONE)
				goto cancel;
			/* An error the server explained in a challenge
			 * (OAuth2 JSON): keep it for the final reply. */
			if (why->len > 0)
				(void)strbuf_printf(note, "%s", strbuf_str(why));
			if ((rc = send_secret(p, strbuf_str(out), why)) != PC_OK) {
				strbuf_free(note);
				return (rc);
			}
			continue;
		}
		if (memchr(line->data, 0, line->len) != NULL ||
		    pop3_parse_status(strbuf_str(line), &st) != 0) {
			strbuf_printf(why, "protocol error: bad reply to AUTH "
			    "from %s: %s", p->net.peer, log_printable(pr,
			    sizeof(pr), line->data, line->len));
			strbuf_free(note);
			return (PC_PERM);
		}
		if (!st.ok) {
			rc = err_status(p, "AUTH", &st, PC_PERM, why);
			/* A challenge proves the mechanism is there. */
			p->auth_class = pop3_auth_class(p->caps.flags,
			    *challenged || pop3_offers(&p->caps, mech), 1,
			    st.code);
			if (note->len > 0)
				strbuf_appendf(why, " (%s)", strbuf_str(note));
			strbuf_free(note);
			return (rc);
		}
		strbuf_free(note);
		if (xsasl_success_ok(x, why) != PC_OK)
			return (PC_PERM);
		p->auth_class = POP3_AUTH_OK;
		return (PC_OK);
	}
	strbuf_printf(why, "AUTH %s: too many challenges", mech);
cancel:
	strbuf_free(note);
	/* RFC 5034 section 4: "*" cancels; the server answers -ERR. */
	(void)send_secret(p, "*", NULL);
	(void)net_getline(&p->net, line, NULL);
	return (PC_PERM);
}

/* pop3_sasl - AUTH with one SASL mechanism (RFC 5034) */

int
pop3_sasl(struct pop3 *p, const char *mech, const char *user,
    const char *secret, const char *host, int port, struct strbuf *why)
{
	struct strbuf *out = strbuf_alloc(POP3_SASL_LINE_MAX);
	struct strbuf *pending = strbuf_alloc(POP3_SASL_LINE_MAX);
	struct strbuf *line = strbuf_alloc(POP3_SASL_LINE_MAX);
	struct strbuf *cmd = strbuf_alloc(POP3_SASL_LINE_MAX);
	struct xsasl *x;
	size_t	i;
	int	rc, challenged = 0;

	p->auth_class = POP3_AUTH_FAILED;
	p->last_code = POP3_RC_NONE;
	p->last_text[0] = 0;
	p->err_seen = 0;
	if ((x = xsasl_new(mech, user, secret, host, port, why)) == NULL) {
		rc = PC_PERM;
		goto out;
	}
	rc = xsasl_initial(x, out, why);
	if (rc != XSASL_CONTINUE && rc != XSASL_DONE) {
		rc = PC_PERM;
		goto out;
	}
	/* RFC 5034 section 4: an initial response only if AUTH fits. */
	/* RFC 4422 section 3.1: mechanism names are upper case. */
	(void)strbuf_puts(cmd, "AUTH ");
	for (i = 0; mech[i]; i++)
		(void)strbuf_putc(cmd, toupper((unsigned char)mech[i]));
	if (out->len > 0) {
		if (cmd->len + 1 + out->len <= POP3_CMD_MAX)
			(void)strbuf_appendf(cmd, " %s", strbuf_str(out));
		else
			(void)strbuf_puts(pending, strbuf_str(out));
	}
	strbuf_wipe(out);
	if ((rc = send_line(p, p->name, strbuf_str(cmd), why)) != PC_OK)
		goto out;
	rc = sasl_exchange(p, x, mech, pending, out, line, &challenged, why);
	if (rc == PC_PERM)
		strbuf_appendf(why, " (authentication with %s failed for %s)",
		    mech, user);
out:
	xsasl_free(x);
	strbuf_wipe(out);
	strbuf_wipe(pending);
	strbuf_wipe(cmd);
	strbuf_free(out);
	strbuf_free(pending);
	strbuf_free(line);
	strbuf_free(cmd);
	return (rc);
}

struct scan_ctx {
	struct pop3_msg *v;
	size_t	n;
	size_t	cap;
	size_t	bad;		/* lines that are no valid "num uid" */
};

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

/* uidl_line - one UIDL line */

static int
uidl_line(struct pop3 *p, const char *line, void *ctx)
{
	struct pop3_msg *m;

	struct scan_ctx *c = ctx;

	(void)p;
	if ((m = scan_add(c)) == NULL)
		return (PC_PERM);
	if (pop3_parse_uidl(line, &m->num, m->uid) != 0) {
		c->n--;		/* read on to the end; judged below */
		c->bad++;
	}
	return (PC_OK);
}

/* list_line - one LIST line */

static int
list_line(struct pop3 *p, const char *line, void *ctx)
{
	struct pop3_msg *m;

	(void)p;
	if ((m = scan_add(ctx)) == NULL)
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

/* pop3_scan - UIDL and LIST into p->msgs */

int
pop3_scan(struct pop3 *p, struct strbuf *why)
{
	struct scan_ctx u = {0}, l = {0};
	struct pop3_status st;
	size_t	i, j;
	int	rc;

	free(p->msgs);
	p->msgs = NULL;
	p->nmsgs = 0;
	p->uidl_ok = 0;
	if ((rc = send_cmd(p, "UIDL", why)) != PC_OK ||
	    (rc = read_status(p, "UIDL", &st, why)) != PC_OK)
		goto out;
	p->uidl_ok = st.ok;	/* an empty list is a working UIDL */
	if (st.ok && (rc = read_multiline(p, "UIDL", uidl_line, &u, why)) !=
	    PC_OK)
		goto out;
	if ((rc = command(p, "LIST", "LIST", PC_TEMP, why)) != PC_OK ||
	    (rc = read_multiline(p, "LIST", list_line, &l, why)) != PC_OK)
		goto out;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_num);
	if (u.n > 1)
		qsort(u.v, u.n, sizeof(*u.v), by_num);
	for (i = 1; i < l.n; i++) {
		if (l.v[i].num == l.v[i - 1].num) {
			strbuf_printf(why, "protocol error: message %lu listed "
			    "twice by %s", l.v[i].num, p->net.peer);
			rc = PC_PERM;
			goto out;
		}
	}
	for (i = 0, j = 0; i < l.n; i++) {
		while (j < u.n && u.v[j].num < l.v[i].num)
			j++;
		if (j < u.n && u.v[j].num == l.v[i].num)
			memcpy(l.v[i].uid, u.v[j].uid, sizeof(l.v[i].uid));
	}
	/*
	 * RFC 1939 section 7: UIDs are 1..70 printable characters, unique.
	 * A server that breaks this cannot be tracked by UIDL: forget every
	 * UID and let the caller track messages by digest, as for a server
	 * without UIDL (nothing is delivered twice, nothing blocks).
	 */
	if (u.n > 1)
		qsort(u.v, u.n, sizeof(*u.v), by_uid);
	for (i = 1; i < u.n && u.bad == 0; i++)
		if (strcmp(u.v[i].uid, u.v[i - 1].uid) == 0)
			u.bad = 1;
	if (u.bad > 0) {
		log_warn("%s: server %s sends invalid or duplicate UIDs (RFC "
		    "1939 section 7): tracking its messages by digest "
		    "instead", p->name, p->net.peer);
		for (i = 0; i < l.n; i++)
			l.v[i].uid[0] = 0;
		p->uidl_broken = 1;
		p->uidl_ok = 0;
	}
	p->msgs = l.v;
	p->nmsgs = l.n;
	l.v = NULL;
	rc = PC_OK;
out:
	free(u.v);
	free(l.v);
	return (rc);
}

/* pop3_queue - queue a RETR or DELE behind the commands in flight */

int
pop3_queue(struct pop3 *p, int kind, unsigned long num, struct strbuf *why)
{
	char	cmd[40];
	int	n;

	if (p->qlen == POP3_QMAX)
		log_panic("pop3_queue: more than %d commands in flight",
		    POP3_QMAX);
	n = snprintf(cmd, sizeof(cmd), "%s %lu", kind == POP3_Q_RETR ? "RETR" :
	    "DELE", num);
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

/* read_body - stream one RETR response body into sink */

static int
read_body(struct pop3 *p, unsigned long num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why)
{
	struct pop3_body b;
	size_t	used, outlen, chunk;
	int	rc;

	pop3_body_init(&b);
	for (;;) {
		if (p->net.rpos < p->net.rlen) {
			chunk = p->net.rlen - p->net.rpos;
			if (chunk > NET_RBUF_SIZE)
				chunk = NET_RBUF_SIZE;
			used = pop3_body_feed(&b, p->net.rbuf + p->net.rpos,
			    chunk, p->body, &outlen);
			p->net.rpos += used;
			if (outlen > 0 && sink(ctx, p->body, outlen) != PC_OK) {
				strbuf_printf(why, "cannot store message %lu",
				    num);
				rc = PC_TEMP;
				break;
			}
			if (b.done) {
				rc = PC_OK;
				break;
			}
			if (p->net.rpos < p->net.rlen)
				continue;
		}
		if ((rc = net_fill(&p->net, why)) != PC_OK) {
			strbuf_appendf(why, " (during RETR %lu)", num);
			break;
		}
	}
	info->octets = b.octets;
	info->lines = b.lines;
	return (rc);
}

/* pop3_next - send what is queued, read the oldest reply */

int
pop3_next(struct pop3 *p, int *kind, unsigned long *num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why)
{
	struct pop3_status st;
	struct pop3_cmdq c;
	const char *name;
	int	rc;

	if (p->wbuf->len > 0) {
		rc = net_write(&p->net, p->wbuf->data, p->wbuf->len, why);
		strbuf_reset(p->wbuf);
		if (rc != PC_OK)
			return (rc);
	}
	if (p->qlen == 0)
		log_panic("pop3_next: nothing in flight");
	c = p->q[p->qhead];
	p->qhead = (p->qhead + 1) % POP3_QMAX;
	p->qlen--;
	if (c.kind == POP3_Q_RETR)
		p->qretr--;
	*kind = c.kind;
	*num = c.num;
	info->octets = info->lines = 0;
	name = c.kind == POP3_Q_RETR ? "RETR" : "DELE";
	if ((rc = read_status(p, name, &st, why)) != PC_OK)
		return (rc);
	if (!st.ok)
		return (err_status(p, name, &st, PC_TEMP, why));
	if (c.kind != POP3_Q_RETR)
		return (PC_OK);
	if (sink == NULL)
		log_panic("pop3_next: RETR %lu without a sink", c.num);
	return (read_body(p, c.num, sink, ctx, info, why));
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
	return (command(p, "QUIT", "QUIT", PC_TEMP, why));
}

/* pop3_close - drop the connection (without QUIT: DELEs roll back) */

void
pop3_close(struct pop3 *p)
{
	net_close(&p->net);
	p->line = strbuf_free(p->line);
	p->wbuf = strbuf_free(p->wbuf);
	free(p->body);
	p->body = NULL;
	free(p->msgs);
	p->msgs = NULL;
	p->nmsgs = 0;
}
