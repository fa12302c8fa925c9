/*
 * NAME
 *	route_postfix - is a recipient one that Postfix will accept?
 * SYNOPSIS
 *	#include "route.h"
 *
 *	int route_pfcheck_open(const struct pf_params *pf,
 *		const char *postfix_conf, struct route_pfcheck *pc,
 *		struct strbuf *why);
 *	void route_pfcheck_free(struct route_pfcheck *pc);
 *	int route_pfcheck_known(const struct route_pfcheck *pc,
 *		const char *addr, const char *delim, struct table_hit *hit,
 *		int *err);
 * DESCRIPTION
 *	Without recipient_maps, the milter asks Postfix's own tables, so
 *	that a routed recipient Postfix would bounce as unknown (an address
 *	extension without recipient_delimiter, "root" on a virtual domain,
 *	a typo) goes to the undeliverable mailbox instead of bouncing to
 *	the sender (DESIGN.md, invariant 9).  The classes are Postfix's
 *	(ADDRESS_CLASS_README):
 *
 *	- any domain: virtual_alias_maps (full address, user@ for local
 *	  domains, @domain) names it: known;
 *	- a mydestination domain: local_recipient_maps (empty: every user
 *	  is known) names the local part;
 *	- a virtual_mailbox_domains domain: virtual_mailbox_maps names it;
 *	- a virtual_alias_domains domain: only virtual_alias_maps;
 *	- a domain Postfix does not name (local_domains set by hand):
 *	  known; popconn cannot tell.
 *
 *	route_pfcheck_open() opens the tables (table.h: texthash, pcre,
 *	the postmap types, unix:passwd.byname, proxy: prefixes).  When one
 *	cannot be opened (an ldap: or mysql: table, say), the check is off
 *	(pc->on is 0), why says so, and every recipient counts as known:
 *	better Postfix's bounce than mail tempfailed for ever.
 * DIAGNOSTICS
 *	route_pfcheck_known(): 1 known, 0 unknown; 0 with *err PC_TEMP when
 *	a lookup failed.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "alloc.h"
#include "addr.h"
#include "pfparams.h"
#include "strbuf.h"
#include "table.h"
#include "route.h"

/* rp_in - is domain (lower case) in the list? */

static int
rp_in(char *const *v, size_t n, const char *domain)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], domain) == 0)
			return (1);
	return (0);
}

/* rp_any - does a table of l know addr? 1, 0, or -1 (error) */

static int
rp_any(const struct table_list *l, const char *addr, int local,
    const char *delim, struct table_hit *hit, int *err)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		if (table_get_addr(l->v[i], addr, local, delim, hit, err) !=
		    NULL)
			return (1);
		if (*err != PC_OK)
			return (-1);
	}
	return (0);
}

/* route_pfcheck_open - Postfix's recipient tables */

int
route_pfcheck_open(const struct pf_params *pf, const char *postfix_conf,
    struct route_pfcheck *pc, struct strbuf *why)
{
	struct strbuf *w = strbuf_alloc(4096 + 256);
	int	rc;

	memset(pc, 0, sizeof(*pc));
	pc->nmydest = route_domains_parse(pf->mydestination, &pc->mydest);
	pc->nvmbox = route_domains_parse(pf->virtual_mailbox_domains,
	    &pc->vmbox);
	pc->nvalias = route_domains_parse(pf->virtual_alias_domains,
	    &pc->valias);
	if ((rc = table_list_open(pf->local_recipient_maps, postfix_conf,
	    &pc->local, w)) != PC_OK ||
	    (rc = table_list_open(pf->virtual_mailbox_maps, postfix_conf,
	    &pc->vmbox_maps, w)) != PC_OK ||
	    (rc = table_list_open(pf->virtual_alias_maps, postfix_conf,
	    &pc->valias_maps, w)) != PC_OK) {
		strbuf_printf(why, "Postfix's recipient tables cannot be "
		    "read (%s): routed recipients are not checked; set "
		    "recipient_maps", strbuf_str(w));
		strbuf_free(w);
		return (rc);
	}
	pc->on = 1;
	strbuf_free(w);
	return (PC_OK);
}

/* route_pfcheck_free - close the tables */

void
route_pfcheck_free(struct route_pfcheck *pc)
{
	route_domains_free(pc->mydest, pc->nmydest);
	route_domains_free(pc->vmbox, pc->nvmbox);
	route_domains_free(pc->valias, pc->nvalias);
	table_list_free(&pc->local);
	table_list_free(&pc->vmbox_maps);
	table_list_free(&pc->valias_maps);
	memset(pc, 0, sizeof(*pc));
}

/* route_pfcheck_known - would Postfix accept addr? */

int
route_pfcheck_known(const struct route_pfcheck *pc, const char *addr,
    const char *delim, struct table_hit *hit, int *err)
{
	const char *at;
	char   *local;
	size_t	llen = addr_split(addr, &at);
	int	r, mydest;

	*err = PC_OK;
	if (!pc->on || at == NULL)
		return (1);
	mydest = rp_in(pc->mydest, pc->nmydest, at + 1);
	if ((r = rp_any(&pc->valias_maps, addr, mydest, delim, hit, err)) != 0)
		return (r > 0);
	if (mydest) {
		if (pc->local.n == 0)
			return (1);
		/* local(8) looks up the local part alone */
		local = xstrndup(addr, llen);
		r = rp_any(&pc->local, local, 1, delim, hit, err);
		free(local);
		return (r > 0);
	}
	if (rp_in(pc->vmbox, pc->nvmbox, at + 1))
		return (rp_any(&pc->vmbox_maps, addr, 0, delim, hit, err) > 0);
	if (rp_in(pc->valias, pc->nvalias, at + 1))
		return (0);
	return (1);
}
