/*
 * NAME
 *	route_cleanup - what cleanup(8) does to headers before the milter
 * SYNOPSIS
 *	#include "route.h"
 *
 *	int route_cleanup_headers(const struct pf_params *pf,
 *		const char *text, size_t len, const char *const *keep,
 *		size_t nkeep, struct route_header **hv, size_t *nh,
 *		struct strbuf *notes);
 *	void route_cleanup_free(struct route_header *hv, size_t nh);
 * DESCRIPTION
 *	popconn-milter sees a message as cleanup(8) rewrote it; "popconnctl
 *	route test" reads the raw file.  So that both call route_message()
 *	on the same input (DESIGN.md, invariant 8), route test first does
 *	here what cleanup does to a locally submitted message, with the
 *	site's Postfix parameters (pfparams.h):
 *
 *	- the header ends at the first line that is neither a header nor a
 *	  continuation (Postfix starts the body there); "Name :" with white
 *	  space before the colon is a header (RFC 5322 section 4.5);
 *	- a header longer than header_size_limit bytes is cut there;
 *	- in To, Cc, Resent-To and Resent-Cc (the recipient headers cleanup
 *	  rewrites) at most header_address_token_limit tokens are kept, and
 *	  each address is rewritten as trivial-rewrite(8) does in the local
 *	  context: a source route is dropped; without '@', "host!user"
 *	  becomes "user@host" (swap_bangpath), else "user%host" becomes
 *	  "user@host" (allow_percent_hack), else "@$myorigin" is appended
 *	  (append_at_myorigin); a domain without a dot gets ".$mydomain"
 *	  (append_dot_mydomain); one trailing dot is removed.
 *
 *	Only headers named in keep are returned, unfolded as Postfix passes
 *	them (line breaks kept); notes says what was changed, for the
 *	person who asked.
 * DIAGNOSTICS
 *	PC_OK.  Nothing in the text can make it fail: what does not parse
 *	is passed on as it is, as cleanup does.
 * SECURITY
 *	text is untrusted: the number of headers and every buffer are
 *	bounded by len; no recursion.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "alloc.h"
#include "addr.h"
#include "pfparams.h"
#include "strbuf.h"
#include "route.h"

/* Recipient headers cleanup rewrites (and route.c reads). */
static const char *const rc_rewritten[] = {
	"To", "Cc", "Resent-To", "Resent-Cc",
};

enum rc_type {
	RC_ATOM, RC_QSTR, RC_DLIT, RC_COMMENT, RC_OP,
};

struct rc_tok {
	enum rc_type type;
	char	ch;		/* RC_OP */
	const char *s;		/* source text, delimiters included */
	size_t	len;
};

struct rc_toks {
	struct rc_tok *v;
	size_t	n;
	size_t	cap;
};

/* rc_push - append a token */

static void
rc_push(struct rc_toks *t, enum rc_type type, char ch, const char *s,
    size_t len)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n].type = type;
	t->v[t->n].ch = ch;
	t->v[t->n].s = s;
	t->v[t->n].len = len;
	t->n++;
}

/* rc_scan - tokens as tok822_scan_limit() makes them; 1 if cut */

static int
rc_scan(const char *text, size_t len, size_t limit, struct rc_toks *t)
{
	const char *p = text, *end = text + len, *start;
	int	type;

	while ((p = addr_tok822_next(p, end, &start, &type)) != NULL) {
		if (limit > 0 && t->n >= limit)
			return (1);
		rc_push(t, type == 'a' ? RC_ATOM : type == 'q' ? RC_QSTR :
		    type == 'd' ? RC_DLIT : type == 'c' ? RC_COMMENT : RC_OP,
		    type == 'a' || type == 'q' || type == 'd' || type == 'c' ?
		    0 : (char)type, start, (size_t)(p - start));
	}
	return (0);
}

/* rc_is - token i is the operator ch */

static int
rc_is(const struct rc_toks *t, size_t i, char ch)
{
	return (i < t->n && t->v[i].type == RC_OP && t->v[i].ch == ch);
}

/* rc_emit - append tokens [a, b) with Postfix's spacing */

static void
rc_emit(struct strbuf *out, const struct rc_toks *t, size_t a, size_t b)
{
	size_t	i;
	int	prev_word = 0, word;

	for (i = a; i < b; i++) {
		word = t->v[i].type != RC_OP;
		if (((prev_word && word) || rc_is(t, i, '<')) && out->len > 0 &&
		    out->data[out->len - 1] != ' ')
			(void)strbuf_putc(out, ' ');
		(void)strbuf_append(out, t->v[i].s, t->v[i].len);
		prev_word = word;
	}
}

/*
 * rc_addr - append the address of tokens [a, b) (no comments), as
 * trivial-rewrite's local context leaves it
 */

