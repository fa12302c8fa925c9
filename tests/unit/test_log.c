/*
 * NAME
 *	test_log - unit tests for lib/log.c
 * DESCRIPTION
 *	Levels, the sink, control-character masking, long lines,
 *	log_printable() escapes, and log_proto() redaction of PASS, APOP,
 *	AUTH and SASL continuation lines: the secret must never appear in
 *	any captured line.  log_fatal() runs in a child process.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

#define CAP_MAX		16
#define CAP_LINE	4096

static char cap[CAP_MAX][CAP_LINE];
static int cap_prio[CAP_MAX];
static int ncap;

/* sink - capture lines */

static void
sink(int prio, const char *line)
{
	if (ncap < CAP_MAX) {
		assert_true(snprintf(cap[ncap], sizeof(cap[ncap]), "%s", line) < (int) sizeof(cap[ncap]));
		cap_prio[ncap] = prio;
	}
	ncap++;
}

/* setup - capture at level maximum */

static int
setup(void **state)
{
	ncap = 0;
	log_set_sink(sink);
	log_set_level(LOGL_MAXIMUM);
	return (0);
}

/* teardown - restore normal output */

static int
teardown(void **state)
{
	log_set_sink(NULL);
	log_set_level(LOGL_MEDIUM);
	return (0);
}

/* test_levels - what each level shows */

static void
test_levels(void **state)
{
	static const struct {
		int     level;
		int     expect;		/* lines from error, warn, info, debug */
	} tab[] = {
		{LOGL_NONE, 0},
		{LOGL_MINIMUM, 2},
		{LOGL_MEDIUM, 3},
		{LOGL_MAXIMUM, 4},
	};
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		ncap = 0;
		log_set_level(tab[i].level);
		assert_int_equal(log_get_level(), tab[i].level);
		log_error("e");
		log_warn("w");
		log_info("i");
		log_debug("d");
		assert_int_equal(ncap, tab[i].expect);
	}
	log_set_level(LOGL_MAXIMUM);
	ncap = 0;
	log_error("x=%d", 1);
	log_warn("y");
	log_info("z");
	log_debug("q");
	assert_int_equal(cap_prio[0], LOG_ERR);
	assert_int_equal(cap_prio[1], LOG_WARNING);
	assert_int_equal(cap_prio[2], LOG_INFO);
	assert_int_equal(cap_prio[3], LOG_DEBUG);
	assert_string_equal(cap[0], "x=1");
}

/* test_level_names - parse and name */

static void
test_level_names(void **state)
{
	int     level = -1;

	assert_int_equal(log_level_parse("none", &level), 0);
	assert_int_equal(level, LOGL_NONE);
	assert_int_equal(log_level_parse("Maximum", &level), 0);
	assert_int_equal(level, LOGL_MAXIMUM);
	assert_int_equal(log_level_parse("medium", &level), 0);
	assert_int_equal(level, LOGL_MEDIUM);
	assert_int_equal(log_level_parse("loud", &level), -1);
	assert_int_equal(log_level_parse("", &level), -1);
	assert_string_equal(log_level_name(LOGL_MINIMUM), "minimum");
	assert_string_equal(log_level_name(99), "unknown");
}

/* test_control_chars - a forged second line is masked */

static void
test_control_chars(void **state)
{
	log_info("user=%s", "bob\nMar 1 popconn: forged\r\x1b[0m");
	assert_int_equal(ncap, 1);
	assert_null(strchr(cap[0], '\n'));
	assert_null(strchr(cap[0], '\r'));
	assert_null(strchr(cap[0], '\x1b'));
	assert_string_equal(cap[0], "user=bob?Mar 1 popconn: forged??[0m");
}

/* test_long_line - capped, marked with "..." */

static void
test_long_line(void **state)
{
	static char big[10000];
	size_t  len;

	memset(big, 'a', sizeof(big) - 1);
	log_info("%s", big);
	assert_int_equal(ncap, 1);
	len = strlen(cap[0]);
	assert_true(len < 2048);
	assert_true(len > 1000);
	assert_string_equal(cap[0] + len - 3, "...");
}

/* test_printable - escapes and truncation */

static void
test_printable(void **state)
{
	static const struct {
		const char *in;
		size_t  len;
		size_t  size;
		const char *out;
	} tab[] = {
		{"plain", 5, 64, "plain"},
		{"a\nb", 3, 64, "a\\x0ab"},
		{"\x00\xff", 2, 64, "\\x00\\xff"},
		{"tab\there", 8, 64, "tab\\x09here"},
		{"0123456789", 10, 11, "0123456789"},
		{"0123456789", 10, 10, "012345..."},
		{"\n\n\n\n", 4, 10, "\\x0a..."},
		{"abcdef", 6, 3, ".."},
		{"", 0, 4, ""},
	};
	char    buf[64];
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		memset(buf, 'Z', sizeof(buf));
		assert_ptr_equal(log_printable(buf, tab[i].size, tab[i].in,
		    tab[i].len), buf);
		assert_string_equal(buf, tab[i].out);
		assert_true(strlen(buf) < tab[i].size);
	}
}

/* test_proto_redact - credentials never reach the log */

