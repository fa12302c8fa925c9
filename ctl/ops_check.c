/*
 * NAME
 *	ops_check - popconnctl check: validate everything, like postfix check
 * SYNOPSIS
 *	#include "ops.h"
 *
 *	int ops_check(struct ctl *c, void (*report)(void *ctx,
 *		const json_t *problem), void *ctx, json_t **summary);
 * DESCRIPTION
 *	ops_check() validates every file the way the daemons read it and
 *	reports each problem as it finds it: popconn.cf (every unknown
 *	name, not only the first), mailboxes.cf, passwords (mode 0600),
 *	the marker key, directories, tables, and the Postfix side
 *	(non_smtpd_milters, the milter socket).  Each problem is an object
 *	{"severity":"error"|"warning","text":TEXT,"file":PATH,"line":N}
 *	(file and line when the text begins with them, as "FILE, line N:"
 *	or "FILE:"), given to report (which may be NULL) and kept in
 *	*summary: {"errors":N,"warnings":N,"problems":[...]}, which the
 *	caller releases.
 * DIAGNOSTICS
 *	0 when no error was found (warnings allowed), else EX_CONFIG.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "alloc.h"
#include "exec.h"
#include "marker.h"
#include "ops.h"
#include "pfparams.h"
#include "safeio.h"
#include "table.h"

#define CHK_GLOBAL_SENDMAIL	1	/* a global mailbox on sendmail */
#define CHK_GLOBAL_SMTP		2	/* ... on smtp */

/* What check found so far. */
struct ops_chk {
	int	errors;
	int	warnings;
	json_t *problems;
	void	(*report)(void *, const json_t *);
	void   *ctx;
};

/* chk_locate - "FILE, line N: ..." or "/FILE: ...": the file and line */

static void
chk_locate(json_t *o, const char *text)
{
	const char *p = strstr(text, ", line "), *colon;
	char   *file;
	long	line;

	if (p != NULL && p > text && (line = strtol(p + 7, NULL, 10)) > 0 &&
	    strchr(text, ':') > p) {
		file = xstrndup(text, (size_t)(p - text));
		(void)json_object_set_new(o, "file", ops_str(file));
		(void)json_object_set_new(o, "line", json_integer(line));
		free(file);
	} else if (*text == '/' && (colon = strchr(text, ':')) != NULL) {
		file = xstrndup(text, (size_t)(colon - text));
		(void)json_object_set_new(o, "file", ops_str(file));
		free(file);
	}
}

/* chk_add - one problem: an error (err) or a warning */

