/*
 * NAME
 *	account_int.h - between the session and the delivery half of a fetch
 * SYNOPSIS
 *	int account_run_pipeline(struct account *a, struct pop3 *p,
 *		struct uidl_state *st, struct account_result *r,
 *		struct strbuf *why);
 * DESCRIPTION
 *	account.c logs in and scans; account_run_pipeline()
 *	(account_deliver.c) fetches, delivers and deletes every message of
 *	the scan through the mailbox's transport (deliver.h).
 * DIAGNOSTICS
 *	PC_OK, or PC_TEMP / PC_PERM with the reason in why; the caller then
 *	drops the connection without QUIT (the server rolls back its DELEs).
 */
#ifndef ACCOUNT_INT_H
#define ACCOUNT_INT_H

#include "account.h"
#include "pop3.h"
#include "uidl_state.h"

int account_run_pipeline(struct account *a, struct pop3 *p,
    struct uidl_state *st, struct account_result *r, struct strbuf *why);

#endif
