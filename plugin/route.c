/*
 * NAME
 *	route - routing of global-mailbox mail
 * SYNOPSIS
 *	#include "route.h"
 *
 *	See route.h for the prototypes and who owns what.
 * DESCRIPTION
 *	A pure module: it reads only the headers it is given and the
 *	tables that were loaded before, so the milter, popconnctl and the
 *	unit tests share it.  The rules are listed in route.h; they are
 *	the original connector's (To/Cc, routing table, user@local domain,
 *	else the undeliverable mailbox) plus what it could not do: Bcc
 *	recipients recovered from the envelope headers of a trusted ISP,
 *	groups and comments parsed properly, loop detection.
 * DIAGNOSTICS
 *	PC_TEMP when a table lookup fails (the caller tempfails).
 * SECURITY
 *	Headers are untrusted.  No address outside local_domains is ever
 *	returned (DESIGN.md, invariant 4), whatever a table or a regex
 *	substitution says.  Every list is bounded.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "alloc.h"
#include "addr.h"
#include "log.h"
#include "strbuf.h"
#include "table.h"
#include "route.h"

/* Per-call state. */
struct route_state {
	const struct route_config *cfg;
	struct route_result *r;
	struct table_hit *hit;
	struct strbuf *why;
	char	**seen;		/* hash set of candidates, lower case */
	size_t	nseen;
	size_t	seencap;	/* a power of two */
	int	unknown;	/* the undeliverable mailbox was added */
	int	overflow;
};

static const char *const route_addr_headers[] = {
	"To", "Cc", "Resent-To", "Resent-Cc",
};

static const char *const route_env_headers[] = {
	"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
};

/* route_hash - FNV-1a */

static size_t
route_hash(const char *s)
{
	size_t	h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h);
}

/* route_seen - add s (taken over) to the set; 1 if it was there */

static int
route_seen(struct route_state *st, char *s)
{
	size_t	i, j, mask;

	if (2 * (st->nseen + 1) > st->seencap) {
		size_t	ocap = st->seencap;
		char  **old = st->seen;

		st->seencap = ocap ? 2 * ocap : 64;
		st->seen = xcalloc(st->seencap, sizeof(*st->seen));
		mask = st->seencap - 1;
		for (i = 0; i < ocap; i++) {
			if (old[i] == NULL)
				continue;
			for (j = route_hash(old[i]) & mask; st->seen[j];
			    j = (j + 1) & mask)
				;
			st->seen[j] = old[i];
		}
		free(old);
	}
	mask = st->seencap - 1;
	for (j = route_hash(s) & mask; st->seen[j]; j = (j + 1) & mask) {
		if (strcmp(st->seen[j], s) == 0) {
			free(s);
			return (1);
		}
	}
	st->seen[j] = s;
	st->nseen++;
	return (0);
}

/* route_result_init - an empty result */

void
route_result_init(struct route_result *r)
{
	memset(r, 0, sizeof(*r));
	r->reason = strbuf_alloc(ROUTE_NOTES_MAX);
	r->notes = strbuf_alloc(ROUTE_NOTES_MAX);
}

/* route_result_clear - drop the recipients */

static void
route_result_clear(struct route_result *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].addr);
		free(r->v[i].reason);
	}
	r->n = 0;
}

/* route_result_free - free a result */

void
route_result_free(struct route_result *r)
{
	route_result_clear(r);
	free(r->v);
	strbuf_free(r->reason);
	strbuf_free(r->notes);
	memset(r, 0, sizeof(*r));
}

/* route_note - add to the notes; they are for the log, "..." when full */

static void PC_PRINTF(2, 3)
route_note(struct route_result *r, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r->notes->len > 0 && strbuf_puts(r->notes, "; ") != 0)
		return;
	if (strbuf_puts(r->notes, buf) != 0 && r->notes->len + 4 <=
	    r->notes->max)
		(void)strbuf_puts(r->notes, "...");
}

/* route_domains_parse - split local_domains, folded to lower case */

