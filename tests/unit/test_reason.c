/*
 * NAME
 *	test_reason - unit tests for lib/reason.c
 * DESCRIPTION
 *	A reason that fits is stored whole; one over REASON_MAX or over
 *	what is left of why->max is cut and ends in "..." within the
 *	limit, and the cut is reported; append keeps the caller's prefix;
 *	a NULL why is accepted; a tiny why is filled without the mark.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "reason.h"
#include "strbuf.h"

/* test_fits - a short reason, whole, replacing what was there */

static void
test_fits(void **state)
{
	struct strbuf *why = strbuf_alloc(100);

	(void) strbuf_puts(why, "old text");
	assert_int_equal(reason_set(why, "bad %s at %d", "thing", 7), 0);
	assert_string_equal(strbuf_str(why), "bad thing at 7");
	strbuf_free(why);
}

/* test_cut_by_why - over why->max: cut to max, ends in "..." */

static void
test_cut_by_why(void **state)
{
	struct strbuf *why = strbuf_alloc(10);

	assert_int_equal(reason_set(why, "%s", "0123456789abcdef"), 1);
	assert_int_equal(strbuf_len(why), 10);
	assert_string_equal(strbuf_str(why), "0123456...");
	/* Exactly max: whole, not cut. */
	assert_int_equal(reason_set(why, "%s", "0123456789"), 0);
	assert_string_equal(strbuf_str(why), "0123456789");
	strbuf_free(why);
}

/* test_cut_by_max - over REASON_MAX: cut to REASON_MAX - 1 with "..." */

static void
test_cut_by_max(void **state)
{
	struct strbuf *why = strbuf_alloc(4 * REASON_MAX);
	char    big[2 * REASON_MAX];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(reason_set(why, "%s", big), 1);
	assert_int_equal(strbuf_len(why), REASON_MAX - 1);
	assert_string_equal(strbuf_str(why) + REASON_MAX - 4, "...");
	assert_int_equal(strbuf_str(why)[REASON_MAX - 5], 'x');
	strbuf_free(why);
}

/* test_append_prefix - append after the caller's prefix, cut at max */

static void
test_append_prefix(void **state)
{
	struct strbuf *why = strbuf_alloc(20);

	(void) strbuf_puts(why, "f, line 3: ");
	assert_int_equal(reason_append(why, "%s", "short"), 0);
	assert_string_equal(strbuf_str(why), "f, line 3: short");
	strbuf_reset(why);
	(void) strbuf_puts(why, "f, line 3: ");
	assert_int_equal(reason_append(why, "%s", "much too long"), 1);
	assert_string_equal(strbuf_str(why), "f, line 3: much t...");
	assert_int_equal(strbuf_len(why), 20);
	strbuf_free(why);
}

/* test_tiny_and_null - no room for the mark; NULL why */

static void
test_tiny_and_null(void **state)
{
	struct strbuf *why = strbuf_alloc(2);

	assert_int_equal(reason_set(why, "%s", "abcdef"), 1);
	assert_string_equal(strbuf_str(why), "ab");
	assert_int_equal(reason_set(NULL, "%s", "abcdef"), 0);
	assert_int_equal(reason_append(NULL, "%s", "abcdef"), 0);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_cut_by_why),
		cmocka_unit_test(test_cut_by_max),
		cmocka_unit_test(test_append_prefix),
		cmocka_unit_test(test_tiny_and_null),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
