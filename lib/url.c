/*
 * NAME
 *	url - mailbox URLs: pop3://ACCOUNT@HOST[:PORT], pop3s://...
 * SYNOPSIS
 *	#include "url.h"
 *
 *	int url_parse(const char *text, struct url *u, struct strbuf *why);
 *		strings in u: caller frees with url_free()
 *	void url_free(struct url *u);
 *	int url_format(struct strbuf *out, int implicit_tls,
 *		const char *user, const char *host, int port,
 *		struct strbuf *why);
 * DESCRIPTION
 *	url_parse() accepts, with the scheme in any case:
 *
 *	    pop3s://ACCOUNT@HOST[:PORT][/]	implicit TLS, port 995
 *	    pop3://ACCOUNT@HOST[:PORT][/]	STLS, port 110
 *
 *	ACCOUNT is required and percent-decoded (RFC 3986 section 2.1);
 *	it must be percent-encoded where it holds '@', ':', '/', '%',
 *	'?', '#', white space or control characters.  After decoding it
 *	may hold no control character (so "%0a" cannot inject a second
 *	POP3 command) and is at most URL_USER_MAX bytes.  A raw ':' means
 *	"user:password@", which is refused: passwords belong in the
 *	passwords file.
 *
 *	HOST is a host name or IPv4 address (letters, digits, '-', '.',
 *	'_', at most URL_HOST_MAX bytes) or an IPv6 literal in brackets,
 *	checked with inet_pton() and stored without the brackets.  PORT
 *	is 1..65535.  Nothing may follow but one '/'.
 *
 *	url_free() frees the strings and sets them to NULL; it accepts a
 *	structure that url_parse() rejected.
 *
 *	url_format() writes the URL url_parse() reads back as the same
 *	account, host and port into out (replacing its contents): the
 *	account is percent-encoded except for RFC 3986 unreserved and
 *	sub-delim characters other than '$' (which configuration values
 *	expand), an IPv6 address gets its brackets, and a
 *	port that is the scheme's default is left out.  The result is
 *	parsed again before it is returned.
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with the reason in why (may be NULL).  The
 *	reason never quotes the account part, which could hold a password.
 *	url_format() fails for an account holding a control character
 *	(url_parse() would refuse it), a bad host or port, or a URL over
 *	out's limit.
 * SECURITY
 *	The URL comes from the administrator's mailboxes.cf, but the
 *	account name ends up in a POP3 command line, so it is checked
 *	strictly.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "hex.h"
#include "popconn.h"
#include "reason.h"
#include "url.h"

#define URL_USER_MAX	255	/* decoded account name */
#define URL_HOST_MAX	253	/* RFC 1035 section 2.3.4 */
#define URL_PORT_POP3	110	/* RFC 1939 */
#define URL_PORT_POP3S	995	/* RFC 8314 */

/* url_why - set "bad URL: reason", if wanted; PC_PERM */

static int PC_PRINTF(2, 3)
url_why(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL) {
		strbuf_reset(why);
		(void) strbuf_puts(why, "bad URL: ");
		va_start(ap, fmt);
		(void) reason_vappend(why, fmt, ap);
		va_end(ap);
	}
	return (PC_PERM);
}

/* url_decode_user - percent-decode and check the account name */

static int
url_decode_user(const char *cp, size_t len, char **user, struct strbuf *why)
{
	char    buf[URL_USER_MAX + 1];
	size_t  out = 0;
	size_t  i;
	int     hi;
	int     lo;
	unsigned char c;

	if (len == 0)
		return (url_why(why, "empty account name"));
	for (i = 0; i < len; i++) {
		c = (unsigned char) cp[i];
		if (c == ':')
			return (url_why(why, "a password in the URL is not "
			    "allowed; put it in the passwords file"));
		if (c < 0x21 || c == 0x7f || c == '/' || c == '?' || c == '#'
		    || c == '[' || c == ']')
			return (url_why(why, "account name: character 0x%02x "
			    "must be percent-encoded", c));
		if (c == '%') {
			if (len - i < 3 || (hi = hex_digit(cp[i + 1])) < 0
			    || (lo = hex_digit(cp[i + 2])) < 0)
				return (url_why(why, "account name: bad "
				    "percent-encoding"));
			c = (unsigned char) (hi * 16 + lo);
			i += 2;
			if (c < 0x20 || c == 0x7f)
				return (url_why(why, "account name: control "
				    "character 0x%02x not allowed", c));
		}
		if (out >= URL_USER_MAX)
			return (url_why(why, "account name longer than %d "
			    "bytes", URL_USER_MAX));
		buf[out++] = (char) c;
	}
	buf[out] = 0;
	*user = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return (PC_OK);
}

/* url_check_host - check a host name or IPv4 address */

static int
url_check_host(const char *cp, size_t len, struct strbuf *why)
{
	size_t  i;
	unsigned char c;

	if (len == 0)
		return (url_why(why, "empty host name"));
	if (len > URL_HOST_MAX)
		return (url_why(why, "host name longer than %d bytes",
		    URL_HOST_MAX));
	for (i = 0; i < len; i++) {
		c = (unsigned char) cp[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9') || c == '-' || c == '.'
		    || c == '_'))
			return (url_why(why, "host name: bad character 0x%02x",
			    c));
	}
	if (cp[0] == '.' || cp[0] == '-')
		return (url_why(why, "host name: must not start with '%c'",
		    cp[0]));
	return (PC_OK);
}

/* url_parse_port - parse 1..65535, digits only */

