/*
 * NAME
 *	exec - run a program without a shell
 * SYNOPSIS
 *	#include "exec.h"
 *
 *	int exec_run(char *const argv[], char *const envp[], int in_fd,
 *		struct strbuf *out, int timeout, int *status,
 *		struct strbuf *why);	out and why owned by the caller
 * DESCRIPTION
 *	exec_run() forks and execve()s argv[0], which must be an absolute
 *	path: there is no shell and no PATH search (STYLE.md, rule 6).
 *	envp NULL means the environment EXEC_DEFAULT_PATH only.
 *
 *	In the child, standard input comes from in_fd (-1: /dev/null),
 *	standard output goes to a pipe read by the parent (out NULL:
 *	/dev/null), standard error is inherited, and every other
 *	descriptor is closed.  Signal dispositions SIGPIPE and SIGCHLD are
 *	reset to the default and the signal mask is cleared.
 *
 *	The parent reads the pipe with poll() against a deadline of
 *	timeout seconds (0: none), keeping at most out->max bytes; further
 *	output is read and dropped so the child never blocks, and makes
 *	the call fail.  When the deadline passes the child gets SIGKILL
 *	and is reaped.  A failed execve() is reported back through a
 *	close-on-exec pipe, so "could not start" is told apart from "ran
 *	and exited 127".
 *
 *	*status receives the exit status (0..255), or 128+signal when the
 *	child died from a signal (a killed timeout reports 128+SIGKILL).
 * DIAGNOSTICS
 *	PC_OK when the program ran and exited, whatever its status;
 *	PC_TEMP when it could not be started, timed out, or wrote more
 *	than out->max bytes, with the reason in why (which may be NULL).
 * SECURITY
 *	The program's output is untrusted and bounded by out->max.  A
 *	descendant that keeps the output pipe open is bounded by the
 *	timeout.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "popconn.h"
#include "reason.h"

#define EXEC_DEFAULT_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define EXEC_CHUNK		4096	/* pipe read size */
#define EXEC_WAIT_STEP_MS	20	/* waitpid polling interval */
#define EXEC_FD_SCAN_MAX	65536	/* close() loop without close_range */

/* exec_now_ms - monotonic clock in milliseconds */

static long long
exec_now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* exec_left_ms - milliseconds until the deadline, -1 for none */

static int
exec_left_ms(long long deadline)
{
	long long left;

	if (deadline == 0)
		return (-1);
	left = deadline - exec_now_ms();
	if (left <= 0)
		return (0);
	return (left > INT_MAX ? INT_MAX : (int) left);
}

/* exec_close_from - close every descriptor >= lowfd except keep */

static void
exec_close_from(int lowfd, int keep)
{
	int     fd;

	if (keep > lowfd && close_range((unsigned) lowfd,
	    (unsigned) keep - 1, 0) == 0
	    && close_range((unsigned) keep + 1, ~0U, 0) == 0)
		return;
	if (keep < lowfd && close_range((unsigned) lowfd, ~0U, 0) == 0)
		return;
	for (fd = lowfd; fd < EXEC_FD_SCAN_MAX; fd++)
		if (fd != keep)
			(void) close(fd);
}

/* exec_child - set up descriptors and execve; never returns */

static void PC_NORETURN
exec_child(char *const argv[], char *const envp[], int in_fd, int out_fd,
    int err_fd)
{
	static char default_path[] = EXEC_DEFAULT_PATH;
	char   *default_env[2];
	sigset_t mask;
	int     err;

	default_env[0] = default_path;
	default_env[1] = NULL;
	(void) signal(SIGPIPE, SIG_DFL);
	(void) signal(SIGCHLD, SIG_DFL);
	(void) sigemptyset(&mask);
	(void) sigprocmask(SIG_SETMASK, &mask, NULL);

	/* Move sources out of 0..2 first, so dup2() cannot clobber them. */
	if (in_fd < 0)
		in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out_fd < 0)
		out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in_fd < 0 || out_fd < 0)
		goto fail;
	if ((in_fd = fcntl(in_fd, F_DUPFD_CLOEXEC, 3)) < 0
	    || (out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3)) < 0
	    || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0)
		goto fail;
	exec_close_from(3, err_fd);
	(void) execve(argv[0], argv, envp ? envp : default_env);

fail:
	err = errno;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(127);			/* nothing more to try */
	_exit(127);
}

/* exec_reap - wait for the child, retrying after EINTR */

static int
exec_reap(pid_t pid, int *wstatus)
{
	while (waitpid(pid, wstatus, 0) < 0)
		if (errno != EINTR)
			return (-1);
	return (0);
}

/* exec_spawn - start a program without waiting for it */

int
exec_spawn(char *const argv[], char *const envp[], int in_fd,
    struct exec_child *c, struct strbuf *why)
{
	int     err_pipe[2] = {-1, -1};
	int     child_err = 0;
	int     wstatus;
	ssize_t n;

