/*
 * NAME
 *	ctl_daemon - popconnctl fetch, status, reload, log-level, log
 * SYNOPSIS
 *	int ctl_cmd_fetch(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_status(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_reload(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_log_level(struct ctl *c, int argc, char **argv);
 *	int ctl_cmd_log(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	The verbs that talk to the running daemons (include/ctl_proto.h).
 *
 *	fetch sends "fetch-wait [NAME ...]" and follows the events: on a
 *	terminal (and without --quiet) a live line per mailbox (state,
 *	n of N messages, bytes, rate, delivered/failed), replaced by the
 *	mailbox's summary line when its poll ends; otherwise only the
 *	summary lines.  The exit status is 0 only when every mailbox ended
 *	"ok" with nothing failed.
 *
 *	status prints the service and one row per mailbox (with the queue
 *	id Postfix gave the last message delivered, when known), or with
 *	--json the daemon's JSON lines as they are (one object per line); a
 *	fetcher that does not answer is "stopped".
 *
 *	log reads the recent lines of popconn's programs: from --file,
 *	else from maillog_file (popconn.cf) when set, else from the journal (journalctl -t popconn-fetcher -t
 *	popconn-milter -t popconnctl), else from /var/log/mail.log or
 *	/var/log/maillog.  Best effort: syslog may send the lines
 *	elsewhere.
 * DIAGNOSTICS
 *	EX_UNAVAILABLE when the fetcher is not running or a mailbox
 *	failed, EX_TEMPFAIL when a mailbox was deferred, EX_CONFIG for a
 *	configuration error.
 * SECURITY
 *	Text from the daemon (which may quote servers) is printed through
 *	log_printable(); lines are bounded by CTL_REPLY_MAX.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "exec.h"
#include "log.h"
#include "dedupe.h"
#include "safeio.h"

#define CTL_LOG_MAX	(8 * 1024 * 1024)	/* log text read */
#define CTL_TEXT_MAX	512			/* a printable field */

/* pr - printable copy of untrusted text; result is buf */

static const char *
pr(char *buf, size_t size, const char *s)
{
	return (log_printable(buf, size, s, strlen(s)));
}

/* human_bytes - 1234567 -> "1.2 MB" */

static const char *
human_bytes(char *buf, size_t size, double n)
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
	size_t	u = 0;

	while (n >= 1024 && u + 1 < PC_ARRAY_LEN(unit)) {
		n /= 1024;
		u++;
	}
	(void)snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", n, unit[u]);
	return (buf);
}

/* Per-mailbox progress of one fetch. */
struct fetch_box {
	char	*name;
	time_t	start;
};

struct fetch_ctx {
	int	tty;
	int	json;		/* --json: the event lines as they come */
	int	worst;		/* exit status so far */
	int	ended;
	struct fetch_box *v;
	size_t	n;
};

/* fetch_box - the progress slot of a mailbox */

static struct fetch_box *
fetch_box(struct fetch_ctx *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return (&f->v[i]);
	f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	f->v[f->n].name = xstrdup(name);
	f->v[f->n].start = time(NULL);
	return (&f->v[f->n++]);
}

/* fetch_event - one event line from fetch-wait */

