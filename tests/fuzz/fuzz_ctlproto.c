/*
 * NAME
 *	fuzz_ctlproto - libFuzzer target for the control protocol's codec
 * DESCRIPTION
 *	Decodes the input as a data line (ctlproto_decode()) and checks
 *	what ctl_proto.h promises: on success every string is non-NULL and
 *	the kind is one of the three, and the message encodes again into a
 *	line that decodes to the same kind and the same counters (strings
 *	may change: the encoder makes them printable); on failure nothing
 *	is kept and a reason is given.  The input is also decoded as a
 *	request line (ctlproto_decode_request()): on success the op is
 *	known, the names are bounded, non-empty and free of control
 *	characters, a log-level has its level, and the request encodes
 *	again into a line that decodes to the same request; on failure
 *	nothing is kept and a reason is given.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "log.h"
#include "popconn.h"
#include "strbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_request - the input as a request line */

static void
check_request(const uint8_t *data, size_t size, struct strbuf *why)
{
	struct strbuf *out = strbuf_alloc(CTL_LINE_MAX);
	struct ctlproto_req r, again;
	size_t	i, k;

	strbuf_reset(why);
	if (ctlproto_decode_request((const char *)data, size, &r, why) !=
	    PC_OK) {
		if (r.doc != NULL || r.op != 0 || r.nnames != 0 ||
		    strbuf_len(why) == 0)
			abort();
		strbuf_free(out);
		return;
	}
	if (r.op < CTLPROTO_REQ_STATUS || r.op > CTLPROTO_REQ_LOG_LEVEL ||
	    r.doc == NULL || r.nnames > CTLPROTO_REQ_NAMES ||
	    (r.op == CTLPROTO_REQ_LOG_LEVEL) != (r.level != NULL))
		abort();
	for (i = 0; i < r.nnames; i++) {
		k = strlen(r.names[i]);
		if (k == 0 || k > PC_NAME_MAX)
			abort();
		while (k-- > 0)
			if ((unsigned char)r.names[i][k] < 0x20 ||
			    r.names[i][k] == 0x7f)
				abort();
	}
	if (ctlproto_encode_request(out, &r, why) != PC_OK ||
	    ctlproto_decode_request(strbuf_str(out), strbuf_len(out), &again,
	    why) != PC_OK || again.op != r.op || again.nnames != r.nnames)
		abort();
	for (i = 0; i < r.nnames; i++)
		if (strcmp(again.names[i], r.names[i]) != 0)
			abort();
	if (r.level != NULL && strcmp(again.level, r.level) != 0)
		abort();
	ctlproto_free_request(&again);
	ctlproto_free_request(&r);
	strbuf_free(out);
}

/* LLVMFuzzerTestOneInput - one data line */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf *why = strbuf_alloc(512);
	struct strbuf *out = strbuf_alloc(CTLPROTO_DATA_MAX * 2);
	struct ctlproto_msg m, again;

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
	check_request(data, size, why);
	strbuf_free(out);
	strbuf_free(why);
	return (0);
}
