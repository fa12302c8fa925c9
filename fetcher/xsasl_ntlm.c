/*
 * NAME
 *	xsasl_ntlm - the NTLM mechanism of xsasl, and MD4 (no I/O)
 * SYNOPSIS
 *	#include "xsasl_int.h"
 *
 *	int xsasl_ntlm_start(struct xsasl *x, struct strbuf *why);
 *	int xsasl_ntlm_initial(struct xsasl *x, struct xbuf *b,
 *		struct strbuf *why);
 *	int xsasl_ntlm_step(struct xsasl *x, const char *msg, size_t n,
 *		struct xbuf *b, struct strbuf *why);
 *
 *	void xsasl_md4(const void *data, size_t len, unsigned char md[16]);
 *	int xsasl_ntowfv2(const char *user, const char *domain,
 *		const char *password, unsigned char key[16]);
 * DESCRIPTION
 *	Table functions for xsasl.c (see xsasl_int.h for the contract);
 *	[MS-NLMP], NTLMv2 responses only.  xsasl_ntlm_start() refuses a
 *	user name or password that is not valid UTF-8 before the exchange
 *	begins; xsasl_ntlm_initial() appends the NEGOTIATE message
 *	(CONTINUE); xsasl_ntlm_step() takes the CHALLENGE message and
 *	appends the AUTHENTICATE message (DONE).
 *
 *	The user name "DOMAIN\user" or "user@domain" is split into user
 *	and domain; without either form the domain is empty.
 *	xsasl_ntowfv2() computes NTOWFv2 ([MS-NLMP] 3.3.2) into key; it
 *	returns 0, or -1 when a string is not valid UTF-8 or HMAC-MD5
 *	fails.  xsasl_md4() is MD4 (RFC 1320), here because OpenSSL 3
 *	moved it to the legacy provider, which a fetcher should not need
 *	to load.  Both are also reached by the test hooks (xsasl_hooks.c).
 * DIAGNOSTICS
 *	xsasl_ntlm_step() returns XSASL_DONE; PC_PERM with the reason in
 *	why for a CHALLENGE message we cannot accept or credentials that
 *	cannot be encoded; PC_TEMP when the random generator or HMAC-MD5
 *	fails.
 * SECURITY
 *	The CHALLENGE message is untrusted.  xsasl.c bounds it to
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
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

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

void
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

/* ntlm_split - split "DOMAIN\user" or "user@domain"; caller frees both */

static void
ntlm_split(const char *authcid, char **user, char **domain)
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

/*
 * What xsasl_ntlm_step() takes from the CHALLENGE message.  toff and
 * ti_used point into the message, which outlives the structure.
 */
struct ntlm_chal {
	uint32_t sflags;		/* NegotiateFlags */
	int	unicode;		/* UTF-16LE strings, else OEM */
	unsigned char sc[8];		/* ServerChallenge */
	size_t	toff;			/* TargetInfo offset */
	size_t	ti_used;		/* TargetInfo through MsvAvEOL */
	unsigned char ts[8];		/* MsvAvTimestamp */
	int	have_ts;
};

/* ntlm_target_info - walk the AV_PAIRs ([MS-NLMP] 2.2.2.1) to MsvAvEOL */

static int
ntlm_target_info(const unsigned char *msg, size_t tlen, struct ntlm_chal *c,
    struct strbuf *why)
{
	const unsigned char *ti = msg + c->toff;
	unsigned id, alen;
	size_t	pos;

	for (pos = 0; tlen > 0;) {
		if (tlen - pos < 4)
			return (xsasl_fail(why, "NTLM: target info without "
			    "MsvAvEOL"));
		id = ntlm_le16(ti + pos);
		alen = ntlm_le16(ti + pos + 2);
		pos += 4;
		if (alen > tlen - pos)
			return (xsasl_fail(why, "NTLM: AV pair %u overruns the "
			    "target info", id));
		if (id == NTLM_AV_EOL) {
			c->ti_used = pos;
			break;
		}
		if (id == NTLM_AV_TIMESTAMP) {
			if (alen != 8)
				return (xsasl_fail(why, "NTLM: bad MsvAvTimestamp "
				    "length %u", alen));
			memcpy(c->ts, ti + pos, 8);
			c->have_ts = 1;
		}
		pos += alen;
	}
	return (PC_OK);
}

/* ntlm_parse_challenge - [MS-NLMP] 2.2.1.2, every offset checked before use */

static int
ntlm_parse_challenge(const unsigned char *msg, size_t n, struct ntlm_chal *c,
    struct strbuf *why)
{
	size_t	off, len, tlen;

