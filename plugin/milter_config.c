/*
 * NAME
 *	milter_config - popconn-milter's configuration: load, watch, swap
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	See milter.h (milter_config_load() and the functions after it).
 * DESCRIPTION
 *	milter_config_load() reads popconn.cf, the marker secret, the
 *	routing and recipient tables and the Postfix parameters
 *	(pfparams.c) into one struct milter_config and remembers each file
 *	as it was (milter_config_changed() compares).  The current
 *	configuration is one pointer under milter_lock with a reference
 *	count: each milter connection holds a reference for its life, so a
 *	reload never changes the configuration under a message; the last
 *	reference frees the old one.
 * SECURITY
 *	The marker secret is wiped when a configuration is freed.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "popconn.h"
#include "alloc.h"
#include "addr.h"
#include "log.h"
#include "marker.h"
#include "params.h"
#include "pfparams.h"
#include "strbuf.h"
#include "table.h"
#include "route.h"
#include "dedupe.h"
#include "milter.h"

#include "milter_int.h"

static pthread_mutex_t milter_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_config *milter_current;

/* milter_config_free - free a configuration */

static void
milter_config_free(struct milter_config *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nwatch; i++)
		free(c->watch[i].path);
	free(c->watch);
	table_list_free(&c->routing);
	table_list_free(&c->recipients);
	route_domains_free(c->domains, c->ndomains);
	cfg_free_values(params_milter, CFG_MAIN, &c->set);
	cfg_dict_free(c->dict);
	free(c->site);
	pf_params_free(&c->pf);
	route_pfcheck_free(&c->pfcheck);
	memset(c->key, 0, sizeof(c->key));
	free(c);
}

/* milter_stat - a file's identity and times, as a watch entry */

static void
milter_stat(const char *path, struct milter_watch *w)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	if (stat(path, &st) != 0) {
		/* Missing, or unreadable: a change all the same. */
		w->state = 0;
		w->ino = (ino_t)errno;
		return;
	}
	w->state = 1;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->size = st.st_size;
	w->mtime = st.st_mtim;
	w->ctime = st.st_ctim;
}

/* milter_same - are two watch entries of one file equal? */

static int
milter_same(const struct milter_watch *a, const struct milter_watch *b)
{
	return (a->state == b->state && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec);
}

/*
 * milter_watch_add - remember a file c was loaded from.  A file changed
 * since t0 (the start of the load, less a second for coarse clocks) may
 * have been read half old, half new: it is marked unsure, so the next
 * check reloads it once more.
 */

static void
milter_watch_add(struct milter_config *c, const char *path, time_t t0)
{
	struct milter_watch *w;
	size_t	i;

	for (i = 0; i < c->nwatch; i++)
		if (strcmp(c->watch[i].path, path) == 0)
			return;
	c->watch = xrealloc(c->watch, (c->nwatch + 1) * sizeof(*c->watch));
	w = &c->watch[c->nwatch++];
	milter_stat(path, w);
	w->path = xstrdup(path);
	if (w->state == 1 && (w->mtime.tv_sec >= t0 - 1 ||
	    w->ctime.tv_sec >= t0 - 1))
		w->state = -1;
}

/* milter_watch_tables - the files behind a table list (table_file()) */

static void
milter_watch_tables(struct milter_config *c, const struct table_list *l,
    time_t t0)
{
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (table_file(l->v[i], path, sizeof(path)) == 0 &&
		    path[0] == '/')
			milter_watch_add(c, path, t0);
}

/* milter_fnv - FNV-1a over n octets */

static uint64_t
milter_fnv(uint64_t h, const void *v, size_t n)
{
	const unsigned char *p = v;

	while (n-- > 0) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return (h);
}

/* milter_config_changed - has a file c was loaded from changed? */

int
milter_config_changed(const struct milter_config *c, uint64_t *sig,
    struct strbuf *which)
{
	struct milter_watch now;
	uint64_t h = 1469598103934665603ULL;
	size_t	i;
	int	changed = 0;

