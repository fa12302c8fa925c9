/*
 * NAME
 *	deliver_smtp - the SMTP transport: pipelined injection into a
 *	dedicated Postfix listener
 * SYNOPSIS
 *	See deliver.h (deliver_smtp_open()).
 * DESCRIPTION
 *	One SMTP connection per session (per struct deliver) to
 *	smtp_injection_address ("host:port", "[v6addr]:port" or
 *	"unix:PATH"), opened on the first deliver_submit(), reused for
 *	every later message and opened again after a failure.  smtpc.c
 *	speaks the protocol; this file does the I/O: a non-blocking socket
 *	with TCP_NODELAY, waits bounded by connect_timeout, command_timeout
 *	(no progress at all) and each message's delivery_timeout, and one
 *	write per burst (commands, a message's data and its final dot, and
 *	the next envelope after it, RFC 2920).
 *
 *	At most SMTP_WINDOW messages are in flight.  A message's data is
 *	streamed from its spool file when the server answers its DATA with
 *	354, through bounded buffers: LF becomes CR LF, a leading '.' is
 *	doubled.
 * DIAGNOSTICS
 *	deliver_smtp_open() refuses a malformed smtp_injection_address.
 *	Results: PC_OK only on a 250 after the data ("queued as ID");
 *	4yz and every connection failure (refused, reset, timeout, a
 *	reply that is not SMTP) PC_TEMP for every message without its
 *	final reply; 5yz PC_PERM.
 * SECURITY
 *	The listener is trusted to be Postfix, but its replies are parsed
 *	as untrusted (smtpc.c); the reason texts are printable and bounded.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "safeio.h"
#include "deliver.h"
#include "smtpc.h"

#define SMTP_WINDOW	8		/* messages in flight */
#define SMTP_CHUNK	(32 * 1024)	/* spool read size */
#define SMTP_WBUF	(SMTPC_BODY_OUT(SMTP_CHUNK) + SMTPC_OUT_MAX)
#define SMTP_QUIT_MS	2000		/* wait for QUIT's reply */

struct smtp_msg {
	void	*cookie;
	unsigned long tag;
	long long deadline;		/* ms, monotonic */
	char	path[4096];
};

struct deliver_smtp {
	struct deliver d;		/* first */
	const struct fetcher_settings *s;
	const char *acct;
	char	addr[512];		/* for reasons */
	char	host[256];
	char	port[16];
	char	unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int	fd;
	struct smtpc *c;
	unsigned long next_tag;
	struct smtp_msg msg[SMTP_WINDOW];	/* awaiting their reply */
	size_t	mhead, mn;
	struct deliver_result res[SMTP_WINDOW];	/* for deliver_poll() */
	size_t	rhead, rn;
	char	rbuf[4096];
	char	*wbuf;			/* SMTP_WBUF */
	size_t	wlen;
	long long progress;		/* ms of the last read or write */
};

/* now_ms - monotonic milliseconds */

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* parse_addr - "unix:PATH", "host:port" or "[addr]:port" */

static int
parse_addr(struct deliver_smtp *sp, const char *a, struct strbuf *why)
{
	const char *colon, *h = a;
	size_t	hl;

	if (strncmp(a, "unix:", 5) == 0) {
		if (a[5] != '/' || strlen(a + 5) >= sizeof(sp->unix_path))
			goto bad;
		pc_strlcpy(sp->unix_path, a + 5, sizeof(sp->unix_path));
		return (0);
	}
	if ((colon = strrchr(a, ':')) == NULL || colon == a)
		goto bad;
	hl = (size_t)(colon - a);
	if (a[0] == '[') {
		if (hl < 3 || a[hl - 1] != ']')
			goto bad;
		h = a + 1;
		hl -= 2;
	}
	if (hl >= sizeof(sp->host) || strlen(colon + 1) > 5 ||
	    colon[1] == 0 || strspn(colon + 1, "0123456789") !=
	    strlen(colon + 1) || strtol(colon + 1, NULL, 10) < 1 ||
	    strtol(colon + 1, NULL, 10) > 65535)
		goto bad;
	memcpy(sp->host, h, hl);
	sp->host[hl] = 0;
	pc_strlcpy(sp->port, colon + 1, sizeof(sp->port));
	return (0);
bad:
	strbuf_printf(why, "smtp_injection_address = %.200s: not host:port "
	    "or unix:/path", a);
	return (-1);
}

