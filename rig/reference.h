/* SPDX-License-Identifier: GPL-2.0 */
/* A plain C ChaCha20, independent of the tree's assembly, for checking it. */
#ifndef _RIG_REFERENCE_H
#define _RIG_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

/* One block of the 16-word input @in (RFC 7539 §2.3) into @out. */
void ref_chacha20_block(const uint32_t in[16], uint8_t out[64]);

/* Like the vDSO block function: zero nonce, 64-bit counter advanced. */
void ref_chacha20_blocks(uint8_t *dst, const uint32_t key[8], uint32_t counter[2],
			 size_t nblocks);

#endif
