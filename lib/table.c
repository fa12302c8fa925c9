/*
 * NAME
 *	table - Postfix-style lookup tables: texthash, pcre, indexed
 * SYNOPSIS
 *	#include "table.h"
 *
 *	See table.h for the prototypes and who owns what.
 * DESCRIPTION
 *	Every table is loaded whole at open time and is read-only
 *	afterwards.  texthash: and the indexed types (through "postmap
 *	-s") become a sorted array searched with bsearch(3); pcre: becomes
 *	an array of compiled rules tried in order.  Open errors produce a
 *	surrogate table that fails every lookup, so a broken table makes
 *	the milter answer TEMPFAIL instead of routing without it.
 *
 *	Logical lines follow postmap(1): a line that starts with white
 *	space continues the previous one; blank lines and lines whose first
 *	non-blank character is '#' are skipped.
 * DIAGNOSTICS
 *	Errors say "FILE, line N: reason"; a duplicate texthash key is a
 *	warning (logged), the first entry wins.
 * SECURITY
 *	Files are bounded (TABLE_FILE_MAX, PC_CFG_LINE_MAX per logical
 *	line); NUL bytes in a file are an error.  Keys are untrusted: regex
 *	matching runs under PCRE match and depth limits, with match data
 *	allocated per call (no shared pcre2_match_data between threads).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <errno.h>

#include "popconn.h"
#include "alloc.h"
#include "exec.h"
#include "log.h"
#include "safeio.h"
#include "strbuf.h"
#include "table.h"
#include "table_int.h"

/* Called once per logical line; returns PC_OK or an error in why. */
typedef int (*table_line_fn) (struct table *, const char *file, int line,
    char *text, size_t len, struct strbuf *why);

/* The postmap(1) types, and the suffix of the file postmap writes. */
static const char *const table_indexed[][2] = {
	{"hash", ".db"}, {"btree", ".db"}, {"cdb", ".cdb"},
	{"lmdb", ".lmdb"}, {"dbm", ".pag"}, {"sdbm", ".pag"},
};

/* table_lower - fold ASCII to lower case in place */

static void
table_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* table_flush - hand a pending logical line to fn */

static int
table_flush(struct table *t, const char *file, int line, struct strbuf *lb,
    table_line_fn fn, struct strbuf *why)
{
	int	rc = PC_OK;

	while (lb->len > 0 && table_isblank(lb->data[lb->len - 1]))
		strbuf_truncate(lb, lb->len - 1);
	if (lb->len > 0)
		rc = fn(t, file, line, lb->data, lb->len, why);
	strbuf_reset(lb);
	return (rc);
}

/* table_lines - split a file into logical lines and feed them to fn */

static int
table_lines(struct table *t, const char *file, const char *data,
    size_t len, table_line_fn fn, struct strbuf *why)
{
	struct strbuf *lb = strbuf_alloc(PC_CFG_LINE_MAX);
	const char *p, *nl;
	size_t	i = 0, e, k;
	int	lineno = 0, first = 0, rc = PC_OK;

	while (rc == PC_OK && i < len) {
		p = data + i;
		nl = memchr(p, '\n', len - i);
		e = nl ? (size_t)(nl - p) : len - i;
		i += e + 1;
		lineno++;
		if (memchr(p, 0, e) != NULL) {
			strbuf_printf(why, "%s, line %d: NUL byte", file,
			    lineno);
			rc = PC_PERM;
			break;
		}
		for (k = 0; k < e && table_isblank(p[k]); k++)
			;
		if (k == e || p[k] == '#')	/* blank, comment */
			continue;
		if (k > 0) {			/* continuation */
			if (lb->len == 0) {
				strbuf_printf(why, "%s, line %d: continuation "
				    "line without a line to continue", file,
				    lineno);
				rc = PC_PERM;
			} else if (strbuf_putc(lb, ' ') != 0 ||
			    strbuf_append(lb, p + k, e - k) != 0) {
				strbuf_printf(why, "%s, line %d: logical line "
				    "too long", file, lineno);
				rc = PC_PERM;
			}
			continue;
		}
		if ((rc = table_flush(t, file, first, lb, fn, why)) != PC_OK)
			break;
		first = lineno;
		if (strbuf_append(lb, p, e) != 0) {
			strbuf_printf(why, "%s, line %d: line too long", file,
			    lineno);
			rc = PC_PERM;
		}
	}
	if (rc == PC_OK)
		rc = table_flush(t, file, first, lb, fn, why);
	strbuf_free(lb);
	return (rc);
}

