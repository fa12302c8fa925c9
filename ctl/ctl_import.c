/*
 * NAME
 *	ctl_import - popconnctl import fetchmailrc [--apply] FILE|-
 * SYNOPSIS
 *	int ctl_cmd_import(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	Reads a fetchmail run control file (FILE, or standard input for
 *	"-") with ctl/fetchmailrc.c and shows, in file order, the
 *	mailboxes.cf entry each importable user entry becomes, where its
 *	password comes from (never the password), the notes about what
 *	does not carry over, and one line per entry that cannot be
 *	imported, with the reason.  The output is a valid mailboxes.cf
 *	fragment: everything but the entries is a comment.
 *
 *	Each entry is checked against the configuration first: a mailbox
 *	of the same name must be identical (type, URL, deliver-to and the
 *	same -o settings) and, when the file gives a password, have the
 *	same password or none; a mailbox of another name must not fetch
 *	the same account (user, host and port: ctl_same_account()), or
 *	both would deliver every
 *	message.  Any conflict refuses the whole import.
 *
 *	With --apply, and no conflict, the new entries are written as
 *	"popconnctl mailbox add" writes them, with ctl_mailbox_put(): the
 *	passwords into the passwords file first (mode 0600), then the
 *	entries into mailboxes.cf, then one reload request to the fetcher.
 *	Identical entries are left alone (a second --apply changes
 *	nothing); an identical entry without a password line gets the
 *	file's password.  Notes and skipped entries then go to standard
 *	error, one line per added mailbox to standard output.
 *
 *	Without "is", fetchmail delivered to the user who ran it, which
 *	must be the file's owner (fetchmail refuses a file it does not
 *	own): the owner's login name stands in; for standard input or a
 *	pipe there is none.  Relative sslcertfile paths are taken from the file's
 *	directory.
 * DIAGNOSTICS
 *	Exit status: 0 every entry is (or would be) imported; 1 some were
 *	skipped (the others are imported); 65 (EX_DATAERR) a syntax error
 *	or a limit in the file (named with its line) or a conflict with the
 *	configuration: nothing is changed; 66 (EX_NOINPUT) the file cannot
 *	be opened; 74 (EX_IOERR) it cannot be read; 64 usage; 78 and 73 as
 *	for mailbox add.
 * SECURITY
 *	The file holds passwords.  They never reach an argument list, a
 *	log line or the output (which says "password: from FILE, line N");
 *	the buffer holding the file is wiped, and ctl/fetchmailrc.c wipes
 *	its copies.  Input is bounded by FETCHMAILRC_FILE_MAX; every string
 *	the file contributes to the output is escaped or was checked to be
 *	printable ASCII.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "alloc.h"
#include "ctl.h"
#include "fetchmailrc.h"
#include "log.h"
#include "url.h"

#define IMP_SKIPPED	1		/* exit status: some were skipped */
#define IMP_SHOW_MAX	128		/* a name from the file, escaped */
#define IMP_READ_CHUNK	16384

/* What becomes of an importable box. */
#define IMP_NEW		0		/* add it */
#define IMP_SAME	1		/* there already: nothing to do */
#define IMP_CONFLICT	2		/* refuses the import */

struct imp_box {
	const struct fetchmailrc_box *b;
	struct strbuf *entry;		/* its mailboxes.cf text */
	int	state;			/* IMP_* */
	int	add_pw;			/* IMP_SAME, but no password yet */
	char	why[512];		/* IMP_CONFLICT: the reason */
};

struct imp {
	const char *file;		/* for messages: FILE or "stdin" */
	struct fetchmailrc r;
	struct imp_box *v;		/* one per box (unused: skipped) */
	size_t	add, same, skipped, conflicts;
};

/* imp_read - the whole input, at most FETCHMAILRC_FILE_MAX + 1 bytes */

static int
imp_read(const char *path, struct strbuf *data, struct stat *st)
{
	char	buf[IMP_READ_CHUNK];
	ssize_t	n;
	int	fd, rc = 0;

	memset(st, 0, sizeof(*st));
	if (strcmp(path, "-") == 0) {
		fd = 0;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		ctl_errno("%s", path);
		return (EX_NOINPUT);
	}
	if (fstat(fd, st) != 0 || !(S_ISREG(st->st_mode) ||
	    S_ISFIFO(st->st_mode) || fd == 0)) {
		ctl_err("%s: not a regular file", path);
		rc = EX_NOINPUT;
	}
	while (rc == 0 && data->len <= FETCHMAILRC_FILE_MAX) {
		if ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ctl_errno("read %s", path);
			rc = EX_IOERR;
		} else if (n == 0) {
			break;
		} else if (strbuf_append(data, buf, (size_t)n) < 0) {
			/* One byte over the limit is enough to refuse it. */
			(void)strbuf_append(data, buf, data->max - data->len);
		}
	}
	explicit_bzero(buf, sizeof(buf));
	if (fd != 0)
		(void)close(fd);
	return (rc);
}

