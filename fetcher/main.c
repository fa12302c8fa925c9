/*
 * NAME
 *	popconn-fetcher - fetch mail from POP3 mailboxes into Postfix
 * SYNOPSIS
 *	popconn-fetcher [-D] [-f] [-v] [-1] [-c config_dir] [mailbox ...]
 * DESCRIPTION
 *	Reads config_dir/popconn.cf, mailboxes.cf and passwords (default
 *	config_dir /etc/popconn), then polls every mailbox (or the ones
 *	named) and delivers each message through Postfix's sendmail.
 *
 *	-1	run one fetch cycle and exit (cron, tests, "fetch now").
 *		With shard = k/n it polls only its part, unless mailboxes
 *		are named.
 *	-D	detach: run in the background as a classic daemon (without
 *		-D the service stays in the foreground, as systemd wants).
 *	-f	foreground: log to stderr instead of syslog.
 *	-v	more verbose logging (log_level maximum).
 *	-c dir	configuration directory.
 *	-W	internal: how the service starts a worker (worker.c); it
 *		reads its settings from a pipe, never from the command line.
 *
 *	Without -1 it runs as a service (daemon.c): it polls every mailbox
 *	on its schedule until SIGTERM, in the foreground (systemd's
 *	Type=simple; -f logs to stderr, otherwise to syslog).
 * DIAGNOSTICS
 *	Exit status (sysexits.h): 0 all mailboxes fetched; EX_TEMPFAIL some
 *	mailbox will be retried; EX_UNAVAILABLE some mailbox failed for
 *	good or a message was refused; EX_CONFIG configuration error;
 *	EX_USAGE bad arguments.
 * SECURITY
 *	Passwords are read from a file no one else can read and never
 *	logged.  Started as root, a one-shot run (-1) becomes daemon_user
 *	after reading the configuration, as the service does, so that the
 *	state and spool files stay the service's.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "cfg.h"
#include "params.h"
#include "spool.h"
#include "account.h"
#include "config.h"
#include "daemon.h"
#include "pollsched.h"

static volatile sig_atomic_t got_term;

/* on_signal - finish the messages in hand, then stop */

static void
on_signal(int sig)
{
	(void)sig;
	got_term = 1;
	account_stop = 1;
}

/* daemonize - the classic way: fork, new session, no terminal */

static int
daemonize(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) < 0)
		return (-1);
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return (-1);
	if ((pid = fork()) < 0)
		return (-1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return (-1);
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		return (-1);
	(void)dup2(fd, 0);
	(void)dup2(fd, 1);
	(void)dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return (0);
}

/* usage - say how to call us */

static void PC_NORETURN
usage(void)
{
	fprintf(stderr, "usage: popconn-fetcher [-D] [-f] [-v] [-1] "
	    "[-c config_dir] [mailbox ...]\n");
	exit(EX_USAGE);
}

/* wanted - is this mailbox among the ones named on the command line? */

static int
wanted(const char *name, char **names, int n)
{
	int	i;

	if (n == 0)
		return (1);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (1);
	return (0);
}

/* become_user - a one-shot run as root works as daemon_user */

static int
become_user(const struct config *c)
{
	const char *user = c->set.daemon_user;
	struct passwd *pw;

	/*
	 * Files a root run leaves in state_directory and the spool would be
	 * root's, and the service (daemon_user) could not replace them:
	 * run as that user, as the service does.
	 */
	if (geteuid() != 0 || user == NULL || *user == 0)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		log_warn("daemon_user %s does not exist: staying root", user);
		return (0);
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_error("cannot become %s: %s", user, strerror(errno));
		return (-1);
	}
	log_debug("running as %s (daemon_user)", user);
	return (0);
}

/* cycle - fetch every wanted mailbox once; returns an exit status */

static int
cycle(struct config *c, char **names, int nnames)
{
	struct strbuf *why = strbuf_alloc(2048);
	struct account a;
	struct account_result r;
	size_t	i;
	int	status = 0, rc, n = 0;

	if (mkdir(c->set.state_directory, 0700) != 0 && errno != EEXIST) {
		log_error("mkdir %s: %s", c->set.state_directory,
		    strerror(errno));
		strbuf_free(why);
		return (EX_TEMPFAIL);
	}
	if (spool_init(c->set.spool_directory, why) != PC_OK) {
		log_error("%s", strbuf_str(why));
		strbuf_free(why);
		return (EX_TEMPFAIL);
	}
	for (i = 0; i < c->boxes.n && !got_term; i++) {
		if (!wanted(c->boxes.v[i].name, names, nnames))
			continue;
		n++;
		/* shard = k/n: the other parts are another fetcher's. */
		if (nnames == 0 && !sched_in_shard(c->boxes.v[i].name,
		    c->shard_k, c->shard_n))
			continue;
		strbuf_reset(why);
		if (account_load(&a, &c->boxes.v[i], c->main, c->pw, why) !=
		    PC_OK) {
			log_error("%s", strbuf_str(why));
			account_free(&a);
			status = EX_CONFIG;
			continue;
		}
		rc = account_fetch(&a, &r, why);
		account_free(&a);
		if (rc == PC_PERM || r.failed > 0) {
			if (status == 0 || status == EX_TEMPFAIL)
				status = EX_UNAVAILABLE;
		} else if (rc == PC_TEMP && status == 0) {
			status = EX_TEMPFAIL;
		}
	}
	if (n == 0 && nnames == 0)
		log_info("disabled: no mailboxes configured");
	else if (n < nnames) {
		log_error("some mailboxes named on the command line are not in "
		    "mailboxes.cf");
		status = EX_USAGE;
	}
	strbuf_free(why);
	return (status);
}

int
main(int argc, char **argv)
{
	const char *dir = "/etc/popconn";
	struct strbuf *why;
	struct config c;
	struct sigaction sa;
	int	ch, fg = 0, once = 0, verbose = 0, detach = 0, status;

	while ((ch = getopt(argc, argv, "c:DfvW1")) != -1) {
		switch (ch) {
		case 'D':
			detach = 1;
			break;
		case 'c':
			dir = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case '1':
			once = 1;
			break;
		case 'W':
			/* Internal: a worker spawned by the service. */
			return (worker_main());
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	umask(077);
	log_open("popconn-fetcher", fg);
	if (!once) {
		if (argc > 0 || (detach && fg))
			usage();
		if (detach && daemonize() != 0)
			log_fatal(EX_OSERR, "cannot detach: %s", strerror(errno));
		return (daemon_run(dir, verbose));
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	why = strbuf_alloc(2048);
	if (config_load(dir, &c, why) != PC_OK) {
		log_error("%s", strbuf_str(why));
		config_free(&c);
		strbuf_free(why);
		return (EX_CONFIG);
	}
	log_set_level(verbose ? LOGL_MAXIMUM : c.log_level);
	if (log_set_file(c.set.maillog_file) != 0)
		log_error("maillog_file %s: %s", c.set.maillog_file,
		    strerror(errno));
	if (become_user(&c) != 0) {
		config_free(&c);
		strbuf_free(why);
		return (EX_OSERR);
	}
	status = cycle(&c, argv, argc);
	config_free(&c);
	strbuf_free(why);
	return (status);
}
