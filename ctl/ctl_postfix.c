/*
 * NAME
 *	ctl_postfix - popconnctl postfix-setup: the Postfix side of popconn
 * SYNOPSIS
 *	int ctl_cmd_postfix_setup(struct ctl *c, int argc, char **argv);
 *
 *	popconnctl postfix-setup [--apply] [--undo] [--postfix-config DIR]
 * DESCRIPTION
 *	Global mailboxes need two things from Postfix:
 *
 *	main.cf: popconn-milter in non_smtpd_milters, in the per-milter
 *	form with default_action=tempfail (a milter that is down keeps
 *	the message in the maildrop queue; nothing is lost, nothing
 *	unrelated is held as a global milter_default_action would):
 *
 *	    non_smtpd_milters = { unix:/run/popconn/milter.sock,
 *	        default_action=tempfail, connect_timeout=10s,
 *	        command_timeout=10s }
 *
 *	master.cf: "-o milter_macro_daemon_name=local-submit" on the
 *	cleanup service, so that the milter can tell mail submitted with
 *	sendmail from mail that came in over SMTP.
 *
 *	master.cf, when popconn.cf or a mailbox sets delivery_method =
 *	smtp: one injection listener per distinct smtp_injection_address
 *	of the mailboxes on smtp (popconn.cf's and the mailboxes' own -o),
 *	on loopback as "127.0.0.1:10027 inet n - n - - smtpd", or for
 *	unix:$queue_directory/public/NAME as "NAME unix n - n - - smtpd"
 *	(master puts a unix service's socket there; any other path is
 *	refused naming its file and line), (postconf -M) with -o overrides
 *	(postconf -P): syslog_name = $syslog_name/popconn-PORT (or -NAME),
 *	so that Postfix's log names the listener, smtpd_milters = the
 *	popconn milter alone, milter_macro_daemon_name = milter_smtp_daemon_name (which
 *	the milter trusts for markers like the sendmail path's name),
 *	smtpd_client_restrictions = permit_mynetworks,reject, mynetworks =
 *	loopback, no HELO, sender, data or TLS requirements, no
 *	content_filter, proxy filter or receive_override_options.  When no
 *	mailbox uses sendmail, the milter leaves non_smtpd_milters: then
 *	it sees fetched mail only, not every local submission.  --undo
 *	removes the listeners (postconf -MX).
 *
 *	Without --apply the verb prints the postconf commands that make
 *	these changes (nothing is written); with --apply it runs them
 *	(postconf -e, postconf -P) and then "postfix reload" when that
 *	Postfix instance is running.  --undo prints (or, with --apply,
 *	runs) the reverse: our entry leaves non_smtpd_milters (other
 *	milters stay; the parameter is removed from main.cf when nothing
 *	is left) and the cleanup service's milter_macro_daemon_name goes.
 *	Both directions are idempotent: what is already in place is not
 *	written again.
 *
 *	The socket is milter_socket from popconn.cf (libmilter's
 *	"inet:PORT@HOST" becomes Postfix's "inet:HOST:PORT"), the daemon
 *	name milter_daemon_name.  The Postfix instance is --postfix-config
 *	DIR, else popconn.cf's postfix_config_directory, else the default
 *	one; postconf and postfix are run from /usr/sbin without a shell.
 *
 *	An existing non_smtpd_milters keeps its other milters: ours is
 *	appended (a list of names and "{ ... }" groups, split the way
 *	Postfix splits it: commas and white space outside braces).
 * DIAGNOSTICS
 *	0 done (or nothing to do); EX_USAGE bad arguments; EX_CONFIG
 *	popconn.cf or mailboxes.cf is wrong (an address off loopback, a
 *	unix path outside queue_directory/public, more than PFX_MAX_LST
 *	listeners); EX_UNAVAILABLE postconf is missing or failed;
 *	EX_TEMPFAIL postfix reload failed (the files are changed).
 * SECURITY
 *	Values go to postconf as single arguments (execve, no shell); the
 *	printed commands quote them for a POSIX shell.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "alloc.h"
#include "ctl.h"
#include "exec.h"
#include "strbuf.h"

#define PFX_POSTCONF	"/usr/sbin/postconf"
#define PFX_POSTFIX	"/usr/sbin/postfix"
#define PFX_OUT_MAX	(64 * 1024)
#define PFX_TIMEOUT	60
#define PFX_ATTRS	"default_action=tempfail, connect_timeout=10s, " \
			"command_timeout=10s"
#define PFX_MAX_TOK	64		/* milters in one list */
#define PFX_MAX_LST	16		/* distinct smtp_injection_address */

