/*
 * NAME
 *	fuzz_worker_cfg - libFuzzer target for a spawned worker's settings
 * DESCRIPTION
 *	Decodes the input as the record a worker reads from its parent
 *	(worker_cfg_decode()) and checks what worker_cfg.h promises: on
 *	failure nothing is kept and a reason is given; on success every
 *	string the worker uses is there, and the settings encode again
 *	(every password entry asked for) into a record that decodes to the
 *	same tables, octet for octet the same as the input.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cfg.h"
#include "popconn.h"
#include "strbuf.h"
#include "worker_cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf *why = strbuf_alloc(1024);
	struct strbuf *out;
	struct worker_cfg w;
	const char **names;
	size_t	i;

	if (worker_cfg_decode(data, size, &w, why) != PC_OK) {
		if (w.main != NULL || w.pw != NULL || w.box.name != NULL ||
		    w.box.opts != NULL || strbuf_len(why) == 0)
			abort();
		strbuf_free(why);
		return (0);
	}
	if (w.main == NULL || w.pw == NULL || w.box.opts == NULL ||
	    w.box.name == NULL || *w.box.name == 0 || w.box.type == NULL ||
	    w.box.url == NULL || w.box.file == NULL || w.box.line < 0)
		abort();
	/*
	 * The encoder keeps at most two password entries: with more, the
	 * record cannot come back the same.
	 */
	names = xcalloc(w.pw->n + 1, sizeof(*names));
	for (i = 0; i < w.pw->n; i++)
		names[i] = w.pw->v[i].name;
	out = strbuf_alloc(WORKER_CFG_MAX);
	if (worker_cfg_encode(out, w.log_level, w.flags, w.main, &w.box,
	    w.pw, names, w.pw->n) != PC_OK)
		abort();
	if (w.pw->n <= 2 && (out->len != size ||
	    memcmp(out->data, data, size) != 0))
		abort();
	free(names);
	strbuf_wipe(out);
	strbuf_free(out);
	worker_cfg_free(&w);
	strbuf_free(why);
	return (0);
}