size_t
route_domains_parse(const char *list, char ***vp)
{
	const char *p = list ? list : "";
	char  **v = NULL, *d;
	size_t	n = 0, len, i;

	for (;;) {
		p += strspn(p, ", \t\r\n");
		if ((len = strcspn(p, ", \t\r\n")) == 0)
			break;
		d = xstrndup(p, len);
		for (i = 0; i < len; i++)
			d[i] = (char)tolower((unsigned char)d[i]);
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = d;
		p += len;
	}
	*vp = v;
	return (n);
}

/* route_domains_free - free a domain list */

void
route_domains_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* route_is_local - is addr's domain one of local_domains? */

int
route_is_local(const struct route_config *cfg, const char *addr)
{
	const char *at;
	size_t	i;

	if (addr_split(addr, &at) == 0 || at == NULL)
		return (0);
	for (i = 0; i < cfg->ndomains; i++)
		if (strcasecmp(at + 1, cfg->domains[i]) == 0)
			return (1);
	return (0);
}

/*
 * route_local_ok - may addr be added as a recipient?  Invariant 4: only
 * an address Postfix delivers here.  Its domain must be one of
 * local_domains, and its local part must not be one that Postfix's
 * resolver turns into another address: "%" (allow_percent_hack), "!"
 * (swap_bangpath), "@" or any quoted local part (resolve_dequoted_address
 * unquotes "a@b"@here), and no source route.  0 and the reason in why
 * when it is refused.
 */

int
route_local_ok(const struct route_config *cfg, const char *addr, int routed,
    struct strbuf *why)
{
	const char *at;
	size_t	llen = addr_split(addr, &at), i;

	if (at == NULL || llen == 0) {
		strbuf_printf(why, "no domain");
		return (0);
	}
	if (!route_is_local(cfg, addr)) {
		strbuf_printf(why, "not in local_domains");
		return (0);
	}
	if (routed) {
		strbuf_printf(why, "source route");
		return (0);
	}
	if (addr[0] == '"') {
		strbuf_printf(why, "quoted local part");
		return (0);
	}
	for (i = 0; i < llen; i++) {
		if (strchr("%!@", addr[i]) != NULL) {
			strbuf_printf(why, "'%c' in the local part (Postfix "
			    "would route it elsewhere)", addr[i]);
			return (0);
		}
		if ((unsigned char)addr[i] < 0x21 || addr[i] == 0x7f) {
			strbuf_printf(why, "control character in the local "
			    "part");
			return (0);
		}
	}
	if (addr[0] == '|' || addr[0] == '/') {
		strbuf_printf(why, "local part starts with '%c'", addr[0]);
		return (0);
	}
	return (1);
}

/* route_strip - addr without surrounding angle brackets, into buf */

static const char *
route_strip(const char *s, char *buf, size_t size)
{
	size_t	len = strlen(s);

	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		if (len - 2 >= size)
			return (NULL);
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = 0;
		return (buf);
	}
	if (len >= size)
		return (NULL);
	memcpy(buf, s, len + 1);
	return (buf);
}

/* route_placeholder_match - is seen the fetcher's placeholder? */

int
route_placeholder_match(const char *placeholder, const char *seen)
{
	char	a[ADDR_SPEC_MAX + 1], b[ADDR_SPEC_MAX + 1];
	const char *pa, *pb, *at;

	if ((pa = route_strip(placeholder, a, sizeof(a))) == NULL ||
	    (pb = route_strip(seen, b, sizeof(b))) == NULL || *pa == 0 ||
	    *pb == 0)
		return (0);
	if (strcasecmp(pa, pb) == 0)
		return (1);
	/* "postmaster" becomes postmaster@$myorigin in Postfix. */
	if (strchr(pa, '@') == NULL && (at = strrchr(pb, '@')) != NULL &&
	    (size_t)(at - pb) == strlen(pa) && strncasecmp(pa, pb,
	    strlen(pa)) == 0)
		return (1);
	return (0);
}

/* route_name_in - is name one of list (case-insensitive)? */

static int
route_name_in(const char *name, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return (1);
	return (0);
}

/* route_lower - a lower-case copy of the local part, domain as is */

