/*
 * NAME
 *	marker - the signed header that marks global-mailbox mail
 * SYNOPSIS
 *	See marker.h.
 * DESCRIPTION
 *	HMAC-SHA-256 with OpenSSL 3's EVP_Q_mac; constant-time comparison
 *	with CRYPTO_memcmp.
 * DIAGNOSTICS
 *	See marker.h.
 * SECURITY
 *	The value parser accepts exactly the fields marker_make() writes,
 *	in that order; anything else is a bad marker.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "popconn.h"
#include "log.h"
#include "safeio.h"
#include "hex.h"
#include "marker.h"

/* One field of a raw header section: longer ones are cut (hashing only). */
#define MARKER_BLOCK_FIELD_MAX	(64 * 1024)

/* marker_load_key - read the secret */

int
marker_load_key(const char *path, unsigned char key[MARKER_KEY_LEN],
    struct strbuf *why)
{
	struct strbuf *buf = strbuf_alloc(256);
	struct stat st;
	size_t	i, len;
	int	fd, rc = PC_PERM;

	if ((fd = safeio_open_read(path, why)) < 0) {
		strbuf_free(buf);
		return (PC_TEMP);
	}
	if (fstat(fd, &st) != 0 || (st.st_mode & 007) != 0) {
		strbuf_printf(why, "%s: others may read it: chmod o-rwx %s",
		    path, path);
		goto out;
	}
	close(fd);
	fd = -1;
	if (safeio_read_file(path, 256, 0, buf, why) != PC_OK) {
		rc = PC_TEMP;
		goto out;
	}
	len = buf->len;
	while (len > 0 && (buf->data[len - 1] == '\n' ||
	    buf->data[len - 1] == '\r'))
		len--;
	if (len != 2 * MARKER_KEY_LEN) {
		strbuf_printf(why, "%s: expected %d hex digits", path,
		    2 * MARKER_KEY_LEN);
		goto out;
	}
	for (i = 0; i < MARKER_KEY_LEN; i++) {
		int	hi = hex_digit(buf->data[2 * i]), lo = hex_digit(buf->data[2 *
		    i + 1]);

		if (hi < 0 || lo < 0) {
			strbuf_printf(why, "%s: expected %d hex digits", path,
			    2 * MARKER_KEY_LEN);
			goto out;
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	rc = PC_OK;
out:
	if (fd >= 0)
		close(fd);
	strbuf_wipe(buf);
	strbuf_free(buf);
	return (rc);
}

/* mac_hex - HMAC-SHA-256 of text as 64 lowercase hex digits */

static int
mac_hex(const unsigned char key[MARKER_KEY_LEN], const char *text,
    char hex[65])
{
	unsigned char md[32];
	size_t	mdlen = 0, i;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, MARKER_KEY_LEN,
	    (const unsigned char *)text, strlen(text), md, sizeof(md),
	    &mdlen) == NULL || mdlen != sizeof(md))
		return (-1);
	for (i = 0; i < sizeof(md); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (0);
}

/* valid_name - a mailbox name as mailboxes.cf allows it */

static int
valid_name(const char *s, size_t len)
{
	size_t	i;

	if (len < 1 || len > PC_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return (0);
	return (1);
}

/* valid_hex - len lowercase hex digits */

static int
valid_hex(const char *s, size_t len, size_t want)
{
	size_t	i;

	if (len != want)
		return (0);
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' &&
		    s[i] <= 'f'))
			return (0);
	return (1);
}

/* valid_num - 1..maxdig decimal digits */

static int
valid_num(const char *s, size_t len, size_t maxdig, long long *v)
{
	size_t	i;

	if (len < 1 || len > maxdig)
		return (0);
	for (*v = 0, i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (0);
		*v = *v * 10 + (s[i] - '0');
	}
	return (1);
}

/*
 * valid_env - "0", "1" or "1:N:HEADER" (N 0..99, HEADER a field name of
 * letters, digits and '-'); fills m when it is given.
 */

static int
valid_env(const char *s, size_t len, struct marker *m)
{
	const char *c;
	long long n;
	size_t	nlen, i;

	if (len == 1 && (*s == '0' || *s == '1')) {
		if (m) {
			m->trust_env = *s == '1';
			m->env_header[0] = 0;
			m->env_skip = 0;
		}
		return (1);
	}
	if (len < 5 || len >= MARKER_ENV_MAX || s[0] != '1' || s[1] != ':')
		return (0);
	if ((c = memchr(s + 2, ':', len - 2)) == NULL)
		return (0);
	nlen = (size_t)(c - (s + 2));
	if (!valid_num(s + 2, nlen, 2, &n))
		return (0);
	c++;
	if ((size_t)(s + len - c) < 1)
		return (0);
	for (i = 0; c + i < s + len; i++)
		if (!isalnum((unsigned char)c[i]) && c[i] != '-')
			return (0);
	if (m) {
		m->trust_env = 1;
		m->env_skip = (int)n;
		memcpy(m->env_header, c, i);
		m->env_header[i] = 0;
	}
	return (1);
}

