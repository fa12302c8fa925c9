/*
 * NAME
 *	net - one client connection: TCP, optional TLS, bounded buffered I/O
 * SYNOPSIS
 *	See net.h.
 * DESCRIPTION
 *	A small connection layer in the manner of mpop's net.c and
 *	mtls.c, with deadlines on every operation.  The socket is
 *	non-blocking; every wait is a poll() bounded by the earlier of the
 *	operation timeout and the session deadline.
 * DIAGNOSTICS
 *	Name resolution failures, refused connections, timeouts and
 *	resets are temporary; certificate and host name failures are
 *	permanent (the administrator must act).
 * SECURITY
 *	The read buffer has a fixed size and lines a maximum length; bytes
 *	buffered before a TLS handshake abort it (STARTTLS injection).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "net.h"
#include "safeio.h"

#define NET_SESS_MAX	(16 * 1024)	/* a saved TLS session, at most */
#define NET_SESS_MAGIC	"popconn-tls-session 1 "

/* net_init - make a connection object ready for use */

void
net_init(struct net *n)
{
	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->timeout = 60;
	n->rbuf = xmalloc(NET_RBUF_SIZE);
	n->rcap = NET_RBUF_SIZE;
}

/* wait_ms - milliseconds left before the operation deadline */

static int
wait_ms(const struct net *n, time_t op_deadline)
{
	time_t	now = time(NULL);
	time_t	end = op_deadline;

	if (n->deadline && n->deadline < end)
		end = n->deadline;
	if (end <= now)
		return (0);
	return ((int)(end - now) * 1000);
}

/* wait_fd - wait until fd is ready for events, or the deadline */

static int
wait_fd(struct net *n, short events, time_t op_deadline, const char *what,
    struct strbuf *why)
{
	struct pollfd pfd;
	int	ms, rc;

	for (;;) {
		ms = wait_ms(n, op_deadline);
		if (ms <= 0) {
			n->fail = NET_FAIL_TIMEOUT;
			if (why)
				strbuf_printf(why, "timeout %s %s%s", what,
				    n->peer, n->deadline && time(NULL) >=
				    n->deadline ? " (session deadline)" : "");
			return (PC_TEMP);
		}
		pfd.fd = n->fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			if (why)
				strbuf_printf(why, "poll: %s", strerror(errno));
			return (PC_TEMP);
		}
		if (rc > 0)
			return (PC_OK);
	}
}

/* try_connect - connect one address with a deadline */

static int
try_connect(struct net *n, const struct addrinfo *ai, time_t end,
    struct strbuf *why)
{
	int	err = 0;
	socklen_t len = sizeof(err);
	int	one = 1;

