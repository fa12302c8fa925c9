/*
 * NAME
 *	log.h - logging to syslog (facility mail) or stderr
 * SYNOPSIS
 *	void log_open(const char *ident, int to_stderr);
 *	void log_set_level(int level);
 *	int log_get_level(void);
 *	int log_level_parse(const char *name, int *level);
 *	const char *log_level_name(int level);
 *	void log_error(fmt, ...);	shown at level minimum and above
 *	void log_warn(fmt, ...);	shown at level minimum and above
 *	void log_info(fmt, ...);	shown at level medium and above
 *	void log_debug(fmt, ...);	shown at level maximum
 *	void log_fatal(int status, fmt, ...);	always shown; exit(status)
 *	void log_panic(fmt, ...);	always shown; abort()
 *	const char *log_printable(char *buf, size_t size,
 *		const void *data, size_t len);	result is buf
 *	void log_proto(const char *who, int sent, const char *line,
 *		size_t len);	protocol trace, level maximum, redacted
 *	void log_set_sink(void (*sink)(int prio, const char *line));
 *	int log_set_file(const char *path);	maillog_file; 0 or -1 (errno)
 *	int log_file_fd(void);			maillog_file descriptor, -1: none
 *	int log_to_stderr_get(void);		lines go to stderr (-f)
 *	void log_set_file_fd(int fd);		log to an inherited descriptor
 * DESCRIPTION
 *	The levels are those the original connector's manager offered:
 *	none, minimum, medium, maximum.  One event is one line, written as
 *	"id: key=value, key=value" by the caller (STYLE.md, Logging).
 *
 *	Every line is made printable before it is written (control
 *	characters become '?'), so untrusted text cannot forge log lines.
 *	log_printable() escapes untrusted data for a message: bytes outside
 *	printable ASCII become \xNN, and text longer than the buffer ends
 *	in "...".
 *
 *	log_proto() traces a protocol line at level maximum and replaces
 *	the arguments of PASS, APOP and AUTH (and of any line sent while a
 *	SASL exchange is in progress, when the caller passes who="C-SASL")
 *	by "<redacted>": no credential is ever logged.
 *
 *	log_set_sink() diverts lines to a function (unit tests); prio is a
 *	syslog priority.  NULL restores normal output.
 * SECURITY
 *	Never pass a password or token to these functions.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>
#include "popconn.h"

#define LOGL_NONE	0
#define LOGL_MINIMUM	1
#define LOGL_MEDIUM	2
#define LOGL_MAXIMUM	3

void log_open(const char *ident, int to_stderr);
void log_set_level(int level);
int log_get_level(void);
int log_level_parse(const char *name, int *level);
const char *log_level_name(int level);
void log_error(const char *fmt, ...) PC_PRINTF(1, 2);
void log_warn(const char *fmt, ...) PC_PRINTF(1, 2);
void log_info(const char *fmt, ...) PC_PRINTF(1, 2);
void log_debug(const char *fmt, ...) PC_PRINTF(1, 2);
void log_fatal(int status, const char *fmt, ...) PC_PRINTF(2, 3) PC_NORETURN;
void log_panic(const char *fmt, ...) PC_PRINTF(1, 2) PC_NORETURN;
const char *log_printable(char *buf, size_t size, const void *data,
    size_t len);
void log_proto(const char *who, int sent, const char *line, size_t len);
void log_set_sink(void (*sink)(int prio, const char *line));
int log_set_file(const char *path);
int log_file_fd(void);
int log_to_stderr_get(void);
void log_set_file_fd(int fd);

#endif