static const char *const bind_names[MARKER_NFIELDS] = {
	"Message-ID", "Date", "Subject", "From", "To", "Cc",
};

/* The fields a marker is bound to, and their letters in b=. */
static const int bind_bound[3] = {MARKER_F_MSGID, MARKER_F_DATE,
MARKER_F_SUBJECT};
static const char bind_letters[3] = {'m', 'd', 's'};

/* marker_bind_init - no field seen */

void
marker_bind_init(struct marker_bind *b)
{
	memset(b, 0, sizeof(*b));
}

/* marker_bind_free - forget the fields */

void
marker_bind_free(struct marker_bind *b)
{
	size_t	i;

	for (i = 0; i < MARKER_NFIELDS; i++)
		free(b->v[i]);
	memset(b, 0, sizeof(*b));
}

/*
 * marker_bind_header - record the first occurrence of a field we use,
 * normalized: no CR or LF (unfolded), runs of space and tab one space,
 * no white space around, at most MARKER_FIELD_MAX octets, nothing from a
 * NUL on (libmilter hands the milter a C string).
 */

void
marker_bind_header(struct marker_bind *b, const char *name,
    const char *value, size_t len)
{
	size_t	i, j, n;
	char   *out;
	int	sp;

	for (i = 0; i < MARKER_NFIELDS; i++)
		if (strcasecmp(name, bind_names[i]) == 0)
			break;
	if (i == MARKER_NFIELDS || b->v[i] != NULL)
		return;
	out = malloc(MARKER_FIELD_MAX + 1);
	if (out == NULL)
		log_fatal(EX_OSERR, "out of memory");
	for (n = 0, sp = 0, j = 0; j < len && n < MARKER_FIELD_MAX; j++) {
		char	c = value[j];

		if (c == 0)
			break;		/* the milter gets a C string */
		if (c == '\r' || c == '\n')
			continue;
		if (c == ' ' || c == '\t') {
			sp = 1;
			continue;
		}
		if (sp && n > 0 && n < MARKER_FIELD_MAX)
			out[n++] = ' ';
		sp = 0;
		if (n < MARKER_FIELD_MAX)
			out[n++] = c;
	}
	out[n] = 0;
	b->v[i] = out;
	b->len[i] = n;
}

/* append_cut - append what fits (the value is only hashed, and cut) */

static void
append_cut(struct strbuf *v, const char *p, size_t n)
{
	if (n > v->max - v->len)
		n = v->max - v->len;
	(void)strbuf_append(v, p, n);
}

/*
 * marker_bind_block - every field of a raw header section, as cleanup(8)
 * reads it: a field is a name of printable characters other than ':',
 * optional white space and ':'; lines that start with white space
 * continue it; the section ends at an empty line or at the first line
 * that is neither.
 */

void
marker_bind_block(struct marker_bind *b, const char *hdr, size_t len)
{
	const char *p = hdr, *end = hdr + len, *nl, *colon;
	char	name[80];
	size_t	nlen, vstart = 0, vlen = 0;
	int	have = 0;
	struct strbuf *v = strbuf_alloc(MARKER_BLOCK_FIELD_MAX);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (p < nl && (*p == ' ' || *p == '\t')) {
			if (have)
				append_cut(v, p, (size_t)(nl - p));
			p = nl + (nl < end);
			continue;
		}
		if (have)
			marker_bind_header(b, name, strbuf_str(v), v->len);
		have = 0;
		if (p == nl || (nl - p == 1 && *p == '\r'))
			break;			/* end of the header section */
		for (colon = p; colon < nl && *colon > 32 && *colon < 127 &&
		    *colon != ':'; colon++)
			;
		nlen = (size_t)(colon - p);
		while (colon < nl && (*colon == ' ' || *colon == '\t'))
			colon++;
		if (nlen == 0 || colon == nl || *colon != ':')
			break;			/* not a header: the body */
		if (nlen < sizeof(name)) {
			memcpy(name, p, nlen);
			name[nlen] = 0;
			have = 1;
			strbuf_reset(v);
			vstart = (size_t)(colon + 1 - hdr);
			vlen = (size_t)(nl - (colon + 1));
			append_cut(v, hdr + vstart, vlen);
		}
		p = nl + (nl < end);
	}
	if (have)
		marker_bind_header(b, name, strbuf_str(v), v->len);
	strbuf_free(v);
}

