/*
 * NAME
 *	fuzz_route_cleanup - libFuzzer target for route test's emulation
 *	of cleanup (route_cleanup_headers()) and for pf_params_parse()
 * DESCRIPTION
 *	The first byte chooses the Postfix parameters (token limit 1..64 or
 *	the default, size limit, which rewriting rules are on); the rest
 *	is a message header.  Checks: no crash or leak; every header
 *	returned is one that was asked for; a rewritten recipient header
 *	routes without a temporary failure; the same input as postconf
 *	output never crashes the parameter parser.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "popconn.h"
#include "log.h"
#include "pfparams.h"
#include "route.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keep[] = {
	"To", "Cc", "Resent-To", "Resent-Cc", "Delivered-To", "Received",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *domains[] = {(char *)(uintptr_t)"example.test"};
	struct pf_params pf;
	struct route_header *h;
	struct route_config cfg;
	struct route_result r;
	struct strbuf *notes = strbuf_alloc(ROUTE_NOTES_MAX);
	struct strbuf *why = strbuf_alloc(4096);
	size_t	n, i, k;
	uint8_t	sel;

	log_set_level(LOGL_NONE);
	memset(&pf, 0, sizeof(pf));
	(void)pf_params_parse((const char *)data, size, &pf, why);
	pf_params_defaults(&pf, "host.example.test");
	if (size > 0) {
		sel = data[0];
		data++;
		size--;
		if (sel & 0x40)
			pf.header_address_token_limit = 1 + (sel & 0x3f);
		if (sel & 0x80)
			pf.header_size_limit = 64 + 16 * (sel & 0x0f);
		pf.swap_bangpath = sel & 1;
		pf.allow_percent_hack = (sel >> 1) & 1;
		pf.append_at_myorigin = (sel >> 2) & 1;
		pf.append_dot_mydomain = (sel >> 3) & 1;
	}
	if (route_cleanup_headers(&pf, (const char *)data, size, keep,
	    PC_ARRAY_LEN(keep), &h, &n, notes) != PC_OK)
		abort();
	for (i = 0; i < n; i++) {
		for (k = 0; k < PC_ARRAY_LEN(keep); k++)
			if (strcasecmp(h[i].name, keep[k]) == 0)
				break;
		if (k == PC_ARRAY_LEN(keep) || h[i].len != strlen(h[i].value))
			abort();
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.domains = domains;
	cfg.ndomains = 1;
	cfg.undeliverable = "postmaster";
	cfg.max_recipients = 100;
	cfg.hop_limit = ROUTE_HOP_LIMIT;
	cfg.site = "mx.example.test";
	cfg.delim = "+";
	cfg.token_limit = (size_t)pf.header_address_token_limit;
	cfg.size_limit = (size_t)pf.header_size_limit;
	route_result_init(&r);
	if (route_message(&cfg, h, n, 1, &r, why) != PC_OK)
		abort();
	for (i = 0; i < r.n; i++) {
		if (!route_local_ok(&cfg, r.v[i].addr, 0, why) &&
		    strcmp(r.v[i].addr, "postmaster") != 0)
			abort();	/* invariant 4 */
	}
	route_result_free(&r);
	route_cleanup_free(h, n);
	pf_params_free(&pf);
	strbuf_free(notes);
	strbuf_free(why);
	return (0);
}
