/*
 * NAME
 *	xsasl_ntlm - the NTLM mechanism of xsasl, and MD4 (no I/O)
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	void xsasl_split_ntlm(const char *authcid, char **user,
 *		char **domain);				caller frees both
 *	int xsasl_ntowfv2(const char *user, const char *domain,
 *		const char *password, unsigned char key[16]);
 *	void xsasl_ntlm_type1(struct xbuf *b);
 *	int xsasl_ntlm_step(struct xsasl *x, const unsigned char *msg,
 *		size_t n, struct xbuf *b, struct strbuf *why);
 *
 *	The test hooks xsasl_test_md4(), xsasl_test_ntowfv2(),
 *	xsasl_test_set_client_challenge() and xsasl_test_set_time() are
 *	declared and described in xsasl.h.
 * DESCRIPTION
 *	[MS-NLMP], NTLMv2 responses only, for xsasl.c, which drives the
 *	exchange: xsasl_initial() sends the NEGOTIATE message that
 *	xsasl_ntlm_type1() appends to b, and xsasl_step() passes the
 *	decoded CHALLENGE message to xsasl_ntlm_step(), which appends the
 *	AUTHENTICATE message to b.
 *
 *	xsasl_split_ntlm() splits "DOMAIN\user" or "user@domain" into
 *	newly allocated strings; without either form the domain is empty.
 *	xsasl_ntowfv2() computes NTOWFv2 ([MS-NLMP] 3.3.2) into key; it
 *	returns 0, or -1 when a string is not valid UTF-8 or HMAC-MD5
 *	fails.  xsasl_new() calls both to refuse bad UTF-8 up front.
 *
 *	MD4 (RFC 1320) is implemented here because OpenSSL 3 moved it to
 *	the legacy provider, which a fetcher should not need to load.
 * DIAGNOSTICS
 *	xsasl_ntlm_step() returns PC_OK; PC_PERM with the reason in why for
 *	a CHALLENGE message we cannot accept or credentials that cannot be
 *	encoded; PC_TEMP when the random generator or HMAC-MD5 fails.
 * SECURITY
 *	The CHALLENGE message is untrusted.  xsasl_step() bounds it to
 *	XSASL_CHALLENGE_MAX octets; every offset and length in it is
 *	checked against the message before use.  The password, the NT
 *	hash and the derived keys live only in buffers wiped before they
 *	are freed, and never in why.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "popconn.h"
#include "alloc.h"
#include "strbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/* xbuf_le16 - append a little-endian 16-bit value */

static void
xbuf_le16(struct xbuf *b, unsigned v)
{
	xbuf_putc(b, (int) (v & 0xff));
	xbuf_putc(b, (int) ((v >> 8) & 0xff));
}

/* xbuf_le32 - append a little-endian 32-bit value */

static void
xbuf_le32(struct xbuf *b, uint32_t v)
{
	xbuf_le16(b, (unsigned) (v & 0xffff));
	xbuf_le16(b, (unsigned) (v >> 16));
}

/*
 * MD4, RFC 1320.  Only NTLM needs it, for the NT hash of the password.
 */
#define MD4_F(x, y, z)	(((x) & (y)) | (~(x) & (z)))
#define MD4_G(x, y, z)	(((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define MD4_H(x, y, z)	((x) ^ (y) ^ (z))
#define MD4_ROTL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))

/* md4_block - process one 64-octet block */

static void
md4_block(uint32_t st[4], const unsigned char *blk)
{
	static const int s1[4] = {3, 7, 11, 19};
	static const int s2[4] = {3, 5, 9, 13};
	static const int s3[4] = {3, 9, 11, 15};
	static const int k3[16] = {0, 8, 4, 12, 2, 10, 6, 14,
	1, 9, 5, 13, 3, 11, 7, 15};
	uint32_t x[16];
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3], t;
	int	i;

	for (i = 0; i < 16; i++)
		x[i] = (uint32_t) blk[4 * i] | (uint32_t) blk[4 * i + 1] << 8 |
		    (uint32_t) blk[4 * i + 2] << 16 |
		    (uint32_t) blk[4 * i + 3] << 24;
	/* Each step rotates the roles: (a, b, c, d) -> (d, new, b, c). */
	for (i = 0; i < 16; i++) {
		t = a + MD4_F(b, c, d) + x[i];
		t = MD4_ROTL(t, s1[i % 4]);
		a = d, d = c, c = b, b = t;
	}
	for (i = 0; i < 16; i++) {
		t = a + MD4_G(b, c, d) + x[(i % 4) * 4 + i / 4] + 0x5a827999U;
		t = MD4_ROTL(t, s2[i % 4]);
		a = d, d = c, c = b, b = t;
	}
	for (i = 0; i < 16; i++) {
		t = a + MD4_H(b, c, d) + x[k3[i]] + 0x6ed9eba1U;
		t = MD4_ROTL(t, s3[i % 4]);
		a = d, d = c, c = b, b = t;
	}
	st[0] += a, st[1] += b, st[2] += c, st[3] += d;
	explicit_bzero(x, sizeof(x));
}

