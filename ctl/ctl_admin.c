/*
 * NAME
 *	ctl_admin - popconnctl schedule, undeliverable, route, check
 * SYNOPSIS
 *	int ctl_cmd_schedule(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_undeliverable(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_route(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_check(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	schedule edits poll_interval and poll_times, in popconn.cf or as
 *	a mailbox's -o options; "set INTERVAL" clears poll_times, "set
 *	--at" sets it.
 *
 *	undeliverable shows or sets undeliverable_mailbox and reloads both
 *	daemons (the fetcher uses it as the placeholder recipient, the
 *	milter as the fallback).
 *
 *	route edits the first texthash: (or, with --pcre, pcre:) table in
 *	routing_maps, creating DIR/routing or DIR/routing.pcre and adding
 *	it to routing_maps when there is none.  A pcre pattern is compiled
 *	first; a bad one is refused with PCRE's message and its position.
 *	route test reads a message and routes it with the milter's own
 *	module (plugin/route.c) and the live tables.
 *
 *	check validates every file the way the daemons read it and prints
 *	each problem with its file (and line, where there is one), like
 *	postfix check: popconn.cf (every unknown name, not only the first),
 *	mailboxes.cf, passwords (mode 0600), the marker key, directories,
 *	tables, and the Postfix side (non_smtpd_milters, the milter socket).
 * DIAGNOSTICS
 *	check exits 0 when it found no error (warnings allowed), else
 *	EX_CONFIG.
 * SECURITY
 *	Messages given to route test are untrusted: headers are bounded
 *	(ADM_HEADERS_MAX) and printed through log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "alloc.h"
#include "ctl.h"
#include "exec.h"
#include "log.h"
#include "marker.h"
#include "safeio.h"
#include "table.h"
#include "pfparams.h"
#include "route.h"
#include "dedupe.h"
#include <openssl/evp.h>

#define ADM_HEADERS_MAX	(1024 * 1024)	/* header bytes route test reads */
#define ADM_TEXT_MAX	512

/* adm_main_edit - set (value) or unset (NULL) popconn.cf settings */

static int
adm_main_edit(struct ctl *c, const char *const names[],
    const char *const values[], size_t n)
{
	struct cfgedit e;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX];
	size_t	i;
	int	rc = 0;

	memset(&e, 0, sizeof(e));
	if (ctl_path(c, path, sizeof(path), "popconn.cf") < 0 ||
	    cfgedit_open(&e, CFGEDIT_MAIN, path, why) != PC_OK)
		rc = EX_CONFIG;
	for (i = 0; rc == 0 && i < n; i++) {
		if ((values[i] ? cfgedit_main_set(&e, names[i], values[i],
		    why) : cfgedit_main_unset(&e, names[i], why)) != PC_OK)
			rc = EX_CONFIG;
	}
	if (rc != 0)
		ctl_err("%s", strbuf_str(why));
	else
		rc = ctl_commit(&e);
	if (e.text)
		cfgedit_free(&e);
	strbuf_free(why);
	return (rc);
}

/* adm_times_ok - "HH:MM[,HH:MM...]" */

static int
adm_times_ok(const char *s)
{
	int	h, m;

	for (;;) {
		if (!isdigit((unsigned char)s[0]) ||
		    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
		    !isdigit((unsigned char)s[3]) ||
		    !isdigit((unsigned char)s[4]))
			return (0);
		h = (s[0] - '0') * 10 + s[1] - '0';
		m = (s[3] - '0') * 10 + s[4] - '0';
		if (h > 23 || m > 59)
			return (0);
		s += 5;
		if (*s == 0)
			return (1);
		if (*s++ != ',')
			return (0);
	}
}

/* adm_param - a params_fetcher entry */

