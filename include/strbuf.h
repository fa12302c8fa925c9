/*
 * NAME
 *	strbuf.h - growable string buffer with a hard maximum
 * SYNOPSIS
 *	struct strbuf *strbuf_alloc(size_t max);	caller frees
 *	struct strbuf *strbuf_free(struct strbuf *sb);	returns NULL
 *	int strbuf_append(struct strbuf *sb, const void *data, size_t len);
 *	int strbuf_puts(struct strbuf *sb, const char *s);
 *	int strbuf_putc(struct strbuf *sb, int c);
 *	int strbuf_printf(struct strbuf *sb, const char *fmt, ...);
 *	int strbuf_appendf(struct strbuf *sb, const char *fmt, ...);
 *	void strbuf_reset(struct strbuf *sb);
 *	void strbuf_truncate(struct strbuf *sb, size_t len);
 *	const char *strbuf_str(const struct strbuf *sb);	owned by sb
 *	size_t strbuf_len(const struct strbuf *sb);
 *	void strbuf_wipe(struct strbuf *sb);	zero contents (secrets)
 * DESCRIPTION
 *	The contents are always NUL-terminated and may hold NUL bytes
 *	(strbuf_len() counts them).  An append that would take the length
 *	past max stores nothing and returns -1: nothing is ever silently
 *	truncated.  strbuf_printf() replaces the contents; strbuf_appendf()
 *	appends.  max must be at least 1.
 * DIAGNOSTICS
 *	0 on success, -1 when the result would exceed max.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>
#include "popconn.h"

struct strbuf {
	char	*data;		/* always NUL-terminated */
	size_t	len;		/* bytes used, without the NUL */
	size_t	size;		/* bytes allocated */
	size_t	max;		/* hard limit on len */
};

struct strbuf *strbuf_alloc(size_t max);
struct strbuf *strbuf_free(struct strbuf *sb);
int strbuf_append(struct strbuf *sb, const void *data, size_t len);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, int c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) PC_PRINTF(2, 3);
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) PC_PRINTF(2, 3);
void strbuf_reset(struct strbuf *sb);
void strbuf_truncate(struct strbuf *sb, size_t len);
const char *strbuf_str(const struct strbuf *sb);
size_t strbuf_len(const struct strbuf *sb);
void strbuf_wipe(struct strbuf *sb);

#endif