static void
rc_addr(struct strbuf *out, const struct pf_params *pf,
    const struct rc_toks *t, size_t a, size_t b, int *changed)
{
	size_t	i, at = (size_t)-1, bang = (size_t)-1, pct = (size_t)-1;
	size_t	start = out->len;
	int	dot = 0;

	/* A source route goes. */
	if (rc_is(t, a, '@')) {
		for (i = a; i < b && !rc_is(t, i, ':'); i++)
			;
		if (i + 1 < b) {
			a = i + 1;
			*changed = 1;
		}
	}
	for (i = a; i < b; i++) {
		if (rc_is(t, i, '@'))
			at = i;
		else if (rc_is(t, i, '!') && bang == (size_t)-1)
			bang = i;
		else if (rc_is(t, i, '%'))
			pct = i;
	}
	if (at == (size_t)-1 && pf->swap_bangpath && bang != (size_t)-1 &&
	    bang + 1 < b) {
		rc_emit(out, t, bang + 1, b);
		(void)strbuf_putc(out, '@');
		rc_emit(out, t, a, bang);
		*changed = 1;
	} else if (at == (size_t)-1 && pf->allow_percent_hack &&
	    pct != (size_t)-1) {
		rc_emit(out, t, a, pct);
		(void)strbuf_putc(out, '@');
		rc_emit(out, t, pct + 1, b);
		*changed = 1;
	} else {
		rc_emit(out, t, a, b);
		if (at == (size_t)-1 && pf->append_at_myorigin && a < b) {
			(void)strbuf_appendf(out, "@%s", pf->myorigin);
			*changed = 1;
		}
	}
	/* The domain: after the last '@' of what was written. */
	{
		char   *s = out->data + start;
		char   *d = strrchr(s, '@');
		size_t	dl;

		if (d == NULL || d[1] == 0 || d[1] == '[')
			return;
		d++;
		dl = strlen(d);
		dot = memchr(d, '.', dl) != NULL;
		if (pf->append_dot_mydomain && !dot && *pf->mydomain) {
			(void)strbuf_appendf(out, ".%s", pf->mydomain);
			*changed = 1;
			return;
		}
		if (dl >= 2 && d[dl - 1] == '.' && d[dl - 2] != '.') {
			strbuf_truncate(out, out->len - 1);
			*changed = 1;
		}
	}
}

/* rc_rewrite - cleanup's rewriting of one recipient header value */

static void
rc_rewrite(const struct pf_params *pf, const char *v, size_t len,
    struct strbuf *out, int *cut, int *changed)
{
	struct rc_toks t;
	size_t	i, e, lt, gt, j;
	int	depth;

	memset(&t, 0, sizeof(t));
	*cut = rc_scan(v, len, (size_t)pf->header_address_token_limit, &t);
	strbuf_reset(out);
	for (i = 0; i < t.n; i = e) {
		/* One element: up to a ',' or ';' outside angle brackets. */
		if (rc_is(&t, i, ',') || rc_is(&t, i, ';')) {
			(void)strbuf_appendf(out, "%c ", t.v[i].ch);
			e = i + 1;
			continue;
		}
		for (depth = 0, e = i; e < t.n; e++) {
			if (rc_is(&t, e, '<'))
				depth++;
			else if (rc_is(&t, e, '>') && depth > 0)
				depth--;
			else if (depth == 0 && (rc_is(&t, e, ',') ||
			    rc_is(&t, e, ';')))
				break;
			else if (depth == 0 && rc_is(&t, e, ':')) {
				/* A group's name: as it is. */
				rc_emit(out, &t, i, e + 1);
				(void)strbuf_putc(out, ' ');
				i = e + 1;
			}
		}
		for (lt = i; lt < e && !rc_is(&t, lt, '<'); lt++)
			;
		for (gt = e; gt > lt && !rc_is(&t, gt - 1, '>'); gt--)
			;
		if (lt < e && gt > lt + 1) {
			/* phrase <addr> */
			rc_emit(out, &t, i, lt + 1);
			rc_addr(out, pf, &t, lt + 1, gt - 1, changed);
			rc_emit(out, &t, gt - 1, e);
			continue;
		}
		/* A bare address: its non-comment tokens; comments after. */
		for (j = i; j < e; j++)
			if (t.v[j].type == RC_COMMENT)
				break;
		if (j == e) {
			rc_addr(out, pf, &t, i, e, changed);
		} else {
			struct rc_toks a;

			memset(&a, 0, sizeof(a));
			for (j = i; j < e; j++)
				if (t.v[j].type != RC_COMMENT)
					rc_push(&a, t.v[j].type, t.v[j].ch,
					    t.v[j].s, t.v[j].len);
			if (a.n > 0)
				rc_addr(out, pf, &a, 0, a.n, changed);
			for (j = i; j < e; j++)
				if (t.v[j].type == RC_COMMENT) {
					(void)strbuf_putc(out, ' ');
					(void)strbuf_append(out, t.v[j].s,
					    t.v[j].len);
				}
			free(a.v);
		}
	}
	free(t.v);
}

