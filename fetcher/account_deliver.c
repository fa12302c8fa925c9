/*
 * NAME
 *	account_deliver - one session's messages: spool, trace, deliver
 * SYNOPSIS
 *	See account_int.h.
 * DESCRIPTION
 *	The delivery half of a fetch session (account.c is the session:
 *	settings, login, scan).  account_run_pipeline() sends RETRs and DELEs
 *	in a window, streams each message into the spool (spool.h) behind
 *	the trace header this fetcher adds (Received:), without incoming
 *	marker headers and, for a global mailbox, with a signed marker
 *	(marker.h); counts hops against hopcount_limit; chooses the envelope
 *	sender; and hands the message to the mailbox's transport
 *	(deliver.h).  For each message the order is the one DESIGN.md and
 *	STYLE.md fix: complete in the spool, accepted by Postfix, the UIDL
 *	recorded durably, then DELE.
 * DIAGNOSTICS
 *	One log line per message (level medium): "status=delivered
 *	(sendmail 0)" or "(queued as ID)", "deferred" or "failed" with the
 *	reason.  PC_TEMP from a transport stops the session; a refusal
 *	(PC_PERM) is counted against max_delivery_attempts and the session
 *	goes on.
 * SECURITY
 *	Message data is untrusted: header lines are bounded (HDR_CAPTURE),
 *	incoming marker headers dropped, the sender taken from Return-Path
 *	only when it is a plain address.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "pop3.h"
#include "spool.h"
#include "deliver.h"
#include "uidl_state.h"
#include "marker.h"
#include "account.h"
#include "account_int.h"

#define HDR_CAPTURE	(64 * 1024)

#define REFUSED		(-3)	/* the transport refused this message */
#define OVERSIZE	(-4)	/* larger than size_limit after all */
#define ALREADY		(-5)	/* no UIDL: its digest says delivered */

struct sink_ctx {
	struct spool_file *spool;
	unsigned long long limit;	/* size_limit, or 0 */
	unsigned long long got;
	int	oversize;
	struct strbuf *hdr;	/* the header section, for Return-Path */
	int	hdr_done;
	EVP_MD_CTX *md;		/* digest, for servers without UIDL */
	EVP_MD_CTX *body;	/* digest of the body (message identity) */
	int	in_body;
	int	hstate;		/* SINK_* below */
	int	dropping;	/* the current field is an incoming marker */
	char	pfx[80];	/* start of a header line, to name it */
	size_t	npfx;
	unsigned stripped;	/* incoming marker headers removed */
};

#define SINK_BOL	0	/* at the start of a header line */
#define SINK_NAME	1	/* reading a field name into pfx */
#define SINK_PASS	2	/* copying the rest of the line */
#define SINK_DROP	3	/* dropping the rest of the line */

/*
 * sink_header - copy header-section data to the spool, without any
 * MARKER_HEADER field that came from the ISP (issue 19: only the marker
 * this fetcher signs may reach the milter); *used says where the body
 * starts when the empty line is seen.
 */

