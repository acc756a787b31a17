/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: the compiler helpers the vDSO code uses. */
#ifndef _RIG_LINUX_COMPILER_H
#define _RIG_LINUX_COMPILER_H

#include <sys/cdefs.h>

#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#endif