/* One injection listener: its address and where that was set. */
struct pfx_lst {
	const char *addr;
	const char *file;		/* NULL: the default */
	int	line;
};

struct pfx {
	const char *pfdir;		/* Postfix config dir, or NULL */
	char	*spec;			/* Postfix's name of the socket */
	const char *dname;		/* milter_daemon_name, may be "" */
	const char *laddr;		/* popconn.cf's smtp_injection_address */
	const struct cfg_entry *lent;	/* ... its line, or NULL */
	struct pfx_lst lst[PFX_MAX_LST];	/* listeners, distinct */
	size_t	nlst;
	char	qdir[1024];		/* queue_directory, "" not read yet */
	char	slog[256];		/* syslog_name, "" not read yet */
	const char *sdname;		/* milter_smtp_daemon_name */
	int	use_sendmail;		/* a mailbox uses delivery_method = */
	int	use_smtp;		/* ... sendmail / smtp */
	int	apply;
	int	undo;
	int	changes;		/* commands printed or run */
	int	rc;
};

/* pfx_spec - popconn's milter_socket as Postfix writes it */

static char *
pfx_spec(const char *sock)
{
	const char *at;
	char   *s;

	if (strncmp(sock, "unix:", 5) == 0)
		return (xstrdup(sock));
	if (strncmp(sock, "local:", 6) == 0) {
		s = xmalloc(strlen(sock) + 1);
		(void)snprintf(s, strlen(sock) + 1, "unix:%s", sock + 6);
		return (s);
	}
	if (sock[0] == '/') {
		s = xmalloc(strlen(sock) + 6);
		(void)snprintf(s, strlen(sock) + 6, "unix:%s", sock);
		return (s);
	}
	if ((strncmp(sock, "inet:", 5) == 0 || strncmp(sock, "inet6:", 6) ==
	    0) && (at = strchr(sock, '@')) != NULL) {
		size_t	plen = (size_t)(at - strchr(sock, ':') - 1);
		size_t	n = strlen(sock) + 2;

		s = xmalloc(n);
		(void)snprintf(s, n, "inet:%s:%.*s", at + 1, (int)plen,
		    strchr(sock, ':') + 1);
		return (s);
	}
	return (xstrdup(sock));
}

/* pfx_same - do two milter names denote the same socket? */

static int
pfx_same(const char *a, size_t alen, const char *b)
{
	/* "unix:/x", "local:/x" and "/x" are one socket to Postfix */
	if (alen > 5 && strncmp(a, "unix:", 5) == 0 && a[5] == '/') {
		a += 5;
		alen -= 5;
	} else if (alen > 6 && strncmp(a, "local:", 6) == 0 && a[6] == '/') {
		a += 6;
		alen -= 6;
	}
	if (strncmp(b, "unix:", 5) == 0 && b[5] == '/')
		b += 5;
	return (strlen(b) == alen && strncmp(a, b, alen) == 0);
}

struct pfx_tok {
	const char *p;
	size_t	len;
	int	ours;
};

/* pfx_split - a milter list into names and "{ ... }" groups */

static size_t
pfx_split(const char *s, const char *spec, struct pfx_tok *t, size_t max)
{
	size_t	n = 0;
	const char *start, *in, *end;
	int	depth;

	while (*s && n < max) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (*s == 0)
			break;
		start = s;
		if (*s == '{') {
			for (depth = 0; *s; s++) {
				if (*s == '{')
					depth++;
				else if (*s == '}' && --depth == 0) {
					s++;
					break;
				}
			}
			/* the name is the first element inside the braces */
			in = start + 1;
			while (isspace((unsigned char)*in))
				in++;
			for (end = in; *end && *end != ',' && *end != '}' &&
			    !isspace((unsigned char)*end); end++)
				;
		} else {
			while (*s && *s != ',' && !isspace((unsigned char)*s))
				s++;
			in = start;
			end = s;
		}
		t[n].p = start;
		t[n].len = (size_t)(s - start);
		t[n].ours = pfx_same(in, (size_t)(end - in), spec);
		n++;
	}
	return (n);
}

/* pfx_quote - print s quoted for a POSIX shell */

