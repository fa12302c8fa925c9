/*
 * NAME
 *	pidlock.h - one daemon per pid file, and signals only to it
 * SYNOPSIS
 *	int pidlock_take(const char *path, struct pidlock *pl, long *holder,
 *		struct strbuf *why);
 *	void pidlock_release(struct pidlock *pl);
 *	int pidlock_holder(const char *path, long *pid, struct strbuf *why);
 *	int pidlock_signal(const char *path, int sig, long *pid,
 *		struct strbuf *why);
 *	int pidlock_same_file(const char *path, dev_t dev, ino_t ino);
 * DESCRIPTION
 *	A daemon takes an exclusive POSIX record lock on its pid file
 *	before it touches its socket, and holds it until it exits;
 *	pidlock_take() opens (creating, mode 0644, never following a
 *	symbolic link) and locks path, then writes the pid into the locked
 *	file in place.  When another process holds the lock it returns
 *	PC_PERM with that process's pid in *holder (as the kernel reports
 *	it, not as the file says).  The caller must not open and close the
 *	file again: closing any descriptor of a file drops a POSIX lock.
 *
 *	pidlock_release() removes the file only when path still names the
 *	file that was locked (an exiting daemon removes only what it made),
 *	then closes it.
 *
 *	pidlock_holder() asks the kernel which process holds the lock
 *	(F_GETLK): a pid written into a stale or forged file is never
 *	believed.  pidlock_signal() sends sig to the holder through a
 *	pidfd, taken and then checked against the lock again, so that a
 *	pid reused between the two steps is never signalled.
 *
 *	pidlock_same_file() says whether path is still the file (dev, ino):
 *	a daemon removes a socket at exit only when it is the one it made.
 * DIAGNOSTICS
 *	PC_OK; PC_PERM (held by another / nobody holds it); PC_TEMP for a
 *	system error, with the reason in why.
 */
#ifndef PIDLOCK_H
#define PIDLOCK_H

#include <sys/types.h>
#include "strbuf.h"

struct pidlock {
	int	fd;		/* -1: none */
	char	*path;
	dev_t	dev;
	ino_t	ino;
};

int pidlock_take(const char *path, struct pidlock *pl, long *holder,
    struct strbuf *why);
void pidlock_release(struct pidlock *pl);
int pidlock_holder(const char *path, long *pid, struct strbuf *why);
int pidlock_signal(const char *path, int sig, long *pid, struct strbuf *why);
int pidlock_same_file(const char *path, dev_t dev, ino_t ino);

#endif
