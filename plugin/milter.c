/*
 * NAME
 *	milter - popconn-milter's callbacks (milter_config.c: its configuration)
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	See milter.h for the prototypes and who owns what.
 * DESCRIPTION
 *	Postfix calls us from non_smtpd_milters for mail submitted with
 *	sendmail (one connection per message, one libmilter thread per
 *	connection).  The callbacks:
 *
 *	connect	allocates the context and takes a reference on the
 *		configuration;
 *	envfrom	starts a message (and remembers {daemon_name});
 *	envrcpt	keeps the first recipient verbatim (smfi_delrcpt needs
 *		the exact string) and counts them;
 *	header	counts marker headers and keeps the headers routing needs
 *		(bounded by MILTER_HEADERS_MAX);
 *	eom	removes every marker header; for a message whose single
 *		marker verifies, that came through the sendmail path and
 *		whose only recipient is the placeholder, routes it
 *		(route.c) and applies the result: delete the placeholder,
 *		add the recipients, insert the ROUTE_TRACE_HEADER on top,
 *		rename the
 *		ISP's Delivered-To headers (Postfix's virtual and local
 *		agents bounce a message whose Delivered-To equals the
 *		recipient as a loop);
 *	abort	resets the message; close frees the context and drops
 *		the reference.
 *
 *	Trust: the marker (HMAC under the local secret, bounded age) says
 *	the fetcher made the message; {daemon_name} says it came from the
 *	sendmail path or from the dedicated SMTP listener of delivery_method
 *	= smtp (milter_smtp_daemon_name; a local user's submission through
 *	any other smtpd has another name);
 *	the single placeholder recipient says nobody added recipients of
 *	their own.  A message failing any check keeps its envelope: the
 *	placeholder is the undeliverable mailbox, so nothing is lost.
 * DIAGNOSTICS
 *	Any internal or table error answers SMFIS_TEMPFAIL (Postfix keeps
 *	the message and retries); the milter never rejects or discards.
 *	One log line per routed message: queue id, mailbox, recipients with
 *	their reasons.
 * SECURITY
 *	Headers and envelope come from the message: bounded, escaped before
 *	they are logged.  No shared mutable state outside the configuration
 *	pointer and reference counts, which are under milter_lock.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "popconn.h"
#include "alloc.h"
#include "addr.h"
#include "log.h"
#include "marker.h"
#include "params.h"
#include "pfparams.h"
#include "strbuf.h"
#include "table.h"
#include "route.h"
#include "dedupe.h"
#include "milter.h"
#include "milter_int.h"

struct milter_ctx {
	struct milter_config *cfg;	/* NULL: none could be had */
	unsigned long nr;		/* SMFIP_NR_* agreed with the MTA */
	/* the current message */
	char	*rcpt;			/* first recipient, verbatim */
	size_t	nrcpt;
	char	*daemon;		/* {daemon_name} */
	size_t	nmarker;
	char	*marker;		/* value of the first marker */
	size_t	ndt;			/* Delivered-To headers */
	struct route_header *hdrs;
	size_t	nhdrs;
	size_t	hcap;
	size_t	hbytes;
	int	hoverflow;
	struct marker_bind bind;	/* what the marker is bound to */
};

/* Headers route.c looks at; others are not stored. */
static const char *const milter_keep[] = {
	"To", "Cc", "Resent-To", "Resent-Cc", "Delivered-To",
	"X-Original-To", "Envelope-To", "X-Envelope-To", "Received",
	ROUTE_TRACE_HEADER,
};

/* milter_reset - forget the current message */

static void
milter_reset(struct milter_ctx *mc)
{
	size_t	i;

	free(mc->rcpt);
	free(mc->daemon);
	free(mc->marker);
	for (i = 0; i < mc->nhdrs; i++) {
		free((void *)(uintptr_t)mc->hdrs[i].name);
		free((void *)(uintptr_t)mc->hdrs[i].value);
	}
	free(mc->hdrs);
	mc->rcpt = mc->daemon = mc->marker = NULL;
	mc->hdrs = NULL;
	mc->nrcpt = mc->nmarker = mc->ndt = mc->nhdrs = mc->hcap = 0;
	mc->hbytes = 0;
	mc->hoverflow = 0;
	marker_bind_free(&mc->bind);
}

/* milter_qid - the queue id, printable */

