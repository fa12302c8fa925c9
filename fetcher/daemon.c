/*
 * NAME
 *	daemon - the fetcher as a service: schedule, workers, control socket
 * SYNOPSIS
 *	See daemon.h.
 * DESCRIPTION
 *	One single-threaded parent runs a poll() loop over the control
 *	socket, its clients, the workers' result pipes and a self-pipe for
 *	signals.  It keeps the state of every mailbox (last poll, result,
 *	counters, next poll) and decides which mailbox is due.  Each POP3
 *	session runs in a forked worker process, so that a crash, a hang or
 *	a memory leak in one session cannot take the service down, and a
 *	session's memory is returned when it ends.
 * DIAGNOSTICS
 *	Log lines "acct=NAME: ..." come from the workers; the parent logs
 *	starts, reloads, refused reloads and workers that died.
 * SECURITY
 *	Control clients are checked with SO_PEERCRED; requests are one line
 *	of at most CTL_LINE_MAX octets; a slow client is dropped.  When
 *	started as root with daemon_user set, the parent switches to that
 *	user after creating its socket, before any session runs.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "pidlock.h"
#include "pollsched.h"
#include "safeio.h"
#include "ctl_proto.h"
#include "spool.h"
#include "account.h"
#include "config.h"
#include "daemon.h"

#define MAX_CLIENTS	64
#define CLIENT_TIMEOUT	10		/* seconds to send a request */
#define CLIENT_OUT_MAX	(1024 * 1024)	/* queued output per client */
#define ERR_MAX		400

#define ST_IDLE		0
#define ST_POLLING	1

#define RES_NEVER	0
#define RES_OK		1
#define RES_DEFERRED	2
#define RES_FAILED	3

static const char *const res_name[] = {"never", "ok", "deferred", "failed"};

/* What a worker tells the parent: fixed size, below PIPE_BUF. */
#define MSG_PROGRESS	1
#define MSG_END		2

struct worker_msg {
	int	type;
	int	rc;
	long	login_delay;
	unsigned long messages;
	unsigned long done;
	unsigned long delivered;
	unsigned long deleted;
	unsigned long failed;
	unsigned long long bytes;
	char	error[ERR_MAX];
	char	mech[32];		/* logged in with (auth = auto: */
	char	mech_why[200];		/* and why that one) */
};

/* One write of a worker_msg must be atomic on the pipe. */
typedef char worker_msg_fits_pipe_buf[sizeof(struct worker_msg) <=
    PIPE_BUF ? 1 : -1];

struct mbox {
	char	name[PC_NAME_MAX + 1];
	char	host[256];
	char	run_host[256];		/* the server of the running poll */
	size_t	cfg_idx;		/* in cfg.boxes; -1: removed */
	int	type;
	int	state;
	int	result;
	int	live;			/* still in the configuration */
	int	now;			/* "fetch" asked for a poll */
	int	stop_sent;		/* SIGTERM sent to the worker */
	pid_t	pid;
	int	fd;			/* worker's result pipe */
	unsigned long gen;		/* polls started */
	time_t	last_poll;
	time_t	next_poll;
	time_t	not_before;		/* LOGIN-DELAY */
	int	failures;		/* consecutive */
	struct worker_msg last;		/* last progress or end */
	char	last_error[ERR_MAX];
	char	auth_mech[32];		/* last login's mechanism, and why */
	char	auth_why[200];
};

struct client {
	int	fd;
	time_t	deadline;
	char	in[CTL_LINE_MAX];
	size_t	inlen;
	struct strbuf *out;
	int	closing;		/* close once out is written */
	int	streaming;		/* a status answer in progress */
	size_t	status_next;		/* its next mailbox */
	int	waiting;		/* fetch-wait in progress */
	int	all_ok;
	size_t	nwait;
	char	(*wname)[PC_NAME_MAX + 1];
	unsigned long *wgen;		/* poll generation to wait for */
};

struct state {
	const char *dir;
	int	verbose;
	struct config cfg;
	struct mbox *mb;
	size_t	nmb;
	size_t	*by_name;		/* mb indexes sorted by name */
	size_t	nby;			/* how many (mb may have grown) */
	struct sched *sch;		/* pollsched.h */
	struct client cl[MAX_CLIENTS];
	int	lfd;			/* control socket */
	dev_t	ldev;			/* its file, removed at exit if */
	ino_t	lino;			/* it is still ours */
	struct pidlock pl;		/* pid file, locked */
	int	sig[2];			/* self-pipe */
	int	running;		/* workers */
	int	stopping;
	time_t	started;
};

static int sigpipe_w = -1;

/* on_signal - tell the loop through the self-pipe */

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int	saved = errno;

	if (sigpipe_w >= 0 && write(sigpipe_w, &c, 1) < 0) {
		/* the pipe is full: a wakeup is pending anyway */
	}
	errno = saved;
}

/* jitter - x plus or minus 20% */

