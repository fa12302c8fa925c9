/*
 * NAME
 *	cfg - popconn.cf, mailboxes.cf and passwords
 * SYNOPSIS
 *	#include "cfg.h"
 *
 *	struct cfg_dict *cfg_dict_alloc(void);		caller frees
 *	struct cfg_dict *cfg_dict_free(struct cfg_dict *d);	returns NULL
 *	void cfg_dict_set(struct cfg_dict *d, const char *name,
 *		const char *value, const char *file, int line);	copies all
 *	const struct cfg_entry *cfg_dict_find(const struct cfg_dict *d,
 *		const char *name);			owned by d
 *
 *	int cfg_parse_main(const char *path, struct cfg_dict *d,
 *		struct strbuf *why);
 *	int cfg_parse_main_buf(const char *file, const char *text,
 *		size_t len, struct cfg_dict *d, struct strbuf *why);
 *
 *	int cfg_parse_mailboxes(const char *path, struct cfg_mailboxes *m,
 *		struct strbuf *why);
 *	int cfg_parse_mailboxes_buf(const char *file, const char *text,
 *		size_t len, struct cfg_mailboxes *m, struct strbuf *why);
 *	void cfg_mailboxes_free(struct cfg_mailboxes *m);
 *
 *	int cfg_load_passwords(const char *path, struct cfg_dict *d,
 *		struct strbuf *why);
 *	int cfg_parse_passwords_buf(const char *file, const char *text,
 *		size_t len, struct cfg_dict *d, struct strbuf *why);
 * DESCRIPTION
 *	A cfg_dict maps names to raw (unexpanded) values, each with the
 *	file and line where it was set.  Setting a name again replaces the
 *	value.  Values are wiped when replaced or freed, since a dict may
 *	hold passwords.
 *
 *	popconn.cf follows Postfix's main.cf: "name = value"; a line whose
 *	first non-blank character is '#' is a comment; a blank line is
 *	ignored; a line that starts with white space continues the
 *	logical line, joined with one space (as Postfix's readlline()).
 *	Names are 1..CFG_NAME_MAX characters of [A-Za-z0-9_.-].  Values
 *	are stored without leading and trailing white space.  A logical
 *	line is at most PC_CFG_LINE_MAX bytes and a file at most
 *	CFG_FILE_MAX bytes.
 *
 *	Typed settings (cfg_check_known(), cfg_apply(), cfg_expand() and
 *	the value parsers) are in cfg_apply.c; cfg_int.h declares what the
 *	two files share.
 *
 *	mailboxes.cf: a line starting in column one begins an entry,
 *	"name type url [deliver-to]", then "-o name=value" pairs, which
 *	may also appear on continuation lines (white space first).  The
 *	columns may continue on continuation lines too, as in master.cf.
 *	cfg_parse_mailboxes_buf() appends to m, which the caller zeroes
 *	first and frees with cfg_mailboxes_free() also after an error.
 *	deliver-to is at most CFG_ADDR_MAX bytes, printable, and does not
 *	start with '-' (it ends up in sendmail's argument list).
 *
 *	passwords: "name secret" lines; the secret is the rest of the line
 *	after the white space that follows the name, without a trailing
 *	CR.  A name may appear only once.
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with "FILE, line N: reason" in why; PC_TEMP when
 *	a file cannot be read.  A NUL byte in a file is an error.
 * SECURITY
 *	Configuration is trusted more than network input, but every line,
 *	name, file and expansion is bounded, so a broken file cannot
 *	exhaust memory or time.  Messages about the passwords file never
 *	quote a secret; values are quoted through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdint.h>
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
#include "safeio.h"
#include "url.h"

#define CFG_FILE_MAX		(64 * 1024 * 1024)	/* one config file */
#define CFG_ADDR_MAX		320	/* deliver-to: 64 + '@' + 255 */
#define CFG_WHY_MAX		1024	/* a message */


/* Physical line reader. */
struct cfg_reader {
	const char *text;
	size_t	len;
	size_t	pos;
	int	lineno;
};

/* cfg_why - set "FILE, line N: reason" (or "reason"), if wanted */

int
cfg_why(struct strbuf *why, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return (PC_PERM);
	strbuf_reset(why);
	if (file != NULL)
		(void) strbuf_printf(why, "%s, line %d: ", file, line);
	va_start(ap, fmt);
	(void) reason_vappend(why, fmt, ap);
	va_end(ap);
	return (PC_PERM);
}

