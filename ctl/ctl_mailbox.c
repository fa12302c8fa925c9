/*
 * NAME
 *	ctl_mailbox - popconnctl mailbox add|edit|remove|list|show|test, passwd
 * SYNOPSIS
 *	int ctl_cmd_mailbox(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_passwd(struct ctl *c, int argc, char **argv);
 *	int ctl_mailbox_rewrite(struct ctl *c, const struct cfg_mailbox *m,
 *		const struct cfg_dict *opts);
 *	struct strbuf *ctl_mailbox_entry(const char *name, const char *type,
 *		const char *url, const char *deliver_to,
 *		const struct cfg_dict *opts);	caller frees; NULL: too long
 *	int ctl_mailbox_put(struct ctl *c, const struct ctl_put *v,
 *		size_t n);
 * DESCRIPTION
 *	The Mailboxes tab.  add and edit build the mailbox's entry
 *	("name type url [deliver-to]" and one "  -o name=value" line per
 *	option, in the order the options were first set) and put it into
 *	mailboxes.cf with lib/cfgedit.c, which keeps every other byte of
 *	the file.  The password goes into the passwords file (mode 0600)
 *	before the entry goes into mailboxes.cf, so the fetcher never sees
 *	a mailbox without its password.  Then the fetcher is told to
 *	reload.  ctl_mailbox_entry() builds an entry and ctl_mailbox_put()
 *	writes entries and passwords that way, for add, edit, schedule and
 *	import: every entry is put and the edited mailboxes.cf validated
 *	first, then all passwords go into the passwords file in one atomic
 *	replace, then all entries into mailboxes.cf in one, then one
 *	reload (an entry of NULL leaves mailboxes.cf alone for that name, a
 *	secret of NULL the passwords file).  remove drops the entry and the
 *	password and asks (on a terminal) whether to delete the mailbox's
 *	UIDL state; it never touches mail.
 *
 *	test runs account_test(): connect, TLS, authenticate, list, QUIT,
 *	without fetching or deleting; it prints one line and exits with a
 *	status per failure class (see popconnctl(8)).
 * DIAGNOSTICS
 *	Exit status as popconnctl(8) says.
 * SECURITY
 *	Passwords never come from argv; the buffer holding one is wiped.
 *	Option values may not hold white space (mailboxes.cf splits words
 *	there) or control characters.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "alloc.h"
#include "pop3.h"
#include "ctl.h"
#include "log.h"
#include "url.h"

#define CTL_PW_MAX	4096
#define CTL_ENTRY_MAX	(64 * 1024)

/* Exit status of "mailbox test" per failure class (popconnctl(8)). */
static const int test_status[] = {
	[ACCOUNT_OK] = 0,
	[ACCOUNT_ERR_DNS] = EX_NOHOST,
	[ACCOUNT_ERR_CONNECT] = EX_UNAVAILABLE,
	[ACCOUNT_ERR_TLS_VERIFY] = EX_NOPERM,
	[ACCOUNT_ERR_TLS] = EX_PROTOCOL,
	[ACCOUNT_ERR_MECH] = EX_DATAERR,
	[ACCOUNT_ERR_AUTH] = EX_NOUSER,
	[ACCOUNT_ERR_LOCKED] = EX_TEMPFAIL,
	[ACCOUNT_ERR_PROTOCOL] = EX_IOERR,
	[ACCOUNT_ERR_OTHER] = EX_SOFTWARE,
	[ACCOUNT_ERR_REFUSED] = EX_UNAVAILABLE,
	[ACCOUNT_ERR_TEMP] = EX_TEMPFAIL,
};

/* mb_value_ok - may this -o value go into mailboxes.cf? */

static int
mb_value_ok(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return (0);
	return (1);
}

/* mb_param - a mailbox setting by name, or NULL */