static void
pfx_quote(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

/* pfx_run - run argv; output into out (may be NULL); 0 if exit 0 */

static int
pfx_run(char **argv, struct strbuf *out, int quiet)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	int	status = 0, rc;

	rc = exec_run(argv, NULL, -1, out, PFX_TIMEOUT, &status, why);
	if (rc != PC_OK)
		ctl_err("%s: %s", argv[0], strbuf_str(why));
	else if (status != 0 && !quiet)
		ctl_err("%s %s %s: exit status %d", argv[0], argv[1],
		    argv[2] ? argv[2] : "", status);
	strbuf_free(why);
	return (rc == PC_OK && status == 0 ? 0 : -1);
}

/* pfx_postconf - postconf [-c DIR] ARGS...; 0 if it exited 0 */

static int
pfx_postconf(const struct pfx *x, const char *a1, const char *a2,
    struct strbuf *out)
{
	char   *argv[8];
	int	n = 0;

	argv[n++] = (char *)(uintptr_t)PFX_POSTCONF;
	if (x->pfdir) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)x->pfdir;
	}
	argv[n++] = (char *)(uintptr_t)a1;
	if (a2)
		argv[n++] = (char *)(uintptr_t)a2;
	argv[n] = NULL;
	return (pfx_run(argv, out, 0));
}

/* pfx_show - print one command as the administrator would type it */

static void
pfx_show(const struct pfx *x, const char *prog, const char *a1,
    const char *a2)
{
	fputs(prog, stdout);
	if (x->pfdir) {
		fputs(" -c ", stdout);
		pfx_quote(x->pfdir);
	}
	printf(" %s", a1);
	if (a2) {
		putchar(' ');
		pfx_quote(a2);
	}
	putchar('\n');
}

/* pfx_do - print, or run and report, one postconf edit */

static void
pfx_do(struct pfx *x, const char *a1, const char *a2)
{
	x->changes++;
	if (!x->apply) {
		pfx_show(x, "postconf", a1, a2);
		return;
	}
	if (pfx_postconf(x, a1, a2, NULL) != 0) {
		x->rc = EX_UNAVAILABLE;
		return;
	}
	printf("done: ");
	pfx_show(x, "postconf", a1, a2);
}

/* pfx_trim - value without trailing white space (postconf's newline) */

static const char *
pfx_trim(struct strbuf *sb)
{
	const char *s = strbuf_str(sb);
	size_t	n = strbuf_len(sb);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	strbuf_truncate(sb, n);
	return (strbuf_str(sb));
}

/* pfx_value - KEY's value in "KEY = VALUE" lines, into buf ("": none) */

static const char *
pfx_value(const char *text, const char *key, struct strbuf *buf)
{
	size_t	klen = strlen(key);
	const char *p, *nl;

	strbuf_reset(buf);
	for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, key, klen) == 0 && strncmp(p + klen, " = ", 3) ==
		    0) {
			p += klen + 3;
			(void)strbuf_append(buf, p, nl ? (size_t)(nl - p) :
			    strlen(p));
			break;
		}
	}
	return (pfx_trim(buf));
}

/* pfx_milters - main.cf: add or remove our entry in non_smtpd_milters */

static void
pfx_milters(struct pfx *x)
{
	struct strbuf *out = strbuf_alloc(PFX_OUT_MAX);
	struct strbuf *nv = strbuf_alloc(PFX_OUT_MAX);
	struct pfx_tok t[PFX_MAX_TOK];
	const char *cur;
	size_t	n, i;
	int	found = 0;

	if (pfx_postconf(x, "-h", "non_smtpd_milters", out) != 0) {
		x->rc = EX_UNAVAILABLE;
		goto done;
	}
	cur = pfx_trim(out);
	n = pfx_split(cur, x->spec, t, PFX_MAX_TOK);
	for (i = 0; i < n; i++)
		found |= t[i].ours;
	if (!x->undo) {
		if (found) {
			printf("# main.cf: non_smtpd_milters already has %s: "
			    "%s\n", x->spec, cur);
			goto done;
		}
		(void)strbuf_printf(nv, "non_smtpd_milters = %s%s{ %s, "
		    PFX_ATTRS " }", cur, *cur ? ", " : "", x->spec);
		pfx_do(x, "-e", strbuf_str(nv));
		goto done;
	}
	if (!found) {
		printf("# main.cf: non_smtpd_milters does not name %s\n",
		    x->spec);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (t[i].ours)
			continue;
		if (strbuf_len(nv))
			(void)strbuf_append(nv, ", ", 2);
		(void)strbuf_append(nv, t[i].p, t[i].len);
	}
	if (strbuf_len(nv) == 0) {
		pfx_do(x, "-X", "non_smtpd_milters");
	} else {
		strbuf_reset(out);
		(void)strbuf_printf(out, "non_smtpd_milters = %s",
		    strbuf_str(nv));
		pfx_do(x, "-e", strbuf_str(out));
	}
done:
	strbuf_free(out);
	strbuf_free(nv);
}

