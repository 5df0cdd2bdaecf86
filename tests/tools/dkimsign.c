/*
 * dkimsign.c -- make DKIM test keys and sign test messages (tests only)
 *
 * SYNOPSIS
 *	dkimsign -g [-b bits] -k keyfile -s selector -d domain
 *	dkimsign -k keyfile -s selector -d domain [-fhlr] [file]
 *
 * DESCRIPTION
 *	With -g: generate an RSA key (default 1024 bits), write its private
 *	half to keyfile and print the zone-file line that publishes it:
 *	  selector._domainkey.domain. TXT "v=DKIM1; k=rsa; p=..."
 *	Otherwise: print the message (file or stdin) with a DKIM-Signature
 *	field prepended, signed by libopendkim with rsa-sha256.  -h and -r
 *	choose relaxed header and body canonicalization (default simple),
 *	-l adds l=, -f folds the field.  Test scripts use it so no private
 *	key is ever committed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/tools/dkimtest.h"

/* usage - the synopsis, then exit 2 */
static void
usage(void)
{
	fprintf(stderr, "usage: dkimsign -g [-b bits] -k keyfile -s selector "
	    "-d domain\n       dkimsign -k keyfile -s selector -d domain "
	    "[-fhlr] [file]\n");
	exit(2);
}

/* slurp - a whole stream, NUL-terminated */
static char *
slurp(FILE *fp, size_t *len)
{
	char	*buf = NULL, *nb;
	size_t	 n = 0, size = 0, r;

	do {
		if (n == size) {
			size = size ? size * 2 : 65536;
			if ((nb = realloc(buf, size)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, size - n, fp);
		n += r;
	} while (r > 0);
	buf[n] = '\0';		/* the last fread() had room and read 0 */
	*len = n;
	return buf;
}

/* genkey - -g: key file and zone line */
static int
genkey(unsigned bits, const char *keyfile, const char *sel, const char *dom)
{
	char	*pem, *pub;
	FILE	*fp;

	if (dkimtest_genkey(bits, &pem, &pub) != 0) {
		fprintf(stderr, "dkimsign: cannot generate a key\n");
		return 1;
	}
	if ((fp = fopen(keyfile, "w")) == NULL ||
	    fputs(pem, fp) == EOF || fclose(fp) != 0) {
		perror(keyfile);
		return 1;
	}
	printf("%s._domainkey.%s. TXT \"v=DKIM1; k=rsa; p=%s\"\n", sel, dom,
	    pub);
	free(pem);
	free(pub);
	return 0;
}

/* sign - print the signed message */
static int
sign(const char *keyfile, const char *sel, const char *dom,
    const struct dkimtest_opts *o, const char *file)
{
	FILE	*fp;
	char	*pem, *msg, *sig;
	size_t	 klen, mlen;
	int	 crlf;

	if ((fp = fopen(keyfile, "r")) == NULL ||
	    (pem = slurp(fp, &klen)) == NULL) {
		perror(keyfile);
		return 1;
	}
	fclose(fp);
	if ((fp = file != NULL ? fopen(file, "rb") : stdin) == NULL ||
	    (msg = slurp(fp, &mlen)) == NULL) {
		perror(file != NULL ? file : "stdin");
		return 1;
	}
	if (fp != stdin)
		fclose(fp);
	if ((sig = dkimtest_sign(pem, dom, sel, o, msg, mlen)) == NULL)
		return 1;
	crlf = memchr(msg, '\r', mlen) != NULL;
	for (const char *s = sig; *s != '\0'; s++) {
		if (*s == '\n' && crlf)
			putchar('\r');
		putchar(*s);
	}
	fputs(crlf ? "\r\n" : "\n", stdout);
	fwrite(msg, 1, mlen, stdout);
	free(sig);
	free(msg);
	free(pem);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct dkimtest_opts o;
	const char *keyfile = NULL, *sel = NULL, *dom = NULL;
	unsigned bits = 1024;
	int ch, gen = 0;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "b:d:fghk:lrs:")) != -1) {
		switch (ch) {
		case 'b':
			bits = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			dom = optarg;
			break;
		case 'f':
			o.fold = 1;
			break;
		case 'g':
			gen = 1;
			break;
		case 'h':
			o.relaxed_header = 1;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'l':
			o.with_l = 1;
			break;
		case 'r':
			o.relaxed_body = 1;
			break;
		case 's':
			sel = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keyfile == NULL || sel == NULL || dom == NULL || argc > 1 ||
	    (gen && argc > 0))
		usage();
	if (gen)
		return genkey(bits, keyfile, sel, dom);
	return sign(keyfile, sel, dom, &o, argc > 0 ? argv[0] : NULL);
}
