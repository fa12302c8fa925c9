/*
 * NAME
 *	fetchmailrc - read a fetchmail run control file (.fetchmailrc)
 * SYNOPSIS
 *	#include "fetchmailrc.h"
 *
 *	int fetchmailrc_parse(const char *file, const char *data,
 *		size_t len, const struct fetchmailrc_env *env,
 *		struct fetchmailrc *r, struct strbuf *why);
 *					r: caller frees with fetchmailrc_free()
 *	void fetchmailrc_free(struct fetchmailrc *r);
 * DESCRIPTION
 *	fetchmailrc_parse() reads the text of a .fetchmailrc (fetchmail(1),
 *	"THE RUN CONTROL FILE") and turns each user entry of each poll
 *	statement into a popconn mailbox, or says why it cannot be one.
 *	It does no I/O: file only names the text in messages, and what it
 *	needs to know about the system comes from env (which may be NULL).
 *
 *	Tokens: white space and the punctuation ',' ':' ';' separate
 *	words; '#' at the start of a word starts a comment that runs to
 *	the end of the line; a backslash before a line end joins the lines.
 *	A string is a bare word or is quoted with '"' or '\''.  In both,
 *	escapes are read as fetchmail reads them: \n \t \r \b \\, \xNN
 *	(hex), \0NN (octal), \NNN (decimal, as fetchmail has it), a
 *	backslash before a line end is dropped, and any other escaped
 *	character stands for itself; a quote escaped with a backslash is
 *	part of a quoted string (fetchmail 6.4 reads such a word otherwise:
 *	see ctl/fetchmailrc_lex.c).  The noise words and, with,
 *	has, wants, options and using are ignored, except right after
 *	user, pass, is, to and '=', where any word is a name, as in
 *	fetchmail's lexer.  Keywords are lower case; protocol and
 *	authentication names may be in any case.
 *
 *	Statements: "set" (global options: daemon N becomes a note that
 *	suggests poll_interval, the rest notes or nothing), "defaults"
 *	(server and user options for the poll statements after it), "poll"
 *	or "server" HOST and "skip" HOST, each followed by server options
 *	and then user options.  A server option after the first user
 *	option is an error, as in fetchmail.  Each "user" starts a user
 *	entry; user options before any "user" form an entry of their own
 *	(a "user" after them is an error, as in fetchmail 6); a poll
 *	statement without any makes one entry from the defaults.  Every keyword fetchmail knows is accepted: the ones
 *	that map to popconn become mailbox settings, the ones that matter
 *	become notes, the rest are ignored; an unknown keyword is an
 *	error.
 *
 *	An entry becomes a mailbox when it is a POP3 (pop3, apop or auto)
 *	poll that is not "skip", authenticates with a mechanism popconn
 *	has, and names a remote user and a local one (env->default_local,
 *	the user who ran fetchmail, stands in for a missing "user" or
 *	"is", as fetchmail used the login name for both).  One local name makes a user mailbox delivering to it;
 *	"*", several names or a "remote = local" mapping make a global
 *	mailbox.  The URL is pop3s:// with "ssl", else pop3:// (STLS),
 *	with "via" as the host when given and the account percent-encoded
 *	(url_format()).  Settings: auth (apop, user for "auth password",
 *	cram-md5, ntlm), keep, size_limit and size_limit_action (limit,
 *	limitflush), command_timeout (timeout) and tls_ca_file
 *	(sslcertfile, or sslcertpath when it names a file).  The mailbox
 *	name is the local part of the remote user, '-' and the first label
 *	of the poll name (the second when the first is a generic pop, pop3,
 *	pops, pop3s, mail or mx), lower-cased, with bytes outside
 *	[a-z0-9._-] turned into '_', at most PC_NAME_MAX bytes, made unique
 *	with -2, -3...  A second entry for an account (user and host) that
 *	an earlier one already fetches is not importable: both would
 *	deliver every message.
 *
 *	The reader is four files: this one (the grammar), the tokenizer
 *	ctl/fetchmailrc_lex.c, the keyword table ctl/fetchmailrc_kw.c and
 *	ctl/fetchmailrc_map.c, which makes one
 *	user entry a mailbox (the rules for names, URLs and settings are
 *	described there); ctl/fetchmailrc_int.h holds what they share.
 *
 *	r->item lists what the file says in order: each box, and after it
 *	its notes (with box set to its index); notes about the file as a
 *	whole (set, defaults) have box -1.  Notes about a poll or user
 *	entry that is not importable are left out (the entry says why it
 *	is not), and so are repeated notes about one keyword in one scope.
 * DIAGNOSTICS
 *	PC_OK; PC_PERM with "FILE, line N: reason" in why for a syntax
 *	error (an unknown keyword, a missing value, an unterminated
 *	string, a NUL byte) or an input over a limit.  After an error r
 *	holds nothing; fetchmailrc_free() may still be called.
 * SECURITY
 *	The file is the administrator's, but it may come from anywhere, so
 *	everything is bounded: FETCHMAILRC_FILE_MAX bytes of input,
 *	FETCHMAILRC_TOKEN_MAX bytes per word, FETCHMAILRC_BOX_MAX entries,
 *	FETCHMAILRC_ITEM_MAX entries and notes, FM_NAMES_MAX local names per
 *	entry; beyond them the whole file is refused with its line.
 *	Passwords (pass, esmtppassword) never appear in a message or a
 *	note: a syntax error never quotes a quoted string, and the token
 *	buffers and every copy of a password are wiped (explicit_bzero)
 *	when done with.  Names and values that go into mailboxes.cf are
 *	printable ASCII without white space, checked here.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "fetchmailrc.h"
#include "fetchmailrc_int.h"
#include "log.h"
#include "popconn.h"

/* fm_items_total - items kept and waiting */

