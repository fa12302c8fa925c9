/*
 * NAME
 *	strl - bounded string copy and append
 * SYNOPSIS
 *	#include "strl.h"
 *
 *	size_t pc_strlcpy(char *dst, const char *src, size_t size);
 *	size_t pc_strlcat(char *dst, const char *src, size_t size);
 * DESCRIPTION
 *	pc_strlcpy() and pc_strlcat() behave like OpenBSD's strlcpy() and
 *	strlcat(): the result is always NUL-terminated when size > 0 and
 *	the return value is the length of the string they tried to create,
 *	so "result >= size" means truncation.
 *
 *	This file uses only the C library: log.c and alloc.c both need it,
 *	and alloc.c reports through log.c, so it cannot live in either.
 * SECURITY
 *	No untrusted input is interpreted here.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <string.h>

#include "strl.h"

/* pc_strlcpy - bounded copy, OpenBSD semantics */

size_t
pc_strlcpy(char *dst, const char *src, size_t size)
{
	size_t  len = strlen(src);

	if (size > 0) {
		size_t  n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return (len);
}

/* pc_strlcat - bounded append, OpenBSD semantics */

size_t
pc_strlcat(char *dst, const char *src, size_t size)
{
	size_t  dlen = strnlen(dst, size);

	if (dlen == size)
		return (size + strlen(src));
	return (dlen + pc_strlcpy(dst + dlen, src, size - dlen));
}
