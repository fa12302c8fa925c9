/*
 * NAME
 *	ctl_setup - popconnctl setup: the connection wizard
 * SYNOPSIS
 *	int ctl_cmd_setup(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	The original connector's "Configure E-mail and Internet Connection
 *	Wizard": it asks (on a terminal) or takes as flags the ISP's
 *	server, the account, the password and where the mail goes, finds
 *	out what the server offers and picks the most secure way that
 *	works, then writes the mailbox through "mailbox add" itself (the
 *	same validated edit), and says what to run next.
 *
 *	The probe uses the fetcher's own session code (account_test(), as
 *	"mailbox test" does): implicit TLS on the POP3S port (995) first,
 *	then STLS on the POP3 port (110); certificate and host name always
 *	verified; it logs in (auth = auto: the strongest mechanism offered)
 *	and lists the mailbox (UIDL, LIST) without fetching or deleting.
 *	When the strongest mechanism fails, one more login is tried with
 *	the password inside TLS (PLAIN, else USER/PASS: a server may keep
 *	passwords in a form its SCRAM cannot use); if that works it is
 *	written as -o auth=MECH.  Not more: failures count to lockouts.
 *	Nothing is ever sent without TLS.  A certificate that does not
 *	verify stops the wizard with the exact fix (--tls-ca-file).
 *
 *	A global mailbox needs local_domains: the candidates are read from
 *	Postfix (postconf -x mydestination, virtual_mailbox_domains,
 *	virtual_alias_domains) and offered, or taken from --local-domains;
 *	they are written only when they differ from Postfix's (an empty
 *	local_domains means Postfix's own domains);
 *	"postfix-setup --apply" runs on request (--postfix-setup, or yes
 *	at the question).
 *
 *	Without a terminal, with --yes or with --password-file -, nothing
 *	is asked: a missing --server or --account is an error (exit 64),
 *	the password comes from --password-file (or - for standard input);
 *	deliver-to defaults to the mailbox's name, as in mailbox add.
 * DIAGNOSTICS
 *	Exit 0: written; 64 usage; 67 wrong password; 77 certificate does
 *	not verify; 68 unknown host; 69 no port answered; otherwise the
 *	status of "mailbox add".
 * SECURITY
 *	The password is read without echo (or from a file or standard
 *	input), never printed, and handed to "mailbox add" through a pipe
 *	on its standard input, never argv or a file.  Server replies are
 *	printed through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "alloc.h"
#include "cfg.h"
#include "ctl.h"
#include "exec.h"
#include "log.h"
#include "url.h"
#include "account.h"
#include "net.h"
#include "pop3.h"

#define SETUP_PW_MAX	4096

struct setup {
	char   *name;
	char   *server;
	char   *account;
	char   *type;
	char   *deliver;
	char   *ca;
	char   *domains;
	const char *pwfile;
	int	pop3s_port;
	int	pop3_port;
	int	ask;			/* a terminal, and no --yes */
	int	postfix;		/* -1 ask, 0 no, 1 yes */
	const char *oauth;		/* --oauth PROVIDER: no password */
	struct strbuf *pw;
};

/* What one probe found. */
struct setup_try {
	int	implicit;		/* pop3s */
	int	port;
	char	url[512];
	char	auth[32];		/* "" = auto */
	struct account_probe pr;
	int	rc;
	char	why[1024];
};

/* setup_name_ok - a mailbox name popconn accepts */

static int
setup_name_ok(const char *s)
{
	if (*s == 0 || strlen(s) > PC_NAME_MAX)
		return (0);
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return (0);
	return (1);
}

/* setup_default_name - "chris" from "chris@isp.example" */

