/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rig's interface: the series' vgetrandom compiled into userspace, its
 * fake vDSO data page, and the counted getrandom() fallback. Programs using
 * it need no kernel header: the state layout is exported as offsets.
 */
#ifndef _RIG_H
#define _RIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The series' vgetrandom() with the rig's data page. */
ssize_t rig_vgetrandom(void *buffer, size_t len, unsigned int flags,
		       void *opaque_state, size_t opaque_len);

/*
 * The series' vgetrandom() built with each path of the block function, as
 * the vDSO is once patched on a CPU with AVX2 and as it is without (the
 * main one above calls the unpatched entry, which is the SSE2 x3 code).
 */
ssize_t rig_vgetrandom_avx2x6(void *buffer, size_t len, unsigned int flags,
			      void *opaque_state, size_t opaque_len);
ssize_t rig_vgetrandom_sse2x1(void *buffer, size_t len, unsigned int flags,
			      void *opaque_state, size_t opaque_len);

/*
 * The tree's assembly block function: the dispatching entry, which the rig
 * cannot patch (so it runs the SSE2 x3 code), and each path on its own.
 */
typedef void rig_chacha_fn(uint8_t *dst_bytes, const uint32_t *key, uint32_t *counter,
			   size_t nblocks);
rig_chacha_fn __arch_chacha20_blocks_nostack;
rig_chacha_fn __chacha20_blocks_nostack_sse2x1;
rig_chacha_fn __chacha20_blocks_nostack_sse2x3;
rig_chacha_fn __chacha20_blocks_nostack_avx2x6;

/* struct vgetrandom_state, as offsets and sizes (from the tree's header). */
struct rig_layout {
	size_t size;
	size_t batch, batch_len;
	size_t key, key_len;
	size_t generation;
	size_t pos, pos_size;
	size_t in_use;
	size_t max_len;		/* the request cap the code applies */
};
extern const struct rig_layout rig_layout;

/* The fake data page. */
void rig_set_generation(uint64_t generation);
uint64_t rig_generation(void);
void rig_set_ready(int ready);

/*
 * The fallback syscall. Every call is counted and recorded; @fail makes the
 * next calls return @fail_ret instead of entering the kernel; @hook, if set,
 * runs before each call (it may bump the generation, wipe a state, ...).
 */
struct rig_syscalls {
	volatile unsigned long calls;		/* all calls */
	volatile unsigned long rekeys;		/* 32 bytes, flags 0 */
	volatile size_t last_len;
	volatile unsigned int last_flags;
	volatile ssize_t last_ret;
	uint8_t last_key[32];			/* the bytes of the last rekey */
	volatile unsigned long fail;		/* fail this many next calls */
	ssize_t fail_ret;			/* with this return (-errno) */
	void (*hook)(void *buffer, size_t len, unsigned int flags);
};
extern struct rig_syscalls rig_sys;

/* Called after each block function call (builds with RIG_HOOKS only). */
extern void (*rig_chacha_hook)(uint8_t *dst, size_t nblocks);

#endif
