/*
 * ubquery.c -- libunbound queries in flight: shared, prefetched, awaited
 *
 * SYNOPSIS
 *	#include "ubquery.h"
 *
 * DESCRIPTION
 *	resolver.c's libunbound backend asks through here.  The context runs
 *	in thread mode (ub_ctx_async(ctx, 1)): libunbound resolves in its
 *	own thread and hands answers back through a pipe (ub_fd()).
 *
 *	Queries in flight.  Every query sent stays in a table, by name and
 *	type, for timeout_ms, answered or not (an answer no longer than its
 *	TTL): a lookup between resolver.c's miss in its answer table and
 *	this one finds the answer here although another thread has just
 *	taken it into that table.  A
 *	lookup of a name already in flight waits for that query instead of
 *	sending its own ("joined"): several messages from one domain share
 *	one query, and ubq_prefetch() sends a query early (dmarcd does so
 *	when the From field arrives) so that the lookup made at the end of
 *	the message finds the answer there or on its way.
 *
 *	Waiting.  There is no dispatcher thread: the waiting lookups take
 *	turns (leader/followers).  One of them, the leader, poll()s the
 *	pipe until its own deadline and drains it with ub_process(), which
 *	runs the callbacks: an answer for the leader itself costs no thread
 *	switch of ours, an answer for another lookup wakes that one through
 *	its request's condition variable.  Any lookup that leaves (answered
 *	or timed out, leader or follower) while nobody leads wakes the
 *	oldest follower to lead (pass_lead).  With a
 *	dispatcher every cold lookup cost two more thread switches, the
 *	dearest thing dmarcd does per message in a virtual machine
 *	(tests/bench/RESULTS.md).  An answer whose only reader went away
 *	waits in the pipe for the next leader.
 *
 *	Deadlines.  Each lookup waits timeout_ms from its own start at most
 *	and then reports DMARC_DNS_TIMEOUT.  The last lookup to give up on a
 *	query, or the table when it drops an unanswered one, calls
 *	ub_cancel().  Callback and cancel can race, so each request has a
 *	reference count under the mutex (one for the table, one for the
 *	callback, one per reader): ub_cancel() returning UB_NOERROR proves
 *	the callback will never run (libunbound drops the callback of a
 *	cancelled query under its own lock), UB_NOID means it ran or is
 *	about to, and the last party to let go frees the request.  Should
 *	libunbound's thread be gone (UB_PIPE), every later lookup fails at
 *	once with DMARC_DNS_ERROR.
 *
 * SEE ALSO
 *	libunbound(3), resolver.c
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "monoclock.h"
#include "ubquery.h"
#include "xmalloc.h"

#define UBQ_BUCKETS	1024		/* table chains (2^n) */
#define UBQ_CANCELS	16		/* aged queries cancelled per call */
#define RCODE_NOERROR	0
#define RCODE_NXDOMAIN	3

struct ubreq {
	struct ubq		*uq;
	char			*name;
	int			 type;
	int			 id;		/* libunbound's, once sent */
	int			 sent;
	int			 cancelled;
	int			 refs;		/* all fields under uq->mu */
	int			 readers;	/* lookups waiting or reading */
	int			 intable;
	int			 done;		/* callback delivered */
	int			 err;
	struct ub_result	*res;
	long long		 started;	/* monotonic ms */
	long long		 stale;		/* answered: no longer valid */
	pthread_cond_t		 cv;
	struct ubreq		*hnext;		/* table chain */
	struct ubreq		*fprev;		/* table, oldest first */
	struct ubreq		*fnext;
	struct ubreq		*lprev;		/* every live request */
	struct ubreq		*lnext;
};

/* A lookup waiting as a follower, on its own stack. */
struct follower {
	struct ubreq		*q;
	struct follower		*prev;
	struct follower		*next;
};

struct ubq {
	struct ub_ctx		*ctx;
	unsigned		 timeout_ms;
	pthread_mutex_t		 mu;
	int			 leading;	/* a lookup polls ub_fd() */
	int			 dead;		/* libunbound's thread is gone */
	struct follower		*whead;		/* followers, oldest first */
	struct follower		*wtail;
	struct ubreq		*bucket[UBQ_BUCKETS];
	struct ubreq		*fhead;		/* table, oldest first */
	struct ubreq		*ftail;
	struct ubreq		*live;		/* for ubq_free */
	struct ubq_stats	 st;
};

