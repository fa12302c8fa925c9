/*
 * NAME
 *	deliver - hand spooled messages to Postfix, through one transport
 * SYNOPSIS
 *	See deliver.h.
 * DESCRIPTION
 *	deliver_open() looks the mailbox's delivery_method up in a table of
 *	transports; the other deliver_*() functions call the transport's
 *	operations.  deliver_return_path() is the sender choice's parser.
 * DIAGNOSTICS
 *	See deliver.h.
 * SECURITY
 *	deliver_return_path() reads untrusted header text; it accepts only a
 *	plain address (no '-' first, no white space, controls or specials).
 * SEE ALSO
 *	deliver_sendmail.c, deliver_smtp.c.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "deliver.h"

/* The transports, by delivery_method. */
static const struct deliver_method {
	const char *name;
	struct deliver *(*open)(const struct fetcher_settings *,
	    const char *, struct strbuf *);
} deliver_methods[] = {
	{"sendmail", deliver_sendmail_open},
	{"smtp", deliver_smtp_open},
};

/* deliver_open - the mailbox's transport */

struct deliver *
deliver_open(const struct fetcher_settings *s, const char *acct,
    struct strbuf *why)
{
	const char *m = s->delivery_method ? s->delivery_method : "sendmail";
	size_t	i;

	for (i = 0; i < sizeof(deliver_methods) / sizeof(deliver_methods[0]);
	    i++)
		if (strcmp(m, deliver_methods[i].name) == 0)
			return (deliver_methods[i].open(s, acct, why));
	strbuf_printf(why, "delivery_method = %.64s: unknown (sendmail or "
	    "smtp)", m);
	return (NULL);
}

/* deliver_submit - hand one spooled message to the transport */

int
deliver_submit(struct deliver *d, const char *path, const char *sender,
    const char *rcpt, void *cookie, struct strbuf *why)
{
	return (d->submit(d, path, sender, rcpt, cookie, why));
}

/* deliver_poll - one result, if there is one */

int
deliver_poll(struct deliver *d, int wait_ms, struct deliver_result *res)
{
	return (d->poll(d, wait_ms, res));
}

/* deliver_room - how many more the transport takes now */

size_t
deliver_room(const struct deliver *d)
{
	return (d->room(d));
}

/* deliver_inflight - submitted, result not yet returned */

size_t
deliver_inflight(const struct deliver *d)
{
	return (d->inflight(d));
}

/* deliver_close - end the transport; NULL */

struct deliver *
deliver_close(struct deliver *d)
{
	if (d != NULL)
		d->close(d);
	return (NULL);
}

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
