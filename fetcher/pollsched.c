/*
 * NAME
 *	pollsched - which mailbox polls next (sans I/O)
 * SYNOPSIS
 *	#include "pollsched.h"
 *
 *	See pollsched.h for the interface.
 * DESCRIPTION
 *	A binary min-heap of (due, id, stamp) entries; stamp[id] names the
 *	one entry of id that counts, so setting a mailbox again is a push,
 *	not a search.  Servers are an open-addressing hash table (host
 *	names folded to lower case) with the number of sessions and the
 *	entries that were due while the server was full.
 *
 *	The daemon used to scan every mailbox, and for each one count the
 *	sessions per server by scanning every mailbox again, at each poll
 *	start: cubic in the number of mailboxes over a round (issue 22).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "alloc.h"
#include "pollsched.h"

struct sched_ent {
	time_t	due;
	size_t	id;
	unsigned long stamp;
	size_t	host;		/* index in the host table */
};

struct sched_host {
	char	*name;
	long long running;
	long long limit;	/* sessions at once now; 0: the ceiling */
	time_t	held_until;	/* no growth before (after a refusal) */
	struct sched_ent *wait;	/* due while the server was full */
	size_t	nwait;
	size_t	cwait;
};

struct sched {
	struct sched_ent *heap;
	size_t	n;
	size_t	cap;
	unsigned long *stamp;	/* per id; 0: not scheduled */
	size_t	nstamp;
	unsigned long next_stamp;
	struct sched_host *hosts;	/* stable indexes */
	size_t	hn;
	size_t	hcapv;
	size_t	*index;		/* hash: slot -> hosts index + 1 */
	size_t	hcap;		/* a power of two */
	long long initial;	/* adaptive limit: where a server starts, */
	long long ceiling;	/* how far it grows (0: no adaptive limit), */
	time_t	hold;		/* how long a refusal stops growth */
};

/* sched_fnv - FNV-1a of a string, folded to lower case */

static uint64_t
sched_fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return (h);
}

/* sched_spread - a stable offset in [0, window) for a name */

time_t
sched_spread(const char *name, time_t window)
{
	if (window <= 1)
		return (0);
	return ((time_t)(sched_fnv(name) % (uint64_t)window));
}

/* sched_in_shard - is name in part k (1..n) of n? */

int
sched_in_shard(const char *name, unsigned k, unsigned n)
{
	if (n == 0)
		return (1);
	return (sched_fnv(name) % n == (uint64_t)(k - 1));
}

/* sched_host_find - the index of host (made when add is set) */

static size_t
sched_host_find(struct sched *s, const char *host, int add)
{
	size_t	i, j, mask;

	if (add && 2 * (s->hn + 1) > s->hcap) {
		s->hcap = s->hcap ? 2 * s->hcap : 16;
		free(s->index);
		s->index = xcalloc(s->hcap, sizeof(*s->index));
		mask = s->hcap - 1;
		for (i = 0; i < s->hn; i++) {
			for (j = sched_fnv(s->hosts[i].name) & mask;
			    s->index[j]; j = (j + 1) & mask)
				;
			s->index[j] = i + 1;
		}
	}
	if (s->hcap == 0)
		return ((size_t)-1);
	mask = s->hcap - 1;
	for (j = sched_fnv(host) & mask; s->index[j]; j = (j + 1) & mask)
		if (strcasecmp(s->hosts[s->index[j] - 1].name, host) == 0)
			return (s->index[j] - 1);
	if (!add)
		return ((size_t)-1);
	if (s->hn == s->hcapv) {
		s->hcapv = s->hcapv ? 2 * s->hcapv : 16;
		s->hosts = xrealloc(s->hosts, s->hcapv * sizeof(*s->hosts));
	}
	memset(&s->hosts[s->hn], 0, sizeof(*s->hosts));
	s->hosts[s->hn].name = xstrdup(host);
	s->hosts[s->hn].limit = s->initial;
	s->index[j] = ++s->hn;
	return (s->hn - 1);
}

