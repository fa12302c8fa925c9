/*
 * NAME
 *	pop3_int.h - the POP3 engine's own parts, shared by its two files
 * SYNOPSIS
 *	int pop3i_put_line(struct pop3 *p, const char *cmd, size_t max,
 *		int secret, struct strbuf *why);
 *	int pop3i_send_cmd(struct pop3 *p, const char *cmd,
 *		const char *shown, int st, struct strbuf *why);
 *	int pop3i_err_status(struct pop3 *p, const char *cmd,
 *		const struct pop3_status *st, int dflt, struct strbuf *why);
 *	int pop3i_finish(struct pop3 *p, int rc, struct pop3_event *ev,
 *		struct strbuf *why);
 *	void pop3i_sasl_free(struct pop3 *p);
 *	int pop3i_send_pass(struct pop3 *p, struct pop3_event *ev,
 *		struct strbuf *why);
 *	int pop3i_sasl_line(struct pop3 *p, struct pop3_event *ev,
 *		struct strbuf *why);
 *	int pop3i_login_end(struct pop3 *p, int rc, struct pop3_event *ev,
 *		struct strbuf *why);
 *	int pop3i_drain_line(struct pop3 *p, struct pop3_event *ev,
 *		struct strbuf *why);
 *	int pop3i_drain_fail(struct pop3 *p, struct pop3_event *ev,
 *		struct strbuf *why);
 *	int pop3i_utf8_reply(struct pop3 *p, struct pop3_event *ev,
 *		struct strbuf *why);
 * DESCRIPTION
 *	pop3_engine.c holds the machine (input, states, scan, RETR/DELE,
 *	QUIT), pop3_auth.c the logins (USER/PASS, APOP, AUTH).  Not for
 *	use outside them: the public interface is pop3.h.
 */
#ifndef POP3_INT_H
#define POP3_INT_H

#include "pop3.h"

#define POP3_CMD_MAX	255		/* RFC 2449 section 4 */

/* What the next input is (p->st). */
#define E_IDLE		0	/* no operation running */
#define E_GREETING	1
#define E_CAPA		2	/* status of CAPA */
#define E_CAPA_LINES	3
#define E_STLS		4
#define E_TLS		5	/* waiting for the caller's handshake */
#define E_UTF8		6
#define E_USER		7
#define E_PASS		8
#define E_APOP		9
#define E_SASL		10	/* a challenge or the final status */
#define E_SASL_CANCEL	11	/* the reply to "*" */
#define E_UIDL		12
#define E_UIDL_LINES	13
#define E_LIST		14
#define E_LIST_LINES	15
#define E_REPLY		16	/* status of RETR or DELE */
#define E_BODY		17	/* RETR message data */
#define E_QUIT		18
#define E_DRAIN		19	/* replies behind a refused login */

/* Operations (p->op). */
#define OP_NONE		0
#define OP_OPEN		1
#define OP_LOGIN	2
#define OP_APOP		3
#define OP_SASL		4
#define OP_SCAN		5
#define OP_NEXT		6
#define OP_QUIT		7

struct pop3_sasl {
	struct xsasl *x;
	struct strbuf *pending;	/* initial response that did not fit */
	struct strbuf *out;
	struct strbuf *note;	/* an error the server explained */
	struct strbuf *saved;	/* the reason, while "*" is answered */
	int	steps;
	int	sent_initial;
	int	challenged;
};

int pop3i_put_line(struct pop3 *p, const char *cmd, size_t max, int secret,
    struct strbuf *why);
int pop3i_send_cmd(struct pop3 *p, const char *cmd, const char *shown,
    int st, struct strbuf *why);
int pop3i_err_status(struct pop3 *p, const char *cmd,
    const struct pop3_status *st, int dflt, struct strbuf *why);
int pop3i_finish(struct pop3 *p, int rc, struct pop3_event *ev,
    struct strbuf *why);
void pop3i_sasl_free(struct pop3 *p);
int pop3i_send_pass(struct pop3 *p, struct pop3_event *ev,
    struct strbuf *why);
int pop3i_sasl_line(struct pop3 *p, struct pop3_event *ev,
    struct strbuf *why);
int pop3i_login_end(struct pop3 *p, int rc, struct pop3_event *ev,
    struct strbuf *why);
int pop3i_drain_line(struct pop3 *p, struct pop3_event *ev,
    struct strbuf *why);
int pop3i_drain_fail(struct pop3 *p, struct pop3_event *ev,
    struct strbuf *why);
int pop3i_utf8_reply(struct pop3 *p, struct pop3_event *ev,
    struct strbuf *why);

#endif
