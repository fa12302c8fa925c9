/*
 * test_pop3_io - the engine's driver (fetcher/pop3_io.c) over a real
 * loopback connection: a child process plays Dovecot's side of a
 * recorded session (tests/unit/data/dovecot-*.tr) and checks that the
 * client sent exactly what popconn sent to Dovecot; the parent runs the
 * public pop3_*() session functions.  Also: a sink that fails, a server
 * that hangs up in the middle of a message, a login and AUTH over the
 * driver.  TLS is left to the integration tests (t_pop3_tls.sh).
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "pop3.h"

/* load - a transcript's server and client streams */

static void
load(const char *name, struct strbuf *server, struct strbuf *client)
{
	char	path[512], line[8192];
	const char *dir = getenv("POP3_TEST_DATA");
	FILE   *fp;
	size_t	n;

	(void)snprintf(path, sizeof(path), "%s/%s",
	    dir ? dir : "tests/unit/data", name);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = strcspn(line, "\n");
		line[n] = 0;
		(void)strbuf_append(line[0] == 'S' ? server : client, line + 3,
		    n - 3);
		(void)strbuf_append(line[0] == 'S' ? server : client, "\r\n",
		    2);
	}
	(void)fclose(fp);
}

/*
 * serve_child - the child's side of serve(): returns its exit status.
 * It frees what it allocated before returning: a forked child under
 * valgrind gets its own leak check at _exit(), and with torture's
 * --error-exitcode=1 a leaked buffer turns into exit status 1.
 */
static int
serve_child(int ls, const struct strbuf *server, size_t cut,
    const struct strbuf *client)
{
	struct strbuf *got;
	char	buf[4096];
	size_t	off = 0, len = cut ? cut : server->len;
	ssize_t	n;
	int	fd, rc = 0;

	alarm(30);
	if ((fd = accept(ls, NULL, NULL)) < 0)
		return (2);
	while (off < len) {
		if ((n = write(fd, server->data + off, len - off)) <= 0)
			return (3);
		off += (size_t)n;
	}
	if (cut)			/* hang up; no reset: read on */
		(void)shutdown(fd, SHUT_WR);
	got = strbuf_alloc(1 << 20);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)strbuf_append(got, buf, (size_t)n);
	if (client && !cut && (got->len != client->len ||
	    memcmp(got->data, client->data, got->len) != 0)) {
		(void)fwrite(got->data, 1, got->len, stderr);
		rc = 1;
	}
	strbuf_free(got);
	(void)close(fd);
	return (rc);
}

/*
 * serve - a child that accepts one connection, sends the first cut bytes
 * of server (all of it when cut is 0), then reads what the client sends
 * until it hangs up; exits 0 when that equals client (NULL: anything).
 */
static pid_t
serve(const struct strbuf *server, size_t cut, const struct strbuf *client,
    int *port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int	ls;
	pid_t	pid;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &salen), 0);
	*port = ntohs(sa.sin_port);
	if ((pid = fork()) == 0)
		_exit(serve_child(ls, server, cut, client));
	assert_true(pid > 0);
	(void)close(ls);
	return (pid);
}

static void
reap(pid_t pid)
{
	int	status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
opts(struct pop3_opts *o, int port)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = port;
	o->tls = POP3_TLS_NONE;
	o->connect_timeout = 10;
	o->command_timeout = 10;
	o->session_timeout = 60;
}

struct sinkbuf {
	struct strbuf *sb;
	int	fail_after;	/* calls; 0: never fail */
	int	calls;
};

static int
sink(void *ctx, const char *data, size_t len)
{
	struct sinkbuf *s = ctx;

	if (s->fail_after && ++s->calls >= s->fail_after)
		return (PC_TEMP);
	return (strbuf_append(s->sb, data, len) == 0 ? PC_OK : PC_TEMP);
}

/* test_dovecot_user - the recorded session, through the driver */

