/*
 * conf.c -- the configuration key table and the one parser that reads it
 *
 * SYNOPSIS
 *	struct conf *c = conf_load("/etc/dmarcd.conf", CONF_DMARCD,
 *	    err, sizeof(err));
 *	conf_bool(c, C_REJECTFAILURES); conf_str(c, C_AUTHSERVID); ...
 *	conf_free(c);
 *
 * DESCRIPTION
 *	keys[] has one row per configuration key, in enum conf_id order:
 *	name (OpenDMARC's spelling), type, default, bounds, the programs
 *	that read it, flags and a one-line doc.  The same table drives the
 *	parser, conf_dump() (`dmarcd -n`), tests/tools/conf-keys and thus
 *	tests/check-docs.sh, which fails when dmarcd.conf(5) or the sample
 *	file contrib/dmarcd.conf misses a key.
 *
 *	Syntax is OpenDMARC's, so an opendmarc.conf loads unchanged: one
 *	"Name value" per line, '#' starts a comment anywhere (so '#' cannot
 *	appear in a value), blank lines are ignored, names are
 *	case-insensitive, booleans are decided by their first character,
 *	integers are read by strtol(..., 0) (UMask 077 is octal), and the
 *	last occurrence of a key wins.  Stricter than OpenDMARC: an integer
 *	with trailing garbage, a value out of range, an enum value outside
 *	its choices, a bad RejectString format, a NUL byte or a line over
 *	64 KiB are errors instead of being silently misread.
 *
 * DIAGNOSTICS
 *	conf_load*() return NULL and put "file:line: message" in err.
 *	Keys flagged CF_NOTYET that the file sets are logged once per load
 *	with log_warnx(), only for programs that read them.
 *
 * WHY A FILE OF ITS OWN
 *	OpenDMARC had a parser, a key table in a header and a sample file
 *	that drifted apart (duplicate keys in the sample, defaults that
 *	contradict the docs).  One table, tested against the docs, cannot.
 *
 * SEE ALSO
 *	conf.h, dmarcd.conf(5), tests/unit/test_conf.c, tests/fuzz/conf_fuzz.c
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "xmalloc.h"

#define CONF_LINE_MAX	65536		/* bytes per line, newline excluded */
#define CONF_FILE_MAX	(16 << 20)	/* bytes per file */

#define D	CONF_DMARCD
#define NR	CF_NORELOAD
#define NY	CF_NOTYET
#define B(n, def, pr, fl, doc)	{ n, CT_BOOL, def, 0, 1, NULL, pr, fl, doc }
#define I(n, def, lo, hi, pr, fl, doc)	{ n, CT_INT, def, lo, hi, NULL, pr, fl, doc }
#define S(n, def, pr, fl, doc)	{ n, CT_STRING, def, 0, 0, NULL, pr, fl, doc }
#define P(n, def, pr, fl, doc)	{ n, CT_PATH, def, 0, 0, NULL, pr, fl, doc }
#define L(n, def, pr, fl, doc)	{ n, CT_LIST, def, 0, 0, NULL, pr, fl, doc }
#define E(n, def, ch, pr, fl, doc)	{ n, CT_ENUM, def, 0, 0, ch, pr, fl, doc }

