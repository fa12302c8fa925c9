/*
 * test_deliver - the delivery interface (deliver.h) with the sendmail
 * transport: a stand-in sendmail (a shell script) exits with the status
 * its recipient names, or sleeps past delivery_timeout.
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
#include "params.h"
#include "safeio.h"
#include "deliver.h"

static char dir[64];
static char fake[128];
static char msg[128];
static char seen[128];

static int
setup(void **state)
{
	FILE   *fp;

	(void)state;
	pc_strlcpy(dir, "/tmp/test_deliver.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return (-1);
	(void)snprintf(fake, sizeof(fake), "%s/sendmail", dir);
	(void)snprintf(msg, sizeof(msg), "%s/msg", dir);
	(void)snprintf(seen, sizeof(seen), "%s/seen", dir);
	/* argv: -i -f SENDER -- RCPT; RCPT is "exitN" or "sleep" */
	if ((fp = fopen(fake, "w")) == NULL)
		return (-1);
	fprintf(fp, "#!/bin/sh\n"
	    "echo \"$*\" >>'%s'\n"
	    "cat >/dev/null\n"
	    "case $5 in exit*) exit ${5#exit} ;; sleep) exec sleep 30 ;; "
	    "esac\n"
	    "exit 0\n", seen);
	fclose(fp);
	if (chmod(fake, 0755) != 0)
		return (-1);
	if ((fp = fopen(msg, "w")) == NULL)
		return (-1);
	fputs("Subject: x\n\nbody\n", fp);
	fclose(fp);
	return (0);
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
settings(struct fetcher_settings *s, long long par, long long timeout)
{
	memset(s, 0, sizeof(*s));
	s->delivery_method = (char *)(uintptr_t)"sendmail";
	s->sendmail_path = fake;
	s->postfix_config_directory = (char *)(uintptr_t)"";
	s->delivery_parallelism = par;
	s->delivery_timeout = timeout;
}

/* wait_one - the next result, waiting for it */

static void
wait_one(struct deliver *d, struct deliver_result *res)
{
	assert_int_equal(deliver_poll(d, DELIVER_WAIT, res), 1);
}

static void
test_statuses(void **state)
{
	struct fetcher_settings s;
	struct strbuf *why = strbuf_alloc(1024);
	struct deliver_result res;
	struct deliver *d;
	int	cookies[3], got = 0, i;

	(void)state;
	settings(&s, 3, 60);
	assert_non_null(d = deliver_open(&s, "box", why));
	assert_int_equal(deliver_room(d), 3);
	assert_int_equal(deliver_inflight(d), 0);
	/* Nothing in flight: no result, at once, even when told to wait. */
	assert_int_equal(deliver_poll(d, DELIVER_WAIT, &res), 0);
	assert_int_equal(deliver_submit(d, msg, "a@b", "exit0", &cookies[0],
	    why), PC_OK);
	assert_int_equal(deliver_submit(d, msg, "", "exit75", &cookies[1],
	    why), PC_OK);
	assert_int_equal(deliver_submit(d, msg, "a@b", "exit67", &cookies[2],
	    why), PC_OK);
	assert_int_equal(deliver_room(d), 0);
	assert_int_equal(deliver_inflight(d), 3);
	for (i = 0; i < 3; i++) {
		wait_one(d, &res);
		assert_int_equal(res.queue_id[0], 0);
		if (res.cookie == &cookies[0]) {
			assert_int_equal(res.status, PC_OK);
			assert_string_equal(res.reason, "sendmail 0");
			got |= 1;
		} else if (res.cookie == &cookies[1]) {
			assert_int_equal(res.status, PC_TEMP);
			assert_non_null(strstr(res.reason, "status 75"));
			got |= 2;
		} else {
			assert_ptr_equal(res.cookie, &cookies[2]);
			assert_int_equal(res.status, PC_PERM);
			assert_non_null(strstr(res.reason, "status 67"));
			got |= 4;
		}
	}
	assert_int_equal(got, 7);
	assert_int_equal(deliver_inflight(d), 0);
	assert_int_equal(deliver_room(d), 3);
	assert_int_equal(deliver_poll(d, 0, &res), 0);
	assert_null(deliver_close(d));
	strbuf_free(why);
}

static void
test_argv(void **state)
{
	struct fetcher_settings s;
	struct strbuf *why = strbuf_alloc(1024), *out = strbuf_alloc(4096);
	struct deliver_result res;
	struct deliver *d;

	(void)state;
	(void)unlink(seen);
	settings(&s, 1, 60);
	assert_non_null(d = deliver_open(&s, "box", why));
	/* The null sender is "-f ''"; the recipient follows "--". */
	assert_int_equal(deliver_submit(d, msg, "", "exit0", NULL, why),
	    PC_OK);
	wait_one(d, &res);
	assert_int_equal(res.status, PC_OK);
	assert_int_equal(safeio_read_file(seen, 4096, 0, out, why), PC_OK);
	assert_string_equal(strbuf_str(out), "-i -f  -- exit0\n");
	/* Refused before anything runs: no result will come. */
	assert_int_equal(deliver_submit(d, msg, "-oQ", "exit0", NULL, why),
	    PC_PERM);
	assert_int_equal(deliver_submit(d, msg, "a@b", "-x", NULL, why),
	    PC_PERM);
	assert_int_equal(deliver_inflight(d), 0);
	/* A spool file that is not there: temporary. */
	assert_int_equal(deliver_submit(d, "/nonexistent/x", "a@b", "exit0",
	    NULL, why), PC_TEMP);
	assert_int_equal(deliver_inflight(d), 0);
	d = deliver_close(d);
	strbuf_free(out);
	strbuf_free(why);
}

static void
test_timeout_and_wait(void **state)
{
	struct fetcher_settings s;
	struct strbuf *why = strbuf_alloc(1024);
	struct deliver_result res;
	struct deliver *d;
	time_t	t0;

	(void)state;
	settings(&s, 2, 1);
	assert_non_null(d = deliver_open(&s, "box", why));
	assert_int_equal(deliver_submit(d, msg, "a@b", "sleep", NULL, why),
	    PC_OK);
	/* A bounded wait returns without a result. */
	assert_int_equal(deliver_poll(d, 50, &res), 0);
	assert_int_equal(deliver_inflight(d), 1);
	/* delivery_timeout: killed, PC_TEMP. */
	t0 = time(NULL);
	wait_one(d, &res);
	/* Killed at the timeout (2 s), not after the 30 s sleep; slack for
	 * a loaded machine. */
	assert_true(time(NULL) - t0 <= 12);
	assert_int_equal(res.status, PC_TEMP);
	assert_non_null(strstr(res.reason, "timed out"));
	/* Closing with one in flight abandons (kills) it. */
	assert_int_equal(deliver_submit(d, msg, "a@b", "sleep", NULL, why),
	    PC_OK);
	d = deliver_close(d);
	strbuf_free(why);
}

static void
test_methods(void **state)
{
	struct fetcher_settings s;
	struct strbuf *why = strbuf_alloc(1024);

	(void)state;
	settings(&s, 1, 60);
	s.delivery_method = (char *)(uintptr_t)"carrier-pigeon";
	assert_null(deliver_open(&s, "box", why));
	assert_non_null(strstr(strbuf_str(why), "unknown"));
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_timeout_and_wait),
		cmocka_unit_test(test_methods),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
