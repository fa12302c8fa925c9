/*
 * test_milter - the callbacks through the shim, without an MTA: mail
 * without a marker is untouched; a valid marker routes (placeholder
 * deleted exactly as seen, recipients added, trace added, Delivered-To
 * renamed, marker removed); forged, duplicated, wrong-path and
 * extra-recipient messages keep their envelope but lose every marker; a
 * broken table tempfails; reload swaps the configuration while a
 * connection keeps the old one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "popconn.h"
#include "strbuf.h"
#include "marker.h"
#include "dedupe.h"
#include "milter.h"

static char tmpdir[] = "/tmp/test_milter.XXXXXX";
static unsigned char key[MARKER_KEY_LEN];

/* A fake libmilter context: what the milter asked for goes to ops. */
struct fake {
	void   *priv;
	const char *daemon;
	struct strbuf *ops;
	int	fail_addrcpt;
};

static void *
f_getpriv(SMFICTX *ctx)
{
	return (((struct fake *)(void *)ctx)->priv);
}

static int
f_setpriv(SMFICTX *ctx, void *p)
{
	((struct fake *)(void *)ctx)->priv = p;
	return (MI_SUCCESS);
}

static const char *
f_getsymval(SMFICTX *ctx, const char *name)
{
	if (strcmp(name, "i") == 0)
		return ("4XyZ1");
	if (strcmp(name, "{daemon_name}") == 0)
		return (((struct fake *)(void *)ctx)->daemon);
	return (NULL);
}

static int
f_chgheader(SMFICTX *ctx, const char *n, int i, const char *v)
{
	strbuf_appendf(((struct fake *)(void *)ctx)->ops, "chg %s %d %s\n", n,
	    i, v ? v : "NULL");
	return (MI_SUCCESS);
}

static int
f_insheader(SMFICTX *ctx, int i, const char *n, const char *v)
{
	strbuf_appendf(((struct fake *)(void *)ctx)->ops, "ins %d %s: %s\n", i,
	    n, v);
	return (MI_SUCCESS);
}

static int
f_addrcpt(SMFICTX *ctx, const char *r)
{
	struct fake *f = (struct fake *)(void *)ctx;

	strbuf_appendf(f->ops, "addrcpt %s\n", r);
	return (f->fail_addrcpt ? MI_FAILURE : MI_SUCCESS);
}

static int
f_delrcpt(SMFICTX *ctx, const char *r)
{
	strbuf_appendf(((struct fake *)(void *)ctx)->ops, "delrcpt %s\n", r);
	return (MI_SUCCESS);
}

static const struct milter_shim_ops fake_ops = {
	f_getpriv, f_setpriv, f_getsymval, f_chgheader, f_insheader,
	f_addrcpt, f_delrcpt,
};

/* writef - write a file in tmpdir */

static void
writef(const char *name, const char *text, mode_t mode)
{
	char	path[400];
	FILE   *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* config - write popconn.cf with extra lines */

static void
config(const char *extra)
{
	char	buf[4096];

	snprintf(buf, sizeof(buf), "marker_secret_file = %s/marker.key\n"
	    "milter_state_directory = %s/state\n"
	    "local_domains = example.test\n"
	    "undeliverable_mailbox = postmaster\n"
	    "myhostname = mx.example.test\n"
	    "routing_maps = texthash:%s/routing\n"
	    "log_level = maximum\n%s\n", tmpdir, tmpdir, tmpdir, extra);
	writef("popconn.cf", buf, 0644);
}

/* marker_for - a valid marker value for a message with these fields */

static const char *
marker_for(int trust, long long window, const char *id, const char *hdr)
{
	static char buf[MARKER_VALUE_MAX + 1];
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);
	struct marker_in in = {"catchall", 0, trust ? "1" : "0", window, id};
	struct marker_bind b;
	char	nonce[MARKER_NONCE_HEX + 1];

	in.t = time(NULL);
	marker_bind_init(&b);
	marker_bind_block(&b, hdr, strlen(hdr));
	assert_int_equal(marker_make(key, &in, &b, v, nonce), PC_OK);
	marker_bind_free(&b);
	snprintf(buf, sizeof(buf), "%s", strbuf_str(v));
	strbuf_free(v);
	return (buf);
}

