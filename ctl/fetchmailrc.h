/*
 * NAME
 *	fetchmailrc.h - read a fetchmail run control file (.fetchmailrc)
 * SYNOPSIS
 *	int fetchmailrc_parse(const char *file, const char *data,
 *		size_t len, const struct fetchmailrc_env *env,
 *		struct fetchmailrc *r, struct strbuf *why);
 *					r: caller frees with fetchmailrc_free()
 *	void fetchmailrc_free(struct fetchmailrc *r);
 * DESCRIPTION
 *	See ctl/fetchmailrc.c.
 */
#ifndef FETCHMAILRC_H
#define FETCHMAILRC_H

#include <stddef.h>

#include "popconn.h"
#include "strbuf.h"

#define FETCHMAILRC_FILE_MAX	(1024 * 1024)	/* the whole file */
#define FETCHMAILRC_TOKEN_MAX	4096		/* one word or string */
#define FETCHMAILRC_BOX_MAX	10000		/* user entries */
#define FETCHMAILRC_ITEM_MAX	100000		/* entries and notes */
#define FETCHMAILRC_OPT_MAX	8		/* -o settings per entry */

/* What the caller knows about the file (all optional). */
struct fetchmailrc_env {
	const char *base_dir;		/* for relative sslcertfile paths */
	const char *default_local;	/* delivery without "is": who ran
					 * fetchmail (the file's owner) */
	int	(*is_file)(const char *path);	/* a regular file? */
};

struct fetchmailrc_opt {
	const char *name;		/* a popconn.cf setting */
	char	*value;
};

/* One user entry of a poll statement: a mailbox, or why it is not one. */
struct fetchmailrc_box {
	int	line;			/* its "user" keyword (or the poll) */
	char	*poll;			/* the poll name */
	char	*host;			/* the server: via, else poll */
	char	*remote;		/* the remote user, or NULL */
	char	*why;			/* NULL: importable; else why not */
	char	name[PC_NAME_MAX + 1];	/* the mailbox name */
	const char *type;		/* "user" or "global" */
	char	*url;
	char	*deliver_to;		/* user mailboxes; NULL for global */
	struct fetchmailrc_opt opt[FETCHMAILRC_OPT_MAX];
	size_t	nopt;
	char	*password;		/* NULL: none; wiped when freed */
	int	password_line;
};

/*
 * The file in order: each item is a box (note NULL) or a note, which
 * belongs to the box before it (box >= 0) or to the file (box -1).
 */
struct fetchmailrc_item {
	int	line;
	int	box;			/* index into box[], or -1 */
	char	*note;			/* NULL: the box itself */
};

struct fetchmailrc {
	struct fetchmailrc_box *box;
	size_t	nbox;
	struct fetchmailrc_item *item;
	size_t	nitem;
	long	daemon;			/* "set daemon N", or -1 */
	int	daemon_line;
};

int	fetchmailrc_parse(const char *file, const char *data, size_t len,
	    const struct fetchmailrc_env *env, struct fetchmailrc *r,
	    struct strbuf *why);
void	fetchmailrc_free(struct fetchmailrc *r);

#endif
