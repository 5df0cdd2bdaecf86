/*
 * test_conf.c -- the configuration parser against in-memory files
 *
 * DESCRIPTION
 *	Table-driven: each good case loads a buffer and compares one key's
 *	value, rendered as text, with the expected text; each bad case
 *	compares the exact "name:line: message" error.  Then the table
 *	itself, defaults, conf_dump round trips, the CF_NOTYET warning
 *	(stderr captured), files on disk, and OpenDMARC's own
 *	opendmarc.conf (the Debian package's, and our committed copy).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "tests/tap.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

/* render - one key's value as text: bools 1/0, lists comma-joined */
static const char *
render(const struct conf *c, enum conf_id id, char *buf, size_t len)
{
	const struct conf_key *k = &conf_keys(NULL)[id];
	const char *const *l;
	size_t i, n, off = 0;

	switch (k->type) {
	case CT_BOOL:
		snprintf(buf, len, "%d", conf_bool(c, id));
		return buf;
	case CT_INT:
		snprintf(buf, len, "%ld", conf_int(c, id));
		return buf;
	case CT_LIST:
		buf[0] = '\0';
		l = conf_list(c, id, &n);
		for (i = 0; i < n && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i ? "," : "", l[i]);
		return l[n] == NULL ? buf : "(not NULL-terminated)";
	default:
		return conf_str(c, id);
	}
}

/* label - "prefix N: input" with control characters escaped, for TAP */
static const char *
label(char *buf, size_t len, const char *prefix, size_t i, const char *in)
{
	size_t off;

	off = (size_t)snprintf(buf, len, "%s %zu: ", prefix, i);
	for (; *in != '\0' && off + 3 < len; in++) {
		if ((unsigned char)*in >= 0x20) {
			buf[off++] = *in;
			continue;
		}
		buf[off++] = '\\';
		buf[off++] = *in == '\n' ? 'n' : *in == '\r' ? 'r' :
		    *in == '\t' ? 't' : '?';
	}
	buf[off] = '\0';
	return buf;
}