/* marker - a valid marker, bound to no field, no dedupe */

static const char *
marker(int trust)
{
	return (marker_for(trust, 0, "0123456789abcdef0123456789abcdef", ""));
}

/* message - run one connection with one message; returns eom's status */

static sfsistat
message(struct fake *f, const char *rcpts, const char *const *hdrs,
    size_t nh, int close)
{
	char	r[256], *argv[2] = {r, NULL};
	const char *p = rcpts;
	sfsistat st;
	size_t	i, n;

	if (f->priv == NULL)
		assert_int_equal(milter_desc.xxfi_connect((SMFICTX *)(void *)f,
		    r, NULL), SMFIS_CONTINUE);
	strbuf_reset(f->ops);
	snprintf(r, sizeof(r), "<sender@isp.test>");
	assert_int_equal(milter_desc.xxfi_envfrom((SMFICTX *)(void *)f,
	    argv), SMFIS_CONTINUE);
	while (*p) {
		n = strcspn(p, " ");
		snprintf(r, sizeof(r), "%.*s", (int)n, p);
		assert_int_equal(milter_desc.xxfi_envrcpt((SMFICTX *)(void *)f,
		    argv), SMFIS_CONTINUE);
		p += n + (p[n] == ' ');
	}
	for (i = 0; i < nh; i++) {
		char	name[128];
		const char *c = strchr(hdrs[i], ':');

		snprintf(name, sizeof(name), "%.*s", (int)(c - hdrs[i]),
		    hdrs[i]);
		assert_int_equal(milter_desc.xxfi_header((SMFICTX *)(void *)f,
		    name, (char *)(uintptr_t)(c + 2)), SMFIS_CONTINUE);
	}
	st = milter_desc.xxfi_eom((SMFICTX *)(void *)f);
	if (close)
		milter_desc.xxfi_close((SMFICTX *)(void *)f);
	return (st);
}

#define MSG(f, r, close, ...) message((f), (r), \
	(const char *const[]){__VA_ARGS__}, \
	sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), \
	(close))

/* load - load and install the configuration */

static void
load(void)
{
	struct milter_config *c;
	struct strbuf *why = strbuf_alloc(4096);

	if (milter_config_load(tmpdir, 0, &c, why) != PC_OK)
		fail_msg("%s", strbuf_str(why));
	milter_config_install(c);
	strbuf_free(why);
}

static void
test_no_marker(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};

	(void)state;
	assert_int_equal(MSG(&f, "<kim@example.test>", 1,
	    "To: pat@example.test", "Subject: hi"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "");
	strbuf_free(f.ops);
}

static void
test_route(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};
	char	m[600], want[2048];

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker(1));
	assert_int_equal(MSG(&f, "<postmaster@popconn-test.localdomain>", 1,
	    m, "Received: from isp by mx (popconn-fetcher) with POP3S",
	    "Delivered-To: kim@example.test",
	    "To: list@lists.example", "Cc: Pat <pat@example.test>",
	    "Delivered-To: domain@isp.test"), SMFIS_CONTINUE);
	snprintf(want, sizeof(want),
	    "chg X-Popconn-Marker 1 NULL\n"
	    "delrcpt postmaster\n"
	    "delrcpt <postmaster@popconn-test.localdomain>\n"
	    "addrcpt <kim@example.test>\n"
	    "addrcpt <chris@example.test>\n"
	    "addrcpt <pat@example.test>\n"
	    "chg Delivered-To 2 NULL\n"
	    "chg Delivered-To 1 NULL\n"
	    "ins 0 X-Popconn-Delivered-To: kim@example.test\n"
	    "ins 0 X-Popconn-Delivered-To: domain@isp.test\n"
	    "ins 0 X-Popconn-Routed: by mx.example.test; mailbox=catchall;\n"
	    "\t<kim@example.test> (Delivered-To: default rule);\n"
	    "\t<chris@example.test> (To: list@lists.example via texthash:"
	    "%s/routing:1);\n"
	    "\t<pat@example.test> (Cc: default rule);\n", tmpdir);
	assert_string_equal(strbuf_str(f.ops), want);
	strbuf_free(f.ops);
}