/* cfg_isblank - white space within a line */

static int
cfg_isblank(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f');
}

/* cfg_isnamechar - may c appear in a parameter or mailbox name? */

static int
cfg_isnamechar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

/* cfg_valid_name - 1..max name characters */

static int
cfg_valid_name(const char *s, size_t len, size_t max)
{
	size_t  i;

	if (len == 0 || len > max)
		return (0);
	for (i = 0; i < len; i++)
		if (!cfg_isnamechar((unsigned char) s[i]))
			return (0);
	return (1);
}

/* cfg_quote - printable, bounded copy of a value for a message */

const char *
cfg_quote(char *buf, size_t size, const char *s)
{
	return (log_printable(buf, size, s, strlen(s)));
}

/* cfg_next_line - next physical line, without LF and a final CR */

static int
cfg_next_line(struct cfg_reader *r, const char **line, size_t *len)
{
	const char *nl;
	size_t  n;

	if (r->pos >= r->len)
		return (0);
	*line = r->text + r->pos;
	nl = memchr(*line, '\n', r->len - r->pos);
	n = nl ? (size_t) (nl - *line) : r->len - r->pos;
	r->pos += n + (nl != NULL);
	r->lineno++;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return (1);
}

/* cfg_check_line - length and NUL checks for one physical line */

static int
cfg_check_line(const char *file, int lineno, const char *line, size_t len,
    struct strbuf *why)
{
	if (len > PC_CFG_LINE_MAX)
		return (cfg_why(why, file, lineno, "line longer than %d bytes",
		    PC_CFG_LINE_MAX));
	if (memchr(line, 0, len) != NULL)
		return (cfg_why(why, file, lineno, "NUL character in line"));
	return (PC_OK);
}

/* cfg_skip_comment - is the line blank or a comment? */

static int
cfg_skip_comment(const char *line, size_t len)
{
	size_t  i = 0;

	while (i < len && cfg_isblank((unsigned char) line[i]))
		i++;
	return (i == len || line[i] == '#');
}

/* cfg_dict_alloc - create an empty dictionary */

struct cfg_dict *
cfg_dict_alloc(void)
{
	return (xcalloc(1, sizeof(struct cfg_dict)));
}

/* cfg_dict_free - destroy a dictionary, wiping values */

struct cfg_dict *
cfg_dict_free(struct cfg_dict *d)
{
	size_t  i;

	if (d == NULL)
		return (NULL);
	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		xfree_secret(d->v[i].value);
		free(d->v[i].file);
	}
	free(d->v);
	free(d->slot);
	free(d);
	return (NULL);
}

/*
 * A dictionary of CFG_DICT_HASH entries or more gets a hash index: the
 * passwords file names every mailbox, and a linear search per lookup
 * made loading it, and every poll's settings, grow with the number of
 * mailboxes (issue 22).  Names are never changed once added.
 */
#define CFG_DICT_HASH	16

/* cfg_dict_hash - FNV-1a of a name */

static size_t
cfg_dict_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *name; name++) {
		h ^= (unsigned char) *name;
		h *= 1099511628211ULL;
	}
	return ((size_t) h);
}

/* cfg_dict_slot_add - put v[i] in the index */

static void
cfg_dict_slot_add(struct cfg_dict *d, size_t i)
{
	size_t  mask = d->nslot - 1, j = cfg_dict_hash(d->v[i].name) & mask;

	while (d->slot[j] != 0)
		j = (j + 1) & mask;
	d->slot[j] = i + 1;
}

/*
 * cfg_dict_reindex - an index at most half full, after v grew (a
 * worker inherits it: 8 bytes a slot, 2 to 4 slots a name)
 */

static void
cfg_dict_reindex(struct cfg_dict *d)
{
	size_t  i;

	if (d->n < CFG_DICT_HASH || (d->nslot && 2 * d->n <= d->nslot))
		return;
	d->nslot = d->nslot ? d->nslot : 64;
	while (d->nslot < 4 * d->n)
		d->nslot *= 2;
	free(d->slot);
	d->slot = xcalloc(d->nslot, sizeof(*d->slot));
	for (i = 0; i < d->n; i++)
		cfg_dict_slot_add(d, i);
}

/* cfg_dict_index - index of a name, or d->n */

