/*
 * NAME
 *	xbuf - fixed-capacity byte buffer for plaintext that may hold secrets
 * SYNOPSIS
 *	#include "xbuf.h"
 *
 *	void xbuf_init(struct xbuf *b, size_t cap);	free with xbuf_done()
 *	void xbuf_put(struct xbuf *b, const void *p, size_t n);
 *	void xbuf_puts(struct xbuf *b, const char *s);
 *	void xbuf_putc(struct xbuf *b, int c);
 *	void xbuf_le16(struct xbuf *b, unsigned v);
 *	void xbuf_le32(struct xbuf *b, uint32_t v);
 *	void xbuf_done(struct xbuf *b);
 * DESCRIPTION
 *	xbuf_init() allocates cap octets (plus one for a NUL the caller
 *	may add) once; the buffer never grows.  xbuf_put() and its
 *	variants append, or mark the buffer overflowed and store nothing
 *	from then on: the caller checks b->overflow once, at the end.
 *	xbuf_putc() appends one octet; xbuf_le16() and xbuf_le32() a
 *	little-endian 16- or 32-bit value.  xbuf_done() wipes all cap + 1
 *	octets and frees them; calling it twice is harmless.
 * DIAGNOSTICS
 *	Out of memory is fatal (xmalloc()).
 * SECURITY
 *	Made for credentials: the memory is never reallocated (no stale
 *	copy is left in the heap) and is wiped before it is freed.
 * SEE ALSO
 *	xsasl(3), which builds its responses here.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "xbuf.h"

/* xbuf_init - allocate a buffer of fixed capacity */

void
xbuf_init(struct xbuf *b, size_t cap)
{
	b->data = xmalloc(cap + 1);
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
}

/* xbuf_put - append bytes, or mark the buffer overflowed */

void
xbuf_put(struct xbuf *b, const void *p, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* xbuf_puts - append a string */

void
xbuf_puts(struct xbuf *b, const char *s)
{
	xbuf_put(b, s, strlen(s));
}

/* xbuf_putc - append one octet */

void
xbuf_putc(struct xbuf *b, int c)
{
	unsigned char ch = (unsigned char) c;

	xbuf_put(b, &ch, 1);
}

/* xbuf_le16 - append a little-endian 16-bit value */

void
xbuf_le16(struct xbuf *b, unsigned v)
{
	xbuf_putc(b, (int) (v & 0xff));
	xbuf_putc(b, (int) ((v >> 8) & 0xff));
}

/* xbuf_le32 - append a little-endian 32-bit value */

void
xbuf_le32(struct xbuf *b, uint32_t v)
{
	xbuf_le16(b, (unsigned) (v & 0xffff));
	xbuf_le16(b, (unsigned) (v >> 16));
}

/* xbuf_done - wipe and free */

void
xbuf_done(struct xbuf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap + 1);
		free(b->data);
		b->data = NULL;
	}
}
