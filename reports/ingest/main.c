/*
 * dmarc-ingest -- read received DMARC aggregate, failure and SMTP TLS
 * reports from files, directories, mailboxes or stdin; store and show them
 *
 * SYNOPSIS
 *	dmarc-ingest [-nqv] [-c conf] [-d dsn] [-j file] [-C dir]
 *	    [--archive[=prefix]] [--delete] [--rdns [-Z zonefile]] [--geoip file]
 *	    [--html dir [--period day|week|month]]
 *	    [--csv-columns ours|parsedmarc] [--samples none|headers|redacted|all]
 *	    [--password-file file] [--ca-file file] [--idle] [--no-starttls]
 *	    [--insecure] [--timeout seconds] [--max-size bytes]
 *	    [file | directory | maildir | mbox | imap[s]://user@host/mailbox
 *	    | -] ...
 *
 * DESCRIPTION
 *	Every input is read by content (ingest.c): a report file in any
 *	container, a mail message, an mbox (split on "From " lines), a
 *	Maildir (cur/ and new/), a directory (walked), an IMAP mailbox
 *	(imap.c; --idle stays connected), or stdin when no
 *	input or "-" is named, so an MTA can pipe one message to it from
 *	.forward.  Reports go to the database (Database key, or -d) unless
 *	-n, as JSON lines (-j) and as CSV files (-C dir: aggregate.csv,
 *	failure.csv, tls.csv).  An input without a report is named on
 *	stderr with its reason (and as a "type":"invalid" JSON line); the
 *	batch always goes on.  --html DIR then writes the summary pages of
 *	everything in the database (htmldb.c); with --html and no input
 *	named, stdin is not read: only the pages are written.
 *
 * DIAGNOSTICS
 *	Exit 0 when every input held a report, 1 when some did not, 2 on a
 *	fatal error (database, output files), 64 on a usage error.
 *
 * WHY A FILE OF ITS OWN
 *	Only this file does I/O: the parse layer below is pure, fuzzed and
 *	unit-tested on its own.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "html.h"
#include "imap.h"
#include "ingest.h"
#include "ingest_main.h"
#include "log.h"
#include "output.h"
#include "xmalloc.h"

#define EX_SOME		1
#define EX_FATAL	2
#define EX_USAGE_	64
#define INPUT_MAX	(512u << 20)	/* bytes read per file */
#define WALK_DEPTH	16

/* the IMAP options (--password-file, --idle, ...), long only */
enum {
	OPT_PASSFILE = 256,
	OPT_CAFILE,
	OPT_IDLE,
	OPT_NOSTARTTLS,
	OPT_INSECURE,
	OPT_TIMEOUT,
	OPT_MAXSIZE
};
/* the IMAP options (--password-file, --idle, ...) */
static struct imap_conf imapconf = { .timeout = IMAP_TIMEOUT,
	.maxsize = IMAP_MAXSIZE };

/* usage - the synopsis, and the usage exit status */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dmarc-ingest [-nqv] [-c conf] [-d dsn] "
	    "[-j file] [-C dir]\n"
	    "\t[--archive[=prefix]] [--delete] [--rdns [-Z zonefile]] "
	    "[--geoip file]\n"
	    "\t[--html dir [--period day|week|month]]\n"
	    "\t[--csv-columns ours|parsedmarc] "
	    "[--samples none|headers|redacted|all]\n"
	    "\t[--password-file file] [--ca-file file] [--idle] "
	    "[--no-starttls]\n"
	    "\t[--insecure] [--timeout seconds] [--max-size bytes]\n"
	    "\t[file | directory | maildir | mbox | "
	    "imap[s]://user@host/mailbox | -] ...\n");
	exit(EX_USAGE_);
}

/* read_fd - the whole of fd, up to INPUT_MAX bytes */
static char *
read_fd(int fd, size_t *len, int *toolong)
{
	struct ibuf b = { 0 };
	char chunk[65536];
	struct stat st;
	ssize_t n;

	*toolong = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size <= INPUT_MAX)
		ibuf_reserve(&b, (size_t)st.st_size + 1);
	for (;;) {
		if (b.cap - b.len > sizeof(chunk)) {
			/* straight into the buffer */
			n = read(fd, b.data + b.len, b.cap - b.len - 1);
			if (n > 0 && b.len + (size_t)n <= INPUT_MAX) {
				b.len += (size_t)n;
				b.data[b.len] = '\0';
				continue;
			}
			if (n > 0) {
				*toolong = 1;
				break;
			}
		} else
			n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ibuf_free(&b);
			return NULL;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > INPUT_MAX) {
			*toolong = 1;
			break;
		}
		ibuf_add(&b, chunk, (size_t)n);
	}
	ibuf_add(&b, "", 0);
	*len = b.len;
	return b.data;
}

