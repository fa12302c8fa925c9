/*
 * NAME
 *	popconnctl - the popconn manager
 * SYNOPSIS
 *	popconnctl [-v] [-c config_dir] VERB [ARGS...]
 *
 *	int ctl_load(struct ctl *c);	exit status; prints the error
 *	void ctl_unload(struct ctl *c);
 *	int ctl_load_boxes(struct ctl *c, struct cfg_mailboxes *m);
 *		m: caller frees with cfg_mailboxes_free()
 *	int ctl_request(const struct ctl *c, const struct ctlproto_req *req,
 *		int (*cb)(void *ctx, const char *line), void *ctx,
 *		int timeout, struct strbuf *why);
 *	int ctl_reload_fetcher(const struct ctl *c);
 *	int ctl_reload_milter(const struct ctl *c, int quiet);
 *	int ctl_read_password(const char *name, const char *file,
 *		struct strbuf *pw);		pw: caller wipes (strbuf_free)
 *	json_put()			--json output; replies are decoded by
 *					lib/ctlproto.c
 * DESCRIPTION
 *	popconnctl is shaped like postconf/postqueue/smtpctl: short verbs,
 *	files edited in place (ctl/cfgedit.c: every unrelated byte stays),
 *	and a reload it triggers itself.  Everything it does can be done
 *	by editing the files by hand.  See popconnctl(8) for the verbs.
 *
 *	This file holds main(), the verb table and what the verbs share:
 *	loading popconn.cf (params_load_main(), the daemons' own loader),
 *	the control-socket client (include/ctl_proto.h: one JSON request
 *	line, JSON data lines, a final "ok" or "error: TEXT"), signalling the
 *	milter through its pid file, reading a password without echo, and
 *	a parser for the protocol's flat JSON objects.
 *
 *	ctl_request() connects to control_socket, sends req (encoded by
 *	ctlproto_encode_request(): a request it refuses is PC_PERM with
 *	the reason, and nothing is sent) and passes
 *	each data line to cb (which may return non-zero to stop).  With
 *	timeout > 0 each read waits at most that many seconds.
 * DIAGNOSTICS
 *	Errors go to standard error, prefixed "popconnctl: "; tables and
 *	reports go to standard output.  Exit status (sysexits.h): 0 done,
 *	EX_USAGE bad arguments, EX_CONFIG a configuration file is wrong,
 *	EX_UNAVAILABLE a daemon is not running or something failed,
 *	EX_TEMPFAIL try again, EX_NOINPUT/EX_CANTCREAT/EX_IOERR file
 *	problems; "mailbox test" has one status per failure class.
 *
 *	ctl_request(): PC_OK after "ok"; PC_PERM after "error: TEXT" (TEXT
 *	in why); CTL_DOWN when nobody listens on the socket; PC_TEMP on an
 *	I/O error, a timeout, an over-long line or a missing final line.
 * SECURITY
 *	A password is never taken from the command line (it would show in
 *	ps): it comes from the terminal without echo, a file, or standard
 *	input, and its buffers are wiped.  Replies from the daemon are
 *	bounded (CTL_REPLY_MAX per line) and printed through
 *	log_printable().
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "alloc.h"
#include "url.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "ops.h"
#include "log.h"
#include "pidlock.h"
#include "safeio.h"

#define CTL_PW_MAX	4096		/* a password or token */

/* ctl_vmsg - print "popconnctl: " and a message to stderr */

static void PC_PRINTF(1, 0)
ctl_vmsg(const char *fmt, va_list ap, int err, int note)
{
	char	buf[CTL_WHY_MAX], full[CTL_WHY_MAX + 256];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (err)
		(void)snprintf(full, sizeof(full), "%s: %s", buf,
		    strerror(err));
	else
		(void)pc_strlcpy(full, buf, sizeof(full));
	/* --json: collected into the answer (ctl/ops.c) */
	if (!ops_captured(note, full))
		fprintf(stderr, "popconnctl: %s\n", full);
}

/* ctl_err - an error, on stderr */

void
ctl_err(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ctl_vmsg(fmt, ap, 0, 0);
	va_end(ap);
}

/* ctl_errno - an error with strerror(errno) */