static const struct cfg_param *
mb_param(const char *name)
{
	const struct cfg_param *p;

	for (p = params_fetcher; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return ((p->flags & CFG_MAILBOX) ? p : NULL);
	return (NULL);
}

/* mb_opt_set - set an -o option, checked */

static int
mb_opt_set(struct cfg_dict *opts, const char *name, const char *value)
{
	if (mb_param(name) == NULL) {
		ctl_err("%s: not a setting a mailbox can override (see "
		    "popconn.cf(5))", name);
		return (EX_USAGE);
	}
	if (!mb_value_ok(value)) {
		ctl_err("%s: the value may not hold white space or control "
		    "characters", name);
		return (EX_USAGE);
	}
	cfg_dict_set(opts, name, value, NULL, 0);
	return (0);
}

/* mb_opt_unset - drop an -o option (a copy without it) */

static struct cfg_dict *
mb_opt_unset(struct cfg_dict *opts, const char *name)
{
	struct cfg_dict *n = cfg_dict_alloc();
	size_t	i;

	for (i = 0; i < opts->n; i++)
		if (strcmp(opts->v[i].name, name) != 0)
			cfg_dict_set(n, opts->v[i].name, opts->v[i].value,
			    opts->v[i].file, opts->v[i].line);
	cfg_dict_free(opts);
	return (n);
}

/* mb_opt_arg - "-o name=value" */

static int
mb_opt_arg(struct cfg_dict *opts, const char *arg)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;
	char   *name;
	int	rc;

	if (eq == NULL || eq == arg) {
		ctl_err("-o %s: expected name=value", arg);
		return (EX_USAGE);
	}
	name = xstrndup(arg, (size_t)(eq - arg));
	rc = mb_opt_set(opts, name, eq + 1);
	free(name);
	return (rc);
}

/* ctl_mailbox_entry - the text of a mailboxes.cf entry; caller frees */

struct strbuf *
ctl_mailbox_entry(const char *name, const char *type, const char *url,
    const char *deliver_to, const struct cfg_dict *opts)
{
	struct strbuf *e = strbuf_alloc(CTL_ENTRY_MAX);
	size_t	i;
	int	err;

	err = strbuf_printf(e, "%s %s %s", name, type, url);
	if (deliver_to != NULL)
		err |= strbuf_appendf(e, " %s", deliver_to);
	for (i = 0; i < opts->n; i++)
		err |= strbuf_appendf(e, "\n  -o %s=%s", opts->v[i].name,
		    opts->v[i].value);
	if (err)
		return (strbuf_free(e));
	return (e);
}

/* mb_check_deliver - a deliver-to address cfg.c will take */

static int
mb_check_deliver(const char *d)
{
	if (d == NULL)
		return (0);
	if (*d == 0 || *d == '-' || !mb_value_ok(d) || strlen(d) > 320) {
		ctl_err("--deliver-to %s: use an address of at most 320 "
		    "characters, without white space, not starting with '-'",
		    d);
		return (EX_USAGE);
	}
	return (0);
}

/* mb_edit_boxes - open mailboxes.cf, put the entries, validate */

static int
mb_edit_boxes(struct ctl *c, struct cfgedit *boxes, const struct ctl_put *v,
    size_t n, struct strbuf *why)
{
	char	path[PATH_MAX];
	size_t	i;

	memset(boxes, 0, sizeof(*boxes));
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0)
		return (EX_USAGE);
	if (cfgedit_open(boxes, CFGEDIT_MAILBOXES, path, why) != PC_OK)
		goto bad;
	for (i = 0; i < n; i++)
		if (v[i].entry != NULL && cfgedit_mailbox_put(boxes,
		    v[i].name, v[i].entry, why) != PC_OK)
			goto bad;
	if (cfgedit_validate(boxes, why) == PC_OK)
		return (0);
bad:
	ctl_err("%s", strbuf_str(why));
	return (EX_CONFIG);
}

/* ctl_mailbox_put - passwords, then entries, then one reload */

int
ctl_mailbox_put(struct ctl *c, const struct ctl_put *v, size_t n)
{
	struct cfgedit boxes, pw;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX];
	size_t	i;
	int	rc;

	memset(&pw, 0, sizeof(pw));
	if ((rc = mb_edit_boxes(c, &boxes, v, n, why)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (v[i].secret == NULL)
			continue;
		if (pw.text == NULL && (ctl_path(c, path, sizeof(path),
		    "passwords") < 0 || cfgedit_open(&pw, CFGEDIT_PASSWORDS,
		    path, why) != PC_OK)) {
			ctl_err("%s", strbuf_str(why));
			rc = EX_CONFIG;
			goto out;
		}
		if (cfgedit_password_set(&pw, v[i].name, v[i].secret, why) !=
		    PC_OK) {
			ctl_err("%s", strbuf_str(why));
			rc = EX_CONFIG;
			goto out;
		}
	}
	/* The passwords first: the fetcher never sees a box without one. */
	if ((pw.text != NULL && (rc = ctl_commit(&pw)) != 0) ||
	    (rc = ctl_commit(&boxes)) != 0)
		goto out;
	(void)ctl_reload_fetcher(c);
out:
	if (boxes.text)
		cfgedit_free(&boxes);
	if (pw.text)
		cfgedit_free(&pw);
	strbuf_free(why);
	return (rc);
}

