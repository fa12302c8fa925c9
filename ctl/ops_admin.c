/*
 * NAME
 *	ops_admin - the Scheduling, Troubleshooting and Routing operations
 * SYNOPSIS
 *	#include "ops.h"
 *
 *	See ops.h; and, for what the front ends share:
 *	int ops_times_ok(const char *s);	"HH:MM[,HH:MM...]"
 *	const struct cfg_param *ops_param(const char *name);
 *	const char *ops_duration(char *buf, size_t size, long long secs);
 *	int ops_addr_ok(const char *s, int spaces);
 *	char *ops_map(const char *maps, const char *type);	caller frees
 *	char *ops_pcre_key(const char *pat);	caller frees; NULL: bad
 *	void ops_route_split(char *s, int pcre, char **rcpt);
 * DESCRIPTION
 *	schedule edits poll_interval and poll_times, in popconn.cf or as
 *	a mailbox's -o options; an interval clears poll_times, times set
 *	it.  An interval under a minute needs force (Postfix reads "15"
 *	as 15 seconds, which would load the ISP).
 *
 *	undeliverable shows or sets undeliverable_mailbox (the fetcher
 *	uses it as the placeholder recipient, the milter as the fallback).
 *
 *	route edits the first texthash: (or, with pcre, pcre:) table in
 *	routing_maps, creating DIR/routing or DIR/routing.pcre and adding
 *	it to routing_maps when there is none.  A pcre pattern is compiled
 *	first; a bad one is refused with PCRE's message and its position.
 *	route list gives every entry of the texthash and pcre tables with
 *	its file and line.
 *
 *	The front end (ctl/ctl_admin.c) prints what changed and then asks
 *	the daemons to reload (ctl_reload_fetcher(), ctl_reload_milter()),
 *	so a person reads what was done before what the reload says; a
 *	mailbox's schedule goes through ctl_mailbox_rewrite(), which
 *	reloads itself.
 * DIAGNOSTICS
 *	Exit status as popconnctl(8) says; the message through ctl_fail().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "alloc.h"
#include "ops.h"
#include "safeio.h"
#include "table.h"

#define OPS_TEXT_MAX	512

/* ops_main_edit - set (value) or unset (NULL) popconn.cf settings */

int
ops_main_edit(struct ctl *c, const char *const names[],
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

/* ops_times_ok - "HH:MM[,HH:MM...]" */

int
ops_times_ok(const char *s)
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

/* ops_param - a params_fetcher entry */

const struct cfg_param *
ops_param(const char *name)
{
	const struct cfg_param *p;

	for (p = params_fetcher; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return (p);
	return (NULL);
}

/* ops_duration - "1 hour 30 minutes": how an interval was read */

const char *
ops_duration(char *buf, size_t size, long long secs)
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

/* ops_addr_ok - an address for undeliverable_mailbox or a route */

int
ops_addr_ok(const char *s, int spaces)
{
	const unsigned char *p;

	if (*s == 0 || *s == '-' || strlen(s) > 320 * 8)
		return (0);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f || (*p == ' ' && !spaces))
			return (0);
	return (s[strlen(s) - 1] != ' ');
}

/* ops_map - the file of the first TYPE: table in routing_maps */

char *
ops_map(const char *maps, const char *type)
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

/* ops_pcre_key - "/re/flags" from PATTERN; checks; caller frees */

char *
ops_pcre_key(const char *pat)
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
			ctl_fail("pattern", NULL, 0, "%s: write it as "
			    "/regex/flags (a bare regex may not hold '/')",
			    pat);
			goto out;
		}
		if (strbuf_printf(k, "/%s/", pat) < 0)
			goto out;
		key = ops_pcre_key(strbuf_str(k));
		goto out;
	}
	delim = *s;
	re = ++s;
	for (end = re; *end && *end != delim; end++)
		if (*end == '\\' && end[1])
			end++;
	if (*end != delim) {
		ctl_fail("pattern", NULL, 0, "%s: no closing %c", pat,
		    delim);
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
			ctl_fail("pattern", NULL, 0, "%s: unknown flag '%c' "
			    "(use i m s x A E U X)", pat, *s);
			goto out;
		}
	}
	code = pcre2_compile((PCRE2_SPTR)re, (PCRE2_SIZE)(end - re), opts,
	    &err, &off, NULL);
	if (code == NULL) {
		(void)pcre2_get_error_message(err, (PCRE2_UCHAR *)msg,
		    sizeof(msg));
		ctl_fail("pattern", NULL, 0, "bad regex %s: %s at position "
		    "%zu:\n    %.*s\n    %*s^", pat, msg, (size_t)off,
		    (int)(end - re), re, (int)off, "");
		goto out;
	}
	pcre2_code_free(code);
	key = xstrdup(pat);
