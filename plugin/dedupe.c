/*
 * NAME
 *	dedupe - one copy per recipient, single-use markers (milter side)
 * SYNOPSIS
 *	#include "dedupe.h"
 *
 *	See dedupe.h.
 * DESCRIPTION
 *	Why a nonce seen again may still be routed: on the sendmail path
 *	postdrop has exited 0 (and the fetcher has deleted the message at
 *	the ISP) before cleanup calls the milter; if cleanup then fails
 *	(queue disk full, Postfix stopped), pickup hands the same maildrop
 *	file to cleanup again later: same marker, same headers.  That
 *	attempt must be delivered, to the same recipients, so a nonce that
 *	comes back with the same routing headers is the same injection and
 *	its own copies are not duplicates of themselves.  A nonce that
 *	comes back with other routing headers is a replay and is refused.
 *	What is left, the same bytes injected again by someone who holds a
 *	delivered marker, can only reach the recipients it reached before,
 *	and at most DEDUPE_RETRY_MAX times.
 * DIAGNOSTICS
 *	One log line per dropped copy, naming the first copy (marker nonce,
 *	queue id, age); store failures are logged and routing goes on.
 * SECURITY
 *	Only digests, nonces and queue ids are stored.  The store handle is
 *	shared by every libmilter thread, under dedupe_lock.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sysexits.h>

#include <openssl/evp.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "strbuf.h"
#include "dedupe.h"

/*
 * Sights of one nonce that still count as Postfix retrying the same
 * injection: cleanup failing after the milter answered is rare and
 * pickup tries once a minute, so this is hours of it; more is someone
 * submitting the same bytes again (refused; the envelope decides).
 */
#define DEDUPE_RETRY_MAX	100

static pthread_mutex_t dedupe_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dupdb *dedupe_db;
static char *dedupe_dir;
static long long dedupe_max;

/* dedupe_store - the store for these settings (under dedupe_lock) */

static struct dupdb *
dedupe_store(const struct milter_settings *s)
{
	struct strbuf *why;

	if (dedupe_db != NULL && strcmp(dedupe_dir, s->milter_state_directory)
	    == 0 && dedupe_max == s->duplicate_store_size)
		return (dedupe_db);
	dedupe_db = dupdb_close(dedupe_db);
	free(dedupe_dir);
	dedupe_dir = xstrdup(s->milter_state_directory);
	dedupe_max = s->duplicate_store_size;
	why = strbuf_alloc(1024);
	if (dupdb_open(dedupe_dir, dedupe_max, 0, &dedupe_db, why) != PC_OK)
		log_error("duplicate store: %s; routing goes on without it "
		    "(copies may be delivered twice)", strbuf_str(why));
	strbuf_free(why);
	return (dedupe_db);
}

/* dedupe_shutdown - close the store */

void
dedupe_shutdown(void)
{
	pthread_mutex_lock(&dedupe_lock);
	dedupe_db = dupdb_close(dedupe_db);
	free(dedupe_dir);
	dedupe_dir = NULL;
	pthread_mutex_unlock(&dedupe_lock);
}

/* dedupe_rdigest - a digest of the headers routing looked at */

