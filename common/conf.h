/*
 * conf.h -- the one configuration file parser and its key table
 *
 * SYNOPSIS
 *	struct conf *c = conf_load(path, CONF_DMARCD, err, sizeof(err));
 *	if (conf_bool(c, C_REJECTFAILURES)) ...
 *	conf_free(c);
 *
 * DESCRIPTION
 *	One table (conf.c) describes every key: name, type, default, bounds,
 *	the programs that use it, whether it takes effect yet, and a one-line
 *	doc.  It drives parsing, `dmarcd -n`, the sample file and the test
 *	that dmarcd.conf(5) documents every key.  The syntax is OpenDMARC's
 *	(opendmarc.conf loads unchanged): "Name value" per line, names
 *	case-insensitive, '#' comments, booleans by first character
 *	(tTyY1 / fFnN0), integers by strtol(..., 0) (so a leading 0 is
 *	octal: UMask 077), the last occurrence of a key wins.  An unknown
 *	key or a key without a value is an error naming file and line.
 *
 *	A loaded struct conf is immutable and may be shared by threads.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdio.h>

/* Keys; the table in conf.c has one row per key, in this order. */
enum conf_id {
	/* OpenDMARC 1.4.2 */
	C_AUTHSERVID,
	C_AUTHSERVIDWITHJOBID,
	C_AUTORESTART,
	C_AUTORESTARTCOUNT,
	C_AUTORESTARTRATE,
	C_BACKGROUND,
	C_BASEDIRECTORY,
	C_CHANGEROOTDIRECTORY,
	C_COPYFAILURESTO,
	C_DNSTIMEOUT,
	C_DOMAINWHITELIST,
	C_DOMAINWHITELISTFILE,
	C_DOMAINWHITELISTSIZE,
	C_ENABLECOREDUMPS,
	C_FAILUREREPORTS,
	C_FAILUREREPORTSBCC,
	C_FAILUREREPORTSONNONE,
	C_FAILUREREPORTSSENTBY,
	C_HISTORYFILE,
	C_HOLDQUARANTINEDMESSAGES,
	C_IGNOREAUTHENTICATEDCLIENTS,
	C_IGNOREHOSTS,
	C_IGNOREMAILFROM,
	C_MILTERDEBUG,
	C_PIDFILE,
	C_PUBLICSUFFIXLIST,
	C_RECORDALLMESSAGES,
	C_REJECTFAILURES,
	C_REJECTMULTIVALUEFROM,
	C_REPORTCOMMAND,
	C_REQUIREDHEADERS,
	C_SOCKET,
	C_SOFTWAREHEADER,
	C_REMOVESPOOFEDAUTHRESULTS,
	C_SPFIGNORERESULTS,
	C_SPFSELFVALIDATE,
	C_SYSLOG,
	C_SYSLOGFACILITY,
	C_TESTDNSDATA,
	C_TRUSTEDAUTHSERVIDS,
	C_UMASK,
	C_USERID,
	/* OpenDMARC develop (2026) */
	C_REJECTSTRING,
	C_REQUIREDFROM,
	C_IGNOREMAILTO,
	C_NOREPORTSLIST,
	/* dmarcd */
	C_DMARCSTANDARD,
	C_NAMESERVERS,
	C_TEMPORARYFAILUREACTION,
	C_HISTORYFAILUREACTION,
	C_HISTORYEXTENSIONS,
	C_MAXFROMDOMAINS,
	C_DISCOVERYMETHOD,
	C_SPFSELFVALIDATEALWAYS,
	C_DKIMVERIFY,
	/* failure reports */
	C_FAILUREREPORTSREDACT,
	C_FAILUREREPORTSBODY,
	C_FAILUREREPORTSRATELIMIT,
	C_FAILUREREPORTSRATEWINDOW,
	C_FAILUREREPORTSQUEUESIZE,
	/* database and aggregate reports */
	C_DATABASE,
	C_REPORTORG,
	C_REPORTEMAIL,
	C_REPORTFORMAT,
	C_REPORTINTERVAL,
	C_REPORTDIRECTORY,
	C_REPORTBCC,
	/* SMTP client (aggregate and failure reports) */
	C_SMTPSERVER,
	C_SMTPPORT,
	C_SMTPSTARTTLS,
	C_SMTPUSER,
	C_SMTPPASSWORDFILE,
	C__COUNT
};

enum conf_type {
	CT_BOOL,
	CT_INT,
	CT_STRING,
	CT_PATH,
	CT_LIST,	/* comma and/or whitespace separated */
	CT_ENUM		/* one of the '|'-separated words in choices */
};

/* Programs that read a key. */
#define CONF_DMARCD	0x01
#define CONF_IMPORT	0x02
#define CONF_REPORTS	0x04
#define CONF_TOOLS	0x08	/* expire, params, check */
#define CONF_ALL	0x0f

/* Key flags. */
#define CF_NORELOAD	0x01	/* needs a restart to change */
#define CF_NOTYET	0x02	/* accepted, logged, has no effect yet */
#define CF_COMPAT	0x04	/* accepted for OpenDMARC compatibility only */
#define CF_NOTYETDMARCD	0x08	/* like CF_NOTYET, but only in dmarcd */

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	const char	*defval;	/* NULL: unset by default */
	long		 min, max;	/* CT_INT bounds */
	const char	*choices;	/* CT_ENUM: "a|b|c" */
	unsigned	 progs;		/* CONF_* */
	unsigned	 flags;		/* CF_* */
	const char	*doc;		/* one line */
};

struct conf;

/*
 * conf_load - read path (NULL: defaults only).  On error returns NULL
 * with "path:line: message" in err.  Keys flagged CF_NOTYET that are set
 * and used by prog are logged once with log_warnx.
 */
struct conf	*conf_load(const char *path, unsigned prog, char *err,
		    size_t errlen);
/* conf_load_buf - the same from memory (fuzzing, tests); name for errors */
struct conf	*conf_load_buf(const char *buf, size_t len, const char *name,
		    unsigned prog, char *err, size_t errlen);
void		 conf_free(struct conf *c);

/* conf_isset - the key was set by the file (not just defaulted) */
int		 conf_isset(const struct conf *c, enum conf_id id);
int		 conf_bool(const struct conf *c, enum conf_id id);
long		 conf_int(const struct conf *c, enum conf_id id);
/* conf_str - string/path/enum value, or NULL when unset (borrowed) */
const char	*conf_str(const struct conf *c, enum conf_id id);
/* conf_list - list items (borrowed); *n receives the count */
const char *const *conf_list(const struct conf *c, enum conf_id id,
		    size_t *n);
/* conf_line - line number where the key was set, 0 when defaulted */
unsigned	 conf_line(const struct conf *c, enum conf_id id);
const char	*conf_path(const struct conf *c);

/* conf_keys - the table */
const struct conf_key *conf_keys(size_t *n);
/* conf_lookup - key id by name (case-insensitive), -1 when unknown */
int		 conf_lookup(const char *name);
/* conf_dump - effective configuration, "Name value" per key, for -n */
void		 conf_dump(const struct conf *c, unsigned prog, FILE *fp);

#endif
