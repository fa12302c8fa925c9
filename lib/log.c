/*
 * NAME
 *	log - logging to syslog (facility mail) or stderr
 * SYNOPSIS
 *	#include "log.h"
 *
 *	void log_open(const char *ident, int to_stderr);
 *	void log_set_level(int level);
 *	int log_get_level(void);
 *	int log_level_parse(const char *name, int *level);
 *	const char *log_level_name(int level);	static string
 *	void log_error(const char *fmt, ...);
 *	void log_warn(const char *fmt, ...);
 *	void log_info(const char *fmt, ...);
 *	void log_debug(const char *fmt, ...);
 *	void log_fatal(int status, const char *fmt, ...);
 *	void log_panic(const char *fmt, ...);
 *	const char *log_printable(char *buf, size_t size,
 *		const void *data, size_t len);	result is buf
 *	void log_proto(const char *who, int sent, const char *line,
 *		size_t len);
 *	void log_set_sink(void (*sink)(int prio, const char *line));
 *	int log_set_file(const char *path);	0 or -1 (errno)
 *	int log_file_fd(void);			-1: none
 *	int log_to_stderr_get(void);
 *	void log_set_file_fd(int fd);
 * DESCRIPTION
 *	log_open() sets the program name and the destination.  With
 *	to_stderr zero it calls openlog(ident, LOG_PID|LOG_NDELAY,
 *	LOG_MAIL); otherwise every line goes to stderr as
 *	"ident[pid]: level: text".  Before log_open() lines go to stderr
 *	with the ident "popconn".  The default level is medium.
 *
 *	error and warn lines are shown at level minimum and above, info at
 *	medium and above, debug at maximum; fatal and panic are always
 *	shown.  In syslog the priority carries the level; error, warning,
 *	fatal and panic lines also start with that word, as in Postfix.
 *
 *	Each line is formatted into a buffer of LOG_LINE_MAX bytes (a
 *	longer line ends in "...") and every control character in it
 *	becomes '?', so untrusted text cannot forge log lines.  errno is
 *	preserved across calls, and %m works.
 *
 *	log_printable() escapes untrusted bytes for inclusion in a
 *	message: bytes outside printable ASCII become \xNN; text that does
 *	not fit ends in "...".
 *
 *	log_proto() traces one protocol line at level maximum as
 *	"who S: line" (sent) or "who R: line" (received), without the
 *	trailing CRLF.  The arguments of PASS, APOP and AUTH (the AUTH
 *	mechanism name stays) become "<redacted>", whatever the case of
 *	the verb and whichever direction; when who is "C-SASL" (a SASL
 *	continuation line) the whole line becomes "<redacted>".
 *
 *	Without a syslog socket (no /dev/log: a container, a chroot, a
 *	host without rsyslog or journald) lines go to stderr instead of
 *	being dropped, the first one after a line that says why.
 *
 *	log_set_file() sends the lines to a file instead of syslog, as
 *	Postfix's maillog_file does: "Mon DD HH:MM:SS host ident[pid]:
 *	text" lines appended with one write() each (workers and threads
 *	share the descriptor); /dev/stdout works.  An empty path goes back
 *	to syslog.  On failure the destination is unchanged.  Under -f
 *	(to_stderr) lines stay on stderr.
 *
 *	log_file_fd() is the descriptor of maillog_file (-1 when none) and
 *	log_to_stderr_get() says whether lines go to stderr (-f): what a
 *	spawned worker needs to log where its parent does.  log_set_file_fd()
 *	makes an inherited descriptor the maillog_file (the worker's side:
 *	it may no longer have the right to open the file itself).
 *
 *	log_set_sink() diverts the text of each line (without ident and
 *	level word) to a function, with its syslog priority; NULL restores
 *	normal output.
 * DIAGNOSTICS
 *	log_fatal() exits with the given status; log_panic() aborts.
 * SECURITY
 *	Callers must never pass secrets; log_proto() redacts credentials
 *	in protocol lines, which may come from the network (untrusted).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "strl.h"

#define LOG_LINE_MAX	2048	/* one line, including the NUL */
#define LOG_IDENT_MAX	64	/* program name */