static int
sink_header(struct sink_ctx *c, const char *data, size_t len, size_t *used)
{
	size_t	i = 0, n;
	const char *nl;
	char	ch;

	while (i < len && !c->in_body) {
		ch = data[i];
		switch (c->hstate) {
		case SINK_BOL:
			if (ch == '\n') {
				c->in_body = 1;
				if (spool_write(c->spool, "\n", 1) != PC_OK)
					return (PC_TEMP);
			} else if (ch == ' ' || ch == '\t') {
				c->hstate = c->dropping ? SINK_DROP : SINK_PASS;
				continue;
			} else {
				c->dropping = 0;
				c->hstate = SINK_NAME;
				c->npfx = 0;
				continue;
			}
			i++;
			break;
		case SINK_NAME:
			c->pfx[c->npfx++] = ch;
			i++;
			if (ch != ':' && ch != '\n' && c->npfx < sizeof(c->pfx))
				break;
			n = c->npfx - 1;
			while (n > 0 && (c->pfx[n - 1] == ' ' ||
			    c->pfx[n - 1] == '\t'))
				n--;
			if (ch == ':' && n == sizeof(MARKER_HEADER) - 1 &&
			    strncasecmp(c->pfx, MARKER_HEADER, n) == 0) {
				c->dropping = 1;
				c->stripped++;
				c->hstate = SINK_DROP;
				break;
			}
			if (ch == '\n' && c->npfx == 2 && c->pfx[0] == '\r')
				c->in_body = 1;		/* CR LF: the end */
			if (spool_write(c->spool, c->pfx, c->npfx) != PC_OK)
				return (PC_TEMP);
			c->hstate = ch == '\n' ? SINK_BOL : SINK_PASS;
			break;
		case SINK_PASS:
			nl = memchr(data + i, '\n', len - i);
			n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
			if (spool_write(c->spool, data + i, n) != PC_OK)
				return (PC_TEMP);
			i += n;
			if (nl)
				c->hstate = SINK_BOL;
			break;
		default:			/* SINK_DROP */
			nl = memchr(data + i, '\n', len - i);
			i = nl ? (size_t)(nl - data) + 1 : len;
			if (nl)
				c->hstate = SINK_BOL;
			break;
		}
	}
	*used = i;
	return (PC_OK);
}

/* sink - receive decoded message data */

static int
sink(void *ctx, const char *data, size_t len)
{
	struct sink_ctx *c = ctx;
	size_t	room, used;

	/* LIST may understate the size: enforce size_limit on the data. */
	c->got += len;
	if (c->limit > 0 && c->got > c->limit)
		c->oversize = 1;
	if (c->oversize)
		return (PC_OK);		/* read on, store nothing */
	if (c->md && EVP_DigestUpdate(c->md, data, len) != 1)
		return (PC_TEMP);

	if (!c->hdr_done) {
		room = c->hdr->max - c->hdr->len;
		(void)strbuf_append(c->hdr, data, len < room ? len : room);
		if (strstr(strbuf_str(c->hdr), "\n\n") != NULL ||
		    c->hdr->len == c->hdr->max)
			c->hdr_done = 1;
	}
	if (!c->in_body) {
		if (sink_header(c, data, len, &used) != PC_OK)
			return (PC_TEMP);
		data += used;
		len -= used;
	}
	if (len > 0 && c->body && EVP_DigestUpdate(c->body, data, len) != 1)
		return (PC_TEMP);
	return (len > 0 ? spool_write(c->spool, data, len) : PC_OK);
}

/* comment_safe - copy text for a header comment */

static void
comment_safe(char *out, size_t size, const char *in)
{
	size_t	i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = strchr("()\\\r\n", in[i]) ? '?' : in[i];
	out[i] = 0;
}

/* account_marker_in - what the marker of a message signs, but its fields */

static void
account_marker_in(const struct account *a, time_t now, struct marker_in *in,
    const char *id)
{
	in->mailbox = a->name;
	in->t = now;
	in->env = a->env;
	in->window = a->set.duplicate_window;
	in->id = id;
}

/*
 * marker_seal - overwrite the stand-in marker at the top of the spool
 * file with the real one, bound to the message's Message-ID, Date and
 * Subject as spooled, carrying its identity (marker.h).
 */

