/*
 * NAME
 *	test_strbuf - unit tests for lib/strbuf.c and lib/alloc.c
 * DESCRIPTION
 *	Growth, the hard maximum (nothing is ever truncated), NUL bytes,
 *	printf/appendf, truncate and wipe; pc_strlcpy/pc_strlcat.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "strbuf.h"

/* test_append_max - appends stop at max and store nothing */

static void
test_append_max(void **state)
{
	struct strbuf *sb = strbuf_alloc(10);

	assert_int_equal(strbuf_puts(sb, "hello"), 0);
	assert_int_equal(strbuf_puts(sb, "world"), 0);
	assert_string_equal(strbuf_str(sb), "helloworld");
	assert_int_equal(strbuf_putc(sb, 'x'), -1);
	assert_int_equal(strbuf_puts(sb, "abc"), -1);
	assert_int_equal(strbuf_len(sb), 10);
	assert_string_equal(strbuf_str(sb), "helloworld");
	strbuf_reset(sb);
	assert_int_equal(strbuf_len(sb), 0);
	assert_string_equal(strbuf_str(sb), "");
	assert_int_equal(strbuf_append(sb, "12345678901", 11), -1);
	assert_int_equal(strbuf_len(sb), 0);
	strbuf_free(sb);
}

/* test_grow - many small appends grow the buffer */

static void
test_grow(void **state)
{
	struct strbuf *sb = strbuf_alloc(100000);
	size_t  i;

	for (i = 0; i < 100000; i++)
		assert_int_equal(strbuf_putc(sb, 'a' + (int) (i % 26)), 0);
	assert_int_equal(strbuf_putc(sb, 'z'), -1);
	assert_int_equal(strbuf_len(sb), 100000);
	assert_int_equal(strlen(strbuf_str(sb)), 100000);
	assert_int_equal(strbuf_str(sb)[99999], 'a' + 99999 % 26);
	strbuf_free(sb);
}

/* test_nul - NUL bytes are kept and counted */

static void
test_nul(void **state)
{
	struct strbuf *sb = strbuf_alloc(16);

	assert_int_equal(strbuf_append(sb, "a\0b", 3), 0);
	assert_int_equal(strbuf_len(sb), 3);
	assert_memory_equal(strbuf_str(sb), "a\0b", 4);
	strbuf_free(sb);
}

/* test_printf - replace and append formatted text */

static void
test_printf(void **state)
{
	struct strbuf *sb = strbuf_alloc(12);

	assert_int_equal(strbuf_printf(sb, "%d-%s", 42, "x"), 0);
	assert_string_equal(strbuf_str(sb), "42-x");
	assert_int_equal(strbuf_appendf(sb, "/%03d", 7), 0);
	assert_string_equal(strbuf_str(sb), "42-x/007");
	/* Too long: the old contents stay. */
	assert_int_equal(strbuf_appendf(sb, "%s", "abcde"), -1);
	assert_string_equal(strbuf_str(sb), "42-x/007");
	assert_int_equal(strbuf_printf(sb, "%s", "0123456789abc"), -1);
	assert_string_equal(strbuf_str(sb), "42-x/007");
	assert_int_equal(strbuf_printf(sb, "%s", "0123456789ab"), 0);
	assert_int_equal(strbuf_len(sb), 12);
	assert_int_equal(strbuf_printf(sb, "%s", ""), 0);
	assert_int_equal(strbuf_len(sb), 0);
	strbuf_free(sb);
}

/* test_truncate_wipe - shorten and zero */

static void
test_truncate_wipe(void **state)
{
	struct strbuf *sb = strbuf_alloc(64);
	size_t  i;

	assert_int_equal(strbuf_puts(sb, "secret-password"), 0);
	strbuf_truncate(sb, 6);
	assert_string_equal(strbuf_str(sb), "secret");
	strbuf_truncate(sb, 100);
	assert_string_equal(strbuf_str(sb), "secret");
	assert_int_equal(strbuf_puts(sb, "-password"), 0);
	strbuf_wipe(sb);
	assert_int_equal(strbuf_len(sb), 0);
	for (i = 0; i < sb->size; i++)
		assert_int_equal(sb->data[i], 0);
	assert_null(strbuf_free(sb));
	assert_null(strbuf_free(NULL));
}

/* test_max_one - the smallest buffer */

static void
test_max_one(void **state)
{
	struct strbuf *sb = strbuf_alloc(1);

	assert_int_equal(strbuf_putc(sb, 'x'), 0);
	assert_int_equal(strbuf_putc(sb, 'y'), -1);
	assert_string_equal(strbuf_str(sb), "x");
	strbuf_free(sb);
}

/* test_strlcpy - OpenBSD semantics and truncation detection */

static void
test_strlcpy(void **state)
{
	char    buf[8];

	assert_int_equal(pc_strlcpy(buf, "abc", sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(pc_strlcpy(buf, "abcdefghij", sizeof(buf)), 10);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(pc_strlcpy(buf, "zz", 0), 2);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(pc_strlcpy(buf, "ab", sizeof(buf)), 2);
	assert_int_equal(pc_strlcat(buf, "cd", sizeof(buf)), 4);
	assert_string_equal(buf, "abcd");
	assert_int_equal(pc_strlcat(buf, "efghij", sizeof(buf)), 10);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(pc_strlcat(buf, "x", 3), 4);	/* dst fills size */
}

/* test_xstrndup - bounded copy */

static void
test_xstrndup(void **state)
{
	char   *p = xstrndup("abcdef", 3);

	assert_string_equal(p, "abc");
	xfree_secret(p);
	p = xstrndup("ab", 10);
	assert_string_equal(p, "ab");
	xfree_secret(p);
	xfree_secret(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_max),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_truncate_wipe),
		cmocka_unit_test(test_max_one),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_xstrndup),
	};

	return (cmocka_run_group_tests_name("strbuf", tests, NULL, NULL));
}
