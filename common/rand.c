/*
 * rand.c -- per-thread splitmix64 seeded from arc4random (see rand.h)
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "rand.h"

/* rand_below - a number in 0..n-1 (0 when n is 0) */
unsigned
rand_below(unsigned n)
{
	static _Thread_local uint64_t state;
	static _Thread_local int seeded;
	uint64_t z;

	if (n == 0)
		return 0;
	if (!seeded) {
		state = (uint64_t)arc4random() << 32 | arc4random();
		seeded = 1;
	}
	z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (unsigned)((z >> 32) % n);
}
