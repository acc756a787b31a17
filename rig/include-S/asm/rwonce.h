/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rig shim for the assembler only: <asm/alternative.h> reaches
 * <asm/rwonce.h>, which a kernel build generates as this one line.
 */
#include <asm-generic/rwonce.h>
