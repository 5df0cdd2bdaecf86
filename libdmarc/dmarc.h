/*
 * dmarc.h -- libdmarc: DMARC evaluation without I/O
 *
 * DESCRIPTION
 *	The only installed header of libdmarc.  The library parses DMARC
 *	records, RFC 5322 From fields, Authentication-Results and
 *	Received-SPF fields, decides which upstream results to trust,
 *	evaluates alignment and policy, and formats and parses history
 *	records.  It performs no I/O, keeps no globals, never logs and
 *	never exits: DNS arrives through an injected resolver
 *	(struct dmarc_resolver) and organizational-domain discovery through
 *	an injected hook (struct dmarc_orgdomain), the libopendkim
 *	precedent.  All state lives in caller-owned structures.
 *
 *	Untrusted input arrives as (const char *p, size_t len) and need not
 *	be NUL-terminated.  Every function that allocates has a free
 *	function that accepts NULL.  Strings handed back in structures are
 *	owned by the structure unless the comment says "borrowed".
 *
 * DIAGNOSTICS
 *	Functions return enum dmarc_status (DMARC_OK == 0, errors < 0);
 *	dmarc_strerror() names them.
 *
 * SEE ALSO
 *	libdmarc(3), RFC 9989, RFC 7489, RFC 8601, RFC 7208
 */
#ifndef DMARC_H
#define DMARC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DMARC_API __attribute__((visibility("default")))
#else
#define DMARC_API
#endif

/* Hard caps: the reason for each is that input comes from strangers. */
#define DMARC_MAXDOMAIN		253	/* RFC 1035 name length in text form */
#define DMARC_MAXHDR		65536	/* longest header value we parse */
#define DMARC_MAXRECORD		4096	/* longest DMARC TXT record we parse */
#define DMARC_MAXURIS		16	/* rua/ruf URIs kept per tag */
#define DMARC_MAXFROM		16	/* From mailboxes examined */
#define DMARC_MAXRESULTS	64	/* resinfo entries per A-R field */
#define DMARC_MAXPROPS		32	/* properties per resinfo */
#define DMARC_MAXDKIM		100	/* DKIM results kept per message */

enum dmarc_status {
	DMARC_OK = 0,
	DMARC_ENOMEM = -1,	/* allocation failed */
	DMARC_ESYNTAX = -2,	/* input does not parse */
	DMARC_ENOTDMARC = -3,	/* TXT record is not a DMARC record */
	DMARC_ETOOBIG = -4,	/* input exceeds a hard cap */
	DMARC_EINVAL = -5,	/* invalid argument */
	DMARC_ENOSPACE = -6,	/* output buffer too small */
	DMARC_EDOMAIN = -7,	/* not a valid domain name */
	DMARC_ENOTFOUND = -8,	/* nothing to return */
	DMARC_ETRUNC = -9	/* input ends inside an item */
};

DMARC_API const char *dmarc_strerror(int status);

/*
 * Authentication result codes.  The numeric values are OpenDMARC's ARES
 * codes, which the history file and its database store (compat 3.2).
 */
enum dmarc_ares {
	DMARC_ARES_UNDEFINED = -1,
	DMARC_ARES_PASS = 0,
	DMARC_ARES_SOFTFAIL = 2,
	DMARC_ARES_NEUTRAL = 3,
	DMARC_ARES_TEMPERROR = 4,
	DMARC_ARES_PERMERROR = 5,
	DMARC_ARES_NONE = 6,
	DMARC_ARES_FAIL = 7,
	DMARC_ARES_POLICY = 8,
	DMARC_ARES_NXDOMAIN = 9,
	DMARC_ARES_SIGNED = 10,
	DMARC_ARES_UNKNOWN = 11,
	DMARC_ARES_DISCARD = 12
};

/* dmarc_ares_parse - result keyword (any case) to code; aliases */
DMARC_API enum dmarc_ares dmarc_ares_parse(const char *p, size_t len);
/* dmarc_ares_name - code to RFC 8601 keyword ("unknown" for others) */
DMARC_API const char *dmarc_ares_name(enum dmarc_ares code);

/* Which specification governs records, policy and reports. */
enum dmarc_profile {
	DMARC_RFC9989 = 0,	/* default: RFC 9989/9990/9991 */
	DMARC_RFC7489 = 1	/* legacy: pct, rf, ri honoured */
};

