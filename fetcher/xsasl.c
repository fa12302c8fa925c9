/*
 * NAME
 *	xsasl - client side of POP3 authentication mechanisms (no I/O)
 * SYNOPSIS
 *	See xsasl.h; it documents every function, who owns each result,
 *	and the test hooks.  xsasl_int.h declares what this file shares
 *	with xsasl_ntlm.c.
 * DESCRIPTION
 *	One struct xsasl per AUTH exchange.  Each mechanism is a small
 *	state machine driven by xsasl_initial() and xsasl_step(); all
 *	input and output is base64 text, so pop3.c only moves lines.
 *
 *	PLAIN		RFC 4616: "\0authcid\0secret".
 *	LOGIN		answers by order, not by prompt text: user, password.
 *	CRAM-MD5	RFC 2195: "user " hex(HMAC-MD5(secret, challenge)).
 *	SCRAM-SHA-*	RFC 5802, RFC 7677, without channel binding ("n,,").
 *	NTLM		[MS-NLMP] NTLMv2 only; the messages, NTOWFv2 and MD4
 *			live in xsasl_ntlm.c, which this file calls.
 *	XOAUTH2		Google's format; OAUTHBEARER per RFC 7628.
 *
 *	HMAC goes through EVP_Q_mac(), digests through EVP_Digest*(), and
 *	PBKDF2 through PKCS5_PBKDF2_HMAC(): none is deprecated in OpenSSL 3.
 *	Base64 digit values come from lib/base64.c.
 * DIAGNOSTICS
 *	PC_PERM for anything the server sent that we cannot accept, and
 *	for credentials that cannot be encoded.  PC_TEMP only when the
 *	local random generator or a crypto primitive fails.
 * SECURITY
 *	Challenges are untrusted.  Each is at most XSASL_CHALLENGE_MAX
 *	octets once decoded, strict base64, and parsed with explicit
 *	bounds; the SCRAM iteration count is capped so that a server cannot
 *	make us spin; NTLM offsets and lengths are checked against the
 *	message before use (xsasl_ntlm.c).  Server text that reaches why
 *	is escaped and truncated.  Secrets (password, token, derived keys,
 *	plaintext responses) live only in buffers wiped before they are
 *	freed, and never in why.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "popconn.h"
#include "alloc.h"
#include "base64.h"
#include "log.h"
#include "reason.h"
#include "strbuf.h"
#include "hex.h"
#include "xsasl.h"
#include "xsasl_int.h"

static const struct xsasl_mech_info xsasl_mechs[] = {
	{"PLAIN", XM_PLAIN, 1},
	{"LOGIN", XM_LOGIN, 0},
	{"CRAM-MD5", XM_CRAM_MD5, 0},
	{"SCRAM-SHA-1", XM_SCRAM_SHA1, 1},
	{"SCRAM-SHA-256", XM_SCRAM_SHA256, 1},
	{"NTLM", XM_NTLM, 1},
	{"XOAUTH2", XM_XOAUTH2, 1},
	{"OAUTHBEARER", XM_OAUTHBEARER, 1},
};

/* xbuf_init - allocate a buffer of fixed capacity */

void
xbuf_init(struct xbuf *b, size_t cap)
{
	b->data = xmalloc(cap + 1);
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
}

/* xbuf_put - append bytes, or mark the buffer overflowed */

void
xbuf_put(struct xbuf *b, const void *p, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* xbuf_puts - append a string */

void
xbuf_puts(struct xbuf *b, const char *s)
{
	xbuf_put(b, s, strlen(s));
}

/* xbuf_putc - append one octet */

void
xbuf_putc(struct xbuf *b, int c)
{
	unsigned char ch = (unsigned char) c;

	xbuf_put(b, &ch, 1);
}

/* xbuf_done - wipe and free */

void
xbuf_done(struct xbuf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap + 1);
		free(b->data);
		b->data = NULL;
	}
}

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

static const char *
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

/* xsasl_has_ctl - does s hold a control character? */

static int
xsasl_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return (1);
	return (0);
}

/* xsasl_is_token - printable ASCII without space (RFC 6750 b64token+) */

static int
xsasl_is_token(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f)
			return (0);
	return (1);
}

/* xsasl_find - mechanism table entry, or NULL */

static const struct xsasl_mech_info *
xsasl_find(const char *mech)
{
	size_t	i;

	if (mech == NULL)
		return (NULL);
	for (i = 0; i < PC_ARRAY_LEN(xsasl_mechs); i++)
		if (strcasecmp(mech, xsasl_mechs[i].name) == 0)
			return (&xsasl_mechs[i]);
	return (NULL);
}

