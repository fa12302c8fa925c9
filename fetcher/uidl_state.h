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
 *	uidl_state_fail() counts a refusal by sendmail, so that a poison
 *	message stops being retried after max_delivery_attempts while the
 *	rest of the mailbox flows; uidl_state_fails() reads the count.
 *
 *	uidl_state_prune() keeps only the UIDs still on the server (live,
 *	from UIDL) and compacts the journal into the snapshot;
 *	uidl_state_compact() compacts without forgetting anything (servers
 *	without UIDL, whose messages are known by digest).
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
int uidl_state_prune(struct uidl_state *s, const char *const *live,
    size_t nlive, struct strbuf *why);
int uidl_state_compact(struct uidl_state *s, struct strbuf *why);
void uidl_state_close(struct uidl_state *s);

#endif
