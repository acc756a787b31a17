/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: ARRAY_SIZE and the errno values. */
#ifndef _RIG_LINUX_KERNEL_H
#define _RIG_LINUX_KERNEL_H

#include <errno.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif
