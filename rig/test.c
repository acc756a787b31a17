// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the series' vDSO getrandom code, compiled into the rig: the
 * ChaCha20 assembly against a C reference and OpenSSL, and vgetrandom()
 * against the rules of BRIEF §2 and a model of the fast key erasure output.
 * KTAP output; exit 1 if any check failed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "model.h"
#include "reference.h"
#include "rig.h"

#define MAP_DROPPABLE_VALUE	0x08
#define PAGE			4096UL
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static int n_tests, n_fail, n_skip;

static int check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", cond ? "" : "not ", ++n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		n_fail++;
	return cond;
}

static void skip(const char *name, const char *why)
{
	printf("ok %d %s # SKIP %s\n", ++n_tests, name, why);
	n_skip++;
}

static void rnd(void *p, size_t len)
{
	if (getrandom(p, len, 0) != (ssize_t)len)
		abort();
}

static int is_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return 0;
	return 1;
}

/* ---- ChaCha20 block function ---- */

static const uint8_t rfc_2_3_2[64] = {
	0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
	0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
	0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
	0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
};

/* RFC 7539 A.1: zero nonce, so the vDSO block function can make them. */
static const struct {
	uint8_t key[32];
	uint32_t counter;
	uint8_t out[64];
} rfc_a1[] = {
	{ { 0 }, 0, {
	0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28,
	0xbd, 0xd2, 0x19, 0xb8, 0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36, 0xef, 0xcc, 0x8b, 0x77, 0x0d, 0xc7,
	0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48, 0x8d, 0x77, 0x24, 0xe0, 0x3f, 0xb8, 0xd8, 0x4a, 0x37,
	0x6a, 0x43, 0xb8, 0xf4, 0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69, 0xb2, 0xee, 0x65, 0x86 } },
	{ { 0 }, 1, {
	0x9f, 0x07, 0xe7, 0xbe, 0x55, 0x51, 0x38, 0x7a, 0x98, 0xba, 0x97, 0x7c, 0x73, 0x2d, 0x08, 0x0d,
	0xcb, 0x0f, 0x29, 0xa0, 0x48, 0xe3, 0x65, 0x69, 0x12, 0xc6, 0x53, 0x3e, 0x32, 0xee, 0x7a, 0xed,
	0x29, 0xb7, 0x21, 0x76, 0x9c, 0xe6, 0x4e, 0x43, 0xd5, 0x71, 0x33, 0xb0, 0x74, 0xd8, 0x39, 0xd5,
	0x31, 0xed, 0x1f, 0x28, 0x51, 0x0a, 0xfb, 0x45, 0xac, 0xe1, 0x0a, 0x1f, 0x4b, 0x79, 0x4d, 0x6f } },
	{ { [31] = 1 }, 1, {
	0x3a, 0xeb, 0x52, 0x24, 0xec, 0xf8, 0x49, 0x92, 0x9b, 0x9d, 0x82, 0x8d, 0xb1, 0xce, 0xd4, 0xdd,
	0x83, 0x20, 0x25, 0xe8, 0x01, 0x8b, 0x81, 0x60, 0xb8, 0x22, 0x84, 0xf3, 0xc9, 0x49, 0xaa, 0x5a,
	0x8e, 0xca, 0x00, 0xbb, 0xb4, 0xa7, 0x3b, 0xda, 0xd1, 0x92, 0xb5, 0xc4, 0x2f, 0x73, 0xf2, 0xfd,
	0x4e, 0x27, 0x36, 0x44, 0xc8, 0xb3, 0x61, 0x25, 0xa6, 0x4a, 0xdd, 0xeb, 0x00, 0x6c, 0x13, 0xa0 } },
	{ { [1] = 0xff }, 2, {
	0x72, 0xd5, 0x4d, 0xfb, 0xf1, 0x2e, 0xc4, 0x4b, 0x36, 0x26, 0x92, 0xdf, 0x94, 0x13, 0x7f, 0x32,
	0x8f, 0xea, 0x8d, 0xa7, 0x39, 0x90, 0x26, 0x5e, 0xc1, 0xbb, 0xbe, 0xa1, 0xae, 0x9a, 0xf0, 0xca,
	0x13, 0xb2, 0x5a, 0xa2, 0x6c, 0xb4, 0xa6, 0x48, 0xcb, 0x9b, 0x9d, 0x1b, 0xe6, 0x5b, 0x2c, 0x09,
	0x24, 0xa6, 0x6c, 0x54, 0xd5, 0x45, 0xec, 0x1b, 0x73, 0x74, 0xf4, 0x87, 0x2e, 0x99, 0xf0, 0x96 } },
};

static void test_rfc_vectors(void)
{
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint8_t out[64 + 1];
	uint32_t key[8], ctr[2];
	int i, ref_ok = 1, asm_ok = 1;

	/* §2.3.2: key 00..1f, counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00. */
	for (i = 0; i < 8; i++)
		in[4 + i] = 0x03020100 + 0x04040404 * i;
	in[12] = 1;
	in[13] = 0x09000000;
	in[14] = 0x4a000000;
	in[15] = 0;
	ref_chacha20_block(in, out);
	check(!memcmp(out, rfc_2_3_2, 64), "chacha: reference matches RFC 7539 2.3.2");

	for (i = 0; i < (int)(sizeof(rfc_a1) / sizeof(rfc_a1[0])); i++) {
		memcpy(key, rfc_a1[i].key, 32);
		ctr[0] = rfc_a1[i].counter;
		ctr[1] = 0;
		ref_chacha20_blocks(out, key, ctr, 1);
		ref_ok &= !memcmp(out, rfc_a1[i].out, 64);
		ctr[0] = rfc_a1[i].counter;
		out[64] = 0xa5;
		__arch_chacha20_blocks_nostack(out, key, ctr, 1);
		asm_ok &= !memcmp(out, rfc_a1[i].out, 64) && out[64] == 0xa5 &&
			  ctr[0] == rfc_a1[i].counter + 1 && ctr[1] == 0;
	}
	check(ref_ok, "chacha: reference matches RFC 7539 A.1 vectors 1-4");
	check(asm_ok, "chacha: assembly matches RFC 7539 A.1 vectors 1-4");
}

