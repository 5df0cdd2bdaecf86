/*
 * test_rand.c -- rand_below(): range, spread, per-thread streams
 *
 * The pct= roll of every message comes from here; a generator stuck on
 * one value would apply a pct=50 policy to all or none of the mail.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "rand.h"
#include "tests/tap.h"

#define ROLLS	100000
#define FIRST	8

/* worker - the first FIRST rolls of a fresh thread */
static void *
worker(void *arg)
{
	unsigned *v = arg;
	int i;

	for (i = 0; i < FIRST; i++)
		v[i] = rand_below(1000000);
	return NULL;
}

int
main(void)
{
	unsigned count[100], a[FIRST], b[FIRST], r, min = ROLLS, max = 0;
	pthread_t t1, t2;
	int i, inrange = 1, one = 1;

	memset(count, 0, sizeof(count));
	for (i = 0; i < ROLLS; i++) {
		if ((r = rand_below(100)) >= 100)
			inrange = 0;
		else
			count[r]++;
	}
	CHECK(inrange, "rand_below(100) is always 0..99");
	for (i = 0; i < 100; i++) {
		min = count[i] < min ? count[i] : min;
		max = count[i] > max ? count[i] : max;
	}
	/* expected 1,000 each, sd ~31: [700, 1300] is ~10 sd either side */
	CHECK(min >= 700 && max <= 1300, "every value 0..99 about 1%% of "
	    "%d rolls (min %u, max %u)", ROLLS, min, max);
	for (i = 0; i < 1000; i++)
		if (rand_below(1) != 0)
			one = 0;
	CHECK(one, "rand_below(1) is 0");
	CHECK(rand_below(0) == 0, "rand_below(0) is 0, not a division by 0");
	CHECK(pthread_create(&t1, NULL, worker, a) == 0 &&
	    pthread_create(&t2, NULL, worker, b) == 0, "two threads");
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(memcmp(a, b, sizeof(a)) != 0, "two threads get different "
	    "streams (each seeded on its own)");
	return tap_done();
}