static const char *
milter_qid(SMFICTX *ctx, char *buf, size_t size)
{
	const char *q = milter_shim_getsymval(ctx, "i");

	if (q == NULL || *q == 0)
		q = "NOQUEUE";
	return (log_printable(buf, size, q, strlen(q)));
}

/*
 * The protocol stages popconn needs: connect (context), MAIL (a new
 * message), RCPT (the placeholder), the headers, end of message.  No
 * HELO, DATA, unknown commands or body, and no reply to the stages
 * before end of message: Postfix sends one round trip less per header
 * (a dozen per message), which is most of the milter's cost.  An error
 * in those stages is kept and answered at end of message (TEMPFAIL).
 */
#define MILTER_SKIP	(SMFIP_NOHELO | SMFIP_NOBODY | SMFIP_NOUNKNOWN | \
			    SMFIP_NODATA)
#define MILTER_NR	(SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
			    SMFIP_NR_HDR | SMFIP_NR_EOH)

/* milter_reply - CONTINUE, or nothing when the MTA agreed to that */

static sfsistat
milter_reply(const struct milter_ctx *mc, unsigned long stage)
{
	return (mc != NULL && (mc->nr & stage) ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE);
}

/* milter_context - this connection's context, made on first use */

static struct milter_ctx *
milter_context(SMFICTX *ctx)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);

	if (mc == NULL) {
		mc = xcalloc(1, sizeof(*mc));
		if (milter_shim_setpriv(ctx, mc) != MI_SUCCESS) {
			free(mc);
			return (NULL);
		}
	}
	return (mc);
}

/* milter_negotiate - ask for the stages we need, without replies */

static sfsistat
milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct milter_ctx *mc = milter_context(ctx);
	unsigned long need = SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGHDRS |
	    SMFIF_ADDHDRS;

	(void)f2;
	(void)f3;
	if ((f0 & need) != need) {
		log_error("the MTA cannot add/delete recipients or change "
		    "headers: popconn-milter cannot route");
		return (SMFIS_REJECT);	/* libmilter: fail negotiation */
	}
	*pf0 = need;
	*pf1 = f1 & (MILTER_SKIP | MILTER_NR);
	*pf2 = 0;
	*pf3 = 0;
	if (mc != NULL)
		mc->nr = *pf1 & MILTER_NR;
	return (SMFIS_CONTINUE);
}

/* milter_connect - a new connection: context and configuration */

static sfsistat
milter_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	struct milter_ctx *mc = milter_context(ctx);

	if (mc == NULL) {
		log_error("connect: no context");
		return (SMFIS_TEMPFAIL);
	}
	if (mc->cfg == NULL && (mc->cfg = milter_config_acquire()) == NULL)
		log_error("connect: no configuration: marked mail waits");
	return (milter_reply(mc, SMFIP_NR_CONN));
}

/* milter_envfrom - a new message */

static sfsistat
milter_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);
	const char *d;

	if (mc == NULL)
		return (SMFIS_CONTINUE);	/* end of message says so */
	milter_reset(mc);
	if ((d = milter_shim_getsymval(ctx, "{daemon_name}")) != NULL)
		mc->daemon = xstrndup(d, 256);
	return (milter_reply(mc, SMFIP_NR_MAIL));
}

/* milter_envrcpt - keep the first recipient exactly as seen */

static sfsistat
milter_envrcpt(SMFICTX *ctx, char **argv)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);

	if (mc == NULL)
		return (SMFIS_CONTINUE);	/* end of message says so */
	if (argv != NULL && argv[0] != NULL && mc->nrcpt++ == 0)
		mc->rcpt = xstrndup(argv[0], MILTER_RCPT_MAX);
	return (milter_reply(mc, SMFIP_NR_RCPT));
}

/* milter_header - count markers, keep the headers routing needs */

