/*
 * NAME
 *	popconn-milter - route global-mailbox mail inside Postfix
 * SYNOPSIS
 *	popconn-milter [-f] [-v] [-c config_dir]
 * DESCRIPTION
 *	Reads config_dir/popconn.cf (default /etc/popconn), listens on
 *	milter_socket ("unix:/path" or "inet:port@host") and serves Postfix
 *	(non_smtpd_milters) until SIGTERM.  A unix socket gets mode
 *	milter_socket_mode and group milter_socket_group so that Postfix's
 *	cleanup can connect.
 *
 *	-f	stay in the foreground and log to stderr (systemd, tests;
 *		the program never forks, -f only chooses stderr logging)
 *	-v	log level maximum
 *	-c dir	configuration directory
 *
 *	SIGUSR1 reloads popconn.cf, the marker secret and every table: the
 *	new configuration is built aside and swapped in; connections in
 *	progress finish with the one they started with.  A broken file on
 *	reload keeps the old configuration and logs the file and line.
 *	The same reload happens by itself when one of those files changes
 *	(checked every config_check_interval, default 10s; 0 turns it
 *	off), as Postfix's daemons notice a changed table.
 *	SIGHUP is libmilter's (it stops the milter), hence SIGUSR1.
 * DIAGNOSTICS
 *	Exit status 0 after SIGTERM; 78 (EX_CONFIG) for a configuration
 *	error at start; 71 (EX_OSERR) when the socket cannot be set up;
 *	69 (EX_UNAVAILABLE) when another instance holds the pid file's lock
 *	(it is named, and its socket is left alone).
 * SECURITY
 *	Runs as the user that starts it; needs to read the marker secret
 *	and the tables, nothing else.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "cfg.h"
#include "log.h"
#include "pidlock.h"
#include "strbuf.h"
#include "safeio.h"
#include "milter.h"

#define EX_CONFIG_	78
#define EX_OSERR_	71
#define EX_UNAVAILABLE_	69

static const char *main_dir = "/etc/popconn";

/* main_usage - print usage and exit */

static void PC_NORETURN
main_usage(void)
{
	fprintf(stderr, "usage: popconn-milter [-f] [-v] [-c config_dir]\n");
	exit(64);
}

/* main_reload - reload, log the outcome; PC_OK or an error */

static int
main_reload(const char *what, struct strbuf *why)
{
	int	rc;

	strbuf_reset(why);
	if ((rc = milter_reload(main_dir, why)) == PC_OK)
		log_info("reload: configuration and tables loaded (%s)", what);
	else
		log_error("reload failed, old configuration kept: %s",
		    strbuf_str(why));
	return (rc);
}

/* main_changed - has a file of the current configuration changed? */

static int
main_changed(uint64_t *sig, struct strbuf *which)
{
	struct milter_config *c = milter_config_acquire();
	int	changed = 0;

	if (c != NULL)
		changed = milter_config_changed(c, sig, which);
	milter_config_release(c);
	return (changed);
}

/*
 * main_reloader - the reload thread: reload on SIGUSR1, and when a file
 * the configuration came from changes (checked every
 * config_check_interval; Postfix's daemons likewise notice a changed
 * table).  A failed reload is not retried until the files change again.
 */

static void *
main_reloader(void *arg)
{
	sigset_t *set = arg;
	struct strbuf *why = strbuf_alloc(4096 + 256);
	struct strbuf *which = strbuf_alloc(4096 + 256);
	struct milter_config *c;
	struct timespec ts;
	uint64_t sig, failed = 0;
	long long every;
	int	sig_no;

	for (;;) {
		c = milter_config_acquire();
		every = c ? milter_config_check_interval(c) : 0;
		milter_config_release(c);
		if (every > 0) {
			ts.tv_sec = (time_t)every;
			ts.tv_nsec = 0;
			sig_no = sigtimedwait(set, NULL, &ts);
		} else if (sigwait(set, &sig_no) != 0)
			continue;
		if (sig_no == SIGUSR1) {
			if (main_reload("SIGUSR1", why) == PC_OK)
				failed = 0;
			else
				(void)main_changed(&failed, which);
		} else if (sig_no < 0 && main_changed(&sig, which) &&
		    sig != failed) {
			log_info("reload: %s changed", strbuf_str(which));
			failed = main_reload("file changed", why) == PC_OK ?
			    0 : sig;
		}
	}
	return (NULL);
}

