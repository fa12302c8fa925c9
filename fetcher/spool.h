/*
 * NAME
 *	spool.h - one message on its way from the server to sendmail
 * SYNOPSIS
 *	int spool_init(const char *dir, struct strbuf *why);
 *	int spool_create(struct spool_file *f, const char *dir,
 *		const char *name, struct strbuf *why);
 *	int spool_write(struct spool_file *f, const void *data, size_t len);
 *	int spool_rewrite(struct spool_file *f, unsigned long long off,
 *		const void *data, size_t len);
 *	int spool_rewrite(struct spool_file *f, unsigned long long off,
    const void *data, size_t len);
int spool_finish(struct spool_file *f, struct strbuf *why);
 *	void spool_discard(struct spool_file *f);
 * DESCRIPTION
 *	Like Maildir: a message is written under DIR/tmp and renamed into
 *	DIR/new only when it is complete (DESIGN.md, invariant
 *	3), and removed once Postfix has it.  spool_init() creates the
 *	directories (0700) and removes what a crash left behind: those
 *	messages were never recorded as delivered, so they are still on the
 *	server and will be fetched again.  spool_rewrite() overwrites
 *	octets already written (the fetcher's marker, once the message is
 *	read).
 * DIAGNOSTICS
 *	PC_OK, or PC_TEMP with the reason in why (disk full, permissions).
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include "strbuf.h"

struct spool_file {
	int	fd;
	int	error;		/* errno of the first failed write */
	char	tmp[4096];
	char	path[4096];	/* in new/ after spool_finish() */
	char	dir[4096];
	unsigned long long bytes;
	char	buf[65536];
	size_t	buflen;
};

int spool_init(const char *dir, struct strbuf *why);
int spool_create(struct spool_file *f, const char *dir, const char *name,
    struct strbuf *why);
int spool_write(struct spool_file *f, const void *data, size_t len);
int spool_rewrite(struct spool_file *f, unsigned long long off,
    const void *data, size_t len);
int spool_finish(struct spool_file *f, struct strbuf *why);
void spool_discard(struct spool_file *f);

#endif