	strbuf_reset(which);
	for (i = 0; i < c->nwatch; i++) {
		milter_stat(c->watch[i].path, &now);
		if (!milter_same(&now, &c->watch[i]) && !changed++)
			(void)strbuf_puts(which, c->watch[i].path);
		h = milter_fnv(h, &now.state, sizeof(now.state));
		h = milter_fnv(h, &now.dev, sizeof(now.dev));
		h = milter_fnv(h, &now.ino, sizeof(now.ino));
		h = milter_fnv(h, &now.size, sizeof(now.size));
		h = milter_fnv(h, &now.mtime.tv_sec, sizeof(now.mtime.tv_sec));
		h = milter_fnv(h, &now.mtime.tv_nsec,
		    sizeof(now.mtime.tv_nsec));
		h = milter_fnv(h, &now.ctime.tv_sec, sizeof(now.ctime.tv_sec));
		h = milter_fnv(h, &now.ctime.tv_nsec,
		    sizeof(now.ctime.tv_nsec));
	}
	*sig = h;
	return (changed != 0);
}

/* milter_config_check_interval - config_check_interval, seconds */

long long
milter_config_check_interval(const struct milter_config *c)
{
	return (c->set.config_check_interval);
}

/* milter_config_load - build a configuration aside */

int
milter_config_load(const char *dir, int strict, struct milter_config **cp,
    struct strbuf *why)
{
	struct milter_config *c = xcalloc(1, sizeof(*c));
	struct strbuf *w = strbuf_alloc(4096 + 256);
	char	host[256];
	time_t	t0 = time(NULL);
	int	rc;

	*cp = NULL;
	if ((rc = params_load_main(dir, params_milter, &c->set, &c->dict,
	    why)) != PC_OK) {
		free(c);
		strbuf_free(w);
		return (rc);
	}
	if ((rc = marker_load_key(c->set.marker_secret_file, c->key, why)) !=
	    PC_OK)
		goto fail;
	c->key_ok = 1;
	/* What cleanup does before we see a message, and Postfix's domains. */
	if (pf_params_load(c->set.postfix_config_directory, &c->pf, w) !=
	    PC_OK)
		log_warn("%s", strbuf_str(w));
	if (*c->set.local_domains)
		c->ndomains = route_domains_parse(c->set.local_domains,
		    &c->domains);
	else
		c->ndomains = route_domains_parse(c->pf.local_domains,
		    &c->domains);
	if (c->ndomains == 0)
		log_warn("%s/popconn.cf: local_domains is empty and Postfix "
		    "names no local domain: global-mailbox mail goes to %s",
		    dir, c->set.undeliverable_mailbox);
	rc = table_list_open(c->set.routing_maps,
	    c->set.postfix_config_directory, &c->routing, w);
	if (rc != PC_OK) {
		strbuf_printf(why, "routing_maps: %s", strbuf_str(w));
		if (strict)
			goto fail;
		log_error("%s (lookups will fail until it is fixed)",
		    strbuf_str(why));
	}
	rc = table_list_open(c->set.recipient_maps,
	    c->set.postfix_config_directory, &c->recipients, w);
	if (rc != PC_OK) {
		strbuf_printf(why, "recipient_maps: %s", strbuf_str(w));
		if (strict)
			goto fail;
		log_error("%s (lookups will fail until it is fixed)",
		    strbuf_str(why));
	}
	if (c->set.myhostname && *c->set.myhostname)
		c->site = xstrdup(c->set.myhostname);
	else {
		if (gethostname(host, sizeof(host)) != 0)
			pc_strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = 0;
		c->site = xstrdup(host);
	}
	c->route.domains = c->domains;
	c->route.ndomains = c->ndomains;
	c->route.undeliverable = c->set.undeliverable_mailbox;
	c->route.routing = &c->routing;
	c->route.recipients = &c->recipients;
	c->route.max_recipients = (size_t)c->set.max_recipients;
	c->route.hop_limit = ROUTE_HOP_LIMIT;
	c->route.site = c->site;
	c->route.delim = *c->set.recipient_delimiter ?
	    c->set.recipient_delimiter : c->pf.recipient_delimiter;
	c->route.token_limit = (size_t)c->pf.header_address_token_limit;
	c->route.size_limit = (size_t)c->pf.header_size_limit;
	if (c->recipients.n == 0 && c->pf.from_postconf) {
		if (route_pfcheck_open(&c->pf, c->set.postfix_config_directory,
		    &c->pfcheck, w) != PC_OK)
			log_warn("%s", strbuf_str(w));
		c->route.pfcheck = &c->pfcheck;
	}
	strbuf_reset(w);
	(void)strbuf_printf(w, "%s/popconn.cf", dir);
	milter_watch_add(c, strbuf_str(w), t0);
	milter_watch_add(c, c->set.marker_secret_file, t0);
	milter_watch_tables(c, &c->routing, t0);
	milter_watch_tables(c, &c->recipients, t0);
	milter_watch_tables(c, &c->pfcheck.local, t0);
	milter_watch_tables(c, &c->pfcheck.vmbox_maps, t0);
	milter_watch_tables(c, &c->pfcheck.valias_maps, t0);
	/* Postfix's main.cf: its domains, delimiter and limits. */
	strbuf_reset(w);
	(void)strbuf_printf(w, "%s/main.cf", *c->set.postfix_config_directory ?
	    c->set.postfix_config_directory : "/etc/postfix");
	milter_watch_add(c, strbuf_str(w), t0);
	strbuf_free(w);
	*cp = c;
	return (PC_OK);
fail:
	strbuf_free(w);
	milter_config_free(c);
	return (rc);
}