static const struct conf_key keys[C__COUNT] = {
	/* OpenDMARC 1.4.2 */
	S("AuthservID", NULL, D, 0,
	    "authserv-id of the A-R fields we add; unset: MTA macro j or hostname"),
	B("AuthservIDWithJobID", "false", D, 0,
	    "authserv-id becomes \"id/jobid\" (quoted)"),
	B("AutoRestart", "false", D, NR | NY,
	    "restart the filter after a crash"),
	I("AutoRestartCount", "0", 0, INT_MAX, D, NR | NY,
	    "maximum number of automatic restarts, 0 unlimited"),
	S("AutoRestartRate", NULL, D, NR | NY,
	    "give up restarting above n restarts per t[smhd]"),
	B("Background", "true", D, NR,
	    "fork into the background (-f overrides)"),
	P("BaseDirectory", NULL, D, NR,
	    "chdir() here at startup"),
	P("ChangeRootDirectory", NULL, D, NR,
	    "chroot() here at startup"),
	S("CopyFailuresTo", NULL, D, 0,
	    "add this recipient to mail failing DMARC under p=quarantine/reject"),
	I("DNSTimeout", "5", 1, 300, D | CONF_REPORTS | CONF_TOOLS, 0,
	    "per-lookup DNS deadline in seconds (OpenDMARC ignored it)"),
	L("DomainWhitelist", NULL, D, 0,
	    "domains trusted as ARC sealers"),
	P("DomainWhitelistFile", NULL, D, 0,
	    "file of domains trusted as ARC sealers, one per line"),
	I("DomainWhitelistSize", "3000", 0, INT_MAX, D, CF_COMPAT,
	    "accepted for compatibility; dmarcd needs no size hint"),
	B("EnableCoredumps", "false", D, 0,
	    "allow core dumps after dropping privileges"),
	B("FailureReports", "false", D, 0,
	    "send RFC 6591 failure reports"),
	L("FailureReportsBcc", NULL, D, 0,
	    "extra recipients of every failure report"),
	B("FailureReportsOnNone", "false", D, 0,
	    "also send failure reports under p=none"),
	S("FailureReportsSentBy", NULL, D, 0,
	    "From: address of failure reports"),
	P("HistoryFile", NULL, D | CONF_IMPORT, 0,
	    "append one record per message here, for dmarc-import"),
	B("HoldQuarantinedMessages", "false", D, 0,
	    "put mail failing under p=quarantine in the MTA's hold queue"),
	B("IgnoreAuthenticatedClients", "false", D, 0,
	    "accept mail from SMTP AUTH clients without evaluation"),
	P("IgnoreHosts", NULL, D, 0,
	    "file of hosts/networks whose mail is not evaluated"),
	L("IgnoreMailFrom", NULL, D, 0,
	    "envelope sender domains whose mail is not evaluated"),
	I("MilterDebug", "0", 0, INT_MAX, D, 0,
	    "libmilter debug level (smfi_setdbg)"),
	P("PidFile", NULL, D, NR,
	    "write the process id here"),
	P("PublicSuffixList", DEFAULT_PSL_FILE, CONF_ALL, 0,
	    "public suffix list file for organizational domains"),
	B("RecordAllMessages", "false", D, 0,
	    "write history even for mail whose domain has no DMARC record"),
	B("RejectFailures", "false", D, 0,
	    "reject mail failing DMARC under p=reject"),
	B("RejectMultiValueFrom", "false", D, 0,
	    "reject a From: with several domains (else the strictest result)"),
	S("ReportCommand", "/usr/sbin/sendmail -t -odq", D, 0,
	    "command that sends failure reports"),
	B("RequiredHeaders", "false", D, 0,
	    "reject mail breaking RFC 5322 header counts or without a From domain"),
	S("Socket", NULL, D, NR,
	    "milter socket: local:/path, inet:port@host or inet6:port@host"),
	B("SoftwareHeader", "false", D, 0,
	    "add a DMARC-Filter: header naming the software"),
	B("RemoveSpoofedAuthResults", "false", D, 0,
	    "delete incoming Authentication-Results fields with our "
	    "authserv-id and never trust them"),
	B("SPFIgnoreResults", "false", D, 0,
	    "ignore SPF results in Authentication-Results and Received-SPF"),
	B("SPFSelfValidate", "false", D, 0,
	    "evaluate SPF when no upstream SPF result is usable"),
	B("Syslog", "false", CONF_ALL, 0,
	    "log via syslog"),
	E("SyslogFacility", "mail", "auth|authpriv|cron|daemon|kern|lpr|mail|"
	    "news|security|syslog|user|uucp|local0|local1|local2|local3|"
	    "local4|local5|local6|local7", CONF_ALL, 0,
	    "syslog facility"),
	P("TestDNSData", NULL, D | CONF_REPORTS | CONF_TOOLS, 0,
	    "answer every DNS lookup from this zone or name/value file (tests)"),
	L("TrustedAuthservIDs", NULL, D, 0,
	    "authserv-ids whose A-R results are trusted; default the AuthservID"),
	I("UMask", NULL, 0, 0777, D, NR,
	    "umask for the socket, pid file and history file"),
	S("UserID", NULL, D, NR,
	    "run as user[:group] after startup"),
	/* OpenDMARC develop (2026) */
	S("RejectString", "rejected by DMARC policy for %s", D, 0,
	    "SMTP reject text; one %s is the policy domain"),
	B("RequiredFrom", "false", D, 0,
	    "reject mail without a From domain that can be parsed"),
	L("IgnoreMailTo", NULL, D, 0,
	    "no history for mail to these recipients or domains"),
	P("NoReportsList", NULL, D | CONF_REPORTS, 0,
	    "file of addresses and domains that never receive reports"),
	/* dmarcd */
	E("DMARCStandard", "rfc9989", "rfc9989|rfc7489", CONF_ALL, 0,
	    "specification for record parsing, policy and reports"),
	L("Nameservers", NULL, D | CONF_REPORTS | CONF_TOOLS, 0,
	    "resolvers as ip[@port]; default /etc/resolv.conf"),
	E("TemporaryFailureAction", "tempfail", "tempfail|accept", D, 0,
	    "when DNS fails for a deciding lookup: 451 4.7.x or accept"),
	E("HistoryFailureAction", "tempfail", "tempfail|accept", D, 0,
	    "when a history write fails: tempfail the message or accept"),
	B("HistoryExtensions", "true", D, 0,
	    "append dmarcd's extra keys to history records"),
	I("MaxFromDomains", "8", 1, 16, D, 0,
	    "author domains evaluated per message; more is a permerror"),
	E("DiscoveryMethod", "auto", "auto|treewalk|psl", D, 0,
	    "policy discovery: DNS tree walk or PSL; auto follows DMARCStandard"),
	B("SPFSelfValidateAlways", "false", D, 0,
	    "with SPFSelfValidate: check SPF even when upstream gave a result"),
	B("DKIMVerify", "false", D, 0,
	    "verify DKIM signatures (libopendkim); asks the MTA for the body"),
	/* failure reports */
	B("FailureReportsRedact", "false", D, 0,
	    "replace local parts in failure report samples (RFC 6590)"),
	B("FailureReportsBody", "false", D, 0,
	    "include the message body in failure reports"),
	I("FailureReportsRateLimit", "1", 0, INT_MAX, D, 0,
	    "failure reports per domain, destination and source IP per window"),
	I("FailureReportsRateWindow", "3600", 1, 604800, D, 0,
	    "rate-limit window of failure reports, in seconds"),
	I("FailureReportsQueueSize", "256", 1, 65536, D, 0,
	    "failure reports waiting to be sent; more are dropped and logged"),
	/* database and aggregate reports */
	S("Database", "sqlite:/var/lib/dmarcd/dmarc.db",
	    CONF_IMPORT | CONF_REPORTS | CONF_TOOLS, 0,
	    "sqlite:/path, mysql://user:pass@host:port/db or mysql:///db?socket=path"),
	S("ReportOrg", NULL, CONF_REPORTS, 0,
	    "org_name of aggregate reports; default the host's domain"),
	S("ReportEmail", NULL, CONF_REPORTS, 0,
	    "sender and contact of aggregate reports; default postmaster@domain"),
	E("ReportFormat", "rfc9990", "rfc9990|rfc7489", CONF_REPORTS, 0,
	    "aggregate report XML: RFC 9990 or RFC 7489"),
	I("ReportInterval", "86400", 3600, 604800, CONF_REPORTS, 0,
	    "aggregate report window in seconds (UTC days by default)"),
	P("ReportDirectory", NULL, CONF_REPORTS, 0,
	    "keep report files here (--keepfiles, --test)"),
	L("ReportBcc", NULL, CONF_REPORTS, 0,
	    "extra recipients of every aggregate report"),
	/* SMTP client (aggregate and failure reports) */
	S("SMTPServer", "127.0.0.1", D | CONF_REPORTS, 0,
	    "SMTP relay for reports: host name or address"),
	I("SMTPPort", "25", 1, 65535, D | CONF_REPORTS, 0,
	    "SMTP relay port"),
	E("SMTPStartTLS", "opportunistic", "no|opportunistic|required",
	    D | CONF_REPORTS, 0,
	    "STARTTLS to the relay: never, when offered, or always"),
	S("SMTPUser", NULL, D | CONF_REPORTS, 0,
	    "SMTP AUTH user name"),
	P("SMTPPasswordFile", NULL, D | CONF_REPORTS, 0,
	    "file holding the SMTP AUTH password (first line)"),
};

