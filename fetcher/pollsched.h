/*
 * NAME
 *	pollsched.h - which mailbox polls next (sans I/O)
 * SYNOPSIS
 *	struct sched *sched_new(void);
 *	void sched_free(struct sched *s);
 *	void sched_reset(struct sched *s);
 *	void sched_set(struct sched *s, size_t id, time_t due,
 *		const char *host);
 *	void sched_drop(struct sched *s, size_t id);
 *	void sched_start(struct sched *s, const char *host);
 *	void sched_end(struct sched *s, const char *host);
 *	int sched_next(struct sched *s, time_t now, long long per_host,
 *		size_t *id);
 *	time_t sched_wakeup(const struct sched *s, time_t dflt);
 *	long long sched_running(const struct sched *s, const char *host);
 *	void sched_limits(struct sched *s, long long initial,
 *		long long ceiling, time_t hold);
 *	long long sched_accepted(struct sched *s, const char *host,
 *		long long open, time_t now);
 *	long long sched_refused(struct sched *s, const char *host,
 *		long long open, time_t now);
 *	long long sched_limit(const struct sched *s, const char *host,
 *		time_t *held_until);
 *	time_t sched_spread(const char *name, time_t window);
 *	int sched_in_shard(const char *name, unsigned k, unsigned n);
 * DESCRIPTION
 *	The daemon's mailboxes are numbered 0..n-1 (id); the scheduler
 *	knows when each idle one is due and how many sessions run per
 *	server, and nothing else: no clock, no I/O, so the unit tests
 *	drive it with a fake clock.
 *
 *	sched_set() makes id due at due (0: now) on host, replacing what
 *	was known of it; sched_drop() forgets it (a poll started, or the
 *	mailbox is gone).  sched_start() and sched_end() count a session
 *	on host.  sched_next() returns (1, *id) the idle mailbox due first
 *	at now whose server has fewer than per_host sessions, and forgets
 *	it; a due mailbox whose server is full waits beside that server
 *	and comes back when a session there ends.  sched_wakeup() is the
 *	earliest due time (dflt when none); sched_reset() forgets every
 *	mailbox (the session counts stay), for a reload that renumbers.
 *
 *	The limit per server adapts, like TCP's congestion window (additive
 *	increase, a cut on refusal), when sched_limits() names a range:
 *	each server starts at initial sessions at once; sched_accepted()
 *	(a session on host that started with open others ended normally)
 *	adds one when that session was the limit-th (open + 1 >= limit),
 *	up to ceiling; sched_refused() (host refused a session for a
 *	connection limit while open others were open) lowers the limit to
 *	open (at least 1; never raises it) and stops growth there for hold
 *	seconds.  Both return the new
 *	limit; sched_refused() returns 0 and changes nothing without a
 *	range (initial >= ceiling: a fixed limit, per_host alone).
 *	sched_limit() is host's limit now (0: per_host alone) and when its
 *	hold ends.  sched_next() keeps to both per_host and that limit.
 *	A reload (sched_limits() again) keeps what each server taught,
 *	within the new range.
 *
 *	sched_spread() is a stable offset in [0, window) for a mailbox
 *	name (FNV-1a), so that mailboxes due at once at start are spread
 *	and a restart does not move them.  sched_in_shard() says whether
 *	a mailbox belongs to part k of n (shard = k/n; n = 0: all): the same
 *	stable hash, so every fetcher of a configuration agrees.
 * COMPLEXITY
 *	O(log n) per sched_set() and per mailbox sched_next() returns or
 *	sets aside; O(k log n) for sched_end() with k waiting mailboxes;
 *	the count per server is a hash table.  Stale entries (an id set
 *	again) are dropped lazily when they reach the top.
 */
#ifndef POLLSCHED_H
#define POLLSCHED_H

#include <stddef.h>
#include <time.h>

struct sched;

struct sched *sched_new(void);
void sched_free(struct sched *s);
void sched_reset(struct sched *s);
void sched_set(struct sched *s, size_t id, time_t due, const char *host);
void sched_drop(struct sched *s, size_t id);
void sched_start(struct sched *s, const char *host);
void sched_end(struct sched *s, const char *host);
int sched_next(struct sched *s, time_t now, long long per_host, size_t *id);
time_t sched_wakeup(const struct sched *s, time_t dflt);
long long sched_running(const struct sched *s, const char *host);
void sched_limits(struct sched *s, long long initial, long long ceiling,
    time_t hold);
long long sched_accepted(struct sched *s, const char *host, long long open,
    time_t now);
long long sched_refused(struct sched *s, const char *host, long long open,
    time_t now);
long long sched_limit(const struct sched *s, const char *host,
    time_t *held_until);
time_t sched_spread(const char *name, time_t window);
int sched_in_shard(const char *name, unsigned k, unsigned n);

#endif
