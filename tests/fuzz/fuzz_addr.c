/*
 * NAME
 *	fuzz_addr - libFuzzer target for addr_parse()
 * DESCRIPTION
 *	Parses the input (which may hold NUL bytes) as an address-list
 *	header value and checks what addr.h promises: every address has
 *	exactly one unquoted '@' after a non-empty local part, a non-empty
 *	domain, no control character or white space outside quotes, fits
 *	ADDR_SPEC_MAX, and parsing it again gives itself.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - the invariants of one normalized address */

static void
check(const char *a)
{
	struct addr_list again;
	struct strbuf *why = strbuf_alloc(256);
	const char *at;
	size_t	i, llen = addr_split(a, &at);
	int	inq = 0;

	if (at == NULL || llen == 0 || at[1] == 0 || strlen(a) > ADDR_SPEC_MAX)
		abort();
	for (i = 0; i < llen; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c == '\\' && inq) {
			i++;
			continue;
		}
		if (c == '"')
			inq = !inq;
		else if (!inq && (c <= ' ' || c == 0x7f || c == '@'))
			abort();
	}
	memset(&again, 0, sizeof(again));
	if (addr_parse(a, strlen(a), 2, &again, why) != 0 || again.n != 1 ||
	    strcmp(again.v[0].addr, a) != 0)
		abort();
	addr_list_free(&again);
	strbuf_free(why);
}

/* LLVMFuzzerTestOneInput - one header value */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l;
	struct strbuf *why = strbuf_alloc(256);
	size_t	i;

	log_set_level(LOGL_NONE);
	memset(&l, 0, sizeof(l));
	(void)addr_parse((const char *)data, size, 1000, &l, why);
	for (i = 0; i < l.n; i++)
		check(l.v[i].addr);
	addr_list_free(&l);
	strbuf_free(why);
	return (0);
}
