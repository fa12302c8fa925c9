/*
 * fuzz_smtpc - libFuzzer target for the SMTP client engine
 * (fetcher/smtpc.c): the input is a server's replies, fed in chunks
 * whose size the first byte picks, to an engine with messages queued;
 * the rest of the input also goes through the body encoder.  Checks:
 * no octet is consumed twice, messages finish in order and at most
 * once, the output stays bounded, and encoded data never holds the
 * end-of-data sequence before its end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "log.h"
#include "strbuf.h"
#include "smtpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_body(const uint8_t *data, size_t size, size_t step)
{
	struct smtpc_body b;
	char   *out = malloc(SMTPC_BODY_OUT(size) + SMTPC_BODY_END + 1);
	size_t	i, o = 0, k;

	smtpc_body_init(&b);
	for (i = 0; i < size; i += step) {
		size_t	n = size - i < step ? size - i : step;

		o += smtpc_body_encode(&b, (const char *)data + i, n, out + o);
		if (o > SMTPC_BODY_OUT(i + n))
			abort();
	}
	o += smtpc_body_end(&b, out + o);
	if (o < 3 || memcmp(out + o - 3, ".\r\n", 3) != 0)
		abort();
	/* CR LF "." CR LF only at the very end (or "." CR LF alone) */
	for (k = 0; k + 5 <= o; k++)
		if (memcmp(out + k, "\r\n.\r\n", 5) == 0 && k + 5 != o)
			abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtpc c;
	struct smtpc_event ev;
	struct strbuf *why;
	unsigned long next = 1, done = 0, tag = 1;
	size_t	i, step, len;

	log_set_level(LOGL_NONE);
	step = size ? (size_t)data[0] % 64 + 1 : 1;
	check_body(data, size, step);
	why = strbuf_alloc(512);
	smtpc_init(&c, "fuzz.test");
	for (tag = 1; tag <= 3; tag++)
		(void)smtpc_send_mail(&c, tag, tag == 2 ? "" : "s@x.test",
		    "r@y.test", 100, why);
	for (i = size ? 1 : 0; i < size;) {
		size_t	n = size - i < step ? size - i : step, used;

		used = smtpc_feed(&c, (const char *)data + i, n, &ev);
		if (used > n || (used < n && ev.type == SMTPC_EV_NONE))
			abort();
		i += used;
		(void)smtpc_out(&c, &len);
		if (len > SMTPC_OUT_MAX)
			abort();
		smtpc_out_done(&c, len);
		switch (ev.type) {
		case SMTPC_EV_BODY: {
			struct smtpc_body b;

			smtpc_body_init(&b);
			smtpc_end_data(&c, &b);
			break;
		}
		case SMTPC_EV_DONE:
			if (ev.tag != next || ev.tag >= tag || done >= tag)
				abort();
			next++;
			done++;
			if (ev.status == PC_OK && ev.code != 250)
				abort();
			if (strlen(ev.qid) > SMTPC_QID_MAX)
				abort();
			break;
		case SMTPC_EV_READY:
			(void)smtpc_send_mail(&c, tag, "", "r@y.test", 0, why);
			tag++;
			break;
		case SMTPC_EV_FATAL:
			i = size;
			break;
		}
	}
	strbuf_free(why);
	return (0);
}
