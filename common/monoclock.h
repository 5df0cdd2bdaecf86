/*
 * monoclock.h -- the monotonic clock in milliseconds
 *
 * SYNOPSIS
 *	#include "monoclock.h"
 *	long long t = mono_ms();
 *
 * DESCRIPTION
 *	CLOCK_MONOTONIC as milliseconds, for deadlines and TTLs that must not
 *	move with the wall clock.  One definition for the resolver's answer
 *	cache (resolver.c) and its query table (ubquery.c).
 */
#ifndef MONOCLOCK_H
#define MONOCLOCK_H

#include <time.h>

static inline long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
