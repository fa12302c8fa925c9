/*
 * NAME
 *	dupdb - the milter's memory of used markers and delivered copies
 * SYNOPSIS
 *	See dupdb.h.
 * DESCRIPTION
 *	Two LMDB databases in one environment: "main" (the records) and
 *	"age" (big-endian expiry time + main key -> nothing), the second
 *	an index that lets each write transaction drop what has expired
 *	and, over the cap, what expires first, without a scan.
 *
 *	Record keys: 'c' + 16 octets of SHA-256(id ":" recipient in lower
 *	case) for a copy, 'n' + the 16 hex digits of a nonce for a marker,
 *	'k' + a name for a counter.  Values are fixed-size structures in
 *	host order (the store never leaves the machine).
 *
 *	The environment is opened with MDB_NOTLS (libmilter threads share
 *	it) and MDB_NOMETASYNC (one fsync per commit instead of two; LMDB
 *	keeps its integrity, a power cut may forget the last commit, which
 *	at worst lets one duplicate through, never loses mail).  A
 *	read-write lock lets dupdb_begin() reopen the environment when the
 *	file was deleted or replaced, or when LMDB reported damage, while
 *	no transaction is running.
 * DIAGNOSTICS
 *	See dupdb.h.  Every failure is logged once where it is noticed.
 * SECURITY
 *	The directory is made 0700 and the files 0600.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>

#include <lmdb.h>
#include <openssl/sha.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "strbuf.h"
#include "dupdb.h"

#define DUPDB_KEY_LEN	17		/* 'c' or 'n' + 16 octets */
#define DUPDB_SWEEP_MAX	256		/* entries dropped per transaction */
#define DUPDB_REOPEN_GAP 10		/* seconds between reopen attempts */

struct dupdb {
	pthread_rwlock_t lock;		/* env swap vs. transactions */
	pthread_mutex_t reopen;		/* one reopen at a time */
	char   *dir;
	char   *file;			/* dir/data.mdb */
	MDB_env *env;			/* NULL: unusable now */
	MDB_dbi	main;
	MDB_dbi	age;
	dev_t	dev;
	ino_t	ino;
	long long max;
	int	rdonly;
	int	broken;			/* LMDB reported damage */
	time_t	last_try;
};

struct dupdb_txn {
	struct dupdb *db;
	MDB_txn	*txn;
	int	write;
	time_t	now;
};

struct dupdb_nrec {
	int64_t	expires;
	int64_t	t;
	uint32_t uses;
	char	rdigest[33];
	char	qid[DUPDB_QID_MAX];
};

struct dupdb_crec {
	int64_t	expires;
	int64_t	t;
	char	nonce[17];
	char	qid[DUPDB_QID_MAX];
};

/* dupdb_damage - is this an LMDB error that means a damaged store? */

static int
dupdb_damage(int rc)
{
	return (rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PANIC ||
	    rc == MDB_VERSION_MISMATCH || rc == MDB_PAGE_NOTFOUND ||
	    rc == MDB_INCOMPATIBLE);
}

/* dupdb_env_close - close the environment, if any */

static void
dupdb_env_close(struct dupdb *db)
{
	if (db->env)
		mdb_env_close(db->env);
	db->env = NULL;
}

/* dupdb_mapsize - the map size for a cap of max entries */

static size_t
dupdb_mapsize(long long max)
{
	size_t	mapsize = (size_t)(max > 0 ? max : 1) * 2048;

	return (mapsize < 16UL * 1024 * 1024 ? 16UL * 1024 * 1024 : mapsize);
}

/* dupdb_try - one attempt to open dir; LMDB's code or an errno */

