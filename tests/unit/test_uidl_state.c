/*
 * test_uidl_state - the delivered-UIDL journal and snapshot, and the
 * Return-Path parser of deliver.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "alloc.h"
#include "strbuf.h"
#include "uidl_state.h"
#include "deliver.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	pc_strlcpy(dir, "/tmp/test_uidl.XXXXXX", sizeof(dir));
	return (mkdtemp(dir) ? 0 : -1);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static void
test_commit_reload(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "box", why), PC_OK);
	assert_false(uidl_state_has(&s, "a"));
	assert_int_equal(uidl_state_commit(&s, "b", why), PC_OK);
	assert_int_equal(uidl_state_commit(&s, "a", why), PC_OK);
	assert_int_equal(uidl_state_commit(&s, "a", why), PC_OK);
	assert_true(uidl_state_has(&s, "a"));
	uidl_state_close(&s);

	/* A new process sees what was committed (journal only). */
	assert_int_equal(uidl_state_open(&s, dir, "box", why), PC_OK);
	assert_true(uidl_state_has(&s, "a"));
	assert_true(uidl_state_has(&s, "b"));
	assert_false(uidl_state_has(&s, "c"));
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_prune(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	const char *live[] = {"b", "zz"};
	char	path[128];
	struct stat sb;

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "p", why), PC_OK);
	assert_int_equal(uidl_state_commit(&s, "a", why), PC_OK);
	assert_int_equal(uidl_state_commit(&s, "b", why), PC_OK);
	assert_int_equal(uidl_state_prune(&s, live, 2, why), PC_OK);
	assert_false(uidl_state_has(&s, "a"));
	assert_true(uidl_state_has(&s, "b"));
	uidl_state_close(&s);
	/* Compacted: the journal is gone, the snapshot is 0600. */
	(void)snprintf(path, sizeof(path), "%s/p.journal", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	(void)snprintf(path, sizeof(path), "%s/p.uidl", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(uidl_state_open(&s, dir, "p", why), PC_OK);
	assert_false(uidl_state_has(&s, "a"));
	assert_true(uidl_state_has(&s, "b"));
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_torn_journal(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	char	path[128];
	FILE   *fp;

	(void)state;
	/* A crash in the middle of a journal write leaves a torn line:
	 * that UID was never committed and must not count. */
	(void)snprintf(path, sizeof(path), "%s/t.journal", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("ok1\nok2\ntor", fp);
	fclose(fp);
	assert_int_equal(uidl_state_open(&s, dir, "t", why), PC_OK);
	assert_true(uidl_state_has(&s, "ok1"));
	assert_true(uidl_state_has(&s, "ok2"));
	assert_false(uidl_state_has(&s, "tor"));
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_fail_counts(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	const char *live[] = {"poison", "good"};

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "f", why), PC_OK);
	assert_int_equal(uidl_state_fails(&s, "poison"), 0);
	assert_int_equal(uidl_state_fail(&s, "poison", why), 1);
	assert_int_equal(uidl_state_fail(&s, "poison", why), 2);
	assert_false(uidl_state_has(&s, "poison"));
	assert_int_equal(uidl_state_commit(&s, "good", why), PC_OK);
	assert_true(uidl_state_delivered(&s, "good") > 1000000000);
	uidl_state_close(&s);
	/* Survives a restart (journal), and a compaction (snapshot). */
	assert_int_equal(uidl_state_open(&s, dir, "f", why), PC_OK);
	assert_int_equal(uidl_state_fails(&s, "poison"), 2);
	assert_int_equal(uidl_state_prune(&s, live, 2, why), PC_OK);
	uidl_state_close(&s);
	assert_int_equal(uidl_state_open(&s, dir, "f", why), PC_OK);
	assert_int_equal(uidl_state_fails(&s, "poison"), 2);
	assert_true(uidl_state_has(&s, "good"));
	assert_int_equal(uidl_state_compact(&s, why), PC_OK);
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_bad_records(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	char	path[128];
	FILE   *fp;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/b.uidl", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("# comment\nold1\nnew 1700000000 0\nbad x y\n"
	    "neg -5 0\nfails 0 -1\nlong 1 2 3\n\n", fp);
	fclose(fp);
	assert_int_equal(uidl_state_open(&s, dir, "b", why), PC_OK);
	assert_true(uidl_state_has(&s, "old1"));	/* version 1 line */
	assert_int_equal(uidl_state_delivered(&s, "new"), 1700000000);
	assert_false(uidl_state_has(&s, "bad"));
	assert_false(uidl_state_has(&s, "neg"));
	assert_int_equal(uidl_state_fails(&s, "fails"), 0);
	assert_false(uidl_state_has(&s, "long"));
	uidl_state_close(&s);
	strbuf_free(why);
}

struct rp_case {
	const char *hdr;
	int	rc;
	const char *addr;
};

static const struct rp_case rp_cases[] = {
	{"Return-Path: <a@b.example>\nFrom: x\n\nbody", 0, "a@b.example"},
	{"From: x\nreturn-path:<bounce+x=y@l.example>\n\n", 0,
	"bounce+x=y@l.example"},
	{"Return-Path: <>\n\n", -1, NULL},
	{"From: x\n\nReturn-Path: <in@body.example>\n", -1, NULL},
	{"Return-Path: <-oQ/tmp@x>\n\n", -1, NULL},
	{"Return-Path: <a b@c>\n\n", -1, NULL},
	{"Return-Path: <a@b\n\n", -1, NULL},
	{"Return-Path: a@b\n\n", -1, NULL},
	{"Return-Path: <a\"b@c>\n\n", -1, NULL},
	{"", -1, NULL},
};

static void
test_return_path(void **state)
{
	char	out[256];
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(rp_cases); i++) {
		const struct rp_case *c = &rp_cases[i];

		assert_int_equal(deliver_return_path(c->hdr, strlen(c->hdr),
		    out, sizeof(out)), c->rc);
		if (c->rc == 0)
			assert_string_equal(out, c->addr);
	}
	/* Longer than the output buffer: refused, not truncated. */
	assert_int_equal(deliver_return_path("Return-Path: <abcdefgh@x>\n",
	    26, out, 8), -1);
}

/* count_records - complete lines of DIR/NAME.journal */

static int
count_records(const char *name)
{
	char	path[128];
	FILE   *fp;
	int	c, n = 0;

	(void)snprintf(path, sizeof(path), "%s/%s.journal", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	while ((c = getc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return (n);
}

static void
test_group_off_by_default(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	long	w;

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "g0", why), PC_OK);
	/* Without uidl_state_group(), a record is synced on its own. */
	assert_int_equal(uidl_state_record(&s, "a", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	assert_int_equal(uidl_state_due(&s, &w), 0);
	assert_int_equal(w, -1);
	/* Size 1 or delay 0: no groups either. */
	uidl_state_group(&s, 1, 50);
	assert_int_equal(uidl_state_record(&s, "b", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	uidl_state_group(&s, 16, 0);
	assert_int_equal(uidl_state_record(&s, "c", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_group_size(void **state)
{
	struct uidl_state s, t;
	struct strbuf *why = strbuf_alloc(1024);
	long	w;

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "gs", why), PC_OK);
	uidl_state_group(&s, 3, 1000);
	assert_int_equal(uidl_state_record(&s, "a", why), PC_OK);
	assert_int_equal(uidl_state_record(&s, "b", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 2);
	/* Known at once, in memory and in the journal (not yet synced). */
	assert_true(uidl_state_has(&s, "a"));
	assert_int_equal(count_records("gs"), 2);
	assert_int_equal(uidl_state_due(&s, &w), 0);
	assert_true(w > 0 && w <= 1000);
	/* The third record fills the group: due now. */
	assert_int_equal(uidl_state_record(&s, "c", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 3);
	assert_int_equal(uidl_state_due(&s, &w), 1);
	assert_int_equal(uidl_state_sync(&s, why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	assert_int_equal(uidl_state_due(&s, &w), 0);
	assert_int_equal(w, -1);
	/* A new group starts with the next record. */
	assert_int_equal(uidl_state_record(&s, "d", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 1);
	/* Another process reading the state sees all four. */
	assert_int_equal(uidl_state_open(&t, dir, "gs", why), PC_OK);
	assert_true(uidl_state_has(&t, "a") && uidl_state_has(&t, "d"));
	uidl_state_close(&t);
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_group_delay(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	struct timespec ts = {0, 40 * 1000000L};
	long	w;

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "gd", why), PC_OK);
	uidl_state_group(&s, 100, 20);
	assert_int_equal(uidl_state_record(&s, "a", why), PC_OK);
	assert_int_equal(uidl_state_due(&s, &w), 0);
	assert_true(w > 0 && w <= 20);
	(void)nanosleep(&ts, NULL);
	/* 20 ms after the group's first record it is due. */
	assert_int_equal(uidl_state_due(&s, &w), 1);
	assert_int_equal(uidl_state_sync(&s, why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	uidl_state_close(&s);
	strbuf_free(why);
}

static void
test_group_other_writes_sync(void **state)
{
	struct uidl_state s;
	struct strbuf *why = strbuf_alloc(1024);
	const char *live[] = {"a", "b", "c"};

	(void)state;
	assert_int_equal(uidl_state_open(&s, dir, "go", why), PC_OK);
	uidl_state_group(&s, 10, 1000);
	/* A refusal is synced, and its sync covers the open group. */
	assert_int_equal(uidl_state_record(&s, "a", why), PC_OK);
	assert_int_equal(uidl_state_fail(&s, "x", why), 1);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	/* So is a commit. */
	assert_int_equal(uidl_state_record(&s, "b", why), PC_OK);
	assert_int_equal(uidl_state_commit(&s, "c", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	/* And a prune (snapshot) leaves no open group behind. */
	assert_int_equal(uidl_state_record(&s, "d", why), PC_OK);
	assert_int_equal(uidl_state_prune(&s, live, 3, why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 0);
	assert_true(uidl_state_has(&s, "c"));
	assert_false(uidl_state_has(&s, "d"));
	/* Close syncs what is still open; the next open sees it. */
	assert_int_equal(uidl_state_record(&s, "e", why), PC_OK);
	assert_int_equal(uidl_state_unsynced(&s), 1);
	uidl_state_close(&s);
	assert_int_equal(uidl_state_open(&s, dir, "go", why), PC_OK);
	assert_true(uidl_state_has(&s, "e"));
	uidl_state_close(&s);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_reload),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_torn_journal),
		cmocka_unit_test(test_fail_counts),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_return_path),
		cmocka_unit_test(test_group_off_by_default),
		cmocka_unit_test(test_group_size),
		cmocka_unit_test(test_group_delay),
		cmocka_unit_test(test_group_other_writes_sync),
	};

	return (cmocka_run_group_tests_name("uidl_state", tests, setup,
	    teardown));
}
