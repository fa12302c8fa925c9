/*
 * NAME
 *	ctl_mailbox - popconnctl mailbox add|edit|remove|list|show|test, passwd
 * SYNOPSIS
 *	int ctl_cmd_mailbox(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_passwd(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	The Mailboxes tab on the command line: reads the options, asks for
 *	a password (never from argv), calls the operations of
 *	ctl/ops_mailbox.c and prints what they did, as text or, with
 *	--json, as the operation's result (ops.h).  remove asks (on a
 *	terminal) whether to delete the mailbox's UIDL state; it never
 *	touches mail.  test is ctl/ctl_mbtest.c.
 * DIAGNOSTICS
 *	Exit status as popconnctl(8) says.
 * SECURITY
 *	Passwords never come from argv; the buffer holding one is wiped.
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

#include "alloc.h"
#include "ctl.h"
#include "ops.h"

#define CTL_PW_MAX	4096

/* mb_done - "mailbox NAME added": text, or the --json result */

static void
mb_done(struct ctl *c, const char *name, const char *what)
{
	if (!c->json) {
		printf("mailbox %s %s\n", name, what);
		return;
	}
	if (c->result == NULL && (c->result = json_object()) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	(void)json_object_set_new(c->result, "mailbox", ops_str(name));
	(void)json_object_set_new(c->result, "done", ops_str(what));
}

/* mb_opt_arg - "-o name=value" */

static int
mb_opt_arg(struct cfg_dict *opts, const char *arg)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;
	char   *name;
	int	rc;

	if (eq == NULL || eq == arg) {
		ctl_fail(NULL, NULL, 0, "-o %s: expected name=value", arg);
		return (EX_USAGE);
	}
	name = xstrndup(arg, (size_t)(eq - arg));
	rc = ops_mailbox_opt(opts, name, eq + 1);
	free(name);
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

/* mb_keep - --keep[=DAYS] */

static int
mb_keep(struct cfg_dict *opts, const char *days)
{
	char   *end;
	int	rc;

	rc = ops_mailbox_opt(opts, "keep", "yes");
	if (rc != 0 || days == NULL)
		return (rc);
	if (strtol(days, &end, 10) < 1 || *end) {
		ctl_fail("keep_days", NULL, 0, "--keep=%s: give a number of "
		    "days", days);
		return (EX_USAGE);
	}
	return (ops_mailbox_opt(opts, "keep_days", days));
}

/* mb_getopt - the options of mailbox add|edit into r; *pwfile */

static int
mb_getopt(int argc, char **argv, struct ops_mailbox_req *r,
    const char **pwfile)
{
	int	ch, rc = 0;

	while (rc == 0 && (ch = getopt_long(argc, argv, "o:", mb_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't':
			r->type = optarg;
			break;
		case 'u':
			r->url = optarg;
			break;
		case 'd':
			r->deliver_to = optarg;
			break;
		case 'k':
			rc = mb_keep(r->opts, optarg);
			break;
		case 'K':
			rc = ops_mailbox_opt(r->opts, "keep", "no");
			break;
		case 'a':
			rc = ops_mailbox_opt(r->opts, "auth", optarg);
			break;
		case 's':
			rc = ops_mailbox_opt(r->opts, "size_limit", optarg);
			break;
		case 'T':
			rc = ops_mailbox_opt(r->opts, "tls", optarg);
			break;
		case 'C':
			rc = ops_mailbox_opt(r->opts, "tls_ca_file", optarg);
			break;
		case 'p':
			*pwfile = optarg;
			break;
		case 'N':
			r->no_password = 1;
			break;
		case 'o':
			rc = mb_opt_arg(r->opts, optarg);
			break;
		case 'U':
			rc = ops_mailbox_unset(r->opts, optarg);
			break;
		default:
			rc = EX_USAGE;
		}
	}
	return (rc);
}

/* mb_add_edit - mailbox add NAME ... / mailbox edit NAME ... */

static int
mb_add_edit(struct ctl *c, int argc, char **argv, int edit)
{
	struct ops_mailbox_req r;
	struct ops_mailbox_plan p;
	struct strbuf *secret = NULL;
	const char *pwfile = NULL;
	int	rc;

	memset(&r, 0, sizeof(r));
	memset(&p, 0, sizeof(p));
	r.edit = edit;
	r.opts = cfg_dict_alloc();
	if ((rc = mb_getopt(argc, argv, &r, &pwfile)) != 0)
		goto out;
	if (optind + 1 != argc) {
		ctl_err("usage: mailbox %s NAME [--type user|global] [--url "
		    "URL] [--deliver-to ADDR] [--keep[=DAYS]] [--auth MECH] "
		    "[--size-limit N] [-o name=value] ...",
		    edit ? "edit" : "add");
		rc = EX_USAGE;
		goto out;
	}
	r.name = argv[optind];
	r.password_given = pwfile != NULL;
	if ((rc = ops_mailbox_plan(c, &r, &p)) != 0)
		goto out;
	if (p.need_password) {
		secret = strbuf_alloc(CTL_PW_MAX);
		if ((rc = ctl_read_password(r.name, pwfile, secret)) != 0)
			goto out;
	}
	rc = ops_mailbox_commit(c, &p, secret ? strbuf_str(secret) : NULL);
	if (rc == 0)
		mb_done(c, r.name, edit ? "changed" : "added");
out:
	ops_mailbox_plan_free(&p);
	cfg_dict_free(r.opts);
	strbuf_free(secret);
	return (rc);
}

/* mb_remove_state - ask about, then delete or keep, the UIDL state */

static void
mb_remove_state(struct ctl *c, const char *name, int state, json_t *res)
{
	char	files[2][PATH_MAX], ans[16];
	json_t *f;
	int	i, nfiles;

	nfiles = ops_mailbox_state_files(c, name, files);
	if (nfiles > 0 && state < 0 && !c->json && isatty(0)) {
		fprintf(stderr, "Delete its UIDL state (%s%s%s)?  Without it, "
		    "mail kept on the server is fetched again if the mailbox "
		    "is added back. [y/N] ", files[0], nfiles > 1 ? ", " : "",
		    nfiles > 1 ? files[1] : "");
		state = fgets(ans, sizeof(ans), stdin) != NULL &&
		    (ans[0] == 'y' || ans[0] == 'Y');
	}
	for (i = 0; i < nfiles; i++) {
		int	deleted = 0;

		if (state == 1 && unlink(files[i]) != 0)
			ctl_errno("unlink %s", files[i]);
		else if (state == 1)
			deleted = 1;
		if (res != NULL) {
			f = json_object();
			(void)json_object_set_new(f, "file", ops_str(files[i]));
			(void)json_object_set_new(f, "deleted",
			    json_boolean(deleted));
			(void)json_array_append_new(res, f);
		} else if (deleted) {
			printf("deleted %s\n", files[i]);
		} else if (state != 1) {
			printf("kept %s\n", files[i]);
		}
	}
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
	struct cfg_mailboxes m;
	json_t *files = NULL;
	const char *name;
	int	ch, rc = 0, state = -1;

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
		return (EX_USAGE);
	}
	name = argv[optind];
	if ((rc = ops_mailbox_remove(c, name)) != 0)
		return (rc);
	if (!c->json)
		printf("mailbox %s removed (its mail on the server and in "
		    "Postfix is untouched)\n", name);
	else
		files = json_array();
	mb_remove_state(c, name, state, files);
	(void)ctl_reload_fetcher(c);
	if (ctl_load_boxes(c, &m) == 0 && m.n == 0 && !c->json)
		printf("no mailboxes left: the fetcher is idle\n");
	if (c->json) {
		mb_done(c, name, "removed");
		(void)json_object_set_new(c->result, "state_files", files);
		(void)json_object_set_new(c->result, "mailboxes_left",
		    json_integer((json_int_t)m.n));
	}
	cfg_mailboxes_free(&m);
	return (0);
}

/* mb_list - mailbox list [--json] */

static int
mb_list(struct ctl *c, int argc, char **argv)
{
	json_t *list, *b, *opts;
	void   *it;
	size_t	i;
	int	json = argc > 1 && strcmp(argv[1], "--json") == 0, rc, j;
	char   *text;

	if ((rc = ops_mailbox_list(c, &list)) != 0)
		return (rc);
	if (c->json) {
		c->result = list;
		return (0);
	}
	if (json) {
		if ((text = json_dumps(list, JSON_COMPACT |
		    JSON_PRESERVE_ORDER)) != NULL)
			printf("%s\n", text);
		free(text);
		json_decref(list);
		return (text ? 0 : EX_SOFTWARE);
	}
	if (json_array_size(list) > 0)
		printf("%-16s %-6s %-40s %-20s %s\n", "NAME", "TYPE", "URL",
		    "DELIVER-TO", "OPTIONS");
	for (i = 0; (b = json_array_get(list, i)) != NULL; i++) {
		printf("%-16s %-6s %-40s %-20s",
		    json_string_value(json_object_get(b, "name")),
		    json_string_value(json_object_get(b, "type")),
		    json_string_value(json_object_get(b, "url")),
		    json_is_true(json_object_get(b, "routed")) ?
		    "(routed by milter)" :
		    json_string_value(json_object_get(b, "deliver_to")));
		opts = json_object_get(b, "options");
		j = 0;
		for (it = json_object_iter(opts); it != NULL;
		    it = json_object_iter_next(opts, it))
			printf("%s%s=%s", j++ ? "," : " ",
			    json_object_iter_key(it),
			    json_string_value(json_object_iter_value(it)));
		printf("\n");
	}
	if (json_array_size(list) == 0)
		fprintf(stderr, "popconnctl: no mailboxes in %s/mailboxes.cf "
		    "(the fetcher is idle)\n", c->dir);
	json_decref(list);
	return (0);
}

/* mb_show - mailbox show NAME: every setting and where it comes from */

static int
mb_show(struct ctl *c, int argc, char **argv)
{
	json_t *b, *pw, *s;
	const char *state;
	size_t	i;
	int	rc;

	if (argc != 2) {
		ctl_err("usage: mailbox show NAME");
		return (EX_USAGE);
	}
	if ((rc = ops_mailbox_show(c, argv[1], &b)) != 0)
		return (rc);
	if (c->json) {
		c->result = b;
		return (0);
	}
#define STR(o, k)	json_string_value(json_object_get((o), (k)))
#define INT(o, k)	(int)json_integer_value(json_object_get((o), (k)))
	printf("name:        %s\n", STR(b, "name"));
	printf("type:        %s\n", STR(b, "type"));
	printf("url:         %s\n", STR(b, "url"));
	printf("deliver-to:  %s\n", json_is_true(json_object_get(b,
	    "routed")) ? "(routed by popconn-milter)" : STR(b, "deliver_to"));
	printf("defined at:  %s, line %d\n", STR(b, "file"), INT(b, "line"));
	pw = json_object_get(b, "password");
	state = STR(pw, "state");
	if (strcmp(state, "password_command") == 0)
		printf("password:    from password_command\n");
	else if (strcmp(state, "set") == 0)
		printf("password:    set (%s, line %d)\n", STR(pw, "file"),
		    INT(pw, "line"));
	else
		printf("password:    NOT SET%s%s%s\n", *STR(pw, "why") ?
		    " (" : "", STR(pw, "why"), *STR(pw, "why") ? ")" : "");
	printf("settings:\n");
	for (i = 0; (s = json_array_get(json_object_get(b, "settings"),
	    i)) != NULL; i++) {
		char	where[PATH_MAX + 32];

		if (json_is_string(json_object_get(s, "file")))
			(void)snprintf(where, sizeof(where), "%s, line %d",
			    STR(s, "file"), INT(s, "line"));
		else
			(void)snprintf(where, sizeof(where), "default");
		printf("  %-24s = %-24s (%s)\n", STR(s, "name"),
		    STR(s, "value"), where);
	}
#undef STR
#undef INT
	json_decref(b);
	return (0);
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
		return (ctl_mailbox_test(c, argc, argv));
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
	struct strbuf *secret = strbuf_alloc(CTL_PW_MAX);
	const char *file = NULL, *name;
	int	ch, rc = 0;

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
	name = argv[optind];
	/* The mailbox must exist before the password is asked for. */
	if ((rc = ops_mailbox_find(c, name)) != 0 ||
	    (rc = ctl_read_password(name, file, secret)) != 0 ||
	    (rc = ops_passwd(c, name, strbuf_str(secret))) != 0)
		goto out;
	if (c->json)
		mb_done(c, name, "password changed");
	else
		printf("password of %s changed\n", name);
	(void)ctl_reload_fetcher(c);
out:
	strbuf_free(secret);
	return (rc);
}
