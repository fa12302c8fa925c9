/*
 * NAME
 *	marker.h - the signed header that marks global-mailbox mail
 * SYNOPSIS
 *	int marker_load_key(const char *path, unsigned char key[MARKER_KEY_LEN],
 *		struct strbuf *why);
 *	int marker_make(const unsigned char key[MARKER_KEY_LEN],
 *		const char *mailbox, int trust_env, time_t now,
 *		struct strbuf *out);
 *	int marker_verify(const unsigned char key[MARKER_KEY_LEN],
 *		const char *value, time_t now, long long max_age,
 *		struct marker *m, struct strbuf *why);
 * DESCRIPTION
 *	The fetcher adds one header MARKER_HEADER to every message of a
 *	global mailbox; popconn-milter acts only on a message whose marker
 *	verifies, and removes every marker header from every message.  The
 *	value is
 *
 *	    v=1; mb=NAME; t=UNIXTIME; n=NONCE; env=0|1; mac=HEX
 *
 *	where NONCE is 16 random hex digits, env=1 says the mailbox's ISP
 *	may be trusted for envelope headers (Delivered-To, X-Original-To,
 *	Envelope-To, X-Envelope-To), and mac is HMAC-SHA-256 under the
 *	local secret over "v=1;mb=NAME;t=T;n=NONCE;env=E" (no value that
 *	Postfix may change after submission is covered).
 *
 *	marker_load_key() reads the secret: 64 hex digits (32 bytes) and an
 *	optional newline, in a file that others cannot read (its group may:
 *	0640 root:popconn, so that both daemons can).
 *	marker_make() writes the header value (without the name) into out.
 *	marker_verify() parses value strictly, checks the MAC in constant
 *	time and that t is neither more than max_age old nor more than 300
 *	seconds in the future, and fills m.
 * DIAGNOSTICS
 *	PC_OK; PC_PERM for a bad, forged or stale marker (reason in why);
 *	PC_TEMP when the key file cannot be read or randomness fails.
 * SECURITY
 *	value is untrusted (it comes from a message): parsed with fixed
 *	limits, never longer than MARKER_VALUE_MAX.
 */
#ifndef MARKER_H
#define MARKER_H

#include <time.h>
#include "popconn.h"
#include "strbuf.h"

#define MARKER_HEADER		"X-Popconn-Marker"
#define MARKER_KEY_LEN		32
#define MARKER_VALUE_MAX	512

struct marker {
	char	mailbox[PC_NAME_MAX + 1];
	int	trust_env;
	time_t	t;
};

int marker_load_key(const char *path, unsigned char key[MARKER_KEY_LEN],
    struct strbuf *why);
int marker_make(const unsigned char key[MARKER_KEY_LEN], const char *mailbox,
    int trust_env, time_t now, struct strbuf *out);
int marker_verify(const unsigned char key[MARKER_KEY_LEN], const char *value,
    time_t now, long long max_age, struct marker *m, struct strbuf *why);

#endif