/* imp_is_file - a regular file here? (sslcertpath may name one) */

static int
imp_is_file(const char *path)
{
	struct stat st;

	return (stat(path, &st) == 0 && S_ISREG(st.st_mode));
}

/* imp_env - what the file's place says: its directory and its owner */

static void
imp_env(const char *path, const struct stat *st, struct fetchmailrc_env *env,
    char *dir, size_t size, char *owner, size_t osize)
{
	const struct passwd *pw;
	char	real[PATH_MAX], *slash;

	memset(env, 0, sizeof(*env));
	env->is_file = imp_is_file;
	if (strcmp(path, "-") == 0)
		return;
	if (realpath(path, real) != NULL && (slash = strrchr(real, '/')) !=
	    NULL) {
		*slash = 0;
		if (pc_strlcpy(dir, *real ? real : "/", size) < size)
			env->base_dir = dir;
	}
	if (S_ISREG(st->st_mode) && (pw = getpwuid(st->st_uid)) != NULL &&
	    pc_strlcpy(owner, pw->pw_name, osize) < osize)
		env->default_local = owner;
}

/* imp_opts - a box's settings as a cfg_dict; caller frees */

static struct cfg_dict *
imp_opts(const struct fetchmailrc_box *b)
{
	struct cfg_dict *d = cfg_dict_alloc();
	size_t	i;

	for (i = 0; i < b->nopt; i++)
		cfg_dict_set(d, b->opt[i].name, b->opt[i].value, NULL, 0);
	return (d);
}

/* imp_identical - is mailbox m what box b would add? */

static int
imp_identical(const struct cfg_mailbox *m, const struct fetchmailrc_box *b)
{
	const struct cfg_entry *e;
	size_t	i;

	if (strcmp(m->type, b->type) != 0 || strcmp(m->url, b->url) != 0 ||
	    strcmp(m->deliver_to ? m->deliver_to : m->name, b->deliver_to ?
	    b->deliver_to : b->name) != 0 || m->opts->n != b->nopt)
		return (0);
	for (i = 0; i < b->nopt; i++)
		if ((e = cfg_dict_find(m->opts, b->opt[i].name)) == NULL ||
		    strcmp(e->value, b->opt[i].value) != 0)
			return (0);
	return (1);
}

/* imp_check - what becomes of box b, given the configuration */

static void
imp_check(struct imp *im, struct imp_box *ib, const struct cfg_mailboxes *m,
    const struct cfg_dict *pw)
{
	const struct fetchmailrc_box *b = ib->b;
	const struct cfg_entry *e = cfg_dict_find(pw, b->name);
	const struct cfg_mailbox *old;

	ib->state = IMP_NEW;
	if ((old = ctl_find_box(m, b->name)) != NULL) {
		if (!imp_identical(old, b)) {
			(void)snprintf(ib->why, sizeof(ib->why), "mailbox %s "
			    "exists (%s, line %d) and differs: remove or "
			    "rename it, or add this one by hand under another "
			    "name", b->name, old->file, old->line);
			ib->state = IMP_CONFLICT;
		} else if (b->password != NULL && e != NULL &&
		    strcmp(e->value, b->password) != 0) {
			(void)snprintf(ib->why, sizeof(ib->why), "mailbox %s "
			    "exists with another password (%s, line %d): "
			    "change it with popconnctl passwd %s", b->name,
			    e->file, e->line, b->name);
			ib->state = IMP_CONFLICT;
		} else {
			ib->state = IMP_SAME;
			ib->add_pw = b->password != NULL && e == NULL;
		}
	} else if ((old = ctl_same_account(m, m->n, b->name, b->url)) != NULL) {
		(void)snprintf(ib->why, sizeof(ib->why), "mailbox %s (%s, line "
		    "%d) already fetches this account: two mailboxes would "
		    "deliver every message twice", old->name, old->file,
		    old->line);
		ib->state = IMP_CONFLICT;
	}
	if (ib->state == IMP_CONFLICT)
		im->conflicts++;
	else if (ib->state == IMP_SAME)
		im->same++;
	else
		im->add++;
}

/* imp_prepare - build every entry and check it against the configuration */

