/*
 * NAME
 *	ctlproto - the control protocol's codec (fetcher and popconnctl)
 * SYNOPSIS
 *	#include "ctl_proto.h"
 *
 *	int ctlproto_encode(struct strbuf *out, const struct ctlproto_msg *m);
 *	int ctlproto_decode(const char *line, size_t len,
 *		struct ctlproto_msg *m, struct strbuf *why);
 *					m: caller frees with ctlproto_free()
 *	void ctlproto_free(struct ctlproto_msg *m);
 *	int ctlproto_split(char *line, char **words, int max);
 * DESCRIPTION
 *	The one place that knows how a data line of the control protocol
 *	(include/ctl_proto.h) is spelled: the fetcher's control server
 *	encodes with ctlproto_encode(), popconnctl decodes with
 *	ctlproto_decode().  JSON is written and read by jansson; this file
 *	only maps the message struct to and from its keys (one table), so
 *	the two sides cannot disagree on a name or a type.
 * DIAGNOSTICS
 *	ctlproto_encode(): 0, or -1 when out is full or memory ran out.
 *	ctlproto_decode(): PC_OK, or PC_PERM with the reason in why (the
 *	key, or jansson's text and column).
 * SECURITY
 *	A data line comes from the daemon, over a socket popconnctl
 *	trusts, but its strings hold text from POP3 servers, so the
 *	decoder takes any bytes: at most CTLPROTO_DATA_MAX of them, one
 *	object, no duplicate keys, valid UTF-8 and no NUL (jansson's
 *	defaults), every known key of its type.  Nesting is bounded by
 *	jansson (JSON_PARSER_MAX_DEPTH).  The encoder makes every string
 *	printable ASCII (log_printable()) before jansson sees it.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"
#include "log.h"
#include "popconn.h"
#include "strbuf.h"

/* Every key: a string or an integer at off in struct ctlproto_msg. */
struct ctlproto_field {
	const char *key;
	int	num;
	size_t	off;
};

#define S(k)	{#k, 0, offsetof(struct ctlproto_msg, k)}
#define N(k)	{#k, 1, offsetof(struct ctlproto_msg, k)}

static const struct ctlproto_field ctlproto_fields[] = {
	S(service), S(reason), S(shard), N(pid), N(mailboxes), N(started),
	N(running), S(mailbox), S(type), S(state), S(result), S(last_error),
	S(mechanism), S(mechanism_why), S(last_queue_id), S(event), S(error), N(last_poll),
	N(next_poll), N(failures), N(messages), N(done), N(delivered),
	N(deleted), N(kept), N(failed), N(bytes), N(today),
};

#undef S
#undef N

/* The keys of each kind of line, in the order they are written. */
static const char *const ctlproto_service_keys[] = {
	"service", "reason", "pid", "mailboxes", "started", "running",
	"shard", NULL,
};
static const char *const ctlproto_mailbox_keys[] = {
	"mailbox", "type", "state", "last_poll", "result", "messages",
	"delivered", "bytes", "failed", "last_error", "mechanism",
	"mechanism_why", "next_poll", "failures", "today", "last_queue_id",
	NULL,
};
static const char *const ctlproto_start_keys[] = {
	"event", "mailbox", NULL,
};
static const char *const ctlproto_progress_keys[] = {
	"event", "mailbox", "messages", "done", "bytes", "delivered",
	"failed", NULL,
};
static const char *const ctlproto_end_keys[] = {
	"event", "mailbox", "result", "messages", "delivered", "deleted",
	"kept", "failed", "bytes", "error", NULL,
};

/* ctlproto_field - the table entry of a key */

static const struct ctlproto_field *
ctlproto_field(const char *key)
{
	size_t	i;

	for (i = 0; i < PC_ARRAY_LEN(ctlproto_fields); i++)
		if (strcmp(ctlproto_fields[i].key, key) == 0)
			return (&ctlproto_fields[i]);
	return (NULL);
}

/* ctlproto_value - the JSON value of one field of m (new reference) */

static json_t *
ctlproto_value(const struct ctlproto_msg *m, const struct ctlproto_field *f)
{
	const char *base = (const char *)m + f->off;
	const char *s;
	char	pr[CTLPROTO_TEXT_MAX];

	if (f->num)
		return (json_integer(*(const long long *)(const void *)base));
	s = *(const char *const *)(const void *)base;
	if (s == NULL)
		s = "";
	(void)log_printable(pr, sizeof(pr), s, strlen(s));
	return (json_string(pr));
}

