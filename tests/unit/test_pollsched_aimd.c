/*
 * test_pollsched_aimd - the adaptive per-server limit of the poll
 * scheduler, with a fake clock (issue 21): a server starts at the initial
 * limit, grows by one per session that started as the limit-th and ended
 * normally (not for one that started with fewer open), never above the
 * ceiling nor above per_host; a refusal cuts the limit to the sessions
 * that were open (at least 1; a later one never raises it) and stops
 * growth until the hold ends; servers are
 * independent; initial >= ceiling is today's fixed limit, where a refusal
 * changes nothing; a reload keeps what a server taught within the new
 * range; and a simulated server that refuses a fifth session (Courier's
 * MAXPERIP=4) settles at 4 with every mailbox polled.
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

/* start - hand out every due mailbox the limits allow; how many */

static int
start(struct sched *s, time_t now, long long per_host, const char *host)
{
	size_t	id;
	int	n = 0;

	while (sched_next(s, now, per_host, &id)) {
		sched_start(s, host);
		n++;
	}
	return (n);
}

static void
test_growth(void **state)
{
	struct sched *s = sched_new();
	size_t	i;

	(void)state;
	sched_limits(s, 4, 6, 3600);
	for (i = 0; i < 40; i++)
		sched_set(s, i, 0, "pop.isp");
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 4);
	assert_int_equal(start(s, 10, 100, "pop.isp"), 4);
	/* the 4th (3 others open at its start) ended: one more */
	assert_int_equal(sched_accepted(s, "pop.isp", 3, 10), 5);
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 10, 100, "pop.isp"), 2);	/* 3 -> 5 */
	assert_int_equal(sched_running(s, "pop.isp"), 5);
	/* one that started with fewer open is no evidence */
	assert_int_equal(sched_accepted(s, "pop.isp", 1, 11), 5);
	assert_int_equal(sched_accepted(s, "pop.isp", 3, 11), 5);
	assert_int_equal(sched_accepted(s, "pop.isp", 4, 11), 6);
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 11, 100, "pop.isp"), 2);	/* 4 -> 6 */
	/* the ceiling */
	assert_int_equal(sched_accepted(s, "pop.isp", 5, 12), 6);
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 12, 100, "pop.isp"), 1);
	assert_int_equal(sched_running(s, "pop.isp"), 6);
	/* a reload with a higher ceiling: it grows on */
	sched_limits(s, 4, 10, 3600);
	assert_int_equal(sched_accepted(s, "pop.isp", 5, 13), 7);
	/* per_host caps whatever the adaptive limit says */
	sched_end(s, "pop.isp");
	sched_end(s, "pop.isp");
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 13, 4, "pop.isp"), 1);
	assert_int_equal(sched_running(s, "pop.isp"), 4);
	sched_free(s);
}

static void
test_refusal_hold(void **state)
{
	struct sched *s = sched_new();
	size_t	i;
	time_t	held;

	(void)state;
	sched_limits(s, 4, 20, 3600);
	for (i = 0; i < 40; i++)
		sched_set(s, i, 0, "pop.isp");
	assert_int_equal(start(s, 100, 100, "pop.isp"), 4);
	for (i = 0; i < 3; i++) {			/* grows to 7 */
		sched_accepted(s, "pop.isp", (long long)(3 + i), 100);
		sched_end(s, "pop.isp");
		start(s, 100, 100, "pop.isp");
	}
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 7);
	assert_int_equal(sched_running(s, "pop.isp"), 7);
	/* the 7th was refused with 6 others open */
	assert_int_equal(sched_refused(s, "pop.isp", 6, 200), 6);
	assert_int_equal(sched_limit(s, "pop.isp", &held), 6);
	assert_int_equal(held, 200 + 3600);
	/* a later refusal of one started earlier never raises it */
	assert_int_equal(sched_refused(s, "pop.isp", 6, 201), 6);
	assert_int_equal(sched_refused(s, "pop.isp", 9, 201), 6);
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 201, 100, "pop.isp"), 0);	/* 6 of 6 */
	/* held: the limit-th ending normally does not grow it */
	assert_int_equal(sched_accepted(s, "pop.isp", 5, 300), 6);
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 300, 100, "pop.isp"), 1);
	assert_int_equal(sched_accepted(s, "pop.isp", 5, 201 + 3599), 6);
	/* the hold is over: it grows again */
	assert_int_equal(sched_accepted(s, "pop.isp", 5, 201 + 3600), 7);
	/* a refusal with none other open: at least 1 */
	assert_int_equal(sched_refused(s, "pop.isp", 0, 4000), 1);
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 1);
	sched_free(s);
}

