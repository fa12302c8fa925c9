/*
 * NAME
 *	ctl_oauth - popconnctl oauth login: OAuth 2.0 sign-in for a mailbox
 * SYNOPSIS
 *	int ctl_cmd_oauth(struct ctl *c, int argc, char **argv);
 *
 *	popconnctl oauth login NAME [--provider microsoft|google|generic]
 *		[--client-id ID] [--tenant T] [--client-secret-name ENTRY]
 *		[--mode user|app] [--scope S] [--token-endpoint URL]
 *		[--device-endpoint URL] [--ca-file FILE]
 *		[--client-certificate PEM] [--auth-endpoint URL]
 *		[--browser|--device]
 *	popconnctl oauth secret ENTRY [--secret-file FILE|-]
 * DESCRIPTION
 *	The options given become the mailbox's oauth_* settings (-o lines
 *	in mailboxes.cf).  oauth_mode = user: the device authorization
 *	grant (RFC 8628).  The verification URL and the code are printed;
 *	the user opens the URL on any device, signs in and enters the
 *	code, while this command polls the token endpoint at the interval
 *	the server asks for.  The refresh token becomes the mailbox's
 *	entry in the passwords file (mode 0600); auth is set to the
 *	provider's mechanism (XOAUTH2), then a test login (account_test())
 *	proves it, and where the server offers OAUTHBEARER but not
 *	XOAUTH2, auth becomes oauthbearer.  With --browser (the default for
 *	google, whose device flow cannot ask for mail access) the user
 *	signs in in a browser instead, which the provider sends back to a
 *	listener on 127.0.0.1 (authorization code with PKCE, RFC 8252);
 *	the rest is the same.  oauth_mode = app: the client
 *	credentials grant is tried and the login tested; nothing is stored
 *	but the settings (the secret is already in the passwords file).
 *
 *	oauth secret puts a client secret into the passwords file under
 *	ENTRY (the name oauth_client_secret_name gives), read like a
 *	password: from a terminal without echo, a file, or standard input.
 * DIAGNOSTICS
 *	Exit 0 when signed in (and the test login worked); EX_NOPERM when
 *	the sign-in was refused or expired; EX_TEMPFAIL for network
 *	trouble; EX_CONFIG, EX_USAGE, EX_DATAERR as the other verbs.
 * SECURITY
 *	The refresh token is written only to the passwords file, never
 *	printed, never logged, never put on a command line; it is wiped
 *	from memory after use.  The device code (short-lived, useless
 *	without the user's sign-in) is not printed either.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "alloc.h"
#include "oauth.h"
#include "account.h"
#include "oauth_token.h"

/* opts_copy - a mailbox's -o settings, with some replaced */

static struct cfg_dict *
opts_copy(const struct cfg_dict *o, const char *const set[][2], size_t n)
{
	struct cfg_dict *d = cfg_dict_alloc();
	size_t	i;

	for (i = 0; o && i < o->n; i++)
		cfg_dict_set(d, o->v[i].name, o->v[i].value, o->v[i].file,
		    o->v[i].line);
	for (i = 0; i < n; i++)
		if (set[i][1] != NULL)
			cfg_dict_set(d, set[i][0], set[i][1], NULL, 0);
	return (d);
}

/* oauth_test - a test login with what is stored now; 0 when it worked */

static int
oauth_test(struct ctl *c, const char *name, struct account_probe *pr)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	struct cfg_dict *pw = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct account a;
	char	path[PATH_MAX];
	int	rc = EX_CONFIG;

	memset(&a, 0, sizeof(a));
	memset(&m, 0, sizeof(m));
	memset(pr, 0, sizeof(*pr));
	if (ctl_load_boxes(c, &m) != 0 || (b = ctl_find_box(&m, name)) ==
	    NULL)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    cfg_load_passwords(path, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		goto out;
	}
	if (account_load(&a, b, c->main, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		goto out;
	}
	if (account_test(&a, pr, why) == PC_OK) {
		printf("%s: test login ok: %s@%s:%d, logged in with %s\n",
		    name, a.url.user, a.url.host, a.url.port, pr->mech);
		rc = 0;
	} else {
		printf("%s: test login failed: %s\n", name, strbuf_str(why));
		rc = EX_NOPERM;
	}
out:
	account_free(&a);
	cfg_mailboxes_free(&m);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}

