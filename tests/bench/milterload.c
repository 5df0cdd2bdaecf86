/*
 * milterload.c -- a milter load generator that speaks as Postfix does
 *
 * SYNOPSIS
 *	milterload [-q] [-c conns] [-n messages] [-m per-session]
 *	    [-d seconds] [-T seconds] [-i qid-prefix] [-o dumpfile]
 *	    -f corpus sockspec
 *
 * DESCRIPTION
 *	Replays a message corpus (format in tests/bench/README.md) against
 *	the milter at sockspec (unix:/path, inet:port@host, inet6:...) over
 *	-c concurrent connections (default 1), as an MTA does: protocol
 *	version 6 offering every action and protocol flag, then per SMTP
 *	session CONNECT and HELO, and per message MAIL, RCPT, DATA, each
 *	header field, EOH, the body in chunks and EOM, each with the macros
 *	Postfix sends (j and {daemon_name}; {mail_addr}; {rcpt_addr}; i).
 *	The queue id (macro i) is the -i prefix (default "ML") and a
 *	hexadecimal sequence number unique within the run, so runs against
 *	one history file can be told apart.
 *	Commands the filter declined are not sent (their macros are, as
 *	Postfix sends them), no reply is awaited where the filter asked
 *	for none, output is flushed only before a read (as Postfix's
 *	VSTREAM does), and an early verdict ends the message with ABORT.
 *
 *	Consecutive corpus messages with the same client address and HELO
 *	form one SMTP session, cut at -m messages (default 5): one milter
 *	connection each.  Each of the -c threads takes the next session.
 *	With -n larger than the corpus the corpus is replayed again; -d
 *	stops handing out sessions after that many seconds.
 *
 *	The latency of a message runs from its first byte (the connection
 *	itself for the first message of a session) to the filter's final
 *	reply.  At the end one line goes to standard output:
 *
 *	    RESULT msgs=N errors=N secs=S rate=R p50_ms=X p99_ms=X
 *	        max_ms=X deliver=N quarantine=N reject=N tempfail=N
 *	        discard=N conns=N
 *
 *	(one line), and the same in words to standard error unless -q.
 *	deliver counts accept and continue without quarantine.
 *
 *	-o FILE writes one line per corpus message (first replay only),
 *	sorted by corpus id, tab-separated: id, verdict (deliver,
 *	quarantine, reject, tempfail, discard, error), the stage that
 *	decided, the reply text or quarantine reason, then every
 *	modification ("insheader 0 Name: value", "addheader ...",
 *	"addrcpt ...").  Control characters are written as \n, \r, \t or
 *	\xNN.  Diffing two such files compares two milters.
 *
 * EXIT STATUS
 *	0 when every message got a verdict, 1 when some failed (errors=N
 *	says how many: connection refused or dropped, timeout, protocol
 *	error), 2 on a usage or corpus error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/tools/milterwire.h"

#define ML_MAXCONNS	1024
#define ML_MAXLINE	2048

/* One corpus message, split as the wire wants it. */
struct cmsg {
	char		*id, *ip, *helo, *from, *rcpt;
	const char	*raw;		/* the message as in the corpus */
	size_t		 rawlen;
	struct mw_buf	 hdrs;		/* name NUL value NUL, ... */
	size_t		 nhdrs;
	struct mw_buf	 body;		/* CRLF line ends */
};

/* A session: corpus messages [first, first + n). */
struct session {
	size_t		 first, n;
};

enum verdict {
	VD_NONE, VD_DELIVER, VD_QUARANTINE, VD_REJECT, VD_TEMPFAIL,
	VD_DISCARD, VD_ERROR, VD_COUNT
};
static const char *const verdict_names[VD_COUNT] = { "none", "deliver",
	"quarantine", "reject", "tempfail", "discard", "error" };

/* What happened to one message sent. */
struct result {
	double		 ms;
	enum verdict	 v;
};

