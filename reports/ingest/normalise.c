/*
 * normalise.c -- times in UTC and the aggregate-report defaults
 *
 * DESCRIPTION
 *	Everything leaves the parse layer in one shape: Unix seconds (UTC)
 *	for every time, printed as ISO 8601 with a Z; policy tags filled
 *	with the RFC defaults when the reporter left them out (adkim, aspf
 *	r; sp from p; np from sp; fo 0; pct 100 under RFC 7489, absent
 *	under RFC 9990, which removed it; testing n under RFC 9990); org
 *	name from the email's domain when empty (quirk 21); and the
 *	alignment booleans from policy_evaluated, derived from auth_results
 *	and marked as such when the reporter omitted them (AOL 2012).
 *	Names and report ids stay exactly as sent: no PSL folding, no
 *	cutting report ids at '@' (parsedmarc does both).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ingest.h"

/* digits - n decimal digits at s, -1 if not */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* mkutc - seconds since the epoch of a UTC calendar time */
static int64_t
mkutc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

/* parse_iso8601 - "YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|+hh[:]mm]"; -1 bad */
int64_t
parse_iso8601(const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, sign, oh, om;
	int64_t t;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	if ((y = digits(s, 4)) < 0 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 0)
		return -1;
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if ((h = digits(s + 1, 2)) < 0 || s[3] != ':' ||
		    (mi = digits(s + 4, 2)) < 0)
			return -1;
		s += 6;
		if (*s == ':') {
			if ((sec = digits(s + 1, 2)) < 0)
				return -1;
			s += 3;
		}
		if (*s == '.' || *s == ',')
			for (s++; isdigit((unsigned char)*s); s++)
				;
	}
	if ((t = mkutc(y, mo, d, h, mi, sec)) < 0)
		return -1;
	if (*s == 'Z' || *s == 'z' || *s == '\0')
		return t;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s == '-' ? -1 : 1;
	if ((oh = digits(s + 1, 2)) < 0)
		return -1;
	s += 3;
	if (*s == ':')
		s++;
	om = digits(s, 2);
	if (om < 0)
		om = 0;
	return t - sign * (oh * 3600 + om * 60);
}

static const char *const months[] = { "jan", "feb", "mar", "apr", "may",
	"jun", "jul", "aug", "sep", "oct", "nov", "dec" };

/* zone - offset in seconds of an RFC 5322 (or obsolete) zone; 0 unknown */
static int
zone(const char *z)
{
	static const struct { const char *n; int h; } names[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "UTC", 0 },
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
		{ "CET", 1 }, { "CEST", 2 },
	};
	size_t i;
	int hh, mm;

	if ((*z == '+' || *z == '-') && (hh = digits(z + 1, 2)) >= 0 &&
	    (mm = digits(z + 3, 2)) >= 0)
		return (*z == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncasecmp(z, names[i].n, strlen(names[i].n)) == 0)
			return names[i].h * 3600;
	return 0;
}

/* parse_rfc5322_date - "[Day,] D Mon YYYY hh:mm[:ss] zone"; -1 bad */
int64_t
parse_rfc5322_date(const char *s)
{
	char mon[4];
	int d, y, h, mi, sec = 0, mo, n = 0;
	size_t i;
	const char *p;

	if (s == NULL)
		return -1;
	if ((p = strchr(s, ',')) != NULL)
		s = p + 1;
	if (sscanf(s, " %d %3s %d %d:%d%n", &d, mon, &y, &h, &mi, &n) < 5)
		return parse_iso8601(s);
	s += n;
	if (*s == ':' && isdigit((unsigned char)s[1]))
		sec = (int)strtol(s + 1, (char **)&s, 10);
	for (mo = -1, i = 0; i < 12; i++)
		if (strncasecmp(mon, months[i], 3) == 0)
			mo = (int)i + 1;
	if (y < 100)
		y += y < 50 ? 2000 : 1900;
	while (*s == ' ')
		s++;
	{
		int64_t t = mkutc(y, mo, d, h, mi, sec);

		return t < 0 ? -1 : t - zone(s);
	}
}

