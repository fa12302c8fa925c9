/*
 * test_marker - the signed global-mailbox marker: round trip, tampering
 * with every field, age limits, malformed values, the key file's mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "strbuf.h"
#include "marker.h"

static const unsigned char key[MARKER_KEY_LEN] = "0123456789abcdef0123456789abcde";
static const unsigned char key2[MARKER_KEY_LEN] = "x123456789abcdef0123456789abcde";

static void
test_round_trip(void **state)
{
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;

	(void)state;
	assert_int_equal(marker_make(key, "catchall", 1, 1000000, v), PC_OK);
	assert_int_equal(marker_verify(key, strbuf_str(v), 1000010, 3600, &m,
	    why), PC_OK);
	assert_string_equal(m.mailbox, "catchall");
	assert_int_equal(m.trust_env, 1);
	assert_int_equal(m.t, 1000000);
	/* another key */
	assert_int_equal(marker_verify(key2, strbuf_str(v), 1000010, 3600, &m,
	    why), PC_PERM);
	/* stale, and from the future */
	assert_int_equal(marker_verify(key, strbuf_str(v), 1003601, 3600, &m,
	    why), PC_PERM);
	assert_int_equal(marker_verify(key, strbuf_str(v), 1000000 - 301, 3600,
	    &m, why), PC_PERM);
	assert_int_equal(marker_make(key, "bad name", 0, 1, v), PC_PERM);
	strbuf_free(v);
	strbuf_free(why);
}

static void
test_tamper(void **state)
{
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;
	char	buf[MARKER_VALUE_MAX + 1];
	size_t	i, len;

	(void)state;
	assert_int_equal(marker_make(key, "dom", 0, 5000, v), PC_OK);
	len = strbuf_len(v);
	/* Changing any one character must break it (or leave it equal). */
	for (i = 0; i < len; i++) {
		memcpy(buf, strbuf_str(v), len + 1);
		buf[i] = buf[i] == '1' ? '0' : '1';
		if (strcmp(buf, strbuf_str(v)) == 0)
			continue;
		assert_int_not_equal(marker_verify(key, buf, 5000, 3600, &m,
		    why), PC_OK);
	}
	strbuf_free(v);
	strbuf_free(why);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"v=1",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=0; mac=",
		"v=1; mb=; t=1; n=0123456789abcdef; env=0; mac=00",
		"v=1; mb=a b; t=1; n=0123456789abcdef; env=0; mac=00",
		"v=1; t=1; mb=a; n=0123456789abcdef; env=0; mac=00",
		"v=1; mb=a; t=-1; n=0123456789abcdef; env=0; mac=00",
		"v=1; mb=a; t=1; n=0123456789abcdeg; env=0; mac=00",
		"v=1; mb=a; t=1; n=0123456789abcdef; env=2; mac=00",
		"v=1; mb=a; t=9999999999999; n=0123456789abcdef; env=0; mac=00",
		"v=1; mb=a; t=1; n=0123456789abcdef; env=0; mac=00; x=1",
	};
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;
	char	big[2000];
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(bad); i++)
		assert_int_equal(marker_verify(key, bad[i], 1, 3600, &m, why),
		    PC_PERM);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(marker_verify(key, big, 1, 3600, &m, why), PC_PERM);
	strbuf_free(why);
}

static void
test_key_file(void **state)
{
	char	dir[] = "/tmp/test_marker.XXXXXX", path[64];
	unsigned char k[MARKER_KEY_LEN];
	struct strbuf *why = strbuf_alloc(256);
	FILE   *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/key", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(marker_load_key(path, k, why), PC_OK);
	assert_int_equal(k[0], 0);
	assert_int_equal(k[31], 0x1f);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(marker_load_key(path, k, why), PC_PERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_non_null(fp = fopen(path, "w"));
	fputs("0001zz\n", fp);
	fclose(fp);
	assert_int_equal(marker_load_key(path, k, why), PC_PERM);
	unlink(path);
	rmdir(dir);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_key_file),
	};

	return (cmocka_run_group_tests_name("marker", tests, NULL, NULL));
}
