/*
 * NAME
 *	ctl_question - popconnctl's questions on the terminal
 * SYNOPSIS
 *	int ctl_question(const char *q, const char *help, char **val);
 *	int ctl_question_yes(const char *q, int def);
 * DESCRIPTION
 *	ctl_question() prints the question (after help, when not NULL) with
 *	the current value as the default in brackets on standard error,
 *	and reads one line from standard input; a non-empty answer
 *	replaces *val (freed; the new value is the caller's to free).  It
 *	returns 0, or -1 at the end of input or for a line over 1024
 *	octets (then *val is left alone).
 *
 *	ctl_question_yes() asks a yes/no question: 1 for an answer starting
 *	with y or Y, 0 for another, def at the end of input.
 * SECURITY
 *	The input is read byte by byte, so nothing after the line is
 *	taken from standard input (a password may follow there); a line
 *	is at most 1024 octets.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "ctl.h"

#define CTL_QUESTION_MAX	1024

/*
 * ctl_fd_line - one line from fd, byte by byte (nothing read past the
 * newline: the rest of a pipe stays for the next reader), without its
 * newline or a CR before it; 1: a line (or the last one, without a
 * newline), 0: end of input with nothing read, -1: a read error or a
 * line longer than out may hold.
 */

int
ctl_fd_line(int fd, struct strbuf *out)
{
	char	ch;
	ssize_t	n;

	strbuf_reset(out);
	for (;;) {
		n = read(fd, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0)
			return (strbuf_len(out) ? 1 : 0);
		if (ch == '\n')
			break;
		if (strbuf_putc(out, ch) < 0)
			return (-1);
	}
	if (out->len > 0 && out->data[out->len - 1] == '\r')
		strbuf_truncate(out, out->len - 1);
	return (1);
}

/* ctl_question - a question with a default; the answer replaces *val */

int
ctl_question(const char *q, const char *help, char **val)
{
	struct strbuf *line = strbuf_alloc(CTL_QUESTION_MAX);
	int	rc;

	if (help)
		fprintf(stderr, "%s\n", help);
	fprintf(stderr, "%s%s%s%s: ", q, *val ? " [" : "", *val ? *val : "",
	    *val ? "]" : "");
	fflush(stderr);
	if ((rc = ctl_fd_line(0, line)) > 0 && strbuf_len(line) > 0) {
		free(*val);
		*val = xstrdup(strbuf_str(line));
	}
	strbuf_free(line);
	return (rc > 0 ? 0 : -1);
}

/* ctl_question_yes - a yes/no question */

int
ctl_question_yes(const char *q, int def)
{
	char   *v = xstrdup(def ? "yes" : "no");
	int	yes;

	if (ctl_question(q, NULL, &v) != 0)
		yes = def;
	else
		yes = tolower((unsigned char)v[0]) == 'y';
	free(v);
	return (yes);
}