/* Everything the threads share. */
struct load {
	const char	*sock;
	const char	*qprefix;	/* queue id prefix (-i) */
	int		 timeout_ms;
	struct cmsg	*msgs;
	size_t		 nmsgs;
	struct session	*sess;
	size_t		 nsess;
	size_t		 target;	/* messages to send */
	double		 deadline;	/* monotonic seconds, 0: none */
	pthread_mutex_t	 mu;		/* next_sess, sent */
	size_t		 next_sess, sent;
	struct result	*res;		/* [target] */
	atomic_size_t	 nres;
	atomic_size_t	 conns;
	char		**dump;		/* [nmsgs] or NULL */
	char		*firsterr;
	char		*data;		/* the corpus file */
};

/* The state of one connection while a message is in flight. */
struct worker {
	struct load	*ld;
	struct mw_conn	 c;
	struct mw_buf	 mods;		/* dump text of this message */
	int		 quarantined;
	int		 skipped;	/* the filter said skip */
	const char	*stage;
};

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* usage - the synopsis, exit 2 */
static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: milterload [-q] [-c conns] [-n messages] "
	    "[-m per-session] [-d seconds]\n\t[-T seconds] [-i qid-prefix] "
	    "[-o dumpfile] -f corpus sockspec\n", stderr);
	exit(2);
}

/* corpus_die - a corpus format error, exit 2 */
static void __attribute__((noreturn))
corpus_die(const char *path, size_t off, const char *what)
{
	fprintf(stderr, "milterload: %s: offset %zu: %s\n", path, off, what);
	exit(2);
}

/* slurp - a whole file into memory, NUL-terminated */
static char *
slurp(const char *path, size_t *len)
{
	struct mw_buf b = { NULL, 0, 0 };
	char buf[65536];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "milterload: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		mw_put(&b, buf, n);
	fclose(fp);
	mw_put(&b, "", 1);
	*len = b.len - 1;
	return (char *)b.p;
}

/* split_msg - header fields and body, as sent without HDR_LEADSPC */
static void
split_msg(struct cmsg *cm)
{
	struct mw_buf h = { NULL, 0, 0 };
	size_t off = 0;

	while (mw_next_header(cm->raw, cm->rawlen, &off, &h, 0)) {
		mw_put(&cm->hdrs, h.p, h.len);
		cm->nhdrs++;
	}
	mw_buf_free(&h);
	mw_body_crlf(cm->raw, cm->rawlen, off, &cm->body);
}

/* parse_record - "M id ip helo from rcpt length" at *off */
static void
parse_record(const char *path, char *d, size_t len, size_t *off,
    struct cmsg *cm)
{
	char *line = d + *off, *nl, *f[7], *end;
	unsigned long long n;
	int i;

	if ((nl = memchr(line, '\n', len - *off)) == NULL)
		corpus_die(path, *off, "record line without newline");
	*nl = '\0';
	for (i = 0; i < 7; i++) {
		while (*line == ' ')
			line++;
		f[i] = line;
		if ((line = strchr(line, ' ')) != NULL)
			*line++ = '\0';
		else if (i < 6)
			corpus_die(path, *off, "need: M id ip helo from rcpt "
			    "length");
		else
			line = nl;
	}
	if (strcmp(f[0], "M") != 0)
		corpus_die(path, *off, "record does not start with \"M \"");
	errno = 0;
	n = strtoull(f[6], &end, 10);
	if (errno != 0 || *end != '\0' || end == f[6])
		corpus_die(path, *off, "bad length");
	*off = (size_t)(nl - d) + 1;
	if (n > len - *off)
		corpus_die(path, *off, "message runs past the end of file");
	cm->id = f[1];
	cm->ip = f[2];
	cm->helo = f[3];
	cm->from = f[4];
	cm->rcpt = f[5];
	cm->raw = d + *off;
	cm->rawlen = (size_t)n;
	*off += (size_t)n;
	if (*off < len && d[*off] == '\n')
		(*off)++;
}

