/*
 * NAME
 *	test_base64 - unit tests for lib/base64.c
 * DESCRIPTION
 *	base64_val() against a table of edge characters (the ends of each
 *	range, '=', the base64url digits, NUL, 8-bit octets), then every
 *	octet against the RFC 4648 alphabet string: each of the 64 values
 *	comes from exactly one character.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "popconn.h"
#include "base64.h"
#include "hex.h"

/* RFC 4648 section 4, Table 1: the character at index v has value v. */
static const char alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* test_edges - range ends and characters that must be refused */

static void
test_edges(void **state)
{
	static const struct {
		unsigned char c;
		int	val;
	} cases[] = {
		{'A', 0}, {'Z', 25}, {'a', 26}, {'z', 51},
		{'0', 52}, {'9', 61}, {'+', 62}, {'/', 63},
		{'=', -1},		/* padding is the caller's */
		{'-', -1}, {'_', -1},	/* base64url, RFC 4648 section 5 */
		{0, -1}, {' ', -1}, {'\n', -1}, {'.', -1},
		{'@', -1}, {'[', -1}, {'`', -1}, {'{', -1},
		{0x7f, -1}, {0x80, -1}, {0xc1, -1}, {0xff, -1},
	};
	size_t	i;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++)
		assert_int_equal(base64_val(cases[i].c), cases[i].val);
}

/* test_every_octet - all 256 octets against the alphabet */

static void
test_every_octet(void **state)
{
	int	seen[64];
	const char *p;
	int	c;
	int	v;

	memset(seen, 0, sizeof(seen));
	for (c = 0; c < 256; c++) {
		v = base64_val((unsigned char) c);
		p = c != 0 ? strchr(alphabet, c) : NULL;
		if (p == NULL) {
			assert_int_equal(v, -1);
			continue;
		}
		assert_int_equal(v, (int) (p - alphabet));
		seen[v]++;
	}
	for (v = 0; v < 64; v++)
		assert_int_equal(seen[v], 1);
}

/* the one hex helper (lib/hex.c) */
static void
test_hex(void **state)
{
	const unsigned char in[] = {0x00, 0x7f, 0xab, 0xff};
	char	out[9];
	int	c;

	(void)state;
	hex_encode(out, in, sizeof(in));
	assert_string_equal(out, "007fabff");
	for (c = 0; c < 256; c++) {
		int	v = hex_digit(c);

		if (c >= '0' && c <= '9')
			assert_int_equal(v, c - '0');
		else if (c >= 'a' && c <= 'f')
			assert_int_equal(v, c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			assert_int_equal(v, c - 'A' + 10);
		else
			assert_int_equal(v, -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_every_octet),
	};

	return (cmocka_run_group_tests_name("base64", tests, NULL, NULL));
}
