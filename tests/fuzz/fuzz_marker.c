/*
 * NAME
 *	fuzz_marker - libFuzzer target for the marker's parsers
 * DESCRIPTION
 *	The input is split at the first NUL: before it, a raw header section
 *	(marker_bind_block(), as the fetcher reads the ISP's message and
 *	popconnctl route test reads a file); after it, a marker value
 *	(marker_verify(), as the milter reads the header).  Checks what
 *	marker.h promises: every recorded field is at most MARKER_FIELD_MAX
 *	octets with no CR or LF and no white space at either end; a value
 *	that verifies has a valid mailbox name, a 16-digit nonce and a
 *	32-digit identity.  A marker made over the same fields verifies.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "marker.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[MARKER_KEY_LEN] = "fuzz key fuzz key fuzz key fuzz";

/* LLVMFuzzerTestOneInput - one header section and one marker value */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	const char *nul = memchr(d, 0, size);
	size_t	hlen = nul ? (size_t)(nul - d) : size, i, j;
	struct strbuf *why = strbuf_alloc(512);
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct marker_bind b;
	struct marker m;
	struct marker_in in = {"fuzz", 1000000, "1", 3600,
	"0123456789abcdef0123456789abcdef"};
	char   *val, nonce[MARKER_NONCE_HEX + 1];

	log_set_level(LOGL_NONE);
	marker_bind_init(&b);
	marker_bind_block(&b, d, hlen);
	for (i = 0; i < MARKER_NFIELDS; i++) {
		if (b.v[i] == NULL)
			continue;
		if (b.len[i] > MARKER_FIELD_MAX || strlen(b.v[i]) > b.len[i])
			abort();
		for (j = 0; j < b.len[i]; j++)
			if (b.v[i][j] == '\r' || b.v[i][j] == '\n')
				abort();
		if (b.len[i] > 0 && (b.v[i][0] == ' ' || b.v[i][b.len[i] - 1]
		    == ' '))
			abort();
	}
	if (marker_make(key, &in, &b, v, nonce) != PC_OK ||
	    marker_verify(key, strbuf_str(v), 1000000, 60, &b, &m, why) !=
	    PC_OK)
		abort();
	if (nul != NULL) {
		val = strndup(nul + 1, size - hlen - 1);
		if (val != NULL && marker_verify(key, val, 1000000, 3600, &b, &m,
		    why) == PC_OK && (strlen(m.nonce) != MARKER_NONCE_HEX ||
		    strlen(m.id) != MARKER_ID_HEX || m.mailbox[0] == 0))
			abort();
		free(val);
	}
	marker_bind_free(&b);
	strbuf_free(v);
	strbuf_free(why);
	return (0);
}
