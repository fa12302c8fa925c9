/*
 * NAME
 *	oauth - OAuth 2.0 for POP3 sign-in: device, refresh, client grants
 * SYNOPSIS
 *	#include "oauth.h"
 *
 *	int oauth_preset(provider, tenant, app_only, ep, why)
 *	int oauth_parse_device(body, len, status, d, r, why)
 *	int oauth_parse_token(body, len, status, t, r, why)
 *	int oauth_device_start(c, d, why)
 *	int oauth_device_wait(c, d, t, why)
 *	int oauth_refresh(c, refresh, t, r, why)
 *	int oauth_client_credentials(c, t, r, why)
 *	const char *oauth_hint(r)
 * DESCRIPTION
 *	oauth_preset() fills in the endpoints, scope and SASL mechanism of a
 *	provider: "microsoft" (Entra ID; tenant "organizations" unless one
 *	is given; delegated scope POP.AccessAsUser.All offline_access, or
 *	https://outlook.office.com/.default for app-only access, which
 *	needs POP.AccessAsApp), "google" and "generic" (nothing: the
 *	oauth_*_endpoint and oauth_scope settings say it all).
 *
 *	oauth_parse_device() and oauth_parse_token() read a device
 *	authorization response (RFC 8628 section 3.2) or a token response
 *	(RFC 6749 sections 5.1 and 5.2).  On an error response they return
 *	PC_PERM or PC_TEMP with r->error saying which (OAUTH_E_*): the
 *	device grant's authorization_pending and slow_down, expired_token,
 *	access_denied, invalid_grant, and the rest.
 *
 *	oauth_device_start() asks for a device code; oauth_device_wait()
 *	polls the token endpoint at the server's interval, five seconds
 *	more after each slow_down (RFC 8628 section 3.5), until the user
 *	signed in, refused, or the code expired.  oauth_refresh() is the
 *	refresh-token grant (RFC 6749 section 6); t->refresh is the rotated
 *	token when the server issued one, NULL otherwise.  oauth_auth_code()
 *	redeems the code of the browser sign-in (lib/oauth_loopback.c).
 *	oauth_client_credentials() is RFC 6749 section 4.4 with a client
 *	secret or a signed client assertion (RFC 7523; lib/oauth_jwt.c)
 *	for Microsoft 365 app-only access.
 *
 *	oauth_hint() turns an Entra ID error (its AADSTS number) into the
 *	step an administrator missed, or returns "".
 * DIAGNOSTICS
 *	PC_TEMP: network, TLS, HTTP 5xx, 429, a server that stopped making
 *	sense in a way that may pass.  PC_PERM: the server refused (an
 *	OAuth error), or its answer cannot be a valid one.
 * SECURITY
 *	Everything the token endpoint sends is untrusted: a body is at most
 *	OAUTH_BODY_MAX octets (a longer one is refused while it arrives),
 *	parsed by jansson with duplicate keys refused; every field is type
 *	checked and bounded; tokens must be printable ASCII without white
 *	space (they go into SASL messages); error text is made printable
 *	and never quotes anything that might be a secret.  HTTPS only,
 *	certificate and host name verified always (libcurl defaults, which
 *	are never turned off), no redirects.  Request bodies carry secrets:
 *	they are wiped after use and never logged.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "oauth.h"
#include "curl_dl.h"

static void default_sleep(unsigned seconds);

void	(*oauth_sleep)(unsigned seconds) = default_sleep;

/* default_sleep - wait between polls */

static void
default_sleep(unsigned seconds)
{
	while (seconds > 0)
		seconds = sleep(seconds);
}

/* oauth_preset - endpoints, scope and mechanism of a provider */

int
oauth_preset(const char *provider, const char *tenant, int app_only,
    struct oauth_endpoints *ep, struct strbuf *why)
{
	const char *t = tenant && *tenant ? tenant : "organizations";
	size_t	i;

