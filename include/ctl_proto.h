/*
 * NAME
 *	ctl_proto.h - the control protocol between popconnctl and the fetcher
 * DESCRIPTION
 *	popconn-fetcher listens on a unix socket (popconn.cf setting
 *	control_socket, default /run/popconn/fetcher.sock, mode 0660).  It
 *	accepts a connection only from root, from its own user, or from a
 *	member of its group (SO_PEERCRED).
 *
 *	A client sends ONE request line, at most CTL_LINE_MAX octets
 *	including the newline: a JSON object whose "request" names it,
 *	with the keys that request takes and no other:
 *
 *	    {"request":"status"}       the service and every mailbox
 *	    {"request":"fetch","mailboxes":[NAME,...]}
 *	                              poll now (the named mailboxes; all
 *	                              when "mailboxes" is absent or [])
 *	    {"request":"fetch-wait","mailboxes":[NAME,...]}
 *	                              poll now and stream progress until
 *	                              those polls end
 *	    {"request":"reload"}       read the configuration again
 *	    {"request":"log-level","level":LEVEL}
 *	                              none, minimum, medium or maximum
 *
 *	A NAME is any UTF-8 (spaces too) but no control character, 1 to
 *	PC_NAME_MAX bytes; at most CTLPROTO_REQ_NAMES of them.  A request
 *	the codec refuses is answered "error: " and the codec's reason.
 *
 *	The daemon answers with zero or more data lines, then exactly one
 *	final line, "ok" or "error: TEXT", and closes the connection.
 *	Every data line is one JSON object (no newline inside), so that
 *	popconnctl --json can pass them through and scripts can parse them:
 *
 *	status:
 *	    {"service":"running"|"idle","reason":TEXT,"pid":N,
 *	     "mailboxes":N,"started":UNIXTIME}
 *	    then one line per mailbox:
 *	    {"mailbox":NAME,"type":"user"|"global","state":"idle"|"polling"
 *	     |"waiting",
 *	     "last_poll":UNIXTIME|0,"result":"ok"|"deferred"|"failed"|"never",
 *	     "messages":N,"delivered":N,"bytes":N,"failed":N,
 *	     "last_error":TEXT,"mechanism":TEXT,"mechanism_why":TEXT,
 *	     "next_poll":UNIXTIME|0,"failures":N,"today":N,
 *	     "last_queue_id":TEXT,"server":HOST,"server_limit":N,
 *	     "server_limit_why":TEXT}
 *	    ("server_limit": how many sessions at once the fetcher opens to
 *	    the mailbox's server now, adapted to what the server accepts
 *	    (initial_connections_per_server up to max_connections_per_server,
 *	    cut when it refuses one); "server_limit_why" says how it came
 *	    about, in words.)
 *	    ("last_queue_id": Postfix's queue id of the mailbox's last
 *	    delivered message, from the "250 ... queued as ID" reply of
 *	    delivery_method = smtp; kept across polls that deliver nothing;
 *	    "" when unknown: sendmail tells none, or nothing delivered since
 *	    the daemon started.)
 *	    ("service":"idle" with "reason":"disabled: no mailboxes" when
 *	    mailboxes.cf holds none.)
 *
 *	fetch: nothing but the final line ("error: no such mailbox: X").
 *
 *	fetch-wait: event lines as the polls progress, then the final line:
 *	    {"event":"start","mailbox":NAME}
 *	    {"event":"progress","mailbox":NAME,"messages":N,"done":N,
 *	     "bytes":N,"delivered":N,"failed":N}
 *	    {"event":"end","mailbox":NAME,"result":"ok"|"deferred"|"failed",
 *	     "messages":N,"delivered":N,"deleted":N,"kept":N,"failed":N,
 *	     "bytes":N,"error":TEXT}
 *	The final line is "ok" when every polled mailbox ended "ok" with
 *	failed == 0, else "error: TEXT".
 *
 *	Strings in JSON are escaped (\", \\, control characters as \u00XX);
 *	text from servers is made printable first.
 *
 *	Both sides use one codec (lib/ctlproto.c, over jansson):
 *
 *	int ctlproto_encode(struct strbuf *out, const struct ctlproto_msg *m);
 *		appends one line (with its newline) for m
 *	int ctlproto_decode(const char *line, size_t len,
 *		struct ctlproto_msg *m, struct strbuf *why);
 *		m: caller frees with ctlproto_free(); strings owned by m
 *	void ctlproto_free(struct ctlproto_msg *m);
 *	int ctlproto_encode_request(struct strbuf *out,
 *		const struct ctlproto_req *r, struct strbuf *why);
 *		appends one request line (with its newline) for r
 *	int ctlproto_decode_request(const char *line, size_t len,
 *		struct ctlproto_req *r, struct strbuf *why);
 *		r: caller frees with ctlproto_free_request()
 *	void ctlproto_free_request(struct ctlproto_req *r);
 *
 *	ctlproto_encode() writes the keys of m->kind in the order above;
 *	a NULL string is written as "", every string made printable
 *	(log_printable(), at most CTLPROTO_TEXT_MAX - 1 bytes).
 *	ctlproto_decode() reads one data line: the kind is CTLPROTO_SERVICE
 *	when the object has "service", CTLPROTO_EVENT when it has "event",
 *	CTLPROTO_MAILBOX when it has "mailbox"; a missing key reads as ""
 *	or 0, an unknown key is ignored (a newer daemon may add some).
 *	It returns PC_OK, or PC_PERM with the reason in why (not JSON, not
 *	an object, a duplicate key, a key of the wrong type, a NUL in a
 *	string, too long, none of the kinds); m then holds nothing.
 *
 *	ctlproto_decode_request() reads one request line into r (r->op
 *	one of CTLPROTO_REQ_*; r->level and r->names point into r->doc).
 *	It is the stricter of the two decoders: besides what
 *	ctlproto_decode() refuses, an unknown request, a key the request
 *	does not take, a missing "level", a mailbox name that is empty,
 *	too long or holds a control character, and too many names; then
 *	it returns PC_PERM with the reason in why and r holds nothing.
 *	ctlproto_encode_request() checks r by the same rules (PC_PERM
 *	and the reason in why, nothing appended) and returns PC_OK; it
 *	writes mailbox names as they are (UTF-8), "mailboxes" only when
 *	there are some.
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#include <stddef.h>

#include "strbuf.h"

#define CTL_LINE_MAX		8192		/* one request line */
#define CTL_DEFAULT_SOCKET	"/run/popconn/fetcher.sock"
#define CTLPROTO_DATA_MAX	(64 * 1024)	/* one data line */
#define CTLPROTO_TEXT_MAX	1608		/* one string, printable */
#define CTLPROTO_REQ_NAMES	64		/* mailboxes in one request */

