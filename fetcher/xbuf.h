/*
 * NAME
 *	xbuf.h - fixed-capacity byte buffer for plaintext that may hold secrets
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
 *	See xbuf.c.  The SASL mechanisms (xsasl*.c) build their plaintext
 *	responses in these buffers.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef XBUF_H
#define XBUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Unlike strbuf, an xbuf never reallocates, so no copy of a secret is
 * left behind in freed memory; overflow is sticky and checked once at
 * the end.  data has cap + 1 octets, so that a caller may add a NUL.
 */
struct xbuf {
	unsigned char *data;
	size_t	len;
	size_t	cap;
	int	overflow;
};

void xbuf_init(struct xbuf *b, size_t cap);
void xbuf_put(struct xbuf *b, const void *p, size_t n);
void xbuf_puts(struct xbuf *b, const char *s);
void xbuf_putc(struct xbuf *b, int c);
void xbuf_le16(struct xbuf *b, unsigned v);
void xbuf_le32(struct xbuf *b, uint32_t v);
void xbuf_done(struct xbuf *b);

#endif
