/*
 * NAME
 *	ops_mailbox - the Mailboxes tab's operations (no printing, no argv)
 * SYNOPSIS
 *	#include "ops.h"
 *
 *	See ops.h, and ctl.h for ctl_mailbox_entry(), ctl_mailbox_put()
 *	and ctl_mailbox_rewrite().
 * DESCRIPTION
 *	add and edit build the mailbox's entry ("name type url
 *	[deliver-to]" and one "  -o name=value" line per option, in the
 *	order the options were first set) and put it into mailboxes.cf
 *	with ctl/cfgedit.c, which keeps every other byte of the file.  The
 *	password goes into the passwords file (mode 0600) before the entry
 *	goes into mailboxes.cf, so the fetcher never sees a mailbox
 *	without its password.  Then the fetcher is told to reload.
 *	ctl_mailbox_entry() builds an entry and ctl_mailbox_put() writes
 *	entries and passwords that way, for add, edit, schedule and
 *	import: every entry is put and the edited mailboxes.cf validated
 *	first, then all passwords go into the passwords file in one atomic
 *	replace, then all entries into mailboxes.cf in one, then one
 *	reload (an entry of NULL leaves mailboxes.cf alone for that name, a
 *	secret of NULL the passwords file).  remove drops the entry and the
 *	password; it never touches mail.
 *
 *	A mailbox add or edit is two steps, so that a front end asks for
 *	the password only once the entry is known to be good:
 *	ops_mailbox_plan() checks the request (type, URL, deliver-to, the
 *	-o settings, the name, a second mailbox for the same account) and
 *	builds the entry; ops_mailbox_commit() writes it.
 * DIAGNOSTICS
 *	Exit status as popconnctl(8) says; the message through ctl_fail()
 *	(the option and, where there is one, the file and line).
 * SECURITY
 *	Option values may not hold white space (mailboxes.cf splits words
 *	there) or control characters.  A secret is only passed on to the
 *	passwords file.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "alloc.h"
#include "ops.h"
#include "url.h"

#define CTL_ENTRY_MAX	(64 * 1024)

/* ops_value_ok - may this -o value go into mailboxes.cf? */

static int
ops_value_ok(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return (0);
	return (1);
}

/* ops_box_param - a mailbox setting by name, or NULL */

static const struct cfg_param *
ops_box_param(const char *name)
{
	const struct cfg_param *p;

	for (p = params_fetcher; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return ((p->flags & CFG_MAILBOX) ? p : NULL);
	return (NULL);
}

/* ops_mailbox_opt - set an -o option, checked */

int
ops_mailbox_opt(struct cfg_dict *opts, const char *name, const char *value)
{
	if (ops_box_param(name) == NULL) {
		ctl_fail(name, NULL, 0, "%s: not a setting a mailbox can "
		    "override (see popconn.cf(5))", name);
		return (EX_USAGE);
	}
	if (!ops_value_ok(value)) {
		ctl_fail(name, NULL, 0, "%s: the value may not hold white "
		    "space or control characters", name);
		return (EX_USAGE);
	}
	cfg_dict_set(opts, name, value, NULL, 0);
	return (0);
}

/* ops_mailbox_unset - mark an option to be dropped (line -1) */

int
ops_mailbox_unset(struct cfg_dict *opts, const char *name)
{
	if (ops_box_param(name) == NULL) {
		ctl_fail(name, NULL, 0, "--unset %s: not a mailbox setting",
		    name);
		return (EX_USAGE);
	}
	cfg_dict_set(opts, name, "", "unset", -1);
	return (0);
}

/* ops_opt_drop - a copy of opts without name (opts is freed) */

static struct cfg_dict *
ops_opt_drop(struct cfg_dict *opts, const char *name)
{
	struct cfg_dict *n = cfg_dict_alloc();
	size_t	i;

	for (i = 0; i < opts->n; i++)
		if (strcmp(opts->v[i].name, name) != 0)
			cfg_dict_set(n, opts->v[i].name, opts->v[i].value,
			    opts->v[i].file, opts->v[i].line);
	cfg_dict_free(opts);
	return (n);
}

/* ctl_mailbox_entry - the text of a mailboxes.cf entry; caller frees */

struct strbuf *
ctl_mailbox_entry(const char *name, const char *type, const char *url,
    const char *deliver_to, const struct cfg_dict *opts)
{
	struct strbuf *e = strbuf_alloc(CTL_ENTRY_MAX);
	size_t	i;
	int	err;

	err = strbuf_printf(e, "%s %s %s", name, type, url);
	if (deliver_to != NULL)
		err |= strbuf_appendf(e, " %s", deliver_to);
	for (i = 0; i < opts->n; i++)
		err |= strbuf_appendf(e, "\n  -o %s=%s", opts->v[i].name,
		    opts->v[i].value);
	if (err)
		return (strbuf_free(e));
	return (e);
}

/* ops_check_deliver - a deliver-to address cfg.c will take */

static int
ops_check_deliver(const char *d)
{
	if (d == NULL)
		return (0);
	if (*d == 0 || *d == '-' || !ops_value_ok(d) || strlen(d) > 320) {
		ctl_fail("deliver_to", NULL, 0, "--deliver-to %s: use an "
		    "address of at most 320 characters, without white space, "
		    "not starting with '-'", d);
		return (EX_USAGE);
	}
	return (0);
}

/* ops_edit_boxes - open mailboxes.cf, put the entries, validate */

static int
ops_edit_boxes(struct ctl *c, struct cfgedit *boxes, const struct ctl_put *v,
    size_t n, struct strbuf *why)
{
	char	path[PATH_MAX];
	size_t	i;

	memset(boxes, 0, sizeof(*boxes));
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0)
		return (EX_USAGE);
	if (cfgedit_open(boxes, CFGEDIT_MAILBOXES, path, why) != PC_OK)
		goto bad;
	for (i = 0; i < n; i++)
		if (v[i].entry != NULL && cfgedit_mailbox_put(boxes,
		    v[i].name, v[i].entry, why) != PC_OK)
			goto bad;
	if (cfgedit_validate(boxes, why) == PC_OK)
		return (0);
bad:
	ctl_err("%s", strbuf_str(why));
	return (EX_CONFIG);
}