/* chain - the table chain of (name, type) */
static struct ubreq **
chain(struct ubq *uq, const char *name, int type)
{
	unsigned h = 2166136261u ^ (unsigned)type;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return &uq->bucket[h & (UBQ_BUCKETS - 1)];
}

/* req_free - the last reference is gone (uq->mu held) */
static void
req_free(struct ubreq *q)
{
	struct ubq *uq = q->uq;

	if (q->lprev != NULL)
		q->lprev->lnext = q->lnext;
	else
		uq->live = q->lnext;
	if (q->lnext != NULL)
		q->lnext->lprev = q->lprev;
	if (q->res != NULL)
		ub_resolve_free(q->res);
	pthread_cond_destroy(&q->cv);
	free(q->name);
	free(q);
}

/* req_release - drop one reference (uq->mu held) */
static void
req_release(struct ubreq *q)
{
	if (--q->refs == 0)
		req_free(q);
}

/* table_unlink - take q out of the table, dropping its reference */
static void
table_unlink(struct ubq *uq, struct ubreq *q)
{
	struct ubreq **pp = chain(uq, q->name, q->type);

	if (!q->intable)
		return;
	while (*pp != q)
		pp = &(*pp)->hnext;
	*pp = q->hnext;
	if (q->fprev != NULL)
		q->fprev->fnext = q->fnext;
	else
		uq->fhead = q->fnext;
	if (q->fnext != NULL)
		q->fnext->fprev = q->fprev;
	else
		uq->ftail = q->fprev;
	q->intable = 0;
	req_release(q);
}

/*
 * cancel - ub_cancel() an unanswered query nobody reads any more; called
 * and returns with uq->mu held, dropped meanwhile (the callback may be
 * waiting for it); q is held by the caller
 */
static void
cancel(struct ubq *uq, struct ubreq *q)
{
	int gone;

	if (!q->sent || q->done || q->cancelled || q->readers > 0)
		return;
	q->cancelled = 1;
	pthread_mutex_unlock(&uq->mu);
	gone = ub_cancel(uq->ctx, q->id) == UB_NOERROR;
	pthread_mutex_lock(&uq->mu);
	if (gone)
		req_release(q);		/* the callback's reference */
}

/* expire - drop table entries older than timeout_ms, cancelling them */
static void
expire(struct ubq *uq, long long now)
{
	struct ubreq *v[UBQ_CANCELS], *q;
	int i, n = 0;

	while ((q = uq->fhead) != NULL &&
	    q->started + uq->timeout_ms <= now && n < UBQ_CANCELS) {
		q->refs++;
		v[n++] = q;
		table_unlink(uq, q);
	}
	for (i = 0; i < n; i++) {
		cancel(uq, v[i]);
		req_release(v[i]);
	}
}

/*
 * table_find - the query for (name, type) in flight or answered within
 * timeout_ms and its TTL, or NULL
 */
static struct ubreq *
table_find(struct ubq *uq, const char *name, int type)
{
	long long now = mono_ms();
	struct ubreq *q;

	expire(uq, now);
	for (q = *chain(uq, name, type); q != NULL; q = q->hnext)
		if (q->type == type && strcmp(q->name, name) == 0)
			break;
	if (q != NULL && q->done && q->stale <= now) {
		table_unlink(uq, q);
		q = NULL;
	}
	return q;
}

/* callback - libunbound delivers an answer (in the leader's ub_process) */
static void
callback(void *arg, int err, struct ub_result *res)
{
	struct ubreq *q = arg;
	struct ubq *uq = q->uq;

	pthread_mutex_lock(&uq->mu);
	q->err = err;
	q->res = res;
	q->done = 1;
	q->stale = mono_ms() + (res != NULL && res->ttl > 0 ?
	    1000LL * res->ttl : 0);
	pthread_cond_broadcast(&q->cv);
	req_release(q);
	pthread_mutex_unlock(&uq->mu);
}