static const struct cfg_param *
adm_param(const char *name)
{
	const struct cfg_param *p;

	for (p = params_fetcher; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return (p);
	return (NULL);
}

/* adm_schedule_show - the schedule and every mailbox's override */

static int
adm_schedule_show(struct ctl *c)
{
	struct cfg_mailboxes m;
	const struct cfg_entry *iv, *at;
	size_t	i;
	int	rc;

	if ((rc = ctl_load_boxes(c, &m)) != 0)
		return (rc);
	printf("%-16s %-10s %s\n", "MAILBOX", "INTERVAL", "TIMES");
	printf("%-16s %-10s %s\n", "(popconn.cf)",
	    ctl_raw(c, "poll_interval", NULL) ? ctl_raw(c, "poll_interval",
	    NULL) : adm_param("poll_interval")->defval,
	    *c->fs.poll_times ? c->fs.poll_times : "-");
	for (i = 0; i < m.n; i++) {
		iv = cfg_dict_find(m.v[i].opts, "poll_interval");
		at = cfg_dict_find(m.v[i].opts, "poll_times");
		printf("%-16s %-10s %s\n", m.v[i].name, iv ? iv->value :
		    "(global)", at ? (*at->value ? at->value : "-") :
		    "(global)");
	}
	cfg_mailboxes_free(&m);
	return (0);
}

/* adm_duration - "1 hour 30 minutes": how an interval was read */

static const char *
adm_duration(char *buf, size_t size, long long secs)
{
	static const struct {
		long long s;
		const char *unit;
	} u[] = {
		{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"},
	};
	size_t	i, len = 0;
	long long n;

	buf[0] = 0;
	for (i = 0; i < PC_ARRAY_LEN(u) && len < size; i++) {
		if ((n = secs / u[i].s) == 0)
			continue;
		secs -= n * u[i].s;
		len += (size_t)snprintf(buf + len, size - len, "%s%lld %s%s",
		    len ? " " : "", n, u[i].unit, n == 1 ? "" : "s");
	}
	if (len >= size)
		buf[size - 1] = 0;
	return (buf);
}

/* ctl_cmd_schedule - schedule show | set INTERVAL | set --at TIMES */

int
ctl_cmd_schedule(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"at", required_argument, NULL, 'a'},
		{"mailbox", required_argument, NULL, 'm'},
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *names[2] = {"poll_interval", "poll_times"};
	const char *values[2] = {NULL, NULL};
	const char *at = NULL, *box = NULL, *iv = NULL;
	const struct cfg_param *p = adm_param("poll_interval");
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	struct cfg_dict *opts;
	long long secs = 0;
	char	human[ADM_TEXT_MAX];
	size_t	i;
	int	ch, rc, force = 0;

	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (argc < 2 || strcmp(argv[1], "show") == 0) {
		if (argc > 2) {
			ctl_err("usage: schedule show");
			return (EX_USAGE);
		}
		return (adm_schedule_show(c));
	}
	if (strcmp(argv[1], "set") != 0) {
		ctl_err("usage: schedule show | set INTERVAL | set --at "
		    "HH:MM[,HH:MM...] [--mailbox NAME]");
		return (EX_USAGE);
	}
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'a')
			at = optarg;
		else if (ch == 'm')
			box = optarg;
		else if (ch == 'f')
			force = 1;
		else
			return (EX_USAGE);
	}
	if (optind < argc)
		iv = argv[optind++];
	if (optind != argc || (at == NULL) == (iv == NULL)) {
		ctl_err("usage: schedule set INTERVAL [--force] | set --at "
		    "HH:MM[,HH:MM...] [--mailbox NAME]");
		return (EX_USAGE);
	}
	if (iv != NULL && (cfg_parse_time(iv, &secs) != 0 || secs < p->min ||
	    secs > p->max)) {
		ctl_err("%s: give an interval like 15m, 1h or 90s (%lld "
		    "seconds to %lld days)", iv, p->min, p->max / 86400);
		return (EX_USAGE);
	}
	/* "15" is 15 seconds, as in Postfix: say so, and ask for --force. */
	if (iv != NULL && secs < 60 && !force) {
		ctl_err("%s: read as %s; polling more often than once a "
		    "minute loads the ISP and may get the account locked: "
		    "did you mean %lldm? (--force sets it anyway)", iv,
		    adm_duration(human, sizeof(human), secs), secs);
		return (EX_USAGE);
	}
	if (iv != NULL)
		(void)adm_duration(human, sizeof(human), secs);
	if (at != NULL && !adm_times_ok(at)) {
		ctl_err("--at %s: give times of day as HH:MM,HH:MM,... "
		    "(24-hour clock)", at);
		return (EX_USAGE);
	}
	values[0] = iv;
	values[1] = at;
	if (box == NULL) {
		/* With --at the interval stays (it is not used then). */
		rc = adm_main_edit(c, iv ? names : names + 1, iv ? values :
		    values + 1, iv ? 2 : 1);
		if (rc == 0) {
			printf("schedule: %s%s%s%s%s\n", iv ? "every " :
			    "at ", iv ? iv : at, iv ? " (" : "", iv ? human :
			    "", iv ? ")" : "");
			(void)ctl_reload_fetcher(c);
		}
		return (rc);
	}
	if ((rc = ctl_load_boxes(c, &m)) != 0)
		return (rc);
	if ((b = ctl_find_box(&m, box)) == NULL) {
		ctl_err("no mailbox %s in %s/mailboxes.cf", box, c->dir);
		cfg_mailboxes_free(&m);
		return (EX_DATAERR);
	}
	opts = cfg_dict_alloc();
	for (i = 0; i < b->opts->n; i++) {
		if (strcmp(b->opts->v[i].name, "poll_times") == 0 &&
		    iv != NULL)
			continue;	/* an interval replaces the times */
		cfg_dict_set(opts, b->opts->v[i].name, b->opts->v[i].value,
		    NULL, 0);
	}
	if (iv != NULL) {
		cfg_dict_set(opts, "poll_interval", iv, NULL, 0);
		/* Times set in popconn.cf would still win: clear them. */
		if (*c->fs.poll_times)
			cfg_dict_set(opts, "poll_times", "", NULL, 0);
	} else {
		cfg_dict_set(opts, "poll_times", at, NULL, 0);
	}
	rc = ctl_mailbox_rewrite(c, b, opts);
	if (rc == 0)
		printf("schedule of %s: %s%s%s%s%s\n", box, iv ? "every " :
		    "at ", iv ? iv : at, iv ? " (" : "", iv ? human : "",
		    iv ? ")" : "");
	cfg_dict_free(opts);
	cfg_mailboxes_free(&m);
	return (rc);
}

