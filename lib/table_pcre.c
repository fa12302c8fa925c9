/*
 * NAME
 *	table_pcre - the pcre: half of the lookup tables
 * SYNOPSIS
 *	#include "table_int.h"
 * DESCRIPTION
 *	pcre: tables follow pcre_table(5): "/regex/flags result" lines,
 *	"!/regex/ result" for a rule that matches when the regex does not,
 *	tried in order, the first match wins; $n in a result is the n-th
 *	capture.  table.c reads the file and calls table_pcre_line() per
 *	logical line; table_get() calls table_get_pcre().
 * SECURITY
 *	Keys are untrusted: matching runs under the table's PCRE match
 *	context (match and depth limits), with match data allocated per call
 *	(no shared pcre2_match_data between threads); a $n reference out of
 *	range is refused at load time; results are bounded by
 *	TABLE_VALUE_MAX.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "popconn.h"
#include "alloc.h"
#include "log.h"
#include "strbuf.h"
#include "table_int.h"

/* table_subst_check - are the $n references of a result in range? */

static int
table_subst_check(const char *r, uint32_t ncap)
{
	for (; *r; r++) {
		unsigned long n;
		char   *end;

		if (*r != '$')
			continue;
		r++;
		if (*r == '$')
			continue;
		if (*r == '{' || *r == '(') {
			int	close = *r == '{' ? '}' : ')';

			n = strtoul(r + 1, &end, 10);
			if (end == r + 1 || *end != close)
				return (-1);
			r = end;
		} else if (isdigit((unsigned char)*r)) {
			n = (unsigned long)(*r - '0');
		} else
			return (-1);
		if (n > ncap)
			return (-1);
	}
	return (0);
}

/* table_pcre_line - one "/regex/flags result" line */

int
table_pcre_line(struct table *t, const char *file, int line, char *text,
    size_t len, struct strbuf *why)
{
	size_t	i = 0, re_start, re_end;
	uint32_t opts = PCRE2_CASELESS, ncap = 0;
	int	negate = 0, delim, errcode;
	PCRE2_SIZE erroff;
	pcre2_code *re;
	char	*pat, *res;

	if (text[i] == '!') {
		negate = 1;
		i++;
	}
	delim = (unsigned char)text[i];
	if (delim == 0 || isalnum(delim) || isspace(delim) || delim == '\\') {
		if (strncmp(text, "if", 2) == 0 || strncmp(text, "endif",
		    5) == 0)
			strbuf_printf(why, "%s, line %d: if/endif is not "
			    "supported", file, line);
		else
			strbuf_printf(why, "%s, line %d: expected "
			    "/regex/flags result", file, line);
		return (PC_PERM);
	}
	re_start = ++i;
	for (; i < len && (unsigned char)text[i] != delim; i++)
		if (text[i] == '\\' && i + 1 < len)
			i++;
	if (i >= len) {
		strbuf_printf(why, "%s, line %d: no closing %c", file, line,
		    delim);
		return (PC_PERM);
	}
	re_end = i++;
	for (; i < len && !table_isblank(text[i]); i++) {
		switch (text[i]) {
		case 'i':
			opts ^= PCRE2_CASELESS;
			break;
		case 'm':
			opts |= PCRE2_MULTILINE;
			break;
		case 's':
			opts |= PCRE2_DOTALL;
			break;
		case 'x':
			opts |= PCRE2_EXTENDED;
			break;
		case 'A':
			opts |= PCRE2_ANCHORED;
			break;
		case 'E':
			opts |= PCRE2_DOLLAR_ENDONLY;
			break;
		case 'U':
			opts |= PCRE2_UNGREEDY;
			break;
		case 'X':
			break;
		default:
			strbuf_printf(why, "%s, line %d: unknown flag '%c'",
			    file, line, text[i]);
			return (PC_PERM);
		}
	}
	while (i < len && table_isblank(text[i]))
		i++;
	if (i >= len) {
		strbuf_printf(why, "%s, line %d: no result", file, line);
		return (PC_PERM);
	}
	if (len - i > TABLE_VALUE_MAX) {
		strbuf_printf(why, "%s, line %d: result too long", file, line);
		return (PC_PERM);
	}
	pat = xstrndup(text + re_start, re_end - re_start);
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts,
	    &errcode, &erroff, NULL);
	free(pat);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		(void)pcre2_get_error_message(errcode, msg, sizeof(msg));
		strbuf_printf(why, "%s, line %d: regex error at offset %zu: "
		    "%s", file, line, (size_t)erroff, (const char *)msg);
		return (PC_PERM);
	}
	(void)pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	res = xstrndup(text + i, len - i);
	if (table_subst_check(res, negate ? 0 : ncap) != 0) {
		strbuf_printf(why, "%s, line %d: bad or out-of-range $ "
		    "reference in the result", file, line);
		pcre2_code_free(re);
		free(res);
		return (PC_PERM);
	}
	t->rules = xrealloc(t->rules, (t->nrules + 1) * sizeof(*t->rules));
	t->rules[t->nrules].re = re;
	t->rules[t->nrules].negate = negate;
	t->rules[t->nrules].result = res;
	t->rules[t->nrules].line = line;
	t->nrules++;
	return (PC_OK);
}

