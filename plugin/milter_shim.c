/*
 * NAME
 *	milter_shim - the smfi_* calls of popconn-milter, replaceable
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	See milter.h.
 * DESCRIPTION
 *	Every libmilter call of the callbacks goes through here, so unit
 *	tests can run them without an MTA: milter_shim_set() installs
 *	functions that record what the milter asked for.  libmilter's
 *	prototypes take "char *" for strings it does not modify; the casts
 *	to drop const live here and nowhere else.
 * DIAGNOSTICS
 *	MI_SUCCESS or MI_FAILURE, as libmilter.
 * SECURITY
 *	The ops pointer is set once, before any callback runs (tests only);
 *	it is not changed while the milter runs.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stddef.h>

#include "milter.h"

static const struct milter_shim_ops *milter_shim_ops;

/* milter_shim_unconst - libmilter's prototypes lack const */

static char *
milter_shim_unconst(const char *s)
{
	return ((char *)(uintptr_t)s);
}

/* milter_shim_set - divert the smfi_* calls (NULL: libmilter) */

void
milter_shim_set(const struct milter_shim_ops *ops)
{
	milter_shim_ops = ops;
}

/* milter_shim_getpriv - smfi_getpriv */

void   *
milter_shim_getpriv(SMFICTX *ctx)
{
	if (milter_shim_ops)
		return (milter_shim_ops->getpriv(ctx));
	return (smfi_getpriv(ctx));
}

/* milter_shim_setpriv - smfi_setpriv */

int
milter_shim_setpriv(SMFICTX *ctx, void *priv)
{
	if (milter_shim_ops)
		return (milter_shim_ops->setpriv(ctx, priv));
	return (smfi_setpriv(ctx, priv));
}

/* milter_shim_getsymval - smfi_getsymval */

const char *
milter_shim_getsymval(SMFICTX *ctx, const char *name)
{
	if (milter_shim_ops)
		return (milter_shim_ops->getsymval(ctx, name));
	return (smfi_getsymval(ctx, milter_shim_unconst(name)));
}

/* milter_shim_chgheader - smfi_chgheader (value NULL deletes) */

int
milter_shim_chgheader(SMFICTX *ctx, const char *name, int idx,
    const char *value)
{
	if (milter_shim_ops)
		return (milter_shim_ops->chgheader(ctx, name, idx, value));
	return (smfi_chgheader(ctx, milter_shim_unconst(name), idx,
	    milter_shim_unconst(value)));
}

/* milter_shim_insheader - smfi_insheader (0: the top) */

int
milter_shim_insheader(SMFICTX *ctx, int idx, const char *name,
    const char *value)
{
	if (milter_shim_ops)
		return (milter_shim_ops->insheader(ctx, idx, name, value));
	return (smfi_insheader(ctx, idx, milter_shim_unconst(name),
	    milter_shim_unconst(value)));
}

/* milter_shim_addrcpt - smfi_addrcpt */

int
milter_shim_addrcpt(SMFICTX *ctx, const char *rcpt)
{
	if (milter_shim_ops)
		return (milter_shim_ops->addrcpt(ctx, rcpt));
	return (smfi_addrcpt(ctx, milter_shim_unconst(rcpt)));
}

/* milter_shim_delrcpt - smfi_delrcpt */

int
milter_shim_delrcpt(SMFICTX *ctx, const char *rcpt)
{
	if (milter_shim_ops)
		return (milter_shim_ops->delrcpt(ctx, rcpt));
	return (smfi_delrcpt(ctx, milter_shim_unconst(rcpt)));
}
