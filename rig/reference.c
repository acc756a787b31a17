// SPDX-License-Identifier: GPL-2.0
/* ChaCha20 written straight from RFC 7539 §2.1-2.3, one word at a time. */

#include "reference.h"

static uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static void quarter_round(uint32_t x[16], int a, int b, int c, int d)
{
	x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 16);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 12);
	x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 8);
	x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 7);
}

void ref_chacha20_block(const uint32_t in[16], uint8_t out[64])
{
	uint32_t x[16];
	int i;

	for (i = 0; i < 16; i++)
		x[i] = in[i];
	for (i = 0; i < 10; i++) {
		quarter_round(x, 0, 4, 8, 12);
		quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14);
		quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15);
		quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13);
		quarter_round(x, 3, 4, 9, 14);
	}
	for (i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];

		out[4 * i + 0] = v;
		out[4 * i + 1] = v >> 8;
		out[4 * i + 2] = v >> 16;
		out[4 * i + 3] = v >> 24;
	}
}

void ref_chacha20_blocks(uint8_t *dst, const uint32_t key[8], uint32_t counter[2],
			 size_t nblocks)
{
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint64_t ctr = counter[0] | (uint64_t)counter[1] << 32;
	int i;

	for (i = 0; i < 8; i++)
		in[4 + i] = key[i];
	for (; nblocks; nblocks--, dst += 64) {
		in[12] = ctr;
		in[13] = ctr >> 32;
		in[14] = 0;
		in[15] = 0;
		ref_chacha20_block(in, dst);
		ctr++;
	}
	counter[0] = ctr;
	counter[1] = ctr >> 32;
}
