/*
 * NAME
 *	ops.h - popconnctl's operations, without printing and without argv
 * SYNOPSIS
 *	#include "ops.h"
 *
 *	Reporting (ctl/ops.c):
 *	void ctl_fail(const char *field, const char *file, int line,
 *		const char *fmt, ...);	an error that names what is wrong
 *	void ops_capture(void);		collect messages instead of printing
 *	int ops_captured(int note, const char *text);	1: taken
 *	json_t *ops_str(const char *s);	a JSON string of any bytes
 *	int ops_finish(struct ctl *c, int status);	the --json answer
 *
 *	Mailboxes (ctl/ops_mailbox.c):
 *	int ops_mailbox_opt(struct cfg_dict *opts, const char *name,
 *		const char *value);	a checked -o setting
 *	int ops_mailbox_unset(struct cfg_dict *opts, const char *name);
 *	int ops_mailbox_plan(struct ctl *c, const struct ops_mailbox_req *r,
 *		struct ops_mailbox_plan *p);	free: ops_mailbox_plan_free
 *	int ops_mailbox_commit(struct ctl *c,
 *		const struct ops_mailbox_plan *p, const char *secret);
 *	void ops_mailbox_plan_free(struct ops_mailbox_plan *p);
 *	int ops_mailbox_find(struct ctl *c, const char *name);
 *	int ops_mailbox_remove(struct ctl *c, const char *name);
 *	int ops_mailbox_state_files(const struct ctl *c, const char *name,
 *		char files[2][PATH_MAX]);	how many exist
 *	int ops_passwd(struct ctl *c, const char *name, const char *secret);
 *	int ops_mailbox_list(struct ctl *c, json_t **list);
 *	int ops_mailbox_show(struct ctl *c, const char *name, json_t **box);
 *
 *	Administration (ctl/ops_admin.c):
 *	int ops_main_edit(struct ctl *c, const char *const names[],
 *		const char *const values[], size_t n);	popconn.cf;
 *					a NULL value unsets
 *	int ops_schedule_show(struct ctl *c, json_t **sched);
 *	int ops_schedule_set(struct ctl *c, const char *mailbox,
 *		const char *interval, const char *times, int force,
 *		json_t **done);		mailbox NULL: popconn.cf
 *	int ops_undeliverable(struct ctl *c, const char *address,
 *		json_t **res);		NULL address: show; "" clears
 *	int ops_route_list(struct ctl *c, json_t **routes);
 *	int ops_route_edit(struct ctl *c, int add, int pcre,
 *		const char *pattern, const char *recipient, json_t **done);
 *
 *	Check (ctl/ops_check.c):
 *	int ops_check(struct ctl *c, void (*report)(void *ctx,
 *		const json_t *problem), void *ctx, json_t **summary);
 * DESCRIPTION
 *	The operations of popconnctl (the Mailboxes, Scheduling, Routing
 *	and Troubleshooting tabs) as functions a front end calls: the
 *	command line (ctl_*.c) and "popconnctl --json", which a web
 *	manager runs.  Each returns an exit status (0 or a sysexits code)
 *	and, where it has one, its result as a JSON value (json_t, caller
 *	decrefs) that the command line prints as text and --json prints
 *	as it is, so the two cannot disagree.  None of them reads argv,
 *	standard input or a terminal, or writes standard output.
 *
 *	Errors and notes go to ctl_err() and ctl_note(); ctl_fail() is
 *	ctl_err() that also names the option or setting (field) and the
 *	file and line at fault.  popconnctl prints them on standard error
 *	("popconnctl: TEXT", as it always has); after ops_capture() they
 *	are collected instead, and ops_finish() prints the one JSON answer
 *	of a --json run:
 *
 *	    {"ok":true,"result":VALUE,"notes":[TEXT,...]}
 *	    {"ok":false,"result":VALUE,"status":N,"error":TEXT,
 *	     "field":NAME,"file":PATH,"line":N,"errors":[TEXT,...],
 *	     "notes":[TEXT,...]}
 *
 *	(result, field, file and line only when known; a failed mailbox
 *	test has a result: what it learned).  status and fetch stream
 *	instead: one JSON object a line, as the fetcher sends them
 *	(include/ctl_proto.h), so 10,000 mailboxes need no big answer.
 *
 *	ops_mailbox_plan() checks a mailbox add or edit (the request
 *	below) against the configuration and builds its mailboxes.cf
 *	entry; p->need_password says whether ops_mailbox_commit() wants a
 *	secret, which the front end reads (never from argv) only after the
 *	entry was found good.  ops_mailbox_commit() writes the password,
 *	then the entry, then asks the fetcher to reload.
 *	ops_mailbox_remove() drops the entry and the password; the front
 *	end then decides about the UIDL state (ops_mailbox_state_files()).
 * SECURITY
 *	A secret is passed as a string and never put into a result or a
 *	message.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef OPS_H
#define OPS_H

#include <limits.h>

#include <jansson.h>

#include "ctl.h"
#include "log.h"

/* mailbox add (edit = 0) or edit: NULL leaves a part as it is. */
struct ops_mailbox_req {
	const char *name;
	const char *type;		/* "user", "global" */
	const char *url;
	const char *deliver_to;		/* "-": none */
	struct cfg_dict *opts;		/* line -1: unset (ops_mailbox_unset) */
	int	edit;
	int	no_password;		/* add without a password */
	int	password_given;		/* edit: a new password comes */
};

