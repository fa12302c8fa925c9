/*
 * NAME
 *	account_login - a mailbox's settings, its login, and the probe
 * SYNOPSIS
 *	See account.h (account_load(), account_free(), account_test()) and
 *	account_login.h (what account.c's fetch session uses).
 * DESCRIPTION
 *	Everything "popconnctl mailbox test" needs and nothing of the
 *	fetch: the settings of one mailbox (parameter table, URL, password
 *	or password_command), the choice of authentication mechanism and
 *	the login over the POP3 engine (pop3_io.c, pop3_engine.c), and
 *	account_test(), which connects, logs in, lists and quits.  It is
 *	the narrow entry point popconnctl links (libpop3.a in the Makefile)
 *	instead of the fetcher's spool, UIDL state and delivery.
 * SECURITY
 *	The password is wiped when the account is freed and never logged.
 *	A password is sent over an unencrypted connection only with
 *	"-o tls=none" on that mailbox.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "cfg.h"
#include "pop3.h"
#include "safeio.h"
#include "exec.h"
#include "xsasl.h"
#include "marker.h"
#include "account.h"
#include "account_login.h"
#include "oauth_token.h"

/*
 * account_env - the marker's env= field: "0", "1", or "1:N:HEADER" when
 * the mailbox names its own envelope header (fetchmail's "envelope N
 * header").
 */

static int
account_env(struct account *a, const struct cfg_mailbox *m,
    struct strbuf *why)
{
	const char *h = a->set.envelope_header;
	size_t	i, len = strlen(h);
	int	n;

	if (!a->set.trust_envelope_headers) {
		pc_strlcpy(a->env, "0", sizeof(a->env));
		return (PC_OK);
	}
	if (len == 0) {
		pc_strlcpy(a->env, "1", sizeof(a->env));
		return (PC_OK);
	}
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			break;
	n = snprintf(a->env, sizeof(a->env), "1:%lld:%s",
	    a->set.envelope_header_skip, h);
	if (i < len || len > 64 || n < 0 || (size_t)n >= sizeof(a->env)) {
		strbuf_printf(why, "%s, line %d: mailbox %s: envelope_header = "
		    "%s: a header name (letters, digits, '-'), at most 64",
		    m->file, m->line, m->name, h);
		return (PC_PERM);
	}
	return (PC_OK);
}

/* account_load - settings, URL and password of one mailbox */

int
account_load(struct account *a, const struct cfg_mailbox *m,
    const struct cfg_dict *main, const struct cfg_dict *pw,
    struct strbuf *why)
{
	const struct cfg_param *const tabs[] = {params_fetcher};
	const struct cfg_dict *layers[2];
	const struct cfg_entry *e;
	struct strbuf *w2 = strbuf_alloc(1024);
	int	rc;