static char *
setup_default_name(const char *account)
{
	char   *n = xstrdup(account), *p;

	n[strcspn(n, "@%")] = 0;
	for (p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			*p = '-';
	if (*n == 0 || strlen(n) > PC_NAME_MAX) {
		free(n);
		n = xstrdup("mailbox");
	}
	return (n);
}

/* setup_postfix_domains - local_domains candidates from Postfix */

static char *
setup_postfix_domains(const struct ctl *c)
{
	const char *pcd = c->fs.postfix_config_directory;
	char   *argv[8], *res, *w;
	size_t	len;
	struct strbuf *out = strbuf_alloc(64 * 1024);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *list = strbuf_alloc(4096);
	int	n = 0, status = -1;

	argv[n++] = (char *)(uintptr_t)"/usr/sbin/postconf";
	if (pcd && *pcd) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)pcd;
	}
	argv[n++] = (char *)(uintptr_t)"-xh";
	argv[n++] = (char *)(uintptr_t)"mydestination";
	argv[n++] = (char *)(uintptr_t)"virtual_mailbox_domains";
	argv[n++] = (char *)(uintptr_t)"virtual_alias_domains";
	argv[n] = NULL;
	if (exec_run(argv, NULL, -1, out, 30, &status, why) == PC_OK &&
	    status == 0) {
		/* Names only: not localhost, not a table, not $expansions. */
		for (w = out->data; *w; w += len) {
			w += strspn(w, " ,\t\r\n");
			if ((len = strcspn(w, " ,\t\r\n")) == 0)
				break;
			if (strncasecmp(w, "localhost", 9) == 0 ||
			    memchr(w, '.', len) == NULL || memchr(w, ':', len)
			    || memchr(w, '/', len) || memchr(w, '$', len))
				continue;
			(void)strbuf_appendf(list, "%s%.*s", list->len ? ", " :
			    "", (int)len, w);
		}
	}
	res = list->len ? xstrdup(strbuf_str(list)) : NULL;
	strbuf_free(out);
	strbuf_free(why);
	strbuf_free(list);
	return (res);
}

/* setup_probe - log in once with url and auth, look, change nothing */

static void
setup_probe(struct ctl *c, struct setup *s, struct setup_try *t)
{
	struct cfg_mailbox b;
	struct cfg_dict *pw = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	const struct cfg_entry *e;
	struct account a;

	memset(&b, 0, sizeof(b));
	memset(&a, 0, sizeof(a));
	b.name = s->name;
	b.type = s->type;
	b.url = t->url;
	b.deliver_to = s->deliver;
	b.file = (char *)(uintptr_t)"(setup)";
	b.opts = cfg_dict_alloc();
	if (s->ca && *s->ca)
		cfg_dict_set(b.opts, "tls_ca_file", s->ca, "(setup)", 0);
	if (*t->auth)
		cfg_dict_set(b.opts, "auth", t->auth, "(setup)", 0);
	cfg_dict_set(pw, s->name, strbuf_str(s->pw), "(setup)", 0);
	memset(&t->pr, 0, sizeof(t->pr));
	if ((t->rc = account_load(&a, &b, c->main, pw, why)) != PC_OK)
		t->pr.error = ACCOUNT_ERR_OTHER;
	else
		t->rc = account_test(&a, &t->pr, why);
	(void)log_printable(t->why, sizeof(t->why), strbuf_str(why),
	    strbuf_len(why));
	account_free(&a);
	cfg_dict_free(b.opts);
	if ((e = cfg_dict_find(pw, s->name)) != NULL)
		explicit_bzero(e->value, strlen(e->value));
	cfg_dict_free(pw);
	strbuf_free(why);
}

/* setup_cert - show the certificate that did not verify (no login) */

static void
setup_cert(struct ctl *c, const struct setup *s, const struct setup_try *t)
{
	struct strbuf *info = strbuf_alloc(4096);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct pop3 p;
	struct pop3_opts o;

	/*
	 * A second connection, verification off, only to read what the
	 * certificate says; nothing is sent but CAPA (and STLS), no
	 * credential, and the session is closed at once.
	 */
	memset(&o, 0, sizeof(o));
	o.host = s->server;
	o.port = t->port;
	o.tls = t->implicit ? POP3_TLS_IMPLICIT : POP3_TLS_STLS;
	o.connect_timeout = (int)c->fs.connect_timeout;
	o.command_timeout = (int)c->fs.command_timeout;
	o.session_timeout = 60;
	o.no_verify = 1;
	pop3_init(&p, "setup");
	(void)pop3_open(&p, &o, why);	/* the handshake is what counts */
	if (net_cert_info(&p.net, info) == 0)
		printf("  the server's certificate: %s\n", strbuf_str(info));
	pop3_close(&p);
	strbuf_free(info);
	strbuf_free(why);
}

/* setup_offers - does the probe list mechanism m? */

static int
setup_offers(const struct account_probe *pr, const char *m)
{
	const char *s = pr->sasl;
	size_t	len = strlen(m), w;

	if (strcasecmp(m, "apop") == 0)
		return (pr->apop);
	if (strcasecmp(m, "user") == 0)
		return (1);
	while (*s) {
		w = strcspn(s, " ");
		if (w == len && strncasecmp(s, m, len) == 0)
			return (1);
		s += w;
		s += strspn(s, " ");
	}
	return (0);
}

/* setup_show - one line per probe */

static void
setup_show(const struct setup_try *t)
{
	char	b1[300];

	if (t->rc == PC_OK) {
		int	fell = strncmp(t->pr.mech_why, "auto: after", 11) == 0;

		printf("  %s%s%s%s: ok: TLS %s, logged in with %s%s%s%s; %lu "
		    "message%s, %llu bytes; offers SASL %s%s%s%s\n", t->url,
		    *t->auth ? " (auth " : "", t->auth, *t->auth ? ")" : "",
		    t->pr.tls, t->pr.mech, fell ? " (" : "", fell ?
		    t->pr.mech_why : "", fell ? ")" : "", t->pr.messages, t->pr.messages == 1 ? "" :
		    "s", t->pr.bytes, *t->pr.sasl ? log_printable(b1,
		    sizeof(b1), t->pr.sasl, strlen(t->pr.sasl)) : "(none)",
		    t->pr.apop ? ", APOP" : "", t->pr.messages == 0 ? "" :
		    t->pr.uidl ? ", UIDL" : ", no UIDL", t->pr.pipelining ?
		    ", PIPELINING" : "");
	} else {
		printf("  %s%s%s%s: %s\n", t->url, *t->auth ? " (auth " : "",
		    t->auth, *t->auth ? ")" : "", t->why);
	}
}

/* setup_find - try the ways in, most secure first; 0 or exit status */

