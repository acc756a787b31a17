/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol between the glibc client and its tracer: the client starts
 * each phase with getppid(MARK_MAGIC, phase, &stop_flag, buffer), which the
 * tracer reads at syscall entry to count getrandom syscalls per phase.
 */
#ifndef GLIBC_PHASES_H
#define GLIBC_PHASES_H

#define MARK_MAGIC	0x6772616e646f6dL	/* "grandom" */
#define RESEED_ROUNDS	3

enum phase {
	PH_START,
	PH_WARMUP,
	PH_GETRANDOM,
	PH_ARC4RANDOM,
	PH_ARC4RANDOM_BUF,
	PH_ARC4RANDOM_UNIFORM,
	PH_GETENTROPY,
	PH_FORK,
	PH_CHILD_FIRST,
	PH_CHILD_MORE,
	PH_THREADS,
	PH_RESEED_SETUP,
	PH_RESEED,			/* RESEED_ROUNDS phases, one per round */
	PH_END = PH_RESEED + RESEED_ROUNDS,
	PH_MAX,
};

#endif