out:
	strbuf_free(k);
	return (key);
}

/* ops_route_split - a table line as pattern and result (in place) */

void
ops_route_split(char *s, int pcre, char **rcpt)
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

/* ops_schedule_show - the schedule and every mailbox's override */

int
ops_schedule_show(struct ctl *c, json_t **sched)
{
	struct cfg_mailboxes m;
	const struct cfg_entry *iv, *at;
	json_t *boxes, *b;
	size_t	i;
	int	rc;

	*sched = NULL;
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		return (rc);
	*sched = json_object();
	boxes = json_array();
	(void)json_object_set_new(*sched, "poll_interval", ops_str(
	    ctl_raw(c, "poll_interval", NULL) ? ctl_raw(c, "poll_interval",
	    NULL) : ops_param("poll_interval")->defval));
	(void)json_object_set_new(*sched, "poll_times",
	    ops_str(c->fs.poll_times));
	for (i = 0; i < m.n; i++) {
		iv = cfg_dict_find(m.v[i].opts, "poll_interval");
		at = cfg_dict_find(m.v[i].opts, "poll_times");
		b = json_object();
		(void)json_object_set_new(b, "name", ops_str(m.v[i].name));
		/* null: the global setting */
		(void)json_object_set_new(b, "poll_interval", iv ?
		    ops_str(iv->value) : json_null());
		(void)json_object_set_new(b, "poll_times", at ?
		    ops_str(at->value) : json_null());
		(void)json_array_append_new(boxes, b);
	}
	(void)json_object_set_new(*sched, "mailboxes", boxes);
	cfg_mailboxes_free(&m);
	return (0);
}

/* ops_schedule_check - an interval (into *secs, human) or times */

static int
ops_schedule_check(const char *iv, const char *at, int force,
    long long *secs, char *human, size_t size)
{
	const struct cfg_param *p = ops_param("poll_interval");

	if (iv != NULL && (cfg_parse_time(iv, secs) != 0 || *secs < p->min ||
	    *secs > p->max)) {
		ctl_fail("poll_interval", NULL, 0, "%s: give an interval like "
		    "15m, 1h or 90s (%lld seconds to %lld days)", iv, p->min,
		    p->max / 86400);
		return (EX_USAGE);
	}
	/* "15" is 15 seconds, as in Postfix: say so, and ask for --force. */
	if (iv != NULL && *secs < 60 && !force) {
		ctl_fail("poll_interval", NULL, 0, "%s: read as %s; polling "
		    "more often than once a minute loads the ISP and may get "
		    "the account locked: did you mean %lldm? (--force sets it "
		    "anyway)", iv, ops_duration(human, size, *secs), *secs);
		return (EX_USAGE);
	}
	if (iv != NULL)
		(void)ops_duration(human, size, *secs);
	if (at != NULL && !ops_times_ok(at)) {
		ctl_fail("poll_times", NULL, 0, "--at %s: give times of day "
		    "as HH:MM,HH:MM,... (24-hour clock)", at);
		return (EX_USAGE);
	}
	return (0);
}

