/*
 * output.h -- JSON lines and CSV writers for received reports
 */
#ifndef INGEST_OUTPUT_H
#define INGEST_OUTPUT_H

#include <stdio.h>

#include "ingest.h"

enum sample_mode {
	SAMPLE_NONE,
	SAMPLE_HEADERS,
	SAMPLE_REDACTED,
	SAMPLE_ALL
};

struct out_opts {
	enum sample_mode sample;
	int		 parsedmarc;	/* parsedmarc's CSV columns */
};

/* A spool: rendered records of a report being streamed (output.c) */
struct spool {
	struct ibuf	 mem;
	FILE		*tmp;		/* past SPOOL_MEM */
	size_t		 n;		/* items added */
	size_t		 rd;		/* read offset in mem */
	int		 tmp_done, err;
};
void	 spool_add(struct spool *s, const void *p, size_t n);
int	 spool_rewind(struct spool *s);
int	 spool_read(struct spool *s, void *p, size_t n);
void	 spool_free(struct spool *s);

void	 out_json(FILE *fp, const struct report *r, const char *input,
	    const struct out_opts *o);
void	 out_json_records(struct spool *s, const struct agg_record *v,
	    size_t n);
int	 out_json_end(FILE *fp, struct spool *s, const struct report *r,
	    const char *input);
void	 out_csv_records(struct spool *s, const struct report *r,
	    const struct agg_record *v, size_t n, const char *input,
	    const struct out_opts *o);
int	 out_csv_end(FILE *fp, struct spool *s, const struct report *r,
	    const char *input, const struct out_opts *o);
void	 out_json_invalid(FILE *fp, const char *input, const char *reason);
void	 out_csv_header(FILE *fp, enum report_type t,
	    const struct out_opts *o);
void	 out_csv(FILE *fp, const struct report *r, const char *input,
	    const struct out_opts *o);
/* out_sample - the sample as the mode keeps it (NULL: none); caller frees */
char	*out_sample(const struct failure_report *f, enum sample_mode m,
	    size_t *len);
int	 sample_mode_parse(const char *s, enum sample_mode *m);

#endif