/* sched_less - heap order: due time, then id (deterministic) */

static int
sched_less(const struct sched_ent *a, const struct sched_ent *b)
{
	return (a->due < b->due || (a->due == b->due && a->id < b->id));
}

/* sched_push - add an entry */

static void
sched_push(struct sched *s, struct sched_ent e)
{
	size_t	i, p;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->heap = xrealloc(s->heap, s->cap * sizeof(*s->heap));
	}
	for (i = s->n++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!sched_less(&e, &s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
	}
	s->heap[i] = e;
}

/* sched_pop - remove the top */

static void
sched_pop(struct sched *s)
{
	struct sched_ent last;
	size_t	i, c;

	if (s->n == 0)
		return;
	last = s->heap[--s->n];
	for (i = 0; (c = 2 * i + 1) < s->n; i = c) {
		if (c + 1 < s->n && sched_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!sched_less(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
	}
	if (s->n > 0)
		s->heap[i] = last;
}

/* sched_valid - is e the entry that counts for its id? */

static int
sched_valid(const struct sched *s, const struct sched_ent *e)
{
	return (e->id < s->nstamp && s->stamp[e->id] == e->stamp &&
	    e->stamp != 0);
}

struct sched *
sched_new(void)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->next_stamp = 1;
	return (s);
}

void
sched_free(struct sched *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->hn; i++) {
		free(s->hosts[i].name);
		free(s->hosts[i].wait);
	}
	free(s->hosts);
	free(s->index);
	free(s->heap);
	free(s->stamp);
	free(s);
}

/* sched_reset - forget every mailbox; session counts stay */

void
sched_reset(struct sched *s)
{
	size_t	i;

	s->n = 0;
	if (s->nstamp)
		memset(s->stamp, 0, s->nstamp * sizeof(*s->stamp));
	for (i = 0; i < s->hn; i++)
		s->hosts[i].nwait = 0;
}

/* sched_set - id is due at due on host */

void
sched_set(struct sched *s, size_t id, time_t due, const char *host)
{
	struct sched_ent e;

	if (id >= s->nstamp) {
		size_t	n = s->nstamp ? s->nstamp : 64;

		while (n <= id)
			n *= 2;
		s->stamp = xrealloc(s->stamp, n * sizeof(*s->stamp));
		memset(s->stamp + s->nstamp, 0, (n - s->nstamp) *
		    sizeof(*s->stamp));
		s->nstamp = n;
	}
	e.due = due;
	e.id = id;
	e.stamp = s->stamp[id] = s->next_stamp++;
	e.host = sched_host_find(s, host ? host : "", 1);
	sched_push(s, e);
}

/* sched_drop - forget id */

void
sched_drop(struct sched *s, size_t id)
{
	if (id < s->nstamp)
		s->stamp[id] = 0;
}

/* sched_start - a session on host began */

void
sched_start(struct sched *s, const char *host)
{
	s->hosts[sched_host_find(s, host ? host : "", 1)].running++;
}

/* sched_end - a session on host ended: who waited for it may go */

void
sched_end(struct sched *s, const char *host)
{
	size_t	h = sched_host_find(s, host ? host : "", 0), i;
	struct sched_host *sh;

	if (h == (size_t)-1)
		return;
	sh = &s->hosts[h];
	if (sh->running > 0)
		sh->running--;
	for (i = 0; i < sh->nwait; i++) {
		struct sched_ent e = sh->wait[i];

		if (sched_valid(s, &e))
			sched_push(s, e);
	}
	sh->nwait = 0;
}

/* sched_running - sessions on host */

long long
sched_running(const struct sched *s, const char *host)
{
	size_t	h = sched_host_find((struct sched *)(uintptr_t)s, host, 0);

	return (h == (size_t)-1 ? 0 : s->hosts[h].running);
}

/*
 * sched_limits - the adaptive per-server limit: start at initial, grow to
 * ceiling, hold after a refusal.  Known servers keep what they learned,
 * within the new bounds; initial >= ceiling (or 0) is a fixed limit.
 */

