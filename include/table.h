/*
 * NAME
 *	table.h - Postfix-style lookup tables ("type:name")
 * SYNOPSIS
 *	int table_open(const char *spec, const char *postfix_conf,
 *		struct table **tp, struct strbuf *why);	*tp: caller frees
 *	struct table *table_free(struct table *t);	returns NULL
 *	const char *table_name(const struct table *t);	owned by t
 *	int table_is_regex(const struct table *t);
 *	int table_file(const struct table *t, char *buf, size_t size);
 *
 *	struct table_hit *table_hit_alloc(void);	caller frees
 *	struct table_hit *table_hit_free(struct table_hit *h);
 *	const char *table_get(const struct table *t, const char *key,
 *		struct table_hit *hit, int *err);	owned by hit
 *	const char *table_get_addr(const struct table *t, const char *addr,
 *		int local, const char *delim, struct table_hit *hit,
 *		int *err);	owned by hit
 *
 *	int table_list_open(const char *specs, const char *postfix_conf,
 *		struct table_list *l, struct strbuf *why);
 *	void table_list_free(struct table_list *l);
 * DESCRIPTION
 *	table_file() gives the file whose change changes the table: the
 *	source of texthash: and pcre:, the file postmap(1) writes for the
 *	indexed types (FILE.db, .cdb, .lmdb, .pag); -1 if it does not fit.
 *
 *	Types:
 *	texthash:FILE	postmap(1) source format read directly: "key value"
 *			lines, '#' comment lines, blank lines, continuation
 *			lines that start with white space.  Keys are folded
 *			to lower case; the first of duplicate keys wins.
 *	pcre:FILE	"/regex/flags result" lines (any non-alphanumeric
 *			delimiter; "!/regex/ result" matches when the regex
 *			does not), compiled at load time.  Flags as Postfix's
 *			pcre_table(5): i (toggles case-insensitivity, which
 *			is the default), m, s, x, A, E, U, X.  The result may
 *			use $1..$9, ${N}, $(N) and $$.  The first match wins.
 *	unix:passwd.byname  the password file (getpwnam_r): a user name
 *			gives its home directory.
 *	proxy:TYPE:NAME	read as TYPE:NAME (proxymap(8) gives the same
 *			answers).
 *	hash:, btree:, cdb:, lmdb:, dbm:, sdbm:  indexed tables, read
 *			whole by running "postmap [-c postfix_conf] -s
 *			type:name" (no shell) at open time.
 *
 *	A table that cannot be opened (missing file, syntax error, unknown
 *	type) becomes a surrogate: table_open() returns the error (naming
 *	the file and line) and still sets *tp to a table whose lookups
 *	fail (Postfix's dict_surrogate).
 *
 *	table_get() looks up key (folded to lower case for non-regex
 *	tables).  The result is copied into hit->value; hit->where says
 *	which entry matched ("texthash:/etc/popconn/routing:12",
 *	"pcre:/etc/popconn/routing.pcre:3", "hash:/etc/popconn/routing").
 *	Each caller (thread) owns its hit; tables are read-only after open,
 *	and pcre match data is allocated per call, so lookups on one table
 *	from several threads are safe.
 *
 *	table_get_addr() follows Postfix's mail_addr_find(3) order for an
 *	address user+ext@domain: "user+ext@domain", "user@domain", then,
 *	when local is set (domain is one of ours), "user+ext" and "user",
 *	then "@domain".  The extension starts at the first character of the
 *	address that is in delim (Postfix's recipient_delimiter; NULL or ""
 *	means no extensions: the full address, the local part when local,
 *	and "@domain").  Regex tables see the full address only.
 *
 *	table_list_open() opens a list of specs separated by commas or
 *	white space, in order; l->v[i] is set for every spec even when
 *	some fail (the first error is returned).
 * DIAGNOSTICS
 *	table_open(), table_list_open(): PC_OK, PC_PERM (syntax, unknown
 *	type; "FILE, line N: reason") or PC_TEMP (cannot read).
 *	table_get*(): the value, or NULL with *err PC_OK (not found) or
 *	PC_TEMP (table error; the reason in hit->why).  A regex match that
 *	hits PCRE's match or depth limit counts as no match (it would fail
 *	the same way on every retry).
 * SECURITY
 *	Table files are configuration (trusted) but bounded: TABLE_FILE_MAX
 *	bytes, PC_CFG_LINE_MAX per logical line.  Keys come from messages:
 *	regex matching runs under match and depth limits.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>
#include "strbuf.h"

#define TABLE_FILE_MAX		(64 * 1024 * 1024)
#define TABLE_VALUE_MAX		(64 * 1024)
#define TABLE_KEY_MAX		(64 * 1024)
#define TABLE_PCRE_MATCH_LIMIT	100000
#define TABLE_PCRE_DEPTH_LIMIT	10000
#define TABLE_POSTMAP_PATH	"/usr/sbin/postmap"
#define TABLE_POSTMAP_TIMEOUT	60

struct table;

struct table_hit {
	struct strbuf *value;
	struct strbuf *where;
	struct strbuf *why;
};

struct table_list {
	struct table **v;
	size_t	n;
};

int table_open(const char *spec, const char *postfix_conf,
    struct table **tp, struct strbuf *why);
struct table *table_free(struct table *t);
const char *table_name(const struct table *t);
int table_is_regex(const struct table *t);
int table_file(const struct table *t, char *buf, size_t size);

struct table_hit *table_hit_alloc(void);
struct table_hit *table_hit_free(struct table_hit *h);
const char *table_get(const struct table *t, const char *key,
    struct table_hit *hit, int *err);
const char *table_get_addr(const struct table *t, const char *addr,
    int local, const char *delim, struct table_hit *hit, int *err);

int table_list_open(const char *specs, const char *postfix_conf,
    struct table_list *l, struct strbuf *why);
void table_list_free(struct table_list *l);

#endif
