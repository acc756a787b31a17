// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a list of operations on one state (calls
 * with lengths, flags and opaque_len; generation bumps; is_ready toggles;
 * wipes; moves to other, possibly misaligned or page-crossing, offsets;
 * syscall failures; mid-call generation bumps and wipes). Before each call
 * the state is read into a model, the outcome is predicted from BRIEF §2,
 * and any difference aborts.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "model.h"
#include "rig.h"

#define PAGE		4096
#define MAX_LEN		4200
#define VALID_FLAGS	(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)

static uint8_t *arena;		/* two pages */
static size_t off;		/* the state's offset in the arena */
static uint8_t out[MAX_LEN + 16], exp_out[MAX_LEN];
static uint64_t generation = 1;
static int ready = 1, fail_armed, in_use_once;
static ssize_t fail_ret;
static enum { HOOK_NONE, HOOK_BUMP, HOOK_WIPE, HOOK_REKEY_BUMP } hook;

#define FAIL(...) do {						\
	fprintf(stderr, "rig fuzz: " __VA_ARGS__);		\
	fprintf(stderr, "\n");					\
	abort();						\
} while (0)

static uint8_t *state(void)
{
	return arena + off;
}

static uint64_t st_gen(void)
{
	uint64_t g;

	memcpy(&g, state() + rig_layout.generation, 8);
	return g;
}

static void bump(void)
{
	if (!++generation)
		generation = 1;
	rig_set_generation(generation);
}

static void chacha_hook(uint8_t *dst, size_t nblocks)
{
	if (hook == HOOK_BUMP)
		bump();
	else if (hook == HOOK_WIPE)
		memset(state(), 0, rig_layout.size);
	else
		return;
	hook = HOOK_NONE;
}

static void syscall_hook(void *buffer, size_t len, unsigned int flags)
{
	if (hook == HOOK_REKEY_BUMP && len == 32 && !flags) {
		bump();
		hook = HOOK_NONE;
	}
}

