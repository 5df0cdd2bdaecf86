/*
 * spf_fuzz.c -- libFuzzer harness for our SPF check (libspf2 on our resolver)
 *
 * DESCRIPTION
 *	An SPF record is whatever the sender's DNS says: libspf2 compiles
 *	it, expands its macros and follows include, redirect, a, mx, ptr,
 *	exists and exp= through our DNS layer (common/spf.c), whose packet
 *	parsing and lookup counting see it too.  The input is lines: MAIL
 *	FROM, HELO name, client address (192.0.2.1 when it is not one),
 *	then up to NREC TXT records, one per line, for the names in recname[]
 *	(an include, a redirect, an exists and an exp= target besides the
 *	sender's domain, each also reachable under its own name).  A fixed
 *	zone adds addresses, MX, PTR, a SERVFAIL and a TIMEOUT name.  The
 *	zone file is written again for every input (in /dev/shm when it
 *	exists) and read by a fresh resolver.  The result must be one of
 *	the check's set with the scope and domain spf.h promises; anything
 *	else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lastinput.h"
#include "resolver.h"
#include "spf.h"
#include "tests/tools/zquote.h"
#include "zonepath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NREC	5
#define MAXREC	2048	/* per record; the zone line cap is larger */

static const char *const recname[NREC] = {
	"fuzz.example.", "inc.fuzz.example.", "red.fuzz.example.",
	"ex.fuzz.example.", "exp.fuzz.example."
};

static const char fixed_zone[] =
    "fuzz.example. A 192.0.2.1\n"
    "fuzz.example. AAAA 2001:db8::1\n"
    "fuzz.example. MX 10 mx.fuzz.example.\n"
    "fuzz.example. MX 20 mx2.fuzz.example.\n"
    "mx.fuzz.example. A 192.0.2.10\n"
    "mx2.fuzz.example. AAAA 2001:db8::10\n"
    "1.2.0.192.in-addr.arpa. PTR fuzz.example.\n"
    "1.2.0.192.in-addr.arpa. PTR other.example.\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    " PTR fuzz.example.\n"
    "192.0.2.1.ex.fuzz.example. A 127.0.0.2\n"
    "cname.fuzz.example. CNAME fuzz.example.\n"
    "sf.fuzz.example. SERVFAIL\n"
    "to.fuzz.example. TIMEOUT\n";

/* take - the next line of [*p, end) into out (NUL-terminated, capped) */
static void
take(const char **p, const char *end, char *out, size_t size)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len = (nl != NULL ? nl : end) - *p;

	snprintf(out, size, "%.*s", (int)len, *p);
	*p = nl != NULL ? nl + 1 : end;
}

/* txt - one record line as a quoted TXT string, escaped */
static void
txt(FILE *fp, const char *name, const char *s)
{
	fprintf(fp, "%s TXT ", name);
	zquote(fp, s, strlen(s));
	fputc('\n', fp);
}

/* check - the result keeps spf.h's promises */
static void
check(const struct dmarc_spf_result *res, int rc)
{
	switch (res->result) {
	case DMARC_ARES_PASS: case DMARC_ARES_FAIL: case DMARC_ARES_SOFTFAIL:
	case DMARC_ARES_NEUTRAL: case DMARC_ARES_NONE:
	case DMARC_ARES_TEMPERROR: case DMARC_ARES_PERMERROR:
		break;
	default:
		abort();
	}
	if (rc == -1 && res->result != DMARC_ARES_TEMPERROR)
		abort();
	if (res->source != DMARC_SRC_SELF ||
	    (res->scope != DMARC_SCOPE_MFROM && res->scope != DMARC_SCOPE_HELO))
		abort();
	if (res->domain[0] != '\0' &&
	    !dmarc_domain_is_ldh(res->domain, strlen(res->domain)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char from[512], helo[512], ip[64], rec[MAXREC], err[256];
	struct dmarc_spf_result res;
	struct resolver_opts o;
	struct resolver *r;
	struct spf *s;
	FILE *fp;
	int i, rc;

	last_input(data, size);
	if (zpath[0] == '\0' && zone_path("spf_fuzz") != 0)
		abort();
	if (memchr(data, '\0', size) != NULL)
		return 0;		/* C strings all the way down */
	take(&p, end, from, sizeof(from));
	take(&p, end, helo, sizeof(helo));
	take(&p, end, ip, sizeof(ip));
	if ((fp = fopen(zpath, "w")) == NULL)
		abort();
	fputs(fixed_zone, fp);
	for (i = 0; i < NREC && p < end; i++) {
		take(&p, end, rec, sizeof(rec));
		txt(fp, recname[i], rec);
	}
	if (fclose(fp) != 0)
		abort();
	memset(&o, 0, sizeof(o));
	o.zonefile = zpath;
	if ((r = resolver_new(&o, err, sizeof(err))) == NULL)
		return 0;		/* the zone refused a record: fine */
	if ((s = spf_new(r, "mx.receiver.example", err, sizeof(err))) == NULL)
		abort();
	rc = spf_check(s, ip[0] != '\0' ? ip : "192.0.2.1", helo, from, &res);
	if (rc == -1)	/* a bad address is a local error: try a good one */
		rc = spf_check(s, "192.0.2.1", helo, from, &res);
	check(&res, rc);
	spf_free(s);
	resolver_free(r);
	return 0;
}
