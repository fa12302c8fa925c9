/*
 * NAME
 *	ops - how popconnctl's operations report: text or one JSON answer
 * SYNOPSIS
 *	#include "ops.h"
 *
 *	void ctl_fail(const char *field, const char *file, int line,
 *		const char *fmt, ...);
 *	void ops_capture(void);
 *	int ops_captured(int note, const char *text);
 *	json_t *ops_str(const char *s);		new reference
 *	int ops_finish(struct ctl *c, int status);
 * DESCRIPTION
 *	See ops.h.  ctl_fail() remembers the field, file and line of the
 *	first error and reports its text with ctl_err().  After
 *	ops_capture(), ctl_err() and ctl_note() hand their text to
 *	ops_captured() instead of printing it; ops_finish() prints the
 *	JSON answer from the captured messages and c->result (which it
 *	releases) and returns status unchanged.  Without ops_capture()
 *	ops_finish() only releases c->result.
 *
 *	ops_str() makes a JSON string of any bytes: valid UTF-8 as it is,
 *	anything else made printable (log_printable()).
 * DIAGNOSTICS
 *	ops_finish() returns EX_IOERR when the answer cannot be written
 *	or memory ran out, else status.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "alloc.h"
#include "log.h"
#include "ops.h"

#define OPS_MSG_MAX	100		/* messages kept in one answer */

static struct {
	int	on;
	json_t *errors;
	json_t *notes;
	char	field[64];
	char	file[PATH_MAX];
	int	line;
	int	located;		/* field, file, line are set */
} ops_cap;

/* ctl_fail - an error naming the field, file and line at fault */

void
ctl_fail(const char *field, const char *file, int line, const char *fmt,
    ...)
{
	char	buf[CTL_WHY_MAX];
	va_list	ap;

	if (!ops_cap.located) {
		ops_cap.located = 1;
		(void)pc_strlcpy(ops_cap.field, field ? field : "",
		    sizeof(ops_cap.field));
		(void)pc_strlcpy(ops_cap.file, file ? file : "",
		    sizeof(ops_cap.file));
		ops_cap.line = line;
	}
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctl_err("%s", buf);
}

/* ops_capture - collect messages from now on */

void
ops_capture(void)
{
	ops_cap.on = 1;
	if (ops_cap.errors == NULL)
		ops_cap.errors = json_array();
	if (ops_cap.notes == NULL)
		ops_cap.notes = json_array();
	if (ops_cap.errors == NULL || ops_cap.notes == NULL)
		log_fatal(EX_OSERR, "out of memory");
}

/* ops_captured - take a message when capturing; 1 if taken */

int
ops_captured(int note, const char *text)
{
	json_t *l = note ? ops_cap.notes : ops_cap.errors;

	if (!ops_cap.on)
		return (0);
	if (json_array_size(l) < OPS_MSG_MAX)
		(void)json_array_append_new(l, ops_str(text));
	return (1);
}

/* ops_str - a JSON string of any bytes */

json_t *
ops_str(const char *s)
{
	char	pr[CTL_WHY_MAX];
	json_t *v;

	if (s == NULL)
		s = "";
	if ((v = json_string(s)) != NULL)
		return (v);
	(void)log_printable(pr, sizeof(pr), s, strlen(s));
	if ((v = json_string(pr)) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	return (v);
}

/* ops_finish - print the --json answer; status passes through */

int
ops_finish(struct ctl *c, int status)
{
	json_t *a;
	char   *text;
	int	rc = status;

	if (!ops_cap.on) {
		if (c->result)
			json_decref(c->result);
		c->result = NULL;
		return (status);
	}
	ops_cap.on = 0;
	if ((a = json_object()) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	(void)json_object_set_new(a, "ok", json_boolean(status == 0));
	if (status == 0) {
		(void)json_object_set_new(a, "result", c->result ? c->result :
		    json_null());
	} else {
		/* What a failed operation learned (mailbox test). */
		if (c->result)
			(void)json_object_set_new(a, "result", c->result);
		(void)json_object_set_new(a, "status", json_integer(status));
		(void)json_object_set_new(a, "error", json_array_size(
		    ops_cap.errors) ? json_incref(json_array_get(
		    ops_cap.errors, 0)) : json_string("failed"));
		if (ops_cap.located && *ops_cap.field)
			(void)json_object_set_new(a, "field",
			    ops_str(ops_cap.field));
		if (ops_cap.located && *ops_cap.file)
			(void)json_object_set_new(a, "file",
			    ops_str(ops_cap.file));
		if (ops_cap.located && ops_cap.line > 0)
			(void)json_object_set_new(a, "line",
			    json_integer(ops_cap.line));
		(void)json_object_set(a, "errors", ops_cap.errors);
	}
	c->result = NULL;
	(void)json_object_set(a, "notes", ops_cap.notes);
	if ((text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL || printf("%s\n", text) < 0)
		rc = EX_IOERR;
	free(text);
	json_decref(a);
	json_decref(ops_cap.errors);
	json_decref(ops_cap.notes);
	memset(&ops_cap, 0, sizeof(ops_cap));
	return (rc);
}