/* ------------------------------------------------------------------ */
/* Domain names (domain.c)                                             */
/* ------------------------------------------------------------------ */

/*
 * dmarc_domain_normalize - validate and canonicalise a domain name:
 * lower-case, trailing dot stripped, U-labels converted to A-labels
 * (libidn2), only letters, digits, '-' and '.' in the result
 * (CVE-2020-12272), no empty label, at most DMARC_MAXDOMAIN octets.
 * out must hold DMARC_MAXDOMAIN + 1 bytes.  DMARC_EDOMAIN when invalid.
 */
DMARC_API int dmarc_domain_normalize(const char *p, size_t len, char *out,
    size_t outlen);

/* dmarc_domain_is_ldh - nonzero when p[0..len) is a valid LDH name */
DMARC_API int dmarc_domain_is_ldh(const char *p, size_t len);

/* dmarc_domain_labels - number of labels in a normalized name */
DMARC_API unsigned dmarc_domain_labels(const char *name);

/* ------------------------------------------------------------------ */
/* DMARC records (record.c)                                            */
/* ------------------------------------------------------------------ */

/* Values are the ASCII codes OpenDMARC's history file writes. */
enum dmarc_policy {
	DMARC_P_UNSET = 0,
	DMARC_P_NONE = 'n',
	DMARC_P_QUARANTINE = 'q',
	DMARC_P_REJECT = 'r'
};

enum dmarc_psd {
	DMARC_PSD_U = 'u',
	DMARC_PSD_Y = 'y',
	DMARC_PSD_N = 'n'
};

/* fo= bits: the bitmask OpenDMARC develop writes as history key "fo" */
#define DMARC_FO_0	0x1
#define DMARC_FO_1	0x2
#define DMARC_FO_D	0x4
#define DMARC_FO_S	0x8

/* Problems found in a record: for dmarc-check and report <error>. */
#define DMARC_RF_BAD_P		0x00000001u	/* p= value invalid */
#define DMARC_RF_BAD_SP		0x00000002u
#define DMARC_RF_BAD_NP		0x00000004u
#define DMARC_RF_BAD_ADKIM	0x00000008u
#define DMARC_RF_BAD_ASPF	0x00000010u
#define DMARC_RF_BAD_FO		0x00000020u
#define DMARC_RF_BAD_PCT	0x00000040u
#define DMARC_RF_BAD_RF		0x00000080u
#define DMARC_RF_BAD_RI		0x00000100u
#define DMARC_RF_BAD_PSD	0x00000200u
#define DMARC_RF_BAD_T		0x00000400u
#define DMARC_RF_BAD_RUA	0x00000800u	/* at least one rua URI bad */
#define DMARC_RF_BAD_RUF	0x00001000u
#define DMARC_RF_NO_P		0x00002000u	/* no p= tag at all */
#define DMARC_RF_UNKNOWN_TAG	0x00004000u
#define DMARC_RF_DUP_TAG	0x00008000u	/* a tag appears twice */
#define DMARC_RF_HISTORIC	0x00010000u	/* pct/rf/ri under RFC 9989 */
#define DMARC_RF_SIZE_SUFFIX	0x00020000u	/* a URI carries !size */
#define DMARC_RF_SYNTAX		0x00040000u	/* a tag did not parse */
#define DMARC_RF_TOO_MANY_URIS	0x00080000u	/* more than DMARC_MAXURIS */
#define DMARC_RF_FO_NO_RUF	0x00100000u	/* fo= without ruf= */

struct dmarc_uri {
	char		*uri;		/* without the !size suffix */
	char		*raw;		/* as published, !size included */
	uint64_t	 max_size;	/* bytes; 0 when no suffix */
	int		 valid;		/* syntactically valid URI */
	int		 mailto;	/* scheme is mailto: */
};

