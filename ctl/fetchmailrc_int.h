/*
 * NAME
 *	fetchmailrc_int.h - what the files of the .fetchmailrc reader share
 * SYNOPSIS
 *	#include "fetchmailrc_int.h"
 *
 *	ctl/fetchmailrc_lex.c:
 *	int fetchmailrc_lex(struct fm *p, struct fm_tok *t);
 *	int fetchmailrc_error(struct fm *p, int line, const char *fmt, ...);
 *	char *fetchmailrc_vstrf(const char *fmt, va_list ap);	caller frees
 *
 *	ctl/fetchmailrc.c:
 *	int fetchmailrc_push(struct fm *p, struct fm_items *l, int line,
 *		int box, char *note);		takes note
 *	void fetchmailrc_append(struct fm_items *dst, struct fm_items *src,
 *		int box);
 *	void fetchmailrc_clear(struct fm_items *l);
 *
 *	ctl/fetchmailrc_map.c:
 *	int fetchmailrc_record(struct fm *p);
 *
 *	ctl/fetchmailrc_kw.c: the keyword table and the token helpers
 *	(fm_next(), fm_value() ...: the fm_ prefix is the reader's own);
 *	see there.
 * DESCRIPTION
 *	The reader is four files: the tokenizer (fetchmailrc_lex.c), the
 *	keywords (fetchmailrc_kw.c), the grammar (fetchmailrc.c, with the
 *	public interface) and the mapping
 *	of one fetchmail user entry to a popconn mailbox
 *	(fetchmailrc_map.c).  They share the parser state below.  Nothing
 *	here is for other modules; see ctl/fetchmailrc.h.
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

/* Keywords that need more than the table says. */
enum fm_id {
	K_GENERIC, K_SET, K_DEFAULTS, K_POLL, K_SKIP, K_NO, K_DAEMON,
	K_POSTMASTER, K_VIA, K_LOCALDOMAINS, K_PROTOCOL, K_SERVICE, K_PORT,
	K_INTERVAL, K_AUTH, K_TIMEOUT, K_ENVELOPE, K_BADHEADER, K_USER,
	K_PASS, K_IS, K_TO, K_HERE, K_THERE, K_KEEP, K_LIMITFLUSH, K_SSL,
	K_SSLCERTCK, K_SSLCERTFILE, K_SSLCERTPATH, K_LIMIT, K_SECRET,
};

/* Where a keyword may stand (a mask). */
#define S_STMT	1		/* starts a statement */
#define S_SET	2		/* after "set" */
#define S_SRV	4		/* server option */
#define S_USR	8		/* user option */
#define S_WORD	16		/* only inside another option */

/* What follows a keyword. */
enum fm_arg {
	A_NONE, A_STR, A_NUM, A_STRS, A_NUMS, A_SPECIAL,
};

struct fm_kw {
	const char *word;
	enum fm_id id;
	int	scope;
	enum fm_arg arg;
	int	neg;			/* may follow "no" */
	const char *note;		/* NULL: silently ignored */
};

#define N_SENDMAIL	"not applicable: popconn delivers through Postfix's " \
			"sendmail, and local delivery is Postfix's"
#define N_COMMAND	"not applicable: popconn connects by itself and " \
			"never runs a plugin, preconnect or postconnect command"
#define N_ROUTING	"for a global mailbox popconn-milter's routing " \
			"replaces it (routing_maps, trust_envelope_headers)"
#define N_FETCHMAIL	"ignored (fetchmail's own run-time setting)"

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

/* The keyword table and the token helpers (fetchmailrc_kw.c). */
extern const struct fm_kw fm_kws[];
int	fm_kw(const struct fm_tok *t);
int	fm_kw_neg(const struct fm_tok *t);
int	fm_is_noise(const struct fm_tok *t);
int	fm_is_value(const struct fm_tok *t);
const char *fm_show(const struct fm_tok *t, char *buf, size_t size);
int	fm_peek(struct fm *p, struct fm_tok **t);
int	fm_peek_sig(struct fm *p, struct fm_tok **t);
int	fm_next(struct fm *p, struct fm_tok **t);
int	fm_value(struct fm *p, const char *kw, struct fm_tok **t);
int	fm_name(struct fm *p, const char *kw, struct fm_tok **t);
int	fm_number(struct fm *p, const char *kw, long *val);
int	fm_protocol(struct fm *p, const char *kw);
int	fm_auth(struct fm *p, const char *kw);
int	fm_service(struct fm *p, const struct fm_tok *t);
int	fm_skip_args(struct fm *p, size_t k, int neg);

/* fetchmailrc_rec.c */
void	fm_server_free(struct fm_server *s);
void	fm_server_copy(struct fm_server *dst, const struct fm_server *src);
void	fm_locals_free(struct fm_user *u);
void	fm_user_free(struct fm_user *u);
void	fm_user_copy(struct fm_user *dst, const struct fm_user *src);
void	fm_set_str(char **field, const char *value);

#endif
