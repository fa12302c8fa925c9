/*
 * NAME
 *	pop3.h - POP3 client protocol engine (RFC 1939, 2449, 2595)
 * SYNOPSIS
 *	Pure parsers (no I/O; unit tested and fuzzed):
 *	int pop3_parse_status(const char *line, struct pop3_status *st);
 *	int pop3_parse_uidl(const char *line, unsigned long *num,
 *		char uid[PC_UID_MAX + 1]);
 *	int pop3_parse_list(const char *line, unsigned long *num,
 *		unsigned long long *size);
 *	int pop3_parse_capa(const char *line, struct pop3_caps *caps);
 *	int pop3_auth_class(unsigned capflags, int announced, int sent,
 *		int code);
 *	const char *pop3_auth_class_str(int cls);	static text
 *	const char *pop3_code_str(int code);		static text
 *	int pop3_offers(const struct pop3_caps *caps, const char *mech);
 *	void pop3_body_init(struct pop3_body *b);
 *	size_t pop3_body_feed(struct pop3_body *b, const char *in,
 *		size_t len, char *out, size_t *outlen);
 *
 *	Sessions:
 *	void pop3_init(struct pop3 *p, const char *name);
 *	int pop3_open(struct pop3 *p, const struct pop3_opts *o,
 *		struct strbuf *why);
 *	int pop3_login(struct pop3 *p, const char *user, const char *pass,
 *		struct strbuf *why);
 *	int pop3_apop(struct pop3 *p, const char *user, const char *pass,
 *		struct strbuf *why);
 *	int pop3_sasl(struct pop3 *p, const char *mech, const char *user,
 *		const char *secret, const char *host, int port,
 *		struct strbuf *why);
 *	int pop3_scan(struct pop3 *p, struct strbuf *why);
 *	int pop3_retr(struct pop3 *p, unsigned long num,
 *		int (*sink)(void *ctx, const char *data, size_t len),
 *		void *ctx, struct pop3_retr_info *info, struct strbuf *why);
 *	int pop3_dele(struct pop3 *p, unsigned long num, struct strbuf *why);
 *	int pop3_queue(struct pop3 *p, int kind, unsigned long num,
 *		struct strbuf *why);
 *	int pop3_next(struct pop3 *p, int *kind, unsigned long *num,
 *		int (*sink)(void *ctx, const char *data, size_t len),
 *		void *ctx, struct pop3_retr_info *info, struct strbuf *why);
int pop3_queue(struct pop3 *p, int kind, unsigned long num,
    struct strbuf *why);
int pop3_next(struct pop3 *p, int *kind, unsigned long *num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why);
 *	int pop3_quit(struct pop3 *p, struct strbuf *why);
 *	void pop3_close(struct pop3 *p);

void pop3e_init(struct pop3 *p, const char *name, const char *peer);
void pop3e_free(struct pop3 *p);
void pop3e_open(struct pop3 *p, int tls);
int pop3e_login(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why);
int pop3e_apop(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why);
int pop3e_sasl(struct pop3 *p, const char *mech, const char *user,
    const char *secret, const char *host, int port, struct strbuf *why);
void pop3e_scan(struct pop3 *p, struct strbuf *why);
int pop3e_queue(struct pop3 *p, int kind, unsigned long num,
    struct strbuf *why);
void pop3e_next(struct pop3 *p, int *kind, unsigned long *num);
void pop3e_quit(struct pop3 *p, struct strbuf *why);
int pop3e_input(struct pop3 *p, const char *in, size_t len, size_t *used,
    struct pop3_event *ev, struct strbuf *why);
const char *pop3e_output(const struct pop3 *p, size_t *len);
void pop3e_output_done(struct pop3 *p);
void pop3e_tls_done(struct pop3 *p, struct strbuf *why);
int pop3e_fail(struct pop3 *p, int rc, int reading, struct pop3_event *ev,
    struct strbuf *why);
 *
 *	Engine (pop3_engine.c; no I/O, driven by pop3_io.c or a test):
 *	void pop3e_init(struct pop3 *p, const char *name, const char *peer);
 *	void pop3e_free(struct pop3 *p);
 *	void pop3e_open(struct pop3 *p, int tls);
 *	int pop3e_login(struct pop3 *p, const char *user, const char *pass,
 *		struct strbuf *why);
 *	int pop3e_apop(struct pop3 *p, const char *user, const char *pass,
 *		struct strbuf *why);
 *	int pop3e_sasl(struct pop3 *p, const char *mech, const char *user,
 *		const char *secret, const char *host, int port,
 *		struct strbuf *why);
 *	void pop3e_scan(struct pop3 *p, struct strbuf *why);
 *	int pop3e_queue(struct pop3 *p, int kind, unsigned long num,
 *		struct strbuf *why);
 *	void pop3e_next(struct pop3 *p, int *kind, unsigned long *num);
 *	void pop3e_quit(struct pop3 *p, struct strbuf *why);
 *	int pop3e_input(struct pop3 *p, const char *in, size_t len,
 *		size_t *used, struct pop3_event *ev, struct strbuf *why);
 *	const char *pop3e_output(const struct pop3 *p, size_t *len);
 *	void pop3e_output_done(struct pop3 *p);
 *	void pop3e_tls_done(struct pop3 *p, struct strbuf *why);
 *	int pop3e_fail(struct pop3 *p, int rc, int reading,
 *		struct pop3_event *ev, struct strbuf *why);
 * DESCRIPTION
 *	pop3_parse_status() classifies a status line: +OK, -ERR (with the
 *	RFC 2449/3206 response code, if any), or neither.
 *
 *	pop3_auth_class() says what a refused login means (POP3_AUTH_*),
 *	from the capabilities (AUTH-RESP-CODE), whether the method was
 *	announced (USER in CAPA or no CAPA at all; a greeting timestamp
 *	for APOP; the mechanism in CAPA SASL), whether the command went
 *	out at all, and the response code of the -ERR: [AUTH] is the
 *	credentials; [IN-USE], [LOGIN-DELAY] and [SYS/TEMP] are temporary;
 *	[SYS/PERM] is the account, not the password (RFC 3206 section 4);
 *	without a code, a method the server did not announce was not
 *	offered, and from a server that announced AUTH-RESP-CODE the
 *	refusal is not about the credentials (RFC 3206 section 6); only
 *	then is a bare -ERR taken for a wrong password.
 *	pop3_auth_class_str() and pop3_code_str() name a class and a code
 *	("[SYS/PERM]", "no code").  pop3_offers() says whether CAPA SASL
 *	listed mech (case-insensitive).
 *
 *	pop3_body_*() is the RETR data decoder: it turns the server's
 *	dot-stuffed CR LF text into the message with LF line ends, and
 *	sees the terminating "." line.  It is a byte state machine, so lines
 *	of any length stream through it.  out must hold at least len + 2
 *	bytes.  It returns the number of input bytes consumed (fewer than
 *	len only when the terminator was seen: b->done is then set).
 *	b->octets counts the message size as POP3 defines it (CR LF line
 *	ends, before dot-stuffing), for comparison with LIST.
 *
 *	pop3_open() connects, runs TLS (implicit, or STLS after CAPA), reads
 *	the greeting and the capabilities (again after TLS).  With TLS
 *	required and no STLS, no credential is ever sent.  Where the server
 *	announces UTF8 (RFC 6856) it sends "UTF8" before logging in: the
 *	message bytes are passed on as they are anyway, and a server such
 *	as Courier otherwise replaces a message whose headers hold UTF-8
 *	with a notice ("Cannot display Unicode content").
 *	pop3_login() is USER/PASS, pop3_apop() APOP (refused unless the
 *	greeting held a valid RFC 1939 timestamp), pop3_sasl() AUTH (RFC
 *	5034) with any mechanism xsasl.c knows: initial response when the
 *	command fits in 255 octets, "*" to cancel when a challenge is bad,
 *	at most POP3_SASL_STEPS round trips, challenges up to
 *	POP3_SASL_LINE_MAX octets.  A failed login is PC_PERM unless the
 *	server's response code says it is temporary.  Each login sets
 *	p->auth_class, and on -ERR p->last_code and p->last_text (the
 *	server's own words, printable).
 *
 *	pop3_scan() fills p->msgs from UIDL and LIST (one write where the
 *	server announced PIPELINING).
 *
 *	Round trips of the login (issue 21), all only where the server
 *	announced PIPELINING (RFC 2449 section 6.6): USER and PASS go in
 *	one write; and when the caller set p->scan_early (pop3_open() takes
 *	it from o->scan_with_login) because pop3_scan() comes next, UIDL
 *	and LIST go in the write of PASS or APOP.  Never behind AUTH: a
 *	SASL security layer starts right after the exchange (RFC 5034
 *	section 4), and Cyrus pop3d discards what was sent behind AUTH
 *	even without one (a timeout).  The fetcher does not ask for it
 *	behind PASS either: Courier's login process execs the POP3 process
 *	after PASS and loses what it had read.  When the login is
 *	refused, the replies to what was sent behind it (-ERR, the server
 *	is still in the AUTHORIZATION state) are read and discarded before
 *	the refusal is reported, exactly as without pipelining; if the
 *	connection fails meanwhile, the refusal is still what is reported.
 *	A reply out of step (+OK there) sets p->desync: the login fails and
 *	no later login is sent on that connection.  With PIPELINING, UTF8 is not sent by
 *	pop3_open() but in the write of the first login, before it (its
 *	+OK or -ERR changes nothing, RFC 6856 section 2).
 *	pop3_retr() streams message num into sink (LF line ends); a message
 *	is complete only when its terminator arrived.
 *
 *	Pipelining (RFC 2449 section 6.6): pop3_queue() appends a RETR or
 *	DELE to the commands not yet sent (at most POP3_QMAX in flight);
 *	pop3_next() sends what is queued and reads the reply to the oldest
 *	command in flight, streaming a RETR's message into sink, and says
 *	which command it was.  The caller decides the window: commands
 *	queued before their predecessors' replies were read are only
 *	allowed when the server announced PIPELINING.  pop3_retr() and
 *	pop3_dele() are pop3_queue() + pop3_next() with nothing in flight.
 *	A QUIT (POP3_Q_QUIT) may be queued last, behind the final DELEs, to
 *	go out in their write; nothing may follow it, pop3_next() is not
 *	called for it: pop3_quit() reads its reply once all before it are
 *	read.  With PIPELINING, pop3_scan() sends UIDL and LIST in one write.
 *
 *	The engine is the session above without I/O.  An operation
 *	(pop3e_open() expects the greeting; pop3e_login(), pop3e_apop()
 *	and pop3e_sasl() return PC_OK when started, or the failure when
 *	nothing could be sent; pop3e_scan(), pop3e_next() after
 *	pop3e_queue(), pop3e_quit()) queues its command; the caller sends
 *	what pop3e_output() holds, calls pop3e_output_done(), and feeds
 *	every server byte to pop3e_input(), which sets *used and returns:
 *	POP3E_MORE (all used; feed more), POP3E_DATA (message data in
 *	ev->data, ev->len for message ev->num), POP3E_GREETING, POP3E_CAPS
 *	(the capabilities are known and STLS or UTF8 is queued),
 *	POP3E_AUTH_STEP (an AUTH response or PASS is queued), POP3E_TLS
 *	(start TLS on the connection, then pop3e_tls_done()), POP3E_SEND
 *	(a command was queued whose reply the rest of the input cannot
 *	hold before it is sent: send, then go on), POP3E_DONE
 *	(the operation ended with ev->rc, reason in why), POP3E_IDLE (no
 *	operation runs).  It never uses bytes after the reply that ended
 *	an operation.  pop3e_fail() ends the operation when the connection
 *	failed (reading: with the command named in why) and returns
 *	POP3E_DONE.  The strings given to an operation must last until it
 *	is done.  p->bd counts the octets and lines of the last RETR.
 * DIAGNOSTICS
 *	PC_OK, PC_TEMP (network trouble, [IN-USE], [LOGIN-DELAY],
 *	[SYS/TEMP]) or PC_PERM ([AUTH], [SYS/PERM], protocol violations,
 *	TLS verification), with the reason in why.  p->login_delay holds a
 *	delay the server asked for, if any.
 * SECURITY
 *	Every server string is untrusted: status and UIDL lines are limited
 *	to PC_LINE_MAX bytes, UIDs to 1..70 printable characters (RFC 1939
 *	section 7), message numbers and sizes are range checked.
 */
