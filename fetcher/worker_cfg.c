/*
 * NAME
 *	worker_cfg - encode and decode a spawned worker's settings
 * SYNOPSIS
 *	See worker_cfg.h.
 * DESCRIPTION
 *	The record, every integer a 32-bit big-endian word:
 *
 *		"PCW1"			magic (and version)
 *		log_level flags		LOGL_NONE..LOGL_MAXIMUM, WORKER_CFG_*
 *		TABLE			main settings
 *		STR STR STR STR STR U32	mailbox name, type, url, deliver_to,
 *					file, line
 *		TABLE			the mailbox's -o settings
 *		TABLE			passwords (only the ones it needs)
 *
 *	TABLE is a count (at most WORKER_CFG_ENTRIES_MAX) and that many
 *	ENTRY: STR name, STR value, STR file, U32 line.  STR is a length
 *	(at most WORKER_CFG_STR_MAX) and as many octets, none of them NUL;
 *	the length 0xffffffff is a null string (only deliver_to and an
 *	entry's file may be null).  A line is at most INT_MAX.  Nothing
 *	may follow the last table.
 * SECURITY
 *	Every length is checked against what is left before anything is
 *	read or allocated; copies of values are wiped when freed.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "worker_cfg.h"

#define WC_MAGIC	"PCW1"
#define WC_NULL		0xffffffffu

/* put_u32 - append a big-endian word */

static int
put_u32(struct strbuf *out, uint32_t v)
{
	unsigned char b[4];

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	return (strbuf_append(out, b, sizeof(b)));
}

/* put_str - append a string (NULL: the null length) */

static int
put_str(struct strbuf *out, const char *s)
{
	size_t	n;

	if (s == NULL)
		return (put_u32(out, WC_NULL));
	n = strlen(s);
	if (n > WORKER_CFG_STR_MAX)
		return (-1);
	if (put_u32(out, (uint32_t)n) != 0)
		return (-1);
	return (strbuf_append(out, s, n));
}

/* put_entry - append one table entry */

static int
put_entry(struct strbuf *out, const struct cfg_entry *e)
{
	if (e->line < 0 || put_str(out, e->name) != 0 ||
	    put_str(out, e->value) != 0 || put_str(out, e->file) != 0)
		return (-1);
	return (put_u32(out, (uint32_t)e->line));
}

/* put_dict - append a whole table (NULL: empty) */

static int
put_dict(struct strbuf *out, const struct cfg_dict *d)
{
	size_t	i, n = d ? d->n : 0;

	if (n > WORKER_CFG_ENTRIES_MAX || put_u32(out, (uint32_t)n) != 0)
		return (-1);
	for (i = 0; i < n; i++)
		if (put_entry(out, &d->v[i]) != 0)
			return (-1);
	return (0);
}

/* worker_cfg_encode - the record a worker reads */

int
worker_cfg_encode(struct strbuf *out, int log_level, unsigned flags,
    const struct cfg_dict *main, const struct cfg_mailbox *m,
    const struct cfg_dict *pw, const char *const *names, size_t nnames)
{
	const struct cfg_entry *e[2];
	size_t	i, j, n = 0;

	/* The named entries of pw, each once (at most two are asked). */
	for (i = 0; i < nnames && n < 2; i++) {
		const struct cfg_entry *f = pw ? cfg_dict_find(pw, names[i]) :
		    NULL;

		for (j = 0; f != NULL && j < n; j++)
			if (e[j] == f)
				f = NULL;
		if (f != NULL)
			e[n++] = f;
	}
	if (log_level < LOGL_NONE || log_level > LOGL_MAXIMUM ||
	    (flags & ~WORKER_CFG_FLAGS) != 0 || m->line < 0 ||
	    m->name == NULL || m->type == NULL || m->url == NULL ||
	    m->file == NULL)
		return (PC_PERM);
	if (strbuf_append(out, WC_MAGIC, 4) != 0 ||
	    put_u32(out, (uint32_t)log_level) != 0 ||
	    put_u32(out, flags) != 0 || put_dict(out, main) != 0 ||
	    put_str(out, m->name) != 0 || put_str(out, m->type) != 0 ||
	    put_str(out, m->url) != 0 || put_str(out, m->deliver_to) != 0 ||
	    put_str(out, m->file) != 0 || put_u32(out, (uint32_t)m->line) !=
	    0 || put_dict(out, m->opts) != 0 || put_u32(out, (uint32_t)n) != 0)
		return (PC_PERM);
	for (i = 0; i < n; i++)
		if (put_entry(out, e[i]) != 0)
			return (PC_PERM);
	return (out->len > WORKER_CFG_MAX ? PC_PERM : PC_OK);
}

/* The decoder's cursor. */
struct rd {
	const unsigned char *p;
	size_t	len;
	size_t	off;
	const char *err;		/* the first problem */
};

/* bad - note the first problem; always -1 */

static int
bad(struct rd *r, const char *err)
{
	if (r->err == NULL)
		r->err = err;
	return (-1);
}

