/*
 * NAME
 *	config - the fetcher's whole configuration, loaded as one
 * SYNOPSIS
 *	See config.h.
 * DESCRIPTION
 *	Every mailbox is checked at load time (settings, URL, password or
 *	password_command, marker key of global mailboxes), so that a reload
 *	with a broken file is refused as a whole.
 * DIAGNOSTICS
 *	Configuration errors are permanent and name the file and line.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "popconn.h"
#include "log.h"
#include "cfg.h"
#include "params.h"
#include "account.h"
#include "config.h"

/* config_free - release a loaded configuration */

void
config_free(struct config *c)
{
	cfg_free_values(params_fetcher, CFG_MAIN, &c->set);
	c->main = cfg_dict_free(c->main);
	cfg_mailboxes_free(&c->boxes);
	c->pw = cfg_dict_free(c->pw);
}

/* config_load - read all three files and check every mailbox */

int
config_load(const char *dir, struct config *c, struct strbuf *why)
{
	struct account a;
	char	path[4096];
	size_t	i;
	int	rc;

	memset(c, 0, sizeof(*c));
	c->pw = cfg_dict_alloc();
	if (params_load_main(dir, params_fetcher, &c->set, &c->main, why) !=
	    PC_OK)
		return (PC_PERM);
	if (log_level_parse(c->set.log_level, &c->log_level) != 0) {
		strbuf_printf(why, "%s/popconn.cf: log_level = %s: use none, "
		    "minimum, medium or maximum", dir, c->set.log_level);
		return (PC_PERM);
	}
	if (*c->set.shard) {
		char	tail;

		if (sscanf(c->set.shard, "%u/%u%c", &c->shard_k, &c->shard_n,
		    &tail) != 2 || c->shard_n < 1 || c->shard_n > 1000 ||
		    c->shard_k < 1 || c->shard_k > c->shard_n) {
			strbuf_printf(why, "%s/popconn.cf: shard = %s: use k/n "
			    "with 1 <= k <= n <= 1000 (this fetcher takes the "
			    "k-th of n parts)", dir, c->set.shard);
			return (PC_PERM);
		}
	}
	if (snprintf(path, sizeof(path), "%s/mailboxes.cf", dir) >=
	    (int)sizeof(path) ||
	    cfg_parse_mailboxes(path, &c->boxes, why) != PC_OK)
		return (PC_PERM);
	if (snprintf(path, sizeof(path), "%s/passwords", dir) >=
	    (int)sizeof(path))
		return (PC_PERM);
	if (access(path, F_OK) == 0 &&
	    cfg_load_passwords(path, c->pw, why) != PC_OK)
		return (PC_PERM);
	for (i = 0; i < c->boxes.n; i++) {
		strbuf_reset(why);
		rc = account_load(&a, &c->boxes.v[i], c->main, c->pw, why);
		/*
		 * A missing password is a state, not a broken file: that
		 * mailbox fails at each poll (and says why in the status),
		 * the others run.  Anything else refuses the configuration.
		 */
		if (rc != PC_OK && a.no_password) {
			log_warn("%s: this mailbox is not fetched until it has "
			    "one", strbuf_str(why));
			rc = PC_OK;
		}
		account_free(&a);
		if (rc != PC_OK)
			return (PC_PERM);
	}
	strbuf_reset(why);
	return (PC_OK);
}
