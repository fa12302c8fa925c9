/*
 * NAME
 *	spool - one message on its way from the server to sendmail
 * SYNOPSIS
 *	See spool.h.
 * DESCRIPTION
 *	Messages are never held in memory: they stream from the socket
 *	into a 64 KiB buffer and on to disk.
 * DIAGNOSTICS
 *	Temporary: a full disk delays the mailbox, it loses nothing (the
 *	message stays on the server).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "log.h"
#include "safeio.h"
#include "spool.h"

/* mkdir_p - make one directory level with mode 0700 */

static int
make_dir(const char *path, struct strbuf *why)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		strbuf_printf(why, "mkdir %s: %s", path, strerror(errno));
		return (PC_TEMP);
	}
	return (PC_OK);
}

/* clean - remove leftovers in one spool subdirectory */

static void
clean(const char *dir)
{
	DIR    *d;
	struct dirent *e;
	char	path[4096];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			log_info("spool: removed %s left by an interrupted "
			    "run (still on the server)", path);
	}
	closedir(d);
}

/* spool_init - create the spool directories, remove leftovers */

int
spool_init(const char *dir, struct strbuf *why)
{
	char	sub[4096];
	const char *const subs[] = {"tmp", "new"};
	size_t	i;

	if (make_dir(dir, why) != PC_OK)
		return (PC_TEMP);
	for (i = 0; i < PC_ARRAY_LEN(subs); i++) {
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]) >=
		    (int)sizeof(sub)) {
			strbuf_printf(why, "spool directory name too long");
			return (PC_PERM);
		}
		if (make_dir(sub, why) != PC_OK)
			return (PC_TEMP);
		clean(sub);
	}
	return (PC_OK);
}

/* spool_create - open a new temporary spool file */

int
spool_create(struct spool_file *f, const char *dir, const char *name,
    struct strbuf *why)
{
	static unsigned long seq;
	struct timespec ts;
	char	base[256];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	f->fd = -1;
	f->error = 0;
	f->bytes = 0;
	f->buflen = 0;
	if (snprintf(base, sizeof(base), "%lld.%09ld.%ld.%lu.%s",
	    (long long)ts.tv_sec, ts.tv_nsec, (long)getpid(), ++seq, name) >=
	    (int)sizeof(base) ||
	    snprintf(f->tmp, sizeof(f->tmp), "%s/tmp/%s", dir, base) >=
	    (int)sizeof(f->tmp) ||
	    snprintf(f->path, sizeof(f->path), "%s/new/%s", dir, base) >=
	    (int)sizeof(f->path) ||
	    snprintf(f->dir, sizeof(f->dir), "%s/new", dir) >=
	    (int)sizeof(f->dir)) {
		strbuf_printf(why, "spool file name too long");
		return (PC_PERM);
	}
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (f->fd < 0) {
		strbuf_printf(why, "create %s: %s", f->tmp, strerror(errno));
		return (PC_TEMP);
	}
	return (PC_OK);
}

/* flush - write the buffer out */

static int
flush(struct spool_file *f)
{
	if (f->buflen > 0 && f->error == 0 &&
	    safeio_write_all(f->fd, f->buf, f->buflen) != 0)
		f->error = errno ? errno : EIO;
	f->buflen = 0;
	return (f->error ? PC_TEMP : PC_OK);
}

/* spool_write - append data */

int
spool_write(struct spool_file *f, const void *data, size_t len)
{
	const char *p = data;
	size_t	n;

	f->bytes += len;
	while (len > 0) {
		if (f->buflen == sizeof(f->buf) && flush(f) != PC_OK)
			return (PC_TEMP);
		n = sizeof(f->buf) - f->buflen;
		if (n > len)
			n = len;
		memcpy(f->buf + f->buflen, p, n);
		f->buflen += n;
		p += n;
		len -= n;
	}
	return (f->error ? PC_TEMP : PC_OK);
}

/*
 * spool_finish - move a complete file into new/
 *
 * No fsync here, by design: a spool file is never the only copy.  Until
 * Postfix has accepted it (and Postfix fsyncs its queue file) and the UIDL
 * journal says so (fdatasync), the message stays on the server, and
 * spool_init() discards whatever a crash left.  Syncing here would cost
 * two disk flushes per message and protect nothing.
 */

int
spool_finish(struct spool_file *f, struct strbuf *why)
{
	if (flush(f) != PC_OK) {
		strbuf_printf(why, "write %s: %s", f->tmp,
		    strerror(f->error ? f->error : errno));
		return (PC_TEMP);
	}
	if (close(f->fd) != 0) {
		f->fd = -1;
		strbuf_printf(why, "close %s: %s", f->tmp, strerror(errno));
		return (PC_TEMP);
	}
	f->fd = -1;
	if (rename(f->tmp, f->path) != 0) {
		strbuf_printf(why, "rename %s: %s", f->tmp, strerror(errno));
		return (PC_TEMP);
	}
	return (PC_OK);
}

/* spool_rewrite - overwrite len octets at off (before spool_finish) */

int
spool_rewrite(struct spool_file *f, unsigned long long off, const void *data,
    size_t len)
{
	if (flush(f) != PC_OK)
		return (PC_TEMP);
	if (off + len > f->bytes || pwrite(f->fd, data, len, (off_t)off) !=
	    (ssize_t)len) {
		f->error = errno ? errno : EIO;
		return (PC_TEMP);
	}
	return (PC_OK);
}

/* spool_discard - remove the file, wherever it is */

void
spool_discard(struct spool_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	(void)unlink(f->tmp);
	(void)unlink(f->path);
}
