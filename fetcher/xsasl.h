/*
 * NAME
 *	xsasl.h - client side of POP3 authentication mechanisms (no I/O)
 * SYNOPSIS
 *	#include "xsasl.h"
 *
 *	int xsasl_supported(const char *mech);
 *	struct xsasl *xsasl_new(const char *mech, const char *authcid,
 *		const char *secret, const char *host, int port,
 *		struct strbuf *why);			caller frees
 *	int xsasl_initial(struct xsasl *x, struct strbuf *out,
 *		struct strbuf *why);
 *	int xsasl_step(struct xsasl *x, const char *challenge_b64,
 *		struct strbuf *out, struct strbuf *why);
 *	int xsasl_success_ok(struct xsasl *x, struct strbuf *why);
 *	struct xsasl *xsasl_free(struct xsasl *x);	returns NULL
 *
 *	int xsasl_apop(const char *timestamp, const char *secret,
 *		char hex[33]);
 *	int xsasl_b64_decode(const char *in, size_t len, struct strbuf *out);
 *	int xsasl_b64_encode(const void *in, size_t len, struct strbuf *out);
 * DESCRIPTION
 *	This module computes what a POP3 client says during AUTH
 *	(RFC 5034) for the mechanisms PLAIN (RFC 4616), LOGIN, CRAM-MD5
 *	(RFC 2195), SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677),
 *	NTLM (NTLMv2 only, [MS-NLMP]), XOAUTH2 (Google) and OAUTHBEARER
 *	(RFC 7628), and the APOP digest (RFC 1939 section 7).  It never
 *	touches a socket: pop3.c moves the base64 text.
 *
 *	xsasl_supported() returns 1 when mech names one of the mechanisms
 *	above (case-insensitive), else 0.
 *
 *	xsasl_new() prepares one exchange.  secret is the password, or the
 *	OAuth2 access token for XOAUTH2 and OAUTHBEARER.  host and port
 *	only feed the OAUTHBEARER key/value pairs (host may be NULL and
 *	port 0 to leave them out).  For NTLM, authcid may be "DOMAIN\user"
 *	or "user@domain"; it is split into user and domain.  The strings
 *	are copied.  Returns NULL with the reason in why when the
 *	mechanism is unknown or a credential cannot be encoded.
 *
 *	xsasl_initial() puts the base64 initial response into out and
 *	returns XSASL_CONTINUE or XSASL_DONE.  An empty out means the
 *	mechanism has no initial response (LOGIN, CRAM-MD5): send
 *	"AUTH mech" alone.  Every mechanism here with an initial response
 *	has a non-empty one.  A caller that does not send the initial
 *	response in the AUTH command (RFC 5034 limits the command to 255
 *	octets) skips xsasl_initial(): the server's first, empty, challenge
 *	then makes xsasl_step() produce the initial response (RFC 4422
 *	section 5).
 *
 *	xsasl_step() takes one server challenge, the text after "+ " in
 *	POP3 (base64, without CRLF), and puts our base64 response into
 *	out; out may be empty, and the caller sends it as an empty line.
 *	XSASL_CONTINUE means another challenge may follow; XSASL_DONE
 *	means our side is complete: the server should answer +OK or -ERR.
 *	Either way, out is to be sent.  On an error the caller cancels the
 *	exchange with "*" (RFC 5034 section 4).  By mechanism:
 *
 *	PLAIN, XOAUTH2, OAUTHBEARER: initial -> XSASL_DONE.
 *	LOGIN: initial (none) -> CONTINUE; user -> CONTINUE; password ->
 *		DONE; a third challenge is PC_PERM.
 *	CRAM-MD5: initial (none) -> CONTINUE; "user digest" -> DONE.
 *	SCRAM-*: client-first -> CONTINUE; client-final -> CONTINUE;
 *		server-final verified -> DONE with an empty response.
 *	NTLM: type 1 -> CONTINUE; type 3 -> DONE.
 *
 *	When an XOAUTH2 or OAUTHBEARER server sends an error challenge
 *	(JSON), xsasl_step() answers as the protocol requires (an empty
 *	response for XOAUTH2, a single 0x01 for OAUTHBEARER, RFC 7628
 *	section 3.2.3), returns XSASL_CONTINUE and leaves a sanitized
 *	summary of the error ("status=..., schemes=...") in why; the
 *	server then answers -ERR.
 *
 *	xsasl_success_ok() is called when the server answered +OK.  It
 *	returns PC_PERM when the mechanism requires a verified server
 *	signature (SCRAM) that we have not seen and verified, or when the
 *	server sent an OAuth error before its +OK; otherwise PC_OK.
 *
 *	xsasl_free() wipes every secret the object holds and frees it.
 *
 *	xsasl_apop() writes MD5(timestamp secret) as 32 lowercase hex
 *	digits and a NUL into hex.  The timestamp is the msg-id from the
 *	greeting, brackets included: "<" local "@" domain ">", printable
 *	ASCII without spaces (Dovecot's contains '/', '+' and '=').
 *
 *	xsasl_b64_decode() decodes strict RFC 4648 base64 ('=' padding
 *	required, no white space, zero pad bits) and xsasl_b64_encode()
 *	encodes; both replace the contents of out, which is wiped first.
 *	They return 0, or -1 with out empty on bad input or when the result
 *	would exceed out->max.
 * DIAGNOSTICS
 *	xsasl_initial() and xsasl_step() return XSASL_CONTINUE or
 *	XSASL_DONE, or PC_PERM with the reason in why: a bad or hostile
 *	challenge (not base64, over XSASL_CHALLENGE_MAX decoded, syntax,
 *	wrong nonce, absurd iteration count, NTLM offsets outside the
 *	message), a failed server signature, a SCRAM "e=" error, a
 *	challenge the mechanism does not expect, or a response longer
 *	than out->max.  Retrying will not help: all are PC_PERM.  PC_TEMP
 *	only when the local random generator or a crypto primitive fails.
 *	xsasl_apop() returns PC_OK, PC_PERM (bad timestamp; hex is then
 *	empty) or PC_TEMP (MD5 unavailable).
 *
 *	The test hooks that pin the random and time inputs are not part
 *	of this interface: they are in xsasl_hooks.c, declared in
 *	xsasl_test.h, and linked into test programs only.
 * SECURITY
 *	Challenges are untrusted: each is bounded, decoded strictly and
 *	parsed with explicit bounds.  No secret ever goes into why.
 *	Temporaries holding secrets are wiped.  out holds the base64
 *	encoded credential after xsasl_initial() or xsasl_step(): the
 *	caller should strbuf_wipe() it once sent.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef XSASL_H
#define XSASL_H

#include <stddef.h>
#include <stdint.h>

#include "popconn.h"
#include "strbuf.h"

#define XSASL_CONTINUE	1	/* send *out, expect another challenge */
#define XSASL_DONE	0	/* exchange complete from our side */
/* errors: PC_PERM (bad/hostile challenge, verification failure) */

#define XSASL_CHALLENGE_MAX	(16 * 1024)	/* decoded challenge, octets */
#define XSASL_SCRAM_ITER_MAX	1000000	/* bounds the PBKDF2 CPU cost */
#define XSASL_APOP_TS_MAX	512	/* RFC 2449: a reply line */

struct xsasl;

int xsasl_supported(const char *mech);
struct xsasl *xsasl_new(const char *mech, const char *authcid,
    const char *secret, const char *host, int port, struct strbuf *why);
int xsasl_initial(struct xsasl *x, struct strbuf *out, struct strbuf *why);
int xsasl_step(struct xsasl *x, const char *challenge_b64,
    struct strbuf *out, struct strbuf *why);
int xsasl_success_ok(struct xsasl *x, struct strbuf *why);
struct xsasl *xsasl_free(struct xsasl *x);

int xsasl_apop(const char *timestamp, const char *secret, char hex[33]);
int xsasl_b64_decode(const char *in, size_t len, struct strbuf *out);
int xsasl_b64_encode(const void *in, size_t len, struct strbuf *out);

#endif
