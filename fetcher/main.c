/*
 * NAME
 *	popconn-fetcher - fetch mail from POP3 mailboxes into Postfix
 * SYNOPSIS
 *	popconn-fetcher [-f] [-v] [-1] [-c config_dir] [mailbox ...]
 * DESCRIPTION
 *	Reads config_dir/popconn.cf, mailboxes.cf and passwords (default
 *	config_dir /etc/popconn), then polls every mailbox (or the ones
 *	named) and delivers each message through Postfix's sendmail.
 *
 *	-1	run one fetch cycle and exit (cron, tests, "fetch now").
 *	-f	foreground: log to stderr instead of syslog.
 *	-v	more verbose logging (log_level maximum).
 *	-c dir	configuration directory.
 *
 *	Without -1 it polls every poll_interval until SIGTERM; SIGHUP
 *	reloads the configuration after the current cycle.
 * DIAGNOSTICS
 *	Exit status (sysexits.h): 0 all mailboxes fetched; EX_TEMPFAIL some
 *	mailbox will be retried; EX_UNAVAILABLE some mailbox failed for
 *	good or a message was refused; EX_CONFIG configuration error;
 *	EX_USAGE bad arguments.
 * SECURITY
 *	Passwords are read from a file no one else can read and never
 *	logged.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <errno.h>
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

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;

/* on_signal - remember what was asked */

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* usage - say how to call us */

static void PC_NORETURN
usage(void)
{
	fprintf(stderr, "usage: popconn-fetcher [-f] [-v] [-1] "
	    "[-c config_dir] [mailbox ...]\n");
	exit(EX_USAGE);
}

struct config {
	struct fetcher_settings set;
	struct cfg_dict *main;
	struct cfg_mailboxes boxes;
	struct cfg_dict *pw;
};

/* config_free - release a loaded configuration */

static void
config_free(struct config *c)
{
	cfg_free_values(params_fetcher, CFG_MAIN, &c->set);
	c->main = cfg_dict_free(c->main);
	cfg_mailboxes_free(&c->boxes);
	c->pw = cfg_dict_free(c->pw);
}

/* config_load - read all three files */

static int
config_load(const char *dir, int verbose, struct config *c,
    struct strbuf *why)
{
	char	path[4096];
	int	level;

	memset(c, 0, sizeof(*c));
	c->pw = cfg_dict_alloc();
	if (params_load_main(dir, params_fetcher, &c->set, &c->main, why) !=
	    PC_OK)
		return (PC_PERM);
	if (log_level_parse(c->set.log_level, &level) != 0) {
		strbuf_printf(why, "%s/popconn.cf: log_level = %s: use none, "
		    "minimum, medium or maximum", dir, c->set.log_level);
		return (PC_PERM);
	}
	log_set_level(verbose ? LOGL_MAXIMUM : level);
	if (snprintf(path, sizeof(path), "%s/mailboxes.cf", dir) >=
	    (int)sizeof(path) ||
	    cfg_parse_mailboxes(path, &c->boxes, why) != PC_OK)
		return (PC_PERM);
	if (snprintf(path, sizeof(path), "%s/passwords", dir) >=
	    (int)sizeof(path))
		return (PC_PERM);
	if (access(path, F_OK) == 0 &&
	    cfg_load_passwords(path, c->pw, why) != PC_OK)
		return (PC_PERM);
	return (PC_OK);
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
	int	ch, fg = 0, once = 0, verbose = 0, status;
	time_t	next;

	while ((ch = getopt(argc, argv, "c:fv1")) != -1) {
		switch (ch) {
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
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	umask(077);
	log_open("popconn-fetcher", fg);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);

	why = strbuf_alloc(2048);
	if (config_load(dir, verbose, &c, why) != PC_OK) {
		log_error("%s", strbuf_str(why));
		config_free(&c);
		strbuf_free(why);
		return (EX_CONFIG);
	}
	if (once) {
		status = cycle(&c, argv, argc);
		config_free(&c);
		strbuf_free(why);
		return (status);
	}
	log_info("starting: config=%s, mailboxes=%zu, poll_interval=%llds",
	    dir, c.boxes.n, c.set.poll_interval);
	while (!got_term) {
		(void)cycle(&c, argv, argc);
		next = time(NULL) + (time_t)c.set.poll_interval;
		while (!got_term && !got_hup && time(NULL) < next)
			(void)sleep(1);
		if (got_hup) {
			struct config nc;

			got_hup = 0;
			strbuf_reset(why);
			if (config_load(dir, verbose, &nc, why) != PC_OK) {
				log_error("reload failed, keeping the old "
				    "configuration: %s", strbuf_str(why));
				config_free(&nc);
			} else {
				config_free(&c);
				c = nc;
				log_info("reloaded: mailboxes=%zu", c.boxes.n);
			}
		}
	}
	log_info("stopping");
	config_free(&c);
	strbuf_free(why);
	return (0);
}
