/*
 * NAME
 *	base64 - value of a base64 digit
 * SYNOPSIS
 *	#include "base64.h"
 *
 *	int base64_val(unsigned char c);
 * DESCRIPTION
 *	base64_val() maps a character of the RFC 4648 section 4 alphabet
 *	to its 6-bit value and anything else, '=' included, to -1.  It is
 *	the one place that knows the alphabet's order for decoding: the
 *	strict SASL decoder (fetcher/xsasl.c) and the RFC 2047 "B"
 *	encoded-word decoder (lib/addr.c) both call it and handle padding
 *	themselves.
 * DIAGNOSTICS
 *	-1 for a character outside the alphabet; never fails otherwise.
 * SECURITY
 *	Any octet is accepted as input; the result is -1 or 0..63, so
 *	it can index a 64-entry table once checked for -1.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include "base64.h"

/* base64_val - value of a base64 character, or -1 */

int
base64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}