static char *
route_lower(const char *addr)
{
	char   *s = xstrdup(addr), *p;

	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return (s);
}

/* route_add_rcpt - add one recipient (already known to be local) */

static int
route_add_rcpt(struct route_state *st, const char *addr, const char *reason)
{
	struct route_result *r = st->r;
	const struct table_list *rm = st->cfg->recipients;
	size_t	i;
	int	err, found;

	/* recipient_maps: an unknown recipient goes to the mailbox. */
	found = 1;
	if (rm != NULL && rm->n > 0) {
		for (found = 0, i = 0; i < rm->n && !found; i++) {
			if (table_get_addr(rm->v[i], addr, 1, st->cfg->delim,
			    st->hit, &err) != NULL)
				found = 1;
			if (err != PC_OK) {
				strbuf_printf(st->why, "recipient_maps: %s",
				    strbuf_str(st->hit->why));
				return (PC_TEMP);
			}
		}
	} else if (st->cfg->pfcheck != NULL) {
		/* Postfix's own tables: what it would bounce as unknown. */
		found = route_pfcheck_known(st->cfg->pfcheck, addr,
		    st->cfg->delim, st->hit, &err);
		if (err != PC_OK) {
			strbuf_printf(st->why, "Postfix's recipient tables: %s",
			    strbuf_str(st->hit->why));
			return (PC_TEMP);
		}
	}
	if (!found) {
		route_note(r, "%s: unknown recipient (%s)", addr, rm != NULL &&
		    rm->n > 0 ? "recipient_maps" : "Postfix's tables");
		if (st->unknown)
			return (PC_OK);
		st->unknown = 1;
		addr = st->cfg->undeliverable;
		reason = "unknown recipient; undeliverable mailbox";
	}
	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->v[i].addr, addr) == 0)
			return (PC_OK);
	if (r->n >= st->cfg->max_recipients) {
		st->overflow = 1;
		return (PC_OK);
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n].addr = xstrdup(addr);
	r->v[r->n].reason = xstrdup(reason);
	r->n++;
	return (PC_OK);
}

/* route_add_result - add the recipients a table result names */

static int
route_add_result(struct route_state *st, const char *value,
    const char *reason)
{
	struct strbuf *q = strbuf_alloc(ADDR_SPEC_MAX + 256);
	struct strbuf *w = strbuf_alloc(256);
	const char *p = value;
	size_t	len;
	int	rc = PC_OK;

	while (rc == PC_OK) {
		struct addr_list l;

		p += strspn(p, ", \t\r\n");
		if ((len = strcspn(p, ", \t\r\n")) == 0)
			break;
		memset(&l, 0, sizeof(l));
		strbuf_reset(q);
		if (strbuf_append(q, p, len) != 0 || (memchr(p, '@', len) ==
		    NULL && (st->cfg->ndomains == 0 || strbuf_appendf(q, "@%s",
		    st->cfg->domains[0]) != 0))) {
			route_note(st->r, "table result %.*s refused (too long "
			    "or no local domain)", (int)(len > 100 ? 100 : len),
			    p);
		} else if (addr_parse(q->data, q->len, 1, &l, w) != PC_OK ||
		    l.n != 1 || l.bad != 0 || *l.v[0].name) {
			route_note(st->r, "table result %.*s refused (not an "
			    "address)", (int)(len > 100 ? 100 : len), p);
		} else if (!route_local_ok(st->cfg, l.v[0].addr,
		    l.v[0].routed, w)) {
			/* Invariant 4: never a recipient outside. */
			route_note(st->r, "table result %s refused (%s)",
			    l.v[0].addr, strbuf_str(w));
			log_warn("%s: result %s refused: %s", reason,
			    l.v[0].addr, strbuf_str(w));
		} else
			rc = route_add_rcpt(st, l.v[0].addr, reason);
		addr_list_free(&l);
		p += len;
	}
	strbuf_free(q);
	strbuf_free(w);
	return (rc);
}

/* route_one - route one candidate address */

