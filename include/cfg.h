/*
 * NAME
 *	cfg.h - popconn.cf, mailboxes.cf and passwords
 * SYNOPSIS
 *	Dictionaries of raw settings:
 *	struct cfg_dict *cfg_dict_alloc(void);		caller frees
 *	struct cfg_dict *cfg_dict_free(struct cfg_dict *d);	returns NULL
 *	void cfg_dict_set(struct cfg_dict *d, const char *name,
 *		const char *value, const char *file, int line);
 *	const struct cfg_entry *cfg_dict_find(const struct cfg_dict *d,
 *		const char *name);			owned by d
 *
 *	popconn.cf (main.cf syntax):
 *	int cfg_parse_main(const char *path, struct cfg_dict *d,
 *		struct strbuf *why);
 *	int cfg_parse_main_buf(const char *file, const char *text,
 *		size_t len, struct cfg_dict *d, struct strbuf *why);
 *
 *	Typed settings from a parameter table:
 *	int cfg_check_known(const struct cfg_dict *d,
 *		const struct cfg_param *const tabs[], size_t ntabs,
 *		unsigned need, struct strbuf *why);
 *	int cfg_apply(const struct cfg_param *tab,
 *		const struct cfg_dict *const layers[], size_t nlayers,
 *		unsigned need, void *base, struct strbuf *why);
 *	void cfg_free_values(const struct cfg_param *tab, unsigned need,
 *		void *base);
 *	int cfg_expand(const struct cfg_param *tab,
 *		const struct cfg_dict *const layers[], size_t nlayers,
 *		const char *value, struct strbuf *out, struct strbuf *why);
 *	int cfg_parse_time(const char *s, long long *secs);
 *	int cfg_parse_size(const char *s, long long *bytes);
 *	int cfg_parse_bool(const char *s, int *val);
 *
 *	mailboxes.cf (master.cf-like):
 *	int cfg_parse_mailboxes(const char *path, struct cfg_mailboxes *m,
 *		struct strbuf *why);
 *	int cfg_parse_mailboxes_buf(const char *file, const char *text,
 *		size_t len, struct cfg_mailboxes *m, struct strbuf *why);
 *	void cfg_mailboxes_free(struct cfg_mailboxes *m);
 *
 *	passwords (name secret; mode 0600):
 *	int cfg_load_passwords(const char *path, struct cfg_dict *d,
 *		struct strbuf *why);
 *	int cfg_parse_passwords_buf(const char *file, const char *text,
 *		size_t len, struct cfg_dict *d, struct strbuf *why);
 * DESCRIPTION
 *	popconn.cf follows main.cf: "name = value" lines, '#' comments
 *	(a '#' as the first non-blank character of a line), blank lines,
 *	and continuation lines that start with white space.  A later
 *	setting of a name replaces an earlier one.  A logical line is at
 *	most PC_CFG_LINE_MAX bytes.
 *
 *	Values may refer to other settings with $name, ${name} or $(name);
 *	"$$" is a literal '$'.  Expansion happens in cfg_apply() and
 *	cfg_expand(), looking a name up in the layers (last layer first),
 *	then in the table's defaults; an unknown name or a loop (depth
 *	over 20) is an error naming the file and line.
 *
 *	A parameter table lists every setting a program knows, with its
 *	type, default, range and the offset of its field in the program's
 *	settings structure.  Fields: CFG_STR a char * (cfg_apply() stores a
 *	copy, cfg_free_values() frees it), CFG_INT, CFG_TIME (seconds;
 *	suffixes s m h d w), CFG_SIZE (bytes; suffixes k m g, powers of
 *	1024) a long long, CFG_BOOL an int (yes/no, true/false, on/off, 1/0).
 *	A parameter takes part when (flags & need) != 0; CFG_MAILBOX marks
 *	the ones a mailbox may override with -o.
 *
 *	cfg_check_known() reports the first name in d that no table (among
 *	the parameters selected by need) declares: "file, line N: unknown
 *	parameter NAME".
 *
 *	mailboxes.cf holds one entry per mailbox, like master.cf: a line
 *	starting in column one with "name type url [deliver-to]", and any
 *	number of "-o name=value" words on that line (after the columns) or
 *	on continuation lines that start with white space.  deliver-to "-"
 *	or absent means the default (the mailbox name).  Names are
 *	1..PC_NAME_MAX characters of [A-Za-z0-9._-] and unique; type is
 *	"user" or "global"; url is checked with url_parse().
 *
 *	passwords holds "name secret" lines ('#' comments, blank lines); the
 *	secret is the rest of the line after the white space that follows
 *	the name.  cfg_load_passwords() refuses a file that others can read
 *	(safeio_check_secret()).  Error messages never quote a secret.
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with "FILE, line N: reason" in why; PC_TEMP when a
 *	file cannot be read.
 * SECURITY
 *	Configuration is trusted more than network input but still bounded:
 *	line length, name length and expansion depth are limited.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include "strbuf.h"

struct cfg_entry {
	char	*name;
	char	*value;
	char	*file;		/* where it was set, or NULL */
	int	line;
};

