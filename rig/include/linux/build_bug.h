/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: compile-time assertions. */
#ifndef _RIG_LINUX_BUILD_BUG_H
#define _RIG_LINUX_BUILD_BUG_H

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON: " #cond)

#endif
