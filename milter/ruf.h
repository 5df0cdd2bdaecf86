/*
 * ruf.h -- failure reports: who gets one, the queue, the worker
 *
 * DESCRIPTION
 *	ruf.c decides in the milter thread, from the evaluation, whether a
 *	domain gets a failure report and copies what the report needs into
 *	a struct ruf_job (no DNS, no I/O).  rufq.c rate-limits its
 *	destinations and hands it to a bounded queue; one worker thread
 *	verifies external destinations (rufdest.c), builds the message
 *	(arf.c) and delivers it by SMTP (common/smtp.c) or ReportCommand
 *	(rufsend.c).  A full queue drops the report with a log line: mail
 *	is never delayed or tempfailed for a report.
 */
#ifndef RUF_H
#define RUF_H

#include <stddef.h>
#include <time.h>

#include "arf.h"
#include "noreports.h"
#include "smtp.h"

struct dmarcd_cfg;
struct conf;

/* Per-configuration failure-report settings (cfg.c owns one). */
struct rufcfg {
	int		 enabled;	/* FailureReports */
	int		 use_smtp;	/* SMTPServer set: SMTP, else command */
	struct smtp_conf smtp;
	char		**argv;		/* ReportCommand split on white space */
	struct noreports *nolist;	/* NoReportsList (NULL: none) */
	char		*sent_by;	/* From: of reports */
	char		*envfrom;	/* its address: the SMTP envelope */
};

/* One report waiting to be sent: everything arf_build() needs, owned. */
struct ruf_job {
	struct ruf_job	*next;
	struct dmarcd_cfg *cfg;		/* pinned until the job is freed */
	char		**dest;		/* ruf mailto addresses */
	size_t		 ndest;
	char		**bcc;		/* FailureReportsBcc */
	size_t		 nbcc;
	char		*policy_domain;
	char		*org_domain;	/* of the policy domain */
	char		*spf_domain;	/* SPF-DNS wanted for it, or NULL */
	char		*spf_dns;	/* filled by the worker */
	char		*uniq;		/* fixed token (test mode), or NULL */
	char		*reporter;	/* our name: Reporting-MTA, Message-ID */
	char		*envid, *mail_from, *rcpt_to, *source_host;
	char		*auth_results, *identity_alignment;
	char		*dkim_domain, *dkim_selector, *dkim_identity;
	char		*dkim_summary, *spf_summary;
	char		 source_ip[64];
	char		 reported_domain[256];
	const char	*auth_failure, *policy, *result, *disposition;
	const char	*delivery_result;
	time_t		 arrival;
	struct arf_hdr	*hdrs;		/* names and values owned */
	size_t		 nhdrs;
	char		*body;		/* FailureReportsBody, else NULL */
	size_t		 bodylen;
	int		 body_cut;
	int		 redact;
};

/* ruf.c */
struct rufcfg	*rufcfg_new(const struct conf *cf, const char *hostname,
		    char *err, size_t errlen);
void		 rufcfg_free(struct rufcfg *rc);
/* ruf_fo_wants - the fo= rule: report on this verdict? (pure) */
int		 ruf_fo_wants(unsigned fo, int dkim_aligned, int spf_aligned,
		    int dkim_failed, int spf_failed);
void		 ruf_job_free(struct ruf_job *j);
void		 ruf_jobs_free(struct ruf_job *j);

/* rufdest.c */
/* ruf_mailto - the address of a mailto: URI (decoded), or NULL */
char		*ruf_mailto(const char *uri);
/* ruf_verify - drop or replace external destinations (_report._dmarc) */
void		 ruf_verify(struct ruf_job *j);
/* ruf_spf_dns - the SPF-DNS field for j->spf_domain, or NULL */
char		*ruf_spf_dns(const struct ruf_job *j);

/* rufsend.c */
/* ruf_message - the report of j for its current destinations */
char		*ruf_message(const struct ruf_job *j, int with_bcc,
		    size_t *len);
/* ruf_deliver - verify, build and send j; logs the outcome */
void		 ruf_deliver(struct ruf_job *j);

/* rufq.c */
void		 ruf_start(void);
/* ruf_stop - stop taking reports; drain for at most bound_s seconds */
void		 ruf_stop(int bound_s);

#endif