/* ctl_mailbox_put - passwords, then entries, then one reload */

int
ctl_mailbox_put(struct ctl *c, const struct ctl_put *v, size_t n)
{
	struct cfgedit boxes, pw;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX];
	size_t	i;
	int	rc;

	memset(&pw, 0, sizeof(pw));
	if ((rc = ops_edit_boxes(c, &boxes, v, n, why)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (v[i].secret == NULL)
			continue;
		if (pw.text == NULL && (ctl_path(c, path, sizeof(path),
		    "passwords") < 0 || cfgedit_open(&pw, CFGEDIT_PASSWORDS,
		    path, why) != PC_OK)) {
			ctl_err("%s", strbuf_str(why));
			rc = EX_CONFIG;
			goto out;
		}
		if (cfgedit_password_set(&pw, v[i].name, v[i].secret, why) !=
		    PC_OK) {
			ctl_err("%s", strbuf_str(why));
			rc = EX_CONFIG;
			goto out;
		}
	}
	/* The passwords first: the fetcher never sees a box without one. */
	if ((pw.text != NULL && (rc = ctl_commit(&pw)) != 0) ||
	    (rc = ctl_commit(&boxes)) != 0)
		goto out;
	(void)ctl_reload_fetcher(c);
out:
	if (boxes.text)
		cfgedit_free(&boxes);
	if (pw.text)
		cfgedit_free(&pw);
	strbuf_free(why);
	return (rc);
}

/* ops_plan_check - the parts of a request that need no configuration */

static int
ops_plan_check(const struct ops_mailbox_req *r, struct strbuf *why)
{
	struct url u;

	if (!r->edit && (r->type == NULL || r->url == NULL)) {
		ctl_fail(r->type == NULL ? "type" : "url", NULL, 0, "mailbox "
		    "add needs --type user|global and --url "
		    "pop3s://ACCOUNT@HOST[:PORT]");
		return (EX_USAGE);
	}
	if (r->type != NULL && strcmp(r->type, "user") != 0 &&
	    strcmp(r->type, "global") != 0) {
		ctl_fail("type", NULL, 0, "--type %s: use user or global",
		    r->type);
		return (EX_USAGE);
	}
	if (r->url != NULL) {
		if (url_parse(r->url, &u, why) != PC_OK ||
		    !ops_value_ok(r->url)) {
			ctl_fail("url", NULL, 0, "--url %s: %s", r->url,
			    strbuf_len(why) ? strbuf_str(why) :
			    "white space in URL");
			url_free(&u);
			return (EX_USAGE);
		}
		url_free(&u);
	}
	return (ops_check_deliver(r->deliver_to));
}

/* ops_plan_opts - the options to write: old ones first, then the new */