	memset(c, 0, sizeof(*c));
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
	c->sflags = ntlm_le32(msg + 20);
	memcpy(c->sc, msg + 24, 8);
	if (!(c->sflags & (NTLM_UNICODE | NTLM_OEM)))
		return (xsasl_fail(why, "NTLM: server offers no character "
		    "set"));
	c->unicode = (c->sflags & NTLM_UNICODE) != 0;
	tlen = 0;
	if (c->sflags & NTLM_TARGET_INFO) {
		if (n < NTLM_TYPE2_TI)
			return (xsasl_fail(why, "NTLM: challenge truncated "
			    "before target info"));
		if (ntlm_field(msg, n, 40, &c->toff, &tlen) < 0)
			return (xsasl_fail(why, "NTLM: target info outside "
			    "the challenge"));
	}
	return (ntlm_target_info(msg, tlen, c, why));
}

/* ntlm_temp - ServerChallenge . temp ([MS-NLMP] 3.3.2) into blob */

static int
ntlm_temp(struct xsasl *x, const unsigned char *msg, const struct ntlm_chal *c,
    struct xbuf *blob, struct strbuf *why)
{
	unsigned char ts[8];
	uint64_t ft;
	int	i;

	/* Time: the server's if it sent one ([MS-NLMP] 3.1.5.1.2). */
	if (c->have_ts) {
		memcpy(ts, c->ts, 8);
	} else {
		if (x->ntlm.ftime_set)
			ft = x->ntlm.ftime;
		else
			ft = ((uint64_t) time(NULL) + NTLM_EPOCH_DIFF) *
			    10000000ULL;
		for (i = 0; i < 8; i++)
			ts[i] = (unsigned char) (ft >> (8 * i));
	}
	xbuf_put(blob, c->sc, 8);
	xbuf_putc(blob, 1), xbuf_putc(blob, 1);	/* Resp(Hi)Version */
	xbuf_put(blob, "\0\0\0\0\0\0", 6);
	xbuf_put(blob, ts, 8);
	xbuf_put(blob, x->ntlm.cchal, 8);
	xbuf_put(blob, "\0\0\0\0", 4);
	if (c->ti_used > 0)
		xbuf_put(blob, msg + c->toff, c->ti_used);
	else
		xbuf_put(blob, "\0\0\0\0", 4);	/* MsvAvEOL alone */
	xbuf_put(blob, "\0\0\0\0", 4);
	if (blob->overflow || blob->len - 8 + 16 > 0xffff)
		return (xsasl_fail(why, "NTLM: target info too large"));
	return (PC_OK);
}

/* ntlm_lm_response - LmChallengeResponse ([MS-NLMP] 3.3.2, 3.1.5.1.2) */