static int
imp_prepare(struct ctl *c, struct imp *im)
{
	struct cfg_mailboxes m;
	struct cfg_dict *pw = cfg_dict_alloc(), *opts;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct imp_box *ib;
	char	path[PATH_MAX];
	size_t	i;
	int	rc;

	memset(&m, 0, sizeof(m));
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") < 0) {
		rc = EX_USAGE;
		goto out;
	}
	if (access(path, F_OK) == 0 && cfg_load_passwords(path, pw, why) !=
	    PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	im->v = xcalloc(im->r.nbox + 1, sizeof(*im->v));
	for (i = 0; i < im->r.nbox; i++) {
		ib = &im->v[i];
		ib->b = &im->r.box[i];
		if (ib->b->why != NULL) {
			im->skipped++;
			continue;
		}
		opts = imp_opts(ib->b);
		ib->entry = ctl_mailbox_entry(ib->b->name, ib->b->type,
		    ib->b->url, ib->b->deliver_to != NULL &&
		    strcmp(ib->b->deliver_to, ib->b->name) != 0 ?
		    ib->b->deliver_to : NULL, opts);
		cfg_dict_free(opts);
		if (ib->entry == NULL) {
			ctl_err("%s: entry too long", ib->b->name);
			rc = EX_SOFTWARE;
			goto out;
		}
		imp_check(im, ib, &m, pw);
	}
out:
	cfg_mailboxes_free(&m);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}

/* imp_show - a string from the file, escaped for the terminal */

static const char *
imp_show(char *buf, size_t size, const char *s)
{
	return (log_printable(buf, size, s, strlen(s)));
}

/* imp_print - the dry run: entries, sources of passwords, notes */

static void
imp_print(const struct imp *im)
{
	const struct fetchmailrc_item *it;
	const struct imp_box *ib;
	char	s1[IMP_SHOW_MAX], s2[IMP_SHOW_MAX];
	size_t	i;
	int	prev = -1;

	printf("# popconnctl import fetchmailrc %s: a dry run, nothing is "
	    "changed (--apply adds the entries below)\n", im->file);
	for (i = 0; i < im->r.nitem; prev = it->box, i++) {
		it = &im->r.item[i];
		if (it->note != NULL) {
			/* A poll's own notes start a new paragraph. */
			printf("%s# %s, line %d: %s\n", it->box < 0 &&
			    prev >= 0 ? "\n" : "", im->file, it->line,
			    it->note);
			continue;
		}
		ib = &im->v[it->box];
		if (ib->b->why != NULL) {
			printf("\n# %s, line %d: poll %s: %s: skipped\n",
			    im->file, it->line, imp_show(s1, sizeof(s1),
			    ib->b->poll), ib->b->why);
			continue;
		}
		printf("\n# %s, line %d: poll %s, user %s\n", im->file,
		    it->line, imp_show(s1, sizeof(s1), ib->b->poll),
		    imp_show(s2, sizeof(s2), ib->b->remote));
		if (ib->state == IMP_CONFLICT) {
			printf("# CONFLICT: %s\n", ib->why);
		} else if (ib->state == IMP_SAME) {
			printf("# %s is in mailboxes.cf already, identical: "
			    "nothing to do%s\n", ib->b->name, ib->add_pw ?
			    " but add its password" : "");
		}
		printf("%s%s\n", ib->state == IMP_NEW ? "" : "#",
		    strbuf_str(ib->entry));
		if (ib->b->password != NULL)
			printf("# password: from %s, line %d\n", im->file,
			    ib->b->password_line);
		else
			printf("# password: none in %s: run \"popconnctl "
			    "passwd %s\" after the import (until then the "
			    "fetcher skips this mailbox)\n", im->file,
			    ib->b->name);
	}
	printf("\n# %zu to add, %zu there already, %zu skipped, %zu in "
	    "conflict\n", im->add, im->same, im->skipped, im->conflicts);
}

/* imp_report - with --apply: notes and skipped entries on stderr */

static void
imp_report(const struct imp *im)
{
	const struct fetchmailrc_item *it;
	const struct fetchmailrc_box *b;
	char	s1[IMP_SHOW_MAX];
	size_t	i;

	for (i = 0; i < im->r.nitem; i++) {
		it = &im->r.item[i];
		b = it->box >= 0 ? im->v[it->box].b : NULL;
		if (it->note != NULL)
			ctl_note("%s, line %d: %s%s%s", im->file, it->line,
			    b ? b->name : "", b ? ": " : "", it->note);
		else if (b != NULL && b->why != NULL)
			ctl_note("%s, line %d: poll %s: %s: skipped",
			    im->file, it->line, imp_show(s1, sizeof(s1),
			    b->poll), b->why);
	}
}

/* imp_apply - write the new entries and passwords, then reload */

