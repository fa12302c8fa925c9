/*
 * NAME
 *	reason - format a reason into a caller's why buffer
 * SYNOPSIS
 *	#include "reason.h"
 *
 *	int reason_set(struct strbuf *why, const char *fmt, ...);
 *	int reason_vset(struct strbuf *why, const char *fmt, va_list ap);
 *	int reason_append(struct strbuf *why, const char *fmt, ...);
 *	int reason_vappend(struct strbuf *why, const char *fmt, va_list ap);
 * DESCRIPTION
 *	Functions that fail put the reason into the caller's struct
 *	strbuf *why (STYLE.md, "Errors and return values").  These are the
 *	one way to do it, so that each module's "why" helper is a line.
 *
 *	reason_set() replaces the contents of why with the formatted text;
 *	reason_append() appends it (after a prefix such as "FILE, line N: "
 *	that the caller put there).  The v forms take a va_list.  why may
 *	be NULL: the caller's caller did not want a reason.
 *
 *	A reason is never lost and never silently cut: one longer than
 *	REASON_MAX - 1 bytes, or than what is left of why->max, is cut so
 *	that it ends in REASON_CUT ("...") within the limit.  A format
 *	that fails (vsnprintf() < 0) leaves "(reason cannot be
 *	formatted)".
 * DIAGNOSTICS
 *	1 when the text was cut, else 0 (also when why is NULL).
 * SECURITY
 *	The text is copied as is: callers escape untrusted text with
 *	log_printable() first, and never pass a secret.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reason.h"
#include "strbuf.h"

#define REASON_BAD_FORMAT	"(reason cannot be formatted)"

/* reason_vappend - append a formatted reason, cut and marked if need be */

int
reason_vappend(struct strbuf *why, const char *fmt, va_list ap)
{
	char    buf[REASON_MAX];
	size_t  mark = sizeof(REASON_CUT) - 1;
	size_t  room;
	size_t  len;
	int     cut = 0;
	int     n;

	if (why == NULL)
		return (0);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0) {
		memcpy(buf, REASON_BAD_FORMAT, sizeof(REASON_BAD_FORMAT));
	} else if ((size_t) n >= sizeof(buf)) {
		memcpy(buf + sizeof(buf) - 1 - mark, REASON_CUT, mark + 1);
		cut = 1;
	}
	len = strlen(buf);
	room = why->max - strbuf_len(why);
	if (len <= room) {
		(void) strbuf_append(why, buf, len);
		return (cut);
	}
	/* Cut to what is left of why, the mark included when it fits. */
	if (room >= mark) {
		(void) strbuf_append(why, buf, room - mark);
		(void) strbuf_append(why, REASON_CUT, mark);
	} else
		(void) strbuf_append(why, buf, room);
	return (1);
}

/* reason_append - append a formatted reason */

int
reason_append(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;
	int     cut;

	va_start(ap, fmt);
	cut = reason_vappend(why, fmt, ap);
	va_end(ap);
	return (cut);
}

/* reason_vset - replace why with a formatted reason */

int
reason_vset(struct strbuf *why, const char *fmt, va_list ap)
{
	if (why == NULL)
		return (0);
	strbuf_reset(why);
	return (reason_vappend(why, fmt, ap));
}

/* reason_set - replace why with a formatted reason */

int
reason_set(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;
	int     cut;

	va_start(ap, fmt);
	cut = reason_vset(why, fmt, ap);
	va_end(ap);
	return (cut);
}