/* mb_put - validate, read the password if needed, write, reload */

static int
mb_put(struct ctl *c, const char *name, const struct strbuf *entry,
    const char *pwfile, int need_pw)
{
	struct ctl_put put = {name, strbuf_str(entry), NULL};
	struct cfgedit boxes;
	struct strbuf *why, *secret;
	int	rc;

	if (!need_pw)
		return (ctl_mailbox_put(c, &put, 1));
	/* A broken entry is refused before the password is asked for. */
	why = strbuf_alloc(CTL_WHY_MAX);
	rc = mb_edit_boxes(c, &boxes, &put, 1, why);
	if (boxes.text)
		cfgedit_free(&boxes);
	strbuf_free(why);
	if (rc != 0)
		return (rc);
	secret = strbuf_alloc(CTL_PW_MAX);
	if ((rc = ctl_read_password(name, pwfile, secret)) == 0) {
		put.secret = strbuf_str(secret);
		rc = ctl_mailbox_put(c, &put, 1);
	}
	strbuf_free(secret);
	return (rc);
}

static const struct option mb_longopts[] = {
	{"type", required_argument, NULL, 't'},
	{"url", required_argument, NULL, 'u'},
	{"deliver-to", required_argument, NULL, 'd'},
	{"keep", optional_argument, NULL, 'k'},
	{"no-keep", no_argument, NULL, 'K'},
	{"auth", required_argument, NULL, 'a'},
	{"size-limit", required_argument, NULL, 's'},
	{"tls", required_argument, NULL, 'T'},
	{"tls-ca-file", required_argument, NULL, 'C'},
	{"password-file", required_argument, NULL, 'p'},
	{"no-password", no_argument, NULL, 'N'},
	{"unset", required_argument, NULL, 'U'},
	{NULL, 0, NULL, 0},
};

/* mb_add_edit - mailbox add NAME ... / mailbox edit NAME ... */