#undef D
#undef NR
#undef NY

struct val {
	unsigned	 line;		/* 0: defaulted */
	int		 has;		/* holds a value */
	long		 num;		/* CT_BOOL, CT_INT */
	char		*str;		/* CT_STRING, CT_PATH, CT_ENUM */
	char		**list;		/* CT_LIST, NULL-terminated */
	size_t		 nlist;
};

struct conf {
	char		*path;
	struct val	 v[C__COUNT];
};

/* Where a value came from, for error messages. */
struct where {
	const char	*file;
	unsigned	 line;
	char		*err;
	size_t		 errlen;
};

static const char *const empty_list[] = { NULL };

/* seterr - "file:line: message" into the caller's buffer */
__attribute__((format(printf, 2, 3)))
static void
seterr(const struct where *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (w->err == NULL || w->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s:%u: %s", w->file, w->line, msg);
}

/* issep - the separators of the syntax: space, tab, CR, FF, VT */
static int
issep(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' ||
	    ch == '\v';
}

/* lookup - key id by (name, len), case-insensitive; -1 if unknown */
static int
lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < C__COUNT; i++)
		if (strlen(keys[i].name) == len &&
		    strncasecmp(keys[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* val_clear - drop a value before the next occurrence replaces it */
static void
val_clear(struct val *v)
{
	size_t i;

	free(v->str);
	for (i = 0; i < v->nlist; i++)
		free(v->list[i]);
	free(v->list);
	memset(v, 0, sizeof(*v));
}

/* fmt_ok - RejectString: only "%%" and at most one "%s" may follow '%' */
static int
fmt_ok(const char *s, size_t len)
{
	size_t i, ns = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		if (i + 1 == len)
			return 0;
		if (s[i + 1] == 's')
			ns++;
		else if (s[i + 1] != '%')
			return 0;
		i++;
	}
	return ns <= 1;
}

/* parse_int - strtol(..., 0) over the whole value, then the bounds */
static int
parse_int(const struct conf_key *k, const char *p, size_t len, long *out,
    const struct where *w)
{
	char *s, *end;
	long n;

	s = xstrndup(p, len);
	errno = 0;
	n = strtol(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE) {
		seterr(w, "%s: invalid integer '%s'", k->name, s);
		free(s);
		return -1;
	}
	free(s);
	if (n < k->min || n > k->max) {
		seterr(w, "%s: %ld is out of range (%ld to %ld)", k->name, n,
		    k->min, k->max);
		return -1;
	}
	*out = n;
	return 0;
}

/* parse_enum - one of the '|'-separated choices, stored as spelled there */
static char *
parse_enum(const struct conf_key *k, const char *p, size_t len,
    const struct where *w)
{
	const char *c = k->choices, *bar;
	size_t n;

	for (;;) {
		bar = strchr(c, '|');
		n = bar != NULL ? (size_t)(bar - c) : strlen(c);
		if (n == len && strncasecmp(c, p, len) == 0)
			return xstrndup(c, n);
		if (bar == NULL)
			break;
		c = bar + 1;
	}
	seterr(w, "%s: invalid value '%.*s' (one of %s)", k->name,
	    len > 100 ? 100 : (int)len, p, k->choices);
	return NULL;
}

/* parse_list - items separated by commas and/or blanks; empty ones dropped */
static void
parse_list(struct val *v, const char *p, size_t len)
{
	size_t i, start, cap = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != ',' && !issep((unsigned char)p[i]))
			continue;
		/* find the beginning of the item that ends at i */
		start = i;
		while (start > 0 && p[start - 1] != ',' &&
		    !issep((unsigned char)p[start - 1]))
			start--;
		if (start == i)
			continue;
		if (v->nlist + 1 >= cap) {
			cap = cap ? cap * 2 : 4;
			v->list = xreallocarray(v->list, cap, sizeof(char *));
		}
		v->list[v->nlist++] = xstrndup(p + start, i - start);
	}
	if (v->list == NULL)
		v->list = xcalloc(1, sizeof(char *));
	v->list[v->nlist] = NULL;
}

