/*
 * ingest.h -- the parse layer of dmarc-ingest: received DMARC aggregate,
 * failure (ARF) and SMTP TLS reports, from bytes to normalised structs
 *
 * SYNOPSIS
 *	struct ingest_result res;
 *	ingest_bytes(buf, len, &opts, &res);
 *	for (i = 0; i < res.nreports; i++) ... res.reports[i] ...
 *	ingest_result_free(&res);
 *
 * DESCRIPTION
 *	ingest_bytes() takes one input as it was found (a file, a message
 *	piped on stdin, a message from a mailbox) and unwraps it by content,
 *	never by name or declared type: gzip (several members, trailing junk,
 *	nested), raw zlib, zip (every member), bare base64 text, RFC 5322
 *	messages of any MIME layout.  Each payload is then read as aggregate
 *	XML (aggxml.c), TLS-RPT JSON (tlsrpt.c) or a failure report (arf.c).
 *	An input that yields no report gets one reason in res.reject.
 *
 *	Every report owns its strings (an arena freed with the report).
 *	Timestamps are Unix seconds, UTC.  Strings are NUL-terminated UTF-8
 *	as far as the sender's bytes allowed (XML input is transcoded by
 *	libxml2; other bytes are passed through and escaped on output).
 *
 *	Nothing here does I/O, logs or keeps globals, so the fuzz harnesses
 *	and the unit tests drive exactly what the program runs.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>
#include <stdint.h>

#define INGEST_MAX_OUTPUT	(256u << 20)	/* bytes unwrapped per input */
#define INGEST_MAX_DEPTH	8	/* nested containers/messages */
#define INGEST_MAX_ERRORS	32	/* error notes kept per report */
#define INGEST_BATCH		1000	/* aggregate records per sink call */
#define INGEST_MAX_STREAM	(4ull << 30)	/* bytes inflated into a
						   streamed XML payload */

/* An arena: many small strings freed at once with the report. */
struct arena {
	struct arena_chunk	*head;
};
void	*arena_alloc(struct arena *a, size_t n);
char	*arena_strndup(struct arena *a, const char *s, size_t n);
char	*arena_strdup(struct arena *a, const char *s);
void	 arena_free(struct arena *a);

