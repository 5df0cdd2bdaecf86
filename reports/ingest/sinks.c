/*
 * sinks.c -- where dmarc-ingest's reports go: JSON lines, CSV files, the
 * database, and the reasons for inputs that held none
 *
 * DESCRIPTION
 *	sinks_open() opens what the options ask for; each report is then
 *	written to every sink.  A sink that fails (disk full, database gone)
 *	marks the run failed: the batch goes on, the exit status says 2.
 *	CSV files get their header line only when they are new or empty,
 *	so successive runs append to one table.
 *
 *	Aggregate reports arrive streamed (struct ingest_sink): begin()
 *	opens the database transaction and writes the report row, each
 *	batch of records is enriched, inserted and rendered into the JSON
 *	and CSV spools, and end() sets
 *	the row's final errors and counts, commits, and writes the JSON
 *	line and CSV rows.  Nothing holds more than one batch of records.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "html.h"
#include "ingest_main.h"
#include "log.h"

static const char *const csvnames[3] = { "aggregate.csv", "failure.csv",
	"tls.csv" };

/* open_csv - DIR/name for appending, with a header when empty */
static FILE *
open_csv(struct ingest_run *run, enum report_type t)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", run->csvdir, csvnames[t]);
	if ((fp = fopen(path, "a")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (ftell(fp) == 0)
		out_csv_header(fp, t, &run->out);
	return fp;
}

/* sinks_open - JSON, CSV and the database as asked; -1 on failure */
int
sinks_open(struct ingest_run *run, const char *conffile)
{
	int t;

	if (run->jsonpath != NULL) {
		if (strcmp(run->jsonpath, "-") == 0)
			run->json = stdout;
		else if ((run->json = fopen(run->jsonpath, "a")) == NULL) {
			log_warn("%s", run->jsonpath);
			return -1;
		}
	}
	if (run->csvdir != NULL) {
		if (mkdir(run->csvdir, 0777) != 0 && errno != EEXIST) {
			log_warn("%s", run->csvdir);
			return -1;
		}
		for (t = 0; t < 3; t++)
			if ((run->csv[t] = open_csv(run, t)) == NULL)
				return -1;
	}
	sink_init(run);
	if ((run->rdns || run->geoip != NULL) && (run->enrich =
	    enrich_new(conffile, run->zonefile, run->rdns, run->geoip)) ==
	    NULL)
		return -1;
	if (run->nodb && run->htmlpath != NULL &&
	    (run->dsn = run->scratch = html_scratch()) == NULL)
		return -1;
	if (!run->nodb || run->scratch != NULL)
		return db_open(run, conffile);
	return 0;
}

/* sinks_close - flush and close; -1 when anything failed */
int
sinks_close(struct ingest_run *run)
{
	int t;

	if (run->json != NULL && (fflush(run->json) != 0 ||
	    ferror(run->json))) {
		log_warn("JSON output");
		run->failed = 1;
	}
	if (run->json != NULL && run->json != stdout)
		fclose(run->json);
	for (t = 0; t < 3; t++) {
		if (run->csv[t] == NULL)
			continue;
		if (fflush(run->csv[t]) != 0 || ferror(run->csv[t])) {
			log_warn("%s/%s", run->csvdir, csvnames[t]);
			run->failed = 1;
		}
		fclose(run->csv[t]);
	}
	if (run->db != NULL && run->htmlpath != NULL &&
	    html_render(run->db, run->htmlpath, run->period) != 0)
		run->failed = 1;
	if (run->db != NULL)
		db_close(run);
	if (run->scratch != NULL)
		html_scratch_remove(run->scratch);
	enrich_free(run->enrich);
	return run->failed ? -1 : 0;
}

/* s_begin - a report's identity is known */
static void
s_begin(void *arg, struct report *r)
{
	struct ingest_run *run = arg;

	if (r->type != REPORT_AGGREGATE)
		return;
	if (run->db != NULL)
		db_agg_begin(run, r);
}

/* s_records - a batch of an aggregate report's records */
static void
s_records(void *arg, struct report *r, struct agg_record *v, size_t n,
    struct arena *ra)
{
	struct ingest_run *run = arg;

	if (run->enrich != NULL) {
		struct report view;

		/* enrichment strings go to the batch's arena */
		memset(&view, 0, sizeof(view));
		view.type = REPORT_AGGREGATE;
		view.arena = *ra;
		view.u.agg.records = v;
		view.u.agg.nrecords = n;
		enrich_report(run->enrich, &view);
		*ra = view.arena;
	}
	if (run->db != NULL)
		db_agg_records(run, v, n);
	if (run->json != NULL)
		out_json_records(&run->jspool, v, n);
	if (run->csv[REPORT_AGGREGATE] != NULL)
		out_csv_records(&run->cspool, r, v, n, run->input, &run->out);
}

/* s_end - a report is complete */
static void
s_end(void *arg, struct report *r)
{
	struct ingest_run *run = arg;

	if (r->type != REPORT_AGGREGATE) {
		sink_report(run, r, run->input);
		return;
	}
	run->reports++;
	run->nagg++;
	run->nrecords += r->u.agg.total;
	if (run->db != NULL)
		db_agg_end(run, r);
	if (run->json != NULL && out_json_end(run->json, &run->jspool, r,
	    run->input) != 0) {
		log_warn("JSON output: spool");
		run->failed = 1;
	}
	if (run->csv[REPORT_AGGREGATE] != NULL && out_csv_end(
	    run->csv[REPORT_AGGREGATE], &run->cspool, r, run->input,
	    &run->out) != 0) {
		log_warn("CSV output: spool");
		run->failed = 1;
	}
	spool_free(&run->jspool);
	spool_free(&run->cspool);
	if (run->verbose > 1)
		log_info("%s: aggregate report, %zu records", run->input,
		    r->u.agg.total);
}

/* sink_init - the streaming sink over every output */
void
sink_init(struct ingest_run *run)
{
	memset(&run->sink, 0, sizeof(run->sink));
	run->sink.arg = run;
	run->sink.begin = s_begin;
	run->sink.records = s_records;
	run->sink.end = s_end;
}

/* sink_report - one whole failure or TLS report to every sink */
void
sink_report(struct ingest_run *run, struct report *r, const char *input)
{
	if (run->enrich != NULL)
		enrich_report(run->enrich, r);
	run->reports++;
	if (r->type == REPORT_FAILURE)
		run->nfail++;
	else
		run->ntls++;
	if (run->db != NULL && db_report(run, r) != 0) {
		run->failed = 1;
		run->sinkerrs++;
	}
	if (run->json != NULL)
		out_json(run->json, r, input, &run->out);
	if (run->csv[r->type] != NULL)
		out_csv(run->csv[r->type], r, input, &run->out);
	if (run->verbose > 1)
		log_info("%s: %s report", input, r->type == REPORT_AGGREGATE ?
		    "aggregate" : r->type == REPORT_FAILURE ? "failure" :
		    "TLS");
}

/* sink_invalid - an input without a report: stderr and JSON */
void
sink_invalid(struct ingest_run *run, const char *input, const char *reason)
{
	if (!run->quiet)
		log_warnx("%s: %s", input, reason);
	if (run->json != NULL)
		out_json_invalid(run->json, input, reason);
}

/* sinks_flush - everything so far written out (before a message is
   archived or deleted); -1, and the run marked failed, when not */
int
sinks_flush(struct ingest_run *run)
{
	int t, rc = 0;

	if (run->json != NULL && fflush(run->json) != 0)
		rc = -1;
	for (t = 0; t < 3; t++)
		if (run->csv[t] != NULL && fflush(run->csv[t]) != 0)
			rc = -1;
	if (rc != 0) {
		log_warn("flushing the output");
		run->failed = 1;
	}
	return rc;
}