	memset(a, 0, sizeof(*a));
	a->name = xstrdup(m->name);
	a->type = strcmp(m->type, "global") == 0 ? ACCOUNT_GLOBAL :
	    ACCOUNT_USER;
	a->deliver_to = xstrdup(m->deliver_to ? m->deliver_to : m->name);
	layers[0] = main;
	layers[1] = m->opts;
	if ((rc = cfg_check_known(m->opts, tabs, 1, CFG_MAILBOX, why)) !=
	    PC_OK ||
	    (rc = cfg_apply(params_fetcher, layers, 2, CFG_MAIN | CFG_MAILBOX,
	    &a->set, why)) != PC_OK)
		goto out;
	if (strcmp(a->set.size_limit_action, "leave") != 0 &&
	    strcmp(a->set.size_limit_action, "delete") != 0) {
		strbuf_printf(why, "%s, line %d: mailbox %s: size_limit_action "
		    "= %s: use leave or delete", m->file, m->line, m->name,
		    a->set.size_limit_action);
		rc = PC_PERM;
		goto out;
	}
	a->set.size_limit_delete = strcmp(a->set.size_limit_action,
	    "delete") == 0;
	if (strcmp(a->set.delivery_method, "sendmail") != 0 &&
	    strcmp(a->set.delivery_method, "smtp") != 0) {
		strbuf_printf(why, "%s, line %d: mailbox %s: delivery_method "
		    "= %s: use sendmail or smtp", m->file, m->line, m->name,
		    a->set.delivery_method);
		rc = PC_PERM;
		goto out;
	}
	if (strcmp(a->set.tls, "required") != 0 &&
	    strcmp(a->set.tls, "none") != 0) {
		strbuf_printf(why, "%s, line %d: mailbox %s: tls = %s: use "
		    "required or none", m->file, m->line, m->name, a->set.tls);
		rc = PC_PERM;
		goto out;
	}
	if (strcasecmp(a->set.auth, "auto") != 0 &&
	    strcasecmp(a->set.auth, "user") != 0 &&
	    strcasecmp(a->set.auth, "apop") != 0 &&
	    !xsasl_supported(a->set.auth)) {
		strbuf_printf(why, "%s, line %d: mailbox %s: auth = %s: use "
		    "auto, user, apop, plain, login, cram-md5, scram-sha-1, "
		    "scram-sha-256, ntlm, xoauth2 or oauthbearer", m->file,
		    m->line, m->name, a->set.auth);
		rc = PC_PERM;
		goto out;
	}
	a->rcpt = a->type == ACCOUNT_GLOBAL ? a->set.undeliverable_mailbox :
	    a->deliver_to;
	if ((rc = account_env(a, m, why)) != PC_OK)
		goto out;
	if (a->type == ACCOUNT_GLOBAL && (rc = marker_load_key(
	    a->set.marker_secret_file, a->marker_key, w2)) != PC_OK) {
		strbuf_printf(why, "mailbox %s (global): marker key: %s",
		    m->name, strbuf_str(w2));
		goto out;
	}
	if ((rc = url_parse(m->url, &a->url, w2)) != PC_OK) {
		strbuf_printf(why, "%s, line %d: mailbox %s: %s", m->file,
		    m->line, m->name, strbuf_str(w2));
		goto out;
	}
	if (*a->set.password_command) {
		if (a->set.password_command[0] != '/') {
			strbuf_printf(why, "%s, line %d: mailbox %s: "
			    "password_command must start with an absolute "
			    "path", m->file, m->line, m->name);
			rc = PC_PERM;
		}
		goto out;
	}
	/* App-only access with a named client secret needs nothing else. */
	if (*a->set.oauth_provider && strcmp(a->set.oauth_mode, "app") == 0 &&
	    (*a->set.oauth_client_secret_name ||
	    *a->set.oauth_client_certificate)) {
		rc = oauth_token_setup(a, pw, why);
		goto out;
	}
	if ((e = cfg_dict_find(pw, m->name)) == NULL) {
		strbuf_printf(why, "mailbox %s: no %s in the passwords file "
		    "(popconnctl %s %s)", m->name, *a->set.oauth_provider ?
		    "OAuth sign-in" : "password", *a->set.oauth_provider ?
		    "oauth login" : "passwd", m->name);
		a->no_password = 1;
		rc = PC_PERM;
		goto out;
	}
	a->password = xstrdup(e->value);
	if (*a->set.oauth_provider)
		rc = oauth_token_setup(a, pw, why);
out:
	strbuf_free(w2);
	return (rc);
}

/* account_free - release everything, wipe the password */

void
account_free(struct account *a)
{
	free(a->name);
	free(a->deliver_to);
	url_free(&a->url);
	if (a->password)
		xfree_secret(a->password);
	if (a->oauth_secret)
		xfree_secret(a->oauth_secret);
	cfg_free_values(params_fetcher, CFG_MAIN | CFG_MAILBOX, &a->set);
	explicit_bzero(a, sizeof(*a));
}

/* account_password_command - the secret from password_command (no shell) */

int
account_password_command(const struct account *a, char **secret,
    struct strbuf *why)
{
	struct strbuf *out = strbuf_alloc(16 * 1024);
	char   *copy = xstrdup(a->set.password_command), *argv[32], *w;
	int	argc = 0, status = 0, rc;

	/* Words separated by white space; no quoting, no shell. */
	for (w = copy; *w && argc < 31; ) {
		w += strspn(w, " \t");
		if (*w == 0)
			break;
		argv[argc++] = w;
		w += strcspn(w, " \t");
		if (*w)
			*w++ = 0;
	}
	argv[argc] = NULL;
	rc = exec_run(argv, NULL, -1, out, 60, &status, why);
	if (rc == PC_OK && status != 0) {
		strbuf_printf(why, "password_command exited with status %d",
		    status);
		rc = PC_TEMP;
	}
	while (rc == PC_OK && out->len > 0 && (out->data[out->len - 1] ==
	    '\n' || out->data[out->len - 1] == '\r'))
		strbuf_truncate(out, out->len - 1);
	if (rc == PC_OK && (out->len == 0 || memchr(out->data, 0, out->len) ||
	    strpbrk(out->data, "\r\n"))) {
		strbuf_printf(why, "password_command printed no usable secret");
		rc = PC_TEMP;
	}
	if (rc == PC_OK)
		*secret = xstrdup(out->data);
	strbuf_wipe(out);
	strbuf_free(out);
	free(copy);
	return (rc);
}

/* verdict - say what a refused login means (RFC 3206), after why */

static void
verdict(const struct pop3 *p, struct strbuf *why)
{
	if (p->auth_class == POP3_AUTH_OK || p->auth_class ==
	    POP3_AUTH_FAILED || !p->err_seen)
		return;
	strbuf_appendf(why, "; %s: %s", pop3_code_str(p->last_code),
	    pop3_auth_class_str(p->auth_class));
}

/*
 * auth = auto: what the server offers, strongest first.  The SCRAMs and
 * NTLMv2 never send the password nor anything replayable; CRAM-MD5 and
 * APOP send a keyed digest of it; PLAIN, LOGIN and USER send the
 * password itself ("clear"), which invariant 5 allows only inside TLS
 * or where the mailbox says tls = none.  XOAUTH2 and OAUTHBEARER take a
 * token, not a password: only by name.
 */
#define AM_SASL		0
#define AM_APOP		1
#define AM_USER		2

static const struct auth_mech {
	const char *name;
	int	kind;			/* AM_* */
	int	clear;			/* sends the password itself */
} auth_order[] = {
	{"SCRAM-SHA-256", AM_SASL, 0},
	{"SCRAM-SHA-1", AM_SASL, 0},
	{"NTLM", AM_SASL, 0},
	{"CRAM-MD5", AM_SASL, 0},
	{"APOP", AM_APOP, 0},
	{"PLAIN", AM_SASL, 1},
	{"LOGIN", AM_SASL, 1},
	{"USER", AM_USER, 1},
};

#define AUTH_RECONNECTS	2	/* a server that hangs up after a refusal */

/* auth_find - a mechanism of auto's list by name, or NULL */

static const struct auth_mech *
auth_find(const char *name)
{
	size_t	i;

	for (i = 0; i < PC_ARRAY_LEN(auth_order); i++)
		if (strcasecmp(auth_order[i].name, name) == 0)
			return (&auth_order[i]);
	return (NULL);
}

/* auth_offered - does this server offer the mechanism? */

static int
auth_offered(const struct pop3 *p, const struct auth_mech *m)
{
	char	hex[33];

	switch (m->kind) {
	case AM_APOP:
		return (p->apop_ts[0] && xsasl_apop(p->apop_ts, "x", hex) ==
		    PC_OK);
	case AM_USER:
		/* RFC 2449: CAPA says USER; without CAPA, RFC 1939 holds. */
		return (!(p->caps.flags & POP3_CAP_ANSWERED) ||
		    (p->caps.flags & POP3_CAP_USER));
	default:
		return (pop3_offers(&p->caps, m->name));
	}
}

/* auth_allowed - may this mailbox use it on this connection? */

static int
auth_allowed(const struct account *a, const struct pop3 *p,
    const struct auth_mech *m)
{
	/* Invariant 5: the password in clear only inside TLS or by say-so. */
	return (!m->clear || p->tls_active || strcmp(a->set.tls, "none") == 0);
}

/* auth_path - the file that remembers what worked for a mailbox */

static int
auth_path(const struct account *a, char *path, size_t size)
{
	int	n = snprintf(path, size, "%s/%s.auth", a->set.state_directory,
	    a->name);

	return (n > 0 && (size_t)n < size ? 0 : -1);
}

/* auth_recall - the mechanism that worked last time, or "" */

static void
auth_recall(const struct account *a, char *mech, size_t size)
{
	struct strbuf *buf = strbuf_alloc(512);
	char	path[4096];
	size_t	n;

	mech[0] = 0;
	if (auth_path(a, path, sizeof(path)) == 0 && access(path, F_OK) == 0 &&
	    safeio_read_file(path, 512, 0, buf, NULL) == PC_OK) {
		n = strcspn(strbuf_str(buf), " \n");
		if (n < size) {
			memcpy(mech, strbuf_str(buf), n);
			mech[n] = 0;
		}
		if (auth_find(mech) == NULL)	/* our own file; be careful */
			mech[0] = 0;
	}
	strbuf_free(buf);
}