	memset(ep, 0, sizeof(*ep));
	if (provider == NULL || strcmp(provider, "generic") == 0) {
		pc_strlcpy(ep->mech, "xoauth2", sizeof(ep->mech));
		return (PC_OK);
	}
	if (strcmp(provider, "microsoft") == 0) {
		/* A tenant is a GUID or a domain name: nothing else in a URL. */
		for (i = 0; t[i]; i++)
			if (!isalnum((unsigned char)t[i]) && t[i] != '.' &&
			    t[i] != '-')
				break;
		if (t[i] || i == 0 || i > 253) {
			strbuf_printf(why, "oauth_tenant: use a tenant id "
			    "(GUID) or domain name");
			return (PC_PERM);
		}
		if (app_only && (strcmp(t, "organizations") == 0 ||
		    strcmp(t, "common") == 0)) {
			strbuf_printf(why, "app-only access needs "
			    "oauth_tenant (the tenant id or domain)");
			return (PC_PERM);
		}
		(void)snprintf(ep->token, sizeof(ep->token),
		    "https://login.microsoftonline.com/%s/oauth2/v2.0/token", t);
		(void)snprintf(ep->device, sizeof(ep->device),
		    "https://login.microsoftonline.com/%s/oauth2/v2.0/"
		    "devicecode", t);
		(void)snprintf(ep->auth, sizeof(ep->auth),
		    "https://login.microsoftonline.com/%s/oauth2/v2.0/"
		    "authorize", t);
		pc_strlcpy(ep->scope, app_only ?
		    "https://outlook.office.com/.default" :
		    "https://outlook.office.com/POP.AccessAsUser.All "
		    "offline_access", sizeof(ep->scope));
		pc_strlcpy(ep->mech, "xoauth2", sizeof(ep->mech));
		return (PC_OK);
	}
	if (strcmp(provider, "google") == 0) {
		if (app_only) {
			strbuf_printf(why, "google: app-only access (a service "
			    "account) is not supported; use the device sign-in");
			return (PC_PERM);
		}
		pc_strlcpy(ep->token, "https://oauth2.googleapis.com/token",
		    sizeof(ep->token));
		pc_strlcpy(ep->device, "https://oauth2.googleapis.com/"
		    "device/code", sizeof(ep->device));
		pc_strlcpy(ep->auth, "https://accounts.google.com/o/oauth2/"
		    "v2/auth", sizeof(ep->auth));
		pc_strlcpy(ep->scope, "https://mail.google.com/",
		    sizeof(ep->scope));
		pc_strlcpy(ep->mech, "xoauth2", sizeof(ep->mech));
		return (PC_OK);
	}
	strbuf_printf(why, "oauth_provider: use microsoft, google or generic");
	return (PC_PERM);
}

/* printable - copy untrusted text, bounded, control characters as '?' */

static void
printable(char *dst, size_t size, const char *src)
{
	size_t	i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = 0;
}

/* token_ok - printable ASCII, no white space, 1..max octets */

static int
token_ok(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i]; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || i >= max)
			return (0);
	return (i > 0);
}

/* get_str - a string member, or NULL when absent; -1: wrong type or size */

static int
get_str(json_t *o, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return (-1);
	*out = json_string_value(v);
	return (0);
}

/*
 * get_num - a number of seconds in 0..max, or def when absent.  Some
 * servers (Entra ID's v1 endpoints, some Google libraries) send it as
 * a string of digits: accept that too.  -1: wrong type or range.
 */
static int
get_num(json_t *o, const char *key, long max, long def, long *out)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	long long n;
	size_t	i;

	*out = def;
	if (v == NULL || json_is_null(v))
		return (0);
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s == 0 || json_string_length(v) > 9)
			return (-1);
		for (n = 0, i = 0; s[i]; i++) {
			if (!isdigit((unsigned char)s[i]))
				return (-1);
			n = n * 10 + (s[i] - '0');
		}
	} else {
		return (-1);
	}
	if (n < 0 || n > max)
		return (-1);
	*out = (long)n;
	return (0);
}

/* load - the body as one JSON object; NULL with why set */

static json_t *
load(const char *body, size_t len, struct strbuf *why)
{
	json_error_t jerr;
	json_t *o;

	if (len > OAUTH_BODY_MAX) {
		strbuf_printf(why, "response longer than %d octets",
		    OAUTH_BODY_MAX);
		return (NULL);
	}
	if (len == 0) {
		strbuf_printf(why, "empty response");
		return (NULL);
	}
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		strbuf_printf(why, "response is not JSON (line %d, column %d)",
		    jerr.line, jerr.column);
		return (NULL);
	}
	if (!json_is_object(o)) {
		json_decref(o);
		strbuf_printf(why, "response is not a JSON object");
		return (NULL);
	}
	return (o);
}

