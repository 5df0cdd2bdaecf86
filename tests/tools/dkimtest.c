/*
 * dkimtest.c -- DKIM test keys (libcrypto) and signatures (libopendkim)
 *
 * SYNOPSIS
 *	#include "tests/tools/dkimtest.h"
 *
 * DESCRIPTION
 *	See dkimtest.h.  Keys are generated afresh by every run, so no
 *	private key lives in the repository.  The signer is libopendkim's,
 *	so a pass in our verifier is checked against an independent
 *	producer of the signature (not our own code).  dkimtest_sign_raw
 *	signs a given tag-list with libcrypto instead, for the invalid
 *	tag-lists no signer writes; its plain pass case checks it against
 *	libopendkim's verifier.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <opendkim/dkim.h>

#include "tests/tools/dkimtest.h"

#define SIGNAME		"DKIM-Signature"

/* bio_string - a memory BIO's contents as a NUL-terminated string */
static char *
bio_string(BIO *bio)
{
	char	*p, *s;
	long	 n = BIO_get_mem_data(bio, &p);

	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

/* dkimtest_genkey - fresh RSA key pair */
int
dkimtest_genkey(unsigned bits, char **pem, char **pub)
{
	EVP_PKEY	*pk;
	BIO		*bio;
	unsigned char	*der = NULL;
	int		 n;

	*pem = *pub = NULL;
	if ((pk = EVP_RSA_gen(bits)) == NULL)
		return -1;
	if ((bio = BIO_new(BIO_s_mem())) != NULL &&
	    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) == 1)
		*pem = bio_string(bio);
	BIO_free(bio);
	if ((n = i2d_PUBKEY(pk, &der)) > 0 &&
	    (*pub = malloc(((size_t)n + 2) / 3 * 4 + 1)) != NULL)
		EVP_EncodeBlock((unsigned char *)*pub, der, n);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	if (*pem == NULL || *pub == NULL) {
		free(*pem);
		free(*pub);
		*pem = *pub = NULL;
		return -1;
	}
	return 0;
}

/* next_line - length of the line at p (without LF/CRLF); *next after it */
static size_t
next_line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

	*next = nl != NULL ? nl + 1 : end;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

/* dkimtest_feed - header fields (value verbatim after the colon), body */
void
dkimtest_feed(const char *msg, size_t len, dkimtest_header_fn *hf,
    dkimtest_body_fn *bf, void *arg)
{
	const char	*p = msg, *end = msg + len, *next = NULL, *f = NULL;
	const char	*fend = NULL;
	const char	*colon;
	char		 name[256];
	size_t		 ll;

	for (;;) {
		ll = p < end ? next_line(p, end, &next) : 0;
		if (f != NULL && (ll == 0 || (*p != ' ' && *p != '\t'))) {
			colon = memchr(f, ':', (size_t)(fend - f));
			if (colon != NULL && (size_t)(colon - f) < sizeof(name)) {
				memcpy(name, f, (size_t)(colon - f));
				name[colon - f] = '\0';
				hf(arg, name, colon + 1,
				    (size_t)(fend - colon - 1));
			}
			f = NULL;
		}
		if (ll == 0)
			break;
		if (f == NULL)
			f = p;
		fend = p + ll;
		p = next;
	}
	if (p < end)
		p = next;
	if (p < end)
		bf(arg, (const unsigned char *)p, (size_t)(end - p));
}

/* The signer as dkimtest_feed's callbacks see it. */
struct signer {
	DKIM	*dkim;
	int	 eoh;
};

/* sign_header - dkimtest_feed callback for the signer */
static void
sign_header(void *arg, const char *name, const char *value, size_t vlen)
{
	struct signer *sg = arg;
	size_t	 nlen = strlen(name);
	char	*f = malloc(nlen + vlen + 2);

	if (f == NULL)
		return;
	memcpy(f, name, nlen);
	f[nlen] = ':';
	memcpy(f + nlen + 1, value, vlen);
	(void)dkim_header(sg->dkim, (unsigned char *)f, nlen + 1 + vlen);
	free(f);
}

/* sign_body - dkimtest_feed callback for the signer */
static void
sign_body(void *arg, const unsigned char *p, size_t len)
{
	struct signer *sg = arg;

	if (!sg->eoh) {
		sg->eoh = 1;
		(void)dkim_eoh(sg->dkim);
	}
	(void)dkim_body(sg->dkim, (unsigned char *)p, len);
}

/* field - "DKIM-Signature: " + value, CRLF turned into LF */
static char *
field(const unsigned char *v, size_t len)
{
	size_t	 i, n = sizeof(SIGNAME ": ") - 1;
	char	*s = malloc(n + len + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, SIGNAME ": ", n);
	for (i = 0; i < len; i++)
		if (v[i] != '\r')
			s[n++] = (char)v[i];
	s[n] = '\0';
	return s;
}

