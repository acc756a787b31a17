/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rig shim: only the getrandom part of the vDSO data page. The layout is the
 * one the series puts in include/vdso/datapage.h.
 */
#ifndef _RIG_VDSO_DATAPAGE_H
#define _RIG_VDSO_DATAPAGE_H

#include <linux/types.h>

struct vdso_rng_data {
	u64	generation;
	u8	is_ready;
};

#endif