static void
test_independent(void **state)
{
	struct sched *s = sched_new();
	size_t	i;

	(void)state;
	sched_limits(s, 4, 20, 3600);
	for (i = 0; i < 20; i++)
		sched_set(s, i, 0, i % 2 ? "courier.isp" : "dovecot.isp");
	/* unknown servers start at the initial limit */
	assert_int_equal(sched_limit(s, "never.seen", NULL), 4);
	(void)sched_refused(s, "courier.isp", 2, 10);
	assert_int_equal(sched_limit(s, "courier.isp", NULL), 2);
	assert_int_equal(sched_limit(s, "DOVECOT.ISP", NULL), 4);
	for (i = 0; i < 20; i++) {
		size_t	id;

		if (!sched_next(s, 10, 100, &id))
			break;
		sched_start(s, id % 2 ? "courier.isp" : "dovecot.isp");
	}
	assert_int_equal(sched_running(s, "courier.isp"), 2);
	assert_int_equal(sched_running(s, "dovecot.isp"), 4);
	assert_int_equal(sched_accepted(s, "dovecot.isp", 3, 20), 5);
	assert_int_equal(sched_accepted(s, "courier.isp", 1, 20), 2); /* held */
	sched_free(s);
}

static void
test_fixed_and_reload(void **state)
{
	struct sched *s = sched_new();
	size_t	i;

	(void)state;
	/* initial = ceiling: today's fixed limit, per_host alone */
	sched_limits(s, 4, 4, 3600);
	for (i = 0; i < 10; i++)
		sched_set(s, i, 0, "pop.isp");
	assert_int_equal(start(s, 1, 4, "pop.isp"), 4);
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 0);
	assert_int_equal(sched_accepted(s, "pop.isp", 3, 1), 0);
	assert_int_equal(sched_refused(s, "pop.isp", 3, 1), 0);
	sched_end(s, "pop.isp");
	assert_int_equal(start(s, 1, 4, "pop.isp"), 1);
	/* switched to adaptive by a reload: servers start at initial */
	sched_limits(s, 2, 8, 60);
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 2);
	(void)sched_refused(s, "pop.isp", 1, 5);
	/* a reload keeps what the server taught, within the new range */
	sched_limits(s, 4, 20, 60);
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 1);
	sched_limits(s, 1, 3, 60);
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 1);
	sched_limits(s, 4, 8, 60);
	assert_int_equal(sched_accepted(s, "pop.isp", 0, 100), 2);
	assert_int_equal(sched_accepted(s, "pop.isp", 1, 100), 3);
	assert_int_equal(sched_accepted(s, "pop.isp", 2, 100), 4);
	sched_limits(s, 1, 3, 60);
	assert_int_equal(sched_limit(s, "pop.isp", NULL), 3);	/* ceiling */
	sched_free(s);
}

/*
 * test_courier - 200 mailboxes on a server that refuses a fifth session
 * from us (couriertcpd -maxperip=4), starting at 4 with a ceiling of 20:
 * every mailbox polls exactly once, nothing above 4 is held for long,
 * and the limit settles at 4.
 */

static void
test_courier(void **state)
{
	enum { N = 200, MAXPERIP = 4, MAXC = 20 };
	struct sched *s = sched_new();
	unsigned char seen[N];
	size_t	id, run[MAXC], nrun = 0, done = 0, refusals = 0;
	long long opened[MAXC];
	time_t	now = 1000;

	(void)state;
	memset(seen, 0, sizeof(seen));
	sched_limits(s, 4, 20, 3600);
	for (id = 0; id < N; id++)
		sched_set(s, id, 0, "courier.isp");
	while (done < N) {
		while (nrun < MAXC && sched_next(s, now, 20, &id)) {
			long long open = sched_running(s, "courier.isp");

			sched_start(s, "courier.isp");
			if (open >= MAXPERIP) {		/* refused */
				refusals++;
				assert_true(open > 0);
				(void)sched_refused(s, "courier.isp", open,
				    now);
				sched_end(s, "courier.isp");
				sched_set(s, id, 0, "courier.isp");
				continue;
			}
			opened[nrun] = open;
			run[nrun++] = id;
		}
		assert_true(nrun > 0);
		/* the oldest session ends normally */
		assert_false(seen[run[0]]);
		seen[run[0]] = 1;
		done++;
		(void)sched_accepted(s, "courier.isp", opened[0], now);
		sched_end(s, "courier.isp");
		memmove(run, run + 1, (nrun - 1) * sizeof(*run));
		memmove(opened, opened + 1, --nrun * sizeof(*opened));
		now++;
	}
	for (id = 0; id < N; id++)
		assert_true(seen[id]);
	assert_int_equal(refusals, 1);	/* once the limit grew to 5 */
	assert_int_equal(sched_limit(s, "courier.isp", NULL), 4);
	sched_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_refusal_hold),
		cmocka_unit_test(test_independent),
		cmocka_unit_test(test_fixed_and_reload),
		cmocka_unit_test(test_courier),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