static int
marker_seal(const struct account *a, struct spool_file *f, time_t now,
    size_t mlen, const struct strbuf *hdr, EVP_MD_CTX *body,
    char nonce[MARKER_NONCE_HEX + 1], struct strbuf *why)
{
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct marker_bind b;
	struct marker_in in;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char	id[MARKER_ID_HEX + 1];
	int	rc;

	if (body == NULL || EVP_DigestFinal_ex(body, md, &mdlen) != 1 ||
	    mdlen != 32)
		log_fatal(EX_SOFTWARE, "cannot compute SHA-256");
	marker_bind_init(&b);
	marker_bind_block(&b, hdr->data, hdr->len);
	marker_identity(&b, md, id);
	account_marker_in(a, now, &in, id);
	rc = marker_make(a->marker_key, &in, &b, v, nonce);
	marker_bind_free(&b);
	if (rc == PC_OK && v->len != mlen)
		log_panic("marker length changed: %zu, then %zu", mlen, v->len);
	if (rc == PC_OK && (rc = spool_rewrite(f, sizeof(MARKER_HEADER ": ") -
	    1, v->data, v->len)) != PC_OK)
		strbuf_printf(why, "spool %s: %s", f->tmp, strerror(f->error));
	else if (rc != PC_OK)
		strbuf_printf(why, "cannot make the marker");
	strbuf_free(v);
	return (rc);
}

/* received - the trace header this fetcher adds to every message */

static int
received(const struct account *a, const struct pop3 *p, const char *uid,
    struct spool_file *f, time_t now, size_t *mlen)
{
	char	date[64], host[256], cuid[PC_UID_MAX + 1];
	char	buf[1024];
	struct tm tm;
	int	n;

	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
	    localtime_r(&now, &tm));
	if (a->set.myhostname && *a->set.myhostname)
		pc_strlcpy(host, a->set.myhostname, sizeof(host));
	else if (gethostname(host, sizeof(host)) != 0)
		pc_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = 0;
	comment_safe(cuid, sizeof(cuid), uid[0] ? uid : "none");
	n = snprintf(buf, sizeof(buf), "Received: from %s ([%s])\n"
	    "\tby %s (popconn-fetcher) with %s\n"
	    "\t(mailbox %s, uidl %s)\n"
	    "\tfor <%s>; %s\n", a->url.host, p->net.peer, host,
	    p->tls_active ? "POP3S" : "POP3", a->name, cuid, a->rcpt, date);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return (PC_PERM);
	if (a->type == ACCOUNT_GLOBAL) {
		/*
		 * A stand-in of the final length: the marker is bound to
		 * the message, which is not read yet (marker_seal()).
		 */
		struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
		struct marker_bind b;
		struct marker_in in;
		char	nonce[MARKER_NONCE_HEX + 1];
		int	rc;

		marker_bind_init(&b);
		account_marker_in(a, now, &in, "00000000000000000000000000000000");
		rc = marker_make(a->marker_key, &in, &b, v, nonce);
		if (rc == PC_OK)
			rc = spool_write(f, MARKER_HEADER ": ",
			    sizeof(MARKER_HEADER ": ") - 1);
		*mlen = v->len;
		if (rc == PC_OK)
			rc = spool_write(f, v->data, v->len);
		if (rc == PC_OK)
			rc = spool_write(f, "\n", 1);
		strbuf_free(v);
		if (rc != PC_OK)
			return (rc);
	}
	return (spool_write(f, buf, (size_t)n));
}

/* msg_by_num - the scan entry of a message number (sorted by num) */