/*
 * parse_error - an error response (RFC 6749 section 5.2); PC_PERM or
 * PC_TEMP, or 1 when o is no error response at all.
 */
static int
parse_error(json_t *o, long status, struct oauth_reply *r,
    struct strbuf *why)
{
	static const struct {
		const char *code;
		int	error;
	} codes[] = {
		{"authorization_pending", OAUTH_E_PENDING},
		{"slow_down", OAUTH_E_SLOW_DOWN},
		{"expired_token", OAUTH_E_EXPIRED},
		{"access_denied", OAUTH_E_DENIED},
		{"invalid_grant", OAUTH_E_INVALID_GRANT},
		{"invalid_client", OAUTH_E_CLIENT},
		{"unauthorized_client", OAUTH_E_CLIENT},
	};
	const char *code, *desc;
	size_t	i;

	if (get_str(o, "error", 200, &code) < 0 || (code != NULL &&
	    *code == 0)) {
		strbuf_printf(why, "malformed \"error\" in the response");
		r->error = OAUTH_E_OTHER;
		return (PC_PERM);
	}
	if (code == NULL)
		return (1);
	printable(r->code, sizeof(r->code), code);
	/* A description longer than ours is cut: it is only words. */
	if (get_str(o, "error_description", 16 * 1024, &desc) == 0 && desc)
		printable(r->desc, sizeof(r->desc), desc);
	r->error = OAUTH_E_OTHER;
	for (i = 0; i < PC_ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i].code) == 0)
			r->error = codes[i].error;
	strbuf_printf(why, "%s%s%s", r->code, *r->desc ? ": " : "", r->desc);
	/* temporarily_unavailable, server_error: may pass */
	if (strcmp(code, "temporarily_unavailable") == 0 ||
	    strcmp(code, "server_error") == 0 || status >= 500)
		return (PC_TEMP);
	return (PC_PERM);
}

/* http_status - what a status without a usable body means */

static int
http_status(long status, struct oauth_reply *r, struct strbuf *why)
{
	r->error = OAUTH_E_HTTP;
	strbuf_printf(why, "HTTP status %ld", status);
	return (status >= 500 || status == 429 || status == 408 ? PC_TEMP :
	    PC_PERM);
}

/* reply_init - start a reply record */

