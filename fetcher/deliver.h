/*
 * NAME
 *	deliver.h - hand spooled messages to Postfix, through one transport
 * SYNOPSIS
 *	struct deliver *deliver_open(const struct fetcher_settings *s,
 *		const char *acct, struct strbuf *why);
 *	int deliver_submit(struct deliver *d, const char *path,
 *		const char *sender, const char *rcpt, void *cookie,
 *		struct strbuf *why);
 *	int deliver_poll(struct deliver *d, int wait_ms,
 *		struct deliver_result *res);
 *	size_t deliver_room(const struct deliver *d);
 *	size_t deliver_inflight(const struct deliver *d);
 *	struct deliver *deliver_close(struct deliver *d);
 *
 *	Transports (called by deliver_open() only):
 *	struct deliver *deliver_sendmail_open(const struct fetcher_settings *s,
 *		const char *acct, struct strbuf *why);
 *	struct deliver *deliver_smtp_open(const struct fetcher_settings *s,
 *		const char *acct, struct strbuf *why);
 *
 *	int deliver_return_path(const char *hdr, size_t len, char *out,
 *		size_t size);
 * DESCRIPTION
 *	One fetch session owns one struct deliver, from deliver_open() to
 *	deliver_close().  deliver_open() picks the transport named by the
 *	mailbox's delivery_method ("sendmail", the default, or "smtp")
 *	from a table; the session code never names a transport.  Opening
 *	does no I/O: the SMTP transport connects lazily, on the first
 *	deliver_submit(), and again after a lost connection.  s and acct
 *	(the mailbox name, for log lines) must outlive d.
 *
 *	deliver_submit() hands over one message.  path is a complete spool
 *	file (spool.h): the message exactly as it is to be delivered, with
 *	popconn's trace and marker headers, LF line ends, not dot-stuffed.
 *	The envelope is sender ("" means the null sender, <>) and one
 *	recipient rcpt, used verbatim ("sendmail -i -f SENDER -- RCPT", or
 *	"MAIL FROM:<SENDER>" and "RCPT TO:<RCPT>").  cookie is the caller's
 *	and comes back in the message's result.
 *	    PC_OK: the message is in flight; exactly one result with this
 *	cookie will come out of deliver_poll() (unless deliver_close()
 *	comes first).  PC_TEMP or PC_PERM: it was not submitted, no result
 *	will come, and why says why (PC_PERM: this message can never be
 *	delivered this way, e.g. a recipient starting with '-').
 *	    The spool file must stay in place, unchanged, until the
 *	message's result has been returned; the transport may read it at
 *	any time until then.  deliver_submit() may block, within the
 *	transport's bounded timeouts (the SMTP transport writes the
 *	envelope, waits for the 354 to DATA and writes the content), and
 *	may learn results of earlier messages while doing so; it keeps them
 *	for deliver_poll().  Call it only while deliver_room() > 0.
 *
 *	deliver_poll() returns 1 and fills *res with one result, or 0 when
 *	there is none: nothing in flight, or none arrived within wait_ms
 *	(0: do not wait; DELIVER_WAIT: until a result is there).  Results
 *	of the SMTP transport come in submission order; those of the
 *	sendmail transport in the order the commands exit.  Every message
 *	gets its result within delivery_timeout of its submission: the
 *	transport enforces it (a sendmail is killed; the SMTP connection is
 *	dropped) and reports PC_TEMP.
 *
 *	deliver_room() says how many more messages deliver_submit() takes
 *	now (sendmail: delivery_parallelism minus those running; SMTP: what
 *	its pipeline allows); 0 means poll for a result first.
 *	deliver_inflight() counts messages submitted whose result has not
 *	yet been returned (including results held for deliver_poll()).
 *
 *	deliver_close() ends the transport (the SMTP transport sends QUIT
 *	when it is idle) and frees d; it returns NULL.  The session drains
 *	first (deliver_poll() with DELIVER_WAIT until deliver_inflight() is
 *	0).  Messages still in flight at deliver_close() are abandoned: no
 *	result; the caller treats them as not delivered.
 *
 *	deliver_return_path() finds the address in the message's
 *	Return-Path: header (within the header section in hdr) and copies
 *	it into out; it returns 0, or -1 when there is none or it is not a
 *	plain address (then the caller uses the null sender).
 * RESULTS
 *	A message counts as accepted (status PC_OK) only when Postfix has
 *	taken responsibility for it: sendmail exited 0, or the SMTP server
 *	gave a 2xx reply to the end of the message data (the final dot).
 *	Nothing earlier counts: not a 250 to MAIL or RCPT, not the 354.
 *	Only then does the session record the UIDL and send DELE.
 *
 *	PC_TEMP (the message stays on the server and is fetched again by a
 *	later session): sendmail exited EX_TEMPFAIL or EX_OSERR, was killed
 *	by a signal, or timed out; an SMTP 4xx at any stage; and a lost or
 *	unusable SMTP connection (cannot connect, reset, timeout, a reply
 *	that is not SMTP): then every message in flight whose final reply
 *	was not read gets PC_TEMP, including one whose final dot was sent.
 *	Postfix may have queued that one; it is the documented duplicate
 *	window, the same as a sendmail killed after postdrop (DESIGN.md,
 *	invariant 2).  The next deliver_submit() opens a new connection.
 *
 *	PC_PERM (counted against max_delivery_attempts, like every
 *	refusal): any other sendmail exit status; an SMTP 5xx to MAIL,
 *	RCPT, DATA or the end of data.
 *
 *	struct deliver_result is owned by the caller; the transport fills:
 *	cookie, as submitted; status, PC_OK, PC_TEMP or PC_PERM; queue_id,
 *	Postfix's queue id when the transport learns it (SMTP: from "250
 *	2.0.0 Ok: queued as 4XyzAbc"; letters and digits only, else "") or
 *	"" (sendmail); reason, NUL-terminated and printable: with PC_OK the
 *	text the per-message log line puts in parentheses after
 *	"status=delivered" ("sendmail 0", "queued as 4XyzAbc"), else why it
 *	failed ("/usr/sbin/sendmail exited with status 75", "127.0.0.1:10027
 *	said: 452 4.3.1 Insufficient system storage"), cut to fit.
 * IMPLEMENTING A TRANSPORT
 *	A transport's open function allocates its own state beginning with
 *	a struct deliver (below), fills in the method name and the five
 *	operations, and returns it (NULL, with the reason in why, when the
 *	transport cannot be used at all: not built, a malformed address).
 *	The deliver_*() functions above call the operations; nothing else
 *	does.  Add the transport to the table in deliver.c.
 * DIAGNOSTICS
 *	deliver_open() returns NULL with the reason in why for an unknown
 *	delivery_method or a transport that cannot be used: a configuration
 *	error, PC_PERM for the session.
 * SECURITY
 *	No shell: sendmail is run with execve and a fixed argument vector,
 *	sender and recipient after "-f" and "--".  Text from the SMTP
 *	server is untrusted: it reaches reason and queue_id only made
 *	printable and bounded.
 * SEE ALSO
 *	deliver.c (the table), deliver_sendmail.c, deliver_smtp.c.
 */
