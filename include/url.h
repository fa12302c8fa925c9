/*
 * NAME
 *	url.h - mailbox URLs: pop3://ACCOUNT@HOST[:PORT], pop3s://...
 * SYNOPSIS
 *	int url_parse(const char *text, struct url *u, struct strbuf *why);
 *	void url_free(struct url *u);
 *	int url_format(struct strbuf *out, int implicit_tls,
 *		const char *user, const char *host, int port,
 *		struct strbuf *why);	the URL in out
 * DESCRIPTION
 *	url_parse() accepts "pop3s://" (implicit TLS, default port 995) and
 *	"pop3://" (STLS, default port 110), an account name (percent-encoded
 *	where it holds '@', ':', '/' or '%'; decoded into u->user, which may
 *	not contain control characters), a host name, an IPv4 address or an
 *	[IPv6] literal, an optional port 1..65535 and an optional trailing
 *	'/'.  A password in the URL ("user:pass@") is refused: passwords
 *	belong in the passwords file.  The strings in u are allocated; the
 *	caller frees them with url_free().  url_format() builds a URL that
 *	url_parse() reads back (the account percent-encoded as needed).
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with the reason in why.
 */
#ifndef URL_H
#define URL_H

#include "strbuf.h"

struct url {
	int	implicit_tls;	/* pop3s */
	char	*user;		/* decoded account name */
	char	*host;		/* without brackets */
	int	port;
};

int url_parse(const char *text, struct url *u, struct strbuf *why);
void url_free(struct url *u);
int url_format(struct strbuf *out, int implicit_tls, const char *user,
    const char *host, int port, struct strbuf *why);

#endif