static struct cfg_dict *
ops_plan_opts(const struct cfg_mailbox *old, const struct cfg_dict *req)
{
	struct cfg_dict *opts = cfg_dict_alloc();
	size_t	i;

	for (i = 0; old != NULL && i < old->opts->n; i++)
		cfg_dict_set(opts, old->opts->v[i].name,
		    old->opts->v[i].value, NULL, 0);
	for (i = 0; req != NULL && i < req->n; i++) {
		if (req->v[i].line == -1)
			opts = ops_opt_drop(opts, req->v[i].name);
		else
			cfg_dict_set(opts, req->v[i].name, req->v[i].value,
			    NULL, 0);
	}
	return (opts);
}

/* ops_mailbox_plan - check a mailbox add or edit and build its entry */

int
ops_mailbox_plan(struct ctl *c, const struct ops_mailbox_req *r,
    struct ops_mailbox_plan *p)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *old, *dup;
	struct cfg_dict *opts = NULL;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	struct ctl_put put;
	struct cfgedit boxes;
	const char *type, *url, *deliver;
	int	rc;

	memset(p, 0, sizeof(*p));
	memset(&m, 0, sizeof(m));
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	old = ctl_find_box(&m, r->name);
	if (!r->edit && old != NULL) {
		ctl_fail("name", old->file, old->line, "mailbox %s already "
		    "exists (%s, line %d); use \"popconnctl mailbox edit\"",
		    r->name, old->file, old->line);
		rc = EX_DATAERR;
		goto out;
	}
	if (r->edit && old == NULL) {
		ctl_fail("name", NULL, 0, "no mailbox %s in %s/mailboxes.cf",
		    r->name, c->dir);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ops_plan_check(r, why)) != 0)
		goto out;
	opts = ops_plan_opts(old, r->opts);
	type = r->type ? r->type : old->type;
	url = r->url ? r->url : old->url;
	deliver = r->deliver_to ? r->deliver_to : old ? old->deliver_to :
	    NULL;
	if ((dup = ctl_same_account(&m, m.n, r->name, url)) != NULL) {
		ctl_fail("url", dup->file, dup->line, "mailbox %s (%s, line "
		    "%d) already fetches this account (%s): two mailboxes "
		    "would deliver every message twice", dup->name, dup->file,
		    dup->line, dup->url);
		rc = EX_DATAERR;
		goto out;
	}
	if (deliver != NULL && strcmp(deliver, "-") == 0)
		deliver = NULL;
	if (deliver != NULL && strcmp(deliver, r->name) == 0 && !r->edit)
		deliver = NULL;
	if ((p->entry = ctl_mailbox_entry(r->name, type, url, deliver,
	    opts)) == NULL) {
		ctl_fail("name", NULL, 0, "%s: entry too long", r->name);
		rc = EX_USAGE;
		goto out;
	}
	p->name = xstrdup(r->name);
	p->need_password = r->edit ? r->password_given : !r->no_password &&
	    cfg_dict_find(opts, "password_command") == NULL;
	if (p->need_password) {
		/* A broken entry is refused before the password is asked. */
		put.name = p->name;
		put.entry = strbuf_str(p->entry);
		put.secret = NULL;
		rc = ops_edit_boxes(c, &boxes, &put, 1, why);
		if (boxes.text)
			cfgedit_free(&boxes);
	}
out:
	if (rc != 0)
		ops_mailbox_plan_free(p);
	cfg_mailboxes_free(&m);
	cfg_dict_free(opts);
	strbuf_free(why);
	return (rc);
}

/* ops_mailbox_plan_free - release a plan */

void
ops_mailbox_plan_free(struct ops_mailbox_plan *p)
{
	free(p->name);
	strbuf_free(p->entry);
	memset(p, 0, sizeof(*p));
}

/* ops_mailbox_commit - the password (if any), the entry, a reload */

int
ops_mailbox_commit(struct ctl *c, const struct ops_mailbox_plan *p,
    const char *secret)
{
	struct ctl_put put;

	put.name = p->name;
	put.entry = strbuf_str(p->entry);
	put.secret = secret;
	return (ctl_mailbox_put(c, &put, 1));
}

/* ctl_mailbox_rewrite - write mailbox m with new options (schedule) */

int
ctl_mailbox_rewrite(struct ctl *c, const struct cfg_mailbox *m,
    const struct cfg_dict *opts)
{
	struct ctl_put put = {m->name, NULL, NULL};
	struct strbuf *entry = ctl_mailbox_entry(m->name, m->type, m->url,
	    m->deliver_to, opts);
	int	rc;

	if (entry == NULL) {
		ctl_err("%s: entry too long", m->name);
		return (EX_USAGE);
	}
	put.entry = strbuf_str(entry);
	rc = ctl_mailbox_put(c, &put, 1);
	strbuf_free(entry);
	return (rc);
}

