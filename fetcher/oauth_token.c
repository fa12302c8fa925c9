/*
 * NAME
 *	oauth_token - a mailbox's OAuth 2.0 access token for the fetcher
 * SYNOPSIS
 *	#include "oauth_token.h"
 *
 *	int oauth_token_setup(struct account *a, const struct cfg_dict *pw,
 *		struct strbuf *why);
 *	int oauth_token_get(const struct account *a, char **token,
 *		struct strbuf *why);		free *token: xfree_secret()
 *	void oauth_token_forget(const struct account *a);
 *	int oauth_token_conf(const struct fetcher_settings *s,
 *		struct oauth_endpoints *ep, struct oauth_conf *c,
 *		struct strbuf *why);		c points into s and ep
 * DESCRIPTION
 *	A mailbox with oauth_provider set signs in with an access token
 *	that this module gets from the provider's token endpoint:
 *
 *	oauth_mode = user: the mailbox's passwords entry is the refresh
 *	token that "popconnctl oauth login NAME" stored; it is exchanged for
 *	an access token (RFC 6749 section 6).  oauth_mode = app: the client
 *	credentials grant (RFC 6749 section 4.4) with the client secret, or
 *	with a client assertion signed by oauth_client_certificate's key
 *	(Microsoft 365 app-only access).
 *
 *	Sessions run in short-lived worker processes, so the access token
 *	is kept between sessions in STATE/NAME.oauth (mode 0600 in the
 *	0700 state directory, replaced atomically) and used until
 *	OAUTH_TOKEN_MARGIN seconds before it expires.  The same file holds
 *	a refresh token the provider rotated: the fetcher cannot (and
 *	should not) rewrite the passwords file in /etc.  The file records
 *	a digest of the passwords entry it grew from ("origin"): after a
 *	new "oauth login" the entry differs and the file is ignored.
 *
 *	oauth_token_setup() checks a mailbox's oauth settings when it is
 *	loaded and takes the client secret from the passwords entry named
 *	by oauth_client_secret_name.  oauth_token_conf() resolves the
 *	provider preset and the settings into an oauth_conf (also used by
 *	popconnctl oauth login).  oauth_token_forget() drops the cached
 *	access token after the POP3 server refused it (revoked early), so
 *	that the next session asks for a new one.
 * DIAGNOSTICS
 *	invalid_grant (consent revoked or expired, password changed) and
 *	the other refusals of the token endpoint are PC_PERM, with the
 *	command that fixes them; network and server trouble is PC_TEMP.
 * SECURITY
 *	Tokens are never logged, never passed on a command line, and wiped
 *	from memory after use.  The cache file is bounded (64 KiB), must be
 *	mode 0600, and a malformed one is ignored (the refresh token in
 *	the passwords file still works).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "popconn.h"
#include "alloc.h"
#include "hex.h"
#include "log.h"
#include "safeio.h"
#include "oauth_token.h"

#define CACHE_MAX	(64 * 1024)

struct cache {
	char	origin[SHA256_DIGEST_LENGTH * 2 + 1];
	char   *refresh;		/* rotated refresh token, or NULL */
	char   *access;			/* or NULL */
	long long expires;		/* epoch seconds */
};

/* oauth_token_conf - preset plus settings */

int
oauth_token_conf(const struct fetcher_settings *s, struct oauth_endpoints *ep,
    struct oauth_conf *c, struct strbuf *why)
{
	int	app = strcmp(s->oauth_mode, "app") == 0;
	size_t	i;
	int	rc;