/* wait_fd - poll one descriptor until deadline (ms); 1 ready, 0 timeout */

static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p;
	long long left;
	int	rc;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return (0);
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		rc = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
		if (rc > 0)
			return (1);
		if (rc < 0 && errno != EINTR)
			return (1);	/* let the I/O call report it */
	}
}

/* conn_open - connect to the listener; PC_TEMP when it cannot */

static int
conn_open(struct deliver_smtp *sp, struct strbuf *why)
{
	const struct fetcher_settings *s = sp->s;
	struct addrinfo hints, *res = NULL, *ai;
	long long deadline = now_ms() + s->connect_timeout * 1000;
	char	helo[256];
	int	fd = -1, err = 0, on = 1, rc;
	socklen_t elen = sizeof(err);

	if (sp->unix_path[0]) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		pc_strlcpy(sun.sun_path, sp->unix_path, sizeof(sun.sun_path));
		/* non-blocking: a full backlog fails at once (PC_TEMP) */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) != 0) {
			strbuf_printf(why, "connect to %s: %s", sp->addr,
			    strerror(errno));
			goto fail;
		}
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV;
		if ((rc = getaddrinfo(sp->host, sp->port, &hints, &res)) != 0) {
			strbuf_printf(why, "%s: %s", sp->addr, gai_strerror(rc));
			return (PC_TEMP);
		}
		for (ai = res; ai; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype |
			    SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
			if (fd < 0)
				continue;
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
			err = errno;
			if (err == EINPROGRESS &&
			    wait_fd(fd, POLLOUT, deadline) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &elen) == 0 && err == 0)
				break;
			if (err == EINPROGRESS)
				err = ETIMEDOUT;
			close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
		if (fd < 0) {
			strbuf_printf(why, "connect to %s: %s", sp->addr,
			    strerror(err ? err : ECONNREFUSED));
			return (PC_TEMP);
		}
		/* Commands and data go out in bursts; no Nagle wait. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		strbuf_printf(why, "%s: fcntl: %s", sp->addr, strerror(errno));
		goto fail;
	}
	if (s->myhostname && *s->myhostname)
		pc_strlcpy(helo, s->myhostname, sizeof(helo));
	else if (gethostname(helo, sizeof(helo)) != 0 || !*helo)
		pc_strlcpy(helo, "localhost", sizeof(helo));
	helo[sizeof(helo) - 1] = 0;
	sp->fd = fd;
	smtpc_init(sp->c, helo);
	sp->wlen = 0;
	sp->progress = now_ms();
	log_debug("acct=%s: smtp: connected to %s", sp->acct, sp->addr);
	return (PC_OK);
fail:
	if (fd >= 0)
		close(fd);
	return (PC_TEMP);
}

/* conn_close - drop the connection */

static void
conn_close(struct deliver_smtp *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	sp->wlen = 0;
}

/* result_push - a finished message for deliver_poll() */

static void
result_push(struct deliver_smtp *sp, int status, const char *qid,
    const char *reason)
{
	struct smtp_msg *m = &sp->msg[sp->mhead];
	struct deliver_result *r;

	if (sp->mn == 0 || sp->rn >= SMTP_WINDOW)
		log_panic("deliver_smtp: result without a message");
	r = &sp->res[(sp->rhead + sp->rn) % SMTP_WINDOW];
	memset(r, 0, sizeof(*r));
	r->cookie = m->cookie;
	r->status = status;
	pc_strlcpy(r->queue_id, qid ? qid : "", sizeof(r->queue_id));
	pc_strlcpy(r->reason, reason, sizeof(r->reason));
	sp->rn++;
	sp->mhead = (sp->mhead + 1) % SMTP_WINDOW;
	sp->mn--;
}

/* fail_all - the connection is gone: every message in flight is TEMP */

