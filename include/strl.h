/*
 * NAME
 *	strl.h - bounded string copy and append (OpenBSD strlcpy/strlcat)
 * SYNOPSIS
 *	#include "strl.h"
 *
 *	size_t pc_strlcpy(char *dst, const char *src, size_t size);
 *	size_t pc_strlcat(char *dst, const char *src, size_t size);
 * DESCRIPTION
 *	See lib/strl.c.  Debian 12's glibc has neither function.  This
 *	module depends on nothing of ours, so that log.c and alloc.c can
 *	both use it without depending on each other in a circle.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef STRL_H
#define STRL_H

#include <stddef.h>

/* Like OpenBSD's; Debian 12's glibc has none.  Returns strlen(src). */
size_t pc_strlcpy(char *dst, const char *src, size_t size);
size_t pc_strlcat(char *dst, const char *src, size_t size);

#endif
