/*
 * dnsq -- look names up through dmarcd's resolver, for tests and humans
 *
 * SYNOPSIS
 *	dnsq [-FPuv] [-s ip[@port]]... [-t timeout_ms] [-z zonefile]
 *	    [-n repeat] [-w wait_ms] [-j threads] TYPE NAME...
 *
 * DESCRIPTION
 *	TYPE is TXT (resolver_txt: one joined string per RR), EXISTS
 *	(resolver_exists) or A, AAAA, MX, PTR, CNAME, NS (resolver_query,
 *	the answer packet decoded with libresolv).  Each of the -j threads
 *	(default 1) looks every NAME up -n times (default 1), all through
 *	one resolver, waiting -w milliseconds between rounds (to outlive
 *	a TTL), and prints one line per answer (-P: each round first sends
 *	every NAME's query with resolver_prefetch(), as dmarcd does when a
 *	From field arrives, then looks the names up; -u gives every lookup
 *	a name of its own, "rROUND-tTHREAD.NAME", so that no two lookups
 *	share a query and each thread waits for its own answer; -F only
 *	sends the prefetches, looks nothing up and frees the resolver with
 *	those queries still in flight):
 *
 *		NAME TYPE status [rr...]
 *
 *	status is data, nodata, nxdomain, servfail, timeout or error.  TXT
 *	RRs are printed in double quotes with \" \\ and \DDD escapes.  -s
 *	may repeat; without -s and -z, resolv.conf is used.  -v adds, on
 *	standard error, "# NAME TYPE N ms" per lookup and the resolver's
 *	counters at the end ("# lookups N kept N timeouts N servfails N
 *	sent N joined N prefetched N").
 *
 * EXIT STATUS
 *	0 when every lookup ran (whatever its answer), 1 on a setup error,
 *	2 on a usage error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "resolver.h"
#include "tests/tools/zquote.h"

#define TYPE_EXISTS	-1
#define MAX_NS		8

static struct {
	struct resolver	*r;
	int		 type;		/* ns_t_* or TYPE_EXISTS */
	const char	*tname;
	char		**names;
	int		 nnames;
	long		 repeat;
	long		 wait_ms;
	int		 verbose;
	int		 prefetch;
	int		 fire_only;	/* -F */
	int		 unique;
} q;

static const struct {
	const char	*name;
	int		 type;
} types[] = {
	{ "TXT", ns_t_txt }, { "EXISTS", TYPE_EXISTS }, { "A", ns_t_a },
	{ "AAAA", ns_t_aaaa }, { "MX", ns_t_mx }, { "PTR", ns_t_ptr },
	{ "CNAME", ns_t_cname }, { "NS", ns_t_ns }
};

/* usage - the synopsis, exit 2 */
static void
usage(void)
{
	fprintf(stderr, "usage: dnsq [-FPuv] [-s ip[@port]]... [-t timeout_ms] "
	    "[-z zonefile] [-n repeat] [-w wait_ms] [-j threads] TYPE NAME...\n"
	    "       (-u: a name of its own for every lookup; -F: prefetch "
	    "only, free with queries in flight)\n");
	exit(2);
}

/* put_txt - one TXT RR, quoted and escaped */
static void
put_txt(FILE *fp, const char *p, size_t len)
{
	fputc(' ', fp);
	zquote(fp, p, len);
}

/* put_rr - one answer RR of a packet */
static void
put_rr(FILE *fp, ns_msg *m, int i)
{
	char name[NS_MAXDNAME], a[INET6_ADDRSTRLEN];
	const unsigned char *rd;
	size_t n, off;
	ns_rr rr;

	if (ns_parserr(m, ns_s_an, i, &rr) != 0) {
		fputs(" ?", fp);
		return;
	}
	rd = ns_rr_rdata(rr);
	n = ns_rr_rdlen(rr);
	if ((int)ns_rr_type(rr) != q.type)
		fprintf(fp, " type%d=", ns_rr_type(rr));
	else
		fputc(' ', fp);
	switch (ns_rr_type(rr)) {
	case ns_t_a:
	case ns_t_aaaa:
		if (inet_ntop(n == 4 ? AF_INET : AF_INET6, rd, a, sizeof(a)))
			fputs(a, fp);
		break;
	case ns_t_mx:
		if (n > 2 && ns_name_uncompress(ns_msg_base(*m),
		    ns_msg_end(*m), rd + 2, name, sizeof(name)) >= 0)
			fprintf(fp, "%u %s", ns_get16(rd), name);
		break;
	case ns_t_txt:
		for (off = 0; off < n && off + 1 + rd[off] <= n;
		    off += 1 + (size_t)rd[off])
			put_txt(fp, (const char *)rd + off + 1, rd[off]);
		break;
	default:
		if (ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), rd,
		    name, sizeof(name)) >= 0)
			fputs(name, fp);
	}
}