/* xsasl_supported - is mech one we implement? */

int
xsasl_supported(const char *mech)
{
	return (xsasl_find(mech) != NULL);
}

/* xsasl_new - prepare one exchange */

struct xsasl *
xsasl_new(const char *mech, const char *authcid, const char *secret,
    const char *host, int port, struct strbuf *why)
{
	const struct xsasl_mech_info *info;
	struct xsasl *x;
	char	ebuf[XSASL_ECHO_MAX];

	if ((info = xsasl_find(mech)) == NULL) {
		(void) xsasl_fail(why, "unsupported SASL mechanism \"%s\"",
		    mech == NULL ? "(null)" : xsasl_echo(ebuf, sizeof(ebuf),
		    mech, strnlen(mech, XSASL_ECHO_MAX)));
		return (NULL);
	}
	if (authcid == NULL || *authcid == 0
	    || strnlen(authcid, XSASL_CRED_MAX + 1) > XSASL_CRED_MAX
	    || xsasl_has_ctl(authcid)) {
		(void) xsasl_fail(why, "%s: empty, over-long or control "
		    "characters in the user name", info->name);
		return (NULL);
	}
	if (secret == NULL || *secret == 0
	    || strnlen(secret, XSASL_CRED_MAX + 1) > XSASL_CRED_MAX) {
		(void) xsasl_fail(why, "%s: empty or over-long secret",
		    info->name);
		return (NULL);
	}
	if ((info->mech == XM_XOAUTH2 || info->mech == XM_OAUTHBEARER)
	    && !xsasl_is_token(secret)) {
		(void) xsasl_fail(why, "%s: the token must be printable ASCII "
		    "without spaces", info->name);
		return (NULL);
	}
	if (info->mech == XM_OAUTHBEARER && host != NULL
	    && (strnlen(host, XSASL_HOST_MAX + 1) > XSASL_HOST_MAX
		|| !xsasl_is_token(host))) {
		(void) xsasl_fail(why, "%s: bad host name", info->name);
		return (NULL);
	}
	if (info->mech == XM_OAUTHBEARER && (port < 0 || port > 65535)) {
		(void) xsasl_fail(why, "%s: bad port %d", info->name, port);
		return (NULL);
	}
	x = xcalloc(1, sizeof(*x));
	x->info = info;
	x->authcid = xstrdup(authcid);
	x->secret = xstrdup(secret);
	x->host = host != NULL ? xstrdup(host) : NULL;
	x->port = port;
	if (info->mech == XM_NTLM) {
		unsigned char key[16];
		char   *user, *domain;
		int	rc;

		/* Catch bad UTF-8 now, not in the middle of the exchange. */
		xsasl_split_ntlm(authcid, &user, &domain);
		rc = xsasl_ntowfv2(user, domain, secret, key);
		explicit_bzero(key, sizeof(key));
		free(user);
		free(domain);
		if (rc < 0) {
			(void) xsasl_fail(why, "NTLM: user name or password "
			    "is not valid UTF-8");
			return (xsasl_free(x));
		}
	}
	return (x);
}

/* xsasl_free - wipe every secret, free */

struct xsasl *
xsasl_free(struct xsasl *x)
{
	if (x == NULL)
		return (NULL);
	xfree_secret(x->secret);
	xfree_secret(x->authcid);
	xfree_secret(x->client_first_bare);
	free(x->host);
	explicit_bzero(x, sizeof(*x));
	free(x);
	return (NULL);
}

/* xsasl_test_set_nonce - for tests: fix the SCRAM client nonce */

void
xsasl_test_set_nonce(struct xsasl *x, const char *nonce)
{
	const char *cp;

	if (strlen(nonce) == 0 || strlen(nonce) > XSASL_NONCE_MAX)
		log_panic("xsasl_test_set_nonce: bad length");
	for (cp = nonce; *cp; cp++)
		if (*cp < 0x21 || *cp > 0x7e || *cp == ',')
			log_panic("xsasl_test_set_nonce: bad character");
	pc_strlcpy(x->nonce, nonce, sizeof(x->nonce));
}

/* xsasl_emit - base64 of a plaintext response into out */

static int
xsasl_emit(struct xbuf *b, struct strbuf *out, struct strbuf *why)
{
	if (b->overflow)
		return (xsasl_fail(why, "SASL response over %d octets",
		    XSASL_WORK_MAX));
	if (xsasl_b64_encode(b->data, b->len, out) < 0)
		return (xsasl_fail(why, "SASL response longer than %zu octets",
		    out->max));
	return (0);
}

