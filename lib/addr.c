/*
 * NAME
 *	addr - RFC 5322 address-list parser
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	int addr_parse(const char *text, size_t len, size_t max_addrs,
 *		struct addr_list *out, struct strbuf *why);
 *	void addr_list_free(struct addr_list *l);
 *	size_t addr_split(const char *addr, const char **at);
 * DESCRIPTION
 *	Two passes.  The lexer turns the header value into tokens (RFC
 *	5322 section 3.2: atoms, quoted strings, domain literals and the
 *	specials "<>@,;:."), dropping white space, folding and comments
 *	(section 3.2.2, nested up to ADDR_NEST_MAX) and unescaping quoted
 *	pairs.  The parser then walks the token array without recursion:
 *	a list is elements separated by ',' (empty ones allowed, section
 *	4.4); an element with a ':' outside angle brackets is a group
 *	(section 3.4) whose members run to ';'; a mailbox is either
 *	"[phrase] < [obs-route] addr-spec >" or a bare addr-spec.
 *
 *	Bytes 0x80-0xff are atom text (RFC 6532 section 3.2); the final
 *	addr-spec must be valid UTF-8.  RFC 2047 encoded words are decoded
 *	in display names only (RFC 2047 section 5(3)); the decoded bytes
 *	keep their charset, and control characters become '?'.
 *
 *	See addr.h for the interface.
 * DIAGNOSTICS
 *	PC_PERM for a header over ADDR_TEXT_MAX or more than max_addrs
 *	mailboxes; invalid elements are skipped and counted in out->bad.
 * SECURITY
 *	All input is untrusted.  Memory is bounded by the text length (the
 *	token array and the unescaped pool are at most linear in it); the
 *	parser has no recursion on input.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "alloc.h"
#include "base64.h"
#include "hex.h"
#include "strbuf.h"
#include "addr.h"

enum addr_tok_type {
	TOK_ATOM,		/* atext run */
	TOK_QSTR,		/* quoted string (content unescaped) */
	TOK_DLIT,		/* domain literal, brackets included */
	TOK_SPECIAL,		/* one of < > @ , ; : . */
	TOK_BAD,		/* anything else: poisons its element */
};

struct addr_tok {
	enum addr_tok_type type;
	int	ch;		/* TOK_SPECIAL: the character */
	size_t	off;		/* text in the pool */
	size_t	len;
	int	ws;		/* white space or comment before it */
};

struct addr_lex {
	struct addr_tok *v;
	size_t	n;
	size_t	cap;
	char	*pool;		/* unescaped token text */
	size_t	plen;
};

/* addr_isatext - atext of RFC 5322 section 3.2.3, plus 8-bit bytes */

static int
addr_isatext(unsigned char c)
{
	if (c >= 0x80)
		return (1);
	if (isalnum(c))
		return (1);
	return (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* addr_tok_add - append a token */

static struct addr_tok *
addr_tok_add(struct addr_lex *lx, enum addr_tok_type type, int ch, int ws)
{
	struct addr_tok *t;

	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? 2 * lx->cap : 64;
		lx->v = xrealloc(lx->v, lx->cap * sizeof(*lx->v));
	}
	t = &lx->v[lx->n++];
	t->type = type;
	t->ch = ch;
	t->off = lx->plen;
	t->len = 0;
	t->ws = ws;
	return (t);
}

/* addr_pool_put - append one byte to the current token's text */

static void
addr_pool_put(struct addr_lex *lx, struct addr_tok *t, char c)
{
	/* The pool has len + 1 bytes and no token text outgrows its source. */
	lx->pool[lx->plen++] = c;
	t->len++;
}

/* addr_skip_comment - skip a comment at text[*ip] == '('; 0 or -1 */

static int
addr_skip_comment(const char *text, size_t len, size_t *ip)
{
	size_t	i = *ip;
	int	depth = 0;

	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\\') {
			i += 2;
			continue;
		}
		if (c == '(') {
			if (++depth > ADDR_NEST_MAX)
				return (-1);
		} else if (c == ')') {
			if (--depth == 0) {
				*ip = i + 1;
				return (0);
			}
		} else if (c == 0) {
			return (-1);
		}
		i++;
	}
	return (-1);
}

/* addr_lex_run - tokenize text; never fails, bad input makes TOK_BAD */