static void
dedupe_rdigest(const struct marker *m, const struct route_header *h,
    size_t nh, char out[33])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t	i;

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		log_fatal(EX_SOFTWARE, "cannot initialise SHA-256");
	(void)EVP_DigestUpdate(c, m->id, strlen(m->id));
	for (i = 0; i < nh; i++) {
		(void)EVP_DigestUpdate(c, "\n", 1);
		(void)EVP_DigestUpdate(c, h[i].name, strlen(h[i].name));
		(void)EVP_DigestUpdate(c, ":", 1);
		(void)EVP_DigestUpdate(c, h[i].value, h[i].len);
	}
	if (EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen < 16)
		log_fatal(EX_SOFTWARE, "cannot compute SHA-256");
	EVP_MD_CTX_free(c);
	for (i = 0; i < 16; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* dedupe_drop - take recipient i out of r */

static void
dedupe_drop(struct route_result *r, size_t i)
{
	free(r->v[i].addr);
	free(r->v[i].reason);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
	r->n--;
}

/* dedupe_filter - single-use marker, one copy per recipient */

int
dedupe_filter(const struct milter_settings *s, const struct marker *m,
    const char *qid, const struct route_header *h, size_t nh,
    struct route_result *r, struct strbuf *why)
{
	struct dupdb_txn *t = NULL;
	struct dupdb_nonce prev;
	struct dupdb_copy first;
	struct strbuf *w = strbuf_alloc(1024);
	unsigned long long total;
	char	rd[33];
	time_t	now = time(NULL);
	size_t	i, ndrop = 0;
	int	rc, ans = DEDUPE_ROUTE;

	dedupe_rdigest(m, h, nh, rd);
	pthread_mutex_lock(&dedupe_lock);
	if (dupdb_begin(dedupe_store(s), 1, &t, w) != PC_OK) {
		log_error("%s: marker=%s: duplicate store: %s; routed without "
		    "it", qid, m->nonce, strbuf_str(w));
		goto out;
	}
	/* Until the marker could no longer verify (marker_verify). */
	rc = dupdb_nonce(t, m->nonce, rd, m->t + (time_t)s->marker_max_age +
	    300, qid, now, &prev);
	if (rc == DUPDB_REPLAY) {
		strbuf_printf(why, "marker n=%s already used %lld s ago (queue "
		    "id %s) on a message with other recipient headers: "
		    "replayed marker", m->nonce, (long long)now - prev.t,
		    prev.qid[0] ? prev.qid : "unknown");
		ans = DEDUPE_REPLAY;
		goto out;
	}
	if (rc == DUPDB_RETRY && prev.uses >= DEDUPE_RETRY_MAX) {
		strbuf_printf(why, "marker n=%s seen %u times (first queue id "
		    "%s): more than Postfix retries one injection; replayed "
		    "marker", m->nonce, prev.uses, prev.qid[0] ? prev.qid :
		    "unknown");
		ans = DEDUPE_REPLAY;
		goto out;
	}
	if (rc == DUPDB_RETRY)
		log_info("%s: marker=%s: seen %u time(s) before (first queue "
		    "id %s): the same injection again (Postfix retried it); "
		    "routed again", qid, m->nonce, prev.uses, prev.qid);
	if (rc < 0)
		goto out;
	if (m->window > 0 && !r->undeliverable) {
		for (i = 0; i < r->n; ) {
			rc = dupdb_copy(t, m->id, r->v[i].addr, m->nonce, qid,
			    now, m->window, 1, &first);
			if (rc < 0)
				goto out;
			if (rc == 0) {
				i++;
				continue;
			}
			log_info("%s: mailbox=%s, marker=%s: to=<%s> dropped: "
			    "duplicate of marker=%s, queue id %s, %lld s ago "
			    "(id=%s)", qid, m->mailbox, m->nonce, r->v[i].addr,
			    first.nonce, first.qid[0] ? first.qid : "unknown",
			    (long long)now - first.t, m->id);
			if (r->notes->len > 0)
				(void)strbuf_puts(r->notes, "; ");
			(void)strbuf_appendf(r->notes, "%s: duplicate of "
			    "marker %s", r->v[i].addr, first.nonce);
			dedupe_drop(r, i);
			ndrop++;
		}
		if (ndrop > 0)
			(void)dupdb_count(t, m->mailbox, (long long)ndrop,
			    &total);
	}
	if (dupdb_commit(t, w) != PC_OK) {
		t = NULL;
		log_error("%s: marker=%s: duplicate store: %s; routed without "
		    "it", qid, m->nonce, strbuf_str(w));
		ans = DEDUPE_ROUTE;
		goto out;
	}
	t = NULL;
	if (ndrop > 0 && r->n == 0)
		ans = DEDUPE_DISCARD;
out:
	if (t != NULL)
		dupdb_abort(t);
	pthread_mutex_unlock(&dedupe_lock);
	strbuf_free(w);
	return (ans);
}

/* dedupe_preview - would addr be dropped?  Read-only. */

int
dedupe_preview(const char *dir, const struct marker *m, const char *addr,
    struct dupdb_copy *first, struct strbuf *why)
{
	struct dupdb *db;
	struct dupdb_txn *t;
	int	rc;

	memset(first, 0, sizeof(*first));
	if (m->window == 0)
		return (0);
	if ((rc = dupdb_open(dir, 0, 1, &db, why)) != PC_OK)
		return (rc);
	if ((rc = dupdb_begin(db, 0, &t, why)) != PC_OK) {
		dupdb_close(db);
		return (rc);
	}
	rc = dupdb_copy(t, m->id, addr, m->nonce, "", time(NULL), m->window, 0,
	    first);
	dupdb_abort(t);
	dupdb_close(db);
	return (rc);
}

/* dedupe_stats - dropped copies per mailbox, entries; read-only */

int
dedupe_stats(const char *dir, const char *const *names, size_t n,
    unsigned long long *dropped, unsigned long long *entries,
    struct strbuf *why)
{
	struct dupdb *db;
	struct dupdb_txn *t;
	size_t	i;
	int	rc;

	memset(dropped, 0, n * sizeof(*dropped));
	*entries = 0;
	if ((rc = dupdb_open(dir, 0, 1, &db, why)) != PC_OK)
		return (rc);
	if ((rc = dupdb_entries(db, entries)) == PC_OK &&
	    (rc = dupdb_begin(db, 0, &t, why)) == PC_OK) {
		for (i = 0; i < n && rc == PC_OK; i++)
			rc = dupdb_count(t, names[i], 0, &dropped[i]);
		dupdb_abort(t);
	}
	dupdb_close(db);
	return (rc);
}
