/*
 * test_htmlperiod.c -- the periods of dmarc-ingest --html (htmldb.c): UTC
 * days, ISO weeks and calendar months, their names and boundaries
 *
 * Named cases at the year, leap-day and ISO-week edges, then every day
 * from 1970 to 2200 against the C library's gmtime and strftime's %G-W%V
 * (an independent ISO 8601 week calculation).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reports/ingest/html.h"
#include "tests/tap.h"

struct pcase {
	const char	*at;		/* a time inside the period */
	int		 per;
	const char	*name, *start, *next;
};

static const struct pcase cases[] = {
	{ "2026-01-31T23:59:59", PERIOD_DAY, "2026-01-31",
	    "2026-01-31T00:00:00", "2026-02-01T00:00:00" },
	{ "2026-02-01T00:00:00", PERIOD_MONTH, "2026-02",
	    "2026-02-01T00:00:00", "2026-03-01T00:00:00" },
	{ "2026-01-31T12:00:00", PERIOD_MONTH, "2026-01",
	    "2026-01-01T00:00:00", "2026-02-01T00:00:00" },
	{ "2024-02-29T10:00:00", PERIOD_MONTH, "2024-02",
	    "2024-02-01T00:00:00", "2024-03-01T00:00:00" },
	{ "2026-12-31T08:00:00", PERIOD_MONTH, "2026-12",
	    "2026-12-01T00:00:00", "2027-01-01T00:00:00" },
	{ "2026-02-01T23:00:00", PERIOD_WEEK, "2026-W05",
	    "2026-01-26T00:00:00", "2026-02-02T00:00:00" },
	{ "2027-01-01T00:00:00", PERIOD_WEEK, "2026-W53",
	    "2026-12-28T00:00:00", "2027-01-04T00:00:00" },
	{ "2024-12-30T00:00:00", PERIOD_WEEK, "2025-W01",
	    "2024-12-30T00:00:00", "2025-01-06T00:00:00" },
	{ "1970-01-01T00:00:00", PERIOD_WEEK, "1970-W01",
	    "1969-12-29T00:00:00", "1970-01-05T00:00:00" },
	{ "2000-02-29T00:00:00", PERIOD_DAY, "2000-02-29",
	    "2000-02-29T00:00:00", "2000-03-01T00:00:00" },
};

/* ts - Unix seconds of "YYYY-MM-DDTHH:MM:SS" (UTC) */
static int64_t
ts(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return -1;
	return (int64_t)timegm(&tm);
}

/* named - the table above */
static void
named(void)
{
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		int64_t s = html_period_start(ts(c->at), c->per);

		html_period_name(s, c->per, name, sizeof(name));
		CHECK_STR(name, c->name, c->at);
		CHECK(s == ts(c->start), "%s: start %s", c->at, c->start);
		CHECK(html_period_next(s, c->per) == ts(c->next),
		    "%s: next %s", c->at, c->next);
	}
}

/* sweep - every day against gmtime and strftime %G-W%V */
static void
sweep(void)
{
	char want[32], got[32];
	int64_t t, s, bad = 0, days = 0;
	time_t tt;
	struct tm tm;

	for (t = 43200; t < ts("2200-01-01T00:00:00");
	    t += 86400) {
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		days++;
		strftime(want, sizeof(want), "%G-W%V", &tm);
		s = html_period_start(t, PERIOD_WEEK);
		html_period_name(s, PERIOD_WEEK, got, sizeof(got));
		bad += strcmp(want, got) != 0 || t < s ||
		    t >= html_period_next(s, PERIOD_WEEK);
		strftime(want, sizeof(want), "%Y-%m", &tm);
		s = html_period_start(t, PERIOD_MONTH);
		html_period_name(s, PERIOD_MONTH, got, sizeof(got));
		bad += strcmp(want, got) != 0 || t < s ||
		    t >= html_period_next(s, PERIOD_MONTH);
		strftime(want, sizeof(want), "%Y-%m-%d", &tm);
		s = html_period_start(t, PERIOD_DAY);
		html_period_name(s, PERIOD_DAY, got, sizeof(got));
		bad += strcmp(want, got) != 0 || t < s ||
		    t >= html_period_next(s, PERIOD_DAY);
	}
	CHECK(bad == 0 && days > 80000, "%lld days from 1970 to 2200: names "
	    "and bounds as gmtime and %%G-W%%V say (%lld wrong)",
	    (long long)days, (long long)bad);
}

int
main(void)
{
	enum html_period p;

	named();
	sweep();
	CHECK(html_period_parse("week", &p) == 0 && p == PERIOD_WEEK,
	    "parse week");
	CHECK(html_period_parse("year", &p) == -1, "parse rejects year");
	CHECK(html_period_start(-86400 * 400, PERIOD_MONTH) == 0,
	    "before 1970: clamped to 1970");
	return tap_done();
}
