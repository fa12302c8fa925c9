/*
 * NAME
 *	fuzz_url - libFuzzer target for url_parse()
 * DESCRIPTION
 *	Parses the input as a mailbox URL (made NUL-terminated) and checks
 *	the invariants url.h promises: on success the port is 1..65535,
 *	the host is non-empty and the account holds no control character;
 *	on failure the strings are NULL.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "log.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one URL */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf *why = strbuf_alloc(512);
	char   *text = xstrndup((const char *) data, size);
	const unsigned char *cp;
	struct url u;

	log_set_level(LOGL_NONE);
	if (url_parse(text, &u, why) == PC_OK) {
		if (u.port < 1 || u.port > 65535 || u.host == NULL
		    || u.host[0] == 0 || u.user == NULL || u.user[0] == 0)
			abort();
		for (cp = (const unsigned char *) u.user; *cp; cp++)
			if (*cp < 0x20 || *cp == 0x7f)
				abort();
	} else if (u.user != NULL || u.host != NULL) {
		abort();
	}
	url_free(&u);
	free(text);
	strbuf_free(why);
	return (0);
}