/* xsasl_decode_challenge - strict base64, bounded; PC_OK or PC_PERM */

static int
xsasl_decode_challenge(const char *b64, struct strbuf *dec,
    struct strbuf *why)
{
	size_t	len = strnlen(b64, XSASL_CHALLENGE_MAX / 3 * 4 + 8);
	size_t	dlen = len / 4 * 3;

	if (len >= 4 && len % 4 == 0)
		dlen -= (b64[len - 1] == '=') + (b64[len - 2] == '=');
	if (len > (XSASL_CHALLENGE_MAX + 2) / 3 * 4
	    || dlen > XSASL_CHALLENGE_MAX)
		return (xsasl_fail(why, "SASL challenge over %d octets",
		    XSASL_CHALLENGE_MAX));
	if (xsasl_b64_decode(b64, len, dec) < 0)
		return (xsasl_fail(why, "SASL challenge is not valid base64"));
	return (PC_OK);
}

/* xsasl_saslname - append a SCRAM/GS2 saslname: ',' -> =2C, '=' -> =3D */

static void
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
	if (x->info->mech == XM_SCRAM_SHA1) {
		*name = "SHA1";
		return (EVP_sha1());
	}
	*name = "SHA256";
	return (EVP_sha256());
}

/* scram_initial - client-first-message, RFC 5802 section 7 */

static int
scram_initial(struct xsasl *x, struct xbuf *b, struct strbuf *why)
{
	unsigned char raw[XSASL_NONCE_RAW];
	struct strbuf *enc;
	struct xbuf bare;

	if (x->nonce[0] == 0) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return (xsasl_temp(why, "SCRAM: RAND_bytes "
			    "failed"));
		/* Base64 is printable and has no ',': a valid c-nonce. */
		enc = strbuf_alloc(XSASL_NONCE_MAX);
		if (xsasl_b64_encode(raw, sizeof(raw), enc) < 0)
			log_panic("scram_initial: nonce encoding");
		pc_strlcpy(x->nonce, strbuf_str(enc), sizeof(x->nonce));
		strbuf_free(enc);
	}
	xbuf_init(&bare, 3 * XSASL_CRED_MAX + XSASL_NONCE_MAX + 16);
	xbuf_puts(&bare, "n=");
	xsasl_saslname(&bare, x->authcid);
	xbuf_puts(&bare, ",r=");
	xbuf_puts(&bare, x->nonce);
	if (bare.overflow)
		log_panic("scram_initial: buffer");
	bare.data[bare.len] = 0;
	xfree_secret(x->client_first_bare);
	x->client_first_bare = xstrdup((char *) bare.data);
	xbuf_done(&bare);
	xbuf_puts(b, "n,,");
	xbuf_puts(b, x->client_first_bare);
	return (PC_OK);
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
	if (nlen <= strlen(x->nonce)
	    || memcmp(nonce, x->nonce, strlen(x->nonce)) != 0)
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
	xbuf_puts(&am, x->client_first_bare);
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
	    || xsasl_hmac(mdname, skey, hlen, am.data, am.len, x->server_sig,
		&x->server_sig_len) < 0) {
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
	    && strbuf_len(sig) == x->server_sig_len
	    && x->server_sig_len > 0
	    && CRYPTO_memcmp(strbuf_str(sig), x->server_sig,
		x->server_sig_len) == 0;
	strbuf_free(sig);
	if (!ok)
		return (xsasl_fail(why, "SCRAM: server signature does not "
		    "verify: the server does not know the password"));
	x->verified = 1;
	return (PC_OK);
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
    struct strbuf *why)
{
	char	sum[256];

	if (x->oauth_error)
		return (xsasl_fail(why, "%s: second challenge after an error",
		    x->info->name));
	x->oauth_error = 1;
	sum[0] = 0;
	oauth_value(sum, sizeof(sum), json, n, "\"status\"");
	oauth_value(sum, sizeof(sum), json, n, "\"schemes\"");
	oauth_value(sum, sizeof(sum), json, n, "\"scope\"");
	/* A hostile server could echo the token back: never quote it. */
	if (strstr(sum, x->secret) != NULL)
		sum[0] = 0;
	(void) xsasl_fail(why, "%s: server error: %s", x->info->name,
	    sum[0] ? sum : "(no status)");
	if (x->info->mech == XM_OAUTHBEARER)
		xbuf_putc(b, 0x01);		/* a single %x01 */
	/* XOAUTH2: an empty response; the server then says -ERR. */
	return (PC_OK);
}