/* table_hash_line - one "key value" line */

static int
table_hash_line(struct table *t, const char *file, int line, char *text,
    size_t len, struct strbuf *why)
{
	size_t	k, v;

	for (k = 0; k < len && !table_isblank(text[k]); k++)
		;
	for (v = k; v < len && table_isblank(text[v]); v++)
		;
	if (v == len) {
		strbuf_printf(why, "%s, line %d: expected format: key "
		    "whitespace value", file, line);
		return (PC_PERM);
	}
	if (k > TABLE_KEY_MAX || len - v > TABLE_VALUE_MAX) {
		strbuf_printf(why, "%s, line %d: key or value too long", file,
		    line);
		return (PC_PERM);
	}
	t->ent = xrealloc(t->ent, (t->nent + 1) * sizeof(*t->ent));
	t->ent[t->nent].key = xstrndup(text, k);
	t->ent[t->nent].value = xstrndup(text + v, len - v);
	t->ent[t->nent].line = line;
	table_lower(t->ent[t->nent].key);
	t->nent++;
	return (PC_OK);
}

/* table_postmap_line - one "key<TAB>value" line of postmap -s */

static int
table_postmap_line(struct table *t, const char *file, int line, char *text,
    size_t len, struct strbuf *why)
{
	int	rc = table_hash_line(t, file, line, text, len, why);

	if (rc == PC_OK)
		t->ent[t->nent - 1].line = 0;
	return (rc);
}

/* table_entry_cmp - order by key, then by line */

static int
table_entry_cmp(const void *a, const void *b)
{
	const struct table_entry *x = a, *y = b;
	int	c = strcmp(x->key, y->key);

	if (c != 0)
		return (c);
	return ((x->line > y->line) - (x->line < y->line));
}

/* table_entry_cmp_key - order by key only (bsearch; keys are unique) */

static int
table_entry_cmp_key(const void *a, const void *b)
{
	const struct table_entry *x = a, *y = b;

	return (strcmp(x->key, y->key));
}

/* table_hash_finish - sort, drop duplicates (the first one wins) */

static void
table_hash_finish(struct table *t, const char *file)
{
	size_t	i, o = 0;

	if (t->nent == 0)
		return;
	qsort(t->ent, t->nent, sizeof(*t->ent), table_entry_cmp);
	for (i = 0; i < t->nent; i++) {
		if (o > 0 && strcmp(t->ent[o - 1].key, t->ent[i].key) == 0) {
			char	kb[128];

			log_warn("%s, line %d: duplicate key %s ignored "
			    "(first at line %d)", file, t->ent[i].line,
			    log_printable(kb, sizeof(kb), t->ent[i].key,
			    strlen(t->ent[i].key)), t->ent[o - 1].line);
			free(t->ent[i].key);
			free(t->ent[i].value);
			continue;
		}
		t->ent[o++] = t->ent[i];
	}
	t->nent = o;
}

/* table_clear - free the contents of a table, keep its name */

static void
table_clear(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nent; i++) {
		free(t->ent[i].key);
		free(t->ent[i].value);
	}
	free(t->ent);
	t->ent = NULL;
	t->nent = 0;
	for (i = 0; i < t->nrules; i++) {
		pcre2_code_free(t->rules[i].re);
		free(t->rules[i].result);
	}
	free(t->rules);
	t->rules = NULL;
	t->nrules = 0;
	if (t->mctx)
		pcre2_match_context_free(t->mctx);
	t->mctx = NULL;
}