/* load_corpus - every record of the file; comment lines start with # */
static void
load_corpus(struct load *ld, const char *path)
{
	size_t len, off = 0, cap = 0;
	char *d = slurp(path, &len), *nl;

	ld->data = d;
	while (off < len) {
		if (d[off] == '#' || d[off] == '\n') {
			nl = memchr(d + off, '\n', len - off);
			off = nl != NULL ? (size_t)(nl - d) + 1 : len;
			continue;
		}
		if (ld->nmsgs == cap) {
			cap = cap * 2 + 1024;
			ld->msgs = realloc(ld->msgs, cap * sizeof(*ld->msgs));
			if (ld->msgs == NULL)
				abort();
		}
		memset(&ld->msgs[ld->nmsgs], 0, sizeof(*ld->msgs));
		parse_record(path, d, len, &off, &ld->msgs[ld->nmsgs]);
		split_msg(&ld->msgs[ld->nmsgs]);
		ld->nmsgs++;
	}
	if (ld->nmsgs == 0)
		corpus_die(path, 0, "no messages");
}

/* make_sessions - runs of one client and HELO, at most per messages */
static void
make_sessions(struct load *ld, size_t per)
{
	size_t i;

	ld->sess = calloc(ld->nmsgs, sizeof(*ld->sess));
	if (ld->sess == NULL)
		abort();
	for (i = 0; i < ld->nmsgs; i++) {
		struct session *s = &ld->sess[ld->nsess - (ld->nsess > 0)];
		const struct cmsg *a = &ld->msgs[s->first];

		if (ld->nsess > 0 && s->n < per &&
		    strcmp(a->ip, ld->msgs[i].ip) == 0 &&
		    strcmp(a->helo, ld->msgs[i].helo) == 0) {
			s->n++;
			continue;
		}
		ld->sess[ld->nsess].first = i;
		ld->sess[ld->nsess].n = 1;
		ld->nsess++;
	}
}

/* esc - append bytes with control characters escaped */
static void
esc(struct mw_buf *b, const unsigned char *p, size_t len)
{
	char x[8];
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			mw_put(b, "\\n", 2);
		else if (p[i] == '\r')
			mw_put(b, "\\r", 2);
		else if (p[i] == '\t')
			mw_put(b, "\\t", 2);
		else if (p[i] == '\\')
			mw_put(b, "\\\\", 2);
		else if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(x, sizeof(x), "\\x%02x", p[i]);
			mw_put(b, x, 4);
		} else
			mw_put(b, &p[i], 1);
	}
}

/* note_strs - "\tword s1 s2" (sep between the first two strings) */
static void
note_strs(struct worker *w, const char *word, size_t off, const char *sep)
{
	const unsigned char *s;
	size_t slen, n = 0;

	mw_put(&w->mods, "\t", 1);
	mw_put(&w->mods, word, strlen(word));
	while (off < w->c.in.len) {
		s = mw_next_str(w->c.in.p, w->c.in.len, &off, &slen);
		mw_put(&w->mods, n == 1 ? sep : " ", n == 1 ? strlen(sep) : 1);
		esc(&w->mods, s, slen);
		n++;
	}
}

/*
 * reply - read replies to one command until a final one; returns
 * VD_NONE to go on (continue, skip), a verdict, or VD_ERROR
 */