static int
fetch_event(void *ctx, const char *line)
{
	struct fetch_ctx *f = ctx;
	struct ctlproto_msg o;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct fetch_box *b;
	char	nb[CTL_TEXT_MAX], eb[CTL_TEXT_MAX], hb[32], rb[32];
	const char *ev, *res;
	double	secs;

	if (ctlproto_decode(line, strlen(line), &o, why) != PC_OK ||
	    o.kind != CTLPROTO_EVENT) {
		ctlproto_free(&o);
		strbuf_free(why);
		return (0);			/* unknown line: ignore */
	}
	strbuf_free(why);
	if (f->json)
		printf("%s\n", line);
	ev = o.event;
	b = fetch_box(f, o.mailbox);
	pr(nb, sizeof(nb), b->name);
	if (strcmp(ev, "start") == 0) {
		b->start = time(NULL);
		if (f->tty)
			printf("\r\033[K%s: connecting", nb);
	} else if (strcmp(ev, "progress") == 0 && f->tty) {
		secs = difftime(time(NULL), b->start);
		printf("\r\033[K%s: %lld of %lld messages, %s, %s/s, "
		    "delivered %lld, failed %lld", nb, o.done, o.messages,
		    human_bytes(hb, sizeof(hb), (double)o.bytes),
		    human_bytes(rb, sizeof(rb), (double)o.bytes /
		    (secs > 0 ? secs : 1)), o.delivered, o.failed);
	} else if (strcmp(ev, "end") == 0) {
		res = o.result;
		f->ended++;
		if (!f->json) {
			printf("%s%s: %s: %lld messages, %lld delivered, "
			    "%lld deleted, %lld kept, %lld failed, %s",
			    f->tty ? "\r\033[K" : "", nb, pr(eb, sizeof(eb),
			    res), o.messages, o.delivered, o.deleted, o.kept,
			    o.failed, human_bytes(hb, sizeof(hb),
			    (double)o.bytes));
			if (*o.error)
				printf(" (%s)", pr(eb, sizeof(eb), o.error));
			printf("\n");
		}
		if (strcmp(res, "ok") != 0 || o.failed > 0) {
			if (strcmp(res, "deferred") == 0 && o.failed == 0) {
				if (f->worst == 0)
					f->worst = EX_TEMPFAIL;
			} else {
				f->worst = EX_UNAVAILABLE;
			}
		}
	}
	fflush(stdout);
	ctlproto_free(&o);
	return (0);
}

/* ctl_cmd_fetch - fetch [--quiet] [NAME ...] */

int
ctl_cmd_fetch(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct fetch_ctx f;
	struct ctlproto_req req;
	struct strbuf *line = strbuf_alloc(CTL_LINE_MAX);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	eb[CTL_TEXT_MAX];
	size_t	i;
	int	ch, rc, quiet = 0;

	memset(&f, 0, sizeof(f));
	memset(&req, 0, sizeof(req));
	while ((ch = getopt_long(argc, argv, "q", lo, NULL)) != -1) {
		if (ch != 'q') {
			ctl_err("usage: fetch [--quiet] [NAME ...]");
			rc = EX_USAGE;
			goto out;
		}
		quiet = 1;
	}
	if ((rc = ctl_load(c)) != 0)
		goto out;
	req.op = CTLPROTO_REQ_FETCH_WAIT;
	for (; optind < argc; optind++) {
		if (req.nnames == CTLPROTO_REQ_NAMES) {
			ctl_err("more than %d mailboxes in one fetch",
			    CTLPROTO_REQ_NAMES);
			rc = EX_USAGE;
			goto out;
		}
		req.names[req.nnames++] = argv[optind];
	}
	/* A name the fetcher would refuse is a usage error here. */
	if (ctlproto_encode_request(line, &req, why) != PC_OK) {
		ctl_err("fetch: %s", pr(eb, sizeof(eb), strbuf_str(why)));
		rc = EX_USAGE;
		goto out;
	}
	f.json = c->json;
	f.tty = !quiet && !f.json && isatty(1);
	rc = ctl_request(c, &req, fetch_event, &f, 0, why);
	if (f.tty)
		printf("\r\033[K");
	if (rc == CTL_DOWN) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_UNAVAILABLE;
	} else if (rc == PC_OK) {
		rc = f.worst;
		if (f.ended == 0 && !f.json)
			printf("nothing to fetch: no mailboxes\n");
	} else {
		ctl_err("fetch: %s", pr(eb, sizeof(eb), strbuf_str(why)));
		rc = f.worst ? f.worst : rc == PC_TEMP ? EX_TEMPFAIL :
		    EX_UNAVAILABLE;
	}
out:
	for (i = 0; i < f.n; i++)
		free(f.v[i].name);
	free(f.v);
	strbuf_free(line);
	strbuf_free(why);
	return (rc);
}