static int
route_one(struct route_state *st, const char *hname, const char *addr,
    int routed)
{
	const struct table_list *tl = st->cfg->routing;
	struct strbuf *reason = strbuf_alloc(ROUTE_NOTES_MAX);
	struct strbuf *w;
	const char *v;
	size_t	i;
	int	local = route_is_local(st->cfg, addr), err, rc = PC_OK;
	char   *low;

	for (i = 0; tl != NULL && i < tl->n; i++) {
		v = table_get_addr(tl->v[i], addr, local, st->cfg->delim,
		    st->hit, &err);
		if (err != PC_OK) {
			strbuf_printf(st->why, "routing_maps: %s",
			    strbuf_str(st->hit->why));
			rc = PC_TEMP;
			goto out;
		}
		if (v != NULL) {
			char   *val = xstrdup(v);

			strbuf_printf(reason, "%s: %s via %s", hname, addr,
			    strbuf_str(st->hit->where));
			rc = route_add_result(st, val, strbuf_str(reason));
			free(val);
			goto out;
		}
	}
	w = strbuf_alloc(256);
	if (local && route_local_ok(st->cfg, addr, routed, w)) {
		low = route_lower(addr);
		strbuf_printf(reason, "%s: default rule", hname);
		rc = route_add_rcpt(st, low, strbuf_str(reason));
		free(low);
	} else if (local) {
		/* Invariant 4: a local domain, but Postfix would relay it. */
		route_note(st->r, "%s: %s refused (%s)", hname, addr,
		    strbuf_str(w));
		log_warn("%s: %s refused: %s", hname, addr, strbuf_str(w));
	} else
		route_note(st->r, "%s: %s not local, no rule", hname, addr);
	strbuf_free(w);
out:
	strbuf_free(reason);
	return (rc);
}

/* route_header_text - regex tables against a header's unfolded text */

static int
route_header_text(struct route_state *st, const struct route_header *h)
{
	const struct table_list *tl = st->cfg->routing;
	struct strbuf *text, *reason;
	const char *v;
	size_t	i, len = h->len < ADDR_TEXT_MAX ? h->len : ADDR_TEXT_MAX;
	int	err, rc = PC_OK;

	if (tl == NULL)
		return (PC_OK);
	text = strbuf_alloc(ADDR_TEXT_MAX + 1);
	reason = strbuf_alloc(ROUTE_NOTES_MAX);
	for (i = 0; i < len; i++) {
		char	c = h->value[i];

		if (c == '\r' || c == '\n')
			continue;
		(void)strbuf_putc(text, c == 0 ? ' ' : c);
	}
	for (i = 0; i < tl->n && rc == PC_OK; i++) {
		if (!table_is_regex(tl->v[i]))
			continue;
		v = table_get(tl->v[i], strbuf_str(text), st->hit, &err);
		if (err != PC_OK) {
			strbuf_printf(st->why, "routing_maps: %s",
			    strbuf_str(st->hit->why));
			rc = PC_TEMP;
		} else if (v != NULL) {
			char   *val = xstrdup(v);

			strbuf_printf(reason, "%s: header text via %s",
			    h->name, strbuf_str(st->hit->where));
			rc = route_add_result(st, val, strbuf_str(reason));
			free(val);
		}
	}
	strbuf_free(text);
	strbuf_free(reason);
	return (rc);
}

/* route_loop - is this message looping?  Sets the reason. */

static int
route_loop(const struct route_config *cfg, const struct route_header *h,
    size_t nh, struct route_result *r)
{
	size_t	i, nrecv = 0, slen = strlen(cfg->site);

	for (i = 0; i < nh; i++) {
		if (strcasecmp(h[i].name, "Received") == 0)
			nrecv++;
		else if (strcasecmp(h[i].name, ROUTE_TRACE_HEADER) == 0) {
			const char *v = h[i].value;
			size_t	len = h[i].len;

			while (len > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				len--;
			}
			if (len > 3 + slen && strncasecmp(v, "by ", 3) == 0 &&
			    strncasecmp(v + 3, cfg->site, slen) == 0 &&
			    v[3 + slen] == ';') {
				strbuf_printf(r->reason, "mail loop: already "
				    "routed by %s (%s header)", cfg->site,
				    ROUTE_TRACE_HEADER);
				return (1);
			}
		}
	}
	if (nrecv > cfg->hop_limit) {
		strbuf_printf(r->reason, "mail loop: %zu Received: headers "
		    "(limit %zu)", nrecv, cfg->hop_limit);
		return (1);
	}
	return (0);
}