static int
dupdb_try(struct dupdb *db, struct strbuf *why)
{
	MDB_txn	*txn = NULL;
	struct stat st;
	size_t	mapsize = dupdb_mapsize(db->max);
	int	rc;

	if ((rc = mdb_env_create(&db->env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_maxdbs(db->env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(db->env, mapsize)) != 0)
		goto fail;
	if ((rc = mdb_env_open(db->env, db->dir, MDB_NOTLS | MDB_NOMETASYNC |
	    (db->rdonly ? MDB_RDONLY : 0), 0600)) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(db->env, NULL, db->rdonly ? MDB_RDONLY : 0,
	    &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "main", db->rdonly ? 0 : MDB_CREATE,
	    &db->main)) != 0 || (rc = mdb_dbi_open(txn, "age", db->rdonly ?
	    0 : MDB_CREATE, &db->age)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	if (stat(db->file, &st) == 0) {
		db->dev = st.st_dev;
		db->ino = st.st_ino;
	}
	db->broken = 0;
	return (0);
fail:
	strbuf_printf(why, "%s: %s", db->dir, mdb_strerror(rc));
	dupdb_env_close(db);
	return (rc);
}

/*
 * dupdb_walk - read every page in use (child process): 0, or 2 when LMDB
 * says the store is damaged, 3 when it cannot be opened at all.
 */

static int
dupdb_walk(const char *dir, size_t mapsize)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_cursor *cur;
	MDB_dbi	dbi[4] = {0, 1, 0, 0};
	MDB_val	k, v;
	size_t	i;
	int	rc;

	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 2) != 0 ||
	    mdb_env_set_mapsize(env, mapsize) != 0)
		return (3);
	if ((rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600)) != 0)
		return (dupdb_damage(rc) ? 2 : 3);
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		return (dupdb_damage(rc) ? 2 : 3);
	if ((rc = mdb_dbi_open(txn, "main", 0, &dbi[2])) != 0 ||
	    (rc = mdb_dbi_open(txn, "age", 0, &dbi[3])) != 0)
		return (rc == MDB_NOTFOUND ? 0 : 2);
	for (i = 0; i < PC_ARRAY_LEN(dbi); i++) {
		if (mdb_cursor_open(txn, dbi[i], &cur) != 0)
			return (2);
		while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
			if (v.mv_size > 0)	/* touch overflow pages too */
				(void)((volatile const char *)v.mv_data)[
				    v.mv_size - 1];
		if (rc != MDB_NOTFOUND)
			return (2);
		mdb_cursor_close(cur);
	}
	return (0);
}

/*
 * dupdb_verify - is an existing store sound?  LMDB checks its meta pages
 * when it opens a file, not the pages below them: a store damaged on
 * disk can make it read out of bounds or fail an assertion, which would
 * take the milter down at every message.  So every page in use is read
 * once, in a child process, before the store is used: 1 when the child
 * found damage or died, else 0.
 */

static int
dupdb_verify(struct dupdb *db, size_t mapsize)
{
	pid_t	pid;
	int	status;

	if (access(db->file, F_OK) != 0)
		return (0);
	if ((pid = fork()) < 0)
		return (0);			/* cannot check: go on */
	if (pid == 0) {
		/* Die of what LMDB does on a bad page, whatever the parent
		 * (or a sanitizer) installed. */
		static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL,
		SIGFPE, SIGALRM};
		size_t	i;

		for (i = 0; i < PC_ARRAY_LEN(sigs); i++)
			(void)signal(sigs[i], SIG_DFL);
		(void)alarm(60);
		_exit(dupdb_walk(db->dir, mapsize));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (0);
	/* 0: sound; 3: could not look (the open that follows says why). */
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
	    WEXITSTATUS(status) == 3))
		return (0);
	return (1);
}

/* dupdb_env_open - open, moving a damaged store aside once */