/* table_fail - turn t into a surrogate that fails with why */

static void
table_fail(struct table *t, const struct strbuf *why)
{
	table_clear(t);
	t->kind = TABLE_FAIL;
	free(t->fail_why);
	t->fail_why = xstrdup(strbuf_len(why) ? strbuf_str(why) :
	    "table open error");
}

/* table_load_postmap - read an indexed table through postmap -s */

static int
table_load_postmap(struct table *t, const char *postfix_conf,
    struct strbuf *why)
{
	struct strbuf *out = strbuf_alloc(TABLE_FILE_MAX);
	char   *argv[6];
	int	n = 0, status = 0, rc;

	argv[n++] = (char *)(uintptr_t)TABLE_POSTMAP_PATH;
	if (postfix_conf && *postfix_conf) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)postfix_conf;
	}
	argv[n++] = (char *)(uintptr_t)"-s";
	argv[n++] = t->name;
	argv[n] = NULL;
	rc = exec_run(argv, NULL, -1, out, TABLE_POSTMAP_TIMEOUT, &status,
	    why);
	if (rc == PC_OK && status != 0) {
		strbuf_printf(why, "%s: postmap -s exited with status %d",
		    t->name, status);
		rc = PC_TEMP;
	}
	if (rc == PC_OK)
		rc = table_lines(t, t->name, out->data, out->len,
		    table_postmap_line, why);
	if (rc == PC_OK)
		table_hash_finish(t, t->name);
	strbuf_free(out);
	return (rc);
}

/* table_open - open "type:name"; always sets *tp */

int
table_open(const char *spec, const char *postfix_conf, struct table **tp,
    struct strbuf *why)
{
	struct table *t = xcalloc(1, sizeof(*t));
	struct strbuf *data = NULL;
	const char *colon = strchr(spec, ':'), *path;
	size_t	i, tlen;
	int	rc = PC_PERM;

	t->name = xstrdup(spec);
	*tp = t;
	strbuf_reset(why);
	/* proxy:X is X read through proxymap(8): the same answers. */
	if (strncmp(spec, "proxy:", 6) == 0 && spec[6]) {
		spec += 6;
		colon = strchr(spec, ':');
	}
	if (strcmp(spec, "unix:passwd.byname") == 0) {
		t->kind = TABLE_PASSWD;
		rc = PC_OK;
		goto out;
	}
	if (colon == NULL || colon == spec || colon[1] == 0) {
		strbuf_printf(why, "%s: expected type:name", spec);
		goto out;
	}
	tlen = (size_t)(colon - spec);
	path = colon + 1;
	for (i = 0; i < PC_ARRAY_LEN(table_indexed); i++) {
		if (strlen(table_indexed[i][0]) == tlen &&
		    strncmp(spec, table_indexed[i][0], tlen) == 0) {
			t->kind = TABLE_HASH;
			rc = table_load_postmap(t, postfix_conf, why);
			goto out;
		}
	}
	if (tlen == 8 && strncmp(spec, "texthash", 8) == 0)
		t->kind = TABLE_HASH;
	else if (tlen == 4 && strncmp(spec, "pcre", 4) == 0)
		t->kind = TABLE_PCRE;
	else {
		strbuf_printf(why, "%s: unsupported table type %.*s", spec,
		    (int)tlen, spec);
		goto out;
	}
	data = strbuf_alloc(TABLE_FILE_MAX);
	if ((rc = safeio_read_file(path, TABLE_FILE_MAX, 0, data, why)) !=
	    PC_OK)
		goto out;
	if (t->kind == TABLE_HASH) {
		rc = table_lines(t, path, data->data, data->len,
		    table_hash_line, why);
		if (rc == PC_OK)
			table_hash_finish(t, path);
	} else {
		t->mctx = pcre2_match_context_create(NULL);
		if (t->mctx == NULL)
			log_fatal(75, "out of memory");
		(void)pcre2_set_match_limit(t->mctx, TABLE_PCRE_MATCH_LIMIT);
		(void)pcre2_set_depth_limit(t->mctx, TABLE_PCRE_DEPTH_LIMIT);
		rc = table_lines(t, path, data->data, data->len,
		    table_pcre_line, why);
	}
out:
	strbuf_free(data);
	if (rc != PC_OK)
		table_fail(t, why);
	return (rc);
}

