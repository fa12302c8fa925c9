/*
 * NAME
 *	cfgedit.h - edit popconn.cf, mailboxes.cf, passwords and tables in place
 * SYNOPSIS
 *	int cfgedit_open(struct cfgedit *e, int kind, const char *path,
 *		struct strbuf *why);		free with cfgedit_free()
 *	void cfgedit_init_buf(struct cfgedit *e, int kind, const char *text,
 *		size_t len);			free with cfgedit_free()
 *	void cfgedit_free(struct cfgedit *e);
 *
 *	int cfgedit_main_set(struct cfgedit *e, const char *name,
 *		const char *value, struct strbuf *why);
 *	int cfgedit_main_unset(struct cfgedit *e, const char *name,
 *		struct strbuf *why);
 *	int cfgedit_mailbox_put(struct cfgedit *e, const char *name,
 *		const char *entry, struct strbuf *why);
 *	int cfgedit_mailbox_remove(struct cfgedit *e, const char *name,
 *		struct strbuf *why);
 *	int cfgedit_password_set(struct cfgedit *e, const char *name,
 *		const char *secret, struct strbuf *why);
 *	int cfgedit_password_remove(struct cfgedit *e, const char *name,
 *		struct strbuf *why);
 *	int cfgedit_table_set(struct cfgedit *e, const char *key,
 *		const char *value, struct strbuf *why);
 *	int cfgedit_table_remove(struct cfgedit *e, const char *key,
 *		struct strbuf *why);
 *
 *	int cfgedit_validate(const struct cfgedit *e, struct strbuf *why);
 *	int cfgedit_commit(struct cfgedit *e, struct strbuf *why);
 * DESCRIPTION
 *	See ctl/cfgedit.c.
 */
#ifndef CFGEDIT_H
#define CFGEDIT_H

#include <sys/types.h>
#include "strbuf.h"

#define CFGEDIT_MAIN		1	/* popconn.cf */
#define CFGEDIT_MAILBOXES	2	/* mailboxes.cf */
#define CFGEDIT_PASSWORDS	3	/* passwords (mode 0600) */
#define CFGEDIT_TABLE		4	/* texthash: or pcre: source */

#define CFGEDIT_FILE_MAX	(16 * 1024 * 1024)

struct cfgedit {
	int	kind;			/* CFGEDIT_* */
	char	*path;			/* NULL: in memory only */
	struct strbuf *text;		/* the whole file, edited */
	int	exists;			/* the file existed when opened */
	mode_t	mode;			/* its permissions */
	uid_t	uid;			/* its owner */
	gid_t	gid;
	int	changed;		/* an edit changed the text */
};

int	cfgedit_open(struct cfgedit *e, int kind, const char *path,
	    struct strbuf *why);
void	cfgedit_init_buf(struct cfgedit *e, int kind, const char *text,
	    size_t len);
void	cfgedit_free(struct cfgedit *e);

int	cfgedit_main_set(struct cfgedit *e, const char *name,
	    const char *value, struct strbuf *why);
int	cfgedit_main_unset(struct cfgedit *e, const char *name,
	    struct strbuf *why);
int	cfgedit_mailbox_put(struct cfgedit *e, const char *name,
	    const char *entry, struct strbuf *why);
int	cfgedit_mailbox_remove(struct cfgedit *e, const char *name,
	    struct strbuf *why);
int	cfgedit_password_set(struct cfgedit *e, const char *name,
	    const char *secret, struct strbuf *why);
int	cfgedit_password_remove(struct cfgedit *e, const char *name,
	    struct strbuf *why);
int	cfgedit_table_set(struct cfgedit *e, const char *key,
	    const char *value, struct strbuf *why);
int	cfgedit_table_remove(struct cfgedit *e, const char *key,
	    struct strbuf *why);

int	cfgedit_validate(const struct cfgedit *e, struct strbuf *why);
int	cfgedit_commit(struct cfgedit *e, struct strbuf *why);

#endif
