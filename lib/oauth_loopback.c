/*
 * NAME
 *	oauth_loopback - the browser sign-in: authorization code, PKCE,
 *	a redirect to a loopback address (RFC 8252 section 7.3)
 * SYNOPSIS
 *	#include "oauth.h"
 *
 *	int oauth_loopback_open(struct oauth_loopback *l, struct strbuf *why);
 *	void oauth_loopback_close(struct oauth_loopback *l);
 *	int oauth_loopback_url(const struct oauth_conf *c,
 *		const struct oauth_loopback *l, struct strbuf *url,
 *		struct strbuf *why);
 *	int oauth_loopback_wait(struct oauth_loopback *l, int timeout,
 *		char **code, struct strbuf *why);	free: xfree_secret()
 *	int oauth_parse_redirect(const char *req, size_t len,
 *		const char *state, char **code, struct strbuf *why);
 * DESCRIPTION
 *	For providers whose device flow cannot ask for mail access (Google
 *	limits its device flow to a few scopes), the user signs in in a
 *	browser on this machine (or through "ssh -L PORT:127.0.0.1:PORT"),
 *	and the provider redirects the browser to http://127.0.0.1:PORT/
 *	with the authorization code (RFC 6749 section 4.1).
 *
 *	oauth_loopback_open() listens on 127.0.0.1, on a port the kernel
 *	picks, and makes the state (CSRF, RFC 6749 10.12) and the PKCE
 *	code verifier (RFC 7636: 64 hex digits from 32 random octets).
 *	oauth_loopback_url() is the authorization request to print, with
 *	the S256 code challenge.  oauth_loopback_wait() answers requests
 *	until one carries our state (or timeout seconds pass), and returns
 *	its code; oauth_auth_code() (lib/oauth.c) then redeems it.
 *	oauth_parse_redirect() reads one such request: "GET /?code=..&
 *	state=.. HTTP/1.1"; an "error" parameter is the user's refusal.
 * DIAGNOSTICS
 *	PC_PERM: refused, a wrong state, malformed; PC_TEMP: timeout,
 *	socket errors.
 * SECURITY
 *	Everything that reaches the listener is untrusted (any local
 *	process can connect): a request is at most 8 KiB, read with a
 *	deadline, and only one carrying our random state counts; the code
 *	is percent-decoded into at most OAUTH_CODE_MAX printable ASCII
 *	octets.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "popconn.h"
#include "alloc.h"
#include "hex.h"
#include "oauth.h"

#define REQ_MAX		8192

/* oauth_loopback_open - listen on 127.0.0.1, make state and verifier */

int
oauth_loopback_open(struct oauth_loopback *l, struct strbuf *why)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned char r[32];

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (RAND_bytes(r, 16) != 1)
		return (strbuf_printf(why, "no random numbers"), PC_TEMP);
	hex_encode(l->state, r, 16);
	if (RAND_bytes(r, 32) != 1)
		return (strbuf_printf(why, "no random numbers"), PC_TEMP);
	hex_encode(l->verifier, r, 32);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(l->fd, 8) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&sin, &len) < 0) {
		strbuf_printf(why, "loopback listener: %s", strerror(errno));
		oauth_loopback_close(l);
		return (PC_TEMP);
	}
	l->port = ntohs(sin.sin_port);
	(void)snprintf(l->redirect, sizeof(l->redirect),
	    "http://127.0.0.1:%d/", l->port);
	return (PC_OK);
}

/* oauth_loopback_close - stop listening, wipe the verifier */

void
oauth_loopback_close(struct oauth_loopback *l)
{
	if (l->fd >= 0)
		(void)close(l->fd);
	explicit_bzero(l, sizeof(*l));
	l->fd = -1;
}

/* add - "&name=value", URL-encoded (RFC 3986 unreserved kept) */

static int
add(struct strbuf *u, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int	err;

	err = strbuf_appendf(u, "%c%s=", strchr(u->data ? u->data : "", '?') ?
	    '&' : '?', name);
	for (p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			err |= strbuf_putc(u, *p);
		else
			err |= strbuf_appendf(u, "%%%c%c", hex[*p >> 4],
			    hex[*p & 15]);
	}
	return (err);
}

/* oauth_loopback_url - the authorization request (RFC 6749 4.1.1) */

int
oauth_loopback_url(const struct oauth_conf *c, const struct oauth_loopback *l,
    struct strbuf *url, struct strbuf *why)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct strbuf *ch = strbuf_alloc(128);
	int	err;

	strbuf_reset(url);
	if (c->auth_endpoint == NULL || strncmp(c->auth_endpoint, "https://",
	    8) != 0 || strchr(c->auth_endpoint, '?') != NULL) {
		strbuf_free(ch);
		strbuf_printf(why, "no https authorization endpoint "
		    "(oauth_auth_endpoint)");
		return (PC_PERM);
	}
	/* RFC 7636 4.2: BASE64URL(SHA256(verifier)) */
	(void)SHA256((const unsigned char *)l->verifier, strlen(l->verifier),
	    md);
	(void)oauth_b64url(ch, md, sizeof(md));
	err = strbuf_puts(url, c->auth_endpoint);
	err |= add(url, "response_type", "code");
	err |= add(url, "client_id", c->client_id);
	err |= add(url, "redirect_uri", l->redirect);
	err |= add(url, "scope", c->scope);
	err |= add(url, "state", l->state);
	err |= add(url, "code_challenge", strbuf_str(ch));
	err |= add(url, "code_challenge_method", "S256");
	/* Google: a refresh token only with offline access and consent. */
	err |= add(url, "access_type", "offline");
	err |= add(url, "prompt", "consent");
	strbuf_free(ch);
	if (err) {
		strbuf_printf(why, "authorization request too long");
		return (PC_PERM);
	}
	return (PC_OK);
}

