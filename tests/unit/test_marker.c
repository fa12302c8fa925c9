/*
 * test_marker - the signed global-mailbox marker: round trip, tampering
 * with every field, age limits, malformed values, the key file's mode,
 * the binding to the message (a moved marker fails), the identity, and
 * hostile header blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "strbuf.h"
#include "marker.h"

static const unsigned char key[MARKER_KEY_LEN] = "0123456789abcdef0123456789abcde";
static const unsigned char key2[MARKER_KEY_LEN] = "x123456789abcdef0123456789abcde";

static const char ID[] = "0123456789abcdef0123456789abcdef";

/* make - a marker for mailbox with a binding from a header block */
static int
make(const char *mailbox, const char *env, long long window, time_t t,
    const char *hdr, struct strbuf *v, char *nonce)
{
	struct marker_bind b;
	struct marker_in in = {mailbox, t, env, window, ID};
	char	n[MARKER_NONCE_HEX + 1];
	int	rc;

	marker_bind_init(&b);
	marker_bind_block(&b, hdr, strlen(hdr));
	rc = marker_make(key, &in, &b, v, nonce ? nonce : n);
	marker_bind_free(&b);
	return (rc);
}

/* verify - check v against the fields of a header block */
static int
verify(const unsigned char *k, const char *v, time_t now, const char *hdr,
    struct marker *m, struct strbuf *why)
{
	struct marker_bind b;
	int	rc;

	marker_bind_init(&b);
	marker_bind_block(&b, hdr, strlen(hdr));
	rc = marker_verify(k, v, now, 3600, &b, m, why);
	marker_bind_free(&b);
	return (rc);
}

static const char HDR[] = "Received: from x\n\tby y\n"
    "Message-ID: <abc@isp.test>\nDate: Mon, 7 Dec 2026 10:00:00 +0000\n"
    "Subject: hello\n  world\nTo: a@example.test\n\nbody\n";

static void
test_round_trip(void **state)
{
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;
	char	nonce[MARKER_NONCE_HEX + 1];

	(void)state;
	assert_int_equal(make("catchall", "1", 604800, 1000000, HDR, v, nonce),
	    PC_OK);
	assert_int_equal(verify(key, strbuf_str(v), 1000010, HDR, &m, why),
	    PC_OK);
	assert_string_equal(m.mailbox, "catchall");
	assert_int_equal(m.trust_env, 1);
	assert_int_equal(m.t, 1000000);
	assert_int_equal(m.window, 604800);
	assert_string_equal(m.id, ID);
	assert_string_equal(m.nonce, nonce);
	assert_string_equal(m.env_header, "");
	/* another key */
	assert_int_equal(verify(key2, strbuf_str(v), 1000010, HDR, &m, why),
	    PC_PERM);
	/* stale, and from the future */
	assert_int_equal(verify(key, strbuf_str(v), 1003601, HDR, &m, why),
	    PC_PERM);
	assert_int_equal(verify(key, strbuf_str(v), 1000000 - 301, HDR, &m,
	    why), PC_PERM);
	assert_int_equal(make("bad name", "0", 0, 1, HDR, v, NULL), PC_PERM);
	assert_int_equal(make("a", "2", 0, 1, HDR, v, NULL), PC_PERM);
	assert_int_equal(make("a", "1:x:Foo", 0, 1, HDR, v, NULL), PC_PERM);
	assert_int_equal(make("a", "1:1:Fo o", 0, 1, HDR, v, NULL), PC_PERM);
	/* a named envelope header */
	assert_int_equal(make("a", "1:2:X-Envelope-To", 0, 1000000, HDR, v,
	    NULL), PC_OK);
	assert_int_equal(verify(key, strbuf_str(v), 1000000, HDR, &m, why),
	    PC_OK);
	assert_string_equal(m.env_header, "X-Envelope-To");
	assert_int_equal(m.env_skip, 2);
	strbuf_free(v);
	strbuf_free(why);
}