static char log_ident[LOG_IDENT_MAX] = "popconn";
static int log_to_stderr = 1;
static int log_level = LOGL_MEDIUM;
static void (*log_sink) (int, const char *);
static int log_fd = -1;			/* maillog_file */
static int log_no_syslog;		/* no /dev/log: use stderr */
static char log_host[256];

static const char *const log_level_names[] = {
	"none", "minimum", "medium", "maximum",
};

/* log_open - set the ident and the destination */

void
log_open(const char *ident, int to_stderr)
{
	if (ident == NULL || *ident == 0)
		ident = "popconn";
	/* An over-long ident is shortened: it is our own program name. */
	(void) pc_strlcpy(log_ident, ident, sizeof(log_ident));
	log_to_stderr = to_stderr;
	if (!to_stderr) {
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
		/* syslog() drops every line silently without the socket. */
		log_no_syslog = access("/dev/log", F_OK) != 0;
	}
}

/* log_no_syslog_note - say once why lines go to stderr */

static void
log_no_syslog_note(void)
{
	static int said;

	/* Said with the first line, so a maillog_file set first wins. */
	if (said++)
		return;
	(void) fprintf(stderr, "%s[%ld]: warning: /dev/log is missing (no "
	    "syslog daemon or journald): logging to standard error; set "
	    "maillog_file in popconn.cf (a file, or /dev/stdout)\n",
	    log_ident, (long) getpid());
}

/* log_set_file - log to a file (maillog_file), or back to syslog */

int
log_set_file(const char *path)
{
	int     fd;

	if (path == NULL || *path == 0) {
		if (log_fd >= 0)
			(void) close(log_fd);
		log_fd = -1;
		return (0);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0640);
	if (fd < 0)
		return (-1);
	if (log_fd >= 0)
		(void) close(log_fd);
	log_fd = fd;
	if (gethostname(log_host, sizeof(log_host)) != 0 || *log_host == 0)
		(void) pc_strlcpy(log_host, "localhost", sizeof(log_host));
	log_host[strcspn(log_host, ".")] = 0;
	return (0);
}

/* log_file_fd - the maillog_file descriptor, or -1 */

int
log_file_fd(void)
{
	return (log_fd);
}

/* log_to_stderr_get - do lines go to stderr (-f)? */

int
log_to_stderr_get(void)
{
	return (log_to_stderr);
}

/* log_set_file_fd - log to an open file (a worker's inherited maillog) */

void
log_set_file_fd(int fd)
{
	if (log_fd >= 0 && log_fd != fd)
		(void) close(log_fd);
	log_fd = fd;
	if (gethostname(log_host, sizeof(log_host)) != 0 || *log_host == 0)
		(void) pc_strlcpy(log_host, "localhost", sizeof(log_host));
	log_host[strcspn(log_host, ".")] = 0;
}

/* log_file_write - one line to maillog_file, in one write() */

static void
log_file_write(int prio, const char *word, const char *text)
{
	char    line[LOG_LINE_MAX + LOG_IDENT_MAX + 320];
	char    stamp[32];
	struct tm tm;
	time_t  now = time(NULL);
	int     n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		(void) pc_strlcpy(stamp, "-", sizeof(stamp));
	n = snprintf(line, sizeof(line), "%s %s %s[%ld]: %s%s%s\n", stamp,
	    log_host, log_ident, (long) getpid(), word ? word : "",
	    word ? ": " : "", text);
	if (n < 0)
		return;
	if ((size_t) n >= sizeof(line)) {
		n = (int) sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void) prio;
	if (write(log_fd, line, (size_t) n) < 0) {
		/* nowhere left to say it */
	}
}

/* log_set_level - choose how much to log */

void
log_set_level(int level)
{
	if (level < LOGL_NONE)
		level = LOGL_NONE;
	if (level > LOGL_MAXIMUM)
		level = LOGL_MAXIMUM;
	log_level = level;
}

