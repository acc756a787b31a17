/* SPDX-License-Identifier: GPL-2.0 */
/* Rig shim: the ChaCha sizes. */
#ifndef _RIG_CRYPTO_CHACHA_H
#define _RIG_CRYPTO_CHACHA_H

#define CHACHA_KEY_SIZE		32
#define CHACHA_BLOCK_SIZE	64

#endif
