/*
 * NAME
 *	xsasl - client side of POP3 authentication mechanisms (no I/O)
 * SYNOPSIS
 *	See xsasl.h; it documents every function and who owns each
 *	result.  xsasl_int.h declares what the xsasl*.c files share.
 * DESCRIPTION
 *	One struct xsasl per AUTH exchange.  This file holds the
 *	mechanism table and the driver: xsasl_new() checks what every
 *	mechanism needs, xsasl_initial() and xsasl_step() decode and
 *	bound the challenge, call the mechanism's function with a
 *	plaintext buffer and encode its response, so that pop3.c only
 *	moves base64 lines.  Each mechanism family lives in its own file:
 *
 *	PLAIN, LOGIN		xsasl_plain.c
 *	CRAM-MD5		xsasl_cram.c
 *	SCRAM-SHA-1, -256	xsasl_scram.c
 *	NTLM			xsasl_ntlm.c (with MD4 and xsasl_ucase.c)
 *	XOAUTH2, OAUTHBEARER	xsasl_oauth.c
 *
 *	They call xsasl_util.c (reasons, base64, HMAC) and xbuf.c (the
 *	buffer for plaintext that holds secrets), never this file.  The
 *	APOP digest (RFC 1939 section 7) is here too.
 * DIAGNOSTICS
 *	PC_PERM for anything the server sent that we cannot accept, and
 *	for credentials that cannot be encoded.  PC_TEMP only when the
 *	local random generator or a crypto primitive fails.
 * SECURITY
 *	Challenges are untrusted.  Each is at most XSASL_CHALLENGE_MAX
 *	octets once decoded and strict base64 before any mechanism sees
 *	it; each mechanism parses it with explicit bounds.  Server text
 *	that reaches why is escaped and truncated.  Secrets (password,
 *	token, derived keys, plaintext responses) live only in buffers
 *	wiped before they are freed, and never in why.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "popconn.h"
#include "alloc.h"
#include "hex.h"
#include "log.h"
#include "strbuf.h"
#include "xbuf.h"
#include "xsasl.h"
#include "xsasl_int.h"

/*
 * The mechanisms, by name.  A NULL initial means no initial response;
 * see xsasl_int.h for what each function must do.
 */
static const struct xsasl_mech xsasl_mechs[] = {
	/* name, flags, digest, start, initial, step, success, free */
	{"PLAIN", 0, NULL, NULL, xsasl_plain_initial, xsasl_plain_step,
	NULL, NULL},
	{"LOGIN", 0, NULL, NULL, NULL, xsasl_login_step, NULL, NULL},
	{"CRAM-MD5", 0, NULL, NULL, NULL, xsasl_cram_step, NULL, NULL},
	{"SCRAM-SHA-1", 0, "SHA1", NULL, xsasl_scram_initial,
	xsasl_scram_step, xsasl_scram_success, xsasl_scram_free},
	{"SCRAM-SHA-256", 0, "SHA256", NULL, xsasl_scram_initial,
	xsasl_scram_step, xsasl_scram_success, xsasl_scram_free},
	{"NTLM", 0, NULL, xsasl_ntlm_start, xsasl_ntlm_initial,
	xsasl_ntlm_step, NULL, NULL},
	{"XOAUTH2", XSASL_F_TOKEN, NULL, NULL, xsasl_xoauth2_initial,
	xsasl_xoauth2_step, xsasl_oauth_success, NULL},
	{"OAUTHBEARER", XSASL_F_TOKEN, NULL, xsasl_oauthbearer_start,
	xsasl_oauthbearer_initial, xsasl_oauthbearer_step,
	xsasl_oauth_success, NULL},
};

/* xsasl_has_ctl - does s hold a control character? */

static int
xsasl_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return (1);
	return (0);
}

/* xsasl_find - mechanism table entry, or NULL */

