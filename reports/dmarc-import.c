/*
 * dmarc-import.c -- import history files into the report database
 *
 * SYNOPSIS
 *	dmarc-import [-v] [-c conf] [--database dsn] [--dbhost host]
 *	    [--dbname name] [--dbuser user] [--dbpasswd pass] [--dbport port]
 *	    [--batch n] [--input file | --rotate file | file ...]
 *
 * DESCRIPTION
 *	Reads history records written by dmarcd or by OpenDMARC (libdmarc's
 *	parser, history.c) from standard input, the named files or --input,
 *	and writes them in transactions of --batch records (import-db.c).
 *
 *	When a record is complete.  A record starts with its "job" line
 *	and has no terminator, so the next "job" line ends it.  The last
 *	record of an input is complete only when the input ends with a
 *	newline, the record has its "action" line (OpenDMARC's last key),
 *	and, if dmarcd's extension keys follow "action" in this record or
 *	in any earlier record of the input, when it has "profile" (the last
 *	extension key dmarcd always writes).  Otherwise the writer may have
 *	been cut off: the record is not imported, and the next run, which
 *	reads the file again, imports it once it is complete (records
 *	already imported are duplicates and change nothing).
 *
 *	A file is opened and locked with flock(LOCK_SH), as
 *	opendmarc-import does, only long enough to read its size: dmarcd
 *	appends whole records under LOCK_EX, so every byte up to that size
 *	is whole, and the milter is not held up while the database works.
 *
 *	--rotate FILE does what opendmarc-importstats does, safely: FILE is
 *	renamed to FILE.import, imported, and removed only when the import
 *	succeeded (an incomplete last record keeps it).  A FILE.import left
 *	by an earlier run is imported first, and then it is final: nothing
 *	will ever be appended to it, so an incomplete last record there is
 *	reported as truncated and dropped.  FILE.import.lock keeps two
 *	rotations of the same file apart.
 *
 * DIAGNOSTICS
 *	A malformed record (a line libdmarc cannot parse, a record cut off
 *	before its "action" line, or with dmarcd's extension keys but
 *	without "profile", and followed by another, a value the schema
 *	cannot hold) is reported with its file and line and skipped; the
 *	rest is imported.  Exit status: 0 success; 65 some records were
 *	skipped; 66 an input could not be read; 75 the database failed
 *	(nothing of the failed batch was written; run again); 64 usage;
 *	78 bad configuration.
 *
 * SEE ALSO
 *	dmarc-import(1), opendmarc-compat.md sections 3 and 5.1
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dbopen.h"
#include "dmarc.h"
#include "import.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define EX_OK_		0
#define EX_USAGE_	64
#define EX_DATAERR_	65
#define EX_NOINPUT_	66
#define EX_TEMPFAIL_	75
#define DEFAULT_BATCH	10000

/* What reading one input found. */
struct input {
	const char	*name;
	int		 final;		/* nothing more will be appended */
	off_t		 limit;		/* bytes to read, -1: to EOF */
	unsigned long	 line;		/* current line number */
	unsigned long	 rec_line;	/* first line of the pending record */
	unsigned long	 bad_line;	/* first bad line of it, 0: none */
	int		 bad_rc;
	int		 seen_ext;	/* a complete record had ext keys */
	int		 incomplete;	/* the last record was left */
	unsigned long	 records, malformed;
	off_t		 size;		/* bytes read */
};

static int verbose;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dmarc-import [-v] [-c conf] [--database dsn] "
	    "[--dbhost host] [--dbname name]\n"
	    "\t[--dbuser user] [--dbpasswd pass] [--dbport port] "
	    "[--batch n]\n"
	    "\t[--input file | --rotate file | file ...]\n");
	exit(EX_USAGE_);
}

/* finish_record - a record the parser handed back, complete or not */
static int
finish_record(struct importer *im, struct input *in,
    struct dmarc_history *h, int truncated)
{
	if (truncated || in->bad_line != 0 || h->job == NULL) {
		if (truncated)
			log_warnx("%s:%lu: record (job %s) cut off before its "
			    "%s line, skipped", in->name, in->rec_line,
			    h->job ? h->job : "?", h->action < 0 ? "action" :
			    "profile");
		else
			log_warnx("%s:%lu: malformed record (job %s), "
			    "skipped: line %lu: %s", in->name, in->rec_line,
			    h->job ? h->job : "?", in->bad_line ? in->bad_line :
			    in->rec_line, dmarc_strerror(in->bad_rc ?
			    in->bad_rc : DMARC_ESYNTAX));
		in->malformed++;
		dmarc_history_free(h);
		return 0;
	}
	in->records++;
	if (h->has_ext)
		in->seen_ext = 1;
	return importer_add(im, h, in->name, in->rec_line);
}

/* feed_line - one whole line; -1 when the database failed */
static int
feed_line(struct importer *im, struct dmarc_history_parser *hp,
    struct input *in, const char *p, size_t len)
{
	struct dmarc_history *done = NULL;
	int rc;

