/*
 * NAME
 *	xsasl_scram - the SCRAM-SHA-1 and SCRAM-SHA-256 mechanisms of xsasl
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	int xsasl_scram_initial(struct xsasl *x, struct xbuf *b,
 *		struct strbuf *why);
 *	int xsasl_scram_step(struct xsasl *x, const char *msg, size_t n,
 *		struct xbuf *b, struct strbuf *why);
 *	int xsasl_scram_success(struct xsasl *x, struct strbuf *why);
 *	void xsasl_scram_free(struct xsasl *x);
 * DESCRIPTION
 *	Table functions for xsasl.c (see xsasl_int.h for the contract);
 *	the table entry's digest ("SHA1" or "SHA256") picks the hash.
 *	RFC 5802 and RFC 7677, without channel binding ("n,,"):
 *	client-first (initial) -> CONTINUE; server-first in, client-final
 *	out -> CONTINUE; server-final verified -> DONE with an empty
 *	response.  xsasl_scram_success() refuses a +OK without a verified
 *	server signature (RFC 5802 section 9).
 *
 *	PBKDF2 goes through PKCS5_PBKDF2_HMAC() and digests through
 *	EVP_Digest(): neither is deprecated in OpenSSL 3.
 * DIAGNOSTICS
 *	PC_PERM with the reason in why for a malformed message, a server
 *	nonce that does not extend ours, an iteration count outside
 *	1..XSASL_SCRAM_ITER_MAX, a bad salt, an "e=" error or a server
 *	signature that does not verify.  PC_TEMP when the random generator
 *	or a crypto primitive fails.
 * SECURITY
 *	Server messages are untrusted and parsed with explicit bounds; the
 *	iteration count is capped so that a server cannot make us spin.
 *	Derived keys are wiped; server text reaches why only escaped.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "strbuf.h"
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/* scram_attr - "name=value" at *p; value up to ',' or end */

static int
scram_attr(const char **p, const char *end, int name, const char **val,
    size_t *vlen)
{
	const char *cp = *p;
	const char *comma;

	if (end - cp < 2 || cp[0] != name || cp[1] != '=')
		return (-1);
	cp += 2;
	comma = memchr(cp, ',', (size_t) (end - cp));
	*val = cp;
	*vlen = (size_t) ((comma ? comma : end) - cp);
	*p = comma ? comma + 1 : end;
	return (0);
}

/* scram_digest - name and size of the SCRAM hash */

static const EVP_MD *
scram_digest(const struct xsasl *x, const char **name)
{
	*name = x->mech->digest;
	if (strcmp(*name, "SHA1") == 0)
		return (EVP_sha1());
	if (strcmp(*name, "SHA256") == 0)
		return (EVP_sha256());
	log_panic("scram_digest: digest %s", *name);
}

/* xsasl_scram_initial - client-first-message, RFC 5802 section 7 */

int
xsasl_scram_initial(struct xsasl *x, struct xbuf *b, struct strbuf *why)
{
	unsigned char raw[XSASL_NONCE_RAW];
	struct strbuf *enc;
	struct xbuf bare;

	if (x->scram.nonce[0] == 0) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return (xsasl_temp(why, "SCRAM: RAND_bytes "
			    "failed"));
		/* Base64 is printable and has no ',': a valid c-nonce. */
		enc = strbuf_alloc(XSASL_NONCE_MAX);
		if (xsasl_b64_encode(raw, sizeof(raw), enc) < 0)
			log_panic("xsasl_scram_initial: nonce encoding");
		pc_strlcpy(x->scram.nonce, strbuf_str(enc), sizeof(x->scram.nonce));
		strbuf_free(enc);
	}
	xbuf_init(&bare, 3 * XSASL_CRED_MAX + XSASL_NONCE_MAX + 16);
	xbuf_puts(&bare, "n=");
	xsasl_saslname(&bare, x->authcid);
	xbuf_puts(&bare, ",r=");
	xbuf_puts(&bare, x->scram.nonce);
	if (bare.overflow)
		log_panic("xsasl_scram_initial: buffer");
	bare.data[bare.len] = 0;
	xfree_secret(x->scram.client_first_bare);
	x->scram.client_first_bare = xstrdup((char *) bare.data);
	xbuf_done(&bare);
	xbuf_puts(b, "n,,");
	xbuf_puts(b, x->scram.client_first_bare);
	return (XSASL_CONTINUE);
}

