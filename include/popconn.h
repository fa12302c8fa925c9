/*
 * NAME
 *	popconn.h - definitions every popconn program shares
 * DESCRIPTION
 *	Status codes (PC_OK, PC_TEMP, PC_PERM), version, attributes and
 *	compile-time limits.  Every limit on outside input lives here or in
 *	a configuration parameter, never in a bare number in the code.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef POPCONN_H
#define POPCONN_H

#include <stddef.h>

#define POPCONN_VERSION		"0.1.0"

/* Status of an operation; the reason goes into the caller's strbuf. */
#define PC_OK		0	/* done */
#define PC_TEMP		(-1)	/* failed, try again later */
#define PC_PERM		(-2)	/* failed, trying again will not help */

/* Hard limits on outside input (RFC 2449 allows 512 octets per reply). */
#define PC_LINE_MAX		1024	/* POP3 status and UIDL/LIST lines */
#define PC_UID_MAX		70	/* RFC 1939 section 7: 1..70 chars */
#define PC_CFG_LINE_MAX		(64 * 1024)	/* logical config line */
#define PC_NAME_MAX		64	/* mailbox name */

#if defined(__GNUC__) || defined(__clang__)
#define PC_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define PC_NORETURN	__attribute__((noreturn))
#define PC_UNUSED	__attribute__((unused))
#else
#define PC_PRINTF(f, a)
#define PC_NORETURN
#define PC_UNUSED
#endif

#define PC_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#endif
