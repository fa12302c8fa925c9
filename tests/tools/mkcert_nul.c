/*
 * NAME
 *	mkcert_nul - a server certificate with a NUL byte inside its name
 * SYNOPSIS
 *	mkcert_nul [-n] ca.pem ca.key out.pem out.key
 * DESCRIPTION
 *	Writes a new EC P-256 key and a certificate signed by the CA whose
 *	subject CN is "localhost\0.evil.example" (24 bytes, NUL included)
 *	and, unless -n is given, whose subjectAltName is the DNS name
 *	"localhost\0.evil.example" as well.  A client that compares names
 *	as C strings sees "localhost"; a correct one refuses the
 *	certificate (CVE-2009-2408 family).  The openssl command line
 *	cannot write such names, hence this tool.
 * DIAGNOSTICS
 *	Exit 0 on success, 1 with a message on stderr otherwise.
 * SECURITY
 *	Test tool only.
 * LICENSE
 *	MIT; see the LICENSE file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static const unsigned char evil_name[] = "localhost\0.evil.example";
#define EVIL_LEN	(sizeof(evil_name) - 1)

/* fail - report the OpenSSL error queue and exit */

static void
fail(const char *what)
{
	fprintf(stderr, "mkcert_nul: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* read_pem - load the CA certificate or key */

static void *
read_pem(const char *path, int is_key)
{
	FILE   *f = fopen(path, "r");
	void   *r;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	r = is_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) :
	    (void *)PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (r == NULL)
		fail(path);
	return (r);
}

/* add_ext - add one extension given in openssl config syntax */

static void
add_ext(X509 *cert, X509 *ca, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, ca, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL ||
	    X509_add_ext(cert, ext, -1) != 1)
		fail("X509_add_ext");
	X509_EXTENSION_free(ext);
}

/* add_nul_san - subjectAltName with the DNS name holding a NUL */

static void
add_nul_san(X509 *cert)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *gen = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (gens == NULL || gen == NULL || ia5 == NULL ||
	    ASN1_STRING_set(ia5, evil_name, (int)EVIL_LEN) != 1)
		fail("GENERAL_NAME");
	GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
	if (sk_GENERAL_NAME_push(gens, gen) == 0)
		fail("sk_GENERAL_NAME_push");
	if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0,
	    X509V3_ADD_DEFAULT) != 1)
		fail("X509_add1_ext_i2d");
	GENERAL_NAMES_free(gens);
}

int
main(int argc, char **argv)
{
	X509   *ca, *cert;
	EVP_PKEY *cakey, *key;
	X509_NAME *name;
	FILE   *f;
	int	ch, san = 1;

	while ((ch = getopt(argc, argv, "n")) != -1) {
		if (ch != 'n') {
			fprintf(stderr, "usage: mkcert_nul [-n] ca.pem ca.key "
			    "out.pem out.key\n");
			return (1);
		}
		san = 0;
	}
	argc -= optind;
	argv += optind;
	if (argc != 4) {
		fprintf(stderr, "usage: mkcert_nul [-n] ca.pem ca.key out.pem "
		    "out.key\n");
		return (1);
	}
	ca = read_pem(argv[0], 0);
	cakey = read_pem(argv[1], 1);
	if ((key = EVP_EC_gen("P-256")) == NULL)
		fail("EVP_EC_gen");
	if ((cert = X509_new()) == NULL ||
	    X509_set_version(cert, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 86400) ==
	    NULL || X509_set_pubkey(cert, key) != 1 ||
	    X509_set_issuer_name(cert, X509_get_subject_name(ca)) != 1)
		fail("X509 setup");
	name = X509_get_subject_name(cert);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, evil_name,
	    (int)EVIL_LEN, -1, 0) != 1)
		fail("X509_NAME_add_entry_by_txt");
	add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(cert, ca, NID_key_usage,
	    "critical,digitalSignature,keyEncipherment");
	add_ext(cert, ca, NID_ext_key_usage, "serverAuth");
	add_ext(cert, ca, NID_subject_key_identifier, "hash");
	add_ext(cert, ca, NID_authority_key_identifier, "keyid");
	if (san)
		add_nul_san(cert);
	if (X509_sign(cert, cakey, EVP_sha256()) == 0)
		fail("X509_sign");
	if ((f = fopen(argv[2], "w")) == NULL || PEM_write_X509(f, cert) != 1 ||
	    fclose(f) != 0)
		fail(argv[2]);
	if ((f = fopen(argv[3], "w")) == NULL ||
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(f) != 0)
		fail(argv[3]);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return (0);
}