static void
addr_lex_run(struct addr_lex *lx, const char *text, size_t len)
{
	size_t	i = 0;
	int	ws = 0;
	struct addr_tok *t;

	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			ws = 1;
			i++;
		} else if (c == '(') {
			if (addr_skip_comment(text, len, &i) != 0) {
				/* Unbalanced or too deep: the rest is junk. */
				addr_tok_add(lx, TOK_BAD, c, ws);
				return;
			}
			ws = 1;
		} else if (c == '"') {
			t = addr_tok_add(lx, TOK_QSTR, 0, ws);
			for (i++; i < len && text[i] != '"'; i++) {
				if (text[i] == '\\' && i + 1 < len)
					i++;
				else if (text[i] == '\r' || text[i] == '\n')
					continue;	/* unfold */
				if (text[i] == 0 || ((unsigned char)text[i] <
				    0x20 && text[i] != '\t') || text[i] == 0x7f)
					t->type = TOK_BAD;
				addr_pool_put(lx, t, text[i]);
			}
			if (i >= len)
				t->type = TOK_BAD;	/* unterminated */
			i++;
			ws = 0;
		} else if (c == '[') {
			t = addr_tok_add(lx, TOK_DLIT, 0, ws);
			addr_pool_put(lx, t, '[');
			for (i++; i < len && text[i] != ']'; i++) {
				unsigned char d = (unsigned char)text[i];

				if (d == ' ' || d == '\t' || d == '\r' ||
				    d == '\n')
					continue;
				if (d < 0x21 || d == 0x7f || d == '[' ||
				    d == '\\' || d >= 0x80)
					t->type = TOK_BAD;
				addr_pool_put(lx, t, (char)d);
			}
			if (i >= len)
				t->type = TOK_BAD;
			else
				addr_pool_put(lx, t, ']');
			i++;
			ws = 0;
		} else if (c != 0 && strchr("<>@,;:.", c) != NULL) {
			addr_tok_add(lx, TOK_SPECIAL, c, ws);
			i++;
			ws = 0;
		} else if (addr_isatext(c)) {
			t = addr_tok_add(lx, TOK_ATOM, 0, ws);
			while (i < len && addr_isatext((unsigned char)text[i]))
				addr_pool_put(lx, t, text[i++]);
			ws = 0;
		} else {
			/* NUL, controls, ')' ']' '\\' out of place */
			addr_tok_add(lx, TOK_BAD, c, ws);
			i++;
			ws = 0;
		}
	}
}

/* addr_utf8_ok - is s[0..len) valid UTF-8 (no overlongs, surrogates)? */

static int
addr_utf8_ok(const unsigned char *s, size_t len)
{
	size_t	i = 0, k, n;
	unsigned long cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return (0);
		if (len - i <= n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/* addr_is_dot_atom - RFC 5322 dot-atom-text (8-bit allowed) */

static int
addr_is_dot_atom(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return (0);
		} else if (!addr_isatext((unsigned char)s[i]))
			return (0);
	}
	return (1);
}

/* addr_tok_is - is token i the special character c? */

static int
addr_tok_is(const struct addr_lex *lx, size_t i, int c)
{
	return (i < lx->n && lx->v[i].type == TOK_SPECIAL && lx->v[i].ch == c);
}

/* addr_spec - normalize tokens [a, b) as an addr-spec into out */