static size_t
cfg_dict_index(const struct cfg_dict *d, const char *name)
{
	size_t  i, j, mask;

	if (d->nslot == 0) {
		for (i = 0; i < d->n; i++)
			if (strcmp(d->v[i].name, name) == 0)
				break;
		return (i);
	}
	mask = d->nslot - 1;
	for (j = cfg_dict_hash(name) & mask; d->slot[j] != 0; j = (j + 1) &
	    mask)
		if (strcmp(d->v[d->slot[j] - 1].name, name) == 0)
			return (d->slot[j] - 1);
	return (d->n);
}

/* cfg_dict_find - look up a name; owned by d */

const struct cfg_entry *
cfg_dict_find(const struct cfg_dict *d, const char *name)
{
	size_t  i = cfg_dict_index(d, name);

	return (i < d->n ? &d->v[i] : NULL);
}

/* cfg_dict_set - add or replace a setting */

void
cfg_dict_set(struct cfg_dict *d, const char *name, const char *value,
    const char *file, int line)
{
	size_t  i = cfg_dict_index(d, name);
	struct cfg_entry *e;

	/* NOLINTBEGIN(clang-analyzer-core.NullDereference): the analyzer
	 * takes d->v == NULL with d->n > 0; d->v is NULL only while
	 * d->n == d->cap == 0 (cfg_dict_alloc zeroes, only this grows). */
	if (i == d->n) {
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 16;
			d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
		}
		e = &d->v[d->n++];
		e->name = xstrdup(name);
		if (d->nslot && 2 * d->n <= d->nslot)
			cfg_dict_slot_add(d, d->n - 1);
		else
			cfg_dict_reindex(d);
	} else {
		e = &d->v[i];
		xfree_secret(e->value);
		free(e->file);
	}
	e->value = xstrdup(value);
	/* NOLINTEND(clang-analyzer-core.NullDereference) */
	e->file = file ? xstrdup(file) : NULL;
	e->line = line;
}

/* cfg_main_setting - parse one logical "name = value" line */

static int
cfg_main_setting(const char *file, int lineno, char *text, size_t len,
    struct cfg_dict *d, struct strbuf *why)
{
	char    qbuf[CFG_QUOTE_MAX];
	size_t  i = 0;
	size_t  nend;
	size_t  vstart;

	while (i < len && cfg_isnamechar((unsigned char) text[i]))
		i++;
	nend = i;
	while (i < len && cfg_isblank((unsigned char) text[i]))
		i++;
	if (nend == 0)
		return (cfg_why(why, file, lineno, "expected \"name = value\", "
		    "got \"%s\"", log_printable(qbuf, sizeof(qbuf), text, len)));
	if (i >= len || text[i] != '=') {
		text[nend] = 0;
		return (cfg_why(why, file, lineno, "missing '=' after "
		    "parameter name \"%s\"",
		    cfg_quote(qbuf, sizeof(qbuf), text)));
	}
	if (nend > CFG_NAME_MAX)
		return (cfg_why(why, file, lineno, "parameter name longer "
		    "than %d characters", CFG_NAME_MAX));
	i++;
	while (i < len && cfg_isblank((unsigned char) text[i]))
		i++;
	vstart = i;
	while (len > vstart && cfg_isblank((unsigned char) text[len - 1]))
		len--;
	text[nend] = 0;
	text[len] = 0;
	cfg_dict_set(d, text, text + vstart, file, lineno);
	return (PC_OK);
}

/* cfg_parse_main_buf - parse popconn.cf text */

int
cfg_parse_main_buf(const char *file, const char *text, size_t len,
    struct cfg_dict *d, struct strbuf *why)
{
	struct cfg_reader r = {text, len, 0, 0};
	struct strbuf *lbuf = strbuf_alloc(PC_CFG_LINE_MAX);
	const char *line;
	size_t  llen;
	size_t  i;
	int     start = 0;		/* line of the pending logical line */
	int     status = PC_OK;