void
ctl_errno(const char *fmt, ...)
{
	va_list	ap;
	int	err = errno;

	va_start(ap, fmt);
	ctl_vmsg(fmt, ap, err, 0);
	va_end(ap);
}

/* ctl_note - information for a person, on stderr */

void
ctl_note(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ctl_vmsg(fmt, ap, 0, 1);
	va_end(ap);
}

/* ctl_path - DIR/file into buf */

int
ctl_path(const struct ctl *c, char *buf, size_t size, const char *file)
{
	int	n = snprintf(buf, size, "%s/%s", c->dir, file);

	if (n < 0 || (size_t)n >= size) {
		ctl_err("%s/%s: path too long", c->dir, file);
		return (-1);
	}
	return (0);
}

/* ctl_load - popconn.cf, as the daemons read it */

int
ctl_load(struct ctl *c)
{
	struct strbuf *why;
	struct cfg_dict *d2 = NULL;

	if (c->loaded)
		return (0);
	why = strbuf_alloc(CTL_WHY_MAX);
	if (params_load_main(c->dir, params_fetcher, &c->fs, &c->main, why) !=
	    PC_OK ||
	    params_load_main(c->dir, params_milter, &c->ms, &d2, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		strbuf_free(why);
		cfg_dict_free(d2);
		return (EX_CONFIG);
	}
	cfg_dict_free(d2);
	strbuf_free(why);
	c->loaded = 1;
	return (0);
}

/* ctl_unload - free what ctl_load() made */

void
ctl_unload(struct ctl *c)
{
	if (!c->loaded)
		return;
	cfg_free_values(params_fetcher, CFG_MAIN, &c->fs);
	cfg_free_values(params_milter, CFG_MAIN, &c->ms);
	c->main = cfg_dict_free(c->main);
	c->loaded = 0;
}

/* ctl_raw - raw popconn.cf value of name (or NULL); *src says where */

const char *
ctl_raw(const struct ctl *c, const char *name, const char **src)
{
	const struct cfg_entry *e = c->main ? cfg_dict_find(c->main, name) :
	    NULL;

	if (src)
		*src = e ? "popconn.cf" : "default";
	return (e ? e->value : NULL);
}

/* ctl_load_boxes - parse mailboxes.cf (a missing file has none) */

int
ctl_load_boxes(struct ctl *c, struct cfg_mailboxes *m)
{
	char	path[PATH_MAX];
	struct strbuf *why;

	memset(m, 0, sizeof(*m));
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0)
		return (EX_USAGE);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return (0);
	why = strbuf_alloc(CTL_WHY_MAX);
	if (cfg_parse_mailboxes(path, m, why) != PC_OK) {
		ctl_err("%s", strbuf_str(why));
		strbuf_free(why);
		return (EX_CONFIG);
	}
	strbuf_free(why);
	return (0);
}

/* ctl_find_box - a mailbox by name, or NULL */

const struct cfg_mailbox *
ctl_find_box(const struct cfg_mailboxes *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return (&m->v[i]);
	return (NULL);
}

/* ctl_same_account - another mailbox among the first n that fetches url */

const struct cfg_mailbox *
ctl_same_account(const struct cfg_mailboxes *m, size_t n, const char *name,
    const char *url)
{
	struct url u, v;
	size_t	i;
	int	same;

	/*
	 * The same user at the same server and port is one ISP mailbox,
	 * whatever the name: two entries would deliver every message twice.
	 */
	if (url_parse(url, &u, NULL) != PC_OK)
		return (NULL);
	for (i = 0; i < n && i < m->n; i++) {
		if (strcmp(m->v[i].name, name) == 0 ||
		    url_parse(m->v[i].url, &v, NULL) != PC_OK)
			continue;
		same = strcmp(u.user, v.user) == 0 &&
		    strcasecmp(u.host, v.host) == 0 && u.port == v.port;
		url_free(&v);
		if (same) {
			url_free(&u);
			return (&m->v[i]);
		}
	}
	url_free(&u);
	return (NULL);
}

/* ctl_commit - write an edit; prints why it failed */

int
ctl_commit(struct cfgedit *e)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	int	rc = cfgedit_commit(e, why);

	if (rc != PC_OK)
		ctl_err("%s", strbuf_str(why));
	strbuf_free(why);
	return (rc == PC_OK ? 0 : rc == PC_TEMP ? EX_CANTCREAT : EX_CONFIG);
}