/* xsasl_initial - the initial response, if the mechanism has one */

int
xsasl_initial(struct xsasl *x, struct strbuf *out, struct strbuf *why)
{
	struct xbuf b;
	char	port[32];
	int	ret = XSASL_DONE;
	int	rc;

	strbuf_wipe(out);
	if (x->initial_sent)
		return (xsasl_fail(why, "%s: initial response requested twice",
		    x->info->name));
	x->initial_sent = 1;
	if (!x->info->has_initial)
		return (XSASL_CONTINUE);
	xbuf_init(&b, XSASL_WORK_MAX);
	switch (x->info->mech) {
	case XM_PLAIN:
		/* RFC 4616 section 2: [authzid] NUL authcid NUL passwd */
		xbuf_putc(&b, 0);
		xbuf_puts(&b, x->authcid);
		xbuf_putc(&b, 0);
		xbuf_puts(&b, x->secret);
		break;
	case XM_SCRAM_SHA1:
	case XM_SCRAM_SHA256:
		if ((rc = scram_initial(x, &b, why)) != PC_OK) {
			xbuf_done(&b);
			return (rc);
		}
		ret = XSASL_CONTINUE;
		break;
	case XM_NTLM:
		xsasl_ntlm_type1(&b);
		ret = XSASL_CONTINUE;
		break;
	case XM_XOAUTH2:
		xbuf_puts(&b, "user=");
		xbuf_puts(&b, x->authcid);
		xbuf_puts(&b, "\001auth=Bearer ");
		xbuf_puts(&b, x->secret);
		xbuf_puts(&b, "\001\001");
		break;
	case XM_OAUTHBEARER:
		/* RFC 7628 section 3.1: gs2-header, then kvpairs. */
		xbuf_puts(&b, "n,a=");
		xsasl_saslname(&b, x->authcid);
		xbuf_puts(&b, ",\001");
		if (x->host != NULL) {
			xbuf_puts(&b, "host=");
			xbuf_puts(&b, x->host);
			xbuf_putc(&b, 1);
		}
		if (x->port > 0) {
			if (snprintf(port, sizeof(port), "port=%d\001",
			    x->port) >= (int) sizeof(port))
				log_panic("xsasl_initial: port");
			xbuf_puts(&b, port);
		}
		xbuf_puts(&b, "auth=Bearer ");
		xbuf_puts(&b, x->secret);
		xbuf_puts(&b, "\001\001");
		break;
	default:
		log_panic("xsasl_initial: mechanism %d", (int) x->info->mech);
	}
	rc = xsasl_emit(&b, out, why);
	xbuf_done(&b);
	return (rc < 0 ? rc : ret);
}

/* xsasl_step - one server challenge in, our response out */

int
xsasl_step(struct xsasl *x, const char *challenge_b64, struct strbuf *out,
    struct strbuf *why)
{
	struct strbuf *dec;
	struct xbuf b;
	const char *msg;
	size_t	n;
	unsigned char mac[EVP_MAX_MD_SIZE];
	char	hex[2 * EVP_MAX_MD_SIZE + 1];
	size_t	mlen;
	int	ret = XSASL_CONTINUE;
	int	rc;