	memset(c, 0, sizeof(*c));
	if (!app && strcmp(s->oauth_mode, "user") != 0) {
		strbuf_printf(why, "oauth_mode = %s: use user or app",
		    s->oauth_mode);
		return (PC_PERM);
	}
	if ((rc = oauth_preset(s->oauth_provider, s->oauth_tenant, app, ep,
	    why)) != PC_OK)
		return (rc);
	c->token_endpoint = *s->oauth_token_endpoint ?
	    s->oauth_token_endpoint : ep->token;
	c->device_endpoint = *s->oauth_device_endpoint ?
	    s->oauth_device_endpoint : ep->device;
	c->auth_endpoint = *s->oauth_auth_endpoint ?
	    s->oauth_auth_endpoint : ep->auth;
	if (*s->oauth_scope) {
		/* mailboxes.cf -o values hold no blanks: commas stand in. */
		if (pc_strlcpy(ep->scope, s->oauth_scope, sizeof(ep->scope)) >=
		    sizeof(ep->scope)) {
			strbuf_printf(why, "oauth_scope is too long");
			return (PC_PERM);
		}
		for (i = 0; ep->scope[i]; i++)
			if (ep->scope[i] == ',')
				ep->scope[i] = ' ';
	}
	c->scope = ep->scope;
	c->client_id = s->oauth_client_id;
	c->ca_file = s->oauth_ca_file;
	c->timeout = (int)s->command_timeout;
	if (*c->client_id == 0) {
		strbuf_printf(why, "oauth_client_id is not set (the "
		    "application id registered with %s)", s->oauth_provider);
		return (PC_PERM);
	}
	if (*c->token_endpoint == 0 || (!app && *c->scope == 0)) {
		strbuf_printf(why, "oauth_provider = %s needs "
		    "oauth_token_endpoint and oauth_scope", s->oauth_provider);
		return (PC_PERM);
	}
	return (PC_OK);
}

/* oauth_token_setup - check the settings, find the client secret */

int
oauth_token_setup(struct account *a, const struct cfg_dict *pw,
    struct strbuf *why)
{
	struct strbuf *w = strbuf_alloc(1024);
	struct oauth_endpoints ep;
	struct oauth_conf c;
	const struct cfg_entry *e;
	const char *n = a->set.oauth_client_secret_name;
	int	rc;

	if ((rc = oauth_token_conf(&a->set, &ep, &c, w)) != PC_OK) {
		strbuf_printf(why, "mailbox %s: %s", a->name, strbuf_str(w));
		strbuf_free(w);
		return (rc);
	}
	strbuf_free(w);
	if (*n == 0)
		return (PC_OK);
	if ((e = cfg_dict_find(pw, n)) == NULL) {
		strbuf_printf(why, "mailbox %s: oauth_client_secret_name = %s: "
		    "no such entry in the passwords file (popconnctl passwd "
		    "%s)", a->name, n, n);
		return (PC_PERM);
	}
	a->oauth_secret = xstrdup(e->value);
	return (PC_OK);
}

/* origin_of - hex SHA-256 of what the cache grew from */

static void
origin_of(const struct account *a, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct strbuf *b = strbuf_alloc(3 * OAUTH_TOKEN_MAX);

	(void)strbuf_appendf(b, "%s\n%s\n%s\n%s", a->set.oauth_mode,
	    a->set.oauth_client_id, a->set.oauth_client_certificate,
	    a->password ? a->password : a->oauth_secret ? a->oauth_secret :
	    "");
	(void)SHA256((const unsigned char *)b->data, b->len, md);
	hex_encode(out, md, sizeof(md));
	strbuf_wipe(b);
	strbuf_free(b);
}

/* cache_path - STATE/NAME.oauth */

static int
cache_path(const struct account *a, char *buf, size_t size)
{
	return (snprintf(buf, size, "%s/%s.oauth", a->set.state_directory,
	    a->name) >= (int)size ? -1 : 0);
}

/* cache_free - wipe and release */

static void
cache_free(struct cache *k)
{
	if (k->refresh)
		xfree_secret(k->refresh);
	if (k->access)
		xfree_secret(k->access);
	memset(k, 0, sizeof(*k));
}

/* cache_read - load STATE/NAME.oauth; a missing or bad file is empty */