/* pfx_cleanup - master.cf: cleanup's milter_macro_daemon_name */

static void
pfx_cleanup(struct pfx *x)
{
	static const char key[] = "cleanup/unix/milter_macro_daemon_name";
	struct strbuf *out = strbuf_alloc(PFX_OUT_MAX);
	struct strbuf *arg = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *val = strbuf_alloc(CTL_WHY_MAX);
	const char *cur;

	if (*x->dname == 0 && !x->undo) {
		printf("# master.cf: milter_daemon_name is empty in "
		    "popconn.cf: cleanup needs no milter_macro_daemon_name\n");
		goto done;
	}
	/* "postconf -P" lists every service parameter ("-P KEY" warns
	 * on stderr when KEY is not set) */
	if (pfx_postconf(x, "-P", NULL, out) != 0) {
		x->rc = EX_UNAVAILABLE;
		goto done;
	}
	cur = pfx_value(strbuf_str(out), key, val);
	if (x->undo) {
		if (*cur == 0)
			printf("# master.cf: the cleanup service has no "
			    "milter_macro_daemon_name\n");
		else
			pfx_do(x, "-PX", key);
	} else if (strcmp(cur, x->dname) == 0) {
		printf("# master.cf: cleanup already has -o "
		    "milter_macro_daemon_name=%s\n", cur);
	} else {
		(void)strbuf_printf(arg, "%s=%s", key, x->dname);
		pfx_do(x, "-P", strbuf_str(arg));
	}
done:
	strbuf_free(out);
	strbuf_free(arg);
	strbuf_free(val);
}

/* pfx_has - is there a "KEY = ..." line in text? */

static int
pfx_has(const char *text, const char *key)
{
	size_t	klen = strlen(key);
	const char *p, *nl;

	for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, key, klen) == 0 && strncmp(p + klen, " =", 2) ==
		    0)
			return (1);
	}
	return (0);
}

/* pfx_loopback - is the host part of host:port a loopback address? */

static int
pfx_loopback(const char *addr)
{
	return (strncmp(addr, "127.", 4) == 0 || strncmp(addr, "[::1]:", 6)
	    == 0);
}

/* pfx_param - a main.cf parameter's expanded value (postconf -xh) */

static int
pfx_param(struct pfx *x, const char *name, char *buf, size_t size)
{
	struct strbuf *out = strbuf_alloc(PFX_OUT_MAX);
	char   *argv[8];
	int	n = 0, rc;

	argv[n++] = (char *)(uintptr_t)PFX_POSTCONF;
	if (x->pfdir) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)x->pfdir;
	}
	argv[n++] = (char *)(uintptr_t)"-xh";
	argv[n++] = (char *)(uintptr_t)name;
	argv[n] = NULL;
	rc = pfx_run(argv, out, 0);
	if (rc == 0 && pc_strlcpy(buf, pfx_trim(out), size) >= size)
		rc = -1;
	strbuf_free(out);
	if (rc != 0)
		x->rc = EX_UNAVAILABLE;
	return (rc);
}

/* pfx_where - "FILE, line N: " for a listener's address, or "" */

static const char *
pfx_where(const struct pfx_lst *l, char *buf, size_t size)
{
	if (l->file == NULL)
		return ("");
	(void)snprintf(buf, size, "%s, line %d: ", l->file, l->line);
	return (buf);
}

/*
 * pfx_service - the master.cf service for one listener: key
 * ("127.0.0.1:10027/inet" or "NAME/unix"), the entry's first fields,
 * and the syslog_name that puts the service into each smtpd log line.
 * A unix socket can only be a "unix" service, whose name Postfix's
 * master resolves under queue_directory/public (private = n) or
 * queue_directory/private: we accept $queue_directory/public/NAME
 * (private/ is open to the postfix user alone, never to the fetcher).
 * 0, or -1 with x->rc set and the reason said.
 */