static time_t
jitter(time_t x)
{
	long	span = (long)(x / 5);

	if (span <= 0)
		return (x);
	return (x - span + (time_t)(random() % (2 * span + 1)));
}

/* daemon_next_time - the next "HH:MM" of poll_times after now */

int
daemon_next_time(const char *poll_times, time_t now, time_t *next)
{
	const char *p = poll_times;
	struct tm tm;
	time_t	best = 0, t;
	int	h, m, day, n = 0;

	while (*p) {
		p += strspn(p, " ,\t");
		if (*p == 0)
			break;
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)
		    p[1]) || p[2] != ':' || !isdigit((unsigned char)p[3]) ||
		    !isdigit((unsigned char)p[4]) || (p[5] && !strchr(" ,\t",
		    p[5])))
			return (-1);
		h = (p[0] - '0') * 10 + p[1] - '0';
		m = (p[3] - '0') * 10 + p[4] - '0';
		if (h > 23 || m > 59)
			return (-1);
		for (day = 0; day < 2; day++) {
			(void)localtime_r(&now, &tm);
			tm.tm_mday += day;
			tm.tm_hour = h;
			tm.tm_min = m;
			tm.tm_sec = 0;
			tm.tm_isdst = -1;
			t = mktime(&tm);
			if (t > now) {
				if (best == 0 || t < best)
					best = t;
				break;
			}
		}
		n++;
		p += 5;
	}
	if (n == 0)
		return (-1);
	*next = best;
	return (0);
}

/* schedule - when a mailbox polls next, after a poll that ended */

static time_t
schedule(const struct state *s, const struct mbox *m, time_t now,
    const struct fetcher_settings *set)
{
	time_t	next, back;
	int	i;

	if (set->poll_times && *set->poll_times &&
	    daemon_next_time(set->poll_times, now, &next) == 0)
		;
	else
		next = m->last_poll + (time_t)set->poll_interval;
	if (m->result == RES_DEFERRED && m->failures > 0) {
		back = (time_t)s->cfg.set.retry_min;
		for (i = 1; i < m->failures && back < next - now; i++)
			back *= 2;
		back = jitter(back);
		if (now + back < next)
			next = now + back;
	}
	if (next < m->not_before)
		next = m->not_before;
	if (next <= now)
		next = now + 1;
	return (next);
}

/* box_settings - the effective settings of mailbox i (caller frees) */

static int
box_settings(const struct state *s, size_t i, struct account *a)
{
	struct strbuf *why = strbuf_alloc(1024);
	int	rc;

	rc = account_load(a, &s->cfg.boxes.v[i], s->cfg.main, s->cfg.pw, why);
	strbuf_free(why);
	return (rc);
}

/* find_box - runtime state by name (binary search of by_name) */

