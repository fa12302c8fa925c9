/*
 * NAME
 *	ctl_route - popconnctl route test: "why would it route here?"
 * SYNOPSIS
 *	int ctl_route_test(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	route test reads a message (FILE or standard input) and routes it
 *	the way popconn-milter would: the header as Postfix's cleanup
 *	rewrote it (route_cleanup_headers() with this site's Postfix
 *	parameters), the milter's own router (plugin/route.c,
 *	route_message_env()) and the live tables.  It prints each
 *	recipient with the rule behind it, or the undeliverable mailbox
 *	and why, and for each recipient whether the milter's duplicate
 *	store would drop it (read only: nothing is recorded).  With
 *	--json the same as one result: {"cleanup":TEXT,"undeliverable":
 *	BOOL,"undeliverable_mailbox":ADDR,"reason":TEXT,"recipients":
 *	[{"address":ADDR,"reason":TEXT,"duplicate":null|{...}}],
 *	"notes":TEXT}.
 * DIAGNOSTICS
 *	0; EX_NOINPUT (no such file), EX_DATAERR (a header it cannot
 *	read), EX_CONFIG (a table that does not open), EX_TEMPFAIL (a
 *	lookup failed: the milter would tempfail).
 * SECURITY
 *	The message is untrusted: the header is bounded (RT_HEADERS_MAX)
 *	and everything from it printed through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "ctl.h"
#include "dedupe.h"
#include "log.h"
#include "marker.h"
#include "ops.h"
#include "pfparams.h"
#include "route.h"
#include "safeio.h"
#include "table.h"

#define RT_HEADERS_MAX	(1024 * 1024)	/* header bytes route test reads */
#define RT_TEXT_MAX	512

/* Headers the milter stores for route_message() (plugin/milter.c). */
static const char *const rt_keep[] = {
	"To", "Cc", "Resent-To", "Resent-Cc", "Delivered-To",
	"X-Original-To", "Envelope-To", "X-Envelope-To", "Received",
	ROUTE_TRACE_HEADER,
};

/* One route test. */
struct rt {
	struct strbuf *msg;		/* the header (and a little body) */
	struct strbuf *why;
	struct strbuf *notes;		/* cleanup's */
	unsigned char body_md[32];	/* for a message without Message-ID */
	struct marker_bind bind;
	struct route_header *h;
	size_t	nh;
	struct pf_params pf;
	struct route_pfcheck pfcheck;
	struct table_list routing;
	struct table_list recips;
	char  **domains;
	size_t	nd;
	struct route_config cfg;
	struct route_env env;
	struct route_result r;
	json_t *res;			/* --json */
};

/* rt_read - the header up to the first empty line, the body's digest */

static int
rt_read(struct rt *t, const char *file)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	char	buf[8192];
	const char *sep;
	ssize_t	got;
	int	fd;

	fd = strcmp(file, "-") == 0 ? 0 : safeio_open_read(file, NULL);
	if (fd < 0) {
		ctl_errno("%s", file);
		EVP_MD_CTX_free(md);
		return (EX_NOINPUT);
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (strbuf_append(t->msg, buf, (size_t)got) < 0)
			break;
		if (strstr(t->msg->data, "\n\n") || strstr(t->msg->data,
		    "\r\n\r\n"))
			break;
	}
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		log_fatal(EX_SOFTWARE, "cannot initialise SHA-256");
	if ((sep = strstr(t->msg->data, "\n\n")) != NULL)
		(void)EVP_DigestUpdate(md, sep + 2, t->msg->len - (size_t)(sep +
		    2 - t->msg->data));
	while (sep != NULL && (got = read(fd, buf, sizeof(buf))) > 0)
		(void)EVP_DigestUpdate(md, buf, (size_t)got);
	if (EVP_DigestFinal_ex(md, t->body_md, &mdlen) != 1)
		memset(t->body_md, 0, sizeof(t->body_md));
	EVP_MD_CTX_free(md);
	if (fd != 0)
		close(fd);
	marker_bind_block(&t->bind, t->msg->data, t->msg->len);
	return (0);
}

/* rt_setup - the header as cleanup rewrote it, the router's settings */

