/*
 * NAME
 *	test_cfgedit - unit tests for ctl/cfgedit.c
 * DESCRIPTION
 *	Byte-for-byte round trips: each case starts from a file with
 *	comments, blank lines, continuation lines, CRLF line ends or a
 *	missing final newline, applies one edit and compares the whole
 *	result with the expected text.  Hostile names and values (line
 *	breaks, leading blanks, NUL) are refused; an edit that would not
 *	parse is refused by cfgedit_commit() and leaves the file alone;
 *	a committed file keeps its mode, passwords are 0600.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfgedit.h"
#include "popconn.h"
#include "safeio.h"
#include "strbuf.h"

static struct strbuf *why;

/* Which edit a table row applies. */
enum op {
	MAIN_SET, MAIN_UNSET, MB_PUT, MB_REMOVE, PW_SET, PW_REMOVE,
	TAB_SET, TAB_REMOVE,
};

struct edit_case {
	const char *desc;
	int	kind;
	enum op	op;
	const char *key;
	const char *value;
	const char *in;
	const char *out;		/* NULL: the edit is refused */
};

static const struct edit_case cases[] = {
	{"main: replace in place, comments kept", CFGEDIT_MAIN, MAIN_SET,
	    "poll_interval", "5m",
	    "# top\n\nlog_level = medium\n# why 15m\npoll_interval = 15m\n"
	    "keep = no\n",
	    "# top\n\nlog_level = medium\n# why 15m\npoll_interval = 5m\n"
	    "keep = no\n"},
	{"main: continuation lines replaced, interleaved comment kept",
	    CFGEDIT_MAIN, MAIN_SET, "local_domains", "a.example",
	    "local_domains = x.example,\n    y.example,\n# note\n"
	    "\tz.example\nlog_level = medium\n",
	    "local_domains = a.example\n# note\nlog_level = medium\n"},
	{"main: append to a file without a final newline", CFGEDIT_MAIN,
	    MAIN_SET, "keep", "yes",
	    "log_level = medium", "log_level = medium\nkeep = yes\n"},
	{"main: CRLF file stays CRLF", CFGEDIT_MAIN, MAIN_SET, "keep",
	    "yes", "# c\r\nlog_level = medium\r\n",
	    "# c\r\nlog_level = medium\r\nkeep = yes\r\n"},
	{"main: CRLF replace", CFGEDIT_MAIN, MAIN_SET, "log_level",
	    "maximum", "log_level = medium\r\n# c\r\n",
	    "log_level = maximum\r\n# c\r\n"},
	{"main: later duplicates go", CFGEDIT_MAIN, MAIN_SET, "keep", "yes",
	    "keep = no\nlog_level = medium\nkeep=no\n",
	    "keep = yes\nlog_level = medium\n"},
	{"main: prefix of another name untouched", CFGEDIT_MAIN, MAIN_SET,
	    "tls", "none", "tls_ca_file = /x\n",
	    "tls_ca_file = /x\ntls = none\n"},
	{"main: empty value", CFGEDIT_MAIN, MAIN_SET, "tls_ca_file", "",
	    "tls_ca_file = /x\n", "tls_ca_file =\n"},
	{"main: unset keeps the rest", CFGEDIT_MAIN, MAIN_UNSET,
	    "poll_times", NULL,
	    "# a\npoll_times = 07:00,\n  12:00\n\n# b\n",
	    "# a\n\n# b\n"},
	{"main: unset of an absent name changes nothing", CFGEDIT_MAIN,
	    MAIN_UNSET, "keep", NULL, "# only\n", "# only\n"},
	{"main: value with a line break refused", CFGEDIT_MAIN, MAIN_SET,
	    "log_level", "medium\nkeep = yes", "", NULL},
	{"main: value with a CR refused", CFGEDIT_MAIN, MAIN_SET,
	    "log_level", "medium\r", "", NULL},
	{"main: leading blank refused", CFGEDIT_MAIN, MAIN_SET,
	    "log_level", " medium", "", NULL},
	{"main: hostile name refused", CFGEDIT_MAIN, MAIN_SET,
	    "a = b\nc", "x", "", NULL},
	{"main: unknown name refused by validation", CFGEDIT_MAIN, MAIN_SET,
	    "no_such_setting", "1", "", NULL},
	{"main: out of range refused by validation", CFGEDIT_MAIN, MAIN_SET,
	    "max_connections", "0", "", NULL},
	{"mailboxes: replace entry with its continuation lines",
	    CFGEDIT_MAILBOXES, MB_PUT, "bob",
	    "bob user pop3s://bob@new.example\n  -o keep=yes",
	    "# boxes\nalice user pop3s://a@x.example\n  -o keep=yes\n"
	    "bob user pop3s://bob@x.example\n  -o keep=no\n\n"
	    "# carol next\ncarol user pop3s://c@x.example\n",
	    "# boxes\nalice user pop3s://a@x.example\n  -o keep=yes\n"
	    "bob user pop3s://bob@new.example\n  -o keep=yes\n\n"
	    "# carol next\ncarol user pop3s://c@x.example\n"},
	{"mailboxes: add to an empty file", CFGEDIT_MAILBOXES, MB_PUT,
	    "a.b-c_d", "a.b-c_d global pop3://x@h.example:110", "",
	    "a.b-c_d global pop3://x@h.example:110\n"},
	{"mailboxes: add after a last line without newline, CRLF",
	    CFGEDIT_MAILBOXES, MB_PUT, "b", "b user pop3s://b@h\n  -o keep=yes",
	    "# x\r\na user pop3s://a@h",
	    "# x\r\na user pop3s://a@h\r\nb user pop3s://b@h\r\n"
	    "  -o keep=yes\r\n"},
	{"mailboxes: name that prefixes another", CFGEDIT_MAILBOXES,
	    MB_REMOVE, "al", NULL,
	    "alice user pop3s://a@h\nal user pop3s://al@h\n  -o keep=yes\n",
	    "alice user pop3s://a@h\n"},
	{"mailboxes: remove the last entry (no newline)", CFGEDIT_MAILBOXES,
	    MB_REMOVE, "b", NULL, "a user pop3s://a@h\n# c\nb user pop3s://b@h",
	    "a user pop3s://a@h\n# c\n"},
	{"mailboxes: remove a missing entry", CFGEDIT_MAILBOXES, MB_REMOVE,
	    "zz", NULL, "a user pop3s://a@h\n", NULL},
	{"mailboxes: hostile name", CFGEDIT_MAILBOXES, MB_PUT, "../x",
	    "../x user pop3s://a@h", "", NULL},
	{"mailboxes: injected header line", CFGEDIT_MAILBOXES, MB_PUT, "a",
	    "a user pop3s://a@h\nb user pop3s://b@h", "", NULL},
	{"mailboxes: unknown -o refused by validation", CFGEDIT_MAILBOXES,
	    MB_PUT, "a", "a user pop3s://a@h\n  -o colour=red", "", NULL},
	{"mailboxes: popconn.cf-only -o refused", CFGEDIT_MAILBOXES,
	    MB_PUT, "a", "a user pop3s://a@h\n  -o state_directory=/x", "",
	    NULL},
	{"mailboxes: bad -o value refused", CFGEDIT_MAILBOXES, MB_PUT, "a",
	    "a user pop3s://a@h\n  -o keep=perhaps", "", NULL},
	{"mailboxes: password in the URL refused", CFGEDIT_MAILBOXES,
	    MB_PUT, "a", "a user pop3s://a:pw@h", "", NULL},
	{"passwords: replace, indentation of others kept", CFGEDIT_PASSWORDS,
	    PW_SET, "bob", "n3w p#ss",
	    "# secrets\n  alice a-pw\nbob old\ncarol c-pw", "# secrets\n"
	    "  alice a-pw\nbob n3w p#ss\ncarol c-pw"},
	{"passwords: indented entry is found", CFGEDIT_PASSWORDS, PW_SET,
	    "alice", "x", "\talice old\n", "alice x\n"},
	{"passwords: add", CFGEDIT_PASSWORDS, PW_SET, "dave", "d",
	    "alice a\n", "alice a\ndave d\n"},
	{"passwords: remove", CFGEDIT_PASSWORDS, PW_REMOVE, "alice", NULL,
	    "alice a\n#c\nbob b\n", "#c\nbob b\n"},
	{"passwords: secret with a newline refused", CFGEDIT_PASSWORDS,
	    PW_SET, "a", "x\nevil y", "", NULL},
	{"passwords: empty secret refused", CFGEDIT_PASSWORDS, PW_SET, "a",
	    "", "", NULL},
	{"passwords: leading blank refused", CFGEDIT_PASSWORDS, PW_SET, "a",
	    " x", "", NULL},
	{"table: texthash replace", CFGEDIT_TABLE, TAB_SET,
	    "list@x.example", "chris",
	    "# routing\nlist@x.example\tpat\n  , sam\n@y.example joe\n",
	    "# routing\nlist@x.example\tchris\n@y.example joe\n"},
	{"table: pcre key with a blank", CFGEDIT_TABLE, TAB_SET,
	    "/^a b$/i", "x", "/^a b$/i y\n/^a/ z\n", "/^a b$/i\tx\n/^a/ z\n"},
	{"table: remove", CFGEDIT_TABLE, TAB_REMOVE, "/^a/", NULL,
	    "/^a b$/i y\n/^a/ z\n", "/^a b$/i y\n"},
	{"table: remove missing", CFGEDIT_TABLE, TAB_REMOVE, "k", NULL,
	    "a b\n", NULL},
	{"table: value with newline refused", CFGEDIT_TABLE, TAB_SET, "k",
	    "a\nb c", "", NULL},
	{"table: comment key refused", CFGEDIT_TABLE, TAB_SET, "#k", "v",
	    "", NULL},
};

