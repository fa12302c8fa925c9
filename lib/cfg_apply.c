/*
 * NAME
 *	cfg_apply - typed settings from popconn.cf dictionaries
 * SYNOPSIS
 *	#include "cfg.h"
 *
 *	int cfg_check_known(const struct cfg_dict *d,
 *		const struct cfg_param *const tabs[], size_t ntabs,
 *		unsigned need, struct strbuf *why);
 *	int cfg_apply(const struct cfg_param *tab,
 *		const struct cfg_dict *const layers[], size_t nlayers,
 *		unsigned need, void *base, struct strbuf *why);
 *		CFG_STR fields: caller frees with cfg_free_values()
 *	void cfg_free_values(const struct cfg_param *tab, unsigned need,
 *		void *base);
 *	int cfg_expand(const struct cfg_param *tab,
 *		const struct cfg_dict *const layers[], size_t nlayers,
 *		const char *value, struct strbuf *out, struct strbuf *why);
 *	int cfg_parse_time(const char *s, long long *secs);
 *	int cfg_parse_size(const char *s, long long *bytes);
 *	int cfg_parse_bool(const char *s, int *val);
 * DESCRIPTION
 *	The second half of cfg(3): cfg.c parses the files into cfg_dicts;
 *	this file checks their names against the parameter tables,
 *	expands $name references, converts values and stores them.
 *
 *	Parameter tables end with an entry whose name is NULL.  A range
 *	is checked when min or max is non-zero.  CFG_INT, CFG_TIME and
 *	CFG_SIZE fields are long long, CFG_BOOL fields int, CFG_STR fields
 *	char *; cfg_apply() frees an old CFG_STR value before storing a
 *	copy, so applying twice does not leak.
 *
 *	Expansion: $name (name of [A-Za-z0-9_]), ${name}, $(name), and
 *	"$$" for '$'.  A name is looked up in the layers, last first, then
 *	among the table's defaults (NULL means the empty string).  More
 *	than CFG_EXPAND_DEPTH nested levels (a loop), more than
 *	CFG_EXPAND_STEPS references in one value, or a result over
 *	PC_CFG_LINE_MAX bytes is an error, as are an unknown name, a '$'
 *	at the end of a value or before anything else, and an unclosed
 *	"${" or "$(".
 *
 *	cfg_parse_time() takes digits with an optional suffix s, m, h, d
 *	or w; cfg_parse_size() digits with an optional suffix k, m or g
 *	(powers of 1024; either case).  Both return 0, -1 for bad syntax,
 *	-2 when the result does not fit a long long.  cfg_parse_bool()
 *	takes yes/no, true/false, on/off, 1/0 in any case; 0 or -1.
 *
 *	cfg_check_known() reports the first setting in d that none of the
 *	tables (for the parts in need) declares.
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with "FILE, line N: NAME: reason" in why (the
 *	place where the value was set); an error in a default value (a
 *	bug in a table) is reported as "default for NAME: reason".
 * SECURITY
 *	Expansion is bounded in depth, in references and in length, so a
 *	broken or hostile file cannot exhaust memory or time.  Values are
 *	quoted through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "cfg.h"
#include "cfg_int.h"
#include "log.h"
#include "popconn.h"
#include "reason.h"

#define CFG_EXPAND_DEPTH	20	/* nested $name levels */
#define CFG_EXPAND_STEPS	10000	/* $name references per value */

/* Expansion state. */
struct cfg_xctx {
	const struct cfg_param *tab;
	const struct cfg_dict *const *layers;
	size_t	nlayers;
	struct strbuf *out;
	struct strbuf *why;
	unsigned long steps;
};

/* cfg_param_find - a parameter by name, or NULL */