static int
dupdb_env_open(struct dupdb *db, struct strbuf *why)
{
	char	aside[PATH_MAX], lock[PATH_MAX];
	int	rc = 0, was_broken = db->broken && !db->rdonly;

	if (!db->rdonly && mkdir(db->dir, 0700) != 0 && errno != EEXIST) {
		strbuf_printf(why, "mkdir %s: %s", db->dir, strerror(errno));
		return (PC_TEMP);
	}
	/*
	 * A reader (popconnctl, often root) never makes a file: a lock
	 * file it created would belong to it, and the milter's user could
	 * not open the store any more.
	 */
	(void)snprintf(lock, sizeof(lock), "%s/lock.mdb", db->dir);
	if (db->rdonly && (access(db->file, F_OK) != 0 || access(lock, F_OK)
	    != 0)) {
		strbuf_printf(why, "%s: no store (nothing recorded yet)",
		    db->dir);
		return (PC_PERM);
	}
	/* Damage LMDB found inside a store it could open: move it aside. */
	if (!was_broken && !db->rdonly && dupdb_verify(db, dupdb_mapsize(
	    db->max))) {
		was_broken = 1;
		strbuf_printf(why, "pages that cannot be read");
	} else if (!was_broken && (rc = dupdb_try(db, why)) == 0)
		return (PC_OK);
	if (db->rdonly || !(was_broken || dupdb_damage(rc)))
		return (PC_TEMP);
	if (was_broken && why->len == 0)
		strbuf_printf(why, "LMDB reported damage");
	(void)snprintf(aside, sizeof(aside), "%s.broken-%lld", db->file,
	    (long long)time(NULL));
	if (rename(db->file, aside) != 0) {
		strbuf_appendf(why, "; cannot move it aside: %s",
		    strerror(errno));
		return (PC_TEMP);
	}
	(void)unlink(lock);
	log_error("%s: the duplicate store is damaged (%s): moved to %s; "
	    "starting with an empty one", db->dir, strbuf_str(why), aside);
	strbuf_reset(why);
	if (dupdb_try(db, why) != 0)
		return (PC_TEMP);
	return (PC_OK);
}

/* dupdb_open - open (or make) the store in dir */

int
dupdb_open(const char *dir, long long max_entries, int rdonly,
    struct dupdb **dbp, struct strbuf *why)
{
	struct dupdb *db = xcalloc(1, sizeof(*db));
	int	rc;

	*dbp = NULL;
	pthread_rwlock_init(&db->lock, NULL);
	pthread_mutex_init(&db->reopen, NULL);
	db->dir = xstrdup(dir);
	db->file = xmalloc(strlen(dir) + sizeof("/data.mdb"));
	(void)snprintf(db->file, strlen(dir) + sizeof("/data.mdb"),
	    "%s/data.mdb", dir);
	db->max = max_entries;
	db->rdonly = rdonly;
	db->last_try = time(NULL);
	rc = dupdb_env_open(db, why);
	if (rc != PC_OK && rdonly) {
		dupdb_close(db);
		return (rc);
	}
	/* Read-write: a store that cannot be opened now is tried again. */
	*dbp = db;
	return (rc);
}

/* dupdb_close - close and free */

struct dupdb *
dupdb_close(struct dupdb *db)
{
	if (db == NULL)
		return (NULL);
	dupdb_env_close(db);
	pthread_rwlock_destroy(&db->lock);
	pthread_mutex_destroy(&db->reopen);
	free(db->dir);
	free(db->file);
	free(db);
	return (NULL);
}

/* dupdb_dir - the store's directory */

const char *
dupdb_dir(const struct dupdb *db)
{
	return (db->dir);
}

/* dupdb_stale - must the environment be opened again? */

static int
dupdb_stale(struct dupdb *db, const char **what)
{
	struct stat st;

	if (db->env == NULL) {
		*what = "not open";
		return (1);
	}
	if (db->broken) {
		*what = "damaged";
		return (1);
	}
	if (stat(db->file, &st) != 0) {
		*what = "deleted";
		return (1);
	}
	if (st.st_dev != db->dev || st.st_ino != db->ino) {
		*what = "replaced";
		return (1);
	}
	return (0);
}

/* dupdb_check - reopen a deleted, replaced or damaged store */

static void
dupdb_check(struct dupdb *db)
{
	struct strbuf *why;
	const char *what;
	time_t	now = time(NULL);

	pthread_rwlock_rdlock(&db->lock);
	if (!dupdb_stale(db, &what)) {
		pthread_rwlock_unlock(&db->lock);
		return;
	}
	pthread_rwlock_unlock(&db->lock);
	pthread_mutex_lock(&db->reopen);
	pthread_rwlock_wrlock(&db->lock);
	if (dupdb_stale(db, &what) && (db->env != NULL || now -
	    db->last_try >= DUPDB_REOPEN_GAP)) {
		why = strbuf_alloc(1024);
		db->last_try = now;
		if (db->env != NULL)
			log_error("%s: the duplicate store was %s: opening it "
			    "again (what it remembered is gone)", db->dir,
			    what);
		dupdb_env_close(db);
		if (dupdb_env_open(db, why) != PC_OK)
			log_error("duplicate store: %s; going on without it",
			    strbuf_str(why));
		strbuf_free(why);
	}
	pthread_rwlock_unlock(&db->lock);
	pthread_mutex_unlock(&db->reopen);
}