struct dmarc_record {
	enum dmarc_profile profile;	/* the mode it was parsed in */
	enum dmarc_policy p;		/* DMARC_P_UNSET: absent or invalid */
	enum dmarc_policy sp;		/* UNSET: absent or invalid */
	enum dmarc_policy np;		/* UNSET: absent or invalid */
	enum dmarc_psd	 psd;		/* default u */
	int		 t;		/* t=y: 1; default 0 */
	char		 adkim;		/* 'r' or 's', default 'r' */
	char		 aspf;
	unsigned	 fo;		/* DMARC_FO_*, default DMARC_FO_0 */
	int		 pct;		/* 0..100, default 100 */
	int		 pct_set;	/* a valid pct= was published */
	unsigned	 rf;		/* 1 = afrf (only format defined) */
	unsigned long	 ri;		/* seconds, default 86400 */
	size_t		 nrua;
	struct dmarc_uri *rua;
	size_t		 nruf;
	struct dmarc_uri *ruf;
	unsigned	 flags;		/* DMARC_RF_* */
};

/*
 * dmarc_record_parse - parse one TXT record (character-strings already
 * joined).  DMARC_ENOTDMARC unless "v=DMARC1" is the first tag (tag name
 * case-insensitive, value exact).  A bad value for any other tag falls back
 * to its default and sets a DMARC_RF_* flag.  Under RFC 9989 pct, rf and
 * ri are parsed for diagnostics, flagged DMARC_RF_HISTORIC, and the
 * defaults are kept in the effective fields.
 */
DMARC_API int dmarc_record_parse(const char *txt, size_t len,
    enum dmarc_profile profile, struct dmarc_record **out);
DMARC_API void dmarc_record_free(struct dmarc_record *rec);

/* dmarc_record_has_valid_rua - nonzero when at least one rua URI is valid */
DMARC_API int dmarc_record_has_valid_rua(const struct dmarc_record *rec);

/*
 * dmarc_record_usable - D-09: a record with a valid p=, or without one but
 * with a valid rua (then it acts as p=none).  Zero: no DMARC processing.
 */
DMARC_API int dmarc_record_usable(const struct dmarc_record *rec);

/* Effective policies after defaults: p (none when only rua), sp, np. */
DMARC_API enum dmarc_policy dmarc_record_p(const struct dmarc_record *rec);
DMARC_API enum dmarc_policy dmarc_record_sp(const struct dmarc_record *rec);
DMARC_API enum dmarc_policy dmarc_record_np(const struct dmarc_record *rec);

/* dmarc_policy_name - "none", "quarantine", "reject" ("none" for UNSET) */
DMARC_API const char *dmarc_policy_name(enum dmarc_policy p);

/* ------------------------------------------------------------------ */
/* RFC 5322 From (from.c)                                              */
/* ------------------------------------------------------------------ */

struct dmarc_from {
	size_t	 naddrs;	/* mailboxes seen (group members included) */
	size_t	 nnodomain;	/* mailboxes without a usable domain */
	size_t	 ndomains;	/* distinct domains, first-seen order */
	char	*domains[DMARC_MAXFROM];	/* normalized (A-label) */
	char	*locals[DMARC_MAXFROM];		/* local part of the first
						   mailbox per domain */
};

/*
 * dmarc_from_parse - add the mailboxes of one unfolded From value to out
 * (call once per From field; out starts zeroed).  Display names, quoted
 * strings, comments, groups and encoded words are understood; unbalanced
 * brackets, an address without '@' or an invalid domain give
 * DMARC_ESYNTAX (never a silent "no domain").
 */
DMARC_API int dmarc_from_parse(const char *value, size_t len,
    struct dmarc_from *out);
DMARC_API void dmarc_from_clear(struct dmarc_from *from);

/* ------------------------------------------------------------------ */
/* Authentication-Results and Received-SPF (authres.c, rspf.c)         */
/* ------------------------------------------------------------------ */

struct dmarc_ar_prop {
	char	*ptype;		/* lower-cased: smtp, header, body, policy... */
	char	*property;	/* lower-cased */
	char	*value;		/* unquoted, comments removed */
};

struct dmarc_ar_result {
	char		*method;	/* lower-cased, version stripped */
	char		*result;	/* lower-cased keyword */
	enum dmarc_ares	 code;		/* dmarc_ares_parse(result) */
	char		*reason;	/* NULL when absent */
	size_t		 nprops;
	struct dmarc_ar_prop *props;
};

struct dmarc_authres {
	char		*authserv_id;	/* NULL when the field has none */
	int		 version;	/* 1 when absent */
	int		 none;		/* "authserv-id; none" */
	size_t		 nresults;
	struct dmarc_ar_result *results;
};

