/*
 * NAME
 *	test_safeio - unit tests for lib/safeio.c
 * DESCRIPTION
 *	safeio_replace() really replaces and leaves no temporary file;
 *	safeio_open_read() refuses symbolic links, directories and FIFOs;
 *	safeio_check_secret() refuses mode 0644; safeio_read_file() bounds
 *	the size.  Everything happens in a mkdtemp() directory.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "safeio.h"

static char dir[64];
static struct strbuf *why;

/* path - a name in the test directory (static buffer) */

static const char *
path(const char *name)
{
	static char buf[2][256];
	static int which;

	which = !which;
	assert_true(snprintf(buf[which], sizeof(buf[which]), "%s/%s", dir, name) < (int) sizeof(buf[which]));
	return (buf[which]);
}

/* count_entries - files in the test directory */

static int
count_entries(void)
{
	DIR    *dp = opendir(dir);
	struct dirent *de;
	int     n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return (n);
}

/* setup - a fresh directory */

static int
setup(void **state)
{
	assert_true(snprintf(dir, sizeof(dir), "/tmp/test_safeio.XXXXXX") < (int) sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return (-1);
	why = strbuf_alloc(1024);
	return (0);
}

/* teardown - remove everything */

static int
teardown(void **state)
{
	DIR    *dp = opendir(dir);
	struct dirent *de;

	while (dp != NULL && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlink(path(de->d_name)) < 0)
			(void) rmdir(path(de->d_name));
	}
	if (dp != NULL)
		closedir(dp);
	(void) rmdir(dir);
	why = strbuf_free(why);
	return (0);
}

/* test_replace - create, replace, mode, no leftovers */

