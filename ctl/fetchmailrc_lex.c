/*
 * NAME
 *	fetchmailrc_lex - the tokenizer of the .fetchmailrc reader
 * SYNOPSIS
 *	#include "fetchmailrc_int.h"
 *
 *	int fetchmailrc_lex(struct fm *p, struct fm_tok *t);
 *	int fetchmailrc_error(struct fm *p, int line, const char *fmt, ...);
 *	char *fetchmailrc_vstrf(const char *fmt, va_list ap);	caller frees
 * DESCRIPTION
 *	fetchmailrc_lex() reads the next token of p->data from p->pos into
 *	t, as fetchmail's own lexer (rcfile_l.l) splits a file: white space
 *	and the punctuation ',' ':' ';' separate words; '#' at the start
 *	of a word starts a comment that runs to the end of the line; a
 *	backslash before a line end joins the lines.  A token is '=', a
 *	bare '*', a string quoted with '"' or '\'' (which may span lines),
 *	or a bare word, which ends at white space, '=', ',', ':' or ';'.
 *
 *	Escapes, in bare words and quoted strings, are read as fetchmail's
 *	escapes() reads them: \n \t \r \b \\, \x and up to two hex digits,
 *	\0 and up to two more octal digits, \1..\9 and up to two more
 *	decimal digits (fetchmail's reading), a backslash before a line end
 *	is dropped (and so is one before a separator in a bare word), and
 *	any other escaped character stands for itself.  An escaped quote
 *	is part of a quoted string, as its writer meant; fetchmail 6.4
 *	reads such a word otherwise (after pass, user or is it keeps the
 *	outer quotes, elsewhere the string ends at the escaped quote), so a
 *	password holding one may differ from what fetchmail sent.  t->line
 *	is the line the token starts on; p->line counts every line end.
 *
 *	fetchmailrc_error() puts "FILE, line N: reason" into p->why;
 *	fetchmailrc_vstrf() formats a note or reason, bounded (FM_MSG_MAX).
 * DIAGNOSTICS
 *	PC_OK (t->type T_EOF at the end); PC_PERM with the reason in p->why
 *	for a NUL byte (in the file or from an escape), an escape over 255,
 *	a word or string longer than FETCHMAILRC_TOKEN_MAX bytes, or an
 *	unterminated string (with the line it starts on).
 * SECURITY
 *	The input is untrusted.  Every read is checked against p->len, a
 *	token never grows past its buffer, and the buffer is wiped before
 *	each token (it may have held a password).  No message quotes the
 *	text of a token.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fetchmailrc_int.h"
#include "popconn.h"
#include "strbuf.h"

/* fetchmailrc_error - a syntax error at line; always PC_PERM */

int
fetchmailrc_error(struct fm *p, int line, const char *fmt, ...)
{
	va_list	ap;
	char   *msg;

	va_start(ap, fmt);
	msg = fetchmailrc_vstrf(fmt, ap);
	va_end(ap);
	strbuf_reset(p->why);
	if (strbuf_printf(p->why, "%s, line %d: %s", p->file, line, msg) < 0)
		(void)strbuf_printf(p->why, "%s, line %d: syntax error",
		    p->file, line);
	free(msg);
	return (PC_PERM);
}

/* fetchmailrc_vstrf - a message; caller frees (a long one ends in "...") */

char *
fetchmailrc_vstrf(const char *fmt, va_list ap)
{
	char	buf[FM_MSG_MAX];
	int	n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		buf[0] = 0;
	else if ((size_t)n >= sizeof(buf))
		memcpy(buf + sizeof(buf) - 4, "...", 4);
	return (xstrdup(buf));
}

/* fm_getc - the byte at pos + off, or -1 at the end */

static int
fm_getc(const struct fm *p, size_t off)
{
	return (p->pos + off < p->len ?
	    (unsigned char)p->data[p->pos + off] : -1);
}

/* fm_is_sep - does c end a bare word? */

static int
fm_is_sep(int c)
{
	return (c < 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '=' || c == ';' || c == ':' || c == ',');
}

/* fm_put - append a byte to the token; refuse an over-long one */

static int
fm_put(struct fm *p, struct fm_tok *t, int c)
{
	if (c == 0)
		return (fetchmailrc_error(p, p->line, "NUL byte (from an "
		    "escape) in a word or string"));
	if (t->len >= FETCHMAILRC_TOKEN_MAX)
		return (fetchmailrc_error(p, t->line, "word or string longer "
		    "than %d bytes", FETCHMAILRC_TOKEN_MAX));
	t->text[t->len++] = (char)c;
	t->text[t->len] = 0;
	return (PC_OK);
}

/* fm_digits - value of up to max digits in base at pos; advances */

