/*
 * html.h -- the self-contained HTML summary pages of dmarc-ingest --html:
 * one per period (day, week or month) and an index, from the database
 *
 * SYNOPSIS
 *	html_render(db, "/var/www/dmarc", PERIOD_MONTH);
 *
 * DESCRIPTION
 *	htmldb.c reads what is stored, period by period, into a struct
 *	html_page (html.c), which writes the page; html_index collects each
 *	page's per-domain totals for index.html.
 */
#ifndef INGEST_HTML_H
#define INGEST_HTML_H

#include <stdint.h>
#include <stdio.h>

struct store;

enum html_period {
	PERIOD_DAY,
	PERIOD_WEEK,
	PERIOD_MONTH
};

/* One stored aggregate record, with its report's domain, org and day. */
struct html_rec {
	const char	*domain, *org, *source_ip, *rdns, *base, *country;
	const char	*header_from, *disposition;
	const char	*auth;		/* "spf fail (d), dkim ..." if failing */
	int64_t		 day, count;	/* day: Unix day of the report's middle */
	int		 dmarc, spf_aligned, dkim_aligned;
};

/* One stored failure report. */
struct html_ruf {
	const char	*domain, *source_ip, *rdns, *country, *auth_failure;
	const char	*mail_from, *delivery, *dkim_domain;
	int64_t		 arrival;
};

struct html_page;
struct html_index;

struct html_page *html_page_new(void);
void	 html_page_report(struct html_page *p, const char *domain,
	    const char *org);
void	 html_page_record(struct html_page *p, const struct html_rec *r);
void	 html_page_ruf(struct html_page *p, const struct html_ruf *f);
void	 html_page_tls(struct html_page *p, const char *domain,
	    int64_t ok, int64_t failed);
void	 html_page_tls_failure(struct html_page *p, const char *domain,
	    const char *result_type, const char *mx, int64_t n);
int	 html_page_empty(const struct html_page *p);
int	 html_page_write(struct html_page *p, FILE *fp, const char *title);
void	 html_page_free(struct html_page *p);

struct html_index *html_index_new(enum html_period per);
void	 html_index_add(struct html_index *ix, const struct html_page *p,
	    const char *name, const char *file);
int	 html_index_write(struct html_index *ix, FILE *fp);
void	 html_index_free(struct html_index *ix);

/* html_esc - s HTML-escaped onto fp */
void	 html_esc(FILE *fp, const char *s);

/* htmldb.c */
int	 html_period_parse(const char *s, enum html_period *per);
int64_t	 html_period_start(int64_t t, enum html_period per);
int64_t	 html_period_next(int64_t start, enum html_period per);
void	 html_period_name(int64_t start, enum html_period per, char *out,
	    size_t outlen);
int	 html_render(struct store *db, const char *dir, enum html_period per);
char	*html_scratch(void);
void	 html_scratch_remove(char *dsn);

#endif