static int
addr_spec(const struct addr_lex *lx, size_t a, size_t b, struct strbuf *out)
{
	struct strbuf *local = strbuf_alloc(ADDR_SPEC_MAX);
	size_t	i = a, j;
	int	words = 0, quoted = 0, rc = -1;

	strbuf_reset(out);
	/* local-part: words and dots (obs-local-part is lenient with dots) */
	for (; i < b && !addr_tok_is(lx, i, '@'); i++) {
		const struct addr_tok *t = &lx->v[i];

		if (t->type == TOK_ATOM || t->type == TOK_QSTR) {
			if (t->type == TOK_QSTR)
				quoted = 1;
			words++;
			if (strbuf_append(local, lx->pool + t->off, t->len) != 0)
				goto out;
		} else if (addr_tok_is(lx, i, '.')) {
			if (strbuf_putc(local, '.') != 0)
				goto out;
		} else
			goto out;
	}
	if (words == 0 || i >= b || local->len == 0)
		goto out;
	if (!quoted || addr_is_dot_atom(local->data, local->len)) {
		if (strbuf_append(out, local->data, local->len) != 0)
			goto out;
	} else {
		if (strbuf_putc(out, '"') != 0)
			goto out;
		for (j = 0; j < local->len; j++) {
			if ((local->data[j] == '"' || local->data[j] == '\\') &&
			    strbuf_putc(out, '\\') != 0)
				goto out;
			if (strbuf_putc(out, local->data[j]) != 0)
				goto out;
		}
		if (strbuf_putc(out, '"') != 0)
			goto out;
	}
	if (strbuf_putc(out, '@') != 0)
		goto out;
	i++;			/* the '@' */
	if (i < b && lx->v[i].type == TOK_DLIT) {
		if (i + 1 != b || strbuf_append(out, lx->pool + lx->v[i].off,
		    lx->v[i].len) != 0)
			goto out;
	} else {
		int	want_atom = 1;

		for (; i < b; i++) {
			const struct addr_tok *t = &lx->v[i];

			if (want_atom && t->type == TOK_ATOM) {
				for (j = 0; j < t->len; j++)
					if (strbuf_putc(out, tolower(
					    (unsigned char)lx->pool[t->off +
					    j])) != 0)
						goto out;
				want_atom = 0;
			} else if (!want_atom && addr_tok_is(lx, i, '.')) {
				if (strbuf_putc(out, '.') != 0)
					goto out;
				want_atom = 1;
			} else
				goto out;
		}
		if (want_atom)
			goto out;	/* empty domain or trailing dot */
	}
	if (!addr_utf8_ok((const unsigned char *)out->data, out->len))
		goto out;
	rc = 0;
out:
	strbuf_free(local);
	return (rc);
}

/* addr_ew_decode - decode an RFC 2047 encoded word; 0, or -1 if not one */

static int
addr_ew_decode(const char *s, size_t len, struct strbuf *out)
{
	const char *q1, *q2, *text;
	size_t	tlen, i;
	int	enc, nbits = 0;
	unsigned int bits = 0;

	if (len < 8 || s[0] != '=' || s[1] != '?' || s[len - 2] != '?' ||
	    s[len - 1] != '=')
		return (-1);
	if ((q1 = memchr(s + 2, '?', len - 4)) == NULL ||
	    q1 + 3 > s + len - 2 || q1[2] != '?')
		return (-1);
	enc = toupper((unsigned char)q1[1]);
	if (enc != 'Q' && enc != 'B')
		return (-1);
	q2 = q1 + 2;
	text = q2 + 1;
	tlen = (size_t)(s + len - 2 - text);
	for (i = 0; i < tlen; i++) {
		int	c = (unsigned char)text[i], v;

		if (enc == 'Q') {
			if (c == '_')
				c = ' ';
			else if (c == '=') {
				if (i + 2 >= tlen)
					return (-1);
				if (hex_digit(text[i + 1]) < 0 ||
				    hex_digit(text[i + 2]) < 0)
					return (-1);
				c = hex_digit(text[i + 1]) << 4 |
				    hex_digit(text[i + 2]);
				i += 2;
			}
			if (strbuf_putc(out, c < 0x20 || c == 0x7f ? '?' :
			    c) != 0)
				return (-1);
		} else {
			if (c == '=')
				break;
			if ((v = base64_val((unsigned char)c)) < 0)
				return (-1);
			/* at most 14 bits pending: keep only those */
			bits = (bits << 6 | (unsigned int)v) & 0x3fff;
			nbits += 6;
			if (nbits >= 8) {
				nbits -= 8;
				c = (int)((bits >> nbits) & 0xff);
				if (strbuf_putc(out, c < 0x20 || c == 0x7f ?
				    '?' : c) != 0)
					return (-1);
			}
		}
	}
	return (0);
}

/* addr_phrase - decode tokens [a, b) as a display name; -1 if no phrase */

static int
addr_phrase(const struct addr_lex *lx, size_t a, size_t b,
    struct strbuf *out)
{
	struct strbuf *ew = strbuf_alloc(ADDR_NAME_MAX);
	size_t	i, j;
	int	prev_ew = 0, is_ew, rc = 0;