static enum verdict
reply(struct worker *w, int eom)
{
	uint32_t idx;
	char rc, num[32];

	for (;;) {
		if (mw_read(&w->c, &rc) != 0)
			return VD_ERROR;
		switch (rc) {
		case 'c':
			return eom ? (w->quarantined ? VD_QUARANTINE :
			    VD_DELIVER) : VD_NONE;
		case 's':
			w->skipped = 1;
			return VD_NONE;
		case 'p': continue;
		case 'a':
			return w->quarantined ? VD_QUARANTINE : VD_DELIVER;
		case 'r': return VD_REJECT;
		case 't': return VD_TEMPFAIL;
		case 'd': return VD_DISCARD;
		case 'y':
			note_strs(w, "replycode", 0, " ");
			return w->c.in.len > 0 && w->c.in.p[0] == '4' ?
			    VD_TEMPFAIL : VD_REJECT;
		case 'q':
			w->quarantined = 1;
			note_strs(w, "quarantine", 0, " ");
			continue;
		case 'i': case 'm':
			if (!eom || mw_reply_u32(w->c.in.p, w->c.in.len,
			    &idx) != 0)
				return VD_ERROR;
			snprintf(num, sizeof(num), "%s %lu", rc == 'i' ?
			    "insheader" : "chgheader", (unsigned long)idx);
			note_strs(w, num, 4, ": ");
			continue;
		case 'h': case '+': case '-': case 'e': case '2':
			if (!eom)
				return VD_ERROR;
			note_strs(w, rc == 'h' ? "addheader" : rc == '+' ?
			    "addrcpt" : rc == '-' ? "delrcpt" : rc == 'e' ?
			    "chgfrom" : "addrcpt_par", 0, rc == 'h' ? ": " :
			    " ");
			continue;
		case 'b':
			if (!eom)
				return VD_ERROR;
			mw_put(&w->mods, "\treplbody", 9);
			continue;
		default:
			snprintf(w->c.err, sizeof(w->c.err),
			    "unknown reply 0x%02x", (unsigned)(unsigned char)rc);
			return VD_ERROR;
		}
	}
}

/* step - one command unless declined; its reply unless not wanted */
static enum verdict
step(struct worker *w, const char *stage, char cmd, const void *data,
    size_t len, uint32_t noflag, uint32_t nrflag)
{
	if (w->c.proto & noflag)
		return VD_NONE;
	w->stage = stage;
	mw_send(&w->c, cmd, data, len);
	if (w->c.proto & nrflag)
		return VD_NONE;
	return reply(w, cmd == 'E');
}

/* angle - "<addr>" unless it has its brackets */
static void
angle(struct mw_buf *b, const char *addr)
{
	if (addr[0] == '<') {
		mw_str(b, addr);
		return;
	}
	mw_put(b, "<", 1);
	mw_put(b, addr, strlen(addr));
	mw_str(b, ">");
}

/* session_open - connect, negotiate, CONNECT and HELO */
static enum verdict
session_open(struct worker *w, const struct cmsg *cm)
{
	static const char *const cmac[] = { "j", "mx.bench.example",
	    "{daemon_name}", "milterload", NULL };
	struct mw_buf b = { NULL, 0, 0 };
	enum verdict v;
	uint16_t port = htons(50025);
	char fam = strchr(cm->ip, ':') != NULL ? '6' : '4', host[128];

	w->stage = "connect";
	if (mw_open(&w->c, w->ld->sock, w->ld->timeout_ms) != 0 ||
	    mw_negotiate(&w->c, MW_VERSION, MW_ACTIONS, MW_PROTOCOL) != 0)
		return VD_ERROR;
	atomic_fetch_add(&w->ld->conns, 1);
	mw_macros(&w->c, 'C', cmac);
	snprintf(host, sizeof(host), "[%s]", cm->ip);
	mw_str(&b, host);
	mw_put(&b, &fam, 1);
	mw_put(&b, &port, sizeof(port));
	mw_str(&b, cm->ip);
	v = step(w, "connect", 'C', b.p, b.len, P_NOCONNECT, P_NR_CONN);
	b.len = 0;
	if (v == VD_NONE) {
		mw_str(&b, cm->helo);
		v = step(w, "helo", 'H', b.p, b.len, P_NOHELO, P_NR_HELO);
	}
	mw_buf_free(&b);
	return v;
}

/* envelope - MAIL, RCPT, DATA with their macros */
static enum verdict
envelope(struct worker *w, const struct cmsg *cm, const char *qid)
{
	const char *mmac[] = { "{mail_addr}", cm->from, NULL };
	const char *rmac[] = { "{rcpt_addr}", cm->rcpt, NULL };
	const char *tmac[] = { "i", qid, NULL };
	struct mw_buf b = { NULL, 0, 0 };
	enum verdict v;

	mw_macros(&w->c, 'M', mmac);
	angle(&b, cm->from);
	v = step(w, "mail", 'M', b.p, b.len, P_NOMAIL, P_NR_MAIL);
	b.len = 0;
	if (v == VD_NONE) {
		mw_macros(&w->c, 'R', rmac);
		angle(&b, cm->rcpt);
		v = step(w, "rcpt", 'R', b.p, b.len, P_NORCPT, P_NR_RCPT);
	}
	mw_buf_free(&b);
	if (v == VD_NONE) {
		mw_macros(&w->c, 'T', tmac);
		v = step(w, "data", 'T', NULL, 0, P_NODATA, P_NR_DATA);
	}
	return v;
}