	n->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (n->fd < 0) {
		strbuf_printf(why, "socket: %s", strerror(errno));
		return (PC_TEMP);
	}
	(void)setsockopt(n->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, n->peer, sizeof(n->peer),
	    NULL, 0, NI_NUMERICHOST) != 0)
		pc_strlcpy(n->peer, "?", sizeof(n->peer));
	if (connect(n->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return (PC_OK);
	if (errno != EINPROGRESS) {
		strbuf_printf(why, "connect to %s: %s", n->peer,
		    strerror(errno));
		goto fail;
	}
	if (wait_fd(n, POLLOUT, end, "connecting to", why) != PC_OK)
		goto fail;
	if (getsockopt(n->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		return (PC_OK);
	strbuf_printf(why, "connect to %s: %s", n->peer, strerror(err));
fail:
	if (n->fail != NET_FAIL_TIMEOUT)
		n->fail = NET_FAIL_CONNECT;
	close(n->fd);
	n->fd = -1;
	return (PC_TEMP);
}

/* net_connect - resolve host and connect to the first address that answers */

int
net_connect(struct net *n, const char *host, int port, int timeout,
    struct strbuf *why)
{
	struct addrinfo hints, *res, *ai;
	char	portstr[16];
	time_t	end = time(NULL) + timeout;
	size_t	why_len = strbuf_len(why);
	int	rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	(void)snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		strbuf_printf(why, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		n->fail = NET_FAIL_DNS;
		return (PC_TEMP);
	}
	rc = PC_TEMP;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((rc = try_connect(n, ai, end, why)) == PC_OK)
			break;
	}
	freeaddrinfo(res);
	/*
	 * An address refused before one that answered (localhost as ::1,
	 * then 127.0.0.1) is no failure of this connection: a later
	 * failure must not be classified as a connect error.
	 */
	if (rc == PC_OK) {
		n->fail = NET_FAIL_NONE;
		strbuf_truncate(why, why_len);
	}
	return (rc);
}

/* ssl_error - describe an OpenSSL failure */

static void
ssl_error(struct strbuf *why, const char *what)
{
	unsigned long e = ERR_get_error();
	char	buf[256];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		strbuf_printf(why, "%s: %s", what, buf);
	} else {
		strbuf_printf(why, "%s: %s", what,
		    errno ? strerror(errno) : "connection closed");
	}
	ERR_clear_error();
}

/* check_pin - compare the leaf certificate's SHA-256 with the pin */

static int
check_pin(struct net *n, const char *pin, struct strbuf *why)
{
	X509   *cert = SSL_get1_peer_certificate(n->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char	hex[2 * EVP_MAX_MD_SIZE + 1], want[2 * EVP_MAX_MD_SIZE + 1];
	size_t	w = 0;

	if (cert == NULL) {
		strbuf_printf(why, "TLS: server %s sent no certificate",
		    n->peer);
		return (PC_PERM);
	}
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1) {
		X509_free(cert);
		strbuf_printf(why, "TLS: cannot digest certificate");
		return (PC_TEMP);
	}
	X509_free(cert);
	for (i = 0; i < mdlen; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strncasecmp(pin, "sha256:", 7) == 0)
		pin += 7;
	/* "AB:CD:..." as openssl x509 -fingerprint prints it, or plain. */
	for (; *pin && w + 1 < sizeof(want); pin++)
		if (*pin != ':')
			want[w++] = *pin;
	want[w] = 0;
	if (*pin != 0 || strcasecmp(want, hex) != 0) {
		strbuf_printf(why, "TLS: certificate of %s does not match "
		    "the pin (its sha256 is %s)", n->peer, hex);
		return (PC_PERM);
	}
	return (PC_OK);
}

/*
 * sess_bind - what a saved session is good for: SHA-256 over the host
 * name, the CA file and the pin it was verified with, in hex
 */

static void
sess_bind(const struct net_tls *t, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	const char *v[3];

	v[0] = t->host;
	v[1] = t->ca_file ? t->ca_file : "";
	v[2] = t->pin ? t->pin : "";
	hex[0] = 0;
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < 3; i++)
		if (EVP_DigestUpdate(c, v[i], strlen(v[i]) + 1) != 1)
			goto out;
	if (EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(c);
}

/* sess_new - OpenSSL's new-session callback: keep the latest */

static int
sess_new(SSL *ssl, SSL_SESSION *sess)
{
	struct net *n = SSL_get_app_data(ssl);

	if (n == NULL)
		return (0);
	if (n->tls_new)
		SSL_SESSION_free(n->tls_new);
	n->tls_new = sess;		/* the reference is ours now */
	return (1);
}

/*
 * sess_load - offer the session saved for this mailbox, if it was saved
 * for the same trust settings and may still be resumed; used once
 */

static void
sess_load(struct net *n)
{
	struct strbuf *buf;
	const unsigned char *der;
	SSL_SESSION *sess = NULL;
	size_t	hlen = strlen(NET_SESS_MAGIC) + 64 + 1;

	if (access(n->tls_cache, F_OK) != 0)
		return;
	buf = strbuf_alloc(NET_SESS_MAX + 128);
	/* Secret: 0600 and ours, or it is not used. */
	if (safeio_read_file(n->tls_cache, NET_SESS_MAX + 128, 1, buf, NULL) ==
	    PC_OK && buf->len > hlen &&
	    memcmp(buf->data, NET_SESS_MAGIC, strlen(NET_SESS_MAGIC)) == 0 &&
	    n->tls_bind[0] && memcmp(buf->data + strlen(NET_SESS_MAGIC),
	    n->tls_bind, 64) == 0 && buf->data[hlen - 1] == '\n') {
		der = (const unsigned char *)buf->data + hlen;
		sess = d2i_SSL_SESSION(NULL, &der, (long)(buf->len - hlen));
	}
	(void)unlink(n->tls_cache);	/* a ticket is for one use */
	if (sess != NULL && SSL_SESSION_is_resumable(sess) &&
	    (time_t)SSL_SESSION_get_time(sess) + SSL_SESSION_get_timeout(sess) >
	    time(NULL))
		(void)SSL_set_session(n->ssl, sess);
	else if (sess == NULL)
		log_debug("TLS session file %s not used (%s)", n->tls_cache,
		    buf->len ? "saved for other settings or damaged" :
		    "unreadable");
	SSL_SESSION_free(sess);
	strbuf_wipe(buf);
	strbuf_free(buf);
}

/* sess_save - keep the server's latest session for the next connection */

static void
sess_save(struct net *n)
{
	struct strbuf *buf, *w;
	unsigned char *der = NULL;
	int	len;

	if (n->tls_cache == NULL || n->tls_new == NULL ||
	    !SSL_SESSION_is_resumable(n->tls_new) || n->tls_bind[0] == 0 ||
	    (len = i2d_SSL_SESSION(n->tls_new, &der)) <= 0 ||
	    len > NET_SESS_MAX) {
		OPENSSL_free(der);
		return;
	}
	buf = strbuf_alloc(NET_SESS_MAX + 128);
	w = strbuf_alloc(512);
	(void)strbuf_printf(buf, "%s%s\n", NET_SESS_MAGIC, n->tls_bind);
	(void)strbuf_append(buf, (const char *)der, (size_t)len);
	OPENSSL_clear_free(der, (size_t)len);
	if (safeio_replace(n->tls_cache, buf->data, buf->len, 0600, w) != PC_OK)
		log_debug("cannot save the TLS session: %s", strbuf_str(w));
	strbuf_wipe(buf);
	strbuf_free(buf);
	strbuf_free(w);
}

/*
 * ssl_prepare - the TLS context and connection for one handshake
 *
 * TLS 1.2 or later, no compression, no renegotiation; the chain is
 * checked against the CA file or the system store unless the pin is
 * alone (pin_only) or verification is off; SNI for a host name (never
 * an address literal, RFC 6066 section 3); and the host name check,
 * without partial wildcards (as Postfix) or the subject CN.  PC_PERM for
 * a CA file that does not load or a name that cannot be checked.
 */

static int
ssl_prepare(struct net *n, const struct net_tls *t, int pin_only,
    struct strbuf *why)
{
	n->ctx = SSL_CTX_new(TLS_client_method());
	if (n->ctx == NULL) {
		ssl_error(why, "TLS: SSL_CTX_new");
		return (PC_TEMP);
	}
	(void)SSL_CTX_set_min_proto_version(n->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(n->ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	if (pin_only) {
		SSL_CTX_set_verify(n->ctx, SSL_VERIFY_NONE, NULL);
	} else if (t->verify) {
		SSL_CTX_set_verify(n->ctx, SSL_VERIFY_PEER, NULL);
		if (t->ca_file && *t->ca_file) {
			if (SSL_CTX_load_verify_locations(n->ctx, t->ca_file,
			    NULL) != 1) {
				ssl_error(why, "TLS: cannot load CA file");
				strbuf_appendf(why, " (%s)", t->ca_file);
				return (PC_PERM);
			}
		} else if (SSL_CTX_set_default_verify_paths(n->ctx) != 1) {
			ssl_error(why, "TLS: cannot load the system CA store");
			return (PC_TEMP);
		}
	}
	/* The session cache: only where the first session was verified. */
	if (t->session_file && *t->session_file && t->verify) {
		SSL_CTX_set_session_cache_mode(n->ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(n->ctx, sess_new);
		n->tls_cache = xstrdup(t->session_file);
		sess_bind(t, n->tls_bind);
	}
	n->ssl = SSL_new(n->ctx);
	if (n->ssl == NULL || SSL_set_fd(n->ssl, n->fd) != 1) {
		ssl_error(why, "TLS: SSL_new");
		return (PC_TEMP);
	}
	if (n->tls_cache) {
		SSL_set_app_data(n->ssl, n);
		sess_load(n);
	}
	/* SNI only for names, never for address literals (RFC 6066, 3). */
	if (strchr(t->host, ':') == NULL &&
	    strspn(t->host, "0123456789.") != strlen(t->host)) {
		char	sni[256];	/* the macro casts away const */

		if (pc_strlcpy(sni, t->host, sizeof(sni)) < sizeof(sni))
			(void)SSL_set_tlsext_host_name(n->ssl, sni);
	}
	if (t->verify && !pin_only) {
		/* No partial wildcards (as Postfix), and no fall-back to the
		 * subject CN when the certificate has no DNS name (RFC 9525
		 * section 6.3: CN-IDs are not used). */
		SSL_set_hostflags(n->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
		    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
		if (SSL_set1_host(n->ssl, t->host) != 1) {
			ssl_error(why, "TLS: bad host name to verify");
			return (PC_PERM);
		}
	}
	return (PC_OK);
}

/*
 * ssl_handshake - SSL_connect() until done, failed or past end
 *
 * A certificate that does not verify is PC_PERM with n->fail set to
 * NET_FAIL_TLS_VERIFY; any other failure is PC_TEMP with NET_FAIL_TLS,
 * and n->not_tls says when the server's bytes looked like a plain-text
 * greeting (a POP3 port given as the POP3S one), so the caller can say
 * so.
 */

static int
ssl_handshake(struct net *n, const struct net_tls *t, int pin_only,
    time_t end, struct strbuf *why)
{
	unsigned long e;
	long	vr;
	int	rc, err;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		rc = SSL_connect(n->ssl);
		if (rc == 1)
			return (PC_OK);
		err = SSL_get_error(n->ssl, rc);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			if (wait_fd(n, err == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, end, "TLS handshake with", why) != PC_OK)
				return (PC_TEMP);
			continue;
		}
		vr = pin_only ? X509_V_OK : SSL_get_verify_result(n->ssl);
		n->fail = NET_FAIL_TLS;
		if (vr != X509_V_OK) {
			n->fail = NET_FAIL_TLS_VERIFY;
			strbuf_printf(why, "TLS: certificate verification "
			    "failed for %s (%s): %s", t->host, n->peer,
			    X509_verify_cert_error_string(vr));
			ERR_clear_error();
			return (PC_PERM);
		}
		/* A plain-text greeting read as a TLS record header. */
		e = ERR_peek_error();
		n->not_tls = ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    (ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER ||
		    ERR_GET_REASON(e) == SSL_R_PACKET_LENGTH_TOO_LONG ||
		    ERR_GET_REASON(e) == SSL_R_RECORD_LENGTH_MISMATCH);
		ssl_error(why, "TLS handshake failed");
		strbuf_appendf(why, " (%s)", n->peer);
		return (PC_TEMP);
	}
}

/*
 * ssl_describe - what net_cert_info() and the log say of the session
 *
 * n->tls_info gets the protocol and cipher, n->tls_subject the server
 * certificate's subject (RFC 2253 form, one line, made printable: it is
 * the server's text) and n->tls_how what was verified: nothing, the pin
 * alone, or the chain and the host name (and the pin).
 */

static void
ssl_describe(struct net *n, const struct net_tls *t, int pin_only)
{
	X509   *cert;

	(void)snprintf(n->tls_info, sizeof(n->tls_info), "%s %s",
	    SSL_get_version(n->ssl), SSL_get_cipher_name(n->ssl));
	n->tls_subject[0] = 0;
	if ((cert = SSL_get1_peer_certificate(n->ssl)) != NULL) {
		BIO    *b = BIO_new(BIO_s_mem());
		char   *d = NULL;
		long	len;

		/* RFC 2253 form, one line; the server's text: printable. */
		if (b && X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
		    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
		    (len = BIO_get_mem_data(b, &d)) > 0)
			(void)log_printable(n->tls_subject,
			    sizeof(n->tls_subject), d, (size_t)len);
		BIO_free(b);
		X509_free(cert);
	}
	if (!t->verify)
		pc_strlcpy(n->tls_how, "not verified", sizeof(n->tls_how));
	else if (pin_only)
		pc_strlcpy(n->tls_how, "pinned SHA-256 fingerprint alone (no "
		    "CA file: chain and name not checked)", sizeof(n->tls_how));
	else
		(void)snprintf(n->tls_how, sizeof(n->tls_how), "chain to %s%s "
		    "and host name %s%s", t->ca_file && *t->ca_file ?
		    "CA file " : "the system store", t->ca_file && *t->ca_file ?
		    t->ca_file : "", t->host, t->pin && *t->pin ?
		    ", and the pinned SHA-256 fingerprint" : "");
}

/* net_tls_start - TLS handshake as a client, with verification */

int
net_tls_start(struct net *n, const struct net_tls *t, struct strbuf *why)
{
	time_t	end = time(NULL) + n->timeout;
	int	rc, pin_only;

	/*
	 * A pin without a CA file is enough on its own (popconn.cf(5)):
	 * the chain and the name are not checked, the certificate must be
	 * the pinned one, byte for byte.  A pin with a CA file: both.
	 */
	pin_only = t->verify && t->pin && *t->pin && !(t->ca_file &&
	    *t->ca_file);
	if (net_pending(n) > 0) {
		n->fail = NET_FAIL_TLS;
		strbuf_printf(why, "server %s sent %zu byte(s) before the TLS "
		    "handshake (response injection?): aborted", n->peer,
		    net_pending(n));
		return (PC_PERM);
	}
	if ((rc = ssl_prepare(n, t, pin_only, why)) != PC_OK ||
	    (rc = ssl_handshake(n, t, pin_only, end, why)) != PC_OK)
		return (rc);
	if (t->pin && *t->pin && check_pin(n, t->pin, why) != PC_OK) {
		n->fail = NET_FAIL_TLS_VERIFY;
		return (PC_PERM);
	}
	ssl_describe(n, t, pin_only);
	n->tls_resumed = SSL_session_reused(n->ssl);
	return (PC_OK);
}

/* read_some - one read into the buffer; 1 got data, 0 would block */

static int
read_some(struct net *n, int *want_write, struct strbuf *why)
{
	ssize_t	got;
	int	rc, err;

	*want_write = 0;
	if (n->ssl) {
		ERR_clear_error();
		errno = 0;
		rc = SSL_read(n->ssl, n->rbuf + n->rlen, (int)(n->rcap -
		    n->rlen > INT32_MAX ? INT32_MAX : n->rcap - n->rlen));
		if (rc > 0) {
			got = rc;
		} else {
			err = SSL_get_error(n->ssl, rc);
			if (err == SSL_ERROR_WANT_READ)
				return (0);
			if (err == SSL_ERROR_WANT_WRITE) {
				*want_write = 1;
				return (0);
			}
			if (err == SSL_ERROR_ZERO_RETURN)
				strbuf_printf(why, "connection closed by %s",
				    n->peer);
			else {
				ssl_error(why, "TLS read");
				strbuf_appendf(why, " (%s)", n->peer);
			}
			n->fail = NET_FAIL_IO;
			return (-1);
		}
	} else {
		got = read(n->fd, n->rbuf + n->rlen, n->rcap - n->rlen);
		if (got == 0) {
			strbuf_printf(why, "connection closed by %s", n->peer);
			n->fail = NET_FAIL_IO;
			return (-1);
		}
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				return (0);
			strbuf_printf(why, "read from %s: %s", n->peer,
			    strerror(errno));
			return (-1);
		}
	}
	n->rlen += (size_t)got;
	n->rx_bytes += (unsigned long long)got;
	return (1);
}

/* make_room - compact the read buffer; grow it only when allowed */

static int
make_room(struct net *n, size_t limit)
{
	if (n->rpos > 0 && n->rpos == n->rlen)
		n->rpos = n->rlen = 0;
	if (n->rlen < n->rcap)
		return (0);
	if (n->rpos > 0) {
		memmove(n->rbuf, n->rbuf + n->rpos, n->rlen - n->rpos);
		n->rlen -= n->rpos;
		n->rpos = 0;
		return (0);
	}
	if (n->rcap >= limit)
		return (-1);
	n->rcap = n->rcap * 2 > limit ? limit : n->rcap * 2;
	n->rbuf = xrealloc(n->rbuf, n->rcap);
	return (0);
}

/* net_fill - read at least one more byte into the read buffer */

int
net_fill(struct net *n, struct strbuf *why)
{
	time_t	end = time(NULL) + n->timeout;
	int	rc, ww;

	if (make_room(n, n->rcap) != 0)
		log_panic("net_fill: read buffer full");
	for (;;) {
		if ((rc = read_some(n, &ww, why)) > 0)
			return (PC_OK);
		if (rc < 0)
			return (PC_TEMP);
		if (wait_fd(n, ww ? POLLOUT : POLLIN, end, "reading from",
		    why) != PC_OK)
			return (PC_TEMP);
	}
}

/* net_getline - one line, CR LF removed, at most line->max bytes */

int
net_getline(struct net *n, struct strbuf *line, struct strbuf *why)
{
	char   *nl;
	size_t	take;

	strbuf_reset(line);
	for (;;) {
		nl = memchr(n->rbuf + n->rpos, '\n', n->rlen - n->rpos);
		take = nl ? (size_t)(nl - (n->rbuf + n->rpos)) :
		    n->rlen - n->rpos;
		if (strbuf_append(line, n->rbuf + n->rpos, take) != 0) {
			strbuf_printf(why, "line from %s longer than %zu "
			    "bytes", n->peer, line->max);
			return (PC_PERM);
		}
		n->rpos += take;
		if (nl) {
			n->rpos++;
			if (line->len > 0 && line->data[line->len - 1] == '\r')
				strbuf_truncate(line, line->len - 1);
			return (PC_OK);
		}
		if (net_fill(n, why) != PC_OK)
			return (PC_TEMP);
	}
}

/* wait_write - wait for room to write, reading what the peer sends */

static int
wait_write(struct net *n, short events, time_t end, struct strbuf *why)
{
	struct pollfd pfd;
	int	ms, rc, ww;

	for (;;) {
		if ((ms = wait_ms(n, end)) <= 0)
			return (wait_fd(n, events, end, "writing to", why));
		pfd.fd = n->fd;
		pfd.events = events | POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			strbuf_printf(why, "poll: %s", strerror(errno));
			return (PC_TEMP);
		}
		if (rc == 0)
			continue;
		if (pfd.revents & (events | POLLERR | POLLHUP))
			return (PC_OK);
		/* Only readable: drain the peer so that it can read us. */
		if (make_room(n, NET_RBUF_MAX) != 0) {
			strbuf_printf(why, "%s sends more than %d bytes "
			    "without reading our commands", n->peer,
			    NET_RBUF_MAX);
			return (PC_PERM);
		}
		if (read_some(n, &ww, why) < 0)
			return (PC_TEMP);
		if (ww)
			return (PC_OK);
	}
}

/* net_write - write everything, within the deadline */

int
net_write(struct net *n, const void *data, size_t len, struct strbuf *why)
{
	const char *p = data;
	time_t	end = time(NULL) + n->timeout;
	ssize_t	put;
	int	rc, err;

	while (len > 0) {
		if (n->ssl) {
			ERR_clear_error();
			errno = 0;
			rc = SSL_write(n->ssl, p, len > INT32_MAX ? INT32_MAX :
			    (int)len);
			if (rc > 0) {
				put = rc;
			} else {
				err = SSL_get_error(n->ssl, rc);
				if (err != SSL_ERROR_WANT_READ &&
				    err != SSL_ERROR_WANT_WRITE) {
					ssl_error(why, "TLS write");
					strbuf_appendf(why, " (%s)", n->peer);
					return (PC_TEMP);
				}
				if ((rc = wait_write(n, err ==
				    SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, end,
				    why)) != PC_OK)
					return (rc);
				continue;
			}
		} else {
			put = send(n->fd, p, len, MSG_NOSIGNAL);
			if (put < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK) {
					strbuf_printf(why, "write to %s: %s",
					    n->peer, strerror(errno));
					return (PC_TEMP);
				}
				if ((rc = wait_write(n, POLLOUT, end, why)) !=
				    PC_OK)
					return (rc);
				continue;
			}
		}
		p += put;
		len -= (size_t)put;
		n->tx_bytes += (unsigned long long)put;
	}
	return (PC_OK);
}