/* Random keys, counters (incl. both carries) and lengths vs the reference. */
static void test_asm_vs_reference(void)
{
	static const uint64_t starts[] = { 0, 1, 0xffffff82, 0xffffffff, 0x1fffffffe,
					   0xfffffffffffffff0ULL };
	size_t max = 300, n;
	uint8_t *a = malloc(max * 64 + 64), *r = malloc(max * 64 + 64);
	uint32_t key[8], ca[2], cr[2];
	int i, ok = 1, carry_ok = 1, split_ok = 1, zero_ok;

	for (i = 0; i < 400; i++) {
		uint64_t c0;
		size_t off;

		rnd(key, sizeof(key));
		rnd(&c0, sizeof(c0));
		if (i < (int)(sizeof(starts) / sizeof(starts[0])) * 8)
			c0 = starts[i / 8] + i % 8;
		n = 1 + (i * 37) % max;
		off = i % 7;	/* unaligned destinations */
		ca[0] = cr[0] = c0;
		ca[1] = cr[1] = c0 >> 32;
		memset(a, 0x5a, max * 64 + 64);
		ref_chacha20_blocks(r, key, cr, n);
		__arch_chacha20_blocks_nostack(a + off, key, ca, n);
		if (memcmp(a + off, r, n * 64) || ca[0] != cr[0] || ca[1] != cr[1] ||
		    a[off + n * 64] != 0x5a || (off && a[off - 1] != 0x5a)) {
			ok = 0;
			if ((uint32_t)c0 + n < (uint32_t)c0)
				carry_ok = 0;
		}
	}
	check(ok, "chacha: assembly = reference, 400 random keys/counters/lengths, unaligned dst");

	/* The upstream selftest's case: counter 0xffffff82 low, 0 high, carry inside. */
	rnd(key, sizeof(key));
	ca[0] = cr[0] = 0xffffff82;
	ca[1] = cr[1] = 0;
	ref_chacha20_blocks(r, key, cr, 256);
	__arch_chacha20_blocks_nostack(a, key, ca, 256);
	check(carry_ok && !memcmp(a, r, 256 * 64) && ca[0] == 0x82 && ca[1] == 1,
	      "chacha: 32-bit counter carry into the high word");

	/* Many calls of a few blocks = one call of all of them. */
	ca[0] = cr[0] = 0xfffffff0;
	ca[1] = cr[1] = 0;
	ref_chacha20_blocks(r, key, cr, max);
	for (n = 0; n < max; ) {
		size_t k = 1 + n % 5;

		if (k > max - n)
			k = max - n;
		__arch_chacha20_blocks_nostack(a + n * 64, key, ca, k);
		n += k;
	}
	split_ok = !memcmp(a, r, max * 64) && ca[0] == cr[0] && ca[1] == cr[1];
	check(split_ok, "chacha: output split over many calls = one call");

	memset(a, 0x5a, 64);
	ca[0] = 7;
	ca[1] = 9;
	__arch_chacha20_blocks_nostack(a, key, ca, 0);
	zero_ok = a[0] == 0x5a && is_zero(a, 0) && ca[0] == 7 && ca[1] == 9;
	check(zero_ok, "chacha: zero blocks writes nothing, counter unchanged");
	free(a);
	free(r);
}

/* OpenSSL's IV is the 32-bit counter and 96-bit nonce; it carries into word 13. */
static void test_asm_vs_openssl(void)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t max = 200;
	uint8_t *a = malloc(max * 64), *o = malloc(max * 64), *z = calloc(max, 64);
	uint8_t iv[16];
	uint32_t key[8], ctr[2];
	int i, len, ok = 1, carry = 0;

	for (i = 0; i < 300 && ctx; i++) {
		size_t n = 1 + (i * 13) % max;

		rnd(key, sizeof(key));
		rnd(ctr, sizeof(ctr));
		if (i % 3 == 0)
			ctr[0] = 0xffffffff - i % 64;	/* carry inside the run */
		if ((uint32_t)(ctr[0] + n) < ctr[0])
			carry++;
		memset(iv, 0, sizeof(iv));
		memcpy(iv, ctr, 8);
		if (!EVP_EncryptInit_ex(ctx, EVP_chacha20(), NULL, (uint8_t *)key, iv) ||
		    !EVP_EncryptUpdate(ctx, o, &len, z, n * 64) || len != (int)(n * 64)) {
			ok = 0;
			break;
		}
		__arch_chacha20_blocks_nostack(a, key, ctr, n);
		ok &= !memcmp(a, o, n * 64);
	}
	check(ctx && ok && carry > 50,
	      "chacha: assembly = OpenSSL EVP_chacha20, 300 random runs (%d across the 32-bit carry)",
	      carry);
	EVP_CIPHER_CTX_free(ctx);
	free(a);
	free(o);
	free(z);
}

/* ---- vgetrandom ---- */

static void model_rekey_last(struct model *m)
{
	model_rekey(m, rig_sys.last_key);
}

static uint8_t *page_alloc(void)
{
	uint8_t *p = aligned_alloc(PAGE, PAGE);

	if (!p)
		abort();
	memset(p, 0, PAGE);
	return p;
}

/* A zeroed state at the end of a page, so ASan sees reads past it. */
static uint8_t *state_alloc(uint8_t **page)
{
	*page = page_alloc();
	return *page + PAGE - rig_layout.size;
}

#define ST_GEN(s)	(*(volatile uint64_t *)((s) + rig_layout.generation))
#define ST_POS(s)	st_pos(s)
#define ST_IN_USE(s)	(*(volatile uint8_t *)((s) + rig_layout.in_use))
#define ST_KEY(s)	((s) + rig_layout.key)

static unsigned int st_pos(const uint8_t *s)
{
	if (rig_layout.pos_size == 1)
		return *(volatile const uint8_t *)(s + rig_layout.pos);
	return *(volatile const uint16_t *)(s + rig_layout.pos);
}

static ssize_t vgr(uint8_t *state, void *buf, size_t len, unsigned int flags)
{
	return rig_vgetrandom(buf, len, flags, state, rig_layout.size);
}

static void reset_sys(void)
{
	rig_sys.calls = rig_sys.rekeys = 0;
	rig_sys.fail = 0;
	rig_sys.hook = NULL;
	rig_chacha_hook = NULL;
}

