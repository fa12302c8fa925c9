/*
 * NAME
 *	cfgedit - edit popconn.cf, mailboxes.cf, passwords and tables in place
 * SYNOPSIS
 *	#include "cfgedit.h"
 *
 *	int cfgedit_open(struct cfgedit *e, int kind, const char *path,
 *		struct strbuf *why);		free with cfgedit_free()
 *	void cfgedit_init_buf(struct cfgedit *e, int kind, const char *text,
 *		size_t len);			free with cfgedit_free()
 *	void cfgedit_free(struct cfgedit *e);
 *
 *	int cfgedit_main_set(struct cfgedit *e, const char *name,
 *		const char *value, struct strbuf *why);
 *	int cfgedit_main_unset(struct cfgedit *e, const char *name,
 *		struct strbuf *why);
 *	int cfgedit_mailbox_put(struct cfgedit *e, const char *name,
 *		const char *entry, struct strbuf *why);
 *	int cfgedit_mailbox_remove(struct cfgedit *e, const char *name,
 *		struct strbuf *why);
 *	int cfgedit_password_set(struct cfgedit *e, const char *name,
 *		const char *secret, struct strbuf *why);
 *	int cfgedit_password_remove(struct cfgedit *e, const char *name,
 *		struct strbuf *why);
 *	int cfgedit_table_set(struct cfgedit *e, const char *key,
 *		const char *value, struct strbuf *why);
 *	int cfgedit_table_remove(struct cfgedit *e, const char *key,
 *		struct strbuf *why);
 *
 *	int cfgedit_validate(const struct cfgedit *e, struct strbuf *why);
 *	int cfgedit_commit(struct cfgedit *e, struct strbuf *why);
 * DESCRIPTION
 *	These functions change one entry of a configuration file and leave
 *	every other byte alone: comments, blank lines, indentation, other
 *	entries, CRLF line ends and a missing final newline all survive an
 *	edit byte for byte, so that popconnctl and an administrator with
 *	an editor never disagree (issue 6).
 *
 *	cfgedit_open() reads a whole file (at most CFGEDIT_FILE_MAX bytes)
 *	and remembers its mode and owner; a file that does not exist is
 *	an empty one.  cfgedit_init_buf() starts from text in memory (unit
 *	tests); cfgedit_commit() then only validates.
 *
 *	An entry is a header line (not blank, not a comment, not starting
 *	with white space) plus the continuation lines after it (lines that
 *	start with white space and are not blank or comments).  Comment
 *	and blank lines between a header and its continuations stay where
 *	they are.  Entries are found by their key: in popconn.cf the
 *	parameter name (followed by white space or '='), in mailboxes.cf
 *	the mailbox name, in passwords the first word of every line (no
 *	continuations there), in a table the text before the first white
 *	space that follows the key (a pcre pattern may hold blanks).
 *
 *	A "set" or "put" replaces the first entry with the key by the new
 *	text, at the same place, and removes any later entry with the
 *	same key (it would override the new one); when there is none, the
 *	new text is appended, after a newline is added to a last line
 *	that lacks one.  New lines end the way the file's first line ends
 *	(CRLF or LF).  "remove" and "unset" drop every entry with the key.
 *
 *	cfgedit_mailbox_put() takes the complete entry text: the first
 *	line "name type url [deliver-to]", and continuation lines after
 *	'\n', each starting with white space.
 *
 *	cfgedit_validate() parses the edited text with the same parser the
 *	daemons use (cfg.c): popconn.cf must parse, name only known
 *	settings (params_all) and give every typed setting a valid value;
 *	mailboxes.cf must parse and every -o must name a setting a
 *	mailbox may override, with a valid value; passwords must parse.
 *	A table is checked for NUL bytes and line length only (popconnctl
 *	compiles pcre patterns itself).
 *
 *	cfgedit_commit() validates, then replaces the file atomically with
 *	safeio_replace() (temporary file, fsync, rename, fsync of the
 *	directory): a crash leaves the old file or the new one, never a
 *	mix, and a broken edit never lands.  The file keeps its mode and
 *	owner; a passwords file is always written with mode 0600.  New
 *	files get mode 0644 (0600 for passwords).  Nothing is written when
 *	nothing changed.
 * DIAGNOSTICS
 *	PC_OK; PC_PERM for a bad name or value, a missing entry (remove),
 *	or an edit that would break the file, with the parser's "FILE, line
 *	N: reason" in why; PC_TEMP when the file cannot be read or written.
 * SECURITY
 *	Values are checked before they reach a file: no NUL, CR or LF (so
 *	an argument cannot add a line), no leading or trailing white space
 *	where the parser would drop it.  The text of a passwords file is
 *	wiped from memory when freed, and no message quotes a secret.  The
 *	owner is restored with chown() after the rename, so for a moment a
 *	file written by root is owned by root.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cfg.h"
#include "cfgedit.h"
#include "log.h"
#include "params.h"
#include "popconn.h"
#include "safeio.h"

#define CFGEDIT_WHY_MAX		1024

/* cfgedit_isblank - white space within a line, as cfg.c */