	while (status == PC_OK && cfg_next_line(&r, &line, &llen)) {
		if ((status = cfg_check_line(file, r.lineno, line, llen,
		    why)) != PC_OK)
			break;
		if (cfg_skip_comment(line, llen))
			continue;
		if (cfg_isblank((unsigned char) line[0])) {
			if (start == 0) {
				status = cfg_why(why, file, r.lineno,
				    "continuation line without a setting "
				    "before it");
				break;
			}
			for (i = 0; cfg_isblank((unsigned char) line[i]); i++)
				 /* void */ ;
			while (llen > i
			    && cfg_isblank((unsigned char) line[llen - 1]))
				llen--;
			if (strbuf_putc(lbuf, ' ') < 0
			    || strbuf_append(lbuf, line + i, llen - i) < 0)
				status = cfg_why(why, file, start, "logical "
				    "line longer than %d bytes",
				    PC_CFG_LINE_MAX);
			continue;
		}
		if (start != 0)
			status = cfg_main_setting(file, start, lbuf->data,
			    lbuf->len, d, why);
		strbuf_reset(lbuf);
		start = r.lineno;
		if (status == PC_OK)
			(void) strbuf_append(lbuf, line, llen);	/* fits */
	}
	if (status == PC_OK && start != 0)
		status = cfg_main_setting(file, start, lbuf->data, lbuf->len,
		    d, why);
	strbuf_free(lbuf);
	return (status);
}

/* cfg_read - read a whole config file */

static int
cfg_read(const char *path, int secret, struct strbuf **out,
    struct strbuf *why)
{
	*out = strbuf_alloc(CFG_FILE_MAX);
	return (safeio_read_file(path, CFG_FILE_MAX, secret, *out, why));
}

/* cfg_parse_main - parse popconn.cf */

int
cfg_parse_main(const char *path, struct cfg_dict *d, struct strbuf *why)
{
	struct strbuf *buf;
	int     status;

	if ((status = cfg_read(path, 0, &buf, why)) == PC_OK)
		status = cfg_parse_main_buf(path, buf->data, buf->len, d, why);
	strbuf_free(buf);
	return (status);
}

/* cfg_mailbox_new - append an empty entry to m */

static struct cfg_mailbox *
cfg_mailbox_new(struct cfg_mailboxes *m, const char *file, int line)
{
	struct cfg_mailbox *mb;

	/* The capacity is the next power of two: grow when n is one. */
	if (m->n == 0 || (m->n & (m->n - 1)) == 0)
		m->v = xrealloc(m->v, (m->n ? m->n * 2 : 1) * sizeof(*m->v));
	mb = &m->v[m->n++];
	memset(mb, 0, sizeof(*mb));
	mb->file = xstrdup(file);
	mb->line = line;
	mb->opts = cfg_dict_alloc();
	return (mb);
}

/* Mailbox parser state. */
struct cfg_mbstate {
	struct cfg_mailboxes *m;
	struct cfg_mailbox *cur;	/* entry being read, or NULL */
	const char *file;
	int	col;			/* columns seen; 4: -o pairs only */
	int	o_line;			/* line of a pending "-o", or 0 */
	struct strbuf *why;
	struct cfg_dict *names;		/* the names so far, where from */
};

/* cfg_mb_column - store one column word of the current entry */

static int
cfg_mb_column(struct cfg_mbstate *s, int lineno, const char *w, size_t wlen)
{
	struct cfg_mailbox *mb = s->cur;
	const struct cfg_entry *e;
	struct strbuf *uwhy;
	struct url u;
	size_t  i;
	int     status;

	switch (s->col) {
	case 0:
		if (!cfg_valid_name(w, wlen, PC_NAME_MAX))
			return (cfg_why(s->why, s->file, lineno, "bad mailbox "
			    "name: use 1..%d characters of A-Z a-z 0-9 . _ -",
			    PC_NAME_MAX));
		mb->name = xstrndup(w, wlen);
		if ((e = cfg_dict_find(s->names, mb->name)) != NULL)
			return (cfg_why(s->why, s->file, mb->line,
			    "duplicate mailbox %s (first defined at %s, line "
			    "%d)", mb->name, e->file, e->line));
		cfg_dict_set(s->names, mb->name, "", mb->file, mb->line);
		break;
	case 1:
		if (wlen == 4 && strncasecmp(w, "user", 4) == 0)
			mb->type = xstrdup("user");
		else if (wlen == 6 && strncasecmp(w, "global", 6) == 0)
			mb->type = xstrdup("global");
		else
			return (cfg_why(s->why, s->file, lineno, "%s: type must "
			    "be \"user\" or \"global\"", mb->name));
		break;
	case 2:
		mb->url = xstrndup(w, wlen);
		uwhy = strbuf_alloc(CFG_WHY_MAX);
		status = url_parse(mb->url, &u, uwhy);
		url_free(&u);
		if (status != PC_OK)
			(void) cfg_why(s->why, s->file, lineno, "%s: %s",
			    mb->name, strbuf_str(uwhy));
		strbuf_free(uwhy);
		if (status != PC_OK)
			return (status);
		break;
	case 3:
		if (wlen == 1 && w[0] == '-')
			break;
		if (w[0] == '-' || wlen > CFG_ADDR_MAX)
			return (cfg_why(s->why, s->file, lineno, "%s: bad "
			    "deliver-to (at most %d characters, not starting "
			    "with '-')", mb->name, CFG_ADDR_MAX));
		for (i = 0; i < wlen; i++)
			if ((unsigned char) w[i] < 0x20 || w[i] == 0x7f)
				return (cfg_why(s->why, s->file, lineno, "%s: "
				    "control character in deliver-to",
				    mb->name));
		mb->deliver_to = xstrndup(w, wlen);
		break;
	default:
		log_panic("cfg_mb_column: column %d", s->col);
	}
	s->col++;
	return (PC_OK);
}