/*
 * dmarc_authres_parse - parse one Authentication-Results (or
 * ARC-Authentication-Results, after its "i=N;") value per RFC 8601.
 * Unknown methods and properties are kept, not fatal.  A field without
 * authserv-id is returned with authserv_id NULL (never to be trusted).
 */
DMARC_API int dmarc_authres_parse(const char *value, size_t len,
    struct dmarc_authres **out);
DMARC_API void dmarc_authres_free(struct dmarc_authres *ar);

/* dmarc_authres_prop - value of ptype.property in r, or NULL (borrowed) */
DMARC_API const char *dmarc_authres_prop(const struct dmarc_ar_result *r,
    const char *ptype, const char *property);

struct dmarc_rspf {
	enum dmarc_ares	 result;
	char		*identity;	/* "mailfrom", "helo", ... or NULL */
	char		*envelope_from;	/* NULL when absent */
	char		*helo;
	char		*client_ip;
	char		*receiver;
};

/* dmarc_rspf_parse - parse one Received-SPF value (RFC 7208 9.1) */
DMARC_API int dmarc_rspf_parse(const char *value, size_t len,
    struct dmarc_rspf **out);
DMARC_API void dmarc_rspf_free(struct dmarc_rspf *rs);

/* ------------------------------------------------------------------ */
/* ARC header fields (arc.c): names only, no cryptography             */
/* ------------------------------------------------------------------ */

struct dmarc_arcseal {
	int	 instance;			/* i=, 1..50 */
	char	 domain[DMARC_MAXDOMAIN + 1];	/* d=, normalized */
	char	 selector[64];			/* s=, "" when absent */
	char	 cv[16];			/* cv=, lower-cased */
};

/* dmarc_arcseal_parse - tags of one ARC-Seal value; DMARC_ESYNTAX if bad */
DMARC_API int dmarc_arcseal_parse(const char *p, size_t len,
    struct dmarc_arcseal *out);

/*
 * dmarc_arc_instance - the i= (1..50) that starts an ARC-Authentication-
 * Results value, -1 when there is none; *rest receives the offset just
 * after its ';' (where dmarc_authres_parse() may continue).
 */
DMARC_API int dmarc_arc_instance(const char *p, size_t len, size_t *rest);

/* ------------------------------------------------------------------ */
/* Trust: turning upstream fields into authentication facts (trust.c) */
/* ------------------------------------------------------------------ */

enum dmarc_spf_scope {
	DMARC_SCOPE_UNKNOWN = -1,
	DMARC_SCOPE_MFROM = 1,
	DMARC_SCOPE_HELO = 2
};

/* Where a fact came from: history keeps no source, logs and tests do. */
enum dmarc_source {
	DMARC_SRC_NONE = 0,
	DMARC_SRC_AUTHRES,	/* trusted Authentication-Results */
	DMARC_SRC_RSPF,		/* Received-SPF */
	DMARC_SRC_SELF		/* our own SPF/DKIM check */
};

struct dmarc_dkim_result {
	char		 domain[DMARC_MAXDOMAIN + 1];	/* d= (or i= domain) */
	char		 selector[64];	/* "" when unknown */
	char		 bprefix[16];	/* header.b prefix, "" when unknown */
	enum dmarc_ares	 result;
	enum dmarc_source source;
};

struct dmarc_spf_result {
	enum dmarc_ares	 result;	/* UNDEFINED: no SPF information */
	enum dmarc_spf_scope scope;
	char		 domain[DMARC_MAXDOMAIN + 1];	/* identity checked */
	enum dmarc_source source;
};

struct dmarc_trust {
	const char *const *authserv_ids; /* [0] is ours; others trusted */
	size_t		 nauthserv_ids;
	const char	*jobid;		/* accept "id/jobid" forms when set */
	int		 ignore_spf;	/* SPFIgnoreResults */
};

/*
 * dmarc_authinfo_clear() resets each field but dkim[] by name (it is
 * reused per message without zeroing): a new field needs a line there.
 */
struct dmarc_authinfo {
	size_t			 ndkim;
	struct dmarc_dkim_result dkim[DMARC_MAXDKIM];
	struct dmarc_spf_result	 spf;
	enum dmarc_ares		 spf_seen;	/* raw result seen, even when
						   not credited (UNDEFINED) */
	int			 arc_pass;	/* trusted arc=pass count */
	char			*arc_chain;	/* arc.chain= of the pass, or NULL */
	unsigned		 ntrusted;	/* trusted A-R fields used */
	unsigned		 nuntrusted;	/* A-R fields ignored */
};