static int
cfgedit_isblank(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f');
}

/* cfgedit_isnamechar - may c appear in a parameter or mailbox name? */

static int
cfgedit_isnamechar(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

/* cfgedit_valid_name - 1..max name characters */

static int
cfgedit_valid_name(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i]; i++)
		if (!cfgedit_isnamechar((unsigned char)s[i]))
			return (0);
	return (i > 0 && i <= max);
}

/* cfgedit_one_line - no NUL (implied), CR or LF in s */

static int
cfgedit_one_line(const char *s)
{
	return (strpbrk(s, "\r\n") == NULL);
}

/* cfgedit_open - read a file for editing */

int
cfgedit_open(struct cfgedit *e, int kind, const char *path,
    struct strbuf *why)
{
	struct stat st;
	int	rc;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->path = xstrdup(path);
	e->text = strbuf_alloc(CFGEDIT_FILE_MAX);
	e->mode = kind == CFGEDIT_PASSWORDS ? 0600 : kind ==
	    CFGEDIT_MAILBOXES ? 0640 : 0644;
	e->uid = geteuid();
	e->gid = getegid();
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return (PC_OK);
		strbuf_printf(why, "%s: %s", path, strerror(errno));
		return (PC_TEMP);
	}
	if (!S_ISREG(st.st_mode)) {
		strbuf_printf(why, "%s: not a regular file", path);
		return (PC_PERM);
	}
	e->exists = 1;
	e->mode = st.st_mode & 07777;
	e->uid = st.st_uid;
	e->gid = st.st_gid;
	if ((rc = safeio_read_file(path, CFGEDIT_FILE_MAX, 0, e->text,
	    why)) != PC_OK)
		return (rc);
	if (memchr(e->text->data, 0, e->text->len) != NULL) {
		strbuf_printf(why, "%s: NUL character in file", path);
		return (PC_PERM);
	}
	return (PC_OK);
}

/* cfgedit_init_buf - edit text in memory */

void
cfgedit_init_buf(struct cfgedit *e, int kind, const char *text, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->text = strbuf_alloc(CFGEDIT_FILE_MAX);
	if (strbuf_append(e->text, text, len) < 0)
		log_panic("cfgedit_init_buf: text over %d bytes",
		    CFGEDIT_FILE_MAX);
	e->mode = kind == CFGEDIT_PASSWORDS ? 0600 : kind ==
	    CFGEDIT_MAILBOXES ? 0640 : 0644;
}

/* cfgedit_free - release everything; wipes the text */

void
cfgedit_free(struct cfgedit *e)
{
	free(e->path);
	e->path = NULL;
	e->text = strbuf_free(e->text);	/* strbuf_free() wipes */
}

/* cfgedit_line_skip - is this line blank or a comment? */

static int
cfgedit_line_skip(const char *s, size_t len)
{
	size_t	i = 0;

	while (i < len && cfgedit_isblank((unsigned char)s[i]))
		i++;
	return (i == len || s[i] == '#');
}

