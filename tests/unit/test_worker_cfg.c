/*
 * NAME
 *	test_worker_cfg - unit tests for fetcher/worker_cfg.c
 * DESCRIPTION
 *	A spawned worker's settings: a round trip keeps every field, only
 *	the password entries asked for travel, and hostile records are
 *	refused whole (truncation at every octet, lengths past the end or
 *	past their limits, NUL inside a string, null where not allowed,
 *	duplicates, unknown flags, a bad level, trailing bytes, a record
 *	too long).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "cfg.h"
#include "log.h"
#include "popconn.h"
#include "strbuf.h"
#include "worker_cfg.h"

/* The fixture: a main table, a mailbox, a passwords table of three. */
struct fx {
	struct cfg_dict *main;
	struct cfg_dict *pw;
	struct cfg_mailbox box;
	struct strbuf *out;
	struct strbuf *why;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->main = cfg_dict_alloc();
	cfg_dict_set(f->main, "poll_interval", "5m", "/etc/popconn.cf", 3);
	cfg_dict_set(f->main, "state_directory", "$queue/x", NULL, 0);
	f->pw = cfg_dict_alloc();
	cfg_dict_set(f->pw, "alice", "alice-secret", "/etc/pw", 1);
	cfg_dict_set(f->pw, "bob", "bob-secret", "/etc/pw", 2);
	cfg_dict_set(f->pw, "app-secret", "client secret", "/etc/pw", 3);
	f->box.name = xstrdup("alice");
	f->box.type = xstrdup("user");
	f->box.url = xstrdup("pop3s://alice@pop.example:995");
	f->box.deliver_to = NULL;
	f->box.file = xstrdup("/etc/mailboxes.cf");
	f->box.line = 7;
	f->box.opts = cfg_dict_alloc();
	cfg_dict_set(f->box.opts, "tls", "required", "/etc/mailboxes.cf", 7);
	f->out = strbuf_alloc(WORKER_CFG_MAX + 64);
	f->why = strbuf_alloc(1024);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	cfg_dict_free(f->main);
	cfg_dict_free(f->pw);
	cfg_dict_free(f->box.opts);
	free(f->box.name);
	free(f->box.type);
	free(f->box.url);
	free(f->box.file);
	strbuf_free(f->out);
	strbuf_free(f->why);
	free(f);
	return (0);
}

/* encode - the fixture's record, asking for alice and app-secret */

static void
encode(struct fx *f)
{
	const char *names[] = {"alice", "app-secret"};

	strbuf_reset(f->out);
	assert_int_equal(worker_cfg_encode(f->out, LOGL_MAXIMUM,
	    WORKER_CFG_LOGFD, f->main, &f->box, f->pw, names, 2), PC_OK);
}

/* refused - decode must fail, leave w empty and say why */

static void
refused(struct fx *f, const void *buf, size_t len)
{
	struct worker_cfg w;

	strbuf_reset(f->why);
	assert_int_equal(worker_cfg_decode(buf, len, &w, f->why), PC_PERM);
	assert_null(w.main);
	assert_null(w.pw);
	assert_null(w.box.name);
	assert_null(w.box.opts);
	assert_true(strbuf_len(f->why) > 0);
}

/* test_round_trip - every field back, only the entries asked for */

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct worker_cfg w;
	const struct cfg_entry *e;

	encode(f);
	assert_int_equal(worker_cfg_decode(f->out->data, f->out->len, &w,
	    f->why), PC_OK);
	assert_int_equal(w.log_level, LOGL_MAXIMUM);
	assert_int_equal(w.flags, WORKER_CFG_LOGFD);
	assert_int_equal(w.main->n, 2);
	e = cfg_dict_find(w.main, "poll_interval");
	assert_non_null(e);
	assert_string_equal(e->value, "5m");
	assert_string_equal(e->file, "/etc/popconn.cf");
	assert_int_equal(e->line, 3);
	e = cfg_dict_find(w.main, "state_directory");
	assert_non_null(e);
	assert_string_equal(e->value, "$queue/x");
	assert_null(e->file);
	assert_string_equal(w.box.name, "alice");
	assert_string_equal(w.box.type, "user");
	assert_string_equal(w.box.url, "pop3s://alice@pop.example:995");
	assert_null(w.box.deliver_to);
	assert_string_equal(w.box.file, "/etc/mailboxes.cf");
	assert_int_equal(w.box.line, 7);
	assert_int_equal(w.box.opts->n, 1);
	assert_string_equal(cfg_dict_find(w.box.opts, "tls")->value,
	    "required");
	/* Of the passwords, alice's and the named client secret: not bob's. */
	assert_int_equal(w.pw->n, 2);
	assert_string_equal(cfg_dict_find(w.pw, "alice")->value,
	    "alice-secret");
	assert_string_equal(cfg_dict_find(w.pw, "app-secret")->value,
	    "client secret");
	assert_null(cfg_dict_find(w.pw, "bob"));
	assert_null(memmem(f->out->data, f->out->len, "bob-secret", 10));
	worker_cfg_free(&w);
	assert_null(w.main);
}