/* set_value - parse p[0..len) as key id's type; replaces an earlier value */
static int
set_value(struct conf *c, enum conf_id id, const char *p, size_t len,
    const struct where *w)
{
	const struct conf_key *k = &keys[id];
	struct val nv;

	memset(&nv, 0, sizeof(nv));
	switch (k->type) {
	case CT_BOOL:
		if (memchr("tTyY1", p[0], 5) != NULL)
			nv.num = 1;
		else if (memchr("fFnN0", p[0], 5) != NULL)
			nv.num = 0;
		else {
			seterr(w, "%s: invalid boolean '%.*s'", k->name,
			    len > 100 ? 100 : (int)len, p);
			return -1;
		}
		break;
	case CT_INT:
		if (parse_int(k, p, len, &nv.num, w) != 0)
			return -1;
		break;
	case CT_ENUM:
		if ((nv.str = parse_enum(k, p, len, w)) == NULL)
			return -1;
		break;
	case CT_LIST:
		parse_list(&nv, p, len);
		break;
	case CT_STRING:
	case CT_PATH:
		if (id == C_REJECTSTRING && !fmt_ok(p, len)) {
			seterr(w, "%s: only one %%s and %%%% may follow '%%'",
			    k->name);
			return -1;
		}
		nv.str = xstrndup(p, len);
		break;
	}
	nv.has = 1;
	nv.line = w->line;
	val_clear(&c->v[id]);
	c->v[id] = nv;
	return 0;
}

