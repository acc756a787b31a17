// SPDX-License-Identifier: GPL-2.0
/*
 * Soak: MAP_DROPPABLE memory and vDSO getrandom() under memory pressure,
 * with swap. What it proves, for the time it runs:
 *
 * - Plain anonymous memory that a memory cgroup pushes out to swap (zram)
 *   comes back intact, byte for byte, through fork, mremap, mprotect,
 *   mlock, MADV_COLD, MADV_PAGEOUT and MADV_FREE (a page given to MADV_FREE
 *   may read as zeros until it is written again, never as anything else;
 *   once it has read as zeros it stays zeros; rewritten, it must keep the
 *   new data).
 * - Droppable memory is only ever dropped: every 8-byte word of it reads
 *   the value last written there or zero, never stale or foreign data, and
 *   in a fork child all of it reads zero. (A page can be dropped between
 *   two stores of one write or two loads of one read, so a page may read
 *   partly as zeros: such "torn" pages are counted, and are fine.)
 * - /proc/PID/smaps never shows swap for a droppable VMA, nor a lock,
 *   while the plain memory beside it is in swap (if it never is, the test
 *   did not test anything and fails).
 * - Nothing is OOM-killed: the memory cgroup's oom_kill stays 0 and every
 *   worker runs to the end.
 * - vDSO getrandom(), called from several threads on states in droppable
 *   memory that reclaim, madvise and fork keep wiping, never fails, never
 *   returns short, and never repeats a 16-byte block: outputs are sampled
 *   into a bounded set per worker, with the first output of a fork child
 *   from a state it inherited (wiped) and the parent's next output from it.
 *
 * Parameters: soak.seconds=N, soak.seed=N and harness.slow=N on the kernel
 * command line, or argv[1] (seconds) and argv[2] (seed, "-" for a random
 * one) on a host.
 * On a host only, argv[3] "nocg" skips setting up swap and the memory
 * cgroup, and the checks that need them; "nomemcg" skips the memory cgroup
 * alone (for a host with zram but no cgroup2 memory controller).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "../prng.h"
#include "../vdso.h"
#include "../zram.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE		0x08
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		0x01
#endif

#define PAGE			4096UL
#define WORDS			(PAGE / sizeof(uint64_t))
#define NR_WORKERS		3
#define NR_THREADS		3		/* vDSO threads per worker */
#define PLAIN_PAGES		((16UL << 20) / PAGE)
#define DROP_PAGES		((4UL << 20) / PAGE)
#define GROW_PAGES		8
#define MEMCG_MAX		(32UL << 20)
#define ZRAM_SIZE		"256M"
#define CGROUP_ROOT		"/sys/fs/cgroup"
#define DEFAULT_SECONDS		60
#define MAX_SECONDS		(24 * 3600)
#define SETUP_TIMEOUT_S		(200 * slow)	/* for the workers' first fill */
#define FINISH_TIMEOUT_S	(200 * slow)	/* for their last verification */
#define SAMPLE_MS		500
#define FORK_MS			250		/* to 500 ms between forks */
#define FULL_CHECK_S(s)		((s) / 4 > 5 ? (s) / 4 : 5)
#define PROGRESS_S		10
#define RUN_PAGES		16		/* most a write or check touches */
#define ADVISE_PAGES		64		/* most an madvise() covers */
#define LOCK_PAGES		16		/* most kept mlocked per region */
#define SET_SLOTS		(1U << 16)	/* 16-byte blocks, 1 MiB */
#define SET_PACED		(SET_SLOTS / 2)	/* sampled from the threads */
#define SET_FULL		(SET_SLOTS * 3 / 4)
#define BURST			32		/* vDSO calls between pauses */
#define MSG			200

#define NR_CHECKS		10

#define __noreturn		__attribute__((noreturn))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* What a worker tells the parent, in memory they share. */
struct report {
	int ready, done;
	pid_t pid;
	unsigned long iterations, fills, forks, mremaps, mprotects, mlocks, advices;
	unsigned long plain_checked, plain_freed_zero, plain_bad;
	unsigned long drop_checked, drop_full, drop_zero, drop_torn, drop_bad;
	unsigned long child_bad;
	unsigned long vdso_calls, vdso_bad, vdso_repeats, blocks;
	unsigned long full_checks, op_bad;
	char setup_msg[MSG], op_msg[MSG], plain_msg[MSG], drop_msg[MSG], child_msg[MSG];
	char vdso_msg[MSG], repeat_msg[MSG];
};

struct shared {
	int stop;
	double deadline;
	struct report w[NR_WORKERS];
};

/* A region a worker keeps a pattern in, plain or droppable. */
struct region {
	const char *name;
	bool droppable;
	unsigned char *base;
	size_t pages;
	uint32_t *version;	/* per page; 0: never written, must read zero */
	uint8_t *maybe_zero;	/* plain: MADV_FREE'd since last written */
	size_t lock_start, lock_len;	/* the range kept mlocked, in pages */
};

struct vthread {
	pthread_t tid;
	void *state;
	uint64_t rng;
	unsigned long calls;
};

static struct shared *shared;
static uint64_t seed;
static unsigned int seconds = DEFAULT_SECONDS;
/*
 * harness.slow=N: the kernel is N times slower than the one these limits
 * are made for (a debug kernel under emulation). Timeouts grow N times,
 * and the vDSO threads pause N times longer, so that the workers' memory
 * work still gets the CPU it needs to check all of its memory.
 */
static unsigned int slow = 1;
static int failures;

