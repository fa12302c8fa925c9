/*
 * NAME
 *	deliver - hand a spooled message to Postfix's sendmail
 * SYNOPSIS
 *	See deliver.h.
 * DESCRIPTION
 *	Postfix's sendmail copies the message into the maildrop queue and
 *	exits 0 only once it is safely there; pickup and cleanup take it
 *	from there (and non_smtpd_milters, where popconn-milter routes
 *	global-mailbox mail).
 * DIAGNOSTICS
 *	See deliver.h.
 * SECURITY
 *	No shell; fixed argument vector; sender validated.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "exec.h"
#include "safeio.h"
#include "deliver.h"

/* addr_ok - a plain address we are willing to pass to sendmail -f */

static int
addr_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 254 || s[0] == '-')
		return (0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[],;:\\\"", c))
			return (0);
	}
	return (1);
}

/* deliver_return_path - the address in Return-Path:, if plain */

int
deliver_return_path(const char *hdr, size_t len, char *out, size_t size)
{
	const char *p = hdr, *end = hdr + len, *nl, *lt, *gt;
	const char *name = "Return-Path:";
	size_t	nlen = strlen(name), alen;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl == p)
			break;		/* end of the header section */
		if ((size_t)(nl - p) > nlen && strncasecmp(p, name, nlen) == 0) {
			lt = memchr(p, '<', (size_t)(nl - p));
			gt = lt ? memchr(lt, '>', (size_t)(nl - lt)) : NULL;
			if (lt == NULL || gt == NULL)
				return (-1);
			alen = (size_t)(gt - lt - 1);
			if (alen == 0 || !addr_ok(lt + 1, alen) || alen >= size)
				return (-1);
			memcpy(out, lt + 1, alen);
			out[alen] = 0;
			return (0);
		}
		p = nl + 1;
	}
	return (-1);
}

/* deliver_start - start sendmail on one spooled message */

int
deliver_start(const struct fetcher_settings *s, const char *path,
    const char *sender, const char *rcpt, struct exec_child *c,
    struct strbuf *why)
{
	const char *argv[12];
	int	argc = 0, fd, rc;

	if (sender[0] == '-' || rcpt[0] == '-' || rcpt[0] == 0) {
		strbuf_printf(why, "refusing sender or recipient that starts "
		    "with '-'");
		return (PC_PERM);
	}
	argv[argc++] = s->sendmail_path;
	if (s->postfix_config_directory && *s->postfix_config_directory) {
		argv[argc++] = "-C";
		argv[argc++] = s->postfix_config_directory;
	}
	argv[argc++] = "-i";
	argv[argc++] = "-f";
	argv[argc++] = sender;
	argv[argc++] = "--";
	argv[argc++] = rcpt;
	argv[argc] = NULL;
	if ((fd = safeio_open_read(path, why)) < 0)
		return (PC_TEMP);
	rc = exec_spawn((char *const *)(void *)argv, NULL, fd, c, why);
	close(fd);
	return (rc);
}

/* deliver_status - what sendmail's exit status means */

int
deliver_status(const struct fetcher_settings *s, int status,
    struct strbuf *why)
{
	if (status == 0)
		return (PC_OK);
	strbuf_printf(why, "%s exited with status %d", s->sendmail_path,
	    status);
	if (status == EX_TEMPFAIL || status == EX_OSERR || status >= 128)
		return (PC_TEMP);
	return (PC_PERM);
}

/* deliver_sendmail - run sendmail on one spooled message, and wait */

int
deliver_sendmail(const struct fetcher_settings *s, const char *path,
    const char *sender, const char *rcpt, int *status, struct strbuf *why)
{
	struct exec_child c;
	time_t	end = time(NULL) + (time_t)s->delivery_timeout;
	int	rc;

	if ((rc = deliver_start(s, path, sender, rcpt, &c, why)) != PC_OK)
		return (rc);
	while (!exec_check(&c, status)) {
		if (time(NULL) >= end) {
			exec_kill(&c);
			strbuf_printf(why, "%s timed out", s->sendmail_path);
			*status = 128 + 9;
			return (PC_TEMP);
		}
		exec_wait_any((struct exec_child *const []){&c}, 1, 1000);
	}
	return (deliver_status(s, *status, why));
}