/* Kinds of data line. */
#define CTLPROTO_SERVICE	1
#define CTLPROTO_MAILBOX	2
#define CTLPROTO_EVENT		3

/* One data line; strings are never NULL after ctlproto_decode(). */
struct ctlproto_msg {
	int	kind;
	/* CTLPROTO_SERVICE */
	const char *service;		/* "running", "idle" */
	const char *reason;
	const char *shard;
	long long pid;
	long long mailboxes;
	long long started;
	long long running;
	/* CTLPROTO_MAILBOX and CTLPROTO_EVENT */
	const char *mailbox;
	const char *type;		/* "user", "global" */
	const char *state;		/* "idle", "polling" */
	const char *result;		/* "ok", "deferred", "failed", "never" */
	const char *last_error;
	const char *mechanism;
	const char *mechanism_why;
	const char *last_queue_id;	/* Postfix's id of the last delivered */
	const char *server;		/* the mailbox's POP3 server */
	const char *server_limit_why;	/* how its limit came about */
	const char *event;		/* "start", "progress", "end" */
	const char *error;
	long long last_poll;
	long long next_poll;
	long long failures;
	long long messages;
	long long done;
	long long delivered;
	long long deleted;
	long long kept;
	long long failed;
	long long bytes;
	long long today;		/* delivered since local midnight */
	long long server_limit;		/* sessions at once to server now */
	void   *doc;			/* the decoded document */
};

int	ctlproto_encode(struct strbuf *out, const struct ctlproto_msg *m);
int	ctlproto_decode(const char *line, size_t len, struct ctlproto_msg *m,
	    struct strbuf *why);
void	ctlproto_free(struct ctlproto_msg *m);

/* Requests. */
#define CTLPROTO_REQ_STATUS	1
#define CTLPROTO_REQ_FETCH	2
#define CTLPROTO_REQ_FETCH_WAIT	3
#define CTLPROTO_REQ_RELOAD	4
#define CTLPROTO_REQ_LOG_LEVEL	5

/* One request line. */
struct ctlproto_req {
	int	op;			/* CTLPROTO_REQ_* */
	const char *level;		/* log-level */
	const char *names[CTLPROTO_REQ_NAMES];	/* fetch, fetch-wait */
	size_t	nnames;
	void   *doc;			/* the decoded document */
};

int	ctlproto_encode_request(struct strbuf *out,
	    const struct ctlproto_req *r, struct strbuf *why);
int	ctlproto_decode_request(const char *line, size_t len,
	    struct ctlproto_req *r, struct strbuf *why);
void	ctlproto_free_request(struct ctlproto_req *r);

#endif