/* In a worker. */
static int self;
static struct report *rep;
static uint64_t rng;
static struct region plain, drop;
static vgetrandom_fn vgetrandom;
static struct vgetrandom_opaque_params params;
static unsigned char *states;
static size_t states_len;
static struct vthread threads[NR_THREADS];
static void *main_state;
static int threads_stop;
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char (*set)[16];
static unsigned int set_count;
static double next_full, next_fork;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t next_rand(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return mix64(*s);
}

/* A number in [0, n). */
static size_t pick(uint64_t *s, size_t n)
{
	return n ? next_rand(s) % n : 0;
}

static void __printf(2, 3) note(char *msg, const char *fmt, ...)
{
	va_list ap;

	if (msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(msg, MSG, fmt, ap);
	va_end(ap);
}

/*
 * The pattern: word @i of page @idx of @r, version @v, a function of the
 * seed, the worker, the region, the page, the version and the word, so that
 * stale, misplaced or foreign data never matches. Version 0 is all zeros.
 */
static uint64_t page_key(const struct region *r, size_t idx, uint32_t v)
{
	return mix64(seed ^ mix64(((uint64_t)self << 56) ^ ((uint64_t)r->droppable << 48) ^
				  ((uint64_t)idx << 24) ^ v));
}

static uint64_t pattern_word(uint64_t key, uint32_t v, size_t i)
{
	return v ? mix64(key + (i + 1) * 0x9e3779b97f4a7c15ULL) : 0;
}

static uint64_t *page_at(const struct region *r, size_t idx)
{
	return (uint64_t *)(r->base + idx * PAGE);
}

static void write_page(struct region *r, size_t idx)
{
	uint64_t *p = page_at(r, idx);
	uint32_t v = r->version[idx] + 1;
	uint64_t key;
	size_t i;

	if (!v)
		v = 1;
	key = page_key(r, idx, v);
	for (i = 0; i < WORDS; i++)
		p[i] = pattern_word(key, v, i);
	r->version[idx] = v;
	if (r->maybe_zero)
		r->maybe_zero[idx] = 0;
}

static const char *describe(const struct region *r, size_t idx, const uint64_t *copy)
{
	uint32_t v = r->version[idx];
	uint64_t key = page_key(r, idx, v - 1);
	size_t i, zero = 0, older = 0;

	for (i = 0; i < WORDS; i++) {
		zero += !copy[i];
		older += v > 1 && copy[i] == pattern_word(key, v - 1, i);
	}
	if (zero == WORDS)
		return "all zeros";
	if (older == WORDS)
		return "the previous version";
	if (zero)
		return "partly zeros, partly wrong";
	return "wrong data";
}

/*
 * Checks page @idx of plain memory. A page MADV_FREE'd and not written since
 * may read as zeros; then it must stay zeros until it is written.
 */
static bool check_plain_page(struct region *r, size_t idx, char *msg)
{
	static uint64_t copy[WORDS];
	uint32_t v = r->version[idx];
	uint64_t key = page_key(r, idx, v);
	size_t i, zero = 0;
	bool ok = true;

	memcpy(copy, page_at(r, idx), PAGE);
	for (i = 0; i < WORDS; i++) {
		ok &= copy[i] == pattern_word(key, v, i);
		zero += !copy[i];
	}
	if (ok)
		return true;
	/*
	 * Reclaim may free a clean MADV_FREE'd page while it is being read:
	 * then the words read after that are zeros. Read again.
	 */
	if (r->maybe_zero[idx] && zero && zero < WORDS) {
		for (i = 0; i < WORDS && (!copy[i] || copy[i] == pattern_word(key, v, i)); i++)
			;
		if (i == WORDS) {
			memcpy(copy, page_at(r, idx), PAGE);
			for (i = 0, zero = 0; i < WORDS; i++)
				zero += !copy[i];
		}
	}
	if (r->maybe_zero[idx] && zero == WORDS) {
		r->version[idx] = 0;	/* it was freed: zeros from now on */
		r->maybe_zero[idx] = 0;
		if (rep)
			rep->plain_freed_zero++;
		return true;
	}
	for (i = 0; i < WORDS && copy[i] == pattern_word(key, v, i); i++)
		;
	note(msg, "worker %d: plain page %zu (version %u%s) reads %s, first at byte %zu",
	     self, idx, v, r->maybe_zero[idx] ? ", MADV_FREE'd" : "", describe(r, idx, copy),
	     i * 8);
	return false;
}

/* 0: the last pattern, 1: all zeros, 2: torn (some words zero), -1: bad. */
static int check_drop_page(struct region *r, size_t idx, char *msg)
{
	static uint64_t copy[WORDS];
	uint32_t v = r->version[idx];
	uint64_t key = page_key(r, idx, v), want;
	size_t i, zero = 0, bad = WORDS;

	memcpy(copy, page_at(r, idx), PAGE);
	for (i = 0; i < WORDS; i++) {
		want = pattern_word(key, v, i);
		if (!copy[i])
			zero++;
		else if (copy[i] != want && bad == WORDS)
			bad = i;
	}
	if (bad < WORDS) {
		note(msg, "worker %d: droppable page %zu (version %u) reads %s, first at byte %zu",
		     self, idx, v, describe(r, idx, copy), bad * 8);
		return -1;
	}
	if (!v || !zero)
		return v ? 0 : 1;
	return zero == WORDS ? 1 : 2;
}

/* A memory call that should have worked did not. */
static void __printf(1, 2) op_fail(const char *fmt, ...)
{
	va_list ap;

	rep->op_bad++;
	if (rep->op_msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(rep->op_msg, MSG, fmt, ap);
	va_end(ap);
}

static bool check_range(struct region *r, size_t start, size_t len)
{
	bool ok = true;
	size_t i;
	int res;

	for (i = start; i < start + len && i < r->pages; i++) {
		if (!r->droppable) {
			rep->plain_checked++;
			if (!check_plain_page(r, i, rep->plain_msg)) {
				rep->plain_bad++;
				ok = false;
			}
			continue;
		}
		rep->drop_checked++;
		res = check_drop_page(r, i, rep->drop_msg);
		if (res < 0) {
			rep->drop_bad++;
			ok = false;
		} else {
			rep->drop_full += res == 0;
			rep->drop_zero += res == 1;
			rep->drop_torn += res == 2;
		}
	}
	return ok;
}

static void write_range(struct region *r, size_t start, size_t len)
{
	size_t i;

	for (i = start; i < start + len && i < r->pages; i++)
		write_page(r, i);
}

/* The set of 16-byte output blocks; false if @b was in it (or is zero). */
static bool block_new(const unsigned char *b, bool insert, char *msg, const char *what)
{
	static const unsigned char zero[16];
	uint64_t h;
	unsigned int i;
	bool fresh = true;

	memcpy(&h, b, sizeof(h));
	pthread_mutex_lock(&set_lock);
	if (!memcmp(b, zero, 16)) {
		note(msg, "worker %d: %s: an all-zero 16-byte block", self, what);
		pthread_mutex_unlock(&set_lock);
		return false;
	}
	for (i = h & (SET_SLOTS - 1);; i = (i + 1) & (SET_SLOTS - 1)) {
		if (!memcmp(set[i], zero, 16)) {
			if (insert && set_count < SET_FULL) {
				memcpy(set[i], b, 16);
				set_count++;
			}
			break;
		}
		if (!memcmp(set[i], b, 16)) {
			fresh = false;
			break;
		}
	}
	if (!fresh)
		note(msg, "worker %d: %s: a 16-byte block seen before", self, what);
	pthread_mutex_unlock(&set_lock);
	return fresh;
}

/* Checks every 16-byte block of @buf, remembering them if @insert. */
static void blocks_new(const unsigned char *buf, size_t len, bool insert, const char *what)
{
	size_t i;

	for (i = 0; i + 16 <= len; i += 16)
		if (!block_new(buf + i, insert, rep->repeat_msg, what))
			__atomic_fetch_add(&rep->vdso_repeats, 1, __ATOMIC_RELAXED);
}

/* Whether a thread may remember another block: paced over the run. */
static bool may_insert(void)
{
	double start = shared->deadline - seconds;

	if (!shared->deadline || set_count >= SET_PACED)
		return false;
	return set_count < (now_s() - start + 1) / (seconds + 1) * SET_PACED;
}

static bool vcall(void *state, unsigned char *buf, size_t len, unsigned int flags,
		  const char *what)
{
	ssize_t ret = vgetrandom(buf, len, flags, state, params.size_of_opaque_state);

	__atomic_fetch_add(&rep->vdso_calls, 1, __ATOMIC_RELAXED);
	if (ret == (ssize_t)len)
		return true;
	__atomic_fetch_add(&rep->vdso_bad, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&set_lock);
	note(rep->vdso_msg, "worker %d: %s: vDSO getrandom(%zu, %#x) returned %zd%s", self, what,
	     len, flags, ret, ret < 0 ? " (an error)" : " (short)");
	pthread_mutex_unlock(&set_lock);
	return false;
}

static void *vdso_thread(void *arg)
{
	static const unsigned int flag_set[] = { 0, 0, GRND_NONBLOCK, GRND_INSECURE };
	struct vthread *t = arg;
	unsigned char buf[4096];
	struct timespec pause = { slow / 1000, slow % 1000 * 1000000 };
	unsigned int n, flags;
	size_t len;

	while (!__atomic_load_n(&threads_stop, __ATOMIC_RELAXED)) {
		for (n = 0; n < BURST; n++) {
			flags = flag_set[pick(&t->rng, ARRAY_SIZE(flag_set))];
			switch (pick(&t->rng, 8)) {
			case 0:
				len = 1 + pick(&t->rng, 15);
				break;
			case 1:
				len = 1024 + pick(&t->rng, sizeof(buf) - 1023);
				break;
			default:
				len = 16 + pick(&t->rng, 240);
				break;
			}
			t->calls++;
			if (!vcall(t->state, buf, len, flags, "thread"))
				continue;
			if (len < 16)
				continue;
			/* Every block of one call in a burst, the first of the others. */
			blocks_new(buf, n ? 16 : len, may_insert(), "thread output");
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static bool cg_write(const char *cg, const char *file, const char *val, char *msg)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (!zram_write_file(path, val))
		return true;
	note(msg, "write %s to %s: %s", val, path, strerror(errno));
	return false;
}

/* A value from a flat keyed file such as memory.events. -1 if none. */
static long long cg_key(const char *cg, const char *file, const char *key)
{
	char path[256], line[256];
	size_t n = strlen(key);
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			val = strtoll(line + n + 1, NULL, 10);
	fclose(f);
	return val;
}

static long long cg_value(const char *cg, const char *file)
{
	char path[256];
	unsigned long long v;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return zram_read_ull(path, &v) ? -1 : (long long)v;
}

static bool map_region(struct region *r, const char *name, bool droppable, size_t pages)
{
	int type = droppable ? MAP_DROPPABLE : MAP_PRIVATE;

	r->name = name;
	r->droppable = droppable;
	r->pages = pages;
	r->base = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, type | MAP_ANONYMOUS, -1, 0);
	r->version = calloc(pages, sizeof(*r->version));
	r->maybe_zero = droppable ? NULL : calloc(pages, 1);
	if (r->base == MAP_FAILED || !r->version || (!droppable && !r->maybe_zero)) {
		note(rep->setup_msg, "worker %d: mmap %s region: %s", self, name, strerror(errno));
		return false;
	}
	return true;
}

static void run(size_t pages, size_t most, size_t *start, size_t *len)
{
	*len = 1 + pick(&rng, most);
	if (*len > pages)
		*len = pages;
	*start = pick(&rng, pages - *len + 1);
}

/* Moves @r elsewhere, or grows it, checks the new tail and shrinks it back. */
static void remap(struct region *r)
{
	size_t size = r->pages * PAGE, i;
	void *p, *to;

	/* mremap takes one VMA, and an mlocked range is a VMA of its own. */
	if (r->lock_len) {
		if (munlock(r->base + r->lock_start * PAGE, r->lock_len * PAGE))
			op_fail("worker %d: munlock %s: %s", self, r->name, strerror(errno));
		r->lock_len = 0;
	}
	if (pick(&rng, 2)) {
		to = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
		if (to == MAP_FAILED) {
			op_fail("worker %d: mmap a place to move %s to: %s", self, r->name,
				strerror(errno));
			return;
		}
		p = mremap(r->base, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (p == MAP_FAILED) {
			op_fail("worker %d: mremap %s (move): %s", self, r->name,
			     strerror(errno));
			munmap(to, size);
			return;
		}
	} else {
		p = mremap(r->base, size, size + GROW_PAGES * PAGE, MREMAP_MAYMOVE);
		if (p == MAP_FAILED) {
			op_fail("worker %d: mremap %s (grow): %s", self, r->name,
			     strerror(errno));
			return;
		}
		for (i = 0; i < GROW_PAGES * PAGE / 8; i++) {
			if (((uint64_t *)((char *)p + size))[i]) {
				note(r->droppable ? rep->drop_msg : rep->plain_msg,
				     "worker %d: %s grown by mremap: the new tail is not zero",
				     self, r->name);
				if (r->droppable)
					rep->drop_bad++;
				else
					rep->plain_bad++;
				break;
			}
		}
		memset((char *)p + size, 0xa5, GROW_PAGES * PAGE);
		if (mremap(p, size + GROW_PAGES * PAGE, size, 0) != p)
			op_fail("worker %d: mremap %s (shrink): %s", self, r->name,
			     strerror(errno));
	}
	r->base = p;
	rep->mremaps++;
}

static void protect(struct region *r)
{
	size_t start, len;

	int prot = pick(&rng, 4) ? PROT_READ : PROT_NONE;

	run(r->pages, ADVISE_PAGES, &start, &len);
	if (mprotect(r->base + start * PAGE, len * PAGE, prot)) {
		op_fail("worker %d: mprotect %s to %d: %s", self, r->name, prot, strerror(errno));
		return;
	}
	if (prot == PROT_READ)
		check_range(r, start, len);
	if (mprotect(r->base + start * PAGE, len * PAGE, PROT_READ | PROT_WRITE))
		op_fail("worker %d: mprotect %s back to read-write: %s", self,
		     r->name, strerror(errno));
	rep->mprotects++;
}

static void lock(struct region *r)
{
	size_t start, len;

	if (r->lock_len && munlock(r->base + r->lock_start * PAGE, r->lock_len * PAGE))
		op_fail("worker %d: munlock %s: %s", self, r->name, strerror(errno));
	r->lock_len = 0;
	if (pick(&rng, 3) == 0)
		return;
	run(r->pages, LOCK_PAGES, &start, &len);
	if (pick(&rng, 2) ? mlock(r->base + start * PAGE, len * PAGE) :
			    mlock2(r->base + start * PAGE, len * PAGE, MLOCK_ONFAULT)) {
		op_fail("worker %d: mlock %s: %s", self, r->name, strerror(errno));
		return;
	}
	r->lock_start = start;
	r->lock_len = len;
	rep->mlocks++;
}

static void advise(struct region *r)
{
	static const int advice[] = { MADV_PAGEOUT, MADV_PAGEOUT, MADV_COLD, MADV_FREE,
				      MADV_FREE, MADV_DONTNEED };
	int a = advice[pick(&rng, ARRAY_SIZE(advice))];
	size_t start, len, i;

	run(r->pages, ADVISE_PAGES, &start, &len);
	/*
	 * Plain memory that is mlocked refuses most advice (EINVAL), after
	 * taking it for the VMAs before it: keep clear of it. Droppable memory
	 * is never locked, so its mlock changes nothing for madvise.
	 */
	if (!r->droppable && r->lock_len && start < r->lock_start + r->lock_len &&
	    r->lock_start < start + len)
		return;
	if (madvise(r->base + start * PAGE, len * PAGE, a)) {
		op_fail("worker %d: madvise(%d) on %s: %s", self, a, r->name,
		     strerror(errno));
		return;
	}
	rep->advices++;
	if (a == MADV_DONTNEED) {
		for (i = start; i < start + len; i++)
			r->version[i] = 0;
	} else if (a == MADV_FREE && !r->droppable) {
		for (i = start; i < start + len; i++)
			r->maybe_zero[i] = 1;
		/* Rewritten at once: a redirtied lazyfree page must keep the new data. */
		if (pick(&rng, 2))
			write_range(r, start, len);
	}
}

static void advise_states(void)
{
	static const int advice[] = { MADV_PAGEOUT, MADV_COLD, MADV_FREE, MADV_DONTNEED };

	int a = advice[pick(&rng, ARRAY_SIZE(advice))];

	if (madvise(states, states_len, a))
		op_fail("worker %d: madvise(%d) on the vDSO states: %s", self, a, strerror(errno));
	else
		rep->advices++;
}

/* The fork child: droppable memory and states wiped, plain memory intact. */
static void __noreturn in_child(int out)
{
	char *msg = shared->w[self].child_msg;
	unsigned char buf[32];
	size_t i, j, idx;
	int ret = 0;

	rep = NULL;	/* the counters are the parent's */

	for (i = 0; i < drop.pages && !(ret & 1); i++) {
		for (j = 0; j < WORDS; j++) {
			if (page_at(&drop, i)[j]) {
				note(msg, "worker %d: fork child: droppable page %zu "
				     "(version %u) not wiped", self, i, drop.version[i]);
				ret |= 1;
				break;
			}
		}
	}
	for (i = 0; i < states_len && !(ret & 1); i++) {
		if (states[i]) {
			note(msg, "worker %d: fork child: vDSO state page not wiped",
			     self);
			ret |= 1;
		}
	}
	for (i = 0; i < 64; i++) {
		idx = pick(&rng, plain.pages);
		if (!check_plain_page(&plain, idx, msg)) {
			ret |= 2;
			break;
		}
	}
	if (vgetrandom(buf, sizeof(buf), 0, main_state, params.size_of_opaque_state) !=
	    sizeof(buf)) {
		note(msg, "worker %d: fork child: vDSO getrandom failed", self);
		ret |= 4;
		memset(buf, 0, sizeof(buf));
	}
	if (write(out, buf, sizeof(buf)) != sizeof(buf))
		ret |= 8;
	_exit(ret);
}

static void do_fork(void)
{
	unsigned char theirs[32], ours[32];
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return;
	pid = fork();
	if (!pid) {
		close(fds[0]);
		in_child(fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		op_fail("worker %d: fork: %s", self, strerror(errno));
		close(fds[0]);
		return;
	}
	memset(theirs, 0, sizeof(theirs));
	if (read(fds[0], theirs, sizeof(theirs)) != sizeof(theirs))
		memset(theirs, 0, sizeof(theirs));
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid) {
		op_fail("worker %d: waitpid for a fork child: %s", self, strerror(errno));
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		rep->child_bad++;
	if (WIFSIGNALED(status))
		note(rep->child_msg, "worker %d: fork child killed by signal %d", self,
		     WTERMSIG(status));
	else if (WEXITSTATUS(status) & 8)
		note(rep->child_msg, "worker %d: fork child could not report", self);
	/* Its output is worth checking unless getrandom failed in it. */
	if (!WIFEXITED(status) || (WEXITSTATUS(status) & (4 | 8)))
		return;
	rep->forks++;
	blocks_new(theirs, sizeof(theirs), true, "fork child's first output");
	if (!vcall(main_state, ours, sizeof(ours), 0, "after fork"))
		return;
	/* Had the child kept the state, its output would be this one. */
	if (!memcmp(theirs, ours, 16) || !memcmp(theirs + 16, ours + 16, 16)) {
		__atomic_fetch_add(&rep->vdso_repeats, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&set_lock);
		note(rep->repeat_msg, "worker %d: a fork child's first output from an inherited "
		     "state is the parent's next one", self);
		pthread_mutex_unlock(&set_lock);
	}
	blocks_new(ours, sizeof(ours), true, "parent's output after fork");
}

static void full_check(void)
{
	check_range(&plain, 0, plain.pages);
	check_range(&drop, 0, drop.pages);
	rep->full_checks++;
}

static void iterate(void)
{
	struct region *r = pick(&rng, 2) ? &plain : &drop;
	unsigned char buf[64];
	size_t start, len;
	unsigned int op = pick(&rng, 100);

	if (op < 22) {
		run(r->pages, RUN_PAGES, &start, &len);
		write_range(r, start, len);
		rep->fills++;
	} else if (op < 60) {
		run(r->pages, RUN_PAGES, &start, &len);
		check_range(r, start, len);
	} else if (op < 76) {
		advise(r);
	} else if (op < 78) {
		advise_states();
	} else if (op < 82) {
		lock(r);
	} else if (op < 86) {
		protect(r);
	} else if (op < 88) {
		remap(r);
	} else {
		len = 16 + pick(&rng, sizeof(buf) - 15);
		if (vcall(main_state, buf, len, 0, "main thread"))
			blocks_new(buf, len, may_insert(), "main thread output");
	}
	rep->iterations++;
}

static void __noreturn run_worker(int idx, const char *cg)
{
	char pid[32];
	size_t per_page, i;
	int err;

	self = idx;
	rep = &shared->w[idx];
	rep->pid = getpid();
	rng = mix64(seed ^ (0x1000 + idx));
	if (cg) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		cg_write(cg, "cgroup.procs", pid, rep->setup_msg);
	}
	vgetrandom = vdso_sym("__vdso_getrandom");
	if (!vgetrandom || vgetrandom(NULL, 0, 0, &params, ~0UL)) {
		note(rep->setup_msg, "worker %d: no __vdso_getrandom", idx);
		_exit(3);
	}
	if (!params.size_of_opaque_state || params.size_of_opaque_state > PAGE) {
		note(rep->setup_msg, "worker %d: odd vDSO state size %u", idx,
		     params.size_of_opaque_state);
		_exit(3);
	}
	/* One state per thread and one for the main thread; none across a page. */
	per_page = PAGE / params.size_of_opaque_state;
	states_len = (NR_THREADS + 1 + per_page - 1) / per_page * PAGE;
	states = mmap(NULL, states_len, params.mmap_prot, params.mmap_flags, -1, 0);
	set = mmap(NULL, SET_SLOTS * 16, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (states == MAP_FAILED || set == MAP_FAILED) {
		note(rep->setup_msg, "worker %d: mmap: %s", idx, strerror(errno));
		_exit(3);
	}
	if (!map_region(&plain, "plain", false, PLAIN_PAGES) ||
	    !map_region(&drop, "droppable", true, DROP_PAGES))
		_exit(3);
	/* Some variety: transparent huge pages in one worker's regions. */
	if (idx == 0)
		madvise(drop.base, drop.pages * PAGE, MADV_HUGEPAGE);
	if (idx == 1)
		madvise(plain.base, plain.pages * PAGE, MADV_HUGEPAGE);
	write_range(&plain, 0, plain.pages);
	write_range(&drop, 0, drop.pages);

	main_state = states + (NR_THREADS / per_page) * PAGE +
		     (NR_THREADS % per_page) * params.size_of_opaque_state;
	for (i = 0; i < NR_THREADS; i++) {
		threads[i].state = states + i / per_page * PAGE +
				   i % per_page * params.size_of_opaque_state;
		threads[i].rng = mix64(rng ^ (i + 1));
		err = pthread_create(&threads[i].tid, NULL, vdso_thread, &threads[i]);
		if (err) {
			note(rep->setup_msg, "worker %d: pthread_create: %s", idx, strerror(err));
			_exit(3);
		}
	}
	__atomic_store_n(&rep->ready, 1, __ATOMIC_RELEASE);

	next_full = now_s() + FULL_CHECK_S(seconds);
	next_fork = now_s();
	while (!__atomic_load_n(&shared->stop, __ATOMIC_ACQUIRE)) {
		iterate();
		if (now_s() >= next_fork) {
			do_fork();
			next_fork = now_s() + FORK_MS / 1000.0 * (1 + pick(&rng, 100) / 100.0);
		}
		if (now_s() >= next_full) {
			full_check();
			next_full = now_s() + FULL_CHECK_S(seconds);
		}
	}
	__atomic_store_n(&threads_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i].tid, NULL);
	if (plain.lock_len)
		munlock(plain.base + plain.lock_start * PAGE, plain.lock_len * PAGE);
	full_check();
	rep->blocks = set_count;
	__atomic_store_n(&rep->done, 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* What the parent sees in the workers' smaps. */
struct sample {
	int worker;
	unsigned long drop_vmas, drop_rss_kb, plain_swap_kb;
	char *msg;
	bool bad;
};

static int sample_vma(const struct smaps_vma *vma, void *arg)
{
	struct sample *s = arg;

	if (!smaps_has_flag(vma, "dp")) {
		s->plain_swap_kb += vma->swap_kb;
		return 0;
	}
	s->drop_vmas++;
	s->drop_rss_kb += vma->rss_kb;
	if (vma->swap_kb || vma->locked_kb || smaps_has_flag(vma, "lo")) {
		note(s->msg, "worker %d: droppable VMA %lx-%lx: Swap: %lu kB, Locked: %lu kB, "
		     "VmFlags: %s", s->worker, vma->start, vma->end, vma->swap_kb,
		     vma->locked_kb, vma->flags);
		s->bad = true;
	}
	return 0;
}

static void ktap(bool ok, int n, const char *what, const char *why)
{
	if (!ok && why && why[0])
		printf("# %s\n", why);
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
	failures += !ok;
}

static void ktap_skip(int n, const char *what, const char *why)
{
	printf("ok %d %s # SKIP %s\n", n, what, why);
}

static void parse_cmdline(void)
{
	char buf[4096], *word, *save;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (word = strtok_r(buf, " \n", &save); word; word = strtok_r(NULL, " \n", &save)) {
		if (!strncmp(word, "soak.seconds=", 13))
			seconds = strtoul(word + 13, NULL, 0);
		else if (!strncmp(word, "soak.seed=", 10))
			seed = strtoull(word + 10, NULL, 0);
		else if (!strncmp(word, "harness.slow=", 13))
			slow = strtoul(word + 13, NULL, 0) ?: 1;
	}
}

static void first(char *dst, const char *src)
{
	if (!dst[0] && src[0])
		snprintf(dst, MSG, "%s", src);
}

int main(int argc, char **argv)
{
	char setup[MSG] = "", smaps_msg[MSG] = "", oom_msg[MSG] = "", cg[128] = "";
	char plain_msg[MSG] = "", drop_msg[MSG] = "", child_msg[MSG] = "";
	char vdso_msg[MSG] = "", repeat_msg[MSG] = "", op_msg[MSG] = "";
	unsigned long samples = 0, smaps_bad = 0, max_plain_swap = 0, min_drop_vmas = ~0UL;
	unsigned long plain_bad = 0, drop_bad = 0, child_bad = 0, vdso_bad = 0, repeats = 0;
	unsigned long drop_torn = 0, drop_zero = 0, drop_full = 0, calls = 0, forks = 0;
	unsigned long op_bad = 0;
	long long oom_kill = 0, swap_peak = 0, mem_peak = 0, v;
	bool want_swap, want_cg, swap_was_on = false, use_cg, all_ready, exited_ok = true;
	double t0, next_sample, next_progress, limit;
	pid_t pids[NR_WORKERS];
	int i, status, running;
	unsigned long long zram_size = 1;
	char val[32], off_msg[MSG];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) * 2654435761ULL ^ getpid();
	parse_cmdline();
	if (argc > 1)
		seconds = strtoul(argv[1], NULL, 0);
	if (argc > 2 && strcmp(argv[2], "-"))
		seed = strtoull(argv[2], NULL, 0);
	want_swap = argc <= 3 || strcmp(argv[3], "nocg");
	want_cg = want_swap && (argc <= 3 || strcmp(argv[3], "nomemcg"));
	if (!seconds || seconds > MAX_SECONDS)
		seconds = DEFAULT_SECONDS;

	printf("TAP version 13\n1..%d\n", NR_CHECKS);
	printf("# seed %" PRIu64 "; reproduce: make check BOOT_ARGS=\"soak.seed=%" PRIu64 "\"\n",
	       seed, seed);
	printf("# %u s, %d workers of %lu MiB plain and %lu MiB droppable memory, "
	       "%d vDSO threads each, memory.max %lu MiB\n", seconds, NR_WORKERS,
	       PLAIN_PAGES * PAGE >> 20, DROP_PAGES * PAGE >> 20, NR_THREADS, MEMCG_MAX >> 20);
	if (sysconf(_SC_PAGESIZE) != (long)PAGE) {
		ktap(false, 1, "setup", "page size is not 4 KiB");
		return 1;
	}

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		ktap(false, 1, "setup", "mmap of the shared page failed");
		return 1;
	}

	/* zram swap and a memory cgroup, unless told there is none. */
	use_cg = want_cg;
	if (want_swap) {
		swap_was_on = zram_swap_listed(ZRAM_DEV) == 1;
		zram_read_ull(ZRAM_SYSFS "/disksize", &zram_size);
		/* Without swap, the memory cgroup would just OOM-kill the workers. */
		if (zram_swap_on(ZRAM_SIZE, setup, sizeof(setup)))
			use_cg = false;
	}
	if (use_cg) {
		snprintf(cg, sizeof(cg), CGROUP_ROOT "/soak.%d", (int)getpid());
		snprintf(val, sizeof(val), "%lu", MEMCG_MAX);
		if (access(CGROUP_ROOT "/cgroup.controllers", F_OK)) {
			note(setup, "no cgroup2 at " CGROUP_ROOT);
			use_cg = false;
		} else if (mkdir(cg, 0755)) {
			note(setup, "mkdir %s: %s", cg, strerror(errno));
			use_cg = false;
		} else if (!cg_write(cg, "memory.max", val, setup) ||
			   !cg_write(cg, "memory.swap.max", "max", setup)) {
			note(setup, "the memory controller is not enabled for %s", cg);
			rmdir(cg);
			use_cg = false;
		}
	}

	fflush(stdout);
	for (i = 0; i < NR_WORKERS; i++) {
		pids[i] = fork();
		if (!pids[i])
			run_worker(i, use_cg ? cg : NULL);
		if (pids[i] < 0) {
			note(setup, "fork: %s", strerror(errno));
			pids[i] = 0;
		}
	}

	/* Wait for the first fill, sampling smaps all along. */
	t0 = now_s();
	next_sample = t0;
	next_progress = t0 + PROGRESS_S;
	shared->deadline = 0;
	limit = t0 + SETUP_TIMEOUT_S;
	for (;;) {
		double t = now_s();

		all_ready = true;
		running = 0;
		for (i = 0; i < NR_WORKERS; i++) {
			all_ready &= !pids[i] ||
				     __atomic_load_n(&shared->w[i].ready, __ATOMIC_ACQUIRE);
			if (pids[i] && waitpid(pids[i], &status, WNOHANG) == 0) {
				running++;
			} else if (pids[i]) {
				if (!(WIFEXITED(status) && !WEXITSTATUS(status))) {
					exited_ok = false;
					if (WIFSIGNALED(status))
						note(oom_msg, "worker %d killed by signal %d%s", i,
						     WTERMSIG(status),
						     WTERMSIG(status) == SIGKILL ?
						     " (the OOM killer?)" : "");
					else
						note(oom_msg, "worker %d exited with %d", i,
						     WEXITSTATUS(status));
				}
				if (!shared->w[i].done) {
					exited_ok = false;
					note(oom_msg, "worker %d ended before the soak did", i);
				}
				pids[i] = 0;
			}
		}
		if (!running)
			break;
		if (!shared->deadline && all_ready) {
			shared->deadline = t + seconds;
			printf("# workers filled their memory in %.1f s\n", t - t0);
		}
		if (shared->deadline && t >= shared->deadline && !shared->stop) {
			__atomic_store_n(&shared->stop, 1, __ATOMIC_RELEASE);
			limit = t + FINISH_TIMEOUT_S;
		}
		if (!shared->deadline && t >= limit && !shared->stop) {
			note(oom_msg, "the workers did not fill their memory in %d s",
			     SETUP_TIMEOUT_S);
			__atomic_store_n(&shared->stop, 1, __ATOMIC_RELEASE);
			limit = t + FINISH_TIMEOUT_S;
		} else if (shared->stop && t >= limit) {
			note(oom_msg, "workers still running %d s after the soak: killed",
			     FINISH_TIMEOUT_S);
			for (i = 0; i < NR_WORKERS; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
		}
		if (t >= next_sample && !shared->stop) {
			unsigned long plain_swap = 0;

			for (i = 0; i < NR_WORKERS; i++) {
				struct sample s = { .worker = i, .msg = smaps_msg };

				if (!pids[i] || !shared->w[i].ready ||
				    smaps_read(pids[i], sample_vma, &s) < 0)
					continue;
				smaps_bad += s.bad;
				plain_swap += s.plain_swap_kb;
				if (s.drop_vmas < min_drop_vmas)
					min_drop_vmas = s.drop_vmas;
			}
			if (plain_swap > max_plain_swap)
				max_plain_swap = plain_swap;
			samples++;
			if (use_cg) {
				v = cg_key(cg, "memory.events", "oom_kill");
				if (v > oom_kill)
					oom_kill = v;
				v = cg_value(cg, "memory.swap.current");
				if (v > swap_peak)
					swap_peak = v;
				v = cg_value(cg, "memory.current");
				if (v > mem_peak)
					mem_peak = v;
			}
			if (t >= next_progress) {
				printf("# %4.0f s: plain memory in swap %lu kB, memory.current %lld kB, "
				       "memory.swap.current %lld kB, oom_kill %lld\n", t - t0,
				       plain_swap, use_cg ? cg_value(cg, "memory.current") >> 10 : -1,
				       use_cg ? cg_value(cg, "memory.swap.current") >> 10 : -1,
				       oom_kill);
				next_progress += PROGRESS_S;
			}
			next_sample = t + SAMPLE_MS / 1000.0;
		}
		usleep(20000);
	}
	if (use_cg) {
		v = cg_key(cg, "memory.events", "oom_kill");
		if (v > oom_kill)
			oom_kill = v;
		if (v < 0)
			note(oom_msg, "cannot read oom_kill from %s/memory.events", cg);
		printf("# memory.events: oom %lld, oom_kill %lld, max %lld; peaks: "
		       "memory.current %lld kB, memory.swap.current %lld kB\n",
		       cg_key(cg, "memory.events", "oom"), v, cg_key(cg, "memory.events", "max"),
		       mem_peak >> 10, swap_peak >> 10);
		if (rmdir(cg))
			printf("# rmdir %s: %s\n", cg, strerror(errno));
	}
	/* Leave zram as it was found: without a size, if it had none. */
	if (want_swap && !swap_was_on && !zram_size && zram_swap_listed(ZRAM_DEV) == 1 &&
	    zram_swap_off(off_msg, sizeof(off_msg))) {
		printf("# %s\n", off_msg);
		first(setup, off_msg);
	}

	for (i = 0; i < NR_WORKERS; i++) {
		struct report *w = &shared->w[i];

		printf("# worker %d: %lu iterations, %lu full checks, %lu forks, %lu mremaps, "
		       "%lu mprotects, %lu mlocks, %lu madvises\n", i, w->iterations,
		       w->full_checks, w->forks, w->mremaps, w->mprotects, w->mlocks, w->advices);
		printf("# worker %d: plain: %lu pages checked, %lu freed to zeros; droppable: "
		       "%lu checked, %lu intact, %lu zeros, %lu torn; vDSO: %lu calls, "
		       "%lu blocks remembered\n", i, w->plain_checked, w->plain_freed_zero,
		       w->drop_checked, w->drop_full, w->drop_zero, w->drop_torn, w->vdso_calls,
		       w->blocks);
		if (w->setup_msg[0])
			printf("# worker %d: %s\n", i, w->setup_msg);
		first(setup, w->setup_msg);
		first(op_msg, w->op_msg);
		op_bad += w->op_bad;
		first(plain_msg, w->plain_msg);
		first(drop_msg, w->drop_msg);
		first(child_msg, w->child_msg);
		first(vdso_msg, w->vdso_msg);
		first(repeat_msg, w->repeat_msg);
		plain_bad += w->plain_bad;
		drop_bad += w->drop_bad;
		drop_full += w->drop_full;
		drop_zero += w->drop_zero;
		drop_torn += w->drop_torn;
		child_bad += w->child_bad;
		forks += w->forks;
		vdso_bad += w->vdso_bad;
		repeats += w->vdso_repeats;
		calls += w->vdso_calls;
		if (!w->full_checks)
			note(plain_msg, "worker %d never checked all of its memory", i);
	}
	printf("# %lu smaps samples, plain memory in swap at most %lu kB; droppable pages "
	       "read: %lu intact, %lu zeros, %lu torn\n", samples, max_plain_swap, drop_full,
	       drop_zero, drop_torn);

	if (!want_swap)
		ktap_skip(1, "zram swap and a memory cgroup set up", "nocg: not set up");
	else if (!want_cg)
		ktap(!setup[0], 1, "zram swap set up (nomemcg: no memory cgroup)", setup);
	else
		ktap(!setup[0], 1, "zram swap and a memory cgroup set up, workers in it", setup);
	ktap(!op_bad && !op_msg[0], 2,
	     "every mremap, mprotect, mlock, madvise and fork call worked", op_msg);
	ktap(!plain_bad && !plain_msg[0], 3,
	     "plain anonymous memory intact at every check and at the end", plain_msg);
	ktap(!drop_bad && !drop_msg[0] && drop_full, 4,
	     "droppable memory reads only its last data or zeros",
	     drop_msg[0] ? drop_msg : "no droppable page ever read back its data");
	ktap(!child_bad && !child_msg[0] && forks, 5,
	     "fork children: droppable memory and vDSO states wiped, plain memory intact",
	     child_msg[0] ? child_msg : "no fork child ran");
	if (!samples || min_drop_vmas == 0 || min_drop_vmas == ~0UL)
		note(smaps_msg, "%s", samples ? "a sample found no droppable VMA (no dp flag?)" :
			  "no smaps sample taken");
	ktap(!smaps_bad && !smaps_msg[0], 6,
	     "smaps: no droppable VMA ever had Swap or Locked above 0 kB", smaps_msg);
	if (!want_swap)
		ktap_skip(7, "smaps: plain memory was swapped", "nocg: no swap");
	else
		ktap(max_plain_swap > 0, 7, "smaps: plain memory was swapped",
		     "plain memory never showed Swap in smaps: swap was not exercised");
	if (use_cg && oom_kill)
		note(oom_msg, "memory.events: oom_kill %lld", oom_kill);
	ktap(exited_ok && !oom_msg[0], 8, "no OOM kill, every worker ran to the end", oom_msg);
	ktap(!vdso_bad && calls, 9, "vDSO getrandom: never an error or a short count",
	     vdso_msg[0] ? vdso_msg : "no vDSO call made");
	ktap(!repeats, 10, "vDSO getrandom: no 16-byte block repeated", repeat_msg);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       NR_CHECKS - failures - (want_swap ? 0 : 2), failures, want_swap ? 0 : 2);
	return failures ? 1 : 0;
}
