/*
 * NAME
 *	worker_cfg.h - the settings a spawned worker gets from its parent
 * SYNOPSIS
 *	#include "worker_cfg.h"
 *
 *	int worker_cfg_encode(struct strbuf *out, int log_level,
 *		unsigned flags, const struct cfg_dict *main,
 *		const struct cfg_mailbox *m, const struct cfg_dict *pw,
 *		const char *const *names, size_t nnames);
 *	int worker_cfg_decode(const void *buf, size_t len,
 *		struct worker_cfg *w, struct strbuf *why);
 *	void worker_cfg_free(struct worker_cfg *w);
 * DESCRIPTION
 *	A worker (popconn-fetcher -W, worker.c) is a new program, not a
 *	copy of the parent: it learns what its poll needs over a pipe, as
 *	one length-prefixed record (worker_cfg.c has the layout): the log
 *	level and destination, the main settings (popconn.cf), its mailbox
 *	(mailboxes.cf) and, of the passwords table, only the entries
 *	named (the mailbox's own, and its oauth_client_secret_name).
 *
 *	worker_cfg_encode() appends the record to out (whose contents then
 *	hold secrets: strbuf_wipe() it); entries of names missing from pw
 *	are left out.  worker_cfg_decode() is strict: bad magic, a length
 *	past the end or past its limit, a NUL inside a string, a duplicate
 *	name, an unknown flag or trailing bytes refuse the whole record.
 *	worker_cfg_free() releases what decode made, wiping the passwords.
 * DIAGNOSTICS
 *	encode: PC_OK, or PC_PERM when the record would pass a limit
 *	(nothing useful is in out then).  decode: PC_OK, or PC_PERM with
 *	the reason in why (w is then empty and needs no free).
 * SECURITY
 *	The record is input to the worker (from its parent, over a pipe
 *	only they hold), but it is decoded as if hostile: every length is
 *	checked before use (tests/unit/test_worker_cfg.c,
 *	tests/fuzz/fuzz_worker_cfg.c).
 */
#ifndef WORKER_CFG_H
#define WORKER_CFG_H

#include <stddef.h>
#include "cfg.h"
#include "strbuf.h"

#define WORKER_CFG_MAX		(1024 * 1024)	/* octets of one record */
#define WORKER_CFG_STR_MAX	(64 * 1024)	/* octets of one string */
#define WORKER_CFG_ENTRIES_MAX	4096		/* entries of one table */

#define WORKER_CFG_STDERR	(1u << 0)	/* log to stderr (-f) */
#define WORKER_CFG_LOGFD	(1u << 1)	/* maillog_file on fd 5 */
#define WORKER_CFG_FLAGS	(WORKER_CFG_STDERR | WORKER_CFG_LOGFD)

struct worker_cfg {
	int	log_level;
	unsigned flags;
	struct cfg_dict *main;
	struct cfg_mailbox box;
	struct cfg_dict *pw;		/* only this mailbox's entries */
};

int	worker_cfg_encode(struct strbuf *out, int log_level, unsigned flags,
	    const struct cfg_dict *main, const struct cfg_mailbox *m,
	    const struct cfg_dict *pw, const char *const *names,
	    size_t nnames);
int	worker_cfg_decode(const void *buf, size_t len, struct worker_cfg *w,
	    struct strbuf *why);
void	worker_cfg_free(struct worker_cfg *w);

#endif
