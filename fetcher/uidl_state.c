/*
 * NAME
 *	uidl_state - which messages of a mailbox were delivered
 * SYNOPSIS
 *	See uidl_state.h.
 * DESCRIPTION
 *	A snapshot file replaced atomically (safeio_replace) and a journal
 *	appended with fdatasync per delivered message, so that recording a
 *	delivery costs one small write, not a rewrite of the whole state
 *	(mpop rewrites its whole file; fetchmail rewrote it in place).
 * DIAGNOSTICS
 *	Temporary: the mailbox waits until its state can be read and
 *	written.
 * SECURITY
 *	Local files, still bounded: 16 MiB per file, UIDs validated.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "safeio.h"
#include "uidl_state.h"

#define STATE_MAX	(16 * 1024 * 1024)
#define STATE_HEADER	"# popconn uidl state 1\n"

/* find - binary search; returns the index where uid is or would go */

static size_t
find(const struct uidl_state *s, const char *uid, int *found)
{
	size_t	lo = 0, hi = s->n, mid;
	int	c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(s->uids[mid], uid);
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

/* add - insert a UID into the sorted set */

static void
add(struct uidl_state *s, const char *uid, size_t len)
{
	char   *copy = xstrndup(uid, len);
	size_t	at;
	int	found;

	at = find(s, copy, &found);
	if (found) {
		free(copy);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->uids = xrealloc(s->uids, s->cap * sizeof(*s->uids));
	}
	memmove(s->uids + at + 1, s->uids + at, (s->n - at) * sizeof(char *));
	s->uids[at] = copy;
	s->n++;
}

/* load - read one file of UID lines; a missing file is empty */

static int
load(struct uidl_state *s, const char *path, struct strbuf *why)
{
	struct strbuf *buf = strbuf_alloc(STATE_MAX);
	const char *p, *end, *nl;
	int	rc;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		strbuf_free(buf);
		return (PC_OK);
	}
	if ((rc = safeio_read_file(path, STATE_MAX, 0, buf, why)) != PC_OK) {
		strbuf_free(buf);
		return (PC_TEMP);
	}
	p = buf->data;
	end = p + buf->len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;		/* torn last line: not committed */
		if (p < nl && *p != '#' && nl - p <= PC_UID_MAX)
			add(s, p, (size_t)(nl - p));
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

/* uidl_state_has - was this message delivered? */

int
uidl_state_has(const struct uidl_state *s, const char *uid)
{
	int	found;

	(void)find(s, uid, &found);
	return (found);
}

/* uidl_state_commit - record a delivery durably */

int
uidl_state_commit(struct uidl_state *s, const char *uid, struct strbuf *why)
{
	char	line[PC_UID_MAX + 2];
	size_t	len = strlen(uid);
	int	created = 0;

	if (len == 0 || len > PC_UID_MAX)
		log_panic("uidl_state_commit: bad uid length %zu", len);
	if (s->jfd < 0) {
		created = access(s->journal, F_OK) != 0;
		s->jfd = open(s->journal, O_WRONLY | O_APPEND | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s->jfd < 0) {
			strbuf_printf(why, "open %s: %s", s->journal,
			    strerror(errno));
			return (PC_TEMP);
		}
	}
	memcpy(line, uid, len);
	line[len] = '\n';
	if (safeio_write_all(s->jfd, line, len + 1) != 0 ||
	    fdatasync(s->jfd) != 0) {
		strbuf_printf(why, "write %s: %s", s->journal,
		    strerror(errno));
		return (PC_TEMP);
	}
	if (created && safeio_fsync_dir(s->dir, why) != PC_OK)
		return (PC_TEMP);
	add(s, uid, len);
	return (PC_OK);
}

/* cmp_str - qsort/bsearch on strings */

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* uidl_state_prune - forget UIDs no longer on the server; compact */

int
uidl_state_prune(struct uidl_state *s, const char *const *live, size_t nlive,
    struct strbuf *why)
{
	const char **sorted = xcalloc(nlive ? nlive : 1, sizeof(char *));
	struct strbuf *out = strbuf_alloc(STATE_MAX);
	size_t	i, k = 0;
	int	rc = PC_OK;

	if (nlive > 0) {
		memcpy(sorted, live, nlive * sizeof(char *));
		qsort(sorted, nlive, sizeof(char *), cmp_str);
	}
	(void)strbuf_puts(out, STATE_HEADER);
	for (i = 0; i < s->n; i++) {
		if (bsearch(&s->uids[i], sorted, nlive, sizeof(char *),
		    cmp_str) == NULL) {
			free(s->uids[i]);
			continue;
		}
		s->uids[k++] = s->uids[i];
		if (strbuf_puts(out, s->uids[k - 1]) != 0 ||
		    strbuf_putc(out, '\n') != 0) {
			strbuf_printf(why, "state too large");
			rc = PC_TEMP;
		}
	}
	s->n = k;
	free(sorted);
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
	if (unlink(s->journal) != 0 && errno != ENOENT) {
		strbuf_printf(why, "unlink %s: %s", s->journal,
		    strerror(errno));
		return (PC_TEMP);
	}
	return (safeio_fsync_dir(s->dir, why));
}

/* uidl_state_close - free everything */

void
uidl_state_close(struct uidl_state *s)
{
	size_t	i;

	if (s->jfd >= 0)
		close(s->jfd);
	for (i = 0; i < s->n; i++)
		free(s->uids[i]);
	free(s->uids);
	free(s->snap);
	free(s->journal);
	free(s->dir);
	memset(s, 0, sizeof(*s));
	s->jfd = -1;
}
