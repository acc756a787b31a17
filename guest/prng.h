/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A seeded, reproducible pseudo-random source for the guest tests that
 * print their seed (mmfuzz, soak): not for anything secret.
 */
#ifndef GUEST_PRNG_H
#define GUEST_PRNG_H

#include <stdint.h>

/* SplitMix64's finalizer: every bit of @x spread over every bit out. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

#endif