/* rc_header_name - length of the name if line is a header (is_header) */

static size_t
rc_header_name(const char *p, size_t len, size_t *colon)
{
	size_t	i, n = 0;
	int	space = 0;

	for (i = 0; i < len && p[i] != ':'; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ' ' || c == '\t') {
			if (n == 0)
				return (0);
			space = 1;
			continue;
		}
		if (c >= 0x80 || c < 0x21 || c == 0x7f || space)
			return (0);
		n++;
	}
	if (i == len || n == 0)
		return (0);
	*colon = i;
	return (n);
}

/* route_cleanup_headers - the headers as a non-SMTP milter sees them */

int
route_cleanup_headers(const struct pf_params *pf, const char *text,
    size_t len, const char *const *keep, size_t nkeep,
    struct route_header **hvp, size_t *nhp, struct strbuf *notes)
{
	const char *p = text, *end = text + len, *nl, *f;
	struct route_header *hv = NULL;
	/* Rewriting adds at most "@myorigin.mydomain" per token. */
	size_t	grow = 32 * len + 64 * 1024;
	struct strbuf *val = strbuf_alloc(grow);
	struct strbuf *rw = strbuf_alloc(grow);
	size_t	nh = 0, cap = 0, flen, nlen, colon, i, vlen;
	int	cut, changed;
	char	name[256];

	strbuf_reset(notes);
	while (p < end) {
		/* One field: this line and its continuations. */
		f = p;
		do {
			nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		} while (p < end && (*p == ' ' || *p == '\t'));
		flen = (size_t)(p - f);
		if ((nlen = rc_header_name(f, flen, &colon)) == 0)
			break;		/* the body starts here */
		if (nlen >= sizeof(name)) {
			continue;
		}
		/* header_size_limit cuts the whole field. */
		if (pf->header_size_limit > 0 && flen >
		    (size_t)pf->header_size_limit) {
			flen = (size_t)pf->header_size_limit;
			(void)strbuf_appendf(notes, "%s%.*s: cut at "
			    "header_size_limit (%ld bytes)", notes->len ? "; " :
			    "", (int)nlen, f, pf->header_size_limit);
		}
		memcpy(name, f, nlen);
		name[nlen] = 0;
		for (i = 0; i < nkeep; i++)
			if (strcasecmp(name, keep[i]) == 0)
				break;
		if (i == nkeep)
			continue;
		/* The value: after the colon and the blanks that follow. */
		strbuf_reset(val);
		for (i = colon + 1; i < flen && (f[i] == ' ' || f[i] == '\t');
		    i++)
			;
		for (vlen = flen; vlen > i && (f[vlen - 1] == '\n' ||
		    f[vlen - 1] == '\r'); vlen--)
			;
		for (; i < vlen; i++)
			if (f[i] != '\r')
				(void)strbuf_putc(val, f[i]);
		for (i = 0; i < PC_ARRAY_LEN(rc_rewritten); i++)
			if (strcasecmp(name, rc_rewritten[i]) == 0)
				break;
		if (i < PC_ARRAY_LEN(rc_rewritten)) {
			changed = 0;
			rc_rewrite(pf, val->data, val->len, rw, &cut, &changed);
			if (cut)
				(void)strbuf_appendf(notes, "%s%s: cut at "
				    "header_address_token_limit (%ld tokens)",
				    notes->len ? "; " : "", name,
				    pf->header_address_token_limit);
			else if (changed)
				(void)strbuf_appendf(notes, "%s%s: addresses "
				    "rewritten as cleanup does", notes->len ?
				    "; " : "", name);
			strbuf_reset(val);
			(void)strbuf_append(val, rw->data, rw->len);
		}
		if (nh == cap) {
			cap = cap ? 2 * cap : 16;
			hv = xrealloc(hv, cap * sizeof(*hv));
		}
		hv[nh].name = xstrdup(name);
		/* The milter gets a C string: a NUL ends the value there. */
		hv[nh].value = xstrndup(val->data, val->len);
		hv[nh].len = strlen(hv[nh].value);
		nh++;
	}
	strbuf_free(val);
	strbuf_free(rw);
	*hvp = hv;
	*nhp = nh;
	return (PC_OK);
}

/* route_cleanup_free - free what route_cleanup_headers() made */

void
route_cleanup_free(struct route_header *hv, size_t nh)
{
	size_t	i;

	for (i = 0; i < nh; i++) {
		free((void *)(uintptr_t)hv[i].name);
		free((void *)(uintptr_t)hv[i].value);
	}
	free(hv);
}