static const struct pop3_msg *
msg_by_num(const struct pop3 *p, unsigned long num)
{
	size_t	lo = 0, hi = p->nmsgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->msgs[mid].num == num)
			return (&p->msgs[mid]);
		if (p->msgs[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	log_panic("msg_by_num: message %lu not in the scan", num);
}

/*
 * A message handed to the transport, whose result has not come back yet
 * (the cookie of deliver_submit()).  How many may be in flight is the
 * transport's business (deliver_room()).
 */
struct pending {
	struct spool_file *f;
	unsigned long num;
	char	uid[PC_UID_MAX + 1];
	char	sender[256];
	char	nonce[MARKER_NONCE_HEX + 1];	/* global: the marker's */
	unsigned long long octets;
};

/* count_hops - Received: and Delivered-To: lines of a header section */

static int
count_hops(const struct strbuf *hdr)
{
	const char *p = hdr->data, *end = hdr->data + hdr->len, *nl;
	int	n = 0;

	while (p < end && *p != '\n') {
		if ((end - p > 9 && strncasecmp(p, "Received:", 9) == 0) ||
		    (end - p > 13 && strncasecmp(p, "Delivered-To:", 13) == 0))
			n++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return (n);
}

/*
 * choose_sender - the envelope sender of a message, by the sender
 * setting: auto (global mailboxes: undeliverable_mailbox, never a forged
 * sender; user mailboxes: Return-Path), return-path, null, or an address.
 */

static void
choose_sender(const struct account *a, const struct strbuf *hdr, char *out,
    size_t size)
{
	if (strcmp(a->set.sender, "auto") == 0 && a->type == ACCOUNT_GLOBAL) {
		/* Global mail: never backscatter to a forged sender. */
		pc_strlcpy(out, a->set.undeliverable_mailbox, size);
	} else if (strcmp(a->set.sender, "return-path") == 0 ||
	    strcmp(a->set.sender, "auto") == 0) {
		if (deliver_return_path(hdr->data, hdr->len, out, size) != 0)
			out[0] = 0;
	} else if (strcmp(a->set.sender, "null") == 0) {
		out[0] = 0;
	} else {
		pc_strlcpy(out, a->set.sender, size);
	}
}

/* fetch_one - read the RETR reply in front into the spool, submit it */

static int
fetch_one(struct account *a, struct pop3 *p, const struct pop3_msg *m,
    struct uidl_state *st, struct account_result *r, struct deliver *dv,
    struct strbuf *why)
{
	struct pending *d = xcalloc(1, sizeof(*d));
	struct sink_ctx c;
	struct pop3_retr_info info;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	unsigned long num;
	time_t	now = time(NULL);
	size_t	mlen = 0;
	int	rc, kind, hops, n;

	d->f = xmalloc(sizeof(*d->f));
	d->num = m->num;
	pc_strlcpy(d->uid, m->uid, sizeof(d->uid));
	memset(&c, 0, sizeof(c));
	c.spool = d->f;
	c.hdr = strbuf_alloc(HDR_CAPTURE);
	c.limit = (unsigned long long)a->set.size_limit;
	if (m->uid[0] == 0) {
		/* No UIDL: a digest of the message stands in for it. */
		c.md = EVP_MD_CTX_new();
		if (c.md == NULL || EVP_DigestInit_ex(c.md, EVP_sha256(),
		    NULL) != 1)
			log_fatal(EX_SOFTWARE, "cannot initialise SHA-256");
	}
	if ((rc = spool_create(d->f, a->set.spool_directory, a->name, why)) !=
	    PC_OK)
		goto out;
	if (a->type == ACCOUNT_GLOBAL && ((c.body = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c.body, EVP_sha256(), NULL) != 1))
		log_fatal(EX_SOFTWARE, "cannot initialise SHA-256");
	if ((rc = received(a, p, m->uid, d->f, now, &mlen)) != PC_OK) {
		strbuf_printf(why, "cannot write trace header");
		goto out;
	}
	if ((rc = pop3_next(p, &kind, &num, sink, &c, &info, why)) != PC_OK) {
		if (d->f->error)	/* say why the spool refused it */
			strbuf_printf(why, "spool %s: %s", d->f->tmp,
			    strerror(d->f->error));
		goto out;
	}
	if (kind != POP3_Q_RETR || num != m->num)
		log_panic("pipeline out of step: expected RETR %lu", m->num);
	d->octets = info.octets;
	if (c.oversize) {
		log_warn("acct=%s: uidl=%s, listed=%llu, received=%llu: over "
		    "size_limit %lld; left on the server", a->name, m->uid,
		    m->size, info.octets, a->set.size_limit);
		rc = OVERSIZE;
		goto out;
	}
	if (c.md) {
		if (EVP_DigestFinal_ex(c.md, md, &mdlen) != 1 || mdlen != 32)
			log_fatal(EX_SOFTWARE, "cannot compute SHA-256");
		d->uid[0] = 'D';
		for (i = 0; i < 32; i++)
			(void)snprintf(d->uid + 1 + 2 * i, 3, "%02x", md[i]);
		if (uidl_state_has(st, d->uid)) {
			log_info("acct=%s: digest=%s: delivered before; not "
			    "delivered again", a->name, d->uid + 1);
			rc = ALREADY;
			goto out;
		}
	}
	if (c.stripped > 0)
		log_warn("acct=%s: uidl=%s: %u %s header(s) from the server "
		    "removed", a->name, d->uid, c.stripped, MARKER_HEADER);
	if (a->type == ACCOUNT_GLOBAL && (rc = marker_seal(a, d->f, now, mlen,
	    c.hdr, c.body, d->nonce, why)) != PC_OK)
		goto out;
	if ((rc = spool_finish(d->f, why)) != PC_OK)
		goto out;
	r->fetched++;
	/*
	 * Postfix's cleanup rejects a message with more than hopcount_limit
	 * Received: and Delivered-To: headers, after sendmail has exited 0,
	 * and bounces it: a loop at the ISP would lose the message and
	 * backscatter to its sender.  Keep it on the server instead.
	 */
	if ((hops = count_hops(c.hdr) + 1) > a->set.hopcount_limit) {
		n = uidl_state_fail(st, d->uid, why);
		log_error("acct=%s: uidl=%s: %d Received:/Delivered-To: headers "
		    "with ours, over hopcount_limit %lld (a mail loop?): left "
		    "on the server (attempt %d)", a->name, d->uid, hops,
		    a->set.hopcount_limit, n);
		rc = REFUSED;
		goto out;
	}
	r->bytes += info.octets;
	if (info.octets != m->size)
		log_warn("acct=%s: uidl=%s, listed=%llu, received=%llu: size "
		    "differs from LIST", a->name, m->uid, m->size,
		    info.octets);
	choose_sender(a, c.hdr, d->sender, sizeof(d->sender));
	if ((rc = uidl_state_reserve(st, why)) != PC_OK) {
		log_error("acct=%s: uidl=%s: not delivered: %s", a->name,
		    d->uid, strbuf_str(why));
		goto out;
	}
	rc = deliver_submit(dv, d->f->path, d->sender, a->rcpt, d, why);
	if (rc == PC_PERM)
		rc = REFUSED;
out:
	strbuf_free(c.hdr);
	EVP_MD_CTX_free(c.md);
	EVP_MD_CTX_free(c.body);
	if (rc != PC_OK) {
		spool_discard(d->f);
		free(d->f);
		free(d);
	}
	return (rc);
}

/* finish_one - the transport's result for a message: record it */

static int
finish_one(struct account *a, struct uidl_state *st, struct pending *d,
    const struct deliver_result *res, struct account_result *r,
    struct strbuf *why)
{
	char	qid[DELIVER_QUEUE_ID_MAX + 16];
	const char *how = res->reason;
	int	rc, n;

	spool_discard(d->f);
	free(d->f);
	d->f = NULL;
	if ((rc = res->status) != PC_OK) {
		strbuf_printf(why, "%s", res->reason);
		log_error("acct=%s: uidl=%s, size=%llu, to=<%s>, "
		    "status=%s (%s); message left on the server", a->name,
		    d->uid, d->octets, a->rcpt, rc == PC_TEMP ? "deferred" :
		    "failed", res->reason);
		if (rc == PC_TEMP)
			return (PC_TEMP);
		n = uidl_state_fail(st, d->uid, why);
		if (n >= a->set.max_delivery_attempts)
			log_error("acct=%s: uidl=%s: refused %d times; no "
			    "further attempts: it stays on the server for the "
			    "administrator", a->name, d->uid, n);
		r->failed++;
		return (REFUSED);
	}
	if ((rc = uidl_state_record(st, d->uid, why)) != PC_OK) {
		log_error("acct=%s: uidl=%s: delivered but not recorded (%s); "
		    "it may be delivered again", a->name, d->uid,
		    strbuf_str(why));
		return (rc);
	}
	r->delivered++;
	pc_strlcpy(r->last_qid, res->queue_id, sizeof(r->last_qid));
	/* "(sendmail 0)", or "(queued as ID)" when the transport says. */
	if (res->queue_id[0]) {
		(void)snprintf(qid, sizeof(qid), "queued as %s",
		    res->queue_id);
		how = qid;
	}
	if (d->nonce[0])
		log_info("acct=%s: uidl=%s, marker=%s, size=%llu, from=<%s>, "
		    "to=<%s>, status=delivered (%s)", a->name, d->uid,
		    d->nonce, d->octets, d->sender, a->rcpt, how);
	else
		log_info("acct=%s: uidl=%s, size=%llu, from=<%s>, to=<%s>, "
		    "status=delivered (%s)", a->name, d->uid, d->octets,
		    d->sender, a->rcpt, how);
	return (PC_OK);
}

/*
 * DELEs of delivered messages wait here until they may be sent: at once
 * with PIPELINING, else only when no other command is in flight.
 */
struct dele_queue {
	unsigned long *v;
	size_t	n;
	size_t	cap;
};

/* dele_push - one more message number */

static void
dele_push(struct dele_queue *q, unsigned long num)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 16;
		q->v = xrealloc(q->v, q->cap * sizeof(*q->v));
	}
	q->v[q->n++] = num;
}