static int
mb_add_edit(struct ctl *c, int argc, char **argv, int edit)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *old = NULL, *dup;
	struct cfg_dict *opts = cfg_dict_alloc();
	struct strbuf *entry = NULL, *why = strbuf_alloc(CTL_WHY_MAX);
	const char *type = NULL, *url = NULL, *deliver = NULL;
	const char *pwfile = NULL, *name;
	struct url u;
	char	*end;
	int	ch, rc = 0, nopw = 0;

	memset(&m, 0, sizeof(m));
	while (rc == 0 && (ch = getopt_long(argc, argv, "o:", mb_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't':
			type = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'd':
			deliver = optarg;
			break;
		case 'k':
			rc = mb_opt_set(opts, "keep", "yes");
			if (rc == 0 && optarg != NULL) {
				if (strtol(optarg, &end, 10) < 1 || *end) {
					ctl_err("--keep=%s: give a number of "
					    "days", optarg);
					rc = EX_USAGE;
				} else {
					rc = mb_opt_set(opts, "keep_days",
					    optarg);
				}
			}
			break;
		case 'K':
			rc = mb_opt_set(opts, "keep", "no");
			break;
		case 'a':
			rc = mb_opt_set(opts, "auth", optarg);
			break;
		case 's':
			rc = mb_opt_set(opts, "size_limit", optarg);
			break;
		case 'T':
			rc = mb_opt_set(opts, "tls", optarg);
			break;
		case 'C':
			rc = mb_opt_set(opts, "tls_ca_file", optarg);
			break;
		case 'p':
			pwfile = optarg;
			break;
		case 'N':
			nopw = 1;
			break;
		case 'o':
			rc = mb_opt_arg(opts, optarg);
			break;
		case 'U':
			if (mb_param(optarg) == NULL) {
				ctl_err("--unset %s: not a mailbox setting",
				    optarg);
				rc = EX_USAGE;
			} else {
				cfg_dict_set(opts, optarg, "", "unset", -1);
			}
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc != 0)
		goto out;
	if (optind + 1 != argc) {
		ctl_err("usage: mailbox %s NAME [--type user|global] [--url "
		    "URL] [--deliver-to ADDR] [--keep[=DAYS]] [--auth MECH] "
		    "[--size-limit N] [-o name=value] ...",
		    edit ? "edit" : "add");
		rc = EX_USAGE;
		goto out;
	}
	name = argv[optind];
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	old = ctl_find_box(&m, name);
	if (!edit && old != NULL) {
		ctl_err("mailbox %s already exists (%s, line %d); use "
		    "\"popconnctl mailbox edit\"", name, old->file, old->line);
		rc = EX_DATAERR;
		goto out;
	}
	if (edit && old == NULL) {
		ctl_err("no mailbox %s in %s/mailboxes.cf", name, c->dir);
		rc = EX_DATAERR;
		goto out;
	}
	if (!edit && (type == NULL || url == NULL)) {
		ctl_err("mailbox add needs --type user|global and --url "
		    "pop3s://ACCOUNT@HOST[:PORT]");
		rc = EX_USAGE;
		goto out;
	}
	if (type != NULL && strcmp(type, "user") != 0 &&
	    strcmp(type, "global") != 0) {
		ctl_err("--type %s: use user or global", type);
		rc = EX_USAGE;
		goto out;
	}
	if (url != NULL) {
		if (url_parse(url, &u, why) != PC_OK || !mb_value_ok(url)) {
			ctl_err("--url %s: %s", url, strbuf_len(why) ?
			    strbuf_str(why) : "white space in URL");
			url_free(&u);
			rc = EX_USAGE;
			goto out;
		}
		url_free(&u);
	}
	if ((rc = mb_check_deliver(deliver)) != 0)
		goto out;
	if (edit) {
		/* Old options first (their order), then the new ones. */
		struct cfg_dict *merged = cfg_dict_alloc();
		size_t	i;

		for (i = 0; i < old->opts->n; i++)
			cfg_dict_set(merged, old->opts->v[i].name,
			    old->opts->v[i].value, NULL, 0);
		for (i = 0; i < opts->n; i++) {
			if (opts->v[i].line == -1)
				merged = mb_opt_unset(merged,
				    opts->v[i].name);
			else
				cfg_dict_set(merged, opts->v[i].name,
				    opts->v[i].value, NULL, 0);
		}
		cfg_dict_free(opts);
		opts = merged;
		type = type ? type : old->type;
		url = url ? url : old->url;
		deliver = deliver ? deliver : old->deliver_to;
	} else {
		size_t	i;

		for (i = 0; i < opts->n; i++)
			if (opts->v[i].line == -1)
				opts = mb_opt_unset(opts, opts->v[i--].name);
	}
	if ((dup = ctl_same_account(&m, m.n, name, url)) != NULL) {
		ctl_err("mailbox %s (%s, line %d) already fetches this account "
		    "(%s): two mailboxes would deliver every message twice",
		    dup->name, dup->file, dup->line, dup->url);
		rc = EX_DATAERR;
		goto out;
	}
	if (deliver != NULL && strcmp(deliver, "-") == 0)
		deliver = NULL;
	if (deliver != NULL && strcmp(deliver, name) == 0 && !edit)
		deliver = NULL;
	if ((entry = ctl_mailbox_entry(name, type, url, deliver, opts)) ==
	    NULL) {
		ctl_err("%s: entry too long", name);
		rc = EX_USAGE;
		goto out;
	}
	if (cfg_dict_find(opts, "password_command") != NULL)
		nopw = 1;
	rc = mb_put(c, name, entry, pwfile, edit ? pwfile != NULL : !nopw);
	if (rc == 0)
		printf("mailbox %s %s\n", name, edit ? "changed" : "added");
out:
	cfg_mailboxes_free(&m);
	cfg_dict_free(opts);
	strbuf_free(entry);
	strbuf_free(why);
	return (rc);
}

/* ctl_mailbox_rewrite - write mailbox m with new options (schedule) */

int
ctl_mailbox_rewrite(struct ctl *c, const struct cfg_mailbox *m,
    const struct cfg_dict *opts)
{
	struct strbuf *entry = ctl_mailbox_entry(m->name, m->type, m->url,
	    m->deliver_to, opts);
	int	rc;

	if (entry == NULL) {
		ctl_err("%s: entry too long", m->name);
		return (EX_USAGE);
	}
	rc = mb_put(c, m->name, entry, NULL, 0);
	strbuf_free(entry);
	return (rc);
}

/* mb_state_files - the UIDL state files of a mailbox that exist */

static int
mb_state_files(const struct ctl *c, const char *name, char files[2][PATH_MAX])
{
	static const char *const ext[] = {"uidl", "journal"};
	int	i, n = 0;

	for (i = 0; i < 2; i++) {
		if (snprintf(files[n], PATH_MAX, "%s/%s.%s",
		    c->fs.state_directory, name, ext[i]) < PATH_MAX &&
		    access(files[n], F_OK) == 0)
			n++;
	}
	return (n);
}

/* mb_remove - mailbox remove NAME [--delete-state|--keep-state] */

static int
mb_remove(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"delete-state", no_argument, NULL, 'D'},
		{"keep-state", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	struct cfgedit boxes, pw;
	struct cfg_mailboxes m;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX], files[2][PATH_MAX], ans[16];
	const char *name;
	int	ch, rc = 0, state = -1, nfiles, i;

	memset(&pw, 0, sizeof(pw));
	memset(&boxes, 0, sizeof(boxes));
	memset(&m, 0, sizeof(m));
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'D')
			state = 1;
		else if (ch == 'S')
			state = 0;
		else
			rc = EX_USAGE;
	}
	if (rc != 0 || optind + 1 != argc) {
		ctl_err("usage: mailbox remove NAME [--delete-state|"
		    "--keep-state]");
		strbuf_free(why);
		return (EX_USAGE);
	}
	name = argv[optind];
	if ((rc = ctl_load(c)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0 ||
	    cfgedit_open(&boxes, CFGEDIT_MAILBOXES, path, why) != PC_OK ||
	    cfgedit_mailbox_remove(&boxes, name, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctl_commit(&boxes)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    access(path, F_OK) == 0) {
		if (cfgedit_open(&pw, CFGEDIT_PASSWORDS, path, why) != PC_OK ||
		    cfgedit_password_remove(&pw, name, why) != PC_OK)
			ctl_err("%s", strbuf_str(why));
		else
			(void)ctl_commit(&pw);
	}
	printf("mailbox %s removed (its mail on the server and in "
	    "Postfix is untouched)\n", name);
	nfiles = mb_state_files(c, name, files);
	if (nfiles > 0 && state < 0 && isatty(0)) {
		fprintf(stderr, "Delete its UIDL state (%s%s%s)?  Without it, "
		    "mail kept on the server is fetched again if the mailbox "
		    "is added back. [y/N] ", files[0], nfiles > 1 ? ", " : "",
		    nfiles > 1 ? files[1] : "");
		state = fgets(ans, sizeof(ans), stdin) != NULL &&
		    (ans[0] == 'y' || ans[0] == 'Y');
	}
	for (i = 0; i < nfiles; i++) {
		if (state == 1 && unlink(files[i]) != 0)
			ctl_errno("unlink %s", files[i]);
		else if (state == 1)
			printf("deleted %s\n", files[i]);
		else
			printf("kept %s\n", files[i]);
	}
	(void)ctl_reload_fetcher(c);
	if (ctl_load_boxes(c, &m) == 0 && m.n == 0)
		printf("no mailboxes left: the fetcher is idle\n");
out:
	cfg_mailboxes_free(&m);
	if (boxes.text)
		cfgedit_free(&boxes);
	if (pw.text)
		cfgedit_free(&pw);
	strbuf_free(why);
	return (rc);
}

/* mb_list - mailbox list [--json] */

static int
mb_list(struct ctl *c, int argc, char **argv)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	size_t	i, j;
	int	json = argc > 1 && strcmp(argv[1], "--json") == 0, rc, global;

	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		return (rc);
	if (json)
		printf("[");
	else if (m.n > 0)
		printf("%-16s %-6s %-40s %-20s %s\n", "NAME", "TYPE", "URL",
		    "DELIVER-TO", "OPTIONS");
	for (i = 0; i < m.n; i++) {
		b = &m.v[i];
		global = strcmp(b->type, "global") == 0;
		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			json_put(stdout, b->name);
			printf(",\"type\":");
			json_put(stdout, b->type);
			printf(",\"url\":");
			json_put(stdout, b->url);
			/* A global mailbox's mail is routed, not delivered
			 * to one address: no placeholder shown. */
			printf(",\"deliver_to\":");
			json_put(stdout, global ? "" : b->deliver_to ?
			    b->deliver_to : b->name);
			printf(",\"routed\":%s", global ? "true" : "false");
			printf(",\"options\":{");
			for (j = 0; j < b->opts->n; j++) {
				printf("%s", j ? "," : "");
				json_put(stdout, b->opts->v[j].name);
				printf(":");
				json_put(stdout, b->opts->v[j].value);
			}
			printf("}}");
			continue;
		}
		printf("%-16s %-6s %-40s %-20s", b->name, b->type, b->url,
		    global ? "(routed by milter)" : b->deliver_to ?
		    b->deliver_to : b->name);
		for (j = 0; j < b->opts->n; j++)
			printf("%s%s=%s", j ? "," : " ", b->opts->v[j].name,
			    b->opts->v[j].value);
		printf("\n");
	}
	if (json)
		printf("]\n");
	else if (m.n == 0)
		fprintf(stderr, "popconnctl: no mailboxes in %s/mailboxes.cf "
		    "(the fetcher is idle)\n", c->dir);
	cfg_mailboxes_free(&m);
	return (0);
}