/* auth_remember - write down what worked (state directory) */

static void
auth_remember(const struct account *a, const char *mech, const char *how)
{
	struct strbuf *buf = strbuf_alloc(1024);
	struct strbuf *w = strbuf_alloc(512);
	char	path[4096];

	(void)strbuf_printf(buf, "%s %s\n", mech, how);
	if (auth_path(a, path, sizeof(path)) != 0 || safeio_replace(path,
	    buf->data, buf->len, 0600, w) != PC_OK)
		log_warn("acct=%s: cannot remember mechanism %s: %s", a->name,
		    mech, strbuf_str(w));
	strbuf_free(buf);
	strbuf_free(w);
}

/* auth_try - one login with one mechanism */

static int
auth_try(struct account *a, struct pop3 *p, const char *mech,
    const char *secret, struct strbuf *why)
{
	int	rc;

	log_debug("acct=%s: authenticating with %s", a->name, mech);
	if (strcasecmp(mech, "user") == 0)
		rc = pop3_login(p, a->url.user, secret, why);
	else if (strcasecmp(mech, "apop") == 0)
		rc = pop3_apop(p, a->url.user, secret, why);
	else
		rc = pop3_sasl(p, mech, a->url.user, secret, a->url.host,
		    a->url.port, why);
	if (rc != PC_OK)
		verdict(p, why);
	return (rc);
}

/* auth_upper - a mechanism name in upper case, as servers spell it */

static void
auth_upper(char *out, size_t size, const char *in)
{
	size_t	i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	out[i] = 0;
}

/*
 * auth_fixed - auth = NAME: that mechanism alone
 *
 * A SASL mechanism the server's CAPA does not list is not tried
 * (POP3_AUTH_NOT_OFFERED), nor is any without TLS unless tls = none
 * says so (invariant 5: no password in clear); ch->why says that the
 * setting chose it.  PC_OK, or why and the status of the attempt.
 */

static int
auth_fixed(struct account *a, struct pop3 *p, const char *secret,
    struct auth_choice *ch, struct strbuf *why)
{
	auth_upper(ch->mech, sizeof(ch->mech), a->set.auth);
	(void)snprintf(ch->why, sizeof(ch->why), "set by auth = %s",
	    a->set.auth);
	if (strcasecmp(ch->mech, "user") != 0 &&
	    strcasecmp(ch->mech, "apop") != 0 &&
	    (p->caps.flags & POP3_CAP_SASL) && !pop3_offers(&p->caps,
	    ch->mech)) {
		strbuf_printf(why, "server %s does not offer AUTH %s "
		    "(it offers: %s)", p->net.peer, a->set.auth,
		    p->caps.sasl[0] ? p->caps.sasl : "none");
		p->auth_class = POP3_AUTH_NOT_OFFERED;
		return (PC_PERM);
	}
	/* Invariant 5: no password in clear unless tls=none says so. */
	if (!p->tls_active && strcmp(a->set.tls, "none") != 0) {
		strbuf_printf(why, "no TLS: refusing to send credentials");
		return (PC_PERM);
	}
	return (auth_try(a, p, a->set.auth, secret, why));
}

/*
 * auth_candidates - auto's list: the remembered one, then the offered
 *
 * The mechanism that worked last time (recalled, "" for none) first
 * when the server still offers it, then every offered one of
 * auth_order[], strongest first, each once; USER alone when the server
 * announces nothing (RFC 1939).  cand has room for all of auth_order[]
 * and one more; the count.
 */

static size_t
auth_candidates(const struct pop3 *p, const char *recalled,
    const struct auth_mech **cand)
{
	const struct auth_mech *m;
	size_t	i, n = 0;

	if (recalled[0] && (m = auth_find(recalled)) != NULL &&
	    auth_offered(p, m))
		cand[n++] = m;
	for (i = 0; i < PC_ARRAY_LEN(auth_order); i++)
		if (auth_offered(p, &auth_order[i]) && (n == 0 ||
		    cand[0] != &auth_order[i]))
			cand[n++] = &auth_order[i];
	if (n == 0)		/* nothing announced: RFC 1939's USER */
		cand[n++] = auth_find("USER");
	return (n);
}