/* log_get_level - the current level */

int
log_get_level(void)
{
	return (log_level);
}

/* log_level_parse - level name to number; 0 or -1 */

int
log_level_parse(const char *name, int *level)
{
	size_t  i;

	for (i = 0; i < PC_ARRAY_LEN(log_level_names); i++) {
		if (strcasecmp(name, log_level_names[i]) == 0) {
			*level = (int) i;
			return (0);
		}
	}
	return (-1);
}

/* log_level_name - level number to name */

const char *
log_level_name(int level)
{
	if (level < 0 || (size_t) level >= PC_ARRAY_LEN(log_level_names))
		return ("unknown");
	return (log_level_names[level]);
}

/* log_prio_word - the word that names a priority */

static const char *
log_prio_word(int prio)
{
	switch (prio) {
	case LOG_CRIT:
		return ("fatal");
	case LOG_ALERT:
		return ("panic");
	case LOG_ERR:
		return ("error");
	case LOG_WARNING:
		return ("warning");
	case LOG_DEBUG:
		return ("debug");
	default:
		return ("info");
	}
}

/* log_emit - sanitize and write one line */

static void
log_emit(int prio, char *text)
{
	unsigned char *cp;

	for (cp = (unsigned char *) text; *cp; cp++)
		if (*cp < 0x20 || *cp == 0x7f)
			*cp = '?';
	if (log_sink != NULL) {
		log_sink(prio, text);
	} else if (log_fd >= 0 && !log_to_stderr) {
		log_file_write(prio, prio == LOG_INFO || prio == LOG_DEBUG ?
		    NULL : log_prio_word(prio), text);
	} else if (log_to_stderr || log_no_syslog) {
		if (!log_to_stderr)
			log_no_syslog_note();
		(void) fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident,
		    (long) getpid(), log_prio_word(prio), text);
	} else if (prio == LOG_INFO || prio == LOG_DEBUG) {
		syslog(prio, "%s", text);
	} else {
		syslog(prio, "%s: %s", log_prio_word(prio), text);
	}
}

/* log_vformat - format into buf, marking truncation */

static void PC_PRINTF(3, 0)
log_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int     n;

	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0) {
		(void) pc_strlcpy(buf, "(log format error)", size);
	} else if ((size_t) n >= size) {
		/* Over-long line: mark the cut. */
		memcpy(buf + size - 4, "...", 4);
	}
}

/* log_vlog - format and write if the level allows */

static void PC_PRINTF(3, 0)
log_vlog(int prio, int need, const char *fmt, va_list ap)
{
	char    buf[LOG_LINE_MAX];
	int     saved_errno = errno;

	if (need > log_level) {
		errno = saved_errno;
		return;
	}
	errno = saved_errno;			/* for %m */
	log_vformat(buf, sizeof(buf), fmt, ap);
	log_emit(prio, buf);
	errno = saved_errno;
}

/* log_error - an error */

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_ERR, LOGL_MINIMUM, fmt, ap);
	va_end(ap);
}

/* log_warn - a warning */

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, LOGL_MINIMUM, fmt, ap);
	va_end(ap);
}

/* log_info - an informational message */

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, LOGL_MEDIUM, fmt, ap);
	va_end(ap);
}

/* log_debug - a debugging message */

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, LOGL_MAXIMUM, fmt, ap);
	va_end(ap);
}

/* log_fatal - log and exit with status */

void
log_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, LOGL_NONE, fmt, ap);
	va_end(ap);
	exit(status);
}

/* log_panic - log and abort */

void
log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_ALERT, LOGL_NONE, fmt, ap);
	va_end(ap);
	abort();
}

/* log_printable - escape untrusted bytes into buf */

