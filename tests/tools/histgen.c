/*
 * histgen.c -- generate history files for the import tests and benchmark
 *
 * SYNOPSIS
 *	histgen [-O] [-n records] [-s seed] [-r reporter] [-t start] [-d domains]
 *
 * DESCRIPTION
 *	Writes n records (default 1000) to standard output through libdmarc's
 *	own formatter (dmarc_history_format), so they are byte for byte what
 *	dmarcd writes: OpenDMARC's keys, then dmarcd's extension keys
 *	(-O: without them, as OpenDMARC 1.4.2 would).  Deterministic for a
 *	seed.  From domains come from a pool of -d names (default 200) with
 *	fixed policies; records carry 0-2 DKIM results, a few ARC seals, the
 *	null sender now and then, and one record in fifty has no job id
 *	("(unknown-jobid)"), two of those in the same second.  Job ids are
 *	"<reporter>-<n>", received times start at -t (default 1790000000)
 *	and advance one second every three records.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmarc.h"

static unsigned long long seed = 1;

/* rnd - a number in [0, n) from a 64-bit LCG */
static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((seed >> 33) % n);
}

/* policy_of - the fixed policy of pool domain i */
static void
policy_of(unsigned i, struct dmarc_history *h)
{
	static const int ps[] = { 'n', 'q', 'r' };

	h->p = ps[i % 3];
	h->sp = i % 5 == 0 ? 'n' : 0;
	h->adkim = i % 4 == 0 ? 's' : 'r';
	h->aspf = 'r';
	h->pct = i % 7 == 0 ? 50 : 100;
	h->fo = (int)(i % 2);
	h->ext_np = i % 6 == 0 ? 'r' : 0;
	h->ext_t = i % 11 == 0 ? 1 : -1;
}

/* one - record n */
static void
one(unsigned long n, const char *reporter, long long start, unsigned ndom,
    int ext)
{
	struct dmarc_history h;
	struct dmarc_hist_dkim dk[2];
	struct dmarc_hist_arcseal seal;
	char job[64], from[64], mfrom[64], dd[2][64], ip[64], sel[2][16];
	char rua[96], *ruas[1], *out;
	unsigned d = rnd(ndom), i;
	size_t len;

	memset(&h, 0, sizeof(h));
	if (n % 50 == 7 || n % 50 == 8)
		(void)snprintf(job, sizeof(job), "(unknown-jobid)");
	else
		(void)snprintf(job, sizeof(job), "%s-%lu", reporter, n);
	h.job = job;
	h.reporter = (char *)reporter;
	h.received = start + (long long)(n / 3);
	(void)snprintf(ip, sizeof(ip), rnd(4) ? "192.0.%u.%u" :
	    "2001:db8::%x:%x", rnd(250), rnd(250) + 1);
	h.ipaddr = ip;
	(void)snprintf(from, sizeof(from), "%sd%u.example", rnd(5) ? "" :
	    "sub.", d);
	h.from = from;
	(void)snprintf(mfrom, sizeof(mfrom), "%s", rnd(20) ? from : "");
	h.mfrom = mfrom;
	h.ndkim = rnd(3);
	for (i = 0; i < h.ndkim; i++) {
		(void)snprintf(dd[i], sizeof(dd[i]), i ? "esp%u.example" :
		    "d%u.example", i ? rnd(20) : d);
		(void)snprintf(sel[i], sizeof(sel[i]), "s%u", rnd(4));
		dk[i].domain = dd[i];
		dk[i].selector = rnd(10) ? sel[i] : NULL;
		dk[i].result = rnd(4) ? DMARC_ARES_PASS : DMARC_ARES_FAIL;
	}
	h.dkim = dk;
	h.spf = rnd(3) ? DMARC_ARES_PASS : DMARC_ARES_SOFTFAIL;
	h.spf_scope = ext ? 1 : 0;
	(void)snprintf(rua, sizeof(rua), "mailto:dmarc@d%u.example", d);
	h.pdomain = from + (from[0] == 's' ? 4 : 0);
	h.policy = d % 13 == 0 ? DMARC_HPOLICY_ABSENT : rnd(3) ?
	    DMARC_HPOLICY_PASS : DMARC_HPOLICY_NONE;
	h.fo = -1;
	h.ext_t = -1;
	if (h.policy != DMARC_HPOLICY_ABSENT) {
		ruas[0] = rua;
		h.rua = ruas;
		h.nrua = 1;
		policy_of(d, &h);
	}
	h.align_dkim = h.ndkim > 0 && dk[0].result == 0 ? 4 : 5;
	h.align_spf = h.spf == 0 ? 4 : 5;
	h.arc = DMARC_ARES_FAIL;
	h.arc_policy = 2;
	if (rnd(25) == 0) {
		seal.instance = 1;
		seal.domain = "fwd.example";
		seal.selector = "arc";
		seal.ip = ip;
		h.arcseal = &seal;
		h.narcseal = 1;
	}
	h.action = DMARC_HACTION_ACCEPT;
	if (!ext)
		h.fo = -1;	/* 1.4.2 has no "fo" key */
	if (ext) {
		h.has_ext = 1;
		h.ext_result = h.policy == DMARC_HPOLICY_PASS ? "pass" :
		    h.policy == DMARC_HPOLICY_ABSENT ? "none" : "fail";
		h.ext_disposition = h.policy == DMARC_HPOLICY_PASS ? "pass" :
		    "none";
		h.ext_discovery = rnd(2) ? "treewalk" : "psl";
		h.ext_spf_domain = mfrom[0] ? mfrom : NULL;
		h.ext_profile = "rfc9989";
	}
	if (dmarc_history_format(&h, ext, &out, &len) != DMARC_OK) {
		fprintf(stderr, "histgen: cannot format record %lu\n", n);
		exit(1);
	}
	fwrite(out, 1, len, stdout);
	free(out);
}

int
main(int argc, char *argv[])
{
	unsigned long n = 1000, i;
	long long start = 1790000000;
	const char *reporter = "mx1.example.net";
	unsigned ndom = 200;
	int ch, ext = 1;

	while ((ch = getopt(argc, argv, "Od:n:r:s:t:")) != -1) {
		switch (ch) {
		case 'O':
			ext = 0;
			break;
		case 'd':
			ndom = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reporter = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 't':
			start = strtoll(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: histgen [-O] [-n records] "
			    "[-s seed] [-r reporter] [-t start] [-d domains]\n");
			return 2;
		}
	}
	if (ndom == 0)
		ndom = 1;
	for (i = 0; i < n; i++)
		one(i, reporter, start, ndom, ext);
	return ferror(stdout) ? 1 : 0;
}