/*
 * group_close - sync the journal's open group when it is due (or force),
 * and release the DELEs of its messages (held) into dq
 */

static int
group_close(struct account *a, struct uidl_state *st, struct dele_queue *held,
    struct dele_queue *dq, int force, struct strbuf *why)
{
	size_t	n = uidl_state_unsynced(st), i;
	long	wait_ms;
	int	rc;

	if (n > 0 && (force || uidl_state_due(st, &wait_ms))) {
		if ((rc = uidl_state_sync(st, why)) != PC_OK) {
			log_error("acct=%s: %zu delivered message(s) not "
			    "recorded (%s); they may be delivered again",
			    a->name, n, strbuf_str(why));
			return (rc);
		}
	}
	if (uidl_state_unsynced(st) == 0) {
		for (i = 0; i < held->n; i++)
			dele_push(dq, held->v[i]);
		held->n = 0;
	}
	return (PC_OK);
}

/*
 * reap - collect the transport's results, waiting at most wait_ms for
 * the first (0: not at all); the DELEs of delivered messages wait in held
 * until their journal group is on disk
 */

static int
reap(struct account *a, struct deliver *dv, struct uidl_state *st,
    int wait_ms, struct dele_queue *held, struct account_result *r,
    struct strbuf *why)
{
	struct deliver_result res;
	struct pending *d;
	int	rc, worst = PC_OK, wait = wait_ms;

