/*
 * test_pollsched - the poll scheduler with a fake clock (issue 22): due
 * order, "now", a mailbox set again (the old entry does not count), the
 * per-server limit (a due mailbox waits for its server and comes back
 * when a session there ends, others go first), drop and reset (a reload),
 * the wakeup time, the stable spread, and a round of 50,000 mailboxes
 * over 100 servers where every mailbox is handed out exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pollsched.h"

static void
test_order(void **state)
{
	struct sched *s = sched_new();
	size_t	id;

	(void)state;
	sched_set(s, 0, 100, "a");
	sched_set(s, 1, 50, "b");
	sched_set(s, 2, 0, "c");		/* now */
	sched_set(s, 3, 200, "a");
	assert_int_equal(sched_wakeup(s, 1000), 0);
	assert_int_equal(sched_next(s, 10, 4, &id), 1);
	assert_int_equal(id, 2);
	assert_int_equal(sched_next(s, 10, 4, &id), 0);
	assert_int_equal(sched_wakeup(s, 1000), 50);
	assert_int_equal(sched_next(s, 150, 4, &id), 1);
	assert_int_equal(id, 1);
	assert_int_equal(sched_next(s, 150, 4, &id), 1);
	assert_int_equal(id, 0);
	/* set again: the first entry no longer counts */
	sched_set(s, 3, 120, "a");
	assert_int_equal(sched_next(s, 150, 4, &id), 1);
	assert_int_equal(id, 3);
	assert_int_equal(sched_next(s, 300, 4, &id), 0);
	/* dropped */
	sched_set(s, 4, 10, "a");
	sched_drop(s, 4);
	assert_int_equal(sched_next(s, 300, 4, &id), 0);
	/* reset forgets every mailbox */
	sched_set(s, 5, 10, "a");
	sched_reset(s);
	assert_int_equal(sched_next(s, 300, 4, &id), 0);
	sched_free(s);
}

static void
test_per_server(void **state)
{
	struct sched *s = sched_new();
	size_t	id;

	(void)state;
	sched_set(s, 0, 1, "pop.isp");
	sched_set(s, 1, 2, "POP.ISP");		/* same server */
	sched_set(s, 2, 3, "other");
	assert_int_equal(sched_next(s, 10, 1, &id), 1);
	assert_int_equal(id, 0);
	sched_start(s, "pop.isp");
	assert_int_equal(sched_running(s, "Pop.Isp"), 1);
	/* 1 waits for its server; 2 goes first */
	assert_int_equal(sched_next(s, 10, 1, &id), 1);
	assert_int_equal(id, 2);
	sched_start(s, "other");
	assert_int_equal(sched_next(s, 10, 1, &id), 0);
	sched_end(s, "pop.isp");
	assert_int_equal(sched_running(s, "pop.isp"), 0);
	assert_int_equal(sched_next(s, 10, 1, &id), 1);
	assert_int_equal(id, 1);
	/* a waiting mailbox set again in between comes back once */
	sched_start(s, "pop.isp");
	sched_set(s, 7, 5, "pop.isp");
	assert_int_equal(sched_next(s, 10, 1, &id), 0);	/* waits */
	sched_set(s, 7, 50, "pop.isp");			/* moved later */
	sched_end(s, "pop.isp");
	assert_int_equal(sched_next(s, 10, 1, &id), 0);
	assert_int_equal(sched_next(s, 60, 1, &id), 1);
	assert_int_equal(id, 7);
	assert_int_equal(sched_next(s, 60, 1, &id), 0);
	sched_free(s);
}

static void
test_spread(void **state)
{
	time_t	a = sched_spread("office", 100);

	(void)state;
	assert_true(a >= 0 && a < 100);
	assert_int_equal(sched_spread("office", 100), a);
	assert_int_equal(sched_spread("office", 0), 0);
	assert_int_equal(sched_spread("office", 1), 0);
}

static void
test_shard(void **state)
{
	char	name[32];
	unsigned parts[3] = {0, 0, 0}, k, in;
	int	i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "box%d", i);
		assert_true(sched_in_shard(name, 0, 0));
		for (in = 0, k = 1; k <= 3; k++)
			if (sched_in_shard(name, k, 3)) {
				in++;
				parts[k - 1]++;
			}
		assert_int_equal(in, 1);	/* exactly one part */
	}
	for (k = 0; k < 3; k++)
		assert_true(parts[k] > 800 && parts[k] < 1200);
}

static void
test_many(void **state)
{
	enum { N = 50000, HOSTS = 100, PER = 4, MAXC = 10 };
	struct sched *s = sched_new();
	unsigned char *seen = calloc(N, 1);
	size_t	id, i, got = 0, running[MAXC], nrun = 0;
	char	host[32];
	time_t	now = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(host, sizeof(host), "pop%zu.isp", i % HOSTS);
		sched_set(s, i, (time_t)(i % 7), host);
	}
	/* a round: start up to MAXC, end the oldest, until all ran */
	while (got < N) {
		while (nrun < MAXC && sched_next(s, now, PER, &id)) {
			assert_false(seen[id]);
			seen[id] = 1;
			got++;
			snprintf(host, sizeof(host), "pop%zu.isp", id % HOSTS);
			sched_start(s, host);
			assert_true(sched_running(s, host) <= PER);
			running[nrun++] = id;
		}
		if (nrun == 0) {
			now++;
			continue;
		}
		snprintf(host, sizeof(host), "pop%zu.isp", running[0] % HOSTS);
		sched_end(s, host);
		memmove(running, running + 1, --nrun * sizeof(*running));
	}
	for (i = 0; i < N; i++)
		assert_true(seen[i]);
	assert_int_equal(sched_next(s, now + 100, PER, &id), 0);
	free(seen);
	sched_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_per_server),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_shard),
		cmocka_unit_test(test_many),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