/* ctl_wait_read - wait until fd is readable; 0, or -1 on timeout */

static int
ctl_wait_read(int fd, int timeout)
{
	struct pollfd p;
	int	n;

	if (timeout <= 0)
		return (0);
	p.fd = fd;
	p.events = POLLIN;
	do {
		n = poll(&p, 1, timeout * 1000);
	} while (n < 0 && errno == EINTR);
	return (n > 0 ? 0 : -1);
}

/* ctl_connect - connect to the control socket; fd, or -1 (why set) */

static int
ctl_connect(const struct ctl *c, int *down, struct strbuf *why)
{
	struct sockaddr_un sun;
	const char *path = c->fs.control_socket;
	int	fd;

	*down = 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (pc_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		strbuf_printf(why, "control_socket %s: name too long", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		strbuf_printf(why, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		*down = errno == ENOENT || errno == ECONNREFUSED ||
		    errno == ENOTSOCK;
		if (*down)
			strbuf_printf(why, "the fetcher is not running (cannot "
			    "connect to %s: %s)", path, strerror(errno));
		else
			strbuf_printf(why, "cannot connect to %s: %s", path,
			    strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* ctl_request - one request to the fetcher; see above */

int
ctl_request(const struct ctl *c, const struct ctlproto_req *req,
    int (*cb)(void *ctx, const char *line), void *ctx, int timeout,
    struct strbuf *why)
{
	struct strbuf *line = strbuf_alloc(CTL_REPLY_MAX);
	struct strbuf *out = strbuf_alloc(CTL_LINE_MAX);
	char	buf[4096];
	char	*p, *nl;
	ssize_t	n;
	int	fd, down, rc = PC_TEMP;

	if (ctlproto_encode_request(out, req, why) != PC_OK) {
		rc = PC_PERM;
		goto done;
	}
	if ((fd = ctl_connect(c, &down, why)) < 0) {
		rc = down ? CTL_DOWN : PC_TEMP;
		goto done;
	}
	if (safeio_write_all(fd, out->data, out->len) < 0) {
		strbuf_printf(why, "write to %s: %s", c->fs.control_socket,
		    strerror(errno));
		close(fd);
		goto done;
	}
	for (;;) {
		if (ctl_wait_read(fd, timeout) < 0) {
			strbuf_printf(why, "no answer from the fetcher within "
			    "%d seconds", timeout);
			break;
		}
		if ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_printf(why, "read from %s: %s",
			    c->fs.control_socket, strerror(errno));
			break;
		}
		if (n == 0) {
			strbuf_printf(why, "the fetcher closed the connection "
			    "without a final answer");
			break;
		}
		for (p = buf; p < buf + n; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(buf + n - p));
			if (strbuf_append(line, p, nl ? (size_t)(nl - p) :
			    (size_t)(buf + n - p)) < 0) {
				strbuf_printf(why, "reply line longer than %d "
				    "bytes", CTL_REPLY_MAX);
				goto closed;
			}
			if (nl == NULL)
				break;
			if (line->len > 0 && line->data[line->len - 1] == '\r')
				strbuf_truncate(line, line->len - 1);
			if (strcmp(line->data, "ok") == 0) {
				rc = PC_OK;
				goto closed;
			}
			if (strncmp(line->data, "error:", 6) == 0) {
				strbuf_printf(why, "%s", line->data + 6 +
				    (line->data[6] == ' '));
				rc = PC_PERM;
				goto closed;
			}
			if (cb != NULL && cb(ctx, line->data) != 0) {
				strbuf_printf(why, "bad reply from the fetcher");
				goto closed;
			}
			strbuf_reset(line);
		}
	}
closed:
	close(fd);
done:
	strbuf_free(line);
	strbuf_free(out);
	return (rc);
}

/* ctl_reload_fetcher - after an edit: tell the fetcher; never fails */

int
ctl_reload_fetcher(const struct ctl *c)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct ctlproto_req req = {.op = CTLPROTO_REQ_RELOAD};
	int	rc = ctl_request(c, &req, NULL, NULL, 30, why);

	if (rc == CTL_DOWN)
		ctl_note("the fetcher is not running: the change takes effect "
		    "when it starts");
	else if (rc != PC_OK)
		ctl_err("reload of the fetcher failed: %s", strbuf_str(why));
	strbuf_free(why);
	return (rc);
}

/* ctl_milter_lock - the file the milter locks (as plugin/main.c) */

static const char *
ctl_milter_lock(const struct ctl *c, char *buf, size_t size)
{
	const char *sock = c->ms.milter_socket;

	if (*c->ms.milter_pid_file)
		return (c->ms.milter_pid_file);
	if (strncmp(sock, "unix:", 5) == 0)
		sock += 5;
	else if (strncmp(sock, "local:", 6) == 0)
		sock += 6;
	(void)snprintf(buf, size, "%s.lock", sock);
	return (buf);
}

/*
 * ctl_milter_pid - the pid of the running milter: the process that holds
 * the lock on milter_pid_file, as the kernel says, never the number in
 * the file (which the service user can write).
 */

int
ctl_milter_pid(const struct ctl *c, long *pid, struct strbuf *why)
{
	char	path[4096];

	return (pidlock_holder(ctl_milter_lock(c, path, sizeof(path)), pid,
	    why));
}

/* ctl_reload_milter - SIGUSR1 to the milter, and to nothing else */

int
ctl_reload_milter(const struct ctl *c, int quiet)
{
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	long	pid;
	int	rc;
	char	path[4096];

	rc = pidlock_signal(ctl_milter_lock(c, path, sizeof(path)), SIGUSR1,
	    &pid, why);
	if (rc == PC_PERM) {
		if (!quiet)
			ctl_note("the milter is not running (%s)",
			    strbuf_str(why));
	} else if (rc != PC_OK)
		ctl_err("reload of the milter: %s", strbuf_str(why));
	strbuf_free(why);
	return (rc);
}

/* ctl_read_line - one line from fd into pw (end of input: an empty one) */

static int
ctl_read_line(int fd, struct strbuf *pw)
{
	return (ctl_fd_line(fd, pw) < 0 ? -1 : 0);
}

/* ctl_ask - prompt on the terminal and read a line without echo */

static int
ctl_ask(const char *prompt, struct strbuf *pw)
{
	struct termios old, noecho;
	int	rc;

	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcgetattr(0, &old) != 0)
		return (-1);
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	if (tcsetattr(0, TCSAFLUSH, &noecho) != 0)
		return (-1);
	rc = ctl_read_line(0, pw);
	(void)tcsetattr(0, TCSAFLUSH, &old);
	fprintf(stderr, "\n");
	return (rc);
}

/* ctl_read_password - from the terminal (twice), a file, or stdin */

int
ctl_read_password(const char *name, const char *file, struct strbuf *pw)
{
	struct strbuf *again, *why;
	char	prompt[128];
	int	fd, rc;

	strbuf_reset(pw);
	if (file != NULL && strcmp(file, "-") != 0) {
		why = strbuf_alloc(CTL_WHY_MAX);
		if ((fd = safeio_open_read(file, why)) < 0) {
			/* Not strerror(EINVAL) for /dev/null or a pipe. */
			ctl_err("--password-file: %s%s", strbuf_str(why),
			    errno == EINVAL ? " (give a file holding the "
			    "password, or - to read it from standard "
			    "input; --no-password with -o "
			    "password_command=... for none)" : "");
			strbuf_free(why);
			return (EX_NOINPUT);
		}
		strbuf_free(why);
		rc = ctl_read_line(fd, pw);
		close(fd);
	} else if (file == NULL && isatty(0)) {
		(void)snprintf(prompt, sizeof(prompt), "Password for %s: ",
		    name);
		again = strbuf_alloc(CTL_PW_MAX);
		if ((rc = ctl_ask(prompt, pw)) == 0 &&
		    (rc = ctl_ask("Retype it: ", again)) == 0 &&
		    strcmp(strbuf_str(pw), strbuf_str(again)) != 0) {
			strbuf_free(again);
			ctl_err("the passwords do not match");
			return (EX_DATAERR);
		}
		strbuf_free(again);
	} else {
		rc = ctl_read_line(0, pw);
	}
	if (rc != 0) {
		ctl_err("cannot read the password (at most %d bytes)",
		    CTL_PW_MAX - 1);
		return (EX_IOERR);
	}
	if (strbuf_len(pw) == 0) {
		ctl_err("empty password: nothing changed");
		return (EX_DATAERR);
	}
	return (0);
}

/* json_put - print s as a JSON string */

void
json_put(FILE *fp, const char *s)
{
	const unsigned char *p;

	putc('"', fp);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			putc(*p, fp);
	}
	putc('"', fp);
}