/*
 * req_start - send a query for (name, type) and enter it in the table
 * (uq->mu held, dropped while sending); the request has the table's, the
 * callback's and the caller's references; done with an error (and out of
 * the table) when it could not be sent
 */
static struct ubreq *
req_start(struct ubq *uq, const char *name, int type)
{
	struct ubreq *q = xcalloc(1, sizeof(*q));
	struct ubreq **pp = chain(uq, name, type);
	pthread_condattr_t ca;
	int id, rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	q->uq = uq;
	q->name = xstrdup(name);
	q->type = type;
	q->refs = 2;
	q->started = mono_ms();
	q->intable = 1;
	q->hnext = *pp;
	*pp = q;
	q->fprev = uq->ftail;
	if (uq->ftail != NULL)
		uq->ftail->fnext = q;
	else
		uq->fhead = q;
	uq->ftail = q;
	q->lnext = uq->live;
	if (uq->live != NULL)
		uq->live->lprev = q;
	uq->live = q;
	uq->st.sent++;
	q->refs++;			/* ours, while unlocked */
	pthread_mutex_unlock(&uq->mu);
	rc = ub_resolve_async(uq->ctx, name, type, 1, q, callback, &id);
	pthread_mutex_lock(&uq->mu);
	if (rc != 0) {
		log_debug("resolver: %s: %s", name, ub_strerror(rc));
		q->err = rc;
		q->done = 1;
		q->refs--;		/* no callback will come */
		table_unlink(uq, q);
		pthread_cond_broadcast(&q->cv);
	} else {
		q->id = id;
		q->sent = 1;
	}
	return q;
}

/* ms_left - milliseconds until the deadline (at least 1 before it), 0 after */
static int
ms_left(long long deadline)
{
	long long ms = deadline - mono_ms();

	if (ms <= 0)
		return 0;
	return ms > 60000 ? 60000 : (int)ms;
}

/* to_ts - a monotonic deadline in ms as a timespec */
static void
to_ts(long long ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

/* follow - wait as a follower (uq->mu held): answered, lead or deadline */
static int
follow(struct ubq *uq, struct ubreq *q, long long deadline)
{
	struct follower f = { q, uq->wtail, NULL };
	struct timespec ts;
	int rc;

	if (uq->wtail != NULL)
		uq->wtail->next = &f;
	else
		uq->whead = &f;
	uq->wtail = &f;
	to_ts(deadline, &ts);
	rc = pthread_cond_timedwait(&q->cv, &uq->mu, &ts);
	if (f.prev != NULL)
		f.prev->next = f.next;
	else
		uq->whead = f.next;
	if (f.next != NULL)
		f.next->prev = f.prev;
	else
		uq->wtail = f.prev;
	return rc;
}

/*
 * lead - poll libunbound's pipe and run its callbacks until q is
 * answered or the deadline passed (uq->mu held, dropped while polling:
 * the callbacks take it); ubq_lookup then hands the lead on
 */
static int
lead(struct ubq *uq, struct ubreq *q, long long deadline)
{
	struct pollfd pfd;
	int ms, n, rc;

	uq->leading = 1;
	pfd.fd = ub_fd(uq->ctx);
	while (!q->done && !uq->dead && (ms = ms_left(deadline)) > 0) {
		pthread_mutex_unlock(&uq->mu);
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms);
		if (n == -1 && errno != EINTR)
			log_warn("resolver: poll");
		rc = n > 0 ? ub_process(uq->ctx) : 0;
		pthread_mutex_lock(&uq->mu);
		if (rc != 0) {
			log_warnx("resolver: ub_process: %s", ub_strerror(rc));
			if (rc == UB_PIPE)
				uq->dead = 1;
		}
	}
	uq->leading = 0;
	return q->done ? 0 : ETIMEDOUT;
}

/*
 * pass_lead - a lookup leaves (uq->mu held): when nobody leads, wake
 * the oldest follower to lead.  Every lookup that leaves does this, not
 * only a leader: the follower a leader wakes may be leaving itself (its
 * answer came in the leader's last batch, or its deadline passed), and
 * a wake-up it takes and does not pass on would leave the others
 * waiting, with nobody reading their answers, until a new lookup came
 * or their deadline passed (tests/integration/resolver.sh, -u).
 */