static const struct cfg_param *
cfg_param_find(const struct cfg_param *tab, const char *name)
{
	for (; tab != NULL && tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return (tab);
	return (NULL);
}

/* cfg_check_known - report the first setting no table declares */

int
cfg_check_known(const struct cfg_dict *d,
    const struct cfg_param *const tabs[], size_t ntabs, unsigned need,
    struct strbuf *why)
{
	const struct cfg_param *p;
	size_t  i;
	size_t  t;

	for (i = 0; i < d->n; i++) {
		p = NULL;
		for (t = 0; t < ntabs && p == NULL; t++)
			if ((p = cfg_param_find(tabs[t], d->v[i].name)) != NULL
			    && (p->flags & need) == 0)
				p = NULL;
		if (p == NULL)
			return (cfg_why(why, d->v[i].file, d->v[i].line,
			    "unknown parameter %s", d->v[i].name));
	}
	return (PC_OK);
}

/* cfg_lookup - raw value of a name: layers last first, then defaults */

static int
cfg_lookup(const struct cfg_xctx *x, const char *name, const char **value,
    const char **file, int *line)
{
	const struct cfg_entry *e;
	const struct cfg_param *p;
	size_t  i;

	for (i = x->nlayers; i > 0; i--) {
		if (x->layers[i - 1] != NULL
		    && (e = cfg_dict_find(x->layers[i - 1], name)) != NULL) {
			*value = e->value;
			*file = e->file;
			*line = e->line;
			return (1);
		}
	}
	if ((p = cfg_param_find(x->tab, name)) != NULL) {
		*value = p->defval ? p->defval : "";
		*file = NULL;
		*line = 0;
		return (1);
	}
	return (0);
}

/* cfg_xwhy - an expansion error, located */

static int PC_PRINTF(5, 6)
cfg_xwhy(const struct cfg_xctx *x, const char *name, const char *file,
    int line, const char *fmt, ...)
{
	va_list ap;

	if (x->why == NULL)
		return (PC_PERM);
	strbuf_reset(x->why);
	if (file != NULL)
		(void) strbuf_printf(x->why, "%s, line %d: %s: ", file, line,
		    name);
	else if (name != NULL)
		(void) strbuf_printf(x->why, "default for %s: ", name);
	va_start(ap, fmt);
	(void) reason_vappend(x->why, fmt, ap);
	va_end(ap);
	return (PC_PERM);
}

/* cfg_expand_text - expand value into x->out */

static int
cfg_expand_text(struct cfg_xctx *x, const char *value, const char *name,
    const char *file, int line, int depth)
{
	char    rname[CFG_NAME_MAX + 1];
	char    qbuf[CFG_QUOTE_MAX];
	const char *cp = value;
	const char *start;
	const char *rvalue;
	const char *rfile;
	size_t  rlen;
	int     rline;
	int     status;
	char    close;

	if (depth > CFG_EXPAND_DEPTH)
		return (cfg_xwhy(x, name, file, line, "more than %d levels of "
		    "$name expansion (a loop?)", CFG_EXPAND_DEPTH));
	while (*cp) {
		start = cp;
		cp += strcspn(cp, "$");
		if (strbuf_append(x->out, start, (size_t) (cp - start)) < 0)
			goto too_long;
		if (*cp == 0)
			break;
		cp++;				/* '$' */
		if (*cp == '$') {
			if (strbuf_putc(x->out, '$') < 0)
				goto too_long;
			cp++;
			continue;
		}
		if (*cp == '{' || *cp == '(') {
			close = *cp == '{' ? '}' : ')';
			start = ++cp;
			while (*cp && *cp != close)
				cp++;
			if (*cp != close)
				return (cfg_xwhy(x, name, file, line, "missing "
				    "'%c' after \"$%c\"", close,
				    close == '}' ? '{' : '('));
			rlen = (size_t) (cp - start);
			cp++;
		} else {
			start = cp;
			while ((*cp >= 'a' && *cp <= 'z')
			    || (*cp >= 'A' && *cp <= 'Z')
			    || (*cp >= '0' && *cp <= '9') || *cp == '_')
				cp++;
			rlen = (size_t) (cp - start);
			if (rlen == 0)
				return (cfg_xwhy(x, name, file, line, "'$' "
				    "must be followed by a name or '$' (write "
				    "\"$$\" for a '$')"));
		}
		if (rlen == 0 || rlen > CFG_NAME_MAX)
			return (cfg_xwhy(x, name, file, line, "bad parameter "
			    "name in \"$\" expression"));
		memcpy(rname, start, rlen);
		rname[rlen] = 0;
		if (++x->steps > CFG_EXPAND_STEPS)
			return (cfg_xwhy(x, name, file, line, "more than %d "
			    "$name expansions", CFG_EXPAND_STEPS));
		if (!cfg_lookup(x, rname, &rvalue, &rfile, &rline))
			return (cfg_xwhy(x, name, file, line, "undefined "
			    "parameter $%s",
			    cfg_quote(qbuf, sizeof(qbuf), rname)));
		if (rfile == NULL && file != NULL) {
			/* A default: blame the setting that refers to it. */
			rfile = file;
			rline = line;
		}
		if ((status = cfg_expand_text(x, rvalue, rname, rfile, rline,
		    depth + 1)) != PC_OK)
			return (status);
	}
	return (PC_OK);

too_long:
	return (cfg_xwhy(x, name, file, line, "value longer than %zu bytes "
	    "after expansion", x->out->max));
}

/* cfg_expand - expand $name references in value */

int
cfg_expand(const struct cfg_param *tab,
    const struct cfg_dict *const layers[], size_t nlayers,
    const char *value, struct strbuf *out, struct strbuf *why)
{
	struct cfg_xctx x = {tab, layers, nlayers, out, why, 0};

	strbuf_reset(out);
	return (cfg_expand_text(&x, value, NULL, NULL, 0, 0));
}

/* cfg_parse_digits - unsigned decimal, overflow-checked */

static int
cfg_parse_digits(const char **sp, long long *val)
{
	const char *s = *sp;
	long long v = 0;

	if (*s < '0' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		if (__builtin_mul_overflow(v, 10, &v)
		    || __builtin_add_overflow(v, *s - '0', &v)) {
			while (*s >= '0' && *s <= '9')
				s++;
			*sp = s;
			return (-2);
		}
	}
	*sp = s;
	*val = v;
	return (0);
}

/* cfg_parse_int - optionally signed decimal */

static int
cfg_parse_int(const char *s, long long *val)
{
	long long v;
	int     neg = 0;
	int     ret;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if ((ret = cfg_parse_digits(&s, &v)) == -1 || *s != 0)
		return (-1);
	if (ret < 0)
		return (ret);
	*val = neg ? -v : v;
	return (0);
}

/* cfg_parse_scaled - digits with an optional one-letter unit */

static int
cfg_parse_scaled(const char *s, long long *val, const char *units,
    const long long *scale)
{
	const char *u;
	long long v;
	int     ret;

	if ((ret = cfg_parse_digits(&s, &v)) == -1)
		return (-1);
	if (*s != 0) {
		if (s[1] != 0 || (u = strchr(units, *s)) == NULL)
			return (-1);
		if (ret == 0 && __builtin_mul_overflow(v, scale[u - units], &v))
			ret = -2;
	}
	if (ret < 0)
		return (ret);
	*val = v;
	return (0);
}

/* cfg_parse_time - seconds with an optional unit s m h d w */

int
cfg_parse_time(const char *s, long long *secs)
{
	static const long long scale[] = {1, 60, 3600, 86400, 604800,
	1, 60, 3600, 86400, 604800};

	return (cfg_parse_scaled(s, secs, "smhdwSMHDW", scale));
}

/* cfg_parse_size - bytes with an optional unit k m g (1024) */

int
cfg_parse_size(const char *s, long long *bytes)
{
	static const long long scale[] = {1024LL, 1024LL * 1024,
		1024LL * 1024 * 1024, 1024LL, 1024LL * 1024,
	1024LL * 1024 * 1024};

	return (cfg_parse_scaled(s, bytes, "kmgKMG", scale));
}

/* cfg_parse_bool - yes/no and friends */

int
cfg_parse_bool(const char *s, int *val)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*val = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*val = 0;
			return (0);
		}
	}
	return (-1);
}