static void
reply_init(struct oauth_reply *r, long status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

/*
 * parse_begin - the part every response shares: the JSON object, an
 * OAuth error in it, an HTTP status other than 200.  1 and *op for a
 * 200 object to read on, else the status (nothing to free).
 */
static int
parse_begin(const char *body, size_t len, long status, json_t **op,
    struct oauth_reply *r, struct strbuf *why)
{
	json_t *o;
	int	rc;

	*op = NULL;
	reply_init(r, status);
	if ((o = load(body, len, why)) == NULL)
		return (status != 200 ? http_status(status, r, why) :
		    PC_PERM);
	if ((rc = parse_error(o, status, r, why)) != 1) {
		json_decref(o);
		return (rc);
	}
	if (status != 200) {
		rc = http_status(status, r, why);
		json_decref(o);
		return (rc);
	}
	*op = o;
	return (1);
}

/* oauth_parse_device - a device authorization response (RFC 8628 3.2) */

int
oauth_parse_device(const char *body, size_t len, long status,
    struct oauth_device *d, struct oauth_reply *r, struct strbuf *why)
{
	const char *dc, *uc, *uri, *uric;
	json_t *o;
	int	rc;

	memset(d, 0, sizeof(*d));
	if ((rc = parse_begin(body, len, status, &o, r, why)) != 1)
		return (rc);
	rc = PC_PERM;
	/* Entra ID's v1 endpoints said verification_url: take either. */
	if (get_str(o, "device_code", OAUTH_CODE_MAX, &dc) < 0 ||
	    get_str(o, "user_code", OAUTH_CODE_MAX, &uc) < 0 ||
	    get_str(o, "verification_uri", OAUTH_URL_MAX, &uri) < 0 ||
	    get_str(o, "verification_uri_complete", OAUTH_URL_MAX, &uric) < 0
	    || get_num(o, "expires_in", OAUTH_EXPIRES_MAX, 0,
	    &d->expires_in) < 0 || get_num(o, "interval", OAUTH_INTERVAL_MAX,
	    5, &d->interval) < 0) {
		strbuf_printf(why, "device authorization response: a field "
		    "has the wrong type or size");
		goto out;
	}
	if (uri == NULL && get_str(o, "verification_url", OAUTH_URL_MAX,
	    &uri) < 0)
		uri = NULL;
	if (dc == NULL || uc == NULL || uri == NULL || d->expires_in <= 0) {
		strbuf_printf(why, "device authorization response: device_code, "
		    "user_code, verification_uri or expires_in missing");
		goto out;
	}
	if (!token_ok(dc, OAUTH_CODE_MAX) || !token_ok(uc, OAUTH_CODE_MAX) ||
	    !token_ok(uri, OAUTH_URL_MAX) || strncasecmp(uri, "https://", 8)
	    != 0 || (uric && (!token_ok(uric, OAUTH_URL_MAX) ||
	    strncasecmp(uric, "https://", 8) != 0))) {
		strbuf_printf(why, "device authorization response: a code or "
		    "URI with characters it cannot hold, or no https URI");
		goto out;
	}
	if (d->interval < 1)
		d->interval = 5;
	d->device_code = xstrdup(dc);
	d->user_code = xstrdup(uc);
	d->verification_uri = xstrdup(uri);
	d->verification_uri_complete = uric ? xstrdup(uric) : NULL;
	rc = PC_OK;
out:
	json_decref(o);
	return (rc);
}

/* oauth_parse_token - a token response (RFC 6749 5.1, 5.2) */

int
oauth_parse_token(const char *body, size_t len, long status,
    struct oauth_token *t, struct oauth_reply *r, struct strbuf *why)
{
	const char *acc, *ref, *type, *scope;
	json_t *o;
	int	rc;

	memset(t, 0, sizeof(*t));
	if ((rc = parse_begin(body, len, status, &o, r, why)) != 1)
		return (rc);
	rc = PC_PERM;
	if (get_str(o, "access_token", OAUTH_TOKEN_MAX, &acc) < 0 ||
	    get_str(o, "refresh_token", OAUTH_TOKEN_MAX, &ref) < 0 ||
	    get_str(o, "token_type", 64, &type) < 0 ||
	    get_str(o, "scope", 4096, &scope) < 0 ||
	    get_num(o, "expires_in", OAUTH_EXPIRES_MAX, 3600,
	    &t->expires_in) < 0) {
		strbuf_printf(why, "token response: a field has the wrong "
		    "type or size");
		goto out;
	}
	if (acc == NULL || !token_ok(acc, OAUTH_TOKEN_MAX)) {
		strbuf_printf(why, "token response: %s", acc == NULL ?
		    "no access_token" : "access_token with characters a token "
		    "cannot hold");
		goto out;
	}
	if (ref != NULL && !token_ok(ref, OAUTH_TOKEN_MAX)) {
		strbuf_printf(why, "token response: refresh_token with "
		    "characters a token cannot hold");
		goto out;
	}
	/* RFC 6749 7.1: we send it as a Bearer token; nothing else works. */
	if (type == NULL || strcasecmp(type, "bearer") != 0) {
		strbuf_printf(why, "token response: token_type is not Bearer");
		goto out;
	}
	t->access = xstrdup(acc);
	t->refresh = ref ? xstrdup(ref) : NULL;
	t->scope = scope ? xstrndup(scope, strlen(scope)) : NULL;
	rc = PC_OK;
out:
	json_decref(o);		/* jansson does not wipe: see SECURITY */
	return (rc);
}

/* oauth_device_free - release a device authorization */

void
oauth_device_free(struct oauth_device *d)
{
	if (d->device_code)
		xfree_secret(d->device_code);
	free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	memset(d, 0, sizeof(*d));
}

/* oauth_token_free - release a token, wiping the secrets */

void
oauth_token_free(struct oauth_token *t)
{
	if (t->access)
		xfree_secret(t->access);
	if (t->refresh)
		xfree_secret(t->refresh);
	free(t->scope);
	memset(t, 0, sizeof(*t));
}

/* The HTTP side. */

struct body {
	struct strbuf *sb;
	int	toolong;
};

/* on_data - collect a response body, refusing more than the limit */

static size_t
on_data(char *data, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;

	if (strbuf_append(b->sb, data, size * n) != 0) {
		b->toolong = 1;
		return (0);		/* makes curl fail the transfer */
	}
	return (size * n);
}

/* form_add - "&name=value", value URL-encoded */

static int
form_add(struct strbuf *f, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *v;
	char	pct[4] = "%";

	if (value == NULL)
		return (0);
	if (strbuf_appendf(f, "%s%s=", f->len ? "&" : "", name) < 0)
		return (-1);
	/* application/x-www-form-urlencoded: RFC 3986 unreserved as is. */
	for (v = (const unsigned char *)value; *v; v++) {
		if (isalnum(*v) || *v == '-' || *v == '.' || *v == '_' ||
		    *v == '~') {
			if (strbuf_putc(f, *v) < 0)
				return (-1);
			continue;
		}
		pct[1] = hex[*v >> 4];
		pct[2] = hex[*v & 15];
		if (strbuf_puts(f, pct) < 0)
			return (-1);
	}
	return (0);
}

/*
 * post - one HTTPS POST of a form; the body in out, the HTTP status in
 * *status.  PC_TEMP for anything at the transport level.
 */
static int
post(const struct oauth_conf *c, const char *url, struct strbuf *form,
    struct strbuf *out, long *status, struct strbuf *why)
{
	const struct curl_dl *C;
	struct body b = {out, 0};
	struct curl_slist *hdr = NULL;
	char	errbuf[CURL_ERROR_SIZE], pr[OAUTH_URL_MAX];
	CURL   *h;
	CURLcode cc;

	*status = 0;
	printable(pr, sizeof(pr), url);
	if (strncasecmp(url, "https://", 8) != 0) {
		strbuf_printf(why, "%s: not an https URL", pr);
		return (PC_PERM);
	}
	if ((C = curl_dl(why)) == NULL)
		return (PC_TEMP);
	if ((h = C->easy_init()) == NULL)
		log_fatal(EX_OSERR, "curl_easy_init failed");
	errbuf[0] = 0;
	hdr = C->slist_append(hdr, "Accept: application/json");
	(void)C->easy_setopt(h, CURLOPT_URL, url);
	(void)C->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	(void)C->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	(void)C->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)C->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	(void)C->easy_setopt(h, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2);
	if (c->ca_file && *c->ca_file)
		(void)C->easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	(void)C->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	(void)C->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	(void)C->easy_setopt(h, CURLOPT_TIMEOUT, (long)(c->timeout > 0 ?
	    c->timeout : 60));
	(void)C->easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	(void)C->easy_setopt(h, CURLOPT_POSTFIELDS, strbuf_str(form));
	(void)C->easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)form->len);
	(void)C->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	(void)C->easy_setopt(h, CURLOPT_WRITEDATA, &b);
	(void)C->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	(void)C->easy_setopt(h, CURLOPT_USERAGENT, "popconn");
	cc = C->easy_perform(h);
	(void)C->easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	C->easy_cleanup(h);
	C->slist_free_all(hdr);
	if (b.toolong) {
		strbuf_printf(why, "%s: response longer than %d octets", pr,
		    OAUTH_BODY_MAX);
		return (PC_PERM);
	}
	if (cc != CURLE_OK) {
		strbuf_printf(why, "%s: %s", pr, errbuf[0] ? errbuf :
		    C->easy_strerror(cc));
		return (PC_TEMP);
	}
	return (PC_OK);
}

