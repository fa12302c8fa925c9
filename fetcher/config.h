/*
 * NAME
 *	config.h - the fetcher's whole configuration, loaded as one
 * SYNOPSIS
 *	int config_load(const char *dir, struct config *c, struct strbuf *why);
 *	void config_free(struct config *c);
 * DESCRIPTION
 *	config_load() reads DIR/popconn.cf, DIR/mailboxes.cf and
 *	DIR/passwords (which may be absent when every mailbox uses
 *	password_command), and checks every mailbox by building its
 *	account once, so that a configuration that loads is one the
 *	fetcher can run.  One exception: a mailbox without a password
 *	(none in the passwords file, no password_command) is logged as a
 *	warning and loads; it fails at each poll, saying why, while the
 *	other mailboxes run.  On failure c holds nothing to free beyond
 *	what config_free() releases.
 * DIAGNOSTICS
 *	PC_OK, or PC_PERM with "FILE, line N: reason" in why.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include "cfg.h"
#include "params.h"

struct config {
	struct fetcher_settings set;
	struct cfg_dict *main;
	struct cfg_mailboxes boxes;
	struct cfg_dict *pw;
	int	log_level;
	unsigned shard_k;		/* shard = k/n; 0: all */
	unsigned shard_n;
};

int config_load(const char *dir, struct config *c, struct strbuf *why);
void config_free(struct config *c);

#endif
