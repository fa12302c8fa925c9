/*
 * NAME
 *	params.h - every popconn.cf setting, per program
 * SYNOPSIS
 *	extern const struct cfg_param params_fetcher[];
 *	extern const struct cfg_param params_milter[];
 *	extern const struct cfg_param *const params_all[];
 *	extern const size_t params_all_count;
 *	int params_load_main(const char *dir, const struct cfg_param *tab,
 *		void *settings, struct cfg_dict **main, struct strbuf *why);
 * DESCRIPTION
 *	One table declares every setting with its default and range
 *	(STYLE.md, Config).  Settings flagged CFG_MAILBOX may be overridden
 *	per mailbox with "-o name=value" in mailboxes.cf; a mailbox's
 *	settings are the table applied to popconn.cf and then its -o list.
 *
 *	popconn.cf is shared by the programs: a name is unknown only when
 *	no program's table declares it (params_all).  params_load_main()
 *	reads DIR/popconn.cf, checks every name against params_all and
 *	applies tab to settings; the dictionary is returned for mailboxes.
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
	char	*maillog_file;
	char	*undeliverable_mailbox;
	char	*local_domains;
	char	*myhostname;
	char	*marker_secret_file;
	long long max_connections;
	long long max_connections_per_server;	/* the ceiling */
	long long initial_connections_per_server;	/* where it starts */
	long long connection_limit_hold;	/* no growth after a refusal */
	char	*shard;			/* "k/n", "": all mailboxes */
	long long delivery_timeout;
	long long delivery_parallelism;
	long long hopcount_limit;
	char	*control_socket;
	char	*pid_file;
	char	*daemon_user;
	long long retry_min;
	long long max_delivery_attempts;
	/* also per mailbox */
	long long poll_interval;
	char	*poll_times;
	long long keep_days;
	long long connect_timeout;
	long long command_timeout;
	long long session_timeout;
	long long size_limit;
	long long pipeline_depth;
	int	keep;
	char	*size_limit_action;
	int	size_limit_delete;	/* set from size_limit_action */
	char	*tls;
	char	*tls_ca_file;
	char	*tls_fingerprint;
	char	*auth;
	char	*sender;
	char	*password_command;
	/* OAuth 2.0 sign-in (lib/oauth.c, fetcher/oauth_token.c) */
	char	*oauth_provider;	/* "": off */
	char	*oauth_mode;		/* user or app */
	char	*oauth_client_id;
	char	*oauth_client_secret_name;	/* passwords entry */
	char	*oauth_client_certificate;	/* PEM: cert + key */
	char	*oauth_tenant;
	char	*oauth_token_endpoint;
	char	*oauth_device_endpoint;
	char	*oauth_auth_endpoint;
	char	*oauth_scope;
	char	*oauth_ca_file;
	int	trust_envelope_headers;
	/* global mailboxes: dedupe and envelope headers (dedupe.c) */
	long long duplicate_window;
	char	*envelope_header;
	long long envelope_header_skip;
	/* delivery (deliver.h) */
	char	*delivery_method;	/* "sendmail", "smtp" */
	char	*smtp_injection_address;	/* host:port, unix:PATH */
	/* the UIDL journal's group commit (uidl_state.h); popconn.cf only */
	long long journal_group_size;
	long long journal_group_delay;	/* milliseconds */
};

/* popconn-milter (plugin/): global-mailbox routing. */
struct milter_settings {
	char	*milter_socket;
	char	*local_domains;
	char	*undeliverable_mailbox;
	char	*routing_maps;
	char	*recipient_maps;
	char	*marker_secret_file;
	long long marker_max_age;
	char	*milter_daemon_name;
	char	*milter_smtp_daemon_name;	/* the SMTP listener's */
	char	*log_level;
	char	*maillog_file;
	char	*milter_socket_mode;
	char	*milter_socket_group;
	long long max_recipients;
	char	*myhostname;
	char	*postfix_config_directory;
	char	*milter_pid_file;
	long long config_check_interval;
	char	*recipient_delimiter;	/* "": Postfix's */
	/* the duplicate and marker memory (dupdb.h) */
	char	*milter_state_directory;
	long long duplicate_store_size;
};

extern const struct cfg_param params_fetcher[];
extern const struct cfg_param params_milter[];
extern const struct cfg_param *const params_all[];
extern const size_t params_all_count;

int params_load_main(const char *dir, const struct cfg_param *tab,
    void *settings, struct cfg_dict **main, struct strbuf *why);

#endif