	strbuf_reset(out);
	for (i = a; i < b; i++) {
		const struct addr_tok *t = &lx->v[i];
		const char *s = lx->pool + t->off;

		if (t->type != TOK_ATOM && t->type != TOK_QSTR &&
		    !addr_tok_is(lx, i, '.')) {
			rc = -1;
			break;
		}
		strbuf_reset(ew);
		is_ew = t->type == TOK_ATOM && addr_ew_decode(s, t->len,
		    ew) == 0;
		/* RFC 2047 section 6.2: space between encoded words goes */
		if (i > a && t->ws && !(prev_ew && is_ew))
			(void)strbuf_putc(out, ' ');
		prev_ew = is_ew;
		if (is_ew) {
			(void)strbuf_append(out, ew->data, ew->len);
			continue;
		}
		if (t->type == TOK_SPECIAL) {
			(void)strbuf_putc(out, '.');
			continue;
		}
		for (j = 0; j < t->len; j++) {
			int	c = (unsigned char)s[j];

			(void)strbuf_putc(out, c < 0x20 || c == 0x7f ? '?' : c);
		}
	}
	strbuf_free(ew);
	return (rc);
}

/* addr_add - append one mailbox to the list */

static void
addr_add(struct addr_list *l, const struct strbuf *spec,
    const struct strbuf *name, int routed)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].addr = xstrndup(spec->data, spec->len);
	/* A display name at its limit is dropped, not cut: it never routes. */
	l->v[l->n].name = xstrdup(name->len < ADDR_NAME_MAX ? name->data : "");
	l->v[l->n].routed = routed;
	l->n++;
}

/* addr_mailbox - parse tokens [a, b) as one mailbox; 0 or -1 */

static int
addr_mailbox(const struct addr_lex *lx, size_t a, size_t b,
    struct strbuf *spec, struct strbuf *name, int *routed)
{
	size_t	lt, i;

	*routed = 0;
	for (i = a; i < b; i++)
		if (lx->v[i].type == TOK_BAD)
			return (-1);
	for (lt = a; lt < b && !addr_tok_is(lx, lt, '<'); lt++)
		;
	strbuf_reset(name);
	if (lt == b)
		return (addr_spec(lx, a, b, spec));
	if (b - lt < 3 || !addr_tok_is(lx, b - 1, '>'))
		return (-1);
	if (lt > a && addr_phrase(lx, a, lt, name) != 0)
		return (-1);
	i = lt + 1;
	/* obs-route: "@dom, @dom :" (RFC 5322 section 4.4), skipped */
	if (addr_tok_is(lx, i, '@')) {
		*routed = 1;
		while (i < b - 1 && !addr_tok_is(lx, i, ':'))
			i++;
		if (i >= b - 1)
			return (-1);
		i++;
	}
	for (lt = i; lt < b - 1; lt++)
		if (lx->v[lt].type == TOK_SPECIAL && strchr("<>:,;",
		    lx->v[lt].ch) != NULL)
			return (-1);
	return (addr_spec(lx, i, b - 1, spec));
}

/* addr_element_end - end of the element at i; *colon: a group's ':' */

static size_t
addr_element_end(const struct addr_lex *lx, size_t i, size_t *colon)
{
	size_t	start = i;
	int	depth = 0;

	*colon = (size_t)-1;
	for (; i < lx->n; i++) {
		if (lx->v[i].type != TOK_SPECIAL)
			continue;
		switch (lx->v[i].ch) {
		case '<':
			depth++;
			break;
		case '>':
			if (depth > 0)
				depth--;
			break;
		case ':':
			if (depth == 0 && *colon == (size_t)-1)
				*colon = i;
			break;
		case ',':
		case ';':
			if (depth == 0)
				return (i);
			break;
		}
	}
	if (depth == 0)
		return (i);
	/* An unclosed '<': ignore angles so the rest can resynchronize. */
	for (i = start; i < lx->n; i++)
		if (addr_tok_is(lx, i, ',') || addr_tok_is(lx, i, ';'))
			break;
	*colon = (size_t)-1;
	return (i);
}

/* addr_parse - parse an address list */

int
addr_parse(const char *text, size_t len, size_t max_addrs,
    struct addr_list *out, struct strbuf *why)
{
	struct addr_lex lx;
	struct strbuf *spec, *name;
	size_t	i = 0, e, colon, start = out->n;
	int	rc = PC_OK, in_group = 0, routed;

