/*
 * NAME
 *	xsasl_test.h - test hooks of xsasl (test builds only)
 * SYNOPSIS
 *	#include "xsasl_test.h"
 *
 *	void xsasl_test_set_nonce(struct xsasl *x, const char *nonce);
 *	void xsasl_test_set_client_challenge(struct xsasl *x,
 *		const unsigned char cc[8]);
 *	void xsasl_test_set_time(struct xsasl *x, uint64_t filetime);
 *	void xsasl_test_md4(const void *data, size_t len,
 *		unsigned char md[16]);
 *	int xsasl_test_ntowfv2(const char *user, const char *domain,
 *		const char *password, unsigned char key[16]);
 * DESCRIPTION
 *	See xsasl_hooks.c.  Only unit tests and fuzz targets include this
 *	header; the Makefile links xsasl_hooks.o into them and into no
 *	program (t_layers.sh checks the programs' symbols).
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#ifndef XSASL_TEST_H
#define XSASL_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "xsasl.h"

void xsasl_test_set_nonce(struct xsasl *x, const char *nonce);	/* SCRAM */
void xsasl_test_set_client_challenge(struct xsasl *x,
    const unsigned char cc[8]);				/* NTLM */
void xsasl_test_set_time(struct xsasl *x, uint64_t filetime);	/* NTLM */
void xsasl_test_md4(const void *data, size_t len, unsigned char md[16]);
int xsasl_test_ntowfv2(const char *user, const char *domain,
    const char *password, unsigned char key[16]);

#endif
