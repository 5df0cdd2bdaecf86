/*
 * rufq.c -- failure reports: rate limit, bounded queue, one worker
 *
 * SYNOPSIS
 *	ruf_start();			(serving: start the worker)
 *	ruf_submit(c, &out);		(milter thread, after the verdict)
 *	ruf_stop(bound_s);		(shutdown: drain, then drop)
 *
 * DESCRIPTION
 *	Why a queue and not a spool directory: failure reports are optional
 *	(RFC 9991: MAY), are never retried, and carry header fields of
 *	other people's mail.  An in-memory queue needs no writable
 *	directory after chroot and privilege drop, no second process and no
 *	cleanup, keeps that data off the disk, and loses at most
 *	FailureReportsQueueSize reports on a crash; a restart drains what it
 *	can within RUF_DRAIN_S seconds and logs what it drops.
 *
 *	ruf_submit() never blocks on the network: per destination it asks
 *	the rate limiter (a mutex-protected table keyed by reported domain,
 *	destination and source IP; FailureReportsRateLimit reports per
 *	FailureReportsRateWindow seconds, 0 meaning no limit), drops the
 *	destinations over the limit, and appends the job to the queue
 *	unless FailureReportsQueueSize jobs wait already (then the report is
 *	dropped with a log line).  Counts of suppressed reports are logged
 *	when their window ends (checked on use and every RUF_PURGE_S
 *	seconds) and at shutdown.  The table holds at most RL_MAX keys;
 *	when it is full of live windows a new key is suppressed and logged.
 *
 *	The worker (all signals blocked, so the main thread keeps getting
 *	them) pops one job at a time and calls ruf_deliver().  Each job pins
 *	the configuration it was made under (cfg_hold), so a reload changes
 *	nothing for reports already queued and the old configuration is
 *	freed when its last report is done.  The limiter and the worker
 *	belong to the process, not to a configuration: a reload neither
 *	resets the limits nor restarts the worker.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarcd.h"
#include "log.h"
#include "ruf.h"
#include "xmalloc.h"

#define RL_BUCKETS	4096
#define RL_MAX		65536
#define RUF_PURGE_S	60

/* One rate-limit key: "domain to dest from ip". */
struct rl {
	struct rl	*next;
	time_t		 start;
	long		 window;
	unsigned long	 count, suppressed;
	char		 key[];
};

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 work, gone;
	struct ruf_job	*head, *tail;
	size_t		 n;
	int		 running, stopping, exited;
	pthread_t	 tid;
	struct rl	*rl[RL_BUCKETS];
	size_t		 nrl;
	time_t		 last_purge;
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.gone = PTHREAD_COND_INITIALIZER,
};

/* rl_hash - FNV-1a of the key */
static size_t
rl_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % RL_BUCKETS;
}

/* rl_report - log how many reports a window suppressed */
static void
rl_report(const struct rl *e)
{
	if (e->suppressed > 0)
		log_info("failure reports suppressed by the rate limit: %lu "
		    "for %s within %ld s", e->suppressed, e->key, e->window);
}

/* rl_purge - drop ended windows (all when all), logging their counts */
static void
rl_purge(time_t now, int all)
{
	struct rl **pp, *e;
	size_t b;

	for (b = 0; b < RL_BUCKETS; b++)
		for (pp = &q.rl[b]; (e = *pp) != NULL;) {
			if (!all && now - e->start < e->window) {
				pp = &e->next;
				continue;
			}
			rl_report(e);
			*pp = e->next;
			free(e);
			q.nrl--;
		}
	q.last_purge = now;
}

