/*
 * dkimtest.h -- DKIM test keys and signatures, made at test time
 *
 * SYNOPSIS
 *	char *pem, *pub;
 *	dkimtest_genkey(1024, &pem, &pub);
 *	char *field = dkimtest_sign(pem, "example.com", "sel", opts,
 *	    msg, len);
 *	dkimtest_feed(msg, len, header_fn, body_fn, arg);
 *
 * DESCRIPTION
 *	Test-only helpers shared by tests/unit/test_dkim.c,
 *	tests/bench/dkim-bench.c and the dkimsign tool: RSA keys from
 *	libcrypto (no private key is ever committed), signatures from
 *	libopendkim's signer, and a splitter that hands a message's header
 *	fields (value verbatim after the colon) and body to callbacks.
 */
#ifndef DKIMTEST_H
#define DKIMTEST_H

#include <sys/types.h>

#include <stddef.h>

struct dkimtest_opts {
	int	 relaxed_header;	/* c=relaxed/... else simple/... */
	int	 relaxed_body;
	int	 with_l;		/* l= the body length */
	int	 fold;			/* fold the field at 75 columns */
};

/* dkimtest_genkey - RSA key: *pem (PKCS#8 PEM), *pub (base64 SPKI) */
int	 dkimtest_genkey(unsigned bits, char **pem, char **pub);

/*
 * dkimtest_sign - the whole "DKIM-Signature: ..." field (no line end,
 * folding as LF + TAB) for msg signed with pem (rsa-sha256); NULL and
 * a message on stderr when libopendkim refuses.
 */
char	*dkimtest_sign(const char *pem, const char *domain,
	    const char *selector, const struct dkimtest_opts *o,
	    const char *msg, size_t len);

/*
 * dkimtest_sign_raw - a "DKIM-Signature: " field whose tag-list is
 * tags, which must contain "bh=@" and end in "b=": the body hash
 * replaces "@" and the signature (rsa-sha256, c=simple/simple, over
 * the fields h= names) follows "b=".  For tag-lists libopendkim's
 * signer would never write (repeated tags); LF line ends, no folding.
 */
char	*dkimtest_sign_raw(const char *pem, const char *tags,
	    const char *msg);

typedef void dkimtest_header_fn(void *arg, const char *name,
	    const char *value, size_t vlen);
typedef void dkimtest_body_fn(void *arg, const unsigned char *p, size_t len);

/* dkimtest_feed - split msg into header fields and body (one chunk) */
void	 dkimtest_feed(const char *msg, size_t len, dkimtest_header_fn *hf,
	    dkimtest_body_fn *bf, void *arg);

#endif