static struct mbox *
find_box(struct state *s, const char *name)
{
	size_t	lo = 0, hi = s->nby, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(s->mb[s->by_name[mid]].name, name);
		if (c == 0)
			return (&s->mb[s->by_name[mid]]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

static const struct state *by_name_state;	/* for qsort only */

/* by_name_cmp - order of mb indexes by mailbox name */

static int
by_name_cmp(const void *a, const void *b)
{
	const struct mbox *mb = by_name_state->mb;

	return (strcmp(mb[*(const size_t *)a].name,
	    mb[*(const size_t *)b].name));
}

/* index_boxes - by_name again, after mb changed */

static void
index_boxes(struct state *s)
{
	size_t	i;

	free(s->by_name);
	s->by_name = xcalloc(s->nmb ? s->nmb : 1, sizeof(*s->by_name));
	for (i = 0; i < s->nmb; i++)
		s->by_name[i] = i;
	s->nby = s->nmb;
	by_name_state = s;
	qsort(s->by_name, s->nmb, sizeof(*s->by_name), by_name_cmp);
	by_name_state = NULL;
}

/*
 * plan_boxes - the scheduler learns every idle mailbox again (after mb
 * was renumbered by a reload): O(n log n), once per reload.
 */

static void
plan_boxes(struct state *s)
{
	size_t	i;

	sched_reset(s->sch);
	for (i = 0; i < s->nmb; i++) {
		const struct mbox *m = &s->mb[i];

		if (m->live && m->state == ST_IDLE)
			sched_set(s->sch, i, m->now ? 0 : m->next_poll,
			    m->host);
	}
}

/* sync_boxes - runtime entries for the configured mailboxes */

static void
sync_boxes(struct state *s)
{
	struct account a;
	struct mbox *m;
	time_t	now = time(NULL);
	size_t	i, k;

	size_t	old = s->nmb;
	/*
	 * Mailboxes due at once (a start, a reload that adds many) are
	 * spread over a window that grows with their number, a second per
	 * hundred (at most the poll interval), by a stable hash of the name:
	 * no thundering herd, and a restart does not move a mailbox.
	 */
	time_t	window = (time_t)(s->cfg.boxes.n / 100);

	if (window > (time_t)s->cfg.set.poll_interval)
		window = (time_t)s->cfg.set.poll_interval;
	index_boxes(s);
	for (i = 0; i < s->nmb; i++) {
		s->mb[i].live = 0;
		s->mb[i].cfg_idx = (size_t)-1;
	}
	for (i = 0; i < s->cfg.boxes.n; i++) {
		const struct cfg_mailbox *c = &s->cfg.boxes.v[i];

		/* shard = k/n: another fetcher polls the other parts. */
		if (!sched_in_shard(c->name, s->cfg.shard_k, s->cfg.shard_n))
			continue;
		/* Only the entries that were there before are indexed. */
		if ((m = find_box(s, c->name)) == NULL ||
		    (size_t)(m - s->mb) >= old) {
			s->mb = xrealloc(s->mb, (s->nmb + 1) * sizeof(*s->mb));
			m = &s->mb[s->nmb++];
			memset(m, 0, sizeof(*m));
			pc_strlcpy(m->name, c->name, sizeof(m->name));
			m->fd = -1;
			/* a new mailbox polls now, or soon */
			m->next_poll = now + sched_spread(c->name, window);
		}
		m->live = 1;
		m->cfg_idx = i;
		if (box_settings(s, i, &a) == PC_OK) {
			pc_strlcpy(m->host, a.url.host, sizeof(m->host));
			m->type = a.type;
			/* A reload may bring the next poll closer. */
			if (m->state == ST_IDLE && m->last_poll &&
			    m->result != RES_DEFERRED)
				m->next_poll = schedule(s, m, now, &a.set);
		}
		account_free(&a);
		if (m->result == RES_FAILED)
			m->next_poll = now;	/* maybe fixed: try again */
	}
	/*
	 * Forget removed mailboxes unless a worker still runs for them; ask
	 * such a worker to stop after the message in hand (its copy of the
	 * configuration is its own, so it may finish safely).
	 */
	for (i = 0, k = 0; i < s->nmb; i++) {
		if (!s->mb[i].live && s->mb[i].state == ST_IDLE) {
			log_info("mailbox %s removed", s->mb[i].name);
			continue;
		}
		if (!s->mb[i].live && s->mb[i].pid > 0 && !s->mb[i].stop_sent) {
			log_info("acct=%s: mailbox removed during its session: "
			    "the session stops after the message in hand",
			    s->mb[i].name);
			(void)kill(s->mb[i].pid, SIGTERM);
			s->mb[i].stop_sent = 1;
		}
		s->mb[k++] = s->mb[i];
	}
	s->nmb = k;
	index_boxes(s);
	plan_boxes(s);
}

/* client_send - queue output for a client; drop a client that lags */

static void
client_send(struct client *c, const char *text, size_t len)
{
	if (c->fd < 0)
		return;
	if (strbuf_append(c->out, text, len) != 0) {
		log_warn("control client too slow: dropped");
		close(c->fd);
		c->fd = -1;
	}
}

/* client_final - the last line of an answer */

static void
client_final(struct client *c, const char *err)
{
	struct strbuf *b = strbuf_alloc(CTL_LINE_MAX * 2);

	if (err)
		(void)strbuf_printf(b, "error: %s\n", err);
	else
		(void)strbuf_puts(b, "ok\n");
	client_send(c, b->data, b->len);
	c->closing = 1;
	c->waiting = 0;
	strbuf_free(b);
}

/* event_line - one fetch-wait event as JSON */

static void
event_line(struct strbuf *b, const char *event, const struct mbox *m)
{
	const struct worker_msg *w = &m->last;
	struct ctlproto_msg e;

	memset(&e, 0, sizeof(e));
	e.kind = CTLPROTO_EVENT;
	e.event = event;
	e.mailbox = m->name;
	e.messages = (long long)w->messages;
	e.done = (long long)w->done;
	e.bytes = (long long)w->bytes;
	e.delivered = (long long)w->delivered;
	e.failed = (long long)w->failed;
	e.result = res_name[m->result];
	e.deleted = (long long)w->deleted;
	e.kept = (long long)(w->messages >= w->deleted ?
	    w->messages - w->deleted : 0);
	e.error = m->result == RES_OK ? "" : m->last_error;
	strbuf_reset(b);
	(void)ctlproto_encode(b, &e);
}

/* notify - pass an event to the clients waiting on this mailbox */

static void
notify(struct state *s, const struct mbox *m, const char *event)
{
	struct strbuf *b = strbuf_alloc(4096);
	size_t	i, k;
	int	pending;

	event_line(b, event, m);
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->cl[i];

		if (c->fd < 0 || !c->waiting)
			continue;
		pending = 0;
		for (k = 0; k < c->nwait; k++) {
			if (strcmp(c->wname[k], m->name) == 0 &&
			    m->gen >= c->wgen[k] && c->wgen[k] != 0) {
				client_send(c, b->data, b->len);
				if (strcmp(event, "end") == 0) {
					c->wgen[k] = 0;	/* done */
					if (m->result != RES_OK ||
					    m->last.failed > 0)
						c->all_ok = 0;
				}
			}
			if (c->wgen[k] != 0)
				pending = 1;
		}
		if (!pending && c->fd >= 0)
			client_final(c, c->all_ok ? NULL :
			    "not every message was delivered");
	}
	strbuf_free(b);
}

/* progress_hook - in a worker: report to the parent */

static int worker_fd = -1;

static void
progress_hook(const struct account_result *r, unsigned long done)
{
	struct worker_msg w;

	memset(&w, 0, sizeof(w));
	w.type = MSG_PROGRESS;
	w.messages = r->messages;
	w.done = done;
	w.delivered = r->delivered;
	w.deleted = r->deleted;
	w.failed = r->failed;
	w.bytes = r->bytes;
	(void)safeio_write_all(worker_fd, &w, sizeof(w));
}

/* worker_term - SIGTERM in a worker: finish what is in hand */

static void
worker_term(int sig)
{
	(void)sig;
	account_stop = 1;
}

/* worker - one POP3 session in a child process */

static void PC_NORETURN
worker(struct state *s, size_t idx, int wfd)
{
	struct sigaction sa;
	struct account a;
	struct account_result r;
	struct worker_msg w;
	struct strbuf *why = strbuf_alloc(2048);
	size_t	i;
	int	rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	close(s->lfd);
	close(s->sig[0]);
	close(s->sig[1]);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (s->cl[i].fd >= 0)
			close(s->cl[i].fd);
	for (i = 0; i < s->nmb; i++)
		if (s->mb[i].fd >= 0)
			close(s->mb[i].fd);
	worker_fd = wfd;
	account_progress = progress_hook;
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	rc = account_load(&a, &s->cfg.boxes.v[idx], s->cfg.main, s->cfg.pw,
	    why);
	if (rc == PC_OK)
		rc = account_fetch(&a, &r, why);
	else
		log_error("%s", strbuf_str(why));
	account_free(&a);
	w.type = MSG_END;
	w.rc = rc;
	w.login_delay = r.login_delay;
	w.messages = r.messages;
	w.done = r.fetched + r.failed;
	w.delivered = r.delivered;
	w.deleted = r.deleted;
	w.failed = r.failed;
	w.bytes = r.bytes;
	if (rc != PC_OK)
		pc_strlcpy(w.error, strbuf_str(why), sizeof(w.error));
	pc_strlcpy(w.mech, r.mech, sizeof(w.mech));
	pc_strlcpy(w.mech_why, r.mech_why, sizeof(w.mech_why));
	(void)safeio_write_all(wfd, &w, sizeof(w));
	_exit(0);
}

/* start_poll - fork a worker for mailbox m */

static int
start_poll(struct state *s, struct mbox *m)
{
	int	p[2];
	size_t	idx;
	pid_t	pid;

	idx = m->cfg_idx;
	if (idx >= s->cfg.boxes.n)
		return (-1);
	if (pipe2(p, O_CLOEXEC) != 0) {
		log_error("pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) < 0) {
		log_error("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		close(p[0]);
		worker(s, idx, p[1]);
	}
	close(p[1]);
	m->pid = pid;
	m->fd = p[0];
	m->state = ST_POLLING;
	m->now = 0;
	m->gen++;
	m->last_poll = time(NULL);
	memset(&m->last, 0, sizeof(m->last));
	s->running++;
	pc_strlcpy(m->run_host, m->host, sizeof(m->run_host));
	sched_start(s->sch, m->run_host);
	log_debug("acct=%s: poll started (worker %ld)", m->name, (long)pid);
	notify(s, m, "start");
	return (0);
}

/* end_poll - a worker reported its end (or died) */

static void
end_poll(struct state *s, struct mbox *m, const struct worker_msg *w)
{
	struct account a;
	time_t	now = time(NULL);
	size_t	idx;

	m->last = *w;
	if (w->mech[0]) {
		pc_strlcpy(m->auth_mech, w->mech, sizeof(m->auth_mech));
		pc_strlcpy(m->auth_why, w->mech_why, sizeof(m->auth_why));
	}
	if (w->rc == PC_OK) {
		m->result = RES_OK;
		m->failures = 0;
		m->last_error[0] = 0;
	} else {
		m->result = w->rc == PC_TEMP ? RES_DEFERRED : RES_FAILED;
		m->failures++;
		pc_strlcpy(m->last_error, w->error, sizeof(m->last_error));
	}
	if (w->login_delay > 0)
		m->not_before = m->last_poll + w->login_delay;
	m->state = ST_IDLE;
	close(m->fd);
	m->fd = -1;
	m->pid = 0;
	m->stop_sent = 0;
	s->running--;
	sched_end(s->sch, m->run_host);
	idx = m->cfg_idx;
	/*
	 * The mailbox may have been removed (or its entry made invalid)
	 * while the session ran: then there are no settings to free.
	 */
	if (idx < s->cfg.boxes.n && box_settings(s, idx, &a) == PC_OK)
		m->next_poll = schedule(s, m, now, &a.set);
	else
		m->next_poll = now + (time_t)s->cfg.set.poll_interval;
	if (idx < s->cfg.boxes.n)
		account_free(&a);
	if (m->now)
		m->next_poll = now;
	if (m->live)
		sched_set(s->sch, (size_t)(m - s->mb), m->now ? 0 :
		    m->next_poll, m->host);
	notify(s, m, "end");
}

/* read_worker - take what a worker sent */

static void
read_worker(struct state *s, struct mbox *m)
{
	struct worker_msg w;
	ssize_t	n;

	n = read(m->fd, &w, sizeof(w));
	if (n == (ssize_t)sizeof(w) && w.type == MSG_PROGRESS) {
		m->last = w;
		notify(s, m, "progress");
		return;
	}
	if (n == (ssize_t)sizeof(w) && w.type == MSG_END) {
		w.error[sizeof(w.error) - 1] = 0;
		end_poll(s, m, &w);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* End of file without an end record: the worker died. */
	memset(&w, 0, sizeof(w));
	w.rc = PC_TEMP;
	w.login_delay = -1;
	pc_strlcpy(w.error, "worker process died (see the log)",
	    sizeof(w.error));
	log_error("acct=%s: worker died during the session; the messages "
	    "it did not record stay on the server", m->name);
	end_poll(s, m, &w);
}

/* reap - collect finished workers */

static void
reap(void)
{
	int	status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

/*
 * start_due - start the polls that are due, within the limits: the
 * scheduler hands out the mailbox due first whose server has room
 * (O(log n) each; it was a scan of every mailbox per start, with a scan
 * per candidate to count its server's sessions).
 */

static void
start_due(struct state *s)
{
	time_t	now = time(NULL);
	struct mbox *m;
	size_t	id;

	while (!s->stopping && s->running < s->cfg.set.max_connections &&
	    sched_next(s->sch, now, s->cfg.set.max_connections_per_server,
	    &id)) {
		if (id >= s->nmb)
			continue;
		m = &s->mb[id];
		if (!m->live || m->state != ST_IDLE)
			continue;
		if (start_poll(s, m) != 0) {
			/* fork or pipe failed: try again in a second */
			sched_set(s->sch, id, now + 1, m->host);
			return;
		}
	}
}

/*
 * status_fill - the next mailbox lines of a status answer, while the
 * client's queue is short: the answer streams at the client's pace, so
 * its size has no limit (10,000 mailboxes are about 3 MB).
 */

#define STATUS_CHUNK	(128 * 1024)

static void
status_fill(struct state *s, struct client *c)
{
	struct strbuf *b = strbuf_alloc(8192);
	struct ctlproto_msg e;

	while (c->fd >= 0 && c->out->len < STATUS_CHUNK &&
	    c->status_next < s->nmb) {
		const struct mbox *m = &s->mb[c->status_next++];

		if (!m->live)
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = CTLPROTO_MAILBOX;
		e.mailbox = m->name;
		e.type = m->type == ACCOUNT_GLOBAL ? "global" : "user";
		e.state = m->state == ST_POLLING ? "polling" : "idle";
		e.last_poll = (long long)m->last_poll;
		e.result = res_name[m->result];
		e.messages = (long long)m->last.messages;
		e.delivered = (long long)m->last.delivered;
		e.bytes = (long long)m->last.bytes;
		e.failed = (long long)m->last.failed;
		e.last_error = m->last_error;
		e.mechanism = m->auth_mech;
		e.mechanism_why = m->auth_why;
		e.next_poll = (long long)(m->state == ST_POLLING ? 0 :
		    m->next_poll);
		e.failures = m->failures;
		strbuf_reset(b);
		(void)ctlproto_encode(b, &e);
		client_send(c, b->data, b->len);
	}
	strbuf_free(b);
	if (c->fd >= 0 && c->status_next >= s->nmb) {
		c->streaming = 0;
		client_final(c, NULL);
	}
}

/* do_status - answer "status": a summary line, then one per mailbox */

static void
do_status(struct state *s, struct client *c)
{
	struct strbuf *b = strbuf_alloc(8192);
	struct ctlproto_msg e;

	memset(&e, 0, sizeof(e));
	e.kind = CTLPROTO_SERVICE;
	e.service = s->cfg.boxes.n ? "running" : "idle";
	e.reason = s->cfg.boxes.n ? "" : "disabled: no mailboxes";
	e.pid = (long long)getpid();
	e.mailboxes = (long long)s->cfg.boxes.n;
	e.started = (long long)s->started;
	e.running = s->running;
	e.shard = s->cfg.set.shard;
	(void)ctlproto_encode(b, &e);
	client_send(c, b->data, b->len);
	strbuf_free(b);
	c->streaming = 1;
	c->status_next = 0;
	status_fill(s, c);
}

/* reload - read the configuration again, keep the old one if broken */

static int
reload(struct state *s, struct strbuf *why)
{
	struct config nc;

	if (config_load(s->dir, &nc, why) != PC_OK) {
		log_error("reload refused, keeping the running configuration: "
		    "%s", strbuf_str(why));
		config_free(&nc);
		return (PC_PERM);
	}
	config_free(&s->cfg);
	s->cfg = nc;
	log_set_level(s->verbose ? LOGL_MAXIMUM : s->cfg.log_level);
	if (log_set_file(s->cfg.set.maillog_file) != 0)
		log_error("maillog_file %s: %s (logging where it did)",
		    s->cfg.set.maillog_file, strerror(errno));
	sync_boxes(s);
	log_info("reloaded: mailboxes=%zu%s", s->cfg.boxes.n,
	    s->cfg.boxes.n ? "" : " (disabled: no mailboxes)");
	return (PC_OK);
}

/* do_fetch - answer "fetch" and "fetch-wait" */

static void
do_fetch(struct state *s, struct client *c, char **names, int n, int wait)
{
	size_t	i, k = 0;
	int	j;
	struct mbox *m;
	char	err[CTL_LINE_MAX];

	for (j = 0; j < n; j++) {
		if ((m = find_box(s, names[j])) == NULL || !m->live) {
			(void)snprintf(err, sizeof(err), "no such mailbox: %s",
			    names[j]);
			client_final(c, err);
			return;
		}
	}
	if (s->cfg.boxes.n == 0) {
		client_final(c, "disabled: no mailboxes");
		return;
	}
	c->nwait = n ? (size_t)n : s->nmb;
	c->wname = xcalloc(c->nwait, sizeof(*c->wname));
	c->wgen = xcalloc(c->nwait, sizeof(*c->wgen));
	for (i = 0; i < s->nmb; i++) {
		m = &s->mb[i];
		if (!m->live)
			continue;
		if (n > 0) {
			for (j = 0; j < n; j++)
				if (strcmp(names[j], m->name) == 0)
					break;
			if (j == n)
				continue;
		}
		m->now = 1;
		if (m->state == ST_IDLE)
			sched_set(s->sch, i, 0, m->host);
		pc_strlcpy(c->wname[k], m->name, sizeof(c->wname[k]));
		/* The next poll that starts is the one to wait for. */
		c->wgen[k++] = m->gen + 1;
	}
	c->nwait = k;
	log_info("fetch now requested for %s", n ? "some mailboxes" :
	    "all mailboxes");
	if (!wait) {
		client_final(c, NULL);
		return;
	}
	c->waiting = 1;
	c->all_ok = 1;
}

/* handle_request - one request line from a client */

static void
handle_request(struct state *s, struct client *c, char *line)
{
	char   *words[64];
	int	n, level;
	struct strbuf *why;

	n = ctlproto_split(line, words, (int)PC_ARRAY_LEN(words));
	if (n < 0) {
		client_final(c, "too many words in the request");
	} else if (n == 0) {
		client_final(c, "empty request");
	} else if (strcmp(words[0], "status") == 0 && n == 1) {
		do_status(s, c);
	} else if (strcmp(words[0], "fetch") == 0) {
		do_fetch(s, c, words + 1, n - 1, 0);
	} else if (strcmp(words[0], "fetch-wait") == 0) {
		do_fetch(s, c, words + 1, n - 1, 1);
	} else if (strcmp(words[0], "reload") == 0 && n == 1) {
		why = strbuf_alloc(2048);
		client_final(c, reload(s, why) == PC_OK ? NULL :
		    strbuf_str(why));
		strbuf_free(why);
	} else if (strcmp(words[0], "log-level") == 0 && n == 2) {
		if (log_level_parse(words[1], &level) != 0) {
			client_final(c, "use none, minimum, medium or maximum");
		} else {
			log_set_level(level);
			s->cfg.log_level = level;
			log_info("log level set to %s", words[1]);
			client_final(c, NULL);
		}
	} else {
		client_final(c, "unknown request (status, fetch, fetch-wait, "
		    "reload, log-level)");
	}
}

/*
 * peer_ok - root, our user, or a member of our group: primary or
 * supplementary, as the kernel says (SO_PEERGROUPS), which is what the
 * socket's mode 0660 lets in.
 */

static int
peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t	groups[256], me = getegid();
	socklen_t glen = sizeof(groups);
	size_t	i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return (0);
	if (cr.uid == 0 || cr.uid == geteuid() || cr.gid == me)
		return (1);
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		for (i = 0; i < glen / sizeof(gid_t); i++)
			if (groups[i] == me)
				return (1);
#endif
	return (0);
}

/* accept_client - a new control connection */

static void
accept_client(struct state *s)
{
	int	fd, i;

	if ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    < 0)
		return;
	if (!peer_ok(fd)) {
		log_warn("control socket: connection refused (not root, "
		    "not our user or group)");
		(void)safeio_write_all(fd, "error: permission denied\n", 25);
		close(fd);
		return;
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (s->cl[i].fd < 0) {
			struct client *c = &s->cl[i];

			free(c->wname);
			free(c->wgen);
			strbuf_free(c->out);
			memset(c, 0, sizeof(*c));
			c->fd = fd;
			c->deadline = time(NULL) + CLIENT_TIMEOUT;
			c->out = strbuf_alloc(CLIENT_OUT_MAX);
			return;
		}
	}
	(void)safeio_write_all(fd, "error: too many clients\n", 24);
	close(fd);
}

/* read_client - request bytes from a client */

static void
read_client(struct state *s, struct client *c)
{
	ssize_t	n;
	char   *nl;

	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		close(c->fd);	/* gone: stop waiting for it */
		c->fd = -1;
		return;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = 0;
	if ((nl = strchr(c->in, '\n')) != NULL) {
		*nl = 0;
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = 0;
		handle_request(s, c, c->in);
		c->inlen = 0;
	} else if (c->inlen >= sizeof(c->in) - 1) {
		client_final(c, "request too long");
	}
}

/* write_client - send queued output */

static void
write_client(struct client *c)
{
	ssize_t	n;

	n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		close(c->fd);
		c->fd = -1;
		return;
	}
	memmove(c->out->data, c->out->data + n, c->out->len - (size_t)n);
	strbuf_truncate(c->out, c->out->len - (size_t)n);
	if (c->out->len == 0 && c->closing) {
		close(c->fd);
		c->fd = -1;
	}
}

/* listen_control - create the control socket */

static int
listen_control(struct state *s, struct strbuf *why)
{
	struct sockaddr_un sun;
	struct stat st;
	const char *path = s->cfg.set.control_socket;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (pc_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		strbuf_printf(why, "control_socket %s: path too long", path);
		return (-1);
	}
	(void)unlink(path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sun,
	    sizeof(sun)) != 0 || chmod(path, 0660) != 0 ||
	    listen(s->lfd, 16) != 0) {
		strbuf_printf(why, "control socket %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (lstat(path, &st) == 0) {
		s->ldev = st.st_dev;
		s->lino = st.st_ino;
	}
	return (0);
}

/*
 * lock_instance - one fetcher per configuration: the lock on pid_file
 * (or CONTROL_SOCKET.lock) is taken before the control socket is
 * touched; a second instance names the first and leaves.
 */

static int
lock_instance(struct state *s, struct strbuf *why)
{
	const char *pf = s->cfg.set.pid_file;
	char   *path;
	long	holder;
	int	rc;

	if (pf != NULL && *pf)
		path = xstrdup(pf);
	else {
		size_t	n = strlen(s->cfg.set.control_socket) + 6;

		path = xmalloc(n);
		(void)snprintf(path, n, "%s.lock", s->cfg.set.control_socket);
	}
	rc = pidlock_take(path, &s->pl, &holder, why);
	free(path);
	return (rc);
}

/* drop_privileges - become daemon_user when started as root */

static int
drop_privileges(struct state *s, struct strbuf *why)
{
	const char *user = s->cfg.set.daemon_user;
	struct passwd *pw;

	if (geteuid() != 0 || user == NULL || *user == 0)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		log_warn("daemon_user %s does not exist: staying root "
		    "(create it, or set daemon_user = to silence this)", user);
		return (0);
	}
	if (chown(s->cfg.set.control_socket, 0, pw->pw_gid) != 0 ||
	    setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		strbuf_printf(why, "cannot become %s: %s", user,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* next_wakeup - milliseconds until something is due */

static int
next_wakeup(const struct state *s)
{
	time_t	now = time(NULL), t = sched_wakeup(s->sch, now + 60);
	size_t	i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (s->cl[i].fd >= 0 && !s->cl[i].waiting && s->cl[i].deadline <
		    t)
			t = s->cl[i].deadline;
	return (t <= now ? 200 : (int)(t - now) * 1000);
}

/* handle_signals - what the self-pipe says */

static void
handle_signals(struct state *s)
{
	unsigned char buf[64];
	struct strbuf *why;
	ssize_t	n, i;
	size_t	k;

	while ((n = read(s->sig[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == SIGCHLD) {
				reap();
			} else if (buf[i] == SIGHUP) {
				why = strbuf_alloc(2048);
				(void)reload(s, why);
				strbuf_free(why);
			} else if (!s->stopping) {
				s->stopping = 1;
				log_info("stopping: %d session(s) finish the "
				    "messages in hand", s->running);
				for (k = 0; k < s->nmb; k++)
					if (s->mb[k].pid > 0)
						(void)kill(s->mb[k].pid,
						    SIGTERM);
			}
		}
	}
}

/* daemon_run - the service */

int
daemon_run(const char *dir, int verbose)
{
	struct state s;
	struct sigaction sa;
	struct pollfd *pfd;
	struct strbuf *why = strbuf_alloc(2048);
	size_t	i, n, npfd;
	int	rc;

	memset(&s, 0, sizeof(s));
	s.dir = dir;
	s.verbose = verbose;
	s.lfd = -1;
	s.pl.fd = -1;
	s.sch = sched_new();
	s.started = time(NULL);
	for (i = 0; i < MAX_CLIENTS; i++)
		s.cl[i].fd = -1;
	srandom((unsigned)(getpid() ^ time(NULL)));
	if (config_load(dir, &s.cfg, why) != PC_OK) {
		log_error("%s", strbuf_str(why));
		config_free(&s.cfg);
		strbuf_free(why);
		sched_free(s.sch);
		return (EX_CONFIG);
	}
	log_set_level(verbose ? LOGL_MAXIMUM : s.cfg.log_level);
	if (log_set_file(s.cfg.set.maillog_file) != 0)
		log_error("maillog_file %s: %s", s.cfg.set.maillog_file,
		    strerror(errno));
	if ((rc = lock_instance(&s, why)) != PC_OK) {
		log_error("%s%s", strbuf_str(why), rc == PC_PERM ?
		    "; not starting (its control socket is left alone)" : "");
		sched_free(s.sch);
		config_free(&s.cfg);
		strbuf_free(why);
		return (rc == PC_PERM ? EX_UNAVAILABLE : EX_OSERR);
	}
	if (pipe2(s.sig, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    listen_control(&s, why) != 0 || drop_privileges(&s, why) != 0) {
		log_error("%s", strbuf_str(why));
		strbuf_free(why);
		return (EX_OSERR);
	}
	sigpipe_w = s.sig[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	if (mkdir(s.cfg.set.state_directory, 0700) != 0 && errno != EEXIST)
		log_error("mkdir %s: %s", s.cfg.set.state_directory,
		    strerror(errno));
	if (spool_init(s.cfg.set.spool_directory, why) != PC_OK)
		log_error("%s", strbuf_str(why));
	sync_boxes(&s);
	log_info("starting: config=%s, mailboxes=%zu, max_connections=%lld%s",
	    dir, s.cfg.boxes.n, s.cfg.set.max_connections, s.cfg.boxes.n ?
	    "" : " (disabled: no mailboxes)");

	pfd = xcalloc(2 + MAX_CLIENTS + 1, sizeof(*pfd));
	npfd = 2 + MAX_CLIENTS + 1;
	while (!s.stopping || s.running > 0) {
		start_due(&s);
		if (npfd < 2 + MAX_CLIENTS + s.nmb) {
			npfd = 2 + MAX_CLIENTS + s.nmb;
			pfd = xrealloc(pfd, npfd * sizeof(*pfd));
		}
		n = 0;
		pfd[n].fd = s.sig[0];
		pfd[n++].events = POLLIN;
		pfd[n].fd = s.stopping ? -1 : s.lfd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < MAX_CLIENTS; i++) {
			pfd[n].fd = s.cl[i].fd;
			pfd[n++].events = s.cl[i].out && s.cl[i].out->len ?
			    POLLOUT : POLLIN;
		}
		for (i = 0; i < s.nmb; i++) {
			pfd[n].fd = s.mb[i].fd;
			pfd[n++].events = POLLIN;
		}
		rc = poll(pfd, n, next_wakeup(&s));
		if (rc < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			sleep(1);
			continue;
		}
		if (pfd[0].revents)
			handle_signals(&s);
		if (pfd[1].revents & POLLIN)
			accept_client(&s);
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &s.cl[i];
			short	ev = pfd[2 + i].revents;

			if (c->fd < 0 || pfd[2 + i].fd != c->fd)
				continue;
			if (ev & POLLOUT) {
				write_client(c);
				if (c->fd >= 0 && c->streaming)
					status_fill(&s, c);
			} else if (ev & (POLLIN | POLLHUP | POLLERR))
				read_client(&s, c);
			if (c->fd >= 0 && !c->waiting && c->out->len == 0 &&
			    !c->closing && time(NULL) > c->deadline) {
				close(c->fd);
				c->fd = -1;
			}
		}
		for (i = 0; i < s.nmb && 2 + MAX_CLIENTS + i < n; i++) {
			if (s.mb[i].fd >= 0 && pfd[2 + MAX_CLIENTS + i].fd ==
			    s.mb[i].fd && pfd[2 + MAX_CLIENTS + i].revents)
				read_worker(&s, &s.mb[i]);
		}
		reap();
	}
	log_info("stopped");
	/* Remove only what this instance made. */
	if (pidlock_same_file(s.cfg.set.control_socket, s.ldev, s.lino))
		(void)unlink(s.cfg.set.control_socket);
	pidlock_release(&s.pl);
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (s.cl[i].fd >= 0)
			close(s.cl[i].fd);
		free(s.cl[i].wname);
		free(s.cl[i].wgen);
		strbuf_free(s.cl[i].out);
	}
	free(pfd);
	free(s.mb);
	free(s.by_name);
	sched_free(s.sch);
	config_free(&s.cfg);
	strbuf_free(why);
	return (0);
}
