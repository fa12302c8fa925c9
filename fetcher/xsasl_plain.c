/*
 * NAME
 *	xsasl_plain - the PLAIN and LOGIN mechanisms of xsasl (no I/O)
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	int xsasl_plain_initial(struct xsasl *x, struct xbuf *b,
 *		struct strbuf *why);
 *	int xsasl_plain_step(struct xsasl *x, const char *msg, size_t n,
 *		struct xbuf *b, struct strbuf *why);
 *	int xsasl_login_step(struct xsasl *x, const char *msg, size_t n,
 *		struct xbuf *b, struct strbuf *why);
 * DESCRIPTION
 *	Table functions for xsasl.c (see xsasl_int.h for the contract).
 *
 *	PLAIN (RFC 4616): the initial response "\0authcid\0secret"; a
 *	challenge after it is an error.
 *
 *	LOGIN (no RFC; draft-murchison-sasl-login): no initial response;
 *	the first challenge gets the user name, the second the password,
 *	by order and not by prompt text, since prompts vary.
 * DIAGNOSTICS
 *	PC_PERM with the reason in why for a challenge the mechanism does
 *	not expect.
 * SECURITY
 *	The challenges are not interpreted.  The secret goes only into b,
 *	which xsasl.c wipes.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>

#include "popconn.h"
#include "strbuf.h"
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/* xsasl_plain_initial - RFC 4616 section 2: [authzid] NUL authcid NUL passwd */

int
xsasl_plain_initial(struct xsasl *x, struct xbuf *b, struct strbuf *why)
{
	xbuf_putc(b, 0);
	xbuf_puts(b, x->authcid);
	xbuf_putc(b, 0);
	xbuf_puts(b, x->secret);
	return (XSASL_DONE);
}

/* xsasl_plain_step - PLAIN expects no challenge */

int
xsasl_plain_step(struct xsasl *x, const char *msg, size_t n, struct xbuf *b,
    struct strbuf *why)
{
	return (xsasl_fail(why, "PLAIN: unexpected challenge"));
}

/* xsasl_login_step - user name, then password, by order */

int
xsasl_login_step(struct xsasl *x, const char *msg, size_t n, struct xbuf *b,
    struct strbuf *why)
{
	/* Prompts vary ("Username:", "VXNlcm5hbWU6"...): go by order. */
	if (x->steps == 1) {
		xbuf_puts(b, x->authcid);
		return (XSASL_CONTINUE);
	}
	if (x->steps == 2) {
		xbuf_puts(b, x->secret);
		return (XSASL_DONE);
	}
	return (xsasl_fail(why, "LOGIN: unexpected third challenge"));
}
