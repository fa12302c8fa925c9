/*
 * NAME
 *	strbuf - growable string buffer with a hard maximum
 * SYNOPSIS
 *	#include "strbuf.h"
 *
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
 *	void strbuf_wipe(struct strbuf *sb);
 * DESCRIPTION
 *	A strbuf holds up to max bytes (which may include NUL bytes) and
 *	is always NUL-terminated.  Storage grows geometrically, never past
 *	max + 1 bytes.  An operation that would take the length past max
 *	changes nothing and returns -1; nothing is truncated silently
 *	(STYLE.md, rule 1).
 *
 *	strbuf_printf() replaces the contents, strbuf_appendf() appends.
 *	When the formatted text does not fit, the old contents stay.
 *
 *	strbuf_truncate() shortens the contents to len bytes (a larger len
 *	changes nothing).  strbuf_wipe() overwrites all storage with zeros
 *	and empties the buffer; strbuf_free() wipes too, so a buffer that
 *	held a secret leaves no copy on the heap.
 * DIAGNOSTICS
 *	0 on success, -1 when the result would exceed max.  A max of 0 or
 *	a NULL buffer is a programming error (panic).
 * SECURITY
 *	The hard maximum bounds memory use for untrusted input.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "log.h"
#include "strbuf.h"

#define STRBUF_INITIAL	64	/* first allocation, bytes */

/* strbuf_alloc - create an empty buffer */

struct strbuf *
strbuf_alloc(size_t max)
{
	struct strbuf *sb;

	if (max == 0 || max == (size_t) -1)
		log_panic("strbuf_alloc: bad maximum %zu", max);
	sb = xmalloc(sizeof(*sb));
	sb->size = max < STRBUF_INITIAL ? max + 1 : STRBUF_INITIAL;
	sb->data = xmalloc(sb->size);
	sb->data[0] = 0;
	sb->len = 0;
	sb->max = max;
	return (sb);
}

/* strbuf_free - wipe and destroy a buffer */

struct strbuf *
strbuf_free(struct strbuf *sb)
{
	if (sb != NULL) {
		explicit_bzero(sb->data, sb->size);
		free(sb->data);
		free(sb);
	}
	return (NULL);
}

/* strbuf_space - make room for len more bytes plus NUL, or fail */

static int
strbuf_space(struct strbuf *sb, size_t len)
{
	size_t  need;
	size_t  nsize;

	if (len > sb->max - sb->len)
		return (-1);
	need = sb->len + len + 1;
	if (need <= sb->size)
		return (0);
	nsize = sb->size;
	while (nsize < need)
		nsize = nsize > (sb->max + 1) / 2 ? sb->max + 1 : nsize * 2;
	sb->data = xrealloc(sb->data, nsize);
	sb->size = nsize;
	return (0);
}

/* strbuf_append - append bytes */

int
strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_space(sb, len) < 0)
		return (-1);
	if (len > 0)
		memmove(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = 0;
	return (0);
}

/* strbuf_puts - append a string */

int
strbuf_puts(struct strbuf *sb, const char *s)
{
	return (strbuf_append(sb, s, strlen(s)));
}

/* strbuf_putc - append one byte */

int
strbuf_putc(struct strbuf *sb, int c)
{
	char    ch = (char) c;

	return (strbuf_append(sb, &ch, 1));
}

/* strbuf_vformat - format at offset start, keeping the old contents on failure */

static int PC_PRINTF(3, 0)
strbuf_vformat(struct strbuf *sb, size_t start, const char *fmt, va_list ap)
{
	va_list ap2;
	int     n;
	size_t  saved = sb->len;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return (-1);
	sb->len = start;
	if (strbuf_space(sb, (size_t) n) < 0) {
		sb->len = saved;
		return (-1);
	}
	/* Room for n + 1 bytes at start was just made. */
	if (vsnprintf(sb->data + start, (size_t) n + 1, fmt, ap) != n) {
		sb->len = saved;
		sb->data[sb->len] = 0;
		return (-1);
	}
	sb->len = start + (size_t) n;
	return (0);
}

/* strbuf_printf - replace the contents with formatted text */

int
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, fmt);
	ret = strbuf_vformat(sb, 0, fmt, ap);
	va_end(ap);
	return (ret);
}

/* strbuf_appendf - append formatted text */

int
strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int     ret;

	va_start(ap, fmt);
	ret = strbuf_vformat(sb, sb->len, fmt, ap);
	va_end(ap);
	return (ret);
}

/* strbuf_reset - empty the buffer */

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->data[0] = 0;
}

/* strbuf_truncate - shorten the contents */

void
strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->data[len] = 0;
	}
}

/* strbuf_str - the contents, NUL-terminated */

const char *
strbuf_str(const struct strbuf *sb)
{
	return (sb->data);
}

/* strbuf_len - the length of the contents */

size_t
strbuf_len(const struct strbuf *sb)
{
	return (sb->len);
}

/* strbuf_wipe - zero all storage and empty the buffer */

void
strbuf_wipe(struct strbuf *sb)
{
	explicit_bzero(sb->data, sb->size);
	sb->len = 0;
}
