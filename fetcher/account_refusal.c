/*
 * NAME
 *	account_refusal - did the server refuse the session for a
 *	connection limit?
 * SYNOPSIS
 *	#include "account.h"
 *
 *	int account_refusal(int stage, int net_fail, int not_tls, int err,
 *		int code, const char *text);
 *	int account_refusal_of(const struct pop3 *p, int stage);
 * DESCRIPTION
 *	A server that holds as many sessions from one client as it allows
 *	refuses the next one, in one of a few ways; the daemon then lowers
 *	its limit for that server instead of counting the mailbox's failure
 *	(daemon_limit.c).  account_refusal() says whether a session that
 *	failed at stage (ACCOUNT_AT_*) looks like such a refusal, and how
 *	(ACCOUNT_REFUSED_*, 0: not one):
 *
 *	ACCOUNT_REFUSED_CONNECT: the connection was refused (net_fail is
 *	NET_FAIL_CONNECT) before the greeting.
 *
 *	ACCOUNT_REFUSED_CLOSED: the server closed or reset the connection
 *	before or at the greeting: what Courier's couriertcpd -maxperip
 *	does (it accepts, logs "Maximum connection limit reached for IP"
 *	and closes, without a word to the client), also before the TLS
 *	handshake of implicit TLS (net_fail NET_FAIL_TLS with not_tls
 *	clear).  A timeout is not a refusal.
 *
 *	ACCOUNT_REFUSED_GREETING: an -ERR greeting (err set).
 *
 *	ACCOUNT_REFUSED_LOGIN: at the login, an -ERR with [SYS/TEMP] (RFC
 *	3206: a temporary problem of the system, not of the account), or
 *	at any stage an -ERR whose text speaks of a connection limit ("too
 *	many connections", "Maximum number of connections", "connection
 *	limit", ...).  [IN-USE] alone is the mailbox's lock (another client
 *	reads it), not the server's limit: it is not a refusal.
 *
 *	The daemon counts a refusal only while other sessions to that
 *	server were open: a server that refuses the only session is down
 *	or broken, and that is the mailbox's failure as before.
 *
 *	account_refusal_of() applies account_refusal() to a session p whose
 *	pop3_open() (stage ACCOUNT_AT_OPEN: the stage is found from where
 *	the engine stopped) or login (ACCOUNT_AT_LOGIN) failed.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "popconn.h"
#include "net.h"
#include "pop3.h"
#include "account.h"

/* limit_text - does an -ERR text speak of a connection limit? */

static int
limit_text(const char *text)
{
	static const char *const say[] = {
		"too many connection", "too many session",
		"too many concurrent", "too many simultaneous",
		"connection limit", "connections limit", "session limit",
		"maximum connection", "maximum number of connection",
		"maximum number of session", "max connection",
		"max_connection", "maxperip", "per ip", "per-ip",
		"from your ip", "from your address", NULL,
	};
	char	low[POP3_TEXT_MAX];
	size_t	i;

	if (text == NULL)
		return (0);
	for (i = 0; i < sizeof(low) - 1 && text[i]; i++)
		low[i] = (char)tolower((unsigned char)text[i]);
	low[i] = 0;
	for (i = 0; say[i]; i++)
		if (strstr(low, say[i]) != NULL)
			return (1);
	return (0);
}

/* account_refusal - what a session failed at stage says of the limit */

int
account_refusal(int stage, int net_fail, int not_tls, int err, int code,
    const char *text)
{
	if (err && limit_text(text))
		return (stage == ACCOUNT_AT_LOGIN ? ACCOUNT_REFUSED_LOGIN :
		    ACCOUNT_REFUSED_GREETING);
	switch (stage) {
	case ACCOUNT_AT_CONNECT:
		if (net_fail == NET_FAIL_CONNECT)
			return (ACCOUNT_REFUSED_CONNECT);
		if (net_fail == NET_FAIL_TLS && !not_tls)
			return (ACCOUNT_REFUSED_CLOSED);
		return (ACCOUNT_REFUSED_NONE);
	case ACCOUNT_AT_GREETING:
		if (err)
			return (ACCOUNT_REFUSED_GREETING);
		if (net_fail == NET_FAIL_IO || net_fail == NET_FAIL_NONE)
			return (ACCOUNT_REFUSED_CLOSED);
		return (ACCOUNT_REFUSED_NONE);
	case ACCOUNT_AT_LOGIN:
		if (err && code == POP3_RC_SYS_TEMP)
			return (ACCOUNT_REFUSED_LOGIN);
		return (ACCOUNT_REFUSED_NONE);
	default:
		return (ACCOUNT_REFUSED_NONE);
	}
}

/* account_refusal_of - the same for a session whose open or login failed */

int
account_refusal_of(const struct pop3 *p, int stage)
{
	if (stage == ACCOUNT_AT_OPEN) {
		/* pop3e_open() names the greeting; before it, the connect. */
		if (p->cmd == NULL)
			stage = ACCOUNT_AT_CONNECT;
		else if (strcmp(p->cmd, "greeting") == 0)
			stage = ACCOUNT_AT_GREETING;
		else
			stage = ACCOUNT_AT_OTHER;
	}
	return (account_refusal(stage, p->net.fail, p->net.not_tls,
	    p->err_seen, p->last_code, p->last_text));
}
