/*
 * NAME
 *	fetchmailrc_kw - the .fetchmailrc reader's keywords and token helpers
 * SYNOPSIS
 *	#include "fetchmailrc_int.h"
 *
 *	const struct fm_kw fm_kws[];	every keyword fetchmail has
 *	int fm_kw(const struct fm_tok *t);	index or -1
 *	int fm_kw_neg(const struct fm_tok *t);	"nokeep": index or -1
 *	int fm_is_noise(const struct fm_tok *t);
 *	int fm_is_value(const struct fm_tok *t);
 *	const char *fm_show(const struct fm_tok *t, char *buf,
 *		size_t size);			a word for a message; buf
 *	int fm_peek(struct fm *p, struct fm_tok **t);
 *	int fm_peek_sig(struct fm *p, struct fm_tok **t);
 *	int fm_next(struct fm *p, struct fm_tok **t);
 *	int fm_value(struct fm *p, const char *kw,
 *		struct fm_tok **t);
 *	int fm_name(struct fm *p, const char *kw,
 *		struct fm_tok **t);
 *	int fm_number(struct fm *p, const char *kw, long *val);
 *	int fm_protocol(struct fm *p, const char *kw);
 *	int fm_auth(struct fm *p, const char *kw);
 *	int fm_service(struct fm *p, const struct fm_tok *t);
 *	int fm_skip_args(struct fm *p, size_t k, int neg);
 * DESCRIPTION
 *	The keyword table of the .fetchmailrc reader (ctl/fetchmailrc.c:
 *	where each keyword may stand, what follows it, the note it gets)
 *	and the token-level helpers the grammar is written with.  Tokens
 *	point into p's two token buffers (ctl/fetchmailrc_lex.c): one is
 *	valid until the next fm_next().
 *
 *	fm_peek() looks at the next token; fm_peek_sig()
 *	skips noise words first; fm_next() takes it.
 *	fm_value() takes the value of keyword kw (a string or a
 *	word that is not a keyword), fm_name() any word at all
 *	(after user, pass, is, to and '='), fm_number() a number.
 *	fm_protocol() and fm_auth() read the argument of
 *	"protocol" and "auth" into p->srv, fm_service() the port of
 *	"service" or "port" (a port that cannot be used is noted in
 *	p->srv.port_why); fm_skip_args() reads and drops the arguments of
 *	keyword k, whatever the table says they are.
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with "FILE, line N: reason" in p->why.
 * SECURITY
 *	A quoted string (it may be a password) is never shown in a
 *	message: fm_show() names it "a quoted string".
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "fetchmailrc_int.h"
#include "log.h"
#include "popconn.h"

const struct fm_kw fm_kws[] = {
	{"set", K_SET, S_STMT, A_SPECIAL, 0, NULL},
	{"defaults", K_DEFAULTS, S_STMT, A_SPECIAL, 0, NULL},
	{"poll", K_POLL, S_STMT, A_SPECIAL, 0, NULL},
	{"server", K_POLL, S_STMT, A_SPECIAL, 0, NULL},
	{"skip", K_SKIP, S_STMT, A_SPECIAL, 0, NULL},
	{"no", K_NO, S_SET | S_SRV | S_USR, A_SPECIAL, 0, NULL},

	{"daemon", K_DAEMON, S_SET, A_NUM, 0, NULL},
	{"postmaster", K_POSTMASTER, S_SET, A_STR, 0, NULL},
	{"logfile", K_GENERIC, S_SET, A_STR, 0,
	"ignored: popconn logs to syslog (facility mail)"},
	{"idfile", K_GENERIC, S_SET, A_STR, 0, "ignored: popconn keeps its "
	"own UIDL state in state_directory"},
	{"pidfile", K_GENERIC, S_SET, A_STR, 0, N_FETCHMAIL},
	{"syslog", K_GENERIC, S_SET, A_NONE, 1,
	"ignored: popconn always logs to syslog (facility mail)"},
	{"bouncemail", K_GENERIC, S_SET, A_NONE, 1, "ignored: popconn never "
	"bounces; what it cannot deliver stays on the server"},
	{"spambounce", K_GENERIC, S_SET, A_NONE, 1, N_FETCHMAIL},
	{"softbounce", K_GENERIC, S_SET, A_NONE, 1, N_FETCHMAIL},
	{"invisible", K_GENERIC, S_SET, A_NONE, 1, N_FETCHMAIL},
	{"showdots", K_GENERIC, S_SET, A_NONE, 1, N_FETCHMAIL},
	{"properties", K_GENERIC, S_SET | S_USR, A_STR, 0, NULL},

	{"via", K_VIA, S_SRV, A_STR, 0, NULL},
	{"aka", K_GENERIC, S_SRV, A_STRS, 0, "ignored: popconn-milter routes "
	"by local_domains and routing_maps, not by server names"},
	{"localdomains", K_LOCALDOMAINS, S_SRV, A_STRS, 0, NULL},
	{"local", K_LOCALDOMAINS, S_SRV, A_STRS, 0, NULL},
	{"protocol", K_PROTOCOL, S_SRV, A_SPECIAL, 0, NULL},
	{"proto", K_PROTOCOL, S_SRV, A_SPECIAL, 0, NULL},
	{"service", K_SERVICE, S_SRV, A_STR, 0, NULL},
	{"port", K_PORT, S_SRV, A_NUM, 0, NULL},
	{"interval", K_INTERVAL, S_SRV, A_NUM, 0, NULL},
	{"auth", K_AUTH, S_SRV, A_SPECIAL, 0, NULL},
	{"authenticate", K_AUTH, S_SRV, A_SPECIAL, 0, NULL},
	{"preauth", K_AUTH, S_SRV, A_SPECIAL, 0, NULL},
	{"preauthenticate", K_AUTH, S_SRV, A_SPECIAL, 0, NULL},
	{"timeout", K_TIMEOUT, S_SRV, A_NUM, 0, NULL},
	{"idletimeout", K_GENERIC, S_SRV, A_NUM, 0, NULL},
	{"envelope", K_ENVELOPE, S_SRV, A_SPECIAL, 1, N_ROUTING},
	{"qvirtual", K_GENERIC, S_SRV, A_STR, 0, N_ROUTING},
	{"principal", K_GENERIC, S_SRV, A_STR, 0,
	"ignored: popconn has no Kerberos"},
	{"esmtpname", K_GENERIC, S_SRV, A_STR, 0, N_SENDMAIL},
	{"esmtppassword", K_SECRET, S_SRV, A_STR, 0,
	N_SENDMAIL " (the password is not imported)"},
	{"interface", K_GENERIC, S_SRV, A_STR, 0,
	"ignored: popconn does not watch network interfaces"},
	{"monitor", K_GENERIC, S_SRV, A_STR, 0,
	"ignored: popconn does not watch network interfaces"},
	{"plugin", K_GENERIC, S_SRV, A_STR, 0, N_COMMAND},
	{"plugout", K_GENERIC, S_SRV, A_STR, 0, N_COMMAND},
	{"dns", K_GENERIC, S_SRV, A_NONE, 1, NULL},
	{"uidl", K_GENERIC, S_SRV, A_NONE, 1, NULL},
	{"checkalias", K_GENERIC, S_SRV, A_NONE, 1, NULL},
	{"tracepolls", K_GENERIC, S_SRV, A_NONE, 1, NULL},
	{"bad-header", K_BADHEADER, S_SRV, A_SPECIAL, 0, NULL},

	{"user", K_USER, S_USR, A_SPECIAL, 0, NULL},
	{"username", K_USER, S_USR, A_SPECIAL, 0, NULL},
	{"pass", K_PASS, S_USR, A_SPECIAL, 0, NULL},
	{"password", K_PASS, S_USR, A_SPECIAL, 0, NULL},
	{"is", K_IS, S_USR, A_SPECIAL, 0, NULL},
	{"to", K_TO, S_USR, A_SPECIAL, 0, NULL},
	{"here", K_HERE, S_WORD, A_NONE, 0, NULL},
	{"there", K_THERE, S_WORD, A_NONE, 0, NULL},
	{"folder", K_GENERIC, S_USR, A_STRS, 0,
	"ignored: POP3 has one mailbox per account"},
	{"folders", K_GENERIC, S_USR, A_STRS, 0,
	"ignored: POP3 has one mailbox per account"},
	{"smtphost", K_GENERIC, S_USR, A_STRS, 0, N_SENDMAIL},
	{"smtp", K_GENERIC, S_USR, A_STRS, 0, N_SENDMAIL},
	{"fetchdomains", K_GENERIC, S_USR, A_STRS, 0, N_SENDMAIL},
	{"smtpaddress", K_GENERIC, S_USR, A_STR, 0, N_SENDMAIL},
	{"smtpname", K_GENERIC, S_USR, A_STR, 0, N_SENDMAIL},
	{"antispam", K_GENERIC, S_USR, A_NUMS, 0, N_SENDMAIL},
	{"mda", K_GENERIC, S_USR, A_STR, 0, N_SENDMAIL},
	{"bsmtp", K_GENERIC, S_USR, A_STR, 0, N_SENDMAIL},
	{"lmtp", K_GENERIC, S_USR, A_NONE, 0, N_SENDMAIL},
	{"preconnect", K_GENERIC, S_USR, A_STR, 0, N_COMMAND},
	{"pre", K_GENERIC, S_USR, A_STR, 0, N_COMMAND},
	{"postconnect", K_GENERIC, S_USR, A_STR, 0, N_COMMAND},
	{"post", K_GENERIC, S_USR, A_STR, 0, N_COMMAND},
	{"keep", K_KEEP, S_USR, A_NONE, 1, NULL},
	{"flush", K_GENERIC, S_USR, A_NONE, 1, "not imported: popconn "
	"deletes only mail it delivered (-o keep=yes -o keep_days=N "
	"removes old kept mail)"},
	{"limitflush", K_LIMITFLUSH, S_USR, A_NONE, 1, NULL},
	{"fetchall", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"rewrite", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"forcecr", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"stripcr", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"pass8bits", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"pass8", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"dropstatus", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"dropdelivered", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"mimedecode", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"mimedec", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"idle", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"forceidle", K_GENERIC, S_USR, A_NONE, 1, NULL},
	{"ssl", K_SSL, S_USR, A_NONE, 1, NULL},
	{"sslkey", K_GENERIC, S_USR, A_STR, 0,
	"not imported: popconn does not present client certificates"},
	{"sslcert", K_GENERIC, S_USR, A_STR, 0,
	"not imported: popconn does not present client certificates"},
	{"sslproto", K_GENERIC, S_USR, A_STR, 0, NULL},
	{"sslcertck", K_SSLCERTCK, S_USR, A_NONE, 1, NULL},
	{"sslcertfile", K_SSLCERTFILE, S_USR, A_STR, 0, NULL},
	{"sslcertpath", K_SSLCERTPATH, S_USR, A_STR, 0, NULL},
	{"sslcommonname", K_GENERIC, S_USR, A_STR, 0, "not imported: popconn "
	"checks the certificate against the host name of the URL"},
	{"sslfingerprint", K_GENERIC, S_USR, A_STR, 0, "not imported: "
	"fetchmail's MD5 fingerprint cannot become popconn's SHA-256 "
	"tls_fingerprint (openssl x509 -noout -fingerprint -sha256 gives "
	"it)"},
	{"limit", K_LIMIT, S_USR, A_NUM, 0, NULL},
	{"warnings", K_GENERIC, S_USR, A_NUM, 0, NULL},
	{"fetchlimit", K_GENERIC, S_USR, A_NUM, 0, NULL},
	{"fetchsizelimit", K_GENERIC, S_USR, A_NUM, 0, NULL},
	{"fastuidl", K_GENERIC, S_USR, A_NUM, 0, NULL},
	{"batchlimit", K_GENERIC, S_USR, A_NUM, 0, NULL},
	{"expunge", K_GENERIC, S_USR, A_NUM, 0, NULL},
};

#define FM_NKW	PC_ARRAY_LEN(fm_kws)

static const char *const fm_noise[] = {
	"and", "with", "has", "wants", "options", "using",
};

static const struct {
	const char *word;
	int	proto;
	const char *name;
} fm_protos[] = {
	{"auto", P_AUTO, "auto"}, {"pop3", P_POP3, "POP3"},
	{"apop", P_APOP, "APOP"}, {"imap", P_OTHER, "IMAP"},
	{"pop2", P_OTHER, "POP2"}, {"rpop", P_OTHER, "RPOP"},
	{"etrn", P_OTHER, "ETRN"}, {"odmr", P_OTHER, "ODMR"},
	{"kpop", P_OTHER, "KPOP (Kerberos POP)"}, {"sdps", P_OTHER, "SDPS"},
};

/* Authentication: the popconn mechanism, or why there is none. */
static const struct {
	const char *word;
	const char *mech;		/* NULL: not importable; "": auto */
	const char *why;
} fm_auths[] = {
	{"any", "", NULL},
	{"password", "user", NULL},
	{"cram-md5", "cram-md5", NULL},
	{"cram", "cram-md5", NULL},
	{"ntlm", "ntlm", NULL},
	{"msn", NULL, "popconn has AUTH NTLM (-o auth=ntlm) but not MSN"},
	{"gssapi", NULL, "popconn has no GSSAPI or Kerberos"},
	{"kerberos", NULL, "popconn has no GSSAPI or Kerberos"},
	{"kerberos_v4", NULL, "popconn has no GSSAPI or Kerberos"},
	{"kerberos4", NULL, "popconn has no GSSAPI or Kerberos"},
	{"kerberos_v5", NULL, "popconn has no GSSAPI or Kerberos"},
	{"kerberos5", NULL, "popconn has no GSSAPI or Kerberos"},
	{"otp", NULL, "popconn has no one-time passwords"},
	{"opie", NULL, "popconn has no one-time passwords"},
	{"external", NULL, "popconn has no client certificates (SASL "
	"EXTERNAL)"},
	{"ssh", NULL, "the session is authenticated outside POP3 (a plugin "
	"or ssh), which popconn does not do"},
	{"implicit", NULL, "the session is authenticated outside POP3 (a "
	"plugin or ssh), which popconn does not do"},
};