#ifndef POP3_H
#define POP3_H

#include "popconn.h"
#include "net.h"

/* Response codes, RFC 2449 section 8, RFC 3206. */
#define POP3_RC_NONE		0
#define POP3_RC_IN_USE		1
#define POP3_RC_LOGIN_DELAY	2
#define POP3_RC_SYS_TEMP	3
#define POP3_RC_SYS_PERM	4
#define POP3_RC_AUTH		5
#define POP3_RC_OTHER		6

struct pop3_status {
	int	ok;		/* 1 +OK, 0 -ERR */
	int	code;		/* POP3_RC_* */
	long	delay;		/* "[LOGIN-DELAY n]": n, or -1 */
	const char *text;	/* after the status (and code); in line */
};

#define POP3_CAP_USER		(1u << 0)
#define POP3_CAP_UIDL		(1u << 1)
#define POP3_CAP_PIPELINING	(1u << 2)
#define POP3_CAP_STLS		(1u << 3)
#define POP3_CAP_SASL		(1u << 4)
#define POP3_CAP_RESP_CODES	(1u << 5)
#define POP3_CAP_TOP		(1u << 6)
#define POP3_CAP_AUTH_RESP	(1u << 7)
#define POP3_CAP_ANSWERED	(1u << 8)	/* CAPA answered +OK */
#define POP3_CAP_LOGIN_DELAY	(1u << 9)	/* LOGIN-DELAY announced */
#define POP3_CAP_EXPIRE		(1u << 10)	/* EXPIRE announced */
#define POP3_CAP_UTF8		(1u << 11)	/* UTF8 (RFC 6856) */