/* test_names - missing and repeated names, deliver_to set */

static void
test_names(void **state)
{
	struct fx *f = *state;
	const char *names[] = {"carol", "alice", "alice"};
	struct worker_cfg w;

	f->box.deliver_to = xstrdup("alice@example.org");
	assert_int_equal(worker_cfg_encode(f->out, LOGL_NONE,
	    WORKER_CFG_STDERR, f->main, &f->box, f->pw, names, 3), PC_OK);
	free(f->box.deliver_to);
	f->box.deliver_to = NULL;
	assert_int_equal(worker_cfg_decode(f->out->data, f->out->len, &w,
	    f->why), PC_OK);
	assert_int_equal(w.pw->n, 1);
	assert_string_equal(w.box.deliver_to, "alice@example.org");
	assert_int_equal(w.flags, WORKER_CFG_STDERR);
	worker_cfg_free(&w);
	/* No password table at all: an empty one travels. */
	strbuf_reset(f->out);
	assert_int_equal(worker_cfg_encode(f->out, LOGL_NONE, 0, NULL,
	    &f->box, NULL, names, 3), PC_OK);
	assert_int_equal(worker_cfg_decode(f->out->data, f->out->len, &w,
	    f->why), PC_OK);
	assert_int_equal(w.pw->n, 0);
	assert_int_equal(w.main->n, 0);
	worker_cfg_free(&w);
}

/* test_encode_limits - the encoder refuses what the decoder would */

static void
test_encode_limits(void **state)
{
	struct fx *f = *state;
	char   *big = xmalloc(WORKER_CFG_STR_MAX + 2);
	const char *names[] = {"alice"};

	assert_int_equal(worker_cfg_encode(f->out, LOGL_MAXIMUM + 1, 0,
	    f->main, &f->box, f->pw, names, 1), PC_PERM);
	strbuf_reset(f->out);
	assert_int_equal(worker_cfg_encode(f->out, LOGL_NONE, 1u << 7,
	    f->main, &f->box, f->pw, names, 1), PC_PERM);
	memset(big, 'v', WORKER_CFG_STR_MAX + 1);
	big[WORKER_CFG_STR_MAX + 1] = 0;
	cfg_dict_set(f->main, "long", big, NULL, 0);
	strbuf_reset(f->out);
	assert_int_equal(worker_cfg_encode(f->out, LOGL_NONE, 0, f->main,
	    &f->box, f->pw, names, 1), PC_PERM);
	free(big);
}

/* test_truncated - every proper prefix is refused */

static void
test_truncated(void **state)
{
	struct fx *f = *state;
	size_t	n;

	encode(f);
	for (n = 0; n < f->out->len; n++)
		refused(f, f->out->data, n);
}

/* test_trailing - one octet too many */

static void
test_trailing(void **state)
{
	struct fx *f = *state;

	encode(f);
	assert_int_equal(strbuf_putc(f->out, 0), 0);
	refused(f, f->out->data, f->out->len);
	assert_non_null(strstr(strbuf_str(f->why), "trailing"));
}

/* put32 - overwrite the word at off */

static void
put32(unsigned char *p, size_t off, uint32_t v)
{
	p[off] = (unsigned char)(v >> 24);
	p[off + 1] = (unsigned char)(v >> 16);
	p[off + 2] = (unsigned char)(v >> 8);
	p[off + 3] = (unsigned char)v;
}

/*
 * test_header - magic, level, flags.  The layout: "PCW1" level flags,
 * then the main table's count at octet 12 and its first name's length
 * at 16 ("poll_interval", 13 octets).
 */

static void
test_header(void **state)
{
	struct fx *f = *state;
	unsigned char *p;

	encode(f);
	p = xmalloc(f->out->len);
	memcpy(p, f->out->data, f->out->len);
	p[0] = 'X';
	refused(f, p, f->out->len);
	memcpy(p, f->out->data, f->out->len);
	put32(p, 4, LOGL_MAXIMUM + 1);
	refused(f, p, f->out->len);
	memcpy(p, f->out->data, f->out->len);
	put32(p, 8, 1u << 31);
	refused(f, p, f->out->len);
	assert_non_null(strstr(strbuf_str(f->why), "flag"));
	free(p);
}

