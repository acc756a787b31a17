// SPDX-License-Identifier: GPL-2.0
/* The fast key erasure model, on top of the C reference ChaCha20. */

#include <string.h>

#include "model.h"
#include "reference.h"

void model_rekey(struct model *m, const uint8_t key[32])
{
	memcpy(m->key, key, 32);
	m->pos = sizeof(m->batch);
}

void model_fill(struct model *m, uint8_t *out, size_t len)
{
	uint32_t ctr[2] = { 0, 0 };
	uint8_t bk[128];

	for (;;) {
		size_t n = sizeof(m->batch) - m->pos;

		if (n > len)
			n = len;
		memcpy(out, m->batch + m->pos, n);
		m->pos += n;
		out += n;
		len -= n;
		if (!len)
			return;
		ref_chacha20_blocks(out, m->key, ctr, len / 64);
		out += len / 64 * 64;
		len %= 64;
		ref_chacha20_blocks(bk, m->key, ctr, 2);
		memcpy(m->batch, bk, 96);
		memcpy(m->key, bk + 96, 32);
		m->pos = 0;
	}
}
