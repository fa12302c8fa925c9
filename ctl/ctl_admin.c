/*
 * NAME
 *	ctl_admin - popconnctl schedule, undeliverable, route, check
 * SYNOPSIS
 *	int ctl_cmd_schedule(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_undeliverable(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_route(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_check(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	The Scheduling, Routing and Troubleshooting verbs on the command
 *	line: they read the options, call the operations of
 *	ctl/ops_admin.c and ctl/ops_check.c, and print the result as text
 *	or, with --json, hand it to ops_finish() (ops.h).  After a change
 *	they ask the daemons to reload: undeliverable both (the fetcher
 *	uses it as the placeholder recipient, the milter as the
 *	fallback), schedule the fetcher, route the milter.
 *
 *	route test is ctl/ctl_route.c.
 *
 *	check prints each problem with its file (and line, where there is
 *	one), like postfix check, and a count.
 * DIAGNOSTICS
 *	check exits 0 when it found no error (warnings allowed), else
 *	EX_CONFIG.
 * SECURITY
 *	Table entries are printed through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "log.h"
#include "ops.h"

#define ADM_TEXT_MAX	512

#define STR(o, k)	json_string_value(json_object_get((o), (k)))

/* adm_schedule_show - the schedule and every mailbox's override */

static int
adm_schedule_show(struct ctl *c)
{
	json_t *s, *b;
	const char *v;
	size_t	i;
	int	rc;

	if ((rc = ops_schedule_show(c, &s)) != 0)
		return (rc);
	if (c->json) {
		c->result = s;
		return (0);
	}
	printf("%-16s %-10s %s\n", "MAILBOX", "INTERVAL", "TIMES");
	printf("%-16s %-10s %s\n", "(popconn.cf)", STR(s, "poll_interval"),
	    *STR(s, "poll_times") ? STR(s, "poll_times") : "-");
	for (i = 0; (b = json_array_get(json_object_get(s, "mailboxes"),
	    i)) != NULL; i++) {
		v = STR(b, "poll_times");
		printf("%-16s %-10s %s\n", STR(b, "name"),
		    STR(b, "poll_interval") ? STR(b, "poll_interval") :
		    "(global)", v ? (*v ? v : "-") : "(global)");
	}
	json_decref(s);
	return (0);
}

/* ctl_cmd_schedule - schedule show | set INTERVAL | set --at TIMES */

int
ctl_cmd_schedule(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"at", required_argument, NULL, 'a'},
		{"mailbox", required_argument, NULL, 'm'},
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *at = NULL, *box = NULL, *iv = NULL;
	json_t *done;
	int	ch, rc, force = 0;

	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (argc < 2 || strcmp(argv[1], "show") == 0) {
		if (argc > 2) {
			ctl_err("usage: schedule show");
			return (EX_USAGE);
		}
		return (adm_schedule_show(c));
	}
	if (strcmp(argv[1], "set") != 0) {
		ctl_err("usage: schedule show | set INTERVAL | set --at "
		    "HH:MM[,HH:MM...] [--mailbox NAME]");
		return (EX_USAGE);
	}
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'a')
			at = optarg;
		else if (ch == 'm')
			box = optarg;
		else if (ch == 'f')
			force = 1;
		else
			return (EX_USAGE);
	}
	if (optind < argc)
		iv = argv[optind++];
	if (optind != argc || (at == NULL) == (iv == NULL)) {
		ctl_err("usage: schedule set INTERVAL [--force] | set --at "
		    "HH:MM[,HH:MM...] [--mailbox NAME]");
		return (EX_USAGE);
	}
	if ((rc = ops_schedule_set(c, box, iv, at, force, &done)) != 0)
		return (rc);
	if (c->json)
		c->result = done;
	else
		printf("schedule%s%s: %s%s%s%s%s\n", box ? " of " : "",
		    box ? box : "", iv ? "every " : "at ", iv ? iv : at,
		    iv ? " (" : "", iv ? STR(done, "human") : "",
		    iv ? ")" : "");
	if (box == NULL)		/* a mailbox's edit reloaded */
		(void)ctl_reload_fetcher(c);
	if (!c->json)
		json_decref(done);
	return (0);
}

/* ctl_cmd_undeliverable - undeliverable [ADDRESS] */

int
ctl_cmd_undeliverable(struct ctl *c, int argc, char **argv)
{
	json_t *res;
	int	rc;

	if (argc > 2) {
		ctl_err("usage: undeliverable [ADDRESS]");
		return (EX_USAGE);
	}
	if ((rc = ops_undeliverable(c, argc == 1 ? NULL : argv[1], &res)) !=
	    0)
		return (rc);
	if (c->json)
		c->result = res;
	else if (argc == 1)
		printf("%s\n", STR(res, "undeliverable_mailbox"));
	else
		printf("undeliverable_mailbox = %s\n", argv[1]);
	if (!c->json)
		json_decref(res);
	if (argc == 1)
		return (0);
	(void)ctl_reload_fetcher(c);
	if (ctl_reload_milter(c, 0) == PC_OK && !c->json)
		printf("milter: reload requested (SIGUSR1)\n");
	return (0);
}

