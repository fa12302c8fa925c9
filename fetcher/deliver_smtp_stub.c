/*
 * NAME
 *	deliver_smtp_stub - TEMPORARY: delivery_method = smtp, not built
 * SYNOPSIS
 *	See deliver.h.
 * DESCRIPTION
 *	TEMPORARY, DELETE AT MERGE: the SMTP transport (deliver_smtp.c) is
 *	written on the "smtp" branch against deliver.h.  Until it lands,
 *	this stand-in refuses delivery_method = smtp with a clear reason, so
 *	the branch builds and a mailbox configured for smtp fails loudly
 *	(PC_PERM for the session) instead of silently using sendmail.  The
 *	lead deletes this file when deliver_smtp.c is merged (both define
 *	deliver_smtp_open()).
 * DIAGNOSTICS
 *	deliver_smtp_open() returns NULL with the reason in why.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include "popconn.h"
#include "deliver.h"

/* deliver_smtp_open - not built in this tree */

struct deliver *
deliver_smtp_open(const struct fetcher_settings *s, const char *acct,
    struct strbuf *why)
{
	(void)s;
	(void)acct;
	strbuf_printf(why, "delivery_method = smtp: the SMTP transport is not "
	    "built in this tree");
	return (NULL);
}
