/*
 * NAME
 *	deliver_sendmail - the sendmail transport (delivery_method = sendmail)
 * SYNOPSIS
 *	See deliver.h.
 * DESCRIPTION
 *	Each message runs "sendmail [-C DIR] -i -f SENDER -- RCPT" with
 *	execve (never a shell) and the spool file as standard input; up to
 *	delivery_parallelism of them run at once.  Postfix's sendmail copies
 *	the message into the maildrop queue and exits 0 only once it is
 *	safely there; pickup and cleanup take it from there (and
 *	non_smtpd_milters, where popconn-milter routes global-mailbox
 *	mail).  sendmail costs ~6.5 ms of CPU per message (fork, exec,
 *	postdrop); running a few side by side keeps the maildrop busy while
 *	the next messages stream in (POSTFIX-NOTES.md).
 *
 *	A result's reason is "sendmail 0" on success (the per-message log
 *	line keeps that form); there is no queue id.
 * DIAGNOSTICS
 *	Exit 0: PC_OK.  EX_TEMPFAIL, EX_OSERR, a signal or delivery_timeout:
 *	PC_TEMP.  Any other status: PC_PERM (Postfix sys_exits.c).
 * SECURITY
 *	No shell; fixed argument vector; a sender or recipient starting
 *	with '-' is refused.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "exec.h"
#include "log.h"
#include "safeio.h"
#include "deliver.h"

#define SENDMAIL_MAX	16	/* delivery_parallelism's maximum */
#define SM_TIMED_OUT	(-1)	/* status: killed after delivery_timeout */

struct sendmail_job {
	struct exec_child child;
	time_t	deadline;
	void	*cookie;
};

struct deliver_sendmail {
	struct deliver d;		/* first */
	const struct fetcher_settings *s;
	size_t	max;			/* delivery_parallelism */
	struct sendmail_job job[SENDMAIL_MAX];
	size_t	n;
};

/* sm_submit - start sendmail on one spooled message */

static int
sm_submit(struct deliver *dp, const char *path, const char *sender,
    const char *rcpt, void *cookie, struct strbuf *why)
{
	struct deliver_sendmail *sm = (struct deliver_sendmail *)dp;
	const struct fetcher_settings *s = sm->s;
	struct sendmail_job *j;
	const char *argv[12];
	int	argc = 0, fd, rc;

	if (sm->n >= sm->max)
		log_panic("deliver_submit: no room (%zu running)", sm->n);
	if (sender[0] == '-' || rcpt[0] == '-' || rcpt[0] == 0) {
		strbuf_printf(why, "refusing sender or recipient that starts "
		    "with '-'");
		return (PC_PERM);
	}
	argv[argc++] = s->sendmail_path;
	if (s->postfix_config_directory && *s->postfix_config_directory) {
		argv[argc++] = "-C";
		argv[argc++] = s->postfix_config_directory;
	}
	argv[argc++] = "-i";
	argv[argc++] = "-f";
	argv[argc++] = sender;
	argv[argc++] = "--";
	argv[argc++] = rcpt;
	argv[argc] = NULL;
	if ((fd = safeio_open_read(path, why)) < 0)
		return (PC_TEMP);
	j = &sm->job[sm->n];
	rc = exec_spawn((char *const *)(void *)argv, NULL, fd, &j->child, why);
	close(fd);
	if (rc != PC_OK)
		return (rc);
	/* Whole seconds: killed after delivery_timeout, never before. */
	j->deadline = time(NULL) + (time_t)s->delivery_timeout;
	j->cookie = cookie;
	sm->n++;
	return (PC_OK);
}

/* sm_status - what sendmail's exit status means */

static void
sm_status(const struct deliver_sendmail *sm, int status,
    struct deliver_result *res)
{
	if (status == 0) {
		res->status = PC_OK;
		(void)snprintf(res->reason, sizeof(res->reason), "sendmail 0");
		return;
	}
	if (status == SM_TIMED_OUT)
		(void)snprintf(res->reason, sizeof(res->reason),
		    "%s timed out after %llds", sm->s->sendmail_path,
		    sm->s->delivery_timeout);
	else
		(void)snprintf(res->reason, sizeof(res->reason),
		    "%s exited with status %d", sm->s->sendmail_path, status);
	res->status = (status == SM_TIMED_OUT || status == EX_TEMPFAIL ||
	    status == EX_OSERR || status >= 128) ? PC_TEMP : PC_PERM;
}

/* sm_poll - reap one finished sendmail, waiting at most wait_ms */

static int
sm_poll(struct deliver *dp, int wait_ms, struct deliver_result *res)
{
	struct deliver_sendmail *sm = (struct deliver_sendmail *)dp;
	struct exec_child *kids[SENDMAIL_MAX];
	struct timespec t0, t1;
	long	left = wait_ms, slice;
	size_t	i;
	int	status;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (i = 0; i < sm->n; i++) {
			struct sendmail_job *j = &sm->job[i];

			if (exec_check(&j->child, &status)) {
				/* exited */
			} else if (time(NULL) > j->deadline) {
				exec_kill(&j->child);
				status = SM_TIMED_OUT;
			} else {
				continue;
			}
			memset(res, 0, sizeof(*res));
			res->cookie = j->cookie;
			sm_status(sm, status, res);
			sm->job[i] = sm->job[--sm->n];
			return (1);
		}
		if (sm->n == 0 || wait_ms == 0)
			return (0);
		if (wait_ms != DELIVER_WAIT) {
			(void)clock_gettime(CLOCK_MONOTONIC, &t1);
			left = wait_ms - ((t1.tv_sec - t0.tv_sec) * 1000L +
			    (t1.tv_nsec - t0.tv_nsec) / 1000000L);
			if (left <= 0)
				return (0);
		}
		/* Wake at least once a second for the deadlines. */
		slice = (wait_ms == DELIVER_WAIT || left > 1000) ? 1000 : left;
		for (i = 0; i < sm->n; i++)
			kids[i] = &sm->job[i].child;
		exec_wait_any(kids, sm->n, (int)slice);
	}
}

/* sm_room - sendmails we may still start */

static size_t
sm_room(const struct deliver *dp)
{
	const struct deliver_sendmail *sm = (const struct deliver_sendmail *)dp;

	return (sm->max - sm->n);
}

/* sm_inflight - sendmails running */

static size_t
sm_inflight(const struct deliver *dp)
{
	return (((const struct deliver_sendmail *)dp)->n);
}

/* sm_close - kill what still runs (abandoned), free */

static void
sm_close(struct deliver *dp)
{
	struct deliver_sendmail *sm = (struct deliver_sendmail *)dp;
	size_t	i;

	for (i = 0; i < sm->n; i++)
		exec_kill(&sm->job[i].child);
	free(sm);
}

/* deliver_sendmail_open - the sendmail transport */

struct deliver *
deliver_sendmail_open(const struct fetcher_settings *s, const char *acct,
    struct strbuf *why)
{
	struct deliver_sendmail *sm;

	(void)acct;
	(void)why;
	sm = xcalloc(1, sizeof(*sm));
	sm->d.method = "sendmail";
	sm->d.submit = sm_submit;
	sm->d.poll = sm_poll;
	sm->d.room = sm_room;
	sm->d.inflight = sm_inflight;
	sm->d.close = sm_close;
	sm->s = s;
	sm->max = (size_t)s->delivery_parallelism;
	if (sm->max < 1)
		sm->max = 1;
	if (sm->max > SENDMAIL_MAX)
		sm->max = SENDMAIL_MAX;
	return (&sm->d);
}
