/*
 * NAME
 *	worker - the fetcher's workers, and the service's start-up
 * SYNOPSIS
 *	#include "daemon_int.h"
 *
 *	int worker_start(struct state *s, struct mbox *m);
 *	int worker_main(void);
 *	int worker_lock_instance(struct state *s, struct strbuf *why);
 *	int worker_drop_privileges(struct state *s, struct strbuf *why);
 * DESCRIPTION
 *	worker_start() spawns a worker for one poll of mailbox m:
 *	posix_spawn(3) of the fetcher's own program (/proc/self/exe, so
 *	that a package upgrade that replaced the file still runs the
 *	parent's code) as "popconn-fetcher -W -c DIR".  glibc's posix_spawn
 *	is clone(CLONE_VM|CLONE_VFORK) and exec: it costs the parent the
 *	same whatever its size, and nothing is copied on write afterwards,
 *	where fork() cost grew with the configuration of every mailbox
 *	(issue 22).  Before the spawn the parent writes the worker's
 *	settings into a pipe (worker_cfg.h: the main settings, the mailbox,
 *	and only its own entries of the passwords table), never on its
 *	command line or environment.  The worker gets descriptors 0-2, the
 *	settings on 3 (read to the end, then closed), its result pipe on 4
 *	and maillog_file's descriptor on 5 when one is set; every other
 *	descriptor is closed (all of the parent's are O_CLOEXEC; closefrom
 *	in the spawn too).  Every signal's disposition is reset; SIGTERM
 *	and SIGINT stay blocked until the worker has its handler, so that
 *	a stop sent while it starts is not a worker killed without a word.
 *
 *	worker_main() is that worker: it decodes its settings, logs as its
 *	parent does (ident, level, -f, maillog_file), runs one POP3 session
 *	(account_fetch()) and reports progress and its end as fixed-size
 *	struct worker_msg records (below PIPE_BUF, so each write is atomic)
 *	over the pipe the parent reads (daemon.c).  SIGTERM in a worker
 *	lets it finish the message in hand and QUIT (account_stop).
 *
 *	worker_lock_instance() takes the lock on pid_file (or
 *	CONTROL_SOCKET.lock) before the control socket is touched, so a
 *	second fetcher for the same configuration names the first and
 *	leaves.  worker_drop_privileges() becomes daemon_user (its groups
 *	dropped, the control socket given to its group) when started as
 *	root, after the socket exists and before any session runs.
 * DIAGNOSTICS
 *	worker_start(): 0, or -1 (logged) when a pipe or the spawn failed
 *	(ENOMEM, EAGAIN, the program gone with /proc): the poll is tried
 *	again a second later, as a failed fork was.
 *	worker_main(): 0 once a session ran (its result went to the parent);
 *	EX_SOFTWARE when the settings could not be read (said to the parent
 *	as a temporary failure); EX_USAGE when not started by the service.
 * SECURITY
 *	A worker holds one mailbox's password (and its OAuth client
 *	secret), not the table of every mailbox's: a worker compromised by
 *	a hostile POP3 server sees only its own secret.  The settings'
 *	buffers are wiped after use, in the parent and in the worker.
 *	worker_lock_instance(): PC_OK; PC_PERM when another instance holds
 *	the lock; PC_TEMP otherwise; the reason in why.
 *	worker_drop_privileges(): 0, or -1 with the reason in why; a
 *	daemon_user that does not exist is a warning and root stays.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "safeio.h"
#include "account.h"
#include "params.h"
#include "daemon.h"
#include "daemon_int.h"
#include "worker_cfg.h"

/* A spawned worker's descriptors (worker_main). */
#define WORKER_FD_CFG		3	/* its settings, read to the end */
#define WORKER_FD_RESULT	4	/* struct worker_msg records */
#define WORKER_FD_LOG		5	/* maillog_file, when one is set */

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

/* worker_session - one POP3 session, its end reported on wfd */

static void
worker_session(const struct cfg_mailbox *box, const struct cfg_dict *main,
    const struct cfg_dict *pw, int wfd)
{
	struct account a;
	struct account_result r;
	struct worker_msg w;
	struct strbuf *why = strbuf_alloc(2048);
	int	rc;

	worker_fd = wfd;
	account_progress = progress_hook;
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	rc = account_load(&a, box, main, pw, why);
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
	strbuf_free(why);
}

/* worker_signals - SIGTERM finishes the message in hand */

static void
worker_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_term;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	/* The parent ignores SIGPIPE; a session must too (a closed socket). */
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	/* Spawned with them blocked: one sent meanwhile is delivered now. */
	sigemptyset(&sa.sa_mask);
	(void)sigprocmask(SIG_SETMASK, &sa.sa_mask, NULL);
}

/* worker_read_cfg - the whole settings pipe, bounded */