static int
setup_find(struct ctl *c, struct setup *s, struct setup_try *best)
{
	/*
	 * After the strongest mechanism failed: one more login, with the
	 * plain password inside TLS, which every server checks the same
	 * way (a server may keep passwords in a form its SCRAM or CRAM
	 * cannot use).  Not more: each failure counts towards a lockout.
	 */
	static const char *const mechs[] = {"PLAIN", "user"};
	struct strbuf *u = strbuf_alloc(sizeof(best->url));
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct setup_try t;
	size_t	i, k;
	int	implicit, port;

	printf("Probing %s (account %s):\n", s->server, s->account);
	for (i = 0; i < 2; i++) {
		implicit = i == 0;
		port = implicit ? s->pop3s_port : s->pop3_port;
		memset(&t, 0, sizeof(t));
		if (url_format(u, implicit, s->account, s->server, port, why) !=
		    PC_OK) {
			ctl_err("%s", strbuf_str(why));
			strbuf_free(u);
			strbuf_free(why);
			return (EX_USAGE);
		}
		pc_strlcpy(t.url, strbuf_str(u), sizeof(t.url));
		t.implicit = implicit;
		t.port = port;
		setup_probe(c, s, &t);
		setup_show(&t);
		if (t.rc == PC_OK) {
			/*
			 * auth = auto fell back from a stronger mechanism
			 * (issue 20): write the one that worked, as when
			 * this wizard found it itself.
			 */
			if (!*t.auth && strncmp(t.pr.mech_why, "auto: after",
			    11) == 0)
				pc_strlcpy(t.auth, t.pr.mech, sizeof(t.auth));
			*best = t;
			break;
		}
		switch (t.pr.error) {
		case ACCOUNT_ERR_AUTH:
		case ACCOUNT_ERR_MECH:
			/* The strongest failed: the weaker ones offered. */
			for (k = 0; k < PC_ARRAY_LEN(mechs); k++) {
				struct setup_try w = t;

				if (strcasecmp(mechs[k], t.pr.mech) == 0)
					break;	/* that one failed already */
				if (!setup_offers(&t.pr, mechs[k]))
					continue;
				pc_strlcpy(w.auth, mechs[k], sizeof(w.auth));
				setup_probe(c, s, &w);
				setup_show(&w);
				if (w.rc == PC_OK)
					*best = w;
				break;
			}
			strbuf_free(u);
			strbuf_free(why);
			if (best->url[0])
				return (0);
			/* Issue 24: Microsoft 365 and Gmail take only OAuth. */
			if (setup_offers(&t.pr, "XOAUTH2") ||
			    setup_offers(&t.pr, "OAUTHBEARER"))
				ctl_note("%s offers OAuth 2.0 sign-in (%s): add "
				    "the mailbox, then popconnctl oauth login "
				    "NAME --provider %s (or run setup again "
				    "with --oauth PROVIDER)", s->server, t.pr.sasl,
				    strcasestr(s->server, "google") ||
				    strcasestr(s->server, "gmail") ? "google" :
				    strcasestr(s->server, "office365") ||
				    strcasestr(s->server, "outlook") ?
				    "microsoft" : "generic");
			ctl_err("wrong password for %s at %s (no mechanism "
			    "the server offers accepted it): nothing written",
			    s->account, s->server);
			return (EX_NOUSER);
		case ACCOUNT_ERR_TLS_VERIFY:
			ctl_err("the TLS certificate of %s does not verify: "
			    "nothing written.  If the name is right and your "
			    "ISP's certificate comes from a private CA, give "
			    "that CA: popconnctl setup ... --tls-ca-file "
			    "/etc/popconn/isp-ca.pem (or tls_ca_file in "
			    "popconn.cf); else use the host name the "
			    "certificate names", s->server);
			setup_cert(c, s, &t);
			strbuf_free(u);
			strbuf_free(why);
			return (EX_NOPERM);
		case ACCOUNT_ERR_DNS:
			ctl_err("cannot resolve %s: check the server name",
			    s->server);
			strbuf_free(u);
			strbuf_free(why);
			return (EX_NOHOST);
		default:
			break;	/* closed, no TLS, no STLS: the next way */
		}
	}
	strbuf_free(u);
	strbuf_free(why);
	if (best->url[0])
		return (0);
	ctl_err("%s answered neither POP3 with TLS on port %d nor POP3 with "
	    "STLS on port %d: nothing written (check the name, the ports "
	    "with --pop3s-port and --pop3-port, and the firewall)",
	    s->server, s->pop3s_port, s->pop3_port);
	return (EX_UNAVAILABLE);
}

/* setup_add - "mailbox add", the password through a pipe on stdin */