/* Status lines, kept until the final "ok". */
struct status_ctx {
	int	json;
	int	rows;
};

/* fmt_time - a UNIX time for a person, "-" for 0 */

static const char *
fmt_time(char *buf, size_t size, long long t)
{
	struct tm tm;
	time_t	tt = (time_t)t;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL)
		return ("-");
	if (strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return ("?");
	return (buf);
}

/* status_line - one line of the status answer */

static int
status_line(void *ctx, const char *line)
{
	struct status_ctx *s = ctx;
	struct ctlproto_msg o;
	struct strbuf *why;
	char	t1[32], t2[32], nb[CTL_TEXT_MAX], eb[CTL_TEXT_MAX], hb[32];
	char	mb[64], qb[64];

	if (s->json) {
		printf("%s\n", line);
		return (0);
	}
	why = strbuf_alloc(CTL_WHY_MAX);
	if (ctlproto_decode(line, strlen(line), &o, why) != PC_OK) {
		strbuf_free(why);
		return (0);			/* unknown line: ignore */
	}
	strbuf_free(why);
	if (o.kind == CTLPROTO_SERVICE) {
		printf("fetcher: %s", pr(nb, sizeof(nb), o.service));
		if (*o.reason)
			printf(" (%s)", pr(eb, sizeof(eb), o.reason));
		printf(", pid %lld, %lld mailbox%s, since %s\n",
		    o.pid, o.mailboxes,
		    o.mailboxes == 1 ? "" : "es",
		    fmt_time(t1, sizeof(t1), o.started));
	} else if (o.kind == CTLPROTO_MAILBOX) {
		if (s->rows++ == 0)
			printf("%-16s %-6s %-8s %-19s %-8s %-13s %6s %9s %-19s "
			    "%-12s %s\n", "MAILBOX", "TYPE", "STATE",
			    "LAST POLL", "RESULT", "AUTH", "MSGS", "BYTES",
			    "NEXT POLL", "LAST QUEUEID", "LAST ERROR");
		printf("%-16s %-6s %-8s %-19s %-8s %-13s %6lld %9s %-19s %-12s "
		    "%s\n",
		    pr(nb, sizeof(nb), o.mailbox),
		    o.type, o.state,
		    fmt_time(t1, sizeof(t1), o.last_poll),
		    o.result, *o.mechanism ?
		    pr(mb, sizeof(mb), o.mechanism) : "-",
		    o.delivered,
		    human_bytes(hb, sizeof(hb), (double)o.bytes),
		    fmt_time(t2, sizeof(t2), o.next_poll), *o.last_queue_id ?
		    pr(qb, sizeof(qb), o.last_queue_id) : "-", *o.last_error ?
		    pr(eb, sizeof(eb), o.last_error) : "-");
	}
	ctlproto_free(&o);
	return (0);
}

/*
 * status_dups - copies the milter dropped as duplicates, per global
 * mailbox, from its store (read-only): the milter counts, because only
 * it knows; the fetcher's status cannot.
 */