	while (deliver_poll(dv, wait, &res) == 1) {
		wait = 0;
		d = res.cookie;
		rc = finish_one(a, st, d, &res, r, why);
		if (rc == PC_OK && !a->set.keep)
			dele_push(held, d->num);
		free(d);
		if (rc != PC_OK && rc != REFUSED && worst == PC_OK)
			worst = rc;
	}
	return (worst);
}

/* expired - a kept message older than keep_days: delete it now */

static int
expired(const struct account *a, const struct uidl_state *st,
    const char *uid)
{
	time_t	t = uidl_state_delivered(st, uid);

	if (a->set.keep_days <= 0 || t <= 1)
		return (0);
	if (time(NULL) - t < (time_t)a->set.keep_days * 86400)
		return (0);
	log_info("acct=%s: uidl=%s: kept %lld days: deleted from the server",
	    a->name, uid, a->set.keep_days);
	return (1);
}

/* queue_due - fill the window with the next commands that are due */

static int
queue_due(struct account *a, struct pop3 *p, struct uidl_state *st,
    size_t *next, size_t window, int pipelined, struct account_result *r,
    struct strbuf *why)
{
	const struct pop3_msg *m;
	int	rc;

	/*
	 * Refill the window only once half of it has drained, so that the
	 * commands go out in bursts of window/2 rather than one TLS record
	 * (and one wake-up of the server) per message: Dovecot's CPU per
	 * message halves (bench/RESULTS.md, issue 21), and window/2 stay in
	 * flight to cover the round trip.
	 */
	if (pipelined && p->qretr > window / 2)
		return (PC_OK);
	while (!account_stop && *next < p->nmsgs && (pipelined ?
	    p->qretr < window && p->qlen + 2 < POP3_QMAX : p->qlen == 0)) {
		m = &p->msgs[(*next)++];
		if (m->uid[0] && uidl_state_has(st, m->uid)) {
			/* Delivered by an earlier session. */
			if (a->set.keep && !expired(a, st, m->uid)) {
				r->skipped++;
				continue;
			}
			if ((rc = pop3_queue(p, POP3_Q_DELE, m->num, why)) !=
			    PC_OK)
				return (rc);
			continue;
		}
		if (m->uid[0] && uidl_state_fails(st, m->uid) >=
		    a->set.max_delivery_attempts) {
			log_warn("acct=%s: uidl=%s: refused by %s %d times; "
			    "left on the server", a->name, m->uid,
			    a->set.delivery_method, uidl_state_fails(st,
			    m->uid));
			r->skipped++;
			continue;
		}
		if (a->set.size_limit > 0 && m->size >
		    (unsigned long long)a->set.size_limit) {
			if (a->set.size_limit_delete) {
				/* The administrator chose to drop them. */
				log_warn("acct=%s: uidl=%s, size=%llu: over "
				    "size_limit %lld; deleted from the server "
				    "without fetching (size_limit_action = "
				    "delete)", a->name, m->uid, m->size,
				    a->set.size_limit);
				if ((rc = pop3_queue(p, POP3_Q_DELE, m->num,
				    why)) != PC_OK)
					return (rc);
				continue;
			}
			log_warn("acct=%s: uidl=%s, size=%llu: over size_limit "
			    "%lld; left on the server", a->name, m->uid,
			    m->size, a->set.size_limit);
			r->skipped++;
			continue;
		}
		if ((rc = pop3_queue(p, POP3_Q_RETR, m->num, why)) != PC_OK)
			return (rc);
	}
	return (PC_OK);
}

