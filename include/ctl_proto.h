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
 *	including the newline:
 *
 *	    status                  the service and every mailbox
 *	    fetch [NAME ...]        poll now (all mailboxes, or the named)
 *	    fetch-wait [NAME ...]   poll now and stream progress until those
 *	                            polls end
 *	    reload                  read the configuration again
 *	    log-level LEVEL         none, minimum, medium or maximum
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
 *	     "last_error":TEXT,"next_poll":UNIXTIME|0,"failures":N}
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
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#define CTL_LINE_MAX		1024
#define CTL_DEFAULT_SOCKET	"/run/popconn/fetcher.sock"

#endif
