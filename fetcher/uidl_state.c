/*
 * NAME
 *	uidl_state - which messages of a mailbox were delivered, or failed
 * SYNOPSIS
 *	See uidl_state.h.
 * DESCRIPTION
 *	A snapshot file replaced atomically (safeio_replace) and a journal
 *	appended with fdatasync per delivered message, or per group of
 *	messages accepted close together (group commit), so that recording
 *	a delivery costs one small write, not a rewrite of the whole state
 *	(mpop rewrites its whole file; fetchmail rewrote it in place).
 * DIAGNOSTICS
 *	Temporary: the mailbox waits until its state can be read and
 *	written.
 * SECURITY
 *	Local files, still bounded: 16 MiB per file, UIDs validated, a torn
 *	last record (crash during a write) ignored.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "safeio.h"
#include "uidl_state.h"

#define STATE_MAX	(16 * 1024 * 1024)
#define STATE_RESERVE	(64 * 1024)	/* journal space kept allocated */
#define STATE_HEADER	"# popconn uidl state 2: uid delivered-time fails\n"

/* find - binary search; the index where uid is or would go */

static size_t
find(const struct uidl_state *s, const char *uid, int *found)
{
	size_t	lo = 0, hi = s->n, mid;
	int	c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(s->v[mid].uid, uid);
		if (c == 0) {
			*found = 1;
			return (mid);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* put - insert or update a record */

static struct uidl_entry *
put(struct uidl_state *s, const char *uid, size_t len, time_t delivered,
    int fails)
{
	char   *copy = xstrndup(uid, len);
	size_t	at;
	int	found;

	at = find(s, copy, &found);
	if (found) {
		free(copy);
	} else {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 64;
			s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
		}
		memmove(s->v + at + 1, s->v + at, (s->n - at) *
		    sizeof(*s->v));
		s->v[at].uid = copy;
		s->n++;
	}
	s->v[at].delivered = delivered;
	s->v[at].fails = fails;
	return (&s->v[at]);
}

/* parse_record - "uid [delivered fails]"; 0 or -1 */

static int
parse_record(const char *p, size_t len, size_t *ulen, long long *t,
    int *fails)
{
	const char *sp = memchr(p, ' ', len);
	char	num[48];
	char   *end;

	*t = 1;			/* version 1 lines: a bare uid, delivered */
	*fails = 0;
	*ulen = sp ? (size_t)(sp - p) : len;
	if (*ulen == 0 || *ulen > PC_UID_MAX)
		return (-1);
	if (sp == NULL)
		return (0);
	if (len - *ulen - 1 >= sizeof(num))
		return (-1);
	memcpy(num, sp + 1, len - *ulen - 1);
	num[len - *ulen - 1] = 0;
	*t = strtoll(num, &end, 10);
	if (end == num || *end != ' ' || *t < 0)
		return (-1);
	*fails = (int)strtol(end + 1, &end, 10);
	if (*end != 0 || *fails < 0)
		return (-1);
	return (0);
}

/* load - read one file of records; a missing file is empty */

static int
load(struct uidl_state *s, const char *path, struct strbuf *why)
{
	struct strbuf *buf = strbuf_alloc(STATE_MAX);
	const char *p, *end, *nl;
	long long t;
	size_t	ulen;
	int	fails;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		strbuf_free(buf);
		return (PC_OK);
	}
	if (safeio_read_file(path, STATE_MAX, 0, buf, why) != PC_OK) {
		strbuf_free(buf);
		return (PC_TEMP);
	}
	p = buf->data;
	end = p + buf->len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;		/* torn last record: not committed */
		if (p == nl || *p == '#')
			continue;
		if (parse_record(p, (size_t)(nl - p), &ulen, &t, &fails) == 0)
			(void)put(s, p, ulen, (time_t)t, fails);
	}
	strbuf_free(buf);
	return (PC_OK);
}

/* uidl_state_open - load the state of one mailbox */

int
uidl_state_open(struct uidl_state *s, const char *dir, const char *name,
    struct strbuf *why)
{
	struct strbuf *p = strbuf_alloc(4096);

	memset(s, 0, sizeof(*s));
	s->jfd = -1;
	s->dir = xstrdup(dir);
	if (strbuf_printf(p, "%s/%s.uidl", dir, name) != 0)
		goto toolong;
	s->snap = xstrdup(strbuf_str(p));
	if (strbuf_printf(p, "%s/%s.journal", dir, name) != 0)
		goto toolong;
	s->journal = xstrdup(strbuf_str(p));
	strbuf_free(p);
	if (load(s, s->snap, why) != PC_OK || load(s, s->journal, why) !=
	    PC_OK)
		return (PC_TEMP);
	return (PC_OK);
toolong:
	strbuf_free(p);
	strbuf_printf(why, "state path too long");
	return (PC_TEMP);
}

/* lookup - the record of a UID, or NULL */