/* content - header fields, EOH, body; LEADSPC re-splits on the fly */
static enum verdict
content(struct worker *w, const struct cmsg *cm, const char *qid)
{
	const char *imac[] = { "i", qid, NULL };
	enum verdict v = VD_NONE;
	struct mw_buf h = { NULL, 0, 0 };
	size_t off = 0, i, n, nlen;
	const unsigned char *p = cm->hdrs.p;

	if (w->c.proto & P_HDR_LEADSPC) {
		while (v == VD_NONE && mw_next_header(cm->raw, cm->rawlen,
		    &off, &h, 1))
			v = step(w, "header", 'L', h.p, h.len, P_NOHDRS,
			    P_NR_HDR);
		mw_buf_free(&h);
	} else
		for (i = 0; i < cm->nhdrs && v == VD_NONE; i++) {
			nlen = strlen((const char *)p) + 1;
			n = nlen + strlen((const char *)p + nlen) + 1;
			v = step(w, "header", 'L', p, n, P_NOHDRS, P_NR_HDR);
			p += n;
		}
	if (v == VD_NONE) {
		mw_macros(&w->c, 'N', imac);
		v = step(w, "eoh", 'N', NULL, 0, P_NOEOH, P_NR_EOH);
	}
	w->skipped = 0;
	for (off = 0; off < cm->body.len && v == VD_NONE && !w->skipped;
	    off += MW_CHUNK) {
		n = cm->body.len - off < MW_CHUNK ? cm->body.len - off :
		    MW_CHUNK;
		v = step(w, "body", 'B', cm->body.p + off, n, P_NOBODY,
		    P_NR_BODY);
	}
	if (v != VD_NONE)
		return v;
	mw_macros(&w->c, 'E', imac);
	return step(w, "eom", 'E', NULL, 0, 0, 0);
}

/* message - one transaction; an early verdict ends it with ABORT */
static enum verdict
message(struct worker *w, const struct cmsg *cm, size_t seq)
{
	char qid[32];
	enum verdict v;

	snprintf(qid, sizeof(qid), "%s%zX", w->ld->qprefix, seq);
	w->quarantined = 0;
	w->mods.len = 0;
	v = envelope(w, cm, qid);
	if (v == VD_NONE)
		v = content(w, cm, qid);
	if (v != VD_ERROR && (w->stage == NULL || strcmp(w->stage, "eom")))
		mw_send(&w->c, 'A', NULL, 0);	/* abort: no reply */
	return v == VD_NONE ? VD_DELIVER : v;
}

/* record - one result; the dump line for a first-replay message */
static void
record(struct worker *w, size_t g, const struct cmsg *cm, size_t ci,
    double t0, enum verdict v)
{
	struct load *ld = w->ld;
	struct result *r;
	struct mw_buf line = { NULL, 0, 0 };
	size_t k = atomic_fetch_add(&ld->nres, 1);

	if (k >= ld->target)
		return;
	r = &ld->res[k];
	r->ms = (now() - t0) * 1000.0;
	r->v = v;
	if (ld->dump == NULL || g >= ld->nsess)
		return;
	mw_put(&line, cm->id, strlen(cm->id));
	mw_put(&line, "\t", 1);
	mw_str(&line, verdict_names[v]);
	line.len--;
	mw_put(&line, "\t", 1);
	mw_put(&line, w->stage != NULL ? w->stage : "-",
	    strlen(w->stage != NULL ? w->stage : "-"));
	if (v == VD_ERROR) {
		mw_put(&line, "\t", 1);
		esc(&line, (const unsigned char *)w->c.err, strlen(w->c.err));
	}
	mw_put(&line, w->mods.p, w->mods.len);
	mw_put(&line, "", 1);
	ld->dump[ci] = (char *)line.p;
}