/* fmt_iso8601 - "YYYY-MM-DDThh:mm:ssZ" */
void
fmt_iso8601(int64_t t, char *out, size_t outlen)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, outlen, "%s", "");
		return;
	}
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* aligned - is a relaxed or strict match of d against the From domain */
static int
aligned(const char *d, const char *from, int strict)
{
	size_t dl, fl;

	if (d == NULL || from == NULL)
		return 0;
	if (strcasecmp(d, from) == 0)
		return 1;
	if (strict)
		return 0;
	dl = strlen(d);
	fl = strlen(from);
	if (dl > fl && d[dl - fl - 1] == '.' &&
	    strcasecmp(d + dl - fl, from) == 0)
		return 1;
	return fl > dl && from[fl - dl - 1] == '.' &&
	    strcasecmp(from + fl - dl, d) == 0 && strchr(d, '.') != NULL;
}

/* derive - alignment from auth_results when policy_evaluated lacks it */
static void
derive(struct report *r, struct agg_record *rec, size_t idx)
{
	struct agg_report *g = &r->u.agg;
	size_t i;
	int d = 0, s = 0;

	for (i = 0; i < rec->ndkim; i++)
		if (rec->dkim_auth[i].result != NULL &&
		    strcmp(rec->dkim_auth[i].result, "pass") == 0 &&
		    aligned(rec->dkim_auth[i].domain, rec->header_from,
		    g->adkim[0] == 's'))
			d = 1;
	for (i = 0; i < rec->nspf; i++)
		if (rec->spf_auth[i].result != NULL &&
		    strcmp(rec->spf_auth[i].result, "pass") == 0 &&
		    aligned(rec->spf_auth[i].domain, rec->header_from,
		    g->aspf[0] == 's'))
			s = 1;
	if (rec->dkim == NULL)
		rec->dkim_aligned = d;
	if (rec->spf == NULL)
		rec->spf_aligned = s;
	if (idx < 4)
		report_error(r, "record %zu: policy_evaluated lacks %s%s%s; "
		    "derived from auth_results", idx + 1,
		    rec->dkim ? "" : "dkim", !rec->dkim && !rec->spf ? "/" : "",
		    rec->spf ? "" : "spf");
}

/* agg_normalise_head - policy defaults and org name (before any record) */
void
agg_normalise_head(struct report *r)
{
	struct agg_report *g = &r->u.agg;
	struct arena *a = &r->arena;

	if (g->xml_schema == NULL || *g->xml_schema == '\0')
		g->xml_schema = arena_strdup(a, "draft");
	if ((g->org_name == NULL || *g->org_name == '\0') && g->org_email) {
		const char *at = strrchr(g->org_email, '@');
		const char *e = at ? at + 1 : g->org_email;

		g->org_name = arena_strndup(a, e, strcspn(e, "> \t"));
	}
	if (g->adkim == NULL)
		g->adkim = arena_strdup(a, "r");
	if (g->aspf == NULL)
		g->aspf = arena_strdup(a, "r");
	if (g->p == NULL)
		report_error(r, "policy_published has no p");
	if (g->sp == NULL && g->p != NULL)
		g->sp = arena_strdup(a, g->p);
	if (g->np == NULL && g->sp != NULL)
		g->np = arena_strdup(a, g->sp);
	if (g->fo == NULL)
		g->fo = arena_strdup(a, "0");
	if (g->pct < 0 && !g->rfc9990)
		g->pct = 100;
	if (g->testing == NULL && g->rfc9990)
		g->testing = arena_strdup(a, "n");
	if (g->end < g->begin)
		report_error(r, "date_range ends before it begins");
}

/* agg_normalise_records - alignment booleans of n records, the first
   being record number first (0-based) of the report; also sums messages */
void
agg_normalise_records(struct report *r, struct agg_record *v, size_t n,
    size_t first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct agg_record *rec = &v[i];

		rec->spf_aligned = rec->spf && strcmp(rec->spf, "pass") == 0;
		rec->dkim_aligned = rec->dkim && strcmp(rec->dkim, "pass") == 0;
		if (rec->spf == NULL || rec->dkim == NULL)
			derive(r, rec, first + i);
		rec->dmarc_aligned = rec->spf_aligned || rec->dkim_aligned;
		r->u.agg.messages += rec->count;
	}
}