static int
imp_apply(struct ctl *c, const struct imp *im)
{
	struct ctl_put *put = xcalloc(im->r.nbox + 1, sizeof(*put));
	const struct imp_box *ib;
	size_t	i, n = 0;
	int	rc = 0;

	for (i = 0; i < im->r.nbox; i++) {
		ib = &im->v[i];
		if (ib->b->why != NULL || (ib->state == IMP_SAME &&
		    !ib->add_pw))
			continue;
		put[n].name = ib->b->name;
		put[n].entry = ib->state == IMP_NEW ? strbuf_str(ib->entry) :
		    NULL;
		put[n].secret = ib->b->password;
		n++;
	}
	if (n > 0)
		rc = ctl_mailbox_put(c, put, n);
	free(put);
	for (i = 0; rc == 0 && i < im->r.nbox; i++) {
		ib = &im->v[i];
		if (ib->b->why != NULL)
			continue;
		if (ib->state == IMP_SAME)
			printf("mailbox %s unchanged (there already)%s\n",
			    ib->b->name, ib->add_pw ? "; its password added" :
			    "");
		else if (ib->b->password != NULL)
			printf("mailbox %s added (password from %s, line %d)\n",
			    ib->b->name, im->file, ib->b->password_line);
		else
			printf("mailbox %s added without a password: run "
			    "\"popconnctl passwd %s\" (until then the fetcher "
			    "skips this mailbox)\n", ib->b->name,
			    ib->b->name);
	}
	return (rc);
}

/* imp_free - release what the import holds; wipes the passwords */

static void
imp_free(struct imp *im)
{
	size_t	i;

	for (i = 0; im->v != NULL && i < im->r.nbox; i++)
		strbuf_free(im->v[i].entry);
	free(im->v);
	fetchmailrc_free(&im->r);
}

/* ctl_cmd_import - import fetchmailrc [--apply] FILE|- */

int
ctl_cmd_import(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"apply", no_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	struct fetchmailrc_env env;
	struct strbuf *data = NULL, *why = NULL;
	struct stat st;
	struct imp im;
	char	dir[PATH_MAX], owner[LOGIN_NAME_MAX + 1], show[PATH_MAX];
	size_t	i;
	int	ch, rc = 0, apply = 0;

	memset(&im, 0, sizeof(im));
	if (argc < 2 || strcmp(argv[1], "fetchmailrc") != 0) {
		ctl_err("usage: import fetchmailrc [--apply] FILE|- (getmailrc "
		    "and others are not supported)");
		return (EX_USAGE);
	}
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'a')
			apply = 1;
		else
			rc = EX_USAGE;
	}
	if (rc != 0 || optind + 1 != argc) {
		ctl_err("usage: import fetchmailrc [--apply] FILE|-");
		return (EX_USAGE);
	}
	im.file = strcmp(argv[optind], "-") == 0 ? "stdin" : imp_show(show,
	    sizeof(show), argv[optind]);
	data = strbuf_alloc(FETCHMAILRC_FILE_MAX + 1);
	why = strbuf_alloc(CTL_WHY_MAX);
	if ((rc = imp_read(argv[optind], data, &st)) != 0)
		goto out;
	imp_env(argv[optind], &st, &env, dir, sizeof(dir), owner,
	    sizeof(owner));
	if (fetchmailrc_parse(im.file, data->data, data->len, &env, &im.r,
	    why) != PC_OK) {
		ctl_err("%s (nothing imported)", strbuf_str(why));
		rc = EX_DATAERR;
		goto out;
	}
	strbuf_wipe(data);
	if ((rc = imp_prepare(c, &im)) != 0)
		goto out;
	if (!apply) {
		imp_print(&im);
	} else if (im.conflicts == 0) {
		imp_report(&im);
		rc = imp_apply(c, &im);
	}
	if (rc == 0 && im.conflicts > 0) {
		ctl_err("%zu conflict%s with %s/mailboxes.cf (nothing %s):",
		    im.conflicts, im.conflicts == 1 ? "" : "s", c->dir,
		    apply ? "changed" : "would be changed");
		for (i = 0; i < im.r.nbox; i++)
			if (im.v[i].state == IMP_CONFLICT &&
			    im.r.box[i].why == NULL)
				ctl_err("%s, line %d: %s", im.file,
				    im.r.box[i].line, im.v[i].why);
		rc = EX_DATAERR;
	}
	if (rc == 0 && im.r.nbox == 0)
		ctl_note("%s: no poll entries: nothing to import", im.file);
	if (rc == 0 && im.skipped > 0)
		rc = IMP_SKIPPED;
out:
	imp_free(&im);
	strbuf_free(data);
	strbuf_free(why);
	return (rc);
}