/* adm_addr_ok - an address for undeliverable_mailbox or a route */

static int
adm_addr_ok(const char *s, int spaces)
{
	const unsigned char *p;

	if (*s == 0 || *s == '-' || strlen(s) > 320 * 8)
		return (0);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f || (*p == ' ' && !spaces))
			return (0);
	return (s[strlen(s) - 1] != ' ');
}

/* ctl_cmd_undeliverable - undeliverable [ADDRESS] */

int
ctl_cmd_undeliverable(struct ctl *c, int argc, char **argv)
{
	const char *names[1] = {"undeliverable_mailbox"};
	const char *values[1];
	int	rc;

	if (argc > 2) {
		ctl_err("usage: undeliverable [ADDRESS]");
		return (EX_USAGE);
	}
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (argc == 1) {
		printf("%s\n", c->ms.undeliverable_mailbox);
		return (0);
	}
	if (!adm_addr_ok(argv[1], 0)) {
		ctl_err("%s: give one address, without white space, not "
		    "starting with '-'", argv[1]);
		return (EX_USAGE);
	}
	values[0] = argv[1];
	if ((rc = adm_main_edit(c, names, values, 1)) != 0)
		return (rc);
	printf("undeliverable_mailbox = %s\n", argv[1]);
	(void)ctl_reload_fetcher(c);
	if (ctl_reload_milter(c, 0) == PC_OK)
		printf("milter: reload requested (SIGUSR1)\n");
	return (0);
}

/* adm_map - the file of the first TYPE: table in routing_maps */

static char *
adm_map(const char *maps, const char *type)
{
	size_t	tl = strlen(type), n;
	const char *p = maps;

	while (*p) {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > tl && strncmp(p, type, tl) == 0 && p[tl] == ':')
			return (xstrndup(p + tl + 1, n - tl - 1));
		p += n;
	}
	return (NULL);
}

/* adm_pcre_key - "/re/flags" from PATTERN; checks; caller frees */

static char *
adm_pcre_key(const char *pat)
{
	struct strbuf *k = strbuf_alloc(PC_CFG_LINE_MAX);
	const char *s = pat, *re, *end;
	char	msg[256], *key = NULL, delim;
	uint32_t opts = PCRE2_CASELESS;
	pcre2_code *code;
	PCRE2_SIZE off;
	int	err;

	if (*s == '!')
		s++;
	if (*s != '/') {
		/* A bare regex: wrap it in slashes. */
		if (strchr(pat, '/') != NULL) {
			ctl_err("%s: write it as /regex/flags (a bare regex "
			    "may not hold '/')", pat);
			goto out;
		}
		if (strbuf_printf(k, "/%s/", pat) < 0)
			goto out;
		key = adm_pcre_key(strbuf_str(k));
		goto out;
	}
	delim = *s;
	re = ++s;
	for (end = re; *end && *end != delim; end++)
		if (*end == '\\' && end[1])
			end++;
	if (*end != delim) {
		ctl_err("%s: no closing %c", pat, delim);
		goto out;
	}
	for (s = end + 1; *s; s++) {
		switch (*s) {
		case 'i': opts ^= PCRE2_CASELESS; break;
		case 'm': opts |= PCRE2_MULTILINE; break;
		case 's': opts |= PCRE2_DOTALL; break;
		case 'x': opts |= PCRE2_EXTENDED; break;
		case 'A': opts |= PCRE2_ANCHORED; break;
		case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
		case 'U': opts |= PCRE2_UNGREEDY; break;
		case 'X': break;
		default:
			ctl_err("%s: unknown flag '%c' (use i m s x A E U X)",
			    pat, *s);
			goto out;
		}
	}
	code = pcre2_compile((PCRE2_SPTR)re, (PCRE2_SIZE)(end - re), opts,
	    &err, &off, NULL);
	if (code == NULL) {
		(void)pcre2_get_error_message(err, (PCRE2_UCHAR *)msg,
		    sizeof(msg));
		ctl_err("bad regex %s: %s at position %zu:\n    %.*s\n    %*s^",
		    pat, msg, (size_t)off, (int)(end - re), re, (int)off, "");
		goto out;
	}
	pcre2_code_free(code);
	key = xstrdup(pat);
out:
	strbuf_free(k);
	return (key);
}

/* adm_route_split - a table line as pattern and result (in place) */

static void
adm_route_split(char *s, int pcre, char **rcpt)
{
	char   *e = s;

	/*
	 * A texthash key ends at the first blank (space or tab, as postmap
	 * reads it); a pcre pattern at its closing delimiter and flags.
	 */
	if (pcre && *s && !isalnum((unsigned char)*s) && *s != '\\') {
		for (e = s + 1; *e && *e != *s; e++)
			if (*e == '\\' && e[1])
				e++;
		if (*e)
			e++;
		while (isalpha((unsigned char)*e))
			e++;
	}
	e += strcspn(e, " \t");
	if (*e)
		*e++ = 0;
	*rcpt = e + strspn(e, " \t");
}

/* adm_route_list - every entry of the texthash and pcre tables */

