/*
 * NAME
 *	fuzz_cfg - libFuzzer target for the configuration parsers
 * DESCRIPTION
 *	Feeds the input to cfg_parse_main_buf(), cfg_parse_mailboxes_buf()
 *	and cfg_parse_passwords_buf(), then runs cfg_check_known() and
 *	cfg_apply() over a small table with the main settings and each
 *	mailbox's -o settings as layers, and frees everything.  Logging is
 *	off so the fuzzer output stays readable.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cfg.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_settings {
	char   *dir;
	char   *name;
	long long count;
	long long timeout;
	long long size;
	int     flag;
};

static const struct cfg_param fuzz_tab[] = {
	{"dir", CFG_STR, "/var/$name", 0, 0,
	offsetof(struct fuzz_settings, dir), CFG_MAIN},
	{"name", CFG_STR, "popconn", 0, 0,
	offsetof(struct fuzz_settings, name), CFG_MAIN | CFG_MAILBOX},
	{"count", CFG_INT, "3", -5, 1000,
	offsetof(struct fuzz_settings, count), CFG_MAIN | CFG_MAILBOX},
	{"timeout", CFG_TIME, "1m", 0, 0,
	offsetof(struct fuzz_settings, timeout), CFG_MAIN | CFG_MAILBOX},
	{"size", CFG_SIZE, "1k", 1, 1LL << 40,
	offsetof(struct fuzz_settings, size), CFG_MAILBOX},
	{"flag", CFG_BOOL, "no", 0, 0,
	offsetof(struct fuzz_settings, flag), CFG_MAIN | CFG_MAILBOX},
	{NULL, CFG_STR, NULL, 0, 0, 0, 0},
};

/* LLVMFuzzerTestOneInput - one input through every parser */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cfg_param *const tabs[] = {fuzz_tab};
	const char *text = (const char *) data;
	struct strbuf *why = strbuf_alloc(1024);
	struct strbuf *out = strbuf_alloc(4096);
	struct cfg_dict *main_d = cfg_dict_alloc();
	struct cfg_dict *pw = cfg_dict_alloc();
	const struct cfg_dict *layers[2];
	struct cfg_mailboxes m;
	struct fuzz_settings s;
	size_t  i;

	log_set_level(LOGL_NONE);
	memset(&s, 0, sizeof(s));
	memset(&m, 0, sizeof(m));

	(void) cfg_parse_main_buf("fuzz.cf", text, size, main_d, why);
	(void) cfg_check_known(main_d, tabs, 1, CFG_MAIN, why);
	layers[0] = main_d;
	(void) cfg_apply(fuzz_tab, layers, 1, CFG_MAIN | CFG_MAILBOX, &s, why);
	for (i = 0; i < main_d->n; i++)
		(void) cfg_expand(fuzz_tab, layers, 1, main_d->v[i].value, out,
		    why);

	(void) cfg_parse_mailboxes_buf("fuzz.mb", text, size, &m, why);
	for (i = 0; i < m.n && i < 50; i++) {
		layers[1] = m.v[i].opts;
		if (layers[1] == NULL)
			continue;
		(void) cfg_check_known(layers[1], tabs, 1, CFG_MAILBOX, why);
		/* Apply twice: the second must free the first's strings. */
		(void) cfg_apply(fuzz_tab, layers, 2, CFG_MAIN | CFG_MAILBOX,
		    &s, why);
	}

	(void) cfg_parse_passwords_buf("fuzz.pw", text, size, pw, why);

	cfg_free_values(fuzz_tab, CFG_MAIN | CFG_MAILBOX, &s);
	cfg_mailboxes_free(&m);
	cfg_dict_free(main_d);
	cfg_dict_free(pw);
	strbuf_free(out);
	strbuf_free(why);
	return (0);
}
