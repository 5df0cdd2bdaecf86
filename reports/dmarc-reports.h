/*
 * dmarc-reports.h -- the parts of dmarc-reports: run state, database
 * (rdb.c), delivery (deliver.c)
 */
#ifndef DMARC_REPORTS_H
#define DMARC_REPORTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agg.h"
#include "dest.h"
#include "smtp.h"

struct store;

/* Delivery states, as stored in agg_deliveries.state. */
#define DS_PENDING	"pending"	/* not yet delivered: retried */
#define DS_SENT		"sent"		/* accepted by the relay */
#define DS_FAILED	"failed"	/* rejected permanently (5xx) */
#define DS_TOOBIG	"toobig"	/* larger than the URI's !size */
#define DS_UNAUTH	"unauthorized"	/* external, not authorized (D-47) */
#define DS_SUPPRESSED	"suppressed"	/* NoReportsList / suppressions */
#define DS_INVALID	"invalid"	/* not a usable mailto: URI */
#define DS_EXPIRED	"expired"	/* still failing after RETRY_DAYS */

#define RETRY_DAYS	7	/* a pending delivery is retried this long */
#define SMTP_GIVEUP	3	/* consecutive temporary SMTP failures
				   after which a run stops sending */

/* One requests row: a policy domain with rua (compat 4, db/002). */
struct domrow {
	int64_t		 id;		/* domains.id */
	char		*name;
	char		*repuri;
	int		 p, sp, np, adkim, aspf, pct, fo, testing;
	long		 ri;		/* 0: configured interval */
	int64_t		 lastsent;	/* 0: never */
	int64_t		 last_end;	/* end of our last window, 0 none */
};

/* One destination of one report. */
struct delivery {
	int64_t		 id;		/* agg_deliveries.id; 0 not stored */
	char		*dest;		/* address */
	int		 bcc;		/* ReportBcc: no D-47, no !size */
	uint64_t	 max_size;
	const char	*state;		/* DS_* */
	char		 rcpt[256];	/* where it went (D-47 replacement) */
	int		 attempts;
	char		 error[256];
};

/* One built report (stored or about to be). */
struct report {
	int64_t		 id;		/* agg_reports.id; 0 not stored */
	char		*domain;
	int64_t		 begin, end;	/* [begin, end) */
	char		 rid[48];
	char		*filename;
	uint64_t	 messages;
	int64_t		 created;
	unsigned char	*gz;
	size_t		 gzlen;
	struct delivery	*d;
	size_t		 nd;
};

/* The run: configuration and counters. */
struct run {
	struct store		*db;
	enum agg_format		 fmt;
	enum dmarc_profile	 profile;	/* record parsing (ri, D-47) */
	const char		*org, *email, *submitter;
	const char		*dir;		/* --keepfiles/--test files */
	long			 interval;	/* configured window */
	int			 interval_forced; /* --interval/--day */
	int			 keepfiles, test, noupdate;
	int64_t			 now;
	struct smtp_conf	 smtp;
	struct resolver		*res;
	struct dest_verifier	 dv;
	struct noreports	*nr;
	const char *const	*bcc;
	size_t			 nbcc;
	int			 locked;	/* holds store_lock */
	time_t			 lock_at;	/* when it was last renewed */
	int			 temp_in_row;	/* consecutive SMTP_TEMP */
	int			 smtp_down;	/* gave up sending this run */
	unsigned long		 built, sent, deferred, refused, failed, errors;
	void			*filter;	/* --domain/--nodomain */
};

/* rdb.c */
int	rdb_domains(struct store *db, struct domrow **out, size_t *n);
void	rdb_domains_free(struct domrow *d, size_t n);

/* One message as read for a report, handed to the caller's function. */
struct rmsg {
	int64_t		 date;
	int		 tempfail;	/* disp 3: never counted */
	const char	*discovery;	/* "psl"/"treewalk"/"" */
	struct agg_msg	 m;
};
typedef int	(*rdb_msg_fn)(void *arg, const struct rmsg *m);
int	rdb_messages(struct store *db, const struct domrow *dr, int64_t from,
	    int64_t to, rdb_msg_fn fn, void *arg);

int	rdb_report_insert(struct store *db, struct report *r,
	    const char *format);
int	rdb_pending(struct store *db, struct report **out, size_t *n);
int	rdb_deliveries(struct store *db, struct report *r);
int	rdb_delivery_update(struct store *db, const struct delivery *d,
	    int64_t now);
int	rdb_report_finish(struct store *db, const struct report *r);
int	rdb_suppressions(struct store *db, struct noreports *nr);
int	rdb_prune(struct store *db, int64_t before);
void	report_free(struct report *r);

/* deliver.c */
void	deliver_report(struct run *run, struct report *r);

/* dmarc-reports.c: renew the run's lock lease; -1 when it was lost */
int	run_keep_lock(struct run *run);

/* build.c */
void	build_domain(struct run *run, const struct domrow *dr);
void	retry_pending(struct run *run,
	    int (*wanted)(struct run *, const char *));

#endif
