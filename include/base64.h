/*
 * NAME
 *	base64.h - the base64 alphabet, shared by every decoder
 * SYNOPSIS
 *	int base64_val(unsigned char c);
 * DESCRIPTION
 *	base64_val() returns the 6-bit value (0..63) of a character of the
 *	base64 alphabet, RFC 4648 section 4 (also RFC 2045 section 6.8
 *	and RFC 2047 section 4.1): 'A'-'Z', 'a'-'z', '0'-'9', '+', '/'.
 *	Any other octet, the pad character '=' included, gives -1: padding,
 *	white space and the base64url alphabet are the caller's business.
 * DIAGNOSTICS
 *	-1 for a character outside the alphabet.
 */
#ifndef BASE64_H
#define BASE64_H

int base64_val(unsigned char c);

#endif
