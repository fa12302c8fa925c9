/*
 * NAME
 *	fetchmailrc_map - one fetchmail user entry as a popconn mailbox
 * SYNOPSIS
 *	#include "fetchmailrc_int.h"
 *
 *	int fetchmailrc_record(struct fm *p);
 * DESCRIPTION
 *	fetchmailrc_record() turns the user entry the grammar has read
 *	(p->usr, of the poll in p->srv) into the next box of p->r: a
 *	mailbox, or the reason it cannot be one, and the notes that go
 *	with it (in p->usr_notes, which it moves after the box into
 *	p->poll_items; a box that cannot be imported keeps no notes).
 *
 *	Not importable: a "skip" poll, a protocol other than pop3, apop or
 *	auto, an authentication popconn does not have, no local name
 *	or no remote user (env->default_local, who ran fetchmail, stands
 *	in for a missing "is" or "user", as fetchmail used the login name), a
 *	port that cannot be used, a local name that is not printable ASCII
 *	without white space, an account url_format() cannot write, or an
 *	account (user and host) that an earlier box already fetches.
 *
 *	A mailbox: "user" delivering to its one local name, else "global"
 *	("*", several names, "remote = local" mappings).  Its URL is
 *	pop3s:// with ssl, else pop3:// (STLS), at via or the poll name, the
 *	port when given.  Its settings, in this order: auth (apop for
 *	protocol APOP; user, cram-md5 or ntlm for auth password, cram-md5,
 *	ntlm; nothing for any), keep (yes or no when given), size_limit and
 *	size_limit_action=delete (limit, limitflush), command_timeout
 *	(timeout, 1..3600 seconds) and tls_ca_file (sslcertfile, or
 *	sslcertpath when env->is_file says it is a file; a relative path is
 *	taken from env->base_dir).  The password goes with it unless the
 *	passwords file could not store it (empty, a line break, a leading
 *	blank).
 *
 *	The name: the remote user up to its first '@', '-', and the first
 *	label of the poll name, or the second when the first is pop, pop3,
 *	pops, pop3s, mail or mx and a third follows (the whole name for an
 *	address); lower case, bytes outside [a-z0-9._-] as '_', no leading
 *	'.' or '-', at most PC_NAME_MAX bytes; a name given already gets
 *	-2, -3... (shortened to fit).
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with the reason in p->why (too many entries or
 *	notes).
 * SECURITY
 *	Every string here comes from the file.  Values that go into
 *	mailboxes.cf are checked (printable ASCII, no white space, bounded)
 *	and URLs are made by url_format(), which parses its result again.
 *	Notes quote values through log_printable() and never a password.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "fetchmailrc_int.h"
#include "log.h"
#include "popconn.h"
#include "url.h"

#define FM_URL_MAX	1024

/* fm_strf - a formatted message; caller frees (long ones end in "...") */

static char *PC_PRINTF(1, 2)
fm_strf(const char *fmt, ...)
{
	va_list	ap;
	char   *s;

	va_start(ap, fmt);
	s = fetchmailrc_vstrf(fmt, ap);
	va_end(ap);
	return (s);
}

/* fm_printable - a value for a note (caller's buffer) */

static const char *
fm_printable(char *buf, size_t size, const char *s)
{
	return (log_printable(buf, size, s, strlen(s)));
}

/* fm_ascii_word - printable ASCII without white space, 1..max bytes */

static int
fm_ascii_word(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return (0);
	return (i > 0 && i <= max);
}

/* fm_opt - add -o name=value to a box (takes value) */

static void
fm_opt(struct fetchmailrc_box *b, const char *name, char *value)
{
	if (b->nopt >= FETCHMAILRC_OPT_MAX)
		log_panic("fetchmailrc: more than %d settings",
		    FETCHMAILRC_OPT_MAX);
	b->opt[b->nopt].name = name;
	b->opt[b->nopt].value = value;
	b->nopt++;
}

/* fm_bnote - a note about the entry being recorded */

static int PC_PRINTF(3, 4)
fm_bnote(struct fm *p, int line, const char *fmt, ...)
{
	va_list	ap;
	char   *s;

	va_start(ap, fmt);
	s = fetchmailrc_vstrf(fmt, ap);
	va_end(ap);
	return (fetchmailrc_push(p, &p->usr_notes, line, -1, s));
}

/* fm_sanitize - append s to buf as name characters (at most max bytes) */

static void
fm_sanitize(char *buf, size_t max, const char *s, size_t len)
{
	size_t	n = strlen(buf), i;
	int	c;

	for (i = 0; i < len && n < max; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			c = '_';
		if (n == 0 && (c == '.' || c == '-'))
			continue;	/* "-x" would read as an option */
		buf[n++] = (char)c;
	}
	buf[n] = 0;
}

/* fm_label - the part of the poll name a mailbox name uses */