static int
fm_digits(struct fm *p, int base, int max, int *val)
{
	static const char hex[] = "0123456789abcdef";
	const char *d;
	int	c, n = 0;

	*val = 0;
	while (n < max && (c = fm_getc(p, 0)) > 0 &&
	    (d = strchr(hex, c >= 'A' && c <= 'F' ? c + 32 : c)) != NULL &&
	    d - hex < base) {
		*val = *val * base + (int)(d - hex);
		p->pos++;
		n++;
	}
	return (n);
}

/*
 * fm_escape - the escape after a backslash at pos (fetchmail's escapes()):
 * append the byte it stands for (nothing for a joined line end).
 */

static int
fm_escape(struct fm *p, struct fm_tok *t)
{
	int	e = fm_getc(p, 0), val;

	if (e == 'x' || e == 'X') {
		p->pos++;
		(void)fm_digits(p, 16, 2, &val);
	} else if (e == '0') {
		(void)fm_digits(p, 8, 3, &val);
	} else if (e >= '1' && e <= '9') {
		(void)fm_digits(p, 10, 3, &val);
		if (val > 255)
			return (fetchmailrc_error(p, p->line, "escape \\%d: "
			    "more than 255", val));
	} else {
		p->pos++;
		switch (e) {
		case '\n':
			p->line++;
			val = -1;
			break;
		case 'n':
			val = '\n';
			break;
		case 't':
			val = '\t';
			break;
		case 'r':
			val = '\r';
			break;
		case 'b':
			val = '\b';
			break;
		default:
			val = e;	/* \\ \" \' and anything else */
			break;
		}
	}
	return (val < 0 ? PC_OK : fm_put(p, t, val));
}

/* fm_quoted - a string in quotes q, starting after the quote */

static int
fm_quoted(struct fm *p, struct fm_tok *t, int q)
{
	int	c;

	t->type = T_STRING;
	for (;;) {
		if ((c = fm_getc(p, 0)) < 0)
			return (fetchmailrc_error(p, t->line, "unterminated "
			    "string (it starts here)"));
		p->pos++;
		if (c == q)
			return (PC_OK);
		if (c == 0)
			return (fetchmailrc_error(p, p->line, "NUL byte"));
		if (c == '\n')
			p->line++;
		if (c == '\\' && fm_getc(p, 0) < 0)
			return (fetchmailrc_error(p, t->line, "unterminated "
			    "string (it starts here)"));
		if ((c == '\\' ? fm_escape(p, t) : fm_put(p, t, c)) != PC_OK)
			return (PC_PERM);
	}
}

/* fm_bare - a bare word */

static int
fm_bare(struct fm *p, struct fm_tok *t)
{
	int	c;

	t->type = T_WORD;
	while (!fm_is_sep(c = fm_getc(p, 0))) {
		if (c == 0)
			return (fetchmailrc_error(p, p->line, "NUL byte"));
		p->pos++;
		if (c == '\\' && fm_is_sep(fm_getc(p, 0)))
			continue;	/* dropped before a separator */
		if ((c == '\\' ? fm_escape(p, t) : fm_put(p, t, c)) != PC_OK)
			return (PC_PERM);
	}
	if (t->len == 1 && t->text[0] == '*')
		t->type = T_STAR;
	return (PC_OK);
}

/* fetchmailrc_lex - the next token from the input */

int
fetchmailrc_lex(struct fm *p, struct fm_tok *t)
{
	int	c;

	explicit_bzero(t->text, t->len + 1);
	t->len = 0;
	t->text[0] = 0;
	for (;;) {
		c = fm_getc(p, 0);
		if (c == '\n') {
			p->line++;
			p->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == ',' ||
		    c == ';' || c == ':') {
			p->pos++;
		} else if (c == '#') {
			while ((c = fm_getc(p, 0)) >= 0 && c != '\n') {
				if (c == 0)
					return (fetchmailrc_error(p, p->line,
					    "NUL byte"));
				p->pos++;
			}
		} else if (c == '\\' && (fm_getc(p, 1) == '\n' ||
		    (fm_getc(p, 1) == '\r' && fm_getc(p, 2) == '\n'))) {
			p->pos++;	/* the line end comes next */
		} else if (c == 0) {
			return (fetchmailrc_error(p, p->line, "NUL byte"));
		} else {
			break;
		}
	}
	t->line = p->line;
	if (c < 0) {
		t->type = T_EOF;
		return (PC_OK);
	}
	if (c == '=') {
		p->pos++;
		t->type = T_MAP;
		return (fm_put(p, t, '='));
	}
	if (c == '"' || c == '\'') {
		p->pos++;
		return (fm_quoted(p, t, c));
	}
	return (fm_bare(p, t));
}