static int
setup_add(struct ctl *c, struct setup *s, const struct setup_try *t)
{
	char   *argv[16], opt[64];
	int	argc = 0, p[2], saved, rc;

	argv[argc++] = (char *)(uintptr_t)"mailbox";
	argv[argc++] = (char *)(uintptr_t)"add";
	argv[argc++] = s->name;
	argv[argc++] = (char *)(uintptr_t)"--type";
	argv[argc++] = s->type;
	argv[argc++] = (char *)(uintptr_t)"--url";
	argv[argc++] = (char *)(uintptr_t)t->url;
	if (strcmp(s->type, "user") == 0) {
		argv[argc++] = (char *)(uintptr_t)"--deliver-to";
		argv[argc++] = s->deliver;
	}
	if (s->ca && *s->ca) {
		argv[argc++] = (char *)(uintptr_t)"--tls-ca-file";
		argv[argc++] = s->ca;
	}
	if (*t->auth) {
		(void)snprintf(opt, sizeof(opt), "auth=%s", t->auth);
		argv[argc++] = (char *)(uintptr_t)"-o";
		argv[argc++] = opt;
	}
	if (s->oauth) {
		/* The sign-in stores the refresh token in its place. */
		argv[argc++] = (char *)(uintptr_t)"--no-password";
		argv[argc] = NULL;
		optind = 0;
		return (ctl_cmd_mailbox(c, argc, argv));
	}
	argv[argc++] = (char *)(uintptr_t)"--password-file";
	argv[argc++] = (char *)(uintptr_t)"-";
	argv[argc] = NULL;
	if (pipe(p) != 0 || (saved = dup(0)) < 0) {
		ctl_errno("pipe");
		return (EX_OSERR);
	}
	/* Fits in the pipe: at most SETUP_PW_MAX bytes and a newline. */
	if (write(p[1], strbuf_str(s->pw), strbuf_len(s->pw)) < 0 ||
	    write(p[1], "\n", 1) < 0) {
		ctl_errno("pipe");
		close(p[0]);
		close(p[1]);
		close(saved);
		return (EX_OSERR);
	}
	close(p[1]);
	(void)dup2(p[0], 0);
	close(p[0]);
	optind = 0;
	rc = ctl_cmd_mailbox(c, argc, argv);
	(void)dup2(saved, 0);
	close(saved);
	return (rc);
}

/*
 * setup_oauth - an OAuth 2.0 mailbox: implicit TLS on the POP3S port, no
 * password, auth = xoauth2; then "oauth login NAME --provider P" signs
 * in, stores the refresh token and tests the login (issue 24).
 */
static int
setup_oauth(struct ctl *c, struct setup *s, struct setup_try *t)
{
	struct strbuf *u = strbuf_alloc(sizeof(t->url));
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char   *argv[6];
	int	argc = 0, rc;

	if (!*t->url) {
		if (url_format(u, 1, s->account, s->server, s->pop3s_port,
		    why) != PC_OK) {
			ctl_err("%s", strbuf_str(why));
			strbuf_free(u);
			strbuf_free(why);
			return (EX_USAGE);
		}
		pc_strlcpy(t->url, strbuf_str(u), sizeof(t->url));
	}
	strbuf_free(u);
	strbuf_free(why);
	pc_strlcpy(t->auth, "xoauth2", sizeof(t->auth));
	printf("Chosen: %s, OAuth 2.0 sign-in (%s)\n", t->url, s->oauth);
	if ((rc = setup_add(c, s, t)) != 0)
		return (rc);
	argv[argc++] = (char *)(uintptr_t)"oauth";
	argv[argc++] = (char *)(uintptr_t)"login";
	argv[argc++] = s->name;
	argv[argc++] = (char *)(uintptr_t)"--provider";
	argv[argc++] = (char *)(uintptr_t)s->oauth;
	argv[argc] = NULL;
	optind = 0;
	return (ctl_cmd_oauth(c, argc, argv));
}

/* setup_domains - local_domains for a global mailbox */