/* offers - does a CAPA SASL line list mechanism mech? */

static int
offers(const char *sasl, const char *mech)
{
	size_t	n = strlen(mech);
	const char *p;

	for (p = sasl; (p = strcasestr(p, mech)) != NULL; p += n)
		if ((p == sasl || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return (1);
	return (0);
}

/* exit_for - an exit status for a failed grant */

static int
exit_for(int rc)
{
	return (rc == PC_TEMP ? EX_TEMPFAIL : EX_NOPERM);
}

/* login_grant2 - login_grant's work; the caller owns and frees the rest */

static int
login_grant2(const struct oauth_conf *conf, const char *name, int app,
    int browser, struct oauth_token *tok, struct strbuf *why,
    struct strbuf *url, struct oauth_loopback *lb, struct oauth_device *d,
    struct oauth_reply *rp, char **code)
{
	int	rc;

	if (app) {
		if ((rc = oauth_client_credentials(conf, tok, rp, why)) !=
		    PC_OK) {
			ctl_err("%s: app-only access refused: %s%s", name,
			    strbuf_str(why), oauth_hint(rp));
			rc = exit_for(rc);
			return (rc);
		}
		printf("%s: app-only token issued (expires in %lds)\n", name,
		    tok->expires_in);
	} else if (browser) {
		/*
		 * Google's device flow cannot ask for mail access: the
		 * browser sign-in with a loopback redirect (RFC 8252).
		 */
		if ((rc = oauth_loopback_open(lb, why)) != PC_OK ||
		    (rc = oauth_loopback_url(conf, lb, url, why)) != PC_OK) {
			ctl_err("%s: %s", name, strbuf_str(why));
			rc = rc == PC_TEMP ? EX_TEMPFAIL : EX_CONFIG;
			return (rc);
		}
		printf("To sign in %s, open this address in a web browser on "
		    "this computer (from another one: ssh -L %d:127.0.0.1:%d "
		    "THIS-HOST first):\n%s\nWaiting for the sign-in (up to 5 "
		    "minutes)...\n", name, lb->port, lb->port, strbuf_str(url));
		(void)fflush(stdout);
		strbuf_reset(why);
		if ((rc = oauth_loopback_wait(lb, 300, code, why)) != PC_OK ||
		    (rc = oauth_auth_code(conf, *code, lb, tok, rp, why)) !=
		    PC_OK) {
			ctl_err("%s: sign-in failed: %s%s", name,
			    strbuf_str(why), oauth_hint(rp));
			rc = exit_for(rc);
			return (rc);
		}
		if (tok->refresh == NULL) {
			ctl_err("%s: the provider issued no refresh token",
			    name);
			rc = EX_NOPERM;
			return (rc);
		}
	} else {
		if ((rc = oauth_device_start(conf, d, why)) != PC_OK) {
			ctl_err("%s: %s", name, strbuf_str(why));
			rc = exit_for(rc);
			return (rc);
		}
		printf("To sign in %s, open %s in a web browser and enter the "
		    "code %s\n", name, d->verification_uri, d->user_code);
		if (d->verification_uri_complete)
			printf("(or open %s)\n", d->verification_uri_complete);
		printf("Waiting for the sign-in (the code expires in %ld "
		    "minutes)...\n", (d->expires_in + 59) / 60);
		(void)fflush(stdout);
		strbuf_reset(why);
		if ((rc = oauth_device_wait(conf, d, tok, why)) !=
		    PC_OK) {
			ctl_err("%s: sign-in failed: %s", name,
			    strbuf_str(why));
			rc = exit_for(rc);
			return (rc);
		}
		if (tok->refresh == NULL) {
			ctl_err("%s: the provider issued no refresh token "
			    "(the scope needs offline_access)", name);
			rc = EX_NOPERM;
			return (rc);
		}
	}
	return (0);
}

/*
 * login_grant - the grant of oauth login: client credentials (app), the
 * browser sign-in or the device flow; 0 or an exit status
 */
static int
login_grant(const struct oauth_conf *conf, const char *name, int app,
    int browser, struct oauth_token *tok)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *url = strbuf_alloc(8 * 1024);
	struct oauth_loopback lb;
	struct oauth_device dev;
	struct oauth_reply r;
	char   *code = NULL;
	int	rc;

	memset(&r, 0, sizeof(r));
	memset(&dev, 0, sizeof(dev));
	lb.fd = -1;
	rc = login_grant2(conf, name, app, browser, tok, why, url, &lb, &dev,
	    &r, &code);
	if (code)
		xfree_secret(code);
	oauth_loopback_close(&lb);
	oauth_device_free(&dev);
	strbuf_free(url);
	strbuf_free(why);
	return (rc);
}

/*
 * login_args - the flags of oauth login into set[] and *browser
 *
 * Each settings flag fills the value of its row in set[] (the rows
 * are in the order of letters[] below; opts_copy() writes them over
 * the mailbox's -o list); --browser and --device set *browser to 1 or
 * 0 (-1: the provider's default).  A scope list's blanks become commas.
 * Exactly one NAME must follow; otherwise the usage line, EX_USAGE.
 */
static int
login_args(int argc, char **argv, const char *set[][2], int *browser)
{
	static const struct option lo[] = {
		{"provider", required_argument, NULL, 'p'},
		{"client-id", required_argument, NULL, 'i'},
		{"tenant", required_argument, NULL, 't'},
		{"client-secret-name", required_argument, NULL, 'n'},
		{"mode", required_argument, NULL, 'm'},
		{"scope", required_argument, NULL, 's'},
		{"token-endpoint", required_argument, NULL, 'T'},
		{"device-endpoint", required_argument, NULL, 'D'},
		{"ca-file", required_argument, NULL, 'C'},
		{"client-certificate", required_argument, NULL, 'K'},
		{"auth-endpoint", required_argument, NULL, 'A'},
		{"browser", no_argument, NULL, 'B'},
		{"device", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static const char letters[] = "pitnmsTDCKA";
	const char *l;
	char   *p;
	int	ch, rc = 0;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'B' || ch == 'V') {
			*browser = ch == 'B';
			continue;
		}
		if (ch == '?' || (l = strchr(letters, ch)) == NULL) {
			rc = EX_USAGE;
			continue;
		}
		/* -o values hold no blanks: a scope list takes commas. */
		if (ch == 's')
			for (p = optarg; *p; p++)
				if (*p == ' ')
					*p = ',';
		set[l - letters][1] = optarg;
	}
	if (rc != 0 || optind != argc - 1) {
		ctl_err("usage: oauth login NAME [--provider microsoft|google|"
		    "generic] [--client-id ID] [--tenant T] [--mode user|app] "
		    "[--client-secret-name ENTRY] [--scope S] "
		    "[--token-endpoint URL] [--device-endpoint URL] "
		    "[--ca-file FILE] [--client-certificate PEM] "
		    "[--auth-endpoint URL] [--browser|--device]");
		rc = EX_USAGE;
	}
	return (rc);
}

/*
 * login_client - the client's credentials for the token request
 *
 * The client secret comes from the passwords file (path, read into pw,
 * which owns it afterwards): the entry oauth_client_secret_name names,
 * or in app mode without a certificate the mailbox's own entry; in app
 * mode with oauth_client_certificate a signed JWT assertion takes its
 * place (*jwt, the caller's to free).  0, or EX_CONFIG said here.
 */
static int
login_client(const char *name, const struct fetcher_settings *fs, int app,
    const char *path, struct cfg_dict *pw, struct oauth_conf *conf,
    struct strbuf **jwt, struct strbuf *why)
{
	const struct cfg_entry *e = NULL;
	const char *l;

	if (*path && access(path, F_OK) == 0 &&
	    cfg_load_passwords(path, pw, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		return (EX_CONFIG);
	}
	l = *fs->oauth_client_secret_name ? fs->oauth_client_secret_name :
	    app && !*fs->oauth_client_certificate ? name : NULL;
	if (l && (e = cfg_dict_find(pw, l)) == NULL) {
		ctl_err("%s: the client secret is not in the passwords file: "
		    "popconnctl %s %s", name, *fs->oauth_client_secret_name ?
		    "oauth secret" : "passwd", l);
		return (EX_CONFIG);
	}
	conf->client_secret = l ? e->value : NULL;
	if (app && *fs->oauth_client_certificate) {
		*jwt = strbuf_alloc(OAUTH_TOKEN_MAX);
		if (oauth_jwt_assertion(fs->oauth_client_certificate,
		    conf->client_id, conf->token_endpoint, (long)time(NULL),
		    *jwt, why) != PC_OK) {
			ctl_err("%s: %s", name, strbuf_str(why));
			return (EX_CONFIG);
		}
		conf->client_assertion = strbuf_str(*jwt);
	}
	return (0);
}

/*
 * login_store - write the settings and the refresh token, then test
 *
 * The mailbox's entry gets the settings (opts, with auth = the
 * provider's mechanism unless it is already an OAuth one) and, in user
 * mode, the passwords file (path, for the message) the refresh token;
 * then a test login.  When the server refuses XOAUTH2 but offers
 * OAUTHBEARER, the entry is rewritten with that and tested again; an
 * app-only refusal gets the usual causes printed.  0 or an exit status.
 */
static int
login_store(struct ctl *c, const struct cfg_mailbox *b, int app,
    const char *path, const char *mech, const struct fetcher_settings *fs,
    struct cfg_dict *opts, const struct oauth_token *tok)
{
	struct account_probe pr;
	struct strbuf *entry;
	struct ctl_put put;
	int	rc;

	if (strcasecmp(fs->auth, "xoauth2") != 0 &&
	    strcasecmp(fs->auth, "oauthbearer") != 0)
		cfg_dict_set(opts, "auth", mech, NULL, 0);
	if ((entry = ctl_mailbox_entry(b->name, b->type, b->url, b->deliver_to,
	    opts)) == NULL) {
		ctl_err("%s: entry too long", b->name);
		return (EX_USAGE);
	}
	put.name = b->name;
	put.entry = strbuf_str(entry);
	put.secret = app ? NULL : tok->refresh;
	rc = ctl_mailbox_put(c, &put, 1);
	strbuf_free(entry);
	if (rc != 0)
		return (rc);
	if (!app)
		printf("%s: signed in; the refresh token is in %s (mode "
		    "0600)\n", b->name, path);
	if ((rc = oauth_test(c, b->name, &pr)) == EX_NOPERM &&
	    !offers(pr.sasl, "XOAUTH2") && offers(pr.sasl, "OAUTHBEARER")) {
		cfg_dict_set(opts, "auth", "oauthbearer", NULL, 0);
		if ((rc = ctl_mailbox_rewrite(c, b, opts)) == 0) {
			printf("%s: the server offers OAUTHBEARER: auth = "
			    "oauthbearer\n", b->name);
			rc = oauth_test(c, b->name, &pr);
		}
	} else if (rc == EX_NOPERM && app) {
		printf("%s: app-only: check that the service principal exists "
		    "in Exchange Online (New-ServicePrincipal) and has "
		    "FullAccess to the mailbox (Add-MailboxPermission), and "
		    "that POP.AccessAsApp has admin consent\n", b->name);
	}
	return (rc);
}

/*
 * oauth_login - the sign-in: settings, grant (login_grant), store, test
 * and the mechanism switch, one sequence with one cleanup.
 */
static int
oauth_login(struct ctl *c, int argc, char **argv)
{
	const char *set[][2] = {
		{"oauth_provider", NULL}, {"oauth_client_id", NULL},
		{"oauth_tenant", NULL}, {"oauth_client_secret_name", NULL},
		{"oauth_mode", NULL}, {"oauth_scope", NULL},
		{"oauth_token_endpoint", NULL}, {"oauth_device_endpoint", NULL},
		{"oauth_ca_file", NULL}, {"oauth_client_certificate", NULL},
		{"oauth_auth_endpoint", NULL},
	};
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	struct cfg_dict *opts = NULL, *pw = cfg_dict_alloc();
	const struct cfg_dict *layers[2];
	struct fetcher_settings fs;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct strbuf *jwt = NULL;
	struct oauth_endpoints ep;
	struct oauth_conf conf;
	struct oauth_token tok;
	char	path[PATH_MAX];
	const char *name;
	int	rc, app, applied = 0, browser = -1;

	memset(&m, 0, sizeof(m));
	memset(&fs, 0, sizeof(fs));
	memset(&tok, 0, sizeof(tok));
	if ((rc = login_args(argc, argv, set, &browser)) != 0)
		goto out;
	name = argv[optind];
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	if ((b = ctl_find_box(&m, name)) == NULL) {
		ctl_err("no mailbox %s in %s/mailboxes.cf", name, c->dir);
		rc = EX_DATAERR;
		goto out;
	}
	opts = opts_copy(b->opts, set, PC_ARRAY_LEN(set));
	layers[0] = c->main;
	layers[1] = opts;
	if (cfg_apply(params_fetcher, layers, 2, CFG_MAIN | CFG_MAILBOX, &fs,
	    why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	applied = 1;
	if (*fs.oauth_provider == 0) {
		ctl_err("%s: no oauth_provider: give --provider microsoft, "
		    "google or generic", name);
		rc = EX_USAGE;
		goto out;
	}
	if (oauth_token_conf(&fs, &ep, &conf, why) != PC_OK) {
		ctl_err("%s: %s", name, strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	app = strcmp(fs.oauth_mode, "app") == 0;
	if (ctl_path(c, path, sizeof(path), "passwords") != 0)
		path[0] = 0;
	if ((rc = login_client(name, &fs, app, path, pw, &conf, &jwt,
	    why)) != 0)
		goto out;
	if ((rc = login_grant(&conf, name, app, browser == 1 || (browser ==
	    -1 && strcmp(fs.oauth_provider, "google") == 0), &tok)) != 0)
		goto out;
	/* Settings, the refresh token (user mode), then a test login. */
	rc = login_store(c, b, app, path, ep.mech, &fs, opts, &tok);
out:
	if (applied)
		cfg_free_values(params_fetcher, CFG_MAIN | CFG_MAILBOX, &fs);
	oauth_token_free(&tok);
	strbuf_free(jwt);
	if (opts)
		cfg_dict_free(opts);
	cfg_dict_free(pw);
	cfg_mailboxes_free(&m);
	strbuf_free(why);
	return (rc);
}

/*
 * oauth_secret - oauth secret ENTRY [--secret-file FILE]: a client secret
 * into the passwords file under ENTRY (oauth_client_secret_name), read
 * as popconnctl passwd reads a password: never from the command line.
 */
static int
oauth_secret(struct ctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"secret-file", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	struct strbuf *sec = strbuf_alloc(64 * 1024);
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct cfgedit pw;
	const char *file = NULL;
	char	path[PATH_MAX];
	int	ch, rc = 0;

	memset(&pw, 0, sizeof(pw));
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'f')
			file = optarg;
		else
			rc = EX_USAGE;
	}
	if (rc != 0 || optind != argc - 1) {
		ctl_err("usage: oauth secret ENTRY [--secret-file FILE|-]");
		rc = EX_USAGE;
		goto out;
	}
	if ((rc = ctl_load(c)) != 0 ||
	    (rc = ctl_read_password(argv[optind], file, sec)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") < 0 ||
	    cfgedit_open(&pw, CFGEDIT_PASSWORDS, path, why) != PC_OK ||
	    cfgedit_password_set(&pw, argv[optind], strbuf_str(sec), why) !=
	    PC_OK) {
		ctl_err("%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	if ((rc = ctl_commit(&pw)) == 0)
		(void)ctl_reload_fetcher(c);
out:
	if (pw.text)
		cfgedit_free(&pw);
	strbuf_free(sec);
	strbuf_free(why);
	return (rc);
}

/* ctl_cmd_oauth - oauth SUBVERB ... */

int
ctl_cmd_oauth(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "login") == 0)
		return (oauth_login(c, argc - 1, argv + 1));
	if (argc >= 2 && strcmp(argv[1], "secret") == 0)
		return (oauth_secret(c, argc - 1, argv + 1));
	ctl_err("usage: oauth login NAME [--provider microsoft|google|"
	    "generic] ... | oauth secret ENTRY [--secret-file FILE|-]");
	return (EX_USAGE);
}