/* ops_mailbox_state_files - the UIDL state files of a mailbox that exist */

int
ops_mailbox_state_files(const struct ctl *c, const char *name,
    char files[2][PATH_MAX])
{
	static const char *const ext[] = {"uidl", "journal"};
	int	i, n = 0;

	for (i = 0; i < 2; i++) {
		if (snprintf(files[n], PATH_MAX, "%s/%s.%s",
		    c->fs.state_directory, name, ext[i]) < PATH_MAX &&
		    access(files[n], F_OK) == 0)
			n++;
	}
	return (n);
}

/* ops_mailbox_find - 0 when mailbox name exists, else why not */

int
ops_mailbox_find(struct ctl *c, const char *name)
{
	struct cfg_mailboxes m;
	int	rc;

	memset(&m, 0, sizeof(m));
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	if (ctl_find_box(&m, name) == NULL) {
		ctl_fail("name", NULL, 0, "no mailbox %s in %s/mailboxes.cf",
		    name, c->dir);
		rc = EX_DATAERR;
	}
out:
	cfg_mailboxes_free(&m);
	return (rc);
}

/*
 * ops_mailbox_forget - what the fetcher kept beside the password goes
 * with it: NAME.auth (the mechanism that worked), NAME.oauth (the
 * access token and a rotated refresh token: a credential) and NAME.tls
 * (the server's last TLS session).  The UIDL state is the caller's
 * choice (--keep-state).
 */
static void
ops_mailbox_forget(const struct ctl *c, const char *name)
{
	static const char *const ext[] = {"auth", "oauth", "tls"};
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s.%s",
		    c->fs.state_directory, name, ext[i]) >= (int)sizeof(path))
			continue;
		if (unlink(path) != 0 && errno != ENOENT)
			ctl_errno("unlink %s", path);
	}
}

/* ops_mailbox_remove - drop the entry, the password and its tokens */

int
ops_mailbox_remove(struct ctl *c, const char *name)
{
	struct cfgedit boxes, pw;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX];
	int	rc;

	memset(&pw, 0, sizeof(pw));
	memset(&boxes, 0, sizeof(boxes));
	if ((rc = ctl_load(c)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "mailboxes.cf") < 0 ||
	    cfgedit_open(&boxes, CFGEDIT_MAILBOXES, path, why) != PC_OK ||
	    cfgedit_mailbox_remove(&boxes, name, why) != PC_OK) {
		ctl_fail("name", NULL, 0, "%s", strbuf_str(why));
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = ctl_commit(&boxes)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    access(path, F_OK) == 0) {
		if (cfgedit_open(&pw, CFGEDIT_PASSWORDS, path, why) != PC_OK ||
		    cfgedit_password_remove(&pw, name, why) != PC_OK)
			ctl_err("%s", strbuf_str(why));
		else
			(void)ctl_commit(&pw);
	}
	ops_mailbox_forget(c, name);
out:
	if (boxes.text)
		cfgedit_free(&boxes);
	if (pw.text)
		cfgedit_free(&pw);
	strbuf_free(why);
	return (rc);
}

/* ops_passwd - set a mailbox's password (the mailbox must exist) */

int
ops_passwd(struct ctl *c, const char *name, const char *secret)
{
	struct cfgedit pw;
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	char	path[PATH_MAX];
	int	rc;

	memset(&pw, 0, sizeof(pw));
	if ((rc = ops_mailbox_find(c, name)) != 0)
		goto out;
	if (ctl_path(c, path, sizeof(path), "passwords") < 0 ||
	    cfgedit_open(&pw, CFGEDIT_PASSWORDS, path, why) != PC_OK ||
	    cfgedit_password_set(&pw, name, secret, why) != PC_OK) {
		ctl_fail(NULL, path, 0, "%s", strbuf_str(why));
		rc = EX_CONFIG;
		goto out;
	}
	rc = ctl_commit(&pw);
out:
	if (pw.text)
		cfgedit_free(&pw);
	strbuf_free(why);
	return (rc);
}

/* ops_mailbox_json - one mailbox as the list shows it */