static void
status_dups(struct ctl *c, int json)
{
	struct cfg_mailboxes m;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	const char **names = NULL;
	unsigned long long *dropped = NULL, entries = 0;
	char	nb[CTL_TEXT_MAX];
	size_t	i, n = 0;
	int	rc;

	memset(&m, 0, sizeof(m));
	if (ctl_load_boxes(c, &m) != 0)
		goto out;
	for (i = 0; i < m.n; i++) {
		if (strcmp(m.v[i].type, "global") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = m.v[i].name;
	}
	if (n == 0)
		goto out;
	dropped = xcalloc(n, sizeof(*dropped));
	rc = dedupe_stats(c->ms.milter_state_directory, names, n, dropped,
	    &entries, why);
	if (rc == PC_TEMP) {
		if (!json)
			printf("duplicates: store not readable (%s)\n",
			    pr(nb, sizeof(nb), strbuf_str(why)));
		goto out;
	}
	if (json) {
		printf("{\"duplicate_store\":");
		json_put(stdout, c->ms.milter_state_directory);
		printf(",\"entries\":%llu,\"dropped\":{", entries);
		for (i = 0; i < n; i++) {
			printf("%s", i ? "," : "");
			json_put(stdout, names[i]);
			printf(":%llu", dropped[i]);
		}
		printf("}}\n");
		goto out;
	}
	printf("duplicates dropped:");
	for (i = 0; i < n; i++)
		printf("%s %s %llu", i ? "," : "", pr(nb, sizeof(nb),
		    names[i]), dropped[i]);
	printf(" (store %s, %llu entries)\n", c->ms.milter_state_directory,
	    entries);
out:
	free(names);
	free(dropped);
	cfg_mailboxes_free(&m);
	strbuf_free(why);
}

/* ctl_cmd_status - status [--json] */

int
ctl_cmd_status(struct ctl *c, int argc, char **argv)
{
	struct status_ctx s;
	struct ctlproto_req req = {.op = CTLPROTO_REQ_STATUS};
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	long	pid;
	int	rc;

	memset(&s, 0, sizeof(s));
	s.json = argc > 1 && strcmp(argv[1], "--json") == 0;
	if (argc > 1 + s.json) {
		s.json = 1;	/* the usage error only */
		ctl_err("usage: status [--json]");
		strbuf_free(why);
		return (EX_USAGE);
	}
	s.json |= c->json;
	if ((rc = ctl_load(c)) != 0) {
		strbuf_free(why);
		return (rc);
	}
	rc = ctl_request(c, &req, status_line, &s, 30, why);
	if (rc != PC_OK) {
		if (s.json) {
			printf("{\"service\":\"%s\",\"reason\":", rc ==
			    CTL_DOWN ? "stopped" : strstr(strbuf_str(why),
			    "ermission denied") ? "denied" : "no answer");
			json_put(stdout, strbuf_str(why));
			printf("}\n");
		} else if (rc == CTL_DOWN) {
			printf("fetcher: stopped\n");
			ctl_err("%s", strbuf_str(why));
		} else if (strstr(strbuf_str(why), "ermission denied")) {
			printf("fetcher: permission denied (the control socket "
			    "takes root, its user and the members of its "
			    "group)\n");
			ctl_err("%s", strbuf_str(why));
		} else {
			printf("fetcher: no answer\n");
			ctl_err("%s", strbuf_str(why));
		}
		rc = EX_UNAVAILABLE;
	}
	status_dups(c, s.json);
	strbuf_reset(why);
	if (ctl_milter_pid(c, &pid, why) == PC_OK) {
		if (s.json)
			printf("{\"milter\":\"running\",\"pid\":%ld}\n", pid);
		else
			printf("milter: running, pid %ld\n", pid);
	} else if (s.json) {
		printf("{\"milter\":\"stopped\",\"reason\":");
		json_put(stdout, strbuf_str(why));
		printf("}\n");
	} else {
		printf("milter: stopped (%s)\n", strbuf_str(why));
	}
	strbuf_free(why);
	return (rc);
}

/* ctl_cmd_reload - reload both daemons */

int
ctl_cmd_reload(struct ctl *c, int argc, char **argv)
{
	struct ctlproto_req req = {.op = CTLPROTO_REQ_RELOAD};
	struct strbuf *why;
	int	rc, frc, mrc;

	if (argc != 1) {
		ctl_err("usage: reload");
		return (EX_USAGE);
	}
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	why = strbuf_alloc(CTL_WHY_MAX);
	frc = ctl_request(c, &req, NULL, NULL, 30, why);
	if (frc == PC_OK && !c->json)
		printf("fetcher: reloaded\n");
	else if (frc != PC_OK)
		ctl_err("fetcher: %s", strbuf_str(why));
	mrc = ctl_reload_milter(c, 0);
	if (mrc == PC_OK && !c->json)
		printf("milter: reload requested (SIGUSR1)\n");
	if (c->json) {
		c->result = json_pack("{s:b,s:b}", "fetcher", frc == PC_OK,
		    "milter", mrc == PC_OK);
	}
	strbuf_free(why);
	if (frc == PC_OK || mrc == PC_OK)
		return (frc == PC_PERM ? EX_CONFIG : 0);
	return (EX_UNAVAILABLE);
}

/* ctl_cmd_log_level - log-level [LEVEL]: persist and apply */

int
ctl_cmd_log_level(struct ctl *c, int argc, char **argv)
{
	struct cfgedit e;
	struct strbuf *why;
	struct ctlproto_req req;
	char	path[PATH_MAX];
	int	level = 0, rc;

	memset(&e, 0, sizeof(e));
	memset(&req, 0, sizeof(req));
	if (argc > 2 || (argc == 2 && log_level_parse(argv[1], &level) !=
	    0)) {
		ctl_err("usage: log-level [none|minimum|medium|maximum]");
		return (EX_USAGE);
	}
	if ((rc = ctl_load(c)) != 0)
		return (rc);
	if (argc == 1) {
		printf("%s\n", c->fs.log_level);
		return (0);
	}
	why = strbuf_alloc(CTL_WHY_MAX);
	if (ctl_path(c, path, sizeof(path), "popconn.cf") < 0 ||
	    cfgedit_open(&e, CFGEDIT_MAIN, path, why) != PC_OK ||
	    cfgedit_main_set(&e, "log_level", log_level_name(level), why) !=
	    PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
	} else if ((rc = ctl_commit(&e)) == 0) {
		printf("log_level = %s (saved in %s)\n", log_level_name(level),
		    path);
		req.op = CTLPROTO_REQ_LOG_LEVEL;
		req.level = log_level_name(level);
		strbuf_reset(why);
		switch (ctl_request(c, &req, NULL, NULL, 30, why)) {
		case PC_OK:
			printf("fetcher: log level now %s\n",
			    log_level_name(level));
			break;
		case CTL_DOWN:
			ctl_note("the fetcher is not running: it uses the new "
			    "level when it starts");
			break;
		default:
			ctl_err("fetcher: %s", strbuf_str(why));
			break;
		}
		if (ctl_reload_milter(c, 1) == PC_OK)
			printf("milter: reload requested (SIGUSR1)\n");
	}
	if (e.text)
		cfgedit_free(&e);
	strbuf_free(why);
	return (rc);
}

/* log_wordmatch - does line hold name as a whole word? */

static int
log_wordmatch(const char *line, const char *name)
{
	size_t	n = strlen(name);
	const char *p;

	for (p = line; (p = strstr(p, name)) != NULL; p++) {
		if ((p == line || strchr(" =:<(\"'", p[-1]) != NULL) &&
		    strchr(" :,;>)\"'", p[n] ? p[n] : ' ') != NULL)
			return (1);
	}
	return (0);
}

/*
 * log_marker - the marker nonce a fetcher delivery line names
 * ("acct=NAME: uidl=U, marker=N, ..."), into n; 0 if none.
 */

static int
log_marker(const char *line, char n[17])
{
	const char *p = strstr(line, "acct=");

	if (p == NULL || (p = strstr(p, ", marker=")) == NULL)
		return (0);
	p += sizeof(", marker=") - 1;
	if (strspn(p, "0123456789abcdef") != 16 || p[16] != ',')
		return (0);
	memcpy(n, p, 16);
	n[16] = 0;
	return (1);
}

/* log_names - does a milter line name marker n ("marker=N," or ":")? */

static int
log_names(const char *line, const char *n)
{
	const char *p;

	if (strstr(line, "acct=") != NULL)
		return (0);
	/* "QID: marker=N:" or ", marker=N," -- not "duplicate of marker=" */
	for (p = line; (p = strstr(p, "marker=")) != NULL; p++)
		if (p - line >= 2 && p[-1] == ' ' && (p[-2] == ',' ||
		    p[-2] == ':') && strncmp(p + 7, n, 16) == 0 &&
		    (p[23] == ',' || p[23] == ':'))
			return (1);
	return (0);
}

/* log_read_file - the last CTL_LOG_MAX bytes of a file into out */

static int
log_read_file(const char *path, struct strbuf *out)
{
	FILE   *fp;
	char	buf[8192];
	size_t	n;
	long	size;

	if ((fp = fopen(path, "re")) == NULL)
		return (-1);
	if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) > CTL_LOG_MAX)
		(void)fseek(fp, size - CTL_LOG_MAX + 1, SEEK_SET);
	else
		(void)fseek(fp, 0, SEEK_SET);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (strbuf_append(out, buf, n) < 0)
			break;
	fclose(fp);
	return (0);
}

