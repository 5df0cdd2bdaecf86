/*
 * ubquery.c -- libunbound queries in flight: shared, prefetched, awaited
 *
 * SYNOPSIS
 *	#include "ubquery.h"
 *
 * DESCRIPTION
 *	resolver.c's libunbound backend asks through here.  The context runs
 *	in event mode (ub_ctx_create_event()): no thread or process of
 *	libunbound's own, its state machines run on a libevent base that the
 *	lookups themselves drive, so a query's answer is read by a thread
 *	that waits for it, without a trip through libunbound's thread and
 *	its pipe (two more thread switches and a dozen system calls per
 *	query in thread mode, tests/bench/RESULTS.md).
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
 *	The base has one owner at a time (uq->owned, under uq->mu): libunbound
 *	and libevent are not thread-safe, and only the owner calls them.  A
 *	new query is queued (sendq); when nobody owns the base, the thread
 *	that queued it takes the base and sends it at once; when the owner
 *	is blocked in the event loop, an eventfd wakes it to send the queue
 *	(kick).  The owner sends the whole queue before it loops and before
 *	it lets go, so a queued query is never left behind.
 *
 *	Waiting.  The waiting lookups take turns (leader/followers).  The
 *	leader owns the base and runs its loop until its own answer came or
 *	its deadline passed; the callbacks fill the requests and wake their
 *	readers through each request's condition variable, so an answer for
 *	the leader costs no thread switch at all.  Any lookup that leaves
 *	(answered or timed out, leader or follower) while nobody owns the
 *	base wakes the oldest follower to lead (pass_lead).  An answer that
 *	arrives while nobody loops waits in its socket for the next leader.
 *
 *	Deadlines.  Each lookup waits timeout_ms from its own start at most
 *	and then reports DMARC_DNS_TIMEOUT.  Nothing is ub_cancel()ed:
 *	libunbound finishes every query it was given (answer, or SERVFAIL
 *	after its own retries) and its callback drops the last reference.
 *	Each request has a reference count under the mutex (one for the
 *	table, one for the callback, one per reader); the last party to let
 *	go frees it.  Should the event loop fail, every later lookup fails
 *	at once with DMARC_DNS_ERROR.
 *
 * SEE ALSO
 *	libunbound(3), event_base_loop(3), ubanswer.c, resolver.c
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound-event.h>

#include "log.h"
#include "monoclock.h"
#include "ubanswer.h"
#include "ubquery.h"
#include "xmalloc.h"

#define UBQ_BUCKETS	1024		/* table chains (2^n) */
#define RCODE_NOERROR	0
#define RCODE_SERVFAIL	2
#define RCODE_NXDOMAIN	3

struct ubreq {
	struct ubq		*uq;
	char			*name;
	int			 type;
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
	struct ubreq		*snext;		/* sendq */
};

/* A lookup waiting as a follower, on its own stack. */
struct follower {
	struct ubreq		*q;
	struct follower		*prev;
	struct follower		*next;
};