/* xsasl_md4 - MD4 digest of len octets */

static void
xsasl_md4(const void *data, size_t len, unsigned char md[16])
{
	const unsigned char *p = data;
	uint32_t st[4] = {0x67452301U, 0xefcdab89U, 0x98badcfeU, 0x10325476U};
	unsigned char last[128];
	uint64_t bits = (uint64_t) len * 8;
	size_t	rest;
	size_t	n;
	int	i;

	for (; len >= 64; p += 64, len -= 64)
		md4_block(st, p);
	rest = len;
	memset(last, 0, sizeof(last));
	if (rest > 0)
		memcpy(last, p, rest);
	last[rest] = 0x80;
	n = rest < 56 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 8 + (size_t) i] = (unsigned char) (bits >> (8 * i));
	md4_block(st, last);
	if (n == 128)
		md4_block(st, last + 64);
	for (i = 0; i < 16; i++)
		md[i] = (unsigned char) (st[i / 4] >> (8 * (i % 4)));
	explicit_bzero(last, sizeof(last));
	explicit_bzero(st, sizeof(st));
}

/* xsasl_test_md4 - for tests */

void
xsasl_test_md4(const void *data, size_t len, unsigned char md[16])
{
	xsasl_md4(data, len, md);
}

/*
 * xsasl_utf16le - append UTF-8 text as UTF-16LE, optionally upper-cased;
 * -1 on invalid UTF-8.  NTOWFv2 wants Uppercase() of the user name
 * ([MS-NLMP] 3.3.2): Windows upper-cases it in Unicode, one code point
 * for one, so "eleve" with accents becomes "ELEVE" with accents, and
 * "s sharp" stays itself (the simple mapping, xsasl_ucase.c; a full
 * mapping such as "SS" would change the length).
 */
static int
xsasl_utf16le(struct xbuf *b, const char *s, int upper)
{
	const unsigned char *p = (const unsigned char *) s;
	uint32_t cp;
	int	n;
	int	i;

	while (*p) {
		if (*p < 0x80)
			cp = *p, n = 0;
		else if ((*p & 0xe0) == 0xc0)
			cp = *p & 0x1f, n = 1;
		else if ((*p & 0xf0) == 0xe0)
			cp = *p & 0x0f, n = 2;
		else if ((*p & 0xf8) == 0xf0)
			cp = *p & 0x07, n = 3;
		else
			return (-1);
		p++;
		for (i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return (-1);
			cp = cp << 6 | (*p & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (-1);
		if (upper)
			cp = xsasl_ucase(cp);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			xbuf_le16(b, 0xd800 | (unsigned) (cp >> 10));
			xbuf_le16(b, 0xdc00 | (unsigned) (cp & 0x3ff));
		} else
			xbuf_le16(b, (unsigned) cp);
	}
	return (0);
}

/* xsasl_ntowfv2 - NTOWFv2 ([MS-NLMP] 3.3.2); 0 or -1 */

int
xsasl_ntowfv2(const char *user, const char *domain, const char *password,
    unsigned char key[16])
{
	struct xbuf b;
	unsigned char nt[16];
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t	mlen;
	int	ret = -1;

	xbuf_init(&b, 4 * XSASL_CRED_MAX);
	if (xsasl_utf16le(&b, password, 0) < 0 || b.overflow)
		goto done;
	xsasl_md4(b.data, b.len, nt);
	b.len = 0;
	if (xsasl_utf16le(&b, user, 1) < 0 || xsasl_utf16le(&b, domain, 0) < 0
	    || b.overflow)
		goto done;
	if (xsasl_hmac("MD5", nt, sizeof(nt), b.data, b.len, mac, &mlen) < 0
	    || mlen != 16)
		goto done;
	memcpy(key, mac, 16);
	ret = 0;
done:
	explicit_bzero(nt, sizeof(nt));
	explicit_bzero(mac, sizeof(mac));
	xbuf_done(&b);
	return (ret);
}

/* xsasl_test_ntowfv2 - for tests */

int
xsasl_test_ntowfv2(const char *user, const char *domain,
    const char *password, unsigned char key[16])
{
	return (xsasl_ntowfv2(user, domain, password, key));
}

/* xsasl_split_ntlm - split "DOMAIN\user" or "user@domain" */

void
xsasl_split_ntlm(const char *authcid, char **user, char **domain)
{
	const char *cp;

	if ((cp = strchr(authcid, '\\')) != NULL) {
		*domain = xstrndup(authcid, (size_t) (cp - authcid));
		*user = xstrdup(cp + 1);
	} else if ((cp = strrchr(authcid, '@')) != NULL) {
		*user = xstrndup(authcid, (size_t) (cp - authcid));
		*domain = xstrdup(cp + 1);
	} else {
		*user = xstrdup(authcid);
		*domain = xstrdup("");
	}
}

/*
 * NTLM ([MS-NLMP] 2.2).  Flags we ask for in the NEGOTIATE message.
 */
#define NTLM_UNICODE		0x00000001U
#define NTLM_OEM		0x00000002U
#define NTLM_REQUEST_TARGET	0x00000004U
#define NTLM_NTLM		0x00000200U
#define NTLM_ALWAYS_SIGN	0x00008000U
#define NTLM_EXT_SESSIONSEC	0x00080000U
#define NTLM_TARGET_INFO	0x00800000U
#define NTLM_128		0x20000000U
#define NTLM_56			0x80000000U
#define NTLM_OUR_FLAGS	(NTLM_UNICODE | NTLM_OEM | NTLM_REQUEST_TARGET | \
	NTLM_NTLM | NTLM_ALWAYS_SIGN | NTLM_EXT_SESSIONSEC | NTLM_128 | \
	NTLM_56)
