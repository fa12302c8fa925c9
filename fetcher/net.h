/*
 * NAME
 *	net.h - one client connection: TCP, optional TLS, bounded buffered I/O
 * SYNOPSIS
 *	void net_init(struct net *n);
 *	int net_connect(struct net *n, const char *host, int port,
 *		int timeout, struct strbuf *why);
 *	int net_tls_start(struct net *n, const struct net_tls *t,
 *		struct strbuf *why);
 *	int net_fill(struct net *n, struct strbuf *why);
 *	int net_getline(struct net *n, struct strbuf *line,
 *		struct strbuf *why);
 *	int net_write(struct net *n, const void *data, size_t len,
 *		struct strbuf *why);
 *	size_t net_pending(const struct net *n);
 *	int net_cert_info(const struct net *n, struct strbuf *out);
 *		the peer certificate's subject, issuer, DNS names and
 *		SHA-256, appended (printable); -1 without TLS
 *	void net_close(struct net *n);
 * DESCRIPTION
 *	All I/O is non-blocking underneath and waits with poll() until the
 *	earlier of the per-operation timeout and the session deadline.
 *	A peer that trickles a byte a minute meets the session deadline.
 *
 *	net_write() never blocks while the peer is blocked writing to us:
 *	while it waits for room to write, it reads what the peer sends into
 *	the read buffer, which may then grow up to NET_RBUF_MAX (pipelined
 *	commands against a server that only reads once its own output has
 *	drained cannot deadlock).
 *
 *	net_fill() reads at least one more byte into the read buffer
 *	(n->rbuf[n->rpos .. n->rlen)).  net_getline() returns one line
 *	without its CR LF (a bare LF also ends it) into line, whose max is
 *	the line limit: a longer line is a protocol error (PC_PERM).
 *
 *	net_tls_start() runs the TLS handshake as a client: TLS 1.2 or
 *	later, SNI, chain verification against t->ca_file (or the system
 *	store), host name check with partial wildcards refused, and an
 *	optional SHA-256 pin of the leaf certificate ("sha256:" and colons
 *	optional).  A pin without a CA file stands alone: the chain and the
 *	name are not checked, the certificate must be the pinned one; with
 *	a CA file both must hold.  Afterwards n->tls_subject holds the
 *	server certificate's subject (RFC 2253, printable) and n->tls_how
 *	says how it was verified.  It refuses to start
 *	when bytes from the server are already buffered: after STLS that
 *	is a response injection attack (RFC 2595; CVE-2021-38371 family).
 *
 *	With t->session_file (and verification on), the handshake offers
 *	the session saved there (a TLS 1.3 ticket or a TLS 1.2 session)
 *	and n->tls_resumed says whether the server took it: no round trip
 *	less, but no certificate chain sent and checked, no key exchange
 *	signature, on both sides.  The file is used once (removed when
 *	read) and only if it was saved for the same host name, CA file and
 *	pin: a resumed session skips the certificate check, so a changed
 *	trust setting must not inherit an old verdict.  net_close() saves
 *	the last session the server issued there, mode 0600 (it holds the
 *	session's secret): the owner's only, never world-readable.
 * DIAGNOSTICS
 *	PC_OK; PC_TEMP for timeouts, resets and end of file; PC_PERM for
 *	certificate failures and over-long lines.  Reasons go to why.
 * SECURITY
 *	Everything read is untrusted; the read buffer and line length are
 *	bounded.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <time.h>
#include <openssl/ssl.h>
#include "strbuf.h"

#define NET_RBUF_SIZE	(64 * 1024)		/* normal read buffer */
#define NET_RBUF_MAX	(8 * 1024 * 1024)	/* while a write waits */

struct net_tls {
	const char *host;	/* name to verify (and SNI) */
	const char *ca_file;	/* NULL: system store */
	const char *pin;	/* "sha256:HEX" or NULL */
	int	verify;		/* 0 only in explicit tests/overrides */
	const char *session_file;	/* TLS session cache, or NULL */
};

#define NET_FAIL_NONE		0
#define NET_FAIL_DNS		1	/* name does not resolve */
#define NET_FAIL_CONNECT	2	/* refused, unreachable */
#define NET_FAIL_TIMEOUT	3
#define NET_FAIL_TLS_VERIFY	4	/* certificate, host name, pin */
#define NET_FAIL_TLS		5	/* handshake, protocol */
#define NET_FAIL_IO		6	/* reset, closed, I/O error */

struct net {
	int	fail;			/* NET_FAIL_*: the last failure */
	int	not_tls;		/* handshake: the peer spoke plain text */
	int	fd;
	SSL_CTX	*ctx;
	SSL	*ssl;
	int	timeout;		/* seconds per operation */
	time_t	deadline;		/* whole session; 0: none */
	char	*rbuf;
	size_t	rpos;
	size_t	rlen;
	size_t	rcap;
	unsigned long long rx_bytes;	/* counters for status */
	unsigned long long tx_bytes;
	char	peer[64];		/* numeric address of the peer */
	char	tls_info[128];		/* protocol and cipher */
	char	tls_subject[256];	/* server certificate subject */
	char	tls_how[384];		/* how it was verified */
	int	tls_resumed;		/* the session was resumed */
	char	*tls_cache;		/* session file (net_tls.session_file) */
	char	tls_bind[65];		/* what the session was verified for */
	SSL_SESSION *tls_new;		/* the server's latest session */
};

void net_init(struct net *n);
int net_connect(struct net *n, const char *host, int port, int timeout,
    struct strbuf *why);
int net_tls_start(struct net *n, const struct net_tls *t, struct strbuf *why);
int net_fill(struct net *n, struct strbuf *why);
int net_getline(struct net *n, struct strbuf *line, struct strbuf *why);
int net_write(struct net *n, const void *data, size_t len,
    struct strbuf *why);
size_t net_pending(const struct net *n);
int net_cert_info(const struct net *n, struct strbuf *out);
void net_close(struct net *n);

#endif