/*
 * What a refused login means (RFC 2449 section 8, RFC 3206), one
 * classification for the fetcher and "popconnctl mailbox test".
 */
#define POP3_AUTH_OK		0
#define POP3_AUTH_CREDENTIALS	1	/* [AUTH], or a bare -ERR that
					 * nothing says is anything else */
#define POP3_AUTH_NOT_OFFERED	2	/* not announced, and refused
					 * without [AUTH]; or not tried */
#define POP3_AUTH_TEMP		3	/* [IN-USE] [LOGIN-DELAY] [SYS/TEMP] */
#define POP3_AUTH_SYS_PERM	4	/* [SYS/PERM]: the account, not the
					 * password */
#define POP3_AUTH_REFUSED	5	/* no [AUTH] from an AUTH-RESP-CODE
					 * server: not the credentials */
#define POP3_AUTH_FAILED	6	/* network, TLS, protocol, local */

struct pop3_caps {
	unsigned flags;
	char	sasl[256];	/* mechanism names, space separated */
	long	login_delay;	/* LOGIN-DELAY n, or -1 */
	long	expire;		/* EXPIRE n (0: deleted at once), or -1 */
};

struct pop3_body {
	int	state;
	int	done;
	unsigned long long octets;
	unsigned long long lines;
};

struct pop3_msg {
	unsigned long num;
	unsigned long long size;
	char	uid[PC_UID_MAX + 1];
};

