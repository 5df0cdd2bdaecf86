/*
 * testmode.c -- dmarcd -t: evaluate messages from files, without an MTA
 *
 * SYNOPSIS
 *	int testmode_run(const struct dmarcd_cfg *c, const struct testopts *to,
 *	    char **files, int nfiles);
 *
 * DESCRIPTION
 *	Each file is read as an RFC 5322 message (LF or CRLF), its header
 *	fields unfolded into struct msg as an MTA would hand them over, and
 *	evaluated by the same msg_evaluate() the milter uses.  Connection and
 *	envelope data come from the options, else from OpenDMARC's
 *	OPENDMARC_TEST_* variables, else from defaults.  Printed per message:
 *	the verdict, the action, any SMTP reply, the headers added and the
 *	history record (also appended to HistoryFile when configured).
 *	With DKIMVerify the raw fields (value verbatim after the colon,
 *	folding kept) and the body go to the DKIM verifier, as the milter
 *	feeds them, so signed test messages verify offline against the zone
 *	file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarcd.h"
#include "log.h"
#include "xmalloc.h"

#define MAXMSG	(16 * 1024 * 1024)

/* pick - option, else environment, else default */
static const char *
pick(const char *opt, const char *env, const char *def)
{
	const char *e;

	if (opt != NULL)
		return opt;
	if (env != NULL && (e = getenv(env)) != NULL && *e != '\0')
		return e;
	return def;
}

/* read_file - whole file, bounded */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;
	size_t n = 0, size = 65536;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = xmalloc(size);
	for (;;) {
		size_t r = fread(buf + n, 1, size - n, fp);

		n += r;
		if (r == 0 || n >= MAXMSG)
			break;
		if (n == size)
			buf = xrealloc(buf, size *= 2);
	}
	fclose(fp);
	*len = n;
	return buf;
}

/* next_line - [p, end) line without its LF/CRLF; advances *pp */
static size_t
next_line(const char **pp, const char *end)
{
	const char *p = *pp, *nl = memchr(p, '\n', (size_t)(end - p));
	size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

	*pp = nl != NULL ? nl + 1 : end;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

/* load_headers - header fields of a message into m (folding kept as LF) */
static void
load_headers(struct msg *m, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *line;
	char *name = NULL, *val = NULL;
	size_t ll, vlen = 0;

	while (p < end) {
		line = p;
		ll = next_line(&p, end);
		if (ll == 0)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && name != NULL) {
			val = xrealloc(val, vlen + ll + 2);
			val[vlen++] = '\n';
			memcpy(val + vlen, line, ll);
			vlen += ll;
			continue;
		}
		if (name != NULL)
			msg_add_header(m, name, val, vlen);
		free(name);
		free(val);
		name = val = NULL;
		const char *colon = memchr(line, ':', ll);
		if (colon == NULL || colon == line)
			continue;	/* not a field: MTAs refuse these */
		name = xstrndup(line, (size_t)(colon - line));
		colon++;
		while (colon < line + ll && (*colon == ' ' || *colon == '\t'))
			colon++;
		vlen = (size_t)(line + ll - colon);
		val = xmalloc(vlen + 1);
		memcpy(val, colon, vlen);
	}
	if (name != NULL)
		msg_add_header(m, name, val, vlen);
	free(name);
	free(val);
}

/* feed_dkim - raw header fields and the body to the DKIM verifier */
static void
feed_dkim(struct msg *m, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *line, *f = NULL, *fend = NULL;
	const char *colon;
	char *name;
	size_t ll;

	for (;;) {
		line = p;
		ll = p < end ? next_line(&p, end) : 0;
		if (f != NULL && (ll == 0 || (*line != ' ' && *line != '\t'))) {
			if ((colon = memchr(f, ':', (size_t)(fend - f))) != NULL) {
				name = xstrndup(f, (size_t)(colon - f));
				msg_dkim_header(m, name, colon + 1,
				    (size_t)(fend - colon - 1));
				free(name);
			}
			f = NULL;
		}
		if (ll == 0)
			break;
		if (f == NULL)
			f = line;
		fend = line + ll;	/* folded lines keep their line ends */
	}
	if (msg_dkim_eoh(m) && p < end)
		msg_dkim_body(m, (const unsigned char *)p, (size_t)(end - p));
}

