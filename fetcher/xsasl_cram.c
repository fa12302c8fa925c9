/*
 * NAME
 *	xsasl_cram - the CRAM-MD5 mechanism of xsasl (no I/O)
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	int xsasl_cram_step(struct xsasl *x, const char *msg, size_t n,
 *		struct xbuf *b, struct strbuf *why);
 * DESCRIPTION
 *	Table function for xsasl.c (see xsasl_int.h for the contract).
 *	CRAM-MD5 (RFC 2195) has no initial response; the one challenge
 *	gets "user " hex(HMAC-MD5(secret, challenge)).
 * DIAGNOSTICS
 *	PC_PERM with the reason in why for an empty or binary challenge or
 *	a second one; PC_TEMP when HMAC-MD5 fails.
 * SECURITY
 *	The challenge is untrusted: it is only hashed.  The digest
 *	temporaries are wiped.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#include "popconn.h"
#include "hex.h"
#include "strbuf.h"
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/* xsasl_cram_step - the one challenge in, "user digest" out */

int
xsasl_cram_step(struct xsasl *x, const char *msg, size_t n, struct xbuf *b,
    struct strbuf *why)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char	hex[2 * 16 + 1];
	size_t	mlen;

	if (x->steps != 1)
		return (xsasl_fail(why, "CRAM-MD5: unexpected second "
		    "challenge"));
	if (n == 0 || memchr(msg, 0, n) != NULL)
		return (xsasl_fail(why, "CRAM-MD5: empty or binary "
		    "challenge"));
	if (xsasl_hmac("MD5", x->secret, strlen(x->secret), msg, n, mac,
	    &mlen) < 0 || mlen != 16) {
		explicit_bzero(mac, sizeof(mac));
		return (xsasl_temp(why, "CRAM-MD5: HMAC-MD5 failed"));
	}
	hex_encode(hex, mac, 16);
	xbuf_puts(b, x->authcid);
	xbuf_putc(b, ' ');
	xbuf_puts(b, hex);
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(hex, sizeof(hex));
	return (XSASL_DONE);
}
