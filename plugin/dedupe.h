/*
 * NAME
 *	dedupe.h - one copy per recipient, single-use markers (milter side)
 * SYNOPSIS
 *	int dedupe_filter(const struct milter_settings *s,
 *		const struct marker *m, const char *qid,
 *		const struct route_header *h, size_t nh,
 *		struct route_result *r, struct strbuf *why);
 *	int dedupe_preview(const char *dir, const struct marker *m,
 *		const char *addr, struct dupdb_copy *first,
 *		struct strbuf *why);
 *	int dedupe_stats(const char *dir, const char *const *names,
 *		size_t n, unsigned long long *dropped,
 *		unsigned long long *entries, struct strbuf *why);
 *	int dedupe_stats(const char *dir, const char *const *names, size_t n,
    unsigned long long *dropped, unsigned long long *entries,
    struct strbuf *why);
void dedupe_shutdown(void);
 * DESCRIPTION
 *	dedupe_filter() runs at end of message for a message whose marker
 *	verified and that was routed to r, in one store transaction:
 *
 *	1. the marker's nonce is recorded until it could no longer verify;
 *	   seen before with other routing headers (h: a digest of them),
 *	   it is a replay: DEDUPE_REPLAY, the reason in why; seen before
 *	   with the same, it is the same injection tried again (Postfix's
 *	   pickup retries a maildrop file whose cleanup failed), and goes
 *	   on as if new (up to DEDUPE_RETRY_MAX sights, dedupe.c);
 *	2. with m->window > 0, each recipient in r that already received
 *	   m->id under another nonce less than m->window seconds ago is
 *	   taken out of r and logged with the copy it duplicates; the
 *	   others are recorded;
 *	3. if no recipient is left, DEDUPE_DISCARD (every recipient holds
 *	   a copy that Postfix accepted first); else DEDUPE_ROUTE.
 *
 *	The store (dupdb.h) lives in milter_state_directory; it is opened
 *	on first use and again when that setting changes.  A store that
 *	cannot be used costs the memory, never the mail: DEDUPE_ROUTE,
 *	logged.
 *
 *	dedupe_preview() opens the store in dir read-only and says whether
 *	addr would be dropped as a duplicate of m->id (1, first filled),
 *	0 if not; PC_TEMP/PC_PERM with why when the store cannot be read
 *	(popconnctl route test).  A window < 0 takes the first copy's.
 *
 *	dedupe_stats() reads, read-only, how many copies were dropped for
 *	each mailbox in names (into dropped[0..n)) and how many markers and
 *	copies the store holds (popconnctl status).
 * DIAGNOSTICS
 *	See above.
 */
#ifndef DEDUPE_H
#define DEDUPE_H

#include "marker.h"
#include "params.h"
#include "dupdb.h"
#include "route.h"

#define DEDUPE_ROUTE	0
#define DEDUPE_DISCARD	1
#define DEDUPE_REPLAY	2

int dedupe_filter(const struct milter_settings *s, const struct marker *m,
    const char *qid, const struct route_header *h, size_t nh,
    struct route_result *r, struct strbuf *why);
int dedupe_preview(const char *dir, const struct marker *m, const char *addr,
    struct dupdb_copy *first, struct strbuf *why);
int dedupe_stats(const char *dir, const char *const *names, size_t n,
    unsigned long long *dropped, unsigned long long *entries,
    struct strbuf *why);
void dedupe_shutdown(void);

#endif