/* dupdb_fail - log an LMDB error; remember damage */

static void
dupdb_fail(struct dupdb *db, const char *op, int rc)
{
	if (dupdb_damage(rc))
		db->broken = 1;
	log_error("%s: duplicate store: %s: %s", db->dir, op,
	    mdb_strerror(rc));
}

/* age_key - big-endian expiry, then the main key */

static void
age_key(unsigned char out[8 + DUPDB_KEY_LEN], int64_t expires,
    const unsigned char *key)
{
	uint64_t e = (uint64_t)(expires < 0 ? 0 : expires);
	int	i;

	for (i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(e & 0xff);
		e >>= 8;
	}
	memcpy(out + 8, key, DUPDB_KEY_LEN);
}

/* sweep - drop expired entries, and the first to expire over the cap */

static int
sweep(struct dupdb_txn *t)
{
	struct dupdb *db = t->db;
	MDB_cursor *cur;
	MDB_stat st;
	MDB_val	k, v, mk;
	size_t	n = 0, entries;
	int64_t	e;
	int	rc, i;

	if ((rc = mdb_stat(t->txn, db->age, &st)) != 0)
		return (rc);
	entries = st.ms_entries;
	if ((rc = mdb_cursor_open(t->txn, db->age, &cur)) != 0)
		return (rc);
	while (n < DUPDB_SWEEP_MAX && (rc = mdb_cursor_get(cur, &k, &v,
	    MDB_FIRST)) == 0) {
		const unsigned char *p = k.mv_data;

		if (k.mv_size != 8 + DUPDB_KEY_LEN) {
			rc = mdb_cursor_del(cur, 0);	/* not ours */
			if (rc != 0)
				break;
			continue;
		}
		for (e = 0, i = 0; i < 8; i++)
			e = (int64_t)(((uint64_t)e << 8) | p[i]);
		if (e > (int64_t)t->now && (db->max <= 0 ||
		    entries <= (size_t)db->max))
			break;
		mk.mv_size = DUPDB_KEY_LEN;
		mk.mv_data = (void *)(uintptr_t)(p + 8);
		rc = mdb_del(t->txn, db->main, &mk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		entries--;
		n++;
	}
	mdb_cursor_close(cur);
	return (rc == MDB_NOTFOUND ? 0 : rc);
}

/* dupdb_begin - a transaction; a write one sweeps first */

int
dupdb_begin(struct dupdb *db, int write, struct dupdb_txn **tp,
    struct strbuf *why)
{
	struct dupdb_txn *t;
	int	rc;

	*tp = NULL;
	if (db == NULL) {
		strbuf_printf(why, "no duplicate store");
		return (PC_TEMP);
	}
	if (!db->rdonly)
		dupdb_check(db);
	pthread_rwlock_rdlock(&db->lock);
	if (db->env == NULL) {
		pthread_rwlock_unlock(&db->lock);
		strbuf_printf(why, "%s: the duplicate store is not open",
		    db->dir);
		return (PC_TEMP);
	}
	t = xcalloc(1, sizeof(*t));
	t->db = db;
	t->write = write && !db->rdonly;
	t->now = time(NULL);
	if ((rc = mdb_txn_begin(db->env, NULL, t->write ? 0 : MDB_RDONLY,
	    &t->txn)) != 0) {
		strbuf_printf(why, "%s: %s", db->dir, mdb_strerror(rc));
		if (dupdb_damage(rc))
			db->broken = 1;
		pthread_rwlock_unlock(&db->lock);
		free(t);
		return (PC_TEMP);
	}
	if (t->write && (rc = sweep(t)) != 0) {
		strbuf_printf(why, "%s: expiry: %s", db->dir, mdb_strerror(rc));
		if (dupdb_damage(rc))
			db->broken = 1;
		dupdb_abort(t);
		return (PC_TEMP);
	}
	*tp = t;
	return (PC_OK);
}

/* dupdb_commit - commit (a read transaction just ends) */

int
dupdb_commit(struct dupdb_txn *t, struct strbuf *why)
{
	struct dupdb *db = t->db;
	int	rc = 0;

	if (t->write)
		rc = mdb_txn_commit(t->txn);
	else
		mdb_txn_abort(t->txn);
	if (rc != 0) {
		strbuf_printf(why, "%s: commit: %s", db->dir, mdb_strerror(rc));
		if (dupdb_damage(rc))
			db->broken = 1;
	}
	pthread_rwlock_unlock(&db->lock);
	free(t);
	return (rc == 0 ? PC_OK : PC_TEMP);
}

/* dupdb_abort - forget the transaction */

void
dupdb_abort(struct dupdb_txn *t)
{
	struct dupdb *db;

	if (t == NULL)
		return;
	db = t->db;
	mdb_txn_abort(t->txn);
	pthread_rwlock_unlock(&db->lock);
	free(t);
}

/* put_aged - store key -> val and its age entry (old one replaced) */

static int
put_aged(struct dupdb_txn *t, const unsigned char *key, const void *val,
    size_t vlen, int64_t expires, int64_t old_expires)
{
	unsigned char ak[8 + DUPDB_KEY_LEN];
	MDB_val	k, v, e;
	int	rc;

	k.mv_size = 8 + DUPDB_KEY_LEN;
	k.mv_data = ak;
	if (old_expires >= 0) {
		age_key(ak, old_expires, key);
		rc = mdb_del(t->txn, t->db->age, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return (rc);
	}
	age_key(ak, expires, key);
	e.mv_size = 0;
	e.mv_data = NULL;
	if ((rc = mdb_put(t->txn, t->db->age, &k, &e, 0)) != 0)
		return (rc);
	k.mv_size = DUPDB_KEY_LEN;
	k.mv_data = (void *)(uintptr_t)key;
	v.mv_size = vlen;
	v.mv_data = (void *)(uintptr_t)val;
	return (mdb_put(t->txn, t->db->main, &k, &v, 0));
}

/* copy_str - bounded copy of a string into a fixed field */

static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t	n = src ? strnlen(src, size - 1) : 0;

	memset(dst, 0, size);
	if (n)
		memcpy(dst, src, n);
}

/* dupdb_nonce - record a marker nonce; new, retry or replay? */

int
dupdb_nonce(struct dupdb_txn *t, const char *nonce, const char *rdigest,
    time_t expires, const char *qid, time_t now, struct dupdb_nonce *prev)
{
	unsigned char key[DUPDB_KEY_LEN];
	struct dupdb_nrec rec;
	MDB_val	k, v;
	int64_t	old = -1;
	int	rc, ans = DUPDB_NEW;

	memset(prev, 0, sizeof(*prev));
	key[0] = 'n';
	memset(key + 1, 0, DUPDB_KEY_LEN - 1);
	memcpy(key + 1, nonce, strnlen(nonce, DUPDB_KEY_LEN - 1));
	k.mv_size = DUPDB_KEY_LEN;
	k.mv_data = key;
	rc = mdb_get(t->txn, t->db->main, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(rec)) {
		memcpy(&rec, v.mv_data, sizeof(rec));
		rec.rdigest[sizeof(rec.rdigest) - 1] = 0;
		rec.qid[sizeof(rec.qid) - 1] = 0;
		prev->t = rec.t;
		prev->uses = rec.uses;
		memcpy(prev->qid, rec.qid, sizeof(prev->qid));
		if (rec.expires > (int64_t)now) {
			ans = strcmp(rec.rdigest, rdigest) == 0 ? DUPDB_RETRY :
			    DUPDB_REPLAY;
			old = rec.expires;
		}
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		dupdb_fail(t->db, "marker lookup", rc);
		return (PC_TEMP);
	}
	if (!t->write || ans == DUPDB_REPLAY)
		return (ans);
	if (ans == DUPDB_NEW) {
		memset(&rec, 0, sizeof(rec));
		rec.t = now;
		copy_str(rec.rdigest, sizeof(rec.rdigest), rdigest);
		copy_str(rec.qid, sizeof(rec.qid), qid);
	}
	rec.uses = ans == DUPDB_NEW ? 1 : rec.uses + 1;
	rec.expires = expires;
	if ((rc = put_aged(t, key, &rec, sizeof(rec), rec.expires, old)) !=
	    0) {
		dupdb_fail(t->db, "marker record", rc);
		return (PC_TEMP);
	}
	return (ans);
}

/* dupdb_copy - has rcpt had message id?  Record this copy if not. */

int
dupdb_copy(struct dupdb_txn *t, const char *id, const char *rcpt,
    const char *nonce, const char *qid, time_t now, long long window,
    int record, struct dupdb_copy *first)
{
	unsigned char key[DUPDB_KEY_LEN], md[32];
	struct dupdb_crec rec;
	char	buf[64 + 2 + 1024];
	size_t	n;
	MDB_val	k, v;
	int64_t	old = -1;
	size_t	i;
	int	rc;

	memset(first, 0, sizeof(*first));
	n = (size_t)snprintf(buf, sizeof(buf), "%.64s:", id);
	for (i = 0; rcpt[i] && n < sizeof(buf); i++)
		buf[n++] = (char)tolower((unsigned char)rcpt[i]);
	SHA256((const unsigned char *)buf, n, md);
	key[0] = 'c';
	memcpy(key + 1, md, DUPDB_KEY_LEN - 1);
	k.mv_size = DUPDB_KEY_LEN;
	k.mv_data = key;
	rc = mdb_get(t->txn, t->db->main, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(rec)) {
		memcpy(&rec, v.mv_data, sizeof(rec));
		rec.nonce[sizeof(rec.nonce) - 1] = 0;
		rec.qid[sizeof(rec.qid) - 1] = 0;
		first->t = rec.t;
		memcpy(first->nonce, rec.nonce, sizeof(first->nonce));
		memcpy(first->qid, rec.qid, sizeof(first->qid));
		if (strcmp(rec.nonce, nonce) == 0)
			return (0);		/* this injection, again */
		if (window < 0 ? rec.expires > (int64_t)now :
		    (long long)now - rec.t < window)
			return (1);
		old = rec.expires;		/* expired: a new first copy */
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		dupdb_fail(t->db, "copy lookup", rc);
		return (PC_TEMP);
	}
	if (!t->write || !record)
		return (0);
	memset(&rec, 0, sizeof(rec));
	rec.t = now;
	rec.expires = now + window;
	copy_str(rec.nonce, sizeof(rec.nonce), nonce);
	copy_str(rec.qid, sizeof(rec.qid), qid);
	if ((rc = put_aged(t, key, &rec, sizeof(rec), rec.expires, old)) !=
	    0) {
		dupdb_fail(t->db, "copy record", rc);
		return (PC_TEMP);
	}
	return (0);
}

/* dupdb_count - add to a counter, return its total */

int
dupdb_count(struct dupdb_txn *t, const char *name, long long add,
    unsigned long long *total)
{
	char	key[1 + 128];
	uint64_t n = 0;
	MDB_val	k, v;
	size_t	len = strnlen(name, sizeof(key) - 1);
	int	rc;

	key[0] = 'k';
	memcpy(key + 1, name, len);
	k.mv_size = 1 + len;
	k.mv_data = key;
	rc = mdb_get(t->txn, t->db->main, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(n))
		memcpy(&n, v.mv_data, sizeof(n));
	else if (rc != 0 && rc != MDB_NOTFOUND) {
		dupdb_fail(t->db, "counter", rc);
		return (PC_TEMP);
	}
	if (add != 0 && t->write) {
		n += (uint64_t)add;
		v.mv_size = sizeof(n);
		v.mv_data = &n;
		if ((rc = mdb_put(t->txn, t->db->main, &k, &v, 0)) != 0) {
			dupdb_fail(t->db, "counter", rc);
			return (PC_TEMP);
		}
	}
	*total = n;
	return (PC_OK);
}

/* dupdb_entries - how many markers and copies are remembered */

int
dupdb_entries(struct dupdb *db, unsigned long long *n)
{
	struct dupdb_txn *t;
	struct strbuf *why = strbuf_alloc(512);
	MDB_stat st;
	int	rc;

	*n = 0;
	if (dupdb_begin(db, 0, &t, why) != PC_OK) {
		strbuf_free(why);
		return (PC_TEMP);
	}
	rc = mdb_stat(t->txn, db->age, &st);
	if (rc == 0)
		*n = st.ms_entries;
	dupdb_abort(t);
	strbuf_free(why);
	return (rc == 0 ? PC_OK : PC_TEMP);
}
