/*
 * test_dupdb - the milter's LMDB store: nonces (new, retry, replay),
 * copies (duplicate, same nonce, window, expiry), counters, the cap
 * with the first to expire dropped first, read-only use, a store deleted
 * or replaced while open, a damaged one moved aside, threads writing at
 * once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "log.h"
#include "strbuf.h"
#include "dupdb.h"

static char dir[] = "/tmp/test_dupdb.XXXXXX";

/* sub - a fresh store directory name under dir */
static const char *
sub(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return (path);
}

static const char ID[] = "0123456789abcdef0123456789abcdef";

static void
test_nonce_copy(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct dupdb *db;
	struct dupdb_txn *t;
	struct dupdb_nonce prev;
	struct dupdb_copy first;
	unsigned long long n;
	time_t	now = time(NULL);

	(void)state;
	assert_int_equal(dupdb_open(sub("a"), 1000, 0, &db, why), PC_OK);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_nonce(t, "aaaaaaaaaaaaaaaa", "d1", now + 100,
	    "Q1", now, &prev), DUPDB_NEW);
	assert_int_equal(dupdb_copy(t, ID, "Kim@Example.test",
	    "aaaaaaaaaaaaaaaa", "Q1", now, 3600, 1, &first), 0);
	assert_int_equal(dupdb_commit(t, why), PC_OK);

	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	/* the same injection again */
	assert_int_equal(dupdb_nonce(t, "aaaaaaaaaaaaaaaa", "d1", now + 100,
	    "Q2", now, &prev), DUPDB_RETRY);
	assert_int_equal(prev.uses, 1);
	assert_string_equal(prev.qid, "Q1");
	assert_int_equal(dupdb_copy(t, ID, "kim@example.test",
	    "aaaaaaaaaaaaaaaa", "Q2", now, 3600, 1, &first), 0);
	/* a replay: other headers */
	assert_int_equal(dupdb_nonce(t, "aaaaaaaaaaaaaaaa", "d2", now + 100,
	    "Q3", now, &prev), DUPDB_REPLAY);
	/* another copy: duplicate for kim (case-insensitive), not pat */
	assert_int_equal(dupdb_copy(t, ID, "KIM@example.test",
	    "bbbbbbbbbbbbbbbb", "Q4", now, 3600, 1, &first), 1);
	assert_string_equal(first.nonce, "aaaaaaaaaaaaaaaa");
	assert_string_equal(first.qid, "Q1");
	assert_int_equal(dupdb_copy(t, ID, "pat@example.test",
	    "bbbbbbbbbbbbbbbb", "Q4", now, 3600, 1, &first), 0);
	/* outside a shorter window: not a duplicate, recorded anew */
	assert_int_equal(dupdb_copy(t, ID, "kim@example.test",
	    "cccccccccccccccc", "Q5", now + 10, 5, 1, &first), 0);
	assert_int_equal(dupdb_copy(t, ID, "kim@example.test",
	    "dddddddddddddddd", "Q6", now + 10, 5, 1, &first), 1);
	assert_string_equal(first.nonce, "cccccccccccccccc");
	assert_int_equal(dupdb_count(t, "catchall", 2, &n), PC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(dupdb_commit(t, why), PC_OK);
	dupdb_close(db);

	/* read-only: sees, records nothing */
	assert_int_equal(dupdb_open(sub("a"), 0, 1, &db, why), PC_OK);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_count(t, "catchall", 5, &n), PC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(dupdb_copy(t, ID, "lee@example.test",
	    "eeeeeeeeeeeeeeee", "Q7", now, 3600, 1, &first), 0);
	assert_int_equal(dupdb_copy(t, ID, "pat@example.test",
	    "eeeeeeeeeeeeeeee", "Q7", now, -1, 0, &first), 1);
	dupdb_abort(t);
	assert_int_equal(dupdb_begin(db, 0, &t, why), PC_OK);
	assert_int_equal(dupdb_copy(t, ID, "lee@example.test",
	    "ffffffffffffffff", "Q8", now, 3600, 0, &first), 0);
	dupdb_abort(t);
	dupdb_close(db);
	/* read-only on nothing */
	assert_int_equal(dupdb_open(sub("none"), 0, 1, &db, why), PC_PERM);
	assert_null(db);
	strbuf_free(why);
}