	if (len > ADDR_TEXT_MAX) {
		strbuf_printf(why, "address header longer than %d bytes",
		    ADDR_TEXT_MAX);
		return (PC_PERM);
	}
	memset(&lx, 0, sizeof(lx));
	lx.pool = xmalloc(len + 1);
	addr_lex_run(&lx, text, len);
	spec = strbuf_alloc(ADDR_SPEC_MAX);
	name = strbuf_alloc(ADDR_NAME_MAX + 4 * 1024);
	while (i < lx.n) {
		if (addr_tok_is(&lx, i, ',')) {
			i++;
			continue;
		}
		if (addr_tok_is(&lx, i, ';')) {
			in_group = 0;
			i++;
			continue;
		}
		e = addr_element_end(&lx, i, &colon);
		if (colon != (size_t)-1) {
			if (in_group) {
				/* Groups do not nest: skip this element. */
				out->bad++;
				i = e;
				continue;
			}
			in_group = 1;
			i = colon + 1;
			continue;
		}
		if (addr_mailbox(&lx, i, e, spec, name, &routed) != 0) {
			out->bad++;
		} else if (out->n - start >= max_addrs) {
			strbuf_printf(why, "more than %zu addresses", max_addrs);
			rc = PC_PERM;
			break;
		} else
			addr_add(out, spec, name, routed);
		i = e;
	}
	strbuf_free(spec);
	strbuf_free(name);
	free(lx.v);
	free(lx.pool);
	return (rc);
}

/* addr_list_free - free the entries, leave an empty list */

void
addr_list_free(struct addr_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].addr);
		free(l->v[i].name);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* addr_split - length of the local part; *at is the '@' or NULL */

size_t
addr_split(const char *addr, const char **at)
{
	const char *p = addr;

	/*
	 * The local part ends at the first '@' outside its quoted string:
	 * a domain literal may hold '@' itself ("a@[b@c]"), so the last '@'
	 * is not the separator.
	 */
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p == '"')
			p++;
	}
	p = strchr(p, '@');
	*at = p;
	return (p ? (size_t)(p - addr) : strlen(addr));
}

/*
 * addr_tok822_next - one token as Postfix's tok822_scan() makes it: white
 * space separates, a comment (nested), a quoted string or a domain
 * literal is one token, each of "|%!()<>@,;:\\\".[]" outside them is one,
 * a run of anything else is one atom; a backslash quotes the next byte.
 * Returns the end of the token at or after p (its start in *start, its
 * kind in *type: 'a' atom, 'q' quoted string, 'd' domain literal, 'c'
 * comment, or the operator itself), or NULL when only white space is
 * left.
 */

const char *
addr_tok822_next(const char *p, const char *end, const char **start,
    int *type)
{
	static const char ops[] = "|%!()<>@,;:\\\".[]";
	unsigned char c;
	int	depth;
	char	close;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	if (p >= end)
		return (NULL);
	*start = p;
	c = (unsigned char)*p++;
	if (c == '(') {
		*type = 'c';
		for (depth = 1; p < end && depth > 0; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
		}
	} else if (c == '"' || c == '[') {
		*type = c == '"' ? 'q' : 'd';
		close = c == '"' ? '"' : ']';
		for (; p < end && *p != close; p++)
			if (*p == '\\' && p + 1 < end)
				p++;
		if (p < end)
			p++;
	} else if (c != '\\' && c != 0 && strchr(ops, c) != NULL) {
		*type = c;
	} else {
		*type = 'a';
		for (p--; p < end; p++) {
			c = (unsigned char)*p;
			if (c == '\\') {
				if (p + 1 < end)
					p++;
				continue;
			}
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
			    (c != 0 && strchr(ops, c)))
				break;
		}
	}
	return (p);
}

/* addr_tok822_count - tokens up to limit (0: no limit) */

size_t
addr_tok822_count(const char *text, size_t len, size_t limit)
{
	const char *p = text, *end = text + len, *start;
	size_t	n = 0;
	int	type;

	while ((limit == 0 || n < limit) &&
	    (p = addr_tok822_next(p, end, &start, &type)) != NULL)
		n++;
	return (n);
}