static size_t
fm_items_total(const struct fm *p)
{
	return (p->r->nitem + p->srv_notes.n + p->poll_items.n +
	    p->usr_notes.n);
}

/* fetchmailrc_push - append an item (takes note) */

int
fetchmailrc_push(struct fm *p, struct fm_items *l, int line, int box,
    char *note)
{
	if (fm_items_total(p) >= FETCHMAILRC_ITEM_MAX) {
		free(note);
		return (fetchmailrc_error(p, line, "more than %d entries and "
		    "notes: split the file", FETCHMAILRC_ITEM_MAX));
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].line = line;
	l->v[l->n].box = box;
	l->v[l->n].note = note;
	l->n++;
	return (PC_OK);
}

/* fetchmailrc_clear - drop the items of a list */

void
fetchmailrc_clear(struct fm_items *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].note);
	l->n = 0;
}

/* fm_items_move - append list l to the result; box >= -1 sets their box */

static void
fm_items_move(struct fm *p, struct fm_items *l, int box)
{
	struct fetchmailrc *r = p->r;
	size_t	i, cap = 16;

	/* The capacity is the power of two at or above nitem. */
	while (cap < r->nitem)
		cap *= 2;
	if (r->item == NULL || r->nitem + l->n > cap) {
		while (cap < r->nitem + l->n)
			cap *= 2;
		r->item = xrealloc(r->item, cap * sizeof(*r->item));
	}
	for (i = 0; i < l->n; i++) {
		r->item[r->nitem] = l->v[i];
		if (box >= -1)
			r->item[r->nitem].box = box;
		r->nitem++;
	}
	l->n = 0;
}

/* fetchmailrc_append - move src's items to the end of dst, for box */

void
fetchmailrc_append(struct fm_items *dst, struct fm_items *src, int box)
{
	size_t	i;

	if (dst->n + src->n > dst->cap) {
		dst->cap = dst->n + src->n + 16;
		dst->v = xrealloc(dst->v, dst->cap * sizeof(*dst->v));
	}
	for (i = 0; i < src->n; i++) {
		dst->v[dst->n] = src->v[i];
		dst->v[dst->n++].box = box;
	}
	src->n = 0;
}