/* cfgedit_key_match - does this header line hold key? */

static int
cfgedit_key_match(int kind, const char *s, size_t len, const char *key)
{
	size_t	i = 0;
	size_t	klen = strlen(key);
	int	c;

	if (kind == CFGEDIT_PASSWORDS)
		while (i < len && cfgedit_isblank((unsigned char)s[i]))
			i++;
	if (len - i < klen || memcmp(s + i, key, klen) != 0)
		return (0);
	if (i + klen == len)
		return (1);
	c = (unsigned char)s[i + klen];
	if (kind == CFGEDIT_MAIN && c == '=')
		return (1);
	return (cfgedit_isblank(c));
}

/* cfgedit_eol - how the file's lines end: "\r\n" or "\n" */

static const char *
cfgedit_eol(const struct strbuf *t)
{
	const char *nl = memchr(t->data, '\n', t->len);

	return (nl != NULL && nl > t->data && nl[-1] == '\r' ? "\r\n" : "\n");
}

/* cfgedit_put_text - append text, its '\n' converted to eol */

static int
cfgedit_put_text(struct strbuf *out, const char *text, const char *eol)
{
	const char *p;

	for (p = text; *p; p++) {
		if (*p == '\n' ? strbuf_puts(out, eol) < 0 :
		    strbuf_putc(out, *p) < 0)
			return (-1);
	}
	return (strbuf_puts(out, eol));
}

/*
 * cfgedit_replace - replace (text != NULL) or drop (NULL) the entries with
 * key; *found counts the entries that had it.
 */

static int
cfgedit_replace(struct cfgedit *e, const char *key, const char *text,
    int *found, struct strbuf *why)
{
	struct strbuf *in = e->text;
	struct strbuf *out = strbuf_alloc(CFGEDIT_FILE_MAX);
	const char *eol = cfgedit_eol(in);
	const char *s, *nl;
	size_t	pos = 0, len, clen;
	int	in_match = 0, inserted = 0, err = 0;

	*found = 0;
	while (pos < in->len && !err) {
		s = in->data + pos;
		nl = memchr(s, '\n', in->len - pos);
		len = nl ? (size_t)(nl - s) + 1 : in->len - pos;
		clen = nl ? (size_t)(nl - s) : len;
		if (clen > 0 && s[clen - 1] == '\r')
			clen--;
		pos += len;
		if (cfgedit_line_skip(s, clen)) {
			err = strbuf_append(out, s, len);
			continue;
		}
		if (cfgedit_isblank((unsigned char)s[0]) &&
		    e->kind != CFGEDIT_PASSWORDS) {
			if (!in_match)
				err = strbuf_append(out, s, len);
			continue;
		}
		in_match = cfgedit_key_match(e->kind, s, clen, key);
		if (!in_match) {
			err = strbuf_append(out, s, len);
			continue;
		}
		(*found)++;
		if (text != NULL && !inserted) {
			err = cfgedit_put_text(out, text, eol);
			inserted = 1;
		}
	}
	if (!err && text != NULL && !inserted) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			err = strbuf_puts(out, eol);
		if (!err)
			err = cfgedit_put_text(out, text, eol);
	}
	if (err) {
		strbuf_free(out);
		strbuf_printf(why, "%s: file would exceed %d bytes",
		    e->path ? e->path : "edit", CFGEDIT_FILE_MAX);
		return (PC_PERM);
	}
	if (out->len != in->len || memcmp(out->data, in->data, in->len) != 0)
		e->changed = 1;
	e->text = out;
	strbuf_free(in);		/* wipes: may be a passwords file */
	return (PC_OK);
}

/* cfgedit_main_set - set "name = value" in popconn.cf */

int
cfgedit_main_set(struct cfgedit *e, const char *name, const char *value,
    struct strbuf *why)
{
	struct strbuf *line;
	size_t	vlen = strlen(value);
	int	found, rc;