/* table_subst - expand $n in a pcre result */

static int
table_subst(const char *r, const char *subject, PCRE2_SIZE *ov,
    uint32_t npairs, struct strbuf *out)
{
	strbuf_reset(out);
	for (; *r; r++) {
		unsigned long n;
		char   *end;

		if (*r != '$') {
			if (strbuf_putc(out, *r) != 0)
				return (-1);
			continue;
		}
		r++;
		if (*r == '$') {
			if (strbuf_putc(out, '$') != 0)
				return (-1);
			continue;
		}
		if (*r == '{' || *r == '(') {
			n = strtoul(r + 1, &end, 10);
			r = end;
		} else
			n = (unsigned long)(*r - '0');
		/* Checked at load time: n <= capture count. */
		if (n < npairs && ov[2 * n] != PCRE2_UNSET &&
		    strbuf_append(out, subject + ov[2 * n], ov[2 * n + 1] -
		    ov[2 * n]) != 0)
			return (-1);
	}
	return (0);
}

/* table_get_pcre - try the rules in order */

const char *
table_get_pcre(const struct table *t, const char *key, struct table_hit *hit,
    int *err)
{
	size_t	i, klen = strlen(key);

	for (i = 0; i < t->nrules; i++) {
		const struct table_rule *r = &t->rules[i];
		pcre2_match_data *md;
		int	m;

		md = pcre2_match_data_create_from_pattern(r->re, NULL);
		if (md == NULL)
			log_fatal(75, "out of memory");
		m = pcre2_match(r->re, (PCRE2_SPTR)key, klen, 0, 0, md,
		    t->mctx);
		if (m < 0 && m != PCRE2_ERROR_NOMATCH) {
			PCRE2_UCHAR msg[128];

			(void)pcre2_get_error_message(m, msg, sizeof(msg));
			log_warn("%s, line %d: regex match failed (%s); "
			    "treated as no match", t->name + 5, r->line,
			    (const char *)msg);
		}
		if ((m >= 0) != (r->negate != 0)) {
			int	rc = r->negate ? (strbuf_printf(hit->value,
			    "%s", r->result)) : table_subst(r->result, key,
			    pcre2_get_ovector_pointer(md),
			    pcre2_get_ovector_count(md), hit->value);

			pcre2_match_data_free(md);
			if (rc != 0) {
				strbuf_printf(hit->why, "%s, line %d: result "
				    "too long", t->name + 5, r->line);
				*err = PC_TEMP;
				return (NULL);
			}
			strbuf_printf(hit->where, "%s:%d", t->name, r->line);
			return (strbuf_str(hit->value));
		}
		pcre2_match_data_free(md);
	}
	return (NULL);
}