/* mb_named - "mailbox VERB NAME": load the configuration, find NAME */

static int
mb_named(struct ctl *c, int argc, char **argv, const char *verb,
    struct cfg_mailboxes *m, const struct cfg_mailbox **b)
{
	int	rc;

	memset(m, 0, sizeof(*m));
	if (argc != 2) {
		ctl_err("usage: mailbox %s NAME", verb);
		return (EX_USAGE);
	}
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, m)) != 0)
		return (rc);
	if ((*b = ctl_find_box(m, argv[1])) == NULL) {
		ctl_err("no mailbox %s in %s/mailboxes.cf", argv[1], c->dir);
		return (EX_DATAERR);
	}
	return (0);
}

/* mb_show - mailbox show NAME: every setting and where it comes from */

static int
mb_show(struct ctl *c, int argc, char **argv)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	const struct cfg_entry *e;
	const struct cfg_param *p;
	struct cfg_dict *pw = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX], where[PATH_MAX + 32];
	int	rc;

	if ((rc = mb_named(c, argc, argv, "show", &m, &b)) != 0)
		goto out;
	printf("name:        %s\n", b->name);
	printf("type:        %s\n", b->type);
	printf("url:         %s\n", b->url);
	printf("deliver-to:  %s\n", strcmp(b->type, "global") == 0 ?
	    "(routed by popconn-milter)" : b->deliver_to ? b->deliver_to :
	    b->name);
	printf("defined at:  %s, line %d\n", b->file, b->line);
	if (cfg_dict_find(b->opts, "password_command") != NULL)
		printf("password:    from password_command\n");
	else if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    cfg_load_passwords(path, pw, why) == PC_OK &&
	    (e = cfg_dict_find(pw, b->name)) != NULL)
		printf("password:    set (%s, line %d)\n", e->file, e->line);
	else
		printf("password:    NOT SET%s%s%s\n", strbuf_len(why) ?
		    " (" : "", strbuf_str(why), strbuf_len(why) ? ")" : "");
	printf("settings:\n");
	for (p = params_fetcher; p->name; p++) {
		if (!(p->flags & CFG_MAILBOX))
			continue;
		if ((e = cfg_dict_find(b->opts, p->name)) != NULL)
			(void)snprintf(where, sizeof(where), "%s, line %d",
			    e->file, e->line);
		else if ((e = cfg_dict_find(c->main, p->name)) != NULL)
			(void)snprintf(where, sizeof(where), "%s, line %d",
			    e->file, e->line);
		else
			(void)snprintf(where, sizeof(where), "default");
		printf("  %-24s = %-24s (%s)\n", p->name, e ? e->value :
		    p->defval ? p->defval : "", where);
	}
