/*
 * ingest_main.h -- the program side of dmarc-ingest: inputs and sinks
 */
#ifndef INGEST_MAIN_H
#define INGEST_MAIN_H

#include <stdio.h>

#include "ingest.h"
#include "output.h"

struct store;

struct ingest_run {
	/* options */
	const char	*dsn, *jsonpath, *csvdir;
	int		 nodb, quiet, verbose;
	struct out_opts	 out;
	/* sinks */
	FILE		*json, *csv[3];
	struct store	*db;
	int		 failed;	/* a sink failed: exit 2 */
	/* counters */
	size_t		 inputs, invalid, reports, nagg, nrecords, nfail;
	size_t		 ntls, dups;
};

void	one_input(struct ingest_run *run, const char *name, const char *p,
	    size_t n);
int	sinks_open(struct ingest_run *run, const char *conffile);
int	sinks_close(struct ingest_run *run);
void	sink_report(struct ingest_run *run, const struct report *r,
	    const char *input);
void	sink_invalid(struct ingest_run *run, const char *input,
	    const char *reason);
/* db.c */
int	db_open(struct ingest_run *run, const char *dsn);
int	db_report(struct ingest_run *run, const struct report *r);
void	db_close(struct ingest_run *run);

#endif