static sfsistat
milter_header(SMFICTX *ctx, char *name, char *value)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);
	size_t	i, len;

	if (mc == NULL)
		return (SMFIS_CONTINUE);	/* end of message says so */
	if (name == NULL || value == NULL)
		return (milter_reply(mc, SMFIP_NR_HDR));
	if (strcasecmp(name, MARKER_HEADER) == 0) {
		if (mc->nmarker++ == 0)
			mc->marker = xstrndup(value, MARKER_VALUE_MAX + 1);
		return (milter_reply(mc, SMFIP_NR_HDR));
	}
	marker_bind_header(&mc->bind, name, value, strlen(value));
	if (strcasecmp(name, "Delivered-To") == 0)
		mc->ndt++;
	for (i = 0; i < PC_ARRAY_LEN(milter_keep); i++)
		if (strcasecmp(name, milter_keep[i]) == 0)
			break;
	if (i == PC_ARRAY_LEN(milter_keep) || mc->hoverflow)
		return (milter_reply(mc, SMFIP_NR_HDR));
	/* Received: only counts, and marks the fetcher's (route.c). */
	if (strcasecmp(name, "Received") == 0)
		value = strstr(value, ROUTE_FETCHER_TOKEN) ?
		    (char *)(uintptr_t)ROUTE_FETCHER_TOKEN : (char *)(uintptr_t)"";
	len = strlen(value);
	if (mc->hbytes + len + strlen(name) > MILTER_HEADERS_MAX) {
		mc->hoverflow = 1;
		return (milter_reply(mc, SMFIP_NR_HDR));
	}
	mc->hbytes += len + strlen(name);
	if (mc->nhdrs == mc->hcap) {
		mc->hcap = mc->hcap ? 2 * mc->hcap : 16;
		mc->hdrs = xrealloc(mc->hdrs, mc->hcap * sizeof(*mc->hdrs));
	}
	mc->hdrs[mc->nhdrs].name = xstrdup(name);
	mc->hdrs[mc->nhdrs].value = xstrndup(value, len);
	mc->hdrs[mc->nhdrs].len = len;
	mc->nhdrs++;
	return (milter_reply(mc, SMFIP_NR_HDR));
}

/* milter_trusted - may this message be routed?  Reason in why. */

static int
milter_trusted(SMFICTX *ctx, struct milter_ctx *mc, struct marker *m,
    struct strbuf *why)
{
	const struct milter_settings *s = &mc->cfg->set;
	char	buf[256];

	if (mc->nmarker != 1) {
		strbuf_printf(why, "%zu marker headers", mc->nmarker);
		return (0);
	}
	if (!mc->cfg->key_ok) {
		strbuf_printf(why, "no marker key");
		return (0);
	}
	if (marker_verify(mc->cfg->key, mc->marker, time(NULL),
	    s->marker_max_age, &mc->bind, m, why) != PC_OK)
		return (0);
	/*
	 * The sendmail path (cleanup's name) or the dedicated SMTP listener
	 * of delivery_method = smtp (its own name, loopback only); never
	 * any other smtpd.  Both still need the marker's MAC.
	 */
	if (s->milter_daemon_name && *s->milter_daemon_name &&
	    (mc->daemon == NULL || (strcmp(mc->daemon,
	    s->milter_daemon_name) != 0 && (s->milter_smtp_daemon_name ==
	    NULL || *s->milter_smtp_daemon_name == 0 ||
	    strcmp(mc->daemon, s->milter_smtp_daemon_name) != 0)))) {
		strbuf_printf(why, "not from the sendmail path or the "
		    "injection listener ({daemon_name}=%s, expected %s or "
		    "%s)", mc->daemon ? log_printable(buf, sizeof(buf),
		    mc->daemon, strlen(mc->daemon)) : "none",
		    s->milter_daemon_name, s->milter_smtp_daemon_name &&
		    *s->milter_smtp_daemon_name ? s->milter_smtp_daemon_name :
		    "(none)");
		return (0);
	}
	if (mc->nrcpt != 1 || mc->rcpt == NULL ||
	    !route_placeholder_match(s->undeliverable_mailbox, mc->rcpt)) {
		strbuf_printf(why, "envelope is not the placeholder alone "
		    "(%zu recipient(s), first %s)", mc->nrcpt, mc->rcpt ?
		    log_printable(buf, sizeof(buf), mc->rcpt,
		    strlen(mc->rcpt)) : "none");
		return (0);
	}
	return (1);
}

/*
 * milter_log_route - the log lines of a routed message: one, or as many
 * as the recipients need (LOG_LINE_MAX is 2 KB), each with the queue id
 * and mailbox so that a grep finds them all.
 */

#define MILTER_LOG_CHUNK	1500

