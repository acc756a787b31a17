/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: min_t(). */
#ifndef _RIG_LINUX_MINMAX_H
#define _RIG_LINUX_MINMAX_H

#define min_t(type, x, y) ({			\
	type __x = (x);				\
	type __y = (y);				\
	__x < __y ? __x : __y; })

#endif