/* ops_schedule_box - a mailbox's schedule, as its -o options */

static int
ops_schedule_box(struct ctl *c, const char *box, const char *iv,
    const char *at)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	struct cfg_dict *opts;
	size_t	i;
	int	rc;

	if ((rc = ctl_load_boxes(c, &m)) != 0)
		return (rc);
	if ((b = ctl_find_box(&m, box)) == NULL) {
		ctl_fail("mailbox", NULL, 0, "no mailbox %s in "
		    "%s/mailboxes.cf", box, c->dir);
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
	cfg_dict_free(opts);
	cfg_mailboxes_free(&m);
	return (rc);
}

/* ops_schedule_set - an interval or times of day, global or one box */

int
ops_schedule_set(struct ctl *c, const char *box, const char *iv,
    const char *at, int force, json_t **done)
{
	const char *names[2] = {"poll_interval", "poll_times"};
	const char *values[2];
	char	human[OPS_TEXT_MAX] = "";
	long long secs = 0;
	int	rc;

	*done = NULL;
	if ((rc = ctl_load(c)) != 0 ||
	    (rc = ops_schedule_check(iv, at, force, &secs, human,
	    sizeof(human))) != 0)
		return (rc);
	values[0] = iv;
	values[1] = at;
	/* With --at the interval stays (it is not used then). */
	if (box == NULL)
		rc = ops_main_edit(c, iv ? names : names + 1, iv ? values :
		    values + 1, iv ? 2 : 1);
	else
		rc = ops_schedule_box(c, box, iv, at);
	if (rc != 0)
		return (rc);
	*done = json_object();
	(void)json_object_set_new(*done, "mailbox", box ? ops_str(box) :
	    json_null());
	(void)json_object_set_new(*done, "interval", iv ? ops_str(iv) :
	    json_null());
	(void)json_object_set_new(*done, "seconds", json_integer(secs));
	(void)json_object_set_new(*done, "human", ops_str(human));
	(void)json_object_set_new(*done, "times", at ? ops_str(at) :
	    json_null());
	return (0);
}

/* ops_undeliverable - show (address NULL) or set undeliverable_mailbox */

int
ops_undeliverable(struct ctl *c, const char *address, json_t **res)
{
	const char *names[1] = {"undeliverable_mailbox"};
	const char *values[1];
	int	rc;

	*res = NULL;
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (address != NULL) {
		if (!ops_addr_ok(address, 0)) {
			ctl_fail("undeliverable_mailbox", NULL, 0, "%s: give "
			    "one address, without white space, not starting "
			    "with '-'", address);
			return (EX_USAGE);
		}
		values[0] = address;
		if ((rc = ops_main_edit(c, names, values, 1)) != 0)
			return (rc);
	}
	*res = json_object();
	(void)json_object_set_new(*res, "undeliverable_mailbox",
	    ops_str(address ? address : c->ms.undeliverable_mailbox));
	return (0);
}

/* ops_route_table - the entries of one texthash or pcre table */

static void
ops_route_table(const char *spec, struct strbuf *t, json_t *routes)
{
	char   *s, *nl, *rcpt;
	json_t *r;
	int	line;

	for (s = t->data, line = 1; s < t->data + t->len; s = nl + 1,
	    line++) {
		if ((nl = memchr(s, '\n', t->len - (size_t)(s - t->data))) ==
		    NULL)
			nl = t->data + t->len;
		*nl = 0;
		if (nl > s && nl[-1] == '\r')
			nl[-1] = 0;
		if (*s == 0 || *s == '#' || isspace((unsigned char)*s))
			continue;	/* continuation shown raw */
		ops_route_split(s, spec[0] == 'p', &rcpt);
		r = json_object();
		(void)json_object_set_new(r, "table", ops_str(spec));
		(void)json_object_set_new(r, "line", json_integer(line));
		(void)json_object_set_new(r, "pattern", ops_str(s));
		(void)json_object_set_new(r, "recipient", ops_str(rcpt));
		(void)json_array_append_new(routes, r);
	}
}