/* A marker moved to another message no longer verifies. */
static void
test_bound(void **state)
{
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;
	static const char *const other[] = {
		"Message-ID: <abd@isp.test>\nDate: Mon, 7 Dec 2026 10:00:00 "
		"+0000\nSubject: hello world\n\n",
		"Message-ID: <abc@isp.test>\nDate: Mon, 7 Dec 2026 10:00:01 "
		"+0000\nSubject: hello world\n\n",
		"Message-ID: <abc@isp.test>\nDate: Mon, 7 Dec 2026 10:00:00 "
		"+0000\nSubject: hello there\n\n",
		"Message-ID: <abc@isp.test>\nSubject: hello world\n\n",
	};
	/* Same values, other folding, other order, extra fields: equal. */
	static const char same[] = "X-Spam: yes\nsubject:   hello\r\n\tworld "
	    "\nDATE: Mon, 7 Dec 2026 10:00:00 +0000\nmessage-id:\n <abc@isp"
	    ".test>\nSubject: second one ignored\nTo: b@example.test\n\n";
	/* Postfix adds a Message-ID and a Date where there were none. */
	static const char bare[] = "Subject: s\n\n";
	static const char added[] = "Message-ID: <pf@here>\nDate: now\n"
	    "Subject: s\n\n";
	size_t	i;

	(void)state;
	assert_int_equal(make("catchall", "0", 0, 1000, HDR, v, NULL), PC_OK);
	assert_int_equal(verify(key, strbuf_str(v), 1000, same, &m, why),
	    PC_OK);
	for (i = 0; i < PC_ARRAY_LEN(other); i++) {
		assert_int_equal(verify(key, strbuf_str(v), 1000, other[i], &m,
		    why), PC_PERM);
		assert_non_null(strstr(strbuf_str(why), "another message"));
	}
	/* A NUL ends a value, for the fetcher as for the milter. */
	{
		struct marker_bind nb;

		marker_bind_init(&nb);
		marker_bind_block(&nb, "Subject: a\0b\n\n", 14);
		assert_string_equal(nb.v[MARKER_F_SUBJECT], "a");
		marker_bind_free(&nb);
	}
	assert_int_equal(make("catchall", "0", 0, 1000, bare, v, NULL), PC_OK);
	assert_non_null(strstr(strbuf_str(v), "b=--s;"));
	assert_int_equal(verify(key, strbuf_str(v), 1000, added, &m, why),
	    PC_OK);
	strbuf_free(v);
	strbuf_free(why);
}

/* Identity: Message-ID alone; else the content fields and body. */
static void
test_identity(void **state)
{
	struct marker_bind a, b;
	unsigned char md1[32] = {1}, md2[32] = {2};
	char	i1[MARKER_ID_HEX + 1], i2[MARKER_ID_HEX + 1];

	(void)state;
	marker_bind_init(&a);
	marker_bind_init(&b);
	marker_bind_block(&a, "Delivered-To: x@y\nMessage-ID: <1@x>\n"
	    "Subject: a\n\n", 38);
	marker_bind_block(&b, "Message-ID: <1@x>\nSubject: b\n\n", 30);
	marker_identity(&a, md1, i1);
	marker_identity(&b, md2, i2);
	assert_string_equal(i1, i2);
	assert_int_equal(strlen(i1), MARKER_ID_HEX);
	marker_bind_free(&a);
	marker_bind_free(&b);
	marker_bind_block(&a, "From: a@x\nSubject: s\nTo: c@y\n\n", 30);
	marker_bind_block(&b, "Delivered-To: q@y\nFrom: a@x\nSubject: s\n"
	    "To: c@y\n\n", 48);
	marker_identity(&a, md1, i1);
	marker_identity(&b, md1, i2);
	assert_string_equal(i1, i2);
	marker_identity(&b, md2, i2);
	assert_string_not_equal(i1, i2);
	marker_bind_free(&a);
	marker_bind_free(&b);
}

/* Hostile header blocks: no crash, bounded, stops where cleanup does. */
static void
test_block_hostile(void **state)
{
	struct marker_bind b;
	char   *big;
	size_t	n = 300000;

	(void)state;
	marker_bind_init(&b);
	marker_bind_block(&b, "", 0);
	marker_bind_block(&b, "\n", 1);
	marker_bind_block(&b, " continuation first\nSubject: x", 30);
	assert_string_equal(b.v[MARKER_F_SUBJECT], "x");
	marker_bind_free(&b);
	marker_bind_block(&b, "not a header\nSubject: x\n\n", 25);
	assert_null(b.v[MARKER_F_SUBJECT]);
	marker_bind_free(&b);
	marker_bind_block(&b, "Subject\n: x\n", 12);
	assert_null(b.v[MARKER_F_SUBJECT]);
	marker_bind_free(&b);
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "Subject: ", 9);
	memset(big + 9, 'a', n - 9);
	marker_bind_block(&b, big, n);
	assert_int_equal(b.len[MARKER_F_SUBJECT], MARKER_FIELD_MAX);
	marker_bind_free(&b);
	memset(big, '\n', n);
	marker_bind_block(&b, big, n);
	memset(big, ' ', n);
	marker_bind_block(&b, big, n);
	memset(big, ':', n);
	marker_bind_block(&b, big, n);
	marker_bind_free(&b);
	free(big);
}