static void
milter_log_route(const char *qid, const struct marker *m,
    const struct milter_config *c, const struct route_result *r)
{
	struct strbuf *b = strbuf_alloc(MILTER_LOG_CHUNK + 2 * ADDR_SPEC_MAX +
	    ROUTE_NOTES_MAX);
	size_t	i, part = 1;

	if (r->undeliverable)
		(void)strbuf_printf(b, "to=<%s> (undeliverable: %s)",
		    c->set.undeliverable_mailbox, strbuf_str(r->reason));
	for (i = 0; i < r->n; i++) {
		if (b->len > MILTER_LOG_CHUNK) {
			log_info("%s: mailbox=%s, marker=%s, part %zu, %s",
			    qid, m->mailbox, m->nonce, part++, strbuf_str(b));
			strbuf_reset(b);
		}
		(void)strbuf_appendf(b, "%sto=<%s> (%.200s)", b->len ? ", " :
		    "", r->v[i].addr, r->v[i].reason);
	}
	if (r->n > 0 && part > 1)
		(void)strbuf_appendf(b, ", %zu recipients", r->n);
	if (r->notes->len > 0)
		(void)strbuf_appendf(b, ", notes: %.400s", strbuf_str(r->notes));
	if (part > 1)
		log_info("%s: mailbox=%s, marker=%s, part %zu, %s", qid,
		    m->mailbox, m->nonce, part, strbuf_str(b));
	else
		log_info("%s: mailbox=%s, marker=%s, %s", qid, m->mailbox,
		    m->nonce, strbuf_str(b));
	strbuf_free(b);
}

/* milter_apply - change the envelope and headers as routed */

static int
milter_apply(SMFICTX *ctx, struct milter_ctx *mc, const struct marker *m,
    const struct route_result *r)
{
	struct strbuf *b = strbuf_alloc(256 * 1024);
	struct strbuf *v;
	size_t	i, k;
	int	rc = MI_FAILURE;

	if (route_trace(&mc->cfg->route, m->mailbox, r, b) != 0)
		goto out;
	if (!r->undeliverable) {
		/*
		 * cleanup deletes the recipients whose original address
		 * (what sendmail was given: undeliverable_mailbox as it
		 * is written) equals ours; envrcpt showed the rewritten
		 * one ("postmaster" -> "postmaster@$myorigin").  Delete by
		 * both: deleting an address that is not there is a no-op.
		 */
		if (milter_shim_delrcpt(ctx,
		    mc->cfg->set.undeliverable_mailbox) != MI_SUCCESS ||
		    (strcmp(mc->rcpt, mc->cfg->set.undeliverable_mailbox) !=
		    0 && milter_shim_delrcpt(ctx, mc->rcpt) != MI_SUCCESS))
			goto out;
		for (i = 0; i < r->n; i++) {
			char	a[ADDR_SPEC_MAX + 3];

			if (snprintf(a, sizeof(a), "<%s>", r->v[i].addr) >=
			    (int)sizeof(a) || milter_shim_addrcpt(ctx, a) !=
			    MI_SUCCESS)
				goto out;
		}
		/* Rename the ISP's Delivered-To (virtual(8) loop check). */
		for (i = mc->ndt; i > 0; i--)
			if (milter_shim_chgheader(ctx, "Delivered-To", (int)i,
			    NULL) != MI_SUCCESS)
				goto out;
		for (k = 0; k < mc->nhdrs; k++) {
			if (strcasecmp(mc->hdrs[k].name, "Delivered-To") != 0)
				continue;
			v = strbuf_alloc(MILTER_HEADERS_MAX);
			i = strbuf_append(v, mc->hdrs[k].value,
			    mc->hdrs[k].len) == 0 && milter_shim_insheader(ctx,
			    0, MILTER_DT_HEADER, strbuf_str(v)) == MI_SUCCESS;
			strbuf_free(v);
			if (!i)
				goto out;
		}
	}
	/* Trace fields go on top (RFC 5322 section 3.6.7). */
	if (milter_shim_insheader(ctx, 0, ROUTE_TRACE_HEADER, strbuf_str(b)) !=
	    MI_SUCCESS)
		goto out;
	rc = MI_SUCCESS;
out:
	strbuf_free(b);
	return (rc);
}

/* milter_eom - remove markers; route a trusted message */

