/*
 * NAME
 *	params.h - the fetcher's settings (popconn.cf and mailboxes.cf -o)
 * SYNOPSIS
 *	extern const struct cfg_param params_fetcher[];
 *	int params_load_main(const char *dir, struct fetcher_settings *s,
 *		struct cfg_dict **main, struct strbuf *why);
 * DESCRIPTION
 *	One table declares every setting with its default and range
 *	(STYLE.md, Config).  Settings flagged CFG_MAILBOX may be overridden
 *	per mailbox with "-o name=value" in mailboxes.cf; a mailbox's
 *	settings are the table applied to popconn.cf and then its -o list.
 */
#ifndef PARAMS_H
#define PARAMS_H

#include "cfg.h"

struct fetcher_settings {
	/* popconn.cf only */
	char	*state_directory;
	char	*spool_directory;
	char	*sendmail_path;
	char	*postfix_config_directory;
	char	*log_level;
	char	*undeliverable_mailbox;
	char	*local_domains;
	char	*myhostname;
	long long max_connections;
	long long delivery_timeout;
	/* also per mailbox */
	long long poll_interval;
	long long connect_timeout;
	long long command_timeout;
	long long session_timeout;
	long long size_limit;
	long long pipeline_depth;
	int	keep;
	char	*tls;
	char	*tls_ca_file;
	char	*tls_fingerprint;
	char	*auth;
	char	*sender;
	char	*password_command;
};

extern const struct cfg_param params_fetcher[];

int params_load_main(const char *dir, struct fetcher_settings *s,
    struct cfg_dict **main, struct strbuf *why);

#endif
