/*
 * NAME
 *	daemon.h - the fetcher as a service: schedule, workers, control socket
 * SYNOPSIS
 *	int daemon_run(const char *config_dir, int verbose);
 *	int daemon_next_time(const char *poll_times, time_t now,
 *		time_t *next);
 *	int worker_main(void);
 * DESCRIPTION
 *	daemon_run() loads the configuration and polls every mailbox on its
 *	schedule until SIGTERM.  The parent never touches the network: for
 *	each poll it spawns a worker (popconn-fetcher -W, worker_main()),
 *	which runs one POP3 session
 *	(account_fetch) and reports progress and its result as fixed-size
 *	records over a pipe.  At most max_connections workers run at once,
 *	and at most max_connections_per_server for one server host; polls
 *	of one mailbox never overlap.
 *
 *	Schedule: every poll_interval after the previous poll started, or
 *	at the fixed times of day in poll_times ("07:00 12:00 17:30").
 *	After a temporary failure the next try comes after retry_min,
 *	doubled with every further failure up to the mailbox's interval,
 *	with 20% jitter, and never before a server's LOGIN-DELAY ends.
 *	After a permanent failure (wrong password, certificate) the
 *	mailbox waits for its normal schedule, a reload or "fetch".
 *
 *	SIGHUP (or "reload" on the control socket) reads the configuration
 *	again; a broken one is refused with its error and the old one kept.
 *	SIGTERM lets each session finish the messages in hand and QUIT.
 *
 *	The control socket (ctl_proto.h) answers status, fetch, fetch-wait,
 *	reload and log-level, to root, the daemon's user and its group.
 *
 *	daemon_next_time() parses poll_times and gives the next of those
 *	times of day after now (local time); -1 on a syntax error.
 *
 *	worker_main() is popconn-fetcher -W: a worker, its settings read
 *	from descriptor 3 (worker.c); it returns the exit status.
 * DIAGNOSTICS
 *	daemon_run() returns an exit status: 0 after SIGTERM, EX_CONFIG when
 *	the first configuration is broken, EX_OSERR when the control socket
 *	cannot be created.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <time.h>

int daemon_run(const char *config_dir, int verbose);
int daemon_next_time(const char *poll_times, time_t now, time_t *next);
int worker_main(void);

#endif