/* milter_config_install - make c current */

void
milter_config_install(struct milter_config *c)
{
	struct milter_config *old;
	int	level;

	if (c && log_level_parse(c->set.log_level, &level) == 0 &&
	    log_get_level() < LOGL_MAXIMUM)
		log_set_level(level);
	pthread_mutex_lock(&milter_lock);
	old = milter_current;
	milter_current = c;
	if (c)
		c->refcnt++;
	if (old && --old->refcnt > 0)
		old = NULL;		/* the last connection frees it */
	pthread_mutex_unlock(&milter_lock);
	milter_config_free(old);
}

/* milter_config_acquire - a reference on the current configuration */

struct milter_config *
milter_config_acquire(void)
{
	struct milter_config *c;

	pthread_mutex_lock(&milter_lock);
	if ((c = milter_current) != NULL)
		c->refcnt++;
	pthread_mutex_unlock(&milter_lock);
	return (c);
}

/* milter_config_release - drop a reference */

void
milter_config_release(struct milter_config *c)
{
	int	last;

	if (c == NULL)
		return;
	pthread_mutex_lock(&milter_lock);
	last = --c->refcnt == 0;
	pthread_mutex_unlock(&milter_lock);
	if (last)
		milter_config_free(c);
}

/* milter_config_shutdown - drop the current configuration */

void
milter_config_shutdown(void)
{
	milter_config_install(NULL);
}

/* milter_reload - load strictly, install on success */

int
milter_reload(const char *dir, struct strbuf *why)
{
	struct milter_config *c;
	int	rc;

	if ((rc = milter_config_load(dir, 1, &c, why)) != PC_OK)
		return (rc);
	milter_config_install(c);
	return (PC_OK);
}

/* milter_config_socket - milter_socket of a configuration */

const char *
milter_config_socket(const struct milter_config *c)
{
	return (c->set.milter_socket);
}

/* milter_config_socket_mode - milter_socket_mode */

const char *
milter_config_socket_mode(const struct milter_config *c)
{
	return (c->set.milter_socket_mode);
}

/* milter_config_socket_group - milter_socket_group */

const char *
milter_config_socket_group(const struct milter_config *c)
{
	return (c->set.milter_socket_group);
}

/* milter_config_pid_file - milter_pid_file */

const char *
milter_config_pid_file(const struct milter_config *c)
{
	return (c->set.milter_pid_file);
}
