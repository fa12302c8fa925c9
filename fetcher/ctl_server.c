/*
 * NAME
 *	ctl_server - the fetcher's control socket (status, fetch, reload)
 * SYNOPSIS
 *	#include "daemon_int.h"
 *
 *	int ctl_server_listen(struct state *s, struct strbuf *why);
 *	void ctl_server_events(struct state *s, const struct pollfd *pfd);
 *	void ctl_server_notify(struct state *s, const struct mbox *m,
 *		const char *event);
 * DESCRIPTION
 *	The server half of the control protocol (include/ctl_proto.h),
 *	run by the scheduler's poll() loop (daemon.c): it accepts clients,
 *	reads one request line each (decoded by the protocol's codec,
 *	lib/ctlproto.c: a bad one is answered "error: " and the codec's
 *	reason), answers status (streamed at the
 *	client's pace, so 10,000 mailboxes need no big buffer), fetch,
 *	fetch-wait (events as the polls progress), reload and log-level,
 *	and ends every answer with "ok" or "error: TEXT".  Data lines are
 *	written by the protocol's codec (lib/ctlproto.c).
 * SECURITY
 *	Clients are checked with SO_PEERCRED (and SO_PEERGROUPS): root,
 *	the daemon's user and members of its group.  A request is one
 *	line of at most CTL_LINE_MAX octets, any bytes (a NUL too: the
 *	line goes to the decoder with its length); a client that sends none
 *	within CLIENT_TIMEOUT seconds, or reads its answer too slowly
 *	(CLIENT_OUT_MAX queued), is dropped.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "safeio.h"
#include "account.h"
#include "daemon_int.h"

/* client_send - queue output for a client; drop a client that lags */

static void
client_send(struct client *c, const char *text, size_t len)
{
	if (c->fd < 0)
		return;
	if (strbuf_append(c->out, text, len) != 0) {
		log_warn("control client too slow: dropped");
		close(c->fd);
		c->fd = -1;
	}
}

/* client_final - the last line of an answer */

static void
client_final(struct client *c, const char *err)
{
	struct strbuf *b = strbuf_alloc(CTL_LINE_MAX * 2);

	if (err)
		(void)strbuf_printf(b, "error: %s\n", err);
	else
		(void)strbuf_puts(b, "ok\n");
	client_send(c, b->data, b->len);
	c->closing = 1;
	c->waiting = 0;
	strbuf_free(b);
}

/* event_line - one fetch-wait event as JSON */

static void
event_line(struct strbuf *b, const char *event, const struct mbox *m)
{
	const struct worker_msg *w = &m->last;
	struct ctlproto_msg e;

	memset(&e, 0, sizeof(e));
	e.kind = CTLPROTO_EVENT;
	e.event = event;
	e.mailbox = m->name;
	e.messages = (long long)w->messages;
	e.done = (long long)w->done;
	e.bytes = (long long)w->bytes;
	e.delivered = (long long)w->delivered;
	e.failed = (long long)w->failed;
	e.result = daemon_res_name[m->result];
	e.deleted = (long long)w->deleted;
	e.kept = (long long)(w->messages >= w->deleted ?
	    w->messages - w->deleted : 0);
	e.error = m->result == RES_OK ? "" : m->last_error;
	strbuf_reset(b);
	(void)ctlproto_encode(b, &e);
}

/* ctl_server_notify - pass an event to the clients waiting on this mailbox */

void
ctl_server_notify(struct state *s, const struct mbox *m,
    const char *event)
{
	struct strbuf *b = NULL;	/* the line, made when first needed */
	size_t	i, k;
	int	pending;

	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->cl[i];

		if (c->fd < 0 || !c->waiting)
			continue;
		pending = 0;
		for (k = 0; k < c->nwait; k++) {
			if (strcmp(c->wname[k], m->name) == 0 &&
			    m->gen >= c->wgen[k] && c->wgen[k] != 0) {
				if (b == NULL) {
					b = strbuf_alloc(4096);
					event_line(b, event, m);
				}
				client_send(c, b->data, b->len);
				if (strcmp(event, "end") == 0) {
					c->wgen[k] = 0;	/* done */
					if (m->result != RES_OK ||
					    m->last.failed > 0)
						c->all_ok = 0;
				}
			}
			if (c->wgen[k] != 0)
				pending = 1;
		}
		if (!pending && c->fd >= 0)
			client_final(c, c->all_ok ? NULL :
			    "not every message was delivered");
	}
	if (b != NULL)
		strbuf_free(b);
}

/*
 * status_fill - the next mailbox lines of a status answer, while the
 * client's queue is short: the answer streams at the client's pace, so
 * its size has no limit (10,000 mailboxes are about 3 MB).
 */

#define STATUS_CHUNK	(128 * 1024)