static void test_params(void)
{
	/*
	 * Aligned so that, taken as a state, it does not cross a page: that
	 * is -EFAULT before anything else, and a stack slot may be anywhere.
	 */
	static struct {
		uint32_t size, prot, flags, reserved[13];
	} p __attribute__((aligned(256)));
	ssize_t ret;

	reset_sys();
	memset(&p, 0xff, sizeof(p));
	ret = rig_vgetrandom(NULL, 0, 0, &p, ~0UL);
	check(ret == 0 && p.size == rig_layout.size && p.prot == (PROT_READ | PROT_WRITE) &&
	      p.flags == (MAP_DROPPABLE_VALUE | MAP_ANONYMOUS) &&
	      is_zero(p.reserved, sizeof(p.reserved)) && rig_sys.calls == 0,
	      "params: query returns 0, size %u, prot 0x%x, flags 0x%x, reserved zero, no syscall",
	      p.size, p.prot, p.flags);
	/* glibc 2.41 rounds each state up to a cache line and packs them in pages. */
	check(rig_layout.size <= 448 && rig_layout.size % 8 == 0,
	      "params: state size %zu is small and a multiple of 8 (%lu to a page as glibc packs them)",
	      rig_layout.size, PAGE / ((rig_layout.size + 63) / 64 * 64));

	memset(&p, 0xff, sizeof(p));
	ret = rig_vgetrandom(NULL, 0, GRND_NONBLOCK, &p, ~0UL);
	check(ret == 0 && p.size == 0xffffffff && rig_sys.calls == 1,
	      "params: with flags set it is not a query (syscall, params untouched)");
}

static const size_t lens[] = { 1, 7, 8, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128,
			       129, 200, 255, 256, 1000, 4096, 4097, 65536, 65537,
			       1 << 20, 3, 5, 100 };

static void test_steady_state(void)
{
	size_t big = 1 << 20;
	uint8_t *page, *st = state_alloc(&page);
	uint8_t *out = malloc(big + 1), *exp = malloc(big);
	struct model m;
	unsigned int i;
	int ok = 1, first;
	ssize_t ret;

	reset_sys();
	ret = vgr(st, out, 16, 0);
	first = ret == 16 && rig_sys.calls == 1 && rig_sys.rekeys == 1 &&
		rig_sys.last_len == 32 && rig_sys.last_flags == 0;
	model_rekey_last(&m);
	model_fill(&m, exp, 16);
	check(first && !memcmp(out, exp, 16) && ST_GEN(st) == rig_generation(),
	      "vgetrandom: fresh state rekeys with one 32-byte syscall; output is right");

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		out[lens[i]] = 0xa5;
		ret = vgr(st, out, lens[i], 0);
		model_fill(&m, exp, lens[i]);
		ok &= ret == (ssize_t)lens[i] && !memcmp(out, exp, lens[i]) &&
		      out[lens[i]] == 0xa5 && ST_IN_USE(st) == 0;
	}
	check(ok && rig_sys.calls == 1,
	      "vgetrandom: steady state, 1 B to 1 MiB: no syscall, output = fast key erasure model");

	rig_set_generation(rig_generation() + 1);
	ret = vgr(st, out, 100, 0);
	model_rekey_last(&m);
	model_fill(&m, exp, 100);
	check(ret == 100 && rig_sys.calls == 2 && rig_sys.rekeys == 2 && !memcmp(out, exp, 100),
	      "vgetrandom: generation bump rekeys with one syscall; output is right");

	memset(st, 0, rig_layout.size);
	ret = vgr(st, out, 300, 0);
	model_rekey_last(&m);
	model_fill(&m, exp, 300);
	check(ret == 300 && rig_sys.calls == 3 && !memcmp(out, exp, 300),
	      "vgetrandom: state zeroed between calls rekeys once; output is right");
	ret = vgr(st, out, 50, 0);
	model_fill(&m, exp, 50);
	check(ret == 50 && rig_sys.calls == 3 && !memcmp(out, exp, 50),
	      "vgetrandom: ... and then makes no syscall");
	free(page);
	free(out);
	free(exp);
}

static void test_not_ready(void)
{
	uint8_t *page, *st = state_alloc(&page);
	uint8_t buf[64];
	ssize_t ret;

	reset_sys();
	vgr(st, buf, 8, 0);
	rig_set_ready(0);
	ret = vgr(st, buf, 16, GRND_NONBLOCK);
	check(ret == 16 && rig_sys.calls == 2 && rig_sys.last_len == 16 &&
	      rig_sys.last_flags == GRND_NONBLOCK,
	      "not ready: falls back to the syscall with the caller's length and flags");
	ret = vgr(st, buf, 0, GRND_INSECURE);
	check(ret == 0 && rig_sys.calls == 3 && rig_sys.last_flags == GRND_INSECURE,
	      "not ready: len 0 is also the syscall's call");
	rig_sys.fail = 1;
	rig_sys.fail_ret = -EAGAIN;
	ret = vgr(st, buf, 16, GRND_NONBLOCK);
	check(ret == -EAGAIN, "not ready: the syscall's -EAGAIN is returned");
	rig_set_ready(1);
	ret = vgr(st, buf, 16, 0);
	check(ret == 16 && rig_sys.calls == 4, "not ready: once ready, the fast path again");
	free(page);
}