static int
adm_route_list(struct ctl *c)
{
	const char *p = c->ms.routing_maps;
	struct strbuf *t = strbuf_alloc(TABLE_FILE_MAX);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	spec[PATH_MAX], pb[ADM_TEXT_MAX], rb[ADM_TEXT_MAX], *s, *nl;
	char   *file, *rcpt;
	size_t	n;
	int	line, rows = 0;

	if (*p == 0)
		ctl_note("routing_maps is empty: only the default rule "
		    "(user@local-domain -> user) applies");
	while (*p) {
		p += strspn(p, ", \t");
		if ((n = strcspn(p, ", \t")) == 0)
			break;
		(void)snprintf(spec, sizeof(spec), "%.*s", (int)n, p);
		p += n;
		if (strncmp(spec, "texthash:", 9) != 0 &&
		    strncmp(spec, "pcre:", 5) != 0) {
			printf("%-40s (indexed table: see postmap -s %s)\n",
			    spec, spec);
			continue;
		}
		file = strchr(spec, ':') + 1;
		if (safeio_read_file(file, TABLE_FILE_MAX, 0, t, why) !=
		    PC_OK) {
			ctl_err("%s", strbuf_str(why));
			continue;
		}
		for (s = t->data, line = 1; s < t->data + t->len;
		    s = nl + 1, line++) {
			if ((nl = memchr(s, '\n', t->len - (size_t)(s -
			    t->data))) == NULL)
				nl = t->data + t->len;
			*nl = 0;
			if (nl > s && nl[-1] == '\r')
				nl[-1] = 0;
			if (*s == 0 || *s == '#' || isspace((unsigned char)*s))
				continue;	/* continuation shown raw */
			if (rows++ == 0)
				printf("%-40s %-32s %s\n", "TABLE:LINE",
				    "PATTERN", "RECIPIENT");
			adm_route_split(s, spec[0] == 'p', &rcpt);
			printf("%s:%-*d ", spec, (int)(strlen(spec) < 38 ?
			    38 - strlen(spec) : 0), line);
			printf("%-32s ", log_printable(pb, sizeof(pb), s,
			    strlen(s)));
			printf("%s\n", *rcpt ? log_printable(rb, sizeof(rb),
			    rcpt, strlen(rcpt)) : "(none)");
		}
	}
	strbuf_free(t);
	strbuf_free(why);
	return (0);
}

/* adm_route_edit - route add PATTERN RECIPIENT / route remove PATTERN */

static int
adm_route_edit(struct ctl *c, int add, int pcre, const char *pat,
    const char *rcpt)
{
	const char *type = pcre ? "pcre" : "texthash";
	const char *names[1] = {"routing_maps"};
	const char *values[1];
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *maps = NULL;
	struct cfgedit e;
	char   *file = adm_map(c->ms.routing_maps, type), *key = NULL;
	char	path[PATH_MAX];
	int	rc = 0;

	memset(&e, 0, sizeof(e));
	if (pcre) {
		if ((key = adm_pcre_key(pat)) == NULL) {
			rc = EX_DATAERR;
			goto out;
		}
	} else {
		if (strpbrk(pat, " \t") != NULL || !adm_addr_ok(pat, 0)) {
			ctl_err("%s: a texthash pattern is an address, "
			    "user@, @domain or user, without white space "
			    "(use --pcre for a regex)", pat);
			rc = EX_DATAERR;
			goto out;
		}
		key = xstrdup(pat);
	}
	if (add && !adm_addr_ok(rcpt, 1)) {
		ctl_err("%s: bad recipient list", rcpt);
		rc = EX_DATAERR;
		goto out;
	}
	if (file == NULL && !add) {
		ctl_err("routing_maps names no %s: table", type);
		rc = EX_DATAERR;
		goto out;
	}
	if (file == NULL) {
		if (ctl_path(c, path, sizeof(path), pcre ? "routing.pcre" :
		    "routing") < 0) {
			rc = EX_USAGE;
			goto out;
		}
		file = xstrdup(path);
		maps = strbuf_alloc(PC_CFG_LINE_MAX);
		if (strbuf_printf(maps, "%s%s%s:%s", c->ms.routing_maps,
		    *c->ms.routing_maps ? ", " : "", type, file) < 0) {
			rc = EX_CONFIG;
			goto out;
		}
	}
	if (cfgedit_open(&e, CFGEDIT_TABLE, file, why) != PC_OK ||
	    (add ? cfgedit_table_set(&e, key, rcpt, why) :
	    cfgedit_table_remove(&e, key, why)) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctl_commit(&e)) != 0)
		goto out;
	if (maps != NULL) {
		values[0] = strbuf_str(maps);
		if ((rc = adm_main_edit(c, names, values, 1)) != 0)
			goto out;
		printf("routing_maps = %s\n", strbuf_str(maps));
	}
	if (add)
		printf("%s:%s: %s -> %s\n", type, file, key, rcpt);
	else
		printf("%s:%s: %s removed\n", type, file, key);
	if (ctl_reload_milter(c, 0) == PC_OK)
		printf("milter: reload requested (SIGUSR1)\n");
out:
	if (e.text)
		cfgedit_free(&e);
	strbuf_free(maps);
	strbuf_free(why);
	free(file);
	free(key);
	return (rc);
}