static void
fm_label(const char *host, const char **lp, size_t *llen)
{
	static const char *const generic[] = {
		"pop", "pop3", "pops", "pop3s", "mail", "mx",
	};
	const char *dot = strchr(host, '.'), *dot2;
	size_t	i;

	*lp = host;
	*llen = strlen(host);
	if (strspn(host, "0123456789.") == *llen || strchr(host, ':') ||
	    dot == NULL)
		return;			/* an address or a single label */
	*llen = (size_t)(dot - host);
	if ((dot2 = strchr(dot + 1, '.')) == NULL)
		return;
	for (i = 0; i < PC_ARRAY_LEN(generic); i++) {
		if (strlen(generic[i]) == *llen &&
		    strncasecmp(host, generic[i], *llen) == 0) {
			*lp = dot + 1;
			*llen = (size_t)(dot2 - dot - 1);
			return;
		}
	}
}

/* fm_name_taken - does an importable box already have this name? */

static int
fm_name_taken(const struct fetchmailrc *r, const char *name)
{
	size_t	i;

	for (i = 0; i + 1 < r->nbox; i++)	/* the last one is being made */
		if (r->box[i].why == NULL && strcmp(r->box[i].name, name) == 0)
			return (1);
	return (0);
}

/* fm_base_next - where the suffixes for base start (a base seen first: 1) */

static struct fm_base *
fm_base_next(struct fm *p, const char *base)
{
	size_t	i;

	for (i = 0; i < p->nbase; i++)
		if (strcmp(p->base[i].name, base) == 0)
			return (&p->base[i]);
	if (p->nbase % 64 == 0)
		p->base = xrealloc(p->base, (p->nbase + 64) * sizeof(*p->base));
	(void)pc_strlcpy(p->base[p->nbase].name, base, sizeof(p->base[0].name));
	p->base[p->nbase].next = 1;
	return (&p->base[p->nbase++]);
}

/* fm_box_name - local part of the remote user '-' label, made unique */

static void
fm_box_name(struct fm *p, struct fetchmailrc_box *b, const char *remote,
    const char *poll)
{
	char	base[PC_NAME_MAX + 1], suffix[16];
	const char *at = strchr(remote, '@'), *label;
	struct fm_base *fb;
	size_t	llen, blen;
	int	k;

	base[0] = 0;
	fm_sanitize(base, PC_NAME_MAX, remote, at && at > remote ?
	    (size_t)(at - remote) : strlen(remote));
	if (base[0] == 0)
		(void)pc_strlcpy(base, "mail", sizeof(base));
	fm_label(poll, &label, &llen);
	blen = strlen(base);
	if (blen < PC_NAME_MAX - 1) {
		base[blen++] = '-';
		base[blen] = 0;
		fm_sanitize(base, PC_NAME_MAX, label, llen);
		if (base[strlen(base) - 1] == '-')
			base[strlen(base) - 1] = 0;
	}
	fb = fm_base_next(p, base);
	for (k = fb->next; ; k++) {
		if (k == 1) {
			(void)pc_strlcpy(b->name, base, sizeof(b->name));
		} else {
			(void)snprintf(suffix, sizeof(suffix), "-%d", k);
			blen = strlen(base);
			if (blen + strlen(suffix) > PC_NAME_MAX)
				blen = PC_NAME_MAX - strlen(suffix);
			memcpy(b->name, base, blen);
			memcpy(b->name + blen, suffix, strlen(suffix) + 1);
		}
		if (!fm_name_taken(p->r, b->name))
			break;
	}
	fb->next = k + 1;
}

/* fm_same_account - an importable box for this user at this host */

static const struct fetchmailrc_box *
fm_same_account(const struct fetchmailrc *r, const char *remote,
    const char *host)
{
	size_t	i;

	for (i = 0; i + 1 < r->nbox; i++)	/* the last one is being made */
		if (r->box[i].why == NULL && r->box[i].remote != NULL &&
		    strcmp(r->box[i].remote, remote) == 0 &&
		    strcasecmp(r->box[i].host, host) == 0)
			return (&r->box[i]);
	return (NULL);
}

/* fm_port - the port of the URL, or 0 with *why set */

static int
fm_port(const struct fm_server *s, int ssl)
{
	if (s->port_why != NULL)
		return (0);
	return (s->port ? s->port : ssl ? FM_PORT_POP3S : FM_PORT_POP3);
}

/* fm_ca_file - sslcertfile / sslcertpath -> tls_ca_file, or a note */

