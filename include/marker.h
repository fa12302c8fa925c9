/*
 * NAME
 *	marker.h - the signed header that marks global-mailbox mail
 * SYNOPSIS
 *	int marker_load_key(const char *path, unsigned char key[MARKER_KEY_LEN],
 *		struct strbuf *why);
 *
 *	void marker_bind_init(struct marker_bind *b);
 *	void marker_bind_free(struct marker_bind *b);
 *	void marker_bind_header(struct marker_bind *b, const char *name,
 *		const char *value, size_t len);
 *	void marker_bind_block(struct marker_bind *b, const char *hdr,
 *		size_t len);
 *	void marker_identity(const struct marker_bind *b,
 *		const unsigned char body_md[32], char id[MARKER_ID_HEX + 1]);
 *
 *	int marker_make(const unsigned char key[MARKER_KEY_LEN],
 *		const struct marker_in *in, const struct marker_bind *b,
 *		struct strbuf *out, char nonce[MARKER_NONCE_HEX + 1]);
 *	int marker_verify(const unsigned char key[MARKER_KEY_LEN],
 *		const char *value, time_t now, long long max_age,
 *		const struct marker_bind *b, struct marker *m,
 *		struct strbuf *why);
 * DESCRIPTION
 *	The fetcher adds one header MARKER_HEADER to every message of a
 *	global mailbox; popconn-milter acts only on a message whose marker
 *	verifies, and removes every marker header from every message.  The
 *	value (version 2) is
 *
 *	    v=2; mb=NAME; t=UNIXTIME; n=NONCE; env=E; w=WINDOW; id=ID;
 *	    b=FIELDS; h=HASH; mac=HEX
 *
 *	NONCE	16 random hex digits: the message's id in both daemons'
 *		logs, single use (the milter remembers it, dupdb.h).
 *	E	0, 1 (trust_envelope_headers), or 1:N:HEADER: trust only
 *		HEADER, skipping its first N occurrences in the ISP's
 *		block (envelope_header, envelope_header_skip).
 *	WINDOW	duplicate_window of the mailbox, seconds (0: no dedupe).
 *	ID	the message's identity, 32 hex digits: SHA-256 of its
 *		Message-ID; without one, of From, Date, Subject, To, Cc
 *		and a digest of the body, as the fetcher spooled it.
 *	FIELDS	which of Message-ID (m), Date (d) and Subject (s) the
 *		message had when it was signed ("-" for none).
 *	HASH	32 hex digits: SHA-256 of those fields' values.  Postfix
 *		changes none of them once present (cleanup adds a missing
 *		Message-ID or Date; those are not listed, so not bound).
 *	mac	HMAC-SHA-256 under the local secret over
 *		"v=2;mb=..;t=..;n=..;env=..;w=..;id=..;b=..;h=.."
 *
 *	A value is normalized before it is hashed: CR and LF removed
 *	(unfolding), runs of space and tab made one space, leading and
 *	trailing white space dropped, at most MARKER_FIELD_MAX octets kept.
 *	The first occurrence of each field counts.
 *
 *	marker_load_key() reads the secret: 64 hex digits (32 bytes) and an
 *	optional newline, in a file that others cannot read (its group may:
 *	0640 root:popconn, so that both daemons can).
 *	marker_bind_header() records one header field (name, value as the
 *	milter gets it); marker_bind_block() does it for every field of a
 *	raw header section (the fetcher).  marker_identity() computes ID;
 *	body_md is SHA-256 of the body (used only without a Message-ID).
 *	marker_make() writes the header value (without the name) into out,
 *	and the nonce it chose into nonce; its length depends only on
 *	in->mailbox, in->t, in->window and in->env (the fetcher writes a
 *	stand-in of the same length first and overwrites it).
 *	marker_verify() parses value strictly, checks the MAC in constant
 *	time, that t is neither more than max_age old nor more than 300
 *	seconds in the future, and that the message's own fields (b) still
 *	hash to HASH, and fills m.
 * DIAGNOSTICS
 *	PC_OK; PC_PERM for a bad, forged, stale or moved marker (reason in
 *	why; a moved one says "another message"); PC_TEMP when the key file
 *	cannot be read or randomness fails.
 * SECURITY
 *	value and the header fields are untrusted (they come from a
 *	message): parsed with fixed limits, never longer than
 *	MARKER_VALUE_MAX / MARKER_FIELD_MAX.
 */
#ifndef MARKER_H
#define MARKER_H

#include <time.h>
#include "popconn.h"
#include "strbuf.h"

#define MARKER_HEADER		"X-Popconn-Marker"
#define MARKER_KEY_LEN		32
#define MARKER_VALUE_MAX	512
#define MARKER_NONCE_HEX	16
#define MARKER_ID_HEX		32
#define MARKER_FIELD_MAX	998	/* RFC 5322 line limit */
#define MARKER_ENV_MAX		80	/* the env= field */

/* The header fields markers and identities look at. */
enum {
	MARKER_F_MSGID, MARKER_F_DATE, MARKER_F_SUBJECT, MARKER_F_FROM,
	MARKER_F_TO, MARKER_F_CC, MARKER_NFIELDS
};

struct marker_bind {
	char	*v[MARKER_NFIELDS];	/* normalized, or NULL: absent */
	size_t	len[MARKER_NFIELDS];
};

/* What the fetcher signs besides the bound fields. */
struct marker_in {
	const char *mailbox;
	time_t	t;
	const char *env;		/* "0", "1" or "1:N:HEADER" */
	long long window;		/* seconds */
	const char *id;			/* MARKER_ID_HEX hex digits */
};

struct marker {
	char	mailbox[PC_NAME_MAX + 1];
	int	trust_env;
	char	env_header[MARKER_ENV_MAX];	/* "" = the usual four */
	int	env_skip;
	time_t	t;
	char	nonce[MARKER_NONCE_HEX + 1];
	long long window;
	char	id[MARKER_ID_HEX + 1];
};

int marker_load_key(const char *path, unsigned char key[MARKER_KEY_LEN],
    struct strbuf *why);
void marker_bind_init(struct marker_bind *b);
void marker_bind_free(struct marker_bind *b);
void marker_bind_header(struct marker_bind *b, const char *name,
    const char *value, size_t len);
void marker_bind_block(struct marker_bind *b, const char *hdr, size_t len);
void marker_identity(const struct marker_bind *b,
    const unsigned char body_md[32], char id[MARKER_ID_HEX + 1]);
int marker_make(const unsigned char key[MARKER_KEY_LEN],
    const struct marker_in *in, const struct marker_bind *b,
    struct strbuf *out, char nonce[MARKER_NONCE_HEX + 1]);
int marker_verify(const unsigned char key[MARKER_KEY_LEN], const char *value,
    time_t now, long long max_age, const struct marker_bind *b,
    struct marker *m, struct strbuf *why);

#endif
