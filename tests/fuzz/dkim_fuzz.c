/*
 * dkim_fuzz.c -- libFuzzer harness for DKIM verification (common/dkim.c)
 *
 * DESCRIPTION
 *	The input is a whole message: its header fields (value verbatim
 *	after the colon, folded lines kept) and body go through our
 *	verifier, which hands them to libopendkim after its own line-end
 *	normalization, and the results are checked: at most DKIMV_MAXSIGS,
 *	each with a valid domain, an RFC 8601 result of the verifier's set
 *	and a header.b prefix of at most 15 characters; anything else
 *	aborts.  DNS is a zone file written once: the public half of a test
 *	key (its private half was thrown away once the corpus in dkim.in/
 *	was signed, so the corpus holds real passing signatures), a SERVFAIL
 *	and a missing key.  The body is fed in two chunks split at an
 *	input-dependent point, so CRLF handling across chunks is exercised.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lastinput.h"
#include "dkim.h"
#include "resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the public half only; the corpus was signed with the private half */
static const char fuzz_pub[] =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDsay9/eOEp1ZpIkJheUjpYi6hd"
    "YVy4E1vcaRixEo6sdD0REW5BSmwtB6zDfjA+wxr0w+u6nMfQf6zDVKONXU3F42Q/"
    "olbA+jerRcxBRd+xoAOkQ95kyQRDbDmVtxBqSzKF0a5ffMvCosYcdiqLpiJljMzl"
    "lJf77yCRBeyYhxp4UQIDAQAB";

static struct resolver *fz_r;
static struct dkimv *fz_dv;

/* setup - the zone file, resolver and verifier, once per process */
static int
setup(void)
{
	struct resolver_opts o;
	char path[] = "/tmp/dkim_fuzz.XXXXXX", err[256];
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(fp, "sel._domainkey.fuzz.example. TXT \"v=DKIM1; k=rsa; "
	    "p=%s\"\nother._domainkey.fuzz.example. TXT \"v=DKIM1; p=%s\"\n"
	    "sf._domainkey.fuzz.example. SERVFAIL\n", fuzz_pub, fuzz_pub);
	fclose(fp);
	memset(&o, 0, sizeof(o));
	o.zonefile = path;
	fz_r = resolver_new(&o, err, sizeof(err));
	unlink(path);
	if (fz_r == NULL || (fz_dv = dkimv_new(fz_r, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkim_fuzz: %s\n", err);
		return -1;
	}
	return 0;
}

/* line - length of the line at p without its end; *next after it */
static size_t
line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

	*next = nl != NULL ? nl + 1 : end;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

/* field - one header field [f, fend) to the verifier */
static void
field(struct dkimv_msg *vm, const char *f, const char *fend)
{
	const char *colon = memchr(f, ':', (size_t)(fend - f));
	char name[256];

	if (colon == NULL || (size_t)(colon - f) >= sizeof(name))
		return;
	memcpy(name, f, (size_t)(colon - f));
	name[colon - f] = '\0';
	dkimv_msg_header(vm, name, colon + 1, (size_t)(fend - colon - 1));
}

/* check - the results keep the verifier's promises */
static void
check(const struct dmarc_dkim_result *res, size_t n)
{
	size_t i;

	if (n > DKIMV_MAXSIGS)
		abort();
	for (i = 0; i < n; i++) {
		switch (res[i].result) {
		case DMARC_ARES_PASS: case DMARC_ARES_FAIL:
		case DMARC_ARES_NEUTRAL: case DMARC_ARES_POLICY:
		case DMARC_ARES_TEMPERROR: case DMARC_ARES_PERMERROR:
			break;
		default:
			abort();
		}
		if (res[i].domain[0] == '\0' || res[i].source != DMARC_SRC_SELF ||
		    strlen(res[i].bprefix) > 15 ||
		    !dmarc_domain_is_ldh(res[i].domain, strlen(res[i].domain)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *next;
	const char *f = NULL, *fend = NULL, *l;
	struct dmarc_dkim_result res[DKIMV_MAXSIGS + 2];
	struct dkimv_msg *vm;
	size_t ll, cut;

	last_input(data, size);
	if (fz_dv == NULL && setup() != 0)
		abort();
	if ((vm = dkimv_msg_new(fz_dv, "fuzz")) == NULL)
		return 0;
	for (;;) {
		l = p;
		ll = p < end ? line(p, end, &next) : 0;
		if (f != NULL && (ll == 0 || (*l != ' ' && *l != '\t'))) {
			field(vm, f, fend);
			f = NULL;
		}
		if (ll == 0)
			break;
		if (f == NULL)
			f = l;
		fend = l + ll;
		p = next;
	}
	if (p < end)
		p = next;
	if (dkimv_msg_eoh(vm) && p < end) {
		cut = size % (size_t)(end - p + 1);
		dkimv_msg_body(vm, (const unsigned char *)p, cut);
		dkimv_msg_body(vm, (const unsigned char *)p + cut,
		    (size_t)(end - p) - cut);
	}
	check(res, dkimv_msg_eom(vm, res, DKIMV_MAXSIGS + 2));
	dkimv_msg_free(vm);
	return 0;
}