#define POP3_TLS_NONE		0	/* plaintext allowed (explicit) */
#define POP3_TLS_STLS		1	/* STLS, required */
#define POP3_TLS_IMPLICIT	2	/* pop3s */

struct pop3_opts {
	const char *host;
	int	port;
	int	tls;		/* POP3_TLS_* */
	const char *ca_file;
	const char *pin;
	int	connect_timeout;
	int	command_timeout;
	int	session_timeout;
	int	no_verify;	/* popconnctl setup's look at a bad cert only */
	int	scan_with_login;	/* sets p->scan_early */
	const char *tls_session_file;	/* net_tls.session_file */
};

#define POP3_Q_RETR	1
#define POP3_Q_DELE	2
#define POP3_Q_QUIT	3	/* last: the session ends with its reply */
#define POP3_QMAX	256	/* commands in flight, at most */
#define POP3_SASL_STEPS	10	/* AUTH round trips, at most */
#define POP3_SASL_LINE_MAX (24 * 1024)	/* base64 of 16 KiB and more */
#define POP3_TEXT_MAX	200	/* a server's -ERR text, as shown */

struct pop3_cmdq {
	int	kind;		/* POP3_Q_* */
	unsigned long num;
};

struct pop3_sasl;			/* pop3_engine.c */
struct pop3_scan;

