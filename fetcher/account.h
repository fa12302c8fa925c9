/*
 * NAME
 *	account.h - one mailbox: its settings, and one fetch session
 * SYNOPSIS
 *	int account_load(struct account *a, const struct cfg_mailbox *m,
 *		const struct cfg_dict *main, const struct cfg_dict *pw,
 *		struct strbuf *why);
 *	void account_free(struct account *a);
 *	int account_fetch(struct account *a, struct account_result *r,
 *		struct strbuf *why);
 *	int account_test(struct account *a, struct account_probe *pr,
 *		struct strbuf *why);
 * DESCRIPTION
 *	account_load() builds a mailbox's settings: the parameter table
 *	applied to popconn.cf, then to its -o list; its URL; its password.
 *
 *	A user mailbox delivers to its deliver-to.  A global mailbox
 *	delivers to undeliverable_mailbox, the placeholder popconn-milter
 *	replaces with the routed recipients, and signs each message with a
 *	marker header (marker.h); without the milter, mail lands in the
 *	undeliverable mailbox: not lost, not bounced.
 *
 *	account_fetch() runs one session: connect, TLS, log in, UIDL and
 *	LIST, then for each message not yet delivered: RETR into the spool,
 *	hand it to the mailbox's transport (deliver.h: sendmail or SMTP),
 *	record the UIDL once Postfix accepted it, DELE (unless kept), and
 *	QUIT at the end (account_deliver.c does the per-message part).
 *	On a delivery failure it stops and drops the connection without
 *	QUIT, so the server rolls the DELEs back (RFC 1939 section 6).
 *
 *	account_refusal() and account_refusal_of() say whether a failed
 *	session looks refused for the server's connection limit
 *	(account_refusal.c); account_fetch() puts the answer in r->refused.
 *
 *	account_test() connects, checks TLS, authenticates and lists the
 *	mailbox (UIDL, LIST), then QUITs without fetching or deleting
 *	anything; *pr says what it found and, on failure, which kind of
 *	failure it was.
 * DIAGNOSTICS
 *	PC_OK, PC_TEMP (try again later) or PC_PERM (the administrator must
 *	act: wrong password, certificate, configuration), reason in why;
 *	counts in *r.
 */
#ifndef ACCOUNT_H
#define ACCOUNT_H

#include "cfg.h"
#include "url.h"
#include "params.h"
#include "marker.h"

#define ACCOUNT_USER	0
#define ACCOUNT_GLOBAL	1

struct account {
	char	*name;
	int	type;			/* ACCOUNT_* */
	char	*deliver_to;
	struct url url;
	char	*password;		/* wiped on free */
	char	*oauth_secret;		/* OAuth client secret; wiped */
	unsigned char marker_key[32];	/* global mailboxes; wiped */
	const char *rcpt;		/* envelope recipient */
	char	env[MARKER_ENV_MAX];	/* the marker's env= (global) */
	struct fetcher_settings set;
	int	no_password;		/* load failed for that alone */
};

struct account_result {
	unsigned long messages;		/* on the server */
	unsigned long fetched;
	unsigned long delivered;
	unsigned long deleted;
	unsigned long skipped;		/* not fetched: kept or too large */
	unsigned long failed;
	unsigned long long bytes;
	long	login_delay;
	char	mech[32];		/* mechanism logged in with */
	char	mech_why[200];		/* why that one (auth = auto) */
	char	last_qid[64];		/* Postfix's queue id of the last
					 * message delivered, "" unknown */
	int	refused;		/* ACCOUNT_REFUSED_*: the server
					 * refused the session, it seems, for
					 * a connection limit */
};

/* How a server refused a session for a connection limit (account_refusal.c). */
#define ACCOUNT_REFUSED_NONE	0
#define ACCOUNT_REFUSED_CONNECT	1	/* connection refused */
#define ACCOUNT_REFUSED_CLOSED	2	/* closed before the greeting */
#define ACCOUNT_REFUSED_GREETING 3	/* -ERR greeting or limit text */
#define ACCOUNT_REFUSED_LOGIN	4	/* [SYS/TEMP] or limit text */

/* Where the session stopped. */
#define ACCOUNT_AT_OPEN		0	/* pop3_open(): found from p */
#define ACCOUNT_AT_CONNECT	1	/* connect, implicit TLS */
#define ACCOUNT_AT_GREETING	2
#define ACCOUNT_AT_OTHER	3	/* CAPA, STLS, UTF8 */
#define ACCOUNT_AT_LOGIN	4

/* What went wrong, for "popconnctl mailbox test". */
#define ACCOUNT_OK		0
#define ACCOUNT_ERR_DNS		1
#define ACCOUNT_ERR_CONNECT	2	/* refused, unreachable, timeout */
#define ACCOUNT_ERR_TLS_VERIFY	3	/* certificate, host name, pin */
#define ACCOUNT_ERR_TLS		4	/* no STLS, handshake, injection */
#define ACCOUNT_ERR_MECH	5	/* mechanism not offered */
#define ACCOUNT_ERR_AUTH	6	/* wrong password */
#define ACCOUNT_ERR_LOCKED	7	/* [IN-USE], [LOGIN-DELAY] */
#define ACCOUNT_ERR_PROTOCOL	8
#define ACCOUNT_ERR_OTHER	9
#define ACCOUNT_ERR_REFUSED	10	/* [SYS/PERM], or refused without
					 * [AUTH] by an AUTH-RESP-CODE server */
#define ACCOUNT_ERR_TEMP	11	/* [SYS/TEMP] */

struct account_probe {
	int	error;			/* ACCOUNT_ERR_* */
	char	server[64];		/* numeric address */
	char	tls[128];		/* protocol and cipher, or "none" */
	char	tls_mode[32];		/* "implicit", "STLS" or "none" */
	char	tls_subject[256];	/* server certificate subject */
	char	tls_how[384];		/* how it was verified */
	char	mech[32];		/* mechanism used (or last tried) */
	char	mech_why[256];		/* why that one; what was tried */
	char	sasl[256];		/* mechanisms offered */
	int	pipelining;
	int	apop;			/* the greeting offers APOP */
	int	uidl;
	unsigned caps;			/* POP3_CAP_* */
	long	login_delay;		/* CAPA LOGIN-DELAY, or -1 */
	long	expire;			/* CAPA EXPIRE, or -1 (NEVER) */
	int	auth_class;		/* POP3_AUTH_* of the last login */
	char	code[24];		/* its response code, in words */
	char	said[200];		/* the server's words, printable */
	unsigned long messages;
	unsigned long long bytes;
	unsigned long long largest;
};

int account_load(struct account *a, const struct cfg_mailbox *m,
    const struct cfg_dict *main, const struct cfg_dict *pw,
    struct strbuf *why);
void account_free(struct account *a);
int account_fetch(struct account *a, struct account_result *r,
    struct strbuf *why);

/*
 * Hooks for the daemon: account_progress (if set) is called after the
 * scan and after every message; account_stop, once set (SIGTERM), makes
 * a session take no new message, finish the ones in hand and QUIT.
 */
extern void (*account_progress)(const struct account_result *r,
    unsigned long done);
extern volatile int account_stop;

int account_test(struct account *a, struct account_probe *pr,
    struct strbuf *why);

struct pop3;
int account_refusal(int stage, int net_fail, int not_tls, int err, int code,
    const char *text);
int account_refusal_of(const struct pop3 *p, int stage);

#endif