/* Expiry and the cap: the first to expire go first. */
static void
test_bounded(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct dupdb *db;
	struct dupdb_txn *t;
	struct dupdb_copy first;
	unsigned long long n;
	time_t	now = time(NULL);
	char	rcpt[64], nonce[17];
	int	i;

	(void)state;
	assert_int_equal(dupdb_open(sub("b"), 100, 0, &db, why), PC_OK);
	for (i = 0; i < 300; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%d@example.test", i);
		snprintf(nonce, sizeof(nonce), "%016x", i);
		assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
		/* rising windows: u0 expires first */
		assert_int_equal(dupdb_copy(t, ID, rcpt, nonce, "Q", now,
		    1000 + i, 1, &first), 0);
		assert_int_equal(dupdb_commit(t, why), PC_OK);
	}
	assert_int_equal(dupdb_entries(db, &n), PC_OK);
	assert_true(n <= 101);
	assert_int_equal(dupdb_begin(db, 0, &t, why), PC_OK);
	assert_int_equal(dupdb_copy(t, ID, "u0@example.test", "x", "Q", now,
	    5000, 0, &first), 0);		/* dropped */
	assert_int_equal(dupdb_copy(t, ID, "u299@example.test", "x", "Q", now,
	    5000, 0, &first), 1);		/* kept */
	dupdb_abort(t);
	dupdb_close(db);

	/* expired entries go at the next write */
	assert_int_equal(dupdb_open(sub("c"), 1000, 0, &db, why), PC_OK);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_copy(t, ID, "a@x", "n1", "Q", now - 100, 10, 1,
	    &first), 0);
	assert_int_equal(dupdb_nonce(t, "n2", "d", now - 1, "Q", now - 100,
	    (struct dupdb_nonce[]){{0}}), DUPDB_NEW);
	assert_int_equal(dupdb_commit(t, why), PC_OK);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_commit(t, why), PC_OK);
	assert_int_equal(dupdb_entries(db, &n), PC_OK);
	assert_int_equal(n, 0);
	dupdb_close(db);
	strbuf_free(why);
}

/* Deleted or replaced while open; damaged: start empty, go on. */
static void
test_damage(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct dupdb *db;
	struct dupdb_txn *t;
	struct dupdb_copy first;
	char	path[300], cmd[400];
	struct stat st;
	FILE   *f;
	int	i;

	(void)state;
	assert_int_equal(dupdb_open(sub("d"), 1000, 0, &db, why), PC_OK);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_copy(t, ID, "a@x", "n1", "Q", time(NULL), 100,
	    1, &first), 0);
	assert_int_equal(dupdb_commit(t, why), PC_OK);
	snprintf(path, sizeof(path), "%s/data.mdb", sub("d"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_copy(t, ID, "a@x", "n2", "Q", time(NULL), 100,
	    1, &first), 0);		/* forgotten */
	assert_int_equal(dupdb_commit(t, why), PC_OK);
	assert_int_equal(stat(path, &st), 0);
	dupdb_close(db);

	/* garbage where the store was */
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < 20000; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -f %s/lock.mdb", sub("d"));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(dupdb_open(sub("d"), 1000, 0, &db, why), PC_OK);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
	assert_int_equal(dupdb_copy(t, ID, "a@x", "n3", "Q", time(NULL), 100,
	    1, &first), 0);
	assert_int_equal(dupdb_commit(t, why), PC_OK);
	dupdb_close(db);
	snprintf(cmd, sizeof(cmd), "ls %s/data.mdb.broken-* >/dev/null",
	    sub("d"));
	assert_int_equal(system(cmd), 0);

	/* a directory that cannot be made: open fails, begin says so */
	assert_int_equal(dupdb_open("/proc/nonexistent/x", 1000, 0, &db, why),
	    PC_TEMP);
	assert_non_null(db);
	assert_int_equal(dupdb_begin(db, 1, &t, why), PC_TEMP);
	dupdb_close(db);
	strbuf_free(why);
}

/*
 * Pages damaged below LMDB's meta pages: LMDB itself would read out of
 * bounds or abort on them (it checks only the meta pages); the store is
 * read through in a child process at open, found damaged and moved
 * aside, and the new one works.
 */