/*
 * fm_note - a note about keyword k at line, once per scope: the file (set,
 * defaults), the poll (server options) or the user entry.
 */

static int PC_PRINTF(4, 5)
fm_note(struct fm *p, size_t k, int line, const char *fmt, ...)
{
	unsigned char *noted;
	struct fm_items *l;
	va_list	ap;
	char   *note;

	if (fm_kws[k].scope & S_SET) {
		noted = p->noted_set;
		l = NULL;
	} else if (fm_kws[k].scope & S_SRV) {
		noted = p->noted_srv;
		l = &p->srv_notes;
	} else {
		noted = p->noted_usr;
		l = &p->usr_notes;
	}
	if (noted[k])
		return (PC_OK);
	noted[k] = 1;
	va_start(ap, fmt);
	note = fetchmailrc_vstrf(fmt, ap);
	va_end(ap);
	if (l == NULL || p->in_defaults) {
		struct fm_items g = {NULL, 0, 0};
		int	rc;

		rc = fetchmailrc_push(p, &g, line, -1, note);
		fm_items_move(p, &g, -1);
		free(g.v);
		return (rc);
	}
	return (fetchmailrc_push(p, l, line, -1, note));
}

/* fm_user_open - start a user entry from the defaults */

static void
fm_user_open(struct fm *p, int line)
{
	fm_user_copy(&p->usr, &p->tusr);
	p->usr.line = line;
	p->in_user = 1;
	p->implicit = 0;
	memset(p->noted_usr, 0, sizeof(p->noted_usr));
	fetchmailrc_clear(&p->usr_notes);
}

/* fm_user_close - end the open user entry */

static int
fm_user_close(struct fm *p)
{
	int	rc = PC_OK;

	if (!p->in_user)
		return (PC_OK);
	p->in_user = 0;
	if (p->in_defaults)
		fm_user_copy(&p->tusr, &p->usr);
	else
		rc = fetchmailrc_record(p);
	fm_user_free(&p->usr);
	return (rc);
}

/*
 * fm_names - a mapping list: names, "*", remote = local; then here/there.
 * second: the word after the first name, for a message.
 */

static int
fm_names(struct fm *p, const char *kw, struct fm_user *n, int *end,
    char *second, size_t size)
{
	struct fm_tok *t;
	int	k, star, count = 0;

	*end = 0;
	if (fm_name(p, kw, &t) != PC_OK)
		return (PC_PERM);
	for (;; count++) {
		if ((star = t->type == T_STAR) != 0) {
			n->star = 1;
		} else {
			if (n->nlocal >= FM_NAMES_MAX)
				return (fetchmailrc_error(p, t->line, "more "
				    "than %d names", FM_NAMES_MAX));
			n->local = xrealloc(n->local, (n->nlocal + 1) *
			    sizeof(char *));
			n->local[n->nlocal++] = xstrndup(t->text, t->len);
		}
		if (fm_peek_sig(p, &t) != PC_OK)
			return (PC_PERM);
		if (count == 0)		/* what follows the first name */
			(void)fm_show(t, second, size);
		if (t->type == T_MAP) {
			if (star)
				return (fetchmailrc_error(p, t->line, "\"=\" "
				    "after \"*\""));
			if (fm_next(p, &t) != PC_OK ||
			    fm_name(p, "=", &t) != PC_OK)
				return (PC_PERM);
			if (t->type == T_STAR)
				return (fetchmailrc_error(p, t->line, "\"*\" "
				    "after \"=\""));
			free(n->local[n->nlocal - 1]);
			n->local[n->nlocal - 1] = xstrndup(t->text, t->len);
			n->maps++;
			if (fm_peek_sig(p, &t) != PC_OK)
				return (PC_PERM);
		}
		if (t->type == T_STAR || fm_is_value(t)) {
			if (fm_next(p, &t) != PC_OK)
				return (PC_PERM);
			continue;
		}
		break;
	}
	k = fm_kw(t);
	if (k >= 0 && (fm_kws[k].id == K_HERE || fm_kws[k].id == K_THERE)) {
		*end = fm_kws[k].id;
		if (fm_next(p, &t) != PC_OK)
			return (PC_PERM);
		if (*end == K_THERE && (n->nlocal != 1 || n->star || n->maps))
			return (fetchmailrc_error(p, t->line, "\"there\" after "
			    "more than one name"));
	}
	return (PC_OK);
}

