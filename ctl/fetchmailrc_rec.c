/*
 * NAME
 *	fetchmailrc_rec - the .fetchmailrc reader's records: free and copy
 * SYNOPSIS
 *	#include "fetchmailrc_int.h"
 *
 *	void fm_server_free(struct fm_server *s);
 *	void fm_server_copy(struct fm_server *dst, const struct fm_server *src);
 *	void fm_locals_free(struct fm_user *u);
 *	void fm_user_free(struct fm_user *u);
 *	void fm_user_copy(struct fm_user *dst, const struct fm_user *src);
 *	void fm_set_str(char **field, const char *value);
 * DESCRIPTION
 *	A server record (poll ... via ...) and a user record (user ...
 *	there is ... here) as fetchmailrc.c fills them in.  The free
 *	functions leave a record at its defaults (fetchmail's: any
 *	authentication, no timeout, the tri-state options unset); the
 *	copies are deep.
 * SECURITY
 *	fm_user_free() wipes the password before it frees it.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fetchmailrc_int.h"

/* fm_server_free - release a server record */

void
fm_server_free(struct fm_server *s)
{
	free(s->poll);
	free(s->via);
	memset(s, 0, sizeof(*s));
	s->timeout = -1;
	s->auth_word = "any";
	s->auth_mech = "";
}

/* fm_server_copy - dst = a deep copy of src */

void
fm_server_copy(struct fm_server *dst, const struct fm_server *src)
{
	fm_server_free(dst);
	*dst = *src;
	dst->poll = src->poll ? xstrdup(src->poll) : NULL;
	dst->via = src->via ? xstrdup(src->via) : NULL;
}

/* fm_locals_free - drop the local names of an entry */

void
fm_locals_free(struct fm_user *u)
{
	size_t	i;

	for (i = 0; i < u->nlocal; i++)
		free(u->local[i]);
	free(u->local);
	u->local = NULL;
	u->nlocal = 0;
	u->star = u->maps = 0;
}

/* fm_user_free - release a user record; wipes the password */

void
fm_user_free(struct fm_user *u)
{
	if (u->password)
		xfree_secret(u->password);
	free(u->remote);
	free(u->certfile);
	free(u->certpath);
	fm_locals_free(u);
	memset(u, 0, sizeof(*u));
	u->ssl = u->keep = u->limitflush = -1;
	u->limit = -1;
}

/* fm_user_copy - dst = a deep copy of src */

void
fm_user_copy(struct fm_user *dst, const struct fm_user *src)
{
	size_t	i;

	fm_user_free(dst);
	*dst = *src;
	dst->remote = src->remote ? xstrdup(src->remote) : NULL;
	dst->password = src->password ? xstrdup(src->password) : NULL;
	dst->certfile = src->certfile ? xstrdup(src->certfile) : NULL;
	dst->certpath = src->certpath ? xstrdup(src->certpath) : NULL;
	dst->local = src->nlocal ? xcalloc(src->nlocal, sizeof(char *)) :
	    NULL;
	for (i = 0; i < src->nlocal; i++)
		dst->local[i] = xstrdup(src->local[i]);
}

/* fm_set_str - replace a string field */

void
fm_set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}