/* net_cert_info - what the peer's certificate says, for a person */

int
net_cert_info(const struct net *n, struct strbuf *out)
{
	X509   *cert;
	GENERAL_NAMES *gens;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char	subj[256], iss[256], dns[256], pr[256];
	int	k, len;

	if (n->ssl == NULL || (cert = SSL_get1_peer_certificate(n->ssl)) ==
	    NULL)
		return (-1);
	/* Certificate text is untrusted: bounded, then made printable. */
	(void)X509_NAME_oneline(X509_get_subject_name(cert), subj,
	    sizeof(subj));
	(void)X509_NAME_oneline(X509_get_issuer_name(cert), iss, sizeof(iss));
	(void)strbuf_appendf(out, "subject %s, ", log_printable(pr,
	    sizeof(pr), subj, strlen(subj)));
	(void)strbuf_appendf(out, "issued by %s, for ", log_printable(pr,
	    sizeof(pr), iss, strlen(iss)));
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (k = 0, len = 0; gens && k < sk_GENERAL_NAME_num(gens); k++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, k);

		if (g->type != GEN_DNS)
			continue;
		(void)log_printable(dns, sizeof(dns),
		    ASN1_STRING_get0_data(g->d.dNSName),
		    (size_t)ASN1_STRING_length(g->d.dNSName));
		(void)strbuf_appendf(out, "%s%s", len++ ? " " : "", dns);
	}
	if (len == 0)
		(void)strbuf_puts(out, "(no DNS name)");
	GENERAL_NAMES_free(gens);
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1) {
		(void)strbuf_puts(out, ", sha256:");
		for (i = 0; i < mdlen; i++)
			(void)strbuf_appendf(out, "%02x", md[i]);
	}
	X509_free(cert);
	return (0);
}

/* net_pending - bytes read from the peer and not consumed yet */

size_t
net_pending(const struct net *n)
{
	size_t	pend = n->rlen - n->rpos;

	if (n->ssl)
		pend += (size_t)SSL_pending(n->ssl);
	return (pend);
}

/* net_close - shut down and free everything */

void
net_close(struct net *n)
{
	sess_save(n);
	if (n->tls_new) {
		SSL_SESSION_free(n->tls_new);
		n->tls_new = NULL;
	}
	free(n->tls_cache);
	n->tls_cache = NULL;
	if (n->ssl) {
		SSL_free(n->ssl);
		n->ssl = NULL;
	}
	if (n->ctx) {
		SSL_CTX_free(n->ctx);
		n->ctx = NULL;
	}
	if (n->fd >= 0) {
		close(n->fd);
		n->fd = -1;
	}
	free(n->rbuf);
	n->rbuf = NULL;
	n->rpos = n->rlen = 0;
}
