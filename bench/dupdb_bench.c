/*
 * NAME
 *	dupdb_bench - what the duplicate store costs the milter per message
 * SYNOPSIS
 *	dupdb_bench [ENTRIES [MESSAGES]]
 * DESCRIPTION
 *	Makes a store in a temporary directory, fills it with ENTRIES
 *	copies (default 10,000), then times MESSAGES (default 2,000)
 *	transactions as the milter runs them at end of message: one write
 *	transaction that records a marker nonce, looks up and records two
 *	recipients' copies, and commits (LMDB, one fsync per commit).  It
 *	prints the median, the 99th percentile and the mean, with the store
 *	empty and with about 2 x ENTRIES entries in it (a nonce and two
 *	copies per filled message).
 * DIAGNOSTICS
 *	Exit 0, or 1 when the store cannot be made.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "log.h"
#include "strbuf.h"
#include "dupdb.h"

/* now_us - a monotonic clock in microseconds */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

/* cmp - for qsort */

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* one - one message as the milter stores it; its time in microseconds */

static double
one(struct dupdb *db, long k, struct strbuf *why)
{
	struct dupdb_txn *t;
	struct dupdb_nonce prev;
	struct dupdb_copy first;
	char	id[33], nonce[17], rcpt[64];
	time_t	now = time(NULL);
	double	t0 = now_us();

	snprintf(id, sizeof(id), "%032lx", k);
	snprintf(nonce, sizeof(nonce), "%016lx", k);
	if (dupdb_begin(db, 1, &t, why) != PC_OK)
		return (-1);
	(void)dupdb_nonce(t, nonce, "rdigest", now + 86400, "QID", now, &prev);
	snprintf(rcpt, sizeof(rcpt), "chris%ld@example.test", k % 500);
	(void)dupdb_copy(t, id, rcpt, nonce, "QID", now, 604800, 1, &first);
	snprintf(rcpt, sizeof(rcpt), "kim%ld@example.test", k % 500);
	(void)dupdb_copy(t, id, rcpt, nonce, "QID", now, 604800, 1, &first);
	if (dupdb_commit(t, why) != PC_OK)
		return (-1);
	return (now_us() - t0);
}

/* run - time n messages from key base on; print a line */

static void
run(struct dupdb *db, const char *label, long base, int n,
    struct strbuf *why)
{
	double *v = calloc((size_t)n, sizeof(*v)), sum = 0;
	int	i;

	for (i = 0; i < n; i++) {
		v[i] = one(db, base + i, why);
		sum += v[i];
	}
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-34s median %7.1f us  p99 %7.1f us  mean %7.1f us\n", label,
	    v[n / 2], v[(n * 99) / 100], sum / n);
	free(v);
}

int
main(int argc, char **argv)
{
	char	dir[] = "/tmp/dupdb_bench.XXXXXX", cmd[256], label[64];
	struct strbuf *why = strbuf_alloc(1024);
	struct dupdb *db;
	long	entries = argc > 1 ? atol(argv[1]) : 10000, i;
	int	n = argc > 2 ? atoi(argv[2]) : 2000;
	unsigned long long e = 0;

	log_set_level(LOGL_NONE);
	if (entries < 0 || n < 10 || mkdtemp(dir) == NULL ||
	    dupdb_open(dir, 10000000, 0, &db, why) != PC_OK) {
		fprintf(stderr, "dupdb_bench: %s\n", strbuf_str(why));
		return (1);
	}
	printf("dupdb_bench: one write transaction per message (nonce + 2 "
	    "copies + commit), %d messages\n", n);
	run(db, "empty store", 1000000000L, n, why);
	for (i = 0; i < entries; i += 2)
		(void)one(db, 2000000000L + i, why);
	(void)dupdb_entries(db, &e);
	snprintf(label, sizeof(label), "store with %llu entries", e);
	run(db, label, 3000000000L, n, why);
	dupdb_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "dupdb_bench: could not remove %s\n", dir);
	strbuf_free(why);
	return (0);
}