	if (!cfgedit_valid_name(name, 128)) {
		strbuf_printf(why, "bad parameter name");
		return (PC_PERM);
	}
	if (!cfgedit_one_line(value) || (vlen > 0 &&
	    (cfgedit_isblank((unsigned char)value[0]) ||
	    cfgedit_isblank((unsigned char)value[vlen - 1])))) {
		strbuf_printf(why, "%s: the value may not hold a line break "
		    "or start or end with white space", name);
		return (PC_PERM);
	}
	line = strbuf_alloc(PC_CFG_LINE_MAX);
	if (strbuf_printf(line, vlen ? "%s = %s" : "%s =%s", name, value) <
	    0) {
		strbuf_free(line);
		strbuf_printf(why, "%s: value longer than %d bytes", name,
		    PC_CFG_LINE_MAX);
		return (PC_PERM);
	}
	rc = cfgedit_replace(e, name, strbuf_str(line), &found, why);
	strbuf_free(line);
	return (rc);
}

/* cfgedit_main_unset - remove a setting from popconn.cf */

int
cfgedit_main_unset(struct cfgedit *e, const char *name, struct strbuf *why)
{
	int	found;

	if (!cfgedit_valid_name(name, 128)) {
		strbuf_printf(why, "bad parameter name");
		return (PC_PERM);
	}
	return (cfgedit_replace(e, name, NULL, &found, why));
}

/* cfgedit_mailbox_put - add or replace a mailboxes.cf entry */

int
cfgedit_mailbox_put(struct cfgedit *e, const char *name, const char *entry,
    struct strbuf *why)
{
	size_t	nlen = strlen(name);
	const char *p;
	int	found;

	if (!cfgedit_valid_name(name, PC_NAME_MAX)) {
		strbuf_printf(why, "bad mailbox name: use 1..%d characters of "
		    "A-Z a-z 0-9 . _ -", PC_NAME_MAX);
		return (PC_PERM);
	}
	if (strncmp(entry, name, nlen) != 0 || (entry[nlen] != ' ' &&
	    entry[nlen] != '\t')) {
		strbuf_printf(why, "%s: entry does not start with its name",
		    name);
		return (PC_PERM);
	}
	for (p = entry; *p; p++) {
		if (*p == '\r' || (*p == '\n' && p[1] != ' ' && p[1] != '\t')) {
			strbuf_printf(why, "%s: every further line of an "
			    "entry must start with white space", name);
			return (PC_PERM);
		}
	}
	return (cfgedit_replace(e, name, entry, &found, why));
}

/* cfgedit_mailbox_remove - remove a mailboxes.cf entry */

int
cfgedit_mailbox_remove(struct cfgedit *e, const char *name,
    struct strbuf *why)
{
	int	found, rc;

	if (!cfgedit_valid_name(name, PC_NAME_MAX)) {
		strbuf_printf(why, "bad mailbox name");
		return (PC_PERM);
	}
	if ((rc = cfgedit_replace(e, name, NULL, &found, why)) != PC_OK)
		return (rc);
	if (found == 0) {
		strbuf_printf(why, "no mailbox %s in %s", name,
		    e->path ? e->path : "mailboxes.cf");
		return (PC_PERM);
	}
	return (PC_OK);
}

/* cfgedit_password_set - add or replace "name secret" */

int
cfgedit_password_set(struct cfgedit *e, const char *name, const char *secret,
    struct strbuf *why)
{
	struct strbuf *line;
	int	found, rc;

	if (!cfgedit_valid_name(name, PC_NAME_MAX)) {
		strbuf_printf(why, "bad mailbox name");
		return (PC_PERM);
	}
	if (*secret == 0 || !cfgedit_one_line(secret) ||
	    cfgedit_isblank((unsigned char)secret[0])) {
		strbuf_printf(why, "%s: the password may not be empty, hold a "
		    "line break or start with white space", name);
		return (PC_PERM);
	}
	line = strbuf_alloc(PC_CFG_LINE_MAX);
	if (strbuf_printf(line, "%s %s", name, secret) < 0) {
		strbuf_free(line);
		strbuf_printf(why, "%s: password too long", name);
		return (PC_PERM);
	}
	rc = cfgedit_replace(e, name, strbuf_str(line), &found, why);
	strbuf_free(line);		/* wipes */
	return (rc);
}