_Static_assert(PC_ARRAY_LEN(fm_kws) <= FM_KW_MAX,
    "FM_KW_MAX too small");

/* fm_show - a word for a message: printable, short; never a string */

const char *
fm_show(const struct fm_tok *t, char *buf, size_t size)
{
	if (t->type == T_EOF || t->type == T_STRING || t->type == T_MAP) {
		(void)pc_strlcpy(buf, t->type == T_EOF ? "the end of the file" :
		    t->type == T_STRING ? "a quoted string" : "\"=\"", size);
		return (buf);
	}
	buf[0] = '"';
	(void)log_printable(buf + 1, size - 2, t->text, t->len);
	(void)pc_strlcat(buf, "\"", size);
	return (buf);
}

/* fm_peek - the next token, without taking it */

int
fm_peek(struct fm *p, struct fm_tok **t)
{
	if (!p->have_la) {
		if (fetchmailrc_lex(p, p->la) != PC_OK)
			return (PC_PERM);
		p->have_la = 1;
	}
	*t = p->la;
	return (PC_OK);
}

/* fm_next - take the next token into p->tok */

int
fm_next(struct fm *p, struct fm_tok **t)
{
	struct fm_tok *swap;

	if (fm_peek(p, t) != PC_OK)
		return (PC_PERM);
	swap = p->tok;
	p->tok = p->la;
	p->la = swap;
	p->have_la = 0;
	*t = p->tok;
	return (PC_OK);
}