static int
fm_ca_file(struct fm *p, struct fetchmailrc_box *b, const struct fm_user *u)
{
	const struct fetchmailrc_env *env = p->env;
	const char *path = u->certfile ? u->certfile : u->certpath;
	int	line = u->certfile ? u->certfile_line : u->certpath_line;
	const char *kw = u->certfile ? "sslcertfile" : "sslcertpath";
	char	full[4096], show[FM_SHOW_MAX];
	int	n;

	if (path == NULL)
		return (PC_OK);
	fm_printable(show, sizeof(show), path);
	if (path[0] == '/') {
		n = snprintf(full, sizeof(full), "%s", path);
	} else if (env != NULL && env->base_dir != NULL) {
		n = snprintf(full, sizeof(full), "%s/%s", env->base_dir, path);
	} else {
		return (fm_bnote(p, line, "%s %s: a relative path and no "
		    "directory to read it from: not imported", kw, show));
	}
	if (n < 0 || (size_t)n >= sizeof(full) || !fm_ascii_word(full, 1024))
		return (fm_bnote(p, line, "%s %s: the path is too long, or "
		    "holds white space or non-ASCII bytes, which a setting "
		    "cannot: not imported", kw, show));
	if (env != NULL && env->is_file != NULL ? !env->is_file(full) :
	    u->certfile == NULL)
		return (fm_bnote(p, line, "%s %s: popconn takes a file of CA "
		    "certificates (tls_ca_file), not a directory: not "
		    "imported; the system store is used", kw, show));
	fm_opt(b, "tls_ca_file", xstrdup(full));
	return (PC_OK);
}

/* fm_settings - the -o settings of an importable box, and their notes */

static int
fm_settings(struct fm *p, struct fetchmailrc_box *b)
{
	const struct fm_server *s = &p->srv;
	const struct fm_user *u = &p->usr;
	const char *mech = s->auth_mech;
	int	rc = PC_OK;

	if (s->proto == P_APOP) {
		if (*mech && strcmp(mech, "user") != 0)
			rc = fm_bnote(p, s->auth_line, "auth %s: ignored: "
			    "protocol APOP", s->auth_word);
		mech = "apop";
	}
	if (*mech)
		fm_opt(b, "auth", xstrdup(mech));
	if (u->keep >= 0)
		fm_opt(b, "keep", xstrdup(u->keep ? "yes" : "no"));
	if (u->keep > 0 && rc == PC_OK)
		rc = fm_bnote(p, u->keep_line, "keep: popconn does not read "
		    "fetchmail's list of fetched messages (.fetchids): mail "
		    "left on the server is fetched once more by the first "
		    "poll");
	if (u->limit > 0) {
		fm_opt(b, "size_limit", fm_strf("%lld", u->limit));
		if (u->limitflush > 0)
			fm_opt(b, "size_limit_action", xstrdup("delete"));
	}
	if (s->timeout >= 1 && s->timeout <= 3600)
		fm_opt(b, "command_timeout", fm_strf("%lds", s->timeout));
	else if (s->timeout >= 0 && rc == PC_OK)
		rc = fm_bnote(p, s->timeout_line, "timeout %ld: popconn takes "
		    "1..3600 seconds: not imported (command_timeout keeps its "
		    "default)", s->timeout);
	if (rc == PC_OK)
		rc = fm_ca_file(p, b, u);
	if (rc == PC_OK && s->proto == P_AUTO)
		rc = fm_bnote(p, s->proto_line ? s->proto_line : s->line,
		    "protocol auto%s: imported as POP3", s->proto_line ? "" :
		    " (fetchmail's default)");
	if (rc == PC_OK && u->ssl <= 0)
		rc = fm_bnote(p, b->line, "no ssl: imported as pop3:// with "
		    "STLS required (popconn sends no password in clear unless "
		    "-o tls=none)");
	return (rc);
}

/* fm_why_not - why the entry cannot be imported, or NULL; caller frees */

static char *
fm_why_not(const struct fm *p, const char *local, size_t nlocal)
{
	const struct fm_server *s = &p->srv;
	const struct fm_user *u = &p->usr;
	char	show[FM_SHOW_MAX];

	if (s->skip)
		return (xstrdup("marked \"skip\" (fetchmail does not poll "
		    "it)"));
	if (s->proto == P_OTHER)
		return (fm_strf("protocol %s is not POP3", s->proto_name));
	if (s->auth_mech == NULL)
		return (fm_strf("auth %s: %s", s->auth_word, s->auth_why));
	if (nlocal == 0 && !u->star)
		return (xstrdup("no local name (fetchmail delivered to whoever "
		    "ran it): add \"is NAME here\""));
	if (s->port_why != NULL)
		return (xstrdup(s->port_why));
	if (nlocal == 1 && !u->star && !u->maps &&
	    (!fm_ascii_word(local, 320) || local[0] == '-'))
		return (fm_strf("local name %s: use printable ASCII without "
		    "white space, not starting with '-'", fm_printable(show,
		    sizeof(show), local)));
	return (NULL);
}

/*
 * fm_importable - box b of the entry in p->usr, for remote at host: its
 * URL, name, password, settings and notes, or why it is not importable
 */

