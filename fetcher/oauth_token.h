/*
 * NAME
 *	oauth_token.h - a mailbox's OAuth 2.0 access token for the fetcher
 * SYNOPSIS
 *	int oauth_token_setup(struct account *a, const struct cfg_dict *pw,
 *		struct strbuf *why);
 *	int oauth_token_get(const struct account *a, char **token,
 *		struct strbuf *why);		free *token: xfree_secret()
 *	void oauth_token_forget(const struct account *a);
 *	int oauth_token_conf(const struct fetcher_settings *s,
 *		struct oauth_endpoints *ep, struct oauth_conf *c,
 *		struct strbuf *why);		c points into s and ep
 * DESCRIPTION
 *	See fetcher/oauth_token.c.
 */
#ifndef OAUTH_TOKEN_H
#define OAUTH_TOKEN_H

#include "account.h"
#include "cfg.h"
#include "oauth.h"
#include "params.h"
#include "strbuf.h"

#define OAUTH_TOKEN_MARGIN	300	/* seconds: renew before expiry */

int	oauth_token_setup(struct account *a, const struct cfg_dict *pw,
	    struct strbuf *why);
int	oauth_token_get(const struct account *a, char **token,
	    struct strbuf *why);
void	oauth_token_forget(const struct account *a);
int	oauth_token_conf(const struct fetcher_settings *s,
	    struct oauth_endpoints *ep, struct oauth_conf *c,
	    struct strbuf *why);

#endif