static void
test_refused(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};
	char	m[600], m2[600];
	static const unsigned char other[MARKER_KEY_LEN] = "another key";
	struct strbuf *v = strbuf_alloc(MARKER_VALUE_MAX);

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker(0));
	/* two markers: both go, no routing */
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "To: kim@example.test", m), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 2 NULL\n"
	    "chg X-Popconn-Marker 1 NULL\n");
	/* forged (another key) */
	{
		struct marker_in in = {"catchall", 0, "1", 0,
		"0123456789abcdef0123456789abcdef"};
		struct marker_bind b;
		char	nonce[MARKER_NONCE_HEX + 1];

		in.t = time(NULL);
		marker_bind_init(&b);
		marker_make(other, &in, &b, v, nonce);
	}
	snprintf(m2, sizeof(m2), "x-popconn-marker: %s", strbuf_str(v));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m2,
	    "To: kim@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	/* malformed */
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1,
	    MARKER_HEADER ": v=1; garbage", "To: kim@example.test"),
	    SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	/* not the sendmail path */
	f.daemon = "smtpd";
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "To: kim@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	f.daemon = NULL;
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "To: kim@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	f.daemon = "local-submit";
	/* another recipient next to the placeholder, or another one */
	assert_int_equal(MSG(&f, "<postmaster@x.test> <evil@x.test>", 1, m,
	    "To: kim@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	assert_int_equal(MSG(&f, "<kim@x.test>", 1, m, "To: pat@example.test"),
	    SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	strbuf_free(v);
	strbuf_free(f.ops);
}

/*
 * The dedicated SMTP listener of delivery_method = smtp (issue 21): its
 * {daemon_name} is trusted exactly like the sendmail path's; names next
 * to it, any other smtpd and an empty milter_smtp_daemon_name are not.
 */
static void
test_smtp_listener(void **state)
{
	struct fake f = {NULL, "popconn-smtp", strbuf_alloc(65536), 0};
	static const char *const other[] = {"popconn-smtpd", "popconn-smt",
	    "POPCONN-SMTP", "smtpd", "", "popconn-smtp "};
	char	m[600];
	size_t	i;

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker(1));
	assert_int_equal(MSG(&f, "<postmaster@popconn-test.localdomain>", 1,
	    m, "To: kim@example.test"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(f.ops),
	    "addrcpt <kim@example.test>"));
	for (i = 0; i < PC_ARRAY_LEN(other); i++) {
		f.daemon = other[i];
		assert_int_equal(MSG(&f, "<postmaster@popconn-test."
		    "localdomain>", 1, m, "To: kim@example.test"),
		    SMFIS_CONTINUE);
		assert_string_equal(strbuf_str(f.ops),
		    "chg X-Popconn-Marker 1 NULL\n");
	}
	/* the sendmail path still works */
	f.daemon = "local-submit";
	assert_int_equal(MSG(&f, "<postmaster@popconn-test.localdomain>", 1,
	    m, "To: kim@example.test"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(f.ops),
	    "addrcpt <kim@example.test>"));
	/* no listener configured: its name is refused too */
	config("milter_smtp_daemon_name =");
	load();
	f.daemon = "popconn-smtp";
	assert_int_equal(MSG(&f, "<postmaster@popconn-test.localdomain>", 1,
	    m, "To: kim@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	config("");
	load();
	strbuf_free(f.ops);
}

static void
test_undeliverable(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};
	char	m[600];

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker(0));
	/* Bcc without trust: envelope kept, trace says why */
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Delivered-To: kim@example.test", "To: list@outside.test"),
	    SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n"
	    "ins 0 X-Popconn-Routed: by mx.example.test; mailbox=catchall;\n"
	    "\t<postmaster> (undeliverable: no routable recipient);\n");
	/* a failing smfi call: tempfail */
	f.fail_addrcpt = 1;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker(0));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "To: kim@example.test"), SMFIS_TEMPFAIL);
	strbuf_free(f.ops);
}