static json_t *
ops_mailbox_json(const struct cfg_mailbox *b)
{
	json_t *o = json_object(), *opts = json_object();
	int	global = strcmp(b->type, "global") == 0;
	size_t	j;

	if (o == NULL || opts == NULL)
		log_fatal(EX_OSERR, "out of memory");
	(void)json_object_set_new(o, "name", ops_str(b->name));
	(void)json_object_set_new(o, "type", ops_str(b->type));
	(void)json_object_set_new(o, "url", ops_str(b->url));
	/* A global mailbox's mail is routed, not delivered to one
	 * address: no placeholder shown. */
	(void)json_object_set_new(o, "deliver_to", ops_str(global ? "" :
	    b->deliver_to ? b->deliver_to : b->name));
	(void)json_object_set_new(o, "routed", json_boolean(global));
	for (j = 0; j < b->opts->n; j++)
		(void)json_object_set_new(opts, b->opts->v[j].name,
		    ops_str(b->opts->v[j].value));
	(void)json_object_set_new(o, "options", opts);
	return (o);
}

/* ops_mailbox_list - every mailbox, in file order */

int
ops_mailbox_list(struct ctl *c, json_t **list)
{
	struct cfg_mailboxes m;
	size_t	i;
	int	rc;

	*list = NULL;
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		return (rc);
	if ((*list = json_array()) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	for (i = 0; i < m.n; i++)
		(void)json_array_append_new(*list, ops_mailbox_json(&m.v[i]));
	cfg_mailboxes_free(&m);
	return (0);
}

/* ops_setting - one setting of a mailbox and where it comes from */

static json_t *
ops_setting(const struct ctl *c, const struct cfg_mailbox *b,
    const struct cfg_param *p)
{
	const struct cfg_entry *e;
	json_t *o = json_object();

	if (o == NULL)
		log_fatal(EX_OSERR, "out of memory");
	(void)json_object_set_new(o, "name", ops_str(p->name));
	if ((e = cfg_dict_find(b->opts, p->name)) == NULL)
		e = cfg_dict_find(c->main, p->name);
	(void)json_object_set_new(o, "value", ops_str(e ? e->value :
	    p->defval ? p->defval : ""));
	(void)json_object_set_new(o, "file", e ? ops_str(e->file) :
	    json_null());
	(void)json_object_set_new(o, "line", json_integer(e ? e->line : 0));
	return (o);
}

/* ops_mailbox_show - one mailbox, its password's state, every setting */

int
ops_mailbox_show(struct ctl *c, const char *name, json_t **box)
{
	struct cfg_mailboxes m;
	const struct cfg_mailbox *b;
	const struct cfg_entry *e;
	const struct cfg_param *p;
	struct cfg_dict *pw = cfg_dict_alloc();
	struct strbuf *why = strbuf_alloc(CTL_WHY_MAX);
	json_t *set, *pass;
	char	path[PATH_MAX];
	int	rc;

	*box = NULL;
	memset(&m, 0, sizeof(m));
	if ((rc = ctl_load(c)) != 0 || (rc = ctl_load_boxes(c, &m)) != 0)
		goto out;
	if ((b = ctl_find_box(&m, name)) == NULL) {
		ctl_fail("name", NULL, 0, "no mailbox %s in %s/mailboxes.cf",
		    name, c->dir);
		rc = EX_DATAERR;
		goto out;
	}
	*box = ops_mailbox_json(b);
	(void)json_object_set_new(*box, "file", ops_str(b->file));
	(void)json_object_set_new(*box, "line", json_integer(b->line));
	pass = json_object();
	if (cfg_dict_find(b->opts, "password_command") != NULL)
		(void)json_object_set_new(pass, "state", json_string(
		    "password_command"));
	else if (ctl_path(c, path, sizeof(path), "passwords") == 0 &&
	    cfg_load_passwords(path, pw, why) == PC_OK &&
	    (e = cfg_dict_find(pw, b->name)) != NULL) {
		(void)json_object_set_new(pass, "state", json_string("set"));
		(void)json_object_set_new(pass, "file", ops_str(e->file));
		(void)json_object_set_new(pass, "line", json_integer(e->line));
	} else {
		(void)json_object_set_new(pass, "state", json_string("not set"));
		(void)json_object_set_new(pass, "why", ops_str(strbuf_str(why)));
	}
	(void)json_object_set_new(*box, "password", pass);
	set = json_array();
	for (p = params_fetcher; p->name; p++)
		if (p->flags & CFG_MAILBOX)
			(void)json_array_append_new(set, ops_setting(c, b, p));
	(void)json_object_set_new(*box, "settings", set);
out:
	cfg_mailboxes_free(&m);
	cfg_dict_free(pw);
	strbuf_free(why);
	return (rc);
}