/* dkimtest_sign - libopendkim signs msg */
char *
dkimtest_sign(const char *pem, const char *domain, const char *selector,
    const struct dkimtest_opts *o, const char *msg, size_t len)
{
	DKIM_LIB	*lib;
	DKIM		*dkim;
	DKIM_STAT	 st = DKIM_STAT_OK;
	struct signer	 sg;
	unsigned int	 flags = DKIM_LIBFLAGS_FIXCRLF, bits = 512;
	unsigned char	*v = NULL;
	size_t		 vlen = 0;
	char		*out = NULL;

	if (o->with_l)
		flags |= DKIM_LIBFLAGS_SIGNLEN;
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return NULL;
	(void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags));
	/* tests sign with short keys too (the verifier's policy result) */
	(void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits,
	    sizeof(bits));
	dkim = dkim_sign(lib, (const unsigned char *)"dkimtest", NULL,
	    (dkim_sigkey_t)pem, (const unsigned char *)selector,
	    (const unsigned char *)domain,
	    o->relaxed_header ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
	    o->relaxed_body ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
	    DKIM_SIGN_RSASHA256, -1, &st);
	if (dkim == NULL) {
		fprintf(stderr, "dkim_sign: %s\n", dkim_getresultstr(st));
		dkim_close(lib);
		return NULL;
	}
	if (!o->fold)
		(void)dkim_set_margin(dkim, 0);
	sg.dkim = dkim;
	sg.eoh = 0;
	dkimtest_feed(msg, len, sign_header, sign_body, &sg);
	if (!sg.eoh)
		st = dkim_eoh(dkim);
	if (st == DKIM_STAT_OK && (st = dkim_eom(dkim, NULL)) == DKIM_STAT_OK &&
	    (st = dkim_getsighdr_d(dkim, sizeof(SIGNAME ": ") - 1, &v,
	    &vlen)) == DKIM_STAT_OK)
		out = field(v, vlen);
	else
		fprintf(stderr, "dkimtest_sign: %s: %s\n",
		    dkim_getresultstr(st), dkim_geterror(dkim) ?
		    dkim_geterror(dkim) : "");
	(void)dkim_free(dkim);
	dkim_close(lib);
	return out;
}

/* b64 - base64 of p[0..len), malloc(3)ed */
static char *
b64(const unsigned char *p, size_t len)
{
	char *s = malloc((len + 2) / 3 * 4 + 1);

	if (s != NULL)
		EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	return s;
}

/* body_hash - base64 SHA-256 of msg's body, simple canonicalization */
static char *
body_hash(const char *msg)
{
	const char *b = strstr(msg, "\n\n"), *p;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t end;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	b = b != NULL ? b + 2 : msg + strlen(msg);
	end = strlen(b);
	while (end > 0 && b[end - 1] == '\n')	/* trailing empty lines */
		end--;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (p = b; p < b + end; p++)
		EVP_DigestUpdate(ctx, *p == '\n' ? "\r\n" : p,
		    *p == '\n' ? 2 : 1);
	EVP_DigestUpdate(ctx, "\r\n", 2);	/* the last line's end */
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	return b64(md, mdlen);
}

/* add_field - the field of msg called name[0..nlen), verbatim + CRLF */
static void
add_field(EVP_MD_CTX *ctx, const char *msg, const char *name, size_t nlen)
{
	const char *p = msg, *eol;

	for (; *p != '\0' && *p != '\n'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			return;
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			EVP_DigestSignUpdate(ctx, p, (size_t)(eol - p));
			EVP_DigestSignUpdate(ctx, "\r\n", 2);
			return;
		}
	}
}

/* dkimtest_sign_raw - see dkimtest.h */
char *
dkimtest_sign_raw(const char *pem, const char *tags, const char *msg)
{
	const char *at = strstr(tags, "bh=@"), *h, *e;
	char *bh = body_hash(msg), *field = NULL, *sig = NULL, *out = NULL;
	unsigned char *raw = NULL;
	size_t flen, rawlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY *pk = NULL;
	BIO *bio = BIO_new_mem_buf(pem, -1);

	if (at == NULL || bh == NULL || bio == NULL || ctx == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
		goto done;
	flen = strlen(SIGNAME ": ") + strlen(tags) + strlen(bh);
	if ((field = malloc(flen + 1)) == NULL)
		goto done;
	snprintf(field, flen + 1, "%s: %.*s%s%s", SIGNAME,
	    (int)(at - tags + 3), tags, bh, at + 4);
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk) != 1)
		goto done;
	for (h = strstr(tags, "h="); h != NULL && h != tags && h[-1] != ' ' &&
	    h[-1] != ';'; h = strstr(h + 1, "h="))
		;	/* the tag h=, not the end of bh= */
	if (h != NULL)
		for (h += 2; *h != ';' && *h != '\0'; h = *e == ':' ? e + 1 : e) {
			e = h + strcspn(h, ":;");
			add_field(ctx, msg, h, (size_t)(e - h));
		}
	EVP_DigestSignUpdate(ctx, field, strlen(field));
	if (EVP_DigestSignFinal(ctx, NULL, &rawlen) != 1 ||
	    (raw = malloc(rawlen)) == NULL ||
	    EVP_DigestSignFinal(ctx, raw, &rawlen) != 1 ||
	    (sig = b64(raw, rawlen)) == NULL ||
	    (out = malloc(strlen(field) + strlen(sig) + 1)) == NULL)
		goto done;
	snprintf(out, strlen(field) + strlen(sig) + 1, "%s%s", field, sig);
done:
	EVP_PKEY_free(pk);
	EVP_MD_CTX_free(ctx);
	BIO_free(bio);
	free(bh);
	free(field);
	free(raw);
	free(sig);
	return out;
}