#define NTLM_AV_EOL		0
#define NTLM_AV_TIMESTAMP	7
#define NTLM_TYPE2_MIN		32	/* through ServerChallenge */
#define NTLM_TYPE2_TI		48	/* through TargetInfoFields */
#define NTLM_TYPE3_HDR		64	/* without Version and MIC */
#define NTLM_EPOCH_DIFF		11644473600ULL	/* 1601 to 1970, seconds */

static const unsigned char ntlm_sig[8] = "NTLMSSP";	/* NUL included */

/* ntlm_le16 - read a little-endian 16-bit value */

static unsigned
ntlm_le16(const unsigned char *p)
{
	return ((unsigned) p[0] | (unsigned) p[1] << 8);
}

/* ntlm_le32 - read a little-endian 32-bit value */

static uint32_t
ntlm_le32(const unsigned char *p)
{
	return ((uint32_t) p[0] | (uint32_t) p[1] << 8 |
	    (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24);
}

/* xsasl_ntlm_type1 - the NEGOTIATE message, [MS-NLMP] 2.2.1.1 */

void
xsasl_ntlm_type1(struct xbuf *b)
{
	xbuf_put(b, ntlm_sig, sizeof(ntlm_sig));
	xbuf_le32(b, 1);
	xbuf_le32(b, NTLM_OUR_FLAGS);
	/* Empty DomainNameFields and WorkstationFields. */
	xbuf_le16(b, 0), xbuf_le16(b, 0), xbuf_le32(b, 32);
	xbuf_le16(b, 0), xbuf_le16(b, 0), xbuf_le32(b, 32);
}

/* ntlm_field - check an (len, maxlen, offset) field against the message */

static int
ntlm_field(const unsigned char *msg, size_t n, size_t at, size_t *off,
    size_t *len)
{
	*len = ntlm_le16(msg + at);
	*off = ntlm_le32(msg + at + 4);
	if (*len == 0)
		return (0);
	if (*off > n || *len > n - *off)
		return (-1);
	return (0);
}

/* ntlm_string - append a string in the negotiated encoding */

static int
ntlm_string(struct xbuf *b, const char *s, int unicode)
{
	if (unicode)
		return (xsasl_utf16le(b, s, 0));
	xbuf_puts(b, s);
	return (0);
}

/* xsasl_ntlm_step - CHALLENGE message in, AUTHENTICATE message out */

int
xsasl_ntlm_step(struct xsasl *x, const unsigned char *msg, size_t n,
    struct xbuf *b, struct strbuf *why)
{
	unsigned char key[16];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned char sc[8];
	unsigned char ts[8];
	struct xbuf blob;		/* ServerChallenge, then temp */
	struct xbuf strs;		/* domain, user */
	char   *user = NULL;
	char   *domain = NULL;
	size_t	toff, tlen, off, len, pos, mlen, dlen, ulen, ntlen, lmlen;
	size_t	ti_used = 0;
	uint32_t sflags, flags;
	uint64_t ft;
	int	have_ts = 0;
	int	unicode;
	int	ret = PC_PERM;
	int	i;

	/* [MS-NLMP] 2.2.1.2, every offset checked before use. */
	if (n < NTLM_TYPE2_MIN)
		return (xsasl_fail(why, "NTLM: challenge truncated (%zu octets)",
		    n));
	if (memcmp(msg, ntlm_sig, sizeof(ntlm_sig)) != 0)
		return (xsasl_fail(why, "NTLM: challenge without NTLMSSP "
		    "signature"));
	if (ntlm_le32(msg + 8) != 2)
		return (xsasl_fail(why, "NTLM: message type %lu, expected 2",
		    (unsigned long) ntlm_le32(msg + 8)));
	if (ntlm_field(msg, n, 12, &off, &len) < 0)
		return (xsasl_fail(why, "NTLM: target name outside the "
		    "challenge"));
	sflags = ntlm_le32(msg + 20);
	memcpy(sc, msg + 24, 8);
	if (!(sflags & (NTLM_UNICODE | NTLM_OEM)))
		return (xsasl_fail(why, "NTLM: server offers no character "
		    "set"));
	unicode = (sflags & NTLM_UNICODE) != 0;
	toff = tlen = 0;
	if (sflags & NTLM_TARGET_INFO) {
		if (n < NTLM_TYPE2_TI)
			return (xsasl_fail(why, "NTLM: challenge truncated "
			    "before target info"));
		if (ntlm_field(msg, n, 40, &toff, &tlen) < 0)
			return (xsasl_fail(why, "NTLM: target info outside "
			    "the challenge"));
	}
	/* AV_PAIRs ([MS-NLMP] 2.2.2.1), up to and including MsvAvEOL. */
	for (pos = 0; tlen > 0;) {
		unsigned id, alen;

		if (tlen - pos < 4)
			return (xsasl_fail(why, "NTLM: target info without "
			    "MsvAvEOL"));
		id = ntlm_le16(msg + toff + pos);
		alen = ntlm_le16(msg + toff + pos + 2);
		pos += 4;
		if (alen > tlen - pos)
			return (xsasl_fail(why, "NTLM: AV pair %u overruns the "
			    "target info", id));
		if (id == NTLM_AV_EOL) {
			ti_used = pos;
			break;
		}
		if (id == NTLM_AV_TIMESTAMP) {
			if (alen != 8)
				return (xsasl_fail(why, "NTLM: bad MsvAvTimestamp "
				    "length %u", alen));
			memcpy(ts, msg + toff + pos, 8);
			have_ts = 1;
		}
		pos += alen;
	}

	/* Time: the server's if it sent one ([MS-NLMP] 3.1.5.1.2). */
	if (!have_ts) {
		if (x->ftime_set)
			ft = x->ftime;
		else
			ft = ((uint64_t) time(NULL) + NTLM_EPOCH_DIFF) *
			    10000000ULL;
		for (i = 0; i < 8; i++)
			ts[i] = (unsigned char) (ft >> (8 * i));
	}
	if (!x->cchal_set && RAND_bytes(x->cchal, sizeof(x->cchal)) != 1)
		return (xsasl_temp(why, "NTLM: RAND_bytes "
		    "failed"));

	xsasl_split_ntlm(x->authcid, &user, &domain);
	xbuf_init(&blob, XSASL_CHALLENGE_MAX + 64);
	xbuf_init(&strs, 8 * XSASL_CRED_MAX);
	if (xsasl_ntowfv2(user, domain, x->secret, key) < 0) {
		(void) xsasl_fail(why, "NTLM: user name or password is not "
		    "valid UTF-8");
		goto done;
	}

	/* temp, [MS-NLMP] 3.3.2, behind the server challenge. */
	xbuf_put(&blob, sc, 8);
	xbuf_putc(&blob, 1), xbuf_putc(&blob, 1);	/* Resp(Hi)Version */
	xbuf_put(&blob, "\0\0\0\0\0\0", 6);
	xbuf_put(&blob, ts, 8);
	xbuf_put(&blob, x->cchal, 8);
	xbuf_put(&blob, "\0\0\0\0", 4);
	if (ti_used > 0)
		xbuf_put(&blob, msg + toff, ti_used);
	else
		xbuf_put(&blob, "\0\0\0\0", 4);	/* MsvAvEOL alone */
	xbuf_put(&blob, "\0\0\0\0", 4);
	if (blob.overflow || blob.len - 8 + 16 > 0xffff) {
		(void) xsasl_fail(why, "NTLM: target info too large");
		goto done;
	}
	/* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge . temp) */
	if (xsasl_hmac("MD5", key, 16, blob.data, blob.len, mac, &mlen) < 0) {
		ret = xsasl_temp(why, "NTLM: HMAC-MD5 failed");
		goto done;
	}
	ntlen = 16 + blob.len - 8;
	lmlen = 24;

	if (ntlm_string(&strs, domain, unicode) < 0) {
		(void) xsasl_fail(why, "NTLM: domain is not valid UTF-8");
		goto done;
	}
	dlen = strs.len;
	if (ntlm_string(&strs, user, unicode) < 0) {
		(void) xsasl_fail(why, "NTLM: user is not valid UTF-8");
		goto done;
	}
	ulen = strs.len - dlen;
	if (strs.overflow || dlen > 0xffff || ulen > 0xffff) {
		(void) xsasl_fail(why, "NTLM: user or domain too long");
		goto done;
	}
	flags = (sflags & NTLM_OUR_FLAGS) | NTLM_NTLM;
	flags &= unicode ? ~NTLM_OEM : ~NTLM_UNICODE;

	/* AUTHENTICATE, [MS-NLMP] 2.2.1.3: header, then the payload. */
	off = NTLM_TYPE3_HDR;
	xbuf_put(b, ntlm_sig, sizeof(ntlm_sig));
	xbuf_le32(b, 3);
	xbuf_le16(b, (unsigned) lmlen), xbuf_le16(b, (unsigned) lmlen);
	xbuf_le32(b, (uint32_t) (off + dlen + ulen));
	xbuf_le16(b, (unsigned) ntlen), xbuf_le16(b, (unsigned) ntlen);
	xbuf_le32(b, (uint32_t) (off + dlen + ulen + lmlen));
	xbuf_le16(b, (unsigned) dlen), xbuf_le16(b, (unsigned) dlen);
	xbuf_le32(b, (uint32_t) off);
	xbuf_le16(b, (unsigned) ulen), xbuf_le16(b, (unsigned) ulen);
	xbuf_le32(b, (uint32_t) (off + dlen));
	/* Workstation and EncryptedRandomSessionKey: empty. */
	xbuf_le16(b, 0), xbuf_le16(b, 0);
	xbuf_le32(b, (uint32_t) (off + dlen + ulen + lmlen + ntlen));
	xbuf_le16(b, 0), xbuf_le16(b, 0);
	xbuf_le32(b, (uint32_t) (off + dlen + ulen + lmlen + ntlen));
	xbuf_le32(b, flags);
	xbuf_put(b, strs.data, strs.len);
	if (have_ts) {
		/* 3.1.5.1.2: with MsvAvTimestamp, LmChallengeResponse is Z(24). */
		xbuf_put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
	} else {
		unsigned char lm[16];
		unsigned char lmmac[EVP_MAX_MD_SIZE];
		size_t	lmmlen;

		/* LMv2 = HMAC_MD5(ResponseKeyLM, SC . CC) . CC */
		memcpy(lm, sc, 8);
		memcpy(lm + 8, x->cchal, 8);
		if (xsasl_hmac("MD5", key, 16, lm, 16, lmmac, &lmmlen) < 0) {
			ret = xsasl_temp(why, "NTLM: HMAC-MD5 "
			    "failed");
			goto done;
		}
		xbuf_put(b, lmmac, 16);
		xbuf_put(b, x->cchal, 8);
		explicit_bzero(lmmac, sizeof(lmmac));
	}
	xbuf_put(b, mac, 16);
	xbuf_put(b, blob.data + 8, blob.len - 8);
	ret = PC_OK;
done:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(mac, sizeof(mac));
	xbuf_done(&blob);
	xbuf_done(&strs);
	free(user);
	free(domain);
	return (ret);
}

/* xsasl_test_set_client_challenge - for tests: fix the NTLM one */

void
xsasl_test_set_client_challenge(struct xsasl *x, const unsigned char cc[8])
{
	memcpy(x->cchal, cc, 8);
	x->cchal_set = 1;
}

/* xsasl_test_set_time - for tests: NTLM time when the server sends none */

void
xsasl_test_set_time(struct xsasl *x, uint64_t filetime)
{
	x->ftime = filetime;
	x->ftime_set = 1;
}