/* lookup - one lookup, one line */
static void
lookup(const char *name)
{
	struct dmarc_dns_txt t = { 0, NULL, NULL };
	struct timespec t0, t1;
	enum dmarc_dns st;
	unsigned char *pkt = NULL;
	size_t len = 0, i;
	ns_msg m;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (q.type == ns_t_txt)
		st = resolver_txt(q.r, name, &t);
	else if (q.type == TYPE_EXISTS)
		st = resolver_exists(q.r, name);
	else
		st = resolver_query(q.r, name, q.type, &pkt, &len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	flockfile(stdout);
	printf("%s %s %s", name, q.tname, dmarc_dns_name(st));
	for (i = 0; i < t.n; i++)
		put_txt(stdout, t.rr[i], t.len[i]);
	if (pkt != NULL && ns_initparse(pkt, (int)len, &m) == 0)
		for (i = 0; i < ns_msg_count(m, ns_s_an); i++)
			put_rr(stdout, &m, (int)i);
	putchar('\n');
	fflush(stdout);
	funlockfile(stdout);
	if (q.verbose)
		fprintf(stderr, "# %s %s %ld ms\n", name, q.tname,
		    (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	dmarc_dns_txt_clear(&t);
	free(pkt);
}

/* name_of - NAME, or with -u the name of this round and thread */
static const char *
name_of(int i, long k, long t, char *buf, size_t size)
{
	if (!q.unique)
		return q.names[i];
	snprintf(buf, size, "r%ld-t%ld.%s", k, t, q.names[i]);
	return buf;
}

/* worker - one thread's share: every name, repeat times */
static void *
worker(void *arg)
{
	long k, t = (long)(intptr_t)arg;
	char buf[300];
	int i;

	for (k = 0; k < q.repeat; k++) {
		if (k > 0 && q.wait_ms > 0)
			usleep((useconds_t)q.wait_ms * 1000);
		for (i = 0; (q.prefetch || q.fire_only) && i < q.nnames; i++)
			resolver_prefetch(q.r, name_of(i, k, t, buf,
			    sizeof(buf)), q.type == TYPE_EXISTS ? ns_t_a :
			    q.type);
		for (i = 0; !q.fire_only && i < q.nnames; i++)
			lookup(name_of(i, k, t, buf, sizeof(buf)));
	}
	return NULL;
}

/* run - start the threads and wait for them */
static int
run(long nthreads)
{
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	long i;

	if (t == NULL)
		return -1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) !=
		    0) {
			perror("pthread_create");
			exit(1);
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}

/* main - options, one resolver, the threads, the counters */
int
main(int argc, char **argv)
{
	struct resolver_opts o = { 0 };
	struct resolver_stats st;
	const char *ns[MAX_NS];
	char err[512];
	long nthreads = 1;
	size_t i;
	int c;

	q.repeat = 1;
	o.nameservers = ns;
	while ((c = getopt(argc, argv, "FPj:n:s:t:uvw:z:")) != -1) {
		switch (c) {
		case 'F':
			q.fire_only = 1;
			break;
		case 'P':
			q.prefetch = 1;
			break;
		case 'u':
			q.unique = 1;
			break;
		case 'j':
			if ((nthreads = strtol(optarg, NULL, 10)) < 1 ||
			    nthreads > 256)
				usage();
			break;
		case 'n':
			if ((q.repeat = strtol(optarg, NULL, 10)) < 1)
				usage();
			break;
		case 's':
			if (o.nnameservers == MAX_NS)
				usage();
			ns[o.nnameservers++] = optarg;
			break;
		case 't':
			o.timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'v':
			q.verbose = 1;
			break;
		case 'w':
			if ((q.wait_ms = strtol(optarg, NULL, 10)) < 0 ||
			    q.wait_ms > 60000)
				usage();
			break;
		case 'z':
			o.zonefile = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2)
		usage();
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(argv[optind], types[i].name) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		usage();
	q.type = types[i].type;
	q.tname = types[i].name;
	q.names = argv + optind + 1;
	q.nnames = argc - optind - 1;
	if ((q.r = resolver_new(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dnsq: %s\n", err);
		return 1;
	}
	run(nthreads);
	resolver_stats(q.r, &st);
	if (q.verbose)
		fprintf(stderr, "# lookups %lu kept %lu timeouts %lu "
		    "servfails %lu sent %lu joined %lu prefetched %lu\n",
		    st.lookups, st.kept, st.timeouts, st.servfails, st.sent,
		    st.joined, st.prefetched);
	resolver_free(q.r);
	return 0;
}