/*
 * Single use: the same marker on a message with other recipient headers
 * is a replay (refused: the message keeps its envelope); on the same
 * message again it is Postfix retrying the injection (routed again).
 * A marker moved to another message is refused.
 */
static void
test_replay_retry(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};
	char	m[600], first[4096];

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker_for(0, 3600,
	    "00000000000000000000000000000001",
	    "Message-ID: <r1@isp.test>\nSubject: one\n\n"));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Message-ID: <r1@isp.test>", "Subject: one",
	    "To: kim@example.test"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(f.ops), "addrcpt <kim@example.test>"));
	snprintf(first, sizeof(first), "%s", strbuf_str(f.ops));
	/* retry: same headers, same marker: the same envelope changes */
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Message-ID: <r1@isp.test>", "Subject: one",
	    "To: kim@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), first);
	/* retries are bounded: the 101st sight is a replay */
	{
		int	i;

		for (i = 2; i < 100; i++)
			assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
			    "Message-ID: <r1@isp.test>", "Subject: one",
			    "To: kim@example.test"), SMFIS_CONTINUE);
		assert_string_equal(strbuf_str(f.ops), first);
		assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
		    "Message-ID: <r1@isp.test>", "Subject: one",
		    "To: kim@example.test"), SMFIS_CONTINUE);
		assert_string_equal(strbuf_str(f.ops),
		    "chg X-Popconn-Marker 1 NULL\n");
	}
	/* replay onto other recipients */
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Message-ID: <r1@isp.test>", "Subject: one",
	    "To: pat@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	/* moved to another message (another Subject) */
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker_for(0, 3600,
	    "00000000000000000000000000000002",
	    "Message-ID: <r2@isp.test>\nSubject: two\n\n"));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Message-ID: <r2@isp.test>", "Subject: evil",
	    "To: pat@example.test"), SMFIS_CONTINUE);
	assert_string_equal(strbuf_str(f.ops), "chg X-Popconn-Marker 1 NULL\n");
	strbuf_free(f.ops);
}

/*
 * One copy per recipient: a second copy (another marker, same identity)
 * reaches only the recipients who did not have it; with none left it is
 * discarded; with window 0 nothing is remembered.
 */
static void
test_duplicate(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};
	const char *id = "000000000000000000000000000000d1";
	char	m[600];

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker_for(1, 3600, id,
	    ""));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Delivered-To: chris@example.test", "To: chris@example.test"),
	    SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(f.ops),
	    "addrcpt <chris@example.test>"));
	/* the Bcc copy: chris had it, dave did not */
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker_for(1, 3600, id,
	    ""));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Delivered-To: dave@example.test", "To: chris@example.test"),
	    SMFIS_CONTINUE);
	assert_null(strstr(strbuf_str(f.ops), "addrcpt <chris@example.test>"));
	assert_non_null(strstr(strbuf_str(f.ops),
	    "addrcpt <dave@example.test>"));
	/* the same message stored twice: nobody left */
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker_for(1, 3600, id,
	    ""));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "Delivered-To: chris@example.test", "To: chris@example.test"),
	    SMFIS_DISCARD);
	assert_null(strstr(strbuf_str(f.ops), "addrcpt"));
	/* window 0: delivered again */
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker_for(1, 0, id, ""));
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "To: chris@example.test"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(f.ops),
	    "addrcpt <chris@example.test>"));
	strbuf_free(f.ops);
}