struct ops_mailbox_plan {
	char   *name;
	struct strbuf *entry;		/* the mailboxes.cf entry */
	int	need_password;
};

void	ctl_fail(const char *field, const char *file, int line,
	    const char *fmt, ...) PC_PRINTF(4, 5);
void	ops_capture(void);
int	ops_captured(int note, const char *text);
json_t *ops_str(const char *s);
int	ops_finish(struct ctl *c, int status);

int	ops_mailbox_opt(struct cfg_dict *opts, const char *name,
	    const char *value);
int	ops_mailbox_unset(struct cfg_dict *opts, const char *name);
int	ops_mailbox_plan(struct ctl *c, const struct ops_mailbox_req *r,
	    struct ops_mailbox_plan *p);
int	ops_mailbox_commit(struct ctl *c, const struct ops_mailbox_plan *p,
	    const char *secret);
void	ops_mailbox_plan_free(struct ops_mailbox_plan *p);
int	ops_mailbox_find(struct ctl *c, const char *name);
int	ops_mailbox_remove(struct ctl *c, const char *name);
int	ops_mailbox_state_files(const struct ctl *c, const char *name,
	    char files[2][PATH_MAX]);
int	ops_passwd(struct ctl *c, const char *name, const char *secret);
int	ops_mailbox_list(struct ctl *c, json_t **list);
int	ops_mailbox_show(struct ctl *c, const char *name, json_t **box);

int	ops_main_edit(struct ctl *c, const char *const names[],
	    const char *const values[], size_t n);
int	ops_times_ok(const char *s);
const struct cfg_param *ops_param(const char *name);
const char *ops_duration(char *buf, size_t size, long long secs);
int	ops_addr_ok(const char *s, int spaces);
char   *ops_map(const char *maps, const char *type);
char   *ops_pcre_key(const char *pat);
void	ops_route_split(char *s, int pcre, char **rcpt);
int	ops_schedule_show(struct ctl *c, json_t **sched);
int	ops_schedule_set(struct ctl *c, const char *mailbox,
	    const char *interval, const char *times, int force,
	    json_t **done);
int	ops_undeliverable(struct ctl *c, const char *address, json_t **res);
int	ops_route_list(struct ctl *c, json_t **routes);
int	ops_route_edit(struct ctl *c, int add, int pcre, const char *pattern,
	    const char *recipient, json_t **done);
int	ops_check(struct ctl *c, void (*report)(void *ctx,
	    const json_t *problem), void *ctx, json_t **summary);

#endif