static void
pass_lead(struct ubq *uq)
{
	if (!uq->leading && uq->whead != NULL)
		pthread_cond_signal(&uq->whead->q->cv);
}

/* map - libunbound's outcome to ours */
static enum dmarc_dns
map(int err, const struct ub_result *res)
{
	if (err == UB_SERVFAIL)
		return DMARC_DNS_SERVFAIL;
	if (err != 0 || res == NULL)
		return DMARC_DNS_ERROR;
	if (res->havedata)
		return DMARC_DNS_DATA;
	if (res->rcode == RCODE_NXDOMAIN || res->nxdomain)
		return DMARC_DNS_NXDOMAIN;
	if (res->rcode == RCODE_NOERROR)
		return DMARC_DNS_NODATA;
	return DMARC_DNS_SERVFAIL;
}

/*
 * ubq_lookup - the answer for (name, type), from a query in flight or a
 * new one, within timeout_ms; on DATA, NODATA, NXDOMAIN and SERVFAIL
 * *qp holds the request (ubq_result(), then ubq_release()), else NULL
 */
enum dmarc_dns
ubq_lookup(struct ubq *uq, const char *name, int type, struct ubreq **qp)
{
	long long deadline = mono_ms() + uq->timeout_ms;
	struct ubreq *q;
	enum dmarc_dns st;
	int rc = 0;

	*qp = NULL;
	pthread_mutex_lock(&uq->mu);
	if (uq->dead) {
		pthread_mutex_unlock(&uq->mu);
		return DMARC_DNS_ERROR;
	}
	if ((q = table_find(uq, name, type)) != NULL) {
		uq->st.joined++;
		q->refs++;
	} else
		q = req_start(uq, name, type);
	q->readers++;
	while (!q->done && !uq->dead && rc != ETIMEDOUT)
		rc = uq->leading ? follow(uq, q, deadline) :
		    lead(uq, q, deadline);
	q->readers--;
	pass_lead(uq);
	if (q->done) {
		st = map(q->err, q->res);
		*qp = q;
	} else {
		st = uq->dead ? DMARC_DNS_ERROR : DMARC_DNS_TIMEOUT;
		if (q->readers == 0) {
			table_unlink(uq, q);
			cancel(uq, q);
		}
		req_release(q);
	}
	pthread_mutex_unlock(&uq->mu);
	return st;
}

/* ubq_result - the answer of a request ubq_lookup() returned */
const struct ub_result *
ubq_result(const struct ubreq *q)
{
	return q->res;
}

/* ubq_release - done with the request ubq_lookup() returned */
void
ubq_release(struct ubq *uq, struct ubreq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&uq->mu);
	req_release(q);
	pthread_mutex_unlock(&uq->mu);
}

/* ubq_prefetch - send a query for (name, type) unless one is in flight */
int
ubq_prefetch(struct ubq *uq, const char *name, int type)
{
	int sent = 0;

	pthread_mutex_lock(&uq->mu);
	if (!uq->dead && table_find(uq, name, type) == NULL) {
		req_release(req_start(uq, name, type));
		uq->st.prefetched++;
		sent = 1;
	}
	pthread_mutex_unlock(&uq->mu);
	return sent;
}

/* ubq_stats - a consistent copy of the counters */
void
ubq_stats(struct ubq *uq, struct ubq_stats *st)
{
	pthread_mutex_lock(&uq->mu);
	*st = uq->st;
	pthread_mutex_unlock(&uq->mu);
}

/* ubq_new - the query table over a context in thread mode */
struct ubq *
ubq_new(struct ub_ctx *ctx, unsigned timeout_ms)
{
	struct ubq *uq = xcalloc(1, sizeof(*uq));

	uq->ctx = ctx;
	uq->timeout_ms = timeout_ms;
	pthread_mutex_init(&uq->mu, NULL);
	return uq;
}

/*
 * ubq_free - every request left; call after ub_ctx_delete() (no callback
 * can come any more) with no lookup running
 */
void
ubq_free(struct ubq *uq)
{
	if (uq == NULL)
		return;
	while (uq->live != NULL)
		req_free(uq->live);
	pthread_mutex_destroy(&uq->mu);
	free(uq);
}
