/*
 * NAME
 *	addr.h - RFC 5322 address lists
 * SYNOPSIS
 *	int addr_parse(const char *text, size_t len, size_t max_addrs,
 *		struct addr_list *out, struct strbuf *why);
 *	void addr_list_free(struct addr_list *l);
 *	size_t addr_split(const char *addr, const char **at);
 *	size_t addr_tok822_count(const char *text, size_t len, size_t limit);
 *	const char *addr_tok822_next(const char *p, const char *end,
 *		const char **start, int *type);
 * DESCRIPTION
 *	addr_parse() parses the value of an address header (To, Cc,
 *	Resent-To, Delivered-To, ...; RFC 5322 section 3.4 with the
 *	obsolete syntax of section 4.4: obs-route, obs-local-part, CFWS
 *	between dots, empty list elements) and appends one entry per
 *	mailbox to out, in order.  Groups ("name: a@b, c@d;") yield their
 *	members; an empty group ("undisclosed-recipients:;") yields none.
 *	Comments are dropped, wherever they are: "(user@corp)" is never
 *	an address.  Each entry holds the normalized addr-spec
 *	("local@domain": the local part as written, unquoted when the
 *	quoted content is a dot-atom, else quoted with minimal escapes; the
 *	domain in lower case) and the display name, with RFC 2047 encoded
 *	words decoded (section 5(3): in a phrase only; an encoded word in a
 *	local part or a quoted string stays as it is).  Local parts may
 *	hold UTF-8 (RFC 6532); invalid UTF-8 makes an element invalid.
 *
 *	A list element that does not parse (an unbalanced bracket, a bare
 *	local part without '@', a NUL or other control byte) is skipped:
 *	the parser resynchronizes at the next top-level ',' or ';' and
 *	counts it in out->bad.
 *
 *	addr_split() returns the length of the local part of a normalized
 *	address and points *at to its '@' (or NULL).
 *
 *	addr_tok822_count() counts the tokens of an address header the way
 *	Postfix's tok822_scan() does (header_address_token_limit): comments,
 *	quoted strings and domain literals are one token each, and so is each
 *	of the operators "|%!()<>@,;:\\\".[]"; it stops counting at limit
 *	(0: no limit).  A count at the limit means Postfix may have cut the
 *	header there.  addr_tok822_next() is its tokenizer (one token at a
 *	time; see addr.c), which route test's emulation of cleanup shares.
 *
 *	Ownership: entries belong to out; addr_list_free() frees them and
 *	leaves an empty list (the struct itself is the caller's).
 * DIAGNOSTICS
 *	PC_OK; PC_PERM when text is longer than ADDR_TEXT_MAX or holds more
 *	than max_addrs mailboxes (the entries found so far stay in out).
 * SECURITY
 *	text is untrusted (message headers): every length is bounded,
 *	nesting of comments is limited to ADDR_NEST_MAX, and the parser
 *	never recurses on input.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stddef.h>
#include "strbuf.h"

#define ADDR_TEXT_MAX	(256 * 1024)	/* one header value */
#define ADDR_SPEC_MAX	512		/* one normalized addr-spec */
#define ADDR_NAME_MAX	512		/* one decoded display name */
#define ADDR_NEST_MAX	32		/* nested comments */

struct addr {
	char	*addr;		/* normalized addr-spec */
	char	*name;		/* display name ("" when none) */
	int	routed;		/* it had an obs-route ("<@a:u@d>") */
};

struct addr_list {
	struct addr *v;
	size_t	n;
	size_t	cap;
	size_t	bad;		/* elements skipped as invalid */
};

int addr_parse(const char *text, size_t len, size_t max_addrs,
    struct addr_list *out, struct strbuf *why);
void addr_list_free(struct addr_list *l);
size_t addr_split(const char *addr, const char **at);
size_t addr_tok822_count(const char *text, size_t len, size_t limit);
const char *addr_tok822_next(const char *p, const char *end,
    const char **start, int *type);

#endif
