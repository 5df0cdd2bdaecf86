/*
 * imaptls.c -- is the IMAP server's certificate good for the host we
 * asked for?
 *
 * DESCRIPTION
 *	Debian's libetpan does TLS with GnuTLS and checks nothing: it hands
 *	over the peer's certificate chain (DER, leaf first) and leaves the
 *	verdict to the caller, as its other users do.  The chain is checked
 *	here with libcrypto, which the project links already: against the
 *	system's trust anchors, or only those of --ca-file, for the TLS
 *	server purpose, the current time, and the host name (or IP address)
 *	of the URL.  It runs right after the handshake, before the password
 *	is sent: a failed check ends the session with the reason.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <libetpan/libetpan.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "imap.h"

/* is_ip - host is an IPv4 or IPv6 literal */
static int
is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* load_chain - the DER chain as a leaf and a stack of the rest */
static int
load_chain(carray *chain, X509 **leaf, STACK_OF(X509) *rest)
{
	const unsigned char *p;
	MMAPString *der;
	unsigned int i;
	X509 *x;

	for (i = 0; i < carray_count(chain); i++) {
		der = carray_get(chain, i);
		p = (const unsigned char *)der->str;
		if ((x = d2i_X509(NULL, &p, (long)der->len)) == NULL)
			return -1;
		if (i == 0)
			*leaf = x;
		else if (sk_X509_push(rest, x) == 0) {
			X509_free(x);
			return -1;
		}
	}
	return *leaf != NULL ? 0 : -1;
}

/* check - X509_verify_cert for host; 0, or -1 with a reason */
static int
check(X509 *leaf, STACK_OF(X509) *rest, const char *host,
    const char *cafile, char *why, size_t whylen)
{
	X509_STORE *st;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *vp;
	int rc = -1;

	if ((st = X509_STORE_new()) == NULL)
		return -1;
	if ((cafile != NULL ? X509_STORE_load_file(st, cafile) :
	    X509_STORE_set_default_paths(st)) != 1) {
		snprintf(why, whylen, "cannot load trust anchors from %s",
		    cafile != NULL ? cafile : "the system store");
		goto out;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, st, leaf, rest) != 1)
		goto out;
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
	if (is_ip(host))
		X509_VERIFY_PARAM_set1_ip_asc(vp, host);
	else
		X509_VERIFY_PARAM_set1_host(vp, host, 0);
	if (X509_verify_cert(ctx) == 1)
		rc = 0;
	else
		snprintf(why, whylen, "certificate not trusted for %s: %s",
		    host, X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return rc;
}

/* imap_verify_chain - the peer's chain against the anchors and host */
int
imap_verify_chain(mailstream *s, const char *host, const char *cafile,
    char *why, size_t whylen)
{
	carray *chain;
	X509 *leaf = NULL;
	STACK_OF(X509) *rest;
	int rc = -1;

	snprintf(why, whylen, "no usable certificate from the server");
	if ((chain = mailstream_get_certificate_chain(s)) == NULL)
		return -1;
	if ((rest = sk_X509_new_null()) != NULL &&
	    load_chain(chain, &leaf, rest) == 0)
		rc = check(leaf, rest, host, cafile, why, whylen);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	mailstream_certificate_chain_free(chain);
	ERR_clear_error();
	return rc;
}
