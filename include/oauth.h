/*
 * NAME
 *	oauth.h - OAuth 2.0 for POP3 sign-in: device, refresh, client grants
 * SYNOPSIS
 *	int oauth_preset(const char *provider, const char *tenant,
 *		int app_only, struct oauth_endpoints *ep, struct strbuf *why);
 *	int oauth_parse_device(const char *body, size_t len, long status,
 *		struct oauth_device *d, struct oauth_reply *r,
 *		struct strbuf *why);		free with oauth_device_free()
 *	int oauth_parse_token(const char *body, size_t len, long status,
 *		struct oauth_token *t, struct oauth_reply *r,
 *		struct strbuf *why);		free with oauth_token_free()
 *	void oauth_device_free(struct oauth_device *d);
 *	void oauth_token_free(struct oauth_token *t);	wipes the tokens
 *
 *	int oauth_device_start(const struct oauth_conf *c,
 *		struct oauth_device *d, struct strbuf *why);
 *	int oauth_device_wait(const struct oauth_conf *c,
 *		const struct oauth_device *d, struct oauth_token *t,
 *		struct strbuf *why);
 *	int oauth_refresh(const struct oauth_conf *c, const char *refresh,
 *		struct oauth_token *t, struct oauth_reply *r,
 *		struct strbuf *why);
 *	int oauth_client_credentials(const struct oauth_conf *c,
 *		struct oauth_token *t, struct oauth_reply *r,
 *		struct strbuf *why);
 *	const char *oauth_hint(const struct oauth_reply *r);	static text
 *	int oauth_auth_code(const struct oauth_conf *c, const char *code,
 *		const struct oauth_loopback *l, struct oauth_token *t,
 *		struct oauth_reply *r, struct strbuf *why);
 *	oauth_loopback_*(), oauth_parse_redirect(): lib/oauth_loopback.c
 *	int oauth_b64url(struct strbuf *out, const unsigned char *in,
 *		size_t n);				lib/oauth_jwt.c
 *	int oauth_jwt_assertion(const char *pem, const char *client_id,
 *		const char *audience, long now, struct strbuf *out,
 *		struct strbuf *why);			lib/oauth_jwt.c
 *	extern void (*oauth_sleep)(unsigned seconds);	tests replace it
 * DESCRIPTION
 *	See lib/oauth.c.
 */
#ifndef OAUTH_H
#define OAUTH_H

#include <stddef.h>
#include "strbuf.h"

#define OAUTH_BODY_MAX		(64 * 1024)	/* one HTTP response */
#define OAUTH_TOKEN_MAX		(16 * 1024)	/* one token */
#define OAUTH_URL_MAX		1024		/* an endpoint or URI */
#define OAUTH_CODE_MAX		1024		/* device and user codes */
#define OAUTH_EXPIRES_MAX	(400L * 86400)	/* any lifetime */
#define OAUTH_INTERVAL_MAX	300		/* seconds between polls */

/* oauth_reply.error: what an error response said (RFC 6749 5.2, 8628 3.5) */
#define OAUTH_E_NONE		0
#define OAUTH_E_PENDING		1	/* authorization_pending */
#define OAUTH_E_SLOW_DOWN	2	/* slow_down */
#define OAUTH_E_EXPIRED		3	/* expired_token */
#define OAUTH_E_DENIED		4	/* access_denied */
#define OAUTH_E_INVALID_GRANT	5	/* invalid_grant */
#define OAUTH_E_CLIENT		6	/* invalid_client, unauthorized_client */
#define OAUTH_E_OTHER		7	/* any other error code */
#define OAUTH_E_HTTP		8	/* no usable body: an HTTP failure */

struct oauth_reply {
	int	error;			/* OAUTH_E_* */
	long	status;			/* HTTP status, 0: none */
	char	code[64];		/* "error", printable */
	char	desc[256];		/* "error_description", printable */
};

struct oauth_endpoints {
	char	auth[OAUTH_URL_MAX];	/* authorization (browser) */
	char	device[OAUTH_URL_MAX];	/* empty: the provider has none */
	char	token[OAUTH_URL_MAX];
	char	scope[512];
	char	mech[16];		/* "xoauth2" or "oauthbearer" */
};

struct oauth_conf {
	const char *token_endpoint;
	const char *device_endpoint;
	const char *auth_endpoint;
	const char *scope;
	const char *client_id;
	const char *client_secret;	/* NULL: a public client */
	const char *client_assertion;	/* a signed JWT instead, or NULL */
	const char *ca_file;		/* NULL or "": the system's CAs */
	int	timeout;		/* seconds for one request */
};

struct oauth_device {
	char	*device_code;
	char	*user_code;
	char	*verification_uri;
	char	*verification_uri_complete;	/* or NULL */
	long	expires_in;
	long	interval;
};

struct oauth_loopback {
	int	fd;			/* listening on 127.0.0.1 */
	int	port;
	char	state[33];
	char	verifier[65];		/* PKCE code verifier */
	char	redirect[64];		/* http://127.0.0.1:PORT/ */
};

struct oauth_token {
	char	*access;
	char	*refresh;		/* NULL: none issued (not rotated) */
	long	expires_in;		/* seconds; 3600 when not given */
	char	*scope;			/* or NULL */
};

int	oauth_preset(const char *provider, const char *tenant, int app_only,
	    struct oauth_endpoints *ep, struct strbuf *why);
int	oauth_parse_device(const char *body, size_t len, long status,
	    struct oauth_device *d, struct oauth_reply *r, struct strbuf *why);
int	oauth_parse_token(const char *body, size_t len, long status,
	    struct oauth_token *t, struct oauth_reply *r, struct strbuf *why);
void	oauth_device_free(struct oauth_device *d);
void	oauth_token_free(struct oauth_token *t);

int	oauth_device_start(const struct oauth_conf *c, struct oauth_device *d,
	    struct strbuf *why);
int	oauth_device_wait(const struct oauth_conf *c,
	    const struct oauth_device *d, struct oauth_token *t,
	    struct strbuf *why);
int	oauth_refresh(const struct oauth_conf *c, const char *refresh,
	    struct oauth_token *t, struct oauth_reply *r, struct strbuf *why);
int	oauth_client_credentials(const struct oauth_conf *c,
	    struct oauth_token *t, struct oauth_reply *r, struct strbuf *why);
const char *oauth_hint(const struct oauth_reply *r);
int	oauth_auth_code(const struct oauth_conf *c, const char *code,
	    const struct oauth_loopback *l, struct oauth_token *t,
	    struct oauth_reply *r, struct strbuf *why);
int	oauth_b64url(struct strbuf *out, const unsigned char *in, size_t n);
int	oauth_loopback_open(struct oauth_loopback *l, struct strbuf *why);
void	oauth_loopback_close(struct oauth_loopback *l);
int	oauth_loopback_url(const struct oauth_conf *c,
	    const struct oauth_loopback *l, struct strbuf *url,
	    struct strbuf *why);
int	oauth_loopback_wait(struct oauth_loopback *l, int timeout, char **code,
	    struct strbuf *why);
int	oauth_parse_redirect(const char *req, size_t len, const char *state,
	    char **code, struct strbuf *why);
int	oauth_jwt_assertion(const char *pem, const char *client_id,
	    const char *audience, long now, struct strbuf *out,
	    struct strbuf *why);

extern void (*oauth_sleep)(unsigned seconds);

#endif
