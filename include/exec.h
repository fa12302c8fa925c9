/*
 * NAME
 *	exec.h - run a program without a shell
 * SYNOPSIS
 *	int exec_run(char *const argv[], char *const envp[], int in_fd,
 *		struct strbuf *out, int timeout, int *status,
 *		struct strbuf *why);
 * DESCRIPTION
 *	exec_run() forks and execve()s argv[0] (an absolute path) with
 *	argv and envp (NULL: a minimal PATH-only environment), standard
 *	input from in_fd (-1: /dev/null), standard output into out (NULL:
 *	/dev/null; at most out->max bytes are kept, the rest is read and
 *	dropped and makes the call fail), standard error inherited.  It
 *	waits at most timeout seconds (0: no limit), then kills the child
 *	with SIGKILL.  *status receives the exit status (0..255), or
 *	128+signal when the child was killed by a signal.
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

#endif
