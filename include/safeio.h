/*
 * NAME
 *	safeio.h - safe file helpers
 * SYNOPSIS
 *	int safeio_replace(const char *path, const void *data, size_t len,
 *		mode_t mode, struct strbuf *why);
 *	int safeio_replace_owned(const char *path, const void *data,
 *		size_t len, mode_t mode, uid_t uid, gid_t gid,
 *		struct strbuf *why);
 *	int safeio_fsync_dir(const char *dir, struct strbuf *why);
 *	int safeio_open_read(const char *path, struct strbuf *why);
 *	int safeio_check_secret(int fd, const char *path, struct strbuf *why);
 *	int safeio_read_file(const char *path, size_t max, int secret,
 *		struct strbuf *out, struct strbuf *why);
 *	int safeio_write_all(int fd, const void *data, size_t len);
 * DESCRIPTION
 *	safeio_replace() replaces path atomically: it writes a temporary
 *	file in the same directory (O_EXCL, mode), fsyncs it, renames it over
 *	path and fsyncs the directory.  A crash leaves either the old or the
 *	new file, never a mix, and no temporary file where O_TMPFILE works.
 *	safeio_replace_owned() also sets the owner before the rename.
 *
 *	safeio_open_read() opens a file read-only with O_NOFOLLOW and
 *	O_CLOEXEC and refuses anything but a regular file; it returns the
 *	descriptor or -1.
 *
 *	safeio_check_secret() refuses (PC_PERM) a file that its group or
 *	others can read or write, or that a user other than us or root owns
 *	(root itself may read any owner's file: popconnctl run by the
 *	administrator on the daemon user's passwords).
 *
 *	safeio_read_file() reads a whole regular file into out (replacing
 *	its contents); more than max bytes is an error.  With secret set it
 *	checks the file with safeio_check_secret() first.
 *
 *	safeio_write_all() writes everything, retrying after EINTR and
 *	short writes; it returns 0 or -1 with errno set.
 * DIAGNOSTICS
 *	PC_OK, or PC_TEMP / PC_PERM with the reason, naming the file, in
 *	why (which may be NULL).
 */
#ifndef SAFEIO_H
#define SAFEIO_H

#include <sys/types.h>
#include "strbuf.h"

int safeio_replace(const char *path, const void *data, size_t len,
    mode_t mode, struct strbuf *why);
int safeio_replace_owned(const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, struct strbuf *why);
int safeio_fsync_dir(const char *dir, struct strbuf *why);
int safeio_open_read(const char *path, struct strbuf *why);
int safeio_check_secret(int fd, const char *path, struct strbuf *why);
int safeio_read_file(const char *path, size_t max, int secret,
    struct strbuf *out, struct strbuf *why);
int safeio_write_all(int fd, const void *data, size_t len);

#endif