/* take_session - the next session to run, or 0 when done */
static int
take_session(struct load *ld, size_t *g, size_t *n)
{
	int ok = 0;

	pthread_mutex_lock(&ld->mu);
	if (ld->sent < ld->target && (ld->deadline == 0 ||
	    now() < ld->deadline)) {
		*g = ld->next_sess++;
		*n = ld->sess[*g % ld->nsess].n;
		if (*n > ld->target - ld->sent)
			*n = ld->target - ld->sent;
		ld->sent += *n;
		ok = 1;
	}
	pthread_mutex_unlock(&ld->mu);
	return ok;
}

/* note_error - keep the first error message for the summary */
static void
note_error(struct worker *w)
{
	pthread_mutex_lock(&w->ld->mu);
	if (w->ld->firsterr == NULL)
		w->ld->firsterr = strdup(w->c.err);
	pthread_mutex_unlock(&w->ld->mu);
}

/* run_session - open, the session's messages, QUIT */
static void
run_session(struct worker *w, size_t g, size_t n)
{
	const struct session *s = &w->ld->sess[g % w->ld->nsess];
	const struct cmsg *cm = &w->ld->msgs[s->first];
	enum verdict sv, v;
	double t0 = now();
	size_t i;

	w->mods.len = 0;
	w->quarantined = 0;
	w->stage = NULL;
	sv = session_open(w, cm);
	for (i = 0; i < n; i++) {
		if (i > 0)
			t0 = now();
		if (sv != VD_NONE)	/* whole session decided (or failed) */
			v = sv;
		else if ((v = message(w, &cm[i], g * 64 + i)) == VD_ERROR)
			sv = VD_ERROR;
		if (v == VD_ERROR && i == 0)
			note_error(w);
		record(w, g, &cm[i], s->first + i, t0, v);
	}
	if (sv != VD_ERROR) {
		mw_send(&w->c, 'Q', NULL, 0);
		(void)mw_flush(&w->c);
	}
	mw_close(&w->c);
}

/* worker - run sessions until there are none left */
static void *
worker(void *arg)
{
	struct worker w;
	size_t g, n;

	memset(&w, 0, sizeof(w));
	w.ld = arg;
	w.c.fd = -1;
	while (take_session(w.ld, &g, &n))
		run_session(&w, g, n);
	mw_buf_free(&w.mods);
	return NULL;
}

/* cmp_ms - qsort order of results by latency */
static int
cmp_ms(const void *a, const void *b)
{
	double x = ((const struct result *)a)->ms;
	double y = ((const struct result *)b)->ms;

	return x < y ? -1 : x > y;
}

/* report - the RESULT line (and words on stderr) */
static size_t
report(struct load *ld, double secs, int quiet)
{
	size_t cnt[VD_COUNT] = { 0 }, n = atomic_load(&ld->nres), i, ok;
	double p50, p99, max;

	if (n > ld->target)
		n = ld->target;
	for (i = 0; i < n; i++)
		cnt[ld->res[i].v]++;
	qsort(ld->res, n, sizeof(*ld->res), cmp_ms);
	p50 = n > 0 ? ld->res[(n - 1) / 2].ms : 0;
	p99 = n > 0 ? ld->res[(size_t)((double)(n - 1) * 0.99)].ms : 0;
	max = n > 0 ? ld->res[n - 1].ms : 0;
	ok = n - cnt[VD_ERROR];
	printf("RESULT msgs=%zu errors=%zu secs=%.3f rate=%.1f p50_ms=%.3f "
	    "p99_ms=%.3f max_ms=%.3f deliver=%zu quarantine=%zu reject=%zu "
	    "tempfail=%zu discard=%zu conns=%zu\n", n, cnt[VD_ERROR], secs,
	    secs > 0 ? (double)ok / secs : 0, p50, p99, max,
	    cnt[VD_DELIVER], cnt[VD_QUARANTINE], cnt[VD_REJECT],
	    cnt[VD_TEMPFAIL], cnt[VD_DISCARD], atomic_load(&ld->conns));
	if (!quiet)
		fprintf(stderr, "milterload: %zu messages in %.3f s (%.1f/s), "
		    "p50 %.3f ms, p99 %.3f ms, %zu errors%s%s\n", n, secs,
		    secs > 0 ? (double)ok / secs : 0, p50, p99, cnt[VD_ERROR],
		    ld->firsterr != NULL ? ", first: " : "",
		    ld->firsterr != NULL ? ld->firsterr : "");
	return cnt[VD_ERROR];
}