/*
 * block_ms - how long a blocking reap may wait: until a result, or until
 * the journal's open group is due
 */

static int
block_ms(const struct uidl_state *st)
{
	long	wait_ms;

	if (uidl_state_due(st, &wait_ms))
		return (0);
	return (wait_ms < 0 ? DELIVER_WAIT : (int)wait_ms);
}

/*
 * account_run_pipeline - RETR, deliver, DELE every message, pipelined if
 * we may
 *
 * Commands go out in a window (RFC 2449 PIPELINING), messages stream into
 * the spool in order and go to the mailbox's transport (deliver.h), which
 * keeps as many in flight as it allows.  A delivered message's UIDL joins
 * the journal's open group (uidl_state.h, group commit) and its DELE is
 * queued only once that group is on disk.  A record waiting in the open
 * group keeps its delivery slot, so that a crash can duplicate no more
 * messages than the transport has slots (uidl_state.h, CRASH WINDOW): the
 * group closes early when the slots are full or nothing is in flight.  On
 * a failure no new message is taken, the deliveries in flight are waited
 * for (and recorded), and the error is returned: the caller then drops
 * the connection without QUIT.
 */

int
account_run_pipeline(struct account *a, struct pop3 *p, struct uidl_state *st,
    struct account_result *r, struct strbuf *why)
{
	struct pop3_retr_info info;
	const struct pop3_msg *m;
	struct deliver *dv;
	struct strbuf *why2;
	struct dele_queue dq = {NULL, 0, 0}, held = {NULL, 0, 0};
	unsigned long num, done = 0;
	size_t	next = 0, window;
	int	pipelined, rc = PC_OK, kind, full, hold;