struct ubq {
	struct ub_ctx		*ctx;
	struct event_base	*base;
	struct event		*timer;		/* the leader's deadline */
	struct event		*wake;		/* wakefd readable */
	int			 wakefd;	/* eventfd: the owner, send! */
	unsigned		 timeout_ms;
	pthread_mutex_t		 mu;
	int			 owned;		/* a lookup owns the base */
	int			 looping;	/* the owner is in the loop */
	int			 woken;		/* wakefd written, not read */
	int			 dead;		/* the event loop failed */
	struct ubreq		*sqhead;	/* queued, not yet sent */
	struct ubreq		*sqtail;
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

/* expire - drop table entries older than timeout_ms */
static void
expire(struct ubq *uq, long long now)
{
	struct ubreq *q;

	while ((q = uq->fhead) != NULL && q->started + uq->timeout_ms <= now)
		table_unlink(uq, q);
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

/*
 * callback - libunbound delivers an answer (in the owner's loop, or in
 * ub_resolve_event() itself); rcode is not 0 for SERVFAIL and the like,
 * which come without a packet; a bogus answer (sec 1) counts as SERVFAIL
 */
static void
callback(void *arg, int rcode, void *pkt, int len, int sec, char *why,
    int ratelimited)
{
	struct ubreq *q = arg;
	struct ubq *uq = q->uq;
	struct ub_result *res;
	int err = 0;

	(void)why;
	(void)ratelimited;
	if (rcode != RCODE_NOERROR || sec == 1)
		res = ubanswer_failure(rcode != RCODE_NOERROR ? rcode :
		    RCODE_SERVFAIL);
	else
		res = ubanswer_result(q->name, q->type, pkt,
		    len > 0 ? (size_t)len : 0);
	if (res == NULL) {
		log_debug("resolver: %s: answer not understood", q->name);
		err = UB_SERVFAIL;
	}
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
 * kick - a query was queued (uq->mu held): wake the owner when it is
 * blocked in the loop and not woken yet
 */
static void
kick(struct ubq *uq)
{
	uint64_t one = 1;

	if (!uq->looping || uq->woken)
		return;
	uq->woken = 1;
	if (write(uq->wakefd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_warn("resolver: eventfd");
}

/*
 * req_new - a request for (name, type), in the table and queued to be
 * sent (uq->mu held); it has the table's, the callback's and the
 * caller's references
 */
static struct ubreq *
req_new(struct ubq *uq, const char *name, int type)
{
	struct ubreq *q = xcalloc(1, sizeof(*q));
	struct ubreq **pp = chain(uq, name, type);
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	q->uq = uq;
	q->name = xstrdup(name);
	q->type = type;
	q->refs = 3;
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
	if (uq->sqtail != NULL)
		uq->sqtail->snext = q;
	else
		uq->sqhead = q;
	uq->sqtail = q;
	uq->st.sent++;
	kick(uq);
	return q;
}

/*
 * flush - the owner sends every queued query (uq->mu held, dropped
 * while sending: an answer libunbound has at hand comes back at once,
 * and the callback takes the mutex); a query that cannot be sent is
 * done with an error and leaves the table
 */
static void
flush(struct ubq *uq)
{
	struct ubreq *q;
	int rc;

	while ((q = uq->sqhead) != NULL) {
		if ((uq->sqhead = q->snext) == NULL)
			uq->sqtail = NULL;
		q->snext = NULL;
		q->refs++;		/* ours, while unlocked */
		pthread_mutex_unlock(&uq->mu);
		rc = ub_resolve_event(uq->ctx, q->name, q->type, 1, q,
		    callback, NULL);
		pthread_mutex_lock(&uq->mu);
		if (rc != 0) {
			log_debug("resolver: %s: %s", q->name,
			    ub_strerror(rc));
			q->err = rc;
			q->done = 1;
			q->refs--;	/* no callback will come */
			table_unlink(uq, q);
			pthread_cond_broadcast(&q->cv);
		}
		req_release(q);
	}
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
 * lead - own the base: send the queue and run the loop until q is
 * answered or the deadline passed (uq->mu held, dropped while looping:
 * the callbacks take it); the queue is empty when the base is let go;
 * ubq_lookup then hands the lead on
 */
static int
lead(struct ubq *uq, struct ubreq *q, long long deadline)
{
	struct timeval tv;
	int ms, rc;

	uq->owned = 1;
	for (;;) {
		flush(uq);
		if (q->done || uq->dead || (ms = ms_left(deadline)) == 0)
			break;
		uq->looping = 1;
		pthread_mutex_unlock(&uq->mu);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		rc = evtimer_add(uq->timer, &tv);
		if (rc == 0)
			rc = event_base_loop(uq->base, EVLOOP_ONCE);
		pthread_mutex_lock(&uq->mu);
		uq->looping = 0;
		if (rc == -1) {
			log_warnx("resolver: the event loop failed");
			uq->dead = 1;
		}
	}
	uq->owned = 0;
	return q->done ? 0 : ETIMEDOUT;
}

/*
 * pass_lead - a lookup leaves (uq->mu held): when nobody owns the base,
 * wake the oldest follower to lead.  Every lookup that leaves does this,
 * not only a leader: the follower a leader wakes may be leaving itself
 * (its answer came in the leader's last batch, or its deadline passed),
 * and a wake-up it takes and does not pass on would leave the others
 * waiting, with nobody reading their answers, until a new lookup came
 * or their deadline passed (tests/integration/resolver.sh, -u).
 */
static void
pass_lead(struct ubq *uq)
{
	if (!uq->owned && uq->whead != NULL)
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
		q = req_new(uq, name, type);
	q->readers++;
	while (!q->done && !uq->dead && rc != ETIMEDOUT)
		rc = uq->owned ? follow(uq, q, deadline) :
		    lead(uq, q, deadline);
	q->readers--;
	pass_lead(uq);
	if (q->done) {
		st = map(q->err, q->res);
		*qp = q;
	} else {
		st = uq->dead ? DMARC_DNS_ERROR : DMARC_DNS_TIMEOUT;
		if (q->readers == 0)
			table_unlink(uq, q);
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
		req_release(req_new(uq, name, type));
		uq->st.prefetched++;
		sent = 1;
		if (!uq->owned) {
			uq->owned = 1;
			flush(uq);
			uq->owned = 0;
			pass_lead(uq);
		}
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

/* on_wake - the owner was asked to send the queue: the loop returns */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct ubq *uq = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("resolver: eventfd");
	pthread_mutex_lock(&uq->mu);
	uq->woken = 0;
	pthread_mutex_unlock(&uq->mu);
}

/* on_timer - the leader's deadline: the loop returns */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * ubq_new - the query table, its event base and a libunbound context in
 * event mode on it (set it up through ubq_ctx()); NULL with a message in
 * err
 */
struct ubq *
ubq_new(unsigned timeout_ms, char *err, size_t errlen)
{
	struct ubq *uq = xcalloc(1, sizeof(*uq));
	struct event_config *ec;

	uq->timeout_ms = timeout_ms;
	uq->wakefd = -1;
	pthread_mutex_init(&uq->mu, NULL);
	if ((ec = event_config_new()) != NULL) {
		event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
		uq->base = event_base_new_with_config(ec);
		event_config_free(ec);
	}
	if (uq->base == NULL ||
	    (uq->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (uq->wake = event_new(uq->base, uq->wakefd, EV_READ | EV_PERSIST,
	    on_wake, uq)) == NULL || event_add(uq->wake, NULL) != 0 ||
	    (uq->timer = evtimer_new(uq->base, on_timer, uq)) == NULL) {
		snprintf(err, errlen, "resolver: cannot set up an event base");
		ubq_free(uq);
		return NULL;
	}
	if ((uq->ctx = ub_ctx_create_event(uq->base)) == NULL) {
		snprintf(err, errlen, "ub_ctx_create_event failed");
		ubq_free(uq);
		return NULL;
	}
	return uq;
}

/* ubq_ctx - the libunbound context, to set up before the first query */
struct ub_ctx *
ubq_ctx(struct ubq *uq)
{
	return uq->ctx;
}

/*
 * ubq_free - the context (no callback can come after), every request
 * left, the base; call with no lookup running
 */
void
ubq_free(struct ubq *uq)
{
	if (uq == NULL)
		return;
	if (uq->ctx != NULL)
		ub_ctx_delete(uq->ctx);
	while (uq->live != NULL)
		req_free(uq->live);
	if (uq->timer != NULL)
		event_free(uq->timer);
	if (uq->wake != NULL)
		event_free(uq->wake);
	if (uq->wakefd != -1)
		close(uq->wakefd);
	if (uq->base != NULL)
		event_base_free(uq->base);
	pthread_mutex_destroy(&uq->mu);
	free(uq);
}