/* grant - POST form to the token endpoint and parse the token response */

static int
grant(const struct oauth_conf *c, struct strbuf *form, struct oauth_token *t,
    struct oauth_reply *r, struct strbuf *why)
{
	struct strbuf *out = strbuf_alloc(OAUTH_BODY_MAX);
	struct strbuf *w = strbuf_alloc(1024);
	long	status;
	int	rc;

	memset(t, 0, sizeof(*t));
	reply_init(r, 0);
	if (c->token_endpoint == NULL || *c->token_endpoint == 0) {
		strbuf_printf(why, "no token endpoint (oauth_token_endpoint)");
		rc = PC_PERM;
	} else if ((rc = post(c, c->token_endpoint, form, out, &status,
	    why)) == PC_OK &&
	    (rc = oauth_parse_token(out->data, out->len, status, t, r, w))
	    != PC_OK)
		strbuf_printf(why, "token endpoint: %s", strbuf_str(w));
	strbuf_wipe(form);
	strbuf_wipe(out);
	strbuf_free(out);
	strbuf_free(w);
	return (rc);
}

/*
 * client_form - client_id and, for a confidential client, its secret or
 * a signed assertion (RFC 7523 section 2.2)
 */
static int
client_form(const struct oauth_conf *c, struct strbuf *f)
{
	if (c->client_assertion && *c->client_assertion)
		return (form_add(f, "client_id", c->client_id) |
		    form_add(f, "client_assertion_type", "urn:ietf:params:"
		    "oauth:client-assertion-type:jwt-bearer") |
		    form_add(f, "client_assertion", c->client_assertion));
	return (form_add(f, "client_id", c->client_id) |
	    form_add(f, "client_secret", c->client_secret && *c->client_secret ?
	    c->client_secret : NULL));
}