/* rl_find - the entry of key, created when missing; NULL when full */
static struct rl *
rl_find(const char *key, time_t now)
{
	size_t b = rl_hash(key), len;
	struct rl *e;

	for (e = q.rl[b]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	if (q.nrl >= RL_MAX)
		rl_purge(now, 0);
	if (q.nrl >= RL_MAX)
		return NULL;
	len = strlen(key) + 1;
	e = xcalloc(1, sizeof(*e) + len);
	memcpy(e->key, key, len);
	e->start = now;
	e->next = q.rl[b];
	q.rl[b] = e;
	q.nrl++;
	return e;
}

/* rl_allow - one more report for key within limit per window? (locked) */
static int
rl_allow(const char *key, long limit, long window, time_t now)
{
	struct rl *e;

	if ((e = rl_find(key, now)) == NULL) {
		log_warnx("failure report for %s suppressed: rate-limit table "
		    "full (%d keys in live windows)", key, RL_MAX);
		return 0;
	}
	if (now - e->start >= e->window) {
		rl_report(e);
		e->start = now;
		e->count = e->suppressed = 0;
	}
	e->window = window;
	if (limit > 0 && e->count >= (unsigned long)limit) {
		e->suppressed++;
		log_debug("failure report for %s suppressed (%lu so far)",
		    e->key, e->suppressed);
		return 0;
	}
	e->count++;
	return 1;
}

/* rl_filter - keep the addresses of v the limiter allows (locked) */
static void
rl_filter(const struct dmarcd_cfg *c, const struct ruf_job *j, char **v,
    size_t *n, time_t now)
{
	long limit = conf_int(c->conf, C_FAILUREREPORTSRATELIMIT);
	long window = conf_int(c->conf, C_FAILUREREPORTSRATEWINDOW);
	char key[1024];
	size_t i, k = 0;

	for (i = 0; i < *n; i++) {
		snprintf(key, sizeof(key), "%s to %s from %s",
		    j->reported_domain, v[i], j->source_ip[0] != '\0' ?
		    j->source_ip : "unknown");
		if (rl_allow(key, limit, window, now))
			v[k++] = v[i];
		else
			free(v[i]);
	}
	*n = k;
}

/* delivery - Delivery-Result word for an action (RFC 6591) */
static const char *
delivery(enum out_action a)
{
	switch (a) {
	case OUT_CONTINUE:
	case OUT_ACCEPT:	return "delivered";
	case OUT_QUARANTINE:	return "policy";
	case OUT_REJECT:	return "reject";
	default:		return "other";
	}
}

/* enqueue - append j or drop it (locked) */
static void
enqueue(struct dmarcd_cfg *c, struct ruf_job *j)
{
	size_t max = (size_t)conf_int(c->conf, C_FAILUREREPORTSQUEUESIZE);

	if (!q.running || q.stopping || q.n >= max) {
		log_warnx("failure report for %s (%s) dropped: %s",
		    j->reported_domain, j->envid != NULL ? j->envid : "-",
		    q.running && !q.stopping ? "queue full" :
		    "report worker not running");
		ruf_job_free(j);
		return;
	}
	j->cfg = cfg_hold(c);
	if (q.tail != NULL)
		q.tail->next = j;
	else
		q.head = j;
	q.tail = j;
	q.n++;
	pthread_cond_signal(&q.work);
}

/* ruf_submit - rate-limit and queue the reports of out (milter thread) */
void
ruf_submit(struct dmarcd_cfg *c, struct outcome *out)
{
	struct ruf_job *j, *next;
	time_t now = time(NULL);

	j = out->ruf;
	out->ruf = NULL;
	pthread_mutex_lock(&q.lock);
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->delivery_result = delivery(out->action);
		rl_filter(c, j, j->dest, &j->ndest, now);
		rl_filter(c, j, j->bcc, &j->nbcc, now);
		if (j->ndest == 0 && j->nbcc == 0)
			ruf_job_free(j);
		else
			enqueue(c, j);
	}
	pthread_mutex_unlock(&q.lock);
}

/* pop - the first job, or NULL (locked) */
static struct ruf_job *
pop(void)
{
	struct ruf_job *j = q.head;

	if (j != NULL) {
		if ((q.head = j->next) == NULL)
			q.tail = NULL;
		j->next = NULL;
		q.n--;
	}
	return j;
}