static void PC_PRINTF(3, 4)
chk_add(struct ops_chk *k, int err, const char *fmt, ...)
{
	char	buf[CTL_WHY_MAX];
	va_list	ap;
	json_t *o;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (err)
		k->errors++;
	else
		k->warnings++;
	if ((o = json_object()) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	(void)json_object_set_new(o, "severity", json_string(err ? "error" :
	    "warning"));
	(void)json_object_set_new(o, "text", ops_str(buf));
	chk_locate(o, buf);
	if (k->report != NULL)
		k->report(k->ctx, o);
	(void)json_array_append_new(k->problems, o);
}

/* chk_known - every unknown popconn.cf name, with its line */

static void
chk_known(struct ops_chk *k, const struct cfg_dict *d)
{
	const struct cfg_param *p;
	size_t	i, t;
	int	found;

	for (i = 0; i < d->n; i++) {
		for (found = 0, t = 0; t < params_all_count && !found; t++)
			for (p = params_all[t]; p->name && !found; p++)
				found = strcmp(p->name, d->v[i].name) == 0;
		if (!found)
			chk_add(k, 1, "%s, line %d: unknown parameter %s",
			    d->v[i].file, d->v[i].line, d->v[i].name);
	}
}

/* chk_dir - a directory the fetcher writes: warn if missing or open */

static void
chk_dir(struct ops_chk *k, const char *what, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		chk_add(k, 0, "%s %s: %s (the fetcher creates it)", what, dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		chk_add(k, 1, "%s %s: not a directory", what, dir);
	else if (st.st_mode & 007)
		chk_add(k, 0, "%s %s: mode %04o: others may read mail state; "
		    "use 0700", what, dir, (unsigned)(st.st_mode & 07777));
}

/* chk_line_has - does the line p..end (end included) contain s? */

static int
chk_line_has(const char *p, const char *end, const char *s)
{
	size_t	n = strlen(s);

	for (; p + n <= end + 1; p++)
		if (strncmp(p, s, n) == 0)
			return (1);
	return (0);
}

/*
 * chk_postfix - the milter socket is where the global mailboxes' mail
 * passes: non_smtpd_milters for those on sendmail, a master.cf
 * service's -o smtpd_milters (popconnctl postfix-setup's listener) for
 * those on smtp
 */
static void
chk_postfix(struct ops_chk *k, const struct ctl *c, int global)
{
	char   *argv[6];
	struct strbuf *out = strbuf_alloc(64 * 1024);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	const char *sock = c->ms.milter_socket, *p, *nl;
	struct sockaddr_un sun;
	int	status, n = 0, fd, found = 0;

	argv[n++] = (char *)(uintptr_t)"/usr/sbin/postconf";
	if (*c->fs.postfix_config_directory) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = c->fs.postfix_config_directory;
	}
	argv[n++] = (char *)(uintptr_t)"-h";
	argv[n++] = (char *)(uintptr_t)"non_smtpd_milters";
	argv[n] = NULL;
	if (strncmp(sock, "unix:", 5) == 0)
		sock += 5;
	if (access(argv[0], X_OK) != 0) {
		chk_add(k, 0, "postconf not found: cannot check Postfix's "
		    "non_smtpd_milters");
	} else if (exec_run(argv, NULL, -1, out, 30, &status, why) != PC_OK ||
	    status != 0) {
		chk_add(k, 0, "postconf -h non_smtpd_milters failed: %s",
		    strbuf_len(why) ? strbuf_str(why) : "non-zero exit");
	} else if (strstr(strbuf_str(out), sock) == NULL) {
		if (global & CHK_GLOBAL_SENDMAIL)
			chk_add(k, 1, "Postfix main.cf: non_smtpd_milters does "
			    "not name the milter socket %s: global mailboxes "
			    "land in the undeliverable mailbox", sock);
		else if (!(global & CHK_GLOBAL_SMTP))
			chk_add(k, 0, "Postfix main.cf: non_smtpd_milters does "
			    "not name %s (needed for global mailboxes only)",
			    sock);
	}
	if ((global & CHK_GLOBAL_SMTP) && access(argv[0], X_OK) == 0) {
		/* postconf -P: "SERVICE/TYPE/smtpd_milters = VALUE" lines */
		argv[n - 2] = (char *)(uintptr_t)"-P";
		argv[n - 1] = NULL;
		strbuf_reset(out);
		if (exec_run(argv, NULL, -1, out, 30, &status, why) == PC_OK &&
		    status == 0) {
			for (p = strbuf_str(out); *p && !found; p = nl + 1) {
				if ((nl = strchr(p, '\n')) == NULL)
					nl = p + strlen(p) - 1;
				found = chk_line_has(p, nl, "/smtpd_milters = ")
				    && chk_line_has(p, nl, sock);
			}
			if (!found)
				chk_add(k, 1, "Postfix master.cf: no service's "
				    "smtpd_milters names the milter socket %s: "
				    "global mailboxes on delivery_method = smtp "
				    "land in the undeliverable mailbox "
				    "(popconnctl postfix-setup)", sock);
		}
	}
	if (global && strchr(sock, ':') == NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (pc_strlcpy(sun.sun_path, sock, sizeof(sun.sun_path)) <
		    sizeof(sun.sun_path) && (fd = socket(AF_UNIX,
		    SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
			if (connect(fd, (struct sockaddr *)&sun,
			    sizeof(sun)) != 0)
				chk_add(k, 0, "milter socket %s: %s (is "
				    "popconn-milter running?)", sock,
				    strerror(errno));
			close(fd);
		}
	}
	strbuf_free(out);
	strbuf_free(why);
}

/* chk_passwords - mode 0600 and syntax; *ok when it parsed */

static void
chk_passwords(struct ops_chk *k, const char *pwpath, struct cfg_dict *pw,
    int *ok)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *w2 = strbuf_alloc(CFGEDIT_FILE_MAX);
	struct stat st;
	int	fd;

	*ok = 0;
	if (stat(pwpath, &st) != 0) {
		chk_add(k, 0, "%s: %s", pwpath, strerror(errno));
	} else if ((fd = safeio_open_read(pwpath, why)) < 0) {
		chk_add(k, 1, "%s", strbuf_str(why));
	} else {
		strbuf_reset(why);
		if (safeio_check_secret(fd, pwpath, why) != PC_OK)
			chk_add(k, 1, "%s; fix: chmod 600 %s",
			    strbuf_str(why), pwpath);
		close(fd);
		strbuf_reset(why);
		if (safeio_read_file(pwpath, CFGEDIT_FILE_MAX, 0, w2, why) ==
		    PC_OK) {
			if (cfg_parse_passwords_buf(pwpath, w2->data, w2->len,
			    pw, why) != PC_OK)
				chk_add(k, 1, "%s", strbuf_str(why));
			else
				*ok = 1;
		}
		strbuf_wipe(w2);
	}
	strbuf_free(w2);
	strbuf_free(why);
}

/* chk_values - popconn.cf values the parser cannot judge */

static void
chk_values(struct ops_chk *k, const struct ctl *c, const char *path)
{
	int	level;

	if (log_level_parse(c->fs.log_level, &level) != 0)
		chk_add(k, 1, "%s: log_level = %s: use none, minimum, medium "
		    "or maximum", path, c->fs.log_level);
	if (*c->fs.poll_times && !ops_times_ok(c->fs.poll_times))
		chk_add(k, 1, "%s: poll_times = %s: use HH:MM,HH:MM,...", path,
		    c->fs.poll_times);
	if (*c->fs.tls_ca_file && access(c->fs.tls_ca_file, R_OK) != 0)
		chk_add(k, 1, "%s: tls_ca_file = %s: %s (the certificate of "
		    "every server would fail to verify)", path,
		    c->fs.tls_ca_file, strerror(errno));
}

/* chk_box - mailbox i as the fetcher loads it */

static void
chk_box(struct ops_chk *k, const struct ctl *c,
    const struct cfg_mailboxes *m, size_t i, struct cfg_dict *pw, int pw_ok)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	const struct cfg_mailbox *b = &m->v[i], *dup;
	struct account a;

	if (account_load(&a, b, c->main, pw, why) != PC_OK) {
		if (strstr(strbuf_str(why), ", line ") || !pw_ok)
			chk_add(k, 1, "%s", strbuf_str(why));
		else
			chk_add(k, 1, "%s, line %d: %s", b->file, b->line,
			    strbuf_str(why));
	} else if (*a.set.tls_ca_file &&
	    strcmp(a.set.tls_ca_file, c->fs.tls_ca_file) != 0 &&
	    access(a.set.tls_ca_file, R_OK) != 0) {
		chk_add(k, 1, "%s, line %d: mailbox %s: tls_ca_file %s: %s",
		    b->file, b->line, b->name, a.set.tls_ca_file,
		    strerror(errno));
	} else if ((dup = ctl_same_account(m, i, b->name, b->url)) != NULL) {
		chk_add(k, 1, "%s, line %d: mailbox %s fetches the same "
		    "account as %s (line %d): every message would be "
		    "delivered twice; remove one", b->file, b->line, b->name,
		    dup->name, dup->line);
	} else if (a.set.poll_times && *a.set.poll_times &&
	    !ops_times_ok(a.set.poll_times)) {
		chk_add(k, 1, "%s, line %d: %s: poll_times = %s: use "
		    "HH:MM,HH:MM,...", b->file, b->line, b->name,
		    a.set.poll_times);
	}
	account_free(&a);
	strbuf_free(why);
}

/*
 * chk_mailboxes - syntax, then every mailbox; CHK_GLOBAL_SENDMAIL and/or
 * CHK_GLOBAL_SMTP when a global mailbox delivers that way
 */

static int
chk_mailboxes(struct ops_chk *k, const struct ctl *c, const char *path,
    const char *pwpath, struct cfg_dict *pw, int pw_ok)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct cfg_mailboxes m;
	const struct cfg_entry *e;
	const char *def = c->fs.delivery_method && *c->fs.delivery_method ?
	    c->fs.delivery_method : "sendmail";
	size_t	i;
	int	global = 0;

	memset(&m, 0, sizeof(m));
	if (access(path, F_OK) != 0) {
		chk_add(k, 0, "%s: %s (no mailboxes: the fetcher is idle)",
		    path, strerror(errno));
	} else if (cfg_parse_mailboxes(path, &m, why) != PC_OK) {
		chk_add(k, 1, "%s", strbuf_str(why));
	} else {
		if (m.n == 0)
			chk_add(k, 0, "%s: no mailboxes: the fetcher is idle",
			    path);
		for (i = 0; i < m.n; i++) {
			if (strcmp(m.v[i].type, "global") == 0) {
				e = cfg_dict_find(m.v[i].opts,
				    "delivery_method");
				global |= strcmp(e ? e->value : def, "smtp") ==
				    0 ? CHK_GLOBAL_SMTP : CHK_GLOBAL_SENDMAIL;
			}
			chk_box(k, c, &m, i, pw, pw_ok);
		}
		for (i = 0; pw_ok && i < pw->n; i++)
			if (ctl_find_box(&m, pw->v[i].name) == NULL)
				chk_add(k, 0, "%s, line %d: password for %s, "
				    "which is not in mailboxes.cf", pwpath,
				    pw->v[i].line, pw->v[i].name);
	}
	cfg_mailboxes_free(&m);
	strbuf_free(why);
	return (global);
}