/* oauth_device_start - RFC 8628 section 3.1 */

int
oauth_device_start(const struct oauth_conf *c, struct oauth_device *d,
    struct strbuf *why)
{
	struct strbuf *form = strbuf_alloc(OAUTH_BODY_MAX);
	struct strbuf *out = strbuf_alloc(OAUTH_BODY_MAX);
	struct strbuf *w = strbuf_alloc(1024);
	struct oauth_reply r;
	long	status;
	int	rc;

	memset(d, 0, sizeof(*d));
	if (c->device_endpoint == NULL || *c->device_endpoint == 0) {
		strbuf_printf(why, "no device authorization endpoint "
		    "(oauth_device_endpoint)");
		rc = PC_PERM;
	} else if (client_form(c, form) != 0 || form_add(form, "scope",
	    c->scope) != 0) {
		strbuf_printf(why, "device request too long");
		rc = PC_PERM;
	} else if ((rc = post(c, c->device_endpoint, form, out, &status,
	    why)) == PC_OK && (rc = oauth_parse_device(out->data, out->len,
	    status, d, &r, w)) != PC_OK)
		strbuf_printf(why, "device authorization endpoint: %s%s",
		    strbuf_str(w), oauth_hint(&r));
	strbuf_wipe(form);
	strbuf_free(form);
	strbuf_free(out);
	strbuf_free(w);
	return (rc);
}

/* oauth_device_wait - RFC 8628 section 3.4 and 3.5: poll until decided */

int
oauth_device_wait(const struct oauth_conf *c, const struct oauth_device *d,
    struct oauth_token *t, struct strbuf *why)
{
	struct strbuf *form = strbuf_alloc(OAUTH_BODY_MAX);
	struct oauth_reply r;
	long	interval = d->interval, waited = 0;
	int	rc;

	for (;;) {
		if (waited >= d->expires_in) {
			strbuf_printf(why, "the code expired before the "
			    "sign-in was completed (expired_token)");
			rc = PC_PERM;
			break;
		}
		oauth_sleep((unsigned)interval);
		waited += interval;
		strbuf_reset(form);
		if (form_add(form, "grant_type",
		    "urn:ietf:params:oauth:grant-type:device_code") != 0 ||
		    form_add(form, "device_code", d->device_code) != 0 ||
		    client_form(c, form) != 0) {
			strbuf_printf(why, "token request too long");
			rc = PC_PERM;
			break;
		}
		strbuf_reset(why);
		rc = grant(c, form, t, &r, why);
		if (rc == PC_OK)
			break;
		if (r.error == OAUTH_E_PENDING)
			continue;
		if (r.error == OAUTH_E_SLOW_DOWN) {
			/* RFC 8628 3.5: "MUST be increased by 5 seconds" */
			if (interval < OAUTH_INTERVAL_MAX)
				interval += 5;
			continue;
		}
		if (r.error == OAUTH_E_EXPIRED)
			strbuf_appendf(why, " (the code expired: start again)");
		else if (r.error == OAUTH_E_DENIED)
			strbuf_appendf(why, " (the sign-in was refused)");
		else
			strbuf_appendf(why, "%s", oauth_hint(&r));
		/* A failing network during the wait: give up, say so. */
		break;
	}
	strbuf_wipe(form);
	strbuf_free(form);
	return (rc);
}

/*
 * form_grant - POST a token request built into form (built != 0: it did
 * not fit), then wipe and free the form (it may hold a secret).
 */