static int
setup_domains(struct ctl *c, struct setup *s)
{
	struct cfgedit e;
	struct strbuf *why;
	char	path[PATH_MAX];
	int	rc;

	char   *pf;

	if (*c->ms.local_domains && s->domains == NULL)
		return (0);
	pf = setup_postfix_domains(c);
	if (s->domains == NULL) {
		s->domains = pf ? xstrdup(pf) : NULL;
		if (s->ask)
			(void)ctl_question("Your domains (local_domains)",
			    "A global mailbox needs the domains that are yours "
			    "(mail to other domains goes to the undeliverable "
			    "mailbox).", &s->domains);
	}
	if (s->domains == NULL || *s->domains == 0) {
		free(pf);
		ctl_err("a global mailbox needs local_domains, and Postfix "
		    "names none of its own: give --local-domains "
		    "DOMAIN[,DOMAIN...]");
		return (EX_USAGE);
	}
	/* An empty local_domains means Postfix's domains: leave it so. */
	if (pf && strcmp(pf, s->domains) == 0) {
		printf("local_domains: Postfix's own domains (%s), read when "
		    "the milter starts\n", pf);
		free(pf);
		return (0);
	}
	free(pf);
	memset(&e, 0, sizeof(e));
	why = strbuf_alloc(CTL_WHY_MAX);
	if (ctl_path(c, path, sizeof(path), "popconn.cf") < 0 ||
	    cfgedit_open(&e, CFGEDIT_MAIN, path, why) != PC_OK ||
	    cfgedit_main_set(&e, "local_domains", s->domains, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
	} else if ((rc = ctl_commit(&e)) == 0) {
		printf("local_domains = %s (saved in %s)\n", s->domains, path);
	}
	if (e.text)
		cfgedit_free(&e);
	strbuf_free(why);
	return (rc);
}

/* setup_taken - is the name, or the account on either port, in use? */

static int
setup_taken(struct ctl *c, const struct setup *s)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b = NULL;
	struct strbuf *u = strbuf_alloc(512);
	int	rc, i;

	memset(&m, 0, sizeof(m));
	if ((rc = ctl_load_boxes(c, &m)) != 0) {
		strbuf_free(u);
		return (rc);
	}
	if ((b = ctl_find_box(&m, s->name)) != NULL) {
		ctl_err("mailbox %s exists already (%s, line %d): choose "
		    "another --name, or change it with popconnctl mailbox "
		    "edit", s->name, b->file, b->line);
		rc = EX_DATAERR;
	}
	/* The same account over POP3S or POP3 is one ISP mailbox. */
	for (i = 0; rc == 0 && i < 2; i++) {
		if (url_format(u, i == 0, s->account, s->server, i == 0 ?
		    s->pop3s_port : s->pop3_port, NULL) != PC_OK)
			continue;
		if ((b = ctl_same_account(&m, m.n, s->name, strbuf_str(u))) !=
		    NULL) {
			ctl_err("mailbox %s (%s, line %d) already fetches %s at "
			    "%s (%s): a second one would deliver every message "
			    "twice", b->name, b->file, b->line, s->account,
			    s->server, b->url);
			rc = EX_DATAERR;
		}
	}
	cfg_mailboxes_free(&m);
	strbuf_free(u);
	return (rc);
}

/* setup_free - release the answers */

static void
setup_free(struct setup *s)
{
	free(s->name);
	free(s->server);
	free(s->account);
	free(s->type);
	free(s->deliver);
	free(s->ca);
	free(s->domains);
	if (s->pw) {
		strbuf_wipe(s->pw);
		strbuf_free(s->pw);
	}
}

/* setup_port - a --pop3s-port or --pop3-port value into *port */

static int
setup_port(const char *flag, const char *arg, int *port)
{
	char   *end;
	long	v = strtol(arg, &end, 10);

	if (*end || v < 1 || v > 65535) {
		ctl_err("--%s %s: a port number", flag, arg);
		return (EX_USAGE);
	}
	*port = (int)v;
	return (0);
}

/*
 * setup_args - the flags into *s
 *
 * One case per entry of the option table, in its order; a bad port or
 * provider, an unknown flag or a word left over is a usage error
 * (EX_USAGE, said here).  --yes sets *yes.  What it stores in *s is
 * freed by setup_free(), on an error too.
 */

