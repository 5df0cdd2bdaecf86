/*
 * dkim-bench.c -- what DKIM verification costs per message (not a test)
 *
 * SYNOPSIS
 *	dkim-bench [iterations]
 *
 * DESCRIPTION
 *	Generates keys (1024 and 2048 bits), publishes them in a zone file,
 *	signs messages with libopendkim's signer and times our verifier
 *	(common/dkim.c) over them on one thread: per-message wall time for
 *	a 2 KB message with one signature of each key size, with two
 *	signatures, and a 100 KB body.  The zone-file resolver answers at
 *	once, so the numbers are CPU cost without network time; a real
 *	lookup adds one DNS round trip per signature (libunbound caches
 *	keys for their TTL).  Build without sanitizers to measure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dkim.h"
#include "resolver.h"
#include "tests/tools/dkimtest.h"

struct feed {
	struct dkimv_msg *vm;
};

/* feed_header - dkimtest_feed to the verifier */
static void
feed_header(void *arg, const char *name, const char *value, size_t vlen)
{
	dkimv_msg_header(((struct feed *)arg)->vm, name, value, vlen);
}

/* feed_body - dkimtest_feed to the verifier */
static void
feed_body(void *arg, const unsigned char *p, size_t len)
{
	struct feed *f = arg;

	dkimv_msg_eoh(f->vm);
	dkimv_msg_body(f->vm, p, len);
}

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* make_msg - headers plus a body of about size bytes */
static char *
make_msg(size_t size)
{
	const char *hdr = "From: Alice <alice@good.example>\n"
	    "To: bob@receiver.example\nSubject: bench\n"
	    "Date: Tue, 1 Dec 2026 10:00:00 +0000\n"
	    "Message-ID: <bench@good.example>\n\n";
	const char *line = "The quick brown fox jumps over the lazy dog "
	    "while the numbers are in.\n";
	size_t hl = strlen(hdr), ll = strlen(line), n = hl;
	char *m = malloc(hl + size + ll + 1);

	memcpy(m, hdr, hl);
	while (n - hl < size) {
		memcpy(m + n, line, ll);
		n += ll;
	}
	m[n] = '\0';
	return m;
}

/* prepend - sig field + LF + msg */
static char *
prepend(const char *key, const char *d, const char *s, const char *msg)
{
	struct dkimtest_opts o = { 1, 1, 0, 1 };
	char *sig = dkimtest_sign(key, d, s, &o, msg, strlen(msg)), *out;
	size_t sl, ml = strlen(msg);

	if (sig == NULL)
		exit(1);
	sl = strlen(sig);
	out = malloc(sl + ml + 2);
	memcpy(out, sig, sl);
	out[sl] = '\n';
	memcpy(out + sl + 1, msg, ml + 1);
	free(sig);
	return out;
}

/* bench - time n verifications of msg; print µs per message */
static void
bench(struct dkimv *dv, const char *what, const char *msg, int n)
{
	struct dmarc_dkim_result res[4];
	struct feed f;
	double t0, t;
	size_t got = 0;
	int i, pass = 1;

	t0 = now();
	for (i = 0; i < n; i++) {
		f.vm = dkimv_msg_new(dv, "bench");
		dkimtest_feed(msg, strlen(msg), feed_header, feed_body, &f);
		got = dkimv_msg_eom(f.vm, res, 4);
		dkimv_msg_free(f.vm);
		for (size_t j = 0; j < got; j++)
			pass &= res[j].result == DMARC_ARES_PASS;
	}
	t = now() - t0;
	printf("%-40s %6zu bytes  %8.1f us/msg  (%zu sigs, %s)\n", what,
	    strlen(msg), t / n * 1e6, got, pass ? "all pass" : "NOT PASS");
}

int
main(int argc, char **argv)
{
	struct resolver_opts opts;
	struct resolver *r;
	struct dkimv *dv;
	char dir[] = "/tmp/dkim-bench.XXXXXX", zone[64], err[256];
	char *k1, *p1, *k2, *p2, *small, *big, *m;
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	FILE *fp;

	if (n <= 0 || mkdtemp(dir) == NULL ||
	    dkimtest_genkey(1024, &k1, &p1) != 0 ||
	    dkimtest_genkey(2048, &k2, &p2) != 0)
		return 1;
	snprintf(zone, sizeof(zone), "%s/bench.zone", dir);
	if ((fp = fopen(zone, "w")) == NULL)
		return 1;
	fprintf(fp, "k1024._domainkey.good.example. TXT \"v=DKIM1; p=%s\"\n"
	    "k2048._domainkey.good.example. TXT \"v=DKIM1; p=%s\"\n", p1, p2);
	fclose(fp);
	memset(&opts, 0, sizeof(opts));
	opts.zonefile = zone;
	r = resolver_new(&opts, err, sizeof(err));
	unlink(zone);
	rmdir(dir);
	if (r == NULL || (dv = dkimv_new(r, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkim-bench: %s\n", err);
		return 1;
	}
	small = make_msg(2000);
	big = make_msg(100000);
	bench(dv, "unsigned 2 KB (header parse only)", small, n);
	m = prepend(k1, "good.example", "k1024", small);
	bench(dv, "1 signature, RSA 1024, 2 KB", m, n);
	free(m);
	m = prepend(k2, "good.example", "k2048", small);
	bench(dv, "1 signature, RSA 2048, 2 KB", m, n);
	{
		char *m2 = prepend(k1, "good.example", "k1024", m);

		bench(dv, "2 signatures (2048 + 1024), 2 KB", m2, n);
		free(m2);
	}
	free(m);
	m = prepend(k2, "good.example", "k2048", big);
	bench(dv, "1 signature, RSA 2048, 100 KB", m, n / 4 > 0 ? n / 4 : 1);
	free(m);
	free(small);
	free(big);
	dkimv_free(dv);
	resolver_free(r);
	free(k1);
	free(p1);
	free(k2);
	free(p2);
	return 0;
}