/* adm_route_list - route list: every texthash and pcre entry */

static int
adm_route_list(struct ctl *c)
{
	char	pb[ADM_TEXT_MAX], rb[ADM_TEXT_MAX];
	const char *spec, *pat, *rcpt;
	json_t *l, *r;
	size_t	i;
	int	rc, rows = 0;

	if ((rc = ops_route_list(c, &l)) != 0)
		return (rc);
	if (c->json) {
		c->result = l;
		return (0);
	}
	for (i = 0; (r = json_array_get(l, i)) != NULL; i++) {
		spec = STR(r, "table");
		if (json_is_true(json_object_get(r, "indexed"))) {
			printf("%-40s (indexed table: see postmap -s %s)\n",
			    spec, spec);
			continue;
		}
		if (rows++ == 0)
			printf("%-40s %-32s %s\n", "TABLE:LINE", "PATTERN",
			    "RECIPIENT");
		pat = STR(r, "pattern");
		rcpt = STR(r, "recipient");
		printf("%s:%-*d ", spec, (int)(strlen(spec) < 38 ?
		    38 - strlen(spec) : 0), (int)json_integer_value(
		    json_object_get(r, "line")));
		printf("%-32s ", log_printable(pb, sizeof(pb), pat,
		    strlen(pat)));
		printf("%s\n", *rcpt ? log_printable(rb, sizeof(rb), rcpt,
		    strlen(rcpt)) : "(none)");
	}
	json_decref(l);
	return (0);
}

/* adm_route_edit - route add PATTERN RECIPIENT / route remove PATTERN */

static int
adm_route_edit(struct ctl *c, int add, int pcre, const char *pat,
    const char *rcpt)
{
	json_t *d;
	int	rc;

	if ((rc = ops_route_edit(c, add, pcre, pat, rcpt, &d)) != 0)
		return (rc);
	if (!c->json && json_is_string(json_object_get(d, "routing_maps")))
		printf("routing_maps = %s\n", STR(d, "routing_maps"));
	if (!c->json && add)
		printf("%s:%s: %s -> %s\n", STR(d, "table"), STR(d, "file"),
		    STR(d, "pattern"), rcpt);
	else if (!c->json)
		printf("%s:%s: %s removed\n", STR(d, "table"), STR(d, "file"),
		    STR(d, "pattern"));
	if (ctl_reload_milter(c, 0) == PC_OK && !c->json)
		printf("milter: reload requested (SIGUSR1)\n");
	if (c->json)
		c->result = d;
	else
		json_decref(d);
	return (0);
}

/* ctl_cmd_route - route add|remove|list|test */

int
ctl_cmd_route(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"pcre", no_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	int	ch, pcre = 0, add, rc;

	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return (ctl_route_test(c, argc - 1, argv + 1));
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return (adm_route_list(c));
	if (argc < 3 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "remove") != 0))
		goto usage;
	add = strcmp(argv[1], "add") == 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'p')
			goto usage;
		pcre = 1;
	}
	if (argc - optind != (add ? 2 : 1))
		goto usage;
	return (adm_route_edit(c, add, pcre, argv[optind],
	    add ? argv[optind + 1] : ""));
usage:
	ctl_err("usage: route add PATTERN RECIPIENT [--pcre] | route remove "
	    "PATTERN [--pcre] | route list | route test FILE|-");
	return (EX_USAGE);
}

/* adm_check_line - one problem found by check, on stderr */

static void
adm_check_line(void *ctx, const json_t *p)
{
	(void)ctx;
	fprintf(stderr, "popconnctl: %s: %s\n", STR(p, "severity"),
	    STR(p, "text"));
}

/* ctl_cmd_check - validate everything, like postfix check */

int
ctl_cmd_check(struct ctl *c, int argc, char **argv)
{
	json_t *sum;
	int	rc, e, w;

	if (argc != 1) {
		ctl_err("usage: check");
		return (EX_USAGE);
	}
	rc = ops_check(c, c->json ? NULL : adm_check_line, NULL, &sum);
	if (sum == NULL)
		return (rc);
	e = (int)json_integer_value(json_object_get(sum, "errors"));
	w = (int)json_integer_value(json_object_get(sum, "warnings"));
	if (c->json) {
		c->result = sum;
		return (rc);
	}
	printf("check: %d error%s, %d warning%s\n", e, e == 1 ? "" : "s", w,
	    w == 1 ? "" : "s");
	json_decref(sum);
	return (rc);
}
