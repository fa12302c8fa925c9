/*
 * NAME
 *	logshim - syslog(3) into a file, for servers run by the interop suite
 * SYNOPSIS
 *	LD_PRELOAD=logshim.so INTEROP_LOG=FILE server ...
 * DESCRIPTION
 *	The test machine has no syslog daemon, and Cyrus and Courier say
 *	why they refuse something only in syslog.  This preloaded library
 *	replaces openlog(), syslog(), vsyslog() and their _FORTIFY_SOURCE
 *	variants: each message is appended to $INTEROP_LOG as one line
 *	"ident[pid]: text" (O_APPEND: whole lines from several processes).
 *	Built by tests/interop/run.sh; never part of popconn.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static char logshim_ident[64] = "server";

void	openlog(const char *, int, int);
void	closelog(void);
void	syslog(int, const char *, ...);
void	vsyslog(int, const char *, va_list);
void	__syslog_chk(int, int, const char *, ...);
void	__vsyslog_chk(int, int, const char *, va_list);

/* openlog - remember the ident */

void
openlog(const char *ident, int opt, int fac)
{
	(void)opt;
	(void)fac;
	if (ident)
		(void)snprintf(logshim_ident, sizeof(logshim_ident), "%s",
		    ident);
}

/* closelog - nothing to close */

void
closelog(void)
{
}

/* vsyslog - one line into $INTEROP_LOG */

void
vsyslog(int prio, const char *fmt, va_list ap)
{
	char	buf[4096], msg[3800];
	const char *path = getenv("INTEROP_LOG");
	int	fd, n;

	(void)prio;
	if (path == NULL)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	n = snprintf(buf, sizeof(buf), "%s[%ld]: %s\n", logshim_ident,
	    (long)getpid(), msg);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) < 0)
		return;
	(void)!write(fd, buf, (size_t)n);
	(void)close(fd);
}

/* syslog - see vsyslog */

void
syslog(int prio, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

/* __syslog_chk - glibc's fortified syslog */

void
__syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list	ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

/* __vsyslog_chk - glibc's fortified vsyslog */

void
__vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(prio, fmt, ap);
}
