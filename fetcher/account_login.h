/*
 * NAME
 *	account_login.h - the login, for account.c's fetch session
 * SYNOPSIS
 *	void account_opts(const struct account *a, struct pop3_opts *o);
 *	int account_password_command(const struct account *a,
 *		char **secret, struct strbuf *why);
 *	int account_login(struct account *a, struct pop3 *p,
 *		const struct pop3_opts *o, const char *secret, int remember,
 *		struct auth_choice *ch, struct strbuf *why);
 * DESCRIPTION
 *	account_opts() fills the connection options of a mailbox.
 *	account_password_command() runs password_command (no shell) and
 *	returns the secret it printed (free with xfree_secret()).
 *	account_login() logs in with the configured mechanism, or with the
 *	strongest one the server offers (auth = auto), and says in ch which
 *	and why; remember: note a mechanism that worked for next time.
 * DIAGNOSTICS
 *	PC_OK, PC_TEMP or PC_PERM with the reason in why.
 */
#ifndef ACCOUNT_LOGIN_H
#define ACCOUNT_LOGIN_H

#include "account.h"
#include "pop3.h"

struct auth_choice {
	char	mech[32];
	char	why[256];
};

void account_opts(const struct account *a, struct pop3_opts *o);
int account_password_command(const struct account *a, char **secret,
    struct strbuf *why);
int account_login(struct account *a, struct pop3 *p,
    const struct pop3_opts *o, const char *secret, int remember,
    struct auth_choice *ch, struct strbuf *why);

#endif