static sfsistat
milter_eom(SMFICTX *ctx)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);
	struct strbuf *why;
	struct route_result r;
	struct marker m;
	char	qid[64];
	size_t	i;
	sfsistat st = SMFIS_CONTINUE;

	if (mc == NULL || (mc->cfg == NULL && mc->nmarker > 0)) {
		log_error("%s: the milter has no %s for this message "
		    "(no connect event reached it, or no configuration could "
		    "be loaded); it carries a marker, so Postfix keeps it "
		    "(tempfail) and retries", mc ? "message" : "connection",
		    mc ? "configuration" : "context");
		return (SMFIS_TEMPFAIL);
	}
	if (mc->nmarker == 0)
		return (SMFIS_CONTINUE);	/* not ours: untouched */
	milter_qid(ctx, qid, sizeof(qid));
	/* Every marker goes, valid or not; from the last, so the
	 * indexes of the others stay put. */
	for (i = mc->nmarker; i > 0; i--) {
		if (milter_shim_chgheader(ctx, MARKER_HEADER, (int)i, NULL) !=
		    MI_SUCCESS) {
			log_error("%s: cannot remove the marker header", qid);
			return (SMFIS_TEMPFAIL);
		}
	}
	why = strbuf_alloc(4096);
	memset(&m, 0, sizeof(m));
	if (!milter_trusted(ctx, mc, &m, why)) {
		log_warn("%s: marker refused: %s; message left to its envelope",
		    qid, strbuf_str(why));
		strbuf_free(why);
		return (SMFIS_CONTINUE);
	}
	route_result_init(&r);
	if (mc->hoverflow) {
		r.undeliverable = 1;
		strbuf_printf(r.reason, "headers over %d bytes",
		    MILTER_HEADERS_MAX);
	} else if (route_message_env(&mc->cfg->route, mc->hdrs, mc->nhdrs,
	    &(struct route_env){m.trust_env, m.env_header, m.env_skip}, &r,
	    why) != PC_OK) {
		log_error("%s: mailbox=%s: %s; tempfail", qid, m.mailbox,
		    strbuf_str(why));
		st = SMFIS_TEMPFAIL;
		goto out;
	}
	switch (dedupe_filter(&mc->cfg->set, &m, qid, mc->hdrs, mc->nhdrs, &r,
	    why)) {
	case DEDUPE_REPLAY:
		log_warn("%s: marker refused: %s; message left to its envelope",
		    qid, strbuf_str(why));
		goto out;
	case DEDUPE_DISCARD:
		/* Every recipient has the copy Postfix accepted first. */
		log_info("%s: mailbox=%s, marker=%s: every recipient already "
		    "received this message (id=%s): discarded", qid,
		    m.mailbox, m.nonce, m.id);
		st = SMFIS_DISCARD;
		goto out;
	default:
		break;
	}
	if (milter_apply(ctx, mc, &m, &r) != MI_SUCCESS) {
		log_error("%s: mailbox=%s: cannot change the message; tempfail",
		    qid, m.mailbox);
		st = SMFIS_TEMPFAIL;
		goto out;
	}
	milter_log_route(qid, &m, mc->cfg, &r);
out:
	route_result_free(&r);
	strbuf_free(why);
	return (st);
}

/* milter_abort - the message is off */

static sfsistat
milter_abort(SMFICTX *ctx)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);

	if (mc != NULL)
		milter_reset(mc);
	return (SMFIS_CONTINUE);
}

/* milter_close - the connection is over */

static sfsistat
milter_close(SMFICTX *ctx)
{
	struct milter_ctx *mc = milter_shim_getpriv(ctx);

	if (mc == NULL)
		return (SMFIS_CONTINUE);
	milter_reset(mc);
	milter_config_release(mc->cfg);
	free(mc);
	(void)milter_shim_setpriv(ctx, NULL);
	return (SMFIS_CONTINUE);
}

struct smfiDesc milter_desc = {
	.xxfi_name = (char *)(uintptr_t)MILTER_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGHDRS |
	    SMFIF_ADDHDRS,
	.xxfi_connect = milter_connect,
	.xxfi_envfrom = milter_envfrom,
	.xxfi_envrcpt = milter_envrcpt,
	.xxfi_header = milter_header,
	.xxfi_eom = milter_eom,
	.xxfi_abort = milter_abort,
	.xxfi_close = milter_close,
	.xxfi_negotiate = milter_negotiate,
};