static void
cache_read(const struct account *a, struct cache *k)
{
	struct strbuf *buf = strbuf_alloc(CACHE_MAX);
	struct strbuf *w = strbuf_alloc(1024);
	char	path[4096], *line, *next, *val;
	struct stat st;
	int	ok = 1;

	memset(k, 0, sizeof(*k));
	if (cache_path(a, path, sizeof(path)) < 0 || (lstat(path, &st) < 0 &&
	    errno == ENOENT))
		goto out;
	if (safeio_read_file(path, CACHE_MAX, 1, buf, w) != PC_OK) {
		log_warn("acct=%s: ignoring the token cache: %s", a->name,
		    strbuf_str(w));
		goto out;
	}
	for (line = buf->data; ok && line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = 0;
		if ((val = strchr(line, ' ')) == NULL) {
			ok = 0;
			break;
		}
		*val++ = 0;
		if (strcmp(line, "origin") == 0 && strlen(val) ==
		    sizeof(k->origin) - 1)
			memcpy(k->origin, val, sizeof(k->origin));
		else if (strcmp(line, "refresh") == 0 && k->refresh == NULL &&
		    *val && strlen(val) <= OAUTH_TOKEN_MAX)
			k->refresh = xstrdup(val);
		else if (strcmp(line, "access") == 0 && k->access == NULL &&
		    *val && strlen(val) <= OAUTH_TOKEN_MAX)
			k->access = xstrdup(val);
		else if (strcmp(line, "expires") == 0)
			k->expires = strtoll(val, NULL, 10);
		else
			ok = 0;
	}
	if (!ok || k->origin[0] == 0) {
		log_warn("acct=%s: ignoring a malformed token cache %s",
		    a->name, path);
		cache_free(k);
	}
out:
	strbuf_wipe(buf);
	strbuf_free(buf);
	strbuf_free(w);
}

/* cache_write - replace STATE/NAME.oauth atomically, mode 0600 */

static int
cache_write(const struct account *a, const struct cache *k,
    struct strbuf *why)
{
	struct strbuf *buf = strbuf_alloc(CACHE_MAX);
	struct stat st;
	char	path[4096];
	int	rc;

	if (cache_path(a, path, sizeof(path)) < 0) {
		strbuf_printf(why, "token cache: path too long");
		strbuf_free(buf);
		return (PC_PERM);
	}
	if (strbuf_appendf(buf, "origin %s\n", k->origin) != 0 ||
	    (k->refresh && strbuf_appendf(buf, "refresh %s\n",
	    k->refresh) != 0) || (k->access && strbuf_appendf(buf,
	    "access %s\nexpires %lld\n", k->access, k->expires) != 0)) {
		strbuf_printf(why, "token cache: too long");
		rc = PC_PERM;
	} else if (geteuid() == 0 && stat(a->set.state_directory, &st) == 0
	    && st.st_uid != 0) {
		/* popconnctl as root: the file stays the daemon user's. */
		rc = safeio_replace_owned(path, buf->data, buf->len, 0600,
		    st.st_uid, st.st_gid, why);
	} else {
		rc = safeio_replace(path, buf->data, buf->len, 0600, why);
	}
	strbuf_wipe(buf);
	strbuf_free(buf);
	return (rc);
}

/* oauth_token_forget - the server refused the access token: drop it */

void
oauth_token_forget(const struct account *a)
{
	struct strbuf *w = strbuf_alloc(1024);
	struct cache k;

	cache_read(a, &k);
	if (k.access) {
		xfree_secret(k.access);
		k.access = NULL;
		if (cache_write(a, &k, w) != PC_OK)
			log_warn("acct=%s: token cache: %s", a->name,
			    strbuf_str(w));
	}
	cache_free(&k);
	strbuf_free(w);
}

/* refused - what the token endpoint's refusal means for this mailbox */

static void
refused(const struct account *a, const struct oauth_reply *r,
    struct strbuf *w, struct strbuf *why)
{
	int	app = strcmp(a->set.oauth_mode, "app") == 0;

	if (r->error == OAUTH_E_INVALID_GRANT && !app)
		strbuf_printf(why, "OAuth: the provider refused the refresh "
		    "token (%s%s%s): consent was revoked or has expired; sign "
		    "in again with: popconnctl oauth login %s", r->code,
		    *r->desc ? ": " : "", r->desc, a->name);
	else if (app)
		strbuf_printf(why, "OAuth app-only access refused (%s)%s; "
		    "check the client secret (oauth_client_secret_name), "
		    "oauth_tenant and that the application has "
		    "POP.AccessAsApp with admin consent", strbuf_str(w),
		    oauth_hint(r));
	else
		strbuf_printf(why, "OAuth: %s%s (popconnctl oauth login %s)",
		    strbuf_str(w), oauth_hint(r), a->name);
}