/* main_socket_path - the file of a unix socket spec, or NULL */

static const char *
main_socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return (spec + 5);
	if (strncmp(spec, "local:", 6) == 0)
		return (spec + 6);
	if (spec[0] == '/')
		return (spec);
	return (NULL);
}

/* main_socket_perms - mode and group of a unix socket */

static int
main_socket_perms(const char *path, const char *mode_s, const char *group)
{
	char   *end;
	unsigned long mode;
	struct group *gr;

	errno = 0;
	mode = strtoul(mode_s, &end, 8);
	if (errno || *end || end == mode_s || mode > 0777) {
		log_error("milter_socket_mode %s: expected an octal mode",
		    mode_s);
		return (-1);
	}
	if (group && *group) {
		if ((gr = getgrnam(group)) == NULL) {
			log_error("milter_socket_group %s: no such group",
			    group);
			return (-1);
		}
		if (chown(path, (uid_t)-1, gr->gr_gid) != 0) {
			log_error("chown %s: %m", path);
			return (-1);
		}
	}
	if (chmod(path, (mode_t)mode) != 0) {
		log_error("chmod %s: %m", path);
		return (-1);
	}
	return (0);
}

/* main_log_file - maillog_file, read before the rest of popconn.cf */

static void
main_log_file(const char *dir)
{
	struct cfg_dict *d = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(1024);
	const struct cfg_entry *e;
	char	path[4096];

	/*
	 * Read first, so that a configuration the milter refuses is
	 * reported there too.  Read at start only: a reload keeps the file.
	 */
	if (snprintf(path, sizeof(path), "%s/popconn.cf", dir) <
	    (int)sizeof(path) && cfg_parse_main(path, d, why) == PC_OK &&
	    (e = cfg_dict_find(d, "maillog_file")) != NULL &&
	    log_set_file(e->value) != 0)
		log_error("maillog_file %s: %s", e->value, strerror(errno));
	cfg_dict_free(d);
	strbuf_free(why);
}

/*
 * main_signals - the reload thread, and SIGUSR1 blocked for the rest
 *
 * Every thread (libmilter's too) inherits a blocked SIGUSR1, which the
 * reload thread takes with sigwait().  The reload thread blocks every
 * signal: SIGTERM must reach libmilter's own signal thread, not kill us
 * from ours.  Called before any other thread starts; fatal on failure.
 */

static void
main_signals(void)
{
	static sigset_t usr1;
	sigset_t all, saved;
	pthread_t tid;
	int	rc;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigfillset(&all);
	if ((rc = pthread_sigmask(SIG_BLOCK, &all, &saved)) != 0 ||
	    (rc = pthread_create(&tid, NULL, main_reloader, &usr1)) != 0 ||
	    (rc = pthread_sigmask(SIG_SETMASK, &saved, NULL)) != 0 ||
	    (rc = pthread_sigmask(SIG_BLOCK, &usr1, NULL)) != 0)
		log_fatal(EX_OSERR_, "signal thread: %s", strerror(rc));
	(void)pthread_detach(tid);
}

/*
 * main_lock - one instance per socket: lock the pid file
 *
 * The lock on the pid file (or, without one, on SOCKET.lock for a unix
 * socket path) comes before libmilter removes and binds the socket
 * path, so a second copy started by hand leaves the running one
 * reachable (DESIGN.md, invariant 10).  A held lock is fatal
 * (EX_UNAVAILABLE); without either path, only a warning.  The lock's
 * path (the caller frees), or NULL; pl->fd is -1 without a lock.
 */

static char *
main_lock(const struct milter_config *c, const char *sock, const char *path,
    struct pidlock *pl)
{
	const char *pidfile = milter_config_pid_file(c);
	struct strbuf *why = strbuf_alloc(4096 + 256);
	char   *lockpath = NULL;
	long	holder;
	int	rc;

