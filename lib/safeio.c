/*
 * NAME
 *	safeio - safe file helpers
 * SYNOPSIS
 *	#include "safeio.h"
 *
 *	int safeio_replace(const char *path, const void *data, size_t len,
 *		mode_t mode, struct strbuf *why);
 *	int safeio_replace_owned(const char *path, const void *data,
 *		size_t len, mode_t mode, uid_t uid, gid_t gid,
 *		struct strbuf *why);
 *	int safeio_fsync_dir(const char *dir, struct strbuf *why);
 *	int safeio_open_read(const char *path, struct strbuf *why);
 *		returns a descriptor the caller closes, or -1
 *	int safeio_check_secret(int fd, const char *path, struct strbuf *why);
 *	int safeio_read_file(const char *path, size_t max, int secret,
 *		struct strbuf *out, struct strbuf *why);	out owned by caller
 *	int safeio_write_all(int fd, const void *data, size_t len);
 * DESCRIPTION
 *	safeio_replace() writes data to an unnamed file in path's directory
 *	(O_TMPFILE), given exactly the mode (fchmod, so the umask cannot
 *	widen or narrow it), fsyncs it, links it as "path.tmp.PID.RANDOM",
 *	renames that over path and fsyncs the directory (mpop's uidls.c
 *	does not; we do).  A process killed while writing leaves nothing
 *	behind.  Where O_TMPFILE or /proc is missing the temporary file is
 *	created by name (O_CREAT|O_EXCL|O_NOFOLLOW).  On any failure the
 *	temporary file is removed, and the old file, if any, is unchanged.
 *	safeio_replace_owned() also gives the new file the owner uid and
 *	group gid ((uid_t)-1 / (gid_t)-1: unchanged) before it takes
 *	path's place.
 *
 *	safeio_fsync_dir() makes a rename or create in dir durable.
 *
 *	safeio_open_read() opens path with O_RDONLY|O_NOFOLLOW|O_CLOEXEC
 *	(and O_NONBLOCK during the open, so a FIFO cannot block us) and
 *	refuses anything but a regular file.
 *
 *	safeio_check_secret() refuses a file with any group or other
 *	permission bit, or one owned by a user other than us.
 *
 *	safeio_read_file() replaces out with the file's contents; a file
 *	over max bytes (or over out->max) is refused.
 *
 *	safeio_write_all() retries after EINTR and short writes.
 * DIAGNOSTICS
 *	PC_OK, or PC_TEMP / PC_PERM with the reason (naming the file) in
 *	why, which may be NULL.  I/O errors are PC_TEMP; a symbolic link,
 *	a file of the wrong type, bad permissions, a file that is too
 *	large or a path that is too long are PC_PERM.  safeio_write_all()
 *	returns 0 or -1 with errno set.
 * SECURITY
 *	O_NOFOLLOW refuses a symbolic link as the last path component; the
 *	directories leading to it must be trusted.  File contents are
 *	bounded by max.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "popconn.h"
#include "reason.h"
#include "safeio.h"

#define SAFEIO_TEMP_TRIES	10	/* EEXIST retries for the temp name */
#define SAFEIO_CHUNK		8192	/* read size */

/* safeio_write_all - write everything */

int
safeio_write_all(int fd, const void *data, size_t len)
{
	const char *cp = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, cp, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		cp += n;
		len -= (size_t) n;
	}
	return (0);
}

/* safeio_fsync_dir - make directory changes durable */

int
safeio_fsync_dir(const char *dir, struct strbuf *why)
{
	int     fd;
	int     err;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		reason_set(why, "open directory %s: %s", dir, strerror(errno));
		return (PC_TEMP);
	}
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		err = errno;
		(void) close(fd);
		reason_set(why, "fsync directory %s: %s", dir, strerror(err));
		return (PC_TEMP);
	}
	(void) close(fd);
	return (PC_OK);
}

/* safeio_random - a random number for temporary names */

static unsigned long
safeio_random(void)
{
	unsigned long r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t) sizeof(r))
		return (r);
	/* O_EXCL keeps us safe; the name need only be unlikely to clash. */
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((unsigned long) ts.tv_nsec ^ ((unsigned long) ts.tv_sec << 20)
	    ^ (unsigned long) getpid());
}

/* safeio_dirname - the directory part of path, into buf */