static const struct good {
	const char	*in;
	enum conf_id	 id;
	const char	*want;
} good[] = {
	/* booleans by first character */
	{ "RejectFailures yes", C_REJECTFAILURES, "1" },
	{ "RejectFailures True", C_REJECTFAILURES, "1" },
	{ "RejectFailures t", C_REJECTFAILURES, "1" },
	{ "RejectFailures Y", C_REJECTFAILURES, "1" },
	{ "RejectFailures 1", C_REJECTFAILURES, "1" },
	{ "Background no", C_BACKGROUND, "0" },
	{ "Background False", C_BACKGROUND, "0" },
	{ "Background 0", C_BACKGROUND, "0" },
	{ "Background N", C_BACKGROUND, "0" },
	{ "Background fnord", C_BACKGROUND, "0" },
	/* integers: strtol base 0 */
	{ "UMask 077", C_UMASK, "63" },
	{ "UMask 0002", C_UMASK, "2" },
	{ "UMask 0x1f", C_UMASK, "31" },
	{ "UMask 0", C_UMASK, "0" },
	{ "UMask 0777", C_UMASK, "511" },
	{ "DNSTimeout 1", C_DNSTIMEOUT, "1" },
	{ "DNSTimeout 300", C_DNSTIMEOUT, "300" },
	{ "MaxFromDomains 16", C_MAXFROMDOMAINS, "16" },
	{ "MilterDebug 6", C_MILTERDEBUG, "6" },
	{ "DomainWhitelistSize 5000", C_DOMAINWHITELISTSIZE, "5000" },
	/* names case-insensitive, blanks, comments, CRLF */
	{ "rejectfailures yes", C_REJECTFAILURES, "1" },
	{ "USERID opendmarc:mail", C_USERID, "opendmarc:mail" },
	{ "Socket local:/x # comment", C_SOCKET, "local:/x" },
	{ "Socket local:/x#comment", C_SOCKET, "local:/x" },
	{ "  \tAuthservID\t mx.example.org \t ", C_AUTHSERVID,
	    "mx.example.org" },
	{ "ReportCommand /usr/sbin/sendmail -t  -oi", C_REPORTCOMMAND,
	    "/usr/sbin/sendmail -t  -oi" },
	{ "# c\n\n   \n\t\nSyslog yes\n# c", C_SYSLOG, "1" },
	{ "Socket inet:8893@localhost\r\nSyslog yes\r\n", C_SOCKET,
	    "inet:8893@localhost" },
	{ "Socket inet:8893@localhost\r\nSyslog yes\r\n", C_SYSLOG, "1" },
	{ "Syslog yes", C_SYSLOG, "1" },
	/* the last occurrence wins */
	{ "DNSTimeout 3\nDNSTimeout 7\n", C_DNSTIMEOUT, "7" },
	{ "IgnoreMailFrom a\nIgnoreMailFrom b,c\n", C_IGNOREMAILFROM,
	    "b,c" },
	{ "Socket a\nsocket b\n", C_SOCKET, "b" },
	/* enums, stored lower-case */
	{ "SyslogFacility LOCAL3", C_SYSLOGFACILITY, "local3" },
	{ "SyslogFacility authpriv", C_SYSLOGFACILITY, "authpriv" },
	{ "DMARCStandard RFC7489", C_DMARCSTANDARD, "rfc7489" },
	{ "TemporaryFailureAction Accept", C_TEMPORARYFAILUREACTION,
	    "accept" },
	{ "HistoryFailureAction accept", C_HISTORYFAILUREACTION, "accept" },
	/* lists */
	{ "IgnoreMailFrom a.example, b.example  c.example,,d\t,e",
	    C_IGNOREMAILFROM, "a.example,b.example,c.example,d,e" },
	{ "TrustedAuthservIDs mx1.example.org", C_TRUSTEDAUTHSERVIDS,
	    "mx1.example.org" },
	{ "Nameservers 127.0.0.1@5353,::1", C_NAMESERVERS,
	    "127.0.0.1@5353,::1" },
	{ "IgnoreMailTo ,,, ,", C_IGNOREMAILTO, "" },
	{ "IgnoreMailTo dmarc@example.org example.net", C_IGNOREMAILTO,
	    "dmarc@example.org,example.net" },
	/* RejectString formats */
	{ "RejectString blocked: %s", C_REJECTSTRING, "blocked: %s" },
	{ "RejectString 100%% sure about %s", C_REJECTSTRING,
	    "100%% sure about %s" },
	{ "RejectString no domain here", C_REJECTSTRING, "no domain here" },
	/* paths and strings are verbatim */
	{ "PidFile /run/dmarcd/dmarcd.pid", C_PIDFILE,
	    "/run/dmarcd/dmarcd.pid" },
	{ "AutoRestartRate 10/1h", C_AUTORESTARTRATE, "10/1h" },
};

static const struct bad {
	const char	*in;
	const char	*want;
} bad[] = {
	{ "Foo bar", "t:1: unknown configuration key 'Foo'" },
	{ "# x\n\nSyslog yes\nFoo bar\n",
	    "t:4: unknown configuration key 'Foo'" },
	{ "Syslog", "t:1: Syslog: missing value" },
	{ "Syslog   # yes", "t:1: Syslog: missing value" },
	{ "Syslog \r\n", "t:1: Syslog: missing value" },
	{ "Syslog maybe", "t:1: Syslog: invalid boolean 'maybe'" },
	{ "Syslog -1", "t:1: Syslog: invalid boolean '-1'" },
	{ "DNSTimeout 0", "t:1: DNSTimeout: 0 is out of range (1 to 300)" },
	{ "DNSTimeout 301",
	    "t:1: DNSTimeout: 301 is out of range (1 to 300)" },
	{ "DNSTimeout 5s", "t:1: DNSTimeout: invalid integer '5s'" },
	{ "DNSTimeout five", "t:1: DNSTimeout: invalid integer 'five'" },
	{ "DNSTimeout 99999999999999999999999",
	    "t:1: DNSTimeout: invalid integer '99999999999999999999999'" },
	{ "UMask 08", "t:1: UMask: invalid integer '08'" },
	{ "UMask 01000", "t:1: UMask: 512 is out of range (0 to 511)" },
	{ "MilterDebug -1",
	    "t:1: MilterDebug: -1 is out of range (0 to 2147483647)" },
	{ "MaxFromDomains 17",
	    "t:1: MaxFromDomains: 17 is out of range (1 to 16)" },
	{ "MaxFromDomains 0",
	    "t:1: MaxFromDomains: 0 is out of range (1 to 16)" },
	{ "DMARCStandard rfc",
	    "t:1: DMARCStandard: invalid value 'rfc' (one of rfc9989|rfc7489)" },
	{ "TemporaryFailureAction reject", "t:1: TemporaryFailureAction: "
	    "invalid value 'reject' (one of tempfail|accept)" },
	{ "ForensicReports true", "t:1: unknown configuration key "
	    "'ForensicReports': renamed FailureReports in OpenDMARC 1.3.0" },
	{ "forensicreportsbcc a@b", "t:1: unknown configuration key "
	    "'forensicreportsbcc': renamed FailureReportsBcc in OpenDMARC "
	    "1.3.0" },
	{ "ForensicReportsFoo x", "t:1: unknown configuration key "
	    "'ForensicReportsFoo': renamed FailureReportsFoo in OpenDMARC "
	    "1.3.0" },
	{ "RejectString bad %d", "t:1: RejectString: only one %s and %% "
	    "may follow '%'" },
	{ "RejectString %s and %s", "t:1: RejectString: only one %s and %% "
	    "may follow '%'" },
	{ "RejectString 100%", "t:1: RejectString: only one %s and %% "
	    "may follow '%'" },
	{ "RejectString %n", "t:1: RejectString: only one %s and %% "
	    "may follow '%'" },
	{ "Syslog yes\nSocket\n", "t:2: Socket: missing value" },
	{ "=Syslog yes", "t:1: unknown configuration key '=Syslog'" },
};