struct cfg_dict {
	struct cfg_entry *v;
	size_t	n;
	size_t	cap;
	size_t	*slot;		/* hash index (v index + 1), from CFG_DICT_HASH */
	size_t	nslot;		/* entries on: a power of two, or 0 */
};

enum cfg_type {
	CFG_STR,
	CFG_INT,
	CFG_BOOL,
	CFG_TIME,
	CFG_SIZE,
};

#define CFG_MAIN	(1u << 0)	/* a popconn.cf setting */
#define CFG_MAILBOX	(1u << 1)	/* may be overridden per mailbox */

struct cfg_param {
	const char *name;
	enum cfg_type type;
	const char *defval;	/* may contain $name; NULL: empty/0 */
	long long min;		/* INT, TIME, SIZE */
	long long max;
	size_t	offset;		/* of the field in the settings struct */
	unsigned flags;
};

struct cfg_mailbox {
	char	*name;
	char	*type;
	char	*url;
	char	*deliver_to;	/* NULL: the default */
	char	*file;
	int	line;
	struct cfg_dict *opts;	/* the -o settings */
};

struct cfg_mailboxes {
	struct cfg_mailbox *v;
	size_t	n;
};

struct cfg_dict *cfg_dict_alloc(void);
struct cfg_dict *cfg_dict_free(struct cfg_dict *d);
void cfg_dict_set(struct cfg_dict *d, const char *name, const char *value,
    const char *file, int line);
const struct cfg_entry *cfg_dict_find(const struct cfg_dict *d,
    const char *name);

int cfg_parse_main(const char *path, struct cfg_dict *d, struct strbuf *why);
int cfg_parse_main_buf(const char *file, const char *text, size_t len,
    struct cfg_dict *d, struct strbuf *why);

int cfg_check_known(const struct cfg_dict *d,
    const struct cfg_param *const tabs[], size_t ntabs, unsigned need,
    struct strbuf *why);
int cfg_apply(const struct cfg_param *tab,
    const struct cfg_dict *const layers[], size_t nlayers, unsigned need,
    void *base, struct strbuf *why);
void cfg_free_values(const struct cfg_param *tab, unsigned need, void *base);
int cfg_expand(const struct cfg_param *tab,
    const struct cfg_dict *const layers[], size_t nlayers,
    const char *value, struct strbuf *out, struct strbuf *why);
int cfg_parse_time(const char *s, long long *secs);
int cfg_parse_size(const char *s, long long *bytes);
int cfg_parse_bool(const char *s, int *val);

int cfg_parse_mailboxes(const char *path, struct cfg_mailboxes *m,
    struct strbuf *why);
int cfg_parse_mailboxes_buf(const char *file, const char *text, size_t len,
    struct cfg_mailboxes *m, struct strbuf *why);
void cfg_mailboxes_free(struct cfg_mailboxes *m);

int cfg_load_passwords(const char *path, struct cfg_dict *d,
    struct strbuf *why);
int cfg_parse_passwords_buf(const char *file, const char *text, size_t len,
    struct cfg_dict *d, struct strbuf *why);

#endif
