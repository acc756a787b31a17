/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An independent model of the output BRIEF §2 item 8 asks for: ChaCha20
 * fast key erasure with a batch and a 32-byte key refilled together. The
 * batch length is the tree's (rig_layout.batch_len): the key and the batch
 * are the whole blocks of one refill.
 */
#ifndef _RIG_MODEL_H
#define _RIG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_BATCH	4096

struct model {
	uint32_t key[8];
	uint8_t batch[MODEL_MAX_BATCH];
	size_t pos;		/* first unused byte of batch */
};

/* Reads the state's key, batch and position into @m. */
void model_load(struct model *m, const uint8_t *state);

/* A new key: the batch made with the old one is not used. */
void model_rekey(struct model *m, const uint8_t key[32]);

/* Writes what the state would hand out for a request of @len bytes. */
void model_fill(struct model *m, uint8_t *out, size_t len);

#endif
