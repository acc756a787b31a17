// SPDX-License-Identifier: GPL-2.0
/* The fast key erasure model, on top of the C reference ChaCha20. */

#include <string.h>

#include "model.h"
#include "reference.h"
#include "rig.h"

void model_load(struct model *m, const uint8_t *st)
{
	uint16_t pos16;

	memcpy(m->key, st + rig_layout.key, 32);
	memcpy(m->batch, st + rig_layout.batch, rig_layout.batch_len);
	if (rig_layout.pos_size == 1) {
		m->pos = st[rig_layout.pos];
	} else {
		memcpy(&pos16, st + rig_layout.pos, 2);
		m->pos = pos16;
	}
}

void model_rekey(struct model *m, const uint8_t key[32])
{
	memcpy(m->key, key, 32);
	m->pos = rig_layout.batch_len;
}

void model_fill(struct model *m, uint8_t *out, size_t len)
{
	uint32_t ctr[2] = { 0, 0 };
	size_t batch_len = rig_layout.batch_len, refill = (batch_len + 32) / 64;
	uint8_t bk[MODEL_MAX_BATCH + 32];

	for (;;) {
		size_t n = batch_len - m->pos;

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
		ref_chacha20_blocks(bk, m->key, ctr, refill);
		memcpy(m->batch, bk, batch_len);
		memcpy(m->key, bk + batch_len, 32);
		m->pos = 0;
	}
}
