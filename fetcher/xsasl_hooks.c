/*
 * NAME
 *	xsasl_hooks - test hooks of xsasl (test builds only)
 * SYNOPSIS
 *	#include "xsasl_test.h"
 *
 *	void xsasl_test_set_nonce(struct xsasl *x, const char *nonce);
 *	void xsasl_test_set_client_challenge(struct xsasl *x,
 *		const unsigned char cc[8]);
 *	void xsasl_test_set_time(struct xsasl *x, uint64_t filetime);
 *	void xsasl_test_md4(const void *data, size_t len,
 *		unsigned char md[16]);
 *	int xsasl_test_ntowfv2(const char *user, const char *domain,
 *		const char *password, unsigned char key[16]);
 * DESCRIPTION
 *	These pin the random and time inputs of an exchange, so that
 *	published test vectors can be reproduced, and reach the NTLM
 *	primitives.  The Makefile builds every *_hooks.c file into a
 *	test-only archive linked into unit tests, tools and fuzz targets,
 *	never into popconn-fetcher, popconn-milter or popconnctl.
 *
 *	xsasl_test_set_nonce() fixes the SCRAM client nonce (1 to
 *	XSASL_NONCE_MAX printable characters without ',').
 *	xsasl_test_set_client_challenge() fixes the NTLM client challenge
 *	and xsasl_test_set_time() the NTLM time used when the server sends
 *	no MsvAvTimestamp.  Both may be called on any exchange; only NTLM
 *	uses them.  xsasl_test_md4() and xsasl_test_ntowfv2() call MD4 and
 *	NTOWFv2 (xsasl_ntlm.c).
 * DIAGNOSTICS
 *	A bad nonce is a panic: the test is wrong.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "log.h"
#include "xsasl.h"
#include "xsasl_int.h"
#include "xsasl_test.h"

/* xsasl_test_set_nonce - fix the SCRAM client nonce */

void
xsasl_test_set_nonce(struct xsasl *x, const char *nonce)
{
	const char *cp;

	if (strlen(nonce) == 0 || strlen(nonce) > XSASL_NONCE_MAX)
		log_panic("xsasl_test_set_nonce: bad length");
	for (cp = nonce; *cp; cp++)
		if (*cp < 0x21 || *cp > 0x7e || *cp == ',')
			log_panic("xsasl_test_set_nonce: bad character");
	pc_strlcpy(x->scram.nonce, nonce, sizeof(x->scram.nonce));
}

/* xsasl_test_set_client_challenge - fix the NTLM client challenge */

void
xsasl_test_set_client_challenge(struct xsasl *x, const unsigned char cc[8])
{
	memcpy(x->ntlm.cchal, cc, 8);
	x->ntlm.cchal_set = 1;
}

/* xsasl_test_set_time - NTLM time when the server sends none */

void
xsasl_test_set_time(struct xsasl *x, uint64_t filetime)
{
	x->ntlm.ftime = filetime;
	x->ntlm.ftime_set = 1;
}

/* xsasl_test_md4 - MD4 */

void
xsasl_test_md4(const void *data, size_t len, unsigned char md[16])
{
	xsasl_md4(data, len, md);
}

/* xsasl_test_ntowfv2 - NTOWFv2 */

int
xsasl_test_ntowfv2(const char *user, const char *domain,
    const char *password, unsigned char key[16])
{
	return (xsasl_ntowfv2(user, domain, password, key));
}
