/*
 * NAME
 *	hex.h - hexadecimal digits, one way for the whole tree
 * SYNOPSIS
 *	int hex_digit(int c);
 *	void hex_encode(char *out, const unsigned char *in, size_t n);
 * DESCRIPTION
 *	hex_digit() is the value of one hex digit (either case), or -1.
 *	hex_encode() writes n octets as 2n lowercase hex digits and a NUL
 *	into out (2n + 1 bytes).
 */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>

int hex_digit(int c);
void hex_encode(char *out, const unsigned char *in, size_t n);

#endif