static int
rt_setup(struct ctl *c, struct rt *t)
{
	char	pb[RT_TEXT_MAX];

	/*
	 * Invariant 8: the milter's decision on what the milter sees.  The
	 * milter gets the headers as cleanup rewrote them, with this site's
	 * Postfix parameters; do the same here, then call route_message().
	 */
	if (pf_params_load(c->ms.postfix_config_directory, &t->pf, t->why) !=
	    PC_OK)
		ctl_note("%s", strbuf_str(t->why));
	if (route_cleanup_headers(&t->pf, t->msg->data, t->msg->len, rt_keep,
	    PC_ARRAY_LEN(rt_keep), &t->h, &t->nh, t->notes) != PC_OK) {
		ctl_err("cannot read the header");
		return (EX_DATAERR);
	}
	if (strbuf_len(t->notes) > 0 && !c->json)
		printf("cleanup: %s\n", log_printable(pb, sizeof(pb),
		    strbuf_str(t->notes), strbuf_len(t->notes)));
	t->nd = route_domains_parse(*c->ms.local_domains ?
	    c->ms.local_domains : t->pf.local_domains, &t->domains);
	if (table_list_open(c->ms.routing_maps,
	    c->ms.postfix_config_directory, &t->routing, t->why) != PC_OK ||
	    table_list_open(c->ms.recipient_maps,
	    c->ms.postfix_config_directory, &t->recips, t->why) != PC_OK) {
		ctl_err("%s", strbuf_str(t->why));
		return (EX_CONFIG);
	}
	t->cfg.domains = t->domains;
	t->cfg.ndomains = t->nd;
	t->cfg.undeliverable = c->ms.undeliverable_mailbox;
	t->cfg.routing = &t->routing;
	t->cfg.recipients = &t->recips;
	t->cfg.max_recipients = (size_t)c->ms.max_recipients;
	t->cfg.hop_limit = ROUTE_HOP_LIMIT;
	t->cfg.site = *c->ms.myhostname ? c->ms.myhostname : "localhost";
	t->cfg.delim = *c->ms.recipient_delimiter ?
	    c->ms.recipient_delimiter : t->pf.recipient_delimiter;
	t->cfg.token_limit = (size_t)t->pf.header_address_token_limit;
	t->cfg.size_limit = (size_t)t->pf.header_size_limit;
	if (t->recips.n == 0 && t->pf.from_postconf) {
		if (route_pfcheck_open(&t->pf, c->ms.postfix_config_directory,
		    &t->pfcheck, t->why) != PC_OK)
			ctl_note("%s", strbuf_str(t->why));
		t->cfg.pfcheck = &t->pfcheck;
	}
	if (t->nd == 0)
		ctl_note("local_domains is empty and Postfix names no local "
		    "domain: every global message goes to %s",
		    c->ms.undeliverable_mailbox);
	return (0);
}

/*
 * rt_dups - for each recipient, would the milter drop it as a
 * duplicate?  The message's identity as the fetcher computes it; the
 * milter's store read only (nothing is recorded).
 */

static void
rt_dups(struct ctl *c, struct rt *t)
{
	struct dupdb_copy first;
	struct marker m;
	char	pb[RT_TEXT_MAX];
	json_t *d;
	size_t	i;
	int	rc;

	memset(&m, 0, sizeof(m));
	marker_identity(&t->bind, t->body_md, m.id);
	m.window = -1;			/* each first copy's own window */
	for (i = 0; i < t->r.n; i++) {
		strbuf_reset(t->why);
		rc = dedupe_preview(c->ms.milter_state_directory, &m,
		    t->r.v[i].addr, &first, t->why);
		if (rc == PC_PERM)
			break;		/* no store: nothing recorded yet */
		if (rc < 0) {
			ctl_note("duplicates not checked: %s",
			    strbuf_str(t->why));
			break;
		}
		if (rc != 1)
			continue;
		if (!c->json) {
			printf("duplicate: %s would be dropped (already "
			    "delivered: marker %s, queue id %s, %lld s ago)\n",
			    log_printable(pb, sizeof(pb), t->r.v[i].addr,
			    strlen(t->r.v[i].addr)), first.nonce, first.qid,
			    (long long)time(NULL) - first.t);
			continue;
		}
		d = json_pack("{s:s,s:s,s:I}", "marker", first.nonce,
		    "queue_id", first.qid, "age", (json_int_t)(time(NULL) -
		    first.t));
		(void)json_object_set_new(json_array_get(json_object_get(
		    t->res, "recipients"), i), "duplicate", d ? d :
		    json_null());
	}
}

/* rt_show - what the milter would do, as text or as t->res */