static int
safeio_dirname(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t  len;

	if (slash == NULL)
		return (pc_strlcpy(buf, ".", size) >= size ? -1 : 0);
	len = slash == path ? 1 : (size_t) (slash - path);
	if (len >= size)
		return (-1);
	memcpy(buf, path, len);
	buf[len] = 0;
	return (0);
}

/* safeio_temp_name - a fresh "path.tmp.PID.RANDOM" into buf */

static int
safeio_temp_name(const char *path, char *buf, size_t size)
{
	int	n = snprintf(buf, size, "%s.tmp.%ld.%lx", path, (long) getpid(),
	    safeio_random());

	return (n < 0 || (size_t) n >= size ? -1 : 0);
}

/*
 * safeio_fill - give fd its owner, mode and data, and sync it.  The
 * owner comes first: the file is never visible under path with
 * another owner (a daemon that refuses a secret it does not own would
 * refuse it in between).
 */

static int
safeio_fill(int fd, const char *name, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, struct strbuf *why)
{
	if ((uid != (uid_t) -1 || gid != (gid_t) -1) &&
	    fchown(fd, uid, gid) < 0) {
		reason_set(why, "chown %s: %s", name, strerror(errno));
		return (-1);
	}
	if (fchmod(fd, mode) < 0) {
		reason_set(why, "chmod %s: %s", name, strerror(errno));
		return (-1);
	}
	if (safeio_write_all(fd, data, len) < 0) {
		reason_set(why, "write %s: %s", name, strerror(errno));
		return (-1);
	}
	if (fsync(fd) < 0) {
		reason_set(why, "fsync %s: %s", name, strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * safeio_anon - write the file unnamed (O_TMPFILE), then give it a
 * temporary name just before the rename: a process killed while
 * writing leaves nothing behind.  Returns PC_OK with tmp named, an
 * error, or 1 when the kernel, file system or missing /proc cannot do
 * it (the caller falls back to a named temporary file).
 */

static int
safeio_anon(const char *path, const char *dir, char *tmp, size_t size,
    const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
    struct strbuf *why)
{
	char	proc[64];
	int	fd, tries, rc = PC_TEMP;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
#else
	fd = -1;
	errno = EOPNOTSUPP;
#endif
	if (fd < 0) {
		if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
			return (1);
		reason_set(why, "create a file in %s: %s", dir, strerror(errno));
		return (PC_TEMP);
	}
	if (safeio_fill(fd, path, data, len, mode, uid, gid, why) < 0)
		goto out;
	(void) snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (tries = 0; tries < SAFEIO_TEMP_TRIES; tries++) {
		if (safeio_temp_name(path, tmp, size) < 0) {
			reason_set(why, "%s: path too long", path);
			rc = PC_PERM;
			goto out;
		}
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
			rc = PC_OK;
			goto out;
		}
		if (errno != EEXIST)
			break;
	}
	if (errno == ENOENT || errno == EXDEV)
		rc = 1;			/* no /proc here */
	else
		reason_set(why, "link %s: %s", tmp, strerror(errno));
out:
	(void) close(fd);
	return (rc);
}

/* safeio_named - write the data to a new named temporary file */

static int
safeio_named(const char *path, char *tmp, size_t size, const void *data,
    size_t len, mode_t mode, uid_t uid, gid_t gid, struct strbuf *why)
{
	int	fd = -1, tries, err;

	for (tries = 0; tries < SAFEIO_TEMP_TRIES; tries++) {
		if (safeio_temp_name(path, tmp, size) < 0) {
			reason_set(why, "%s: path too long", path);
			return (PC_PERM);
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
		    | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		reason_set(why, "create %s: %s", tmp, strerror(errno));
		return (PC_TEMP);
	}
	if (safeio_fill(fd, tmp, data, len, mode, uid, gid, why) < 0) {
		(void) close(fd);
		(void) unlink(tmp);
		return (PC_TEMP);
	}
	if (close(fd) < 0) {
		err = errno;
		reason_set(why, "close %s: %s", tmp, strerror(err));
		(void) unlink(tmp);
		return (PC_TEMP);
	}
	return (PC_OK);
}

/* safeio_replace_owned - atomically replace a file, with its owner */

int
safeio_replace_owned(const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, struct strbuf *why)
{
	char    tmp[PATH_MAX];
	char    dir[PATH_MAX];
	int	rc;

	if (safeio_dirname(path, dir, sizeof(dir)) < 0) {
		reason_set(why, "%s: path too long", path);
		return (PC_PERM);
	}
	rc = safeio_anon(path, dir, tmp, sizeof(tmp), data, len, mode, uid,
	    gid, why);
	if (rc == 1)
		rc = safeio_named(path, tmp, sizeof(tmp), data, len, mode, uid,
		    gid, why);
	if (rc != PC_OK)
		return (rc);
	if (rename(tmp, path) < 0) {
		reason_set(why, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		(void) unlink(tmp);
		return (PC_TEMP);
	}
	return (safeio_fsync_dir(dir, why));
}

/* safeio_replace - atomically replace a file */

int
safeio_replace(const char *path, const void *data, size_t len,
    mode_t mode, struct strbuf *why)
{
	return (safeio_replace_owned(path, data, len, mode, (uid_t) -1,
	    (gid_t) -1, why));
}

/* safeio_open_status - open a regular file read-only; fd or -1, status */

static int
safeio_open_status(const char *path, struct strbuf *why, int *status)
{
	struct stat st;
	int     fd;
	int     flags;
	int     err;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP) {
			reason_set(why, "open %s: refusing a symbolic link",
			    path);
			*status = PC_PERM;
		} else {
			reason_set(why, "open %s: %s", path, strerror(err));
			*status = PC_TEMP;
		}
		errno = err;
		return (-1);
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		reason_set(why, "fstat %s: %s", path, strerror(err));
		*status = PC_TEMP;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		reason_set(why, "open %s: not a regular file", path);
		*status = PC_PERM;
		goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0
	    || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		err = errno;
		reason_set(why, "fcntl %s: %s", path, strerror(err));
		*status = PC_TEMP;
		goto fail;
	}
	*status = PC_OK;
	return (fd);

fail:
	(void) close(fd);
	errno = err;
	return (-1);
}

/* safeio_open_read - open a regular file read-only, no symlinks */

int
safeio_open_read(const char *path, struct strbuf *why)
{
	int     status;

	return (safeio_open_status(path, why, &status));
}

/* safeio_check_secret - refuse a file that others may read */

int
safeio_check_secret(int fd, const char *path, struct strbuf *why)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		reason_set(why, "fstat %s: %s", path, strerror(errno));
		return (PC_TEMP);
	}
	/*
	 * Ours, or root's; and root (popconnctl, an administrator) may read
	 * the daemon user's file.  Anyone else's file is not trusted with
	 * our secrets: they could change them under us.
	 */
	if (st.st_uid != geteuid() && st.st_uid != 0 && geteuid() != 0) {
		reason_set(why, "%s: owned by uid %ld, not by us (uid %ld) "
		    "or root", path, (long) st.st_uid, (long) geteuid());
		return (PC_PERM);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		reason_set(why, "%s: mode %04o lets group or others access "
		    "it; use mode 0600", path,
		    (unsigned) (st.st_mode & 07777));
		return (PC_PERM);
	}
	return (PC_OK);
}

