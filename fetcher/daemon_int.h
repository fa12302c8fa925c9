/*
 * NAME
 *	daemon_int.h - what the files of the fetcher service share
 * SYNOPSIS
 *	#include "daemon_int.h"
 *
 *	daemon.c (the scheduler):
 *	struct mbox *daemon_find_box(struct state *s, const char *name);
 *	int daemon_reload(struct state *s, struct strbuf *why);
 *	void daemon_run_add(struct state *s, size_t id, int fd);
 *	const char *const daemon_res_name[];	by RES_*
 *
 *	ctl_server.c (the control socket):
 *	int ctl_server_listen(struct state *s, struct strbuf *why);
 *	void ctl_server_events(struct state *s, const struct pollfd *pfd);
 *	void ctl_server_notify(struct state *s, const struct mbox *m,
 *		const char *event);
 *
 *	daemon_limit.c (sessions at once per server, adaptive):
 *	void daemon_limit_apply(struct state *s);
 *	int daemon_limit_end(struct state *s, const struct mbox *m,
 *		const struct worker_msg *w, time_t now);
 *	long long daemon_limit_show(const struct state *s, const char *host,
 *		char *buf, size_t len);
 *
 *	worker.c (workers and the service's start-up):
 *	int worker_start(struct state *s, struct mbox *m);
 *	int worker_lock_instance(struct state *s, struct strbuf *why);
 *	int worker_drop_privileges(struct state *s, struct strbuf *why);
 * DESCRIPTION
 *	The service (daemon.h) is three files around one struct state:
 *	the scheduler and main loop (daemon.c), the control server
 *	(ctl_server.c) and the workers with the start-up that takes the
 *	instance lock and drops privileges (worker.c).  Nothing here is
 *	for other modules.
 *
 *	daemon_find_box() finds a mailbox's runtime state by name (NULL:
 *	none); daemon_reload() reads the configuration again and keeps the
 *	running one when the new one is broken (PC_PERM, reason in why).
 *	daemon_run_add() records a started worker (mailbox index id, its
 *	result pipe fd) in s->run, the list the loop polls and a new
 *	worker closes: both cost the number of sessions, not of mailboxes.
 *	A worker is a new program (popconn-fetcher -W, worker.c): none of
 *	the parent's memory is in it, only the settings it was sent.
 *
 *	ctl_server_listen() creates the control socket; ctl_server_events()
 *	handles what poll() says about it (pfd[0]) and its clients
 *	(pfd[1 .. MAX_CLIENTS]); ctl_server_notify() passes a poll's
 *	"start", "progress" or "end" to the clients waiting on it.
 *
 *	daemon_limit_apply(), daemon_limit_end() and daemon_limit_show()
 *	give the scheduler the per-server settings, grow or cut a server's
 *	limit when a worker ends (1: refused for the server's connection
 *	limit, not the mailbox's failure) and describe it for status.
 *
 *	worker_start() spawns a worker for m (0, or -1 when the spawn or a
 *	pipe failed); the worker reports struct worker_msg records over a
 *	pipe.
 *	worker_lock_instance() takes the pid file lock (PC_PERM: another
 *	instance holds it); worker_drop_privileges() becomes daemon_user
 *	when started as root.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef DAEMON_INT_H
#define DAEMON_INT_H

#include <sys/types.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "popconn.h"
#include "config.h"
#include "ctl_proto.h"
#include "pidlock.h"
#include "pollsched.h"
#include "strbuf.h"

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

extern const char *const daemon_res_name[];	/* by RES_* */

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
	char	last_qid[64];		/* queue id of the last delivered */
	int	refused;		/* ACCOUNT_REFUSED_* (account.h) */
};

/* One write of a worker_msg must be atomic on the pipe. */
typedef char worker_msg_fits_pipe_buf[sizeof(struct worker_msg) <=
    PIPE_BUF ? 1 : -1];

struct mbox {
	char	name[PC_NAME_MAX + 1];
	char	host[256];
	char	run_host[256];		/* the server of the running poll */
	long long run_open;		/* other sessions there at its start */
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
	char	last_qid[64];		/* queue id of the last message
					 * delivered (kept across polls) */
	long	today_day;		/* daemon_day() of today_delivered */
	unsigned long today_delivered;	/* messages delivered that day */
};

/* daemon_day - a local calendar day as YYYYMMDD */
long	daemon_day(time_t t);

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

/* A running worker: its mailbox (index in mb) and result pipe. */
struct run {
	size_t	id;
	int	fd;
};

struct state {
	const char *dir;
	int	verbose;
	struct config cfg;
	struct mbox *mb;		/* a MADV_DONTFORK mapping (daemon.c) */
	size_t	nmb;
	size_t	cmb;			/* room in mb */
	size_t	mblen;			/* its mapping's length */
	struct run *run;		/* the running workers, s->running */
	size_t	crun;			/* room in run */
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

struct mbox *daemon_find_box(struct state *s, const char *name);
int	daemon_reload(struct state *s, struct strbuf *why);
void	daemon_run_add(struct state *s, size_t id, int fd);

int	ctl_server_listen(struct state *s, struct strbuf *why);
void	ctl_server_events(struct state *s, const struct pollfd *pfd);
void	ctl_server_notify(struct state *s, const struct mbox *m,
	    const char *event);

void	daemon_limit_apply(struct state *s);
int	daemon_limit_end(struct state *s, const struct mbox *m,
	    const struct worker_msg *w, time_t now);
long long daemon_limit_show(const struct state *s, const char *host,
	    char *buf, size_t len);

int	worker_start(struct state *s, struct mbox *m);
int	worker_lock_instance(struct state *s, struct strbuf *why);
int	worker_drop_privileges(struct state *s, struct strbuf *why);

#endif
