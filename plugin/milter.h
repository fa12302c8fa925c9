/*
 * NAME
 *	milter.h - popconn-milter callbacks, configuration and test seam
 * SYNOPSIS
 *	extern struct smfiDesc milter_desc;
 *
 *	int milter_config_load(const char *dir, int strict,
 *		struct milter_config **cp, struct strbuf *why);
 *	void milter_config_install(struct milter_config *c);
 *	struct milter_config *milter_config_acquire(void);
 *	void milter_config_release(struct milter_config *c);
 *	void milter_config_shutdown(void);
 *	int milter_reload(const char *dir, struct strbuf *why);
 *	int milter_config_changed(const struct milter_config *c,
 *		uint64_t *sig, struct strbuf *which);
 *	long long milter_config_check_interval(const struct milter_config *c);
 *
 *	void milter_shim_set(const struct milter_shim_ops *ops);
 *	void *milter_shim_getpriv(SMFICTX *ctx);
 *	int milter_shim_setpriv(SMFICTX *ctx, void *priv);
 *	const char *milter_shim_getsymval(SMFICTX *ctx, const char *name);
 *	int milter_shim_chgheader(SMFICTX *ctx, const char *name, int idx,
 *		const char *value);
 *	int milter_shim_insheader(SMFICTX *ctx, int idx, const char *name,
 *		const char *value);
 *	int milter_shim_addrcpt(SMFICTX *ctx, const char *rcpt);
 *	int milter_shim_delrcpt(SMFICTX *ctx, const char *rcpt);
 * DESCRIPTION
 *	milter_config_load() reads DIR/popconn.cf, the marker secret and
 *	every table, and builds a configuration aside.  With strict set (a
 *	reload) a table that fails to open fails the load; without it (at
 *	start) the table becomes a surrogate that fails every lookup, so
 *	marked mail is tempfailed until the table is fixed.
 *
 *	milter_config_install() makes c the current configuration; the
 *	previous one is freed once the last connection holding it ends.
 *	milter_config_acquire() takes a reference on the current one (each
 *	connection takes one at connect and keeps it to the end);
 *	milter_config_release() drops it.  The pointer swap and the
 *	reference counts are under one mutex (OpenDKIM's model).
 *
 *	milter_reload() loads strictly and installs on success; on failure
 *	the old configuration stays and why names the file and line.
 *
 *	milter_config_changed() tells whether a file c was loaded from
 *	(popconn.cf, the marker secret, each table's file: the source of
 *	texthash: and pcre:, the indexed file of hash: and the other
 *	postmap(1) types) is not as it was at load time (identity, size,
 *	times); which gets the first such file, *sig a digest of what the
 *	files are now (a reload that failed is not retried until it
 *	changes).  A file that changed while it was being loaded counts as
 *	changed.
 *
 *	The milter_shim_* functions call libmilter's smfi_* functions, or,
 *	after milter_shim_set(ops), the functions in ops: unit tests run
 *	the callbacks without an MTA (OpenDKIM's dkimf_* seam).
 * DIAGNOSTICS
 *	PC_OK, PC_TEMP or PC_PERM with the reason in why.  The shim returns
 *	MI_SUCCESS or MI_FAILURE like libmilter.
 */
#ifndef MILTER_H
#define MILTER_H

#include <stdint.h>

#include <libmilter/mfapi.h>

#include "strbuf.h"

#define MILTER_NAME		"popconn-milter"
#define MILTER_HEADERS_MAX	(1024 * 1024)	/* stored header bytes */
#define MILTER_DT_HEADER	"X-Popconn-Delivered-To"
#define MILTER_RCPT_MAX		1024	/* one envelope recipient */

struct milter_config;

struct milter_shim_ops {
	void   *(*getpriv) (SMFICTX *);
	int	(*setpriv) (SMFICTX *, void *);
	const char *(*getsymval) (SMFICTX *, const char *);
	int	(*chgheader) (SMFICTX *, const char *, int, const char *);
	int	(*insheader) (SMFICTX *, int, const char *, const char *);
	int	(*addrcpt) (SMFICTX *, const char *);
	int	(*delrcpt) (SMFICTX *, const char *);
};

extern struct smfiDesc milter_desc;

int milter_config_load(const char *dir, int strict, struct milter_config **cp,
    struct strbuf *why);
void milter_config_install(struct milter_config *c);
struct milter_config *milter_config_acquire(void);
void milter_config_release(struct milter_config *c);
void milter_config_shutdown(void);
int milter_reload(const char *dir, struct strbuf *why);
int milter_config_changed(const struct milter_config *c, uint64_t *sig,
    struct strbuf *which);
long long milter_config_check_interval(const struct milter_config *c);
const char *milter_config_socket(const struct milter_config *c);
const char *milter_config_socket_mode(const struct milter_config *c);
const char *milter_config_socket_group(const struct milter_config *c);
const char *milter_config_pid_file(const struct milter_config *c);

void milter_shim_set(const struct milter_shim_ops *ops);
void *milter_shim_getpriv(SMFICTX *ctx);
int milter_shim_setpriv(SMFICTX *ctx, void *priv);
const char *milter_shim_getsymval(SMFICTX *ctx, const char *name);
int milter_shim_chgheader(SMFICTX *ctx, const char *name, int idx,
    const char *value);
int milter_shim_insheader(SMFICTX *ctx, int idx, const char *name,
    const char *value);
int milter_shim_addrcpt(SMFICTX *ctx, const char *rcpt);
int milter_shim_delrcpt(SMFICTX *ctx, const char *rcpt);

#endif