/*
 * auth_redial - call the server again after it hung up on a refusal
 *
 * Some servers close the connection after refusing one mechanism; the
 * next one (m) is then tried on a new session (the same options o).
 * PC_OK when the new session is open; otherwise its status, and the
 * reason replaces why.
 */

static int
auth_redial(const struct account *a, struct pop3 *p,
    const struct pop3_opts *o, const struct auth_mech *m,
    struct strbuf *why)
{
	struct strbuf *w2 = strbuf_alloc(1024);
	int	rc;

	log_info("acct=%s: %s; connecting again to try %s",
	    a->name, strbuf_str(why), m->name);
	pop3_close(p);
	pop3_init(p, a->name);
	if ((rc = pop3_open(p, o, w2)) != PC_OK)
		strbuf_printf(why, "%s", strbuf_str(w2));
	strbuf_free(w2);
	return (rc);
}

/*
 * auth_all_refused - auto's verdict when no mechanism was accepted
 *
 * The class is a wrong password when any refusal was for the
 * credentials (cred), else a refusal (refused), else nothing this
 * mailbox may use was offered (also when none was tried at all); why
 * and ch->why list what was tried (tried).  Always PC_PERM.
 */

static int
auth_all_refused(const struct account *a, struct pop3 *p, size_t ntried,
    int cred, int refused, const struct strbuf *tried,
    struct auth_choice *ch, struct strbuf *why)
{
	p->auth_class = cred ? POP3_AUTH_CREDENTIALS : refused ?
	    POP3_AUTH_REFUSED : POP3_AUTH_NOT_OFFERED;
	if (ntried == 0) {
		strbuf_printf(why, "server %s offers no mechanism this "
		    "mailbox may use (SASL: %s%s; %s)", p->net.peer,
		    p->caps.sasl[0] ? p->caps.sasl : "none", p->apop_ts[0] ?
		    ", APOP" : "", tried->len ? strbuf_str(tried) :
		    "nothing offered");
	} else {
		strbuf_printf(why, "auto: no mechanism worked at %s: %s",
		    p->net.peer, strbuf_str(tried));
		if (cred)
			strbuf_appendf(why, " (authentication failed for %s)",
			    a->url.user);
	}
	(void)snprintf(ch->why, sizeof(ch->why), "auto: %s",
	    strbuf_str(tried));
	return (PC_PERM);
}

/*
 * account_login - log in with the chosen or the strongest mechanism
 *
 * auth = NAME: that mechanism alone.  auth = auto: the one that worked
 * last time first (remembered in the state directory), then what the
 * server offers from strongest to weakest, each only where this mailbox
 * may use it on this connection.  A refusal with [AUTH] or without a
 * code moves on to the next one (GNU Mailutils offers APOP to everyone
 * and refuses it to users without an APOP secret); [IN-USE],
 * [LOGIN-DELAY] and [SYS/TEMP] stop at once and defer the mailbox for
 * the delay the server asks for (trying on would only count as more
 * logins); [SYS/PERM] stops too (the account, not the mechanism).  A
 * clear-text mechanism refused with [AUTH] ends the search: the server
 * saw the password itself, and another clear-text mechanism would send
 * the same one again (each failed login may count towards a lock-out).
 * A broken exchange (a SCRAM server signature that does not verify)
 * stops at once: no weaker mechanism after a possible impostor.  A
 * server that hangs up after a refusal is called again.  Only when every
 * mechanism tried was refused for the credentials is it a wrong
 * password; ch says which mechanism is in use and why.  The loop over
 * the candidates keeps the branch per response code, so that the order
 * of the rules above reads in one place.
 */

int
account_login(struct account *a, struct pop3 *p, const struct pop3_opts *o,
    const char *secret, int remember, struct auth_choice *ch,
    struct strbuf *why)
{
	const struct auth_mech *cand[PC_ARRAY_LEN(auth_order) + 1], *m;
	struct strbuf *tried;
	char	recalled[32], shown[32];
	size_t	i, n, ntried = 0;
	int	rc = PC_PERM, cred = 0, refused = 0, reconnects = 0, cls;

	memset(ch, 0, sizeof(*ch));
	if (strcasecmp(a->set.auth, "auto") != 0)
		return (auth_fixed(a, p, secret, ch, why));