/* The verbs; json: what --json gives (ops.h). */
#define J_NONE		0		/* no JSON form */
#define J_ANSWER	1		/* one answer from c->result */
#define J_STREAM	2		/* JSON lines as they come */

struct ctl_verb {
	const char *name;
	int	(*fn)(struct ctl *, int, char **);
	int	json;
	const char *usage;
};

static const struct ctl_verb verbs[] = {
	{"mailbox", ctl_cmd_mailbox, J_ANSWER,
	"mailbox add|edit|remove|list|show|test ..."},
	{"passwd", ctl_cmd_passwd, J_ANSWER,
	"passwd NAME [--password-file FILE]"},
	{"oauth", ctl_cmd_oauth, J_NONE,
	"oauth login NAME [--provider microsoft|google|generic] ..."},
	{"schedule", ctl_cmd_schedule, J_ANSWER,
	"schedule show | set INTERVAL | set --at HH:MM,... [--mailbox NAME]"},
	{"fetch", ctl_cmd_fetch, J_STREAM, "fetch [--quiet] [NAME ...]"},
	{"status", ctl_cmd_status, J_STREAM,
	"status [--json] [--all | NAME ...]"},
	{"reload", ctl_cmd_reload, J_ANSWER, "reload"},
	{"log-level", ctl_cmd_log_level, J_NONE,
	"log-level [none|minimum|medium|maximum]"},
	{"log", ctl_cmd_log, J_NONE, "log [--file FILE] [-n LINES] [NAME]"},
	{"undeliverable", ctl_cmd_undeliverable, J_ANSWER,
	"undeliverable [ADDRESS]"},
	{"route", ctl_cmd_route, J_ANSWER,
	"route add|remove PATTERN [RECIPIENT] [--pcre] | list | test FILE|-"},
	{"check", ctl_cmd_check, J_ANSWER, "check"},
	{"postfix-setup", ctl_cmd_postfix_setup, J_NONE,
	"postfix-setup [--apply] [--undo] [--postfix-config DIR]"},
	{"import", ctl_cmd_import, J_NONE,
	"import fetchmailrc [--apply] FILE|-"},
	{"setup", ctl_cmd_setup, J_NONE,
	"setup [--server HOST --account USER --type user|global ...] [--yes]"},
};