#ifndef DELIVER_H
#define DELIVER_H

#include <stddef.h>
#include "params.h"
#include "strbuf.h"

#define DELIVER_WAIT		(-1)	/* deliver_poll(): until a result */
#define DELIVER_QUEUE_ID_MAX	64
#define DELIVER_REASON_MAX	512

struct deliver_result {
	void	*cookie;			/* as submitted */
	int	status;				/* PC_OK, PC_TEMP, PC_PERM */
	char	queue_id[DELIVER_QUEUE_ID_MAX];	/* "" when not known */
	char	reason[DELIVER_REASON_MAX];	/* see RESULTS */
};

/* A transport: the first member of its own state. */
struct deliver {
	const char *method;		/* "sendmail", "smtp" */
	int	(*submit)(struct deliver *, const char *path,
		    const char *sender, const char *rcpt, void *cookie,
		    struct strbuf *why);
	int	(*poll)(struct deliver *, int wait_ms,
		    struct deliver_result *);
	size_t	(*room)(const struct deliver *);
	size_t	(*inflight)(const struct deliver *);
	void	(*close)(struct deliver *);	/* frees */
};

struct deliver *deliver_open(const struct fetcher_settings *s,
    const char *acct, struct strbuf *why);
int deliver_submit(struct deliver *d, const char *path, const char *sender,
    const char *rcpt, void *cookie, struct strbuf *why);
int deliver_poll(struct deliver *d, int wait_ms, struct deliver_result *res);
size_t deliver_room(const struct deliver *d);
size_t deliver_inflight(const struct deliver *d);
struct deliver *deliver_close(struct deliver *d);

struct deliver *deliver_sendmail_open(const struct fetcher_settings *s,
    const char *acct, struct strbuf *why);
struct deliver *deliver_smtp_open(const struct fetcher_settings *s,
    const char *acct, struct strbuf *why);

int deliver_return_path(const char *hdr, size_t len, char *out,
    size_t size);

#endif