/* ops_route_list - every entry of the texthash and pcre tables */

int
ops_route_list(struct ctl *c, json_t **routes)
{
	const char *p = c->ms.routing_maps;
	struct strbuf *t = strbuf_alloc(TABLE_FILE_MAX);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	spec[PATH_MAX];
	json_t *r;
	size_t	n;
	int	rc;

	*routes = NULL;
	if ((rc = ctl_load(c)) != 0)
		goto out;
	*routes = json_array();
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
			r = json_object();
			(void)json_object_set_new(r, "table", ops_str(spec));
			(void)json_object_set_new(r, "indexed", json_true());
			(void)json_array_append_new(*routes, r);
			continue;
		}
		if (safeio_read_file(strchr(spec, ':') + 1, TABLE_FILE_MAX, 0,
		    t, why) != PC_OK) {
			ctl_err("%s", strbuf_str(why));
			continue;
		}
		ops_route_table(spec, t, *routes);
	}
out:
	strbuf_free(t);
	strbuf_free(why);
	return (rc);
}

/* ops_route_key - the table key of a pattern, checked; caller frees */

static char *
ops_route_key(int pcre, const char *pat)
{
	if (pcre)
		return (ops_pcre_key(pat));
	if (strpbrk(pat, " \t") != NULL || !ops_addr_ok(pat, 0)) {
		ctl_fail("pattern", NULL, 0, "%s: a texthash pattern is an "
		    "address, user@, @domain or user, without white space "
		    "(use --pcre for a regex)", pat);
		return (NULL);
	}
	return (xstrdup(pat));
}

/* ops_route_edit - route add PATTERN RECIPIENT / route remove PATTERN */

int
ops_route_edit(struct ctl *c, int add, int pcre, const char *pat,
    const char *rcpt, json_t **done)
{
	const char *type = pcre ? "pcre" : "texthash";
	const char *names[1] = {"routing_maps"};
	const char *values[1];
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *maps = NULL;
	struct cfgedit e;
	char   *file = NULL, *key = NULL;
	char	path[PATH_MAX];
	int	rc;

	*done = NULL;
	memset(&e, 0, sizeof(e));
	if ((rc = ctl_load(c)) != 0)
		goto out;
	file = ops_map(c->ms.routing_maps, type);
	if ((key = ops_route_key(pcre, pat)) == NULL) {
		rc = EX_DATAERR;
		goto out;
	}
	if (add && !ops_addr_ok(rcpt, 1)) {
		ctl_fail("recipient", NULL, 0, "%s: bad recipient list", rcpt);
		rc = EX_DATAERR;
		goto out;
	}
	if (file == NULL && !add) {
		ctl_fail("routing_maps", NULL, 0, "routing_maps names no %s: "
		    "table", type);
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
		ctl_fail("pattern", file, 0, "%s", strbuf_str(why));
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctl_commit(&e)) != 0)
		goto out;
	if (maps != NULL) {
		values[0] = strbuf_str(maps);
		if ((rc = ops_main_edit(c, names, values, 1)) != 0)
			goto out;
	}
	*done = json_object();
	(void)json_object_set_new(*done, "table", ops_str(type));
	(void)json_object_set_new(*done, "file", ops_str(file));
	(void)json_object_set_new(*done, "pattern", ops_str(key));
	(void)json_object_set_new(*done, "recipient", add ? ops_str(rcpt) :
	    json_null());
	(void)json_object_set_new(*done, "done", json_string(add ? "added" :
	    "removed"));
	(void)json_object_set_new(*done, "routing_maps", maps ?
	    ops_str(strbuf_str(maps)) : json_null());
out:
	if (e.text)
		cfgedit_free(&e);
	strbuf_free(maps);
	strbuf_free(why);
	free(file);
	free(key);
	return (rc);
}