/* cfgedit_password_remove - remove a name's password, if any */

int
cfgedit_password_remove(struct cfgedit *e, const char *name,
    struct strbuf *why)
{
	int	found;

	if (!cfgedit_valid_name(name, PC_NAME_MAX)) {
		strbuf_printf(why, "bad mailbox name");
		return (PC_PERM);
	}
	return (cfgedit_replace(e, name, NULL, &found, why));
}

/* cfgedit_table_key_ok - a key that a table line can hold */

static int
cfgedit_table_key_ok(const char *key)
{
	return (*key != 0 && *key != '#' && cfgedit_one_line(key) &&
	    !cfgedit_isblank((unsigned char)key[0]));
}

/* cfgedit_table_set - add or replace "key value" in a table */

int
cfgedit_table_set(struct cfgedit *e, const char *key, const char *value,
    struct strbuf *why)
{
	struct strbuf *line;
	size_t	vlen = strlen(value);
	int	found, rc;

	if (!cfgedit_table_key_ok(key)) {
		strbuf_printf(why, "bad table key: empty, a comment, a line "
		    "break or leading white space");
		return (PC_PERM);
	}
	if (vlen == 0 || !cfgedit_one_line(value) ||
	    cfgedit_isblank((unsigned char)value[0]) ||
	    cfgedit_isblank((unsigned char)value[vlen - 1])) {
		strbuf_printf(why, "bad table value: empty, a line break, or "
		    "white space at either end");
		return (PC_PERM);
	}
	line = strbuf_alloc(PC_CFG_LINE_MAX);
	if (strbuf_printf(line, "%s\t%s", key, value) < 0) {
		strbuf_free(line);
		strbuf_printf(why, "table line longer than %d bytes",
		    PC_CFG_LINE_MAX);
		return (PC_PERM);
	}
	rc = cfgedit_replace(e, key, strbuf_str(line), &found, why);
	strbuf_free(line);
	return (rc);
}

/* cfgedit_table_remove - remove a key from a table */

int
cfgedit_table_remove(struct cfgedit *e, const char *key, struct strbuf *why)
{
	int	found, rc;

	if (!cfgedit_table_key_ok(key)) {
		strbuf_printf(why, "bad table key");
		return (PC_PERM);
	}
	if ((rc = cfgedit_replace(e, key, NULL, &found, why)) != PC_OK)
		return (rc);
	if (found == 0) {
		strbuf_printf(why, "no entry %s in %s", key,
		    e->path ? e->path : "table");
		return (PC_PERM);
	}
	return (PC_OK);
}

/* cfgedit_validate_main - popconn.cf parses, and every value is valid */

static int
cfgedit_validate_main(const char *file, const struct strbuf *t,
    struct strbuf *why)
{
	const struct cfg_dict *layers[1];
	struct cfg_dict *d = cfg_dict_alloc();
	struct fetcher_settings fs;
	struct milter_settings ms;
	int	rc;

	memset(&fs, 0, sizeof(fs));
	memset(&ms, 0, sizeof(ms));
	layers[0] = d;
	if ((rc = cfg_parse_main_buf(file, t->data, t->len, d, why)) ==
	    PC_OK &&
	    (rc = cfg_check_known(d, params_all, params_all_count, CFG_MAIN,
	    why)) == PC_OK &&
	    (rc = cfg_apply(params_fetcher, layers, 1, CFG_MAIN, &fs,
	    why)) == PC_OK)
		rc = cfg_apply(params_milter, layers, 1, CFG_MAIN, &ms, why);
	cfg_free_values(params_fetcher, CFG_MAIN, &fs);
	cfg_free_values(params_milter, CFG_MAIN, &ms);
	cfg_dict_free(d);
	return (rc);
}

/* cfgedit_validate_mailboxes - mailboxes.cf parses, -o settings valid */

