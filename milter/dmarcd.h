/*
 * dmarcd.h -- internal interfaces of the dmarcd milter
 *
 * DESCRIPTION
 *	The milter is split so that the libmilter callbacks (callbacks.c) and
 *	the offline test mode (testmode.c) feed the same message container
 *	(struct msg, msg.c) to the same decision (evaluate.c), which returns
 *	a struct outcome: the action, the SMTP reply, the headers to add and
 *	the history record.  outcome_commit() (histfile.c) writes the record.
 *	The runtime configuration (struct dmarcd_cfg, cfg.c) is immutable
 *	once loaded and reference-counted: each connection pins the one it
 *	started with, and SIGHUP/SIGUSR1 swap in a new one.
 */
#ifndef DMARCD_H
#define DMARCD_H

#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf.h"
#include "dkim.h"
#include "dmarc.h"
#include "psl.h"
#include "resolver.h"
#include "spf.h"

#define DMARCD_NAME	"dmarcd"
#define DMARCD_MAXHDRS	1000		/* header fields kept per message */
#define DMARCD_MAXHDRBYTES (1024 * 1024)	/* header bytes kept */
#define DMARCD_MAXBODY	(64 * 1024)	/* body bytes kept for reports */
#define DMARCD_DEFAULT_CONF SYSCONFDIR "/dmarcd.conf"

struct ignorehosts;
struct rufcfg;
struct ruf_job;

/* ignorehosts.c */
struct ignorehosts *ignorehosts_load(const char *path, char *err,
		    size_t errlen);
void		 ignorehosts_free(struct ignorehosts *ih);
/* ignorehosts_match - nonzero when ip (text) or hostname is ignored */
int		 ignorehosts_match(const struct ignorehosts *ih, const char *ip,
		    const char *hostname);

enum tempfail_action { TF_TEMPFAIL, TF_ACCEPT };

/* The runtime configuration: derived once from struct conf. */
struct dmarcd_cfg {
	pthread_mutex_t	 lock;
	int		 refs;
	struct conf	*conf;
	char		 hostname[256];
	const char	*authservid;	/* NULL: MTA macro j, else hostname */
	const char	**trusted;	/* [0] is filled per message */
	size_t		 ntrusted;
	struct ignorehosts *ignore;
	struct resolver	*resolver;
	struct dmarc_resolver dres;
	struct psl_od	*psl;
	struct dmarc_orgdomain od;
	struct dmarc_options opts;
	enum tempfail_action on_temperror;
	enum tempfail_action on_histerror;
	struct spf	*spf;		/* SPFSelfValidate, else NULL */
	struct dkimv	*dkim;		/* DKIMVerify, else NULL */
	char		**arcwl;	/* trusted ARC sealers, normalized */
	size_t		 narcwl;
	struct rufcfg	*ruf;		/* failure reports (ruf.h) */
};

/*
 * cfg_load - read and check a configuration; zonefile (test mode -Z)
 * overrides TestDNSData.  NULL with a message in err on failure.
 */
struct dmarcd_cfg *cfg_load(const char *path, const char *zonefile,
		    char *err, size_t errlen);
/* cfg_install - make c the configuration new connections get */
void		 cfg_install(struct dmarcd_cfg *c);
/* cfg_acquire - pin the current configuration (never NULL once installed) */
struct dmarcd_cfg *cfg_acquire(void);
void		 cfg_release(struct dmarcd_cfg *c);
/* cfg_hold - one more reference to c (a queued failure report) */
struct dmarcd_cfg *cfg_hold(struct dmarcd_cfg *c);
/* cfg_bool etc. - shortcuts into c->conf */
#define cfg_bool(c, k)	conf_bool((c)->conf, (k))
#define cfg_str(c, k)	conf_str((c)->conf, (k))

#define DMARCD_MAXARC	50	/* ARC instances (RFC 8617 limit) */

/*
 * ARC facts of one message (arc.c).  arc_collect() resets each field but
 * the arrays by name (reused per connection): a new field needs a line
 * there.
 */
struct arcview {
	size_t			 nseal;
	struct dmarc_arcseal	 seal[DMARCD_MAXARC];	/* header order */
	char			 ip[DMARCD_MAXARC][64];	/* from the AAR */
	size_t			 naar;		/* ARC-A-R fields seen */
	int			 override;	/* trusted sealers, arc=pass */
};