static int
pfx_service(struct pfx *x, const struct pfx_lst *l, char *key, size_t ksz,
    char *ent, size_t esz, char *slog, size_t ssz)
{
	const char *a = l->addr, *name, *port;
	char	where[1200];
	size_t	ql;

	if (*x->slog == 0 && pfx_param(x, "syslog_name", x->slog,
	    sizeof(x->slog)) != 0)
		return (-1);
	if (strncmp(a, "unix:", 5) != 0) {
		if (!pfx_loopback(a)) {
			ctl_err("%ssmtp_injection_address = %s: the listener "
			    "must be on loopback (127.0.0.1:PORT or "
			    "[::1]:PORT)", pfx_where(l, where, sizeof(where)),
			    a);
			x->rc = EX_CONFIG;
			return (-1);
		}
		port = strrchr(a, ':') + 1;
		if (snprintf(key, ksz, "%s/inet", a) >= (int)ksz ||
		    snprintf(ent, esz, "%s inet n - n - - smtpd", a) >=
		    (int)esz || snprintf(slog, ssz, "%s/popconn-%s", x->slog,
		    port) >= (int)ssz) {
			x->rc = EX_CONFIG;
			return (-1);
		}
		return (0);
	}
	if (*x->qdir == 0 && pfx_param(x, "queue_directory", x->qdir,
	    sizeof(x->qdir)) != 0)
		return (-1);
	ql = strlen(x->qdir);
	name = a + 5 + ql + sizeof("/public/") - 1;
	if (strncmp(a + 5, x->qdir, ql) != 0 || strncmp(a + 5 + ql,
	    "/public/", 8) != 0 || *name == 0 || strchr(name, '/') ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != strlen(name) || *name == '.') {
		ctl_err("%ssmtp_injection_address = %s: Postfix listens on a "
		    "unix socket only under its queue directory; use "
		    "unix:%s/public/NAME (NAME of letters, digits, '-', '_', "
		    "'.'), and put the fetcher's user in group postdrop",
		    pfx_where(l, where, sizeof(where)), a, x->qdir);
		x->rc = EX_CONFIG;
		return (-1);
	}
	if (snprintf(key, ksz, "%s/unix", name) >= (int)ksz ||
	    snprintf(ent, esz, "%s unix n - n - - smtpd", name) >= (int)esz ||
	    snprintf(slog, ssz, "%s/popconn-%s", x->slog, name) >= (int)ssz) {
		x->rc = EX_CONFIG;
		return (-1);
	}
	return (0);
}

/*
 * pfx_listener - master.cf: a dedicated smtpd for delivery_method =
 * smtp, on loopback (or a unix socket) only, with the popconn milter in
 * its own smtpd_milters (nothing else on the host passes through it),
 * its own {daemon_name}, which the milter trusts for markers, and its
 * own syslog_name, so that Postfix's log names the listener.
 */