/*
 * log_source - read the log: a file, the journal, or the usual files
 *
 * *file (--file, else maillog_file where it names a file: /dev/stdout
 * cannot be read back) is read when set; otherwise journalctl's last
 * 5000 lines of popconn's three idents, else /var/log/mail.log or
 * /var/log/maillog.  *src names what was read (for the messages); 0, or
 * EX_NOINPUT (said here) when nothing could be.
 */

static int
log_source(struct ctl *c, const char **file, struct strbuf *out,
    const char **src)
{
	static const char *const files[] = {"/var/log/mail.log",
	"/var/log/maillog"};
	char   *const jargv[] = {(char *)(uintptr_t)"/usr/bin/journalctl",
		(char *)(uintptr_t)"--no-pager", (char *)(uintptr_t)"-q",
		(char *)(uintptr_t)"-n", (char *)(uintptr_t)"5000",
		(char *)(uintptr_t)"-t", (char *)(uintptr_t)"popconn-fetcher",
		(char *)(uintptr_t)"-t", (char *)(uintptr_t)"popconn-milter",
		(char *)(uintptr_t)"-t", (char *)(uintptr_t)"popconnctl", NULL};
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	size_t	i;
	int	status;

	*src = NULL;
	/* maillog_file, where set (a file: /dev/stdout cannot be read). */
	if (*file == NULL && ctl_load(c) == 0 && *c->fs.maillog_file &&
	    strncmp(c->fs.maillog_file, "/dev/", 5) != 0)
		*file = c->fs.maillog_file;
	if (*file != NULL) {
		if (log_read_file(*file, out) < 0) {
			ctl_errno("%s", *file);
			strbuf_free(why);
			return (EX_NOINPUT);
		}
		*src = *file;
	} else if (access(jargv[0], X_OK) == 0 &&
	    exec_run(jargv, NULL, -1, out, 30, &status, why) == PC_OK &&
	    status == 0 && strbuf_len(out) > 0) {
		*src = "the journal";
	} else {
		for (i = 0; i < PC_ARRAY_LEN(files) && *src == NULL; i++) {
			strbuf_reset(out);
			if (log_read_file(files[i], out) == 0)
				*src = files[i];
		}
	}
	strbuf_free(why);
	if (*src == NULL) {
		ctl_err("no log found: try --file FILE (journalctl, "
		    "/var/log/mail.log and /var/log/maillog gave nothing)");
		return (EX_NOINPUT);
	}
	return (0);
}