/* chk_global - what global mailboxes need: the key, local domains */

static void
chk_global(struct ops_chk *k, const struct ctl *c)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	unsigned char key[MARKER_KEY_LEN];
	struct pf_params pf;

	if (marker_load_key(c->fs.marker_secret_file, key, why) != PC_OK)
		chk_add(k, 1, "marker_secret_file: %s", strbuf_str(why));
	memset(key, 0, sizeof(key));
	if (*c->ms.local_domains == 0) {
		memset(&pf, 0, sizeof(pf));
		strbuf_reset(why);
		if (pf_params_load(c->ms.postfix_config_directory, &pf, why) !=
		    PC_OK)
			chk_add(k, 0, "%s", strbuf_str(why));
		if (*pf.local_domains == 0)
			chk_add(k, 1, "%s/popconn.cf: local_domains is empty "
			    "and Postfix names no local domain: global "
			    "mailboxes cannot be routed", c->dir);
		else
			ctl_note("local_domains: Postfix's (%s)",
			    pf.local_domains);
		pf_params_free(&pf);
	}
	strbuf_free(why);
}

/* chk_tables - routing_maps and recipient_maps open */

static void
chk_tables(struct ops_chk *k, const struct ctl *c)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct table_list tl;

	memset(&tl, 0, sizeof(tl));
	if (table_list_open(c->ms.routing_maps,
	    c->ms.postfix_config_directory, &tl, why) != PC_OK)
		chk_add(k, 1, "routing_maps: %s", strbuf_str(why));
	table_list_free(&tl);
	strbuf_reset(why);
	if (table_list_open(c->ms.recipient_maps,
	    c->ms.postfix_config_directory, &tl, why) != PC_OK)
		chk_add(k, 1, "recipient_maps: %s", strbuf_str(why));
	table_list_free(&tl);
	strbuf_free(why);
}

