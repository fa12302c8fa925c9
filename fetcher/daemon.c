/*
 * NAME
 *	daemon - the fetcher as a service: the scheduler and its main loop
 * SYNOPSIS
 *	See daemon.h; what the service's files share is in daemon_int.h.
 * DESCRIPTION
 *	One single-threaded parent runs a poll() loop over the control
 *	socket, its clients, the workers' result pipes and a self-pipe for
 *	signals.  It keeps the state of every mailbox (last poll, result,
 *	counters, next poll) and decides which mailbox is due.  Each POP3
 *	session runs in a spawned worker process, so that a crash, a hang or
 *	a memory leak in one session cannot take the service down, and a
 *	session's memory is returned when it ends.
 *
 *	This file is the scheduler: the mailboxes' runtime state, when each
 *	polls next, the workers' results, reload and signals, and the loop.
 *	The control socket is ctl_server.c; spawning a worker, the instance
 *	lock and the privilege drop are worker.c.
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
#include <sys/mman.h>
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
#include "daemon_int.h"

const char *const daemon_res_name[] = {"never", "ok", "deferred", "failed"};


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

/* daemon_find_box - runtime state by name (binary search of by_name) */

struct mbox *
daemon_find_box(struct state *s, const char *name)
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

/* mb_unmap - give s->mb back */

static void
mb_unmap(struct state *s)
{
	if (s->mb != NULL)
		(void)munmap(s->mb, s->mblen);
	s->mb = NULL;
	s->cmb = 0;
	s->mblen = 0;
}

/*
 * mb_room - room for n mailboxes in s->mb.  The array (2 kB a mailbox)
 * lives in a mapping of its own marked MADV_DONTFORK: when workers were
 * forked, fork() copied its page tables and the parent then copied on
 * write the pages it touched, at every session start (issue 22).
 * Workers are now spawned (posix_spawn, worker.c: no copy of the parent
 * at all), so the mark no longer matters to them; it is kept because it
 * costs nothing and keeps the table out of any fork the parent may do
 * (t_daemon_scale checks it is there).
 */

static void
mb_room(struct state *s, size_t n)
{
	size_t	cap = s->cmb ? s->cmb : 64, pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t	len;
	void   *p;

	if (n <= s->cmb)
		return;
	while (cap < n)
		cap *= 2;
	len = (cap * sizeof(*s->mb) + pg - 1) / pg * pg;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		log_fatal(EX_OSERR, "mmap %zu bytes: %s", len, strerror(errno));
	/* Without it (an old kernel) workers only cost more to start. */
	(void)madvise(p, len, MADV_DONTFORK);
	if (s->nmb)
		memcpy(p, s->mb, s->nmb * sizeof(*s->mb));
	mb_unmap(s);
	s->mb = p;
	s->mblen = len;
	s->cmb = len / sizeof(*s->mb);
}

/* daemon_run_add - a worker started for mailbox id, its pipe is fd */

void
daemon_run_add(struct state *s, size_t id, int fd)
{
	if ((size_t)s->running == s->crun) {
		s->crun = s->crun ? 2 * s->crun : 16;
		s->run = xrealloc(s->run, s->crun * sizeof(*s->run));
	}
	s->run[s->running].id = id;
	s->run[s->running].fd = fd;
	s->running++;
}

/* run_del - the worker whose pipe was fd ended */

static void
run_del(struct state *s, int fd)
{
	int	i;

	for (i = 0; i < s->running; i++)
		if (s->run[i].fd == fd) {
			s->run[i] = s->run[--s->running];
			return;
		}
	log_panic("run_del: no worker with pipe %d", fd);
}

/* run_index - s->run again, after mb was renumbered */