static void
test_tamper(void **state)
{
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;
	char	buf[MARKER_VALUE_MAX + 1];
	size_t	i, len;

	(void)state;
	assert_int_equal(make("dom", "0", 3600, 5000, HDR, v, NULL), PC_OK);
	len = strbuf_len(v);
	/* Changing any one character must break it (or leave it equal). */
	for (i = 0; i < len; i++) {
		memcpy(buf, strbuf_str(v), len + 1);
		buf[i] = buf[i] == '1' ? '0' : '1';
		if (strcmp(buf, strbuf_str(v)) == 0)
			continue;
		assert_int_not_equal(verify(key, buf, 5000, HDR, &m, why),
		    PC_OK);
	}
	strbuf_free(v);
	strbuf_free(why);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"v=1",
		"v=1; mb=a; t=1; n=0123456789abcdef; env=0; mac=00",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=0; mac=",
		"v=2; mb=; t=1; n=0123456789abcdef; env=0; w=0; id="
		"0123456789abcdef0123456789abcdef; b=mds; h="
		"0123456789abcdef0123456789abcdef; mac=00",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=0; w=0; id="
		"0123456789abcdef0123456789abcdef; b=xds; h="
		"0123456789abcdef0123456789abcdef; mac="
		"0000000000000000000000000000000000000000000000000000000000000000",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=0; w=-1; id="
		"0123456789abcdef0123456789abcdef; b=mds; h="
		"0123456789abcdef0123456789abcdef; mac="
		"0000000000000000000000000000000000000000000000000000000000000000",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=1:: ; w=0; id="
		"0123456789abcdef0123456789abcdef; b=mds; h="
		"0123456789abcdef0123456789abcdef; mac="
		"0000000000000000000000000000000000000000000000000000000000000000",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=0; w=0; id="
		"0123456789abcdef0123456789abcdeF; b=mds; h="
		"0123456789abcdef0123456789abcdef; mac="
		"0000000000000000000000000000000000000000000000000000000000000000",
		"v=2; mb=a; t=1; n=0123456789abcdef; env=0; w=0; id="
		"0123456789abcdef0123456789abcdef; b=mds; h="
		"0123456789abcdef0123456789abcdef; mac="
		"0000000000000000000000000000000000000000000000000000000000000000"
		"; x=1",
	};
	struct strbuf *why = strbuf_alloc(256);
	struct marker m;
	char	big[2000];
	size_t	i;

	(void)state;
	for (i = 0; i < PC_ARRAY_LEN(bad); i++) {
		assert_int_equal(verify(key, bad[i], 1, HDR, &m, why),
		    PC_PERM);
		assert_null(strstr(strbuf_str(why), "another message"));
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(verify(key, big, 1, HDR, &m, why), PC_PERM);
	strbuf_free(why);
}

static void
test_key_file(void **state)
{
	char	dir[] = "/tmp/test_marker.XXXXXX", path[64];
	unsigned char k[MARKER_KEY_LEN];
	struct strbuf *why = strbuf_alloc(256);
	FILE   *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/key", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(marker_load_key(path, k, why), PC_OK);
	assert_int_equal(k[0], 0);
	assert_int_equal(k[31], 0x1f);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(marker_load_key(path, k, why), PC_PERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_non_null(fp = fopen(path, "w"));
	fputs("0001zz\n", fp);
	fclose(fp);
	assert_int_equal(marker_load_key(path, k, why), PC_PERM);
	unlink(path);
	rmdir(dir);
	strbuf_free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_block_hostile),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_key_file),
	};

	return (cmocka_run_group_tests_name("marker", tests, NULL, NULL));
}