out:
	cfg_mailboxes_free(&m);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}

/* mb_is_sasl - is this mechanism name a SASL one (not USER, APOP)? */

static int
mb_is_sasl(const char *mech)
{
	return (*mech && strcasecmp(mech, "user") != 0 &&
	    strcasecmp(mech, "apop") != 0 && strcasecmp(mech, "auto") != 0);
}

/* mb_test_line - the one-line diagnosis of a failed test */

static void
mb_test_line(const struct account *a, const struct account_probe *pr,
    const char *why)
{
	switch (pr->error) {
	case ACCOUNT_ERR_DNS:
		ctl_err("%s: cannot resolve %s (%s)", a->name, a->url.host,
		    why);
		break;
	case ACCOUNT_ERR_CONNECT:
		if (strstr(why, "refused") != NULL)
			ctl_err("%s: connection refused by %s:%d", a->name,
			    a->url.host, a->url.port);
		else
			ctl_err("%s: cannot connect to %s:%d: %s", a->name,
			    a->url.host, a->url.port, why);
		break;
	case ACCOUNT_ERR_TLS_VERIFY:
		ctl_err("%s: TLS certificate of %s does not verify: %s "
		    "(%s%s)", a->name, a->url.host, why,
		    *a->set.tls_ca_file ? "CA file: " : *a->set.tls_fingerprint ?
		    "pinned fingerprint alone, no CA file" : "CA file: the "
		    "system store", a->set.tls_ca_file);
		break;
	case ACCOUNT_ERR_TLS:
		ctl_err("%s: TLS with %s:%d failed: %s", a->name, a->url.host,
		    a->url.port, why);
		break;
	case ACCOUNT_ERR_MECH:
		ctl_err("%s: server does not offer %s%s (offers: SASL %s%s%s;"
		    " %s)", a->name, mb_is_sasl(pr->mech) ? "AUTH " : "",
		    *pr->mech ? pr->mech : a->set.auth, *pr->sasl ? pr->sasl :
		    "none", pr->apop ? ", APOP" : "", (pr->caps &
		    POP3_CAP_USER) || !(pr->caps & POP3_CAP_ANSWERED) ?
		    ", USER" : "", why);
		break;
	case ACCOUNT_ERR_AUTH:
		ctl_err("%s: wrong password for %s (at %s; %s)", a->name,
		    a->url.user, a->url.host, why);
		break;
	case ACCOUNT_ERR_LOCKED:
		ctl_err("%s: mailbox locked (in use): %s", a->name, why);
		break;
	case ACCOUNT_ERR_TEMP:
		ctl_err("%s: server %s cannot log in now, try later: %s",
		    a->name, a->url.host, why);
		break;
	case ACCOUNT_ERR_REFUSED:
		ctl_err("%s: login refused by %s, not for the password: %s",
		    a->name, a->url.host, why);
		break;
	case ACCOUNT_ERR_PROTOCOL:
		ctl_err("%s: protocol error from %s: %s", a->name,
		    a->url.host, why);
		break;
	default:
		ctl_err("%s: %s", a->name, why);
		break;
	}
}