static int
cfgedit_validate_mailboxes(const char *file, const struct strbuf *t,
    struct strbuf *why)
{
	const struct cfg_param *const tabs[] = {params_fetcher};
	const struct cfg_dict *layers[1];
	struct cfg_mailboxes m;
	struct fetcher_settings fs;
	size_t	i;
	int	rc;

	memset(&m, 0, sizeof(m));
	rc = cfg_parse_mailboxes_buf(file, t->data, t->len, &m, why);
	for (i = 0; rc == PC_OK && i < m.n; i++) {
		memset(&fs, 0, sizeof(fs));
		layers[0] = m.v[i].opts;
		if ((rc = cfg_check_known(m.v[i].opts, tabs, 1, CFG_MAILBOX,
		    why)) == PC_OK)
			rc = cfg_apply(params_fetcher, layers, 1, CFG_MAILBOX,
			    &fs, why);
		cfg_free_values(params_fetcher, CFG_MAILBOX, &fs);
	}
	cfg_mailboxes_free(&m);
	return (rc);
}

/* cfgedit_validate_table - lines of a table source are bounded */

static int
cfgedit_validate_table(const char *file, const struct strbuf *t,
    struct strbuf *why)
{
	const char *s = t->data, *nl;
	size_t	left = t->len;
	int	line = 0;

	while (left > 0) {
		line++;
		nl = memchr(s, '\n', left);
		if ((nl ? (size_t)(nl - s) : left) > PC_CFG_LINE_MAX) {
			strbuf_printf(why, "%s, line %d: line longer than %d "
			    "bytes", file, line, PC_CFG_LINE_MAX);
			return (PC_PERM);
		}
		if (nl == NULL)
			break;
		left -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	return (PC_OK);
}

/* cfgedit_validate - would the edited text load? */

int
cfgedit_validate(const struct cfgedit *e, struct strbuf *why)
{
	const char *file = e->path ? e->path : "(edit)";
	struct cfg_dict *d;
	int	rc;

	if (memchr(e->text->data, 0, e->text->len) != NULL) {
		strbuf_printf(why, "%s: NUL character in file", file);
		return (PC_PERM);
	}
	switch (e->kind) {
	case CFGEDIT_MAIN:
		return (cfgedit_validate_main(file, e->text, why));
	case CFGEDIT_MAILBOXES:
		return (cfgedit_validate_mailboxes(file, e->text, why));
	case CFGEDIT_PASSWORDS:
		d = cfg_dict_alloc();
		rc = cfg_parse_passwords_buf(file, e->text->data,
		    e->text->len, d, why);
		cfg_dict_free(d);
		return (rc);
	case CFGEDIT_TABLE:
		return (cfgedit_validate_table(file, e->text, why));
	}
	strbuf_printf(why, "cfgedit: unknown file kind %d", e->kind);
	return (PC_PERM);
}

/* cfgedit_commit - validate, then replace the file atomically */

int
cfgedit_commit(struct cfgedit *e, struct strbuf *why)
{
	mode_t	mode = e->mode;
	int	rc;

	if ((rc = cfgedit_validate(e, why)) != PC_OK) {
		if (e->path != NULL && strbuf_len(why) > 0)
			(void)strbuf_appendf(why, " (edit refused; %s "
			    "unchanged)", e->path);
		return (rc);
	}
	if (e->path == NULL || (!e->changed && e->exists))
		return (PC_OK);
	if (e->kind == CFGEDIT_PASSWORDS)
		mode = 0600;
	/* An existing file keeps its owner (the daemon user's passwords
	 * edited by root): set on the new file before it takes the name. */
	if (e->exists && (e->uid != geteuid() || e->gid != getegid()))
		rc = safeio_replace_owned(e->path, e->text->data, e->text->len,
		    mode, e->uid, e->gid, why);
	else
		rc = safeio_replace(e->path, e->text->data, e->text->len, mode,
		    why);
	if (rc != PC_OK)
		return (rc);
	e->exists = 1;
	e->changed = 0;
	return (PC_OK);
}
