/*
 * NAME
 *	ctl_status - popconnctl status: a summary at any size, details by name
 * SYNOPSIS
 *	int ctl_cmd_status(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	status [--json] [--all] [NAME ...]
 *
 *	Without NAME: the service line, then one summary line (how many
 *	mailboxes in each state and with each last result), then the
 *	rows: every mailbox, the failing ones first (failed, then
 *	deferred), when there are at most STATUS_ROWS of them or with
 *	--all (then the summary comes last); else only the failing ones (at most STATUS_ROWS) and a line
 *	that says how many more there are and how to see them.  An office
 *	with a few mailboxes sees them all; a provider with 10,000 sees
 *	the counts and what needs attention (issue 22).
 *
 *	With NAME ...: every field of those mailboxes, one per line; a
 *	NAME the fetcher does not know is an error (exit 69).
 *
 *	--json: the daemon's JSON lines as they come (include/ctl_proto.h),
 *	with NAME only the service line and those mailboxes' lines; a
 *	fetcher that does not answer is {"service":"stopped",...}.  Then
 *	the milter's duplicate store and pid file, as without --json.
 *
 *	The answer streams (the fetcher writes at the client's pace): the
 *	table keeps at most 2 * STATUS_ROWS lines, whatever the number of
 *	mailboxes.
 * DIAGNOSTICS
 *	EX_UNAVAILABLE when the fetcher is not running or a NAME is
 *	unknown, EX_USAGE for bad arguments, EX_CONFIG for a configuration
 *	error.
 * SECURITY
 *	Text from the daemon (which may quote servers) is printed through
 *	log_printable(); lines are bounded by CTL_REPLY_MAX.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "alloc.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "dedupe.h"
#include "log.h"

#define CTL_TEXT_MAX	512		/* a printable field */
#define STATUS_ROWS	40		/* rows shown without --all or NAME */

/* What status keeps while the answer streams in. */
struct status_ctx {
	int	json;
	int	all;			/* --all: every row, as it comes */
	char  **names;			/* NAME ...: only these, in detail */
	int	nnames;
	unsigned char *seen;		/* per NAME: answered */
	long long n;			/* mailbox lines */
	long long state[3];		/* idle, polling, waiting */
	long long result[4];		/* ok, deferred, failed, never */
	struct ctlproto_msg kept[3][STATUS_ROWS]; /* failed, deferred, others */
	int	nkept[3];
	long long nbad;			/* failed + deferred */
	int	header;			/* the table's header is out */
};

static const char *const state_name[] = {"idle", "polling", "waiting"};
static const char *const result_name[] = {"ok", "deferred", "failed",
"never"};

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

/* index_of - the index of s in v[n], or -1 */

static int
index_of(const char *const *v, int n, const char *s)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return (i);
	return (-1);
}

/* status_row - one mailbox as a table row */

static void
status_row(struct status_ctx *s, const struct ctlproto_msg *o)
{
	char	t1[32], t2[32], nb[CTL_TEXT_MAX], eb[CTL_TEXT_MAX], hb[32];
	char	mb[64], qb[64];

	if (!s->header++)
		printf("%-16s %-6s %-8s %-19s %-8s %-13s %6s %9s %-19s "
		    "%-12s %s\n", "MAILBOX", "TYPE", "STATE",
		    "LAST POLL", "RESULT", "AUTH", "MSGS", "BYTES",
		    "NEXT POLL", "LAST QUEUEID", "LAST ERROR");
	printf("%-16s %-6s %-8s %-19s %-8s %-13s %6lld %9s %-19s %-12s %s\n",
	    ctl_pr(nb, sizeof(nb), o->mailbox), o->type, o->state,
	    fmt_time(t1, sizeof(t1), o->last_poll), o->result,
	    *o->mechanism ? ctl_pr(mb, sizeof(mb), o->mechanism) : "-",
	    o->delivered, ctl_human_bytes(hb, sizeof(hb), (double)o->bytes),
	    fmt_time(t2, sizeof(t2), o->next_poll), *o->last_queue_id ?
	    ctl_pr(qb, sizeof(qb), o->last_queue_id) : "-", *o->last_error ?
	    ctl_pr(eb, sizeof(eb), o->last_error) : "-");
}

/* status_detail - every field of one mailbox, one per line */