/* get_u32 - read a big-endian word */

static int
get_u32(struct rd *r, uint32_t *v)
{
	const unsigned char *b = r->p + r->off;

	*v = 0;
	if (r->len - r->off < 4)
		return (bad(r, "truncated"));
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
	r->off += 4;
	return (0);
}

/* get_line - read a line number */

static int
get_line(struct rd *r, int *line)
{
	uint32_t v = 0;

	if (get_u32(r, &v) != 0)
		return (-1);
	if (v > INT_MAX)
		return (bad(r, "line number out of range"));
	*line = (int)v;
	return (0);
}

/* get_str - read a string into a new allocation (or NULL if nullable) */

static int
get_str(struct rd *r, char **s, int nullable)
{
	uint32_t n;

	*s = NULL;
	if (get_u32(r, &n) != 0)
		return (-1);
	if (n == WC_NULL)
		return (nullable ? 0 : bad(r, "null string"));
	if (n > WORKER_CFG_STR_MAX)
		return (bad(r, "string too long"));
	if (r->len - r->off < n)
		return (bad(r, "truncated string"));
	if (memchr(r->p + r->off, 0, n) != NULL)
		return (bad(r, "NUL in a string"));
	*s = xstrndup((const char *)r->p + r->off, n);
	r->off += n;
	return (0);
}

/* get_dict - read a table into a new dictionary */

static int
get_dict(struct rd *r, struct cfg_dict **dp)
{
	struct cfg_dict *d = cfg_dict_alloc();
	char   *name = NULL, *value = NULL, *file = NULL;
	uint32_t n, i;
	int	line, rc = 0;

	*dp = d;
	if (get_u32(r, &n) != 0)
		return (-1);
	if (n > WORKER_CFG_ENTRIES_MAX)
		return (bad(r, "too many entries"));
	for (i = 0; i < n && rc == 0; i++) {
		if (get_str(r, &name, 0) != 0 || get_str(r, &value, 0) != 0 ||
		    get_str(r, &file, 1) != 0 || get_line(r, &line) != 0)
			rc = -1;
		else if (*name == 0)
			rc = bad(r, "empty name");
		else if (cfg_dict_find(d, name) != NULL)
			rc = bad(r, "duplicate name");
		else
			cfg_dict_set(d, name, value, file, line);
		free(name);
		if (value)
			xfree_secret(value);
		free(file);
		name = value = file = NULL;
	}
	return (rc);
}

/* get_box - read the mailbox */

static int
get_box(struct rd *r, struct cfg_mailbox *m)
{
	if (get_str(r, &m->name, 0) != 0 || get_str(r, &m->type, 0) != 0 ||
	    get_str(r, &m->url, 0) != 0 || get_str(r, &m->deliver_to, 1) !=
	    0 || get_str(r, &m->file, 0) != 0 || get_line(r, &m->line) != 0 ||
	    get_dict(r, &m->opts) != 0)
		return (-1);
	if (*m->name == 0)
		return (bad(r, "empty mailbox name"));
	return (0);
}

/* worker_cfg_decode - the record, strictly */

int
worker_cfg_decode(const void *buf, size_t len, struct worker_cfg *w,
    struct strbuf *why)
{
	struct rd r;
	uint32_t level, flags;

	memset(w, 0, sizeof(*w));
	memset(&r, 0, sizeof(r));
	r.p = buf;
	r.len = len;
	if (len > WORKER_CFG_MAX)
		(void)bad(&r, "record too long");
	else if (len < 4 || memcmp(buf, WC_MAGIC, 4) != 0)
		(void)bad(&r, "bad magic");
	else {
		r.off = 4;
		if (get_u32(&r, &level) == 0 && get_u32(&r, &flags) == 0) {
			if (level > LOGL_MAXIMUM)
				(void)bad(&r, "bad log level");
			else if ((flags & ~WORKER_CFG_FLAGS) != 0)
				(void)bad(&r, "unknown flag");
			w->log_level = (int)level;
			w->flags = flags;
		}
		if (r.err == NULL && get_dict(&r, &w->main) == 0 &&
		    get_box(&r, &w->box) == 0 && get_dict(&r, &w->pw) == 0 &&
		    r.off != r.len)
			(void)bad(&r, "trailing bytes");
	}
	if (r.err == NULL)
		return (PC_OK);
	worker_cfg_free(w);
	strbuf_printf(why, "worker settings: %s at octet %zu", r.err, r.off);
	return (PC_PERM);
}

/* worker_cfg_free - release, wiping the passwords */

void
worker_cfg_free(struct worker_cfg *w)
{
	w->main = cfg_dict_free(w->main);
	w->pw = cfg_dict_free(w->pw);
	w->box.opts = cfg_dict_free(w->box.opts);
	free(w->box.name);
	free(w->box.type);
	free(w->box.url);
	free(w->box.deliver_to);
	free(w->box.file);
	memset(w, 0, sizeof(*w));
}