static void
rt_show(struct ctl *c, struct rt *t)
{
	char	pb[RT_TEXT_MAX], pb2[RT_TEXT_MAX];
	json_t *l, *o;
	size_t	i;

	if (!c->json) {
		if (t->r.undeliverable)
			printf("undeliverable: %s (%s)\n",
			    c->ms.undeliverable_mailbox, log_printable(pb,
			    sizeof(pb), strbuf_str(t->r.reason),
			    strbuf_len(t->r.reason)));
		for (i = 0; i < t->r.n; i++)
			printf("recipient: %s (%s)\n", log_printable(pb,
			    sizeof(pb), t->r.v[i].addr,
			    strlen(t->r.v[i].addr)), log_printable(pb2,
			    sizeof(pb2), t->r.v[i].reason,
			    strlen(t->r.v[i].reason)));
		if (strbuf_len(t->r.notes) > 0)
			printf("notes: %s\n", log_printable(pb, sizeof(pb),
			    strbuf_str(t->r.notes), strbuf_len(t->r.notes)));
		return;
	}
	t->res = json_object();
	l = json_array();
	(void)json_object_set_new(t->res, "cleanup",
	    ops_str(strbuf_str(t->notes)));
	(void)json_object_set_new(t->res, "undeliverable",
	    json_boolean(t->r.undeliverable));
	(void)json_object_set_new(t->res, "undeliverable_mailbox",
	    ops_str(c->ms.undeliverable_mailbox));
	(void)json_object_set_new(t->res, "reason",
	    ops_str(strbuf_str(t->r.reason)));
	for (i = 0; i < t->r.n; i++) {
		o = json_object();
		(void)json_object_set_new(o, "address",
		    ops_str(t->r.v[i].addr));
		(void)json_object_set_new(o, "reason",
		    ops_str(t->r.v[i].reason));
		(void)json_object_set_new(o, "duplicate", json_null());
		(void)json_array_append_new(l, o);
	}
	(void)json_object_set_new(t->res, "recipients", l);
	(void)json_object_set_new(t->res, "notes",
	    ops_str(strbuf_str(t->r.notes)));
}

/* rt_free - release a route test */

static void
rt_free(struct rt *t)
{
	marker_bind_free(&t->bind);
	route_result_free(&t->r);
	route_domains_free(t->domains, t->nd);
	table_list_free(&t->routing);
	table_list_free(&t->recips);
	route_cleanup_free(t->h, t->nh);
	route_pfcheck_free(&t->pfcheck);
	pf_params_free(&t->pf);
	strbuf_free(t->notes);
	strbuf_free(t->msg);
	strbuf_free(t->why);
	if (t->res)
		json_decref(t->res);
}

/* ctl_route_test - route test FILE|- [--trust-env ...] */

int
ctl_route_test(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"trust-env", no_argument, NULL, 't'},
		{"envelope-header", required_argument, NULL, 'e'},
		{"envelope-skip", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct rt t;
	int	ch, rc = 0;

	memset(&t, 0, sizeof(t));
	t.msg = strbuf_alloc(RT_HEADERS_MAX);
	t.why = strbuf_alloc(CTL_WHY_MAX);
	t.notes = strbuf_alloc(ROUTE_NOTES_MAX);
	route_result_init(&t.r);
	marker_bind_init(&t.bind);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 't')
			t.env.trust = 1;
		else if (ch == 'e')
			t.env.header = optarg;
		else if (ch == 's' && (t.env.skip = atoi(optarg)) >= 0 &&
		    t.env.skip <= 99 && strspn(optarg, "0123456789") ==
		    strlen(optarg))
			continue;
		else
			rc = EX_USAGE;
	}
	if (rc != 0 || optind + 1 != argc) {
		ctl_err("usage: route test [--trust-env [--envelope-header "
		    "NAME] [--envelope-skip N]] FILE|-");
		rc = EX_USAGE;
		goto out;
	}
	if ((rc = rt_read(&t, argv[optind])) != 0 ||
	    (rc = ctl_load(c)) != 0 || (rc = rt_setup(c, &t)) != 0)
		goto out;
	if (route_message_env(&t.cfg, t.h, t.nh, &t.env, &t.r, t.why) !=
	    PC_OK) {
		ctl_err("a table lookup failed (the milter would tempfail): "
		    "%s", strbuf_str(t.why));
		rc = EX_TEMPFAIL;
		goto out;
	}
	rt_show(c, &t);
	if (!t.r.undeliverable)
		rt_dups(c, &t);
	if (c->json) {
		c->result = t.res;
		t.res = NULL;
	}
out:
	rt_free(&t);
	return (rc);
}
