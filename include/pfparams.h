/*
 * NAME
 *	pfparams.h - the Postfix parameters that decide what cleanup does
 * SYNOPSIS
 *	int pf_params_load(const char *postfix_conf, struct pf_params *p,
 *		struct strbuf *why);
 *	int pf_params_parse(const char *text, size_t len,
 *		struct pf_params *p, struct strbuf *why);
 *	void pf_params_defaults(struct pf_params *p, const char *hostname);
 *	void pf_params_free(struct pf_params *p);
 * DESCRIPTION
 *	What a non-SMTP milter sees of a message is what cleanup(8) made
 *	of it, and what Postfix then does with a recipient depends on the
 *	site's main.cf.  popconn-milter and "popconnctl route test" read
 *	the same values here, so that both decide alike:
 *
 *	myhostname, mydomain, myorigin, append_at_myorigin,
 *	append_dot_mydomain, swap_bangpath, allow_percent_hack: how
 *	cleanup rewrites the addresses of To:, Cc: and the like;
 *	recipient_delimiter: how an address extension is split off;
 *	header_address_token_limit, header_size_limit: where cleanup cuts
 *	a long header;
 *	mydestination, virtual_mailbox_domains, virtual_alias_domains:
 *	the domains this Postfix delivers itself (p->local_domains, a
 *	comma-separated list; entries that are tables, "type:name" or a
 *	"/file", are left out and named in p->skipped; each class is also
 *	kept alone);
 *	local_recipient_maps, virtual_mailbox_maps, virtual_alias_maps: the
 *	tables Postfix checks a recipient against (route_postfix.c).
 *
 *	pf_params_load() runs "/usr/sbin/postconf [-c postfix_conf] -x
 *	NAME..." (no shell, 30 s at most) and parses its output with
 *	pf_params_parse(): "name = value" lines, any order, unknown names
 *	ignored.  When postconf cannot be run, p holds Postfix's own
 *	defaults (pf_params_defaults(), the host name from gethostname())
 *	and p->from_postconf is 0; the reason is in why.
 * DIAGNOSTICS
 *	PC_OK; PC_TEMP when postconf could not be run or failed (p has the
 *	defaults then); PC_PERM for output that does not parse.
 * SECURITY
 *	postconf's output is bounded (64 KB); a value longer than
 *	PF_VALUE_MAX is refused.
 */
#ifndef PFPARAMS_H
#define PFPARAMS_H

#include <stddef.h>
#include "strbuf.h"

#define PF_VALUE_MAX	4096
#define PF_POSTCONF	"/usr/sbin/postconf"

struct pf_params {
	char	*myhostname;
	char	*mydomain;
	char	*myorigin;
	char	*recipient_delimiter;	/* "" when none */
	char	*local_domains;		/* see above */
	char	*skipped;		/* table entries left out */
	char	*mydestination;		/* each class alone, plain domains */
	char	*virtual_mailbox_domains;
	char	*virtual_alias_domains;
	char	*local_recipient_maps;	/* as postconf -x prints them */
	char	*virtual_mailbox_maps;
	char	*virtual_alias_maps;
	int	append_at_myorigin;
	int	append_dot_mydomain;
	int	swap_bangpath;
	int	allow_percent_hack;
	long	header_address_token_limit;
	long	header_size_limit;
	int	from_postconf;
};

int pf_params_load(const char *postfix_conf, struct pf_params *p,
    struct strbuf *why);
int pf_params_parse(const char *text, size_t len, struct pf_params *p,
    struct strbuf *why);
void pf_params_defaults(struct pf_params *p, const char *hostname);
void pf_params_free(struct pf_params *p);

#endif