void
sched_limits(struct sched *s, long long initial, long long ceiling,
    time_t hold)
{
	size_t	i;

	if (initial <= 0 || ceiling <= 0 || initial >= ceiling)
		initial = ceiling = 0;
	s->initial = initial;
	s->ceiling = ceiling;
	s->hold = hold;
	for (i = 0; i < s->hn; i++) {
		struct sched_host *sh = &s->hosts[i];

		if (ceiling == 0)
			sh->limit = 0;
		else if (sh->limit == 0 || sh->limit > ceiling)
			sh->limit = sh->limit == 0 ? initial : ceiling;
	}
}

/*
 * sched_accepted - a session on host that started with open others ended
 * normally: when it was the limit-th, the server takes that many at once:
 * one more, unless held.  Only such a session is evidence: one that
 * started with fewer open says nothing of the limit, and the sessions
 * counted as running may include some the server is refusing right now
 * (their ends not yet reported), so "running >= limit" at the end would
 * let the limit run ahead of what the server ever held.
 */

long long
sched_accepted(struct sched *s, const char *host, long long open,
    time_t now)
{
	size_t	h = sched_host_find(s, host ? host : "", 0);
	struct sched_host *sh;

	if (h == (size_t)-1)
		return (0);
	sh = &s->hosts[h];
	if (sh->limit > 0 && open + 1 >= sh->limit &&
	    sh->limit < s->ceiling && now >= sh->held_until)
		sh->limit++;
	return (sh->limit);
}

/*
 * sched_refused - host refused a session for a connection limit while
 * open others were open: that many is the limit (at least 1, never more
 * than it was: refusals of sessions started together come in any order),
 * held.  0 without an adaptive limit: the caller counts a failure.
 */

long long
sched_refused(struct sched *s, const char *host, long long open, time_t now)
{
	struct sched_host *sh;

	if (s->ceiling == 0)
		return (0);
	sh = &s->hosts[sched_host_find(s, host ? host : "", 1)];
	if (open < 1)
		open = 1;
	if (sh->limit == 0 || open < sh->limit)
		sh->limit = open;
	sh->held_until = now + s->hold;
	return (sh->limit);
}

/* sched_limit - host's limit now (0: none but the ceiling), held until */

long long
sched_limit(const struct sched *s, const char *host, time_t *held_until)
{
	size_t	h = sched_host_find((struct sched *)(uintptr_t)s,
	    host ? host : "", 0);

	if (held_until)
		*held_until = h == (size_t)-1 ? 0 : s->hosts[h].held_until;
	if (h == (size_t)-1)
		return (s->initial);
	return (s->hosts[h].limit);
}

/* sched_next - the mailbox due first whose server has room */

int
sched_next(struct sched *s, time_t now, long long per_host, size_t *id)
{
	struct sched_ent e;
	struct sched_host *sh;

	while (s->n > 0 && s->heap[0].due <= now) {
		e = s->heap[0];
		sched_pop(s);
		if (!sched_valid(s, &e))
			continue;
		sh = &s->hosts[e.host];
		if ((per_host > 0 && sh->running >= per_host) ||
		    (sh->limit > 0 && sh->running >= sh->limit)) {
			if (sh->nwait == sh->cwait) {
				sh->cwait = sh->cwait ? 2 * sh->cwait : 8;
				sh->wait = xrealloc(sh->wait, sh->cwait *
				    sizeof(*sh->wait));
			}
			sh->wait[sh->nwait++] = e;
			continue;
		}
		s->stamp[e.id] = 0;
		*id = e.id;
		return (1);
	}
	return (0);
}

/* sched_wakeup - the earliest due time among valid entries */

time_t
sched_wakeup(const struct sched *s, time_t dflt)
{
	size_t	i;

	/* The top may be stale; it is still a safe (early) wakeup. */
	for (i = 0; i < s->n && i < 1; i++)
		if (s->heap[i].due < dflt)
			return (s->heap[i].due);
	return (dflt);
}
