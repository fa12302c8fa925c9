/*
 * NAME
 *	smtpc.h - SMTP client protocol engine without I/O (RFC 5321, 2920)
 * SYNOPSIS
 *	Pure parsers (unit tested and fuzzed):
 *	int smtpc_parse_line(const char *line, size_t len, int *code,
 *		int *more, const char **text);
 *	int smtpc_queue_id(const char *text, char *qid, size_t size);
 *	unsigned smtpc_parse_cap(const char *line, unsigned long long *size);
 *	void smtpc_body_init(struct smtpc_body *b);
 *	size_t smtpc_body_encode(struct smtpc_body *b, const char *in,
 *		size_t len, char *out);
 *	size_t smtpc_body_end(struct smtpc_body *b, char *out);
 *
 *	The engine (owns no memory beyond struct smtpc):
 *	void smtpc_init(struct smtpc *c, const char *helo);
 *	int smtpc_send_mail(struct smtpc *c, unsigned long tag,
 *		const char *sender, const char *rcpt,
 *		unsigned long long size, struct strbuf *why);
 *	int smtpc_room(const struct smtpc *c);
 *	void smtpc_quit(struct smtpc *c);
 *	size_t smtpc_feed(struct smtpc *c, const char *in, size_t len,
 *		struct smtpc_event *ev);
 *	const char *smtpc_out(const struct smtpc *c, size_t *len);
 *		owned by c, valid until the next call
 *	void smtpc_out_done(struct smtpc *c, size_t n);
 *	int smtpc_end_data(struct smtpc *c, struct smtpc_body *b);
 *	int smtpc_idle(const struct smtpc *c);
 * DESCRIPTION
 *	smtpc_parse_line() splits one reply line (without CR LF): a
 *	three-digit code (2yz..5yz, RFC 5321 section 4.2), then '-' (more
 *	lines follow, *more = 1), ' ' or the end of the line.
 *	smtpc_queue_id() finds Postfix's "queued as ID" in a reply text and
 *	copies the ID (1 to SMTPC_QID_MAX letters and digits).
 *	smtpc_parse_cap() reads one EHLO keyword line (without the code)
 *	and returns its SMTPC_CAP_* bit (0 for keywords it does not use);
 *	SIZE with a number sets *size.
 *
 *	smtpc_body_*() turn spool data (LF line ends) into DATA text: CR
 *	LF line ends (a CR already before an LF is kept once, as Postfix's
 *	sendmail would strip it), a '.' at the start of a line doubled
 *	(RFC 5321 section 4.5.2).  out must hold SMTPC_BODY_OUT(len)
 *	octets; smtpc_body_end() writes the final CR LF (when the data did
 *	not end in one) and "." CR LF: at most SMTPC_BODY_END octets.
 *
 *	The engine: smtpc_init() expects the greeting, then sends EHLO
 *	helo by itself (HELO when EHLO is refused with 5yz).
 *	smtpc_send_mail() queues MAIL FROM:<sender> (BODY=8BITMIME and
 *	SIZE where offered; SMTPUTF8 where offered and an address is not
 *	ASCII), RCPT TO:<rcpt> and DATA for the message tag; the empty
 *	sender is "<>".  Queued commands go out as the protocol allows:
 *	after the greeting and EHLO; with PIPELINING every command up to
 *	and including a DATA in one write, and the next message's commands
 *	right after the previous message's final dot (RFC 2920 section
 *	3.1); without it one command at a time.  smtpc_room() says whether
 *	another message fits in the queue (SMTPC_HELD commands).
 *
 *	smtpc_out() gives the octets to write; smtpc_out_done() drops the
 *	first n once written.  smtpc_feed() parses server octets; it stops
 *	after a complete reply that produces an event and returns the
 *	number of octets consumed, ev->type saying what happened:
 *	SMTPC_EV_NONE (all consumed, nothing to report), SMTPC_EV_READY
 *	(greeting and EHLO done: c->caps, c->size_max), SMTPC_EV_BODY
 *	(354 for ev->tag: write smtpc_out() first, then the message
 *	through smtpc_body_encode(), then call smtpc_end_data()),
 *	SMTPC_EV_DONE (message ev->tag is finished: ev->status, ev->code,
 *	ev->qid, ev->why), SMTPC_EV_QUIT (the reply to QUIT), or
 *	SMTPC_EV_FATAL (the connection is unusable: ev->why; every message
 *	without its DONE is PC_TEMP).  Replies are matched to commands in
 *	the order the commands were sent.
 *
 *	A message is PC_OK only on a 2yz reply to its final dot.  A 4yz
 *	reply to MAIL, RCPT, DATA or the dot makes it PC_TEMP, a 5yz
 *	PC_PERM (the first refusal in the transaction counts); after a
 *	refusal before the data the engine sends RSET, or, when DATA was
 *	accepted anyway, an empty message (RFC 2920 section 3.1).
 *	smtpc_idle() is true when nothing is in flight or queued.
 * DIAGNOSTICS
 *	smtpc_send_mail() returns PC_PERM for an address that cannot be
 *	sent (control characters, angle brackets, too long) and PC_TEMP
 *	when the queue is full or the connection failed.
 *	SMTPC_EV_FATAL for: a line longer than SMTPC_LINE_MAX, more than
 *	SMTPC_REPLY_LINES lines, a malformed code, lines of one reply with
 *	different codes, NUL bytes, a reply nothing asked for, a reply of
 *	the wrong kind (354 to MAIL, 250 to DATA: an "early 250"), 421, or
 *	a failed greeting, EHLO/HELO or RSET.
 * SECURITY
 *	Everything from the server is untrusted; every buffer has a fixed
 *	size and text for the log is made printable.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef SMTPC_H
#define SMTPC_H

#include <stddef.h>
#include "popconn.h"
#include "strbuf.h"

#define SMTPC_LINE_MAX		512	/* reply line, RFC 5321 4.5.3.1.5 */
#define SMTPC_REPLY_LINES	64	/* lines in one reply */
#define SMTPC_TEXT_MAX		600	/* reply text kept for the log */
#define SMTPC_QID_MAX		32	/* Postfix long ids are < 20 */
#define SMTPC_ADDR_MAX		512	/* envelope address */
#define SMTPC_CMD_MAX		(SMTPC_ADDR_MAX + 80)	/* one command */
#define SMTPC_HELD		24	/* commands queued, not yet sent */
#define SMTPC_INFLIGHT		64	/* commands sent, reply pending */
#define SMTPC_OUT_MAX		(SMTPC_INFLIGHT * (SMTPC_CMD_MAX + 8))
#define SMTPC_BODY_OUT(n)	(2 * (n) + 1)
#define SMTPC_BODY_END		6

