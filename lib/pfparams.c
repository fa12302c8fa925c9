/*
 * NAME
 *	pfparams - the Postfix parameters that decide what cleanup does
 * SYNOPSIS
 *	#include "pfparams.h"
 *
 *	See pfparams.h for the interface.
 * DESCRIPTION
 *	One reading of main.cf through postconf(1) -x (values with $name
 *	expanded, as Postfix uses them), shared by popconn-milter and
 *	popconnctl.  The defaults are Postfix 3.7's at compatibility level
 *	3.6 (append_dot_mydomain = no).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "popconn.h"
#include "alloc.h"
#include "exec.h"
#include "strbuf.h"
#include "pfparams.h"

#define PF_OUT_MAX	(64 * 1024)

static const char *const pf_names[] = {
	"myhostname", "mydomain", "myorigin", "recipient_delimiter",
	"append_at_myorigin", "append_dot_mydomain", "swap_bangpath",
	"allow_percent_hack", "header_address_token_limit",
	"header_size_limit", "mydestination", "virtual_mailbox_domains",
	"virtual_alias_domains", "local_recipient_maps",
	"virtual_mailbox_maps", "virtual_alias_maps",
};

/* pf_set - replace a string value */

static void
pf_set(char **dst, const char *v, size_t len)
{
	free(*dst);
	*dst = xstrndup(v, len);
}

/* pf_bool - Postfix's yes/no (also true/false, 1/0) */

static int
pf_bool(const char *v, size_t len, int *out)
{
	if ((len == 3 && strncasecmp(v, "yes", 3) == 0) ||
	    (len == 4 && strncasecmp(v, "true", 4) == 0) ||
	    (len == 1 && *v == '1'))
		*out = 1;
	else if ((len == 2 && strncasecmp(v, "no", 2) == 0) ||
	    (len == 5 && strncasecmp(v, "false", 5) == 0) ||
	    (len == 1 && *v == '0'))
		*out = 0;
	else
		return (-1);
	return (0);
}

/* pf_long - a positive decimal */

static int
pf_long(const char *v, size_t len, long *out)
{
	long	n = 0;
	size_t	i;

	if (len == 0 || len > 9)
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return (-1);
		n = n * 10 + (v[i] - '0');
	}
	if (n <= 0)
		return (-1);
	*out = n;
	return (0);
}

/* pf_domains_add - append the plain domains of a list to out */