/* ops_check - validate everything; problems to report, as they come */

int
ops_check(struct ctl *c, void (*report)(void *, const json_t *),
    void *ctx, json_t **summary)
{
	struct ops_chk k;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct cfg_dict *d = cfg_dict_alloc(), *pw = cfg_dict_alloc();
	char	path[PATH_MAX], pwpath[PATH_MAX];
	int	pw_ok = 0, rc = 0, global;

	memset(&k, 0, sizeof(k));
	k.report = report;
	k.ctx = ctx;
	if ((k.problems = json_array()) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	*summary = NULL;
	/* popconn.cf: syntax, every unknown name, then the values. */
	if (ctl_path(c, path, sizeof(path), "popconn.cf") < 0 ||
	    ctl_path(c, pwpath, sizeof(pwpath), "passwords") < 0) {
		rc = EX_USAGE;
		goto out;
	}
	if (cfg_parse_main(path, d, why) != PC_OK) {
		chk_add(&k, 1, "%s", strbuf_str(why));
		goto done;
	}
	chk_passwords(&k, pwpath, pw, &pw_ok);
	chk_known(&k, d);
	if (k.errors || ctl_load(c) != 0) {
		if (k.errors == 0)
			k.errors++;	/* ctl_load() said why */
		goto done;
	}
	chk_values(&k, c, path);
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0)
		goto done;
	global = chk_mailboxes(&k, c, path, pwpath, pw, pw_ok);
	chk_dir(&k, "state_directory", c->fs.state_directory);
	chk_dir(&k, "spool_directory", c->fs.spool_directory);
	if (global)
		chk_global(&k, c);
	chk_tables(&k, c);
	chk_postfix(&k, c, global);
done:
	*summary = json_object();
	(void)json_object_set_new(*summary, "errors", json_integer(k.errors));
	(void)json_object_set_new(*summary, "warnings",
	    json_integer(k.warnings));
	(void)json_object_set(*summary, "problems", k.problems);
	rc = k.errors ? EX_CONFIG : 0;
out:
	json_decref(k.problems);
	cfg_dict_free(d);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}