	rc = dmarc_history_feed(hp, p, len, &done);
	if (done != NULL) {
		/* dmarcd's extension keys without the last one: cut off */
		if (finish_record(im, in, done, rc == DMARC_ETRUNC ||
		    (done->has_ext && done->ext_profile == NULL)) != 0)
			return -1;
		in->rec_line = in->line;
		in->bad_line = 0;
		in->bad_rc = 0;
		if (rc == DMARC_ETRUNC)
			rc = DMARC_OK;
	} else if (len >= 3 && memcmp(p, "job", 3) == 0 &&
	    (len == 3 || p[3] == ' ')) {
		in->rec_line = in->line;	/* the first record */
		in->bad_line = 0;
	}
	if (rc == DMARC_OK)
		return 0;
	if (in->rec_line == 0) {
		log_warnx("%s:%lu: line outside any record, ignored",
		    in->name, in->line);
		in->malformed++;
	} else if (in->bad_line == 0) {
		in->bad_line = in->line;
		in->bad_rc = rc;
	}
	return 0;
}

/* finish_input - the last record: import it, leave it, or drop it */
static int
finish_input(struct importer *im, struct dmarc_history_parser *hp,
    struct input *in, int partial)
{
	struct dmarc_history *h = NULL;
	int rc;

	rc = dmarc_history_finish(hp, &h);
	if (!partial && h != NULL && rc == DMARC_OK &&
	    (h->has_ext ? h->ext_profile != NULL : !in->seen_ext))
		return finish_record(im, in, h, 0);
	if (h == NULL && !partial)
		return 0;
	dmarc_history_free(h);
	if (in->final) {
		log_warnx("%s:%lu: last record truncated, skipped", in->name,
		    partial && h == NULL ? in->line : in->rec_line);
		in->malformed++;
		return 0;
	}
	in->incomplete = 1;
	log_info("%s:%lu: last record incomplete, left for the next run",
	    in->name, partial && h == NULL ? in->line : in->rec_line);
	return 0;
}

/* read_input - every line of fp (up to in->limit bytes) into the parser */
static int
read_input(struct importer *im, FILE *fp, struct input *in)
{
	struct dmarc_history_parser *hp;
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t n;
	int partial = 0, rc = 0;

	if ((hp = dmarc_history_parser_new()) == NULL)
		fatalx("out of memory");
	while (rc == 0 && (in->limit < 0 || in->size < in->limit) &&
	    (n = getline(&line, &cap, fp)) > 0) {
		len = (size_t)n;
		if (in->limit >= 0 && in->size + (off_t)len > in->limit)
			len = (size_t)(in->limit - in->size);
		in->size += (off_t)len;
		in->line++;
		if (len == 0 || line[len - 1] != '\n') {
			partial = 1;	/* cut mid-line: never fed */
			break;
		}
		rc = feed_line(im, hp, in, line, len - 1);
	}
	if (rc == 0 && ferror(fp)) {
		log_warn("%s: read error", in->name);
		rc = -2;
	}
	if (rc == 0)
		rc = finish_input(im, hp, in, partial);
	free(line);
	dmarc_history_parser_free(hp);
	if (rc == 0 && importer_flush(im) != 0)
		rc = -1;
	return rc;
}

/* import_path - one file (or "-" for stdin); -1 db, -2 input failure */
static int
import_path(struct importer *im, const char *path, int final,
    struct input *in)
{
	struct stat sb;
	FILE *fp;
	int fd, rc;

	memset(in, 0, sizeof(*in));
	in->name = path;
	in->final = final;
	in->limit = -1;
	if (strcmp(path, "-") == 0) {
		in->name = "stdin";
		return read_input(im, stdin, in);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("%s", path);
		return -2;
	}
	/* a size read under LOCK_SH covers whole records only */
	if (flock(fd, LOCK_SH) != 0 || fstat(fd, &sb) != 0 ||
	    flock(fd, LOCK_UN) != 0 || (fp = fdopen(fd, "r")) == NULL) {
		log_warn("%s", path);
		close(fd);
		return -2;
	}
	if (S_ISREG(sb.st_mode))
		in->limit = sb.st_size;
	rc = read_input(im, fp, in);
	fclose(fp);
	return rc;
}

/* report - the per-input summary (-v) */
static void
report(const struct input *in, double secs)
{
	if (verbose)
		log_info("%s: %lu records read, %lu malformed%s, %.2f s",
		    in->name, in->records, in->malformed,
		    in->incomplete ? ", last one left for the next run" : "",
		    secs);
}

/* elapsed - seconds since t0 */
static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* import_one - import_path with the summary; the worst exit status */
static int
import_one(struct importer *im, const char *path, int final,
    struct input *in)
{
	struct timespec t0;
	int rc;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = import_path(im, path, final, in);
	report(in, elapsed(&t0));
	if (rc == -1)
		return EX_TEMPFAIL_;
	if (rc == -2)
		return EX_NOINPUT_;
	return in->malformed > 0 ? EX_DATAERR_ : EX_OK_;
}

