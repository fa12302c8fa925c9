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
 *	route test reads a message and routes it with the milter's own
 *	module (plugin/route.c) and the live tables.
 *
 *	check prints each problem with its file (and line, where there is
 *	one), like postfix check, and a count.
 * DIAGNOSTICS
 *	check exits 0 when it found no error (warnings allowed), else
 *	EX_CONFIG.
 * SECURITY
 *	Messages given to route test are untrusted: headers are bounded
 *	(ADM_HEADERS_MAX) and printed through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "alloc.h"
#include "ctl.h"
#include "ops.h"
#include "exec.h"
#include "log.h"
#include "marker.h"
#include "safeio.h"
#include "table.h"
#include "pfparams.h"
#include "route.h"
#include "dedupe.h"
#include <openssl/evp.h>

#define ADM_HEADERS_MAX	(1024 * 1024)	/* header bytes route test reads */
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
	json_array_foreach(json_object_get(s, "mailboxes"), i, b) {
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
	json_array_foreach(l, i, r) {
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

/* Headers the milter stores for route_message() (plugin/milter.c). */
static const char *const adm_keep[] = {
	"To", "Cc", "Resent-To", "Resent-Cc", "Delivered-To",
	"X-Original-To", "Envelope-To", "X-Envelope-To", "Received",
	ROUTE_TRACE_HEADER,
};

/*
 * adm_route_dups - for each recipient, would the milter drop it as a
 * duplicate?  The message's identity as the fetcher computes it; the
 * milter's store read only (nothing is recorded).
 */

static void
adm_route_dups(struct ctl *c, const struct marker_bind *b,
    const unsigned char body_md[32], const struct route_result *r)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct dupdb_copy first;
	struct marker m;
	char	pb[ADM_TEXT_MAX];
	size_t	i;
	int	rc;

	memset(&m, 0, sizeof(m));
	marker_identity(b, body_md, m.id);
	m.window = -1;			/* each first copy's own window */
	for (i = 0; i < r->n; i++) {
		rc = dedupe_preview(c->ms.milter_state_directory, &m,
		    r->v[i].addr, &first, why);
		if (rc == PC_PERM)
			break;		/* no store: nothing recorded yet */
		if (rc < 0) {
			ctl_note("duplicates not checked: %s", strbuf_str(why));
			break;
		}
		if (rc == 1)
			printf("duplicate: %s would be dropped (already "
			    "delivered: marker %s, queue id %s, %lld s ago)\n",
			    log_printable(pb, sizeof(pb), r->v[i].addr,
			    strlen(r->v[i].addr)), first.nonce, first.qid,
			    (long long)time(NULL) - first.t);
	}
	strbuf_free(why);
}

/* adm_route_test - route test FILE|- [--mailbox NAME] [--trust-env] */

static int
adm_route_test(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"trust-env", no_argument, NULL, 't'},
		{"envelope-header", required_argument, NULL, 'e'},
		{"envelope-skip", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct strbuf *msg = strbuf_alloc(ADM_HEADERS_MAX);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *notes = strbuf_alloc(ROUTE_NOTES_MAX);
	struct route_header *h = NULL;
	struct pf_params pf;
	struct route_pfcheck pfcheck;
	struct route_config rc_;
	struct route_result r;
	struct table_list routing, recips;
	char  **domains = NULL;
	char	buf[8192], pb[ADM_TEXT_MAX], pb2[ADM_TEXT_MAX];
	size_t	nh = 0, nd = 0, i;
	int	ch, fd, rc = 0, trust = 0;
	ssize_t	got;
	struct marker_bind bind;
	unsigned char body_md[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	const char *sep;
	struct route_env env = {0, NULL, 0};

	memset(&routing, 0, sizeof(routing));
	memset(&recips, 0, sizeof(recips));
	memset(&pf, 0, sizeof(pf));
	memset(&pfcheck, 0, sizeof(pfcheck));
	route_result_init(&r);
	marker_bind_init(&bind);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 't')
			trust = 1;
		else if (ch == 'e')
			env.header = optarg;
		else if (ch == 's' && (env.skip = atoi(optarg)) >= 0 &&
		    env.skip <= 99 && strspn(optarg, "0123456789") ==
		    strlen(optarg))
			continue;
		else
			rc = EX_USAGE;
	}
	env.trust = trust;
	if (rc != 0 || optind + 1 != argc) {
		ctl_err("usage: route test [--trust-env [--envelope-header "
		    "NAME] [--envelope-skip N]] FILE|-");
		rc = EX_USAGE;
		goto out;
	}
	fd = strcmp(argv[optind], "-") == 0 ? 0 :
	    safeio_open_read(argv[optind], NULL);
	if (fd < 0) {
		ctl_errno("%s", argv[optind]);
		rc = EX_NOINPUT;
		goto out;
	}
	/* The header: up to the first empty line, at most the limit. */
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (strbuf_append(msg, buf, (size_t)got) < 0)
			break;
		if (strstr(msg->data, "\n\n") || strstr(msg->data,
		    "\r\n\r\n"))
			break;
	}
	/* The body, for the identity of a message without Message-ID. */
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		log_fatal(EX_SOFTWARE, "cannot initialise SHA-256");
	if ((sep = strstr(msg->data, "\n\n")) != NULL)
		(void)EVP_DigestUpdate(md, sep + 2, msg->len - (size_t)(sep + 2 -
		    msg->data));
	while (sep != NULL && (got = read(fd, buf, sizeof(buf))) > 0)
		(void)EVP_DigestUpdate(md, buf, (size_t)got);
	if (EVP_DigestFinal_ex(md, body_md, &mdlen) != 1)
		memset(body_md, 0, sizeof(body_md));
	if (fd != 0)
		close(fd);
	marker_bind_block(&bind, msg->data, msg->len);
	if ((rc = ctl_load(c)) != 0)
		goto out;
	/*
	 * Invariant 8: the milter's decision on what the milter sees.  The
	 * milter gets the headers as cleanup rewrote them, with this site's
	 * Postfix parameters; do the same here, then call route_message().
	 */
	if (pf_params_load(c->ms.postfix_config_directory, &pf, why) !=
	    PC_OK)
		ctl_note("%s", strbuf_str(why));
	if (route_cleanup_headers(&pf, msg->data, msg->len, adm_keep,
	    PC_ARRAY_LEN(adm_keep), &h, &nh, notes) != PC_OK) {
		ctl_err("cannot read the header");
		rc = EX_DATAERR;
		goto out;
	}
	if (strbuf_len(notes) > 0)
		printf("cleanup: %s\n", log_printable(pb, sizeof(pb),
		    strbuf_str(notes), strbuf_len(notes)));
	nd = route_domains_parse(*c->ms.local_domains ? c->ms.local_domains :
	    pf.local_domains, &domains);
	if (table_list_open(c->ms.routing_maps,
	    c->ms.postfix_config_directory, &routing, why) != PC_OK ||
	    table_list_open(c->ms.recipient_maps,
	    c->ms.postfix_config_directory, &recips, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	memset(&rc_, 0, sizeof(rc_));
	rc_.domains = domains;
	rc_.ndomains = nd;
	rc_.undeliverable = c->ms.undeliverable_mailbox;
	rc_.routing = &routing;
	rc_.recipients = &recips;
	rc_.max_recipients = (size_t)c->ms.max_recipients;
	rc_.hop_limit = ROUTE_HOP_LIMIT;
	rc_.site = *c->ms.myhostname ? c->ms.myhostname : "localhost";
	rc_.delim = *c->ms.recipient_delimiter ? c->ms.recipient_delimiter :
	    pf.recipient_delimiter;
	rc_.token_limit = (size_t)pf.header_address_token_limit;
	rc_.size_limit = (size_t)pf.header_size_limit;
	if (recips.n == 0 && pf.from_postconf) {
		if (route_pfcheck_open(&pf, c->ms.postfix_config_directory,
		    &pfcheck, why) != PC_OK)
			ctl_note("%s", strbuf_str(why));
		rc_.pfcheck = &pfcheck;
	}
	if (nd == 0)
		ctl_note("local_domains is empty and Postfix names no local "
		    "domain: every global message goes to %s",
		    c->ms.undeliverable_mailbox);
	if (route_message_env(&rc_, h, nh, &env, &r, why) != PC_OK) {
		ctl_err("a table lookup failed (the milter would tempfail): "
		    "%s", strbuf_str(why));
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (r.undeliverable)
		printf("undeliverable: %s (%s)\n", c->ms.undeliverable_mailbox,
		    log_printable(pb, sizeof(pb), strbuf_str(r.reason),
		    strbuf_len(r.reason)));
	for (i = 0; i < r.n; i++)
		printf("recipient: %s (%s)\n", log_printable(pb, sizeof(pb),
		    r.v[i].addr, strlen(r.v[i].addr)), log_printable(pb2,
		    sizeof(pb2), r.v[i].reason, strlen(r.v[i].reason)));
	if (strbuf_len(r.notes) > 0)
		printf("notes: %s\n", log_printable(pb, sizeof(pb),
		    strbuf_str(r.notes), strbuf_len(r.notes)));
	if (!r.undeliverable)
		adm_route_dups(c, &bind, body_md, &r);
out:
	marker_bind_free(&bind);
	EVP_MD_CTX_free(md);
	route_result_free(&r);
	route_domains_free(domains, nd);
	table_list_free(&routing);
	table_list_free(&recips);
	route_cleanup_free(h, nh);
	route_pfcheck_free(&pfcheck);
	pf_params_free(&pf);
	strbuf_free(notes);
	strbuf_free(msg);
	strbuf_free(why);
	return (rc);
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
		return (adm_route_test(c, argc - 1, argv + 1));
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