/* What the syscall returns for a request (with the failure injection). */
static ssize_t sys_ret(size_t len, unsigned int flags, int *failed)
{
	if (fail_armed && !*failed) {
		*failed = 1;
		return fail_ret;
	}
	if (flags & ~VALID_FLAGS || (flags & (GRND_RANDOM | GRND_INSECURE)) ==
	    (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	return len;
}

static void do_call(size_t len, unsigned int flags, size_t opaque_len, int null_buf)
{
	uint8_t *st = state(), *buf = null_buf ? NULL : out;
	size_t size = rig_layout.size;
	unsigned long calls = rig_sys.calls, want_calls;
	int failed = 0, fast = 0, was_hook = hook != HOOK_NONE;
	ssize_t ret, want;
	uint64_t st_gen_before = st_gen(), gen_before = generation;
	struct model m;

	if (in_use_once)
		st[rig_layout.in_use] = 1;
	memset(out, 0xa5, sizeof(out));
	model_load(&m, st);

	if (opaque_len == ~0UL && !buf && !len && !flags) {
		/* The query, with the state as the params to fill in. */
		want = 0;
		want_calls = 0;
	} else if ((off % PAGE) + size > PAGE) {
		want = -EFAULT;
		want_calls = 0;
	} else if (flags & ~VALID_FLAGS ||
		   (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE) ||
		   opaque_len != size || !ready) {
		want = sys_ret(len, flags, &failed);
		want_calls = 1;
	} else if (!len) {
		want = 0;
		want_calls = 0;
	} else if (in_use_once) {
		want = sys_ret(len, flags, &failed);
		want_calls = 1;
	} else {
		fast = 1;
		want = len;
		want_calls = 0;	/* worked out after the call */
	}

	ret = rig_vgetrandom(buf, len, flags, st, opaque_len);

	if (fast) {
		/*
		 * One rekey if the state was stale, one more if a mid-call hook
		 * fired; a failed rekey resets the generation and falls back.
		 */
		unsigned long got = rig_sys.calls - calls;
		int fired = was_hook && hook == HOOK_NONE;

		want_calls = (st_gen_before != gen_before) + fired;
		if (fail_armed && want_calls) {
			if (got != 2 || st_gen() != 0)
				FAIL("rekey failure: %lu syscalls (want 2), state gen %llu",
				     got, (unsigned long long)st_gen());
		} else if (got != want_calls) {
			FAIL("len %zu: %lu syscalls on the fast path, want %lu", len, got,
			     want_calls);
		} else {
			if (got)
				model_rekey(&m, rig_sys.last_key);
			model_fill(&m, exp_out, len);
			if (ret == (ssize_t)len && memcmp(out, exp_out, len))
				FAIL("output of %zu bytes differs from the model", len);
		}
	} else if (rig_sys.calls - calls != want_calls) {
		FAIL("len %zu flags 0x%x opaque_len %zu: %lu syscalls, want %lu", len, flags,
		     opaque_len, rig_sys.calls - calls, want_calls);
	}
	if (ret != want)
		FAIL("len %zu flags 0x%x opaque_len %zu off %zu: returned %zd, want %zd", len,
		     flags, opaque_len, off, ret, want);
	if (!null_buf && out[len] != 0xa5)
		FAIL("wrote past the %zu-byte buffer", len);
	if (want == -EFAULT || (opaque_len == ~0UL && !buf && !len && !flags))
		goto out;
	model_load(&m, st);
	if (m.pos > rig_layout.batch_len)
		FAIL("pos %zu past the batch", m.pos);
	if (st[rig_layout.in_use] != in_use_once)
		FAIL("in_use %u after the call", st[rig_layout.in_use]);
	if (fast && st_gen() && st_gen() != generation)
		FAIL("state generation %llu, kernel %llu", (unsigned long long)st_gen(),
		     (unsigned long long)generation);
out:
	if (in_use_once)
		st[rig_layout.in_use] = 0;
	in_use_once = 0;
	fail_armed = 0;
	rig_sys.fail = 0;
	hook = HOOK_NONE;
}

static void query(void)
{
	uint32_t p[16];

	memset(p, 0xff, sizeof(p));
	if (rig_vgetrandom(NULL, 0, 0, p, ~0UL) || p[0] != rig_layout.size || p[1] != 3 ||
	    p[2] != 0x28 || p[3] || p[15])
		FAIL("query");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ssize_t fails[] = { -EINTR, -EAGAIN, -EFAULT, 16, 0, 31 };
	size_t i = 0, ops = 0;

	if (!arena) {
		arena = aligned_alloc(PAGE, 2 * PAGE);
		if (!arena)
			abort();
	}
	memset(arena, 0, 2 * PAGE);
	off = PAGE - rig_layout.size;
	ready = 1;
	rig_set_ready(1);
	bump();
	rig_sys.hook = syscall_hook;
	rig_chacha_hook = chacha_hook;

	while (i < size && ops++ < 64) {
		uint8_t op = data[i++] % 11;
		uint8_t a = i < size ? data[i++] : 0;
		uint8_t b = i < size ? data[i++] : 0;

		switch (op) {
		case 0: case 1: case 2: {	/* calls are the common case */
			size_t len = ((size_t)a << 8 | b) % (MAX_LEN + 1);
			uint8_t f = i < size ? data[i++] : 0;
			uint8_t l = i < size ? data[i++] : 0;
			unsigned int flags = f & 7;
			size_t olen = rig_layout.size;

			if (f & 0x80)
				flags |= 1u << (3 + f % 29);
			if (l & 0x80)
				olen = l == 0xff ? ~0UL : rig_layout.size + (int8_t)(l << 1) / 2;
			if (op == 2)
				len %= 200;
			do_call(len, flags, olen, !len && (f & 0x40));
			break;
		}
		case 3:
			bump();
			break;
		case 4:
			ready = !ready;
			rig_set_ready(ready);
			break;
		case 5:
			memset(state(), 0, rig_layout.size);
			break;
		case 6:			/* move: any offset, incl. misaligned and crossing */
			off = ((size_t)a << 8 | b) % (2 * PAGE - rig_layout.size);
			memset(arena, 0, 2 * PAGE);
			break;
		case 7:
			fail_armed = 1;
			fail_ret = fails[a % 6];
			rig_sys.fail = 1;
			rig_sys.fail_ret = fail_ret;
			break;
		case 8:
			hook = a % 3 == 0 ? HOOK_BUMP : a % 3 == 1 ? HOOK_WIPE : HOOK_REKEY_BUMP;
			break;
		case 9:
			in_use_once = 1;
			break;
		case 10:
			query();
			break;
		}
	}
	return 0;
}
