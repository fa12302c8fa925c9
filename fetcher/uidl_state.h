/*
 * NAME
 *	uidl_state.h - which messages of a mailbox were delivered, or failed
 * SYNOPSIS
 *	int uidl_state_open(struct uidl_state *s, const char *dir,
 *		const char *name, struct strbuf *why);
 *	int uidl_state_has(const struct uidl_state *s, const char *uid);
 *	time_t uidl_state_delivered(const struct uidl_state *s,
 *		const char *uid);
 *	int uidl_state_fails(const struct uidl_state *s, const char *uid);
 *	int uidl_state_reserve(struct uidl_state *s, struct strbuf *why);
 *	int uidl_state_commit(struct uidl_state *s, const char *uid,
 *		struct strbuf *why);
 *	int uidl_state_fail(struct uidl_state *s, const char *uid,
 *		struct strbuf *why);
 *
 *	void uidl_state_group(struct uidl_state *s, long long size,
 *		long long delay_ms);
 *	int uidl_state_record(struct uidl_state *s, const char *uid,
 *		struct strbuf *why);
 *	size_t uidl_state_unsynced(const struct uidl_state *s);
 *	int uidl_state_due(const struct uidl_state *s, long *wait_ms);
 *	int uidl_state_sync(struct uidl_state *s, struct strbuf *why);
 *
 *	int uidl_state_prune(struct uidl_state *s, const char *const *live,
 *		size_t nlive, struct strbuf *why);
 *	int uidl_state_compact(struct uidl_state *s, struct strbuf *why);
 *	void uidl_state_close(struct uidl_state *s);
 * DESCRIPTION
 *	The state of mailbox NAME is DIR/NAME.uidl (a snapshot, replaced
 *	atomically) plus DIR/NAME.journal (records appended and
 *	fdatasync'ed one by one).  A record is "UID DELIVERED FAILS": the
 *	time the message was accepted by Postfix (0: not delivered) and how
 *	often sendmail refused it; the last record of a UID wins.
 *
 *	uidl_state_commit() records a delivery durably; DELE is sent only
 *	after it returned, so a session cut before QUIT (which rolls the
 *	DELEs back) never delivers a message twice (DESIGN.md, invariant
 *	2).  uidl_state_has() says whether a message was delivered,
 *	uidl_state_delivered() when (for keep_days).
 *
 *	uidl_state_reserve() keeps disk space allocated for the journal's
 *	next records; the fetcher calls it before every sendmail, so that a
 *	disk that fills up stops deliveries before they happen instead of
 *	making a delivered message unrecordable.
 *
 *	Group commit.  uidl_state_record() records a delivery like
 *	uidl_state_commit() but without waiting for the disk: the record is
 *	written to the journal and joins the open group, which one
 *	fdatasync makes durable for all its records.  uidl_state_group()
 *	sets when a group closes: after size records, or delay_ms after its
 *	first record (size 1 or delay 0: every record is synced on its own,
 *	and uidl_state_record() is uidl_state_commit(); that is the default).
 *	uidl_state_unsynced() counts the records of the open group;
 *	uidl_state_due() says whether it should be synced now (1) or not
 *	yet (0, with the milliseconds left in *wait_ms, -1 when there is no
 *	open group); uidl_state_sync() syncs it.  Every other write
 *	(uidl_state_commit(), uidl_state_fail(), prune, compact) and
 *	uidl_state_close() sync the open group too.  uidl_state_has() knows
 *	a recorded UID at once; the caller must not send its DELE until
 *	uidl_state_unsynced() is 0 again (fetcher: account_deliver.c).
 *
 *	uidl_state_fail() counts a refusal by sendmail, so that a poison
 *	message stops being retried after max_delivery_attempts while the
 *	rest of the mailbox flows; uidl_state_fails() reads the count.
 *
 *	uidl_state_prune() keeps only the UIDs still on the server (live,
 *	from UIDL) and compacts the journal into the snapshot;
 *	uidl_state_compact() compacts without forgetting anything (servers
 *	without UIDL, whose messages are known by digest).
 * CRASH WINDOW
 *	A duplicate is possible only for a message Postfix accepted whose
 *	record is not yet on disk when the fetcher dies (DESIGN.md,
 *	invariant 2): before the group commit that meant the messages in
 *	flight (up to delivery_parallelism sendmails, or the SMTP pipeline)
 *	plus the one being recorded.  With group commit, an accepted
 *	message whose record waits in the open group still holds its
 *	delivery slot: the session submits no new message while the open
 *	group and the messages in flight together fill the transport's
 *	slots, and closes the group early instead.  So the number of
 *	messages that can be delivered twice by one crash is unchanged: at
 *	most the transport's slots per session.  Nothing can be lost: a
 *	DELE waits for its own record's sync, and the server removes
 *	nothing before QUIT, which comes after the last sync.
 * DIAGNOSTICS
 *	PC_OK, or PC_TEMP with the reason in why: without its state a
 *	mailbox is not fetched.  uidl_state_fail() returns the new count,
 *	or PC_TEMP.
 * SECURITY
 *	The files are 0600 in a 0700 directory; records are validated.
 */
#ifndef UIDL_STATE_H
#define UIDL_STATE_H

#include <stddef.h>
#include <time.h>
#include "strbuf.h"

struct uidl_entry {
	char	*uid;
	time_t	delivered;	/* 0: not delivered */
	int	fails;		/* refusals by sendmail */
};

struct uidl_state {
	char	*snap;		/* DIR/NAME.uidl */
	char	*journal;	/* DIR/NAME.journal */
	char	*dir;
	struct uidl_entry *v;	/* sorted by uid */
	size_t	n;
	size_t	cap;
	int	jfd;
	long long reserved;	/* journal bytes allocated for sure */
	/* group commit */
	long long group_size;	/* records per group; <= 1: no groups */
	long long group_delay;	/* milliseconds; 0: no groups */
	size_t	unsynced;	/* records of the open group */
	struct timespec group_start;	/* its first record (monotonic) */
};

int uidl_state_open(struct uidl_state *s, const char *dir, const char *name,
    struct strbuf *why);
int uidl_state_has(const struct uidl_state *s, const char *uid);
time_t uidl_state_delivered(const struct uidl_state *s, const char *uid);
int uidl_state_fails(const struct uidl_state *s, const char *uid);
int uidl_state_reserve(struct uidl_state *s, struct strbuf *why);
int uidl_state_commit(struct uidl_state *s, const char *uid,
    struct strbuf *why);
int uidl_state_fail(struct uidl_state *s, const char *uid,
    struct strbuf *why);
void uidl_state_group(struct uidl_state *s, long long size,
    long long delay_ms);
int uidl_state_record(struct uidl_state *s, const char *uid,
    struct strbuf *why);
size_t uidl_state_unsynced(const struct uidl_state *s);
int uidl_state_due(const struct uidl_state *s, long *wait_ms);
int uidl_state_sync(struct uidl_state *s, struct strbuf *why);
int uidl_state_prune(struct uidl_state *s, const char *const *live,
    size_t nlive, struct strbuf *why);
int uidl_state_compact(struct uidl_state *s, struct strbuf *why);
void uidl_state_close(struct uidl_state *s);

#endif
