/*
 * NAME
 *	route.h - routing of global-mailbox mail (pure: no milter, no I/O)
 * SYNOPSIS
 *	void route_result_init(struct route_result *r);
 *	void route_result_free(struct route_result *r);
 *	int route_message(const struct route_config *cfg,
 *		const struct route_header *h, size_t nh, int trust_env,
 *		struct route_result *r, struct strbuf *why);
 *	int route_message_env(const struct route_config *cfg,
 *		const struct route_header *h, size_t nh,
 *		const struct route_env *env, struct route_result *r,
 *		struct strbuf *why);
 *	int route_trace(const struct route_config *cfg, const char *mailbox,
 *		const struct route_result *r, struct strbuf *out);
 *	int route_is_local(const struct route_config *cfg, const char *addr);
 *	int route_local_ok(const struct route_config *cfg, const char *addr,
 *		int routed, struct strbuf *why);
 *	int route_placeholder_match(const char *placeholder,
 *		const char *seen);
 *	size_t route_domains_parse(const char *list, char ***v);
 *		*v: caller frees with route_domains_free()
 *	void route_domains_free(char **v, size_t n);
 *	int route_cleanup_headers(const struct pf_params *pf,
 *		const char *text, size_t len, const char *const *keep,
 *		size_t nkeep, struct route_header **hv, size_t *nh,
 *		struct strbuf *notes);	(route_cleanup.c)
 *	void route_cleanup_free(struct route_header *hv, size_t nh);
 * DESCRIPTION
 *	route_message() decides where a message that the fetcher injected
 *	from a global mailbox goes, given its headers in order (h, nh) and
 *	whether the mailbox's ISP is trusted for envelope headers:
 *
 *	1. Loops: more than cfg->hop_limit Received: headers, or a
 *	   ROUTE_TRACE_HEADER that says "by <cfg->site>;", sends the
 *	   message to the undeliverable mailbox.
 *	2. Candidates: the addresses of To, Cc, Resent-To, Resent-Cc and,
 *	   with trust_env, Delivered-To, X-Original-To, Envelope-To,
 *	   X-Envelope-To (addr.h parser; duplicates count once).  An
 *	   envelope header counts only in the block the ISP's delivery
 *	   agent prepended: below the fetcher's own Received: (the first
 *	   one holding ROUTE_FETCHER_TOKEN; the top of a message without
 *	   one) and above the next Received:.  Others are noted and
 *	   ignored.  route_message_env() takes the mailbox's settings: with
 *	   env->header set, only that header is an envelope header, and its
 *	   first env->skip occurrences in the block are skipped (fetchmail's
 *	   "envelope N header").
 *	3. Each address is looked up in cfg->routing (in order, first hit
 *	   wins; table_get_addr() order).  A result lists one or more
 *	   recipients (commas or white space); an unqualified one gets the
 *	   first local domain.  Regex tables are also matched against the
 *	   text of each candidate header (unfolded value).
 *	4. Otherwise the default rule: user@<local domain> -> the local
 *	   recipient user@<local domain> (local part in lower case).
 *	   Table lookups split an address extension at cfg->delim
 *	   (Postfix's recipient_delimiter; "" or NULL: none).
 *	0. Cuts: an address header at cfg->token_limit tokens (Postfix's
 *	   header_address_token_limit) or within a tenth of cfg->size_limit
 *	   (header_size_limit) was cut short by cleanup: the message goes
 *	   to the undeliverable mailbox, never to what is left of the list.
 *	5. No recipient outside cfg->domains, ever, and none that Postfix
 *	   would send elsewhere (route_local_ok(): '%', '!', '@' or quotes
 *	   in the local part, a source route): refused and noted, whether
 *	   it comes from a header (default rule) or a table result.  With cfg->recipients set, a recipient
 *	   none of those tables lists is replaced by the undeliverable
 *	   mailbox (noted "unknown recipient").  Without recipient_maps,
 *	   cfg->pfcheck (Postfix's own tables, route_postfix.c) decides
 *	   the same way.  More than
 *	   cfg->max_recipients recipients: the undeliverable mailbox.
 *	6. Nothing routable: the undeliverable mailbox.
 *
 *	The result is either r->undeliverable set (r->n == 0, the reason
 *	in r->reason) or r->v[0..n) with a reason each ("To: default rule",
 *	"Cc: list@x.example via texthash:/etc/popconn/routing:3").
 *	r->notes lists what was refused or unroutable, for the log.
 *
 *	route_trace() formats the value of ROUTE_TRACE_HEADER: "by SITE;
 *	mailbox=NAME;" then one "<rcpt> (reason);" per recipient, each on
 *	its own folded line, at most ROUTE_TRACE_MAX bytes: past that,
 *	"(N more recipients; the full list is in the log)".
 *
 *	route_placeholder_match() says whether the envelope recipient seen
 *	by the milter is the fetcher's placeholder: equal (ignoring case
 *	and angle brackets), or, when the placeholder is unqualified
 *	(Postfix appends @$myorigin), with an equal local part.
 * DIAGNOSTICS
 *	route_message(): PC_OK, or PC_TEMP when a table lookup fails (the
 *	reason in why): the caller must try again later.
 * SECURITY
 *	Headers are untrusted; addresses are bounded by the addr.h limits
 *	and ROUTE_ADDRS_MAX per message.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>
#include "strbuf.h"
#include "table.h"

#define ROUTE_TRACE_HEADER	"X-Popconn-Routed"
#define ROUTE_ADDRS_MAX		10000	/* candidate addresses per message */
#define ROUTE_HOP_LIMIT		50	/* Postfix's hopcount_limit */
#define ROUTE_NOTES_MAX		4096
#define ROUTE_TRACE_MAX		8192	/* trace header value, bytes */