static void
fail_all(struct deliver_smtp *sp, const char *why)
{
	char	reason[DELIVER_REASON_MAX];

	if (sp->mn > 0)
		log_warn("acct=%s: smtp: %s: %s (%zu message%s in flight)",
		    sp->acct, sp->addr, why, sp->mn, sp->mn == 1 ? "" : "s");
	snprintf(reason, sizeof(reason), "%.150s: %.300s", sp->addr, why);
	while (sp->mn > 0)
		result_push(sp, PC_TEMP, NULL, reason);
	conn_close(sp);
}

/* flush - write everything buffered, within the deadlines */

static int
flush(struct deliver_smtp *sp, struct strbuf *why)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < sp->wlen) {
		n = send(sp->fd, sp->wbuf + off, sp->wlen - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			sp->progress = now_ms();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			long long dl = sp->progress +
			    sp->s->command_timeout * 1000;

			if (sp->mn > 0 && sp->msg[sp->mhead].deadline < dl)
				dl = sp->msg[sp->mhead].deadline;
			if (wait_fd(sp->fd, POLLOUT, dl) == 0) {
				strbuf_printf(why, "write timeout");
				return (-1);
			}
			continue;
		}
		strbuf_printf(why, "write: %s", strerror(errno));
		return (-1);
	}
	sp->wlen = 0;
	return (0);
}

/* put - buffer octets, writing when the buffer is full */

static int
put(struct deliver_smtp *sp, const char *data, size_t len,
    struct strbuf *why)
{
	if (len > SMTP_WBUF - sp->wlen && flush(sp, why) != 0)
		return (-1);
	if (len > SMTP_WBUF)
		log_panic("deliver_smtp: %zu octets do not fit", len);
	memcpy(sp->wbuf + sp->wlen, data, len);
	sp->wlen += len;
	return (0);
}

/* trace - protocol lines at log_level maximum (never the message) */

static void
trace(int sent, const char *buf, size_t len)
{
	const char *nl;
	size_t	n;

	if (log_get_level() < LOGL_MAXIMUM)
		return;
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) + 1 : len;
		if (!(sent && n == 2 && buf[0] == '\r'))	/* data's end */
			log_proto("smtp", sent, buf, n);
		buf += n;
		len -= n;
	}
}

/* take_out - move the engine's pending commands into the write buffer */

static int
take_out(struct deliver_smtp *sp, struct strbuf *why)
{
	const char *o;
	size_t	len;

	o = smtpc_out(sp->c, &len);
	if (len == 0)
		return (0);
	trace(1, o, len);
	if (put(sp, o, len, why) != 0)
		return (-1);
	smtpc_out_done(sp->c, len);
	return (0);
}

/* send_body - the 354 came: stream the message's data and end it */

static int
send_body(struct deliver_smtp *sp, unsigned long tag, struct strbuf *why)
{
	struct smtp_msg *m = NULL;
	struct smtpc_body b;
	char	in[SMTP_CHUNK], out[SMTPC_BODY_OUT(SMTP_CHUNK)];
	ssize_t	n;
	size_t	i;
	int	fd;

	for (i = 0; i < sp->mn; i++)
		if (sp->msg[(sp->mhead + i) % SMTP_WINDOW].tag == tag)
			m = &sp->msg[(sp->mhead + i) % SMTP_WINDOW];
	if (m == NULL)
		log_panic("deliver_smtp: 354 for unknown message %lu", tag);
	if (take_out(sp, why) != 0)
		return (-1);
	if ((fd = safeio_open_read(m->path, why)) < 0)
		return (-1);	/* no dot: dropping the connection aborts */
	smtpc_body_init(&b);
	for (;;) {
		n = read(fd, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(why, "read %s: %s", m->path,
			    strerror(errno));
			close(fd);
			return (-1);
		}
		if (n == 0)
			break;
		if (put(sp, out, smtpc_body_encode(&b, in, (size_t)n, out),
		    why) != 0) {
			close(fd);
			return (-1);
		}
	}
	close(fd);
	smtpc_end_data(sp->c, &b);
	return (take_out(sp, why));
}

/* on_event - act on one engine event; -1 when the connection is gone */

static int
on_event(struct deliver_smtp *sp, const struct smtpc_event *ev,
    struct strbuf *why)
{
	char	reason[DELIVER_REASON_MAX];