/* test_good - each good case loads and yields the wanted value */
static void
test_good(void)
{
	char err[256], buf[256], what[512];
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		label(what, sizeof(what), "good", i, good[i].in);
		c = conf_load_buf(good[i].in, strlen(good[i].in), "t", 0,
		    err, sizeof(err));
		if (!CHECK(c != NULL, "%s", what)) {
			printf("#   error: %s\n", err);
			continue;
		}
		CHECK_STR(render(c, good[i].id, buf, sizeof(buf)),
		    good[i].want, what);
		conf_free(c);
	}
}

/* test_bad - each bad case fails with exactly the wanted message */
static void
test_bad(void)
{
	char err[256], what[512];
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		label(what, sizeof(what), "bad", i, bad[i].in);
		c = conf_load_buf(bad[i].in, strlen(bad[i].in), "t", 0,
		    err, sizeof(err));
		CHECK(c == NULL, "%s fails", what);
		conf_free(c);
		CHECK_STR(err, bad[i].want, what);
	}
}

/* test_limits - NUL bytes, the 64 KiB line limit, a NULL name */
static void
test_limits(void)
{
	static const char nul[] = "Syslog yes\nSyslog y\0es\n";
	char err[256];
	struct conf *c;
	char *big;
	size_t n = 65536;

	c = conf_load_buf(nul, sizeof(nul) - 1, "t", 0, err, sizeof(err));
	CHECK(c == NULL, "NUL byte rejected");
	CHECK_STR(err, "t:2: NUL byte in line", "NUL byte error");

	big = malloc(n + 16);
	memset(big, ' ', n + 16);
	memcpy(big, "AuthservID x", 12);
	big[n] = '\n';
	c = conf_load_buf(big, n + 1, "t", 0, err, sizeof(err));
	CHECK(c != NULL, "a line of exactly 65536 bytes loads");
	if (c != NULL)
		CHECK_STR(conf_str(c, C_AUTHSERVID), "x", "long line value");
	conf_free(c);
	big[n] = ' ';
	c = conf_load_buf(big, n + 1, "t", 0, err, sizeof(err));
	CHECK(c == NULL, "a line of 65537 bytes is rejected");
	CHECK_STR(err, "t:1: line longer than 65536 bytes", "long line error");
	free(big);

	c = conf_load_buf("Foo x", 5, NULL, 0, err, sizeof(err));
	CHECK_STR(err, "(buffer):1: unknown configuration key 'Foo'",
	    "NULL name in errors");
	c = conf_load_buf("Foo x", 5, "t", 0, NULL, 0);
	CHECK(c == NULL, "NULL err buffer is allowed");
}

