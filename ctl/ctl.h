/*
 * NAME
 *	ctl.h - popconnctl internals shared by the ctl/ files
 * SYNOPSIS
 *	Configuration:
 *	int ctl_load(struct ctl *c);		exit status; prints the error
 *	void ctl_unload(struct ctl *c);
 *	int ctl_load_boxes(struct ctl *c, struct cfg_mailboxes *m);
 *	const struct cfg_mailbox *ctl_find_box(const struct cfg_mailboxes *m,
 *		const char *name);		owned by m
 *	const struct cfg_mailbox *ctl_same_account(
 *		const struct cfg_mailboxes *m, size_t n, const char *name,
 *		const char *url);	another of m's first n mailboxes
 *					that fetches url's account (user,
 *					host, port), or NULL; owned by m
 *	int ctl_path(struct ctl *c, char *buf, size_t size,
 *		const char *file);
 *	int ctl_commit(struct cfgedit *e);	exit status; prints the error
 *
 *	Messages: ctl_err() to stderr with "popconnctl: ", ctl_note() too
 *	(information), ctl_errno() appends strerror(errno).
 *
 *	Daemons:
 *	int ctl_request(const struct ctl *c, const struct ctlproto_req *req,
 *		int (*cb)(void *ctx, const char *line), void *ctx,
 *		int timeout, struct strbuf *why);
 *	int ctl_reload_fetcher(const struct ctl *c);
 *	int ctl_reload_milter(const struct ctl *c, int quiet);
 *	int ctl_milter_pid(const struct ctl *c, long *pid,
 *		struct strbuf *why);
 *	int ctl_read_password(const char *name, const char *file,
 *		struct strbuf *pw);
 *	int ctl_mailbox_rewrite(struct ctl *c, const struct cfg_mailbox *m,
 *		const struct cfg_dict *opts);	new -o list, then reload
 *	struct strbuf *ctl_mailbox_entry(const char *name, const char *type,
 *		const char *url, const char *deliver_to,
 *		const struct cfg_dict *opts);	caller frees; NULL: too long
 *	int ctl_mailbox_put(struct ctl *c, const struct ctl_put *v,
 *		size_t n);	passwords, then entries, then a reload
 *
 *	Questions on the terminal (ctl_question.c):
 *	int ctl_question(const char *q, const char *help, char **val);
 *	int ctl_question_yes(const char *q, int def);
 *	int ctl_fd_line(int fd, struct strbuf *out);
 *
 *	JSON output (--json; the control protocol's codec is lib/ctlproto.c):
 *	void json_put(FILE *fp, const char *s);	quoted, escaped
 *
 *	Verbs: ctl_cmd_*(struct ctl *c, int argc, char **argv), argv[0] the
 *	verb (or sub-verb); each returns the exit status.
 */
#ifndef CTL_H
#define CTL_H

#include <stdio.h>
#include <limits.h>

#include <jansson.h>

#include "popconn.h"
#include "cfg.h"
#include "cfgedit.h"
#include "ctl_proto.h"
#include "params.h"
#include "strbuf.h"

#define CTL_DOWN	(-3)		/* ctl_request(): daemon not running */
#define CTL_REPLY_MAX	(64 * 1024)	/* one reply line from the daemon */
#define CTL_WHY_MAX	4096

struct ctl {
	const char *dir;		/* configuration directory */
	int	verbose;
	int	json;			/* --json: one JSON answer (ops.h) */
	json_t *result;			/* what a verb answers with --json */
	struct cfg_dict *main;		/* raw popconn.cf */
	struct fetcher_settings fs;
	struct milter_settings ms;
	int	loaded;
};

/* One mailbox for ctl_mailbox_put(); NULL leaves that file alone. */
struct ctl_put {
	const char *name;
	const char *entry;		/* the mailboxes.cf entry */
	const char *secret;		/* the password */
};

int	ctl_load(struct ctl *c);
void	ctl_unload(struct ctl *c);
int	ctl_load_boxes(struct ctl *c, struct cfg_mailboxes *m);
const struct cfg_mailbox *ctl_find_box(const struct cfg_mailboxes *m,
	    const char *name);
const struct cfg_mailbox *ctl_same_account(const struct cfg_mailboxes *m,
	    size_t n, const char *name, const char *url);
int	ctl_path(const struct ctl *c, char *buf, size_t size, const char *file);
int	ctl_commit(struct cfgedit *e);
void	ctl_err(const char *fmt, ...) PC_PRINTF(1, 2);
void	ctl_errno(const char *fmt, ...) PC_PRINTF(1, 2);
void	ctl_note(const char *fmt, ...) PC_PRINTF(1, 2);
const char *ctl_raw(const struct ctl *c, const char *name, const char **src);

int	ctl_request(const struct ctl *c, const struct ctlproto_req *req,
	    int (*cb)(void *ctx, const char *line), void *ctx, int timeout,
	    struct strbuf *why);
int	ctl_reload_fetcher(const struct ctl *c);
int	ctl_reload_milter(const struct ctl *c, int quiet);
int	ctl_milter_pid(const struct ctl *c, long *pid, struct strbuf *why);
int	ctl_read_password(const char *name, const char *file,
	    struct strbuf *pw);
int	ctl_mailbox_rewrite(struct ctl *c, const struct cfg_mailbox *m,
	    const struct cfg_dict *opts);
struct strbuf *ctl_mailbox_entry(const char *name, const char *type,
	    const char *url, const char *deliver_to,
	    const struct cfg_dict *opts);
int	ctl_mailbox_put(struct ctl *c, const struct ctl_put *v, size_t n);

int	ctl_question(const char *q, const char *help, char **val);
int	ctl_question_yes(const char *q, int def);
int	ctl_fd_line(int fd, struct strbuf *out);

void	json_put(FILE *fp, const char *s);
const char *ctl_pr(char *buf, size_t size, const char *s);
const char *ctl_human_bytes(char *buf, size_t size, double n);

int	ctl_cmd_mailbox(struct ctl *c, int argc, char **argv);
int	ctl_mailbox_test(struct ctl *c, int argc, char **argv);
int	ctl_cmd_passwd(struct ctl *c, int argc, char **argv);
int	ctl_cmd_oauth(struct ctl *c, int argc, char **argv);
int	ctl_cmd_schedule(struct ctl *c, int argc, char **argv);
int	ctl_cmd_fetch(struct ctl *c, int argc, char **argv);
int	ctl_cmd_status(struct ctl *c, int argc, char **argv);
int	ctl_cmd_reload(struct ctl *c, int argc, char **argv);
int	ctl_cmd_log_level(struct ctl *c, int argc, char **argv);
int	ctl_cmd_log(struct ctl *c, int argc, char **argv);
int	ctl_cmd_undeliverable(struct ctl *c, int argc, char **argv);
int	ctl_cmd_route(struct ctl *c, int argc, char **argv);
int	ctl_route_test(struct ctl *c, int argc, char **argv);
int	ctl_cmd_check(struct ctl *c, int argc, char **argv);
int	ctl_cmd_postfix_setup(struct ctl *c, int argc, char **argv);
int	ctl_cmd_import(struct ctl *c, int argc, char **argv);
int	ctl_cmd_setup(struct ctl *c, int argc, char **argv);

#endif