/* ctlproto_encode - one data line for m, appended to out */

int
ctlproto_encode(struct strbuf *out, const struct ctlproto_msg *m)
{
	const char *const *keys;
	json_t *obj, *v;
	char   *text;
	int	rc;

	if (m->kind == CTLPROTO_SERVICE)
		keys = ctlproto_service_keys;
	else if (m->kind == CTLPROTO_MAILBOX)
		keys = ctlproto_mailbox_keys;
	else if (m->kind == CTLPROTO_EVENT && m->event != NULL &&
	    strcmp(m->event, "progress") == 0)
		keys = ctlproto_progress_keys;
	else if (m->kind == CTLPROTO_EVENT && m->event != NULL &&
	    strcmp(m->event, "end") == 0)
		keys = ctlproto_end_keys;
	else if (m->kind == CTLPROTO_EVENT)
		keys = ctlproto_start_keys;
	else
		return (-1);
	if ((obj = json_object()) == NULL)
		return (-1);
	for (; *keys; keys++) {
		if ((v = ctlproto_value(m, ctlproto_field(*keys))) == NULL ||
		    json_object_set_new(obj, *keys, v) != 0) {
			json_decref(obj);
			return (-1);
		}
	}
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (text == NULL)
		return (-1);
	rc = strbuf_puts(out, text) == 0 && strbuf_putc(out, '\n') == 0 ?
	    0 : -1;
	free(text);
	return (rc);
}

/* ctlproto_free - release a decoded message */

void
ctlproto_free(struct ctlproto_msg *m)
{
	if (m->doc != NULL)
		json_decref((json_t *)m->doc);
	memset(m, 0, sizeof(*m));
}

/* ctlproto_take - one field from the document into m */

static int
ctlproto_take(struct ctlproto_msg *m, json_t *doc,
    const struct ctlproto_field *f, struct strbuf *why)
{
	char   *base = (char *)m + f->off;
	json_t *v = json_object_get(doc, f->key);

	if (f->num) {
		if (v != NULL && !json_is_integer(v)) {
			(void)strbuf_printf(why, "key \"%s\": not an integer",
			    f->key);
			return (PC_PERM);
		}
		*(long long *)(void *)base = v ? json_integer_value(v) : 0;
	} else {
		if (v != NULL && !json_is_string(v)) {
			(void)strbuf_printf(why, "key \"%s\": not a string",
			    f->key);
			return (PC_PERM);
		}
		*(const char **)(void *)base = v ? json_string_value(v) : "";
	}
	return (PC_OK);
}

/* ctlproto_decode - one data line into m */

int
ctlproto_decode(const char *line, size_t len, struct ctlproto_msg *m,
    struct strbuf *why)
{
	json_error_t err;
	json_t *doc;
	size_t	i;

	memset(m, 0, sizeof(*m));
	if (len > CTLPROTO_DATA_MAX) {
		(void)strbuf_printf(why, "data line over %d bytes",
		    CTLPROTO_DATA_MAX);
		return (PC_PERM);
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if ((doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err)) ==
	    NULL) {
		(void)strbuf_printf(why, "not JSON: %.200s (column %d)",
		    err.text, err.column);
		return (PC_PERM);
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		(void)strbuf_puts(why, "not a JSON object");
		return (PC_PERM);
	}
	m->doc = doc;
	for (i = 0; i < PC_ARRAY_LEN(ctlproto_fields); i++) {
		if (ctlproto_take(m, doc, &ctlproto_fields[i], why) != PC_OK) {
			ctlproto_free(m);
			return (PC_PERM);
		}
	}
	if (json_object_get(doc, "service") != NULL)
		m->kind = CTLPROTO_SERVICE;
	else if (json_object_get(doc, "event") != NULL)
		m->kind = CTLPROTO_EVENT;
	else if (json_object_get(doc, "mailbox") != NULL)
		m->kind = CTLPROTO_MAILBOX;
	else {
		ctlproto_free(m);
		(void)strbuf_puts(why, "neither a service, a mailbox nor an "
		    "event");
		return (PC_PERM);
	}
	return (PC_OK);
}

/* ctlproto_split - a request line into words, in place */

int
ctlproto_split(char *line, char **words, int max)
{
	char   *p = line;
	int	n = 0;

	for (;;) {
		p += strspn(p, " \t");
		if (*p == 0)
			return (n);
		if (n == max)
			return (-1);
		words[n++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = 0;
	}
}
