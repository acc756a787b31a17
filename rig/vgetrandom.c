// SPDX-License-Identifier: GPL-2.0
/*
 * The rig's glue: compiles the applied tree's lib/vdso/getrandom.c (found
 * through -idirafter $(TREE)) against the shims in rig/include, and gives it
 * a data page and a getrandom() fallback that the tests control.
 */

/*
 * RIG_CHACHA names the block function to use instead of the entry the C
 * code calls: the rig cannot patch alternatives, so a build per path stands
 * for the vDSO as it is patched on each kind of CPU. Such a build defines
 * only RIG_ENTRY, its vgetrandom(), and shares the rest with the main one.
 */
#ifdef RIG_CHACHA
#define __arch_chacha20_blocks_nostack RIG_CHACHA
#endif

#include <lib/vdso/getrandom.c>

#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rig.h"

#ifdef RIG_ENTRY
ssize_t RIG_ENTRY(void *buffer, size_t len, unsigned int flags, void *opaque_state,
		  size_t opaque_len)
{
	return __cvdso_getrandom(buffer, len, flags, opaque_state, opaque_len);
}
#else
struct vdso_rng_data rig_rng_data = { .generation = 1, .is_ready = 1 };
struct rig_syscalls rig_sys;
void (*rig_chacha_hook)(uint8_t *dst, size_t nblocks);

const struct rig_layout rig_layout = {
	.size		= sizeof(struct vgetrandom_state),
	.batch		= offsetof(struct vgetrandom_state, batch),
	.batch_len	= sizeof(((struct vgetrandom_state *)0)->batch),
	.key		= offsetof(struct vgetrandom_state, key),
	.key_len	= sizeof(((struct vgetrandom_state *)0)->key),
	.generation	= offsetof(struct vgetrandom_state, generation),
	.pos		= offsetof(struct vgetrandom_state, pos),
	.pos_size	= sizeof(((struct vgetrandom_state *)0)->pos),
	.in_use		= offsetof(struct vgetrandom_state, in_use),
	.max_len	= VGETRANDOM_MAX_LEN,
};

ssize_t rig_vgetrandom(void *buffer, size_t len, unsigned int flags,
		       void *opaque_state, size_t opaque_len)
{
	return __cvdso_getrandom(buffer, len, flags, opaque_state, opaque_len);
}

void rig_set_generation(uint64_t generation)
{
	__atomic_store_n(&rig_rng_data.generation, generation, __ATOMIC_RELEASE);
}

uint64_t rig_generation(void)
{
	return __atomic_load_n(&rig_rng_data.generation, __ATOMIC_ACQUIRE);
}

void rig_set_ready(int ready)
{
	__atomic_store_n(&rig_rng_data.is_ready, !!ready, __ATOMIC_RELEASE);
}

ssize_t rig_getrandom_syscall(void *buffer, size_t len, unsigned int flags)
{
	ssize_t ret;

	rig_sys.calls++;
	if (len == 32 && !flags)
		rig_sys.rekeys++;
	rig_sys.last_len = len;
	rig_sys.last_flags = flags;
	if (rig_sys.hook)
		rig_sys.hook(buffer, len, flags);
	if (rig_sys.fail) {
		rig_sys.fail--;
		ret = rig_sys.fail_ret;
	} else {
		ret = syscall(SYS_getrandom, buffer, len, flags);
		if (ret < 0)
			ret = -errno;
	}
	if (len == 32 && !flags && ret == 32)
		memcpy(rig_sys.last_key, buffer, 32);
	rig_sys.last_ret = ret;
	return ret;
}

#ifdef RIG_HOOKS
#undef __arch_chacha20_blocks_nostack
void rig_chacha20_blocks_hooked(u8 *dst_bytes, const u32 *key, u32 *counter,
				size_t nblocks)
{
	__arch_chacha20_blocks_nostack(dst_bytes, key, counter, nblocks);
	if (rig_chacha_hook)
		rig_chacha_hook(dst_bytes, nblocks);
}
#endif
#endif /* !RIG_ENTRY */