/* finish_job - free a job and unpin its configuration */
static void
finish_job(struct ruf_job *j)
{
	struct dmarcd_cfg *c = j->cfg;

	ruf_job_free(j);
	cfg_release(c);
}

/* idle_wait - sleep until work, stop or the next purge (locked) */
static void
idle_wait(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += RUF_PURGE_S;
	if (pthread_cond_timedwait(&q.work, &q.lock, &ts) == ETIMEDOUT)
		rl_purge(time(NULL), 0);
}

/* worker - deliver jobs until stopped and the queue is empty */
static void *
worker(void *arg)
{
	struct ruf_job *j;

	(void)arg;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		while (q.head == NULL && !q.stopping)
			idle_wait();
		if ((j = pop()) == NULL)
			break;
		if (time(NULL) - q.last_purge >= RUF_PURGE_S)
			rl_purge(time(NULL), 0);
		pthread_mutex_unlock(&q.lock);
		ruf_deliver(j);
		finish_job(j);
		pthread_mutex_lock(&q.lock);
	}
	q.exited = 1;
	pthread_cond_broadcast(&q.gone);
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

/* ruf_start - start the worker with every signal blocked */
void
ruf_start(void)
{
	sigset_t all, old;

	pthread_mutex_lock(&q.lock);
	if (q.running) {
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.stopping = q.exited = 0;
	q.last_purge = time(NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&q.tid, NULL, worker, NULL) != 0)
		fatal("failure-report worker: pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	q.running = 1;
	pthread_mutex_unlock(&q.lock);
}

/* ruf_stop - see ruf.h: drain for bound_s seconds, then drop the rest */
void
ruf_stop(int bound_s)
{
	struct timespec ts;
	size_t dropped = 0;
	int done;

	pthread_mutex_lock(&q.lock);
	if (!q.running) {
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.stopping = 1;
	pthread_cond_broadcast(&q.work);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += bound_s;
	while (!q.exited &&
	    pthread_cond_timedwait(&q.gone, &q.lock, &ts) != ETIMEDOUT)
		;
	if (!(done = q.exited)) {
		struct ruf_job *j;

		while ((j = pop()) != NULL) {
			finish_job(j);
			dropped++;
		}
		log_warnx("failure-report worker still busy after %d s: %zu "
		    "queued report%s dropped", bound_s, dropped,
		    dropped == 1 ? "" : "s");
	}
	rl_purge(time(NULL), 1);
	q.running = 0;
	pthread_mutex_unlock(&q.lock);
	if (done)
		pthread_join(q.tid, NULL);
	else
		pthread_detach(q.tid);
}

/* ruf_testmode - dmarcd -t: verify and print the reports of out */
void
ruf_testmode(const struct dmarcd_cfg *c, struct outcome *out, int full)
{
	struct ruf_job *j;
	char *msg;
	size_t i, len;

	for (j = out->ruf; j != NULL; j = j->next) {
		j->cfg = (struct dmarcd_cfg *)c;
		j->delivery_result = delivery(out->action);
		free(j->uniq);
		j->uniq = xstrdup("dmarcd-test");
		ruf_verify(j);
		j->spf_dns = ruf_spf_dns(j);
		printf("failure-report: %s auth-failure=%s to=",
		    j->reported_domain, j->auth_failure);
		for (i = 0; i < j->ndest; i++)
			printf("%s%s", i > 0 ? "," : "", j->dest[i]);
		printf("%s bcc=", j->ndest == 0 ? "-" : "");
		for (i = 0; i < j->nbcc; i++)
			printf("%s%s", i > 0 ? "," : "", j->bcc[i]);
		printf("%s\n", j->nbcc == 0 ? "-" : "");
		if (!full || (j->ndest == 0 && j->nbcc == 0))
			continue;
		msg = ruf_message(j, !c->ruf->use_smtp, &len);
		printf("--- failure report ---\n%s--- end of failure report "
		    "---\n", msg);
		free(msg);
	}
}