static void test_bad_inputs(void)
{
	uint8_t *page = page_alloc(), *st;
	uint8_t buf[64], exp[64];
	size_t off, size = rig_layout.size;
	int ok = 1;
	ssize_t ret;

	reset_sys();
	for (off = PAGE - size + 1; off < PAGE; off++) {
		memset(buf, 0x5a, sizeof(buf));
		ret = rig_vgetrandom(buf, 32, 0, page + off, size);
		ok &= ret == -EFAULT && buf[0] == 0x5a && is_zero(page, PAGE);
	}
	check(ok && rig_sys.calls == 0,
	      "bad input: each state crossing a page boundary gives -EFAULT, no syscall");
	st = page + PAGE - size;
	check(vgr(st, buf, 32, 0) == 32 && rig_sys.calls == 1,
	      "bad input: a state ending exactly at the page end is fine");

	reset_sys();
	ret = vgr(st, buf, 16, 0x8);
	check(ret == -EINVAL && rig_sys.calls == 1 && rig_sys.last_flags == 0x8,
	      "bad input: unknown flag 0x8 goes to the syscall: -EINVAL");
	ret = vgr(st, buf, 16, 0x80000000 | GRND_NONBLOCK);
	check(ret == -EINVAL && rig_sys.calls == 2, "bad input: flag 0x80000000 gives -EINVAL");
	ret = vgr(st, buf, 16, GRND_RANDOM | GRND_INSECURE);
	check(ret == -EINVAL, "bad input: GRND_RANDOM|GRND_INSECURE gives -EINVAL like the syscall");
	reset_sys();
	ret = vgr(st, buf, 16, GRND_NONBLOCK | GRND_RANDOM);
	ret += vgr(st, buf, 16, GRND_NONBLOCK | GRND_INSECURE);
	check(ret == 32 && rig_sys.calls == 0,
	      "bad input: NONBLOCK|RANDOM and NONBLOCK|INSECURE stay on the fast path");

	reset_sys();
	ret = rig_vgetrandom(buf, 20, GRND_INSECURE, st, size - 1);
	ok = ret == 20 && rig_sys.calls == 1 && rig_sys.last_len == 20 &&
	     rig_sys.last_flags == GRND_INSECURE;
	ret = rig_vgetrandom(buf, 20, 0, st, size + 1);
	ok &= ret == 20 && rig_sys.calls == 2;
	ret = rig_vgetrandom(buf, 20, 0, st, 0);
	ok &= ret == 20 && rig_sys.calls == 3;
	ret = rig_vgetrandom(buf, 20, 0, st, ~0UL);
	check(ok && ret == 20 && rig_sys.calls == 4,
	      "bad input: opaque_len size-1, size+1, 0, ~0 fall back to the syscall");

	reset_sys();
	memset(buf, 0x5a, sizeof(buf));
	ret = vgr(st, buf, 0, 0);
	check(ret == 0 && rig_sys.calls == 0 && buf[0] == 0x5a, "bad input: len 0 returns 0");

	/* in_use set: a signal handler re-entering falls back. */
	memcpy(exp, ST_KEY(st), 32);
	ST_IN_USE(st) = 1;
	ret = vgr(st, buf, 10, GRND_INSECURE);
	check(ret == 10 && rig_sys.calls == 1 && rig_sys.last_len == 10 &&
	      rig_sys.last_flags == GRND_INSECURE && ST_IN_USE(st) == 1 &&
	      !memcmp(exp, ST_KEY(st), 32),
	      "in_use: falls back to the syscall (caller's len, flags), state untouched");
	ST_IN_USE(st) = 0;
	free(page);
}