/* forensic_hint - OpenDMARC < 1.3.0 names get told their new name */
static int
forensic_hint(const char *name, size_t len, const struct where *w)
{
	static const char old[] = "ForensicReports";
	char nbuf[64];
	size_t n = sizeof(old) - 1;
	int id;

	if (len < n || strncasecmp(name, old, n) != 0)
		return 0;
	snprintf(nbuf, sizeof(nbuf), "FailureReports%.*s",
	    len - n > 40 ? 40 : (int)(len - n), name + n);
	id = lookup(nbuf, strlen(nbuf));
	seterr(w, "unknown configuration key '%.*s': renamed %s in "
	    "OpenDMARC 1.3.0", len > 100 ? 100 : (int)len, name,
	    id >= 0 ? keys[id].name : nbuf);
	return 1;
}

/* parse_line - one line, without its newline: comment, blank or Name value */
static int
parse_line(struct conf *c, const char *p, size_t len, const struct where *w)
{
	const char *hash, *name, *val;
	size_t nlen;
	int id;

	if ((hash = memchr(p, '#', len)) != NULL)
		len = (size_t)(hash - p);
	while (len > 0 && issep((unsigned char)*p))
		p++, len--;
	while (len > 0 && issep((unsigned char)p[len - 1]))
		len--;
	if (len == 0)
		return 0;
	name = p;
	for (nlen = 0; nlen < len && !issep((unsigned char)p[nlen]); nlen++)
		;
	val = p + nlen;
	len -= nlen;
	while (len > 0 && issep((unsigned char)*val))
		val++, len--;
	if ((id = lookup(name, nlen)) < 0) {
		if (!forensic_hint(name, nlen, w))
			seterr(w, "unknown configuration key '%.*s'",
			    nlen > 100 ? 100 : (int)nlen, name);
		return -1;
	}
	if (len == 0) {
		seterr(w, "%s: missing value", keys[id].name);
		return -1;
	}
	return set_value(c, (enum conf_id)id, val, len, w);
}

/* set_defaults - every key with a default gets it, as line 0 */
static int
set_defaults(struct conf *c, char *err, size_t errlen)
{
	struct where w = { "(defaults)", 0, err, errlen };
	size_t i;

	for (i = 0; i < C__COUNT; i++) {
		if (keys[i].defval == NULL)
			continue;
		if (set_value(c, (enum conf_id)i, keys[i].defval,
		    strlen(keys[i].defval), &w) != 0)
			return -1;
		c->v[i].line = 0;
	}
	return 0;
}

/* warn_notyet - one warning per set key that does nothing yet in prog */
static void
warn_notyet(const struct conf *c, unsigned prog, const char *file)
{
	size_t i;

	for (i = 0; i < C__COUNT; i++) {
		if ((keys[i].progs & prog) == 0 || c->v[i].line == 0)
			continue;
		if ((keys[i].flags & CF_NOTYET) ||
		    ((keys[i].flags & CF_NOTYETDMARCD) &&
		    (prog & CONF_DMARCD)))
			log_warnx("%s:%u: %s is accepted but has no effect "
			    "in this version", file, c->v[i].line,
			    keys[i].name);
	}
}

/* conf_load_buf - parse a buffer line by line over the defaults */
struct conf *
conf_load_buf(const char *buf, size_t len, const char *name, unsigned prog,
    char *err, size_t errlen)
{
	struct where w = { name != NULL ? name : "(buffer)", 0, err, errlen };
	struct conf *c;
	const char *nl;
	size_t off, llen;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	c = xcalloc(1, sizeof(*c));
	c->path = name != NULL ? xstrdup(name) : NULL;
	if (set_defaults(c, err, errlen) != 0)
		goto fail;
	for (off = 0; off < len; off += llen + 1) {
		w.line++;
		nl = memchr(buf + off, '\n', len - off);
		llen = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		if (llen > CONF_LINE_MAX) {
			seterr(&w, "line longer than %d bytes", CONF_LINE_MAX);
			goto fail;
		}
		if (memchr(buf + off, '\0', llen) != NULL) {
			seterr(&w, "NUL byte in line");
			goto fail;
		}
		if (parse_line(c, buf + off, llen, &w) != 0)
			goto fail;
	}
	warn_notyet(c, prog, w.file);
	return c;
fail:
	conf_free(c);
	return NULL;
}

