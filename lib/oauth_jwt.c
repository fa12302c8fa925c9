/*
 * NAME
 *	oauth_jwt - a signed client assertion (certificate credential)
 * SYNOPSIS
 *	#include "oauth.h"
 *
 *	int oauth_jwt_assertion(const char *pem, const char *client_id,
 *		const char *audience, long now, struct strbuf *out,
 *		struct strbuf *why);
 *	int oauth_b64url(struct strbuf *out, const unsigned char *in,
 *		size_t n);
 * DESCRIPTION
 *	oauth_jwt_assertion() writes into out a JSON Web Token (RFC 7519)
 *	signed with RS256 (RFC 7518 section 3.3) that authenticates the
 *	client to the token endpoint instead of a client secret (RFC 7523
 *	section 2.2; Entra ID's "certificate credentials"): header alg,
 *	typ, x5t (base64url SHA-1 of the certificate) and x5t#S256; claims
 *	aud (the token endpoint), iss and sub (the client id), jti (128
 *	random bits), iat, nbf and exp (ten minutes).
 *
 *	oauth_b64url() appends base64url without padding; non-zero when
 *	out is full.
 *
 *	pem names a file (mode 0600) holding the certificate registered
 *	with the application and its RSA private key, both PEM.
 * DIAGNOSTICS
 *	PC_PERM: the file is missing, unreadable, not private, or holds no
 *	RSA key and certificate that belong together; the reason in why.
 * SECURITY
 *	The private key is read from a mode 0600 file, used once and freed;
 *	the file's buffer is wiped.  The client id goes into JSON only
 *	after a check that it needs no escaping.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "popconn.h"
#include "hex.h"
#include "oauth.h"
#include "safeio.h"

/* oauth_b64url - base64url without padding (RFC 7515 section 2) */

int
oauth_b64url(struct strbuf *out, const unsigned char *in, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_";
	unsigned long v;
	size_t	i;
	int	err = 0;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		err |= strbuf_putc(out, a[v >> 18 & 63]);
		err |= strbuf_putc(out, a[v >> 12 & 63]);
		err |= strbuf_putc(out, a[v >> 6 & 63]);
		err |= strbuf_putc(out, a[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned long)in[i] << 16;
		err |= strbuf_putc(out, a[v >> 18 & 63]);
		err |= strbuf_putc(out, a[v >> 12 & 63]);
	} else if (n - i == 2) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8;
		err |= strbuf_putc(out, a[v >> 18 & 63]);
		err |= strbuf_putc(out, a[v >> 12 & 63]);
		err |= strbuf_putc(out, a[v >> 6 & 63]);
	}
	return (err);
}

/* json_safe - printable ASCII without quote or backslash */

static int
json_safe(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\')
			return (0);
	return (1);
}

/* oauth_jwt_assertion - RS256 client assertion from a PEM file */

int
oauth_jwt_assertion(const char *pem, const char *client_id,
    const char *audience, long now, struct strbuf *out, struct strbuf *why)
{
	struct strbuf *buf = strbuf_alloc(64 * 1024);
	struct strbuf *js = strbuf_alloc(4096);
	unsigned char sha1[SHA_DIGEST_LENGTH], sha256[SHA256_DIGEST_LENGTH];
	unsigned char jti[16], sig[1024];
	char	jtihex[33];
	unsigned int dlen;
	size_t	siglen = sizeof(sig);
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	X509   *cert = NULL;
	BIO    *bio = NULL;
	int	rc = PC_PERM;

	strbuf_reset(out);
	if (!json_safe(client_id) || !json_safe(audience)) {
		strbuf_printf(why, "client id or token endpoint with "
		    "characters a JWT claim cannot hold");
		goto out;
	}
	if (safeio_read_file(pem, 64 * 1024, 1, buf, why) != PC_OK)
		goto out;
	if ((bio = BIO_new_mem_buf(buf->data, (int)buf->len)) == NULL ||
	    (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		strbuf_printf(why, "%s: no PEM certificate", pem);
		goto out;
	}
	BIO_free(bio);
	if ((bio = BIO_new_mem_buf(buf->data, (int)buf->len)) == NULL ||
	    (key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		strbuf_printf(why, "%s: no unencrypted RSA private key", pem);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		strbuf_printf(why, "%s: the private key does not belong to "
		    "the certificate", pem);
		goto out;
	}
	if (X509_digest(cert, EVP_sha1(), sha1, &dlen) != 1 ||
	    X509_digest(cert, EVP_sha256(), sha256, &dlen) != 1 ||
	    RAND_bytes(jti, sizeof(jti)) != 1) {
		strbuf_printf(why, "%s: digest failed", pem);
		goto out;
	}
	hex_encode(jtihex, jti, sizeof(jti));
	/* header */
	(void)strbuf_puts(js, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\"");
	(void)oauth_b64url(js, sha1, sizeof(sha1));
	(void)strbuf_puts(js, "\",\"x5t#S256\":\"");
	(void)oauth_b64url(js, sha256, sizeof(sha256));
	(void)strbuf_puts(js, "\"}");
	(void)oauth_b64url(out, (const unsigned char *)js->data, js->len);
	(void)strbuf_putc(out, '.');
	/* claims (RFC 7523 section 3) */
	strbuf_reset(js);
	if (strbuf_appendf(js, "{\"aud\":\"%s\",\"iss\":\"%s\",\"sub\":\"%s\","
	    "\"jti\":\"%s\",\"iat\":%ld,\"nbf\":%ld,\"exp\":%ld}", audience,
	    client_id, client_id, jtihex, now, now, now + 600) != 0) {
		strbuf_printf(why, "client assertion too long");
		goto out;
	}
	(void)oauth_b64url(out, (const unsigned char *)js->data, js->len);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)out->data,
	    out->len) != 1) {
		strbuf_printf(why, "%s: signing failed (key over 8192 bits?)",
		    pem);
		goto out;
	}
	(void)strbuf_putc(out, '.');
	if (oauth_b64url(out, sig, siglen) != 0) {
		strbuf_printf(why, "client assertion too long");
		goto out;
	}
	rc = PC_OK;
out:
	if (rc != PC_OK)
		strbuf_reset(out);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(bio);
	strbuf_wipe(buf);
	strbuf_free(buf);
	strbuf_free(js);
	return (rc);
}
