/*
 * NAME
 *	table_int.h - what table.c and table_pcre.c share (private to lib/)
 * DESCRIPTION
 *	The table object itself, and the pcre: half's two entry points:
 *	table_pcre_line() compiles one "/regex/flags result" line into
 *	t->rules (a table_lines() callback), table_get_pcre() tries them in
 *	order.  Nothing outside lib/table*.c includes this.
 */
#ifndef TABLE_INT_H
#define TABLE_INT_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "strbuf.h"
#include "table.h"

enum table_kind {
	TABLE_FAIL,		/* surrogate */
	TABLE_HASH,		/* texthash: or postmap -s */
	TABLE_PCRE,
	TABLE_PASSWD,		/* unix:passwd.byname (getpwnam) */
};

struct table_entry {
	char	*key;
	char	*value;
	int	line;		/* 0 for indexed tables */
};

struct table_rule {
	pcre2_code *re;
	int	negate;
	char	*result;
	int	line;
};

struct table {
	enum table_kind kind;
	char	*name;		/* "type:path" */
	char	*fail_why;	/* surrogate: why */
	struct table_entry *ent;
	size_t	nent;
	struct table_rule *rules;
	size_t	nrules;
	pcre2_match_context *mctx;
};

/* table_isblank - white space inside a line */

static inline int
table_isblank(int c)
{
	return (c == ' ' || c == '\t' || c == '\r');
}

int	table_pcre_line(struct table *t, const char *file, int line,
	    char *text, size_t len, struct strbuf *why);
const char *table_get_pcre(const struct table *t, const char *key,
	    struct table_hit *hit, int *err);

#endif
