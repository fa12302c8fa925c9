/*
 * NAME
 *	fuzz_table - libFuzzer target for the texthash: and pcre: parsers
 * DESCRIPTION
 *	The first byte picks the type; the rest is written to a file and
 *	opened as a table, then a few keys (and the input's first line) are
 *	looked up.  A table either loads or becomes a surrogate whose
 *	lookups fail; nothing may crash or leak.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "log.h"
#include "strbuf.h"
#include "table.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one table file */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static const char *const keys[] = {"kim@example.test",
	    "list@lists.example", "@example.test", "kim", ""};
	struct strbuf *why;
	struct table_hit *hit;
	struct table *t;
	char	spec[128];
	FILE   *f;
	size_t	i;
	int	err, rc;
	char   *first;
	const uint8_t *nl;

	if (size < 1)
		return (0);
	log_set_level(LOGL_NONE);
	if (path[0] == 0)
		snprintf(path, sizeof(path), "/tmp/fuzz_table.%ld",
		    (long)getpid());
	if ((f = fopen(path, "w")) == NULL)
		return (0);
	why = strbuf_alloc(4096);
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	snprintf(spec, sizeof(spec), "%s:%s", data[0] & 1 ? "pcre" :
	    "texthash", path);
	rc = table_open(spec, NULL, &t, why);
	hit = table_hit_alloc();
	nl = memchr(data + 1, '\n', size - 1);
	first = xstrndup((const char *)data + 1, nl ? (size_t)(nl - (data +
	    1)) : size - 1);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		(void)table_get_addr(t, keys[i], (int)(i & 1),
		    (i & 2) ? "+" : "", hit, &err);
		if (rc != 0 && err == 0)
			abort();	/* a surrogate must fail */
	}
	(void)table_get(t, first, hit, &err);
	free(first);
	table_hit_free(hit);
	table_free(t);
	strbuf_free(why);
	return (0);
}
