/*
 * NAME
 *	hex - hexadecimal digits
 * SYNOPSIS
 *	#include "hex.h"
 * DESCRIPTION
 *	See hex.h.  (The URL, RFC 2047, marker-key and SASL code each had a
 *	copy; issue 16.)
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include "hex.h"

/* hex_digit - value of one hex digit, or -1 */

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* hex_encode - n octets as 2n lowercase hex digits */

void
hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t	i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}