/*
 * log_select - the lines to show, in place in out
 *
 * out is cut into lines (NUL-terminated where the newlines were); from
 * the journal or the usual files (all) only popconn's lines count.
 * Without NAME every one is kept; with NAME, the lines that name it as
 * a word and the milter's lines for the marker nonces those lines
 * logged (issue 15).  *keep (the caller frees; the lines stay out's)
 * and the count.
 */

static size_t
log_select(struct strbuf *out, int all_lines, const char *name,
    char ***keep)
{
	char   *p, *nl, **all = NULL, nonce[17];
	char	(*ids)[17] = NULL;
	size_t	i, j, nall = 0, nids = 0, nkeep = 0;

	for (p = out->data; p < out->data + out->len; p = nl + 1) {
		if ((nl = memchr(p, '\n', out->len - (size_t)(p - out->data)))
		    == NULL)
			nl = out->data + out->len;
		*nl = 0;
		if (!all_lines && strstr(p, "popconn") == NULL)
			continue;
		all = xrealloc(all, (nall + 1) * sizeof(*all));
		all[nall++] = p;
		if (name != NULL && log_wordmatch(p, name) &&
		    log_marker(p, nonce)) {
			ids = xrealloc(ids, (nids + 1) * sizeof(*ids));
			memcpy(ids[nids++], nonce, sizeof(nonce));
		}
	}
	/* NAME's lines, and the milter's lines for NAME's markers */
	*keep = NULL;
	for (i = 0; i < nall; i++) {
		int	want = name == NULL || log_wordmatch(all[i], name);

		for (j = 0; !want && j < nids; j++)
			want = log_names(all[i], ids[j]);
		if (!want)
			continue;
		*keep = xrealloc(*keep, (nkeep + 1) * sizeof(**keep));
		(*keep)[nkeep++] = all[i];
	}
	free(all);
	free(ids);
	return (nkeep);
}

