/*
 * ingest_main.h -- the program side of dmarc-ingest: inputs and sinks
 */
#ifndef INGEST_MAIN_H
#define INGEST_MAIN_H

#include <stdio.h>

#include "ingest.h"
#include "output.h"

struct store;
struct enrich;

struct ingest_run {
	/* options */
	const char	*dsn, *jsonpath, *csvdir;
	int		 nodb, quiet, verbose;
	struct out_opts	 out;
	/* sinks */
	FILE		*json, *csv[3];
	struct store	*db;
	struct enrich	*enrich;	/* --rdns */
	const char	*zonefile;	/* -Z: DNS from a zone file */
	const char	*htmlpath;	/* --html DIR */
	int		 period;	/* --period: enum html_period */
	char		*scratch;	/* -n --html: a scratch database dir */
	int		 rdns;
	const char	*geoip;		/* --geoip: MaxMind-format file */
	int		 failed;	/* a sink failed: exit 2 */
	size_t		 sinkerrs;	/* sink failures so far */
	const char	*archive;	/* Maildir++ archive prefix, or NULL */
	int		 delete;	/* remove processed Maildir messages */
	/* counters */
	size_t		 inputs, invalid, reports, nagg, nrecords, nfail;
	size_t		 ntls, dups;
	/* the report being streamed (sinks.c) */
	const char	*input;		/* its input's name */
	struct spool	 jspool, cspool;
	struct ingest_sink sink;
};

/* one_input - INPUT_INVALID, or the type of the first report found */
#define INPUT_INVALID	(-1)
#define INPUT_UNSAVED	(-2)	/* reports found, a sink failed */
int	one_input(struct ingest_run *run, const char *name, const char *p,
	    size_t n);
char	*read_file(const char *path, size_t *len, const char **err);
/* maildir.c */
int	is_maildir(const char *dir);
void	maildir(struct ingest_run *run, const char *dir);
int	sinks_open(struct ingest_run *run, const char *conffile);
int	sinks_close(struct ingest_run *run);
int	sinks_flush(struct ingest_run *run);
void	sink_report(struct ingest_run *run, struct report *r,
	    const char *input);
void	sink_init(struct ingest_run *run);
void	sink_invalid(struct ingest_run *run, const char *input,
	    const char *reason);
/* enrich.c */
struct enrich *enrich_new(const char *conffile, const char *zonefile,
	    int rdns, const char *geoip);
void	enrich_free(struct enrich *e);
void	enrich_report(struct enrich *e, struct report *r);
/* db.c */
int	db_open(struct ingest_run *run, const char *dsn);
int	db_report(struct ingest_run *run, const struct report *r);
void	db_agg_begin(struct ingest_run *run, const struct report *r);
void	db_agg_records(struct ingest_run *run, const struct agg_record *v,
	    size_t n);
void	db_agg_end(struct ingest_run *run, const struct report *r);
void	db_close(struct ingest_run *run);

#endif
