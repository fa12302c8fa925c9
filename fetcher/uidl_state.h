/*
 * NAME
 *	uidl_state.h - which messages of a mailbox were delivered
 * SYNOPSIS
 *	int uidl_state_open(struct uidl_state *s, const char *dir,
 *		const char *name, struct strbuf *why);
 *	int uidl_state_has(const struct uidl_state *s, const char *uid);
 *	int uidl_state_commit(struct uidl_state *s, const char *uid,
 *		struct strbuf *why);
 *	int uidl_state_prune(struct uidl_state *s, const char *const *live,
 *		size_t nlive, struct strbuf *why);
 *	void uidl_state_close(struct uidl_state *s);
 * DESCRIPTION
 *	The state of mailbox NAME is DIR/NAME.uidl (a snapshot, replaced
 *	atomically) plus DIR/NAME.journal (one UID per line, appended and
 *	fdatasync'ed by every uidl_state_commit()).  A UID is in the state
 *	once its message was accepted by Postfix; DELE is sent only after
 *	the commit returned, so a session cut before QUIT (which rolls the
 *	DELEs back) never delivers a message twice (DESIGN.md, invariant 2).
 *
 *	uidl_state_prune() keeps only the UIDs still on the server (live,
 *	from UIDL) and compacts the journal into the snapshot.
 * DIAGNOSTICS
 *	PC_OK, or PC_TEMP with the reason in why: without its state a
 *	mailbox is not fetched.
 * SECURITY
 *	The files are 0600 in a 0700 directory; lines are validated as UIDs.
 */
#ifndef UIDL_STATE_H
#define UIDL_STATE_H

#include <stddef.h>
#include "strbuf.h"

struct uidl_state {
	char	*snap;		/* DIR/NAME.uidl */
	char	*journal;	/* DIR/NAME.journal */
	char	*dir;
	char	**uids;		/* sorted */
	size_t	n;
	size_t	cap;
	int	jfd;
};

int uidl_state_open(struct uidl_state *s, const char *dir, const char *name,
    struct strbuf *why);
int uidl_state_has(const struct uidl_state *s, const char *uid);
int uidl_state_commit(struct uidl_state *s, const char *uid,
    struct strbuf *why);
int uidl_state_prune(struct uidl_state *s, const char *const *live,
    size_t nlive, struct strbuf *why);
void uidl_state_close(struct uidl_state *s);

#endif