/* safeio_read_file - read a whole regular file, bounded */

int
safeio_read_file(const char *path, size_t max, int secret,
    struct strbuf *out, struct strbuf *why)
{
	char    buf[SAFEIO_CHUNK];
	struct stat st;
	ssize_t n;
	int     fd;
	int     status;
	int     err;

	strbuf_reset(out);
	if ((fd = safeio_open_status(path, why, &status)) < 0)
		return (status);
	if (secret && (status = safeio_check_secret(fd, path, why)) != PC_OK) {
		(void) close(fd);
		return (status);
	}
	if (fstat(fd, &st) == 0 && (unsigned long long) st.st_size > max) {
		(void) close(fd);
		reason_set(why, "%s: file is larger than %zu bytes", path, max);
		return (PC_PERM);
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			(void) close(fd);
			explicit_bzero(buf, sizeof(buf));
			reason_set(why, "read %s: %s", path, strerror(err));
			return (PC_TEMP);
		}
		if (n == 0)
			break;
		if ((size_t) n > max - strbuf_len(out)
		    || strbuf_append(out, buf, (size_t) n) < 0) {
			(void) close(fd);
			explicit_bzero(buf, sizeof(buf));
			strbuf_wipe(out);
			reason_set(why, "%s: file is larger than %zu bytes", path,
			    max < out->max ? max : out->max);
			return (PC_PERM);
		}
	}
	(void) close(fd);
	explicit_bzero(buf, sizeof(buf));
	return (PC_OK);
}
