/*
 * agg.h -- aggregate reports: the model, grouping, windows, XML and mail
 *
 * SYNOPSIS
 *	struct agg *a = agg_new(AGG_RFC9990);
 *	agg_add(a, &msg);			(once per message)
 *	aggxml_write(a, &meta, &policy, &xml, &xmllen);
 *	mime_gzip("r!d!b!e!id.xml", mtime, xml, xmllen, &gz, &gzlen);
 *	msg = mime_message(&mail, &msglen);
 *	agg_free(a);
 *
 * DESCRIPTION
 *	The pure half of dmarc-reports: no database, no DNS, no sockets, so
 *	each piece is unit-tested alone (tests/unit/test_agg*.c).
 *
 *	agg.c groups messages into records (RFC 9990 3.1.1.7, A-05): one
 *	record per distinct (source IP, disposition, aligned DKIM and SPF
 *	results, reasons, header_from, envelope_from, SPF domain, scope and
 *	result, set of DKIM (domain, selector, result)), in the order the
 *	keys were first seen.  It also holds the window arithmetic.
 *
 *	aggxml.c writes the XML of RFC 9990 (namespace
 *	urn:ietf:params:xml:ns:dmarc-2.0) or RFC 7489 Appendix C (no
 *	namespace, as real-world 7489 reports are sent) with libxml2's
 *	xmlTextWriter, which escapes every value.
 *
 *	mime.c compresses (zlib, a gzip member carrying the file name),
 *	base64-encodes and assembles the RFC 9990 3.5.2 message.
 */
#ifndef AGG_H
#define AGG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum agg_format {
	AGG_RFC9990 = 0,
	AGG_RFC7489 = 1
};

#define AGG_MAXDKIM	100	/* DKIM results per record */

/* One DKIM result; strings borrowed. */
struct agg_dkim {
	const char	*domain;
	const char	*selector;	/* "" when unknown */
	int		 result;	/* ARES code */
};

/* One message, the input of grouping; strings borrowed for the call. */
struct agg_msg {
	const char	*ip;
	const char	*header_from;
	const char	*envelope_from;	/* "" for the null sender */
	const char	*spf_domain;	/* identity SPF checked; NULL or "":
					   envelope_from */
	int		 spf;		/* ARES code, -1 no SPF information */
	int		 spf_scope;	/* 1 mfrom, 2 helo, -1 unknown */
	int		 disposition;	/* enum dmarc_disposition */
	int		 dkim_pass;	/* DMARC-aligned DKIM pass */
	int		 spf_pass;	/* DMARC-aligned SPF pass */
	unsigned	 reasons;	/* DMARC_REASON_* */
	const char	*comment;	/* reason comment, NULL none */
	size_t		 ndkim;
	const struct agg_dkim *dkim;
};

/* One record: a distinct key and its message count; strings owned. */
struct agg_record {
	const char	*ip, *header_from, *envelope_from, *spf_domain;
	const char	*comment;	/* NULL none */
	int		 spf, spf_scope, disposition, dkim_pass, spf_pass;
	unsigned	 reasons;
	size_t		 ndkim;
	struct agg_dkim	*dkim;		/* sorted (A-06 order), deduplicated */
	uint64_t	 count;
};

/* The published policy (RFC 9990 policy_published). */
struct agg_policy {
	const char	*domain;	/* the policy domain */
	int		 p, sp, np;	/* ASCII codes 'n' 'q' 'r'; 0 unknown */
	int		 adkim, aspf;	/* 'r' or 's'; 0: r */
	unsigned	 fo;		/* DMARC_FO_* bits; 0: "0" */
	int		 pct;		/* 0..100; -1 unknown (100) */
	int		 testing;	/* t=y: 1; 0 n; -1 unknown (n) */
	const char	*discovery;	/* "psl", "treewalk", NULL */
};

/* Report metadata; strings borrowed. */
struct agg_meta {
	const char	*org_name;
	const char	*email;
	const char	*extra_contact;	/* NULL none */
	const char	*report_id;
	int64_t		 begin;		/* first second of the window */
	int64_t		 end;		/* last second (inclusive) */
	const char	*error;		/* NULL none */
	const char	*generator;	/* "dmarcd 0.1.0"; 9990 only */
};

struct agg;

/* agg.c */
struct agg	*agg_new(enum agg_format fmt);
void		 agg_free(struct agg *a);
void		 agg_add(struct agg *a, const struct agg_msg *m);
size_t		 agg_nrecords(const struct agg *a);
uint64_t	 agg_nmessages(const struct agg *a);
const struct agg_record *agg_record(const struct agg *a, size_t i);

/* agg_interval - a usable window length: 3600..604800, a divisor of a
   day below a day, a multiple of a day above */
long		 agg_interval(long secs);
/* agg_floor - start of the window of length interval that holds t */
int64_t		 agg_floor(int64_t t, long interval);
/*
 * agg_window - the window holding t for a domain whose last window ended
 * at last (exclusive; 0 none): [max(floor(t), last), floor(t) +
 * interval).  t must be >= last.
 */
void		 agg_window(int64_t t, int64_t last, long interval,
		    int64_t *begin, int64_t *end);

/* aggxml.c: a malloc(3)ed document; 0, or -1 on a libxml2 failure */
int		 aggxml_write(const struct agg *a, const struct agg_meta *meta,
		    const struct agg_policy *pol, enum agg_format fmt,
		    char **out, size_t *outlen);
/* aggxml_fo - fo bits as "0:1:d:s" into buf */
void		 aggxml_fo(unsigned fo, char *buf, size_t len);

/* mime.c */
/* mime_gzip - one gzip member named name (without ".gz"); 0 or -1 */
int		 mime_gzip(const char *name, time_t mtime, const void *p,
		    size_t len, unsigned char **out, size_t *outlen);
/* mime_gunzip - for tests and checks; 0 or -1 */
int		 mime_gunzip(const unsigned char *p, size_t len, char **out,
		    size_t *outlen);
/* mime_b64 - base64 in lines of 76 with CRLF; NUL-terminated */
char		*mime_b64(const unsigned char *p, size_t len, size_t *outlen);
/* mime_b64_decode - for tests; -1 on a bad character */
int		 mime_b64_decode(const char *p, size_t len, unsigned char **out,
		    size_t *outlen);

/* The message of one report to one destination; strings borrowed. */
struct mime_report {
	const char	*from;		/* envelope and header sender */
	const char	*to;		/* one address */
	const char	*policy_domain;
	const char	*submitter;	/* our domain (Subject, file name) */
	const char	*report_id;
	const char	*filename;	/* ....xml.gz */
	time_t		 date;
	int64_t		 begin, end;	/* for the text part */
	uint64_t	 messages;
	const unsigned char *gz;
	size_t		 gzlen;
};

/* mime_message - the RFC 9990 3.5.2 message, CRLF line ends */
char		*mime_message(const struct mime_report *r, size_t *outlen);

#endif