/*
 * dmarc_authinfo_add_authres - fold one parsed A-R field into ai if its
 * authserv-id is trusted (case-insensitive).  DKIM results with header.d
 * or header.i are kept with selector and header.b.  An SPF pass counts
 * only when smtp.mailfrom (address or bare domain) matches
 * envfrom_domain; a HELO-only result never counts for a non-null sender
 * (CVE-2019-20790).  Domains failing dmarc_domain_normalize() are dropped
 * (CVE-2020-12272).  Returns DMARC_OK when trusted, DMARC_ENOTFOUND when
 * the field was ignored.
 */
DMARC_API int dmarc_authinfo_add_authres(struct dmarc_authinfo *ai,
    const struct dmarc_trust *trust, const struct dmarc_authres *ar,
    const char *envfrom_domain);

/*
 * dmarc_authinfo_add_rspf - use a Received-SPF field when no SPF result
 * is known yet: counts only with identity=mailfrom and an envelope-from
 * whose domain equals envfrom_domain, otherwise it becomes neutral.
 */
DMARC_API int dmarc_authinfo_add_rspf(struct dmarc_authinfo *ai,
    const struct dmarc_trust *trust, const struct dmarc_rspf *rs,
    const char *envfrom_domain);

/*
 * dmarc_authinfo_init - make uninitialized memory (malloc) empty;
 * dmarc_authinfo_clear - empty again (frees arc_chain).  Only
 * dkim[0..ndkim) is defined: neither writes the slots beyond, so a
 * fresh ai costs no 34 KB memset and touches only the pages it uses.
 */
DMARC_API void dmarc_authinfo_init(struct dmarc_authinfo *ai);
DMARC_API void dmarc_authinfo_clear(struct dmarc_authinfo *ai);

/* ------------------------------------------------------------------ */
/* Injected DNS and organizational-domain discovery                    */
/* ------------------------------------------------------------------ */

enum dmarc_dns {
	DMARC_DNS_DATA = 0,	/* answer with records */
	DMARC_DNS_NODATA = 1,	/* name exists, no records of this type */
	DMARC_DNS_NXDOMAIN = 2,	/* name does not exist */
	DMARC_DNS_SERVFAIL = 3,	/* server failure (temporary) */
	DMARC_DNS_TIMEOUT = 4,	/* no answer in time (temporary) */
	DMARC_DNS_ERROR = 5	/* local failure (temporary) */
};

DMARC_API const char *dmarc_dns_name(enum dmarc_dns d);

/*
 * One TXT answer: each RR's character-strings joined (D-02).  The
 * resolver fills it with malloc(3)ed memory; dmarc_dns_txt_clear()
 * frees it.
 */
struct dmarc_dns_txt {
	size_t	 n;
	char	**rr;	/* NUL-terminated copies */
	size_t	*len;	/* lengths (TXT may contain NUL) */
};

DMARC_API void dmarc_dns_txt_clear(struct dmarc_dns_txt *txt);
/* dmarc_dns_txt_add - append one RR (copies it); for resolver writers */
DMARC_API int dmarc_dns_txt_add(struct dmarc_dns_txt *txt, const char *p,
    size_t len);

struct dmarc_resolver {
	/* TXT lookup of a normalized name */
	enum dmarc_dns	(*txt)(void *arg, const char *name,
			    struct dmarc_dns_txt *out);
	/* does the name exist (A query, rcode only: RFC 8020 / D-28) */
	enum dmarc_dns	(*exists)(void *arg, const char *name);
	void		*arg;
};

struct dmarc_orgdomain {
	/*
	 * Write the organizational domain of the normalized name into out.
	 * A public suffix is its own organizational domain (D-19).
	 */
	int	(*lookup)(void *arg, const char *name, char *out,
		    size_t outlen);
	void	*arg;
};

enum dmarc_discovery {
	DMARC_DISCOVERY_PSL = 1,	/* RFC 7489: PSL, at most 2 queries */
	DMARC_DISCOVERY_TREEWALK = 2	/* RFC 9989 DNS tree walk */
};

DMARC_API const char *dmarc_discovery_name(enum dmarc_discovery d);