/* one_input - ingest one blob and send its reports to the sinks */
int
one_input(struct ingest_run *run, const char *name, const char *p, size_t n)
{
	struct ingest_opts o = { &run->sink };
	struct ingest_result res;
	size_t errs = run->sinkerrs;
	int type;

	run->inputs++;
	run->input = name;	/* the sinks get the reports as they are read */
	if (ingest_bytes(p, n, &o, &res) != 0) {
		run->invalid++;
		sink_invalid(run, name, res.reject);
		ingest_result_free(&res);
		return INPUT_INVALID;
	}
	type = (int)res.reports[0]->type;
	ingest_result_free(&res);
	return run->sinkerrs != errs ? INPUT_UNSAVED : type;
}

/* is_mbox - starts with a "From " line and holds another one */
static int
is_mbox(const char *p, size_t n)
{
	size_t i;

	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	for (i = 0; i + 6 < n; i++)
		if (p[i] == '\n' && memcmp(p + i + 1, "From ", 5) == 0)
			return 1;
	return 0;
}

/* mbox - each message of an mbox (mboxrd ">From " left as is) */
static void
mbox(struct ingest_run *run, const char *name, const char *p, size_t n)
{
	size_t start = 0, i, k = 0;
	char label[4096];

	for (i = 0; i <= n; i++) {
		if (i < n && !(i > 0 && p[i - 1] == '\n' && i + 5 <= n &&
		    memcmp(p + i, "From ", 5) == 0))
			continue;
		if (i > start) {
			snprintf(label, sizeof(label), "%s#%zu", name, ++k);
			one_input(run, label, p + start, i - start);
		}
		start = i;
	}
}

/* read_file - a whole file (NUL-terminated); NULL with *err set */
char *
read_file(const char *path, size_t *len, const char **err)
{
	char *p;
	int fd, toolong;

	if ((fd = open(path, O_RDONLY)) < 0) {
		*err = strerror(errno);
		return NULL;
	}
	p = read_fd(fd, len, &toolong);
	if (p == NULL)
		*err = strerror(errno);
	close(fd);
	if (p != NULL && toolong) {
		*err = "larger than 512 MiB";
		free(p);
		return NULL;
	}
	return p;
}

/* file - one regular file (an mbox is split) */
static void
file(struct ingest_run *run, const char *path)
{
	const char *err;
	char *p;
	size_t n;

	if ((p = read_file(path, &n, &err)) == NULL) {
		run->invalid++;
		run->inputs++;
		sink_invalid(run, path, err);
		return;
	}
	if (is_mbox(p, n))
		mbox(run, path, p, n);
	else
		one_input(run, path, p, n);
	free(p);
}

