/*
 * NAME
 *	fetchmailrc_int.h - what the files of the .fetchmailrc reader share
 * SYNOPSIS
 *	#include "fetchmailrc_int.h"
 *
 *	lib/fetchmailrc_lex.c:
 *	int fetchmailrc_lex(struct fm *p, struct fm_tok *t);
 *	int fetchmailrc_error(struct fm *p, int line, const char *fmt, ...);
 *	char *fetchmailrc_vstrf(const char *fmt, va_list ap);	caller frees
 *
 *	lib/fetchmailrc.c:
 *	int fetchmailrc_push(struct fm *p, struct fm_items *l, int line,
 *		int box, char *note);		takes note
 *	void fetchmailrc_append(struct fm_items *dst, struct fm_items *src,
 *		int box);
 *	void fetchmailrc_clear(struct fm_items *l);
 *
 *	lib/fetchmailrc_map.c:
 *	int fetchmailrc_record(struct fm *p);
 * DESCRIPTION
 *	The reader is three files: the tokenizer (fetchmailrc_lex.c), the
 *	grammar (fetchmailrc.c, with the public interface) and the mapping
 *	of one fetchmail user entry to a popconn mailbox
 *	(fetchmailrc_map.c).  They share the parser state below.  Nothing
 *	here is for other modules; see include/fetchmailrc.h.
 *
 *	fetchmailrc_lex() reads the next token into t; fetchmailrc_error()
 *	puts "FILE, line N: reason" into p->why and returns PC_PERM;
 *	fetchmailrc_vstrf() formats a message of at most FM_MSG_MAX - 1
 *	bytes (a longer one ends in "...").
 *	fetchmailrc_push() appends an item to a pending list, refusing one
 *	past FETCHMAILRC_ITEM_MAX; fetchmailrc_append() moves a list's
 *	items to another, setting their box; fetchmailrc_clear() drops a
 *	list's items.  fetchmailrc_record() turns the entry in p->srv and
 *	p->usr into a box of p->r, with its notes.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef FETCHMAILRC_INT_H
#define FETCHMAILRC_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "fetchmailrc.h"
#include "popconn.h"
#include "strbuf.h"

#define FM_NAMES_MAX	100		/* local names of one entry */
#define FM_MSG_MAX	1024		/* one note or reason */
#define FM_SHOW_MAX	72		/* a word quoted in a message */
#define FM_KW_MAX	128		/* keywords fetchmail has */
#define FM_PORT_POP3	110		/* RFC 1939 */
#define FM_PORT_POP3S	995		/* RFC 8314 */

/* Token types. */
#define T_EOF		0
#define T_WORD		1		/* bare word */
#define T_STRING	2		/* quoted string */
#define T_MAP		3		/* '=' */
#define T_STAR		4		/* bare '*' */

struct fm_tok {
	int	type;
	int	line;
	size_t	len;
	char	text[FETCHMAILRC_TOKEN_MAX + 1];
};

/* Protocols: popconn fetches POP3 only. */
#define P_AUTO	0
#define P_POP3	1
#define P_APOP	2
#define P_OTHER	3

/* Server options of a poll statement (or of defaults). */
struct fm_server {
	char	*poll;
	int	line;
	int	skip;
	char	*via;
	int	proto;			/* P_* */
	const char *proto_name;
	int	proto_line;		/* 0: not given */
	int	port;			/* 0: the default */
	const char *port_why;		/* a port that cannot be used */
	const char *auth_word;		/* auth as written ("any") */
	const char *auth_mech;		/* popconn's: "" auto, NULL none */
	const char *auth_why;		/* why there is none */
	int	auth_line;
	long	timeout;		/* -1: not given */
	int	timeout_line;
};

/* User options of one user entry (or of defaults). */
struct fm_user {
	int	line;
	char	*remote;
	char	*password;
	int	password_line;
	char	**local;
	size_t	nlocal;
	int	star;
	int	maps;
	int	ssl;			/* -1: not given */
	int	keep;
	int	keep_line;
	int	limitflush;
	long long limit;		/* -1: not given */
	int	limit_line;
	char	*certfile;
	int	certfile_line;
	char	*certpath;
	int	certpath_line;
};

/* A list of items waiting for the end of their user entry or poll. */
struct fm_items {
	struct fetchmailrc_item *v;
	size_t	n;
	size_t	cap;
};

/* A mailbox name and the next suffix to try for it. */
struct fm_base {
	char	name[PC_NAME_MAX + 1];
	int	next;
};

/* Parser state. */
struct fm {
	const char *file;
	const char *data;
	size_t	len;
	size_t	pos;
	int	line;
	const struct fetchmailrc_env *env;
	struct fetchmailrc *r;
	struct strbuf *why;
	struct fm_tok *toks;		/* both token buffers */
	struct fm_tok *tok;		/* the current token */
	struct fm_tok *la;		/* the lookahead, if have_la */
	int	have_la;
	int	in_defaults;
	int	in_user;		/* usr holds an open entry */
	int	implicit;		/* ... begun without "user" */
	int	users;			/* entries of this poll so far */
	int	poll_ok;		/* importable ones */
	struct fm_server tsrv;		/* from defaults */
	struct fm_user tusr;
	struct fm_server srv;		/* the poll being read */
	struct fm_user usr;		/* the entry being read */
	struct fm_items srv_notes;	/* of the poll */
	struct fm_items poll_items;	/* its boxes and their notes */
	struct fm_items usr_notes;	/* of the entry */
	struct fm_base *base;		/* mailbox names given so far */
	size_t	nbase;
	unsigned char noted_set[FM_KW_MAX];
	unsigned char noted_srv[FM_KW_MAX];
	unsigned char noted_usr[FM_KW_MAX];
};

int	fetchmailrc_lex(struct fm *p, struct fm_tok *t);
int	fetchmailrc_error(struct fm *p, int line, const char *fmt, ...)
	    PC_PRINTF(3, 4);
char	*fetchmailrc_vstrf(const char *fmt, va_list ap) PC_PRINTF(1, 0);
int	fetchmailrc_push(struct fm *p, struct fm_items *l, int line, int box,
	    char *note);
void	fetchmailrc_append(struct fm_items *dst, struct fm_items *src,
	    int box);
void	fetchmailrc_clear(struct fm_items *l);
int	fetchmailrc_record(struct fm *p);

#endif