/* fm_kw - the keyword a token is (index into the table), or -1 */

int
fm_kw(const struct fm_tok *t)
{
	size_t	i;

	if (t->type != T_WORD)
		return (-1);
	for (i = 0; i < FM_NKW; i++)
		if (strcmp(t->text, fm_kws[i].word) == 0)
			return ((int)i);
	return (-1);
}

/* fm_kw_neg - "nokeep" and the like: the negated keyword, or -1 */

int
fm_kw_neg(const struct fm_tok *t)
{
	size_t	i;

	if (t->type != T_WORD || strncmp(t->text, "no", 2) != 0)
		return (-1);
	for (i = 0; i < FM_NKW; i++)
		if (fm_kws[i].neg && strcmp(t->text + 2, fm_kws[i].word) == 0)
			return ((int)i);
	return (-1);
}

/* fm_is_noise - a noise word? */

int
fm_is_noise(const struct fm_tok *t)
{
	size_t	i;

	if (t->type != T_WORD)
		return (0);
	for (i = 0; i < PC_ARRAY_LEN(fm_noise); i++)
		if (strcmp(t->text, fm_noise[i]) == 0)
			return (1);
	return (0);
}

/* fm_peek_sig - the next token that is not a noise word */

int
fm_peek_sig(struct fm *p, struct fm_tok **t)
{
	for (;;) {
		if (fm_peek(p, t) != PC_OK)
			return (PC_PERM);
		if (!fm_is_noise(*t))
			return (PC_OK);
		p->have_la = 0;
	}
}