struct pop3 {
	const char *name;	/* mailbox, for logs */
	const char *peer;	/* the server, for messages */
	struct pop3_cmdq q[POP3_QMAX];	/* sent, reply not yet read */
	size_t	qhead;
	size_t	qlen;
	size_t	qretr;		/* RETRs among them */
	struct strbuf *wbuf;	/* queued, not yet sent */
	char	*body;		/* decoder output buffer */
	struct net net;
	struct strbuf *line;	/* current reply line */
	struct pop3_caps caps;
	char	apop_ts[PC_LINE_MAX + 1];	/* greeting <timestamp> */
	int	tls_active;
	long	login_delay;	/* from [LOGIN-DELAY], or -1 */
	int	last_code;	/* POP3_RC_* of the last -ERR */
	char	last_text[POP3_TEXT_MAX];	/* its words, printable */
	int	err_seen;	/* an -ERR since the login began */
	int	auth_class;	/* POP3_AUTH_* of the last login */
	int	uidl_ok;	/* UIDL answered +OK (maybe empty) */
	int	uidl_broken;	/* invalid or duplicate UIDs: ignored */
	struct pop3_msg *msgs;
	size_t	nmsgs;
	/* The engine's state (pop3_engine.c). */
	int	op;		/* operation running */
	int	st;		/* what the next input is */
	int	tls_mode;	/* POP3_TLS_* of pop3e_open() */
	const char *cmd;	/* command whose reply comes, for messages */
	size_t	linemax;	/* line limit now */
	int	announced;	/* USER announced (or no CAPA) */
	const char *user;	/* the running login's strings */
	const char *pass;
	const char *mech;
	struct pop3_sasl *sasl;	/* AUTH in progress */
	struct pop3_scan *scan;	/* UIDL/LIST in progress */
	struct pop3_body bd;	/* the RETR being read */
	int	cur_kind;	/* its POP3_Q_* and number */
	unsigned long cur_num;
	/* Commands sent behind the login (PIPELINING, pop3_auth.c). */
	int	scan_early;	/* caller: UIDL, LIST may go with the login */
	int	scan_sent;	/* 1 UIDL, 2 also LIST went: for pop3e_scan() */
	int	pass_sent;	/* PASS went with USER */
	int	drain;		/* replies to discard after a refusal */
	int	drain_rc;	/* the refusal, reported once they are read */
	int	drain_st;
	struct strbuf *drain_why;
	int	desync;	/* replies out of step: send nothing more */
	int	utf8_later;	/* UTF8 goes with the login (PIPELINING) */
	int	utf8_wait;	/* its reply comes before the login's */
};

