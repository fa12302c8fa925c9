/*
 * test_refusal - which failed sessions look refused for the server's
 * connection limit (account_refusal.c, issue 21): a refused connection
 * and a close before the greeting (couriertcpd -maxperip) are; a timeout,
 * a DNS failure, a certificate failure or a plain-text answer on the TLS
 * port are not; an -ERR greeting is; at the login [SYS/TEMP] and limit
 * texts are, [IN-USE] alone (the mailbox's lock) and a wrong password
 * are not; account_refusal_of() finds the stage from where the engine
 * stopped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "popconn.h"
#include "net.h"
#include "pop3.h"
#include "account.h"

static void
test_connect(void **state)
{
	(void)state;
	assert_int_equal(account_refusal(ACCOUNT_AT_CONNECT, NET_FAIL_CONNECT,
	    0, 0, 0, ""), ACCOUNT_REFUSED_CONNECT);
	/* implicit TLS: closed before the handshake */
	assert_int_equal(account_refusal(ACCOUNT_AT_CONNECT, NET_FAIL_TLS,
	    0, 0, 0, ""), ACCOUNT_REFUSED_CLOSED);
	assert_int_equal(account_refusal(ACCOUNT_AT_CONNECT, NET_FAIL_TLS,
	    1, 0, 0, ""), ACCOUNT_REFUSED_NONE);	/* plain text */
	assert_int_equal(account_refusal(ACCOUNT_AT_CONNECT,
	    NET_FAIL_TLS_VERIFY, 0, 0, 0, ""), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_CONNECT, NET_FAIL_TIMEOUT,
	    0, 0, 0, ""), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_CONNECT, NET_FAIL_DNS,
	    0, 0, 0, ""), ACCOUNT_REFUSED_NONE);
}

static void
test_greeting(void **state)
{
	(void)state;
	/* end of file (couriertcpd -maxperip), or a reset */
	assert_int_equal(account_refusal(ACCOUNT_AT_GREETING, NET_FAIL_IO,
	    0, 0, 0, ""), ACCOUNT_REFUSED_CLOSED);
	assert_int_equal(account_refusal(ACCOUNT_AT_GREETING, NET_FAIL_NONE,
	    0, 0, 0, ""), ACCOUNT_REFUSED_CLOSED);
	assert_int_equal(account_refusal(ACCOUNT_AT_GREETING,
	    NET_FAIL_TIMEOUT, 0, 0, 0, ""), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_GREETING, NET_FAIL_NONE,
	    0, 1, POP3_RC_NONE, "busy, try later"), ACCOUNT_REFUSED_GREETING);
	/* after the greeting only a limit text counts */
	assert_int_equal(account_refusal(ACCOUNT_AT_OTHER, NET_FAIL_IO,
	    0, 0, 0, ""), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_OTHER, NET_FAIL_NONE,
	    0, 1, POP3_RC_NONE, "STLS failed"), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_OTHER, NET_FAIL_NONE,
	    0, 1, POP3_RC_NONE, "Too many connections from your IP"),
	    ACCOUNT_REFUSED_GREETING);
}

static void
test_login(void **state)
{
	(void)state;
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_NONE, 0,
	    1, POP3_RC_SYS_TEMP, "try again later"), ACCOUNT_REFUSED_LOGIN);
	/* Dovecot's per user and IP limit, Exchange's per IP one */
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_NONE, 0,
	    1, POP3_RC_IN_USE, "Maximum number of connections from user+IP "
	    "exceeded (mail_max_userip_connections=10)"),
	    ACCOUNT_REFUSED_LOGIN);
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_NONE, 0,
	    1, POP3_RC_OTHER, "Connection limit reached"),
	    ACCOUNT_REFUSED_LOGIN);
	/* the mailbox's lock: another client reads it */
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_NONE, 0,
	    1, POP3_RC_IN_USE, "Mailbox is locked by another session"),
	    ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_NONE, 0,
	    1, POP3_RC_AUTH, "Authentication failed"), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_IO, 0,
	    0, 0, ""), ACCOUNT_REFUSED_NONE);
	assert_int_equal(account_refusal(ACCOUNT_AT_LOGIN, NET_FAIL_NONE, 0,
	    0, 0, NULL), ACCOUNT_REFUSED_NONE);
}

static void
test_of_session(void **state)
{
	struct pop3 p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.net.fail = NET_FAIL_CONNECT;		/* before pop3e_open() */
	assert_int_equal(account_refusal_of(&p, ACCOUNT_AT_OPEN),
	    ACCOUNT_REFUSED_CONNECT);
	p.net.fail = NET_FAIL_IO;
	p.cmd = "greeting";
	assert_int_equal(account_refusal_of(&p, ACCOUNT_AT_OPEN),
	    ACCOUNT_REFUSED_CLOSED);
	p.cmd = "CAPA";
	assert_int_equal(account_refusal_of(&p, ACCOUNT_AT_OPEN),
	    ACCOUNT_REFUSED_NONE);
	p.net.fail = NET_FAIL_NONE;
	p.err_seen = 1;
	p.last_code = POP3_RC_SYS_TEMP;
	(void)snprintf(p.last_text, sizeof(p.last_text), "[SYS/TEMP] later");
	assert_int_equal(account_refusal_of(&p, ACCOUNT_AT_LOGIN),
	    ACCOUNT_REFUSED_LOGIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_of_session),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