/* fm_is_value - can this token be a value (a string, not a keyword)? */

int
fm_is_value(const struct fm_tok *t)
{
	return (t->type == T_STRING || (t->type == T_WORD &&
	    fm_kw(t) < 0 && fm_kw_neg(t) < 0 &&
	    !fm_is_noise(t)));
}

/* fm_value - the value after keyword kw: a string or a non-keyword */

int
fm_value(struct fm *p, const char *kw, struct fm_tok **t)
{
	char	buf[FM_SHOW_MAX];

	if (fm_peek_sig(p, t) != PC_OK)
		return (PC_PERM);
	if (!fm_is_value(*t))
		return (fetchmailrc_error(p, (*t)->line, "%s needs a value, "
		    "not %s", kw, fm_show(*t, buf, sizeof(buf))));
	return (fm_next(p, t));
}

/* fm_name - the word after user, pass, is, to or '=': any word at all */

int
fm_name(struct fm *p, const char *kw, struct fm_tok **t)
{
	char	buf[FM_SHOW_MAX];

	if (fm_peek(p, t) != PC_OK)
		return (PC_PERM);
	if ((*t)->type == T_EOF || (*t)->type == T_MAP)
		return (fetchmailrc_error(p, (*t)->line, "%s needs a name, not "
		    "%s", kw, fm_show(*t, buf, sizeof(buf))));
	return (fm_next(p, t));
}