static void
pfx_listener(struct pfx *x, const struct pfx_lst *l)
{
	struct strbuf *out = strbuf_alloc(PFX_OUT_MAX);
	struct strbuf *arg = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *val = strbuf_alloc(CTL_WHY_MAX);
	/*
	 * Fetched mail is already accepted mail: none of the site's checks
	 * for strangers (sender, HELO, TLS, proxies, filters) may refuse or
	 * divert it here; only loopback may connect at all (smtpd takes a
	 * unix-socket client for localhost[127.0.0.1]).
	 */
	static const char *const fixed[][2] = {
		{"smtpd_client_restrictions", "permit_mynetworks,reject"},
		{"mynetworks", "127.0.0.0/8,[::1]/128"},
		{"smtpd_helo_restrictions", ""},
		{"smtpd_sender_restrictions", ""},
		{"smtpd_relay_restrictions", "permit_mynetworks,reject"},
		{"smtpd_recipient_restrictions", "permit_mynetworks,reject"},
		{"smtpd_data_restrictions", ""},
		{"smtpd_end_of_data_restrictions", ""},
		{"smtpd_tls_security_level", "none"},
		{"smtpd_proxy_filter", ""},
		{"smtpd_milter_maps", ""},
		{"content_filter", ""},
		{"receive_override_options", ""},
	};
	struct {
		const char *name;
		char	value[512];
	} o[3 + PC_ARRAY_LEN(fixed)];
	char	key[300], ent[400], slog[400], pkey[400];
	size_t	i, n = 0;
	int	exists, before = x->changes;

	if (pfx_service(x, l, key, sizeof(key), ent, sizeof(ent), slog,
	    sizeof(slog)) != 0)
		goto done;
	if (pfx_postconf(x, "-M", key, out) != 0) {
		x->rc = EX_UNAVAILABLE;
		goto done;
	}
	exists = *pfx_trim(out) != 0;
	if (x->undo) {
		if (exists)
			pfx_do(x, "-MX", key);
		else
			printf("# master.cf: no listener %s\n", key);
		goto done;
	}
	if (!exists) {
		(void)strbuf_printf(arg, "%s=%s", key, ent);
		pfx_do(x, "-M", strbuf_str(arg));
	}
	o[n].name = "smtpd_milters";
	(void)snprintf(o[n++].value, sizeof(o[0].value), "{%s,%s}", x->spec,
	    "default_action=tempfail,connect_timeout=10s,"
	    "command_timeout=10s");
	o[n].name = "milter_macro_daemon_name";
	(void)snprintf(o[n++].value, sizeof(o[0].value), "%s", x->sdname);
	o[n].name = "syslog_name";
	(void)snprintf(o[n++].value, sizeof(o[0].value), "%s", slog);
	for (i = 0; i < PC_ARRAY_LEN(fixed); i++) {
		o[n].name = fixed[i][0];
		(void)snprintf(o[n++].value, sizeof(o[0].value), "%s",
		    fixed[i][1]);
	}
	strbuf_reset(out);
	if (exists && pfx_postconf(x, "-P", NULL, out) != 0) {
		x->rc = EX_UNAVAILABLE;
		goto done;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(pkey, sizeof(pkey), "%s/%s", key, o[i].name);
		if (exists && pfx_has(strbuf_str(out), pkey) &&
		    strcmp(pfx_value(strbuf_str(out), pkey, val), o[i].value)
		    == 0)
			continue;
		(void)strbuf_printf(arg, "%s=%s", pkey, o[i].value);
		pfx_do(x, "-P", strbuf_str(arg));
	}
	if (exists && x->changes == before)
		printf("# master.cf: the listener %s is in place\n", key);
done:
	strbuf_free(out);
	strbuf_free(arg);
	strbuf_free(val);
}

/* pfx_add - one more listener address, unless it is already listed */

static int
pfx_add(struct pfx *x, const char *addr, const struct cfg_entry *e)
{
	size_t	i;

	for (i = 0; i < x->nlst; i++)
		if (strcmp(x->lst[i].addr, addr) == 0)
			return (0);
	if (x->nlst == PFX_MAX_LST) {
		ctl_err("more than %d distinct smtp_injection_address values",
		    PFX_MAX_LST);
		return (EX_CONFIG);
	}
	x->lst[x->nlst].addr = addr;
	x->lst[x->nlst].file = e ? e->file : NULL;
	x->lst[x->nlst].line = e ? e->line : 0;
	x->nlst++;
	return (0);
}

/*
 * pfx_methods - which delivery methods the mailboxes use, and the
 * listeners that those on smtp need (one per distinct
 * smtp_injection_address).  With --undo, popconn.cf's address is
 * removed as well even when no mailbox uses it any more.  m is kept
 * (the addresses point into it) and freed by the caller.
 */
static int
pfx_methods(struct ctl *c, struct pfx *x, struct cfg_mailboxes *m)
{
	const struct cfg_entry *e, *a;
	const char *def = c->fs.delivery_method && *c->fs.delivery_method ?
	    c->fs.delivery_method : "sendmail";
	size_t	i;
	int	rc;

	if ((rc = ctl_load_boxes(c, m)) != 0)
		return (rc);
	if (m->n == 0) {
		x->use_smtp = strcmp(def, "smtp") == 0;
		x->use_sendmail = !x->use_smtp;
	}
	if (x->use_smtp || x->undo)
		rc = pfx_add(x, x->laddr, x->lent);
	for (i = 0; i < m->n && rc == 0; i++) {
		e = cfg_dict_find(m->v[i].opts, "delivery_method");
		a = cfg_dict_find(m->v[i].opts, "smtp_injection_address");
		if (strcmp(e ? e->value : def, "smtp") != 0) {
			x->use_sendmail = 1;
			if (x->undo && a)
				rc = pfx_add(x, a->value, a);
			continue;
		}
		x->use_smtp = 1;
		rc = pfx_add(x, a ? a->value : x->laddr, a ? a : x->lent);
	}
	return (rc);
}

