/*
 * NAME
 *	test_exec - unit tests for lib/exec.c
 * DESCRIPTION
 *	Output capture, standard input, the output limit, the timeout
 *	(which must return promptly), exit statuses, death by signal, a
 *	program that cannot be started, and descriptor hygiene.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "exec.h"

static struct strbuf *out;
static struct strbuf *why;

/* setup - buffers */

static int
setup(void **state)
{
	out = strbuf_alloc(4096);
	why = strbuf_alloc(1024);
	return (0);
}

/* teardown - buffers */

static int
teardown(void **state)
{
	out = strbuf_free(out);
	why = strbuf_free(why);
	return (0);
}

/* run - exec_run with a NULL-terminated list of words */

static int
run(int in_fd, struct strbuf *o, int timeout, int *status, ...)
{
	char   *argv[16];
	va_list ap;
	int     n = 0;

	va_start(ap, status);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return (exec_run(argv, NULL, in_fd, o, timeout, status, why));
}

/* test_echo - capture standard output */

static void
test_echo(void **state)
{
	int     status = -1;

	assert_int_equal(run(-1, out, 5, &status, "/bin/echo", "hello",
	    "world", (char *) NULL), PC_OK);
	assert_int_equal(status, 0);
	assert_string_equal(strbuf_str(out), "hello world\n");
	/* No shell: metacharacters are plain arguments. */
	assert_int_equal(run(-1, out, 5, &status, "/bin/echo", "$HOME;",
	    "`id`", (char *) NULL), PC_OK);
	assert_string_equal(strbuf_str(out), "$HOME; `id`\n");
	/* out NULL: output is discarded. */
	assert_int_equal(run(-1, NULL, 0, &status, "/bin/echo", "x",
	    (char *) NULL), PC_OK);
	assert_int_equal(status, 0);
}

/* test_stdin - in_fd becomes standard input; -1 is /dev/null */

static void
test_stdin(void **state)
{
	char    tmpl[] = "/tmp/test_exec.XXXXXX";
	int     fd = mkstemp(tmpl);
	int     status = -1;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "line one\nline two\n", 18), 18);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(run(fd, out, 5, &status, "/bin/cat", (char *) NULL),
	    PC_OK);
	assert_string_equal(strbuf_str(out), "line one\nline two\n");
	close(fd);
	unlink(tmpl);
	assert_int_equal(run(-1, out, 5, &status, "/bin/cat", (char *) NULL),
	    PC_OK);
	assert_int_equal(strbuf_len(out), 0);
}

/* test_env - the default environment holds PATH only */

static void
test_env(void **state)
{
	char    prog[] = "/usr/bin/env";
	char   *argv[] = {prog, NULL};
	char    e1[] = "FOO=bar";
	char   *envp[] = {e1, NULL};
	int     status = -1;

	assert_int_equal(exec_run(argv, NULL, -1, out, 5, &status, why),
	    PC_OK);
	assert_non_null(strstr(strbuf_str(out), "PATH="));
	assert_null(strchr(strchr(strbuf_str(out), '\n') + 1, '='));
	assert_int_equal(exec_run(argv, envp, -1, out, 5, &status, why),
	    PC_OK);
	assert_string_equal(strbuf_str(out), "FOO=bar\n");
}

/* test_output_max - too much output fails, and the child is not stuck */

static void
test_output_max(void **state)
{
	struct strbuf *small = strbuf_alloc(100);
	int     status = -1;

	assert_int_equal(run(-1, small, 10, &status, "/usr/bin/head", "-c",
	    "1000000", "/dev/zero", (char *) NULL), PC_TEMP);
	assert_int_equal(status, 0);
	assert_non_null(strstr(strbuf_str(why), "output exceeds 100"));
	assert_int_equal(strbuf_len(small), 100);
	/* Exactly max is fine. */
	assert_int_equal(run(-1, small, 10, &status, "/usr/bin/head", "-c",
	    "100", "/dev/zero", (char *) NULL), PC_OK);
	assert_int_equal(strbuf_len(small), 100);
	strbuf_free(small);
}

/* test_timeout - sleep 10 with timeout 1 returns quickly */

static void
test_timeout(void **state)
{
	struct timespec t0;
	struct timespec t1;
	int     status = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run(-1, out, 1, &status, "/bin/sleep", "10",
	    (char *) NULL), PC_TEMP);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 4);
	assert_int_equal(status, 128 + SIGKILL);
	assert_non_null(strstr(strbuf_str(why), "timed out"));

	/* Output pipe closed, process still running: still bounded. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run(-1, NULL, 1, &status, "/bin/sleep", "10",
	    (char *) NULL), PC_TEMP);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 4);
}

/* test_status - exit codes and signals */

static void
test_status(void **state)
{
	static const struct {
		const char *script;
		int     expect;
	} tab[] = {
		{"exit 0", 0},
		{"exit 75", 75},
		{"exit 69", 69},
		{"exit 255", 255},
		{"kill -9 $$", 128 + 9},
		{"kill -15 $$", 128 + 15},
	};
	size_t  i;
	int     status;

	/* The test uses /bin/sh as the program; exec_run never adds one. */
	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		status = -1;
		assert_int_equal(run(-1, out, 5, &status, "/bin/sh", "-c",
		    tab[i].script, (char *) NULL), PC_OK);
		assert_int_equal(status, tab[i].expect);
	}
}

/* test_cannot_start - missing program, relative path */

static void
test_cannot_start(void **state)
{
	int     status;

	assert_int_equal(run(-1, out, 5, &status, "/nonexistent/prog",
	    (char *) NULL), PC_TEMP);
	assert_non_null(strstr(strbuf_str(why), "/nonexistent/prog"));
	assert_int_equal(run(-1, out, 5, &status, "echo", "x",
	    (char *) NULL), PC_TEMP);
	assert_int_equal(run(-1, out, 5, &status, "/etc/passwd",
	    (char *) NULL), PC_TEMP);
	assert_int_equal(exec_run(NULL, NULL, -1, out, 5, &status, why),
	    PC_TEMP);
}

/* test_fd_hygiene - the child sees only 0, 1, 2 */

static void
test_fd_hygiene(void **state)
{
	int     leak = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC */
	int     status = -1;

	assert_true(leak > 2);
	assert_int_equal(run(-1, out, 5, &status, "/bin/ls", "/proc/self/fd",
	    (char *) NULL), PC_OK);
	/* 0 1 2 and the fd ls opens for the directory itself. */
	assert_string_equal(strbuf_str(out), "0\n1\n2\n3\n");
	close(leak);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fd_hygiene, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests_name("exec", tests, NULL, NULL));
}