static void
test_dovecot_user(void **state)
{
	struct strbuf *server = strbuf_alloc(1 << 22);
	struct strbuf *client = strbuf_alloc(1 << 20);
	struct strbuf *why = strbuf_alloc(1024);
	struct sinkbuf s = {strbuf_alloc(1 << 22), 0, 0};
	struct pop3_retr_info info;
	struct pop3_opts o;
	struct pop3 p;
	unsigned long num, i;
	int	port, kind;
	pid_t	pid;

	(void)state;
	load("dovecot-user.tr", server, client);
	pid = serve(server, 0, client, &port);
	opts(&o, port);
	pop3_init(&p, "box");
	assert_int_equal(pop3_open(&p, &o, why), PC_OK);
	assert_string_equal(p.net.peer, "127.0.0.1");
	assert_int_equal(pop3_login(&p, "alice", "alice-pw", why), PC_OK);
	assert_int_equal(pop3_scan(&p, why), PC_OK);
	assert_int_equal(p.nmsgs, 3);
	for (i = 1; i <= 3; i++)
		assert_int_equal(pop3_queue(&p, POP3_Q_RETR, i, why), PC_OK);
	for (i = 1; i <= 3; i++) {
		strbuf_reset(s.sb);
		assert_int_equal(pop3_next(&p, &kind, &num, sink, &s, &info,
		    why), PC_OK);
		assert_int_equal(num, i);
		assert_int_equal(info.octets, p.msgs[i - 1].size);
		assert_int_equal(s.sb->len + info.lines, info.octets);
	}
	assert_int_equal(pop3_queue(&p, POP3_Q_DELE, 2, why), PC_OK);
	assert_int_equal(pop3_queue(&p, POP3_Q_DELE, 1, why), PC_OK);
	assert_int_equal(pop3_next(&p, &kind, &num, NULL, NULL, &info, why),
	    PC_OK);
	assert_int_equal(pop3_next(&p, &kind, &num, NULL, NULL, &info, why),
	    PC_OK);
	assert_int_equal(pop3_dele(&p, 3, why), PC_OK);
	assert_int_equal(pop3_quit(&p, why), PC_OK);
	pop3_close(&p);
	reap(pid);
	strbuf_free(server);
	strbuf_free(client);
	strbuf_free(why);
	strbuf_free(s.sb);
}

/* test_failures - a sink that fails; a server that hangs up mid-RETR */