	/* auto: the remembered one first, then strongest to weakest. */
	tried = strbuf_alloc(1024);
	auth_recall(a, recalled, sizeof(recalled));
	n = auth_candidates(p, recalled, cand);
	for (i = 0; i < n; i++) {
		m = cand[i];
		if (!auth_allowed(a, p, m)) {
			strbuf_appendf(tried, "%s%s: not without TLS",
			    tried->len ? "; " : "", m->name);
			continue;
		}
		pc_strlcpy(ch->mech, m->name, sizeof(ch->mech));
		strbuf_reset(why);
		rc = auth_try(a, p, m->name, secret, why);
		ntried++;
		if (rc == PC_OK) {
			if (ntried == 1 && m == cand[0] && recalled[0] &&
			    strcasecmp(recalled, m->name) == 0)
				(void)snprintf(ch->why, sizeof(ch->why), "auto: "
				    "worked last time");
			else if (ntried == 1)
				(void)snprintf(ch->why, sizeof(ch->why), "auto: "
				    "strongest offered");
			else
				(void)snprintf(ch->why, sizeof(ch->why), "auto: "
				    "after %s", strbuf_str(tried));
			if (remember && strcasecmp(recalled, m->name) != 0)
				auth_remember(a, m->name, ch->why);
			goto out;
		}
		cls = p->auth_class;
		if (cls == POP3_AUTH_FAILED && p->net.fail != NET_FAIL_NONE &&
		    p->net.fail != NET_FAIL_TLS_VERIFY && !p->err_seen &&
		    ntried > 1 && reconnects < AUTH_RECONNECTS) {
			/* Hung up after refusing the one before: again. */
			reconnects++;
			ntried--;
			i--;
			if ((rc = auth_redial(a, p, o, m, why)) != PC_OK)
				goto out;
			continue;
		}
		pc_strlcpy(shown, m->name, sizeof(shown));
		strbuf_appendf(tried, "%s%s refused (%s%s%s)", tried->len ?
		    "; " : "", shown, pop3_code_str(p->last_code),
		    p->last_text[0] ? " " : "", p->last_text);
		if (cls == POP3_AUTH_TEMP || cls == POP3_AUTH_SYS_PERM ||
		    cls == POP3_AUTH_FAILED)
			goto out;
		if (cls == POP3_AUTH_CREDENTIALS) {
			cred = 1;
			if (m->clear)
				break;	/* the password itself was refused */
		}
		if (cls == POP3_AUTH_REFUSED)
			refused = 1;
	}
	/* Every mechanism tried was refused. */
	rc = auth_all_refused(a, p, ntried, cred, refused, tried, ch, why);
out:
	strbuf_free(tried);
	return (rc);
}

/* account_opts - connection options of a mailbox */

void
account_opts(const struct account *a, struct pop3_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host = a->url.host;
	o->port = a->url.port;
	o->tls = a->url.implicit_tls ? POP3_TLS_IMPLICIT :
	    strcmp(a->set.tls, "none") == 0 ? POP3_TLS_NONE : POP3_TLS_STLS;
	o->ca_file = a->set.tls_ca_file;
	o->pin = a->set.tls_fingerprint;
	o->connect_timeout = (int)a->set.connect_timeout;
	o->command_timeout = (int)a->set.command_timeout;
	o->session_timeout = (int)a->set.session_timeout;
	/*
	 * No UIDL/LIST behind PASS (o->scan_with_login): courierpop3login
	 * execs courierpop3d after the login and what it had read is lost
	 * (make interop: a timeout after UIDL).
	 */
}

/* classify - the kind of failure, for account_test() */

static int
classify(const struct pop3 *p, int stage_auth, const char *mech)
{
	if (p->last_code == POP3_RC_IN_USE ||
	    p->last_code == POP3_RC_LOGIN_DELAY)
		return (ACCOUNT_ERR_LOCKED);
	if (stage_auth) {
		/* The fetcher's classification (pop3_auth_class()). */
		switch (p->auth_class) {
		case POP3_AUTH_CREDENTIALS:
			return (ACCOUNT_ERR_AUTH);
		case POP3_AUTH_NOT_OFFERED:
			return (ACCOUNT_ERR_MECH);
		case POP3_AUTH_TEMP:
			return (ACCOUNT_ERR_TEMP);
		case POP3_AUTH_SYS_PERM:
		case POP3_AUTH_REFUSED:
			return (ACCOUNT_ERR_REFUSED);
		}
	}
	switch (p->net.fail) {
	case NET_FAIL_DNS:
		return (ACCOUNT_ERR_DNS);
	case NET_FAIL_CONNECT:
	case NET_FAIL_TIMEOUT:
		/* Once connected, a timeout is the server's doing, not ours. */
		return (p->tls_active || stage_auth ? ACCOUNT_ERR_PROTOCOL :
		    ACCOUNT_ERR_CONNECT);
	case NET_FAIL_TLS_VERIFY:
		return (ACCOUNT_ERR_TLS_VERIFY);
	case NET_FAIL_TLS:
		return (ACCOUNT_ERR_TLS);
	}
	if (stage_auth)
		return (mech == NULL ? ACCOUNT_ERR_MECH : ACCOUNT_ERR_PROTOCOL);
	if (!p->tls_active)
		return (ACCOUNT_ERR_TLS);	/* STLS missing or refused */
	return (ACCOUNT_ERR_PROTOCOL);
}