static void
test_reload(void **state)
{
	struct fake f = {NULL, "local-submit", strbuf_alloc(65536), 0};
	struct fake g = {NULL, "local-submit", strbuf_alloc(65536), 0};
	struct strbuf *why = strbuf_alloc(4096);
	char	m[600], rt[600];

	(void)state;
	snprintf(m, sizeof(m), MARKER_HEADER ": %s", marker(0));
	/* f connects under the old table and keeps it */
	assert_int_equal(milter_desc.xxfi_connect((SMFICTX *)(void *)&f, m,
	    NULL), SMFIS_CONTINUE);
	writef("routing", "list@lists.example lee\n", 0644);
	assert_int_equal(milter_reload(tmpdir, why), PC_OK);
	assert_int_equal(MSG(&f, "<postmaster@x.test>", 1, m,
	    "To: list@lists.example"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(f.ops), "addrcpt <chris@"));
	assert_int_equal(MSG(&g, "<postmaster@x.test>", 1, m,
	    "To: list@lists.example"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(g.ops), "addrcpt <lee@"));
	/* a broken table on reload: refused, old configuration kept */
	writef("routing", "list@lists.example lee\nbroken-line\n", 0644);
	assert_int_not_equal(milter_reload(tmpdir, why), PC_OK);
	snprintf(rt, sizeof(rt), "%s/routing, line 2", tmpdir);
	assert_non_null(strstr(strbuf_str(why), rt));
	assert_int_equal(MSG(&g, "<postmaster@x.test>", 1, m,
	    "To: list@lists.example"), SMFIS_CONTINUE);
	assert_non_null(strstr(strbuf_str(g.ops), "addrcpt <lee@"));
	/* at start the broken table is a surrogate: marked mail tempfails,
	 * unmarked mail passes */
	load();
	assert_int_equal(MSG(&g, "<postmaster@x.test>", 1, m,
	    "To: list@lists.example"), SMFIS_TEMPFAIL);
	assert_int_equal(MSG(&g, "<kim@x.test>", 1, "To: x@y.test"),
	    SMFIS_CONTINUE);
	writef("routing", "list@lists.example chris\n", 0644);
	load();
	strbuf_free(f.ops);
	strbuf_free(g.ops);
	strbuf_free(why);
}

/* changed - milter_config_changed() on the current configuration */

static int
changed(uint64_t *sig, struct strbuf *which)
{
	struct milter_config *c = milter_config_acquire();
	int	r;

	assert_non_null(c);
	r = milter_config_changed(c, sig, which);
	milter_config_release(c);
	return (r);
}

static void
test_changed(void **state)
{
	struct strbuf *which = strbuf_alloc(4096);
	uint64_t sig1, sig2, sig3;
	char	rt[600];

	(void)state;
	snprintf(rt, sizeof(rt), "%s/routing", tmpdir);
	/* written within the second of the load: maybe read half-written,
	 * so it counts as changed */
	writef("routing", "list@lists.example chris\n", 0644);
	load();
	assert_int_equal(changed(&sig1, which), 1);
	/* loaded well after the last write: unchanged, stable digest */
	sleep(2);
	load();
	assert_int_equal(changed(&sig1, which), 0);
	assert_string_equal(strbuf_str(which), "");
	assert_int_equal(changed(&sig2, which), 0);
	assert_true(sig1 == sig2);
	/* rewritten: changed, named, another digest */
	writef("routing", "list@lists.example lee\n", 0644);
	assert_int_equal(changed(&sig2, which), 1);
	assert_string_equal(strbuf_str(which), rt);
	assert_true(sig1 != sig2);
	/* removed: changed too */
	assert_int_equal(unlink(rt), 0);
	assert_int_equal(changed(&sig3, which), 1);
	assert_string_equal(strbuf_str(which), rt);
	assert_true(sig3 != sig2);
	writef("routing", "list@lists.example chris\n", 0644);
	load();
	strbuf_free(which);
}

static int
setup(void **state)
{
	char	buf[2 * MARKER_KEY_LEN + 2];
	size_t	i;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	for (i = 0; i < MARKER_KEY_LEN; i++) {
		key[i] = (unsigned char)(i * 7 + 1);
		snprintf(buf + 2 * i, 3, "%02x", key[i]);
	}
	buf[2 * MARKER_KEY_LEN] = '\n';
	buf[2 * MARKER_KEY_LEN + 1] = 0;
	writef("marker.key", buf, 0640);
	writef("routing", "list@lists.example chris\n", 0644);
	config("");
	milter_shim_set(&fake_ops);
	load();
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[256];

	(void)state;
	milter_config_shutdown();
	dedupe_shutdown();
	milter_shim_set(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_marker),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_smtp_listener),
		cmocka_unit_test(test_undeliverable),
		cmocka_unit_test(test_replay_retry),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_changed),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