/* test_table - names unique, order matches the enum, docs present */
static void
test_table(void)
{
	const struct conf_key *k;
	size_t n, i, j, dups = 0, misordered = 0, nodoc = 0, noprog = 0;

	k = conf_keys(&n);
	CHECK_INT(n, C__COUNT, "conf_keys count");
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			if (strcasecmp(k[i].name, k[j].name) == 0)
				dups++;
		if (conf_lookup(k[i].name) != (int)i)
			misordered++;
		if (k[i].doc == NULL || k[i].doc[0] == '\0')
			nodoc++;
		if (k[i].progs == 0)
			noprog++;
	}
	CHECK_INT(dups, 0, "no duplicate key names");
	CHECK_INT(misordered, 0, "table order equals enum order");
	CHECK_INT(nodoc, 0, "every key has a doc line");
	CHECK_INT(noprog, 0, "every key is used by some program");
	CHECK_STR(k[C_REJECTMULTIVALUEFROM].name, "RejectMultiValueFrom",
	    "spelling RejectMultiValueFrom");
	CHECK_STR(k[C_SPFIGNORERESULTS].name, "SPFIgnoreResults",
	    "spelling SPFIgnoreResults");
	CHECK_INT(conf_lookup("authservidwithjobid"), C_AUTHSERVIDWITHJOBID,
	    "conf_lookup case-insensitive");
	CHECK_INT(conf_lookup("AuthservIDWith"), -1, "conf_lookup prefix");
	CHECK_INT(conf_lookup("ForensicReports"), -1, "conf_lookup old name");
	CHECK(k[C_SOCKET].flags & CF_NORELOAD, "Socket is CF_NORELOAD");
	CHECK(!(k[C_REJECTFAILURES].flags & CF_NORELOAD),
	    "RejectFailures reloads");
	CHECK(k[C_AUTORESTART].flags & CF_NOTYET, "AutoRestart NOTYET");
	CHECK(!(k[C_FAILUREREPORTS].flags & CF_NOTYET), "FailureReports in effect");
}

/* test_defaults - a defaults-only load */
static void
test_defaults(void)
{
	char err[256];
	struct conf *c;
	size_t n = 99;

	c = conf_load(NULL, CONF_DMARCD, err, sizeof(err));
	if (!CHECK(c != NULL, "defaults load"))
		return;
	CHECK(conf_path(c) == NULL, "defaults have no path");
	CHECK_INT(conf_int(c, C_DNSTIMEOUT), 5, "DNSTimeout default");
	CHECK_INT(conf_int(c, C_MAXFROMDOMAINS), 8, "MaxFromDomains default");
	CHECK_INT(conf_int(c, C_DOMAINWHITELISTSIZE), 3000,
	    "DomainWhitelistSize default");
	CHECK_INT(conf_bool(c, C_BACKGROUND), 1, "Background default");
	CHECK_INT(conf_bool(c, C_HISTORYEXTENSIONS), 1,
	    "HistoryExtensions default");
	CHECK_INT(conf_bool(c, C_REJECTFAILURES), 0, "RejectFailures default");
	CHECK_STR(conf_str(c, C_SYSLOGFACILITY), "mail", "facility default");
	CHECK_STR(conf_str(c, C_DMARCSTANDARD), "rfc9989", "standard default");
	CHECK_STR(conf_str(c, C_TEMPORARYFAILUREACTION), "tempfail",
	    "TemporaryFailureAction default");
	CHECK_STR(conf_str(c, C_PUBLICSUFFIXLIST), DEFAULT_PSL_FILE,
	    "PublicSuffixList default");
	CHECK_STR(conf_str(c, C_REJECTSTRING),
	    "rejected by DMARC policy for %s", "RejectString default");
	CHECK_STR(conf_str(c, C_REPORTCOMMAND), "/usr/sbin/sendmail -t -odq",
	    "ReportCommand default");
	CHECK(conf_str(c, C_AUTHSERVID) == NULL, "AuthservID unset");
	CHECK(conf_str(c, C_SOCKET) == NULL, "Socket unset");
	CHECK(conf_list(c, C_IGNOREMAILFROM, &n)[0] == NULL && n == 0,
	    "unset list is empty and NULL-terminated");
	CHECK(!conf_isset(c, C_DNSTIMEOUT), "a default is not isset");
	CHECK_INT(conf_line(c, C_DNSTIMEOUT), 0, "a default has line 0");
	conf_free(c);
	conf_free(NULL);
}