/* Headers the milter stores for route_message() (plugin/milter.c). */
static const char *const adm_keep[] = {
	"To", "Cc", "Resent-To", "Resent-Cc", "Delivered-To",
	"X-Original-To", "Envelope-To", "X-Envelope-To", "Received",
	ROUTE_TRACE_HEADER,
};

/*
 * adm_route_dups - for each recipient, would the milter drop it as a
 * duplicate?  The message's identity as the fetcher computes it; the
 * milter's store read only (nothing is recorded).
 */

static void
adm_route_dups(struct ctl *c, const struct marker_bind *b,
    const unsigned char body_md[32], const struct route_result *r)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct dupdb_copy first;
	struct marker m;
	char	pb[ADM_TEXT_MAX];
	size_t	i;
	int	rc;

	memset(&m, 0, sizeof(m));
	marker_identity(b, body_md, m.id);
	m.window = -1;			/* each first copy's own window */
	for (i = 0; i < r->n; i++) {
		rc = dedupe_preview(c->ms.milter_state_directory, &m,
		    r->v[i].addr, &first, why);
		if (rc == PC_PERM)
			break;		/* no store: nothing recorded yet */
		if (rc < 0) {
			ctl_note("duplicates not checked: %s", strbuf_str(why));
			break;
		}
		if (rc == 1)
			printf("duplicate: %s would be dropped (already "
			    "delivered: marker %s, queue id %s, %lld s ago)\n",
			    log_printable(pb, sizeof(pb), r->v[i].addr,
			    strlen(r->v[i].addr)), first.nonce, first.qid,
			    (long long)time(NULL) - first.t);
	}
	strbuf_free(why);
}

/* adm_route_test - route test FILE|- [--mailbox NAME] [--trust-env] */