/* cfg_mb_option - store the "name=value" word after -o */

static int
cfg_mb_option(struct cfg_mbstate *s, int lineno, const char *w, size_t wlen)
{
	const char *eq = memchr(w, '=', wlen);
	char   *name;
	char   *value;

	if (eq == NULL)
		return (cfg_why(s->why, s->file, lineno, "%s: -o needs "
		    "name=value", s->cur->name));
	if (!cfg_valid_name(w, (size_t) (eq - w), CFG_NAME_MAX))
		return (cfg_why(s->why, s->file, lineno, "%s: -o: bad "
		    "parameter name", s->cur->name));
	name = xstrndup(w, (size_t) (eq - w));
	value = xstrndup(eq + 1, wlen - (size_t) (eq + 1 - w));
	cfg_dict_set(s->cur->opts, name, value, s->file, lineno);
	free(name);
	free(value);
	return (PC_OK);
}

/* cfg_mb_word - one word of an entry */

static int
cfg_mb_word(struct cfg_mbstate *s, int lineno, const char *w, size_t wlen)
{
	char    qbuf[CFG_QUOTE_MAX];

	if (s->o_line) {
		s->o_line = 0;
		return (cfg_mb_option(s, lineno, w, wlen));
	}
	if (wlen == 2 && w[0] == '-' && w[1] == 'o' && s->col >= 3) {
		s->o_line = lineno;
		s->col = 4;
		return (PC_OK);
	}
	if (s->col < 4)
		return (cfg_mb_column(s, lineno, w, wlen));
	return (cfg_why(s->why, s->file, lineno, "%s: unexpected \"%s\" "
	    "(expected -o name=value)", s->cur->name,
	    log_printable(qbuf, sizeof(qbuf), w, wlen)));
}

/* cfg_mb_finish - check that the current entry is complete */

static int
cfg_mb_finish(struct cfg_mbstate *s)
{
	static const char *const missing[] = {"name", "type", "url"};

	if (s->cur == NULL)
		return (PC_OK);
	if (s->col < 3)
		return (cfg_why(s->why, s->file, s->cur->line, "%s%smissing %s "
		    "(expected \"name type url [deliver-to]\")",
		    s->cur->name ? s->cur->name : "",
		    s->cur->name ? ": " : "", missing[s->col]));
	if (s->o_line)
		return (cfg_why(s->why, s->file, s->o_line, "%s: -o needs "
		    "name=value", s->cur->name));
	s->cur = NULL;
	return (PC_OK);
}

/* cfg_parse_mailboxes_buf - parse mailboxes.cf text, appending to m */

int
cfg_parse_mailboxes_buf(const char *file, const char *text, size_t len,
    struct cfg_mailboxes *m, struct strbuf *why)
{
	struct cfg_mbstate s = {m, NULL, file, 0, 0, why, cfg_dict_alloc()};
	struct cfg_reader r = {text, len, 0, 0};
	const char *line;
	char   *copy;
	size_t  llen;
	size_t  i;
	size_t  w;
	int     status = PC_OK;