static int
form_grant(const struct oauth_conf *c, struct strbuf *form, int built,
    struct oauth_token *t, struct oauth_reply *r, struct strbuf *why)
{
	int	rc;

	if (built != 0) {
		memset(t, 0, sizeof(*t));
		reply_init(r, 0);
		strbuf_printf(why, "token request too long");
		rc = PC_PERM;
	} else {
		rc = grant(c, form, t, r, why);
	}
	strbuf_wipe(form);
	strbuf_free(form);
	return (rc);
}

/* oauth_refresh - RFC 6749 section 6 */

int
oauth_refresh(const struct oauth_conf *c, const char *refresh,
    struct oauth_token *t, struct oauth_reply *r, struct strbuf *why)
{
	struct strbuf *form = strbuf_alloc(OAUTH_BODY_MAX);

	return (form_grant(c, form, form_add(form, "grant_type",
	    "refresh_token") != 0 || form_add(form, "refresh_token",
	    refresh) != 0 || client_form(c, form) != 0 || form_add(form,
	    "scope", c->scope && *c->scope ? c->scope : NULL) != 0, t, r,
	    why));
}

/* oauth_auth_code - RFC 6749 4.1.3 with the PKCE verifier (RFC 7636) */

int
oauth_auth_code(const struct oauth_conf *c, const char *code,
    const struct oauth_loopback *l, struct oauth_token *t,
    struct oauth_reply *r, struct strbuf *why)
{
	struct strbuf *form = strbuf_alloc(OAUTH_BODY_MAX);

	return (form_grant(c, form, form_add(form, "grant_type",
	    "authorization_code") != 0 || form_add(form, "code", code) != 0
	    || form_add(form, "redirect_uri", l->redirect) != 0 ||
	    form_add(form, "code_verifier", l->verifier) != 0 ||
	    client_form(c, form) != 0, t, r, why));
}

/* oauth_client_credentials - RFC 6749 section 4.4, with a secret */

int
oauth_client_credentials(const struct oauth_conf *c, struct oauth_token *t,
    struct oauth_reply *r, struct strbuf *why)
{
	struct strbuf *form;

	if ((c->client_secret == NULL || *c->client_secret == 0) &&
	    (c->client_assertion == NULL || *c->client_assertion == 0)) {
		memset(t, 0, sizeof(*t));
		reply_init(r, 0);
		strbuf_printf(why, "app-only access needs the client secret "
		    "in the passwords file or oauth_client_certificate");
		return (PC_PERM);
	}
	form = strbuf_alloc(OAUTH_BODY_MAX);
	return (form_grant(c, form, form_add(form, "grant_type",
	    "client_credentials") != 0 || client_form(c, form) != 0 ||
	    form_add(form, "scope", c->scope) != 0, t, r, why));
}

/*
 * oauth_hint - the step an administrator missed, from Entra ID's
 * AADSTS numbers in the error description ("" when none applies).
 */
const char *
oauth_hint(const struct oauth_reply *r)
{
	static const struct {
		const char *aadsts;
		const char *hint;
	} hints[] = {
		{"AADSTS700016", "; the application (oauth_client_id) is not "
		    "registered in this tenant (oauth_tenant)"},
		{"AADSTS7000215", "; the client secret is wrong: put the "
		    "secret's value (not its id) in the passwords file"},
		{"AADSTS7000222", "; the client secret has expired: create "
		    "a new one in Entra ID"},
		{"AADSTS700027", "; the client assertion's signature does not "
		    "verify: oauth_client_certificate is not the certificate "
		    "registered with the application"},
		{"AADSTS7000218", "; the application is not a public client:"
		    " turn on \"Allow public client flows\" in Entra ID, or "
		    "give the client secret"},
		{"AADSTS65001", "; no consent: an administrator must grant "
		    "consent to the application's API permissions"},
		{"AADSTS70011", "; the scope is not valid for this "
		    "application (oauth_scope)"},
		{"AADSTS90002", "; no such tenant (oauth_tenant)"},
		{"AADSTS50076", "; the tenant requires multi-factor "
		    "sign-in: run popconnctl oauth login again"},
	};
	size_t	i;

	if (r == NULL)
		return ("");
	for (i = 0; i < PC_ARRAY_LEN(hints); i++)
		if (strstr(r->desc, hints[i].aadsts) != NULL)
			return (hints[i].hint);
	return ("");
}