/* mb_test_details - what the test learned, one topic a line */

static void
mb_test_details(const struct account *a, const struct account_probe *pr)
{
	const char *none = "none";

	printf("  tls: %s%s%s\n", pr->tls_mode[0] ? pr->tls_mode : "not "
	    "started", pr->tls_mode[0] && strcmp(pr->tls_mode, "none") != 0 ?
	    ", " : "", pr->tls_mode[0] && strcmp(pr->tls_mode, "none") != 0 ?
	    pr->tls : "");
	if (pr->tls_how[0])
		printf("  certificate: %s; verified by %s\n",
		    pr->tls_subject[0] ? pr->tls_subject : "(no subject)",
		    pr->tls_how);
	if (!(pr->caps & POP3_CAP_ANSWERED) && pr->tls_mode[0] == 0)
		return;		/* never got as far as the greeting */
	printf("  offered: SASL %s; APOP %s; USER %s\n", pr->sasl[0] ?
	    pr->sasl : none, pr->apop ? "yes (timestamp in the greeting)" :
	    "no", (pr->caps & POP3_CAP_USER) ? "yes" : !(pr->caps &
	    POP3_CAP_ANSWERED) ? "assumed (no CAPA)" : "no");
	if (pr->mech[0])
		printf("  chosen: %s (%s)\n", pr->mech, pr->mech_why[0] ?
		    pr->mech_why : a->set.auth);
	printf("  capabilities:%s%s%s%s", (pr->caps & POP3_CAP_ANSWERED) ?
	    "" : " (no CAPA)", (pr->caps & POP3_CAP_PIPELINING) ?
	    " PIPELINING" : "", (pr->caps & POP3_CAP_UIDL) ? " UIDL" : "",
	    (pr->caps & POP3_CAP_TOP) ? " TOP" : "");
	if (pr->caps & POP3_CAP_LOGIN_DELAY)
		printf(" LOGIN-DELAY %lds", pr->login_delay);
	if (pr->caps & POP3_CAP_EXPIRE) {
		if (pr->expire < 0)
			printf(" EXPIRE NEVER");
		else
			printf(" EXPIRE %ld days", pr->expire);
	}
	printf("%s%s%s\n", (pr->caps & POP3_CAP_RESP_CODES) ? " RESP-CODES" :
	    "", (pr->caps & POP3_CAP_AUTH_RESP) ? " AUTH-RESP-CODE" : "",
	    (pr->caps & POP3_CAP_UTF8) ? " UTF8" : "");
	if (pr->error == ACCOUNT_OK)
		printf("  messages: %lu, %llu bytes (largest %llu)%s\n",
		    pr->messages, pr->bytes, pr->largest, pr->uidl ? "" :
		    "; UIDL not answered");
	else if (pr->said[0] || pr->code[0])
		printf("  server said: \"%s\" (%s)\n", pr->said, pr->code[0] ?
		    pr->code : "no code");
}