/* dump - conf_dump into a malloc'd string */
static char *
dump(const struct conf *c, unsigned prog)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	conf_dump(c, prog, fp);
	fclose(fp);
	return s;
}

/* test_dump - content, program filter, and a reload round trip */
static void
test_dump(void)
{
	static const char in[] = "UMask 077\nDNSTimeout 7\n"
	    "IgnoreMailFrom a, b\nSyslog yes\nDMARCStandard RFC7489\n"
	    "IgnoreMailTo ,\n";
	char err[256];
	struct conf *c, *c2;
	char *d, *d2;

	c = conf_load_buf(in, sizeof(in) - 1, "t", 0, err, sizeof(err));
	if (!CHECK(c != NULL, "dump input loads"))
		return;
	CHECK(conf_isset(c, C_DNSTIMEOUT), "DNSTimeout isset");
	CHECK_INT(conf_line(c, C_DNSTIMEOUT), 2, "conf_line");
	d = dump(c, CONF_DMARCD);
	CHECK(strstr(d, "\nDNSTimeout 7\n") != NULL, "dump int");
	CHECK(strstr(d, "\nUMask 077\n") != NULL, "dump UMask in octal");
	CHECK(strstr(d, "\nIgnoreMailFrom a,b\n") != NULL, "dump list");
	CHECK(strstr(d, "\nSyslog true\n") != NULL, "dump bool");
	CHECK(strstr(d, "\nDMARCStandard rfc7489\n") != NULL, "dump enum");
	CHECK(strncmp(d, "# AuthservID (unset)\n", 21) == 0, "dump unset");
	CHECK(strstr(d, "\n# IgnoreMailTo (unset)\n") != NULL,
	    "dump empty list as unset");
	CHECK(strstr(d, "\nRejectString rejected by DMARC policy for %s\n")
	    != NULL, "dump default string");
	c2 = conf_load_buf(d, strlen(d), "dump", 0, err, sizeof(err));
	CHECK(c2 != NULL, "dump output loads again");
	if (c2 != NULL) {
		d2 = dump(c2, CONF_DMARCD);
		CHECK_STR(d2, d, "dump round trip is stable");
		free(d2);
		conf_free(c2);
	}
	free(d);
	d = dump(c, CONF_IMPORT);
	CHECK(strstr(d, "HistoryFile") != NULL &&
	    strstr(d, "RejectFailures") == NULL, "dump filters by program");
	free(d);
	conf_free(c);
}