static void
test_replace(void **state)
{
	struct strbuf *out = strbuf_alloc(1024);
	struct stat st;

	assert_int_equal(safeio_replace(path("state"), "one\n", 4, 0600, why),
	    PC_OK);
	assert_int_equal(safeio_read_file(path("state"), 1024, 0, out, why),
	    PC_OK);
	assert_string_equal(strbuf_str(out), "one\n");
	assert_int_equal(safeio_replace(path("state"), "two\0x", 5, 0640, why),
	    PC_OK);
	assert_int_equal(safeio_read_file(path("state"), 1024, 0, out, why),
	    PC_OK);
	assert_int_equal(strbuf_len(out), 5);
	assert_memory_equal(strbuf_str(out), "two\0x", 5);
	assert_int_equal(stat(path("state"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_entries(), 1);

	/* Empty content. */
	assert_int_equal(safeio_replace(path("state"), "", 0, 0600, why), PC_OK);
	assert_int_equal(stat(path("state"), &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(count_entries(), 1);
	strbuf_free(out);
}

/* test_replace_fail - a failed rename leaves no temporary file */

static void
test_replace_fail(void **state)
{
	/* A directory in the way makes rename() fail. */
	assert_int_equal(mkdir(path("busy"), 0700), 0);
	assert_int_equal(safeio_replace(path("busy"), "x", 1, 0600, why),
	    PC_TEMP);
	assert_non_null(strstr(strbuf_str(why), "rename"));
	assert_int_equal(count_entries(), 1);
	/* A missing directory. */
	assert_int_equal(safeio_replace(path("nodir/f"), "x", 1, 0600, why),
	    PC_TEMP);
	assert_int_equal(count_entries(), 1);
}

/* test_replace_owned - the owner is set before the file takes the name */

static void
test_replace_owned(void **state)
{
	uid_t	uid = geteuid() == 0 ? 65534 : geteuid();
	gid_t	gid = geteuid() == 0 ? 65534 : getegid();
	struct stat st;

	assert_int_equal(safeio_replace(path("passwords"), "a\n", 2, 0600,
	    why), PC_OK);
	assert_int_equal(safeio_replace_owned(path("passwords"), "b\n", 2,
	    0600, uid, gid, why), PC_OK);
	assert_int_equal(stat(path("passwords"), &st), 0);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(), 1);
}

/* test_replace_killed - a writer killed mid-write leaves no temp file */

static void
test_replace_killed(void **state)
{
	size_t	len = 64 * 1024 * 1024;
	char   *big = calloc(1, len);
	struct dirent *de;
	DIR    *dp;
	pid_t	pid;
	int	i, status;

	assert_non_null(big);
	for (i = 0; i < 5; i++) {
		if ((pid = fork()) == 0)
			_exit(safeio_replace(path("state"), big, len, 0600,
			    why) == PC_OK ? 0 : 1);
		assert_true(pid > 0);
		(void) usleep((useconds_t) (2000 + 3000 * i));
		(void) kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_non_null(dp = opendir(dir));
		while ((de = readdir(dp)) != NULL)
			assert_null(strstr(de->d_name, ".tmp."));
		closedir(dp);
	}
	free(big);
}

/* test_open_read - regular files only, no symbolic links */

static void
test_open_read(void **state)
{
	int     fd;

	assert_int_equal(safeio_replace(path("real"), "data", 4, 0600, why),
	    PC_OK);
	fd = safeio_open_read(path("real"), why);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);

	assert_int_equal(symlink(path("real"), path("link")), 0);
	assert_int_equal(safeio_open_read(path("link"), why), -1);
	assert_non_null(strstr(strbuf_str(why), "symbolic link"));

	assert_int_equal(safeio_open_read(dir, why), -1);
	assert_non_null(strstr(strbuf_str(why), "not a regular file"));

	assert_int_equal(mkfifo(path("fifo"), 0600), 0);
	assert_int_equal(safeio_open_read(path("fifo"), why), -1);

	assert_int_equal(safeio_open_read(path("missing"), why), -1);
	assert_non_null(strstr(strbuf_str(why), "missing"));
}

/* test_secret - mode and owner checks */

static void
test_secret(void **state)
{
	struct strbuf *out = strbuf_alloc(1024);
	static const struct {
		mode_t  mode;
		int     expect;
	} tab[] = {
		{0600, PC_OK}, {0400, PC_OK}, {0644, PC_PERM}, {0640, PC_PERM},
		{0604, PC_PERM}, {0620, PC_PERM}, {0602, PC_PERM},
	};
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(tab); i++) {
		assert_int_equal(safeio_replace(path("pw"), "a b\n", 4,
		    tab[i].mode, why), PC_OK);
		assert_int_equal(safeio_read_file(path("pw"), 1024, 1, out, why),
		    tab[i].expect);
		if (tab[i].expect != PC_OK) {
			assert_non_null(strstr(strbuf_str(why), path("pw")));
			assert_int_equal(strbuf_len(out), 0);
		}
		assert_int_equal(unlink(path("pw")), 0);
	}
	/* Not secret: 0644 is fine. */
	assert_int_equal(safeio_replace(path("pub"), "a", 1, 0644, why), PC_OK);
	assert_int_equal(safeio_read_file(path("pub"), 1024, 0, out, why),
	    PC_OK);
	strbuf_free(out);
}

/* test_read_max - files over the limit are refused */

static void
test_read_max(void **state)
{
	struct strbuf *out = strbuf_alloc(100);
	char    data[200];

	memset(data, 'x', sizeof(data));
	assert_int_equal(safeio_replace(path("f"), data, 100, 0600, why),
	    PC_OK);
	assert_int_equal(safeio_read_file(path("f"), 100, 0, out, why), PC_OK);
	assert_int_equal(strbuf_len(out), 100);
	assert_int_equal(safeio_read_file(path("f"), 99, 0, out, why),
	    PC_PERM);
	assert_int_equal(safeio_replace(path("f"), data, 101, 0600, why),
	    PC_OK);
	/* max larger than the strbuf: the strbuf's limit still holds. */
	assert_int_equal(safeio_read_file(path("f"), 1000, 0, out, why),
	    PC_PERM);
	assert_int_equal(safeio_read_file(path("nope"), 1000, 0, out, why),
	    PC_TEMP);
	strbuf_free(out);
}

/* test_write_all - pipes and bad descriptors */

static void
test_write_all(void **state)
{
	char    buf[16];
	int     fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(safeio_write_all(fds[1], "hello", 5), 0);
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 5);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(safeio_write_all(-1, "x", 1), -1);
	assert_int_equal(safeio_fsync_dir(dir, why), PC_OK);
	assert_int_equal(safeio_fsync_dir(path("nodir"), why), PC_TEMP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_fail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace_owned, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace_killed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all, setup, teardown),
	};

	return (cmocka_run_group_tests_name("safeio", tests, NULL, NULL));
}