/* Postfix's own recipient tables (route_postfix.c). */
struct route_pfcheck {
	char	**mydest;
	size_t	nmydest;
	char	**vmbox;
	size_t	nvmbox;
	char	**valias;
	size_t	nvalias;
	struct table_list local;	/* local_recipient_maps */
	struct table_list vmbox_maps;	/* virtual_mailbox_maps */
	struct table_list valias_maps;	/* virtual_alias_maps */
	int	on;
};

struct route_config {
	char	**domains;		/* local_domains, lower case */
	size_t	ndomains;
	const char *undeliverable;	/* undeliverable_mailbox */
	const struct table_list *routing;	/* routing_maps */
	const struct table_list *recipients;	/* recipient_maps */
	size_t	max_recipients;
	size_t	hop_limit;
	const char *site;		/* our name in the trace header */
	const char *delim;		/* recipient_delimiter ("": none) */
	size_t	token_limit;		/* header_address_token_limit (0) */
	size_t	size_limit;		/* header_size_limit (0: none) */
	const struct route_pfcheck *pfcheck;	/* without recipient_maps */
};

struct route_header {
	const char *name;
	const char *value;
	size_t	len;
};

struct route_rcpt {
	char	*addr;
	char	*reason;
};

/* Envelope headers: trust_envelope_headers, envelope_header(_skip). */
struct route_env {
	int	trust;
	const char *header;		/* NULL or "": the usual four */
	int	skip;
};

/* How route.c knows the fetcher's own Received: field. */
#define ROUTE_FETCHER_TOKEN	"(popconn-fetcher)"

struct route_result {
	struct route_rcpt *v;
	size_t	n;
	size_t	cap;
	int	undeliverable;
	struct strbuf *reason;		/* why undeliverable */
	struct strbuf *notes;		/* refused / unroutable, for the log */
};

void route_result_init(struct route_result *r);
void route_result_free(struct route_result *r);
int route_message(const struct route_config *cfg,
    const struct route_header *h, size_t nh, int trust_env,
    struct route_result *r, struct strbuf *why);
int route_message_env(const struct route_config *cfg,
    const struct route_header *h, size_t nh, const struct route_env *env,
    struct route_result *r, struct strbuf *why);
int route_trace(const struct route_config *cfg, const char *mailbox,
    const struct route_result *r, struct strbuf *out);
int route_is_local(const struct route_config *cfg, const char *addr);
int route_local_ok(const struct route_config *cfg, const char *addr,
    int routed, struct strbuf *why);
int route_placeholder_match(const char *placeholder, const char *seen);
size_t route_domains_parse(const char *list, char ***v);
void route_domains_free(char **v, size_t n);

struct pf_params;
int route_cleanup_headers(const struct pf_params *pf, const char *text,
    size_t len, const char *const *keep, size_t nkeep,
    struct route_header **hv, size_t *nh, struct strbuf *notes);
void route_cleanup_free(struct route_header *hv, size_t nh);
int route_pfcheck_open(const struct pf_params *pf, const char *postfix_conf,
    struct route_pfcheck *pc, struct strbuf *why);
void route_pfcheck_free(struct route_pfcheck *pc);
int route_pfcheck_known(const struct route_pfcheck *pc, const char *addr,
    const char *delim, struct table_hit *hit, int *err);

#endif