/* apply - run one case's edit */

static int
apply(struct cfgedit *e, const struct edit_case *c)
{
	switch (c->op) {
	case MAIN_SET:
		return (cfgedit_main_set(e, c->key, c->value, why));
	case MAIN_UNSET:
		return (cfgedit_main_unset(e, c->key, why));
	case MB_PUT:
		return (cfgedit_mailbox_put(e, c->key, c->value, why));
	case MB_REMOVE:
		return (cfgedit_mailbox_remove(e, c->key, why));
	case PW_SET:
		return (cfgedit_password_set(e, c->key, c->value, why));
	case PW_REMOVE:
		return (cfgedit_password_remove(e, c->key, why));
	case TAB_SET:
		return (cfgedit_table_set(e, c->key, c->value, why));
	case TAB_REMOVE:
		return (cfgedit_table_remove(e, c->key, why));
	}
	return (PC_PERM);
}

/* test_cases - every table row */

static void
test_cases(void **state)
{
	const struct edit_case *c;
	struct cfgedit e;
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		c = &cases[i];
		strbuf_reset(why);
		cfgedit_init_buf(&e, c->kind, c->in, strlen(c->in));
		rc = apply(&e, c);
		if (rc == PC_OK)
			rc = cfgedit_commit(&e, why);
		if (c->out == NULL) {
			if (rc == PC_OK)
				fail_msg("%s: accepted, got \"%s\"", c->desc,
				    strbuf_str(e.text));
			assert_true(strbuf_len(why) > 0);
		} else {
			if (rc != PC_OK)
				fail_msg("%s: %s", c->desc, strbuf_str(why));
			if (strcmp(strbuf_str(e.text), c->out) != 0)
				fail_msg("%s:\n got [%s]\nwant [%s]", c->desc,
				    strbuf_str(e.text), c->out);
		}
		cfgedit_free(&e);
	}
}

