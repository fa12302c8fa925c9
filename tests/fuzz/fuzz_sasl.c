/*
 * NAME
 *	fuzz_sasl - libFuzzer target for fetcher/xsasl.c and xsasl_ntlm.c
 * SYNOPSIS
 *	build/fuzz/fuzz_sasl [libFuzzer options] [corpus...]
 * DESCRIPTION
 *	The first input octet picks what to feed (low four bits, modulo
 *	the number of targets) and how (high bit set: the rest goes in as
 *	challenge text verbatim, so the strict base64 decoder sees it;
 *	clear: it is base64-encoded first, so the mechanism parsers see
 *	arbitrary octets).  Input for multi-step mechanisms is split into
 *	challenges at each '\n'.
 *
 *	Targets: xsasl_b64_decode (with the check that strict decoding
 *	round-trips exactly), SCRAM-SHA-1 and SCRAM-SHA-256 with a fixed
 *	client nonce, NTLM type 2 parsing, LOGIN, CRAM-MD5, PLAIN, the
 *	XOAUTH2 and OAUTHBEARER error challenges, and xsasl_apop.
 *
 *	SCRAM iteration counts above 4096 are skipped here: the module
 *	accepts up to XSASL_SCRAM_ITER_MAX, which is slow by design and
 *	would only slow the fuzzer down.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "strbuf.h"
#include "xsasl.h"
#include "xsasl_test.h"

#define FUZZ_MAX_STEPS	6
#define FUZZ_ITER_MAX	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_mechs[] = {
	NULL,			/* base64 */
	"SCRAM-SHA-1",
	"SCRAM-SHA-256",
	"NTLM",
	"LOGIN",
	"XOAUTH2",
	"OAUTHBEARER",
	"CRAM-MD5",
	"PLAIN",
	NULL,			/* APOP */
};

#define FUZZ_B64	0
#define FUZZ_APOP	9

/* fuzz_b64 - strict decoding is canonical: encode(decode(s)) == s */

static void
fuzz_b64(const uint8_t *data, size_t size)
{
	struct strbuf *dec = strbuf_alloc(64 * 1024);
	struct strbuf *enc = strbuf_alloc(128 * 1024);

	if (xsasl_b64_decode((const char *) data, size, dec) == 0) {
		if (xsasl_b64_encode(strbuf_str(dec), strbuf_len(dec), enc) != 0
		    || strbuf_len(enc) != size
		    || memcmp(strbuf_str(enc), data, size) != 0)
			abort();
	} else if (strbuf_len(dec) != 0)
		abort();
	strbuf_free(dec);
	strbuf_free(enc);
}

/* fuzz_iter_too_big - does a SCRAM server-first ask for many rounds? */

static int
fuzz_iter_too_big(const uint8_t *p, size_t n)
{
	unsigned long v;
	size_t	i;

	for (i = 0; i + 2 < n; i++) {
		if (p[i] != 'i' || p[i + 1] != '=')
			continue;
		for (v = 0, i += 2; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if ((v = v * 10 + (unsigned long) (p[i] - '0')) >
			    FUZZ_ITER_MAX)
				return (1);
	}
	return (0);
}

/* fuzz_scram_slow - would this challenge make PBKDF2 run long? */

static int
fuzz_scram_slow(const struct strbuf *chal)
{
	struct strbuf *dec = strbuf_alloc(XSASL_CHALLENGE_MAX);
	int	slow = 0;

	if (xsasl_b64_decode(strbuf_str(chal), strbuf_len(chal), dec) == 0)
		slow = fuzz_iter_too_big((const uint8_t *) strbuf_str(dec),
		    strbuf_len(dec));
	strbuf_free(dec);
	return (slow);
}

/* fuzz_mech - run one exchange, one challenge per input line */

static void
fuzz_mech(const char *mech, int raw, const uint8_t *data, size_t size)
{
	static const unsigned char cc[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa};
	struct strbuf *out = strbuf_alloc(256 * 1024);
	struct strbuf *why = strbuf_alloc(512);
	struct strbuf *chal = strbuf_alloc(128 * 1024);
	struct xsasl *x;
	const uint8_t *line, *nl;
	size_t	len;
	int	steps;
	int	rc;

	x = xsasl_new(mech, "Domain\\user", "pencil", "pop.example.com", 995,
	    why);
	if (x == NULL)
		abort();
	if (strncmp(mech, "SCRAM", 5) == 0)
		xsasl_test_set_nonce(x, "fyko+d2lbbFgONRv9qkxdawL");
	xsasl_test_set_client_challenge(x, cc);
	xsasl_test_set_time(x, 0);
	rc = xsasl_initial(x, out, why);
	for (line = data, steps = 0; rc >= 0 && steps < FUZZ_MAX_STEPS
	    && line <= data + size; steps++, line = nl + 1) {
		nl = memchr(line, '\n', (size_t) (data + size - line));
		if (nl == NULL)
			nl = data + size;
		len = (size_t) (nl - line);
		if (raw) {
			if (strbuf_append(chal, line, len) != 0)
				break;
		} else if (xsasl_b64_encode(line, len, chal) != 0)
			break;
		if (strncmp(mech, "SCRAM", 5) == 0 && fuzz_scram_slow(chal)) {
			strbuf_reset(chal);
			break;
		}
		rc = xsasl_step(x, strbuf_str(chal), out, why);
		strbuf_reset(chal);
		/* Responses are base64 and fit out; errors leave it empty. */
		if (rc < 0 && strbuf_len(out) != 0)
			abort();
		if (rc != XSASL_CONTINUE && rc != XSASL_DONE && rc != PC_PERM)
			abort();
	}
	(void) xsasl_success_ok(x, why);
	xsasl_free(x);
	strbuf_free(out);
	strbuf_free(why);
	strbuf_free(chal);
}

/* fuzz_apop - the timestamp is untrusted greeting text */

static void
fuzz_apop(const uint8_t *data, size_t size)
{
	char   *ts = malloc(size + 1);
	char	hex[33];
	int	rc;

	if (ts == NULL)
		abort();
	memcpy(ts, data, size);
	ts[size] = 0;
	rc = xsasl_apop(ts, "tanstaaf", hex);
	if (rc == PC_OK ? strlen(hex) != 32 : rc != PC_PERM || hex[0] != 0)
		abort();
	free(ts);
}

/* LLVMFuzzerTestOneInput - libFuzzer entry point */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned which;
	int	raw;

	if (size < 1)
		return (0);
	which = (data[0] & 0x0f) % PC_ARRAY_LEN(fuzz_mechs);
	raw = (data[0] & 0x80) != 0;
	data++, size--;
	if (which == FUZZ_B64)
		fuzz_b64(data, size);
	else if (which == FUZZ_APOP)
		fuzz_apop(data, size);
	else
		fuzz_mech(fuzz_mechs[which], raw, data, size);
	return (0);
}