const char *
log_printable(char *buf, size_t size, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *cp = data;
	size_t  total = 0;
	size_t  limit;
	size_t  pos = 0;
	size_t  i;

	if (size == 0)
		return (buf);
	for (i = 0; i < len; i++)
		total += (cp[i] >= 0x20 && cp[i] < 0x7f) ? 1 : 4;
	/* Leave room for "..." when the text does not fit. */
	if (total < size)
		limit = size - 1;
	else
		limit = size > 4 ? size - 4 : 0;
	for (i = 0; i < len; i++) {
		if (cp[i] >= 0x20 && cp[i] < 0x7f) {
			if (pos + 1 > limit)
				break;
			buf[pos++] = (char) cp[i];
		} else {
			if (pos + 4 > limit)
				break;
			buf[pos++] = '\\';
			buf[pos++] = 'x';
			buf[pos++] = hex[cp[i] >> 4];
			buf[pos++] = hex[cp[i] & 0xf];
		}
	}
	if (i < len)
		for (i = 0; i < 3 && pos < size - 1; i++)
			buf[pos++] = '.';
	buf[pos] = 0;
	return (buf);
}

/* log_word_is - does the first word of line[0..len) equal verb? */

static int
log_word_is(const char *line, size_t len, const char *verb)
{
	size_t  vlen = strlen(verb);

	return (len >= vlen && strncasecmp(line, verb, vlen) == 0
	    && (len == vlen || line[vlen] == ' ' || line[vlen] == '\t'));
}

/* log_skip_word - index after the word starting at i */

static size_t
log_skip_word(const char *line, size_t len, size_t i)
{
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	return (i);
}

/* log_skip_space - index after the blanks starting at i */

static size_t
log_skip_space(const char *line, size_t len, size_t i)
{
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return (i);
}

/* log_proto - trace a protocol line, with credentials redacted */

void
log_proto(const char *who, int sent, const char *line, size_t len)
{
	static const char redacted[] = "<redacted>";
	char    buf[LOG_LINE_MAX];
	size_t  keep;
	size_t  start;
	size_t  pos;
	int     n;
	int     redact = 0;

	if (log_level < LOGL_MAXIMUM)
		return;
	if (who == NULL)
		who = "?";
	if (line == NULL) {
		line = "";
		len = 0;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;

	/* Decide how much of the line may be shown. */
	start = log_skip_space(line, len, 0);
	keep = len;
	if (strcasecmp(who, "C-SASL") == 0) {
		keep = 0;
		redact = len > 0;
	} else if (log_word_is(line + start, len - start, "PASS")
		   || log_word_is(line + start, len - start, "APOP")) {
		keep = log_skip_word(line, len, start);
		redact = log_skip_space(line, len, keep) < len;
	} else if (log_word_is(line + start, len - start, "AUTH")) {
		keep = log_skip_word(line, len, start);
		keep = log_skip_word(line, len, log_skip_space(line, len, keep));
		redact = log_skip_space(line, len, keep) < len;
	}

	n = snprintf(buf, sizeof(buf), "%s %c: ", who, sent ? 'S' : 'R');
	if (n < 0 || (size_t) n >= sizeof(buf))
		return;
	pos = (size_t) n;
	/* Reserve room for "...", " <redacted>" and the NUL. */
	if (pos + sizeof(redacted) + 8 > sizeof(buf))
		return;
	if (keep > sizeof(buf) - pos - sizeof(redacted) - 8) {
		keep = sizeof(buf) - pos - sizeof(redacted) - 8;
		memcpy(buf + pos, line, keep);
		pos += keep;
		memcpy(buf + pos, "...", 4);
		pos += 3;
	} else {
		if (keep > 0)
			memcpy(buf + pos, line, keep);
		pos += keep;
	}
	if (redact) {
		if (keep > 0)
			buf[pos++] = ' ';
		memcpy(buf + pos, redacted, sizeof(redacted));
		pos += sizeof(redacted) - 1;
	}
	buf[pos] = 0;
	/* NUL bytes from the line would end the text early: mask them. */
	for (n = 0; (size_t) n < pos; n++)
		if (buf[n] == 0)
			buf[n] = '?';
	log_emit(LOG_DEBUG, buf);
}

/* log_set_sink - divert lines to a function (tests) */

void
log_set_sink(void (*sink) (int prio, const char *line))
{
	log_sink = sink;
}