/* test_noop - an edit that changes nothing is exact */

static void
test_noop(void **state)
{
	static const char in[] = "# c\r\nlog_level = medium\n  \n"
	    "keep = yes";
	struct cfgedit e;

	(void)state;
	cfgedit_init_buf(&e, CFGEDIT_MAIN, in, strlen(in));
	assert_int_equal(cfgedit_main_unset(&e, "poll_times", why), PC_OK);
	assert_int_equal(e.changed, 0);
	assert_string_equal(strbuf_str(e.text), in);
	cfgedit_free(&e);
}

/* write_file - create a file with text and mode */

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE   *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* read_file - a file's text; caller frees */

static struct strbuf *
read_file(const char *path)
{
	struct strbuf *sb = strbuf_alloc(1 << 20);

	assert_int_equal(safeio_read_file(path, 1 << 20, 0, sb, why), PC_OK);
	return (sb);
}

/* test_files - commit to disk: mode kept, passwords 0600, refusal */

static void
test_files(void **state)
{
	char	dir[] = "/tmp/test_cfgedit.XXXXXX";
	char	path[256], pw[256], nf[256];
	struct cfgedit e;
	struct strbuf *sb;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/popconn.cf", dir);
	snprintf(pw, sizeof(pw), "%s/passwords", dir);
	snprintf(nf, sizeof(nf), "%s/new.cf", dir);
	write_file(path, "# mine\nlog_level = medium\n", 0640);
	write_file(pw, "a old\n", 0644);

	assert_int_equal(cfgedit_open(&e, CFGEDIT_MAIN, path, why), PC_OK);
	assert_int_equal(cfgedit_main_set(&e, "keep", "yes", why), PC_OK);
	assert_int_equal(cfgedit_commit(&e, why), PC_OK);
	cfgedit_free(&e);
	sb = read_file(path);
	assert_string_equal(strbuf_str(sb), "# mine\nlog_level = medium\n"
	    "keep = yes\n");
	strbuf_free(sb);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* A broken edit never lands. */
	assert_int_equal(cfgedit_open(&e, CFGEDIT_MAIN, path, why), PC_OK);
	assert_int_equal(cfgedit_main_set(&e, "poll_interval", "often", why),
	    PC_OK);
	assert_int_not_equal(cfgedit_commit(&e, why), PC_OK);
	assert_non_null(strstr(strbuf_str(why), "unchanged"));
	cfgedit_free(&e);
	sb = read_file(path);
	assert_string_equal(strbuf_str(sb), "# mine\nlog_level = medium\n"
	    "keep = yes\n");
	strbuf_free(sb);

	/* passwords: always 0600, even when it was wider. */
	assert_int_equal(cfgedit_open(&e, CFGEDIT_PASSWORDS, pw, why), PC_OK);
	assert_int_equal(cfgedit_password_set(&e, "a", "new", why), PC_OK);
	assert_int_equal(cfgedit_commit(&e, why), PC_OK);
	cfgedit_free(&e);
	assert_int_equal(stat(pw, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A new file. */
	assert_int_equal(cfgedit_open(&e, CFGEDIT_TABLE, nf, why), PC_OK);
	assert_int_equal(e.exists, 0);
	assert_int_equal(cfgedit_table_set(&e, "k@x", "v", why), PC_OK);
	assert_int_equal(cfgedit_commit(&e, why), PC_OK);
	cfgedit_free(&e);
	sb = read_file(nf);
	assert_string_equal(strbuf_str(sb), "k@x\tv\n");
	strbuf_free(sb);
	assert_int_equal(stat(nf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* A file with a NUL byte is not edited. */
	{
		FILE   *fp = fopen(nf, "w");

		assert_non_null(fp);
		assert_int_equal(fwrite("a\0b\n", 1, 4, fp), 4);
		assert_int_equal(fclose(fp), 0);
	}
	assert_int_equal(cfgedit_open(&e, CFGEDIT_TABLE, nf, why), PC_PERM);
	cfgedit_free(&e);

	unlink(path);
	unlink(pw);
	unlink(nf);
	assert_int_equal(rmdir(dir), 0);
}

/* setup - one reason buffer for all tests */

static int
setup(void **state)
{
	(void)state;
	why = strbuf_alloc(4096);
	return (0);
}

/* teardown - free it */

static int
teardown(void **state)
{
	(void)state;
	why = strbuf_free(why);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_noop),
		cmocka_unit_test(test_files),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
