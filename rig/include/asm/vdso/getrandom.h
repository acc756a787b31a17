/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rig shim for the x86 <asm/vdso/getrandom.h>: the data page is a struct the
 * rig owns, the syscall goes through the rig's counted, failable wrapper, and
 * the block function is the tree's assembly. With RIG_HOOKS, each block
 * function call is followed by a hook the tests use to act mid-call.
 */
#ifndef _RIG_ASM_VDSO_GETRANDOM_H
#define _RIG_ASM_VDSO_GETRANDOM_H

#include <linux/types.h>
#include <vdso/datapage.h>

extern struct vdso_rng_data rig_rng_data;

ssize_t rig_getrandom_syscall(void *buffer, size_t len, unsigned int flags);

static __always_inline ssize_t getrandom_syscall(void *buffer, size_t len, unsigned int flags)
{
	return rig_getrandom_syscall(buffer, len, flags);
}

static __always_inline const struct vdso_rng_data *__arch_get_vdso_rng_data(void)
{
	return &rig_rng_data;
}

void __arch_chacha20_blocks_nostack(u8 *dst_bytes, const u32 *key, u32 *counter,
				    size_t nblocks);

#ifdef RIG_HOOKS
void rig_chacha20_blocks_hooked(u8 *dst_bytes, const u32 *key, u32 *counter,
				size_t nblocks);
#define __arch_chacha20_blocks_nostack rig_chacha20_blocks_hooked
#endif

#endif