/* cfg_apply_one - expand, convert and store one parameter */

static int
cfg_apply_one(struct cfg_xctx *x, const struct cfg_param *p, void *base)
{
	static const char *const kind[] = {
		[CFG_STR] = "string", [CFG_INT] = "number",
		[CFG_BOOL] = "boolean (yes or no)",
		[CFG_TIME] = "time (number with unit s, m, h, d or w)",
		[CFG_SIZE] = "size (number with unit k, m or g)",
	};
	char    qbuf[CFG_QUOTE_MAX];
	char   *field = (char *) base + p->offset;
	const char *raw;
	const char *file;
	const char *val;
	long long num = 0;
	int     line;
	int     ret = 0;
	int     status;

	if (!cfg_lookup(x, p->name, &raw, &file, &line))
		log_panic("cfg_apply: %s: lookup failed", p->name);
	strbuf_reset(x->out);
	x->steps = 0;
	if ((status = cfg_expand_text(x, raw, p->name, file, line, 0)) != PC_OK)
		return (status);
	val = strbuf_str(x->out);
	if (strlen(val) != strbuf_len(x->out))
		return (cfg_xwhy(x, p->name, file, line, "NUL in value"));

	switch (p->type) {
	case CFG_STR:
		free(*(char **) (void *) field);
		*(char **) (void *) field = xstrdup(val);
		return (PC_OK);
	case CFG_BOOL:
		if (cfg_parse_bool(val, &ret) < 0)
			break;
		*(int *) (void *) field = ret;
		return (PC_OK);
	case CFG_INT:
		ret = cfg_parse_int(val, &num);
		break;
	case CFG_TIME:
		ret = cfg_parse_time(val, &num);
		break;
	case CFG_SIZE:
		ret = cfg_parse_size(val, &num);
		break;
	default:
		log_panic("cfg_apply: %s: bad type %d", p->name, (int) p->type);
	}
	if (p->type == CFG_BOOL || ret == -1) {
		if (file == NULL)
			return (cfg_why(x->why, NULL, 0, "default for %s = %s: "
			    "bad %s", p->name, cfg_quote(qbuf, sizeof(qbuf),
			    val), kind[p->type]));
		return (cfg_why(x->why, file, line, "%s = %s: bad %s", p->name,
		    cfg_quote(qbuf, sizeof(qbuf), val), kind[p->type]));
	}
	if (ret == -2 || ((p->min != 0 || p->max != 0)
	    && (num < p->min || num > p->max))) {
		if (file == NULL)
			return (cfg_why(x->why, NULL, 0, "default for %s = %s: "
			    "out of range (%lld..%lld)", p->name,
			    cfg_quote(qbuf, sizeof(qbuf), val), p->min,
			    p->max));
		return (cfg_why(x->why, file, line, "%s = %s: out of range "
		    "(%lld..%lld)", p->name, cfg_quote(qbuf, sizeof(qbuf),
		    val), p->min, p->max));
	}
	*(long long *) (void *) field = num;
	return (PC_OK);
}

/* cfg_apply - set typed fields from layered settings and defaults */

int
cfg_apply(const struct cfg_param *tab,
    const struct cfg_dict *const layers[], size_t nlayers, unsigned need,
    void *base, struct strbuf *why)
{
	struct cfg_xctx x = {tab, layers, nlayers, NULL, why, 0};
	const struct cfg_param *p;
	int     status = PC_OK;

	x.out = strbuf_alloc(PC_CFG_LINE_MAX);
	for (p = tab; p->name != NULL && status == PC_OK; p++)
		if (p->flags & need)
			status = cfg_apply_one(&x, p, base);
	strbuf_free(x.out);
	return (status);
}

/* cfg_free_values - free the CFG_STR fields cfg_apply() stored */

void
cfg_free_values(const struct cfg_param *tab, unsigned need, void *base)
{
	const struct cfg_param *p;
	char  **field;

	for (p = tab; p->name != NULL; p++) {
		if (p->type == CFG_STR && (p->flags & need)) {
			field = (char **) (void *) ((char *) base + p->offset);
			free(*field);
			*field = NULL;
		}
	}
}
