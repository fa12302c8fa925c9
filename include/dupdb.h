/*
 * NAME
 *	dupdb.h - the milter's memory: used markers and delivered copies
 * SYNOPSIS
 *	int dupdb_open(const char *dir, long long max_entries, int rdonly,
 *		struct dupdb **dbp, struct strbuf *why);
 *	struct dupdb *dupdb_close(struct dupdb *db);	returns NULL
 *	const char *dupdb_dir(const struct dupdb *db);
 *
 *	int dupdb_begin(struct dupdb *db, int write, struct dupdb_txn **tp,
 *		struct strbuf *why);
 *	int dupdb_nonce(struct dupdb_txn *t, const char *nonce,
 *		const char *rdigest, time_t expires, const char *qid,
 *		time_t now, struct dupdb_nonce *prev);
 *	int dupdb_copy(struct dupdb_txn *t, const char *id,
 *		const char *rcpt, const char *nonce, const char *qid,
 *		time_t now, long long window, int record,
 *		struct dupdb_copy *first);
 *	int dupdb_count(struct dupdb_txn *t, const char *name,
 *		long long add, unsigned long long *total);
 *	int dupdb_commit(struct dupdb_txn *t, struct strbuf *why);
 *	void dupdb_abort(struct dupdb_txn *t);
 *	int dupdb_entries(struct dupdb *db, unsigned long long *n);
 * DESCRIPTION
 *	One LMDB environment in directory dir (data.mdb and lock.mdb), made
 *	0700 if missing.  It holds:
 *
 *	markers	nonce -> (expiry, how often seen, a digest of what the
 *		milter routed on, the first queue id), until the marker
 *		could no longer verify (its t + marker_max_age);
 *	copies	(message identity, recipient) -> (first time, marker nonce,
 *		queue id), until its duplicate window has passed;
 *	counters name -> a count (dropped copies per mailbox).
 *
 *	Bounded: each write transaction first drops what has expired, then
 *	the entries that expire first while there are more than
 *	max_entries.  LMDB makes writers safe to run side by side (threads
 *	and processes: popconnctl reads while the milter writes) and a
 *	kill -9 at any point leaves the last committed state.
 *
 *	A store LMDB cannot read (not an LMDB file, damaged, another
 *	version) is moved aside (data.mdb.broken-UNIXTIME) and a new, empty
 *	one made, with a log line.  LMDB checks only its meta pages; a page
 *	damaged below them makes it read out of bounds or abort, so before
 *	a read-write open every page in use is read once in a child
 *	process, and a store that kills the child is moved aside too.  A store deleted or replaced while open
 *	is noticed at the next dupdb_begin() and opened again (empty).
 *
 *	dupdb_nonce() records a marker nonce and says what it was:
 *	DUPDB_NEW (first sight), DUPDB_RETRY (seen before with the same
 *	rdigest: the same injection again, e.g. pickup retrying after
 *	cleanup failed; prev->uses counts the sights), DUPDB_REPLAY (seen
 *	before with another rdigest; prev says when and where).
 *	dupdb_copy() says whether recipient rcpt already had message id:
 *	1 when a copy with another nonce was recorded less than window
 *	seconds ago (first says which), else 0, after recording this copy
 *	when record is set and none was there.  A copy recorded under the
 *	same nonce is this injection, not a duplicate.  A window < 0 uses
 *	the window the first copy was recorded with (a read-only preview).
 *	dupdb_count() adds to a counter and returns its total.
 *	In a read-only transaction nothing is recorded.  Opened read-only
 *	(rdonly), a store whose data or lock file is missing is "no store"
 *	(PC_PERM): a reader never creates a file the milter's user would
 *	then not own.
 * DIAGNOSTICS
 *	PC_OK (or the DUPDB_* / 0 / 1 answers), PC_TEMP with the reason in
 *	why (or logged) when the store cannot be used: the caller goes on
 *	without it (mail matters more than its memory).
 * SECURITY
 *	Keys are digests and fixed-size fields; nothing from a message is
 *	stored but the recipient's hash, the nonce and the queue id.
 */
#ifndef DUPDB_H
#define DUPDB_H

#include <time.h>
#include "strbuf.h"

#define DUPDB_NEW	0
#define DUPDB_RETRY	1
#define DUPDB_REPLAY	2

#define DUPDB_QID_MAX	32

struct dupdb;
struct dupdb_txn;

struct dupdb_nonce {
	long long t;			/* first seen */
	unsigned uses;			/* sights before this one */
	char	qid[DUPDB_QID_MAX];
};

struct dupdb_copy {
	long long t;			/* recorded */
	char	nonce[17];
	char	qid[DUPDB_QID_MAX];
};

int dupdb_open(const char *dir, long long max_entries, int rdonly,
    struct dupdb **dbp, struct strbuf *why);
struct dupdb *dupdb_close(struct dupdb *db);
const char *dupdb_dir(const struct dupdb *db);
int dupdb_begin(struct dupdb *db, int write, struct dupdb_txn **tp,
    struct strbuf *why);
int dupdb_nonce(struct dupdb_txn *t, const char *nonce, const char *rdigest,
    time_t expires, const char *qid, time_t now, struct dupdb_nonce *prev);
int dupdb_copy(struct dupdb_txn *t, const char *id, const char *rcpt,
    const char *nonce, const char *qid, time_t now, long long window,
    int record, struct dupdb_copy *first);
int dupdb_count(struct dupdb_txn *t, const char *name, long long add,
    unsigned long long *total);
int dupdb_commit(struct dupdb_txn *t, struct strbuf *why);
void dupdb_abort(struct dupdb_txn *t);
int dupdb_entries(struct dupdb *db, unsigned long long *n);

#endif
