/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: unaligned access through a packed one-member struct. */
#ifndef _RIG_ASM_UNALIGNED_H
#define _RIG_ASM_UNALIGNED_H

#define get_unaligned(p) ({						\
	const struct { __typeof__(*(p)) v; } __attribute__((__packed__)) \
		*__pp = (const void *)(p);				\
	__pp->v; })

#define put_unaligned(val, p) do {					\
	struct { __typeof__(*(p)) v; } __attribute__((__packed__))	\
		*__pp = (void *)(p);					\
	__pp->v = (val);						\
} while (0)

#endif