/* read_all - the whole file into memory, capped at CONF_FILE_MAX */
static char *
read_all(const char *path, size_t *lenp, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto syserr;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		if ((n = read(fd, buf + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			goto syserr;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONF_FILE_MAX) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: larger than %d bytes",
				    path, CONF_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	*lenp = len;
	return buf;
syserr:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* conf_load - read the whole file, then parse it as a buffer */
struct conf *
conf_load(const char *path, unsigned prog, char *err, size_t errlen)
{
	struct conf *c;
	char *buf;
	size_t len;

	if (path == NULL)
		return conf_load_buf("", 0, NULL, prog, err, errlen);
	if ((buf = read_all(path, &len, err, errlen)) == NULL)
		return NULL;
	c = conf_load_buf(buf, len, path, prog, err, errlen);
	free(buf);
	return c;
}

/* conf_free - free everything; NULL is fine */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < C__COUNT; i++)
		val_clear(&c->v[i]);
	free(c->path);
	free(c);
}

/* conf_isset - set by the file, not just defaulted */
int
conf_isset(const struct conf *c, enum conf_id id)
{
	assert(id < C__COUNT);
	return c->v[id].line != 0;
}

/* conf_bool - a CT_BOOL value, 0 when unset */
int
conf_bool(const struct conf *c, enum conf_id id)
{
	assert(id < C__COUNT && keys[id].type == CT_BOOL);
	return c->v[id].has ? (int)c->v[id].num : 0;
}

/* conf_int - a CT_INT value, 0 when unset */
long
conf_int(const struct conf *c, enum conf_id id)
{
	assert(id < C__COUNT && keys[id].type == CT_INT);
	return c->v[id].has ? c->v[id].num : 0;
}

/* conf_str - a string, path or enum value, NULL when unset */
const char *
conf_str(const struct conf *c, enum conf_id id)
{
	assert(id < C__COUNT && (keys[id].type == CT_STRING ||
	    keys[id].type == CT_PATH || keys[id].type == CT_ENUM));
	return c->v[id].str;
}

/* conf_list - a CT_LIST value, never NULL, NULL-terminated */
const char *const *
conf_list(const struct conf *c, enum conf_id id, size_t *n)
{
	assert(id < C__COUNT && keys[id].type == CT_LIST);
	if (n != NULL)
		*n = c->v[id].nlist;
	if (c->v[id].list == NULL)
		return empty_list;
	return (const char *const *)c->v[id].list;
}

/* conf_line - where the value was set, 0 when defaulted */
unsigned
conf_line(const struct conf *c, enum conf_id id)
{
	assert(id < C__COUNT);
	return c->v[id].line;
}

/* conf_path - the file name given to conf_load*, NULL for defaults only */
const char *
conf_path(const struct conf *c)
{
	return c->path;
}

/* conf_keys - the table itself */
const struct conf_key *
conf_keys(size_t *n)
{
	if (n != NULL)
		*n = C__COUNT;
	return keys;
}

/* conf_lookup - key id by name, case-insensitive */
int
conf_lookup(const char *name)
{
	return name == NULL ? -1 : lookup(name, strlen(name));
}

/* conf_dump - "Name value" per key of prog; reloadable as a config file */
void
conf_dump(const struct conf *c, unsigned prog, FILE *fp)
{
	const struct val *v;
	size_t i, j;

	for (i = 0; i < C__COUNT; i++) {
		if ((keys[i].progs & prog) == 0)
			continue;
		v = &c->v[i];
		if (!v->has || (keys[i].type == CT_LIST && v->nlist == 0)) {
			fprintf(fp, "# %s (unset)\n", keys[i].name);
			continue;
		}
		fprintf(fp, "%s ", keys[i].name);
		switch (keys[i].type) {
		case CT_BOOL:
			fputs(v->num ? "true" : "false", fp);
			break;
		case CT_INT:
			if (i == C_UMASK)
				fprintf(fp, "0%lo", (unsigned long)v->num);
			else
				fprintf(fp, "%ld", v->num);
			break;
		case CT_LIST:
			for (j = 0; j < v->nlist; j++)
				fprintf(fp, "%s%s", j ? "," : "", v->list[j]);
			break;
		default:
			fputs(v->str, fp);
			break;
		}
		fputc('\n', fp);
	}
}
