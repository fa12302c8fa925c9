/*
 * NAME
 *	xsasl_int.h - internals shared by xsasl.c and xsasl_ntlm.c
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	xsasl.c:
 *	void xbuf_init(struct xbuf *b, size_t cap);	free with xbuf_done()
 *	void xbuf_put(struct xbuf *b, const void *p, size_t n);
 *	void xbuf_puts(struct xbuf *b, const char *s);
 *	void xbuf_putc(struct xbuf *b, int c);
 *	void xbuf_done(struct xbuf *b);
 *	int xsasl_fail(struct strbuf *why, const char *fmt, ...);
 *	int xsasl_temp(struct strbuf *why, const char *fmt, ...);
 *	int xsasl_hmac(const char *digest, const void *key, size_t klen,
 *		const void *data, size_t dlen, unsigned char *mac,
 *		size_t *mlen);
 *
 *	xsasl_ntlm.c:
 *	void xsasl_split_ntlm(const char *authcid, char **user,
 *		char **domain);				caller frees both
 *	int xsasl_ntowfv2(const char *user, const char *domain,
 *		const char *password, unsigned char key[16]);
 *	void xsasl_ntlm_type1(struct xbuf *b);
 *	int xsasl_ntlm_step(struct xsasl *x, const unsigned char *msg,
 *		size_t n, struct xbuf *b, struct strbuf *why);
 * DESCRIPTION
 *	Private to fetcher/xsasl*.c: no other file includes it.  The
 *	interface of the module is xsasl.h.
 *
 *	struct xsasl is the state of one exchange; the mechanism table
 *	that its info member points into is in xsasl.c.  struct xbuf
 *	collects a plaintext response; see the comment on it below.
 *
 *	xbuf_put(), xbuf_puts() and xbuf_putc() append, or mark the buffer
 *	overflowed; xbuf_done() wipes and frees it.  xsasl_fail() and
 *	xsasl_temp() format a reason into why (which may be NULL) and
 *	return PC_PERM and PC_TEMP.  xsasl_hmac() computes an HMAC with
 *	the named OpenSSL digest into mac (EVP_MAX_MD_SIZE octets) and
 *	returns 0, or -1 when the crypto library fails.
 *
 *	The NTLM functions are described in xsasl_ntlm.c.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef XSASL_INT_H
#define XSASL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "popconn.h"
#include "strbuf.h"
#include "xsasl.h"

#define XSASL_CRED_MAX		8192	/* authcid, password or token */
#define XSASL_HOST_MAX		255	/* RFC 1035 */
#define XSASL_WORK_MAX		(3 * XSASL_CHALLENGE_MAX)	/* plaintext */
#define XSASL_NONCE_MAX		64	/* our SCRAM nonce */
#define XSASL_NONCE_RAW		24	/* random octets in it */
#define XSASL_SALT_MAX		1024	/* decoded SCRAM salt */
#define XSASL_WHY_MAX		512	/* one diagnostic */
#define XSASL_ECHO_MAX		80	/* server text quoted in why */

enum xsasl_mech {
	XM_PLAIN,
	XM_LOGIN,
	XM_CRAM_MD5,
	XM_SCRAM_SHA1,
	XM_SCRAM_SHA256,
	XM_NTLM,
	XM_XOAUTH2,
	XM_OAUTHBEARER,
};

struct xsasl_mech_info {
	const char *name;
	enum xsasl_mech mech;
	int	has_initial;		/* client sends first */
};

struct xsasl {
	const struct xsasl_mech_info *info;
	char   *authcid;		/* as configured */
	char   *secret;			/* password or token: wiped */
	char   *host;			/* OAUTHBEARER, may be NULL */
	int	port;			/* OAUTHBEARER, 0: none */
	int	initial_sent;		/* initial response produced */
	int	steps;			/* challenges answered */
	int	verified;		/* SCRAM server signature ok */
	int	oauth_error;		/* OAuth error challenge seen */
	/* SCRAM */
	char	nonce[XSASL_NONCE_MAX + 1];
	char   *client_first_bare;
	unsigned char server_sig[EVP_MAX_MD_SIZE];	/* wiped */
	size_t	server_sig_len;
	/* NTLM */
	unsigned char cchal[8];
	int	cchal_set;
	uint64_t ftime;
	int	ftime_set;
};

/*
 * Private fixed-capacity buffer for plaintext that may hold secrets.
 * Unlike strbuf it never reallocates, so no copy of a secret is left
 * behind in freed memory; overflow is sticky and checked once at the
 * end.
 */
struct xbuf {
	unsigned char *data;
	size_t	len;
	size_t	cap;
	int	overflow;
};

/* xsasl.c */
void xbuf_init(struct xbuf *b, size_t cap);
void xbuf_put(struct xbuf *b, const void *p, size_t n);
void xbuf_puts(struct xbuf *b, const char *s);
void xbuf_putc(struct xbuf *b, int c);
void xbuf_done(struct xbuf *b);
int xsasl_fail(struct strbuf *why, const char *fmt, ...) PC_PRINTF(2, 3);
int xsasl_temp(struct strbuf *why, const char *fmt, ...) PC_PRINTF(2, 3);
int xsasl_hmac(const char *digest, const void *key, size_t klen,
    const void *data, size_t dlen, unsigned char *mac, size_t *mlen);

/* xsasl_ntlm.c */
void xsasl_split_ntlm(const char *authcid, char **user, char **domain);
int xsasl_ntowfv2(const char *user, const char *domain,
    const char *password, unsigned char key[16]);
void xsasl_ntlm_type1(struct xbuf *b);
int xsasl_ntlm_step(struct xsasl *x, const unsigned char *msg, size_t n,
    struct xbuf *b, struct strbuf *why);

#endif