static void
test_damage_inside(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct dupdb *db;
	struct dupdb_txn *t;
	struct dupdb_copy first;
	char	path[300], rcpt[64], nonce[17], cmd[400];
	unsigned char junk[64];
	off_t	size, off;
	int	fd, i, k;

	(void)state;
	assert_int_equal(dupdb_open(sub("f"), 100000, 0, &db, why), PC_OK);
	for (i = 0; i < 3000; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%d@x", i);
		snprintf(nonce, sizeof(nonce), "%016x", i);
		assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
		(void)dupdb_copy(t, ID, rcpt, nonce, "Q", time(NULL), 3600, 1,
		    &first);
		assert_int_equal(dupdb_commit(t, why), PC_OK);
	}
	dupdb_close(db);
	/* a clean store is kept */
	assert_int_equal(dupdb_open(sub("f"), 100000, 0, &db, why), PC_OK);
	dupdb_close(db);
	snprintf(cmd, sizeof(cmd), "ls %s/data.mdb.broken-* >/dev/null 2>&1",
	    sub("f"));
	assert_int_not_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/data.mdb", sub("f"));
	assert_true((fd = open(path, O_RDWR)) >= 0);
	size = lseek(fd, 0, SEEK_END);
	srand(3);
	for (i = 0; i < 50; i++) {
		off = 8192 + rand() % (size - 8192);
		for (k = 0; k < 64; k++)
			junk[k] = (unsigned char)rand();
		assert_int_equal(pwrite(fd, junk, sizeof(junk), off), 64);
	}
	close(fd);
	assert_int_equal(dupdb_open(sub("f"), 100000, 0, &db, why), PC_OK);
	assert_int_equal(system(cmd), 0);
	for (i = 0; i < 100; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%d@x", i);
		assert_int_equal(dupdb_begin(db, 1, &t, why), PC_OK);
		assert_int_equal(dupdb_copy(t, ID, rcpt, "n", "Q", time(NULL),
		    3600, 1, &first), 0);
		assert_int_equal(dupdb_commit(t, why), PC_OK);
	}
	dupdb_close(db);
	strbuf_free(why);
}

struct worker {
	struct dupdb *db;
	int	k;
	int	dups;
};

/* writer - 200 copies of one identity to 50 recipients, one thread */
static void *
writer(void *arg)
{
	struct worker *w = arg;
	struct strbuf *why = strbuf_alloc(1024);
	struct dupdb_txn *t;
	struct dupdb_copy first;
	char	rcpt[64], nonce[17];
	int	i, rc;

	for (i = 0; i < 200; i++) {
		snprintf(rcpt, sizeof(rcpt), "u%d@example.test", i % 50);
		snprintf(nonce, sizeof(nonce), "%08x%08x", w->k, i);
		if (dupdb_begin(w->db, 1, &t, why) != PC_OK)
			continue;
		rc = dupdb_copy(t, ID, rcpt, nonce, "Q", time(NULL), 3600, 1,
		    &first);
		if (rc == 1)
			w->dups++;
		(void)dupdb_commit(t, why);
	}
	strbuf_free(why);
	return (NULL);
}

/* Four threads at once: each recipient recorded exactly once. */
static void
test_threads(void **state)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct worker w[4];
	pthread_t th[4];
	int	i, dups = 0;

	(void)state;
	memset(w, 0, sizeof(w));
	assert_int_equal(dupdb_open(sub("e"), 10000, 0, &w[0].db, why),
	    PC_OK);
	for (i = 0; i < 4; i++) {
		w[i].db = w[0].db;
		w[i].k = i;
		assert_int_equal(pthread_create(&th[i], NULL, writer, &w[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		dups += w[i].dups;
	}
	assert_int_equal(dups, 4 * 200 - 50);
	dupdb_close(w[0].db);
	strbuf_free(why);
}

static int
setup(void **state)
{
	(void)state;
	log_set_level(LOGL_NONE);
	return (mkdtemp(dir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonce_copy),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_damage_inside),
		cmocka_unit_test(test_threads),
	};

	return (cmocka_run_group_tests_name("dupdb", tests, setup, teardown));
}
