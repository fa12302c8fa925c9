/*
 * fuzz_pop3 - libFuzzer target for the POP3 reply parsers and the RETR
 * body decoder (fetcher/pop3.c): status lines, UIDL and LIST lines, CAPA
 * lines, and message data in random chunks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "log.h"
#include "pop3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	line[PC_LINE_MAX + 1];
	char	uid[PC_UID_MAX + 1];
	char   *out;
	struct pop3_status st;
	struct pop3_caps caps;
	struct pop3_body b;
	unsigned long num;
	unsigned long long sz;
	size_t	len, i, used, outlen, step;

	log_set_level(LOGL_NONE);
	/* As one line (what net_getline() would hand over, NUL-free). */
	len = size < PC_LINE_MAX ? size : PC_LINE_MAX;
	memcpy(line, data, len);
	line[len] = 0;
	(void)pop3_parse_status(line, &st);
	(void)pop3_parse_uidl(line, &num, uid);
	if (pop3_parse_uidl(line, &num, uid) == 0 &&
	    (strlen(uid) < 1 || strlen(uid) > PC_UID_MAX))
		abort();
	(void)pop3_parse_list(line, &num, &sz);
	memset(&caps, 0, sizeof(caps));
	(void)pop3_parse_capa(line, &caps);

	/* As message data, in chunks whose size the first byte picks. */
	step = size ? (size_t)data[0] % 64 + 1 : 1;
	out = malloc(step + 2);
	pop3_body_init(&b);
	for (i = 0; i < size && !b.done; i += used) {
		size_t	n = size - i < step ? size - i : step;

		used = pop3_body_feed(&b, (const char *)data + i, n, out,
		    &outlen);
		if (used > n || outlen > n + 2 || (used < n && !b.done))
			abort();
	}
	free(out);
	return (0);
}