/* scram_server_first - server-first-message in, client-final out */

static int
scram_server_first(struct xsasl *x, const char *msg, size_t n,
    struct xbuf *b, struct strbuf *why)
{
	const char *p = msg, *end = msg + n;
	const char *nonce, *salt64, *iter;
	size_t	nlen, slen, ilen, i, mlen, hlen;
	unsigned long iters = 0;
	const EVP_MD *md;
	const char *mdname;
	struct strbuf *salt = NULL;
	struct strbuf *proof64 = NULL;
	struct xbuf am;			/* AuthMessage */
	unsigned char salted[EVP_MAX_MD_SIZE];
	unsigned char ckey[EVP_MAX_MD_SIZE];
	unsigned char skey[EVP_MAX_MD_SIZE];
	unsigned char stored[EVP_MAX_MD_SIZE];
	unsigned char csig[EVP_MAX_MD_SIZE];
	unsigned int slen2;
	int	ret = PC_PERM;

	/* RFC 5802 section 7: r=nonce,s=salt,i=count[,extensions] */
	if (n > 0 && msg[0] == 'm')
		return (xsasl_fail(why, "SCRAM: server requires an extension "
		    "we do not support"));
	if (scram_attr(&p, end, 'r', &nonce, &nlen) < 0
	    || scram_attr(&p, end, 's', &salt64, &slen) < 0
	    || scram_attr(&p, end, 'i', &iter, &ilen) < 0)
		return (xsasl_fail(why, "SCRAM: malformed server-first "
		    "message"));
	for (i = 0; i < nlen; i++)
		if (nonce[i] < 0x21 || nonce[i] > 0x7e)
			return (xsasl_fail(why, "SCRAM: bad character in the "
			    "server nonce"));
	if (nlen <= strlen(x->scram.nonce)
	    || memcmp(nonce, x->scram.nonce, strlen(x->scram.nonce)) != 0)
		return (xsasl_fail(why, "SCRAM: server nonce does not extend "
		    "ours"));
	if (ilen == 0 || ilen > 10)
		return (xsasl_fail(why, "SCRAM: bad iteration count"));
	for (i = 0; i < ilen; i++) {
		if (iter[i] < '0' || iter[i] > '9')
			return (xsasl_fail(why, "SCRAM: bad iteration count"));
		iters = iters * 10 + (unsigned long) (iter[i] - '0');
	}
	if (iters < 1 || iters > XSASL_SCRAM_ITER_MAX)
		return (xsasl_fail(why, "SCRAM: iteration count %lu outside "
		    "1..%d", iters, XSASL_SCRAM_ITER_MAX));
	salt = strbuf_alloc(XSASL_SALT_MAX);
	if (slen == 0 || xsasl_b64_decode(salt64, slen, salt) < 0
	    || strbuf_len(salt) == 0) {
		strbuf_free(salt);
		return (xsasl_fail(why, "SCRAM: bad salt"));
	}