static int
worker_read_cfg(int fd, struct strbuf *in, struct strbuf *why)
{
	char	buf[8192];
	ssize_t	n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(why, "worker settings: read: %s",
			    strerror(errno));
			break;
		}
		if (n == 0)
			return (PC_OK);
		if (strbuf_append(in, buf, (size_t)n) != 0) {
			strbuf_printf(why, "worker settings: longer than %d "
			    "octets", WORKER_CFG_MAX);
			break;
		}
	}
	explicit_bzero(buf, sizeof(buf));
	return (PC_PERM);
}

/* worker_fail - tell the parent a worker could not even start its poll */

static int
worker_fail(int wfd, const char *why)
{
	struct worker_msg w;

	log_error("%s", why);
	memset(&w, 0, sizeof(w));
	w.type = MSG_END;
	w.rc = PC_TEMP;
	pc_strlcpy(w.error, why, sizeof(w.error));
	(void)safeio_write_all(wfd, &w, sizeof(w));
	return (EX_SOFTWARE);
}

/*
 * worker_main - popconn-fetcher -W: a worker spawned by the service.
 * Descriptor 3 holds its settings (read to the end), 4 is the result
 * pipe, 5 the maillog_file when the settings say so.
 */

int
worker_main(void)
{
	struct strbuf *in, *why;
	struct worker_cfg wc;
	int	rc;

	if (fcntl(WORKER_FD_CFG, F_GETFD) < 0 ||
	    fcntl(WORKER_FD_RESULT, F_GETFD) < 0) {
		fprintf(stderr, "popconn-fetcher: -W is internal: the service "
		    "starts its workers with it\n");
		return (EX_USAGE);
	}
	(void)prctl(PR_SET_NAME, "popconn-fetcher", 0, 0, 0);
	/* What the worker runs (sendmail, password_command) gets neither. */
	(void)fcntl(WORKER_FD_RESULT, F_SETFD, FD_CLOEXEC);
	in = strbuf_alloc(WORKER_CFG_MAX);
	why = strbuf_alloc(2048);
	rc = worker_read_cfg(WORKER_FD_CFG, in, why);
	(void)close(WORKER_FD_CFG);
	if (rc == PC_OK)
		rc = worker_cfg_decode(in->data, in->len, &wc, why);
	strbuf_wipe(in);
	strbuf_free(in);
	if (rc != PC_OK) {
		log_open("popconn-fetcher", 0);
		rc = worker_fail(WORKER_FD_RESULT, strbuf_str(why));
		strbuf_free(why);
		return (rc);
	}
	strbuf_free(why);
	log_open("popconn-fetcher", (wc.flags & WORKER_CFG_STDERR) != 0);
	log_set_level(wc.log_level);
	if ((wc.flags & WORKER_CFG_LOGFD) != 0 &&
	    fcntl(WORKER_FD_LOG, F_SETFD, FD_CLOEXEC) == 0)
		log_set_file_fd(WORKER_FD_LOG);
	worker_signals();
	worker_session(&wc.box, wc.main, wc.pw, WORKER_FD_RESULT);
	worker_cfg_free(&wc);
	return (0);
}

/* worker_names - the password entries a mailbox needs */

static size_t
worker_names(const struct config *c, const struct cfg_mailbox *b,
    struct strbuf *sec, const char **names)
{
	const struct cfg_param *tab = params_fetcher;
	const struct cfg_dict *layers[2];
	const struct cfg_entry *e;
	struct strbuf *why;
	size_t	n = 0;

	names[n++] = b->name;
	/* oauth_client_secret_name: raw here; expanded as account_load does */
	if ((e = cfg_dict_find(b->opts, "oauth_client_secret_name")) == NULL)
		e = cfg_dict_find(c->main, "oauth_client_secret_name");
	if (e == NULL || *e->value == 0)
		return (n);
	layers[0] = c->main;
	layers[1] = b->opts;
	why = strbuf_alloc(1024);
	if (cfg_expand(tab, layers, 2, e->value, sec, why) == PC_OK)
		names[n++] = strbuf_str(sec);
	strbuf_free(why);
	return (n);
}

/* worker_pipe - a pipe whose ends are at 10 or above (never 3, 4, 5) */

static int
worker_pipe(int p[2])
{
	int	i, fd;

	if (pipe2(p, O_CLOEXEC) != 0)
		return (-1);
	for (i = 0; i < 2; i++) {
		if (p[i] >= 10)
			continue;
		if ((fd = fcntl(p[i], F_DUPFD_CLOEXEC, 10)) < 0) {
			close(p[0]);
			close(p[1]);
			return (-1);
		}
		close(p[i]);
		p[i] = fd;
	}
	return (0);
}

/* worker_send_cfg - the settings into the pipe, before the worker runs */