static void
status_fill(struct state *s, struct client *c)
{
	struct strbuf *b = strbuf_alloc(8192);
	struct ctlproto_msg e;
	char	lw[200];

	while (c->fd >= 0 && c->out->len < STATUS_CHUNK &&
	    c->status_next < s->nmb) {
		const struct mbox *m = &s->mb[c->status_next++];

		if (!m->live)
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = CTLPROTO_MAILBOX;
		e.mailbox = m->name;
		e.type = m->type == ACCOUNT_GLOBAL ? "global" : "user";
		e.state = m->state == ST_POLLING ? "polling" : "idle";
		e.last_poll = (long long)m->last_poll;
		e.result = daemon_res_name[m->result];
		e.messages = (long long)m->last.messages;
		e.delivered = (long long)m->last.delivered;
		e.bytes = (long long)m->last.bytes;
		e.failed = (long long)m->last.failed;
		e.last_error = m->last_error;
		e.mechanism = m->auth_mech;
		e.mechanism_why = m->auth_why;
		e.last_queue_id = m->last_qid;
		e.server = m->host;
		e.server_limit = daemon_limit_show(s, m->host, lw, sizeof(lw));
		e.server_limit_why = lw;
		e.next_poll = (long long)(m->state == ST_POLLING ? 0 :
		    m->next_poll);
		e.failures = m->failures;
		e.today = m->today_day == daemon_day(time(NULL)) ?
		    (long long)m->today_delivered : 0;
		strbuf_reset(b);
		(void)ctlproto_encode(b, &e);
		client_send(c, b->data, b->len);
	}
	strbuf_free(b);
	if (c->fd >= 0 && c->status_next >= s->nmb) {
		c->streaming = 0;
		client_final(c, NULL);
	}
}

/* do_status - answer "status": a summary line, then one per mailbox */

static void
do_status(struct state *s, struct client *c)
{
	struct strbuf *b = strbuf_alloc(8192);
	struct ctlproto_msg e;

	memset(&e, 0, sizeof(e));
	e.kind = CTLPROTO_SERVICE;
	e.service = s->cfg.boxes.n ? "running" : "idle";
	e.reason = s->cfg.boxes.n ? "" : "disabled: no mailboxes";
	e.pid = (long long)getpid();
	e.mailboxes = (long long)s->cfg.boxes.n;
	e.started = (long long)s->started;
	e.running = s->running;
	e.shard = s->cfg.set.shard;
	(void)ctlproto_encode(b, &e);
	client_send(c, b->data, b->len);
	strbuf_free(b);
	c->streaming = 1;
	c->status_next = 0;
	status_fill(s, c);
}

/* do_fetch - answer "fetch" and "fetch-wait" */

static void
do_fetch(struct state *s, struct client *c, const char *const *names,
    size_t n, int wait)
{
	size_t	i, j, k = 0;
	struct mbox *m;
	char	err[CTL_LINE_MAX], pr[4 * PC_NAME_MAX + 1];

	for (j = 0; j < n; j++) {
		if ((m = daemon_find_box(s, names[j])) == NULL || !m->live) {
			(void)snprintf(err, sizeof(err), "no such mailbox: %s",
			    log_printable(pr, sizeof(pr), names[j],
			    strlen(names[j])));
			client_final(c, err);
			return;
		}
	}
	if (s->cfg.boxes.n == 0) {
		client_final(c, "disabled: no mailboxes");
		return;
	}
	c->nwait = n ? n : s->nmb;
	c->wname = xcalloc(c->nwait, sizeof(*c->wname));
	c->wgen = xcalloc(c->nwait, sizeof(*c->wgen));
	for (i = 0; i < s->nmb; i++) {
		m = &s->mb[i];
		if (!m->live)
			continue;
		if (n > 0) {
			for (j = 0; j < n; j++)
				if (strcmp(names[j], m->name) == 0)
					break;
			if (j == n)
				continue;
		}
		m->now = 1;
		if (m->state == ST_IDLE)
			sched_set(s->sch, i, 0, m->host);
		pc_strlcpy(c->wname[k], m->name, sizeof(c->wname[k]));
		/* The next poll that starts is the one to wait for. */
		c->wgen[k++] = m->gen + 1;
	}
	c->nwait = k;
	log_info("fetch now requested for %s", n ? "some mailboxes" :
	    "all mailboxes");
	if (!wait) {
		client_final(c, NULL);
		return;
	}
	c->waiting = 1;
	c->all_ok = 1;
}

/* handle_request - one request line from a client (ctlproto's codec) */