/* load_body - the body (after the first empty line), for FailureReportsBody */
static void
load_body(struct msg *m, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end && next_line(&p, end) > 0)
		;
	if (p < end)
		msg_add_body(m, (const unsigned char *)p, (size_t)(end - p));
}

/* print_outcome - the block for one message */
static void
print_outcome(const char *file, const struct outcome *out)
{
	const char *p, *nl;
	size_t i;

	printf("message: %s\n", file);
	printf("verdict: dmarc=%s author=%s", out->result ? out->result :
	    "none", out->author ? out->author : "-");
	if (out->pdomain != NULL)
		printf(" policy-domain=%s policy=%s", out->pdomain, out->policy);
	if (out->disposition != NULL)
		printf(" disposition=%s", out->disposition);
	putchar('\n');
	printf("action: %s\n", out_action_name(out->action));
	if (out->reply != NULL)
		printf("reply: %s %s %s\n", out->rcode, out->xcode, out->reply);
	if (out->quarantine_reason != NULL)
		printf("quarantine: %s\n", out->quarantine_reason);
	for (i = 0; i < out->nhdrs; i++)
		printf("add-header: %s: %s\n", out->hdr_name[i],
		    out->hdr_value[i]);
	if (out->add_rcpt != NULL)
		printf("add-rcpt: %s\n", out->add_rcpt);
	if (out->history == NULL) {
		printf("history: none (%s)\n", out->nohistory ? out->nohistory :
		    "not recorded");
		return;
	}
	printf("history:\n");
	for (p = out->history; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			printf("  %s\n", p);
			break;
		}
		printf("  %.*s\n", (int)(nl - p), p);
	}
}

/* testmode_run - see the file header */
int
testmode_run(const struct dmarcd_cfg *c, const struct testopts *to,
    char **files, int nfiles)
{
	struct outcome out;
	struct msg m;
	char *buf;
	size_t len;
	int i, rc = 0;

	for (i = 0; i < nfiles; i++) {
		if ((buf = read_file(files[i], &len)) == NULL) {
			log_warn("%s", files[i]);
			rc = 1;
			continue;
		}
		msg_init(&m);
		snprintf(m.ip, sizeof(m.ip), "%s", pick(to->ip,
		    "OPENDMARC_TEST_CLIENTIP", "127.0.0.1"));
		snprintf(m.hostname, sizeof(m.hostname), "%s", pick(to->hostname,
		    "OPENDMARC_TEST_CLIENTHOST", "localhost"));
		snprintf(m.helo, sizeof(m.helo), "%s", pick(to->helo,
		    "OPENDMARC_TEST_HELOHOST", "localhost"));
		msg_set_str(&m.jobid, pick(to->jobid, NULL, "DEBUG-i"));
		msg_envfrom(&m, pick(to->sender, "OPENDMARC_TEST_ENVFROM",
		    "<sender@example.org>"));
		msg_add_rcpt(&m, pick(to->rcpt, NULL, "<postmaster@localhost>"));
		if (to->auth_user != NULL)
			msg_set_str(&m.auth_user, to->auth_user);
		load_headers(&m, buf, len);
		if (ruf_wants_body(c))
			load_body(&m, buf, len);
		msg_dkim_start(&m, c->dkim);
		feed_dkim(&m, buf, len);
		free(buf);
		if (i > 0)
			putchar('\n');
		if (ignorehosts_match(c->ignore, m.ip, m.hostname)) {
			printf("message: %s\naction: accept\nhistory: none "
			    "(client %s is in IgnoreHosts)\n", files[i], m.ip);
		} else if (m.auth_user != NULL &&
		    cfg_bool(c, C_IGNOREAUTHENTICATEDCLIENTS)) {
			printf("message: %s\naction: accept\nhistory: none "
			    "(authenticated client)\n", files[i]);
		} else {
			msg_dkim_finish(&m);
			msg_evaluate(c, &m, &out);
			(void)outcome_commit(c, &m, &out);
			print_outcome(files[i], &out);
			ruf_testmode(c, &out, to->print_ruf);
			outcome_free(&out);
		}
		msg_free(&m);
	}
	fflush(stdout);
	return rc;
}