/* sha_hex - the first MARKER_ID_HEX hex digits of SHA-256 of text */

static void
sha_hex(const struct strbuf *text, char hex[MARKER_ID_HEX + 1])
{
	unsigned char md[32];
	size_t	i;

	SHA256((const unsigned char *)text->data, text->len, md);
	for (i = 0; i < MARKER_ID_HEX / 2; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* put_field - "name:value\n" (name in lower case), "name!\n" if absent */

static void
put_field(struct strbuf *t, int f, const struct marker_bind *b)
{
	const char *n = bind_names[f];

	for (; *n; n++)
		(void)strbuf_putc(t, tolower((unsigned char)*n));
	if (b->v[f] == NULL) {
		(void)strbuf_puts(t, "!\n");
		return;
	}
	(void)strbuf_putc(t, ':');
	(void)strbuf_append(t, b->v[f], b->len[f]);
	(void)strbuf_putc(t, '\n');
}

/* marker_identity - the message's identity */

void
marker_identity(const struct marker_bind *b, const unsigned char body_md[32],
    char id[MARKER_ID_HEX + 1])
{
	struct strbuf *t = strbuf_alloc(MARKER_NFIELDS * (MARKER_FIELD_MAX +
	    32) + 128);
	size_t	i;
	int	f;

	if (b->v[MARKER_F_MSGID] != NULL && b->len[MARKER_F_MSGID] > 0)
		put_field(t, MARKER_F_MSGID, b);
	else {
		(void)strbuf_puts(t, "content\n");
		for (f = MARKER_F_FROM; f < MARKER_NFIELDS; f++)
			put_field(t, f, b);
		put_field(t, MARKER_F_DATE, b);
		put_field(t, MARKER_F_SUBJECT, b);
		(void)strbuf_puts(t, "body:");
		for (i = 0; i < 32; i++)
			(void)strbuf_appendf(t, "%02x", body_md[i]);
		(void)strbuf_putc(t, '\n');
	}
	sha_hex(t, id);
	strbuf_free(t);
}

/* bind_hash - "b" letters and "h" of the fields present (b given) */

static void
bind_hash(const struct marker_bind *b, const char *letters, char hex[
    MARKER_ID_HEX + 1])
{
	struct strbuf *t = strbuf_alloc(3 * (MARKER_FIELD_MAX + 32));
	size_t	i;

	for (i = 0; i < 3; i++)
		if (letters[i] == bind_letters[i])
			put_field(t, bind_bound[i], b);
	sha_hex(t, hex);
	strbuf_free(t);
}

/* marker_make - the header value for one message */

int
marker_make(const unsigned char key[MARKER_KEY_LEN],
    const struct marker_in *in, const struct marker_bind *b,
    struct strbuf *out, char nonce[MARKER_NONCE_HEX + 1])
{
	unsigned char rnd[MARKER_NONCE_HEX / 2];
	char	text[MARKER_VALUE_MAX], mac[65], letters[4], h[MARKER_ID_HEX +
	    1];
	size_t	i;
	int	n;

	if (!valid_name(in->mailbox, strlen(in->mailbox)) ||
	    !valid_env(in->env, strlen(in->env), NULL) || in->window < 0 ||
	    in->window > 999999999LL || !valid_hex(in->id, strlen(in->id),
	    MARKER_ID_HEX))
		return (PC_PERM);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (PC_TEMP);
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	for (i = 0; i < 3; i++)
		letters[i] = b->v[bind_bound[i]] ? bind_letters[i] : '-';
	letters[3] = 0;
	bind_hash(b, letters, h);
	n = snprintf(text, sizeof(text), "v=2;mb=%s;t=%lld;n=%s;env=%s;"
	    "w=%lld;id=%s;b=%s;h=%s", in->mailbox, (long long)in->t, nonce,
	    in->env, in->window, in->id, letters, h);
	if (n < 0 || n >= (int)sizeof(text) || mac_hex(key, text, mac) != 0)
		return (PC_TEMP);
	strbuf_reset(out);
	if (strbuf_printf(out, "v=2; mb=%s; t=%lld; n=%s; env=%s; w=%lld; "
	    "id=%s; b=%s; h=%s; mac=%s", in->mailbox, (long long)in->t, nonce,
	    in->env, in->window, in->id, letters, h, mac) != 0 ||
	    out->len > MARKER_VALUE_MAX)
		return (PC_PERM);
	return (PC_OK);
}

/* field - expect "name=" at *p, return the value's length up to ';' */

static int
field(const char **p, const char *name, const char **val, size_t *len)
{
	size_t	n = strlen(name);

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (strncmp(*p, name, n) != 0 || (*p)[n] != '=')
		return (-1);
	*val = *p + n + 1;
	*len = strcspn(*val, ";");
	*p = *val + *len;
	if (**p == ';')
		(*p)++;
	return (0);
}

/* marker_verify - parse, check the MAC, the age and the binding */

int
marker_verify(const unsigned char key[MARKER_KEY_LEN], const char *value,
    time_t now, long long max_age, const struct marker_bind *b,
    struct marker *m, struct strbuf *why)
{
	const char *p = value, *v, *mb, *t, *n, *env, *w, *id, *bl, *h, *mac;
	size_t	len, mblen, tlen, nlen, envlen, wlen, idlen, bllen, hlen,
		maclen, i;
	char	text[MARKER_VALUE_MAX], hex[65], mine[MARKER_ID_HEX + 1];
	long long tv = 0, wv = 0;

	if (strlen(value) > MARKER_VALUE_MAX) {
		strbuf_printf(why, "marker too long");
		return (PC_PERM);
	}
	if (field(&p, "v", &v, &len) != 0 || len != 1 || *v != '2' ||
	    field(&p, "mb", &mb, &mblen) != 0 ||
	    field(&p, "t", &t, &tlen) != 0 ||
	    field(&p, "n", &n, &nlen) != 0 ||
	    field(&p, "env", &env, &envlen) != 0 ||
	    field(&p, "w", &w, &wlen) != 0 ||
	    field(&p, "id", &id, &idlen) != 0 ||
	    field(&p, "b", &bl, &bllen) != 0 ||
	    field(&p, "h", &h, &hlen) != 0 ||
	    field(&p, "mac", &mac, &maclen) != 0) {
		strbuf_printf(why, "malformed marker");
		return (PC_PERM);
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != 0 || !valid_name(mb, mblen) || !valid_num(t, tlen, 12, &tv) ||
	    !valid_hex(n, nlen, MARKER_NONCE_HEX) ||
	    !valid_env(env, envlen, NULL) || !valid_num(w, wlen, 9, &wv) ||
	    !valid_hex(id, idlen, MARKER_ID_HEX) || bllen != 3 ||
	    !valid_hex(h, hlen, MARKER_ID_HEX) || maclen != 64) {
		strbuf_printf(why, "malformed marker");
		return (PC_PERM);
	}
	for (i = 0; i < 3; i++)
		if (bl[i] != bind_letters[i] && bl[i] != '-') {
			strbuf_printf(why, "malformed marker");
			return (PC_PERM);
		}
	if (snprintf(text, sizeof(text), "v=2;mb=%.*s;t=%.*s;n=%.*s;env=%.*s;"
	    "w=%.*s;id=%.*s;b=%.*s;h=%.*s", (int)mblen, mb, (int)tlen, t,
	    (int)nlen, n, (int)envlen, env, (int)wlen, w, (int)idlen, id,
	    (int)bllen, bl, (int)hlen, h) >= (int)sizeof(text) ||
	    mac_hex(key, text, hex) != 0) {
		strbuf_printf(why, "cannot compute the marker MAC");
		return (PC_TEMP);
	}
	if (CRYPTO_memcmp(hex, mac, 64) != 0) {
		strbuf_printf(why, "marker MAC does not verify (forged, or "
		    "another key)");
		return (PC_PERM);
	}
	if (tv > (long long)now + 300 || (long long)now - tv > max_age) {
		strbuf_printf(why, "stale marker (made %lld s ago)",
		    (long long)now - tv);
		return (PC_PERM);
	}
	{
		char	letters[4];

		memcpy(letters, bl, 3);
		letters[3] = 0;
		bind_hash(b, letters, mine);
	}
	if (CRYPTO_memcmp(mine, h, MARKER_ID_HEX) != 0) {
		strbuf_printf(why, "marker n=%.*s was made for another message "
		    "(its Message-ID, Date or Subject differ): moved marker",
		    (int)nlen, n);
		return (PC_PERM);
	}
	memset(m, 0, sizeof(*m));
	memcpy(m->mailbox, mb, mblen);
	m->mailbox[mblen] = 0;
	(void)valid_env(env, envlen, m);
	m->t = (time_t)tv;
	memcpy(m->nonce, n, nlen);
	m->nonce[nlen] = 0;
	m->window = wv;
	memcpy(m->id, id, idlen);
	m->id[idlen] = 0;
	return (PC_OK);
}