static void
status_detail(const struct ctlproto_msg *o)
{
	char	t[32], b[CTL_TEXT_MAX], hb[32];

	printf("mailbox %s\n", ctl_pr(b, sizeof(b), o->mailbox));
	printf("  type:            %s\n", o->type);
	printf("  state:           %s\n", o->state);
	printf("  last poll:       %s, %s\n", fmt_time(t, sizeof(t),
	    o->last_poll), o->result);
	printf("  in that poll:    %lld messages, %lld delivered, %lld "
	    "failed, %s\n", o->messages, o->delivered, o->failed,
	    ctl_human_bytes(hb, sizeof(hb), (double)o->bytes));
	printf("  delivered today: %lld\n", o->today);
	printf("  next poll:       %s\n", fmt_time(t, sizeof(t),
	    o->next_poll));
	printf("  failures:        %lld in a row\n", o->failures);
	printf("  login:           %s", *o->mechanism ?
	    ctl_pr(b, sizeof(b), o->mechanism) : "-");
	if (*o->mechanism_why)
		printf(" (%s)", ctl_pr(b, sizeof(b), o->mechanism_why));
	printf("\n  last queue id:   %s\n", *o->last_queue_id ?
	    ctl_pr(b, sizeof(b), o->last_queue_id) : "-");
	printf("  last error:      %s\n", *o->last_error ?
	    ctl_pr(b, sizeof(b), o->last_error) : "-");
}

/* status_mailbox - count, keep or print one mailbox line; 1: o kept */

static int
status_mailbox(struct status_ctx *s, const char *line,
    const struct ctlproto_msg *o)
{
	int	k, st, res;

	if (s->nnames > 0) {
		if ((k = index_of((const char *const *)s->names, s->nnames,
		    o->mailbox)) < 0)
			return (0);
		s->seen[k] = 1;
		if (s->json)
			printf("%s\n", line);
		else
			status_detail(o);
		return (0);
	}
	s->n++;
	if ((st = index_of(state_name, 3, o->state)) >= 0)
		s->state[st]++;
	if ((res = index_of(result_name, 4, o->result)) >= 0)
		s->result[res]++;
	if (s->all) {
		status_row(s, o);
		return (0);
	}
	/* kept: failed (0), deferred (1), the others (2) */
	k = res == 2 ? 0 : res == 1 ? 1 : 2;
	if (k < 2)
		s->nbad++;
	if (s->nkept[k] >= STATUS_ROWS)
		return (0);
	s->kept[k][s->nkept[k]++] = *o;
	return (1);
}

/* status_line - one line of the status answer */

static int
status_line(void *ctx, const char *line)
{
	struct status_ctx *s = ctx;
	struct ctlproto_msg o;
	struct strbuf *why;
	char	t1[32], nb[CTL_TEXT_MAX], eb[CTL_TEXT_MAX];

	if (s->json && s->nnames == 0) {
		printf("%s\n", line);
		return (0);
	}
	why = strbuf_alloc(CTL_WHY_MAX);
	if (ctlproto_decode(line, strlen(line), &o, why) != PC_OK) {
		strbuf_free(why);
		return (0);			/* unknown line: ignore */
	}
	strbuf_free(why);
	if (o.kind == CTLPROTO_SERVICE && s->json) {
		printf("%s\n", line);
	} else if (o.kind == CTLPROTO_SERVICE) {
		printf("fetcher: %s", ctl_pr(nb, sizeof(nb), o.service));
		if (*o.reason)
			printf(" (%s)", ctl_pr(eb, sizeof(eb), o.reason));
		printf(", pid %lld, %lld mailbox%s, since %s\n",
		    o.pid, o.mailboxes,
		    o.mailboxes == 1 ? "" : "es",
		    fmt_time(t1, sizeof(t1), o.started));
	} else if (o.kind == CTLPROTO_MAILBOX && status_mailbox(s, line, &o)) {
		return (0);			/* kept, decoded, for the table */
	}
	ctlproto_free(&o);
	return (0);
}

/* status_table - the summary and the kept rows, once the answer is in */