/* ------------------------------------------------------------------ */
/* RFC 9989 DNS tree walk (treewalk.c)                                 */
/* ------------------------------------------------------------------ */

#define DMARC_WALK_MAXSTEPS	8	/* D-15: never more queries */
#define DMARC_WALK_CACHE	16	/* names memoized per message */

/* One query of a walk: _dmarc.<name> and what it gave. */
struct dmarc_walk_step {
	char			 name[DMARC_MAXDOMAIN + 1];	/* without
								   "_dmarc." */
	enum dmarc_dns		 dns;
	unsigned		 nrecords;	/* valid DMARC records seen;
						   more than one: none (D-04) */
	struct dmarc_record	*record;	/* owned; the single one */
};

struct dmarc_walk {
	char			 start[DMARC_MAXDOMAIN + 1];
	size_t			 nsteps;
	struct dmarc_walk_step	 step[DMARC_WALK_MAXSTEPS];
	char			 org_domain[DMARC_MAXDOMAIN + 1];	/* D-17 */
	int			 org_step;	/* step holding the org
						   domain's record, -1 none */
	int			 psd_step;	/* step with psd=y, -1 none */
	int			 temperror;	/* a query failed: no answer */
	enum dmarc_dns		 dns_error;	/* its outcome */
	char			 dns_error_name[DMARC_MAXDOMAIN + 8];
};

/*
 * dmarc_treewalk - the RFC 9989 tree walk from start (D-15, D-16, D-21)
 * with the organizational domain chosen per D-17.  Every valid record met
 * is kept in its step.  A SERVFAIL, timeout or local error on any query
 * stops the walk with out->temperror set (org_domain is then the start).
 * DMARC_EDOMAIN when start is not a valid name; free with
 * dmarc_walk_free() whatever the status.
 */
DMARC_API int dmarc_treewalk(const struct dmarc_resolver *res,
    enum dmarc_profile profile, const char *start, struct dmarc_walk *out);
DMARC_API void dmarc_walk_free(struct dmarc_walk *w);

/*
 * Per-message memo of organizational domains found by walks (D-18).
 * dmarc_walk_orgdomain() resets each field but e[] by name: a new field
 * needs a line there.
 */
struct dmarc_walk_cache {
	const struct dmarc_resolver *res;
	enum dmarc_profile	 profile;
	size_t			 n;
	struct {
		char	 name[DMARC_MAXDOMAIN + 1];
		char	 org[DMARC_MAXDOMAIN + 1];
		int	 temperror;
	}			 e[DMARC_WALK_CACHE];
	unsigned		 nqueries;	/* TXT queries the walks made */
	unsigned		 ntemp;		/* lookups that met a temporary
						   error (they fail) */
};

/*
 * dmarc_walk_orgdomain - set up cache (emptied here) and out so that
 * out->lookup answers "organizational domain of name" by a tree walk,
 * for dmarc_aligned() in relaxed mode: one walk per distinct name, at
 * most DMARC_WALK_CACHE names per cache (further names fail, so they
 * align only by exact match).  A walk that met a temporary DNS error
 * fails and counts in cache->ntemp.
 */
DMARC_API void dmarc_walk_orgdomain(const struct dmarc_resolver *res,
    enum dmarc_profile profile, struct dmarc_orgdomain *out,
    struct dmarc_walk_cache *cache);
/* dmarc_walk_cache_put - remember a finished walk's answer for its start */
DMARC_API void dmarc_walk_cache_put(struct dmarc_walk_cache *cache,
    const struct dmarc_walk *w);

/* ------------------------------------------------------------------ */
/* Evaluation (align.c, policy.c)                                      */
/* ------------------------------------------------------------------ */

enum dmarc_result {
	DMARC_RESULT_NONE = 0,
	DMARC_RESULT_PASS,
	DMARC_RESULT_FAIL,
	DMARC_RESULT_TEMPERROR,
	DMARC_RESULT_PERMERROR
};

DMARC_API const char *dmarc_result_name(enum dmarc_result r);

/* The action a receiver applies: RFC 9990 <disposition>. */
enum dmarc_disposition {
	DMARC_DIS_NONE = 0,
	DMARC_DIS_PASS,		/* pass under an enforcing policy (9990) */
	DMARC_DIS_QUARANTINE,
	DMARC_DIS_REJECT
};

DMARC_API const char *dmarc_disposition_name(enum dmarc_disposition d);

