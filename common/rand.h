/*
 * rand.h -- cheap per-thread random numbers for sampling (pct=)
 *
 * SYNOPSIS
 *	unsigned roll = rand_below(100);
 *
 * DESCRIPTION
 *	rand_below(n) returns a number in 0..n-1 (n >= 1) from a splitmix64
 *	generator kept per thread and seeded once per thread from
 *	arc4random(3).  The values are unpredictable to anyone outside the
 *	process but not cryptographic: use arc4random(3) for secrets.
 *
 * WHY
 *	glibc 2.36's arc4random_uniform() makes a getrandom(2) system call
 *	every time; dmarcd rolls for every message, and on a milter the
 *	system calls are most of the cost (tests/bench/RESULTS.md).
 */
#ifndef RAND_H
#define RAND_H

unsigned	rand_below(unsigned n);

#endif