	c->pid = -1;
	c->pidfd = -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		reason_set(why, "exec: program must be an absolute path");
		return (PC_TEMP);
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		reason_set(why, "exec %s: pipe: %s", argv[0], strerror(errno));
		return (PC_TEMP);
	}
	if ((c->pid = fork()) < 0) {
		reason_set(why, "exec %s: fork: %s", argv[0], strerror(errno));
		(void) close(err_pipe[0]);
		(void) close(err_pipe[1]);
		return (PC_TEMP);
	}
	if (c->pid == 0) {
		(void) close(err_pipe[0]);
		exec_child(argv, envp, in_fd, -1, err_pipe[1]);
	}
	(void) close(err_pipe[1]);
	while ((n = read(err_pipe[0], &child_err, sizeof(child_err))) < 0
	    && errno == EINTR)
		 /* void */ ;
	(void) close(err_pipe[0]);
	if (n == (ssize_t) sizeof(child_err)) {
		(void) exec_reap(c->pid, &wstatus);
		c->pid = -1;
		reason_set(why, "exec %s: %s", argv[0], strerror(child_err));
		return (PC_TEMP);
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return (PC_OK);
}

/* exec_check - has a spawned program exited? */

int
exec_check(struct exec_child *c, int *status)
{
	int     wstatus = 0;
	pid_t   w;

	do {
		w = waitpid(c->pid, &wstatus, WNOHANG);
	} while (w < 0 && errno == EINTR);
	if (w == 0)
		return (0);
	if (w < 0)
		*status = 128 + SIGKILL;	/* lost: treat as killed */
	else if (WIFEXITED(wstatus))
		*status = WEXITSTATUS(wstatus);
	else
		*status = 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	if (c->pidfd >= 0)
		(void) close(c->pidfd);
	c->pidfd = -1;
	c->pid = -1;
	return (1);
}

/* exec_wait_any - wait until one of the programs may have exited */

void
exec_wait_any(struct exec_child *const *c, size_t n, int ms)
{
	struct pollfd pfd[64];
	size_t  i, k = 0;

	for (i = 0; i < n && k < PC_ARRAY_LEN(pfd); i++) {
		if (c[i]->pid > 0 && c[i]->pidfd >= 0) {
			pfd[k].fd = c[i]->pidfd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			k++;
		}
	}
	if (k < n)		/* some without pidfd: poll briefly */
		ms = ms < 0 || ms > 2 ? 2 : ms;
	(void) poll(k ? pfd : NULL, k, ms);
}

/* exec_kill - kill a spawned program and reap it */

void
exec_kill(struct exec_child *c)
{
	int     wstatus;

	if (c->pid <= 0)
		return;
	(void) kill(c->pid, SIGKILL);
	(void) exec_reap(c->pid, &wstatus);
	if (c->pidfd >= 0)
		(void) close(c->pidfd);
	c->pid = -1;
	c->pidfd = -1;
}

/*
 * exec_read_output - read the child's output until EOF or the deadline
 *
 * What fits in out (its first out->max bytes) is kept and the rest is
 * read and dropped, so the child never blocks on a full pipe; *overflow
 * says that something was dropped.  A read error ends the output as EOF
 * does.  0 at EOF, 1 when the deadline (0: none) passed first, -1 when
 * poll() failed (the reason in why); the caller then kills the child.
 */

static int
exec_read_output(int fd, struct strbuf *out, long long deadline,
    const char *prog, int *overflow, struct strbuf *why)
{
	char    buf[EXEC_CHUNK];
	struct pollfd pfd;
	ssize_t n;

	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (deadline != 0 && exec_left_ms(deadline) == 0)
			return (1);
		if (poll(&pfd, 1, exec_left_ms(deadline)) < 0) {
			if (errno == EINTR)
				continue;
			reason_set(why, "exec %s: poll: %s", prog,
			    strerror(errno));
			return (-1);
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (0);
		}
		if (n == 0)
			return (0);
		if (*overflow)
			continue;
		/* Keep what fits (the first out->max bytes), drop the rest. */
		if ((size_t) n > out->max - strbuf_len(out)) {
			*overflow = 1;
			n = (ssize_t) (out->max - strbuf_len(out));
		}
		(void) strbuf_append(out, buf, (size_t) n);
	}
}

/*
 * exec_wait_exit - wait for the child's exit, against the deadline
 *
 * A pidfd becomes readable when the child exits, so the wait costs no
 * polling delay (sendmail runs once per message: a 20 ms sleep per call
 * would cap delivery at 50 messages a second).  Without pidfd (kernels
 * before 5.3), poll waitpid() with a short, growing step.  0 when the
 * child exited (*wstatus), 1 when the deadline passed first (the child
 * still runs), -1 when waitpid() failed (the reason in why).
 */