/* mb_test - mailbox test NAME */

static int
mb_test(struct ctl *c, int argc, char **argv)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	struct cfg_dict *pw = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct account a;
	struct account_probe pr;
	char	path[PATH_MAX];
	int	rc;

	memset(&a, 0, sizeof(a));
	if ((rc = mb_named(c, argc, argv, "test", &m, &b)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    access(path, F_OK) == 0 &&
	    cfg_load_passwords(path, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if (account_load(&a, b, c->main, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if (account_test(&a, &pr, why) == PC_OK) {
		printf("%s: ok: %s@%s:%d (%s), TLS %s, logged in with %s "
		    "(%s); %lu message%s, %llu bytes (largest %llu)%s%s\n",
		    a.name, a.url.user, a.url.host, a.url.port, pr.server,
		    pr.tls, *pr.mech ? pr.mech : "?", pr.mech_why, pr.messages,
		    pr.messages == 1 ? "" : "s", pr.bytes, pr.largest,
		    pr.uidl ? ", UIDL" : ", no UIDL",
		    pr.pipelining ? ", PIPELINING" : "");
		mb_test_details(&a, &pr);
		rc = 0;
	} else {
		mb_test_line(&a, &pr, strbuf_str(why));
		mb_test_details(&a, &pr);
		rc = pr.error >= 0 && (size_t)pr.error <
		    PC_ARRAY_LEN(test_status) && pr.error != ACCOUNT_OK ?
		    test_status[pr.error] : EX_SOFTWARE;
	}
out:
	account_free(&a);
	cfg_mailboxes_free(&m);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}

/* ctl_cmd_mailbox - mailbox SUBVERB ... */

int
ctl_cmd_mailbox(struct ctl *c, int argc, char **argv)
{
	if (argc < 2) {
		ctl_err("usage: mailbox add|edit|remove|list|show|test ...");
		return (EX_USAGE);
	}
	argc--;
	argv++;
	if (strcmp(argv[0], "add") == 0)
		return (mb_add_edit(c, argc, argv, 0));
	if (strcmp(argv[0], "edit") == 0)
		return (mb_add_edit(c, argc, argv, 1));
	if (strcmp(argv[0], "remove") == 0)
		return (mb_remove(c, argc, argv));
	if (strcmp(argv[0], "list") == 0)
		return (mb_list(c, argc, argv));
	if (strcmp(argv[0], "show") == 0)
		return (mb_show(c, argc, argv));
	if (strcmp(argv[0], "test") == 0)
		return (mb_test(c, argc, argv));
	ctl_err("mailbox %s: use add, edit, remove, list, show or test",
	    argv[0]);
	return (EX_USAGE);
}

/* ctl_cmd_passwd - passwd NAME [--password-file FILE] */

int
ctl_cmd_passwd(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"password-file", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	struct cfg_mailboxes m;
	struct cfgedit pw;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *secret = strbuf_alloc(CTL_PW_MAX);
	const char *file = NULL;
	char	path[PATH_MAX];
	int	ch, rc = 0;

	memset(&pw, 0, sizeof(pw));
	memset(&m, 0, sizeof(m));
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'p')
			file = optarg;
		else
			rc = EX_USAGE;
	}
	if (rc != 0 || optind + 1 != argc) {
		ctl_err("usage: passwd NAME [--password-file FILE]");
		rc = EX_USAGE;
		goto out;
	}
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	if (ctl_find_box(&m, argv[optind]) == NULL) {
		ctl_err("no mailbox %s in %s/mailboxes.cf", argv[optind],
		    c->dir);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctl_read_password(argv[optind], file, secret)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") < 0 ||
	    cfgedit_open(&pw, CFGEDIT_PASSWORDS, path, why) != PC_OK ||
	    cfgedit_password_set(&pw, argv[optind], strbuf_str(secret), why) !=
	    PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = ctl_commit(&pw)) != 0)
		goto out;
	printf("password of %s changed\n", argv[optind]);
	(void)ctl_reload_fetcher(c);
out:
	if (pw.text)
		cfgedit_free(&pw);
	cfg_mailboxes_free(&m);
	strbuf_free(secret);
	strbuf_free(why);
	return (rc);
}