/* oauth_token_get - a valid access token for mailbox a */

int
oauth_token_get(const struct account *a, char **token, struct strbuf *why)
{
	struct strbuf *w = strbuf_alloc(1024);
	struct oauth_endpoints ep;
	struct oauth_conf c;
	struct oauth_token t;
	struct oauth_reply r;
	struct cache k;
	struct strbuf *jwt = NULL;
	char	origin[sizeof(k.origin)];
	int	app = strcmp(a->set.oauth_mode, "app") == 0, rc, rotated = 0;
	time_t	now = time(NULL);

	*token = NULL;
	memset(&t, 0, sizeof(t));
	if ((rc = oauth_token_conf(&a->set, &ep, &c, w)) != PC_OK) {
		strbuf_printf(why, "%s", strbuf_str(w));
		strbuf_free(w);
		return (rc);
	}
	c.client_secret = a->oauth_secret ? a->oauth_secret :
	    app ? a->password : NULL;
	origin_of(a, origin);
	cache_read(a, &k);
	if (strcmp(k.origin, origin) != 0) {
		/* A new sign-in (or none yet): start from the passwords. */
		cache_free(&k);
		memcpy(k.origin, origin, sizeof(k.origin));
	}
	if (k.access && k.expires > (long long)now + OAUTH_TOKEN_MARGIN) {
		log_debug("acct=%s: OAuth access token from the cache, valid "
		    "for %llds", a->name, k.expires - (long long)now);
		*token = xstrdup(k.access);
		rc = PC_OK;
		goto out;
	}
	if (app && *a->set.oauth_client_certificate) {
		jwt = strbuf_alloc(OAUTH_TOKEN_MAX);
		if ((rc = oauth_jwt_assertion(a->set.oauth_client_certificate,
		    c.client_id, c.token_endpoint, (long)now, jwt, w)) !=
		    PC_OK) {
			strbuf_printf(why, "OAuth: oauth_client_certificate: %s",
			    strbuf_str(w));
			goto out;
		}
		c.client_assertion = strbuf_str(jwt);
	}
	if (app)
		rc = oauth_client_credentials(&c, &t, &r, w);
	else
		rc = oauth_refresh(&c, k.refresh ? k.refresh : a->password, &t,
		    &r, w);
	if (rc != PC_OK) {
		if (r.error != OAUTH_E_NONE && r.error != OAUTH_E_HTTP)
			refused(a, &r, w, why);
		else
			strbuf_printf(why, "OAuth: %s", strbuf_str(w));
		goto out;
	}
	/* RFC 6749 section 6: a new refresh token replaces the old one. */
	if (!app && t.refresh && strcmp(t.refresh, k.refresh ? k.refresh :
	    a->password) != 0) {
		if (k.refresh)
			xfree_secret(k.refresh);
		k.refresh = xstrdup(t.refresh);
		rotated = 1;
	}
	if (k.access)
		xfree_secret(k.access);
	k.access = xstrdup(t.access);
	k.expires = (long long)now + t.expires_in;
	strbuf_reset(w);
	if (cache_write(a, &k, w) != PC_OK)
		log_error("acct=%s: could not store the OAuth tokens%s: %s",
		    a->name, rotated ? " (the rotated refresh token is lost; "
		    "sign in again if the next session fails)" : "",
		    strbuf_str(w));
	log_info("acct=%s: OAuth access token from %s, expires_in=%lds%s",
	    a->name, app ? "client credentials" : "refresh token",
	    t.expires_in, rotated ? ", refresh token rotated and stored" : "");
	if (t.expires_in <= OAUTH_TOKEN_MARGIN)
		log_debug("acct=%s: the token lives less than %ds: not reused",
		    a->name, OAUTH_TOKEN_MARGIN);
	*token = xstrdup(t.access);
out:
	oauth_token_free(&t);
	cache_free(&k);
	strbuf_free(jwt);
	strbuf_free(w);
	return (rc);
}