/* len above MAX_RW_COUNT: a 2 GiB window of one small memfd mapped over and over. */
static void test_cap(void)
{
	size_t cap = rig_layout.max_len, chunk = 1 << 24, i;
	uint8_t *page, *st = state_alloc(&page);
	uint8_t *win;
	int fd;
	ssize_t ret;

	if (getenv("RIG_NO_BIG")) {
		skip("cap: len > MAX_RW_COUNT", "RIG_NO_BIG set");
		free(page);
		return;
	}
	check(cap == 0x7ffff000, "cap: VGETRANDOM_MAX_LEN is 0x7ffff000 (MAX_RW_COUNT)");
	fd = memfd_create("rig-cap", 0);
	win = mmap(NULL, cap + PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (fd < 0 || ftruncate(fd, chunk) || win == MAP_FAILED) {
		skip("cap: len > MAX_RW_COUNT", "no memfd or 2 GiB of address space");
		free(page);
		return;
	}
	for (i = 0; i < cap; i += chunk) {
		size_t n = cap - i < chunk ? cap - i : chunk;

		if (mmap(win + i, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    MAP_FAILED)
			abort();
	}
	/* win + cap is PROT_NONE: writing one byte more faults. */
	reset_sys();
	vgr(st, win, 1, 0);
	ret = vgr(st, win, cap + 1, 0);
	check(ret == (ssize_t)cap && rig_sys.calls == 1,
	      "cap: len 0x7ffff001 returns 0x7ffff000 and writes no further");
	ret = vgr(st, win, ~0UL, 0);
	check(ret == (ssize_t)cap && rig_sys.calls == 1, "cap: len SIZE_MAX returns 0x7ffff000");
	munmap(win, cap + PAGE);
	close(fd);
	free(page);
}

static void test_rekey_failure(void)
{
	uint8_t *page, *st = state_alloc(&page);
	uint8_t buf[100];
	ssize_t ret;

	reset_sys();
	rig_sys.fail = 1;
	rig_sys.fail_ret = -EINTR;
	ret = vgr(st, buf, 40, GRND_NONBLOCK);
	check(ret == 40 && rig_sys.calls == 2 && rig_sys.last_len == 40 &&
	      rig_sys.last_flags == GRND_NONBLOCK && ST_GEN(st) == 0 && ST_IN_USE(st) == 0,
	      "rekey failure: generation reset to 0, falls back with the caller's len and flags");
	ret = vgr(st, buf, 40, 0);
	check(ret == 40 && rig_sys.calls == 3 && rig_sys.rekeys == 2 &&
	      ST_GEN(st) == rig_generation(), "rekey failure: the next call rekeys");

	rig_set_generation(rig_generation() + 1);
	rig_sys.fail = 1;
	rig_sys.fail_ret = 16;	/* a short read */
	ret = vgr(st, buf, 40, 0);
	check(ret == 40 && rig_sys.calls == 5 && ST_GEN(st) == 0,
	      "rekey failure: a short key read also resets and falls back");
	free(page);
}

static void test_two_states(void)
{
	uint8_t *p1, *p2, *s1 = state_alloc(&p1), *s2 = state_alloc(&p2);
	uint8_t a[64], b[64];

	reset_sys();
	check(vgr(s1, a, 64, 0) == 64 && vgr(s2, b, 64, 0) == 64 && memcmp(a, b, 64) &&
	      memcmp(ST_KEY(s1), ST_KEY(s2), 32) && rig_sys.rekeys == 2,
	      "two states: each keyed on its own, outputs differ");
	free(p1);
	free(p2);
}

static int bumps;

static void bump_hook(void *buffer, size_t len, unsigned int flags)
{
	(void)buffer;
	(void)flags;
	if (len == 32 && bumps) {
		bumps--;
		rig_set_generation(rig_generation() + 1);
	}
}

static void bump_chacha(uint8_t *dst, size_t nblocks)
{
	(void)dst;
	(void)nblocks;
	if (bumps) {
		bumps--;
		rig_set_generation(rig_generation() + 1);
	}
}

static uint8_t *wipe_target;

static void wipe_chacha(uint8_t *dst, size_t nblocks)
{
	(void)dst;
	(void)nblocks;
	if (wipe_target) {
		memset(wipe_target, 0, rig_layout.size);
		wipe_target = NULL;
	}
}

/* A fresh state keyed by a 1-byte call, and the model following it. */
static void start_keyed(uint8_t *st, struct model *m, uint8_t *out, uint8_t *exp)
{
	reset_sys();
	memset(st, 0, rig_layout.size);
	vgr(st, out, 1, 0);
	model_rekey_last(m);
	model_fill(m, exp, 1);
}

static void test_generation_moves(void)
{
	uint8_t *page, *st = state_alloc(&page);
	uint8_t out[1000], exp[1000];
	struct model m;
	ssize_t ret;

	reset_sys();
	rig_sys.hook = bump_hook;
	bumps = 1;
	ret = vgr(st, out, 1000, 0);
	model_rekey_last(&m);
	model_fill(&m, exp, 1000);
	check(ret == 1000 && rig_sys.rekeys == 2 && rig_sys.calls == 2 &&
	      !memcmp(out, exp, 1000) && ST_GEN(st) == rig_generation(),
	      "generation moves during the rekey: regenerated once with a new key");

	reset_sys();
	rig_set_generation(rig_generation() + 1);
	rig_sys.hook = bump_hook;
	bumps = 100;
	ret = vgr(st, out, 1000, GRND_INSECURE);
	check(ret == 1000 && rig_sys.rekeys == 2 && rig_sys.calls == 3 &&
	      rig_sys.last_len == 1000 && rig_sys.last_flags == GRND_INSECURE,
	      "generation moves twice: falls back to the syscall for the whole request");
	bumps = 0;

	start_keyed(st, &m, out, exp);
	rig_chacha_hook = bump_chacha;
	bumps = 1;
	ret = vgr(st, out, 1000, 0);
	model_rekey_last(&m);
	model_fill(&m, exp, 1000);
	check(ret == 1000 && rig_sys.calls == 2 && !memcmp(out, exp, 1000),
	      "generation moves mid-output (no syscall): rekeyed, output all from the new key");

	start_keyed(st, &m, out, exp);
	rig_chacha_hook = wipe_chacha;
	wipe_target = st;
	ret = vgr(st, out, 1000, 0);
	model_rekey_last(&m);
	model_fill(&m, exp, 1000);
	check(ret == 1000 && rig_sys.calls == 2 && !memcmp(out, exp, 1000) &&
	      ST_GEN(st) == rig_generation(),
	      "state zeroed mid-output: rekeyed, output all from the new key");
	rig_chacha_hook = NULL;
	free(page);
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
	return memmem(hay, n, needle, k) != NULL;
}

static void test_forward_secrecy(void)
{
	uint8_t *page, *st = state_alloc(&page);
	uint8_t key[32], out[MODEL_MAX_BATCH + 300], batch[MODEL_MAX_BATCH];
	size_t pos, i, len = rig_layout.batch_len + 200;
	int ok;

	/* More than the batch holds: blocks are made, so the key must change. */
	reset_sys();
	vgr(st, out, 10, 0);
	memcpy(key, ST_KEY(st), 32);
	vgr(st, out, len, 0);
	ok = !contains(st, rig_layout.size, key, 8) && !contains(st, rig_layout.size, key + 24, 8);
	for (i = 0; i + 8 <= len; i += 8)
		ok &= !contains(st, rig_layout.size, out + i, 8);
	check(ok, "forward secrecy: the key that made the output and the output are gone");

	pos = ST_POS(st);
	memcpy(batch, st + rig_layout.batch, rig_layout.batch_len);
	memcpy(key, ST_KEY(st), 32);
	vgr(st, out, 20, 0);
	check(pos + 20 <= rig_layout.batch_len && !memcmp(out, batch + pos, 20) &&
	      is_zero(st + rig_layout.batch + pos, 20) && ST_POS(st) == pos + 20 &&
	      !memcmp(key, ST_KEY(st), 32),
	      "forward secrecy: batch bytes handed out are wiped (pos %zu -> %u)", pos,
	      ST_POS(st));
	free(page);
}

static int shares_window(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len)
{
	size_t i;

	for (i = 0; i + 8 <= a_len; i++)
		if (contains(b, b_len, a + i, 8))
			return 1;
	return 0;
}

/*
 * The selftest's view of fast key erasure, with the layout known: after each
 * call of 1 B to 4 KiB (twice, to meet other batch positions), no 8 bytes of
 * its output are in the state, and a call that made blocks left no 8 bytes
 * of the key it started with.
 */
static void test_erasure_lengths(void)
{
	static const size_t elens[] = { 1, 7, 31, 32, 33, 63, 64, 65, 95, 96, 97, 200, 512,
					4096, 4097, 300, 400, 700, 1000 };
	size_t n = ARRAY_SIZE(elens), i, len, pos;
	unsigned char *page, *st = state_alloc(&page);
	unsigned char *out = malloc(4097), key[32];
	int ok = 1, blocks = 0;

	reset_sys();
	vgr(st, out, 1, 0);
	for (i = 0; i < 2 * n && ok; i++) {
		len = elens[i % n];
		pos = ST_POS(st);
		memcpy(key, ST_KEY(st), 32);
		ok = vgr(st, out, len, 0) == (ssize_t)len &&
		     !shares_window(st, rig_layout.size, out, len);
		if (ok && len > rig_layout.batch_len - pos) {
			blocks++;
			ok = !shares_window(key, 32, st, rig_layout.size);
		}
		if (!ok)
			printf("# len %zu from batch pos %zu: output or old key in the state\n",
			       len, pos);
	}
	check(ok && rig_sys.calls == 1 && blocks > 10,
	      "forward secrecy: %zu calls of 1 B to 4 KiB: no output in the state, a new key in each of the %d that made blocks",
	      2 * n, blocks);
	free(out);
	free(page);
}

/*
 * A signal handler re-entering with the state in the middle of a call, made
 * deterministic: the call's first block function call makes one 48-byte call
 * on the same state. Without the in_use guard it works with the key and
 * batch the outer call is still using and hands out the outer call's bytes.
 */
static unsigned char *reenter_state;
static unsigned char reenter_out[48];
static ssize_t reenter_ret;

static void reenter_chacha(unsigned char *dst, size_t nblocks)
{
	unsigned char *st = reenter_state;

	(void)dst;
	(void)nblocks;
	if (!st)
		return;
	reenter_state = NULL;
	reenter_ret = rig_vgetrandom(reenter_out, sizeof(reenter_out), 0, st, rig_layout.size);
}

static void test_reentry_outputs(void)
{
	static const size_t rlens[] = { 600, 1000, 4096 };
	size_t n = ARRAY_SIZE(rlens), i;
	unsigned char *page, *st = state_alloc(&page);
	unsigned char out[4096], exp[4096];
	unsigned int repeated = 0;
	struct model m;
	int ok = 1;
	ssize_t ret;

	for (i = 0; i < n; i++) {
		start_keyed(st, &m, out, exp);
		reenter_state = st;
		reenter_ret = 0;
		rig_chacha_hook = reenter_chacha;
		ret = vgr(st, out, rlens[i], 0);
		rig_chacha_hook = NULL;
		ok &= ret == (ssize_t)rlens[i] && !reenter_state && reenter_ret == 48;
		repeated += shares_window(reenter_out, 48, out, rlens[i]);
	}
	check(ok && !repeated,
	      "re-entry: a call on the same state from inside a call shares no 8 bytes with its output (%u of %zu did)",
	      repeated, n);
	free(page);
}

/* SIGALRM at a high rate zeroing the state (as reclaim may) during large calls. */
static uint8_t *volatile sig_state;
static volatile unsigned long sig_count;
static volatile size_t sig_reenter;

static void on_alarm(int sig)
{
	uint8_t buf[96];
	uint8_t *st = sig_state;

	(void)sig;
	if (!st)
		return;
	memset(st, 0, rig_layout.size);
	sig_count++;
	if (sig_reenter)
		rig_vgetrandom(buf, sig_reenter, 0, st, rig_layout.size);
}

static void set_timer(long usec)
{
	struct itimerval it = { { 0, usec }, { 0, usec } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* No run of 16 zero bytes: chance about 2^-128 per position for real output. */
static int has_zero_run(const uint8_t *p, size_t n)
{
	size_t run = 0;

	for (; n; n--, p++) {
		run = *p ? 0 : run + 1;
		if (run >= 16)
			return 1;
	}
	return 0;
}

static void signal_run(const char *what, size_t reenter, size_t len, int calls, long usec)
{
	unsigned long short_reads = 0;
	uint8_t *page, *st = state_alloc(&page);
	uint8_t *out = malloc(len);
	int i, ok = 1, pos_ok = 1;
	ssize_t ret;

	reset_sys();
	signal(SIGALRM, on_alarm);
	sig_count = 0;
	sig_reenter = reenter;
	sig_state = st;
	set_timer(usec);
	for (i = 0; i < calls; i++) {
		size_t n = len - i % 97;
		unsigned long before = rig_sys.calls;

		ret = vgr(st, out, n, 0);
		/* The fallback syscall itself returns short when a signal comes. */
		if (ret > 0 && ret < (ssize_t)n && rig_sys.last_len == n &&
		    rig_sys.last_ret == ret) {
			short_reads++;
			n = ret;
		}
		if (ok && (ret != (ssize_t)n || has_zero_run(out, n))) {
			printf("# call %d: len %zu returned %zd, %lu syscalls, last len %zu ret %zd%s\n",
			       i, n, ret, rig_sys.calls - before, rig_sys.last_len,
			       rig_sys.last_ret, has_zero_run(out, n) ? ", zero run" : "");
			ok = 0;
		}
		if (ST_POS(st) > rig_layout.batch_len) {
			/* The next call would read and wipe past the state: stop. */
			set_timer(0);
			printf("# call %d: state pos %u after the call, past the %zu-byte batch\n",
			       i, ST_POS(st), rig_layout.batch_len);
			pos_ok = 0;
			break;
		}
	}
	set_timer(0);
	sig_state = NULL;
	if (!pos_ok)
		memset(st, 0, rig_layout.size);
	check(ok && pos_ok && sig_count > 0,
	      "signal %s: %d calls, %lu signals, %lu syscalls (%lu short fallback reads): right lengths, no zeroed output%s",
	      what, calls, sig_count, rig_sys.calls, short_reads,
	      pos_ok ? "" : ", BUT pos went past the batch");
	ret = vgr(st, out, 100, 0);
	i = rig_sys.calls;
	ret += vgr(st, out, 100, 0);
	check(ret == 200 && rig_sys.calls == (unsigned long)i && ST_IN_USE(st) == 0,
	      "signal %s: afterwards the state works, no syscall", what);
	free(out);
	free(page);
}

static void test_signals(void)
{
	signal_run("zeroing the state", 0, 65536, 3000, 100);
	signal_run("zeroing the state, small calls", 0, 200, 150000, 50);
	signal_run("zeroing the state then re-entering with it", 50, 200, 150000, 50);
}

/* ---- each path of the block function ---- */

struct path {
	const char *name;
	rig_chacha_fn *fn;
	int avx2;		/* needs AVX2 */
	int vec_used;		/* vector registers 0 .. vec_used - 1 it uses */
	int ymm;		/* clears them whole (ymm), not just the xmm part */
};

static const struct path paths[] = {
	{ "entry", __arch_chacha20_blocks_nostack, 0, 16, 0 },
	{ "sse2x1", __chacha20_blocks_nostack_sse2x1, 0, 10, 0 },
	{ "sse2x3", __chacha20_blocks_nostack_sse2x3, 0, 16, 0 },
	{ "avx2x6", __chacha20_blocks_nostack_avx2x6, 1, 16, 1 },
};

static int have_avx2;

static int path_skipped(const struct path *p)
{
	if (p->avx2 && !have_avx2) {
		skip(p->name, "this CPU has no AVX2");
		return 1;
	}
	return 0;
}

/*
 * Calls a block function with known values in the callee-saved registers
 * and every vector register set to all ones, and records what they hold
 * after the call. rsp as it was at the call is kept in the struct, and the
 * trampoline takes it back from there, so a callee that got rsp wrong
 * cannot make it pop the wrong registers or return to the wrong place.
 */
struct tramp {
	uint64_t in[6];		/* 0: rbx, rbp, r12, r13, r14, r15 */
	uint64_t out[6];	/* 48: the same after the call */
	uint64_t rsp_before;	/* 96 */
	uint64_t rsp_after;	/* 104 */
	rig_chacha_fn *fn;	/* 112 */
	uint64_t ymm;		/* 120: fill and dump whole ymm registers */
	uint8_t vec[16][32];	/* 128: vector registers after the call */
};

void rig_tramp(uint8_t *dst, const uint32_t *key, uint32_t *counter, size_t nblocks,
	       struct tramp *t);
struct tramp *rig_tramp_cur;

#define VFILL(n)	"	vpcmpeqd %ymm" #n ", %ymm" #n ", %ymm" #n "\n"
#define XFILL(n)	"	pcmpeqd %xmm" #n ", %xmm" #n "\n"
#define VDUMP(n)	"	vmovdqu %ymm" #n ", 128 + 32 * " #n "(%rax)\n"
#define XDUMP(n)	"	movdqu %xmm" #n ", 128 + 32 * " #n "(%rax)\n"
#define ALL16(m)	m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) \
			m(8) m(9) m(10) m(11) m(12) m(13) m(14) m(15)

asm(".text\n"
	".globl rig_tramp\n"
	".type rig_tramp, @function\n"
	"rig_tramp:\n"
	"	push	%rbx\n"
	"	push	%rbp\n"
	"	push	%r12\n"
	"	push	%r13\n"
	"	push	%r14\n"
	"	push	%r15\n"
	"	sub	$8, %rsp\n"	/* rsp 16-byte aligned at the call */
	"	mov	%r8, rig_tramp_cur(%rip)\n"
	"	mov	%rsp, 96(%r8)\n"
	"	mov	0(%r8), %rbx\n"
	"	mov	8(%r8), %rbp\n"
	"	mov	16(%r8), %r12\n"
	"	mov	24(%r8), %r13\n"
	"	mov	32(%r8), %r14\n"
	"	mov	40(%r8), %r15\n"
	"	cmpq	$0, 120(%r8)\n"
	"	je	1f\n"
	ALL16(VFILL)
	"	jmp	2f\n"
	"1:\n"
	ALL16(XFILL)
	"2:\n"
	"	call	*112(%r8)\n"
	"	mov	rig_tramp_cur(%rip), %rax\n"
	"	mov	%rbx, 48(%rax)\n"
	"	mov	%rbp, 56(%rax)\n"
	"	mov	%r12, 64(%rax)\n"
	"	mov	%r13, 72(%rax)\n"
	"	mov	%r14, 80(%rax)\n"
	"	mov	%r15, 88(%rax)\n"
	"	mov	%rsp, 104(%rax)\n"
	"	cmpq	$0, 120(%rax)\n"
	"	je	3f\n"
	ALL16(VDUMP)
	"	vzeroupper\n"
	"	jmp	4f\n"
	"3:\n"
	ALL16(XDUMP)
	"4:\n"
	"	mov	96(%rax), %rsp\n"
	"	add	$8, %rsp\n"
	"	pop	%r15\n"
	"	pop	%r14\n"
	"	pop	%r13\n"
	"	pop	%r12\n"
	"	pop	%rbp\n"
	"	pop	%rbx\n"
	"	ret\n"
	".size rig_tramp, .-rig_tramp\n");

static void test_path_registers(const struct path *p)
{
	static const size_t counts[] = { 0, 1, 2, 3, 4, 5, 6, 7, 12, 17 };
	uint8_t buf[17 * 64];
	uint32_t key[8], ctr[2] = { 0xfffffffe, 0 };
	int ymm = have_avx2, regs_ok = 1, vec_ok = 1;
	size_t i, r, width;
	struct tramp t;

	rnd(key, sizeof(key));
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		memset(&t, 0x5a, sizeof(t));
		rnd(t.in, sizeof(t.in));
		t.fn = p->fn;
		t.ymm = ymm;
		rig_tramp(buf, key, ctr, counts[i], &t);
		regs_ok &= !memcmp(t.in, t.out, sizeof(t.in)) && t.rsp_after == t.rsp_before;
		/* With no blocks nothing is loaded, so there is nothing to clear. */
		if (!counts[i])
			continue;
		width = p->ymm && ymm ? 32 : 16;
		for (r = 0; r < (size_t)p->vec_used; r++)
			vec_ok &= is_zero(t.vec[r], width);
	}
	check(regs_ok, "chacha %s: rbx, rbp, r12-r15 and rsp survive, 0 to 17 blocks", p->name);
	check(vec_ok, "chacha %s: %s%d-%d it uses are zero on return", p->name,
	      p->ymm ? "ymm" : "xmm", 0, p->vec_used - 1);
}

static void test_path_rfc(const struct path *p)
{
	uint8_t out[64 + 1];
	uint32_t key[8], ctr[2];
	int i, ok = 1;

	for (i = 0; i < (int)ARRAY_SIZE(rfc_a1); i++) {
		memcpy(key, rfc_a1[i].key, 32);
		ctr[0] = rfc_a1[i].counter;
		ctr[1] = 0;
		out[64] = 0xa5;
		p->fn(out, key, ctr, 1);
		ok &= !memcmp(out, rfc_a1[i].out, 64) && out[64] == 0xa5 &&
		      ctr[0] == rfc_a1[i].counter + 1 && ctr[1] == 0;
	}
	check(ok, "chacha %s: RFC 7539 A.1 vectors 1-4", p->name);
}

/*
 * Every block count from 1 to 17 from counters that put the 32-bit carry
 * (and the 64-bit wrap) at every position of the run, with guard bytes
 * around an unaligned destination.
 */
static void test_path_counts(const struct path *p)
{
	uint8_t a[17 * 64 + 16], r[17 * 64];
	uint32_t key[8], ca[2], cr[2];
	int ok = 1, runs = 0, carries = 0;
	size_t n, k, w;

	for (n = 1; n <= 17; n++) {
		for (k = 0; k < n + 6; k++) {
			for (w = 0; w < 3; w++) {
				uint64_t c0;
				size_t off = (n + k + w) % 8;

				if (k < n + 2)
					c0 = (w == 2 ? ~0ULL : w == 1 ? 0x1ffffffffULL : 0xffffffffULL) - k;
				else
					c0 = (k - n - 2) * 0x100000003ULL * (w + 1);
				rnd(key, sizeof(key));
				ca[0] = cr[0] = c0;
				ca[1] = cr[1] = c0 >> 32;
				memset(a, 0x5a, sizeof(a));
				ref_chacha20_blocks(r, key, cr, n);
				p->fn(a + off, key, ca, n);
				ok &= !memcmp(a + off, r, n * 64) && ca[0] == cr[0] &&
				      ca[1] == cr[1] && a[off + n * 64] == 0x5a &&
				      (!off || a[off - 1] == 0x5a);
				carries += (uint64_t)(uint32_t)c0 + n > 0xffffffffULL;
				runs++;
			}
		}
	}
	check(ok && carries > 100,
	      "chacha %s: 1 to 17 blocks, %d runs, %d across the 32-bit carry or the 64-bit wrap, = reference",
	      p->name, runs, carries);
}

/* Random keys, counters and lengths to 300 blocks; the destination over the key. */
static void test_path_random(const struct path *p)
{
	size_t max = 300, n;
	uint8_t *a = malloc(max * 64 + 64), *r = malloc(max * 64 + 64);
	uint32_t key[8], ca[2], cr[2];
	int i, ok = 1, overlap_ok = 1, zero_ok;

	for (i = 0; i < 100; i++) {
		uint64_t c0;

		rnd(key, sizeof(key));
		rnd(&c0, sizeof(c0));
		n = 1 + (i * 37) % max;
		ca[0] = cr[0] = c0;
		ca[1] = cr[1] = c0 >> 32;
		ref_chacha20_blocks(r, key, cr, n);
		p->fn(a, key, ca, n);
		ok &= !memcmp(a, r, n * 64) && ca[0] == cr[0] && ca[1] == cr[1];
	}
	check(ok, "chacha %s: 100 random keys, counters and lengths to %zu blocks", p->name, max);

	/* As a refill makes them: the key is the last 32 bytes of the output. */
	for (n = 1; n <= 17; n++) {
		uint32_t *kp = (uint32_t *)(a + n * 64 - 32);

		rnd(key, sizeof(key));
		memcpy(kp, key, 32);
		ca[0] = cr[0] = 0;
		ca[1] = cr[1] = 0;
		ref_chacha20_blocks(r, key, cr, n);
		p->fn(a, kp, ca, n);
		overlap_ok &= !memcmp(a, r, n * 64) && ca[0] == n;
	}
	check(overlap_ok, "chacha %s: output over the key (as a refill), 1 to 17 blocks", p->name);

	memset(a, 0x5a, 64);
	ca[0] = 7;
	ca[1] = 9;
	p->fn(a, key, ca, 0);
	zero_ok = a[0] == 0x5a && ca[0] == 7 && ca[1] == 9;
	check(zero_ok, "chacha %s: zero blocks writes nothing, counter unchanged", p->name);
	free(a);
	free(r);
}

static void test_paths(void)
{
	size_t i;

	have_avx2 = __builtin_cpu_supports("avx2");
	printf("# CPU: avx2 %s, avx512vl %s; the vDSO would run the %s path\n",
	       have_avx2 ? "yes" : "no", __builtin_cpu_supports("avx512vl") ? "yes" : "no",
	       have_avx2 ? "avx2x6" : "sse2x3");
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		if (path_skipped(&paths[i]))
			continue;
		test_path_registers(&paths[i]);
		test_path_rfc(&paths[i]);
		test_path_counts(&paths[i]);
		test_path_random(&paths[i]);
	}
}

/* vgetrandom() built with each path, against the model. */
static void test_variant(const char *name, ssize_t (*fn)(void *, size_t, unsigned int, void *,
							  size_t))
{
	size_t big = 1 << 20;
	uint8_t *page, *st = state_alloc(&page);
	uint8_t *out = malloc(big + 1), *exp = malloc(big);
	struct model m;
	unsigned int i, rounds;
	int ok;

	reset_sys();
	ok = fn(out, 16, 0, st, rig_layout.size) == 16 && rig_sys.rekeys == 1;
	model_rekey_last(&m);
	model_fill(&m, exp, 16);
	ok &= !memcmp(out, exp, 16);
	for (rounds = 0; rounds < 3; rounds++) {
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			out[lens[i]] = 0xa5;
			ok &= fn(out, lens[i], 0, st, rig_layout.size) == (ssize_t)lens[i];
			model_fill(&m, exp, lens[i]);
			ok &= !memcmp(out, exp, lens[i]) && out[lens[i]] == 0xa5;
		}
	}
	check(ok && rig_sys.calls == 1,
	      "vgetrandom with the %s path: 1 B to 1 MiB, 3 rounds: output = model, no syscall",
	      name);
	free(page);
	free(out);
	free(exp);
}

static void test_variants(void)
{
	test_variant("sse2x1", rig_vgetrandom_sse2x1);
	if (have_avx2)
		test_variant("avx2x6", rig_vgetrandom_avx2x6);
	else
		skip("vgetrandom with the avx2x6 path", "this CPU has no AVX2");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n");
	printf("# rig: state size %zu, key at %zu, generation at %zu, pos at %zu, in_use at %zu\n",
	       rig_layout.size, rig_layout.key, rig_layout.generation, rig_layout.pos,
	       rig_layout.in_use);
	test_rfc_vectors();
	test_asm_vs_reference();
	test_asm_vs_openssl();
	test_paths();
	test_params();
	test_steady_state();
	test_not_ready();
	test_bad_inputs();
	test_rekey_failure();
	test_two_states();
	test_generation_moves();
	test_forward_secrecy();
	test_erasure_lengths();
	test_reentry_outputs();
	test_cap();
	test_signals();
	test_variants();
	printf("1..%d\n", n_tests);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       n_tests - n_fail - n_skip, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