static int
adm_route_test(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"trust-env", no_argument, NULL, 't'},
		{"envelope-header", required_argument, NULL, 'e'},
		{"envelope-skip", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct strbuf *msg = strbuf_alloc(ADM_HEADERS_MAX);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *notes = strbuf_alloc(ROUTE_NOTES_MAX);
	struct route_header *h = NULL;
	struct pf_params pf;
	struct route_pfcheck pfcheck;
	struct route_config rc_;
	struct route_result r;
	struct table_list routing, recips;
	char  **domains = NULL;
	char	buf[8192], pb[ADM_TEXT_MAX], pb2[ADM_TEXT_MAX];
	size_t	nh = 0, nd = 0, i;
	int	ch, fd, rc = 0, trust = 0;
	ssize_t	got;
	struct marker_bind bind;
	unsigned char body_md[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	const char *sep;
	struct route_env env = {0, NULL, 0};

	memset(&routing, 0, sizeof(routing));
	memset(&recips, 0, sizeof(recips));
	memset(&pf, 0, sizeof(pf));
	memset(&pfcheck, 0, sizeof(pfcheck));
	route_result_init(&r);
	marker_bind_init(&bind);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 't')
			trust = 1;
		else if (ch == 'e')
			env.header = optarg;
		else if (ch == 's' && (env.skip = atoi(optarg)) >= 0 &&
		    env.skip <= 99 && strspn(optarg, "0123456789") ==
		    strlen(optarg))
			continue;
		else
			rc = EX_USAGE;
	}
	env.trust = trust;
	if (rc != 0 || optind + 1 != argc) {
		ctl_err("usage: route test [--trust-env [--envelope-header "
		    "NAME] [--envelope-skip N]] FILE|-");
		rc = EX_USAGE;
		goto out;
	}
	fd = strcmp(argv[optind], "-") == 0 ? 0 :
	    safeio_open_read(argv[optind], NULL);
	if (fd < 0) {
		ctl_errno("%s", argv[optind]);
		rc = EX_NOINPUT;
		goto out;
	}
	/* The header: up to the first empty line, at most the limit. */
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (strbuf_append(msg, buf, (size_t)got) < 0)
			break;
		if (strstr(msg->data, "\n\n") || strstr(msg->data,
		    "\r\n\r\n"))
			break;
	}
	/* The body, for the identity of a message without Message-ID. */
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		log_fatal(EX_SOFTWARE, "cannot initialise SHA-256");
	if ((sep = strstr(msg->data, "\n\n")) != NULL)
		(void)EVP_DigestUpdate(md, sep + 2, msg->len - (size_t)(sep + 2 -
		    msg->data));
	while (sep != NULL && (got = read(fd, buf, sizeof(buf))) > 0)
		(void)EVP_DigestUpdate(md, buf, (size_t)got);
	if (EVP_DigestFinal_ex(md, body_md, &mdlen) != 1)
		memset(body_md, 0, sizeof(body_md));
	if (fd != 0)
		close(fd);
	marker_bind_block(&bind, msg->data, msg->len);
	if ((rc = ctl_load(c)) != 0)
		goto out;
	/*
	 * Invariant 8: the milter's decision on what the milter sees.  The
	 * milter gets the headers as cleanup rewrote them, with this site's
	 * Postfix parameters; do the same here, then call route_message().
	 */
	if (pf_params_load(c->ms.postfix_config_directory, &pf, why) !=
	    PC_OK)
		ctl_note("%s", strbuf_str(why));
	if (route_cleanup_headers(&pf, msg->data, msg->len, adm_keep,
	    PC_ARRAY_LEN(adm_keep), &h, &nh, notes) != PC_OK) {
		ctl_err("cannot read the header");
		rc = EX_DATAERR;
		goto out;
	}
	if (strbuf_len(notes) > 0)
		printf("cleanup: %s\n", log_printable(pb, sizeof(pb),
		    strbuf_str(notes), strbuf_len(notes)));
	nd = route_domains_parse(*c->ms.local_domains ? c->ms.local_domains :
	    pf.local_domains, &domains);
	if (table_list_open(c->ms.routing_maps,
	    c->ms.postfix_config_directory, &routing, why) != PC_OK ||
	    table_list_open(c->ms.recipient_maps,
	    c->ms.postfix_config_directory, &recips, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	memset(&rc_, 0, sizeof(rc_));
	rc_.domains = domains;
	rc_.ndomains = nd;
	rc_.undeliverable = c->ms.undeliverable_mailbox;
	rc_.routing = &routing;
	rc_.recipients = &recips;
	rc_.max_recipients = (size_t)c->ms.max_recipients;
	rc_.hop_limit = ROUTE_HOP_LIMIT;
	rc_.site = *c->ms.myhostname ? c->ms.myhostname : "localhost";
	rc_.delim = *c->ms.recipient_delimiter ? c->ms.recipient_delimiter :
	    pf.recipient_delimiter;
	rc_.token_limit = (size_t)pf.header_address_token_limit;
	rc_.size_limit = (size_t)pf.header_size_limit;
	if (recips.n == 0 && pf.from_postconf) {
		if (route_pfcheck_open(&pf, c->ms.postfix_config_directory,
		    &pfcheck, why) != PC_OK)
			ctl_note("%s", strbuf_str(why));
		rc_.pfcheck = &pfcheck;
	}
	if (nd == 0)
		ctl_note("local_domains is empty and Postfix names no local "
		    "domain: every global message goes to %s",
		    c->ms.undeliverable_mailbox);
	if (route_message_env(&rc_, h, nh, &env, &r, why) != PC_OK) {
		ctl_err("a table lookup failed (the milter would tempfail): "
		    "%s", strbuf_str(why));
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (r.undeliverable)
		printf("undeliverable: %s (%s)\n", c->ms.undeliverable_mailbox,
		    log_printable(pb, sizeof(pb), strbuf_str(r.reason),
		    strbuf_len(r.reason)));
	for (i = 0; i < r.n; i++)
		printf("recipient: %s (%s)\n", log_printable(pb, sizeof(pb),
		    r.v[i].addr, strlen(r.v[i].addr)), log_printable(pb2,
		    sizeof(pb2), r.v[i].reason, strlen(r.v[i].reason)));
	if (strbuf_len(r.notes) > 0)
		printf("notes: %s\n", log_printable(pb, sizeof(pb),
		    strbuf_str(r.notes), strbuf_len(r.notes)));
	if (!r.undeliverable)
		adm_route_dups(c, &bind, body_md, &r);
out:
	marker_bind_free(&bind);
	EVP_MD_CTX_free(md);
	route_result_free(&r);
	route_domains_free(domains, nd);
	table_list_free(&routing);
	table_list_free(&recips);
	route_cleanup_free(h, nh);
	route_pfcheck_free(&pfcheck);
	pf_params_free(&pf);
	strbuf_free(notes);
	strbuf_free(msg);
	strbuf_free(why);
	return (rc);
}

/* ctl_cmd_route - route add|remove|list|test */

int
ctl_cmd_route(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"pcre", no_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	int	ch, pcre = 0, add, rc;

	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return (adm_route_test(c, argc - 1, argv + 1));
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return (adm_route_list(c));
	if (argc < 3 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "remove") != 0))
		goto usage;
	add = strcmp(argv[1], "add") == 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch != 'p')
			goto usage;
		pcre = 1;
	}
	if (argc - optind != (add ? 2 : 1))
		goto usage;
	return (adm_route_edit(c, add, pcre, argv[optind],
	    add ? argv[optind + 1] : ""));
usage:
	ctl_err("usage: route add PATTERN RECIPIENT [--pcre] | route remove "
	    "PATTERN [--pcre] | route list | route test FILE|-");
	return (EX_USAGE);
}

/* Problems found by check. */
struct adm_check {
	int	errors;
	int	warnings;
};

/* chk_err - one error line */