/*
 * msg_evaluate()'s working space, about 62 KB: the authentication facts
 * (room for 100 DKIM results), the ARC view and libdmarc's walk memo.
 * Kept per connection and never zeroed (evaluate.c).
 */
struct evwork {
	struct dmarc_authinfo	 ai;
	struct arcview		 av;
	struct dmarc_walk_cache	 wc;
};

/* One header field as received. */
struct hdr {
	char	*name;
	char	*value;		/* unfolded as the MTA gave it */
	size_t	 vlen;
};

/* Everything known about one message. */
struct msg {
	/* connection */
	char	 hostname[256];
	char	 ip[64];		/* "" when unknown */
	char	 helo[256];
	char	*mta_host;		/* macro j */
	char	*jobid;			/* macro i */
	char	*auth_user;		/* {auth_authen} */
	/* envelope */
	char	*envfrom;		/* address without <> ("" for <>) */
	char	 envfrom_domain[DMARC_MAXDOMAIN + 1];
	char	**rcpts;
	size_t	 nrcpts;
	/* header: one allocation per field (name, NUL, value, NUL); the
	   array is kept for the connection's next message */
	struct hdr *hdrs;
	size_t	 nhdrs;
	size_t	 hdrcap;
	size_t	 hdrbytes;
	int	 hdr_overflow;		/* some fields were not kept */
	/* our DKIM verification (DKIMVerify) */
	struct dkimv_msg *dkv;		/* in progress, else NULL */
	struct dmarc_dkim_result *dkim_own;	/* results at end of message */
	size_t	 ndkim_own;
	/* the body, kept only for failure reports (FailureReportsBody) */
	char	*body;
	size_t	 bodylen;
	int	 body_cut;		/* longer than DMARCD_MAXBODY */
	/* msg_evaluate()'s working space, made on first use and kept for
	   the connection's next message */
	struct evwork *work;
};

void	 msg_init(struct msg *m);
/* msg_reset - forget envelope and header (keep connection data) */
void	 msg_reset(struct msg *m);
void	 msg_free(struct msg *m);
void	 msg_set_str(char **field, const char *value);
/* msg_envfrom - set the envelope sender from "<a@b>", "a@b" or "<>" */
void	 msg_envfrom(struct msg *m, const char *arg);
void	 msg_add_rcpt(struct msg *m, const char *arg);
void	 msg_add_header(struct msg *m, const char *name, const char *value,
	    size_t vlen);
/* msg_add_body - keep a body chunk, up to DMARCD_MAXBODY bytes */
void	 msg_add_body(struct msg *m, const unsigned char *p, size_t len);
/* msg_set_addr - client address from a sockaddr (NULL: unknown) */
void	 msg_set_addr(struct msg *m, const struct sockaddr *sa);
/*
 * msg_dkim_* - feed our DKIM verifier (no-ops unless msg_dkim_start()
 * made one): header values verbatim after the colon, body chunks; then
 * msg_dkim_finish() fills dkim_own.  msg_reset() drops all of it.
 */
void	 msg_dkim_start(struct msg *m, struct dkimv *dv);
void	 msg_dkim_header(struct msg *m, const char *name, const char *value,
	    size_t vlen);
/* msg_dkim_eoh - end of header; 0 when the body need not be fed */
int	 msg_dkim_eoh(struct msg *m);
void	 msg_dkim_body(struct msg *m, const unsigned char *p, size_t len);
void	 msg_dkim_finish(struct msg *m);

enum out_action {
	OUT_CONTINUE,	/* go on; our headers are added */
	OUT_ACCEPT,	/* accept without evaluation (ignored) */
	OUT_REJECT,
	OUT_TEMPFAIL,
	OUT_QUARANTINE,	/* hold, headers added */
	OUT_DISCARD
};

#define OUT_MAXHDRS 4
#define OUT_MAXARDEL 64		/* spoofed A-R fields deleted per message */

