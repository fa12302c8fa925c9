/*
 * NAME
 *	reason.h - format a reason into a caller's why buffer
 * SYNOPSIS
 *	#include "reason.h"
 *
 *	int reason_set(struct strbuf *why, const char *fmt, ...);
 *	int reason_vset(struct strbuf *why, const char *fmt, va_list ap);
 *	int reason_append(struct strbuf *why, const char *fmt, ...);
 *	int reason_vappend(struct strbuf *why, const char *fmt, va_list ap);
 * DESCRIPTION
 *	See lib/reason.c.  why may be NULL (nothing is wanted); a reason
 *	that does not fit is cut and ends in REASON_CUT.  Each returns 1
 *	when the text was cut, else 0.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef REASON_H
#define REASON_H

#include <stdarg.h>

#include "popconn.h"
#include "strbuf.h"

#define REASON_MAX	1024		/* one reason, including the NUL */
#define REASON_CUT	"..."		/* the end of a cut reason */

int reason_set(struct strbuf *why, const char *fmt, ...) PC_PRINTF(2, 3);
int reason_vset(struct strbuf *why, const char *fmt, va_list ap)
    PC_PRINTF(2, 0);
int reason_append(struct strbuf *why, const char *fmt, ...) PC_PRINTF(2, 3);
int reason_vappend(struct strbuf *why, const char *fmt, va_list ap)
    PC_PRINTF(2, 0);

#endif