/* fm_take_names - n's names become the local names of u */

static void
fm_take_names(struct fm_user *u, struct fm_user *n)
{
	fm_locals_free(u);
	u->local = n->local;
	u->nlocal = n->nlocal;
	u->star = n->star;
	u->maps = n->maps;
	n->local = NULL;
	n->nlocal = 0;
}

/* fm_user_names - "user ...", "is ..." or "to ..." */

static int
fm_user_names(struct fm *p, int id, const char *kw, int line)
{
	struct fm_user n;
	char	second[FM_SHOW_MAX];
	int	end, rc;

	memset(&n, 0, sizeof(n));
	if ((rc = fm_names(p, kw, &n, &end, second, sizeof(second))) ==
	    PC_OK) {
		if (end == K_THERE || (id == K_USER && end == 0)) {
			if (n.nlocal != 1 || n.star || n.maps)
				rc = fetchmailrc_error(p, line, "%s %s after "
				    "%s (or several names without \"here\")",
				    second[0] == '"' ? "unknown keyword" :
				    "unexpected", second, kw);
			else
				fm_set_str(&p->usr.remote, n.local[0]);
		} else {
			fm_take_names(&p->usr, &n);
		}
	}
	fm_locals_free(&n);
	return (rc);
}

/* fm_localdomains - localdomains D...: a note naming them */

static int
fm_localdomains(struct fm *p, size_t k, int line)
{
	struct strbuf *list = strbuf_alloc(FM_MSG_MAX / 2);
	struct fm_tok *t;
	char	show[FM_SHOW_MAX];
	int	rc, n = 0;

	for (;;) {
		if (fm_peek_sig(p, &t) != PC_OK) {
			strbuf_free(list);
			return (PC_PERM);
		}
		if (n > 0 && !fm_is_value(t))
			break;
		if (fm_value(p, fm_kws[k].word, &t) != PC_OK) {
			strbuf_free(list);
			return (PC_PERM);
		}
		(void)strbuf_appendf(list, "%s%s", n++ ? ", " : "",
		    log_printable(show, sizeof(show), t->text, t->len));
	}
	rc = fm_note(p, k, line, "localdomains %s: %s: set local_domains in "
	    "popconn.cf to these domains", strbuf_str(list), N_ROUTING);
	strbuf_free(list);
	return (rc);
}

/*
 * fm_option_user - keyword k (negated with neg) of a user entry
 *
 * One case per user option that takes a value or a "no", each a few
 * lines, in fm_kws order: the password (wiped in the token), the names,
 * keep, the TLS options and the limit.  Any other keyword has its
 * arguments skipped and, where fm_kws has one, its note given (the
 * option means nothing to popconn, or something else).
 */

