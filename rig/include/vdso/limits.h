/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: INT_MAX and friends. */
#ifndef _RIG_VDSO_LIMITS_H
#define _RIG_VDSO_LIMITS_H

#include <limits.h>

#endif
