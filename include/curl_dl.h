/*
 * NAME
 *	curl_dl.h - libcurl, loaded when first needed
 * SYNOPSIS
 *	#include "curl_dl.h"
 *
 *	const struct curl_dl *curl_dl(struct strbuf *why);
 * DESCRIPTION
 *	Only OAuth 2.0 mailboxes talk HTTPS, from the worker that polls
 *	them; linking libcurl into the programs brings about thirty shared
 *	libraries into every process, and the fetcher's fork() of a worker
 *	copies all their mappings: measured at 2,000 mailboxes, 0.27 ms of
 *	the parent's CPU per session start without them and 0.47 ms with.
 *	So libcurl (libcurl.so.4, Debian's libcurl4) is opened with
 *	dlopen() by the process that needs it, the first time it does.
 *
 *	curl_dl() returns the table of the functions popconn uses, loaded
 *	and curl_global_init()ed once per process.
 * DIAGNOSTICS
 *	NULL, with the reason in why, when libcurl cannot be opened or
 *	lacks a function.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef CURL_DL_H
#define CURL_DL_H

#include <curl/curl.h>

#include "strbuf.h"

struct curl_dl {
	CURL   *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void	(*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void	(*slist_free_all)(struct curl_slist *);
};

const struct curl_dl *curl_dl(struct strbuf *why);

#endif
