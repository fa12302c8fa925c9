/*
 * NAME
 *	ctl_mbtest - popconnctl mailbox test NAME
 * SYNOPSIS
 *	int ctl_mailbox_test(struct ctl *c, int argc, char **argv);
 * DESCRIPTION
 *	test runs account_test(): connect, TLS, authenticate, list, QUIT,
 *	without fetching or deleting; it prints one line and what it
 *	learned (TLS, certificate, what the server offers, the mechanism
 *	chosen, capabilities) and exits with a status per failure class
 *	(see popconnctl(8)).  With --json the same as one object: the
 *	mailbox, "ok", the failure class, and each topic.
 * DIAGNOSTICS
 *	Exit status as popconnctl(8) says.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "alloc.h"
#include "pop3.h"
#include "ctl.h"
#include "ops.h"

/* Exit status of "mailbox test" per failure class (popconnctl(8)). */
static const int test_status[] = {
	[ACCOUNT_OK] = 0,
	[ACCOUNT_ERR_DNS] = EX_NOHOST,
	[ACCOUNT_ERR_CONNECT] = EX_UNAVAILABLE,
	[ACCOUNT_ERR_TLS_VERIFY] = EX_NOPERM,
	[ACCOUNT_ERR_TLS] = EX_PROTOCOL,
	[ACCOUNT_ERR_MECH] = EX_DATAERR,
	[ACCOUNT_ERR_AUTH] = EX_NOUSER,
	[ACCOUNT_ERR_LOCKED] = EX_TEMPFAIL,
	[ACCOUNT_ERR_PROTOCOL] = EX_IOERR,
	[ACCOUNT_ERR_OTHER] = EX_SOFTWARE,
	[ACCOUNT_ERR_REFUSED] = EX_UNAVAILABLE,
	[ACCOUNT_ERR_TEMP] = EX_TEMPFAIL,
};

/* mb_is_sasl - is this mechanism name a SASL one (not USER, APOP)? */

static int
mb_is_sasl(const char *mech)
{
	return (*mech && strcasecmp(mech, "user") != 0 &&
	    strcasecmp(mech, "apop") != 0 && strcasecmp(mech, "auto") != 0);
}

/* mb_test_line - the one-line diagnosis of a failed test */

static void
mb_test_line(const struct account *a, const struct account_probe *pr,
    const char *why)
{
	switch (pr->error) {
	case ACCOUNT_ERR_DNS:
		ctl_err("%s: cannot resolve %s (%s)", a->name, a->url.host,
		    why);
		break;
	case ACCOUNT_ERR_CONNECT:
		if (strstr(why, "refused") != NULL)
			ctl_err("%s: connection refused by %s:%d", a->name,
			    a->url.host, a->url.port);
		else
			ctl_err("%s: cannot connect to %s:%d: %s", a->name,
			    a->url.host, a->url.port, why);
		break;
	case ACCOUNT_ERR_TLS_VERIFY:
		ctl_err("%s: TLS certificate of %s does not verify: %s "
		    "(%s%s)", a->name, a->url.host, why,
		    *a->set.tls_ca_file ? "CA file: " : *a->set.tls_fingerprint ?
		    "pinned fingerprint alone, no CA file" : "CA file: the "
		    "system store", a->set.tls_ca_file);
		break;
	case ACCOUNT_ERR_TLS:
		ctl_err("%s: TLS with %s:%d failed: %s", a->name, a->url.host,
		    a->url.port, why);
		break;
	case ACCOUNT_ERR_MECH:
		ctl_err("%s: server does not offer %s%s (offers: SASL %s%s%s;"
		    " %s)", a->name, mb_is_sasl(pr->mech) ? "AUTH " : "",
		    *pr->mech ? pr->mech : a->set.auth, *pr->sasl ? pr->sasl :
		    "none", pr->apop ? ", APOP" : "", (pr->caps &
		    POP3_CAP_USER) || !(pr->caps & POP3_CAP_ANSWERED) ?
		    ", USER" : "", why);
		break;
	case ACCOUNT_ERR_AUTH:
		ctl_err("%s: wrong password for %s (at %s; %s)", a->name,
		    a->url.user, a->url.host, why);
		break;
	case ACCOUNT_ERR_LOCKED:
		ctl_err("%s: mailbox locked (in use): %s", a->name, why);
		break;
	case ACCOUNT_ERR_TEMP:
		ctl_err("%s: server %s cannot log in now, try later: %s",
		    a->name, a->url.host, why);
		break;
	case ACCOUNT_ERR_REFUSED:
		ctl_err("%s: login refused by %s, not for the password: %s",
		    a->name, a->url.host, why);
		break;
	case ACCOUNT_ERR_PROTOCOL:
		ctl_err("%s: protocol error from %s: %s", a->name,
		    a->url.host, why);
		break;
	default:
		ctl_err("%s: %s", a->name, why);
		break;
	}
}

