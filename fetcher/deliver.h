/*
 * NAME
 *	deliver.h - hand a spooled message to Postfix's sendmail
 * SYNOPSIS
 *	int deliver_sendmail(const struct fetcher_settings *s,
 *		const char *path, const char *sender, const char *rcpt,
 *		int *status, struct strbuf *why);
 *	int deliver_start(const struct fetcher_settings *s,
 *		const char *path, const char *sender, const char *rcpt,
 *		struct exec_child *c, struct strbuf *why);
 *	int deliver_status(const struct fetcher_settings *s, int status,
 *		struct strbuf *why);
 *	int deliver_return_path(const char *hdr, size_t len, char *out,
 *		size_t size);
 * DESCRIPTION
 *	deliver_sendmail() runs "sendmail [-C DIR] -i -f SENDER -- RCPT"
 *	with execve (never a shell) and the spool file as standard input,
 *	and waits at most delivery_timeout.  *status is sendmail's exit
 *	status (128+signal when it was killed).
 *
 *	deliver_start() starts the same command and returns at once (the
 *	caller reaps it with exec_check()); deliver_status() classifies an
 *	exit status.  Several deliveries may run at once.
 *
 *	deliver_return_path() finds the address in the message's
 *	Return-Path: header (within the header section in hdr) and copies it
 *	into out; it returns 0, or -1 when there is none or it is not a
 *	plain address (then the caller uses the null sender).
 * DIAGNOSTICS
 *	PC_OK when sendmail exited 0; PC_TEMP for EX_TEMPFAIL, EX_OSERR, a
 *	signal or a timeout; PC_PERM for any other status (Postfix
 *	sys_exits.c).  The message stays on the server unless PC_OK.
 * SECURITY
 *	Sender and recipient come after "-f" and "--"; a sender that starts
 *	with '-' or holds unusual characters is refused.
 */
#ifndef DELIVER_H
#define DELIVER_H

#include "params.h"
#include "exec.h"

int deliver_start(const struct fetcher_settings *s, const char *path,
    const char *sender, const char *rcpt, struct exec_child *c,
    struct strbuf *why);
int deliver_status(const struct fetcher_settings *s, int status,
    struct strbuf *why);
int deliver_sendmail(const struct fetcher_settings *s, const char *path,
    const char *sender, const char *rcpt, int *status, struct strbuf *why);
int deliver_return_path(const char *hdr, size_t len, char *out,
    size_t size);

#endif