static void PC_PRINTF(2, 3)
chk_err(struct adm_check *k, const char *fmt, ...)
{
	va_list	ap;

	k->errors++;
	fprintf(stderr, "popconnctl: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* chk_warn - one warning line */

static void PC_PRINTF(2, 3)
chk_warn(struct adm_check *k, const char *fmt, ...)
{
	va_list	ap;

	k->warnings++;
	fprintf(stderr, "popconnctl: warning: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* chk_known - every unknown popconn.cf name, with its line */

static void
chk_known(struct adm_check *k, const struct cfg_dict *d)
{
	const struct cfg_param *p;
	size_t	i, t;
	int	found;

	for (i = 0; i < d->n; i++) {
		for (found = 0, t = 0; t < params_all_count && !found; t++)
			for (p = params_all[t]; p->name && !found; p++)
				found = strcmp(p->name, d->v[i].name) == 0;
		if (!found)
			chk_err(k, "%s, line %d: unknown parameter %s",
			    d->v[i].file, d->v[i].line, d->v[i].name);
	}
}

/* chk_dir - a directory the fetcher writes: warn if missing or open */

static void
chk_dir(struct adm_check *k, const char *what, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		chk_warn(k, "%s %s: %s (the fetcher creates it)", what, dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		chk_err(k, "%s %s: not a directory", what, dir);
	else if (st.st_mode & 007)
		chk_warn(k, "%s %s: mode %04o: others may read mail state; "
		    "use 0700", what, dir, (unsigned)(st.st_mode & 07777));
}

/* chk_postfix - non_smtpd_milters names the milter socket */

static void
chk_postfix(struct adm_check *k, const struct ctl *c, int global)
{
	char   *argv[6];
	struct strbuf *out = strbuf_alloc(64 * 1024);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	const char *sock = c->ms.milter_socket;
	struct sockaddr_un sun;
	int	status, n = 0, fd;

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
		chk_warn(k, "postconf not found: cannot check Postfix's "
		    "non_smtpd_milters");
	} else if (exec_run(argv, NULL, -1, out, 30, &status, why) != PC_OK ||
	    status != 0) {
		chk_warn(k, "postconf -h non_smtpd_milters failed: %s",
		    strbuf_len(why) ? strbuf_str(why) : "non-zero exit");
	} else if (strstr(strbuf_str(out), sock) == NULL) {
		if (global)
			chk_err(k, "Postfix main.cf: non_smtpd_milters does "
			    "not name the milter socket %s: global mailboxes "
			    "land in the undeliverable mailbox", sock);
		else
			chk_warn(k, "Postfix main.cf: non_smtpd_milters does "
			    "not name %s (needed for global mailboxes only)",
			    sock);
	}
	if (global && strchr(sock, ':') == NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (pc_strlcpy(sun.sun_path, sock, sizeof(sun.sun_path)) <
		    sizeof(sun.sun_path) && (fd = socket(AF_UNIX,
		    SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
			if (connect(fd, (struct sockaddr *)&sun,
			    sizeof(sun)) != 0)
				chk_warn(k, "milter socket %s: %s (is "
				    "popconn-milter running?)", sock,
				    strerror(errno));
			close(fd);
		}
	}
	strbuf_free(out);
	strbuf_free(why);
}

/* ctl_cmd_check - validate everything, like postfix check */

int
ctl_cmd_check(struct ctl *c, int argc, char **argv)
{
	struct adm_check k = {0, 0};
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *w2 = strbuf_alloc(CFGEDIT_FILE_MAX);
	struct cfg_dict *d = cfg_dict_alloc(), *pw = cfg_dict_alloc();
	struct cfg_mailboxes m;
	const struct cfg_mailbox *dup;
	struct table_list tl;
	struct account a;
	struct stat st;
	char	path[PATH_MAX], pwpath[PATH_MAX];
	size_t	i;
	int	fd, global = 0, pw_ok = 0;

	memset(&m, 0, sizeof(m));
	memset(&tl, 0, sizeof(tl));
	if (argc != 1) {
		ctl_err("usage: check");
		return (EX_USAGE);
	}
	/* popconn.cf: syntax, every unknown name, then the values. */
	if (ctl_path(c, path, sizeof(path), "popconn.cf") < 0)
		return (EX_USAGE);
	if (cfg_parse_main(path, d, why) != PC_OK) {
		chk_err(&k, "%s", strbuf_str(why));
		goto done;
	}
	/* passwords: mode 0600 and syntax. */
	if (ctl_path(c, pwpath, sizeof(pwpath), "passwords") < 0)
		goto done;
	if (stat(pwpath, &st) != 0) {
		chk_warn(&k, "%s: %s", pwpath, strerror(errno));
	} else if ((fd = safeio_open_read(pwpath, why)) < 0) {
		chk_err(&k, "%s", strbuf_str(why));
	} else {
		strbuf_reset(why);
		if (safeio_check_secret(fd, pwpath, why) != PC_OK)
			chk_err(&k, "%s; fix: chmod 600 %s",
			    strbuf_str(why), pwpath);
		close(fd);
		strbuf_reset(why);
		if (safeio_read_file(pwpath, CFGEDIT_FILE_MAX, 0, w2, why) ==
		    PC_OK) {
			if (cfg_parse_passwords_buf(pwpath, w2->data, w2->len,
			    pw, why) != PC_OK)
				chk_err(&k, "%s", strbuf_str(why));
			else
				pw_ok = 1;
		}
		strbuf_wipe(w2);
	}
	chk_known(&k, d);
	if (k.errors || ctl_load(c) != 0) {
		if (k.errors == 0)
			k.errors++;	/* ctl_load() printed it */
		goto done;
	}
	if (log_level_parse(c->fs.log_level, &fd) != 0)
		chk_err(&k, "%s: log_level = %s: use none, minimum, medium or "
		    "maximum", path, c->fs.log_level);
	if (*c->fs.poll_times && !adm_times_ok(c->fs.poll_times))
		chk_err(&k, "%s: poll_times = %s: use HH:MM,HH:MM,...", path,
		    c->fs.poll_times);
	if (*c->fs.tls_ca_file && access(c->fs.tls_ca_file, R_OK) != 0)
		chk_err(&k, "%s: tls_ca_file = %s: %s (the certificate of "
		    "every server would fail to verify)", path,
		    c->fs.tls_ca_file, strerror(errno));
	/* mailboxes.cf: syntax, then every mailbox as the fetcher loads it. */
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0)
		goto done;
	strbuf_reset(why);
	if (access(path, F_OK) != 0) {
		chk_warn(&k, "%s: %s (no mailboxes: the fetcher is idle)",
		    path, strerror(errno));
	} else if (cfg_parse_mailboxes(path, &m, why) != PC_OK) {
		chk_err(&k, "%s", strbuf_str(why));
	} else {
		if (m.n == 0)
			chk_warn(&k, "%s: no mailboxes: the fetcher is idle",
			    path);
		for (i = 0; i < m.n; i++) {
			strbuf_reset(why);
			global |= strcmp(m.v[i].type, "global") == 0;
			if (account_load(&a, &m.v[i], c->main, pw, why) !=
			    PC_OK) {
				if (strstr(strbuf_str(why), ", line ") ||
				    !pw_ok)
					chk_err(&k, "%s", strbuf_str(why));
				else
					chk_err(&k, "%s, line %d: %s",
					    m.v[i].file, m.v[i].line,
					    strbuf_str(why));
			} else if (*a.set.tls_ca_file &&
			    strcmp(a.set.tls_ca_file, c->fs.tls_ca_file) != 0 &&
			    access(a.set.tls_ca_file, R_OK) != 0) {
				chk_err(&k, "%s, line %d: mailbox %s: "
				    "tls_ca_file %s: %s", m.v[i].file,
				    m.v[i].line, m.v[i].name,
				    a.set.tls_ca_file, strerror(errno));
			} else if ((dup = ctl_same_account(&m, i,
			    m.v[i].name, m.v[i].url)) != NULL) {
				chk_err(&k, "%s, line %d: mailbox %s fetches "
				    "the same account as %s (line %d): every "
				    "message would be delivered twice; remove "
				    "one", m.v[i].file, m.v[i].line,
				    m.v[i].name, dup->name, dup->line);
			} else if (a.set.poll_times && *a.set.poll_times &&
			    !adm_times_ok(a.set.poll_times)) {
				chk_err(&k, "%s, line %d: %s: poll_times = %s: "
				    "use HH:MM,HH:MM,...", m.v[i].file,
				    m.v[i].line, m.v[i].name,
				    a.set.poll_times);
			}
			account_free(&a);
		}
		for (i = 0; pw_ok && i < pw->n; i++)
			if (ctl_find_box(&m, pw->v[i].name) == NULL)
				chk_warn(&k, "%s, line %d: password for %s, "
				    "which is not in mailboxes.cf", pwpath,
				    pw->v[i].line, pw->v[i].name);
	}
	chk_dir(&k, "state_directory", c->fs.state_directory);
	chk_dir(&k, "spool_directory", c->fs.spool_directory);
	if (global) {
		unsigned char key[MARKER_KEY_LEN];

		strbuf_reset(why);
		if (marker_load_key(c->fs.marker_secret_file, key, why)
		    != PC_OK)
			chk_err(&k, "marker_secret_file: %s", strbuf_str(why));
		memset(key, 0, sizeof(key));
		if (*c->ms.local_domains == 0) {
			struct pf_params pf;

			memset(&pf, 0, sizeof(pf));
			strbuf_reset(why);
			if (pf_params_load(c->ms.postfix_config_directory, &pf,
			    why) != PC_OK)
				chk_warn(&k, "%s", strbuf_str(why));
			if (*pf.local_domains == 0)
				chk_err(&k, "%s/popconn.cf: local_domains is "
				    "empty and Postfix names no local domain: "
				    "global mailboxes cannot be routed",
				    c->dir);
			else
				ctl_note("local_domains: Postfix's (%s)",
				    pf.local_domains);
			pf_params_free(&pf);
		}
	}
	strbuf_reset(why);
	if (table_list_open(c->ms.routing_maps,
	    c->ms.postfix_config_directory, &tl, why) != PC_OK)
		chk_err(&k, "routing_maps: %s", strbuf_str(why));
	table_list_free(&tl);
	strbuf_reset(why);
	if (table_list_open(c->ms.recipient_maps,
	    c->ms.postfix_config_directory, &tl, why) != PC_OK)
		chk_err(&k, "recipient_maps: %s", strbuf_str(why));
	table_list_free(&tl);
	chk_postfix(&k, c, global);
done:
	printf("check: %d error%s, %d warning%s\n", k.errors,
	    k.errors == 1 ? "" : "s", k.warnings, k.warnings == 1 ? "" : "s");
	cfg_mailboxes_free(&m);
	cfg_dict_free(d);
	cfg_dict_free(pw);
	strbuf_free(why);
	strbuf_free(w2);
	return (k.errors ? EX_CONFIG : 0);
}
