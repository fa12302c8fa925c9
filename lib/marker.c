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
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "popconn.h"
#include "safeio.h"
#include "marker.h"

/* hexval - one hex digit, or -1 */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

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
		int	hi = hexval(buf->data[2 * i]), lo = hexval(buf->data[2 *
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

/* marker_make - the header value for one message */

int
marker_make(const unsigned char key[MARKER_KEY_LEN], const char *mailbox,
    int trust_env, time_t now, struct strbuf *out)
{
	unsigned char rnd[8];
	char	nonce[17], text[MARKER_VALUE_MAX], hex[65];
	size_t	i;

	if (!valid_name(mailbox, strlen(mailbox)))
		return (PC_PERM);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (PC_TEMP);
	for (i = 0; i < sizeof(rnd); i++)
		(void)snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
	if (snprintf(text, sizeof(text), "v=1;mb=%s;t=%lld;n=%s;env=%d",
	    mailbox, (long long)now, nonce, trust_env ? 1 : 0) >=
	    (int)sizeof(text) || mac_hex(key, text, hex) != 0)
		return (PC_TEMP);
	if (strbuf_printf(out, "v=1; mb=%s; t=%lld; n=%s; env=%d; mac=%s",
	    mailbox, (long long)now, nonce, trust_env ? 1 : 0, hex) != 0)
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

/* marker_verify - parse, check the MAC and the age */

int
marker_verify(const unsigned char key[MARKER_KEY_LEN], const char *value,
    time_t now, long long max_age, struct marker *m, struct strbuf *why)
{
	const char *p = value, *v, *mb, *t, *n, *env, *mac;
	size_t	len, mblen, tlen, nlen, envlen, maclen, i;
	char	text[MARKER_VALUE_MAX], hex[65];
	long long tv = 0;

	if (strlen(value) > MARKER_VALUE_MAX) {
		strbuf_printf(why, "marker too long");
		return (PC_PERM);
	}
	if (field(&p, "v", &v, &len) != 0 || len != 1 || *v != '1' ||
	    field(&p, "mb", &mb, &mblen) != 0 ||
	    field(&p, "t", &t, &tlen) != 0 ||
	    field(&p, "n", &n, &nlen) != 0 ||
	    field(&p, "env", &env, &envlen) != 0 ||
	    field(&p, "mac", &mac, &maclen) != 0) {
		strbuf_printf(why, "malformed marker");
		return (PC_PERM);
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != 0 || !valid_name(mb, mblen) || tlen < 1 || tlen > 12 ||
	    nlen != 16 || envlen != 1 || (*env != '0' && *env != '1') ||
	    maclen != 64) {
		strbuf_printf(why, "malformed marker");
		return (PC_PERM);
	}
	for (i = 0; i < tlen; i++) {
		if (!isdigit((unsigned char)t[i])) {
			strbuf_printf(why, "malformed marker");
			return (PC_PERM);
		}
		tv = tv * 10 + (t[i] - '0');
	}
	for (i = 0; i < nlen; i++) {
		if (hexval(n[i]) < 0) {
			strbuf_printf(why, "malformed marker");
			return (PC_PERM);
		}
	}
	if (snprintf(text, sizeof(text), "v=1;mb=%.*s;t=%.*s;n=%.*s;env=%c",
	    (int)mblen, mb, (int)tlen, t, (int)nlen, n, *env) >=
	    (int)sizeof(text) || mac_hex(key, text, hex) != 0) {
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
	memcpy(m->mailbox, mb, mblen);
	m->mailbox[mblen] = 0;
	m->trust_env = *env == '1';
	m->t = (time_t)tv;
	return (PC_OK);
}