	switch (ev->type) {
	case SMTPC_EV_READY:
		log_debug("acct=%s: smtp: %s ready (pipelining %s)", sp->acct,
		    sp->addr, sp->c->caps & SMTPC_CAP_PIPELINING ? "yes" :
		    "no");
		return (0);
	case SMTPC_EV_BODY:
		return (send_body(sp, ev->tag, why));
	case SMTPC_EV_DONE:
		if (sp->mn == 0 || sp->msg[sp->mhead].tag != ev->tag)
			log_panic("deliver_smtp: reply for message %lu out "
			    "of order", ev->tag);
		if (ev->status == PC_OK && ev->qid[0])
			snprintf(reason, sizeof(reason), "queued as %s",
			    ev->qid);
		else
			snprintf(reason, sizeof(reason), "%.150s said: %.300s",
			    sp->addr, ev->why);
		result_push(sp, ev->status, ev->qid, reason);
		return (0);
	case SMTPC_EV_QUIT:
		conn_close(sp);
		return (0);
	case SMTPC_EV_FATAL:
		strbuf_printf(why, "%s", ev->why);
		return (-1);
	}
	return (0);
}

/*
 * pump - write what is pending, read replies and act on them, until a
 * result is ready or deadline (ms; 0 = do not wait).  Returns -1 after
 * a connection failure (already reported to every message).
 */
static int
pump(struct deliver_smtp *sp, long long deadline)
{
	struct strbuf *why = strbuf_alloc(DELIVER_REASON_MAX);
	struct smtpc_event ev;
	size_t	off, used;
	ssize_t	n;
	long long dl;

	while (sp->fd >= 0) {
		if (take_out(sp, why) != 0 || flush(sp, why) != 0)
			goto fail;
		if (sp->rn > 0 || (sp->mn == 0 && deadline != 0))
			break;
		n = recv(sp->fd, sp->rbuf, sizeof(sp->rbuf), 0);
		if (n == 0) {
			strbuf_printf(why, "connection closed by the server");
			goto fail;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			strbuf_printf(why, "read: %s", strerror(errno));
			goto fail;
		}
		if (n < 0) {
			long long fail_at = sp->progress +
			    sp->s->command_timeout * 1000;

			if (deadline == 0)
				break;
			if (sp->mn > 0 && sp->msg[sp->mhead].deadline < fail_at)
				fail_at = sp->msg[sp->mhead].deadline;
			dl = deadline > 0 && deadline < fail_at ? deadline :
			    fail_at;
			if (wait_fd(sp->fd, POLLIN, dl) == 1)
				continue;
			if (now_ms() < fail_at)
				break;	/* the caller's wait is over */
			strbuf_printf(why, "timeout waiting for a reply");
			goto fail;
		}
		sp->progress = now_ms();
		trace(0, sp->rbuf, (size_t)n);
		off = 0;
		while (off < (size_t)n) {
			used = smtpc_feed(sp->c, sp->rbuf + off,
			    (size_t)n - off, &ev);
			off += used;
			if (ev.type == SMTPC_EV_NONE)
				continue;
			if (on_event(sp, &ev, why) != 0)
				goto fail;
			if (sp->fd < 0)
				break;	/* QUIT answered */
		}
	}
	strbuf_free(why);
	return (0);
fail:
	fail_all(sp, strbuf_str(why));
	strbuf_free(why);
	return (-1);
}

/* smtp_submit - queue one message on the connection */

static int
smtp_submit(struct deliver *dp, const char *path, const char *sender,
    const char *rcpt, void *cookie, struct strbuf *why)
{
	struct deliver_smtp *sp = (struct deliver_smtp *)dp;
	struct smtp_msg *m;
	struct stat st;
	int	rc;

	if (sp->mn + sp->rn >= SMTP_WINDOW)
		log_panic("deliver_submit: no room (%zu in flight)",
		    sp->mn + sp->rn);
	if (strlen(path) >= sizeof(m->path)) {
		strbuf_printf(why, "spool path too long");
		return (PC_TEMP);
	}
	if (stat(path, &st) != 0) {
		strbuf_printf(why, "%s: %s", path, strerror(errno));
		return (PC_TEMP);
	}
	/* An idle connection the server closed meanwhile: notice it now. */
	if (sp->fd >= 0 && sp->mn == 0)
		(void)pump(sp, 0);
	if (sp->fd < 0 && (rc = conn_open(sp, why)) != PC_OK)
		return (rc);
	rc = smtpc_send_mail(sp->c, sp->next_tag, sender, rcpt,
	    (unsigned long long)st.st_size, why);
	if (rc != PC_OK)
		return (rc);
	m = &sp->msg[(sp->mhead + sp->mn) % SMTP_WINDOW];
	m->cookie = cookie;
	m->tag = sp->next_tag++;
	m->deadline = now_ms() + sp->s->delivery_timeout * 1000;
	pc_strlcpy(m->path, path, sizeof(m->path));
	sp->mn++;
	(void)pump(sp, 0);
	return (PC_OK);
}