static int
ntlm_lm_response(struct xsasl *x, const struct ntlm_chal *c,
    const unsigned char key[16], struct xbuf *b, struct strbuf *why)
{
	unsigned char lm[16];
	unsigned char lmmac[EVP_MAX_MD_SIZE];
	size_t	lmmlen;

	if (c->have_ts) {
		/* With MsvAvTimestamp, LmChallengeResponse is Z(24). */
		xbuf_put(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
		return (PC_OK);
	}
	/* LMv2 = HMAC_MD5(ResponseKeyLM, SC . CC) . CC */
	memcpy(lm, c->sc, 8);
	memcpy(lm + 8, x->ntlm.cchal, 8);
	if (xsasl_hmac("MD5", key, 16, lm, 16, lmmac, &lmmlen) < 0)
		return (xsasl_temp(why, "NTLM: HMAC-MD5 failed"));
	xbuf_put(b, lmmac, 16);
	xbuf_put(b, x->ntlm.cchal, 8);
	explicit_bzero(lmmac, sizeof(lmmac));
	return (PC_OK);
}

/* ntlm_strings - domain, then user, in the negotiated encoding */

static int
ntlm_strings(const char *domain, const char *user, int unicode,
    struct xbuf *strs, size_t *dlen, size_t *ulen, struct strbuf *why)
{
	if (ntlm_string(strs, domain, unicode) < 0)
		return (xsasl_fail(why, "NTLM: domain is not valid UTF-8"));
	*dlen = strs->len;
	if (ntlm_string(strs, user, unicode) < 0)
		return (xsasl_fail(why, "NTLM: user is not valid UTF-8"));
	*ulen = strs->len - *dlen;
	if (strs->overflow || *dlen > 0xffff || *ulen > 0xffff)
		return (xsasl_fail(why, "NTLM: user or domain too long"));
	return (PC_OK);
}

/* ntlm_field_out - append a (len, maxlen, offset) field */

static void
ntlm_field_out(struct xbuf *b, size_t len, size_t off)
{
	xbuf_le16(b, (unsigned) len), xbuf_le16(b, (unsigned) len);
	xbuf_le32(b, (uint32_t) off);
}

/* xsasl_ntlm_start - refuse bad UTF-8 now, not in the middle of the exchange */

int
xsasl_ntlm_start(struct xsasl *x, struct strbuf *why)
{
	unsigned char key[16];
	char   *user, *domain;
	int	rc;

	ntlm_split(x->authcid, &user, &domain);
	rc = xsasl_ntowfv2(user, domain, x->secret, key);
	explicit_bzero(key, sizeof(key));
	free(user);
	free(domain);
	if (rc < 0)
		return (xsasl_fail(why, "NTLM: user name or password is not "
		    "valid UTF-8"));
	return (PC_OK);
}

/* xsasl_ntlm_initial - the NEGOTIATE message, [MS-NLMP] 2.2.1.1 */

int
xsasl_ntlm_initial(struct xsasl *x, struct xbuf *b, struct strbuf *why)
{
	xbuf_put(b, ntlm_sig, sizeof(ntlm_sig));
	xbuf_le32(b, 1);
	xbuf_le32(b, NTLM_OUR_FLAGS);
	/* Empty DomainNameFields and WorkstationFields. */
	ntlm_field_out(b, 0, 32);
	ntlm_field_out(b, 0, 32);
	return (XSASL_CONTINUE);
}

/* xsasl_ntlm_step - CHALLENGE message in, AUTHENTICATE message out */

int
xsasl_ntlm_step(struct xsasl *x, const char *cmsg, size_t n, struct xbuf *b,
    struct strbuf *why)
{
	const unsigned char *msg = (const unsigned char *) cmsg;
	struct ntlm_chal c;
	unsigned char key[16];
	unsigned char mac[EVP_MAX_MD_SIZE];
	struct xbuf blob;		/* ServerChallenge, then temp */
	struct xbuf strs;		/* domain, user */
	char   *user = NULL;
	char   *domain = NULL;
	size_t	off, mlen, ntlen, lmlen = 24;
	size_t	dlen = 0, ulen = 0;
	uint32_t flags;
	int	ret;

	if (x->steps != 1)
		return (xsasl_fail(why, "NTLM: unexpected second challenge"));
	if ((ret = ntlm_parse_challenge(msg, n, &c, why)) != PC_OK)
		return (ret);
	if (!x->ntlm.cchal_set
	    && RAND_bytes(x->ntlm.cchal, sizeof(x->ntlm.cchal)) != 1)
		return (xsasl_temp(why, "NTLM: RAND_bytes failed"));

	ntlm_split(x->authcid, &user, &domain);
	xbuf_init(&blob, XSASL_CHALLENGE_MAX + 64);
	xbuf_init(&strs, 8 * XSASL_CRED_MAX);
	if (xsasl_ntowfv2(user, domain, x->secret, key) < 0) {
		ret = xsasl_fail(why, "NTLM: user name or password is not "
		    "valid UTF-8");
		goto done;
	}
	if ((ret = ntlm_temp(x, msg, &c, &blob, why)) != PC_OK)
		goto done;
	/* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge . temp) */
	if (xsasl_hmac("MD5", key, 16, blob.data, blob.len, mac, &mlen) < 0) {
		ret = xsasl_temp(why, "NTLM: HMAC-MD5 failed");
		goto done;
	}
	ntlen = 16 + blob.len - 8;
	if ((ret = ntlm_strings(domain, user, c.unicode, &strs, &dlen, &ulen,
	    why)) != PC_OK)
		goto done;
	flags = (c.sflags & NTLM_OUR_FLAGS) | NTLM_NTLM;
	flags &= c.unicode ? ~NTLM_OEM : ~NTLM_UNICODE;

	/* AUTHENTICATE, [MS-NLMP] 2.2.1.3: header, then the payload. */
	off = NTLM_TYPE3_HDR;
	xbuf_put(b, ntlm_sig, sizeof(ntlm_sig));
	xbuf_le32(b, 3);
	ntlm_field_out(b, lmlen, off + dlen + ulen);
	ntlm_field_out(b, ntlen, off + dlen + ulen + lmlen);
	ntlm_field_out(b, dlen, off);
	ntlm_field_out(b, ulen, off + dlen);
	/* Workstation and EncryptedRandomSessionKey: empty. */
	ntlm_field_out(b, 0, off + dlen + ulen + lmlen + ntlen);
	ntlm_field_out(b, 0, off + dlen + ulen + lmlen + ntlen);
	xbuf_le32(b, flags);
	xbuf_put(b, strs.data, strs.len);
	if ((ret = ntlm_lm_response(x, &c, key, b, why)) != PC_OK)
		goto done;
	xbuf_put(b, mac, 16);
	xbuf_put(b, blob.data + 8, blob.len - 8);
	ret = XSASL_DONE;
done:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(&c, sizeof(c));
	xbuf_done(&blob);
	xbuf_done(&strs);
	free(user);
	free(domain);
	return (ret);
}
