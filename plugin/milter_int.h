/*
 * NAME
 *	milter_int.h - what milter.c and milter_config.c share
 * DESCRIPTION
 *	The configuration the callbacks run under (struct milter_config,
 *	reference-counted; milter_config.c loads, watches and swaps it) and
 *	the files it was loaded from.  Not for other modules: they use
 *	milter.h.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef MILTER_INT_H
#define MILTER_INT_H

#include <sys/types.h>
#include <time.h>

#include "cfg.h"
#include "marker.h"
#include "params.h"
#include "pfparams.h"
#include "table.h"
#include "route.h"

/* A file a configuration was loaded from, as it was then. */
struct milter_watch {
	char   *path;
	int	state;			/* 1 stat()ed, 0 missing, -1 unsure */
	dev_t	dev;
	ino_t	ino;
	off_t	size;
	struct timespec mtime;
	struct timespec ctime;
};

struct milter_config {
	int	refcnt;			/* under milter_lock */
	struct milter_watch *watch;	/* popconn.cf, secret, tables */
	size_t	nwatch;
	struct milter_settings set;
	struct cfg_dict *dict;
	unsigned char key[MARKER_KEY_LEN];
	int	key_ok;
	struct table_list routing;
	struct table_list recipients;
	char	**domains;
	size_t	ndomains;
	char	*site;
	struct pf_params pf;		/* the Postfix it works for */
	struct route_pfcheck pfcheck;	/* its recipient tables */
	struct route_config route;
};

#endif