static int
setup_args(struct setup *s, int *yes, int argc, char **argv)
{
	static const struct option lo[] = {
		{"name", required_argument, NULL, 'n'},
		{"server", required_argument, NULL, 's'},
		{"account", required_argument, NULL, 'a'},
		{"type", required_argument, NULL, 't'},
		{"deliver-to", required_argument, NULL, 'd'},
		{"password-file", required_argument, NULL, 'p'},
		{"tls-ca-file", required_argument, NULL, 'C'},
		{"pop3s-port", required_argument, NULL, 'S'},
		{"pop3-port", required_argument, NULL, 'P'},
		{"local-domains", required_argument, NULL, 'l'},
		{"postfix-setup", no_argument, NULL, 'X'},
		{"no-postfix-setup", no_argument, NULL, 'x'},
		{"yes", no_argument, NULL, 'y'},
		{"oauth", required_argument, NULL, 'O'},
		{NULL, 0, NULL, 0},
	};
	int	ch, rc = 0;

	while (rc == 0 && (ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			s->name = xstrdup(optarg);
			break;
		case 's':
			s->server = xstrdup(optarg);
			break;
		case 'a':
			s->account = xstrdup(optarg);
			break;
		case 't':
			s->type = xstrdup(optarg);
			break;
		case 'd':
			s->deliver = xstrdup(optarg);
			break;
		case 'p':
			s->pwfile = optarg;
			break;
		case 'C':
			s->ca = xstrdup(optarg);
			break;
		case 'S':
			rc = setup_port("pop3s-port", optarg, &s->pop3s_port);
			break;
		case 'P':
			rc = setup_port("pop3-port", optarg, &s->pop3_port);
			break;
		case 'l':
			s->domains = xstrdup(optarg);
			break;
		case 'X':
			s->postfix = 1;
			break;
		case 'x':
			s->postfix = 0;
			break;
		case 'y':
			*yes = 1;
			break;
		case 'O':
			if (strcmp(optarg, "microsoft") != 0 &&
			    strcmp(optarg, "google") != 0 &&
			    strcmp(optarg, "generic") != 0) {
				ctl_err("--oauth %s: use microsoft, google or "
				    "generic", optarg);
				rc = EX_USAGE;
			}
			s->oauth = optarg;
			break;
		default:
			rc = EX_USAGE;
		}
	}
	if (rc == 0 && optind != argc) {
		ctl_err("usage: setup [--server HOST] [--account USER] "
		    "[--type user|global] [--deliver-to ADDR] [--name NAME] "
		    "[--password-file FILE|-] [--tls-ca-file FILE] "
		    "[--pop3s-port N] [--pop3-port N] [--local-domains LIST] "
		    "[--postfix-setup|--no-postfix-setup] [--yes] "
		    "[--oauth microsoft|google|generic]");
		rc = EX_USAGE;
	}
	return (rc);
}

/*
 * setup_questions - server, account, type, name and deliver-to
 *
 * On a terminal (s->ask) each is asked, with what the flags or the
 * defaults gave as the answer Enter keeps; then each is checked, and a
 * missing or bad one is a usage error (EX_USAGE, said here).  The
 * defaults are mailbox add's: type user, the name from the account and
 * the local user of that name to deliver to.
 */

static int
setup_questions(struct setup *s)
{
	int	global;

	if (s->ask) {
		fprintf(stderr, "popconn setup: a mailbox at your ISP, fetched "
		    "into Postfix.  Enter keeps [the default].\n");
		(void)ctl_question("ISP's POP3 server (host name)", NULL,
		    &s->server);
		(void)ctl_question("Account (user name at the ISP)", NULL,
		    &s->account);
	}
	if (s->server == NULL || *s->server == 0 || s->account == NULL ||
	    *s->account == 0) {
		ctl_err("setup needs --server HOST and --account USER (asked "
		    "for only on a terminal)");
		return (EX_USAGE);
	}
	if (s->type == NULL)
		s->type = xstrdup("user");
	if (s->ask)
		(void)ctl_question("Type: user (one person's mail) or global "
		    "(a whole domain's, routed by To/Cc)", NULL, &s->type);
	if (strcmp(s->type, "user") != 0 && strcmp(s->type, "global") != 0) {
		ctl_err("--type %s: use user or global", s->type);
		return (EX_USAGE);
	}
	global = strcmp(s->type, "global") == 0;
	if (s->name == NULL)
		s->name = setup_default_name(s->account);
	if (s->ask)
		(void)ctl_question("Name of this mailbox in popconn", NULL,
		    &s->name);
	if (!setup_name_ok(s->name)) {
		ctl_err("--name %s: letters, digits, '.', '_' and '-', at most "
		    "%d", s->name, PC_NAME_MAX);
		return (EX_USAGE);
	}
	/* As mailbox add: by default the local user of the same name. */
	if (!global && s->deliver == NULL)
		s->deliver = xstrdup(s->name);
	if (!global && s->ask)
		(void)ctl_question("Deliver to (a local user, alias or "
		    "address)", NULL, &s->deliver);
	if (!global && (s->deliver == NULL || *s->deliver == 0)) {
		ctl_err("a user mailbox needs --deliver-to ADDRESS");
		return (EX_USAGE);
	}
	return (0);
}