/* A growable byte buffer; data is always NUL-terminated. */
struct ibuf {
	char	*data;
	size_t	 len, cap;
};
void	 ibuf_add(struct ibuf *b, const void *p, size_t n);
void	 ibuf_addc(struct ibuf *b, char c);
void	 ibuf_reserve(struct ibuf *b, size_t n);
void	 ibuf_adds(struct ibuf *b, const char *s);
void	 ibuf_printf(struct ibuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 ibuf_free(struct ibuf *b);

/* A string list in an arena. */
struct strlist {
	char	**v;
	size_t	  n, cap;
};
void	 strlist_add(struct arena *a, struct strlist *l, const char *s,
	    size_t n);

enum report_type {
	REPORT_AGGREGATE,
	REPORT_FAILURE,
	REPORT_TLS
};

struct agg_auth {
	char	*domain, *selector_or_scope, *result, *human_result;
};

struct agg_reason {
	char	*type, *comment;
};

struct agg_record {
	char		*source_ip;
	int64_t		 count;
	char		*disposition, *dkim, *spf;	/* policy_evaluated */
	struct agg_reason *reasons;
	size_t		 nreasons;
	char		*header_from, *envelope_from, *envelope_to;
	struct agg_auth	*dkim_auth, *spf_auth;
	size_t		 ndkim, nspf;
	int		 spf_aligned, dkim_aligned, dmarc_aligned;
	/* enrichment (NULL when off or unknown) */
	char		*reverse_dns, *base_domain, *country;
};

struct agg_report {
	char		*xml_schema;	/* <version> text or "draft" */
	char		*xml_namespace;	/* NULL when none */
	int		 rfc9990;	/* detected by namespace or fields */
	char		*org_name, *org_email, *extra_contact_info;
	char		*report_id, *generator;
	int64_t		 begin, end;
	char		*domain, *adkim, *aspf, *p, *sp, *np, *fo;
	char		*testing, *discovery_method;
	int		 pct;		/* -1: absent (RFC 9990) */
	/* records kept by the collecting sink (aggxml_keep), else none */
	struct agg_record *records;
	size_t		 nrecords, caprecords;
	size_t		 total;		/* records read, kept or streamed */
	int64_t		 messages;	/* sum of their counts */
};

struct tls_detail {
	char	*result_type, *sending_mta_ip, *receiving_mx_hostname;
	char	*receiving_mx_helo, *receiving_ip, *additional_info_uri;
	char	*failure_reason_code;
	int64_t	 failed_session_count;
};

struct tls_policy {
	char		 *policy_type, *policy_domain, *sts_mode;
	struct strlist	  policy_strings, mx_hosts, mx_host_patterns;
	int64_t		  successful, failed;	/* -1: absent */
	struct tls_detail *details;
	size_t		  ndetails;
};

struct tls_report {
	char		*org_name, *contact_info, *report_id;
	char		*begin_str, *end_str;	/* as sent */
	int64_t		 begin, end;
	struct tls_policy *policies;
	size_t		 npolicies;
};

/* A header field of a failure report's sample, kept in order. */
struct failure_report {
	char		*feedback_type, *user_agent, *version;
	char		*original_envelope_id, *original_mail_from;
	char		*original_rcpt_to, *arrival_date;
	int64_t		 arrival;	/* -1: unknown */
	char		*reporting_mta, *source_ip, *authentication_results;
	char		*delivery_result, *dkim_domain, *dkim_identity;
	char		*dkim_selector, *spf_dns, *reported_domain;
	char		*reported_uri, *identity_alignment;
	struct strlist	 auth_failure;
	char		*subject, *message_id, *sample_from, *sample_to;
	char		*sample_date;
	char		*sample_headers;	/* the sample's header block */
	char		*sample;		/* the whole sample as sent */
	size_t		 sample_len;
	int		 sample_headers_only;
	int		 plain_text;	/* not ARF: the Exim/cPanel text form */
	/* enrichment of source_ip (NULL when off or unknown) */
	char		*reverse_dns, *base_domain, *country;
};

struct report {
	enum report_type type;
	struct arena	 arena;
	struct strlist	 errors;	/* problems tolerated while parsing */
	char		*container;	/* how it was found: "eml>zip>xml" */
	union {
		struct agg_report	agg;
		struct failure_report	fail;
		struct tls_report	tls;
	} u;
};

struct ingest_result {
	struct report	**reports;
	size_t		  nreports, cap;
	char		  reject[256];	/* set when nreports == 0 */
};

/*
 * A consumer of reports as they are read.  begin() once a report's
 * identity is known; for aggregate reports records() with each batch of
 * at most batch records (strings in ra, freed after the call; the sink may
 * add to ra, e.g. enrichment); end() when the report is complete and its
 * errors final.  Failure and TLS reports get begin() and end() only.
 * Every callback may be NULL.  A report that began always ends.
 */
struct ingest_sink {
	void	*arg;
	size_t	 batch;		/* 0: INGEST_BATCH */
	void	(*begin)(void *arg, struct report *r);
	void	(*records)(void *arg, struct report *r, struct agg_record *v,
		    size_t n, struct arena *ra);
	void	(*end)(void *arg, struct report *r);
};

struct ingest_opts {
	/* NULL: aggregate records are kept in each report (aggxml_keep) */
	const struct ingest_sink *sink;
};

/* ingest_bytes - every report in one input; 0 if any, -1 with a reason */
int	 ingest_bytes(const void *p, size_t n, const struct ingest_opts *o,
	    struct ingest_result *res);
void	 ingest_result_free(struct ingest_result *res);
void	 report_free(struct report *r);
struct report *report_new(enum report_type t);
void	 agg_record_copy(struct arena *a, struct agg_record *dst,
	    const struct agg_record *src);
void	 report_error(struct report *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 result_add(struct ingest_result *res, struct report *r);

/* containers.c: the payloads inside one input */
struct payload {
	char		*data;
	size_t		 len;
	char		 path[64];	/* container chain, e.g. "gzip>zip" */
	char		 note[96];	/* a tolerated container problem */
};
/* A payload read while it is being inflated: open() with its container
   path ("gzip"), push() each piece, close() with a note on what went
   wrong (or NULL). */
struct stream_hook {
	void	*arg;
	void	*(*open)(void *arg, const char *path);
	void	 (*push)(void *h, const char *p, size_t n);
	void	 (*close)(void *arg, void *h, const char *note);
};
struct payloads {
	struct payload	*v;
	size_t		 n, cap;
	size_t		 total;		/* bytes produced so far */
	size_t		 streamed;	/* payloads given to hook */
	const struct stream_hook *hook;	/* or NULL: everything whole */
	char		 note[128];	/* last problem seen, for reasons */
};
enum sniff {
	SNIFF_UNKNOWN,
	SNIFF_XML,
	SNIFF_JSON,
	SNIFF_MESSAGE,
	SNIFF_EMPTY
};
int	 unwrap(const char *p, size_t n, struct payloads *out);
void	 payloads_free(struct payloads *pl);
enum sniff sniff(const char *p, size_t n);
/* subpath - "path>layer" into dst, cut to fit */
void	 subpath(char *dst, size_t dlen, const char *path,
	    const char *layer);
/* base64_decode - tolerant decoder (skips whitespace and junk) */
size_t	 base64_decode(const char *in, size_t n, char *out);
int	 gunzip(const char *p, size_t n, int wbits, struct ibuf *out,
	    size_t max, size_t *consumed);
/* zip.c: fn(arg, data, len, name, own); own (or NULL) holds data and may
   be taken by the callback */
typedef int (*zip_fn)(void *, const char *, size_t, const char *,
    struct ibuf *);
int	 zip_each(const char *p, size_t n, zip_fn fn, void *arg, char *why,
	    size_t whylen);

/* mime.c: a message walked into flat leaf parts */
struct mime_part {
	char	*ctype;		/* lower-case type/subtype, "" if none */
	char	*filename;	/* or NULL */
	char	*report_type;	/* multipart/report; report-type= */
	const char *raw;	/* the part as sent (headers + body) */
	size_t	 rawlen;
	const char *hdrs;	/* its header block */
	size_t	 hdrlen;
	char	*body;		/* transfer-decoded */
	size_t	 bodylen;
	int	 depth, parent;	/* parent: index of enclosing rfc822 or -1 */
};
struct mime_msg {
	struct mime_part *parts;
	size_t		  nparts, cap;
	struct arena	  arena;
	const char	 *hdrs;	/* the top header block */
	size_t		  hdrlen;
};
int	 mime_parse(const char *p, size_t n, struct mime_msg *m);
void	 mime_free(struct mime_msg *m);
/* mime_header - first field named name in a header block, unfolded */
char	*mime_header(struct arena *a, const char *hdrs, size_t n,
	    const char *name);
/* mime_param - a parameter of a structured field value */
char	*mime_param(struct arena *a, const char *val, const char *name);
size_t	 qp_decode(const char *in, size_t n, char *out);

/* aggxml.c: a push parser (aggxml_new, _push* then _finish, which frees
   it); aggxml_parse is one whole buffer with aggxml_keep's sink */
struct aggxml;
struct aggxml *aggxml_new(const struct ingest_sink *sink,
	    const char *container);
void	 aggxml_push(struct aggxml *x, const char *p, size_t n);
void	 aggxml_note(struct aggxml *x, const char *note);
int	 aggxml_finish(struct aggxml *x, struct report **out, char *why,
	    size_t whylen);
void	 aggxml_keep(struct ingest_sink *s);
int	 aggxml_parse(const char *p, size_t n, struct report **out,
	    char *why, size_t whylen);
/* tlsrpt.c, arf.c */
int	 tlsrpt_parse(const char *p, size_t n, struct report **out,
	    char *why, size_t whylen);
int	 arf_parse(const struct mime_msg *m, struct report **out,
	    char *why, size_t whylen);
/* time.c */
int64_t	 parse_iso8601(const char *s);
int64_t	 parse_rfc5322_date(const char *s);
void	 fmt_iso8601(int64_t t, char *out, size_t outlen);
void	 agg_normalise_head(struct report *r);
void	 agg_normalise_records(struct report *r, struct agg_record *v,
	    size_t n, size_t first);

#endif