/* capture - load in with prog while stderr goes to a file; return it */
static char *
capture(const char *in, unsigned prog)
{
	static char out[4096];
	char err[256], path[] = "/tmp/test_conf.XXXXXX";
	struct conf *c;
	int fd, saved;
	ssize_t n;

	fflush(stderr);
	if ((fd = mkstemp(path)) < 0)
		return NULL;
	unlink(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	c = conf_load_buf(in, strlen(in), "t", prog, err, sizeof(err));
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	conf_free(c);
	return out;
}

/* test_notyet - CF_NOTYET keys are logged for the programs that read them */
static void
test_notyet(void)
{
	const char *s;

	s = capture("Syslog no\nAutoRestart yes\n", CONF_DMARCD);
	CHECK(s != NULL && strstr(s, "t:2: AutoRestart is accepted but "
	    "has no effect in this version") != NULL, "NOTYET warned");
	s = capture("AutoRestart yes\n", CONF_IMPORT);
	CHECK(s != NULL && s[0] == '\0', "NOTYET silent for other programs");
	s = capture("AutoRestart no\nSyslog yes\n", CONF_DMARCD);
	CHECK(s != NULL && strstr(s, "AutoRestart") != NULL,
	    "NOTYET warned even when set to its default");
	s = capture("Syslog yes\n", CONF_DMARCD);
	CHECK(s != NULL && s[0] == '\0', "no warning without NOTYET keys");
	s = capture("NoReportsList /etc/x\n", CONF_DMARCD);
	CHECK(s != NULL && s[0] == '\0', "NoReportsList in effect in dmarcd");
	s = capture("NoReportsList /etc/x\n", CONF_REPORTS);
	CHECK(s != NULL && s[0] == '\0', "NoReportsList silent in reports");
	s = capture("DomainWhitelistSize 10\n", CONF_DMARCD);
	CHECK(s != NULL && s[0] == '\0', "CF_COMPAT keys are silent");
}

/* load_opendmarc - an opendmarc.conf loads (and means what it says) */
static void
load_opendmarc(const char *path, const char *what, int values)
{
	char err[512];
	struct conf *c;

	c = conf_load(path, 0, err, sizeof(err));
	if (!CHECK(c != NULL, "%s loads", what)) {
		printf("#   error: %s\n", err);
		return;
	}
	CHECK_STR(conf_path(c), path, "conf_path");
	if (!values) {
		conf_free(c);
		return;
	}
	CHECK_STR(conf_str(c, C_SOCKET), "local:/run/opendmarc/opendmarc.sock",
	    "opendmarc.conf Socket");
	CHECK_INT(conf_int(c, C_UMASK), 2, "opendmarc.conf UMask 0002");
	CHECK_STR(conf_str(c, C_USERID), "opendmarc", "opendmarc.conf UserID");
	CHECK_INT(conf_bool(c, C_SYSLOG), 1, "opendmarc.conf Syslog");
	conf_free(c);
}

/*
 * test_sample - OpenDMARC's own sample with every "# Name value" line
 * uncommented loads, and sets as many keys as it has such lines
 */
static void
test_sample(const char *dir)
{
	char path[1024], err[512], line[1024], *buf = NULL;
	size_t len = 0, nlines = 0, nset = 0, i;
	struct conf *c;
	FILE *fp, *mem;

	snprintf(path, sizeof(path), "%s/tests/data/opendmarc.conf.sample",
	    dir);
	if (!CHECK((fp = fopen(path, "r")) != NULL, "open %s", path))
		return;
	mem = open_memstream(&buf, &len);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (line[0] == '#' && line[1] == ' ' &&
		    ((line[2] >= 'A' && line[2] <= 'Z') ||
		    (line[2] >= 'a' && line[2] <= 'z'))) {
			fputs(line + 2, mem);
			nlines++;
		}
	fclose(fp);
	fclose(mem);
	c = conf_load_buf(buf, len, "sample", 0, err, sizeof(err));
	if (CHECK(c != NULL, "OpenDMARC sample, all keys uncommented, loads"))
		for (i = 0; i < C__COUNT; i++)
			nset += conf_isset(c, (enum conf_id)i) ? 1 : 0;
	else
		printf("#   error: %s\n", err);
	CHECK(nlines >= 40, "sample has %zu settings", nlines);
	CHECK_INT(nset, nlines, "every sample setting set a distinct key");
	if (c != NULL) {
		CHECK_INT(conf_int(c, C_UMASK), 077, "sample UMask 077");
		CHECK_STR(conf_str(c, C_AUTORESTARTRATE), "n/t[u]",
		    "sample AutoRestartRate");
	}
	conf_free(c);
	free(buf);
}

/* test_files - files on disk: missing, directory, the OpenDMARC samples */
static void
test_files(void)
{
	const char *dir;
	char err[512], path[1024];
	struct conf *c;

	dir = getenv("top_srcdir") != NULL ? getenv("top_srcdir") : TOP_SRCDIR;
	c = conf_load("/nonexistent/dmarcd.conf", 0, err, sizeof(err));
	CHECK(c == NULL, "missing file fails");
	snprintf(path, sizeof(path), "/nonexistent/dmarcd.conf: %s",
	    strerror(ENOENT));
	CHECK_STR(err, path, "missing file error");
	c = conf_load("/", 0, err, sizeof(err));
	CHECK(c == NULL && strncmp(err, "/: ", 3) == 0, "directory fails");

	test_sample(dir);
	snprintf(path, sizeof(path), "%s/tests/data/opendmarc.conf", dir);
	load_opendmarc(path, "tests/data/opendmarc.conf", 1);
	if (access("/etc/opendmarc.conf", R_OK) == 0)
		load_opendmarc("/etc/opendmarc.conf", "/etc/opendmarc.conf",
		    0);
	else
		printf("# skip: /etc/opendmarc.conf absent (Debian package "
		    "opendmarc not installed)\n");
}

int
main(void)
{
	test_good();
	test_bad();
	test_limits();
	test_table();
	test_defaults();
	test_dump();
	test_notyet();
	test_files();
	return tap_done();
}