/* Why the disposition differs from the policy (RFC 9990 reason types). */
#define DMARC_REASON_SAMPLED_OUT	0x01	/* 7489 pct */
#define DMARC_REASON_TEST_MODE		0x02	/* t=y: policy_test_mode */
#define DMARC_REASON_LOCAL_POLICY	0x04	/* e.g. ARC override */
#define DMARC_REASON_TRUSTED_FORWARDER	0x08
#define DMARC_REASON_MAILING_LIST	0x10
#define DMARC_REASON_OTHER		0x20

/* Alignment outcome: history codes (compat 3.1 align_dkim/align_spf). */
enum dmarc_align {
	DMARC_ALIGN_NONE = 0,	/* not evaluated (no record) */
	DMARC_ALIGN_PASS = 4,
	DMARC_ALIGN_FAIL = 5
};

/* The policy tag that applied. */
enum dmarc_policy_tag {
	DMARC_TAG_NONE = 0,
	DMARC_TAG_P = 'p',
	DMARC_TAG_SP = 's',
	DMARC_TAG_NP = 'n'
};

struct dmarc_options {
	enum dmarc_profile	 profile;
	enum dmarc_discovery	 discovery;
	const struct dmarc_resolver *resolver;
	const struct dmarc_orgdomain *orgdomain;	/* PSL mode; relaxed
							   alignment */
	unsigned		 max_from_domains;	/* 0: DMARC_MAXFROM */
};

struct dmarc_input {
	const struct dmarc_from	*from;		/* parsed author domains */
	const char		*envfrom_domain; /* "" for the null sender */
	const char		*helo;		/* may be NULL */
	const struct dmarc_authinfo *auth;	/* SPF, DKIM, ARC facts */
	unsigned		 pct_roll;	/* caller's random 0..99 */
	struct dmarc_walk_cache	*walk_cache;	/* working space reused by
						   the caller, or NULL:
						   allocated per call */
};

/* The verdict for one author domain. */
struct dmarc_verdict {
	char			 author[DMARC_MAXDOMAIN + 1];
	char			 policy_domain[DMARC_MAXDOMAIN + 1];
	char			 org_domain[DMARC_MAXDOMAIN + 1];
	enum dmarc_result	 result;
	struct dmarc_record	*record;	/* owned; NULL when none */
	enum dmarc_policy_tag	 tag;		/* which tag applied */
	enum dmarc_policy	 policy;	/* the published policy that
						   applies (p/sp/np) */
	enum dmarc_disposition	 disposition;	/* after t= / pct= */
	unsigned		 reasons;	/* DMARC_REASON_* */
	enum dmarc_align	 align_dkim;
	enum dmarc_align	 align_spf;
	int			 dkim_aligned_idx;	/* index into auth->dkim,
							   -1 none */
	enum dmarc_discovery	 discovery;
	enum dmarc_dns		 dns_error;	/* cause of a temperror */
	char			 dns_error_name[DMARC_MAXDOMAIN + 8];
	unsigned		 nqueries;	/* DNS queries made */
};

struct dmarc_eval {
	size_t			 n;		/* verdicts, one per author
						   domain evaluated */
	struct dmarc_verdict	*v;
	size_t			 worst;		/* index of the strictest */
	int			 incomplete;	/* domains over the cap */
};

/*
 * dmarc_evaluate - evaluate every author domain in in->from (capped at
 * opt->max_from_domains; if the cap cut anything the evaluation is marked
 * incomplete and the result is permerror) and pick the strictest verdict.
 * With no author domain the single verdict is permerror.
 */
DMARC_API int dmarc_evaluate(const struct dmarc_options *opt,
    const struct dmarc_input *in, struct dmarc_eval **out);
DMARC_API void dmarc_eval_free(struct dmarc_eval *ev);

/*
 * dmarc_aligned - alignment of identifier id with author domain author:
 * strict is an exact match; relaxed compares organizational domains
 * through od (exact match only when od is NULL or fails).
 */
DMARC_API int dmarc_aligned(const char *id, const char *author, char mode,
    const struct dmarc_orgdomain *od);

/* ------------------------------------------------------------------ */
/* History records (history.c)                                         */
/* ------------------------------------------------------------------ */

