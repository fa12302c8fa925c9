/*
 * NAME
 *	alloc - memory allocation that succeeds or does not return
 * SYNOPSIS
 *	#include "alloc.h"
 *
 *	void *xmalloc(size_t len);		caller frees
 *	void *xcalloc(size_t n, size_t len);	caller frees
 *	void *xrealloc(void *ptr, size_t len);	caller frees
 *	char *xstrdup(const char *s);		caller frees
 *	char *xstrndup(const char *s, size_t n);	caller frees
 *	void xfree_secret(char *s);
 * DESCRIPTION
 *	The x*() functions wrap the C library allocator and call
 *	log_fatal() when memory runs out, so callers never test for NULL.
 *	A request for zero bytes returns a valid, unique pointer.
 *
 *	xstrndup() copies at most n bytes of s (stopping at a NUL) and
 *	always terminates the copy.
 *
 *	xfree_secret() overwrites a NUL-terminated secret with
 *	explicit_bzero() (which the compiler may not optimise away) and
 *	frees it.  A NULL pointer is accepted.
 *
 *	pc_strlcpy() and pc_strlcat(), which alloc.h still declares for
 *	its many callers, live in strl.c: log.c needs them, and this file
 *	calls log_fatal(), so keeping them here made a circle.
 * DIAGNOSTICS
 *	Out of memory is fatal (EX_OSERR): the fetcher's spool and UIDL
 *	state survive a restart.  Overflow of n * len is treated the same.
 * SECURITY
 *	No untrusted input is interpreted here.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "alloc.h"
#include "log.h"

/* xmalloc - allocate or die */

void   *
xmalloc(size_t len)
{
	void   *p;

	if ((p = malloc(len ? len : 1)) == NULL)
		log_fatal(EX_OSERR, "out of memory (%zu bytes)", len);
	return (p);
}

/* xcalloc - allocate zeroed memory or die */

void   *
xcalloc(size_t n, size_t len)
{
	void   *p;

	if (n == 0 || len == 0)
		n = len = 1;
	if ((p = calloc(n, len)) == NULL)
		log_fatal(EX_OSERR, "out of memory (%zu * %zu bytes)", n, len);
	return (p);
}

/* xrealloc - resize or die */

void   *
xrealloc(void *ptr, size_t len)
{
	void   *p;

	if ((p = realloc(ptr, len ? len : 1)) == NULL)
		log_fatal(EX_OSERR, "out of memory (%zu bytes)", len);
	return (p);
}

/* xstrdup - copy a string or die */

char   *
xstrdup(const char *s)
{
	size_t  len = strlen(s);
	char   *p = xmalloc(len + 1);

	memcpy(p, s, len + 1);
	return (p);
}

/* xstrndup - copy at most n bytes of a string or die */

char   *
xstrndup(const char *s, size_t n)
{
	size_t  len = strnlen(s, n);
	char   *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = 0;
	return (p);
}

/* xfree_secret - wipe and free a secret */

void
xfree_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