static void
pf_domains_add(struct strbuf *out, struct strbuf *skipped, const char *v,
    size_t len)
{
	const char *p = v, *end = v + len;
	size_t	n;

	while (p < end) {
		while (p < end && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		for (n = 0; p + n < end && p[n] != ',' &&
		    !isspace((unsigned char)p[n]); n++)
			;
		if (n == 0)
			break;
		if (*p == '/' || memchr(p, ':', n) != NULL) {
			(void)strbuf_appendf(skipped, "%s%.*s",
			    skipped->len ? ", " : "", (int)n, p);
		} else {
			(void)strbuf_appendf(out, "%s%.*s", out->len ? ", " :
			    "", (int)n, p);
		}
		p += n;
	}
}

/* pf_params_defaults - Postfix's defaults for this host */

void
pf_params_defaults(struct pf_params *p, const char *hostname)
{
	const char *h = hostname && *hostname ? hostname : "localhost";
	const char *dot = strchr(h, '.');
	struct strbuf *b = strbuf_alloc(3 * PF_VALUE_MAX);

	pf_params_free(p);
	p->myhostname = xstrdup(h);
	p->mydomain = xstrdup(dot && dot[1] ? dot + 1 : "localdomain");
	p->myorigin = xstrdup(p->myhostname);
	p->recipient_delimiter = xstrdup("");
	(void)strbuf_printf(b, "%s, localhost.%s, localhost", p->myhostname,
	    p->mydomain);
	p->local_domains = xstrdup(strbuf_str(b));
	p->mydestination = xstrdup(strbuf_str(b));
	p->virtual_mailbox_domains = xstrdup("");
	p->virtual_alias_domains = xstrdup("");
	p->skipped = xstrdup("");
	/* Postfix's default: proxy:unix:passwd.byname $alias_maps */
	p->local_recipient_maps = xstrdup("proxy:unix:passwd.byname "
	    "hash:/etc/aliases");
	p->virtual_mailbox_maps = xstrdup("");
	p->virtual_alias_maps = xstrdup("");
	p->append_at_myorigin = 1;
	p->append_dot_mydomain = 0;
	p->swap_bangpath = 1;
	p->allow_percent_hack = 1;
	p->header_address_token_limit = 10240;
	p->header_size_limit = 102400;
	p->from_postconf = 0;
	strbuf_free(b);
}

/* pf_params_free - free the strings, leave zeroes */

void
pf_params_free(struct pf_params *p)
{
	free(p->myhostname);
	free(p->mydomain);
	free(p->myorigin);
	free(p->recipient_delimiter);
	free(p->local_domains);
	free(p->skipped);
	free(p->mydestination);
	free(p->virtual_mailbox_domains);
	free(p->virtual_alias_domains);
	free(p->local_recipient_maps);
	free(p->virtual_mailbox_maps);
	free(p->virtual_alias_maps);
	memset(p, 0, sizeof(*p));
}

/* pf_params_parse - "name = value" lines as postconf -x prints them */

int
pf_params_parse(const char *text, size_t len, struct pf_params *p,
    struct strbuf *why)
{
	const char *line = text, *end = text + len, *nl, *eq, *v, *ve;
	struct strbuf *dom = strbuf_alloc(3 * PF_VALUE_MAX);
	struct strbuf *skip = strbuf_alloc(3 * PF_VALUE_MAX);
	struct strbuf *one, *two;
	size_t	nlen, vlen, i;
	int	lineno = 0, rc = PC_OK, seen_dom = 0;
	char	host[256];

	if (p->myhostname == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = 0;
		host[sizeof(host) - 1] = 0;
		pf_params_defaults(p, host);
	}
	for (; line < end && rc == PC_OK; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if (nl == line)
			continue;
		if ((eq = memchr(line, '=', (size_t)(nl - line))) == NULL) {
			strbuf_printf(why, "postconf output, line %d: no '='",
			    lineno);
			rc = PC_PERM;
			break;
		}
		for (nlen = (size_t)(eq - line); nlen > 0 &&
		    isspace((unsigned char)line[nlen - 1]); nlen--)
			;
		for (v = eq + 1; v < nl && isspace((unsigned char)*v); v++)
			;
		for (ve = nl; ve > v && isspace((unsigned char)ve[-1]); ve--)
			;
		vlen = (size_t)(ve - v);
		if (vlen > PF_VALUE_MAX) {
			strbuf_printf(why, "postconf output, line %d: value "
			    "longer than %d bytes", lineno, PF_VALUE_MAX);
			rc = PC_PERM;
			break;
		}
		for (i = 0; i < PC_ARRAY_LEN(pf_names); i++)
			if (strlen(pf_names[i]) == nlen &&
			    strncmp(pf_names[i], line, nlen) == 0)
				break;
		switch (i) {
		case 0:
			pf_set(&p->myhostname, v, vlen);
			break;
		case 1:
			pf_set(&p->mydomain, v, vlen);
			break;
		case 2:
			pf_set(&p->myorigin, v, vlen);
			break;
		case 3:
			pf_set(&p->recipient_delimiter, v, vlen);
			break;
		case 4:
			rc = pf_bool(v, vlen, &p->append_at_myorigin);
			break;
		case 5:
			rc = pf_bool(v, vlen, &p->append_dot_mydomain);
			break;
		case 6:
			rc = pf_bool(v, vlen, &p->swap_bangpath);
			break;
		case 7:
			rc = pf_bool(v, vlen, &p->allow_percent_hack);
			break;
		case 8:
			rc = pf_long(v, vlen, &p->header_address_token_limit);
			break;
		case 9:
			rc = pf_long(v, vlen, &p->header_size_limit);
			break;
		case 10:
		case 11:
		case 12:
			seen_dom = 1;
			pf_domains_add(dom, skip, v, vlen);
			one = strbuf_alloc(3 * PF_VALUE_MAX);
			two = strbuf_alloc(3 * PF_VALUE_MAX);
			pf_domains_add(one, two, v, vlen);
			strbuf_free(two);
			pf_set(i == 10 ? &p->mydestination : i == 11 ?
			    &p->virtual_mailbox_domains :
			    &p->virtual_alias_domains, one->data, one->len);
			strbuf_free(one);
			break;
		case 13:
			pf_set(&p->local_recipient_maps, v, vlen);
			break;
		case 14:
			pf_set(&p->virtual_mailbox_maps, v, vlen);
			break;
		case 15:
			pf_set(&p->virtual_alias_maps, v, vlen);
			break;
		default:
			break;		/* not ours */
		}
		if (rc != PC_OK) {
			strbuf_printf(why, "postconf output, line %d: %.*s: "
			    "bad value", lineno, (int)(nlen > 64 ? 64 : nlen),
			    line);
			rc = PC_PERM;
		}
		if (nl == end)
			break;
	}
	if (rc == PC_OK && seen_dom) {
		pf_set(&p->local_domains, strbuf_str(dom), dom->len);
		pf_set(&p->skipped, strbuf_str(skip), skip->len);
	}
	strbuf_free(dom);
	strbuf_free(skip);
	return (rc);
}

/* pf_params_load - ask postconf */

int
pf_params_load(const char *postfix_conf, struct pf_params *p,
    struct strbuf *why)
{
	char   *argv[4 + PC_ARRAY_LEN(pf_names) + 1];
	struct strbuf *out = strbuf_alloc(PF_OUT_MAX);
	size_t	n = 0, i;
	int	status, rc;
	char	host[256];

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = 0;
	host[sizeof(host) - 1] = 0;
	pf_params_defaults(p, host);
	argv[n++] = (char *)(uintptr_t)PF_POSTCONF;
	if (postfix_conf && *postfix_conf) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)postfix_conf;
	}
	argv[n++] = (char *)(uintptr_t)"-x";
	for (i = 0; i < PC_ARRAY_LEN(pf_names); i++)
		argv[n++] = (char *)(uintptr_t)pf_names[i];
	argv[n] = NULL;
	if (access(PF_POSTCONF, X_OK) != 0) {
		strbuf_printf(why, "%s not found: Postfix's defaults assumed",
		    PF_POSTCONF);
		rc = PC_TEMP;
	} else if (exec_run(argv, NULL, -1, out, 30, &status, why) != PC_OK) {
		rc = PC_TEMP;
	} else if (status != 0) {
		strbuf_printf(why, "postconf%s%s exited %d: Postfix's "
		    "defaults assumed", postfix_conf && *postfix_conf ? " -c " :
		    "", postfix_conf ? postfix_conf : "", status);
		rc = PC_TEMP;
	} else if ((rc = pf_params_parse(strbuf_str(out), out->len, p,
	    why)) == PC_OK)
		p->from_postconf = 1;
	strbuf_free(out);
	return (rc);
}