static int
worker_send_cfg(const struct state *s, const struct cfg_mailbox *b, int fd)
{
	struct strbuf *out = strbuf_alloc(WORKER_CFG_MAX);
	struct strbuf *sec = strbuf_alloc(1024);
	const char *names[2];
	unsigned flags = 0;
	size_t	n;
	int	rc = -1;

	if (log_to_stderr_get())
		flags |= WORKER_CFG_STDERR;
	if (log_file_fd() >= 0)
		flags |= WORKER_CFG_LOGFD;
	n = worker_names(&s->cfg, b, sec, names);
	if (worker_cfg_encode(out, log_get_level(), flags, s->cfg.main, b,
	    s->cfg.pw, names, n) != PC_OK) {
		errno = E2BIG;
	} else if ((out->len <= 65536 || fcntl(fd, F_SETPIPE_SZ,
	    (int)out->len) >= 0) && fcntl(fd, F_SETFL, O_NONBLOCK) == 0) {
		/* The pipe holds it all: the parent never waits on a worker. */
		rc = safeio_write_all(fd, out->data, out->len) == 0 ? 0 : -1;
	}
	strbuf_wipe(out);
	strbuf_free(out);
	strbuf_free(sec);
	return (rc);
}

/*
 * worker_spawn - start popconn-fetcher -W for mailbox b: *pid, and the
 * read end of its result pipe in *rfd.
 */

static int
worker_spawn(const struct state *s, const struct cfg_mailbox *b, pid_t *pid,
    int *rfd)
{
	static char arg0[] = "popconn-fetcher", arg1[] = "-W", arg2[] = "-c";
	/* -c: only for ps (which instance it is); never a setting */
	char   *const argv[] = {arg0, arg1, arg2, (char *)(uintptr_t)s->dir,
	    NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, stop;
	int	cp[2], rp[2], lfd = log_file_fd(), err;

	if (worker_pipe(cp) != 0)
		return (errno);
	if (worker_pipe(rp) != 0) {
		err = errno;
		close(cp[0]);
		close(cp[1]);
		return (err);
	}
	err = worker_send_cfg(s, b, cp[1]) == 0 ? 0 : errno ? errno : EIO;
	close(cp[1]);
	if (err == 0) {
		(void)sigfillset(&all);
		/*
		 * SIGTERM and SIGINT stay blocked until the worker has its
		 * handler (worker_signals): a stop sent while it execs
		 * would otherwise kill it without an end record.
		 */
		(void)sigemptyset(&stop);
		(void)sigaddset(&stop, SIGTERM);
		(void)sigaddset(&stop, SIGINT);
		(void)posix_spawnattr_init(&attr);
		(void)posix_spawnattr_setsigdefault(&attr, &all);
		(void)posix_spawnattr_setsigmask(&attr, &stop);
		(void)posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK);
		(void)posix_spawn_file_actions_init(&fa);
		/* The log first: it may sit on 3 or 4 (opened early). */
		if (lfd >= 0)
			(void)posix_spawn_file_actions_adddup2(&fa, lfd,
			    WORKER_FD_LOG);
		(void)posix_spawn_file_actions_adddup2(&fa, cp[0], WORKER_FD_CFG);
		(void)posix_spawn_file_actions_adddup2(&fa, rp[1],
		    WORKER_FD_RESULT);
		/* Belt and braces: every other descriptor is O_CLOEXEC. */
		(void)posix_spawn_file_actions_addclosefrom_np(&fa,
		    WORKER_FD_LOG + 1);
		err = posix_spawn(pid, "/proc/self/exe", &fa, &attr, argv,
		    environ);
		(void)posix_spawn_file_actions_destroy(&fa);
		(void)posix_spawnattr_destroy(&attr);
	}
	close(cp[0]);
	close(rp[1]);
	if (err != 0)
		close(rp[0]);
	else
		*rfd = rp[0];
	return (err);
}

/* worker_start - spawn a worker for mailbox m */

int
worker_start(struct state *s, struct mbox *m)
{
	size_t	idx;
	pid_t	pid = -1;
	int	fd = -1, err;

	idx = m->cfg_idx;
	if (idx >= s->cfg.boxes.n)
		return (-1);
	if ((err = worker_spawn(s, &s->cfg.boxes.v[idx], &pid, &fd)) != 0) {
		log_error("acct=%s: cannot start a worker (posix_spawn of "
		    "/proc/self/exe -W): %s; trying again in a second",
		    m->name, strerror(err));
		return (-1);
	}
	m->pid = pid;
	m->fd = fd;
	m->state = ST_POLLING;
	m->now = 0;
	m->gen++;
	m->last_poll = time(NULL);
	memset(&m->last, 0, sizeof(m->last));
	daemon_run_add(s, (size_t)(m - s->mb), fd);
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
