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
 *
 *	int ctlproto_encode_request(struct strbuf *out,
 *		const struct ctlproto_req *r, struct strbuf *why);
 *	int ctlproto_decode_request(const char *line, size_t len,
 *		struct ctlproto_req *r, struct strbuf *why);
 *					r: caller frees with
 *					ctlproto_free_request()
 *	void ctlproto_free_request(struct ctlproto_req *r);
 * DESCRIPTION
 *	The one place that knows how a data line of the control protocol
 *	(include/ctl_proto.h) is spelled: the fetcher's control server
 *	encodes with ctlproto_encode(), popconnctl decodes with
 *	ctlproto_decode().  JSON is written and read by jansson; this file
 *	only maps the message struct to and from its keys (one table), so
 *	the two sides cannot disagree on a name or a type.  Requests go
 *	the other way through the same file: popconnctl encodes with
 *	ctlproto_encode_request(), the fetcher decodes with
 *	ctlproto_decode_request().
 * DIAGNOSTICS
 *	ctlproto_encode(): 0, or -1 when out is full or memory ran out.
 *	ctlproto_decode(), ctlproto_decode_request() and
 *	ctlproto_encode_request(): PC_OK, or PC_PERM with the reason in
 *	why (the key, or jansson's text and column).
 * SECURITY
 *	A data line comes from the daemon, over a socket popconnctl
 *	trusts, but its strings hold text from POP3 servers, so the
 *	decoder takes any bytes: at most CTLPROTO_DATA_MAX of them, one
 *	object, no duplicate keys, valid UTF-8 and no NUL (jansson's
 *	defaults), every known key of its type.  Nesting is bounded by
 *	jansson (JSON_PARSER_MAX_DEPTH).  The encoder makes every string
 *	printable ASCII (log_printable()) before jansson sees it.
 *
 *	A request line comes from any local user the socket lets in, so
 *	its decoder is strict: at most CTL_LINE_MAX bytes, the same JSON
 *	rules, and only the keys of the request it names, of their types;
 *	mailbox names are bounded (PC_NAME_MAX, CTLPROTO_REQ_NAMES of
 *	them) and free of control characters, so that an answer that
 *	quotes one stays one line.
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

/*
 * ctlproto_load_object - parse one line as a JSON object, strictly: at
 * most max bytes (what names the line in the reason), a trailing CR/LF
 * dropped, no duplicate keys, valid UTF-8 and no NUL (jansson's
 * defaults).  Returns the document (caller's reference) or NULL with the
 * reason in why.
 */
static json_t *
ctlproto_load_object(const char *line, size_t len, size_t max,
    const char *what, struct strbuf *why)
{
	json_error_t err;
	json_t *doc;

	if (len > max) {
		(void)strbuf_printf(why, "%s over %zu bytes", what, max);
		return (NULL);
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if ((doc = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err)) ==
	    NULL) {
		(void)strbuf_printf(why, "not JSON: %.200s (column %d)",
		    err.text, err.column);
		return (NULL);
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		(void)strbuf_puts(why, "not a JSON object");
		return (NULL);
	}
	return (doc);
}

/* ctlproto_decode - one data line into m */

int
ctlproto_decode(const char *line, size_t len, struct ctlproto_msg *m,
    struct strbuf *why)
{
	json_t *doc;
	size_t	i;

	memset(m, 0, sizeof(*m));
	if ((doc = ctlproto_load_object(line, len, CTLPROTO_DATA_MAX,
	    "data line", why)) == NULL)
		return (PC_PERM);
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

/* The requests: name, op, and the keys each takes. */
static const struct ctlproto_reqdef {
	const char *name;
	int	op;
	int	names;			/* takes "mailboxes" */
	int	level;			/* needs "level" */
}	ctlproto_reqs[] = {
	{"status", CTLPROTO_REQ_STATUS, 0, 0},
	{"fetch", CTLPROTO_REQ_FETCH, 1, 0},
	{"fetch-wait", CTLPROTO_REQ_FETCH_WAIT, 1, 0},
	{"reload", CTLPROTO_REQ_RELOAD, 0, 0},
	{"log-level", CTLPROTO_REQ_LOG_LEVEL, 0, 1},
};

#define CTLPROTO_REQ_LIST	"status, fetch, fetch-wait, reload, log-level"

/* ctlproto_reqdef - a request's table entry, by name or by op */

static const struct ctlproto_reqdef *
ctlproto_reqdef(const char *name, int op)
{
	size_t	i;

	for (i = 0; i < PC_ARRAY_LEN(ctlproto_reqs); i++)
		if (name ? strcmp(ctlproto_reqs[i].name, name) == 0 :
		    ctlproto_reqs[i].op == op)
			return (&ctlproto_reqs[i]);
	return (NULL);
}

/* ctlproto_name_ok - a mailbox name: 1..PC_NAME_MAX bytes, no control */

static int
ctlproto_name_ok(json_t *v, size_t i, struct strbuf *why)
{
	const unsigned char *p;
	size_t	len, k;

	if (!json_is_string(v)) {
		(void)strbuf_printf(why, "mailboxes[%zu]: not a string", i);
		return (PC_PERM);
	}
	p = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	if (len == 0) {
		(void)strbuf_printf(why, "mailboxes[%zu]: empty name", i);
		return (PC_PERM);
	}
	if (len > PC_NAME_MAX) {
		(void)strbuf_printf(why, "mailboxes[%zu]: name over %d bytes",
		    i, PC_NAME_MAX);
		return (PC_PERM);
	}
	for (k = 0; k < len; k++) {
		if (p[k] < 0x20 || p[k] == 0x7f) {
			(void)strbuf_printf(why, "mailboxes[%zu]: control "
			    "character in the name", i);
			return (PC_PERM);
		}
	}
	return (PC_OK);
}

/* ctlproto_req_read - the request in doc into r; the keys it takes only */

static int
ctlproto_req_read(struct ctlproto_req *r, json_t *doc, struct strbuf *why)
{
	const struct ctlproto_reqdef *d;
	const char *key;
	json_t *v, *a = NULL;
	char	pr[80];
	size_t	i;

	if ((v = json_object_get(doc, "request")) == NULL) {
		(void)strbuf_puts(why, "no \"request\" key");
		return (PC_PERM);
	}
	if (!json_is_string(v)) {
		(void)strbuf_puts(why, "key \"request\": not a string");
		return (PC_PERM);
	}
	if ((d = ctlproto_reqdef(json_string_value(v), 0)) == NULL) {
		(void)strbuf_printf(why, "unknown request \"%s\" (%s)",
		    log_printable(pr, sizeof(pr), json_string_value(v),
		    json_string_length(v)), CTLPROTO_REQ_LIST);
		return (PC_PERM);
	}
	r->op = d->op;
	json_object_foreach(doc, key, v) {
		if (strcmp(key, "request") == 0)
			continue;
		if (strcmp(key, "mailboxes") == 0 && d->names) {
			a = v;
		} else if (strcmp(key, "level") == 0 && d->level) {
			if (!json_is_string(v)) {
				(void)strbuf_puts(why, "key \"level\": not a "
				    "string");
				return (PC_PERM);
			}
			r->level = json_string_value(v);
		} else {
			(void)strbuf_printf(why, "key \"%s\": not taken by %s",
			    log_printable(pr, sizeof(pr), key, strlen(key)),
			    d->name);
			return (PC_PERM);
		}
	}
	if (d->level && r->level == NULL) {
		(void)strbuf_printf(why, "%s without \"level\"", d->name);
		return (PC_PERM);
	}
	if (a == NULL)
		return (PC_OK);
	if (!json_is_array(a)) {
		(void)strbuf_puts(why, "key \"mailboxes\": not an array");
		return (PC_PERM);
	}
	if (json_array_size(a) > CTLPROTO_REQ_NAMES) {
		(void)strbuf_printf(why, "more than %d mailboxes in one "
		    "request", CTLPROTO_REQ_NAMES);
		return (PC_PERM);
	}
	json_array_foreach(a, i, v) {
		if (ctlproto_name_ok(v, i, why) != PC_OK)
			return (PC_PERM);
		r->names[r->nnames++] = json_string_value(v);
	}
	return (PC_OK);
}

/* ctlproto_free_request - release a decoded request */

void
ctlproto_free_request(struct ctlproto_req *r)
{
	if (r->doc != NULL)
		json_decref((json_t *)r->doc);
	memset(r, 0, sizeof(*r));
}

/* ctlproto_decode_request - one request line into r */

int
ctlproto_decode_request(const char *line, size_t len, struct ctlproto_req *r,
    struct strbuf *why)
{
	json_t *doc;

	memset(r, 0, sizeof(*r));
	if ((doc = ctlproto_load_object(line, len, CTL_LINE_MAX, "request",
	    why)) == NULL)
		return (PC_PERM);
	r->doc = doc;
	if (ctlproto_req_read(r, doc, why) != PC_OK) {
		ctlproto_free_request(r);
		return (PC_PERM);
	}
	return (PC_OK);
}

/* ctlproto_req_doc - the JSON document of r (new reference), or NULL */

static json_t *
ctlproto_req_doc(const struct ctlproto_req *r, struct strbuf *why)
{
	const struct ctlproto_reqdef *d = ctlproto_reqdef(NULL, r->op);
	json_t *obj, *a = NULL, *v = NULL;
	size_t	i;

	if (d == NULL || r->nnames > CTLPROTO_REQ_NAMES ||
	    (r->nnames && !d->names) || (d->level && r->level == NULL)) {
		(void)strbuf_puts(why, d == NULL ? "unknown request" :
		    r->nnames > CTLPROTO_REQ_NAMES ? "too many mailboxes" :
		    r->nnames ? "this request takes no mailboxes" :
		    "no level");
		return (NULL);
	}
	if ((obj = json_pack("{s:s}", "request", d->name)) == NULL)
		goto nomem;
	if (r->nnames > 0 && ((a = json_array()) == NULL ||
	    json_object_set_new(obj, "mailboxes", a) != 0))
		goto nomem;
	for (i = 0; i < r->nnames; i++) {
		if ((v = json_string(r->names[i])) == NULL) {
			(void)strbuf_printf(why, "mailboxes[%zu]: NULL or "
			    "not UTF-8", i);
			json_decref(obj);
			return (NULL);
		}
		if (json_array_append_new(a, v) != 0)
			goto nomem;
	}
	if (d->level) {
		if ((v = json_string(r->level)) == NULL) {
			(void)strbuf_puts(why, "level: NULL or not UTF-8");
			json_decref(obj);
			return (NULL);
		}
		if (json_object_set_new(obj, "level", v) != 0)
			goto nomem;
	}
	return (obj);
nomem:
	json_decref(obj);
	(void)strbuf_puts(why, "out of memory");
	return (NULL);
}

/*
 * ctlproto_encode_request - one request line for r, appended to out; the
 * line is decoded again, so that a request the daemon would refuse is
 * refused here, with the same reason.
 */

int
ctlproto_encode_request(struct strbuf *out, const struct ctlproto_req *r,
    struct strbuf *why)
{
	struct ctlproto_req again;
	json_t *obj;
	char   *text;
	size_t	len;
	int	rc = PC_PERM;

	if ((obj = ctlproto_req_doc(r, why)) == NULL)
		return (PC_PERM);
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (text == NULL) {
		(void)strbuf_puts(why, "out of memory");
		return (PC_PERM);
	}
	len = strlen(text);
	if (len + 1 > CTL_LINE_MAX)
		(void)strbuf_printf(why, "request over %d bytes",
		    CTL_LINE_MAX);
	else if (ctlproto_decode_request(text, len, &again, why) == PC_OK) {
		ctlproto_free_request(&again);
		if (strbuf_append(out, text, len) == 0 &&
		    strbuf_putc(out, '\n') == 0)
			rc = PC_OK;
		else
			(void)strbuf_printf(why, "request over %zu bytes",
			    out->max);
	}
	free(text);
	return (rc);
}
