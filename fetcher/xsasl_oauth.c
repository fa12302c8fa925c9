/*
 * NAME
 *	xsasl_oauth - the XOAUTH2 and OAUTHBEARER mechanisms of xsasl
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	int xsasl_oauthbearer_start(struct xsasl *x, struct strbuf *why);
 *	int xsasl_xoauth2_initial(struct xsasl *x, struct xbuf *b,
 *		struct strbuf *why);
 *	int xsasl_oauthbearer_initial(struct xsasl *x, struct xbuf *b,
 *		struct strbuf *why);
 *	int xsasl_xoauth2_step(struct xsasl *x, const char *msg, size_t n,
 *		struct xbuf *b, struct strbuf *why);
 *	int xsasl_oauthbearer_step(struct xsasl *x, const char *msg,
 *		size_t n, struct xbuf *b, struct strbuf *why);
 *	int xsasl_oauth_success(struct xsasl *x, struct strbuf *why);
 * DESCRIPTION
 *	Table functions for xsasl.c (see xsasl_int.h for the contract).
 *	XOAUTH2 is Google's format; OAUTHBEARER is RFC 7628, whose
 *	key/value pairs carry the host and port when known
 *	(xsasl_oauthbearer_start() checks them).  Both send the token in
 *	the initial response (XSASL_DONE).
 *
 *	A challenge after it is the server's error (JSON): the step
 *	functions answer as the protocol requires (an empty response for
 *	XOAUTH2, a single 0x01 for OAUTHBEARER, RFC 7628 section 3.2.3),
 *	return XSASL_CONTINUE and leave a sanitized summary ("status=...,
 *	schemes=..., scope=...") in why.  xsasl_oauth_success() then
 *	refuses a +OK.
 * DIAGNOSTICS
 *	PC_PERM with the reason in why for a bad host or port, a second
 *	error challenge, or a +OK after an error.
 * SECURITY
 *	The error challenge is untrusted: only a few members are quoted,
 *	each at most 64 characters of a safe alphabet, and never when the
 *	summary would contain the token.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "popconn.h"
#include "log.h"
#include "strbuf.h"
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/* xsasl_oauthbearer_start - check the host and port for the kvpairs */

int
xsasl_oauthbearer_start(struct xsasl *x, struct strbuf *why)
{
	if (x->host != NULL
	    && (strnlen(x->host, XSASL_HOST_MAX + 1) > XSASL_HOST_MAX
		|| !xsasl_is_token(x->host)))
		return (xsasl_fail(why, "%s: bad host name", x->mech->name));
	if (x->port < 0 || x->port > 65535)
		return (xsasl_fail(why, "%s: bad port %d", x->mech->name,
		    x->port));
	return (PC_OK);
}

/* xsasl_xoauth2_initial - "user=U^Aauth=Bearer T^A^A" */

int
xsasl_xoauth2_initial(struct xsasl *x, struct xbuf *b, struct strbuf *why)
{
	xbuf_puts(b, "user=");
	xbuf_puts(b, x->authcid);
	xbuf_puts(b, "\001auth=Bearer ");
	xbuf_puts(b, x->secret);
	xbuf_puts(b, "\001\001");
	return (XSASL_DONE);
}

/* xsasl_oauthbearer_initial - RFC 7628 section 3.1: gs2-header, kvpairs */

int
xsasl_oauthbearer_initial(struct xsasl *x, struct xbuf *b,
    struct strbuf *why)
{
	char	port[32];

	xbuf_puts(b, "n,a=");
	xsasl_saslname(b, x->authcid);
	xbuf_puts(b, ",\001");
	if (x->host != NULL) {
		xbuf_puts(b, "host=");
		xbuf_puts(b, x->host);
		xbuf_putc(b, 1);
	}
	if (x->port > 0) {
		if (snprintf(port, sizeof(port), "port=%d\001",
		    x->port) >= (int) sizeof(port))
			log_panic("xsasl_oauthbearer_initial: port");
		xbuf_puts(b, port);
	}
	xbuf_puts(b, "auth=Bearer ");
	xbuf_puts(b, x->secret);
	xbuf_puts(b, "\001\001");
	return (XSASL_DONE);
}

/* oauth_value - append a sanitized JSON member value to why text */

static void
oauth_value(char *buf, size_t size, const char *json, size_t n,
    const char *key)
{
	size_t	klen = strlen(key);
	const char *p = memmem(json, n, key, klen);
	const char *end = json + n;
	size_t	o = strlen(buf);
	size_t	start = o;
	int	quoted;

	if (p == NULL)
		return;
	for (p += klen; p < end && (*p == ' ' || *p == '\t'); p++)
		 /* void */ ;
	if (p >= end || *p != ':')
		return;
	for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
		 /* void */ ;
	if ((quoted = (p < end && *p == '"')) != 0)
		p++;
	if (o + 2 + strlen(key) + 3 >= size)
		return;
	o += (size_t) snprintf(buf + o, size - o, "%s%.*s=", o ? ", " : "",
	    (int) (klen - 2), key + 1);
	for (; p < end && o + 1 < size && o - start < 64; p++) {
		if (quoted ? *p == '"' || *p == '\\' :
		    (*p == ',' || *p == '}' || *p == ' '))
			break;
		/* Keep a safe alphabet only: this text reaches the log. */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
		    || (*p >= '0' && *p <= '9')
		    || (*p != 0 && strchr(" ._:/-+", *p) != NULL))
			buf[o++] = *p;
		else
			buf[o++] = '?';
	}
	buf[o] = 0;
}

/* oauth_error - answer an OAuth error challenge, RFC 7628 3.2.2/3.2.3 */

static int
oauth_error(struct xsasl *x, const char *json, size_t n, struct xbuf *b,
    int bearer, struct strbuf *why)
{
	char	sum[256];

	if (x->oauth_error)
		return (xsasl_fail(why, "%s: second challenge after an error",
		    x->mech->name));
	x->oauth_error = 1;
	sum[0] = 0;
	oauth_value(sum, sizeof(sum), json, n, "\"status\"");
	oauth_value(sum, sizeof(sum), json, n, "\"schemes\"");
	oauth_value(sum, sizeof(sum), json, n, "\"scope\"");
	/* A hostile server could echo the token back: never quote it. */
	if (strstr(sum, x->secret) != NULL)
		sum[0] = 0;
	(void) xsasl_fail(why, "%s: server error: %s", x->mech->name,
	    sum[0] ? sum : "(no status)");
	if (bearer)
		xbuf_putc(b, 0x01);		/* a single %x01 */
	/* XOAUTH2: an empty response; the server then says -ERR. */
	return (XSASL_CONTINUE);
}

/* xsasl_xoauth2_step - an error challenge: answer with an empty line */

int
xsasl_xoauth2_step(struct xsasl *x, const char *msg, size_t n,
    struct xbuf *b, struct strbuf *why)
{
	return (oauth_error(x, msg, n, b, 0, why));
}

/* xsasl_oauthbearer_step - an error challenge: answer with 0x01 */

int
xsasl_oauthbearer_step(struct xsasl *x, const char *msg, size_t n,
    struct xbuf *b, struct strbuf *why)
{
	return (oauth_error(x, msg, n, b, 1, why));
}

/* xsasl_oauth_success - no +OK after an error challenge */

int
xsasl_oauth_success(struct xsasl *x, struct strbuf *why)
{
	if (x->oauth_error)
		return (xsasl_fail(why, "%s: +OK after an error challenge",
		    x->mech->name));
	return (PC_OK);
}