	if (pidfile != NULL && *pidfile)
		lockpath = xstrdup(pidfile);
	else if (path != NULL) {
		size_t	n = strlen(path) + 6;

		lockpath = xmalloc(n);
		(void)snprintf(lockpath, n, "%s.lock", path);
	}
	pl->fd = -1;
	if (lockpath != NULL) {
		rc = pidlock_take(lockpath, pl, &holder, why);
		if (rc == PC_PERM)
			log_fatal(EX_UNAVAILABLE_, "%s; not starting (its "
			    "socket %s is left alone)", strbuf_str(why), sock);
		if (rc != PC_OK)
			log_fatal(EX_OSERR_, "pid file: %s", strbuf_str(why));
	} else
		log_warn("no milter_pid_file and no unix socket: nothing "
		    "keeps a second instance off %s", sock);
	strbuf_free(why);
	return (lockpath);
}

/*
 * main_listen - register with libmilter and open the socket
 *
 * A unix socket (path, not NULL) is created under umask 0177 and then
 * given milter_socket_mode and milter_socket_group; its device and inode
 * go to *sdev and *sino, so that at exit only the socket this instance
 * made is removed.  1 when they were recorded, else 0; fatal on failure.
 */

static int
main_listen(const struct milter_config *c, char *conn, const char *path,
    dev_t *sdev, ino_t *sino)
{
	struct stat sst;
	mode_t	old;
	int	rc;

	if (smfi_setconn(conn) != MI_SUCCESS ||
	    smfi_register(milter_desc) != MI_SUCCESS)
		log_fatal(EX_OSERR_, "cannot register with libmilter (%s)",
		    conn);
	if (path == NULL) {
		if (smfi_opensocket(1) != MI_SUCCESS)
			log_fatal(EX_OSERR_, "cannot open %s", conn);
		return (0);
	}
	old = umask(0177);
	rc = smfi_opensocket(1);
	umask(old);
	if (rc != MI_SUCCESS)
		log_fatal(EX_OSERR_, "cannot open %s", conn);
	if (main_socket_perms(path, milter_config_socket_mode(c),
	    milter_config_socket_group(c)) != 0)
		log_fatal(EX_CONFIG_, "cannot set up %s", path);
	if (lstat(path, &sst) != 0)
		return (0);
	*sdev = sst.st_dev;
	*sino = sst.st_ino;
	return (1);
}

/* main - popconn-milter: options, configuration, lock, socket, run */

int
main(int argc, char **argv)
{
	struct milter_config *c;
	struct strbuf *why = strbuf_alloc(4096 + 256);
	const char *sock, *path;
	char   *conn, *lockpath;
	struct pidlock pl;
	dev_t	sdev = 0;
	ino_t	sino = 0;
	int	ch, fg = 0, verbose = 0, rc, have_sock;

	while ((ch = getopt(argc, argv, "fvc:")) != -1) {
		switch (ch) {
		case 'f':
			fg = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'c':
			main_dir = optarg;
			break;
		default:
			main_usage();
		}
	}
	if (optind != argc)
		main_usage();
	log_open("popconn-milter", fg);
	if (verbose)
		log_set_level(LOGL_MAXIMUM);
	main_log_file(main_dir);
	if (milter_config_load(main_dir, 0, &c, why) != PC_OK)
		log_fatal(EX_CONFIG_, "%s", strbuf_str(why));
	milter_config_install(c);
	/*
	 * The reload thread may replace (and free) c at any time: hold a
	 * reference while the socket is set up, and keep copies of what is
	 * needed after that (the socket path to remove at exit).
	 */
	c = milter_config_acquire();
	conn = xstrdup(milter_config_socket(c));
	sock = conn;
	main_signals();
	path = main_socket_path(sock);
	lockpath = main_lock(c, sock, path, &pl);
	have_sock = main_listen(c, conn, path, &sdev, &sino);
	milter_config_release(c);
	c = NULL;
	log_info("listening on %s (config %s)", sock, main_dir);
	rc = smfi_main();
	log_info("stopping");
	/* Remove only what this instance made. */
	if (have_sock && pidlock_same_file(path, sdev, sino))
		(void)unlink(path);
	pidlock_release(&pl);
	free(lockpath);
	milter_config_shutdown();
	free(conn);
	strbuf_free(why);
	return (rc == MI_SUCCESS ? 0 : EX_OSERR_);
}