/* usage - list the verbs */

static int
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: popconnctl [-v] [-c config_dir] [--json] VERB "
	    "...\n");
	for (i = 0; i < PC_ARRAY_LEN(verbs); i++)
		fprintf(stderr, "       popconnctl %s\n", verbs[i].usage);
	return (EX_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct ctl c;
	size_t	i;
	int	ch, rc;

	memset(&c, 0, sizeof(c));
	c.dir = "/etc/popconn";
	while ((ch = getopt_long(argc, argv, "+c:vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.dir = optarg;
			break;
		case 'v':
			c.verbose = 1;
			break;
		case 'j':
			c.json = 1;
			break;
		default:
			return (usage());
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return (usage());
	log_open("popconnctl", 1);
	log_set_level(c.verbose ? LOGL_MAXIMUM : LOGL_NONE);
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < PC_ARRAY_LEN(verbs); i++) {
		if (strcmp(argv[0], verbs[i].name) == 0) {
			if (c.json && verbs[i].json == J_NONE) {
				ctl_err("%s: no --json form", argv[0]);
				return (EX_USAGE);
			}
			if (c.json && verbs[i].json == J_ANSWER)
				ops_capture();
			optind = 0;	/* glibc: start over for the verb */
			rc = verbs[i].fn(&c, argc, argv);
			rc = ops_finish(&c, rc);
			ctl_unload(&c);
			if (fflush(stdout) != 0 && rc == 0) {
				ctl_errno("standard output");
				rc = EX_IOERR;
			}
			return (rc);
		}
	}
	ctl_err("unknown verb \"%s\"", argv[0]);
	return (usage());
}