/* mb_test_details - what the test learned, one topic a line */

static void
mb_test_details(const struct account *a, const struct account_probe *pr)
{
	const char *none = "none";

	printf("  tls: %s%s%s\n", pr->tls_mode[0] ? pr->tls_mode : "not "
	    "started", pr->tls_mode[0] && strcmp(pr->tls_mode, "none") != 0 ?
	    ", " : "", pr->tls_mode[0] && strcmp(pr->tls_mode, "none") != 0 ?
	    pr->tls : "");
	if (pr->tls_how[0])
		printf("  certificate: %s; verified by %s\n",
		    pr->tls_subject[0] ? pr->tls_subject : "(no subject)",
		    pr->tls_how);
	if (!(pr->caps & POP3_CAP_ANSWERED) && pr->tls_mode[0] == 0)
		return;		/* never got as far as the greeting */
	printf("  offered: SASL %s; APOP %s; USER %s\n", pr->sasl[0] ?
	    pr->sasl : none, pr->apop ? "yes (timestamp in the greeting)" :
	    "no", (pr->caps & POP3_CAP_USER) ? "yes" : !(pr->caps &
	    POP3_CAP_ANSWERED) ? "assumed (no CAPA)" : "no");
	if (pr->mech[0])
		printf("  chosen: %s (%s)\n", pr->mech, pr->mech_why[0] ?
		    pr->mech_why : a->set.auth);
	printf("  capabilities:%s%s%s%s", (pr->caps & POP3_CAP_ANSWERED) ?
	    "" : " (no CAPA)", (pr->caps & POP3_CAP_PIPELINING) ?
	    " PIPELINING" : "", (pr->caps & POP3_CAP_UIDL) ? " UIDL" : "",
	    (pr->caps & POP3_CAP_TOP) ? " TOP" : "");
	if (pr->caps & POP3_CAP_LOGIN_DELAY)
		printf(" LOGIN-DELAY %lds", pr->login_delay);
	if (pr->caps & POP3_CAP_EXPIRE) {
		if (pr->expire < 0)
			printf(" EXPIRE NEVER");
		else
			printf(" EXPIRE %ld days", pr->expire);
	}
	printf("%s%s%s\n", (pr->caps & POP3_CAP_RESP_CODES) ? " RESP-CODES" :
	    "", (pr->caps & POP3_CAP_AUTH_RESP) ? " AUTH-RESP-CODE" : "",
	    (pr->caps & POP3_CAP_UTF8) ? " UTF8" : "");
	if (pr->error == ACCOUNT_OK)
		printf("  messages: %lu, %llu bytes (largest %llu)%s\n",
		    pr->messages, pr->bytes, pr->largest, pr->uidl ? "" :
		    "; UIDL not answered");
	else if (pr->said[0] || pr->code[0])
		printf("  server said: \"%s\" (%s)\n", pr->said, pr->code[0] ?
		    pr->code : "no code");
}

/* mb_test_json - what the test learned, for --json */