static int
fm_option_user(struct fm *p, size_t k, int neg, int line)
{
	const struct fm_kw *kw = &fm_kws[k];
	struct fm_tok *t;
	long	v = 0;

	switch (kw->id) {
	case K_PASS:
		if (fm_name(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		if (t->type == T_STAR)
			return (fetchmailrc_error(p, t->line, "pass needs a "
			    "string"));
		if (p->usr.password != NULL)
			xfree_secret(p->usr.password);
		p->usr.password = xstrndup(t->text, t->len);
		p->usr.password_line = t->line;
		explicit_bzero(t->text, t->len);
		return (PC_OK);
	case K_IS:
	case K_TO:
	case K_USER:
		return (fm_user_names(p, kw->id, kw->word, line));
	case K_KEEP:
		p->usr.keep = !neg;
		p->usr.keep_line = line;
		return (PC_OK);
	case K_LIMITFLUSH:
		p->usr.limitflush = !neg;
		return (PC_OK);
	case K_SSL:
		p->usr.ssl = !neg;
		return (PC_OK);
	case K_SSLCERTCK:
		if (neg)
			return (fm_note(p, k, line, "no sslcertck: popconn "
			    "always verifies the server's certificate and host "
			    "name (tls_ca_file, tls_fingerprint)"));
		return (PC_OK);
	case K_SSLCERTFILE:
	case K_SSLCERTPATH:
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		fm_set_str(kw->id == K_SSLCERTFILE ? &p->usr.certfile :
		    &p->usr.certpath, t->text);
		*(kw->id == K_SSLCERTFILE ? &p->usr.certfile_line :
		    &p->usr.certpath_line) = line;
		return (PC_OK);
	case K_LIMIT:
		if (fm_number(p, kw->word, &v) != PC_OK)
			return (PC_PERM);
		p->usr.limit = v;
		p->usr.limit_line = line;
		return (PC_OK);
	case K_SECRET:
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		explicit_bzero(t->text, t->len);
		return (fm_note(p, k, line, "%s: %s", kw->word, kw->note));
	default:
		if (fm_skip_args(p, k, neg) != PC_OK)
			return (PC_PERM);
		if (kw->note == NULL || neg)
			return (PC_OK);
		return (fm_note(p, k, line, "%s: %s", kw->word, kw->note));
	}
}

/*
 * fm_option_k - keyword k (negated with neg) at token line
 *
 * One case per server option that takes a value, each a few lines, in
 * fm_kws order; the user options go to fm_option_user().  The keyword
 * families with more to say have their own functions (fm_service,
 * fm_localdomains, fm_protocol...).
 */

static int
fm_option_k(struct fm *p, size_t k, int neg, int line)
{
	const struct fm_kw *kw = &fm_kws[k];
	struct fm_tok *t;
	char	show[FM_SHOW_MAX];
	long	v = 0;

	switch (kw->id) {
	case K_VIA:
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		fm_set_str(&p->srv.via, t->text);
		return (PC_OK);
	case K_LOCALDOMAINS:
		return (fm_localdomains(p, k, line));
	case K_PROTOCOL:
		return (fm_protocol(p, kw->word));
	case K_SERVICE:
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		return (fm_service(p, t));
	case K_PORT:
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		return (fm_service(p, t));
	case K_INTERVAL:
		if (fm_number(p, kw->word, &v) != PC_OK)
			return (PC_PERM);
		if (p->r->daemon > 0 && v > 0 && v <= 10000 &&
		    v * p->r->daemon <= 7 * 86400)
			return (fm_note(p, k, line, "interval %ld: fetchmail "
			    "polled this server every %ld seconds: use -o "
			    "poll_interval=%lds", v, v * p->r->daemon,
			    v * p->r->daemon));
		return (fm_note(p, k, line, "interval %ld: fetchmail polled "
		    "this server every %ld cycles: popconn schedules each "
		    "mailbox itself (-o poll_interval)", v, v));
	case K_AUTH:
		return (fm_auth(p, kw->word));
	case K_TIMEOUT:
		if (fm_number(p, kw->word, &v) != PC_OK)
			return (PC_PERM);
		p->srv.timeout = v < 0 ? 0 : v;
		p->srv.timeout_line = line;
		return (PC_OK);
	case K_ENVELOPE:
		if (neg)
			return (PC_OK);
		if (fm_peek_sig(p, &t) != PC_OK)
			return (PC_PERM);
		if (t->type == T_WORD && t->text[0] >= '0' &&
		    t->text[0] <= '9' && fm_number(p, kw->word, &v) != PC_OK)
			return (PC_PERM);
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		return (fm_note(p, k, line, "envelope: %s", kw->note));
	case K_BADHEADER:
		if (fm_value(p, kw->word, &t) != PC_OK)
			return (PC_PERM);
		if (strcmp(t->text, "accept") != 0 &&
		    strcmp(t->text, "reject") != 0)
			return (fetchmailrc_error(p, t->line, "bad-header "
			    "needs accept or reject, not %s", fm_show(t, show,
			    sizeof(show))));
		return (PC_OK);
	default:
		return (fm_option_user(p, k, neg, line));
	}
}

/* fm_option - one option of a poll or defaults statement; 1 at its end */

static int
fm_option(struct fm *p, int *done)
{
	struct fm_tok *t;
	char	buf[FM_SHOW_MAX];
	int	k, neg = 0, line;

	*done = 0;
	if (fm_peek_sig(p, &t) != PC_OK)
		return (PC_PERM);
	k = fm_kw(t);
	if (t->type == T_EOF || (k >= 0 && (fm_kws[k].scope & S_STMT))) {
		*done = 1;
		return (PC_OK);
	}
	line = t->line;
	if (k < 0 && (k = fm_kw_neg(t)) >= 0) {
		neg = 1;
	} else if (k >= 0 && fm_kws[k].id == K_NO) {
		if (fm_next(p, &t) != PC_OK || fm_peek(p, &t) != PC_OK)
			return (PC_PERM);
		k = fm_kw(t);
		if (k < 0 || !fm_kws[k].neg || (fm_kws[k].scope & S_SET))
			return (fetchmailrc_error(p, t->line, "\"no\" before "
			    "%s", fm_show(t, buf, sizeof(buf))));
		neg = 1;
	}
	if (k < 0 || !(fm_kws[k].scope & (S_SRV | S_USR)))
		return (fetchmailrc_error(p, t->line, t->type != T_WORD ?
		    "unexpected %s" : k < 0 ? "unknown keyword %s" :
		    "%s is not allowed here", fm_show(t, buf, sizeof(buf))));
	if (fm_next(p, &t) != PC_OK)
		return (PC_PERM);
	if (fm_kws[k].scope & S_SRV) {
		if (p->in_user || p->users > 0)
			return (fetchmailrc_error(p, line, "server option %s "
			    "after the user options of %s (fetchmail refuses "
			    "this too)", fm_show(t, buf, sizeof(buf)),
			    p->in_defaults ? "defaults" : "the poll"));
	} else if (fm_kws[k].id == K_USER) {
		if (p->in_user && p->implicit)
			return (fetchmailrc_error(p, line, "\"user\" after user "
			    "options without one (from line %d): put them "
			    "after \"user\" (fetchmail refuses this too)",
			    p->usr.line));
		if (fm_user_close(p) != PC_OK)
			return (PC_PERM);
		fm_user_open(p, line);
	} else if (!p->in_user) {
		fm_user_open(p, line);
		p->implicit = 1;
	}
	return (fm_option_k(p, (size_t)k, neg, line));
}

/* fm_poll - poll HOST ..., skip HOST ..., defaults ... */

static int
fm_poll(struct fm *p, int id, int line)
{
	struct fm_tok *t;
	char	buf[FM_SHOW_MAX];
	int	done = 0, rc = PC_OK;

	p->in_defaults = id == K_DEFAULTS;
	fm_server_copy(&p->srv, &p->tsrv);
	p->srv.line = line;
	p->srv.skip = id == K_SKIP;
	p->users = p->poll_ok = 0;
	memset(p->noted_srv, 0, sizeof(p->noted_srv));
	if (!p->in_defaults) {
		if (fm_peek_sig(p, &t) != PC_OK)
			return (PC_PERM);
		if (!fm_is_value(t))
			return (fetchmailrc_error(p, t->line, "%s needs a host "
			    "name, not %s", id == K_SKIP ? "skip" : "poll",
			    fm_show(t, buf, sizeof(buf))));
		if (fm_next(p, &t) != PC_OK)
			return (PC_PERM);
		fm_set_str(&p->srv.poll, t->text);
	}
	while (rc == PC_OK && !done)
		rc = fm_option(p, &done);
	if (rc == PC_OK)
		rc = fm_user_close(p);
	if (rc == PC_OK && p->in_defaults) {
		fm_server_copy(&p->tsrv, &p->srv);
		free(p->tsrv.poll);
		p->tsrv.poll = NULL;
	} else if (rc == PC_OK && p->users == 0) {
		fm_user_open(p, 0);
		rc = fm_user_close(p);
	}
	if (rc == PC_OK) {
		if (p->poll_ok > 0)
			fm_items_move(p, &p->srv_notes, -1);
		fetchmailrc_clear(&p->srv_notes);
		fm_items_move(p, &p->poll_items, -2);
	}
	p->in_defaults = 0;
	return (rc);
}

/* fm_set - set KEYWORD [=] [VALUE] */

static int
fm_set(struct fm *p)
{
	struct fm_tok *t;
	char	buf[FM_SHOW_MAX];
	int	k, neg = 0, line;
	long	v = 0;

	if (fm_next(p, &t) != PC_OK)
		return (PC_PERM);
	while (fm_is_noise(t))
		if (fm_next(p, &t) != PC_OK)
			return (PC_PERM);
	line = t->line;
	k = fm_kw(t);
	if (k >= 0 && fm_kws[k].id == K_NO) {
		neg = 1;
		if (fm_next(p, &t) != PC_OK)
			return (PC_PERM);
		k = fm_kw(t);
	} else if (k < 0 && (k = fm_kw_neg(t)) >= 0) {
		neg = 1;
	}
	if (k < 0 || !(fm_kws[k].scope & S_SET) || (neg && !fm_kws[k].neg))
		return (fetchmailrc_error(p, t->line, "set %s: unknown global "
		    "option", fm_show(t, buf, sizeof(buf))));
	if (fm_kws[k].arg != A_NONE) {
		if (fm_peek(p, &t) != PC_OK)
			return (PC_PERM);
		if (t->type == T_MAP)
			p->have_la = 0;
	}
	switch (fm_kws[k].id) {
	case K_DAEMON:
		if (fm_number(p, "set daemon", &v) != PC_OK)
			return (PC_PERM);
		p->r->daemon = v;
		p->r->daemon_line = line;
		if (v < 1 || v > 7 * 86400)
			return (fm_note(p, k, line, "set daemon %ld: popconn "
			    "polls on its own schedule (poll_interval, "
			    "1s..7d)", v));
		return (fm_note(p, k, line, "set daemon %ld: popconn polls "
		    "on its own schedule: poll_interval = %lds in popconn.cf "
		    "(popconnctl schedule set %lds)", v, v, v));
	case K_POSTMASTER:
		if (fm_value(p, "set postmaster", &t) != PC_OK)
			return (PC_PERM);
		return (fm_note(p, k, line, "set postmaster %s: popconn sends "
		    "global mail it cannot route to undeliverable_mailbox "
		    "(popconnctl undeliverable ADDRESS)", log_printable(buf,
		    sizeof(buf), t->text, t->len)));
	default:
		if (fm_skip_args(p, (size_t)k, neg) != PC_OK)
			return (PC_PERM);
		if (fm_kws[k].note == NULL || neg)
			return (PC_OK);
		return (fm_note(p, (size_t)k, line, "set %s: %s",
		    fm_kws[k].word, fm_kws[k].note));
	}
}

/* fm_file - the statements of the file */

static int
fm_file(struct fm *p)
{
	struct fm_tok *t;
	char	buf[FM_SHOW_MAX];
	int	k;

	for (;;) {
		if (fm_peek_sig(p, &t) != PC_OK)
			return (PC_PERM);
		if (t->type == T_EOF)
			return (PC_OK);
		k = fm_kw(t);
		if (k < 0 || !(fm_kws[k].scope & S_STMT))
			return (fetchmailrc_error(p, t->line, "%s %s: expected "
			    "set, defaults, poll or skip", k < 0 && t->type ==
			    T_WORD ? "unknown keyword" : "unexpected",
			    fm_show(t, buf, sizeof(buf))));
		if (fm_next(p, &t) != PC_OK)
			return (PC_PERM);
		if (fm_kws[k].id == K_SET) {
			if (fm_set(p) != PC_OK)
				return (PC_PERM);
		} else if (fm_poll(p, fm_kws[k].id, t->line) != PC_OK) {
			return (PC_PERM);
		}
	}
}

/* fm_line_at - the line number of byte offset off */

static int
fm_line_at(const char *data, size_t off)
{
	const char *s = data, *nl;
	int	line = 1;

	while ((nl = memchr(s, '\n', off - (size_t)(s - data))) != NULL) {
		line++;
		s = nl + 1;
	}
	return (line);
}

/* fetchmailrc_parse - read a .fetchmailrc */

int
fetchmailrc_parse(const char *file, const char *data, size_t len,
    const struct fetchmailrc_env *env, struct fetchmailrc *r,
    struct strbuf *why)
{
	static const struct fetchmailrc_env noenv;
	struct fm *p;
	int	rc;

	memset(r, 0, sizeof(*r));
	r->daemon = -1;
	if (len > FETCHMAILRC_FILE_MAX) {
		strbuf_printf(why, "%s, line %d: the file is larger than %d "
		    "bytes", file, fm_line_at(data, FETCHMAILRC_FILE_MAX),
		    FETCHMAILRC_FILE_MAX);
		return (PC_PERM);
	}
	p = xcalloc(1, sizeof(*p));
	p->file = file;
	p->data = data;
	p->len = len;
	p->line = 1;
	p->env = env ? env : &noenv;
	p->r = r;
	p->why = why;
	p->toks = xcalloc(2, sizeof(struct fm_tok));
	p->tok = p->toks;
	p->la = p->toks + 1;
	fm_server_free(&p->tsrv);
	fm_server_free(&p->srv);
	fm_user_free(&p->tusr);
	fm_user_free(&p->usr);
	rc = fm_file(p);
	fm_server_free(&p->tsrv);
	fm_server_free(&p->srv);
	fm_user_free(&p->tusr);
	fm_user_free(&p->usr);
	fetchmailrc_clear(&p->srv_notes);
	fetchmailrc_clear(&p->poll_items);
	fetchmailrc_clear(&p->usr_notes);
	free(p->srv_notes.v);
	free(p->poll_items.v);
	free(p->usr_notes.v);
	explicit_bzero(p->toks, 2 * sizeof(struct fm_tok));
	free(p->toks);
	free(p->base);
	free(p);
	if (rc != PC_OK)
		fetchmailrc_free(r);
	return (rc);
}

/* fetchmailrc_free - release everything; wipes the passwords */

void
fetchmailrc_free(struct fetchmailrc *r)
{
	size_t	i, j;

	for (i = 0; i < r->nbox; i++) {
		struct fetchmailrc_box *b = &r->box[i];

		free(b->poll);
		free(b->host);
		free(b->remote);
		free(b->why);
		free(b->url);
		free(b->deliver_to);
		for (j = 0; j < b->nopt; j++)
			free(b->opt[j].value);
		if (b->password)
			xfree_secret(b->password);
	}
	for (i = 0; i < r->nitem; i++)
		free(r->item[i].note);
	free(r->box);
	free(r->item);
	memset(r, 0, sizeof(*r));
	r->daemon = -1;
}
