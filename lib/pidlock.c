/*
 * NAME
 *	pidlock - one daemon per pid file, and signals only to it
 * SYNOPSIS
 *	#include "pidlock.h"
 *
 *	See pidlock.h for the interface.
 * DESCRIPTION
 *	The pid file lives in a directory the service user owns, and that
 *	user parses hostile mail; root's popconnctl must not signal
 *	whatever number the file holds (DESIGN.md, invariant 10).  The
 *	kernel's record lock names the holder instead, and a pidfd pins
 *	the process between the check and the signal.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "popconn.h"
#include "alloc.h"
#include "strbuf.h"
#include "pidlock.h"

/* pl_pidfd_open - pidfd_open(2), through syscall(2) for older libcs */

static int
pl_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
	(void)pid;
	errno = ENOSYS;
	return (-1);
#endif
}

/* pl_pidfd_signal - pidfd_send_signal(2) */

static int
pl_pidfd_signal(int pfd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return ((int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0));
#else
	(void)pfd;
	(void)sig;
	errno = ENOSYS;
	return (-1);
#endif
}

/* pl_getlk - the pid holding a write lock on fd, 0 for none, -1 error */

static long
pl_getlk(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) != 0)
		return (-1);
	return (fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid);
}

/* pidlock_take - lock path and write our pid into it */

int
pidlock_take(const char *path, struct pidlock *pl, long *holder,
    struct strbuf *why)
{
	struct flock fl;
	struct stat st;
	char	buf[32];
	int	fd, n;

	pl->fd = -1;
	pl->path = NULL;
	*holder = 0;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		strbuf_printf(why, "%s: %s", path, strerror(errno));
		return (PC_TEMP);
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		if (errno == EACCES || errno == EAGAIN) {
			*holder = pl_getlk(fd);
			strbuf_printf(why, "%s is locked by pid %ld: another "
			    "instance runs on this configuration", path,
			    *holder);
			close(fd);
			return (PC_PERM);
		}
		strbuf_printf(why, "lock %s: %s", path, strerror(errno));
		close(fd);
		return (PC_TEMP);
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (fstat(fd, &st) != 0 || ftruncate(fd, 0) != 0 ||
	    pwrite(fd, buf, (size_t)n, 0) != n) {
		strbuf_printf(why, "%s: %s", path, strerror(errno));
		close(fd);
		return (PC_TEMP);
	}
	pl->fd = fd;
	pl->path = xstrdup(path);
	pl->dev = st.st_dev;
	pl->ino = st.st_ino;
	return (PC_OK);
}

/* pidlock_same_file - is path still (dev, ino)? */

int
pidlock_same_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino);
}

/* pidlock_release - remove our file, close it */

void
pidlock_release(struct pidlock *pl)
{
	if (pl->fd < 0)
		return;
	if (pidlock_same_file(pl->path, pl->dev, pl->ino))
		(void)unlink(pl->path);
	close(pl->fd);
	free(pl->path);
	pl->fd = -1;
	pl->path = NULL;
}

/* pidlock_holder - the pid the kernel says holds the lock */

int
pidlock_holder(const char *path, long *pid, struct strbuf *why)
{
	int	fd;

	*pid = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			strbuf_printf(why, "no pid file %s", path);
			return (PC_PERM);
		}
		strbuf_printf(why, "%s: %s", path, strerror(errno));
		return (errno == EACCES ? PC_PERM : PC_TEMP);
	}
	*pid = pl_getlk(fd);
	close(fd);
	if (*pid < 0) {
		strbuf_printf(why, "%s: lock query: %s", path, strerror(errno));
		*pid = 0;
		return (PC_TEMP);
	}
	if (*pid == 0) {
		strbuf_printf(why, "%s is not locked: no daemon holds it (a "
		    "stale file)", path);
		return (PC_PERM);
	}
	return (PC_OK);
}

/* pidlock_signal - sig to the lock holder, pinned by a pidfd */

int
pidlock_signal(const char *path, int sig, long *pid, struct strbuf *why)
{
	long	again;
	int	pfd, rc;

	if ((rc = pidlock_holder(path, pid, why)) != PC_OK)
		return (rc);
	if ((pfd = pl_pidfd_open((pid_t)*pid)) < 0) {
		strbuf_printf(why, "pidfd of %ld: %s", *pid, strerror(errno));
		return (errno == ESRCH ? PC_PERM : PC_TEMP);
	}
	/* Still the holder now that the process is pinned? */
	if (pidlock_holder(path, &again, why) != PC_OK || again != *pid) {
		strbuf_printf(why, "%s: the lock holder changed", path);
		close(pfd);
		return (PC_TEMP);
	}
	if (pl_pidfd_signal(pfd, sig) != 0) {
		strbuf_printf(why, "signal %d to %ld: %s", sig, *pid,
		    strerror(errno));
		close(pfd);
		return (PC_TEMP);
	}
	close(pfd);
	return (PC_OK);
}
