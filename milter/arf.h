/*
 * arf.h -- build one DMARC failure report (RFC 9991, RFC 6591, RFC 5965)
 *
 * SYNOPSIS
 *	struct arf_input in = { ... };
 *	char *msg = arf_build(&in, &len);
 *
 * DESCRIPTION
 *	Pure: no I/O, no clock, no randomness, no configuration.  The caller
 *	hands every fact in; the result is a complete RFC 5322 message with
 *	LF line ends (common/smtp.c makes them CRLF on the wire).  Every
 *	value taken from the message is made safe: CR becomes a space and
 *	every line break is followed by white space, so nothing taken from a
 *	stranger can end a header field or start a MIME boundary line; in
 *	field names, bytes outside RFC 5322 ftext become '-'.
 */
#ifndef ARF_H
#define ARF_H

#include <stddef.h>
#include <time.h>

#define ARF_MAXHDRBYTES	(64 * 1024)	/* original header bytes copied */

/* One original header field. */
struct arf_hdr {
	const char	*name;
	const char	*value;		/* unfolded or with LF + WSP folds */
};

struct arf_input {
	/* the report message */
	const char	*sent_by;	/* From: (FailureReportsSentBy) */
	const char *const *to;		/* To: addresses */
	size_t		 nto;
	const char *const *bcc;		/* Bcc: (ReportCommand only) */
	size_t		 nbcc;
	const char	*uniq;		/* unique token: Message-ID, boundary */
	const char	*hostname;	/* Message-ID domain, Reporting-MTA */
	const char	*user_agent;	/* "dmarcd/0.1.0" */
	time_t		 now;		/* Date: */
	/* the feedback report */
	const char	*auth_failure;	/* dmarc, spf or signature */
	const char	*identity_alignment;	/* "dkim, spf", "none" ... */
	const char	*auth_results;	/* our A-R value, NULL: none */
	const char	*envid;		/* MTA queue id, NULL: none */
	const char	*mail_from;	/* envelope sender, "" for <> */
	const char	*rcpt_to;	/* first envelope recipient or NULL */
	time_t		 arrival;
	const char	*source_ip;	/* "" when unknown */
	const char	*source_host;	/* reverse name or NULL */
	const char	*reported_domain;	/* author domain */
	const char	*delivery_result;	/* delivered, reject, ... */
	const char	*dkim_domain;	/* NULL: no DKIM fields */
	const char	*dkim_selector;
	const char	*dkim_identity;
	const char	*spf_dns;	/* SPF-DNS value or NULL */
	/* the human-readable part */
	const char	*policy_domain;
	const char	*policy;	/* none, quarantine, reject */
	const char	*result;	/* dmarc result word */
	const char	*disposition;
	const char	*dkim_summary;	/* "pass (example.com), fail ..." */
	const char	*spf_summary;
	/* the original message */
	const struct arf_hdr *hdrs;
	size_t		 nhdrs;
	const char	*body;		/* NULL: headers only */
	size_t		 bodylen;
	int		 body_cut;	/* the body was cut */
	int		 redact;	/* RFC 6590: local parts replaced */
};

/* arf_build - the report message (malloc'd, NUL-terminated) and length */
char	*arf_build(const struct arf_input *in, size_t *len);

/*
 * arf_redact - a copy of s with the local part of every address
 * (local@domain) replaced by "redacted" (RFC 6590 section 4)
 */
char	*arf_redact(const char *s);

/* arf_date - RFC 5322 date-time of t in UTC into buf */
void	 arf_date(time_t t, char *buf, size_t len);

#endif
