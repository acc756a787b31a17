/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: PROT_* and MAP_* from libc, plus the series' MAP_DROPPABLE. */
#ifndef _RIG_UAPI_LINUX_MMAN_H
#define _RIG_UAPI_LINUX_MMAN_H

#include <sys/mman.h>

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE	0x08
#endif

#endif
