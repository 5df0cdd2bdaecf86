/*
 * dkimkey_fuzz.c -- libFuzzer harness for DKIM key records (common/dkim.c)
 *
 * DESCRIPTION
 *	A signature's key record is whatever the signing domain's DNS says:
 *	libopendkim parses its tags, decodes p= and hands it to libcrypto.
 *	dkim_fuzz varies the message; this harness varies the key.  The
 *	input is the TXT data at sel._domainkey.fuzz.example, one RR per
 *	line (so several records, and none, are reached too), written into
 *	a zone file read by a fresh resolver and verifier for every input.
 *	The message is fixed: one that dkim_fuzz's corpus signed with the
 *	key whose public half dkim.in/ names, so the seed with that key
 *	passes and the fuzzer starts at a real verification.  The result
 *	must be one of the verifier's set with the signature's d= and s=;
 *	anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim.h"
#include "lastinput.h"
#include "resolver.h"
#include "tests/tools/dkimtest.h"
#include "tests/tools/zquote.h"
#include "zonepath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char msg[] =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=fuzz.example; "
    "s=sel;\n"
    "\tt=1796135237; bh=b6cPmvmH0YRod72bCvx2z15md0vJVEpmaXNwAaChfGE=;\n"
    "\th=From:To:Subject:Date;\n"
    "\tb=tmdQ9hbQYjiLoqvOuO4A8Gp7gqi4HjIhsa5HbvKaOMmProym797GpeVuuDl9xraLq\n"
    "\t lsMGeAxlP5H9qFvLAYeKeOCSWz0jFmcrtDh5CBH09agLVoj/wCIImmawPUZ/w5JvqC\n"
    "\t OOYB498tBIFSAMECfEPI/pheDYW+qqMl8IY3Jz3s=\n"
    "From: Alice <alice@fuzz.example>\n"
    "To: bob@x.example\n"
    "Subject: fuzz\n"
    "Date: Tue, 1 Dec 2026 10:00:00 +0000\n"
    "\n"
    "body line\n"
    "\n"
    "second  line \n";

/* feed_header, feed_body - dkimtest_feed to the verifier */
static void
feed_header(void *arg, const char *name, const char *value, size_t vlen)
{
	dkimv_msg_header(arg, name, value, vlen);
}

static void
feed_body(void *arg, const unsigned char *p, size_t len)
{
	dkimv_msg_eoh(arg);
	dkimv_msg_body(arg, p, len);
}

/* write_zone - one TXT RR per input line at the selector's name */
static int
write_zone(const char *p, const char *end)
{
	const char *nl;
	FILE *fp;

	if ((fp = fopen(zpath, "w")) == NULL)
		return -1;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		fputs("sel._domainkey.fuzz.example. TXT ", fp);
		zquote(fp, p, (size_t)(nl - p));
		fputc('\n', fp);
	}
	fputs("other._domainkey.fuzz.example. SERVFAIL\n", fp);
	return fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_dkim_result res[2];
	struct resolver_opts o;
	struct resolver *r;
	struct dkimv *dv;
	struct dkimv_msg *vm;
	char err[256];
	size_t n;

	last_input(data, size);
	if (zpath[0] == '\0' && zone_path("dkimkey_fuzz") != 0)
		abort();
	if (size > 4096 || memchr(data, '\0', size) != NULL)
		return 0;	/* a zone line holds no NUL; keys are short */
	if (write_zone((const char *)data, (const char *)data + size) != 0)
		abort();
	memset(&o, 0, sizeof(o));
	o.zonefile = zpath;
	if ((r = resolver_new(&o, err, sizeof(err))) == NULL)
		return 0;		/* the zone refused a record: fine */
	if ((dv = dkimv_new(r, err, sizeof(err))) == NULL ||
	    (vm = dkimv_msg_new(dv, "fuzz")) == NULL)
		abort();
	dkimtest_feed(msg, sizeof(msg) - 1, feed_header, feed_body, vm);
	n = dkimv_msg_eom(vm, res, 2);
	if (n != 1 || strcmp(res[0].domain, "fuzz.example") != 0 ||
	    strcmp(res[0].selector, "sel") != 0)
		abort();
	switch (res[0].result) {
	case DMARC_ARES_PASS: case DMARC_ARES_FAIL: case DMARC_ARES_NEUTRAL:
	case DMARC_ARES_POLICY: case DMARC_ARES_TEMPERROR:
	case DMARC_ARES_PERMERROR:
		break;
	default:
		abort();
	}
	dkimv_msg_free(vm);
	dkimv_free(dv);
	resolver_free(r);
	return 0;
}