static void
test_proto_redact(void **state)
{
	static const struct {
		const char *who;
		int     sent;
		const char *line;
		const char *expect;
	} tab[] = {
		{"C", 1, "USER bob\r\n", "C S: USER bob"},
		{"C", 1, "PASS s3cr3t\r\n", "C S: PASS <redacted>"},
		{"C", 1, "pass s3cr3t", "C S: pass <redacted>"},
		{"C", 1, "PaSs  s3cr3t with spaces", "C S: PaSs <redacted>"},
		{"C", 1, "  PASS s3cr3t", "C S:   PASS <redacted>"},
		{"C", 1, "PASS\ts3cr3t", "C S: PASS <redacted>"},
		{"C", 1, "APOP bob s3cr3t0123456789abcdef", "C S: APOP <redacted>"},
		{"C", 1, "AUTH PLAIN s3cr3t=", "C S: AUTH PLAIN <redacted>"},
		{"C", 1, "auth xoauth2 s3cr3t", "C S: auth xoauth2 <redacted>"},
		{"C", 1, "AUTH LOGIN", "C S: AUTH LOGIN"},
		{"C", 1, "AUTH", "C S: AUTH"},
		{"C-SASL", 1, "s3cr3t=\r\n", "C-SASL S: <redacted>"},
		{"c-sasl", 1, "s3cr3t", "c-sasl S: <redacted>"},
		{"S", 0, "+OK ready\r\n", "S R: +OK ready"},
		{"S", 0, "PASSWORD s3cr3t", "S R: PASSWORD s3cr3t"},
	};
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		ncap = 0;
		log_proto(tab[i].who, tab[i].sent, tab[i].line,
		    strlen(tab[i].line));
		assert_int_equal(ncap, 1);
		assert_string_equal(cap[0], tab[i].expect);
		assert_int_equal(cap_prio[0], LOG_DEBUG);
		if (strstr(tab[i].line, "PASSWORD") == NULL)
			assert_null(strstr(cap[0], "s3cr3t"));
	}
}

/* test_proto_hostile - NUL, control characters, long lines, level */

static void
test_proto_hostile(void **state)
{
	static char big[5000];
	size_t  len;

	log_proto("S", 0, "+OK a\0b\x01", 8);
	assert_int_equal(ncap, 1);
	assert_string_equal(cap[0], "S R: +OK a?b?");

	/* A huge AUTH mechanism: cut, and the secret still redacted. */
	memcpy(big, "AUTH ", 5);
	memset(big + 5, 'M', 4000);
	memcpy(big + 4005, " s3cr3t", 7);
	ncap = 0;
	log_proto("C", 1, big, 4012);
	assert_int_equal(ncap, 1);
	len = strlen(cap[0]);
	assert_true(len < 2048);
	assert_null(strstr(cap[0], "s3cr3t"));
	assert_string_equal(cap[0] + len - 14, "... <redacted>");

	/* A huge received line. */
	memset(big, 'x', sizeof(big));
	ncap = 0;
	log_proto("S", 0, big, sizeof(big));
	assert_true(strlen(cap[0]) < 2048);

	/* Below maximum nothing is traced. */
	log_set_level(LOGL_MEDIUM);
	ncap = 0;
	log_proto("C", 1, "USER bob", 8);
	assert_int_equal(ncap, 0);
}

/* test_fatal - log_fatal exits with the given status */

static void
test_fatal(void **state)
{
	pid_t   pid;
	int     status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		log_set_sink(NULL);
		log_open("test_log", 1);
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(1);
		log_set_level(LOGL_NONE);
		log_fatal(75, "fatal %s", "test");
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 75);
}

/* test_stderr_format - "ident[pid]: level: text" */

static void
test_stderr_format(void **state)
{
	char    buf[256];
	char    expect[256];
	int     fds[2];
	pid_t   pid;
	ssize_t n;
	int     status;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void) dup2(fds[1], 2);
		log_set_sink(NULL);
		log_open("tlog", 1);
		log_warn("disk %s", "full\n");
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(n > 0);
	buf[n] = 0;
	assert_true(snprintf(expect, sizeof(expect), "tlog[%ld]: warning: disk full?\n",
	    (long) pid) < (int) sizeof(expect));
	assert_string_equal(buf, expect);
}

/* test_maillog_file - maillog_file lines, in a child process */

static void
test_maillog_file(void **state)
{
	char    path[] = "/tmp/test_log.XXXXXX";
	char    buf[8192], want[128];
	FILE   *fp;
	pid_t   pid;
	size_t  n;
	int     fd, status;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		log_set_sink(NULL);
		log_open("tfile", 0);
		if (log_set_file(path) != 0)
			_exit(2);
		log_info("hello %s", "world\r");
		log_error("bad %d", 7);
		if (log_set_file("/nonexistent-dir/x.log") == 0)
			_exit(3);	/* must fail, keep the file */
		log_warn("still here");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	unlink(path);
	buf[n] = 0;
	/* "Mon DD HH:MM:SS host tfile[pid]: text", like Postfix */
	assert_true(snprintf(want, sizeof(want), " tfile[%ld]: hello world?\n",
	    (long) pid) < (int) sizeof(want));
	assert_non_null(strstr(buf, want));
	assert_true(snprintf(want, sizeof(want), " tfile[%ld]: error: bad 7\n",
	    (long) pid) < (int) sizeof(want));
	assert_non_null(strstr(buf, want));
	assert_true(snprintf(want, sizeof(want),
	    " tfile[%ld]: warning: still here\n", (long) pid) < (int) sizeof(want));
	assert_non_null(strstr(buf, want));
	assert_true(buf[3] == ' ' && buf[6] == ' ' && buf[9] == ':');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_control_chars, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_printable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proto_redact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_proto_hostile, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fatal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stderr_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_maillog_file, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("log", tests, NULL, NULL));
}
