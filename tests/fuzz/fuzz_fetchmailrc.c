/*
 * NAME
 *	fuzz_fetchmailrc - libFuzzer target for fetchmailrc_parse()
 * DESCRIPTION
 *	Parses the input as a .fetchmailrc and checks what
 *	ctl/fetchmailrc.h promises.  On success: every item points at
 *	a box or holds a note; every importable box has a unique name of
 *	1..PC_NAME_MAX characters of [a-z0-9._-] that does not start with
 *	'.' or '-', a URL that url_parse() reads back as its remote user
 *	and host, a deliver-to exactly when it is a user mailbox, at most
 *	FETCHMAILRC_OPT_MAX settings whose values are printable ASCII
 *	without white space, and a password the passwords file can hold;
 *	no two importable boxes fetch the same account.  On failure: the
 *	result is empty and the message names the file and a line.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetchmailrc.h"
#include "log.h"
#include "strbuf.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_is_file - names ending in ".pem" are files */

static int
fuzz_is_file(const char *path)
{
	size_t	n = strlen(path);

	return (n > 4 && strcmp(path + n - 4, ".pem") == 0);
}

/* fuzz_printable - printable ASCII, no white space, not empty */

static int
fuzz_printable(const char *s)
{
	if (*s == 0)
		return (0);
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return (0);
	return (1);
}

/* fuzz_box - the invariants of one importable box */

static void
fuzz_box(const struct fetchmailrc *r, size_t i)
{
	const struct fetchmailrc_box *b = &r->box[i];
	struct url u;
	size_t	j, n = strlen(b->name);

	if (n == 0 || n > PC_NAME_MAX || b->name[0] == '.' ||
	    b->name[0] == '-' ||
	    strspn(b->name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		abort();
	if (b->type == NULL || b->url == NULL || b->remote == NULL ||
	    b->host == NULL || b->nopt > FETCHMAILRC_OPT_MAX)
		abort();
	if ((strcmp(b->type, "user") == 0) != (b->deliver_to != NULL))
		abort();
	if (b->deliver_to != NULL && (!fuzz_printable(b->deliver_to) ||
	    b->deliver_to[0] == '-'))
		abort();
	for (j = 0; j < b->nopt; j++)
		if (!fuzz_printable(b->opt[j].value))
			abort();
	if (b->password != NULL && (*b->password == 0 ||
	    strpbrk(b->password, "\r\n") || b->password[0] == ' ' ||
	    b->password[0] == '\t'))
		abort();
	if (url_parse(b->url, &u, NULL) != PC_OK)
		abort();
	if (strcmp(u.user, b->remote) != 0 || strcmp(u.host, b->host) != 0)
		abort();
	url_free(&u);
	for (j = 0; j < i; j++) {
		if (r->box[j].why != NULL)
			continue;
		if (strcmp(r->box[j].name, b->name) == 0)
			abort();
		if (strcmp(r->box[j].remote, b->remote) == 0 &&
		    strcasecmp(r->box[j].host, b->host) == 0)
			abort();
	}
}

/* LLVMFuzzerTestOneInput - one file */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetchmailrc_env env = {"/home/x", "owner", fuzz_is_file};
	struct strbuf *why = strbuf_alloc(4096);
	struct fetchmailrc r;
	size_t	i;

	log_set_level(LOGL_NONE);
	if (fetchmailrc_parse("fuzz", (const char *)data, size,
	    size % 2 ? &env : NULL, &r, why) != PC_OK) {
		if (r.nbox != 0 || r.nitem != 0 ||
		    strncmp(strbuf_str(why), "fuzz, line ", 11) != 0)
			abort();
	} else {
		for (i = 0; i < r.nitem; i++) {
			if (r.item[i].box < -1 ||
			    r.item[i].box >= (int)r.nbox ||
			    (r.item[i].note == NULL && r.item[i].box < 0))
				abort();
		}
		for (i = 0; i < r.nbox; i++)
			if (r.box[i].why == NULL)
				fuzz_box(&r, i);
	}
	fetchmailrc_free(&r);
	strbuf_free(why);
	return (0);
}
