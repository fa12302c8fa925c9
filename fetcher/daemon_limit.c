/*
 * NAME
 *	daemon_limit - sessions at once per server, adapted to the server
 * SYNOPSIS
 *	#include "daemon_int.h"
 *
 *	void daemon_limit_apply(struct state *s);
 *	int daemon_limit_end(struct state *s, const struct mbox *m,
 *		const struct worker_msg *w, time_t now);
 *	long long daemon_limit_show(const struct state *s, const char *host,
 *		char *buf, size_t len);
 * DESCRIPTION
 *	Each server starts at initial_connections_per_server sessions at
 *	once (4: Courier's shipped MAXPERIP, the strictest common limit
 *	per client IP) and earns one more each time a session that started
 *	as the limit-th to it (m->run_open others open) ends normally, up to
 *	max_connections_per_server; a session refused for a connection
 *	limit while others were open sets the limit to the number open
 *	and holds it there for connection_limit_hold.  Additive increase,
 *	a cut on refusal: TCP's congestion window, per server.  The
 *	arithmetic is the scheduler's (pollsched.c); this file is the
 *	daemon's side: the settings, a worker's end, the log and status.
 *
 *	daemon_limit_apply() gives the scheduler the settings (at start
 *	and after a reload).
 *
 *	daemon_limit_end() is called first when a worker reports its end
 *	(end_poll(), before sched_end()): a normal end may grow the limit
 *	of m's server; a session the worker saw refused in a way that
 *	means "too many connections" (w->refused, account_refusal.c) while
 *	others to that server were open returns 1: the limit was cut and
 *	logged, and the caller puts the mailbox back due at once without
 *	counting a failure.  0 otherwise (a refusal with no other session
 *	open is the server's failure, as before: it is logged here, the
 *	worker left that to the daemon).
 *
 *	daemon_limit_show() is host's limit now, described in buf for
 *	"popconnctl status NAME".
 * DIAGNOSTICS
 *	"server=HOST refused a session with N open: limit for HOST now N"
 *	(once per refusal) and "server=HOST took N sessions at once: limit
 *	for HOST now N+1" (each growth), at level medium.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "popconn.h"
#include "log.h"
#include "account.h"
#include "pollsched.h"
#include "daemon_int.h"

/* daemon_limit_apply - the scheduler learns the per-server settings */

void
daemon_limit_apply(struct state *s)
{
	sched_limits(s->sch, s->cfg.set.initial_connections_per_server,
	    s->cfg.set.max_connections_per_server,
	    (time_t)s->cfg.set.connection_limit_hold);
}

/* refused_how - a worker's ACCOUNT_REFUSED_* in words */

static const char *
refused_how(int how)
{
	switch (how) {
	case ACCOUNT_REFUSED_CONNECT:
		return ("connection refused");
	case ACCOUNT_REFUSED_CLOSED:
		return ("closed before the greeting");
	case ACCOUNT_REFUSED_GREETING:
		return ("-ERR greeting");
	case ACCOUNT_REFUSED_LOGIN:
		return ("-ERR at login");
	default:
		return ("refused");
	}
}

/* daemon_limit_end - a worker ended: grow, or cut after a refusal */

int
daemon_limit_end(struct state *s, const struct mbox *m,
    const struct worker_msg *w, time_t now)
{
	const char *host = m->run_host;
	long long was, lim, open;
	char	t[32];
	struct tm tm;

	was = sched_limit(s->sch, host, NULL);
	if (w->rc == PC_OK) {
		if ((lim = sched_accepted(s->sch, host, m->run_open, now)) >
		    was)
			log_info("server=%s took %lld sessions at once: limit "
			    "for %s now %lld", host, was, host, lim);
		return (0);
	}
	if (w->rc != PC_TEMP || w->refused == ACCOUNT_REFUSED_NONE)
		return (0);
	/*
	 * The sessions that were open when it connected: it is refused
	 * within a round trip, and the server counted those (some may have
	 * ended since, and this one still counts as running).
	 */
	open = m->run_open;
	if (open < 1 || (lim = sched_refused(s->sch, host, open, now)) == 0) {
		log_error("acct=%s: session=deferred, server=%s, reason=%s",
		    m->name, host, w->error);
		return (0);
	}
	now += (time_t)s->cfg.set.connection_limit_hold;
	(void)localtime_r(&now, &tm);
	(void)strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
	log_info("server=%s refused a session with %lld open: limit for %s "
	    "now %lld, no growth until %s (acct=%s: %s; it polls again when "
	    "a session there ends)", host, open, host, lim, t, m->name,
	    refused_how(w->refused));
	return (1);
}

/* daemon_limit_show - host's limit now, and why, for status */

long long
daemon_limit_show(const struct state *s, const char *host, char *buf,
    size_t len)
{
	long long lim, init = s->cfg.set.initial_connections_per_server;
	long long ceil = s->cfg.set.max_connections_per_server;
	time_t	held, now = time(NULL);
	char	t[32];
	struct tm tm;

	lim = sched_limit(s->sch, host, &held);
	if (lim <= 0 || init >= ceil) {
		(void)snprintf(buf, len, "fixed (max_connections_per_server)");
		return (ceil);
	}
	if (held > now) {
		(void)localtime_r(&held, &tm);
		(void)strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
		(void)snprintf(buf, len, "refused a session with %lld open: "
		    "held until %s, then grows to %lld", lim, t, ceil);
	} else if (lim >= ceil)
		(void)snprintf(buf, len, "grew from %lld to its ceiling, "
		    "max_connections_per_server", init);
	else
		(void)snprintf(buf, len, "grows from %lld to %lld while the "
		    "server takes them", init, ceil);
	return (lim);
}
