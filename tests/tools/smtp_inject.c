/*
 * NAME
 *	smtp_inject - drive the SMTP transport (deliver_smtp.c) by hand
 * SYNOPSIS
 *	smtp_inject [-v] [-t SECONDS] [-s SENDER] ADDRESS RCPT FILE|--drain|--sleep ...
 * DESCRIPTION
 *	Opens the "smtp" transport of deliver.h towards ADDRESS
 *	("host:port" or "unix:PATH") and submits every FILE (a spool file:
 *	LF line ends, not dot-stuffed) with envelope sender SENDER (default
 *	the null sender) and recipient RCPT, as many at once as
 *	deliver_room() allows.  "--drain" waits for every result before
 *	going on (so a later file is submitted on a new connection when the
 *	old one failed); "--sleep" waits half a second (an idle connection).  Prints one line per message, in the order the
 *	results come:
 *		FILE ok|temp|perm QUEUE_ID|- REASON
 *	and, for a submission that was refused at once:
 *		FILE refused temp|perm - REASON
 * DIAGNOSTICS
 *	Exit 0 when every message was delivered, 1 otherwise, 2 on usage.
 * SECURITY
 *	Test tool only.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "popconn.h"
#include "log.h"
#include "strbuf.h"
#include "params.h"
#include "deliver.h"

static const char *const st_name[] = {"ok", "temp", "perm"};

static int
show(const struct deliver_result *r)
{
	printf("%s %s %s %s\n", (const char *)r->cookie, st_name[-r->status],
	    r->queue_id[0] ? r->queue_id : "-", r->reason);
	fflush(stdout);
	return (r->status == PC_OK ? 0 : 1);
}

int
main(int argc, char **argv)
{
	static char helo[] = "smtp-inject.test", method[] = "smtp";
	struct fetcher_settings s;
	struct deliver *d;
	struct deliver_result r;
	struct strbuf *why = strbuf_alloc(1024);
	const char *sender = "";
	int	ch, i, bad = 0, rc, verbose = 0;

	memset(&s, 0, sizeof(s));
	s.delivery_timeout = 60;
	s.connect_timeout = 10;
	s.command_timeout = 10;
	s.myhostname = helo;
	while ((ch = getopt(argc, argv, "+s:t:v")) != -1) {
		switch (ch) {
		case 's':
			sender = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 't':
			s.command_timeout = strtol(optarg, NULL, 10);
			if (s.command_timeout < 1)
				return (2);
			s.delivery_timeout = 3 * s.command_timeout;
			break;
		default:
			return (2);
		}
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: smtp_inject [-v] [-t s] [-s sender] "
		    "ADDRESS RCPT FILE|--drain|--sleep ...\n");
		return (2);
	}
	log_open("smtp_inject", 1);
	if (verbose)
		log_set_level(LOGL_MAXIMUM);	/* the protocol trace */
	s.delivery_method = method;
	s.smtp_injection_address = argv[optind];
	if ((d = deliver_open(&s, "test", why)) == NULL) {
		fprintf(stderr, "smtp_inject: %s\n", strbuf_str(why));
		return (1);
	}
	for (i = optind + 2; i < argc; i++) {
		if (strcmp(argv[i], "--sleep") == 0) {
			usleep(500000);
			continue;
		}
		if (strcmp(argv[i], "--drain") == 0) {
			while (deliver_poll(d, DELIVER_WAIT, &r) == 1)
				bad |= show(&r);
			continue;
		}
		while (deliver_room(d) == 0 &&
		    deliver_poll(d, DELIVER_WAIT, &r) == 1)
			bad |= show(&r);
		rc = deliver_submit(d, argv[i], sender, argv[optind + 1],
		    argv[i], why);
		if (rc != PC_OK) {
			printf("%s refused %s - %s\n", argv[i], st_name[-rc],
			    strbuf_str(why));
			bad = 1;
		}
		while (deliver_poll(d, 0, &r) == 1)
			bad |= show(&r);
	}
	while (deliver_poll(d, DELIVER_WAIT, &r) == 1)
		bad |= show(&r);
	d = deliver_close(d);
	strbuf_free(why);
	return (bad);
}