	if ((dv = deliver_open(&a->set, a->name, why)) == NULL)
		return (PC_PERM);
	uidl_state_group(st, a->set.journal_group_size,
	    a->set.journal_group_delay);
	why2 = strbuf_alloc(1024);
	pipelined = (p->caps.flags & POP3_CAP_PIPELINING) != 0;
	window = pipelined ? (size_t)a->set.pipeline_depth : 1;
	for (;;) {
		if (deliver_inflight(dv) > 0 && (rc = reap(a, dv, st, 0,
		    &held, r, why)) != PC_OK)
			break;
		full = deliver_room(dv) <= uidl_state_unsynced(st);
		if ((rc = group_close(a, st, &held, &dq, full ||
		    deliver_inflight(dv) == 0, why)) != PC_OK)
			break;
		/*
		 * DELEs first: with PIPELINING all, else one at a time.  With
		 * PIPELINING they wait for the next refill of the window (or
		 * half a window of them) to go out in its burst; at the end,
		 * until the last RETR and the last delivery are in, so that
		 * the last DELEs cost one round trip.
		 */
		hold = pipelined && dq.n > 0 && dq.n < window / 2 &&
		    (next < p->nmsgs ? p->qretr > window / 2 && p->qlen > 0 :
		    p->qretr > 0 || deliver_inflight(dv) > 0);
		while (!hold && dq.n > 0 && (pipelined ? p->qlen + 2 <
		    POP3_QMAX : p->qlen == 0)) {
			if ((rc = pop3_queue(p, POP3_Q_DELE, dq.v[--dq.n],
			    why)) != PC_OK)
				break;
		}
		if (rc != PC_OK || ((dq.n == 0 || hold) && (rc = queue_due(a,
		    p, st, &next, window, pipelined, r, why)) != PC_OK))
			break;
		if (p->qlen == 0) {
			if (deliver_inflight(dv) == 0 && dq.n == 0 &&
			    held.n == 0)
				break;
			if ((rc = reap(a, dv, st, block_ms(st), &held, r,
			    why)) != PC_OK)
				break;
			continue;
		}
		if (p->q[p->qhead].kind == POP3_Q_DELE) {
			if ((rc = pop3_next(p, &kind, &num, NULL, NULL, &info,
			    why)) != PC_OK)
				break;
			r->deleted++;
			continue;
		}
		if (deliver_room(dv) <= uidl_state_unsynced(st)) {
			/* No slot (the group was synced above if it held one). */
			if ((rc = reap(a, dv, st, block_ms(st), &held, r,
			    why)) != PC_OK)
				break;
			continue;
		}
		m = msg_by_num(p, p->q[p->qhead].num);
		rc = fetch_one(a, p, m, st, r, dv, why);
		if (account_progress)
			account_progress(r, ++done);
		if (rc == PC_OK)
			continue;
		/* (rc is set again at the top of the loop.) */
		if (rc == REFUSED) {
			r->failed++;	/* could not even start: keep it */
			continue;
		}
		if (rc == OVERSIZE) {
			r->skipped++;
			continue;
		}
		if (rc == ALREADY) {
			/* Known by its digest, maybe from the open group. */
			if ((rc = group_close(a, st, &held, &dq, 1, why)) !=
			    PC_OK)
				break;
			if (!a->set.keep && (rc = pop3_queue(p, POP3_Q_DELE,
			    m->num, why)) != PC_OK)
				break;
			continue;
		}
		break;
	}
	/* Stopped by an error: record what is still in flight. */
	while (deliver_inflight(dv) > 0)
		(void)reap(a, dv, st, DELIVER_WAIT, &held, r, why2);
	if (group_close(a, st, &held, &dq, 1, why2) != PC_OK && rc == PC_OK) {
		strbuf_printf(why, "%s", strbuf_str(why2));
		rc = PC_TEMP;
	}
	(void)deliver_close(dv);
	strbuf_free(why2);
	free(dq.v);
	free(held.v);
	if (account_progress)
		account_progress(r, done);
	return (rc);
}