/* table_free - free a table */

struct table *
table_free(struct table *t)
{
	if (t == NULL)
		return (NULL);
	table_clear(t);
	free(t->name);
	free(t->fail_why);
	free(t);
	return (NULL);
}

/* table_name - "type:name" as opened */

const char *
table_name(const struct table *t)
{
	return (t->name);
}

/*
 * table_file - the file whose change changes the table: the source of
 * texthash: and pcre:, the indexed file postmap(1) writes for the others
 * (what Postfix itself watches); -1 when there is none or it is too long
 */

int
table_file(const struct table *t, char *buf, size_t size)
{
	const char *colon = strchr(t->name, ':'), *suffix = "";
	size_t	i, tlen;
	int	n;

	if (colon == NULL || colon[1] == 0)
		return (-1);
	tlen = (size_t)(colon - t->name);
	for (i = 0; i < PC_ARRAY_LEN(table_indexed); i++)
		if (strlen(table_indexed[i][0]) == tlen &&
		    strncmp(t->name, table_indexed[i][0], tlen) == 0)
			suffix = table_indexed[i][1];
	n = snprintf(buf, size, "%s%s", colon + 1, suffix);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

/* table_is_regex - does the table match patterns (not keys)? */

int
table_is_regex(const struct table *t)
{
	return (t->kind == TABLE_PCRE);
}

/* table_hit_alloc - result buffers for one caller */

struct table_hit *
table_hit_alloc(void)
{
	struct table_hit *h = xmalloc(sizeof(*h));

	h->value = strbuf_alloc(TABLE_VALUE_MAX);
	h->where = strbuf_alloc(4096 + 32);
	h->why = strbuf_alloc(4096 + 256);
	return (h);
}

/* table_hit_free - free result buffers */

struct table_hit *
table_hit_free(struct table_hit *h)
{
	if (h == NULL)
		return (NULL);
	strbuf_free(h->value);
	strbuf_free(h->where);
	strbuf_free(h->why);
	free(h);
	return (NULL);
}

/* table_get_passwd - unix:passwd.byname: a user name, its home as value */

static const char *
table_get_passwd(const struct table *t, const char *key,
    struct table_hit *hit, int *err)
{
	struct passwd pw, *res = NULL;
	char	buf[4096];
	int	e;

	if (*key == 0 || strchr(key, '@') != NULL)
		return (NULL);
	e = getpwnam_r(key, &pw, buf, sizeof(buf), &res);
	if (e != 0 && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM) {
		strbuf_printf(hit->why, "%s: getpwnam %s: %s", t->name, key,
		    strerror(e));
		*err = PC_TEMP;
		return (NULL);
	}
	if (res == NULL)
		return (NULL);
	(void)strbuf_puts(hit->value, pw.pw_dir ? pw.pw_dir : "");
	strbuf_printf(hit->where, "%s", t->name);
	return (strbuf_str(hit->value));
}

/* table_get - look up one key */

const char *
table_get(const struct table *t, const char *key, struct table_hit *hit,
    int *err)
{
	struct table_entry probe, *e;
	char   *k;

	*err = PC_OK;
	strbuf_reset(hit->value);
	strbuf_reset(hit->where);
	if (t->kind == TABLE_FAIL) {
		strbuf_printf(hit->why, "%s", t->fail_why);
		*err = PC_TEMP;
		return (NULL);
	}
	if (t->kind == TABLE_PCRE)
		return (table_get_pcre(t, key, hit, err));
	if (t->kind == TABLE_PASSWD)
		return (table_get_passwd(t, key, hit, err));
	if (t->nent == 0)
		return (NULL);
	k = xstrdup(key);
	table_lower(k);
	probe.key = k;
	e = bsearch(&probe, t->ent, t->nent, sizeof(*t->ent),
	    table_entry_cmp_key);
	free(k);
	if (e == NULL)
		return (NULL);
	if (strbuf_puts(hit->value, e->value) != 0) {
		strbuf_printf(hit->why, "%s: value too long", t->name);
		*err = PC_TEMP;
		return (NULL);
	}
	if (e->line > 0)
		strbuf_printf(hit->where, "%s:%d", t->name, e->line);
	else
		strbuf_printf(hit->where, "%s", t->name);
	return (strbuf_str(hit->value));
}

/* table_get_addr - Postfix's address lookup order */

const char *
table_get_addr(const struct table *t, const char *addr, int local,
    const char *delim, struct table_hit *hit, int *err)
{
	struct strbuf *k;
	const char *at = strrchr(addr, '@'), *plus = NULL, *v = NULL;
	size_t	llen = at ? (size_t)(at - addr) : strlen(addr), blen, i0;
	int	i;

	if (t->kind != TABLE_HASH && t->kind != TABLE_PASSWD)
		return (table_get(t, addr, hit, err));
	/* Postfix: the extension starts at the first delimiter character. */
	for (i0 = 0; delim != NULL && *delim && i0 < llen && plus == NULL;
	    i0++)
		if (strchr(delim, addr[i0]) != NULL)
			plus = addr + i0;
	blen = plus ? (size_t)(plus - addr) : llen;
	if (plus == addr)
		blen = llen;	/* "+foo" has no base name */
	k = strbuf_alloc(strlen(addr) + 2);
	for (i = 0; i < 5 && v == NULL; i++) {
		strbuf_reset(k);
		switch (i) {
		case 0:	/* user+ext@domain */
			if (at == NULL)
				continue;
			(void)strbuf_puts(k, addr);
			break;
		case 1:	/* user@domain */
			if (at == NULL || blen == llen)
				continue;
			(void)strbuf_append(k, addr, blen);
			(void)strbuf_puts(k, at);
			break;
		case 2:	/* user+ext */
			if (at != NULL && !local)
				continue;
			(void)strbuf_append(k, addr, llen);
			break;
		case 3:	/* user */
			if ((at != NULL && !local) || blen == llen)
				continue;
			(void)strbuf_append(k, addr, blen);
			break;
		case 4:	/* @domain */
			if (at == NULL)
				continue;
			(void)strbuf_puts(k, at);
			break;
		}
		v = table_get(t, strbuf_str(k), hit, err);
		if (*err != PC_OK)
			break;
	}
	strbuf_free(k);
	return (v);
}

/* table_list_open - open every table of a list */

int
table_list_open(const char *specs, const char *postfix_conf,
    struct table_list *l, struct strbuf *why)
{
	struct strbuf *w = strbuf_alloc(4096 + 256);
	const char *p = specs ? specs : "";
	size_t	n;
	int	rc = PC_OK, r;

	memset(l, 0, sizeof(*l));
	strbuf_reset(why);
	while (*p) {
		char   *spec;

		p += strspn(p, ", \t\r\n");
		if ((n = strcspn(p, ", \t\r\n")) == 0)
			break;
		spec = xstrndup(p, n);
		p += n;
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		r = table_open(spec, postfix_conf, &l->v[l->n++], w);
		free(spec);
		if (r != PC_OK && rc == PC_OK) {
			rc = r;
			strbuf_printf(why, "%s", strbuf_str(w));
		}
	}
	strbuf_free(w);
	return (rc);
}

/* table_list_free - free every table of a list */

void
table_list_free(struct table_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		table_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