static const struct uidl_entry *
lookup(const struct uidl_state *s, const char *uid)
{
	size_t	at;
	int	found;

	at = find(s, uid, &found);
	return (found ? &s->v[at] : NULL);
}

/* uidl_state_has - was this message delivered? */

int
uidl_state_has(const struct uidl_state *s, const char *uid)
{
	const struct uidl_entry *e = lookup(s, uid);

	return (e != NULL && e->delivered != 0);
}

/* uidl_state_delivered - when it was delivered, or 0 */

time_t
uidl_state_delivered(const struct uidl_state *s, const char *uid)
{
	const struct uidl_entry *e = lookup(s, uid);

	return (e ? e->delivered : 0);
}

/* uidl_state_fails - how often sendmail refused it */

int
uidl_state_fails(const struct uidl_state *s, const char *uid)
{
	const struct uidl_entry *e = lookup(s, uid);

	return (e ? e->fails : 0);
}

/* open_journal - open (create) the journal for appending */

static int
open_journal(struct uidl_state *s, struct strbuf *why)
{
	int	created;

	if (s->jfd >= 0)
		return (PC_OK);
	created = access(s->journal, F_OK) != 0;
	s->jfd = open(s->journal, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (s->jfd < 0) {
		strbuf_printf(why, "open %s: %s", s->journal, strerror(errno));
		return (PC_TEMP);
	}
	if (created && safeio_fsync_dir(s->dir, why) != PC_OK)
		return (PC_TEMP);
	return (PC_OK);
}

/*
 * uidl_state_reserve - make sure the next records cannot fail for space
 *
 * Called before a message is handed to sendmail: once Postfix has the
 * message, recording it must not fail because the disk filled up (the
 * message would then be delivered again by the next session).  Disk
 * space beyond the journal's end is kept allocated (fallocate with
 * FALLOC_FL_KEEP_SIZE), so that appends need no new blocks; when that
 * reservation cannot be made, no delivery starts.
 */

int
uidl_state_reserve(struct uidl_state *s, struct strbuf *why)
{
	struct stat st;

	if (open_journal(s, why) != PC_OK)
		return (PC_TEMP);
	if (fstat(s->jfd, &st) != 0) {
		strbuf_printf(why, "stat %s: %s", s->journal, strerror(errno));
		return (PC_TEMP);
	}
	if (s->reserved > st.st_size + 4096)
		return (PC_OK);
	if (fallocate(s->jfd, FALLOC_FL_KEEP_SIZE, st.st_size,
	    STATE_RESERVE) != 0) {
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			return (PC_OK);	/* file system cannot: best effort */
		strbuf_printf(why, "cannot reserve space for %s: %s",
		    s->journal, strerror(errno));
		return (PC_TEMP);
	}
	s->reserved = st.st_size + STATE_RESERVE;
	return (PC_OK);
}

/* grouping - is group commit on? */

static int
grouping(const struct uidl_state *s)
{
	return (s->group_size > 1 && s->group_delay > 0);
}

/* append - one journal record; synced unless it joins the open group */

static int
append(struct uidl_state *s, const char *uid, time_t t, int fails,
    int group, struct strbuf *why)
{
	char	line[PC_UID_MAX + 64];
	size_t	len = strlen(uid);
	int	n;

	if (len == 0 || len > PC_UID_MAX || strchr(uid, ' ') != NULL)
		log_panic("uidl_state: bad uid");
	if (open_journal(s, why) != PC_OK)
		return (PC_TEMP);
	n = snprintf(line, sizeof(line), "%s %lld %d\n", uid, (long long)t,
	    fails);
	if (n < 0 || (size_t)n >= sizeof(line))
		log_panic("uidl_state: record too long");
	if (safeio_write_all(s->jfd, line, (size_t)n) != 0) {
		strbuf_printf(why, "write %s: %s", s->journal,
		    strerror(errno));
		return (PC_TEMP);
	}
	if (group && grouping(s)) {
		if (s->unsynced++ == 0)
			(void)clock_gettime(CLOCK_MONOTONIC, &s->group_start);
		return (PC_OK);
	}
	return (uidl_state_sync(s, why));
}

/* uidl_state_sync - make the open group (and any record) durable */

int
uidl_state_sync(struct uidl_state *s, struct strbuf *why)
{
	if (s->jfd < 0)
		return (PC_OK);
	if (fdatasync(s->jfd) != 0) {
		strbuf_printf(why, "fdatasync %s: %s", s->journal,
		    strerror(errno));
		return (PC_TEMP);
	}
	s->unsynced = 0;
	return (PC_OK);
}

/* uidl_state_group - when a group of records closes */

void
uidl_state_group(struct uidl_state *s, long long size, long long delay_ms)
{
	s->group_size = size;
	s->group_delay = delay_ms;
}

/* uidl_state_unsynced - records of the open group */

size_t
uidl_state_unsynced(const struct uidl_state *s)
{
	return (s->unsynced);
}

/* uidl_state_due - should the open group be synced now? */

int
uidl_state_due(const struct uidl_state *s, long *wait_ms)
{
	struct timespec now;
	long	age;

	*wait_ms = -1;
	if (s->unsynced == 0)
		return (0);
	if ((long long)s->unsynced >= s->group_size)
		return (1);
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	age = (long)((now.tv_sec - s->group_start.tv_sec) * 1000L +
	    (now.tv_nsec - s->group_start.tv_nsec) / 1000000L);
	if (age >= s->group_delay)
		return (1);
	*wait_ms = (long)s->group_delay - age;
	return (0);
}

/* uidl_state_commit - record a delivery durably */

int
uidl_state_commit(struct uidl_state *s, const char *uid, struct strbuf *why)
{
	time_t	now = time(NULL);
	int	rc;

	if ((rc = append(s, uid, now, uidl_state_fails(s, uid), 0, why)) !=
	    PC_OK)
		return (rc);
	(void)put(s, uid, strlen(uid), now, uidl_state_fails(s, uid));
	return (PC_OK);
}

/* uidl_state_record - record a delivery in the open group */

int
uidl_state_record(struct uidl_state *s, const char *uid, struct strbuf *why)
{
	time_t	now = time(NULL);
	int	rc;

	if ((rc = append(s, uid, now, uidl_state_fails(s, uid), 1, why)) !=
	    PC_OK)
		return (rc);
	(void)put(s, uid, strlen(uid), now, uidl_state_fails(s, uid));
	return (PC_OK);
}

/* uidl_state_fail - count a refusal */

int
uidl_state_fail(struct uidl_state *s, const char *uid, struct strbuf *why)
{
	int	fails = uidl_state_fails(s, uid) + 1;
	int	rc;

	if ((rc = append(s, uid, 0, fails, 0, why)) != PC_OK)
		return (rc);
	(void)put(s, uid, strlen(uid), 0, fails);
	return (fails);
}

/* cmp_str - qsort/bsearch on strings */

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* rewrite - snapshot of every record, then drop the journal */

static int
rewrite(struct uidl_state *s, struct strbuf *why)
{
	struct strbuf *out = strbuf_alloc(STATE_MAX);
	size_t	i;
	int	rc = PC_OK;

	(void)strbuf_puts(out, STATE_HEADER);
	for (i = 0; i < s->n && rc == PC_OK; i++) {
		if (strbuf_appendf(out, "%s %lld %d\n", s->v[i].uid,
		    (long long)s->v[i].delivered, s->v[i].fails) != 0) {
			strbuf_printf(why, "state too large");
			rc = PC_TEMP;
		}
	}
	/* The open group first: its records must not wait on the rename. */
	if (rc == PC_OK)
		rc = uidl_state_sync(s, why);
	if (rc == PC_OK)
		rc = safeio_replace(s->snap, out->data, out->len, 0600, why);
	strbuf_free(out);
	if (rc != PC_OK)
		return (rc);
	/* The snapshot now holds everything: the journal can go. */
	if (s->jfd >= 0) {
		close(s->jfd);
		s->jfd = -1;
	}
	s->reserved = 0;
	if (unlink(s->journal) != 0 && errno != ENOENT) {
		strbuf_printf(why, "unlink %s: %s", s->journal,
		    strerror(errno));
		return (PC_TEMP);
	}
	return (safeio_fsync_dir(s->dir, why));
}

/* uidl_state_prune - forget UIDs no longer on the server; compact */

int
uidl_state_prune(struct uidl_state *s, const char *const *live, size_t nlive,
    struct strbuf *why)
{
	const char **sorted = xcalloc(nlive ? nlive : 1, sizeof(char *));
	size_t	i, k = 0;

	if (nlive > 0) {
		memcpy(sorted, live, nlive * sizeof(char *));
		qsort(sorted, nlive, sizeof(char *), cmp_str);
	}
	for (i = 0; i < s->n; i++) {
		if (nlive == 0 || bsearch(&s->v[i].uid, sorted, nlive,
		    sizeof(char *), cmp_str) == NULL) {
			free(s->v[i].uid);
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
	free(sorted);
	return (rewrite(s, why));
}

/* uidl_state_compact - journal into snapshot, forgetting nothing */

int
uidl_state_compact(struct uidl_state *s, struct strbuf *why)
{
	return (rewrite(s, why));
}

/* uidl_state_close - free everything */

void
uidl_state_close(struct uidl_state *s)
{
	size_t	i;

	if (s->jfd >= 0) {
		if (s->unsynced > 0 && fdatasync(s->jfd) != 0)
			log_error("fdatasync %s: %s", s->journal,
			    strerror(errno));
		close(s->jfd);
	}
	for (i = 0; i < s->n; i++)
		free(s->v[i].uid);
	free(s->v);
	free(s->snap);
	free(s->journal);
	free(s->dir);
	memset(s, 0, sizeof(*s));
	s->jfd = -1;
}