/* What pop3e_input() says. */
#define POP3E_MORE	0	/* all input used: feed more */
#define POP3E_DONE	1	/* the operation ended: ev->rc */
#define POP3E_DATA	2	/* message data: ev->data, ev->len */
#define POP3E_TLS	3	/* start TLS, then pop3e_tls_done() */
#define POP3E_GREETING	4	/* greeting accepted, CAPA queued */
#define POP3E_CAPS	5	/* capabilities known, STLS/UTF8 queued */
#define POP3E_AUTH_STEP	6	/* an AUTH response or PASS queued */
#define POP3E_IDLE	7	/* no operation running */
#define POP3E_SEND	8	/* output queued: send it, then go on */

struct pop3_event {
	int	type;		/* POP3E_* */
	int	rc;		/* POP3E_DONE: PC_* */
	const char *data;	/* POP3E_DATA: LF line ends */
	size_t	len;
	unsigned long num;	/* POP3E_DATA: the message */
};

struct pop3_retr_info {
	unsigned long long octets;	/* POP3 size of what arrived */
	unsigned long long lines;
};

int pop3_parse_status(const char *line, struct pop3_status *st);
int pop3_parse_uidl(const char *line, unsigned long *num,
    char uid[PC_UID_MAX + 1]);
int pop3_parse_list(const char *line, unsigned long *num,
    unsigned long long *size);
int pop3_parse_capa(const char *line, struct pop3_caps *caps);
int pop3_auth_class(unsigned capflags, int announced, int sent, int code);
const char *pop3_auth_class_str(int cls);
const char *pop3_code_str(int code);
int pop3_offers(const struct pop3_caps *caps, const char *mech);
void pop3_body_init(struct pop3_body *b);
size_t pop3_body_feed(struct pop3_body *b, const char *in, size_t len,
    char *out, size_t *outlen);

void pop3_init(struct pop3 *p, const char *name);
int pop3_open(struct pop3 *p, const struct pop3_opts *o, struct strbuf *why);
int pop3_login(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why);
int pop3_apop(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why);
int pop3_sasl(struct pop3 *p, const char *mech, const char *user,
    const char *secret, const char *host, int port, struct strbuf *why);
int pop3_scan(struct pop3 *p, struct strbuf *why);
int pop3_retr(struct pop3 *p, unsigned long num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why);
int pop3_dele(struct pop3 *p, unsigned long num, struct strbuf *why);
int pop3_queue(struct pop3 *p, int kind, unsigned long num,
    struct strbuf *why);
int pop3_next(struct pop3 *p, int *kind, unsigned long *num,
    int (*sink)(void *ctx, const char *data, size_t len), void *ctx,
    struct pop3_retr_info *info, struct strbuf *why);
int pop3_quit(struct pop3 *p, struct strbuf *why);
void pop3_close(struct pop3 *p);

void pop3e_init(struct pop3 *p, const char *name, const char *peer);
void pop3e_free(struct pop3 *p);
void pop3e_open(struct pop3 *p, int tls);
int pop3e_login(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why);
int pop3e_apop(struct pop3 *p, const char *user, const char *pass,
    struct strbuf *why);
int pop3e_sasl(struct pop3 *p, const char *mech, const char *user,
    const char *secret, const char *host, int port, struct strbuf *why);
void pop3e_scan(struct pop3 *p, struct strbuf *why);
int pop3e_queue(struct pop3 *p, int kind, unsigned long num,
    struct strbuf *why);
void pop3e_next(struct pop3 *p, int *kind, unsigned long *num);
void pop3e_quit(struct pop3 *p, struct strbuf *why);
int pop3e_input(struct pop3 *p, const char *in, size_t len, size_t *used,
    struct pop3_event *ev, struct strbuf *why);
const char *pop3e_output(const struct pop3 *p, size_t *len);
void pop3e_output_done(struct pop3 *p);
void pop3e_tls_done(struct pop3 *p, struct strbuf *why);
int pop3e_fail(struct pop3 *p, int rc, int reading, struct pop3_event *ev,
    struct strbuf *why);

#endif