static int
fm_importable(struct fm *p, struct fetchmailrc_box *b, const char *remote,
    const char *local, size_t nlocal, const char *host)
{
	const struct fm_user *u = &p->usr;
	const struct fetchmailrc_box *dup;
	struct strbuf *url = strbuf_alloc(FM_URL_MAX);
	int	rc = PC_OK;

	if (url_format(url, u->ssl > 0, remote, host, fm_port(&p->srv,
	    u->ssl > 0), p->why) != PC_OK)
		b->why = fm_strf("%s", strbuf_str(p->why));
	else if ((dup = fm_same_account(p->r, remote, host)) != NULL)
		b->why = fm_strf("the same account as line %d (two mailboxes "
		    "would deliver every message twice)", dup->line);
	strbuf_reset(p->why);
	if (b->why != NULL) {
		strbuf_free(url);
		return (PC_OK);
	}
	b->url = xstrdup(strbuf_str(url));
	strbuf_free(url);
	if (nlocal == 1 && !u->star && !u->maps) {
		b->type = "user";
		b->deliver_to = xstrdup(local);
	} else {
		b->type = "global";
	}
	fm_box_name(p, b, remote, p->srv.poll);
	if (u->password != NULL && (*u->password == 0 ||
	    strpbrk(u->password, "\r\n") || u->password[0] == ' ' ||
	    u->password[0] == '\t')) {
		rc = fm_bnote(p, u->password_line, "password: empty, holds a "
		    "line break or starts with white space, which the "
		    "passwords file cannot store: not imported");
	} else if (u->password != NULL) {
		b->password = xstrdup(u->password);
		b->password_line = u->password_line;
	}
	if (rc == PC_OK && u->remote == NULL)
		rc = fm_bnote(p, b->line, "no user: the remote user is the "
		    "owner of the file, who ran fetchmail");
	if (rc == PC_OK && u->nlocal == 0 && !u->star)
		rc = fm_bnote(p, b->line, "no local name: delivers to the "
		    "owner of the file, who ran fetchmail");
	if (rc == PC_OK && strcmp(b->type, "global") == 0)
		rc = fm_bnote(p, b->line, "%s: a global mailbox: "
		    "popconn-milter routes each message by To/Cc and "
		    "routing_maps to users of local_domains (popconnctl "
		    "postfix-setup)%s", u->star ? "\"*\"" : u->maps ?
		    "a local name mapping" : "several local names", u->maps ?
		    "; add the mappings as routing rules (popconnctl route "
		    "add)" : "");
	return (rc == PC_OK ? fm_settings(p, b) : rc);
}

/* fetchmailrc_record - the entry in p->srv and p->usr becomes a box */

int
fetchmailrc_record(struct fm *p)
{
	struct fetchmailrc *r = p->r;
	struct fetchmailrc_box *b;
	const struct fm_server *s = &p->srv;
	const struct fm_user *u = &p->usr;
	const char *owner = p->env->default_local, *local, *remote;
	size_t	nlocal;
	int	idx, rc = PC_OK;

	if (r->nbox >= FETCHMAILRC_BOX_MAX)
		return (fetchmailrc_error(p, u->line ? u->line : s->line,
		    "more than %d user entries: split the file",
		    FETCHMAILRC_BOX_MAX));
	if (r->nbox % 64 == 0)
		r->box = xrealloc(r->box, (r->nbox + 64) * sizeof(*r->box));
	idx = (int)r->nbox;
	b = &r->box[r->nbox++];
	memset(b, 0, sizeof(*b));
	b->line = u->line ? u->line : s->line;
	b->poll = xstrdup(s->poll);
	b->host = xstrdup(s->via ? s->via : s->poll);
	if (owner != NULL && *owner == 0)
		owner = NULL;
	local = u->nlocal ? u->local[0] : owner;
	nlocal = u->nlocal ? u->nlocal : local != NULL;
	remote = u->remote ? u->remote : owner;
	b->remote = remote ? xstrdup(remote) : NULL;
	b->why = fm_why_not(p, local, nlocal);
	if (b->why == NULL && remote == NULL)
		b->why = xstrdup("no user name: add \"user NAME\"");
	else if (b->why == NULL)
		rc = fm_importable(p, b, remote, local, nlocal, b->host);
	if (rc != PC_OK)
		return (rc);
	p->users++;
	if (b->why != NULL) {
		fetchmailrc_clear(&p->usr_notes);
		return (fetchmailrc_push(p, &p->poll_items, b->line, idx,
		    NULL));
	}
	p->poll_ok++;
	if ((rc = fetchmailrc_push(p, &p->poll_items, b->line, idx, NULL)) !=
	    PC_OK)
		return (rc);
	fetchmailrc_append(&p->poll_items, &p->usr_notes, idx);
	return (PC_OK);
}