static int
exec_wait_exit(pid_t pid, long long deadline, const char *prog,
    int *wstatus, struct strbuf *why)
{
	struct pollfd pfd;
	pid_t   w;
	int     pidfd;
	int     step = 1;
	int     rc = 1;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		w = waitpid(pid, wstatus, deadline ? WNOHANG : 0);
		if (w == pid) {
			rc = 0;
			break;
		} else if (w < 0 && errno != EINTR) {
			reason_set(why, "exec %s: waitpid: %s", prog,
			    strerror(errno));
			rc = -1;
			break;
		} else if (w == 0) {
			if (exec_left_ms(deadline) == 0) {
				break;
			} else if (pidfd >= 0) {
				pfd.fd = pidfd;
				pfd.events = POLLIN;
				pfd.revents = 0;
				(void) poll(&pfd, 1, exec_left_ms(deadline));
			} else {
				(void) poll(NULL, 0, step);
				if (step < EXEC_WAIT_STEP_MS)
					step *= 2;
			}
		}
	}
	if (pidfd >= 0)
		(void) close(pidfd);
	return (rc);
}

/* exec_run - run a program, capture its output, bound its time */

int
exec_run(char *const argv[], char *const envp[], int in_fd,
    struct strbuf *out, int timeout, int *status, struct strbuf *why)
{
	int     out_pipe[2] = {-1, -1};
	int     err_pipe[2] = {-1, -1};
	long long deadline = 0;
	int     overflow = 0;
	int     timed_out = 0;
	int     poll_failed = 0;
	int     child_err = 0;
	int     wstatus = 0;
	int     r;
	ssize_t n;
	pid_t   pid;

	*status = 0;
	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		reason_set(why, "exec: program must be an absolute path");
		return (PC_TEMP);
	}
	if (out != NULL)
		strbuf_reset(out);
	if (pipe2(err_pipe, O_CLOEXEC) < 0
	    || (out != NULL && pipe2(out_pipe, O_CLOEXEC) < 0)) {
		reason_set(why, "exec %s: pipe: %s", argv[0], strerror(errno));
		goto fail_fds;
	}
	if (timeout > 0)
		deadline = exec_now_ms() + (long long) timeout * 1000;

	if ((pid = fork()) < 0) {
		reason_set(why, "exec %s: fork: %s", argv[0], strerror(errno));
		goto fail_fds;
	}
	if (pid == 0) {
		(void) close(err_pipe[0]);
		if (out_pipe[0] >= 0)
			(void) close(out_pipe[0]);
		exec_child(argv, envp, in_fd, out_pipe[1], err_pipe[1]);
	}
	(void) close(err_pipe[1]);
	if (out_pipe[1] >= 0)
		(void) close(out_pipe[1]);

	/* The error pipe closes at execve(); or carries its errno. */
	while ((n = read(err_pipe[0], &child_err, sizeof(child_err))) < 0
	    && errno == EINTR)
		 /* void */ ;
	(void) close(err_pipe[0]);
	if (n == (ssize_t) sizeof(child_err)) {
		(void) exec_reap(pid, &wstatus);
		if (out_pipe[0] >= 0)
			(void) close(out_pipe[0]);
		reason_set(why, "exec %s: %s", argv[0], strerror(child_err));
		return (PC_TEMP);
	}

	/* Read the output until EOF or the deadline, then wait for the exit. */
	if (out_pipe[0] >= 0) {
		r = exec_read_output(out_pipe[0], out, deadline, argv[0],
		    &overflow, why);
		(void) close(out_pipe[0]);
		timed_out = r != 0;
		poll_failed = r < 0;		/* kill and fail */
	}
	if (!timed_out) {
		if ((r = exec_wait_exit(pid, deadline, argv[0], &wstatus,
		    why)) < 0)
			return (PC_TEMP);
		timed_out = r > 0;
	}
	if (timed_out) {
		(void) kill(pid, SIGKILL);
		(void) exec_reap(pid, &wstatus);
		*status = 128 + SIGKILL;
		if (!poll_failed)
			reason_set(why, "exec %s: timed out after %d seconds",
			    argv[0], timeout);
		return (PC_TEMP);
	}
	if (WIFEXITED(wstatus))
		*status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		*status = 128 + WTERMSIG(wstatus);
	if (overflow) {
		reason_set(why, "exec %s: output exceeds %zu bytes", argv[0],
		    out->max);
		return (PC_TEMP);
	}
	return (PC_OK);

fail_fds:
	if (err_pipe[0] >= 0) {
		(void) close(err_pipe[0]);
		(void) close(err_pipe[1]);
	}
	if (out_pipe[0] >= 0) {
		(void) close(out_pipe[0]);
		(void) close(out_pipe[1]);
	}
	return (PC_TEMP);
}
