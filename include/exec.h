/*
 * NAME
 *	exec.h - run a program without a shell
 * SYNOPSIS
 *	int exec_run(char *const argv[], char *const envp[], int in_fd,
 *		struct strbuf *out, int timeout, int *status,
 *		struct strbuf *why);
 *	int exec_spawn(char *const argv[], char *const envp[], int in_fd,
 *		struct exec_child *c, struct strbuf *why);
 *	int exec_check(struct exec_child *c, int *status);
 *	void exec_wait_any(struct exec_child *const *c, size_t n, int ms);
 *	void exec_kill(struct exec_child *c);
 * DESCRIPTION
 *	exec_run() forks and execve()s argv[0] (an absolute path) with
 *	argv and envp (NULL: a minimal PATH-only environment), standard
 *	input from in_fd (-1: /dev/null), standard output into out (NULL:
 *	/dev/null; at most out->max bytes are kept, the rest is read and
 *	dropped and makes the call fail), standard error inherited.  It
 *	waits at most timeout seconds (0: no limit), then kills the child
 *	with SIGKILL.  *status receives the exit status (0..255), or
 *	128+signal when the child was killed by a signal.
 *
 *	exec_spawn() starts a program the same way (no output capture)
 *	and returns at once; exec_check() reaps it if it exited (1, with
 *	*status as above) or returns 0; exec_wait_any() sleeps until one of
 *	n spawned programs may have exited, or ms milliseconds (-1: no
 *	limit); exec_kill() kills and reaps one.  Used to run several
 *	sendmail processes at once.
 * DIAGNOSTICS
 *	PC_OK when the program ran and exited (whatever its status);
 *	PC_TEMP when it could not be started, timed out, or wrote more than
 *	out->max bytes; the reason goes into why.
 */
#ifndef EXEC_H
#define EXEC_H

#include "strbuf.h"

int exec_run(char *const argv[], char *const envp[], int in_fd,
    struct strbuf *out, int timeout, int *status, struct strbuf *why);

#include <sys/types.h>

struct exec_child {
	pid_t	pid;		/* -1: none */
	int	pidfd;		/* -1: none (old kernel) */
};

int exec_spawn(char *const argv[], char *const envp[], int in_fd,
    struct exec_child *c, struct strbuf *why);
int exec_check(struct exec_child *c, int *status);
void exec_wait_any(struct exec_child *const *c, size_t n, int ms);
void exec_kill(struct exec_child *c);

#endif