static void
test_failures(void **state)
{
	struct strbuf *server = strbuf_alloc(1 << 22);
	struct strbuf *client = strbuf_alloc(1 << 20);
	struct strbuf *why = strbuf_alloc(1024);
	struct sinkbuf s = {strbuf_alloc(1 << 22), 2, 0};
	struct pop3_retr_info info;
	struct pop3_opts o;
	struct pop3 p;
	const char *cut;
	int	port;
	pid_t	pid;

	(void)state;
	load("dovecot-user.tr", server, client);
	/* The sink refuses the second chunk of message 2 (206814 bytes). */
	pid = serve(server, 0, NULL, &port);
	opts(&o, port);
	pop3_init(&p, "box");
	assert_int_equal(pop3_open(&p, &o, why), PC_OK);
	assert_int_equal(pop3_login(&p, "alice", "alice-pw", why), PC_OK);
	assert_int_equal(pop3_scan(&p, why), PC_OK);
	s.fail_after = 0;
	assert_int_equal(pop3_retr(&p, 1, sink, &s, &info, why), PC_OK);
	s.fail_after = 2;
	assert_int_equal(pop3_retr(&p, 2, sink, &s, &info, why), PC_TEMP);
	assert_string_equal(strbuf_str(why), "cannot store message 2");
	pop3_close(&p);
	reap(pid);

	/* Hung up in the middle of message 2. */
	cut = strstr(server->data, "+OK 206814 octets");
	assert_non_null(cut);
	pid = serve(server, (size_t)(cut - server->data) + 5000, NULL, &port);
	opts(&o, port);
	pop3_init(&p, "box");
	assert_int_equal(pop3_open(&p, &o, why), PC_OK);
	assert_int_equal(pop3_login(&p, "alice", "alice-pw", why), PC_OK);
	assert_int_equal(pop3_scan(&p, why), PC_OK);
	s.fail_after = 0;
	assert_int_equal(pop3_retr(&p, 1, sink, &s, &info, why), PC_OK);
	assert_int_equal(pop3_retr(&p, 2, sink, &s, &info, why), PC_TEMP);
	assert_non_null(strstr(strbuf_str(why), "(during RETR 2)"));
	assert_true(info.octets > 4000 && info.octets < 5000);
	pop3_close(&p);
	reap(pid);

	/* pop3s to a server that speaks plain text; STLS, then no TLS. */
	strbuf_reset(server);
	(void)strbuf_puts(server, "+OK hi\r\n");
	pid = serve(server, server->len, NULL, &port);
	opts(&o, port);
	o.tls = POP3_TLS_IMPLICIT;
	pop3_init(&p, "box");
	assert_int_equal(pop3_open(&p, &o, why), PC_PERM);
	assert_non_null(strstr(strbuf_str(why), "did not answer TLS"));
	pop3_close(&p);
	reap(pid);
	(void)strbuf_puts(server, "+OK\r\nSTLS\r\n.\r\n+OK go\r\n");
	pid = serve(server, server->len, NULL, &port);
	opts(&o, port);
	o.tls = POP3_TLS_STLS;
	pop3_init(&p, "box");
	assert_int_not_equal(pop3_open(&p, &o, why), PC_OK);
	assert_int_equal(p.tls_active, 0);
	pop3_close(&p);
	reap(pid);

	/* Nobody listens. */
	opts(&o, port);
	pop3_init(&p, "box");
	assert_int_equal(pop3_open(&p, &o, why), PC_TEMP);
	pop3_close(&p);
	strbuf_free(server);
	strbuf_free(client);
	strbuf_free(why);
	strbuf_free(s.sb);
}

/* test_auth - APOP and AUTH through the driver */

static void
test_auth(void **state)
{
	static const char *const files[][2] = {
		{"dovecot-apop.tr", "apop"},
		{"dovecot-cram.tr", "cram-md5"},
		{"dovecot-login.tr", "login"},
	};
	struct strbuf *server, *client, *why = strbuf_alloc(1024);
	struct pop3_opts o;
	struct pop3 p;
	size_t	i;
	int	port, rc;
	pid_t	pid;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(files); i++) {
		server = strbuf_alloc(1 << 20);
		client = strbuf_alloc(1 << 20);
		load(files[i][0], server, client);
		pid = serve(server, 0, client, &port);
		opts(&o, port);
		pop3_init(&p, "box");
		assert_int_equal(pop3_open(&p, &o, why), PC_OK);
		if (strcmp(files[i][1], "apop") == 0)
			rc = pop3_apop(&p, "alice", "alice-pw", why);
		else
			rc = pop3_sasl(&p, files[i][1], "alice", "alice-pw",
			    "127.0.0.1", port, why);
		assert_int_equal(rc, PC_OK);
		assert_int_equal(pop3_scan(&p, why), PC_OK);
		assert_int_equal(pop3_quit(&p, why), PC_OK);
		pop3_close(&p);
		reap(pid);
		strbuf_free(server);
		strbuf_free(client);
	}
	/* Refused before anything is sent. */
	pop3_init(&p, "box");
	assert_int_equal(pop3_apop(&p, "alice", "pw", why), PC_PERM);
	assert_int_equal(pop3_sasl(&p, "no-such", "alice", "pw", "h", 1, why),
	    PC_PERM);
	pop3_close(&p);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dovecot_user),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_auth),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	log_set_level(LOGL_NONE);
	return (cmocka_run_group_tests_name("pop3_io", tests, NULL, NULL));
}