/*
 * log_print - the last lines of keep[], each marker with its lines
 *
 * A global mailbox's delivery line names the marker; the milter's
 * lines for that marker (final recipients, dropped copies) follow it,
 * indented (issue 15: one id joins the two), and are not shown again
 * on their own.  Each line is made printable.
 */

static void
log_print(char *const *keep, size_t nkeep, long lines)
{
	unsigned char *joined;
	char	nonce[17], pb[CTL_TEXT_MAX];
	size_t	i, j, start;

	joined = xcalloc(nkeep ? nkeep : 1, 1);
	start = nkeep > (size_t)lines ? nkeep - (size_t)lines : 0;
	for (i = start; i < nkeep; i++)
		if (log_marker(keep[i], nonce))
			for (j = 0; j < nkeep; j++)
				if (j != i && log_names(keep[j], nonce))
					joined[j] = 1;
	for (i = start; i < nkeep; i++) {
		if (joined[i])
			continue;
		printf("%s\n", pr(pb, sizeof(pb), keep[i]));
		if (!log_marker(keep[i], nonce))
			continue;
		for (j = 0; j < nkeep; j++)
			if (j != i && log_names(keep[j], nonce))
				printf("    -> %s\n", pr(pb, sizeof(pb),
				    keep[j]));
	}
	free(joined);
}

/*
 * ctl_cmd_log - log [--file FILE] [-n LINES] [NAME]
 *
 * The source (log_source()), then for NAME the lines of the fetcher and
 * of the milter that belong to that mailbox (log_select()), then the
 * last LINES of them (log_print()).
 */

int
ctl_cmd_log(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"file", required_argument, NULL, 'f'},
		{"lines", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	struct strbuf *out = strbuf_alloc(CTL_LOG_MAX);
	const char *file = NULL, *name = NULL, *src = NULL;
	char   *p, **keep = NULL;
	size_t	nkeep;
	long	lines = 50;
	int	ch, rc = 0;

	while ((ch = getopt_long(argc, argv, "f:n:", lo, NULL)) != -1) {
		if (ch == 'f')
			file = optarg;
		else if (ch == 'n' && (lines = strtol(optarg, &p, 10)) > 0 &&
		    *p == 0)
			continue;
		else
			rc = EX_USAGE;
	}
	if (rc != 0 || argc - optind > 1) {
		ctl_err("usage: log [--file FILE] [-n LINES] [NAME]");
		rc = EX_USAGE;
		goto out;
	}
	if (optind < argc)
		name = argv[optind];
	if ((rc = log_source(c, &file, out, &src)) != 0)
		goto out;
	nkeep = log_select(out, file != NULL, name, &keep);
	log_print(keep, nkeep, lines);
	if (nkeep == 0)
		ctl_note("no matching lines in %s", src);
out:
	free(keep);
	strbuf_free(out);
	return (rc);
}