static void
status_table(struct status_ctx *s)
{
	int	k, i;

	if (s->n > 0)
		printf("mailboxes %lld: %lld idle, %lld polling, %lld waiting;"
		    " last result: %lld ok, %lld deferred, %lld failed, %lld "
		    "not polled yet\n", s->n, s->state[0], s->state[1],
		    s->state[2], s->result[0], s->result[1], s->result[2],
		    s->result[3]);
	for (k = 0; k < 3 && !s->all; k++) {
		/* above STATUS_ROWS mailboxes, only the failing ones */
		if (k == 2 && s->n > STATUS_ROWS)
			break;
		for (i = 0; i < s->nkept[k]; i++)
			status_row(s, &s->kept[k][i]);
	}
	if (!s->all && s->nbad > s->nkept[0] + s->nkept[1])
		printf("... %lld more failed or deferred: popconnctl status "
		    "--all\n", s->nbad - s->nkept[0] - s->nkept[1]);
	if (!s->all && s->n > STATUS_ROWS && s->n - s->nbad > 0)
		printf("%lld mailbox%s polled without trouble not shown: "
		    "popconnctl status --all, or status NAME\n", s->n - s->nbad,
		    s->n - s->nbad == 1 ? "" : "es");
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
			    ctl_pr(nb, sizeof(nb), strbuf_str(why)));
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
		printf("%s %s %llu", i ? "," : "", ctl_pr(nb, sizeof(nb),
		    names[i]), dropped[i]);
	printf(" (store %s, %llu entries)\n", c->ms.milter_state_directory,
	    entries);
out:
	free(names);
	free(dropped);
	cfg_mailboxes_free(&m);
	strbuf_free(why);
}

/* status_args - [--json] [--all] [NAME ...] into s; EX_USAGE or 0 */

static int
status_args(struct status_ctx *s, int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			s->json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			s->all = 1;
		else if (argv[i][0] == '-' || index_of((const char *const *)
		    s->names, s->nnames, argv[i]) >= 0)
			return (EX_USAGE);
		else
			s->names[s->nnames++] = argv[i];
	}
	return (s->all && s->nnames ? EX_USAGE : 0);
}

/* status_down - the fetcher did not answer: say so */

static void
status_down(const struct status_ctx *s, int rc, const char *why)
{
	if (s->json) {
		printf("{\"service\":\"%s\",\"reason\":", rc ==
		    CTL_DOWN ? "stopped" : strstr(why,
		    "ermission denied") ? "denied" : "no answer");
		json_put(stdout, why);
		printf("}\n");
	} else if (rc == CTL_DOWN) {
		printf("fetcher: stopped\n");
		ctl_err("%s", why);
	} else if (strstr(why, "ermission denied")) {
		printf("fetcher: permission denied (the control socket "
		    "takes root, its user and the members of its group)\n");
		ctl_err("%s", why);
	} else {
		printf("fetcher: no answer\n");
		ctl_err("%s", why);
	}
}

/* ctl_cmd_status - status [--json] [--all] [NAME ...] */

int
ctl_cmd_status(struct ctl *c, int argc, char **argv)
{
	struct status_ctx s;
	struct ctlproto_req req = {.op = CTLPROTO_REQ_STATUS};
	struct strbuf *why;
	char	nb[CTL_TEXT_MAX];
	long	pid;
	int	rc, i, k;

	memset(&s, 0, sizeof(s));
	s.names = xcalloc((size_t)argc + 1, sizeof(*s.names));
	s.seen = xcalloc((size_t)argc + 1, 1);
	if (status_args(&s, argc, argv) != 0) {
		s.json = 1;	/* the usage error only */
		ctl_err("usage: status [--json] [--all | NAME ...]");
		free(s.names);
		free(s.seen);
		return (EX_USAGE);
	}
	s.json |= c->json;
	if ((rc = ctl_load(c)) != 0) {
		free(s.names);
		free(s.seen);
		return (rc);
	}
	why = strbuf_alloc(CTL_WHY_MAX);
	rc = ctl_request(c, &req, status_line, &s, 30, why);
	if (rc != PC_OK) {
		status_down(&s, rc, strbuf_str(why));
		rc = EX_UNAVAILABLE;
	} else if (s.nnames > 0) {
		for (i = 0; i < s.nnames; i++) {
			if (s.seen[i])
				continue;
			ctl_err("status: no such mailbox: %s",
			    ctl_pr(nb, sizeof(nb), s.names[i]));
			rc = EX_UNAVAILABLE;
		}
	} else if (!s.json) {
		status_table(&s);
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < s.nkept[k]; i++)
			ctlproto_free(&s.kept[k][i]);
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
	free(s.names);
	free(s.seen);
	return (rc);
}