#define SMTPC_CAP_PIPELINING	(1U << 0)
#define SMTPC_CAP_8BITMIME	(1U << 1)
#define SMTPC_CAP_SMTPUTF8	(1U << 2)
#define SMTPC_CAP_SIZE		(1U << 3)
#define SMTPC_CAP_ENHANCED	(1U << 4)

#define SMTPC_EV_NONE		0
#define SMTPC_EV_READY		1
#define SMTPC_EV_BODY		2
#define SMTPC_EV_DONE		3
#define SMTPC_EV_QUIT		4
#define SMTPC_EV_FATAL		5

struct smtpc_event {
	int	type;			/* SMTPC_EV_* */
	unsigned long tag;		/* the message (BODY, DONE) */
	int	status;			/* PC_OK, PC_TEMP, PC_PERM (DONE) */
	int	code;			/* the deciding reply code, or 0 */
	char	qid[SMTPC_QID_MAX + 1];	/* Postfix queue id, or "" */
	char	why[SMTPC_TEXT_MAX + 80];	/* printable */
};

struct smtpc_body {
	int	bol;			/* at the start of a line */
	int	cr;			/* a CR is held back */
};

struct smtpc_cmd {
	int	kind;			/* SMTPC_K_* in smtpc.c */
	unsigned long tag;
	size_t	len;
	unsigned long long size;	/* MAIL: SIZE= estimate, or 0 */
	int	utf8;			/* MAIL: non-ASCII envelope */
	char	text[SMTPC_CMD_MAX + 3];	/* held commands only */
};

struct smtpc {
	/* reply parser */
	char	line[SMTPC_LINE_MAX + 2];
	size_t	linelen;
	int	overlong;
	int	rcode;			/* code of the reply being read */
	int	rlines;			/* lines of it so far */
	char	rtext[SMTPC_TEXT_MAX + 1];	/* printable */
	char	rqid[SMTPC_QID_MAX + 1];
	unsigned rcaps;
	unsigned long long rsize;
	/* session */
	char	helo[256];
	int	ready;			/* EHLO/HELO accepted */
	int	dead;			/* FATAL reported */
	int	in_body;		/* 354 seen, end of data not yet */
	unsigned long in_body_tag;
	unsigned caps;
	unsigned long long size_max;
	/* the transaction whose replies are being read */
	int	txn_status;
	int	txn_code;
	char	txn_why[SMTPC_TEXT_MAX + 80];
	/* commands: held (not yet in out), then in flight */
	struct smtpc_cmd held[SMTPC_HELD];
	size_t	held_head, held_n;
	struct {
		int	kind;
		unsigned long tag;
	}	fly[SMTPC_INFLIGHT];
	size_t	fly_head, fly_n;
	char	out[SMTPC_OUT_MAX];
	size_t	outlen;
};

int smtpc_parse_line(const char *line, size_t len, int *code, int *more,
    const char **text);
int smtpc_queue_id(const char *text, char *qid, size_t size);
unsigned smtpc_parse_cap(const char *line, unsigned long long *size);
void smtpc_body_init(struct smtpc_body *b);
size_t smtpc_body_encode(struct smtpc_body *b, const char *in, size_t len,
    char *out);
size_t smtpc_body_end(struct smtpc_body *b, char *out);

void smtpc_init(struct smtpc *c, const char *helo);
int smtpc_send_mail(struct smtpc *c, unsigned long tag, const char *sender,
    const char *rcpt, unsigned long long size, struct strbuf *why);
int smtpc_room(const struct smtpc *c);
void smtpc_quit(struct smtpc *c);
size_t smtpc_feed(struct smtpc *c, const char *in, size_t len,
    struct smtpc_event *ev);
const char *smtpc_out(const struct smtpc *c, size_t *len);
void smtpc_out_done(struct smtpc *c, size_t n);
int smtpc_end_data(struct smtpc *c, struct smtpc_body *b);
int smtpc_idle(const struct smtpc *c);

#endif
