/*
 * NAME
 *	alloc.h - memory allocation that succeeds or does not return
 * SYNOPSIS
 *	void *xmalloc(size_t len);		caller frees
 *	void *xcalloc(size_t n, size_t len);	caller frees
 *	void *xrealloc(void *ptr, size_t len);	caller frees
 *	char *xstrdup(const char *s);		caller frees
 *	char *xstrndup(const char *s, size_t n);	caller frees; NUL added
 *	void xfree_secret(char *s);	wipes a NUL-terminated secret, frees it
 * DESCRIPTION
 *	On allocation failure these call log_fatal() (out of memory is
 *	fatal; Postfix's milter default_action=tempfail covers a dead milter,
 *	and the fetcher's spool and UIDL state survive a restart).
 */
#ifndef ALLOC_H
#define ALLOC_H

#include <stddef.h>

void *xmalloc(size_t len);
void *xcalloc(size_t n, size_t len);
void *xrealloc(void *ptr, size_t len);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void xfree_secret(char *s);

/* pc_strlcpy(), pc_strlcat(): in strl.c, kept visible here for callers. */
#include "strl.h"

#endif
