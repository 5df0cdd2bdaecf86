/*
 * deliver.c -- send one aggregate report to each of its destinations
 *
 * SYNOPSIS
 *	deliver_report(run, report);
 *
 * DESCRIPTION
 *	For every pending destination, in order:
 *	  1. NoReportsList and the suppressions table: "suppressed".
 *	  2. External destination verification (dest.c, D-47): not
 *	     authorized gives "unauthorized"; a DNS temporary failure keeps
 *	     the destination pending for the next run.  An authorizing
 *	     record's rua may replace the address (same host only).
 *	  3. The whole message (after gzip and base64) larger than the URI's
 *	     "!size" limit: "toobig", logged, nothing sent (7489 7.2.1).
 *	  4. SMTP through the relay (common/smtp.c): accepted "sent",
 *	     rejected 5xx "failed", anything else stays pending.
 *	ReportBcc destinations skip 1-3 (the operator's own addresses).
 *	After SMTP_GIVEUP temporary failures in a row the run stops
 *	trying: the relay is down, the rest waits for the next run.  A
 *	destination still pending RETRY_DAYS after its report was built is
 *	given up ("expired").  Each outcome is stored at once, so a crash
 *	loses at most the state of the message in flight (which is then
 *	sent again: receivers deduplicate by Report-ID).
 *
 * WHY A FILE OF ITS OWN
 *	Delivery policy, apart from building reports (dmarc-reports.c) and
 *	from SQL (rdb.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc-reports.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* message - the report message for rcpt */
static char *
message(const struct run *run, const struct report *r, const char *rcpt,
    size_t *len)
{
	struct mime_report m;

	memset(&m, 0, sizeof(m));
	m.from = run->email;
	m.to = rcpt;
	m.policy_domain = r->domain;
	m.submitter = run->submitter;
	m.report_id = r->rid;
	m.filename = r->filename;
	m.date = time(NULL);
	m.begin = r->begin;
	m.end = r->end - 1;
	m.messages = r->messages;
	m.gz = r->gz;
	m.gzlen = r->gzlen;
	return mime_message(&m, len);
}

/* checks - steps 1-2: 0 go on (*rcpt, *max set), 1 final or deferred */
static int
checks(struct run *run, const struct report *r, struct delivery *d,
    const char **rcpt, uint64_t *max)
{
	const char *repl;
	uint64_t rmax;

	*rcpt = d->dest;
	*max = d->bcc ? 0 : d->max_size;
	if (d->bcc)
		return 0;
	if (noreports_match(run->nr, d->dest)) {
		d->state = DS_SUPPRESSED;
		snprintf(d->error, sizeof(d->error), "in NoReportsList");
		return 1;
	}
	switch (dest_verify(&run->dv, r->domain, d->dest, &repl, &rmax)) {
	case DEST_AUTH_NO:
		d->state = DS_UNAUTH;
		snprintf(d->error, sizeof(d->error), "external destination "
		    "not authorized by %s._report._dmarc", r->domain);
		return 1;
	case DEST_AUTH_TEMP:
		d->attempts++;
		snprintf(d->error, sizeof(d->error), "DNS temporary failure "
		    "verifying the external destination");
		return 1;
	default:
		if (repl != NULL) {
			*rcpt = repl;
			*max = rmax;
		}
		return 0;
	}
}

/* try_send - steps 3-4 for one destination */
static void
try_send(struct run *run, const struct report *r, struct delivery *d,
    const char *rcpt, uint64_t max)
{
	char *msg, err[256];
	size_t len;
	int rc;

	msg = message(run, r, rcpt, &len);
	if (max > 0 && len > max) {
		d->state = DS_TOOBIG;
		snprintf(d->error, sizeof(d->error), "%zu bytes exceed the "
		    "!size limit of %llu", len, (unsigned long long)max);
		free(msg);
		return;
	}
	d->attempts++;
	err[0] = '\0';
	rc = smtp_send(&run->smtp, run->email, &rcpt, 1, msg, len, err,
	    sizeof(err));
	free(msg);
	if (rc == SMTP_OK) {
		d->state = DS_SENT;
		d->error[0] = '\0';
		xstrlcpy(d->rcpt, rcpt, sizeof(d->rcpt));
		if (strcmp(rcpt, d->dest) != 0)
			snprintf(d->error, sizeof(d->error), "sent to %s, "
			    "the rua of the authorizing record", rcpt);
		run->temp_in_row = 0;
		return;
	}
	xstrlcpy(d->error, err[0] != '\0' ? err : "SMTP failure",
	    sizeof(d->error));
	if (rc == SMTP_PERM) {
		d->state = DS_FAILED;
		run->temp_in_row = 0;
	} else if (++run->temp_in_row >= SMTP_GIVEUP && !run->smtp_down) {
		run->smtp_down = 1;
		log_warnx("%d temporary SMTP failures in a row: no more "
		    "sending in this run", SMTP_GIVEUP);
	}
}

/* too_old - a stored report whose pending destinations are given up */
static int
too_old(const struct run *run, const struct report *r)
{
	return r->id != 0 && r->created < run->now - RETRY_DAYS * 86400L;
}

/* outcome - count, log and store one destination's result */
static void
outcome(struct run *run, const struct report *r, struct delivery *d)
{
	if (strcmp(d->state, DS_PENDING) == 0 && too_old(run, r)) {
		d->state = DS_EXPIRED;
		log_warnx("report %s for %s to %s: giving up after %d days "
		    "(%s)", r->rid, r->domain, d->dest, RETRY_DAYS, d->error);
	} else if (strcmp(d->state, DS_SENT) == 0) {
		run->sent++;
		log_debug("report %s for %s sent to %s", r->rid, r->domain,
		    d->rcpt);
	} else if (strcmp(d->state, DS_PENDING) == 0) {
		run->deferred++;
		log_warnx("report %s for %s to %s: deferred: %s", r->rid,
		    r->domain, d->dest, d->error);
	} else {
		if (strcmp(d->state, DS_FAILED) == 0)
			run->failed++;
		else
			run->refused++;
		log_warnx("report %s for %s to %s: not sent (%s): %s", r->rid,
		    r->domain, d->dest, d->state, d->error);
	}
	if (rdb_delivery_update(run->db, d, run->now) != 0)
		run->errors++;
}

/* deliver_report - attempt every pending destination of r */
void
deliver_report(struct run *run, struct report *r)
{
	const char *rcpt;
	uint64_t max;
	size_t i;

	for (i = 0; i < r->nd; i++) {
		struct delivery *d = &r->d[i];

		if (strcmp(d->state, DS_PENDING) != 0)
			continue;
		if (run->smtp_down) {
			/* not attempted: counted, logged only when given up */
			snprintf(d->error, sizeof(d->error), "relay down");
			if (too_old(run, r))
				outcome(run, r, d);
			else
				run->deferred++;
			continue;
		}
		if (checks(run, r, d, &rcpt, &max) == 0)
			try_send(run, r, d, rcpt, max);
		outcome(run, r, d);
	}
	if (r->id != 0 && rdb_report_finish(run->db, r) < 0)
		run->errors++;
}