static const struct xsasl_mech *
xsasl_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < PC_ARRAY_LEN(xsasl_mechs); i++)
		if (strcasecmp(name, xsasl_mechs[i].name) == 0)
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
xsasl_new(const char *name, const char *authcid, const char *secret,
    const char *host, int port, struct strbuf *why)
{
	const struct xsasl_mech *mech;
	struct xsasl *x;
	char	ebuf[XSASL_ECHO_MAX];

	if ((mech = xsasl_find(name)) == NULL) {
		(void) xsasl_fail(why, "unsupported SASL mechanism \"%s\"",
		    name == NULL ? "(null)" : xsasl_echo(ebuf, sizeof(ebuf),
		    name, strnlen(name, XSASL_ECHO_MAX)));
		return (NULL);
	}
	if (authcid == NULL || *authcid == 0
	    || strnlen(authcid, XSASL_CRED_MAX + 1) > XSASL_CRED_MAX
	    || xsasl_has_ctl(authcid)) {
		(void) xsasl_fail(why, "%s: empty, over-long or control "
		    "characters in the user name", mech->name);
		return (NULL);
	}
	if (secret == NULL || *secret == 0
	    || strnlen(secret, XSASL_CRED_MAX + 1) > XSASL_CRED_MAX) {
		(void) xsasl_fail(why, "%s: empty or over-long secret",
		    mech->name);
		return (NULL);
	}
	if ((mech->flags & XSASL_F_TOKEN) && !xsasl_is_token(secret)) {
		(void) xsasl_fail(why, "%s: the token must be printable ASCII "
		    "without spaces", mech->name);
		return (NULL);
	}
	x = xcalloc(1, sizeof(*x));
	x->mech = mech;
	x->authcid = xstrdup(authcid);
	x->secret = xstrdup(secret);
	x->host = host != NULL ? xstrdup(host) : NULL;
	x->port = port;
	if (mech->start != NULL && mech->start(x, why) != PC_OK)
		return (xsasl_free(x));
	return (x);
}

/* xsasl_free - wipe every secret, free */

struct xsasl *
xsasl_free(struct xsasl *x)
{
	if (x == NULL)
		return (NULL);
	if (x->mech->free != NULL)
		x->mech->free(x);
	xfree_secret(x->secret);
	xfree_secret(x->authcid);
	free(x->host);
	explicit_bzero(x, sizeof(*x));
	free(x);
	return (NULL);
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

/* xsasl_initial - the initial response, if the mechanism has one */

int
xsasl_initial(struct xsasl *x, struct strbuf *out, struct strbuf *why)
{
	struct xbuf b;
	int	ret;
	int	rc;

	strbuf_wipe(out);
	if (x->initial_sent)
		return (xsasl_fail(why, "%s: initial response requested twice",
		    x->mech->name));
	x->initial_sent = 1;
	if (x->mech->initial == NULL)
		return (XSASL_CONTINUE);
	xbuf_init(&b, XSASL_WORK_MAX);
	ret = x->mech->initial(x, &b, why);
	if (ret >= 0 && (rc = xsasl_emit(&b, out, why)) < 0)
		ret = rc;
	xbuf_done(&b);
	if (ret < 0)
		strbuf_wipe(out);
	return (ret);
}

/* xsasl_step - one server challenge in, our response out */

int
xsasl_step(struct xsasl *x, const char *challenge_b64, struct strbuf *out,
    struct strbuf *why)
{
	struct strbuf *dec;
	struct xbuf b;
	int	ret;
	int	rc;

	strbuf_wipe(out);
	if (challenge_b64 == NULL)
		return (xsasl_fail(why, "%s: no challenge", x->mech->name));
	/* RFC 4422 section 5: an empty challenge asks for the initial one. */
	if (x->mech->initial != NULL && !x->initial_sent) {
		if (*challenge_b64 != 0)
			return (xsasl_fail(why, "%s: challenge before the "
			    "initial response", x->mech->name));
		return (xsasl_initial(x, out, why));
	}
	dec = strbuf_alloc(XSASL_CHALLENGE_MAX);
	if ((rc = xsasl_decode_challenge(challenge_b64, dec, why)) != PC_OK) {
		strbuf_free(dec);
		return (rc);
	}
	x->steps++;
	xbuf_init(&b, XSASL_WORK_MAX);
	ret = x->mech->step(x, strbuf_str(dec), strbuf_len(dec), &b, why);
	if (ret >= 0 && (rc = xsasl_emit(&b, out, why)) < 0)
		ret = rc;
	xbuf_done(&b);
	strbuf_free(dec);
	if (ret < 0)
		strbuf_wipe(out);
	return (ret);
}

/* xsasl_success_ok - may we believe the server's +OK? */

int
xsasl_success_ok(struct xsasl *x, struct strbuf *why)
{
	if (x->mech->success != NULL)
		return (x->mech->success(x, why));
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