/* write_dump - the per-message lines in corpus order */
static void
write_dump(const struct load *ld, const char *path)
{
	FILE *fp;
	size_t i;

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "milterload: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	for (i = 0; i < ld->nmsgs; i++)
		if (ld->dump[i] != NULL)
			fprintf(fp, "%s\n", ld->dump[i]);
	if (fclose(fp) != 0)
		fprintf(stderr, "milterload: %s: write error\n", path);
}

/* load_free - everything main allocated */
static void
load_free(struct load *ld)
{
	size_t i;

	for (i = 0; i < ld->nmsgs; i++) {
		mw_buf_free(&ld->msgs[i].hdrs);
		mw_buf_free(&ld->msgs[i].body);
		if (ld->dump != NULL)
			free(ld->dump[i]);
	}
	free(ld->dump);
	free(ld->msgs);
	free(ld->sess);
	free(ld->res);
	free(ld->firsterr);
	free(ld->data);
	pthread_mutex_destroy(&ld->mu);
}

/* numarg - a positive number option */
static unsigned long
numarg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct load ld;
	pthread_t tid[ML_MAXCONNS];
	const char *corpus = NULL, *dumpfile = NULL;
	unsigned long conns = 1, per = 5, secs = 0, target = 0, i;
	size_t nerr;
	double t0;
	int ch, quiet = 0;

	memset(&ld, 0, sizeof(ld));
	ld.timeout_ms = 30000;
	ld.qprefix = "ML";
	while ((ch = getopt(argc, argv, "c:d:f:i:m:n:o:qT:")) != -1) {
		switch (ch) {
		case 'c': conns = numarg(optarg); break;
		case 'd': secs = numarg(optarg); break;
		case 'f': corpus = optarg; break;
		case 'i': ld.qprefix = optarg; break;
		case 'm': per = numarg(optarg); break;
		case 'n': target = numarg(optarg); break;
		case 'o': dumpfile = optarg; break;
		case 'q': quiet = 1; break;
		case 'T': ld.timeout_ms = (int)numarg(optarg) * 1000; break;
		default: usage();
		}
	}
	if (argc - optind != 1 || corpus == NULL || conns > ML_MAXCONNS ||
	    per > 64 || strlen(ld.qprefix) > 12)
		usage();
	ld.sock = argv[optind];
	load_corpus(&ld, corpus);
	make_sessions(&ld, per);
	ld.target = target > 0 ? target : ld.nmsgs;
	if ((ld.res = calloc(ld.target, sizeof(*ld.res))) == NULL ||
	    (dumpfile != NULL && (ld.dump = calloc(ld.nmsgs,
	    sizeof(*ld.dump))) == NULL))
		abort();
	pthread_mutex_init(&ld.mu, NULL);
	t0 = now();
	ld.deadline = secs > 0 ? t0 + (double)secs : 0;
	for (i = 0; i < conns; i++)
		if (pthread_create(&tid[i], NULL, worker, &ld) != 0) {
			fprintf(stderr, "milterload: pthread_create failed\n");
			exit(2);
		}
	for (i = 0; i < conns; i++)
		pthread_join(tid[i], NULL);
	t0 = now() - t0;
	if (dumpfile != NULL)
		write_dump(&ld, dumpfile);
	nerr = report(&ld, t0, quiet);
	load_free(&ld);
	return nerr > 0 ? 1 : 0;
}