/* test_lengths - counts and lengths past the end or their limits */

static void
test_lengths(void **state)
{
	struct fx *f = *state;
	static const uint32_t bad[] = {0xfffffffeu, 0x80000000u,
	    WORKER_CFG_STR_MAX + 1, 1000, 14};
	unsigned char *p;
	size_t	i;

	encode(f);
	p = xmalloc(f->out->len);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(p, f->out->data, f->out->len);
		put32(p, 16, bad[i]);
		refused(f, p, f->out->len);
	}
	/* A name that is null, or empty. */
	memcpy(p, f->out->data, f->out->len);
	put32(p, 16, 0xffffffffu);
	refused(f, p, f->out->len);
	/* Table counts past the limit, or past what is there. */
	memcpy(p, f->out->data, f->out->len);
	put32(p, 12, WORKER_CFG_ENTRIES_MAX + 1);
	refused(f, p, f->out->len);
	memcpy(p, f->out->data, f->out->len);
	put32(p, 12, 3);
	refused(f, p, f->out->len);
	memcpy(p, f->out->data, f->out->len);
	put32(p, 12, 0xffffffffu);
	refused(f, p, f->out->len);
	free(p);
}

/* w32, wstr, wentry - build a record by hand */

static void
w32(struct strbuf *b, uint32_t v)
{
	unsigned char x[4];

	put32(x, 0, v);
	assert_int_equal(strbuf_append(b, x, 4), 0);
}

static void
wstr(struct strbuf *b, const char *s)
{
	w32(b, (uint32_t)strlen(s));
	assert_int_equal(strbuf_puts(b, s), 0);
}

static void
wentry(struct strbuf *b, const char *name, const char *value)
{
	wstr(b, name);
	wstr(b, value);
	w32(b, 0xffffffffu);
	w32(b, 1);
}

/* by_hand - a record whose main table has the two names given */

static void
by_hand(struct strbuf *b, const char *n1, const char *n2)
{
	strbuf_reset(b);
	assert_int_equal(strbuf_append(b, "PCW1", 4), 0);
	w32(b, LOGL_MEDIUM);
	w32(b, 0);
	w32(b, 2);
	wentry(b, n1, "a");
	wentry(b, n2, "b");
	wstr(b, "box");
	wstr(b, "user");
	wstr(b, "pop3://h");
	w32(b, 0xffffffffu);
	wstr(b, "mailboxes.cf");
	w32(b, 1);
	w32(b, 0);
	w32(b, 1);
	wentry(b, "box", "pw");
}

/* test_nul_dup - a NUL inside a string, a name twice, an empty name */

static void
test_nul_dup(void **state)
{
	struct fx *f = *state;
	struct worker_cfg w;
	unsigned char *p;

	encode(f);
	p = xmalloc(f->out->len);
	memcpy(p, f->out->data, f->out->len);
	p[20 + 4] = 0;			/* "poll\0interval" */
	refused(f, p, f->out->len);
	assert_non_null(strstr(strbuf_str(f->why), "NUL"));
	free(p);
	by_hand(f->out, "one", "two");
	assert_int_equal(worker_cfg_decode(f->out->data, f->out->len, &w,
	    f->why), PC_OK);
	assert_string_equal(cfg_dict_find(w.pw, "box")->value, "pw");
	worker_cfg_free(&w);
	by_hand(f->out, "one", "one");
	refused(f, f->out->data, f->out->len);
	assert_non_null(strstr(strbuf_str(f->why), "duplicate"));
	by_hand(f->out, "one", "");
	refused(f, f->out->data, f->out->len);
	/* A line number past INT_MAX. */
	by_hand(f->out, "one", "two");
	/* count 12, name 16 + 4 + 3, value 23 + 4 + 1, file 28: line 32 */
	put32((unsigned char *)f->out->data, 32, 0x80000000u);
	refused(f, f->out->data, f->out->len);
	assert_non_null(strstr(strbuf_str(f->why), "line"));
}

/* test_too_long - a record over WORKER_CFG_MAX, whatever it holds */

static void
test_too_long(void **state)
{
	struct fx *f = *state;
	char   *p = xcalloc(1, WORKER_CFG_MAX + 1);

	memcpy(p, "PCW1", 4);
	refused(f, p, WORKER_CFG_MAX + 1);
	assert_non_null(strstr(strbuf_str(f->why), "too long"));
	free(p);
	refused(f, "", 0);
	refused(f, "PCW", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encode_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trailing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup,
		    teardown),
	};

	return (cmocka_run_group_tests_name("worker_cfg", tests, NULL, NULL));
}