static void
run_index(struct state *s)
{
	size_t	i;
	int	k = 0;

	for (i = 0; i < s->nmb; i++)
		if (s->mb[i].fd >= 0 && k < s->running) {
			s->run[k].id = i;
			s->run[k++].fd = s->mb[i].fd;
		}
	if (k != s->running)
		log_panic("run_index: %d workers, %d expected", k, s->running);
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
		if ((m = daemon_find_box(s, c->name)) == NULL ||
		    (size_t)(m - s->mb) >= old) {
			mb_room(s, s->nmb + 1);
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
	run_index(s);
	index_boxes(s);
	plan_boxes(s);
}

/* end_poll - a worker reported its end (or died) */

static void
end_poll(struct state *s, struct mbox *m, const struct worker_msg *w)
{
	struct account a;
	time_t	now = time(NULL);
	size_t	idx;
	/* Refused for the server's limit: not the mailbox's failure. */
	int	refused = daemon_limit_end(s, m, w, now);

	if (!refused)
		m->last = *w;
	/* "Messages today", as the SBS connector's manager showed them. */
	if (m->today_day != daemon_day(now)) {
		m->today_day = daemon_day(now);
		m->today_delivered = 0;
	}
	m->today_delivered += w->delivered;
	if (w->mech[0]) {
		pc_strlcpy(m->auth_mech, w->mech, sizeof(m->auth_mech));
		pc_strlcpy(m->auth_why, w->mech_why, sizeof(m->auth_why));
	}
	/* a poll that delivered nothing keeps the last queue id shown */
	if (w->delivered > 0)
		pc_strlcpy(m->last_qid, w->last_qid, sizeof(m->last_qid));
	if (refused)
		;	/* result, failures and error as they were */
	else if (w->rc == PC_OK) {
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
	run_del(s, m->fd);
	close(m->fd);
	m->fd = -1;
	m->pid = 0;
	m->stop_sent = 0;
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
	if (m->now || refused)
		m->next_poll = now;
	if (m->live)
		sched_set(s->sch, (size_t)(m - s->mb), m->now || refused ? 0 :
		    m->next_poll, m->host);
	/* A refused session's waiters wait for the one that follows. */
	if (!refused)
		ctl_server_notify(s, m, "end");
}

/* daemon_day - a local calendar day as YYYYMMDD */

long
daemon_day(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return (0);
	return ((tm.tm_year + 1900L) * 10000L + (tm.tm_mon + 1) * 100L +
	    tm.tm_mday);
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
		ctl_server_notify(s, m, "progress");
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
		if (worker_start(s, m) != 0) {
			/* spawn or pipe failed (logged): again in a second */
			sched_set(s->sch, id, now + 1, m->host);
			return;
		}
		/* What the server held of ours when it took (or refused) it. */
		m->run_open = sched_running(s->sch, m->run_host) - 1;
	}
}

/* daemon_reload - read the configuration again, keep the old one if broken */

int
daemon_reload(struct state *s, struct strbuf *why)
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
	daemon_limit_apply(s);
	sync_boxes(s);
	log_info("reloaded: mailboxes=%zu%s", s->cfg.boxes.n,
	    s->cfg.boxes.n ? "" : " (disabled: no mailboxes)");
	return (PC_OK);
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
	int	j;

	while ((n = read(s->sig[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == SIGCHLD) {
				reap();
			} else if (buf[i] == SIGHUP) {
				why = strbuf_alloc(2048);
				(void)daemon_reload(s, why);
				strbuf_free(why);
			} else if (!s->stopping) {
				s->stopping = 1;
				log_info("stopping: %d session(s) finish the "
				    "messages in hand", s->running);
				for (j = 0; j < s->running; j++)
					if (s->mb[s->run[j].id].pid > 0)
						(void)kill(s->mb[s->run[j].id].
						    pid, SIGTERM);
			}
		}
	}
}

/*
 * poll_set - what the loop waits for: the signal pipe, the control
 * socket (not while stopping), each client slot, each running worker's
 * pipe, in that order (ctl_server_events() and the loop rely on it).
 * It was every mailbox's slot, most of them -1: O(mailboxes) a turn.
 */

static size_t
poll_set(const struct state *s, struct pollfd *pfd)
{
	size_t	i, n = 0;

	pfd[n].fd = s->sig[0];
	pfd[n++].events = POLLIN;
	pfd[n].fd = s->stopping ? -1 : s->lfd;
	pfd[n++].events = POLLIN;
	for (i = 0; i < MAX_CLIENTS; i++) {
		pfd[n].fd = s->cl[i].fd;
		pfd[n++].events = s->cl[i].out && s->cl[i].out->len ?
		    POLLOUT : POLLIN;
	}
	for (i = 0; i < (size_t)s->running; i++) {
		pfd[n].fd = s->run[i].fd;
		pfd[n++].events = POLLIN;
	}
	return (n);
}

/* worker_events - read the workers whose pipes poll() marked */

static void
worker_events(struct state *s, const struct pollfd *pfd, size_t n)
{
	size_t	i;
	int	k;

	/*
	 * s->run changes under us (an end removes its entry, a reload by a
	 * client renumbers mb), so each marked pipe is looked up by its fd,
	 * which only one running worker holds: O(sessions) each.
	 */
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		for (k = 0; k < s->running; k++)
			if (s->run[k].fd == pfd[i].fd)
				break;
		if (k < s->running)
			read_worker(s, &s->mb[s->run[k].id]);
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
	if ((rc = worker_lock_instance(&s, why)) != PC_OK) {
		log_error("%s%s", strbuf_str(why), rc == PC_PERM ?
		    "; not starting (its control socket is left alone)" : "");
		sched_free(s.sch);
		config_free(&s.cfg);
		strbuf_free(why);
		return (rc == PC_PERM ? EX_UNAVAILABLE : EX_OSERR);
	}
	if (pipe2(s.sig, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    ctl_server_listen(&s, why) != 0 || worker_drop_privileges(&s, why) != 0) {
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
	daemon_limit_apply(&s);
	sync_boxes(&s);
	log_info("starting: config=%s, mailboxes=%zu, max_connections=%lld, "
	    "per server %lld..%lld%s", dir, s.cfg.boxes.n,
	    s.cfg.set.max_connections,
	    s.cfg.set.initial_connections_per_server <
	    s.cfg.set.max_connections_per_server ?
	    s.cfg.set.initial_connections_per_server :
	    s.cfg.set.max_connections_per_server,
	    s.cfg.set.max_connections_per_server, s.cfg.boxes.n ?
	    "" : " (disabled: no mailboxes)");

	pfd = xcalloc(2 + MAX_CLIENTS + 1, sizeof(*pfd));
	npfd = 2 + MAX_CLIENTS + 1;
	while (!s.stopping || s.running > 0) {
		start_due(&s);
		if (npfd < 2 + MAX_CLIENTS + (size_t)s.running) {
			npfd = 2 + MAX_CLIENTS + (size_t)s.running;
			pfd = xrealloc(pfd, npfd * sizeof(*pfd));
		}
		n = poll_set(&s, pfd);
		rc = poll(pfd, n, next_wakeup(&s));
		if (rc < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			sleep(1);
			continue;
		}
		if (pfd[0].revents)
			handle_signals(&s);
		ctl_server_events(&s, pfd + 1);
		worker_events(&s, pfd + 2 + MAX_CLIENTS, n - 2 - MAX_CLIENTS);
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
	mb_unmap(&s);
	free(s.run);
	free(s.by_name);
	sched_free(s.sch);
	config_free(&s.cfg);
	strbuf_free(why);
	return (0);
}