/*
 * setup_postfix_apply - postfix-setup --apply for a global mailbox
 *
 * When --postfix-setup was given, or the administrator says yes at the
 * question (asked only on a terminal, and only without either flag);
 * it runs the verb itself, as the administrator would.  Its exit status,
 * or 0 when not asked for.
 */

static int
setup_postfix_apply(struct ctl *c, struct setup *s)
{
	char   *pfargv[3];

	if (s->postfix < 0)
		s->postfix = s->ask && ctl_question_yes("Add popconn-milter "
		    "to Postfix now (postfix-setup --apply)?", 0);
	if (s->postfix != 1)
		return (0);
	pfargv[0] = (char *)(uintptr_t)"postfix-setup";
	pfargv[1] = (char *)(uintptr_t)"--apply";
	pfargv[2] = NULL;
	optind = 0;
	return (ctl_cmd_postfix_setup(c, 2, pfargv));
}

/* ctl_cmd_setup - setup [flags]: ask, probe, write */

int
ctl_cmd_setup(struct ctl *c, int argc, char **argv)
{
	struct setup s;
	struct setup_try best;
	int	rc, yes = 0, global;

	memset(&s, 0, sizeof(s));
	memset(&best, 0, sizeof(best));
	s.pop3s_port = 995;
	s.pop3_port = 110;
	s.postfix = -1;
	if ((rc = setup_args(&s, &yes, argc, argv)) != 0 ||
	    (rc = ctl_load(c)) != 0)
		goto out;
	/* Standard input is the terminal, unless the password comes that way. */
	s.ask = !yes && isatty(0) && (s.pwfile == NULL ||
	    strcmp(s.pwfile, "-") != 0);
	if ((rc = setup_questions(&s)) != 0 || (rc = setup_taken(c, &s)) != 0)
		goto out;
	global = strcmp(s.type, "global") == 0;
	if (s.oauth) {
		if ((!global || (rc = setup_domains(c, &s)) == 0) &&
		    (rc = setup_oauth(c, &s, &best)) == 0)
			goto next;
		goto out;
	}
	s.pw = strbuf_alloc(SETUP_PW_MAX);
	if ((rc = ctl_read_password(s.name, s.pwfile ? s.pwfile :
	    s.ask ? NULL : "-", s.pw)) != 0)
		goto out;

	if ((rc = setup_find(c, &s, &best)) != 0)
		goto out;
	printf("Chosen: %s, TLS %s, %s%s%s\n", best.url, best.pr.tls,
	    *best.auth ? "auth " : "auth auto (", *best.auth ? best.auth :
	    best.pr.mech, *best.auth ? "" : ")");
	if (global && (rc = setup_domains(c, &s)) != 0)
		goto out;
	if ((rc = setup_add(c, &s, &best)) != 0)
		goto out;
	if (global && (rc = setup_postfix_apply(c, &s)) != 0)
		goto out;
next:
	printf("Next:\n");
	if (global && s.postfix != 1)
		printf("  popconnctl postfix-setup --apply    # the milter "
		    "in Postfix (see what it does without --apply)\n");
	printf("  systemctl enable --now popconn-fetcher%s\n", global ?
	    " popconn-milter" : "");
	printf("  popconnctl fetch %s\n", s.name);
out:
	setup_free(&s);
	return (rc);
}