static int
url_parse_port(const char *cp, size_t len, int *port, struct strbuf *why)
{
	long    val = 0;
	size_t  i;

	if (len == 0)
		return (url_why(why, "empty port"));
	for (i = 0; i < len; i++) {
		if (cp[i] < '0' || cp[i] > '9')
			return (url_why(why, "port: not a number"));
		val = val * 10 + (cp[i] - '0');
		if (val > 65535)
			return (url_why(why, "port out of range (1..65535)"));
	}
	if (val == 0)
		return (url_why(why, "port out of range (1..65535)"));
	*port = (int) val;
	return (PC_OK);
}

/* url_parse - parse a mailbox URL */

int
url_parse(const char *text, struct url *u, struct strbuf *why)
{
	static const char pop3s[] = "pop3s://";
	static const char pop3[] = "pop3://";
	const char *cp;
	const char *at;
	const char *end;
	const char *hend;
	const char *pstart = NULL;
	char    addr6[16];
	int     status;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(text, pop3s, sizeof(pop3s) - 1) == 0) {
		u->implicit_tls = 1;
		u->port = URL_PORT_POP3S;
		cp = text + sizeof(pop3s) - 1;
	} else if (strncasecmp(text, pop3, sizeof(pop3) - 1) == 0) {
		u->port = URL_PORT_POP3;
		cp = text + sizeof(pop3) - 1;
	} else {
		return (url_why(why, "scheme must be pop3:// or pop3s://"));
	}

	/* The authority ends at '/' or the end; only one '/' may follow. */
	end = cp + strcspn(cp, "/");
	if (*end == '/' && end[1] != 0)
		return (url_why(why, "nothing may follow the host and port"));

	/* The account: up to the only '@'. */
	if ((at = memchr(cp, '@', (size_t) (end - cp))) == NULL)
		return (url_why(why, "missing account name (ACCOUNT@HOST)"));
	if (memchr(at + 1, '@', (size_t) (end - at - 1)) != NULL)
		return (url_why(why, "'@' in the account name must be "
		    "written %%40"));
	if ((status = url_decode_user(cp, (size_t) (at - cp), &u->user,
	    why)) != PC_OK)
		return (status);
	cp = at + 1;

	/* The host: [IPv6] or a name. */
	if (*cp == '[') {
		if ((hend = memchr(cp, ']', (size_t) (end - cp))) == NULL) {
			url_free(u);
			return (url_why(why, "missing ']' after IPv6 address"));
		}
		u->host = xstrndup(cp + 1, (size_t) (hend - cp - 1));
		if (inet_pton(AF_INET6, u->host, addr6) != 1) {
			url_free(u);
			return (url_why(why, "bad IPv6 address"));
		}
		hend++;
		if (hend < end && *hend != ':') {
			url_free(u);
			return (url_why(why, "garbage after IPv6 address"));
		}
	} else {
		hend = memchr(cp, ':', (size_t) (end - cp));
		if (hend == NULL)
			hend = end;
		if ((status = url_check_host(cp, (size_t) (hend - cp),
		    why)) != PC_OK) {
			url_free(u);
			return (status);
		}
		u->host = xstrndup(cp, (size_t) (hend - cp));
	}
	if (hend < end) {
		/* *hend == ':' */
		pstart = hend + 1;
		if ((status = url_parse_port(pstart, (size_t) (end - pstart),
		    &u->port, why)) != PC_OK) {
			url_free(u);
			return (status);
		}
	}
	return (PC_OK);
}

/* url_free - free the strings of a parsed URL */

void
url_free(struct url *u)
{
	free(u->user);
	free(u->host);
	u->user = NULL;
	u->host = NULL;
}

/* url_keep - may byte c stand in an account name unencoded? */

static int
url_keep(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-._~!&'()*+,;=", c) != NULL);
}

/* url_format - build a mailbox URL that url_parse() reads back */

int
url_format(struct strbuf *out, int implicit_tls, const char *user,
    const char *host, int port, struct strbuf *why)
{
	const unsigned char *cp;
	struct url u;
	int	err, rc;

	strbuf_reset(out);
	if (*user == 0)
		return (url_why(why, "empty account name"));
	if (strlen(user) > URL_USER_MAX)
		return (url_why(why, "account name longer than %d bytes",
		    URL_USER_MAX));
	err = strbuf_puts(out, implicit_tls ? "pop3s://" : "pop3://");
	for (cp = (const unsigned char *)user; *cp && !err; cp++) {
		if (*cp < 0x20 || *cp == 0x7f)
			return (url_why(why, "account name: control character "
			    "0x%02x not allowed", *cp));
		err = url_keep(*cp) ? strbuf_putc(out, *cp) :
		    strbuf_appendf(out, "%%%02X", *cp);
	}
	if (!err)
		err = strbuf_appendf(out, strchr(host, ':') ? "@[%s]" : "@%s",
		    host);
	if (!err && port != (implicit_tls ? URL_PORT_POP3S : URL_PORT_POP3))
		err = strbuf_appendf(out, ":%d", port);
	if (err)
		return (url_why(why, "URL longer than %zu bytes", out->max));
	if ((rc = url_parse(strbuf_str(out), &u, why)) != PC_OK)
		return (rc);
	rc = u.user != NULL && u.host != NULL && strcmp(u.user, user) == 0 &&
	    strcmp(u.host, host) == 0 && u.port == port ? PC_OK : url_why(why, "host or port does not "
	    "survive a round trip");
	url_free(&u);
	return (rc);
}