/*
 * route_cut - has Postfix cut this header?  cleanup(8) keeps at most
 * header_address_token_limit tokens of an address header and at most
 * header_size_limit bytes of any header, and drops the rest without a
 * word to the milter.  A list cut short must not be routed to what is
 * left of it: a header at the token limit, or within a tenth of the size
 * limit, counts as cut (the rewriting cleanup does after the cut moves
 * the size a little either way).
 */

static int
route_cut(const struct route_config *cfg, const struct route_header *h,
    struct route_result *r)
{
	size_t	size = strlen(h->name) + 2 + h->len;

	if (cfg->token_limit > 0 && addr_tok822_count(h->value, h->len,
	    cfg->token_limit) >= cfg->token_limit) {
		strbuf_printf(r->reason, "%s: header cut by Postfix at "
		    "header_address_token_limit (%zu tokens)", h->name,
		    cfg->token_limit);
		return (1);
	}
	if (cfg->size_limit > 0 && size >= cfg->size_limit - cfg->size_limit /
	    10) {
		strbuf_printf(r->reason, "%s: header cut by Postfix at "
		    "header_size_limit (%zu bytes)", h->name, cfg->size_limit);
		return (1);
	}
	return (0);
}

/*
 * route_env_block - where envelope headers count: the block the ISP's
 * delivery agent prepended, from just below the fetcher's own Received:
 * (or the top, in a message as the ISP stored it) to the next Received:.
 * Sets ok[i] for each envelope header that counts; notes the others.
 */

static void
route_env_block(const struct route_header *h, size_t nh,
    const struct route_env *env, unsigned char *ok, struct route_result *r)
{
	size_t	i, start = 0, end, seen = 0;
	int	named;

	for (i = 0; i < nh; i++) {
		if (strcasecmp(h[i].name, "Received") == 0 && h[i].len >=
		    sizeof(ROUTE_FETCHER_TOKEN) - 1 && memmem(h[i].value,
		    h[i].len, ROUTE_FETCHER_TOKEN, sizeof(ROUTE_FETCHER_TOKEN)
		    - 1) != NULL) {
			start = i + 1;
			break;
		}
	}
	for (end = start; end < nh; end++)
		if (strcasecmp(h[end].name, "Received") == 0)
			break;
	for (i = 0; i < nh; i++) {
		ok[i] = 0;
		named = env->header && *env->header ? strcasecmp(h[i].name,
		    env->header) == 0 : route_name_in(h[i].name,
		    route_env_headers, PC_ARRAY_LEN(route_env_headers));
		if (!named || !env->trust)
			continue;
		if (i < start || i >= end) {
			route_note(r, "%s: below the ISP's header block "
			    "(after a Received:): ignored", h[i].name);
			continue;
		}
		if (seen++ < (size_t)env->skip)
			continue;
		ok[i] = 1;
	}
}

/* route_message - decide the recipients of one message */

int
route_message(const struct route_config *cfg, const struct route_header *h,
    size_t nh, int trust_env, struct route_result *r, struct strbuf *why)
{
	struct route_env env = {trust_env, NULL, 0};

	return (route_message_env(cfg, h, nh, &env, r, why));
}

/* route_message_env - the same, with the mailbox's envelope settings */