/* smtp_poll - one result, waiting at most wait_ms */

static int
smtp_poll(struct deliver *dp, int wait_ms, struct deliver_result *res)
{
	struct deliver_smtp *sp = (struct deliver_smtp *)dp;

	if (sp->rn == 0 && sp->mn > 0)
		(void)pump(sp, wait_ms == DELIVER_WAIT ? -1 :
		    wait_ms == 0 ? 0 : now_ms() + wait_ms);
	if (sp->rn == 0)
		return (0);
	*res = sp->res[sp->rhead];
	sp->rhead = (sp->rhead + 1) % SMTP_WINDOW;
	sp->rn--;
	return (1);
}

/* smtp_room - messages deliver_submit() takes now */

static size_t
smtp_room(const struct deliver *dp)
{
	const struct deliver_smtp *sp = (const struct deliver_smtp *)dp;

	if (sp->fd >= 0 && !smtpc_room(sp->c))
		return (0);
	return (SMTP_WINDOW - sp->mn - sp->rn);
}

/* smtp_inflight - submitted, result not yet returned */

static size_t
smtp_inflight(const struct deliver *dp)
{
	const struct deliver_smtp *sp = (const struct deliver_smtp *)dp;

	return (sp->mn + sp->rn);
}

/* smtp_close - QUIT when idle, then free */

static void
smtp_close(struct deliver *dp)
{
	struct deliver_smtp *sp = (struct deliver_smtp *)dp;

	if (sp->fd >= 0 && sp->mn == 0 && smtpc_idle(sp->c)) {
		struct strbuf *why = strbuf_alloc(DELIVER_REASON_MAX);
		long long dl = now_ms() + SMTP_QUIT_MS;
		struct smtpc_event ev;
		ssize_t	n;

		/* pump() stops when nothing is in flight: read QUIT here */
		smtpc_quit(sp->c);
		if (take_out(sp, why) == 0 && flush(sp, why) == 0)
			while (wait_fd(sp->fd, POLLIN, dl) == 1 &&
			    (n = recv(sp->fd, sp->rbuf, sizeof(sp->rbuf),
			    0)) > 0) {
				(void)smtpc_feed(sp->c, sp->rbuf, (size_t)n,
				    &ev);
				if (ev.type != SMTPC_EV_NONE)
					break;
			}
		strbuf_free(why);
	}
	conn_close(sp);
	free(sp->wbuf);
	free(sp->c);
	free(sp);
}

/* deliver_smtp_open - the SMTP transport; no I/O yet */

struct deliver *
deliver_smtp_open(const struct fetcher_settings *s, const char *acct,
    struct strbuf *why)
{
	struct deliver_smtp *sp;
	const char *a = s->smtp_injection_address;

	if (a == NULL || *a == 0)
		a = "127.0.0.1:10027";
	sp = xcalloc(1, sizeof(*sp));
	if (parse_addr(sp, a, why) != 0) {
		free(sp);
		return (NULL);
	}
	pc_strlcpy(sp->addr, a, sizeof(sp->addr));
	sp->d.method = "smtp";
	sp->d.submit = smtp_submit;
	sp->d.poll = smtp_poll;
	sp->d.room = smtp_room;
	sp->d.inflight = smtp_inflight;
	sp->d.close = smtp_close;
	sp->s = s;
	sp->acct = acct;
	sp->fd = -1;
	sp->next_tag = 1;
	sp->c = xmalloc(sizeof(*sp->c));
	sp->wbuf = xmalloc(SMTP_WBUF);
	return (&sp->d);
}