/* pct - percent-decode src[0..n) into a new string; NULL when bad */

static char *
pct(const char *s, size_t n, size_t max)
{
	char   *out = xmalloc(n + 1);
	size_t	i, o = 0;
	int	h, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			if ((h = hex_digit(s[i + 1])) < 0 ||
			    (lo = hex_digit(s[i + 2])) < 0)
				goto bad;
			out[o] = (char)(h << 4 | lo);
			i += 2;
		} else {
			out[o] = s[i] == '+' ? ' ' : s[i];
		}
		if ((unsigned char)out[o] < 0x20 || (unsigned char)out[o] >=
		    0x7f || o >= max)
			goto bad;
		o++;
	}
	out[o] = 0;
	return (out);
bad:
	explicit_bzero(out, n + 1);	/* not terminated: no xfree_secret */
	free(out);
	return (NULL);
}

/* param - the value of name in a query, percent-decoded, or NULL */

static char *
param(const char *q, size_t qlen, const char *name, size_t max, int *bad)
{
	size_t	nl = strlen(name), i = 0, e, v;
	char   *r;

	while (i < qlen) {
		for (e = i; e < qlen && q[e] != '&'; e++)
			;
		if (e - i > nl && memcmp(q + i, name, nl) == 0 &&
		    q[i + nl] == '=') {
			v = i + nl + 1;
			if ((r = pct(q + v, e - v, max)) == NULL)
				*bad = 1;
			return (r);
		}
		i = e + 1;
	}
	return (NULL);
}

/* oauth_parse_redirect - the browser's request to the loopback listener */

int
oauth_parse_redirect(const char *req, size_t len, const char *state,
    char **code, struct strbuf *why)
{
	const char *q, *sp;
	char   *st = NULL, *err = NULL;
	int	bad = 0, rc = PC_PERM;

	*code = NULL;
	if (len < 6 || memcmp(req, "GET /", 5) != 0 ||
	    (sp = memchr(req + 4, ' ', len - 4)) == NULL) {
		strbuf_printf(why, "not an HTTP GET request");
		return (PC_PERM);
	}
	if ((q = memchr(req + 4, '?', (size_t)(sp - req - 4))) == NULL) {
		strbuf_printf(why, "a request without the sign-in's answer");
		return (PC_PERM);
	}
	q++;
	st = param(q, (size_t)(sp - q), "state", 256, &bad);
	if (st == NULL || strcmp(st, state) != 0) {
		strbuf_printf(why, "a request without our state (ignored)");
		goto out;
	}
	if ((err = param(q, (size_t)(sp - q), "error", 256, &bad)) != NULL) {
		strbuf_printf(why, "the sign-in was refused (%.64s)", err);
		goto out;
	}
	*code = param(q, (size_t)(sp - q), "code", OAUTH_CODE_MAX, &bad);
	if (*code == NULL || **code == 0 || strchr(*code, ' ')) {
		if (*code)
			*code = (xfree_secret(*code), NULL);
		strbuf_printf(why, "no usable authorization code in the "
		    "answer");
		goto out;
	}
	rc = PC_OK;
out:
	free(st);
	free(err);
	return (rc);
}

/* reply - a short page for the browser */

static void
reply(int fd, int ok)
{
	char	buf[512];
	int	n;

	n = snprintf(buf, sizeof(buf), "HTTP/1.0 %s\r\nContent-Type: "
	    "text/plain\r\nConnection: close\r\n\r\npopconn: %s\r\n", ok ?
	    "200 OK" : "400 Bad Request", ok ? "signed in; you can close "
	    "this window." : "this is not the answer popconn waits for.");
	if (n > 0 && (size_t)n < sizeof(buf) &&
	    write(fd, buf, (size_t)n) != n)
		return;			/* the browser went away: no matter */
}

/* oauth_loopback_wait - the browser's redirect, within timeout seconds */

int
oauth_loopback_wait(struct oauth_loopback *l, int timeout, char **code,
    struct strbuf *why)
{
	char	req[REQ_MAX + 1];
	time_t	end = time(NULL) + timeout;
	struct pollfd pfd;
	size_t	got;
	ssize_t n;
	int	fd, rc;

	*code = NULL;
	for (;;) {
		pfd.fd = l->fd;
		pfd.events = POLLIN;
		if (time(NULL) >= end || poll(&pfd, 1, (int)(end - time(NULL))
		    * 1000) == 0) {
			strbuf_printf(why, "no answer from the browser within "
			    "%d seconds", timeout);
			return (PC_TEMP);
		}
		if ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		/* The request line comes first: read until a line end. */
		got = 0;
		pfd.fd = fd;
		while (got < REQ_MAX && !memchr(req, '\n', got) &&
		    poll(&pfd, 1, 5000) > 0 &&
		    (n = read(fd, req + got, REQ_MAX - got)) > 0)
			got += (size_t)n;
		strbuf_reset(why);
		rc = oauth_parse_redirect(req, got, l->state, code, why);
		reply(fd, rc == PC_OK);
		(void)close(fd);
		explicit_bzero(req, sizeof(req));
		/* Strangers' requests are ignored; ours ends the wait. */
		if (rc == PC_OK || strstr(strbuf_str(why), "refused") ||
		    strstr(strbuf_str(why), "no usable"))
			return (rc);
	}
}
