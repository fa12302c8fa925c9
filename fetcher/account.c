/*
 * NAME
 *	account - one fetch session of one mailbox
 * SYNOPSIS
 *	See account.h.
 * DESCRIPTION
 *	account_fetch() connects, logs in (account_login.c), scans, and has
 *	account_deliver.c fetch, deliver and delete every message.
 *	The order for each message is the one DESIGN.md and STYLE.md fix:
 *	RETR into the spool (complete or not at all), sendmail exits 0,
 *	the UIDL is recorded durably, then DELE.  QUIT comes last (with
 *	PIPELINING in the same write as the last DELEs); a failure before
 *	it drops the connection, and the server rolls back its DELEs (RFC
 *	1939 section 6), which the UIDL state then skips.  A failure after
 *	a pipelined QUIT went out (a DELE refused) leaves the DELEs the
 *	server accepted in force: their records were on disk before.
 * DIAGNOSTICS
 *	One log line per message (level medium) and one per session.
 * SECURITY
 *	The password is wiped when the account is freed and never logged.
 *	A password is sent over an unencrypted connection only with
 *	"-o tls=none" on that mailbox.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "cfg.h"
#include "pop3.h"
#include "spool.h"
#include "deliver.h"
#include "uidl_state.h"
#include "safeio.h"
#include "exec.h"
#include "xsasl.h"
#include <openssl/evp.h>

#include "marker.h"
#include "account.h"
#include "account_int.h"
#include "account_login.h"
#include "oauth_token.h"

void	(*account_progress)(const struct account_result *, unsigned long);
volatile int account_stop;

/* account_fetch - one POP3 session for one mailbox */

int
account_fetch(struct account *a, struct account_result *r,
    struct strbuf *why)
{
	struct pop3 p;
	struct pop3_opts o;
	struct uidl_state st;
	const char **live = NULL;
	struct auth_choice ch;
	char   *token = NULL, tlsfile[4096];
	size_t	i, nlive = 0;
	time_t	start = time(NULL);
	int	rc;

	memset(r, 0, sizeof(*r));
	r->login_delay = -1;
	account_opts(a, &o);
	/* The TLS session for the next time (net.h), beside the state. */
	rc = snprintf(tlsfile, sizeof(tlsfile), "%s/%s.tls",
	    a->set.state_directory, a->name);
	if (rc > 0 && (size_t)rc < sizeof(tlsfile))
		o.tls_session_file = tlsfile;

	if ((rc = uidl_state_open(&st, a->set.state_directory, a->name,
	    why)) != PC_OK)
		return (rc);
	pop3_init(&p, a->name);
	log_debug("acct=%s: connecting to %s port %d", a->name, o.host,
	    o.port);
	if ((rc = pop3_open(&p, &o, why)) != PC_OK) {
		if (rc == PC_TEMP)
			r->refused = account_refusal_of(&p, ACCOUNT_AT_OPEN);
		goto out;
	}
	if (p.net.tls_resumed)
		log_debug("acct=%s: TLS session resumed", a->name);
	if (*a->set.password_command) {
		if ((rc = account_password_command(a, &token, why)) != PC_OK)
			goto out;
	} else if (*a->set.oauth_provider &&
	    (rc = oauth_token_get(a, &token, why)) != PC_OK)
		goto out;
	rc = account_login(a, &p, &o, token ? token : a->password, 1, &ch,
	    why);
	if (token)
		token = (xfree_secret(token), NULL);
	if (rc == PC_PERM && !*a->set.password_command &&
	    *a->set.oauth_provider)
		oauth_token_forget(a);
	if (rc == PC_TEMP)
		r->refused = account_refusal_of(&p, ACCOUNT_AT_LOGIN);
	if (rc != PC_OK)
		goto out;
	log_info("acct=%s: logged in with %s (%s)", a->name, ch.mech,
	    ch.why);
	pc_strlcpy(r->mech, ch.mech, sizeof(r->mech));
	pc_strlcpy(r->mech_why, ch.why, sizeof(r->mech_why));
	if ((rc = pop3_scan(&p, why)) != PC_OK)
		goto out;
	r->messages = p.nmsgs;
	if (account_progress)
		account_progress(r, 0);
	live = xcalloc(p.nmsgs ? p.nmsgs : 1, sizeof(char *));
	for (i = 0; i < p.nmsgs; i++) {
		if (p.msgs[i].uid[0])
			live[nlive++] = p.msgs[i].uid;
	}
	if (nlive < p.nmsgs && a->set.keep) {
		strbuf_printf(why, "server %s does not support UIDL: cannot "
		    "keep mail on it without fetching it again", p.net.peer);
		rc = PC_PERM;
		goto out;
	}
	if (nlive < p.nmsgs)
		log_warn("acct=%s: server has no UIDL; a cut connection may "
		    "deliver a message twice", a->name);
	/* Without UIDL, digests stand in for UIDs: nothing to prune by. */
	if ((rc = nlive < p.nmsgs ? uidl_state_compact(&st, why) :
	    uidl_state_prune(&st, live, nlive, why)) != PC_OK)
		goto out;
	rc = account_run_pipeline(a, &p, &st, r, why);
	if (rc != PC_OK)
		goto out;
	rc = pop3_quit(&p, why);
out:
	r->login_delay = p.login_delay;
	/*
	 * RFC 2449 section 6.5: CAPA LOGIN-DELAY is the least time the
	 * server allows between logins; the scheduler keeps to it.
	 */
	if (rc == PC_OK && r->login_delay <= 0 && p.caps.login_delay > 0)
		r->login_delay = p.caps.login_delay;
	if (rc == PC_OK)
		log_info("acct=%s: session=done, server=%s, tls=%s, "
		    "messages=%lu, delivered=%lu, deleted=%lu, kept=%lu, "
		    "failed=%lu, bytes=%llu, seconds=%ld", a->name,
		    p.net.peer, p.tls_active ? p.net.tls_info : "none",
		    r->messages, r->delivered, r->deleted,
		    r->messages - r->deleted, r->failed, r->bytes, (long)(time(NULL) - start));
	else if (r->refused)	/* the daemon says what it makes of it */
		log_info("acct=%s: session=refused, server=%s, reason=%s",
		    a->name, p.net.peer[0] ? p.net.peer : a->url.host,
		    strbuf_str(why));
	else if (p.login_delay > 0)
		log_error("acct=%s: session=deferred, server=%s, delivered=%lu, "
		    "login_delay=%lds, reason=%s", a->name, p.net.peer,
		    r->delivered, p.login_delay, strbuf_str(why));
	else
		log_error("acct=%s: session=%s, server=%s, delivered=%lu, "
		    "reason=%s", a->name, rc == PC_TEMP ? "deferred" :
		    "failed", p.net.peer[0] ? p.net.peer : a->url.host,
		    r->delivered, strbuf_str(why));
	free(live);
	pop3_close(&p);
	uidl_state_close(&st);
	return (rc);
}