	/* Names already in m (an earlier file) count as duplicates too. */
	for (i = 0; i < m->n; i++)
		if (m->v[i].name != NULL)
			cfg_dict_set(s.names, m->v[i].name, "", m->v[i].file,
			    m->v[i].line);
	while (status == PC_OK && cfg_next_line(&r, &line, &llen)) {
		if ((status = cfg_check_line(file, r.lineno, line, llen,
		    why)) != PC_OK)
			break;
		if (cfg_skip_comment(line, llen))
			continue;
		if (!cfg_isblank((unsigned char) line[0])) {
			if ((status = cfg_mb_finish(&s)) != PC_OK)
				break;
			s.cur = cfg_mailbox_new(m, file, r.lineno);
			s.col = 0;
			s.o_line = 0;
		} else if (s.cur == NULL) {
			status = cfg_why(why, file, r.lineno, "continuation "
			    "line without a mailbox entry before it");
			break;
		}
		copy = xstrndup(line, llen);
		for (i = 0; status == PC_OK && i < llen;) {
			while (i < llen && cfg_isblank((unsigned char) copy[i]))
				i++;
			if (i >= llen)
				break;
			for (w = i; i < llen
			    && !cfg_isblank((unsigned char) copy[i]); i++)
				 /* void */ ;
			status = cfg_mb_word(&s, r.lineno, copy + w, i - w);
		}
		free(copy);
	}
	if (status == PC_OK)
		status = cfg_mb_finish(&s);
	cfg_dict_free(s.names);
	return (status);
}

/* cfg_parse_mailboxes - parse mailboxes.cf */

int
cfg_parse_mailboxes(const char *path, struct cfg_mailboxes *m,
    struct strbuf *why)
{
	struct strbuf *buf;
	int     status;

	if ((status = cfg_read(path, 0, &buf, why)) == PC_OK)
		status = cfg_parse_mailboxes_buf(path, buf->data, buf->len, m,
		    why);
	strbuf_free(buf);
	return (status);
}

/* cfg_mailboxes_free - free all entries */

void
cfg_mailboxes_free(struct cfg_mailboxes *m)
{
	size_t  i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].type);
		free(m->v[i].url);
		free(m->v[i].deliver_to);
		free(m->v[i].file);
		cfg_dict_free(m->v[i].opts);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* cfg_parse_passwords_buf - parse "name secret" lines */

int
cfg_parse_passwords_buf(const char *file, const char *text, size_t len,
    struct cfg_dict *d, struct strbuf *why)
{
	struct cfg_reader r = {text, len, 0, 0};
	const struct cfg_entry *e;
	const char *line;
	char    name[PC_NAME_MAX + 1];
	char   *secret;
	size_t  llen;
	size_t  i;
	size_t  n;
	int     status;

	while (cfg_next_line(&r, &line, &llen)) {
		if ((status = cfg_check_line(file, r.lineno, line, llen,
		    why)) != PC_OK)
			return (status);
		if (cfg_skip_comment(line, llen))
			continue;
		for (i = 0; cfg_isblank((unsigned char) line[i]); i++)
			 /* void */ ;
		for (n = i; n < llen && !cfg_isblank((unsigned char) line[n]);)
			n++;
		/* Never quote a bad name: it could be a secret. */
		if (!cfg_valid_name(line + i, n - i, PC_NAME_MAX))
			return (cfg_why(why, file, r.lineno, "bad mailbox name "
			    "(1..%d characters of A-Z a-z 0-9 . _ -)",
			    PC_NAME_MAX));
		memcpy(name, line + i, n - i);
		name[n - i] = 0;
		while (n < llen && cfg_isblank((unsigned char) line[n]))
			n++;
		if (n >= llen)
			return (cfg_why(why, file, r.lineno, "no secret for %s",
			    name));
		if ((e = cfg_dict_find(d, name)) != NULL)
			return (cfg_why(why, file, r.lineno, "duplicate name %s "
			    "(first at line %d)", name, e->line));
		secret = xstrndup(line + n, llen - n);
		cfg_dict_set(d, name, secret, file, r.lineno);
		xfree_secret(secret);
	}
	return (PC_OK);
}

/* cfg_load_passwords - read a mode 0600 passwords file */

int
cfg_load_passwords(const char *path, struct cfg_dict *d, struct strbuf *why)
{
	struct strbuf *buf;
	int     status;

	if ((status = cfg_read(path, 1, &buf, why)) == PC_OK)
		status = cfg_parse_passwords_buf(path, buf->data, buf->len, d,
		    why);
	strbuf_free(buf);
	return (status);
}