/* account_test - log in and look, change nothing */

int
account_test(struct account *a, struct account_probe *pr,
    struct strbuf *why)
{
	struct pop3 p;
	struct pop3_opts o;
	struct auth_choice ch;
	const char *mech = NULL;
	char   *token = NULL;
	size_t	i;
	int	rc, stage_auth = 0;

	memset(pr, 0, sizeof(*pr));
	pr->login_delay = pr->expire = -1;
	account_opts(a, &o);
	pop3_init(&p, a->name);
	if ((rc = pop3_open(&p, &o, why)) != PC_OK)
		goto out;
	pc_strlcpy(pr->server, p.net.peer, sizeof(pr->server));
	pc_strlcpy(pr->tls, p.tls_active ? p.net.tls_info : "none",
	    sizeof(pr->tls));
	pc_strlcpy(pr->tls_mode, !p.tls_active ? "none" : o.tls ==
	    POP3_TLS_IMPLICIT ? "implicit (pop3s)" : "STLS",
	    sizeof(pr->tls_mode));
	if (p.tls_active) {
		pc_strlcpy(pr->tls_subject, p.net.tls_subject,
		    sizeof(pr->tls_subject));
		pc_strlcpy(pr->tls_how, p.net.tls_how, sizeof(pr->tls_how));
	}
	pc_strlcpy(pr->sasl, p.caps.sasl, sizeof(pr->sasl));
	pr->pipelining = (p.caps.flags & POP3_CAP_PIPELINING) != 0;
	pr->caps = p.caps.flags;
	pr->login_delay = p.caps.login_delay;
	pr->expire = p.caps.expire;
	pr->apop = p.apop_ts[0] != 0;
	stage_auth = 1;
	if (*a->set.password_command &&
	    (rc = account_password_command(a, &token, why)) != PC_OK) {
		pr->error = ACCOUNT_ERR_OTHER;
		goto done;
	}
	if (!*a->set.password_command && *a->set.oauth_provider &&
	    (rc = oauth_token_get(a, &token, why)) != PC_OK) {
		pr->error = ACCOUNT_ERR_OTHER;
		goto done;
	}
	rc = account_login(a, &p, &o, token ? token : a->password, 0, &ch,
	    why);
	if (token)
		xfree_secret(token);
	mech = ch.mech[0] ? ch.mech : NULL;
	pc_strlcpy(pr->mech, ch.mech, sizeof(pr->mech));
	pc_strlcpy(pr->mech_why, ch.why, sizeof(pr->mech_why));
	pr->auth_class = p.auth_class;
	if (rc != PC_OK) {
		pc_strlcpy(pr->code, pop3_code_str(p.last_code),
		    sizeof(pr->code));
		pc_strlcpy(pr->said, p.last_text, sizeof(pr->said));
		goto out;
	}
	stage_auth = 0;
	if ((rc = pop3_scan(&p, why)) != PC_OK)
		goto out;
	pr->messages = p.nmsgs;
	for (i = 0; i < p.nmsgs; i++) {
		pr->bytes += p.msgs[i].size;
		if (p.msgs[i].size > pr->largest)
			pr->largest = p.msgs[i].size;
	}
	pr->uidl = p.uidl_ok;	/* also for an empty mailbox */
	rc = pop3_quit(&p, why);
out:
	if (rc != PC_OK && pr->error == ACCOUNT_OK)
		pr->error = classify(&p, stage_auth, mech);
done:
	if (pr->server[0] == 0)
		pc_strlcpy(pr->server, p.net.peer[0] ? p.net.peer :
		    a->url.host, sizeof(pr->server));
	pop3_close(&p);
	return (rc);
}