/* pfx_reload - postfix reload, if this instance is running */

static void
pfx_reload(struct pfx *x)
{
	char   *argv[5];
	int	n = 0;

	if (x->changes == 0) {
		printf("# nothing to change: Postfix needs no reload\n");
		return;
	}
	if (!x->apply) {
		pfx_show(x, "postfix", "reload", NULL);
		return;
	}
	argv[n++] = (char *)(uintptr_t)PFX_POSTFIX;
	if (x->pfdir) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)x->pfdir;
	}
	argv[n + 1] = NULL;
	argv[n] = (char *)(uintptr_t)"status";
	if (pfx_run(argv, NULL, 1) != 0) {
		printf("# Postfix is not running: the change takes effect "
		    "when it starts\n");
		return;
	}
	argv[n] = (char *)(uintptr_t)"reload";
	if (pfx_run(argv, NULL, 0) != 0) {
		if (x->rc == 0)
			x->rc = EX_TEMPFAIL;
		return;
	}
	printf("done: ");
	pfx_show(x, "postfix", "reload", NULL);
}

/* ctl_cmd_postfix_setup - print or apply the Postfix configuration */

int
ctl_cmd_postfix_setup(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"apply", no_argument, NULL, 'a'},
		{"undo", no_argument, NULL, 'u'},
		{"postfix-config", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	struct pfx x;
	struct cfg_mailboxes m;
	size_t	i;
	int	ch, rc;

	memset(&x, 0, sizeof(x));
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'a':
			x.apply = 1;
			break;
		case 'u':
			x.undo = 1;
			break;
		case 'p':
			x.pfdir = optarg;
			break;
		default:
			ctl_err("usage: postfix-setup [--apply] [--undo] "
			    "[--postfix-config DIR]");
			return (EX_USAGE);
		}
	}
	if (optind != argc) {
		ctl_err("usage: postfix-setup [--apply] [--undo] "
		    "[--postfix-config DIR]");
		return (EX_USAGE);
	}
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (x.pfdir == NULL && *c->ms.postfix_config_directory)
		x.pfdir = c->ms.postfix_config_directory;
	if (x.pfdir != NULL && x.pfdir[0] != '/') {
		ctl_err("--postfix-config %s: use an absolute path", x.pfdir);
		return (EX_USAGE);
	}
	if (access(PFX_POSTCONF, X_OK) != 0) {
		ctl_errno("%s", PFX_POSTCONF);
		return (EX_UNAVAILABLE);
	}
	x.spec = pfx_spec(c->ms.milter_socket);
	x.dname = c->ms.milter_daemon_name;
	x.sdname = c->ms.milter_smtp_daemon_name;
	x.laddr = c->fs.smtp_injection_address && *c->fs.smtp_injection_address
	    ? c->fs.smtp_injection_address : "127.0.0.1:10027";
	x.lent = cfg_dict_find(c->main, "smtp_injection_address");
	memset(&m, 0, sizeof(m));
	if ((rc = pfx_methods(c, &x, &m)) != 0) {
		cfg_mailboxes_free(&m);
		free(x.spec);
		return (rc);
	}
	if (!x.apply)
		printf("# The Postfix side of popconn (%s); run these "
		    "commands,\n# or: popconnctl postfix-setup%s --apply\n",
		    x.pfdir ? x.pfdir : "the default instance",
		    x.undo ? " --undo" : "");
	if (!x.undo && !x.use_sendmail) {
		/* Only the listener's smtpd_milters need the milter. */
		printf("# no mailbox uses delivery_method = sendmail: the milter "
		    "leaves non_smtpd_milters\n");
		x.undo = 1;
		pfx_milters(&x);
		x.undo = 0;
	} else {
		pfx_milters(&x);
	}
	pfx_cleanup(&x);
	if (x.use_smtp && *x.sdname == 0 && !x.undo) {
		ctl_err("milter_smtp_daemon_name is empty in popconn.cf: the "
		    "milter would trust no marker from the listener");
		x.rc = EX_CONFIG;
	}
	for (i = 0; i < x.nlst && x.rc == 0; i++)
		pfx_listener(&x, &x.lst[i]);
	if (x.rc == 0)
		pfx_reload(&x);
	cfg_mailboxes_free(&m);
	free(x.spec);
	return (x.rc);
}