/* worst - the more serious of two exit statuses */
static int
worst(int a, int b)
{
	static const int order[] = { EX_OK_, EX_DATAERR_, EX_NOINPUT_,
	    EX_TEMPFAIL_ };
	int i, ra = 0, rb = 0;

	for (i = 0; i < 4; i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return ra >= rb ? a : b;
}

/* settle - import w until no writer appended meanwhile, then remove it */
static int
settle(struct importer *im, const char *w)
{
	struct input in;
	struct stat sb;
	int fd, rc, tries;

	for (tries = 0; tries < 5; tries++) {
		if ((rc = import_one(im, w, 0, &in)) == EX_TEMPFAIL_ ||
		    rc == EX_NOINPUT_)
			return rc;
		if (in.incomplete)
			return rc;	/* kept for the next run */
		/* a writer that opened the file before the rename may
		   still append: wait for it (LOCK_EX), then compare */
		if ((fd = open(w, O_RDONLY | O_CLOEXEC)) < 0 ||
		    flock(fd, LOCK_EX) != 0 || fstat(fd, &sb) != 0) {
			log_warn("%s", w);
			if (fd >= 0)
				close(fd);
			return EX_NOINPUT_;
		}
		if (sb.st_size == in.size) {
			if (unlink(w) != 0)
				log_warn("%s: cannot remove", w);
			close(fd);
			return rc;
		}
		close(fd);
	}
	return rc;
}

/* rotate - opendmarc-importstats done safely; see the file header */
static int
rotate(struct importer *im, const char *file)
{
	char w[4096], lk[4096];
	struct input in;
	struct stat sb;
	int lfd, rc = EX_OK_;

	if ((size_t)snprintf(w, sizeof(w), "%s.import", file) >= sizeof(w) ||
	    (size_t)snprintf(lk, sizeof(lk), "%s.import.lock", file) >=
	    sizeof(lk))
		usage();
	if ((lfd = open(lk, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		log_warn("%s", lk);
		return EX_NOINPUT_;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
		log_info("%s: another dmarc-import --rotate is running", file);
		close(lfd);
		return EX_OK_;
	}
	if (stat(w, &sb) == 0) {	/* left by an earlier run: final */
		if ((rc = import_one(im, w, 1, &in)) == EX_TEMPFAIL_ ||
		    rc == EX_NOINPUT_)
			goto out;
		if (unlink(w) != 0)
			log_warn("%s: cannot remove", w);
	}
	if (stat(file, &sb) != 0 || sb.st_size == 0)
		goto out;	/* nothing new */
	if (rename(file, w) != 0) {
		log_warn("cannot rename %s to %s", file, w);
		rc = worst(rc, EX_NOINPUT_);
		goto out;
	}
	rc = worst(rc, settle(im, w));
out:
	close(lfd);
	return rc;
}

int
main(int argc, char *argv[])
{
	enum { O_INPUT = 2000, O_ROTATE, O_BATCH, O_VERSION };
	static const struct option lo[] = {
		DBOPTS_LONG,
		{ "config", required_argument, NULL, 'c' },
		{ "input", required_argument, NULL, O_INPUT },
		{ "rotate", required_argument, NULL, O_ROTATE },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 } };
	struct dbopts dbo;
	const char *input = NULL, *rot = NULL;
	const struct import_stats *st;
	struct importer *im;
	struct store *s;
	struct input in;
	long batch = DEFAULT_BATCH;
	char *end;
	int ch, i, rc = EX_OK_;

	memset(&dbo, 0, sizeof(dbo));
	log_init("dmarc-import", 1, 0, 0);
	while ((ch = getopt_long(argc, argv, "c:hv", lo, NULL)) != -1) {
		if (dbopts_option(&dbo, ch, optarg))
			continue;
		switch (ch) {
		case 'c':
			dbo.conffile = optarg;
			break;
		case O_INPUT:
			input = optarg;
			break;
		case O_ROTATE:
			rot = optarg;
			break;
		case O_BATCH:
			batch = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || batch < 1 ||
			    batch > 100000)
				usage();
			break;
		case 'v':
			verbose++;
			break;
		case O_VERSION:
			printf("dmarc-import %s\n", PACKAGE_VERSION);
			return EX_OK_;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((rot != NULL) + (input != NULL) + (argc > 0) > 1)
		usage();
	log_verbose(verbose);
	s = dbopts_open(&dbo, CONF_IMPORT, "dmarc-import");
	im = importer_new(s, (size_t)batch, verbose);
	if (rot != NULL)
		rc = rotate(im, rot);
	else if (argc == 0)
		rc = import_one(im, input != NULL ? input : "-", 0, &in);
	for (i = 0; i < argc && rc != EX_TEMPFAIL_; i++)
		rc = worst(rc, import_one(im, argv[i], 0, &in));
	st = importer_stats(im);
	if (st->rejected > 0)
		rc = worst(rc, EX_DATAERR_);
	if (verbose)
		log_info("%llu imported, %llu already there, %llu skipped, "
		    "%llu transactions retried",
		    (unsigned long long)st->imported,
		    (unsigned long long)st->duplicates,
		    (unsigned long long)st->rejected,
		    (unsigned long long)st->retries);
	importer_free(im);
	store_close(s);
	return rc;
}