/* fm_number - a number after keyword kw */

int
fm_number(struct fm *p, const char *kw, long *val)
{
	struct fm_tok *t;
	char	*end;

	if (fm_value(p, kw, &t) != PC_OK)
		return (PC_PERM);
	if (t->len == 0 || t->len > 9 || (t->text[0] != '-' &&
	    (t->text[0] < '0' || t->text[0] > '9')))
		return (fetchmailrc_error(p, t->line, "%s needs a number", kw));
	*val = strtol(t->text, &end, 10);
	if (*end != 0)
		return (fetchmailrc_error(p, t->line, "%s needs a number", kw));
	return (PC_OK);
}

/* fm_protocol - protocol NAME */

int
fm_protocol(struct fm *p, const char *kw)
{
	struct fm_tok *t;
	char	buf[FM_SHOW_MAX];
	size_t	i;

	if (fm_value(p, kw, &t) != PC_OK)
		return (PC_PERM);
	for (i = 0; i < PC_ARRAY_LEN(fm_protos); i++) {
		if (strcasecmp(t->text, fm_protos[i].word) == 0) {
			p->srv.proto = fm_protos[i].proto;
			p->srv.proto_name = fm_protos[i].name;
			p->srv.proto_line = t->line;
			return (PC_OK);
		}
	}
	return (fetchmailrc_error(p, t->line, "unknown protocol %s", fm_show(t,
	    buf, sizeof(buf))));
}

/* fm_auth - auth TYPE */

int
fm_auth(struct fm *p, const char *kw)
{
	struct fm_tok *t;
	char	buf[FM_SHOW_MAX];
	size_t	i;

	if (fm_name(p, kw, &t) != PC_OK)
		return (PC_PERM);
	for (i = 0; t->type == T_WORD && i < PC_ARRAY_LEN(fm_auths); i++) {
		if (strcasecmp(t->text, fm_auths[i].word) == 0) {
			p->srv.auth_word = fm_auths[i].word;
			p->srv.auth_mech = fm_auths[i].mech;
			p->srv.auth_why = fm_auths[i].why;
			p->srv.auth_line = t->line;
			return (PC_OK);
		}
	}
	return (fetchmailrc_error(p, t->line, "unknown authentication %s",
	    fm_show(t, buf, sizeof(buf))));
}

/* fm_service - service NAME|PORT, port PORT */

int
fm_service(struct fm *p, const struct fm_tok *t)
{
	static const struct {
		const char *name;
		int	port;
	} names[] = {{"pop3", FM_PORT_POP3}, {"pop3s", FM_PORT_POP3S}};
	char	*end;
	long	v = 0;
	size_t	i;

	p->srv.port_why = NULL;
	for (i = 0; i < PC_ARRAY_LEN(names); i++) {
		if (strcasecmp(t->text, names[i].name) == 0) {
			p->srv.port = names[i].port;
			return (PC_OK);
		}
	}
	v = strtol(t->text, &end, 10);
	if (t->len == 0 || t->len > 9 || *end != 0 || t->text[0] == '-' ||
	    t->text[0] == '+')
		p->srv.port_why = "service: give a port number (only pop3 and "
		    "pop3s are known by name)";
	else if (v < 1 || v > 65535)
		p->srv.port_why = "port out of range (1..65535)";
	else
		p->srv.port = (int)v;
	return (PC_OK);
}

/* fm_skip_args - read and drop the arguments of keyword k */

int
fm_skip_args(struct fm *p, size_t k, int neg)
{
	struct fm_tok *t;
	long	v = 0;
	int	n = 0;

	if (neg)
		return (PC_OK);
	switch (fm_kws[k].arg) {
	case A_STR:
		return (fm_value(p, fm_kws[k].word, &t));
	case A_NUM:
		return (fm_number(p, fm_kws[k].word, &v));
	case A_STRS:
	case A_NUMS:
		for (;;) {
			if (fm_peek_sig(p, &t) != PC_OK)
				return (PC_PERM);
			if (n > 0 && !fm_is_value(t))
				return (PC_OK);
			if (fm_kws[k].arg == A_NUMS ?
			    fm_number(p, fm_kws[k].word, &v) :
			    fm_value(p, fm_kws[k].word, &t))
				return (PC_PERM);
			n++;
		}
	default:
		return (PC_OK);
	}
}