static json_t *
mb_test_json(const struct account *a, const struct account_probe *pr,
    const char *error)
{
	json_t *o = json_object(), *off = json_object();

	if (o == NULL || off == NULL)
		log_fatal(EX_OSERR, "out of memory");
	(void)json_object_set_new(o, "mailbox", ops_str(a->name));
	(void)json_object_set_new(o, "ok", json_boolean(pr->error ==
	    ACCOUNT_OK));
	(void)json_object_set_new(o, "class", json_integer(pr->error));
	(void)json_object_set_new(o, "error", ops_str(error));
	(void)json_object_set_new(o, "account", ops_str(a->url.user));
	(void)json_object_set_new(o, "host", ops_str(a->url.host));
	(void)json_object_set_new(o, "port", json_integer(a->url.port));
	(void)json_object_set_new(o, "server", ops_str(pr->server));
	(void)json_object_set_new(o, "tls_mode", ops_str(pr->tls_mode));
	(void)json_object_set_new(o, "tls", ops_str(pr->tls));
	(void)json_object_set_new(o, "certificate", ops_str(
	    pr->tls_subject));
	(void)json_object_set_new(o, "verified_by", ops_str(pr->tls_how));
	(void)json_object_set_new(off, "sasl", ops_str(pr->sasl));
	(void)json_object_set_new(off, "apop", json_boolean(pr->apop));
	(void)json_object_set_new(off, "user", json_boolean(pr->caps &
	    POP3_CAP_USER));
	(void)json_object_set_new(off, "capa", json_boolean(pr->caps &
	    POP3_CAP_ANSWERED));
	(void)json_object_set_new(o, "offered", off);
	(void)json_object_set_new(o, "mechanism", ops_str(pr->mech));
	(void)json_object_set_new(o, "mechanism_why", ops_str(
	    pr->mech_why));
	(void)json_object_set_new(o, "messages", json_integer((json_int_t)
	    pr->messages));
	(void)json_object_set_new(o, "bytes", json_integer((json_int_t)
	    pr->bytes));
	(void)json_object_set_new(o, "largest", json_integer((json_int_t)
	    pr->largest));
	(void)json_object_set_new(o, "uidl", json_boolean(pr->uidl));
	(void)json_object_set_new(o, "server_said", ops_str(pr->said));
	(void)json_object_set_new(o, "code", ops_str(pr->code));
	return (o);
}

/* ctl_mailbox_test - mailbox test NAME */

int
ctl_mailbox_test(struct ctl *c, int argc, char **argv)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	struct cfg_dict *pw = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct account a;
	struct account_probe pr;
	char	path[PATH_MAX];
	int	rc;

	memset(&a, 0, sizeof(a));
	memset(&m, 0, sizeof(m));
	if (argc != 2) {
		ctl_err("usage: mailbox test NAME");
		rc = EX_USAGE;
		goto out;
	}
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	if ((b = ctl_find_box(&m, argv[1])) == NULL) {
		ctl_fail("name", NULL, 0, "no mailbox %s in %s/mailboxes.cf",
		    argv[1], c->dir);
		rc = EX_DATAERR;
		goto out;
	}
	if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    access(path, F_OK) == 0 &&
	    cfg_load_passwords(path, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if (account_load(&a, b, c->main, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if (account_test(&a, &pr, why) == PC_OK) {
		c->result = c->json ? mb_test_json(&a, &pr, "") : NULL;
		if (!c->json) {
			printf("%s: ok: %s@%s:%d (%s), TLS %s, logged in with "
			    "%s (%s); %lu message%s, %llu bytes (largest %llu)"
			    "%s%s\n", a.name, a.url.user, a.url.host,
			    a.url.port, pr.server, pr.tls, *pr.mech ? pr.mech :
			    "?", pr.mech_why, pr.messages, pr.messages == 1 ?
			    "" : "s", pr.bytes, pr.largest, pr.uidl ? ", UIDL" :
			    ", no UIDL", pr.pipelining ? ", PIPELINING" : "");
			mb_test_details(&a, &pr);
		}
		rc = 0;
	} else {
		mb_test_line(&a, &pr, strbuf_str(why));
		if (c->json)
			c->result = mb_test_json(&a, &pr, strbuf_str(why));
		else
			mb_test_details(&a, &pr);
		rc = pr.error >= 0 && (size_t)pr.error <
		    PC_ARRAY_LEN(test_status) && pr.error != ACCOUNT_OK ?
		    test_status[pr.error] : EX_SOFTWARE;
	}
out:
	account_free(&a);
	cfg_mailboxes_free(&m);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}

