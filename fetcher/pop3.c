/*
 * NAME
 *	pop3 - POP3 reply parsers and the RETR body decoder (RFC 1939,
 *	2449, 3206)
 * SYNOPSIS
 *	See pop3.h.
 * DESCRIPTION
 *	The parsers here do no I/O.  The session is a state machine over
 *	them (pop3_engine.c, also without I/O); pop3_io.c drives it over a
 *	connection (net.c).  None of them knows of scheduling, spooling or
 *	delivery: a message is handed to the caller's sink as it arrives.
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

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "pop3.h"

#define POP3_MAX_MSGS	1000000UL	/* per mailbox and session */

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