/* What to do with a message. */
struct outcome {
	enum out_action	 action;
	char		 rcode[4];	/* "" when no reply text */
	char		 xcode[8];
	char		*reply;
	char		*quarantine_reason;
	size_t		 nhdrs;
	char		*hdr_name[OUT_MAXHDRS];	/* insert at index 0, in order */
	char		*hdr_value[OUT_MAXHDRS];
	char		*add_rcpt;
	char		*history;	/* NULL: no record */
	size_t		 histlen;
	const char	*nohistory;	/* why there is no record */
	char		*author;	/* for the log line */
	const char	*result;	/* dmarc result word */
	char		*pdomain;	/* policy domain, NULL when none */
	const char	*policy;	/* published policy that applied */
	const char	*disposition;	/* disposition applied */
	struct ruf_job	*ruf;		/* failure reports to send, or NULL */
	size_t		 nardel;	/* RemoveSpoofedAuthResults: */
	unsigned	 ardel[OUT_MAXARDEL];	/* A-R occurrences (1-based)
						   to delete, ascending */
};

const char *out_action_name(enum out_action a);

/* msg_evaluate - decide; never fails (temporary trouble is an outcome) */
void	 msg_evaluate(const struct dmarcd_cfg *c, struct msg *m,
	    struct outcome *out);
void	 policy_prefetch(const struct dmarcd_cfg *c, const char *value,
	    size_t vlen);
void	 outcome_free(struct outcome *out);

struct dmarc_authinfo;
/* arc.c */
void	 arc_collect(const struct dmarcd_cfg *c, const struct msg *m,
	    const struct dmarc_authinfo *ai, struct arcview *av);
char	**arc_whitelist_load(const struct conf *cf, size_t *n, char *err,
	    size_t errlen);

/* record.c - the history record of an evaluated message into out */
void	 history_build(const struct dmarcd_cfg *c, const struct msg *m,
	    const struct dmarc_eval *ev, const struct dmarc_authinfo *ai,
	    const struct arcview *av, const unsigned *applied,
	    struct outcome *out);

/* arheader.c */
/* ar_authservid - the authserv-id token (quoted when needed) */
char	*ar_authservid(const struct dmarcd_cfg *c, const struct msg *m);
/* self_spf: our SPF result or NULL; ai: its DMARC_SRC_SELF DKIM results */
char	*ar_dmarc_header(const char *authservid, const struct dmarc_eval *ev,
	    const unsigned *applied, const struct dmarc_spf_result *self_spf,
	    const struct dmarc_authinfo *ai);

/*
 * outcome_commit - append the history record (histfile.c); on a write
 * failure the action becomes tempfail unless HistoryFailureAction is
 * accept.  Returns 0, or -1 when the write failed.
 */
int	 outcome_commit(const struct dmarcd_cfg *c, const struct msg *m,
	    struct outcome *out);

/* callbacks.c */
extern struct smfiDesc dmarcd_filter;
/* listen_nodelay - set TCP_NODELAY on libmilter's listening socket */
int	 listen_nodelay(void);

/* ruf.c, rufq.c: failure reports (ruf.h has the rest) */
/* ruf_collect - the failure reports the verdicts call for, into out->ruf */
void	 ruf_collect(const struct dmarcd_cfg *c, const struct msg *m,
	    const struct dmarc_eval *ev, const struct dmarc_authinfo *ai,
	    const unsigned *applied, struct outcome *out);
/* ruf_submit - hand out->ruf to the worker; never blocks or fails mail */
void	 ruf_submit(struct dmarcd_cfg *c, struct outcome *out);
/* ruf_testmode - print the reports of out (full: the whole messages) */
void	 ruf_testmode(const struct dmarcd_cfg *c, struct outcome *out,
	    int full);
void	 ruf_jobs_free(struct ruf_job *j);
/* ruf_wants_body - FailureReports and FailureReportsBody are on */
int	 ruf_wants_body(const struct dmarcd_cfg *c);
#define RUF_DRAIN_S	10	/* seconds to drain the queue at shutdown */
void	 ruf_start(void);
void	 ruf_stop(int bound_s);

/* testmode.c */
struct testopts {
	const char	*ip;
	const char	*hostname;
	const char	*helo;
	const char	*sender;
	const char	*rcpt;
	const char	*jobid;
	const char	*auth_user;
	int		 print_ruf;	/* -F: print whole failure reports */
};
int	 testmode_run(const struct dmarcd_cfg *c, const struct testopts *to,
	    char **files, int nfiles);

#endif