/* namecmp - qsort order of directory entries */
static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* walk - a directory, sorted, recursively (a Maildir's tmp/ skipped) */
static void
walk(struct ingest_run *run, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct stat st;

	if (is_maildir(dir)) {
		maildir(run, dir);
		return;
	}
	if (depth > WALK_DEPTH || (d = opendir(dir)) == NULL) {
		run->inputs++;
		run->invalid++;
		sink_invalid(run, dir, depth > WALK_DEPTH ?
		    "directories nested too deep" : strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), namecmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (strcmp(names[i], "tmp") != 0)
				walk(run, path, depth + 1);
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			file(run, path);
		free(names[i]);
	}
	free(names);
}

/* input - one command-line operand */
static void
input(struct ingest_run *run, const char *arg)
{
	struct stat st;
	char *p;
	size_t n;
	int toolong;

	if (imap_is_url(arg)) {
		imap_input(run, &imapconf, arg);
		return;
	}
	if (strcmp(arg, "-") == 0) {
		if ((p = read_fd(0, &n, &toolong)) == NULL) {
			run->inputs++;
			run->invalid++;
			sink_invalid(run, "-", strerror(errno));
			return;
		}
		if (is_mbox(p, n))
			mbox(run, "-", p, n);
		else
			one_input(run, "-", p, n);
		free(p);
		return;
	}
	if (stat(arg, &st) != 0) {
		run->inputs++;
		run->invalid++;
		sink_invalid(run, arg, strerror(errno));
	} else if (S_ISDIR(st.st_mode))
		walk(run, arg, 0);
	else
		file(run, arg);
}

/* number - a decimal count with an optional k, M or G; -1 if bad */
static long long
number(const char *s, long long max)
{
	long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		mul = 1024;
	else if (*end == 'M')
		mul = 1 << 20;
	else if (*end == 'G')
		mul = 1 << 30;
	if (mul > 1)
		end++;
	if (errno != 0 || end == s || *end != '\0' || v <= 0 ||
	    v > max / mul)
		return -1;
	return v * mul;
}

/* imap_option - one of the IMAP options; -1 when its value is bad */
static int
imap_option(int ch, const char *arg)
{
	long long v;

	switch (ch) {
	case OPT_PASSFILE:
		imapconf.passfile = arg;
		break;
	case OPT_CAFILE:
		imapconf.cafile = arg;
		break;
	case OPT_IDLE:
		imapconf.idle = 1;
		break;
	case OPT_NOSTARTTLS:
		imapconf.plaintext = 1;
		break;
	case OPT_INSECURE:
		imapconf.noverify = 1;
		break;
	case OPT_TIMEOUT:
		if ((v = number(arg, 3600)) < 0)
			return -1;
		imapconf.timeout = (long)v;
		break;
	case OPT_MAXSIZE:
		if ((v = number(arg, INPUT_MAX)) < 0)
			return -1;
		imapconf.maxsize = (size_t)v;
		break;
	}
	return 0;
}

/* imap_operands - how many operands are IMAP URLs */
static int
imap_operands(int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++)
		n += imap_is_url(argv[i]);
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "csv-columns", required_argument, NULL, 'K' },
		{ "samples", required_argument, NULL, 'S' },
		{ "archive", optional_argument, NULL, 'A' },
		{ "delete", no_argument, NULL, 'D' },
		{ "rdns", no_argument, NULL, 'R' },
		{ "html", required_argument, NULL, 'H' },
		{ "period", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, OPT_PASSFILE },
		{ "ca-file", required_argument, NULL, OPT_CAFILE },
		{ "idle", no_argument, NULL, OPT_IDLE },
		{ "no-starttls", no_argument, NULL, OPT_NOSTARTTLS },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-size", required_argument, NULL, OPT_MAXSIZE },
		{ "geoip", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest_run run;
	const char *conffile = NULL;
	enum html_period per;
	int ch, i, rc;

	memset(&run, 0, sizeof(run));
	run.out.sample = SAMPLE_HEADERS;
	run.period = PERIOD_MONTH;
	/*
	 * Decompressed reports are large, short-lived blocks; from the heap
	 * they are reused, from mmap(2) every one costs fresh page faults.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	log_init("dmarc-ingest", 1, 0, 0);
	while ((ch = getopt_long(argc, argv, "c:C:d:j:nqvZ:", lopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'C':
			run.csvdir = optarg;
			break;
		case 'd':
			run.dsn = optarg;
			break;
		case 'j':
			run.jsonpath = optarg;
			break;
		case 'n':
			run.nodb = 1;
			break;
		case 'q':
			run.quiet = 1;
			break;
		case 'v':
			run.verbose++;
			break;
		case 'A':
			run.archive = optarg != NULL ? optarg : "Archive";
			if (*run.archive == '\0' || strchr(run.archive, '/'))
				usage();
			break;
		case 'D':
			run.delete = 1;
			break;
		case 'R':
			run.rdns = 1;
			break;
		case 'H':
			run.htmlpath = optarg;
			break;
		case 'G':
			run.geoip = optarg;
			break;
		case 'P':
			if (html_period_parse(optarg, &per) != 0)
				usage();
			run.period = (int)per;
			break;
		case 'Z':
			run.zonefile = optarg;
			break;
		case 'K':
			if (strcmp(optarg, "parsedmarc") == 0)
				run.out.parsedmarc = 1;
			else if (strcmp(optarg, "ours") != 0)
				usage();
			break;
		case 'S':
			if (sample_mode_parse(optarg, &run.out.sample) != 0)
				usage();
			break;
		case OPT_PASSFILE:
		case OPT_CAFILE:
		case OPT_IDLE:
		case OPT_NOSTARTTLS:
		case OPT_INSECURE:
		case OPT_TIMEOUT:
		case OPT_MAXSIZE:
			if (imap_option(ch, optarg) != 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (imapconf.idle && imap_operands(argc, argv) != 1) {
		log_warnx("--idle needs exactly one imap[s]:// mailbox");
		usage();
	}
	if (sinks_open(&run, conffile) != 0)
		return EX_FATAL;
	if (argc == 0 && run.htmlpath == NULL)
		input(&run, "-");
	for (i = 0; i < argc && !imap_stopped(); i++)
		input(&run, argv[i]);
	rc = sinks_close(&run);
	if (run.verbose)
		log_info("%zu inputs, %zu reports (%zu aggregate with %zu "
		    "records, %zu failure, %zu TLS), %zu duplicates, %zu "
		    "without a report", run.inputs, run.reports, run.nagg,
		    run.nrecords, run.nfail, run.ntls, run.dups, run.invalid);
	if (rc != 0)
		return EX_FATAL;
	/* a watched mailbox always holds some junk: not worth status 1 */
	return run.invalid > 0 && !imapconf.idle ? EX_SOME : 0;
}
