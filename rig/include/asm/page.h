/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: x86-64 base pages. */
#ifndef _RIG_ASM_PAGE_H
#define _RIG_ASM_PAGE_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#endif