/* History "policy" values (compat 3.1). */
#define DMARC_HPOLICY_ABSENT		14
#define DMARC_HPOLICY_PASS		15
#define DMARC_HPOLICY_REJECT		16
#define DMARC_HPOLICY_QUARANTINE	17
#define DMARC_HPOLICY_NONE		18

/* History "action" values. */
#define DMARC_HACTION_REJECT		0
#define DMARC_HACTION_DISCARD		1
#define DMARC_HACTION_ACCEPT		2
#define DMARC_HACTION_TEMPFAIL		3
#define DMARC_HACTION_QUARANTINE	4

struct dmarc_hist_dkim {
	char		*domain;
	char		*selector;	/* NULL written as "-" */
	int		 result;	/* ARES code */
};

struct dmarc_hist_arcseal {
	int	 instance;
	char	*domain;
	char	*selector;
	char	*ip;
};

/*
 * One history record.  Fields 1-21 are OpenDMARC's, in its order, with
 * develop's spf_scope and fo; the ext_* fields are our keys, written only
 * at the end of the record.
 */
struct dmarc_history {
	char		*job;
	char		*reporter;
	long long	 received;
	char		*ipaddr;
	char		*from;
	char		*mfrom;		/* "" for the null sender */
	size_t		 ndkim;
	struct dmarc_hist_dkim *dkim;
	int		 spf;		/* ARES code, -1 none */
	int		 spf_scope;	/* 1 mfrom, 2 helo, -1 unknown */
	char		*pdomain;
	int		 policy;	/* DMARC_HPOLICY_* */
	size_t		 nrua;
	char		**rua;		/* raw URIs */
	int		 pct;
	int		 adkim;		/* ASCII code, 0 none */
	int		 aspf;
	int		 p;
	int		 sp;
	int		 fo;
	int		 align_dkim;
	int		 align_spf;
	int		 arc;		/* ARES code */
	int		 arc_policy;	/* 0 pass, 2 fail */
	size_t		 narcseal;
	struct dmarc_hist_arcseal *arcseal;
	int		 action;	/* DMARC_HACTION_* */
	/* extensions (ours; after "action") */
	int		 has_ext;	/* record carries/gets ext keys */
	char		*ext_result;	/* dmarc result keyword */
	char		*ext_disposition;	/* none/pass/quarantine/reject */
	unsigned	 ext_reasons;	/* DMARC_REASON_* */
	int		 ext_np;	/* ASCII code, 0 none */
	int		 ext_psd;	/* ASCII code, 0 none */
	int		 ext_t;		/* -1 unknown, 0, 1 */
	char		*ext_discovery;	/* "psl" / "treewalk" */
	char		*ext_spf_domain;	/* identity SPF checked */
	char		*ext_profile;	/* "rfc9989" / "rfc7489" */
	char		*ext_from_all;	/* all author domains, comma list */
};

/*
 * dmarc_history_format - write h as one record ("key value\n" lines,
 * starting with "job") into a malloc(3)ed string *out of length *outlen.
 * Values are checked: a value containing a control character or (where
 * the format cannot carry one) a space is written as "-".
 */
DMARC_API int dmarc_history_format(const struct dmarc_history *h,
    int with_ext, char **out, size_t *outlen);

/*
 * Streaming history parser for importers: feed lines, get records.  A
 * record ends at the next "job" line or at dmarc_history_finish().
 */
struct dmarc_history_parser;

DMARC_API struct dmarc_history_parser *dmarc_history_parser_new(void);
DMARC_API void dmarc_history_parser_free(struct dmarc_history_parser *hp);
/*
 * dmarc_history_feed - one line without its newline.  Returns DMARC_OK,
 * DMARC_ESYNTAX for a malformed line (the caller reports it with its line
 * number), or DMARC_ETRUNC when a "job" line ends a record that never got
 * its "action" line.  When a previous record ends, *done receives it
 * (caller frees with dmarc_history_free) whatever the status, else NULL.
 */
DMARC_API int dmarc_history_feed(struct dmarc_history_parser *hp,
    const char *line, size_t len, struct dmarc_history **done);
/* dmarc_history_finish - end of input: returns the last record, if any */
DMARC_API int dmarc_history_finish(struct dmarc_history_parser *hp,
    struct dmarc_history **done);
DMARC_API void dmarc_history_free(struct dmarc_history *h);

#ifdef __cplusplus
}
#endif

#endif /* DMARC_H */
