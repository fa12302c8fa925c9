/*
 * NAME
 *	params - the settings tables of every popconn program
 * SYNOPSIS
 *	See params.h.
 * DESCRIPTION
 *	Defaults follow the original connector where it had one (poll every
 *	15 minutes, undeliverable mail to postmaster) and Postfix's habits
 *	elsewhere.
 * DIAGNOSTICS
 *	Configuration errors are permanent and name the file and line.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stddef.h>
#include <stdio.h>

#include "popconn.h"
#include "cfg.h"
#include "params.h"

#define OFF(f)	offsetof(struct fetcher_settings, f)
#define M	CFG_MAIN
#define MB	(CFG_MAIN | CFG_MAILBOX)
#define DAY	86400LL

const struct cfg_param params_fetcher[] = {
	{"state_directory", CFG_STR, "/var/lib/popconn", 0, 0,
	OFF(state_directory), M},
	{"spool_directory", CFG_STR, "/var/spool/popconn", 0, 0,
	OFF(spool_directory), M},
	{"sendmail_path", CFG_STR, "/usr/sbin/sendmail", 0, 0,
	OFF(sendmail_path), M},
	{"postfix_config_directory", CFG_STR, "", 0, 0,
	OFF(postfix_config_directory), M},
	{"log_level", CFG_STR, "medium", 0, 0, OFF(log_level), M},
	{"maillog_file", CFG_STR, "", 0, 0, OFF(maillog_file), M},
	{"undeliverable_mailbox", CFG_STR, "postmaster", 0, 0,
	OFF(undeliverable_mailbox), M},
	{"local_domains", CFG_STR, "", 0, 0, OFF(local_domains), M},
	{"myhostname", CFG_STR, "", 0, 0, OFF(myhostname), M},
	{"marker_secret_file", CFG_STR, "/etc/popconn/marker.key", 0, 0,
	OFF(marker_secret_file), M},
	{"max_connections", CFG_INT, "20", 1, 1000, OFF(max_connections), M},
	{"shard", CFG_STR, "", 0, 0, OFF(shard), M},
	{"max_connections_per_server", CFG_INT, "20", 1, 1000,
	OFF(max_connections_per_server), M},
	{"initial_connections_per_server", CFG_INT, "4", 1, 1000,
	OFF(initial_connections_per_server), M},
	{"connection_limit_hold", CFG_TIME, "1h", 1, 7 * DAY,
	OFF(connection_limit_hold), M},
	{"control_socket", CFG_STR, "/run/popconn/fetcher.sock", 0, 0,
	OFF(control_socket), M},
	{"pid_file", CFG_STR, "/run/popconn/fetcher.pid", 0, 0, OFF(pid_file),
	M},
	{"daemon_user", CFG_STR, "popconn", 0, 0, OFF(daemon_user), M},
	{"retry_min", CFG_TIME, "1m", 1, DAY, OFF(retry_min), M},
	{"max_delivery_attempts", CFG_INT, "3", 1, 1000,
	OFF(max_delivery_attempts), M},
	{"delivery_parallelism", CFG_INT, "4", 1, 16,
	OFF(delivery_parallelism), M},
	{"hopcount_limit", CFG_INT, "50", 1, 1000, OFF(hopcount_limit), M},
	{"delivery_timeout", CFG_TIME, "10m", 1, DAY, OFF(delivery_timeout),
	M},
	{"poll_interval", CFG_TIME, "15m", 1, 7 * DAY, OFF(poll_interval),
	MB},
	{"poll_times", CFG_STR, "", 0, 0, OFF(poll_times), MB},
	{"keep_days", CFG_INT, "0", 0, 36500, OFF(keep_days), MB},
	{"connect_timeout", CFG_TIME, "30s", 1, 3600, OFF(connect_timeout),
	MB},
	{"command_timeout", CFG_TIME, "2m", 1, 3600, OFF(command_timeout),
	MB},
	{"session_timeout", CFG_TIME, "1h", 10, DAY, OFF(session_timeout),
	MB},
	{"size_limit", CFG_SIZE, "0", 0, 1LL << 40, OFF(size_limit), MB},
	{"size_limit_action", CFG_STR, "leave", 0, 0, OFF(size_limit_action),
	MB},
	{"pipeline_depth", CFG_INT, "32", 1, 100, OFF(pipeline_depth), MB},
	{"keep", CFG_BOOL, "no", 0, 0, OFF(keep), MB},
	{"tls", CFG_STR, "required", 0, 0, OFF(tls), MB},
	{"tls_ca_file", CFG_STR, "", 0, 0, OFF(tls_ca_file), MB},
	{"tls_fingerprint", CFG_STR, "", 0, 0, OFF(tls_fingerprint), MB},
	{"auth", CFG_STR, "auto", 0, 0, OFF(auth), MB},
	{"sender", CFG_STR, "auto", 0, 0, OFF(sender), MB},
	{"password_command", CFG_STR, "", 0, 0, OFF(password_command), MB},
	{"oauth_provider", CFG_STR, "", 0, 0, OFF(oauth_provider), MB},
	{"oauth_mode", CFG_STR, "user", 0, 0, OFF(oauth_mode), MB},
	{"oauth_client_id", CFG_STR, "", 0, 0, OFF(oauth_client_id), MB},
	{"oauth_client_secret_name", CFG_STR, "", 0, 0,
	OFF(oauth_client_secret_name), MB},
	{"oauth_client_certificate", CFG_STR, "", 0, 0,
	OFF(oauth_client_certificate), MB},
	{"oauth_tenant", CFG_STR, "organizations", 0, 0, OFF(oauth_tenant),
	MB},
	{"oauth_token_endpoint", CFG_STR, "", 0, 0, OFF(oauth_token_endpoint),
	MB},
	{"oauth_device_endpoint", CFG_STR, "", 0, 0,
	OFF(oauth_device_endpoint), MB},
	{"oauth_auth_endpoint", CFG_STR, "", 0, 0, OFF(oauth_auth_endpoint),
	MB},
	{"oauth_scope", CFG_STR, "", 0, 0, OFF(oauth_scope), MB},
	{"oauth_ca_file", CFG_STR, "", 0, 0, OFF(oauth_ca_file), MB},
	{"trust_envelope_headers", CFG_BOOL, "no", 0, 0,
	OFF(trust_envelope_headers), MB},
	{"duplicate_window", CFG_TIME, "7d", 0, 365 * DAY,
	OFF(duplicate_window), MB},
	{"envelope_header", CFG_STR, "", 0, 0, OFF(envelope_header), MB},
	{"envelope_header_skip", CFG_INT, "0", 0, 99,
	OFF(envelope_header_skip), MB},
	{"delivery_method", CFG_STR, "sendmail", 0, 0, OFF(delivery_method),
	MB},
	{"smtp_injection_address", CFG_STR, "127.0.0.1:10027", 0, 0,
	OFF(smtp_injection_address), MB},
	{"journal_group_size", CFG_INT, "16", 1, 1000,
	OFF(journal_group_size), M},
	{"journal_group_delay", CFG_INT, "5", 0, 1000,
	OFF(journal_group_delay), M},
	{NULL, CFG_STR, NULL, 0, 0, 0, 0},
};

#undef OFF
#define OFF(f)	offsetof(struct milter_settings, f)

const struct cfg_param params_milter[] = {
	{"milter_socket", CFG_STR, "unix:/run/popconn/milter.sock", 0, 0,
	OFF(milter_socket), M},
	{"local_domains", CFG_STR, "", 0, 0, OFF(local_domains), M},
	{"undeliverable_mailbox", CFG_STR, "postmaster", 0, 0,
	OFF(undeliverable_mailbox), M},
	{"routing_maps", CFG_STR, "", 0, 0, OFF(routing_maps), M},
	{"recipient_maps", CFG_STR, "", 0, 0, OFF(recipient_maps), M},
	{"marker_secret_file", CFG_STR, "/etc/popconn/marker.key", 0, 0,
	OFF(marker_secret_file), M},
	{"marker_max_age", CFG_TIME, "1d", 60, 30 * DAY, OFF(marker_max_age),
	M},
	{"milter_daemon_name", CFG_STR, "local-submit", 0, 0,
	OFF(milter_daemon_name), M},
	{"milter_smtp_daemon_name", CFG_STR, "popconn-smtp", 0, 0,
	OFF(milter_smtp_daemon_name), M},
	{"log_level", CFG_STR, "medium", 0, 0, OFF(log_level), M},
	{"maillog_file", CFG_STR, "", 0, 0, OFF(maillog_file), M},
	{"milter_socket_mode", CFG_STR, "0660", 0, 0,
	OFF(milter_socket_mode), M},
	{"milter_socket_group", CFG_STR, "postfix", 0, 0,
	OFF(milter_socket_group), M},
	{"max_recipients", CFG_INT, "100", 1, 10000, OFF(max_recipients), M},
	{"myhostname", CFG_STR, "", 0, 0, OFF(myhostname), M},
	{"postfix_config_directory", CFG_STR, "", 0, 0,
	OFF(postfix_config_directory), M},
	{"milter_pid_file", CFG_STR, "/run/popconn/milter.pid", 0, 0,
	OFF(milter_pid_file), M},
	{"config_check_interval", CFG_TIME, "10s", 0, DAY,
	OFF(config_check_interval), M},
	{"recipient_delimiter", CFG_STR, "", 0, 0, OFF(recipient_delimiter),
	M},
	{"milter_state_directory", CFG_STR, "/var/lib/popconn-milter", 0, 0,
	OFF(milter_state_directory), M},
	{"duplicate_store_size", CFG_INT, "100000", 100, 10000000,
	OFF(duplicate_store_size), M},
	{NULL, CFG_STR, NULL, 0, 0, 0, 0},
};

const struct cfg_param *const params_all[] = {params_fetcher, params_milter};
const size_t params_all_count = PC_ARRAY_LEN(params_all);

/* params_load_main - read DIR/popconn.cf into settings */

int
params_load_main(const char *dir, const struct cfg_param *tab,
    void *settings, struct cfg_dict **mainp, struct strbuf *why)
{
	const struct cfg_dict *layers[1];
	struct cfg_dict *d = cfg_dict_alloc();
	char	path[4096];
	int	rc;

	if (snprintf(path, sizeof(path), "%s/popconn.cf", dir) >=
	    (int)sizeof(path)) {
		strbuf_printf(why, "configuration directory name too long");
		cfg_dict_free(d);
		return (PC_PERM);
	}
	if ((rc = cfg_parse_main(path, d, why)) != PC_OK ||
	    (rc = cfg_check_known(d, params_all, params_all_count, CFG_MAIN,
	    why)) != PC_OK) {
		cfg_dict_free(d);
		return (rc);
	}
	layers[0] = d;
	if ((rc = cfg_apply(tab, layers, 1, CFG_MAIN, settings, why)) !=
	    PC_OK) {
		cfg_dict_free(d);
		return (rc);
	}
	*mainp = d;
	return (PC_OK);
}
