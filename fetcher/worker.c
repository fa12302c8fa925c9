/*
 * NAME
 *	worker - the fetcher's workers, and the service's start-up
 * SYNOPSIS
 *	#include "daemon_int.h"
 *
 *	int worker_start(struct state *s, struct mbox *m);
 *	int worker_lock_instance(struct state *s, struct strbuf *why);
 *	int worker_drop_privileges(struct state *s, struct strbuf *why);
 * DESCRIPTION
 *	worker_start() forks a worker for one poll of mailbox m: the child
 *	closes the parent's descriptors (the other workers' pipes from
 *	s->run: the mailboxes' table s->mb is not in its memory, see
 *	daemon.c), loads the mailbox's settings,
 *	runs one POP3 session (account_fetch()) and reports progress and
 *	its end as fixed-size struct worker_msg records (below PIPE_BUF,
 *	so each write is atomic) over a pipe the parent reads
 *	(daemon.c).  SIGTERM in a worker lets it finish the message in
 *	hand and QUIT (account_stop).
 *
 *	worker_lock_instance() takes the lock on pid_file (or
 *	CONTROL_SOCKET.lock) before the control socket is touched, so a
 *	second fetcher for the same configuration names the first and
 *	leaves.  worker_drop_privileges() becomes daemon_user (its groups
 *	dropped, the control socket given to its group) when started as
 *	root, after the socket exists and before any session runs.
 * DIAGNOSTICS
 *	worker_start(): 0, or -1 (logged) when pipe or fork failed.
 *	worker_lock_instance(): PC_OK; PC_PERM when another instance holds
 *	the lock; PC_TEMP otherwise; the reason in why.
 *	worker_drop_privileges(): 0, or -1 with the reason in why; a
 *	daemon_user that does not exist is a warning and root stays.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "safeio.h"
#include "account.h"
#include "daemon_int.h"

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

/* worker_run - one POP3 session in a child process */

static void PC_NORETURN
worker_run(const struct config *cfg, size_t idx, int wfd)
{
	struct sigaction sa;
	struct account a;
	struct account_result r;
	struct worker_msg w;
	struct strbuf *why = strbuf_alloc(2048);
	int	rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	worker_fd = wfd;
	account_progress = progress_hook;
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	rc = account_load(&a, &cfg->boxes.v[idx], cfg->main, cfg->pw, why);
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
	pc_strlcpy(w.last_qid, r.last_qid, sizeof(w.last_qid));
	w.refused = r.refused;	/* for the server's limit (daemon_limit.c) */
	(void)safeio_write_all(wfd, &w, sizeof(w));
	_exit(0);
}

/* worker_start - fork a worker for mailbox m */

int
worker_start(struct state *s, struct mbox *m)
{
	int	p[2], k;
	size_t	idx, i;
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
		/*
		 * The child: s->mb is not mapped here (MADV_DONTFORK,
		 * daemon.c); the other workers' pipes are in s->run.
		 */
		close(p[0]);
		close(s->lfd);
		close(s->sig[0]);
		close(s->sig[1]);
		for (i = 0; i < MAX_CLIENTS; i++)
			if (s->cl[i].fd >= 0)
				close(s->cl[i].fd);
		for (k = 0; k < s->running; k++)
			close(s->run[k].fd);
		worker_run(&s->cfg, idx, p[1]);
	}
	close(p[1]);
	m->pid = pid;
	m->fd = p[0];
	m->state = ST_POLLING;
	m->now = 0;
	m->gen++;
	m->last_poll = time(NULL);
	memset(&m->last, 0, sizeof(m->last));
	daemon_run_add(s, (size_t)(m - s->mb), p[0]);
	pc_strlcpy(m->run_host, m->host, sizeof(m->run_host));
	sched_start(s->sch, m->run_host);
	log_debug("acct=%s: poll started (worker %ld)", m->name, (long)pid);
	ctl_server_notify(s, m, "start");
	return (0);
}

/*
 * worker_lock_instance - one fetcher per configuration: the lock on pid_file
 * (or CONTROL_SOCKET.lock) is taken before the control socket is
 * touched; a second instance names the first and leaves.
 */

int
worker_lock_instance(struct state *s, struct strbuf *why)
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

/* worker_drop_privileges - become daemon_user when started as root */

int
worker_drop_privileges(struct state *s, struct strbuf *why)
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
