/*
 * NAME
 *	curl_dl - libcurl, loaded when first needed
 * SYNOPSIS
 *	See curl_dl.h.
 * DESCRIPTION
 *	dlopen("libcurl.so.4") and dlsym() of each function in struct
 *	curl_dl, once per process; then curl_global_init().  The symbols
 *	stay local (RTLD_LOCAL): nothing else of ours sees them.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "popconn.h"
#include "curl_dl.h"
#include "strbuf.h"

#define CURL_DL_SONAME	"libcurl.so.4"

static struct curl_dl cdl;
static int loaded;

/* curl_dl - the functions, loaded on the first call */

const struct curl_dl *
curl_dl(struct strbuf *why)
{
	static const struct {
		const char *name;
		size_t	off;
	} fn[] = {
		{"curl_easy_init", offsetof(struct curl_dl, easy_init)},
		{"curl_easy_setopt", offsetof(struct curl_dl, easy_setopt)},
		{"curl_easy_perform", offsetof(struct curl_dl, easy_perform)},
		{"curl_easy_getinfo", offsetof(struct curl_dl, easy_getinfo)},
		{"curl_easy_cleanup", offsetof(struct curl_dl, easy_cleanup)},
		{"curl_easy_strerror", offsetof(struct curl_dl, easy_strerror)},
		{"curl_slist_append", offsetof(struct curl_dl, slist_append)},
		{"curl_slist_free_all", offsetof(struct curl_dl,
		    slist_free_all)},
	};
	CURLcode (*global_init)(long);
	void   *h, *sym;
	size_t	i;

	if (loaded)
		return (&cdl);
	if ((h = dlopen(CURL_DL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		strbuf_printf(why, "cannot load %s (Debian: apt install "
		    "libcurl4): %s", CURL_DL_SONAME, dlerror());
		return (NULL);
	}
	for (i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		if ((sym = dlsym(h, fn[i].name)) == NULL) {
			strbuf_printf(why, "%s: no %s", CURL_DL_SONAME,
			    fn[i].name);
			(void)dlclose(h);
			return (NULL);
		}
		/* POSIX: a data pointer from dlsym() converts to a function. */
		memcpy((char *)&cdl + fn[i].off, &sym, sizeof(sym));
	}
	if ((sym = dlsym(h, "curl_global_init")) == NULL) {
		strbuf_printf(why, "%s: no curl_global_init", CURL_DL_SONAME);
		(void)dlclose(h);
		return (NULL);
	}
	memcpy(&global_init, &sym, sizeof(sym));
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		strbuf_printf(why, "curl_global_init failed");
		return (NULL);
	}
	loaded = 1;
	return (&cdl);
}
