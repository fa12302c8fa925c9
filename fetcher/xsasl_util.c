/*
 * NAME
 *	xsasl_util - what the SASL mechanisms share: reasons, base64, HMAC
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	int xsasl_fail(struct strbuf *why, const char *fmt, ...);
 *	int xsasl_temp(struct strbuf *why, const char *fmt, ...);
 *	const char *xsasl_echo(char *buf, size_t size, const void *data,
 *		size_t len);				result is buf
 *	int xsasl_hmac(const char *digest, const void *key, size_t klen,
 *		const void *data, size_t dlen, unsigned char *mac,
 *		size_t *mlen);
 *	int xsasl_is_token(const char *s);
 *	void xsasl_saslname(struct xbuf *b, const char *name);
 *
 *	#include "xsasl.h"
 *
 *	int xsasl_b64_decode(const char *in, size_t len, struct strbuf *out);
 *	int xsasl_b64_encode(const void *in, size_t len, struct strbuf *out);
 * DESCRIPTION
 *	xsasl_int.h and xsasl.h describe each function.  This file sits
 *	below the mechanism files (xsasl_plain.c, xsasl_cram.c,
 *	xsasl_scram.c, xsasl_ntlm.c, xsasl_oauth.c) and the driver
 *	(xsasl.c), and calls none of them.
 *
 *	HMAC goes through EVP_Q_mac(), which OpenSSL 3 does not deprecate.
 *	Base64 digit values come from lib/base64.c.
 * SECURITY
 *	Base64 input is untrusted: it is decoded strictly (one encoding per
 *	octet string) into a buffer of bounded size, and the temporaries,
 *	which may hold credentials, are wiped before they are freed.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "popconn.h"
#include "alloc.h"
#include "base64.h"
#include "log.h"
#include "reason.h"
#include "strbuf.h"
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/* xsasl_fail - put a reason into why, return PC_PERM */

int
xsasl_fail(struct strbuf *why, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void) reason_vset(why, fmt, ap);
	va_end(ap);
	return (PC_PERM);
}

/* xsasl_temp - put a reason into why, return PC_TEMP (local trouble) */

int
xsasl_temp(struct strbuf *why, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void) reason_vset(why, fmt, ap);
	va_end(ap);
	return (PC_TEMP);
}

/* xsasl_echo - escape untrusted text for a diagnostic; result is buf */

const char *
xsasl_echo(char *buf, size_t size, const void *data, size_t len)
{
	return (log_printable(buf, size, data, len));
}

/*
 * Base64, RFC 4648 section 4.  Strict: the length is a multiple of 4,
 * '=' only as the last one or two characters, no white space, and the
 * unused bits of the last group are zero (section 3.5), so that each
 * octet string has exactly one encoding.
 */
static const char xsasl_b64_alpha[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* xsasl_b64_encode - encode into out, replacing its contents */

int
xsasl_b64_encode(const void *in, size_t len, struct strbuf *out)
{
	const unsigned char *p = in;
	unsigned char *tmp;
	size_t	elen;
	size_t	i;
	size_t	o = 0;
	uint32_t v;
	int	ret;

	strbuf_wipe(out);
	if (len > (SIZE_MAX / 4) * 3 - 3)
		return (-1);
	elen = (len + 2) / 3 * 4;
	if (elen > out->max)
		return (-1);
	/* Encode aside and append once: out grows while still empty. */
	tmp = xmalloc(elen + 1);
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8 | p[i + 2];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[v >> 18];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[(v >> 12) & 63];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[(v >> 6) & 63];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t) p[i] << 16;
		tmp[o++] = (unsigned char) xsasl_b64_alpha[v >> 18];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[(v >> 12) & 63];
		tmp[o++] = '=';
		tmp[o++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8;
		tmp[o++] = (unsigned char) xsasl_b64_alpha[v >> 18];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[(v >> 12) & 63];
		tmp[o++] = (unsigned char) xsasl_b64_alpha[(v >> 6) & 63];
		tmp[o++] = '=';
	}
	ret = strbuf_append(out, tmp, o);
	explicit_bzero(tmp, elen + 1);
	free(tmp);
	return (ret);
}

/* xsasl_b64_decode - strict decode into out, replacing its contents */

int
xsasl_b64_decode(const char *in, size_t len, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *) in;
	unsigned char *tmp;
	size_t	dlen;
	size_t	i;
	size_t	o = 0;
	int	pad = 0;
	int	c[4];
	int	j;
	int	ret = -1;

	strbuf_wipe(out);
	if (len % 4 != 0)
		return (-1);
	if (len == 0)
		return (0);
	if (p[len - 1] == '=')
		pad = p[len - 2] == '=' ? 2 : 1;
	dlen = len / 4 * 3 - (size_t) pad;
	if (dlen > out->max)
		return (-1);
	tmp = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		for (j = 0; j < 4; j++) {
			if (i + 4 == len && j >= 4 - pad) {
				c[j] = 0;
				continue;
			}
			if ((c[j] = base64_val(p[i + (size_t) j])) < 0)
				goto done;
		}
		tmp[o++] = (unsigned char) (c[0] << 2 | c[1] >> 4);
		tmp[o++] = (unsigned char) ((c[1] & 15) << 4 | c[2] >> 2);
		tmp[o++] = (unsigned char) ((c[2] & 3) << 6 | c[3]);
	}
	/* Non-zero pad bits: a second encoding of the same octets. */
	if ((pad == 1 && (c[2] & 3) != 0) || (pad == 2 && (c[1] & 15) != 0))
		goto done;
	ret = strbuf_append(out, tmp, dlen);
done:
	explicit_bzero(tmp, len / 4 * 3 + 1);
	free(tmp);
	return (ret);
}

/* xsasl_hmac - HMAC with the named digest; 0 or -1 */

int
xsasl_hmac(const char *digest, const void *key, size_t klen,
    const void *data, size_t dlen, unsigned char *mac, size_t *mlen)
{
	size_t	n = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, klen, data, dlen,
	    mac, EVP_MAX_MD_SIZE, &n) == NULL)
		return (-1);
	*mlen = n;
	return (0);
}

/* xsasl_is_token - printable ASCII without space (RFC 6750 b64token+) */

int
xsasl_is_token(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
			return (0);
	return (1);
}

/* xsasl_saslname - append a SCRAM/GS2 saslname: ',' -> =2C, '=' -> =3D */

void
xsasl_saslname(struct xbuf *b, const char *name)
{
	/*
	 * RFC 5802 section 5.1 wants SASLprep (RFC 4013) first.  ASCII
	 * user names and passwords are unchanged by it; non-ASCII UTF-8 is
	 * passed through unchanged rather than normalized, which matches
	 * any server that stored the same octets.
	 */
	for (; *name; name++) {
		if (*name == ',')
			xbuf_puts(b, "=2C");
		else if (*name == '=')
			xbuf_puts(b, "=3D");
		else
			xbuf_putc(b, *name);
	}
}
