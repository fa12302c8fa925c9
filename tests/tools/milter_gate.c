/*
 * NAME
 *	milter_gate - a second milter that can make cleanup fail on purpose
 * SYNOPSIS
 *	milter_gate SOCKET GATEFILE
 * DESCRIPTION
 *	A libmilter program for the tests: while GATEFILE exists, it answers
 *	TEMPFAIL at end of message, so that cleanup(8) gives up on a message
 *	after the milters before it (popconn-milter) have seen and changed
 *	it; Postfix's pickup then keeps the maildrop file and hands it to
 *	cleanup again later.  Each answer is one line on standard output
 *	("tempfail" or "accept").
 * DIAGNOSTICS
 *	Exit 0 when libmilter returns, 1 on a set-up error.
 * SECURITY
 *	Test tool only.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

static const char *gate;
static char name[] = "milter_gate";

/* gate_eom - tempfail while the gate file exists */

static sfsistat
gate_eom(SMFICTX *ctx)
{
	(void)ctx;
	if (access(gate, F_OK) == 0) {
		printf("tempfail\n");
		fflush(stdout);
		return (SMFIS_TEMPFAIL);
	}
	printf("accept\n");
	fflush(stdout);
	return (SMFIS_CONTINUE);
}

int
main(int argc, char **argv)
{
	struct smfiDesc d;
	char	conn[1024];

	if (argc != 3) {
		fprintf(stderr, "usage: milter_gate SOCKET GATEFILE\n");
		return (1);
	}
	gate = argv[2];
	memset(&d, 0, sizeof(d));
	d.xxfi_name = name;
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_eom = gate_eom;
	(void)snprintf(conn, sizeof(conn), "unix:%s", argv[1]);
	(void)unlink(argv[1]);
	(void)umask(0);		/* cleanup runs as postfix */
	if (smfi_setconn(conn) != MI_SUCCESS || smfi_register(d) !=
	    MI_SUCCESS) {
		fprintf(stderr, "milter_gate: set-up failed\n");
		return (1);
	}
	return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
