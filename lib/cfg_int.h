/*
 * NAME
 *	cfg_int.h - what cfg.c shares with cfg_apply.c
 * SYNOPSIS
 *	#include "cfg_int.h"
 *
 *	int cfg_why(struct strbuf *why, const char *file, int line,
 *		const char *fmt, ...);
 *	const char *cfg_quote(char *buf, size_t size, const char *s);
 *							result is buf
 * DESCRIPTION
 *	Private to lib/cfg*.c; the interface is include/cfg.h.
 *	cfg_why() puts "FILE, line N: reason" (or "reason" when file is
 *	NULL) into why, which may be NULL, and returns PC_PERM.
 *	cfg_quote() is a printable, bounded copy of a value for a reason.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef CFG_INT_H
#define CFG_INT_H

#include <stddef.h>

#include "popconn.h"
#include "strbuf.h"

#define CFG_NAME_MAX		128	/* parameter name */
#define CFG_QUOTE_MAX		128	/* quoted value in a message */

int cfg_why(struct strbuf *why, const char *file, int line,
    const char *fmt, ...) PC_PRINTF(4, 5);
const char *cfg_quote(char *buf, size_t size, const char *s);

#endif