int
route_message_env(const struct route_config *cfg,
    const struct route_header *h, size_t nh, const struct route_env *env,
    struct route_result *r, struct strbuf *why)
{
	unsigned char *envok = NULL;
	struct route_state st;
	struct strbuf *w = strbuf_alloc(256);
	size_t	i, j, k, total = 0;
	int	rc = PC_OK;

	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.r = r;
	st.why = why;
	st.hit = table_hit_alloc();
	route_result_clear(r);
	r->undeliverable = 0;
	strbuf_reset(r->reason);
	strbuf_reset(r->notes);
	if (route_loop(cfg, h, nh, r)) {
		r->undeliverable = 1;
		goto out;
	}
	envok = xcalloc(nh ? nh : 1, 1);
	route_env_block(h, nh, env, envok, r);
	for (i = 0; i < nh && rc == PC_OK && !st.overflow; i++) {
		struct addr_list l;

		if (!route_name_in(h[i].name, route_addr_headers,
		    PC_ARRAY_LEN(route_addr_headers)) && !envok[i])
			continue;
		if (route_cut(cfg, &h[i], r)) {
			r->undeliverable = 1;
			goto out;
		}
		memset(&l, 0, sizeof(l));
		if (addr_parse(h[i].value, h[i].len, ROUTE_ADDRS_MAX - total,
		    &l, w) != PC_OK) {
			if (total + l.n >= ROUTE_ADDRS_MAX)
				strbuf_printf(r->reason, "%s: more than %d "
				    "addresses in the message", h[i].name,
				    ROUTE_ADDRS_MAX);
			else
				strbuf_printf(r->reason, "%s: %s", h[i].name,
				    strbuf_str(w));
			r->undeliverable = 1;
			addr_list_free(&l);
			goto out;
		}
		total += l.n;
		if (l.bad > 0)
			route_note(r, "%s: %zu invalid address(es) skipped",
			    h[i].name, l.bad);
		for (j = 0; j < l.n && rc == PC_OK && !st.overflow; j++) {
			if (route_seen(&st, route_lower(l.v[j].addr)))
				continue;
			rc = route_one(&st, h[i].name, l.v[j].addr,
			    l.v[j].routed);
		}
		addr_list_free(&l);
		if (rc == PC_OK)
			rc = route_header_text(&st, &h[i]);
	}
	if (rc != PC_OK)
		goto out;
	if (st.overflow) {
		route_result_clear(r);
		strbuf_printf(r->reason, "more than %zu recipients",
		    cfg->max_recipients);
		r->undeliverable = 1;
	} else if (r->n == 0) {
		strbuf_printf(r->reason, "no routable recipient");
		r->undeliverable = 1;
	}
out:
	if (r->undeliverable)
		route_result_clear(r);	/* the mailbox alone, nothing else */
	for (k = 0; k < st.seencap; k++)
		free(st.seen[k]);
	free(st.seen);
	table_hit_free(st.hit);
	strbuf_free(w);
	free(envok);
	if (rc != PC_OK)
		route_result_clear(r);
	return (rc);
}

/*
 * route_trace - the value of our trace header, at most ROUTE_TRACE_MAX
 * bytes (libmilter refuses a header over 64 KB, and Postfix would retry
 * such a message for ever): the recipients that fit, then how many more
 * there are; the full list is the log's.
 */

int
route_trace(const struct route_config *cfg, const char *mailbox,
    const struct route_result *r, struct strbuf *out)
{
	char	buf[ADDR_SPEC_MAX + ROUTE_NOTES_MAX + 16];
	size_t	i;
	int	n;

	if (strbuf_printf(out, "by %s; mailbox=%s;", cfg->site, mailbox) != 0)
		return (-1);
	if (r->undeliverable)
		return (strbuf_appendf(out, "\n\t<%s> (undeliverable: %.*s);",
		    cfg->undeliverable, ROUTE_TRACE_MAX / 2,
		    strbuf_str(r->reason)));
	for (i = 0; i < r->n; i++) {
		n = snprintf(buf, sizeof(buf), "\n\t<%s> (%s);", r->v[i].addr,
		    r->v[i].reason);
		if (n < 0 || (size_t)n >= sizeof(buf) || out->len + (size_t)n +
		    64 > ROUTE_TRACE_MAX)
			break;
		if (strbuf_puts(out, buf) != 0)
			return (-1);
	}
	if (i < r->n && strbuf_appendf(out, "\n\t(%zu more recipients; the "
	    "full list is in the log)", r->n - i) != 0)
		return (-1);
	return (0);
}