	strbuf_wipe(out);
	if (challenge_b64 == NULL)
		return (xsasl_fail(why, "%s: no challenge", x->info->name));
	/* RFC 4422 section 5: an empty challenge asks for the initial one. */
	if (x->info->has_initial && !x->initial_sent) {
		if (*challenge_b64 != 0)
			return (xsasl_fail(why, "%s: challenge before the "
			    "initial response", x->info->name));
		return (xsasl_initial(x, out, why));
	}
	dec = strbuf_alloc(XSASL_CHALLENGE_MAX);
	if ((rc = xsasl_decode_challenge(challenge_b64, dec, why)) != PC_OK) {
		strbuf_free(dec);
		return (rc);
	}
	msg = strbuf_str(dec);
	n = strbuf_len(dec);
	x->steps++;
	xbuf_init(&b, XSASL_WORK_MAX);
	rc = PC_OK;
	switch (x->info->mech) {
	case XM_PLAIN:
		rc = xsasl_fail(why, "PLAIN: unexpected challenge");
		break;
	case XM_LOGIN:
		/* Prompts vary ("Username:", "VXNlcm5hbWU6"...): go by order. */
		if (x->steps == 1) {
			xbuf_puts(&b, x->authcid);
		} else if (x->steps == 2) {
			xbuf_puts(&b, x->secret);
			ret = XSASL_DONE;
		} else
			rc = xsasl_fail(why, "LOGIN: unexpected third "
			    "challenge");
		break;
	case XM_CRAM_MD5:
		if (x->steps != 1) {
			rc = xsasl_fail(why, "CRAM-MD5: unexpected second "
			    "challenge");
			break;
		}
		if (n == 0 || memchr(msg, 0, n) != NULL) {
			rc = xsasl_fail(why, "CRAM-MD5: empty or binary "
			    "challenge");
			break;
		}
		if (xsasl_hmac("MD5", x->secret, strlen(x->secret), msg, n, mac,
		    &mlen) < 0 || mlen != 16) {
			rc = xsasl_temp(why, "CRAM-MD5: HMAC-MD5 "
			    "failed");
			break;
		}
		hex_encode(hex, mac, 16);
		xbuf_puts(&b, x->authcid);
		xbuf_putc(&b, ' ');
		xbuf_puts(&b, hex);
		ret = XSASL_DONE;
		break;
	case XM_SCRAM_SHA1:
	case XM_SCRAM_SHA256:
		if (memchr(msg, 0, n) != NULL) {
			rc = xsasl_fail(why, "SCRAM: NUL in challenge");
			break;
		}
		if (x->steps == 1)
			rc = scram_server_first(x, msg, n, &b, why);
		else if (x->steps == 2) {
			rc = scram_server_final(x, msg, n, why);
			ret = XSASL_DONE;	/* empty response */
		} else
			rc = xsasl_fail(why, "SCRAM: unexpected challenge "
			    "after server-final");
		break;
	case XM_NTLM:
		if (x->steps == 1) {
			rc = xsasl_ntlm_step(x, (const unsigned char *) msg,
			    n, &b, why);
			ret = XSASL_DONE;
		} else
			rc = xsasl_fail(why, "NTLM: unexpected second "
			    "challenge");
		break;
	case XM_XOAUTH2:
	case XM_OAUTHBEARER:
		rc = oauth_error(x, msg, n, &b, why);
		break;
	default:
		log_panic("xsasl_step: mechanism %d", (int) x->info->mech);
	}
	if (rc == PC_OK)
		rc = xsasl_emit(&b, out, why);
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(hex, sizeof(hex));
	xbuf_done(&b);
	strbuf_free(dec);
	if (rc != PC_OK) {
		strbuf_wipe(out);
		return (rc);
	}
	return (ret);
}

/* xsasl_success_ok - may we believe the server's +OK? */

int
xsasl_success_ok(struct xsasl *x, struct strbuf *why)
{
	switch (x->info->mech) {
	case XM_SCRAM_SHA1:
	case XM_SCRAM_SHA256:
		/* RFC 5802 section 9: the server proves it knows the key. */
		if (!x->verified)
			return (xsasl_fail(why, "%s: +OK without a verified "
			    "server signature", x->info->name));
		break;
	case XM_XOAUTH2:
	case XM_OAUTHBEARER:
		if (x->oauth_error)
			return (xsasl_fail(why, "%s: +OK after an error "
			    "challenge", x->info->name));
		break;
	default:
		break;
	}
	return (PC_OK);
}

/* xsasl_apop - APOP digest, RFC 1939 section 7 */

int
xsasl_apop(const char *timestamp, const char *secret, char hex[33])
{
	EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *at = NULL;
	size_t	len;
	size_t	i;
	int	ok;

	hex[0] = 0;
	if (timestamp == NULL || secret == NULL)
		return (PC_PERM);
	/* msg-id, RFC 822: "<" local-part "@" domain ">", no spaces. */
	len = strnlen(timestamp, XSASL_APOP_TS_MAX + 1);
	if (len > XSASL_APOP_TS_MAX || len < 5 || timestamp[0] != '<'
	    || timestamp[len - 1] != '>')
		return (PC_PERM);
	for (i = 1; i < len - 1; i++) {
		if (timestamp[i] < 0x21 || timestamp[i] > 0x7e
		    || timestamp[i] == '<' || timestamp[i] == '>')
			return (PC_PERM);
		if (timestamp[i] == '@')
			at = timestamp + i;
	}
	if (at == NULL || at == timestamp + 1 || at == timestamp + len - 2)
		return (PC_PERM);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (PC_TEMP);
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1
	    && EVP_DigestUpdate(ctx, timestamp, len) == 1
	    && EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1
	    && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(ctx);
	if (ok)
		hex_encode(hex, md, 16);
	explicit_bzero(md, sizeof(md));
	return (ok ? PC_OK : PC_TEMP);
}