	md = scram_digest(x, &mdname);
	hlen = (size_t) EVP_MD_get_size(md);
	xbuf_init(&am, XSASL_WORK_MAX);
	xbuf_puts(&am, x->scram.client_first_bare);
	xbuf_putc(&am, ',');
	xbuf_put(&am, msg, n);
	xbuf_putc(&am, ',');
	/* client-final-message-without-proof; "biws" is base64("n,,"). */
	xbuf_puts(b, "c=biws,r=");
	xbuf_put(b, nonce, nlen);
	xbuf_put(&am, b->data, b->len);
	if (am.overflow || b->overflow) {
		(void) xsasl_fail(why, "SCRAM: server-first message too long");
		goto done;
	}
	/* SaltedPassword := Hi(Normalize(password), salt, i) */
	if (PKCS5_PBKDF2_HMAC(x->secret, (int) strlen(x->secret),
	    (const unsigned char *) strbuf_str(salt), (int) strbuf_len(salt),
	    (int) iters, md, (int) hlen, salted) != 1
	    || xsasl_hmac(mdname, salted, hlen, "Client Key", 10, ckey,
		&mlen) < 0
	    || EVP_Digest(ckey, hlen, stored, &slen2, md, NULL) != 1
	    || xsasl_hmac(mdname, stored, hlen, am.data, am.len, csig,
		&mlen) < 0
	    || xsasl_hmac(mdname, salted, hlen, "Server Key", 10, skey,
		&mlen) < 0
	    || xsasl_hmac(mdname, skey, hlen, am.data, am.len, x->scram.server_sig,
		&x->scram.server_sig_len) < 0) {
		ret = xsasl_temp(why, "SCRAM: crypto failure");
		goto done;
	}
	/* ClientProof := ClientKey XOR ClientSignature */
	for (i = 0; i < hlen; i++)
		csig[i] ^= ckey[i];
	proof64 = strbuf_alloc(2 * EVP_MAX_MD_SIZE);
	if (xsasl_b64_encode(csig, hlen, proof64) < 0)
		log_panic("scram_server_first: proof encoding");
	xbuf_puts(b, ",p=");
	xbuf_puts(b, strbuf_str(proof64));
	ret = PC_OK;
done:
	explicit_bzero(salted, sizeof(salted));
	explicit_bzero(ckey, sizeof(ckey));
	explicit_bzero(skey, sizeof(skey));
	explicit_bzero(stored, sizeof(stored));
	explicit_bzero(csig, sizeof(csig));
	strbuf_free(proof64);
	strbuf_free(salt);
	xbuf_done(&am);
	return (ret);
}

/* scram_server_final - verify the ServerSignature, RFC 5802 section 9 */

static int
scram_server_final(struct xsasl *x, const char *msg, size_t n,
    struct strbuf *why)
{
	const char *p = msg, *end = msg + n;
	const char *val;
	size_t	vlen;
	struct strbuf *sig;
	char	ebuf[XSASL_ECHO_MAX];
	int	ok;

	if (scram_attr(&p, end, 'e', &val, &vlen) == 0)
		return (xsasl_fail(why, "SCRAM: server error \"%s\"",
		    xsasl_echo(ebuf, sizeof(ebuf), val, vlen)));
	if (scram_attr(&p, end, 'v', &val, &vlen) < 0)
		return (xsasl_fail(why, "SCRAM: malformed server-final "
		    "message"));
	sig = strbuf_alloc(EVP_MAX_MD_SIZE);
	ok = xsasl_b64_decode(val, vlen, sig) == 0
	    && strbuf_len(sig) == x->scram.server_sig_len
	    && x->scram.server_sig_len > 0
	    && CRYPTO_memcmp(strbuf_str(sig), x->scram.server_sig,
		x->scram.server_sig_len) == 0;
	strbuf_free(sig);
	if (!ok)
		return (xsasl_fail(why, "SCRAM: server signature does not "
		    "verify: the server does not know the password"));
	x->scram.verified = 1;
	return (PC_OK);
}

/* xsasl_scram_step - server-first, then server-final */

int
xsasl_scram_step(struct xsasl *x, const char *msg, size_t n, struct xbuf *b,
    struct strbuf *why)
{
	int	rc;

	if (memchr(msg, 0, n) != NULL)
		return (xsasl_fail(why, "SCRAM: NUL in challenge"));
	if (x->steps == 1) {
		rc = scram_server_first(x, msg, n, b, why);
		return (rc == PC_OK ? XSASL_CONTINUE : rc);
	}
	if (x->steps == 2) {
		rc = scram_server_final(x, msg, n, why);
		return (rc == PC_OK ? XSASL_DONE : rc);	/* empty response */
	}
	return (xsasl_fail(why, "SCRAM: unexpected challenge after "
	    "server-final"));
}

/* xsasl_scram_success - RFC 5802 section 9: the server proves it knows the key */

int
xsasl_scram_success(struct xsasl *x, struct strbuf *why)
{
	if (!x->scram.verified)
		return (xsasl_fail(why, "%s: +OK without a verified server "
		    "signature", x->mech->name));
	return (PC_OK);
}

/* xsasl_scram_free - free what SCRAM allocated */

void
xsasl_scram_free(struct xsasl *x)
{
	xfree_secret(x->scram.client_first_bare);
	x->scram.client_first_bare = NULL;
}