static void
handle_request(struct state *s, struct client *c, const char *line,
    size_t len)
{
	struct ctlproto_req r;
	struct strbuf *why = strbuf_alloc(2048);
	int	level;

	if (ctlproto_decode_request(line, len, &r, why) != PC_OK) {
		client_final(c, strbuf_str(why));
	} else if (r.op == CTLPROTO_REQ_STATUS) {
		do_status(s, c);
	} else if (r.op == CTLPROTO_REQ_FETCH ||
	    r.op == CTLPROTO_REQ_FETCH_WAIT) {
		do_fetch(s, c, r.names, r.nnames,
		    r.op == CTLPROTO_REQ_FETCH_WAIT);
	} else if (r.op == CTLPROTO_REQ_RELOAD) {
		client_final(c, daemon_reload(s, why) == PC_OK ? NULL :
		    strbuf_str(why));
	} else if (log_level_parse(r.level, &level) != 0) {
		client_final(c, "use none, minimum, medium or maximum");
	} else {
		log_set_level(level);
		s->cfg.log_level = level;
		log_info("log level set to %s", log_level_name(level));
		client_final(c, NULL);
	}
	ctlproto_free_request(&r);
	strbuf_free(why);
}

/*
 * peer_ok - root, our user, or a member of our group: primary or
 * supplementary, as the kernel says (SO_PEERGROUPS), which is what the
 * socket's mode 0660 lets in.
 */

static int
peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t	groups[256], me = getegid();
	socklen_t glen = sizeof(groups);
	size_t	i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return (0);
	if (cr.uid == 0 || cr.uid == geteuid() || cr.gid == me)
		return (1);
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		for (i = 0; i < glen / sizeof(gid_t); i++)
			if (groups[i] == me)
				return (1);
#endif
	return (0);
}

/* accept_client - a new control connection */

static void
accept_client(struct state *s)
{
	int	fd, i;

	if ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    < 0)
		return;
	if (!peer_ok(fd)) {
		log_warn("control socket: connection refused (not root, "
		    "not our user or group)");
		(void)safeio_write_all(fd, "error: permission denied\n", 25);
		close(fd);
		return;
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		if (s->cl[i].fd < 0) {
			struct client *c = &s->cl[i];

			free(c->wname);
			free(c->wgen);
			strbuf_free(c->out);
			memset(c, 0, sizeof(*c));
			c->fd = fd;
			c->deadline = time(NULL) + CLIENT_TIMEOUT;
			c->out = strbuf_alloc(CLIENT_OUT_MAX);
			return;
		}
	}
	(void)safeio_write_all(fd, "error: too many clients\n", 24);
	close(fd);
}

/* read_client - request bytes from a client */

static void
read_client(struct state *s, struct client *c)
{
	ssize_t	n;
	char   *nl;

	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		close(c->fd);	/* gone: stop waiting for it */
		c->fd = -1;
		return;
	}
	c->inlen += (size_t)n;
	if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		handle_request(s, c, c->in, (size_t)(nl - c->in));
		c->inlen = 0;
	} else if (c->inlen >= sizeof(c->in)) {
		client_final(c, "request too long");
	}
}

/* write_client - send queued output */

static void
write_client(struct client *c)
{
	ssize_t	n;

	n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		close(c->fd);
		c->fd = -1;
		return;
	}
	memmove(c->out->data, c->out->data + n, c->out->len - (size_t)n);
	strbuf_truncate(c->out, c->out->len - (size_t)n);
	if (c->out->len == 0 && c->closing) {
		close(c->fd);
		c->fd = -1;
	}
}

/* ctl_server_listen - create the control socket */

int
ctl_server_listen(struct state *s, struct strbuf *why)
{
	struct sockaddr_un sun;
	struct stat st;
	const char *path = s->cfg.set.control_socket;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (pc_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		strbuf_printf(why, "control_socket %s: path too long", path);
		return (-1);
	}
	(void)unlink(path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sun,
	    sizeof(sun)) != 0 || chmod(path, 0660) != 0 ||
	    listen(s->lfd, 16) != 0) {
		strbuf_printf(why, "control socket %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (lstat(path, &st) == 0) {
		s->ldev = st.st_dev;
		s->lino = st.st_ino;
	}
	return (0);
}

/* ctl_server_events - the socket (pfd[0]) and the clients (pfd[1...]) */

void
ctl_server_events(struct state *s, const struct pollfd *pfd)
{
	size_t	i;

	if (pfd[0].revents & POLLIN)
		accept_client(s);
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->cl[i];
		short	ev = pfd[1 + i].revents;

		if (c->fd < 0 || pfd[1 + i].fd != c->fd)
			continue;
		if (ev & POLLOUT) {
			write_client(c);
			if (c->fd >= 0 && c->streaming)
				status_fill(s, c);
		} else if (ev & (POLLIN | POLLHUP | POLLERR))
			read_client(s, c);
		if (c->fd >= 0 && !c->waiting && c->out->len == 0 &&
		    !c->closing && time(NULL) > c->deadline) {
			close(c->fd);
			c->fd = -1;
		}
	}
}

