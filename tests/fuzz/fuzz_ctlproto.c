/*
 * NAME
 *	fuzz_ctlproto - libFuzzer target for the control protocol's codec
 * DESCRIPTION
 *	Decodes the input as a data line (ctlproto_decode()) and checks
 *	what ctl_proto.h promises: on success every string is non-NULL and
 *	the kind is one of the three, and the message encodes again into a
 *	line that decodes to the same kind and the same counters (strings
 *	may change: the encoder makes them printable); on failure nothing
 *	is kept and a reason is given.  The input is also split as a
 *	request line (ctlproto_split(), in a NUL-terminated copy).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ctl_proto.h"
#include "log.h"
#include "popconn.h"
#include "strbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one data line */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf *why = strbuf_alloc(512);
	struct strbuf *out = strbuf_alloc(CTLPROTO_DATA_MAX * 2);
	struct ctlproto_msg m, again;
	char   *text, *words[64];
	int	n;

	log_set_level(LOGL_NONE);
	if (ctlproto_decode((const char *)data, size, &m, why) == PC_OK) {
		if (m.kind < CTLPROTO_SERVICE || m.kind > CTLPROTO_EVENT ||
		    m.doc == NULL || m.mailbox == NULL || m.service == NULL ||
		    m.event == NULL || m.error == NULL ||
		    m.last_error == NULL || m.shard == NULL)
			abort();
		if (ctlproto_encode(out, &m) != 0 ||
		    ctlproto_decode(strbuf_str(out), strbuf_len(out), &again,
		    why) != PC_OK)
			abort();
		if (m.kind == CTLPROTO_MAILBOX && (again.kind != m.kind ||
		    again.bytes != m.bytes || again.failures != m.failures))
			abort();
		ctlproto_free(&again);
		ctlproto_free(&m);
	} else if (m.doc != NULL || m.kind != 0 || strbuf_len(why) == 0) {
		abort();
	}
	text = xstrndup((const char *)data, size);
	n = ctlproto_split(text, words, (int)PC_ARRAY_LEN(words));
	if (n > (int)PC_ARRAY_LEN(words))
		abort();
	while (n-- > 0)
		if (*words[n] == 0 || strpbrk(words[n], " \t") != NULL)
			abort();
	free(text);
	strbuf_free(out);
	strbuf_free(why);
	return (0);
}
