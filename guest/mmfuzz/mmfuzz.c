// SPDX-License-Identifier: GPL-2.0
/*
 * mmfuzz: a seeded random-operation fuzzer for MAP_DROPPABLE memory and the
 * plain anonymous and shmem mappings next to it.
 *
 * Everything happens inside an arena of NPAGES pages, so that nothing else
 * of the process is ever hit. The arena sits in a larger shared anonymous
 * PROT_NONE reservation, whose leftovers are guards that never merge with
 * what the fuzzer maps, and it contains no 2 MiB boundary, so that no THP
 * or hugetlb page can ever fit. Random mmap (every mapping type with and
 * without MAP_ANONYMOUS or a memfd, MAP_LOCKED, MAP_HUGETLB, MAP_GROWSDOWN,
 * MAP_POPULATE, MAP_NORESERVE, MAP_STACK, MAP_FIXED, MAP_FIXED_NOREPLACE),
 * munmap, mremap (shrink, grow, move, MREMAP_FIXED, MREMAP_DONTUNMAP),
 * mprotect, madvise (advice 0 to 25 and invalid ones), mlock, mlock2,
 * munlock, mlockall, munlockall, fork, userfaultfd registration,
 * process_madvise and plain writes run against a model of the arena: one
 * slot per page with its mapping kind, protection, lock and fork flags and
 * what its data must be.
 *
 * What is checked:
 *  - every call returns what the ABI says for its arguments and the
 *    model's state: success or one errno (a small documented set where the
 *    kernel's answer depends on things the model cannot know);
 *  - /proc/self/smaps agrees with the model page by page: perms, "dp" on
 *    exactly the droppable pages, which also show "wf dd nr" and never
 *    "lo", "mg" or "um" and have no swap; "lo", "wf", "dc", "dd", "gd" as
 *    the model says elsewhere;
 *  - data: a plain page holds its pattern (or zero where the model says
 *    it was freed); a droppable page holds its last pattern or zeros,
 *    never anything else, and once it read zero it stays zero until
 *    written;
 *  - fork: the child sees droppable and MADV_WIPEONFORK memory as zeros,
 *    plain memory intact, MADV_DONTFORK ranges unmapped.
 *
 * Output is KTAP, one line per check group. The first failure stops the
 * run and prints the op, its arguments, the seed and the op index.
 * The seed and op count come from mmfuzz.seed=, mmfuzz.ops= (and
 * mmfuzz.time=, seconds) on the kernel command line, or from argv[1..3]
 * on a host. Exits 0 only if every group passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "../prng.h"
#include "../zram.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE		0x08
#endif
#ifndef PROT_SEM
#define PROT_SEM		0x08
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT		26
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT		4
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise	440
#endif

#define NPAGES		256		/* the arena */
#define RESERVE		(4UL << 20)	/* arena plus guards */
#define HPAGE		(2UL << 20)
#define NFILES		24		/* shmem objects alive at once */
#define FILE_PAGES	(4 * NPAGES)	/* memfd size: room for mremap growth */
#define MAX_RUN		24		/* longest range most ops pick */
#define DEFAULT_OPS	3000
#define DEFAULT_SECS	40
#define FULL_CHECK_EVERY 32	/* ops between checks of every page */
#define SMAPS_EVERY	4	/* VMA-changing ops between smaps checks */
#define HISTORY		8	/* ops shown when a check fails */
#define MAX_EXPECT	6
#define PROT_ALL	(PROT_READ | PROT_WRITE | PROT_EXEC)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum kind { K_HOLE, K_ANON, K_DROP, K_SHANON, K_SHFILE, K_PRFILE };
static const char *const kind_name[] = {
	"hole", "anon", "droppable", "shared-anon", "shared-memfd", "private-memfd",
};

/* What a page must read: ZERO, its pattern (DATA), or either (EITHER). */
enum dstate { D_ZERO, D_DATA, D_EITHER };

struct data {
	uint8_t state;
	uint64_t tag;		/* the pattern, for D_DATA and D_EITHER */
};

struct slot {
	uint8_t kind;
	uint8_t prot;
	bool locked;		/* VM_LOCKED */
	bool onfault;		/* VM_LOCKONFAULT */
	bool wipe;		/* MADV_WIPEONFORK */
	bool dontfork;		/* MADV_DONTFORK */
	bool dontdump;		/* MADV_DONTDUMP */
	bool growsdown;
	int file;		/* shared kinds: index into files[] */
	unsigned int off;	/* shared kinds: page offset in the file */
	struct data d;		/* private kinds: the page's own data */
};

/* A shmem object: the data of shared pages lives here, not in the slot. */
struct file {
	int refs;		/* slots mapping it */
	unsigned int size;	/* pages */
	struct data pg[FILE_PAGES];
};

enum group {
	G_MMAP, G_REMAP, G_MPROTECT, G_MADVISE, G_MLOCK, G_UFFD, G_PMADV,
	G_SMAPS, G_PLAIN, G_DROP, G_FORK, NR_GROUPS
};
static const char *const group_name[NR_GROUPS] = {
	"errno: mmap of every type and flag combination",
	"errno: munmap and mremap (shrink, grow, move, FIXED, DONTUNMAP)",
	"errno: mprotect",
	"errno: madvise, advice 0-25 and invalid ones",
	"errno: mlock, mlock2, munlock, mlockall, munlockall",
	"userfaultfd: droppable ranges refused with EINVAL, plain ones accepted",
	"errno: process_madvise MADV_COLD/MADV_PAGEOUT/MADV_WILLNEED on a pidfd of self",
	"smaps: VmFlags and perms match the model; droppable: dp wf dd nr, never lo mg um, no swap",
	"data: plain pages keep their pattern, or zero where freed",
	"data: droppable pages read their last pattern or zero, nothing else",
	"fork: droppable and wipe-on-fork read zero, plain intact, dontfork absent",
};

static const char *const group_short[NR_GROUPS] = {
	"mmap", "munmap/mremap", "mprotect", "madvise", "mlock", "userfaultfd",
	"process_madvise", "smaps", "plain data", "droppable data", "fork",
};

static struct slot slots[NPAGES];
static struct file files[NFILES];
static char *arena;
static unsigned long reserve_lo, reserve_hi;	/* arena and guards */
static long psize;
static uint64_t seed, rng;
static unsigned long nops = DEFAULT_OPS, max_secs = DEFAULT_SECS;
static unsigned long op_index;
static uint32_t write_gen;
static bool mcl_future, mcl_onfault;	/* mm->def_flags as the model sees it */
static bool have_ksm, have_thp;
static int uffd_state;			/* 0 untried, 1 works, -errno unavailable */
static bool is_child;

static bool failed[NR_GROUPS], skipped[NR_GROUPS];
static unsigned long checks[NR_GROUPS];
static const char *skip_why[NR_GROUPS];
static bool stop;
static char op_desc[512];
static char history[HISTORY][512];	/* the ops before this one */
static unsigned long op_count[16];

/* Pages touched by the current op: verified right after it. */
static int touched[4 * MAX_RUN + 8];
static int ntouched;

/* ---------------------------------------------------------------- */
/* Randomness: xorshift64*, so that a seed replays the same run.    */

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---------------------------------------------------------------- */
/* Reporting.                                                       */

/*
 * smaps and most pages are checked only every few ops: a failure found
 * there may come from one of the ops before, so they are shown too.
 */
static void show_history(void)
{
	unsigned long k;

	for (k = op_index < HISTORY ? op_index : HISTORY; k > 0; k--)
		printf("#   before, op %lu: %s\n", op_index - k, history[(op_index - k) % HISTORY]);
}

static void fail(enum group g, const char *fmt, ...)
{
	va_list ap;

	if (!stop && !is_child) {
		printf("# FAIL: %s\n", group_name[g]);
		show_history();
	}
	failed[g] = true;
	stop = true;
	printf("# %sop %lu (seed %llu): %s\n", is_child ? "fork child: " : "",
	       op_index, (unsigned long long)seed, op_desc);
	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static const char *err_name(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EOVERFLOW: return "EOVERFLOW";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* A set of acceptable results: 0 is success, else an errno. */
struct expect {
	int n;
	int v[MAX_EXPECT];
};

static struct expect one(int e)
{
	struct expect x = { 1, { e } };

	return x;
}

static void also(struct expect *x, int e)
{
	int i;

	for (i = 0; i < x->n; i++)
		if (x->v[i] == e)
			return;
	if (x->n < MAX_EXPECT)
		x->v[x->n++] = e;
}

static bool allowed(const struct expect *x, int e)
{
	int i;

	for (i = 0; i < x->n; i++)
		if (x->v[i] == e)
			return true;
	return false;
}

/*
 * What the calls returned, per group, apart for those aimed at droppable
 * memory: shows that the run reached the cases it is meant to.
 */
static const int tally_errno[] = {
	0, EPERM, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EEXIST, EINVAL, ENOSYS, EOPNOTSUPP,
};
#define NR_TALLY (ARRAY_SIZE(tally_errno))
static unsigned long tally[NR_GROUPS][2][NR_TALLY + 1];
static bool op_drop;		/* the op aims at droppable memory */

static void count_result(enum group g, int e)
{
	size_t i;

	for (i = 0; i < NR_TALLY && tally_errno[i] != e; i++)
		;
	tally[g][op_drop][i]++;
}

static void print_tally(enum group g)
{
	size_t i;
	int d;

	for (d = 0; d < 2; d++) {
		printf("# %s results, %s:", group_short[g], d ? "aimed at droppable memory" : "others");
		for (i = 0; i <= NR_TALLY; i++)
			if (tally[g][d][i])
				printf(" %s %lu", i < NR_TALLY ? err_name(tally_errno[i]) : "other",
				       tally[g][d][i]);
		printf("\n");
	}
}

static bool check_errno(enum group g, int got, const struct expect *want)
{
	char list[128] = "";
	int i;

	checks[g]++;
	count_result(g, got);
	if (allowed(want, got))
		return true;
	for (i = 0; i < want->n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? " or " : "", err_name(want->v[i]));
	fail(g, "got %s, expected %s", err_name(got), list);
	return false;
}

/* ---------------------------------------------------------------- */
/* The model.                                                       */

static char *page(int i)
{
	return arena + (long)i * psize;
}

static bool mapped(int i)
{
	return slots[i].kind != K_HOLE;
}

static bool shared_kind(int k)
{
	return k == K_SHANON || k == K_SHFILE;
}

static bool readable(int i)
{
	return mapped(i) && (slots[i].prot & PROT_READ);
}

static struct data *slot_data(int i)
{
	struct slot *s = &slots[i];

	if (shared_kind(s->kind))
		return &files[s->file].pg[s->off];
	return &s->d;
}

static void file_put(int f)
{
	if (--files[f].refs < 0)
		files[f].refs = 0;
}

static int file_get_free(void)
{
	int f;

	for (f = 0; f < NFILES; f++)
		if (!files[f].refs)
			return f;
	return -1;
}

static void slot_clear(int i)
{
	if (shared_kind(slots[i].kind))
		file_put(slots[i].file);
	memset(&slots[i], 0, sizeof(slots[i]));
}

static void touch(int i)
{
	if (ntouched < (int)(ARRAY_SIZE(touched)))
		touched[ntouched++] = i;
}

static bool any_growsdown(void)
{
	int i;

	for (i = 0; i < NPAGES; i++)
		if (mapped(i) && slots[i].growsdown)
			return true;
	return false;
}

static bool all_holes(int first, int n)
{
	int i;

	for (i = first; i < first + n; i++)
		if (mapped(i))
			return false;
	return true;
}

/* ---------------------------------------------------------------- */
/* Page contents: a tag that names the write, and words derived     */
/* from it, so that another page's pattern is recognised as such.   */

static uint64_t new_tag(int i)
{
	write_gen++;
	return 1ULL << 63 | (uint64_t)write_gen << 24 | (uint64_t)i << 12 | (seed & 0xfff);
}

static uint64_t word(uint64_t tag, unsigned int w)
{
	return w ? mix64(tag + w) : tag;
}

static void fill(void *p, uint64_t tag)
{
	uint64_t *q = p;
	unsigned int w, n = psize / sizeof(*q);

	for (w = 0; w < n; w++)
		q[w] = word(tag, w);
}

enum seen { SEEN_ZERO, SEEN_TAG, SEEN_OTHER, SEEN_FAULT };

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Which of zero, @tag or something else page @p holds. */
static enum seen inspect(const void *p, uint64_t tag, uint64_t *first)
{
	const volatile uint64_t *q = p;
	unsigned int w, n = psize / sizeof(*q);
	uint64_t w0;

	if (sigsetjmp(fault_jmp, 0))
		return SEEN_FAULT;
	fault_armed = 1;
	w0 = q[0];
	*first = w0;
	if (!w0) {
		for (w = 1; w < n && !q[w]; w++)
			;
		fault_armed = 0;
		return w == n ? SEEN_ZERO : SEEN_OTHER;
	}
	for (w = 0; w < n && q[w] == word(w0, w); w++)
		;
	fault_armed = 0;
	if (w != n)
		return SEEN_OTHER;
	return w0 == tag ? SEEN_TAG : SEEN_OTHER;
}

static bool write_page(int i, uint64_t tag)
{
	if (sigsetjmp(fault_jmp, 0))
		return false;
	fault_armed = 1;
	fill(page(i), tag);
	fault_armed = 0;
	return true;
}

static void describe_other(int i, const void *p, uint64_t w0, char *buf, size_t len)
{
	const uint64_t *q = p;
	unsigned int w, n = psize / sizeof(*q);

	for (w = 0; w < n && q[w] == word(w0, w); w++)
		;
	if (w == n && (w0 >> 63))
		snprintf(buf, len, "the pattern of write %llu to slot %llu",
			 (unsigned long long)(w0 >> 24 & 0xffffffff),
			 (unsigned long long)(w0 >> 12 & 0xfff));
	else
		snprintf(buf, len, "garbage (word 0 %#llx, first bad word %u)",
			 (unsigned long long)w0, w);
	(void)i;
}

/*
 * Checks page @i against the model. @fresh: the child of a fork, where
 * droppable and wipe-on-fork pages must be all zeros.
 */
static void verify_page(int i, bool fresh)
{
	struct slot *s = &slots[i];
	struct data *d = slot_data(i);
	enum group g = s->kind == K_DROP ? G_DROP : G_PLAIN;
	bool zero_only = d->state == D_ZERO ||
			 (fresh && (s->kind == K_DROP || s->wipe));
	uint64_t w0 = 0;
	char what[96];
	enum seen seen;

	if (!readable(i))
		return;
	if (is_child)
		g = G_FORK;
	checks[g]++;
	seen = inspect(page(i), d->tag, &w0);
	if (seen == SEEN_FAULT) {
		fail(g, "slot %d (%s, prot %d): fault reading a page the model says is readable",
		     i, kind_name[s->kind], s->prot);
		return;
	}
	if (seen == SEEN_ZERO) {
		if (d->state == D_DATA && !zero_only)
			fail(g, "slot %d (%s): reads zero, expected its pattern %#llx",
			     i, kind_name[s->kind], (unsigned long long)d->tag);
		else if (!fresh)
			d->state = D_ZERO;	/* freed: stays zero until written */
		return;
	}
	if (seen == SEEN_TAG && !zero_only)
		return;
	if (seen == SEEN_TAG)
		snprintf(what, sizeof(what), "its own last pattern");
	else
		describe_other(i, page(i), w0, what, sizeof(what));
	fail(g, "slot %d (%s%s): holds %s, expected %s", i, kind_name[s->kind],
	     fresh ? ", in the fork child" : "", what,
	     zero_only ? "zeros" : d->state == D_DATA ? "its pattern" : "its pattern or zeros");
}

static void verify_all(void)
{
	int i;

	for (i = 0; i < NPAGES && !stop; i++)
		verify_page(i, false);
}

static void verify_sample(void)
{
	int i;

	for (i = 0; i < ntouched && !stop; i++)
		verify_page(touched[i], false);
	for (i = 0; i < 4 && !stop; i++)
		verify_page(below(NPAGES), false);
}

/* Writes a new pattern to page @i, where the model says it may. */
static void write_slot(int i)
{
	struct slot *s = &slots[i];
	struct data *d = slot_data(i);
	uint64_t tag;

	if (!mapped(i) || !(s->prot & PROT_WRITE))
		return;
	tag = new_tag(i);
	if (!write_page(i, tag)) {
		fail(s->kind == K_DROP ? G_DROP : G_PLAIN,
		     "slot %d (%s, prot %d): fault writing a page the model says is writable",
		     i, kind_name[s->kind], s->prot);
		return;
	}
	d->tag = tag;
	/* A droppable page may be dropped at any time after it is written. */
	d->state = s->kind == K_DROP ? D_EITHER : D_DATA;
}

/* ---------------------------------------------------------------- */
/* /proc/self/smaps against the model.                              */

struct kvma {
	long first, end;	/* slots */
	char perms[5];
	long swap_kb;
	char flags[256];
};

static char smaps_buf[1 << 20];
static struct kvma kvmas[NPAGES + 4];
static int nkvmas;

static bool has_flag(const struct kvma *v, const char *f)
{
	const char *p = v->flags;

	for (; (p = strstr(p, f)); p += 2)
		if ((p == v->flags || p[-1] == ' ') && (p[2] == ' ' || !p[2]))
			return true;
	return false;
}

static bool read_all(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return n == 0 && len < size - 1;
}

/*
 * The arena's VMAs as the kernel has them: from /proc/self/smaps with
 * their flags, or only their bounds and perms from /proc/self/maps, which
 * costs a fraction (smaps walks every VMA's page tables: about 10 us per
 * VMA on a fast host, far more under TCG).
 */
static bool read_kvmas(enum group g, bool flags)
{
	const char *path = flags ? "/proc/self/smaps" : "/proc/self/maps";
	unsigned long lo = (unsigned long)arena, hi = lo + NPAGES * psize;
	unsigned long start, end;
	struct kvma *v = NULL;
	char *line, *next;
	int guards = 0;

	nkvmas = 0;
	if (!read_all(path, smaps_buf, sizeof(smaps_buf))) {
		fail(g, "cannot read %s: %s", path, strerror(errno));
		return false;
	}
	for (line = smaps_buf; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if ((*line >= '0' && *line <= '9') || (*line >= 'a' && *line <= 'f')) {
			v = NULL;
			if (sscanf(line, "%lx-%lx", &start, &end) != 2)
				continue;
			guards += (start < lo && end == lo) + (start == hi && end > hi);
			if (end <= lo || start >= hi)
				continue;
			if (start < lo || end > hi) {
				fail(G_SMAPS, "VMA %lx-%lx crosses the arena's edge %lx-%lx",
				     start, end, lo, hi);
				return false;
			}
			v = &kvmas[nkvmas++];
			memset(v, 0, sizeof(*v));
			v->first = (start - lo) / psize;
			v->end = (end - lo) / psize;
			memcpy(v->perms, strchr(line, ' ') + 1, 4);
		} else if (v && !strncmp(line, "Swap:", 5)) {
			v->swap_kb = strtol(line + 5, NULL, 10);
		} else if (v && !strncmp(line, "VmFlags:", 8)) {
			snprintf(v->flags, sizeof(v->flags), "%s", line + 8);
		}
	}
	/* The guards must still be there: nothing may reach out of the arena. */
	if (guards != 2) {
		fail(g, "the guard mappings around the arena are gone: something reached out of it");
		return false;
	}
	return true;
}

static void expect_flag(const struct kvma *v, int i, const char *f, bool want)
{
	if (has_flag(v, f) != want)
		fail(is_child ? G_FORK : G_SMAPS,
		     "slot %d (%s) in VMA of slots %ld-%ld: VmFlags%s; \"%s\" should be %s",
		     i, kind_name[slots[i].kind], v->first, v->end - 1, v->flags, f,
		     want ? "there" : "absent");
}

static void check_vma_page(const struct kvma *v, int i)
{
	const struct slot *s = &slots[i];
	bool drop = s->kind == K_DROP;
	char perms[5];

	snprintf(perms, sizeof(perms), "%c%c%c%c", s->prot & PROT_READ ? 'r' : '-',
		 s->prot & PROT_WRITE ? 'w' : '-', s->prot & PROT_EXEC ? 'x' : '-',
		 shared_kind(s->kind) ? 's' : 'p');
	if (strcmp(perms, v->perms))
		fail(is_child ? G_FORK : G_SMAPS, "slot %d (%s): perms %s, model %s",
		     i, kind_name[s->kind], v->perms, perms);
	expect_flag(v, i, "dp", drop);
	expect_flag(v, i, "lo", s->locked && !is_child);
	expect_flag(v, i, "wf", drop || s->wipe);
	expect_flag(v, i, "dc", s->dontfork);
	expect_flag(v, i, "dd", drop || s->dontdump);
	expect_flag(v, i, "gd", s->growsdown);
	expect_flag(v, i, "um", false);
	expect_flag(v, i, "uw", false);
	if (drop) {
		expect_flag(v, i, "nr", true);
		expect_flag(v, i, "mg", false);
		if (v->swap_kb)
			fail(is_child ? G_FORK : G_SMAPS, "slot %d: droppable VMA with Swap: %ld kB",
			     i, v->swap_kb);
	}
}

/* The model's own bookkeeping: a file's references are the slots mapping it. */
static void check_refs(void)
{
	int refs[NFILES] = { 0 }, i, f;

	for (i = 0; i < NPAGES; i++)
		if (shared_kind(slots[i].kind))
			refs[slots[i].file]++;
	for (f = 0; f < NFILES; f++)
		if (refs[f] != files[f].refs)
			fail(G_SMAPS, "fuzzer bug: shmem model %d has %d references, %d slots map it",
			     f, files[f].refs, refs[f]);
}

static void check_smaps(void)
{
	static bool covered[NPAGES];
	enum group g = is_child ? G_FORK : G_SMAPS;
	int k, i;

	if (!is_child)
		check_refs();
	if (stop || !read_kvmas(g, true))
		return;
	checks[g]++;
	memset(covered, 0, sizeof(covered));
	for (k = 0; k < nkvmas && !stop; k++) {
		for (i = kvmas[k].first; i < kvmas[k].end && !stop; i++) {
			if (!mapped(i) || (is_child && slots[i].dontfork)) {
				fail(g, "the kernel has slot %d mapped (VMA of slots %ld-%ld, %s), the model has no mapping there",
				     i, kvmas[k].first, kvmas[k].end - 1, kvmas[k].perms);
				return;
			}
			covered[i] = true;
			check_vma_page(&kvmas[k], i);
		}
	}
	for (i = 0; i < NPAGES && !stop; i++)
		if (mapped(i) && !covered[i] && !(is_child && slots[i].dontfork))
			fail(g, "slot %d (%s) is mapped in the model but not in smaps",
			     i, kind_name[slots[i].kind]);
}

/* The kernel VMA holding slot @i, or NULL. Needs read_kvmas(). */
static const struct kvma *kvma_at(int i)
{
	int k;

	for (k = 0; k < nkvmas; k++)
		if (kvmas[k].first <= i && i < kvmas[k].end)
			return &kvmas[k];
	return NULL;
}

/* ---------------------------------------------------------------- */
/* Picking arguments.                                               */

static const int prots[] = {
	PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
	PROT_READ | PROT_WRITE | PROT_EXEC, PROT_READ | PROT_WRITE,
};

/* PROT_EXEC alone could be execute-only (pkeys): never read, so not used. */
static int random_prot(void)
{
	return prots[below(ARRAY_SIZE(prots))];
}

static int random_len(void)
{
	if (chance(70))
		return 1 + below(8);
	return 1 + below(MAX_RUN);
}

/* A range of whole slots inside the arena, often starting on a droppable one. */
static void pick_range(int *first, int *n)
{
	int i, start = below(NPAGES), len = random_len();

	if (chance(40)) {
		for (i = 0; i < NPAGES; i++) {
			int j = (start + i) % NPAGES;

			if (slots[j].kind == K_DROP) {
				start = j;
				break;
			}
		}
	}
	/* Half the time within one run of like pages: fewer holes, more successes. */
	if (chance(50)) {
		for (i = start; i < start + len && i < NPAGES; i++)
			if (slots[i].kind != slots[start].kind)
				break;
		len = i - start;
	} else if (chance(30) && start > 0) {
		start -= below(start < 3 ? start + 1 : 3);
	}
	if (start + len > NPAGES)
		len = NPAGES - start;
	*first = start;
	*n = len;
	for (i = start; i < start + len; i++)
		op_drop |= slots[i].kind == K_DROP;
}

/* Bytes for @n pages, sometimes short of the last page (the kernel rounds up). */
static size_t bytes(int n)
{
	size_t len = (size_t)n * psize;

	if (n && chance(10))
		len -= 1 + below(psize - 1);
	return len;
}

static void note_range(int first, int n)
{
	int i;

	for (i = first; i < first + n && i < NPAGES; i++)
		if (i >= 0 && (i == first || i == first + n - 1 || chance(30)))
			touch(i);
	if (first > 0)
		touch(first - 1);
	if (first + n < NPAGES)
		touch(first + n);
}

/* ---------------------------------------------------------------- */
/* mmap                                                             */

struct mmap_args {
	int first, n;		/* where, in slots */
	size_t len;
	int prot, type, flags;	/* flags without the type */
	int backing;		/* 0 anonymous, 1 memfd, 2 fd -1 without MAP_ANONYMOUS */
	bool unaligned;
};

static void flag_names(char *buf, size_t len, int type, int flags)
{
	static const struct { int f; const char *n; } names[] = {
		{ MAP_ANONYMOUS, "ANONYMOUS" }, { MAP_FIXED, "FIXED" },
		{ MAP_FIXED_NOREPLACE, "FIXED_NOREPLACE" }, { MAP_LOCKED, "LOCKED" },
		{ MAP_HUGETLB, "HUGETLB" }, { MAP_GROWSDOWN, "GROWSDOWN" },
		{ MAP_POPULATE, "POPULATE" }, { MAP_NORESERVE, "NORESERVE" },
		{ MAP_STACK, "STACK" },
	};
	const char *t;
	size_t i;

	t = type == MAP_SHARED ? "MAP_SHARED" :
	    type == MAP_PRIVATE ? "MAP_PRIVATE" :
	    type == MAP_SHARED_VALIDATE ? "MAP_SHARED_VALIDATE" :
	    type == MAP_DROPPABLE ? "MAP_DROPPABLE" : "type";
	snprintf(buf, len, "%s(%#x)", t, type);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (flags & names[i].f)
			snprintf(buf + strlen(buf), len - strlen(buf), "|%s", names[i].n);
	if (flags >> MAP_HUGE_SHIFT)
		snprintf(buf + strlen(buf), len - strlen(buf), "|HUGE_SHIFT(%d)",
			 flags >> MAP_HUGE_SHIFT);
}

static int random_type(void)
{
	static const int odd[] = { 0, 0x04, 0x09, 0x0a, 0x0b, 0x0f };
	unsigned int r = below(100);

	if (r < 35)
		return MAP_DROPPABLE;
	if (r < 60)
		return MAP_PRIVATE;
	if (r < 78)
		return MAP_SHARED;
	if (r < 92)
		return MAP_SHARED_VALIDATE;
	return odd[below(ARRAY_SIZE(odd))];
}

static void random_mmap(struct mmap_args *a)
{
	unsigned int r;

	pick_range(&a->first, &a->n);
	a->len = bytes(a->n);
	if (chance(1))
		a->len = 0;
	a->prot = random_prot();
	a->type = random_type();
	r = below(100);
	a->backing = r < 75 ? 0 : r < 96 ? 1 : 2;
	/* Shared memory needs a model of its shmem object: none left, none made. */
	if (file_get_free() < 0) {
		if (a->backing == 1)
			a->backing = 0;
		if (a->type == MAP_SHARED || a->type == MAP_SHARED_VALIDATE)
			a->type = MAP_PRIVATE;
	}
	a->flags = a->backing ? 0 : MAP_ANONYMOUS;
	if (chance(8))
		a->flags |= MAP_LOCKED;
	if (chance(5) && a->len)
		a->flags |= MAP_HUGETLB | (chance(30) ? 21 << MAP_HUGE_SHIFT :
					   chance(30) ? 13 << MAP_HUGE_SHIFT : 0);
	if (chance(8))
		a->flags |= MAP_GROWSDOWN;
	if (chance(10))
		a->flags |= MAP_POPULATE;
	if (chance(10))
		a->flags |= MAP_NORESERVE;
	if (chance(8))
		a->flags |= MAP_STACK;
	r = below(100);
	a->flags |= r < 60 ? MAP_FIXED : r < 80 ? MAP_FIXED_NOREPLACE :
		    r < 85 ? MAP_FIXED | MAP_FIXED_NOREPLACE : 0;
	/* Hugetlb only ever at a fixed address: none in the arena can be aligned. */
	if ((a->flags & MAP_HUGETLB) && !(a->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
	    chance(50))
		a->flags |= MAP_FIXED;
	a->unaligned = (a->flags & MAP_FIXED) && chance(2);
}

/*
 * The errno do_mmap() and ksys_mmap_pgoff() give for @a, in their order,
 * or 0. MAP_HUGETLB without a file first sets up a hugetlb file: ENOSYS
 * without hugetlbfs (the guest), ENOMEM without huge pages (no
 * MAP_NORESERVE), EINVAL for an unknown size; past that, a MAP_FIXED
 * address in the arena is never 2 MiB aligned: EINVAL too. So hugetlb is
 * one of those three, whatever the type: droppable must never succeed.
 */
static struct expect mmap_expect(const struct mmap_args *a, bool *maybe_elsewhere)
{
	bool fixed = a->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	bool anon = a->backing == 0;
	struct expect x;

	*maybe_elsewhere = false;
	if (a->backing == 2)
		return one(EBADF);
	if (!anon && (a->flags & MAP_HUGETLB))
		return one(EINVAL);
	if (anon && (a->flags & MAP_HUGETLB)) {
		x = one(ENOSYS);
		also(&x, ENOMEM);
		also(&x, EINVAL);
		/* Not fixed: a plain one may get huge pages elsewhere. */
		if (!fixed && (a->type == MAP_PRIVATE || a->type == MAP_SHARED ||
			       a->type == MAP_SHARED_VALIDATE)) {
			also(&x, 0);
			*maybe_elsewhere = true;
		}
		return x;
	}
	if (!a->len)
		return one(EINVAL);
	if (a->unaligned)
		return one(EINVAL);
	if ((a->flags & MAP_FIXED_NOREPLACE) && !all_holes(a->first, a->n))
		return one(EEXIST);
	if (!anon) {
		switch (a->type) {
		case MAP_SHARED_VALIDATE:
			/* LEGACY_MAP_MASK lacks MAP_FIXED_NOREPLACE (6.1 and 6.18). */
			if (a->flags & MAP_FIXED_NOREPLACE)
				return one(EOPNOTSUPP);
			break;
		case MAP_SHARED:
		case MAP_PRIVATE:
			break;
		default:	/* MAP_DROPPABLE included: anonymous only */
			return one(EINVAL);
		}
		if (a->flags & MAP_GROWSDOWN)
			return one(EINVAL);
		return one(0);
	}
	switch (a->type) {
	case MAP_SHARED:
		return one(a->flags & MAP_GROWSDOWN ? EINVAL : 0);
	case MAP_DROPPABLE:
		if (a->flags & (MAP_LOCKED | MAP_GROWSDOWN))
			return one(EINVAL);
		return one(0);
	case MAP_PRIVATE:
		return one(0);
	}
	/* MAP_SHARED_VALIDATE too: anonymous memory knows only MAP_SHARED. */
	return one(EINVAL);
}

static int new_file(unsigned int size)
{
	int f = file_get_free();
	unsigned int p;

	if (f < 0)
		return -1;
	files[f].size = size;
	for (p = 0; p < FILE_PAGES; p++)
		files[f].pg[p].state = D_ZERO;
	return f;
}

static enum kind mmap_kind(const struct mmap_args *a)
{
	int type = a->type;

	if (type == MAP_SHARED_VALIDATE)
		type = MAP_SHARED;
	if (a->backing == 1)
		return type == MAP_SHARED ? K_SHFILE : K_PRFILE;
	if (type == MAP_DROPPABLE)
		return K_DROP;
	return type == MAP_SHARED ? K_SHANON : K_ANON;
}

/* The model of a new mapping of @a at slot @first. */
static void model_map(const struct mmap_args *a, int first)
{
	enum kind k = mmap_kind(a);
	int f = -1, i;

	if (shared_kind(k))
		f = new_file(k == K_SHFILE ? FILE_PAGES : (unsigned int)a->n);
	for (i = first; i < first + a->n; i++) {
		struct slot *s = &slots[i];

		slot_clear(i);
		s->kind = k;
		s->prot = a->prot;
		s->locked = k != K_DROP && ((a->flags & MAP_LOCKED) || mcl_future);
		s->onfault = k != K_DROP && mcl_future && mcl_onfault;
		s->growsdown = (a->flags & MAP_GROWSDOWN) && k == K_ANON;
		s->d.state = D_ZERO;
		if (f >= 0) {
			s->file = f;
			s->off = i - first;
			files[f].refs++;
		}
	}
	note_range(first, a->n);
}

static bool in_reservation(const char *p, size_t len)
{
	unsigned long a = (unsigned long)p;

	return a + len > reserve_lo && a < reserve_hi;
}

static int open_memfd(void)
{
	int fd = syscall(SYS_memfd_create, "mmfuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)FILE_PAGES * psize)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void op_mmap(void)
{
	struct mmap_args a;
	bool elsewhere_ok;
	struct expect want;
	char names[160];
	char *addr, *ret;
	int fd = -1, err, at;

	random_mmap(&a);
	addr = page(a.first) + (a.unaligned ? 1 + below(psize - 1) : 0);
	if (a.backing == 1) {
		fd = open_memfd();
		if (fd < 0) {
			fail(G_MMAP, "memfd_create: %s", strerror(errno));
			return;
		}
	}
	flag_names(names, sizeof(names), a.type, a.flags);
	snprintf(op_desc, sizeof(op_desc),
		 "mmap(slot %d%s, %d pages (len %zu), prot %d, %s, fd %s)", a.first,
		 a.unaligned ? " + unaligned" : "", a.n, a.len, a.prot, names,
		 a.backing == 1 ? "memfd" : "-1");
	want = mmap_expect(&a, &elsewhere_ok);
	op_drop = a.type & MAP_DROPPABLE;
	ret = mmap(addr, a.len, a.prot, a.type | a.flags, fd, 0);
	err = ret == MAP_FAILED ? errno : 0;
	if (fd >= 0)
		close(fd);
	if (!check_errno(G_MMAP, err, &want) || err)
		return;

	/* Where it went: the hint, if free and no stack guard gap is about. */
	if (a.flags & MAP_HUGETLB) {
		if (!elsewhere_ok || in_reservation(ret, a.len))
			fail(G_MMAP, "hugetlb mapping at %p, reservation %#lx-%#lx", ret,
			     reserve_lo, reserve_hi);
		munmap(ret, (a.len + HPAGE - 1) & ~(HPAGE - 1));
		return;
	}
	if (ret == addr) {
		model_map(&a, a.first);
		return;
	}
	if ((a.flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) ||
	    (all_holes(a.first, a.n) && !any_growsdown() && !(a.flags & MAP_GROWSDOWN))) {
		fail(G_MMAP, "mapped at %p, not at the hint %p", ret, addr);
		return;
	}
	at = (ret - arena) / psize;
	if (ret >= arena && ret < arena + NPAGES * psize) {
		if (at + a.n > NPAGES || !all_holes(at, a.n)) {
			fail(G_MMAP, "mapped at slot %d over the model's mappings", at);
			return;
		}
		model_map(&a, at);
		return;
	}
	if (in_reservation(ret, a.len))
		fail(G_MMAP, "mapped at %p, inside the guards around the arena", ret);
	munmap(ret, a.len);
}

/* ---------------------------------------------------------------- */
/* munmap, mremap                                                   */

static void op_munmap(void)
{
	int first, n, err, i;
	bool unaligned = chance(3);
	size_t len;

	pick_range(&first, &n);
	len = chance(2) ? 0 : bytes(n);
	snprintf(op_desc, sizeof(op_desc), "munmap(slot %d%s, %d pages (len %zu))",
		 first, unaligned ? " + unaligned" : "", n, len);
	err = munmap(page(first) + (unaligned ? 8 : 0), len) ? errno : 0;
	if (!check_errno(G_REMAP, err, &(struct expect){ 1, { unaligned || !len ? EINVAL : 0 } }))
		return;
	if (err)
		return;
	for (i = first; i < first + n; i++)
		slot_clear(i);
	note_range(first, n);
}

/* Grown pages: as the VMA's last page, with zeros or the file's next pages. */
static void model_extend(int from, int to, int n)
{
	struct slot *last = &slots[from];
	int i;

	for (i = to; i < to + n; i++) {
		struct slot *s = &slots[i];

		slot_clear(i);
		*s = *last;
		s->d.state = D_ZERO;
		if (shared_kind(s->kind)) {
			s->off = last->off + 1 + (i - to);
			files[s->file].refs++;
		}
	}
}

/* Can the VMA whose last slot is @last grow by @n in its shmem object? */
static bool file_room(int last, int n)
{
	const struct slot *s = &slots[last];

	return !shared_kind(s->kind) || s->off + 1 + n <= files[s->file].size;
}

static void move_slots(struct slot *dst, const struct slot *src, int n)
{
	memmove(dst, src, n * sizeof(*dst));
}

/* The old range after a move: unmapped, or kept empty and unlocked. */
static void vacate(int first, int n, bool dontunmap)
{
	int i;

	for (i = first; i < first + n; i++) {
		if (!dontunmap) {
			memset(&slots[i], 0, sizeof(slots[i]));
			continue;
		}
		slots[i].locked = slots[i].onfault = false;
		slots[i].d.state = D_ZERO;
	}
}

/*
 * Checks what mremap moved out of the arena against the model and unmaps
 * it: the kernel chose an address the arena has no room for.
 */
static void moved_out(char *ret, int src, int old, int new)
{
	static struct slot saved[NPAGES];
	int i;

	memcpy(saved, &slots[src], old * sizeof(saved[0]));
	for (i = 0; i < old && i < new && !stop; i++) {
		const struct data *d = shared_kind(saved[i].kind) ?
			&files[saved[i].file].pg[saved[i].off] : &saved[i].d;
		uint64_t w0;
		enum seen seen;

		if (!(saved[i].prot & PROT_READ))
			continue;
		seen = inspect(ret + (long)i * psize, d->tag, &w0);
		if (seen == SEEN_FAULT || seen == SEEN_OTHER ||
		    (seen == SEEN_ZERO && d->state == D_DATA) ||
		    (seen == SEEN_TAG && d->state == D_ZERO))
			fail(saved[i].kind == K_DROP ? G_DROP : G_PLAIN,
			     "page %d moved out of the arena to %p does not hold what slot %d held",
			     i, ret, src + i);
	}
	munmap(ret, (size_t)new * psize);
}

struct remap_args {
	int src, old, new, dst;		/* slots; dst -1: none */
	int flags;
};

static struct expect remap_expect(const struct remap_args *a, const struct kvma *v,
				  bool *in_place)
{
	*in_place = false;
	if (a->flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return one(EINVAL);
	if ((a->flags & MREMAP_FIXED) && !(a->flags & MREMAP_MAYMOVE))
		return one(EINVAL);
	if ((a->flags & MREMAP_DONTUNMAP) &&
	    (!(a->flags & MREMAP_MAYMOVE) || a->old != a->new))
		return one(EINVAL);
	if (!a->new)
		return one(EINVAL);
	if (!v)
		return one(EFAULT);
	if (a->flags & MREMAP_FIXED) {
		if (a->src + a->old > a->dst && a->dst + a->new > a->src)
			return one(EINVAL);
		return one(0);
	}
	if (a->flags & MREMAP_DONTUNMAP) {
		/* new_addr is a hint then, but must not overlap either. */
		if (a->dst >= 0 && a->src + a->old > a->dst && a->dst + a->new > a->src)
			return one(EINVAL);
		return one(0);
	}
	if (a->new <= a->old)
		return one(0);
	if (a->src + a->old > v->end)
		return one(EFAULT);
	*in_place = a->src + a->old == v->end && v->end + (a->new - a->old) <= NPAGES &&
		    all_holes(v->end, a->new - a->old);
	if (*in_place || (a->flags & MREMAP_MAYMOVE))
		return one(0);
	return one(ENOMEM);
}

/*
 * Never anything outside the arena: MREMAP_FIXED unmaps whatever is at
 * its destination, and a new length beyond the arena has no destination
 * inside it.
 */
static void clamp_remap(struct remap_args *a)
{
	if (a->src + a->old > NPAGES)
		a->old = NPAGES - a->src;
	if (a->new > NPAGES - 1)
		a->new = NPAGES - 1;
	if (a->dst >= 0 && a->dst + a->new > NPAGES)
		a->dst = NPAGES - a->new;
	if (a->dst < 0 && (a->flags & MREMAP_FIXED))
		a->dst = 0;
}

static void random_remap(struct remap_args *a, const struct kvma **vp)
{
	const struct kvma *v;
	unsigned int r = below(100);
	int room;

	a->src = below(NPAGES);
	a->dst = -1;
	a->flags = 0;
	/* Mostly a mapped page: from a hole there is only EFAULT to see. */
	while (chance(90) && !kvma_at(a->src) && nkvmas)
		a->src = (a->src + 1) % NPAGES;
	v = *vp = kvma_at(a->src);
	if (!v) {
		a->old = 1 + below(4);
		a->new = a->old + below(3);
		a->flags = chance(50) ? MREMAP_MAYMOVE : 0;
		return;
	}
	/* Mostly the VMA's tail, where it can grow in place. */
	if (chance(50))
		a->src = v->first + below(v->end - v->first);
	a->old = v->end - a->src;
	if (chance(40))
		a->old = 1 + below(a->old);
	a->new = a->old;
	room = file_room(v->end - 1, 16) ? 16 : 0;
	if (r < 20) {				/* shrink */
		a->new = a->old > 1 ? 1 + below(a->old - 1) : 1;
		a->flags = chance(50) ? MREMAP_MAYMOVE : 0;
	} else if (r < 45 && room) {		/* grow, in place or moved */
		a->new = a->old + 1 + below(8);
		a->flags = chance(60) ? MREMAP_MAYMOVE : 0;
		if (chance(5) && v->end < NPAGES)	/* across the VMA's end */
			a->old = v->end - a->src + 1;
	} else if (r < 75) {			/* move to a fixed address */
		a->flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		if (room && chance(30))
			a->new = a->old + 1 + below(4);
		else if (a->old > 1 && chance(30))
			a->new = 1 + below(a->old - 1);
		clamp_remap(a);
		a->dst = below(NPAGES - a->new + 1);
	} else if (r < 92) {			/* DONTUNMAP: private memory only */
		if (shared_kind(slots[a->src].kind))
			a->flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		else
			a->flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP |
				   (chance(60) ? MREMAP_FIXED : 0);
		clamp_remap(a);
		a->dst = below(NPAGES - a->new + 1);
	} else {				/* invalid combinations */
		static const int bad[] = {
			MREMAP_FIXED, MREMAP_DONTUNMAP, 8, MREMAP_MAYMOVE | 16,
		};
		a->flags = bad[below(4)];
		if (chance(30))
			a->new = 0;
		if (a->flags == MREMAP_DONTUNMAP && chance(50))
			a->flags |= MREMAP_MAYMOVE, a->new = a->old + 1;
		clamp_remap(a);
		a->dst = below(NPAGES - (a->new ? a->new : 1) + 1);
	}
	if (!(a->flags & MREMAP_FIXED))
		a->dst = a->flags & MREMAP_DONTUNMAP ? a->dst : -1;
}


/* The model after a successful mremap that returned @ret. */
static void model_remap(const struct remap_args *a, char *ret)
{
	static struct slot moving[NPAGES];
	bool dontunmap = a->flags & MREMAP_DONTUNMAP;
	int keep = a->old < a->new ? a->old : a->new;
	int at, i;

	note_range(a->src, a->old);
	if (ret == page(a->src) && !dontunmap) {	/* shrunk or grown in place */
		for (i = a->src + a->new; i < a->src + a->old; i++)
			slot_clear(i);
		if (a->new > a->old)
			model_extend(a->src + a->old - 1, a->src + a->old, a->new - a->old);
		note_range(a->src, a->new);
		return;
	}
	at = (ret - arena) / psize;
	if (ret < arena || ret >= arena + NPAGES * psize || at + a->new > NPAGES) {
		moved_out(ret, a->src, a->old, a->new);
		if (dontunmap)
			vacate(a->src, a->old, true);
		else
			for (i = a->src; i < a->src + a->old; i++)
				slot_clear(i);
		return;
	}
	/* The tail beyond new_len is unmapped first, the destination too. */
	for (i = a->src + keep; i < a->src + a->old; i++)
		slot_clear(i);
	memcpy(moving, &slots[a->src], keep * sizeof(moving[0]));
	vacate(a->src, keep, dontunmap);
	if (dontunmap) {	/* the old range still maps, the moved one is new */
		for (i = 0; i < keep; i++)
			if (shared_kind(moving[i].kind))
				files[moving[i].file].refs++;
	}
	for (i = at; i < at + a->new; i++)
		slot_clear(i);
	move_slots(&slots[at], moving, keep);
	if (a->new > keep)
		model_extend(at + keep - 1, at + keep, a->new - keep);
	note_range(at, a->new);
}

/*
 * MREMAP_DONTUNMAP unlocks the old range. 6.1 splits a locked VMA first
 * so that only the range moved is unlocked; mainline (seen on 6.18) no
 * longer does and unlocks the whole old VMA, VmLck then counting pages
 * no longer locked; and where the new range lands right next to an
 * unfaulted old VMA the two merge, and the moved range is unlocked too,
 * as is a neighbour merged with them. Losing the lock there is taken
 * either way: the model learns it from smaps, for the VMAs that now hold
 * the old VMA and the new range.
 */
static void dontunmap_unlocked(long first, long end)
{
	static bool noted;
	const struct kvma *v;
	long i, j;

	if (!read_kvmas(G_REMAP, true))
		return;
	for (i = first; i < end; i++) {
		v = kvma_at(i);
		if (!v || has_flag(v, "lo"))
			continue;
		/* The VMA as it is now: merged with a neighbour, that one too. */
		for (j = v->first; j < v->end; j++) {
			if (!mapped(j) || !slots[j].locked)
				continue;
			if (!noted)
				printf("# op %lu: MREMAP_DONTUNMAP unlocked slot %ld, outside the old range it moved\n",
				       op_index, j);
			noted = true;
			slots[j].locked = slots[j].onfault = false;
		}
	}
}

static void op_mremap(void)
{
	long vfirst, vend, at;
	bool locked;
	const struct kvma *v;
	struct remap_args a;
	struct expect want;
	bool in_place;
	char *ret;
	int err;

	if (!read_kvmas(G_REMAP, false))
		return;
	random_remap(&a, &v);
	clamp_remap(&a);
	snprintf(op_desc, sizeof(op_desc),
		 "mremap(slot %d, %d pages, %d pages, flags %#x, new slot %d) [VMA %ld-%ld, %s]",
		 a.src, a.old, a.new, a.flags, a.dst, v ? v->first : -1L,
		 v ? v->end - 1 : -1L, kind_name[slots[a.src].kind]);
	want = remap_expect(&a, v, &in_place);
	op_drop = slots[a.src].kind == K_DROP;
	ret = mremap(page(a.src), (size_t)a.old * psize, (size_t)a.new * psize, a.flags,
		     a.dst >= 0 ? page(a.dst) : NULL);
	err = ret == MAP_FAILED ? errno : 0;
	if (!check_errno(G_REMAP, err, &want) || err)
		return;
	if (((a.flags & MREMAP_FIXED) && ret != page(a.dst)) ||
	    (in_place && ret != page(a.src)) ||
	    (a.new <= a.old && !(a.flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) &&
	     ret != page(a.src))) {
		fail(G_REMAP, "returned %p (slot %ld)", ret, (long)(ret - arena) / psize);
		return;
	}
	if (ret != page(a.src) && ret >= arena && ret < arena + NPAGES * psize &&
	    !(a.flags & MREMAP_FIXED) && !all_holes((ret - arena) / psize, a.new)) {
		fail(G_REMAP, "moved to slot %ld over the model's mappings",
		     (long)(ret - arena) / psize);
		return;
	}
	vfirst = v ? v->first : 0;
	vend = v ? v->end : 0;
	locked = v && slots[a.src].locked;
	model_remap(&a, ret);
	if ((a.flags & MREMAP_DONTUNMAP) && locked) {
		dontunmap_unlocked(vfirst, vend);
		at = (ret - arena) / psize;
		if (ret >= arena && at + a.new <= NPAGES)
			dontunmap_unlocked(at, at + a.new);
	}
}

/* ---------------------------------------------------------------- */
/* mprotect                                                         */

static void op_mprotect(void)
{
	int first, n, i, prot = random_prot(), err, want = 0;
	bool unaligned = chance(2);
	size_t len;

	pick_range(&first, &n);
	if (chance(3))
		prot |= chance(50) ? 0x40 : PROT_SEM;
	len = chance(2) ? 0 : bytes(n);
	snprintf(op_desc, sizeof(op_desc), "mprotect(slot %d%s, %d pages (len %zu), prot %#x)",
		 first, unaligned ? " + unaligned" : "", n, len, prot);
	err = mprotect(page(first) + (unaligned ? 16 : 0), len, prot) ? errno : 0;
	/* do_mprotect_pkey(): alignment, length 0, prot, then VMA by VMA. */
	if (unaligned)
		want = EINVAL;
	else if (!len)
		want = 0;
	else if (prot & ~(PROT_ALL | PROT_SEM))
		want = EINVAL;
	else
		for (i = first; i < first + n; i++) {
			if (!mapped(i)) {	/* stops at a hole: what came before stays */
				want = ENOMEM;
				break;
			}
			slots[i].prot = prot & PROT_ALL;
		}
	note_range(first, n);
	check_errno(G_MPROTECT, err, &(struct expect){ 1, { want } });
}

/* ---------------------------------------------------------------- */
/* madvise and process_madvise                                      */

static const char *advice_name(int advice)
{
	static const char *const names[] = {
		"NORMAL", "RANDOM", "SEQUENTIAL", "WILLNEED", "DONTNEED", "5", "6", "7",
		"FREE", "REMOVE", "DONTFORK", "DOFORK", "MERGEABLE", "UNMERGEABLE",
		"HUGEPAGE", "NOHUGEPAGE", "DONTDUMP", "DODUMP", "WIPEONFORK", "KEEPONFORK",
		"COLD", "PAGEOUT", "POPULATE_READ", "POPULATE_WRITE", "DONTNEED_LOCKED",
		"COLLAPSE",
	};

	return advice >= 0 && advice <= MADV_COLLAPSE ? names[advice] : "invalid";
}

/*
 * MADV_HWPOISON (100) and MADV_SOFT_OFFLINE (101) are never used: they
 * need CAP_SYS_ADMIN and really poison or offline the page frames, which
 * on a host damages the machine and in the guest is not configured.
 */
static bool advice_valid(int advice)
{
	switch (advice) {
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
		return have_ksm;
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLLAPSE:
		return have_thp;
	}
	return advice >= 0 && advice <= MADV_COLLAPSE && (advice < 5 || advice > 7);
}

/* The errno madvise @advice fails with on page @i's VMA, or 0. */
static int madv_page_err(int advice, int i)
{
	const struct slot *s = &slots[i];
	bool file = s->kind == K_SHANON || s->kind == K_SHFILE || s->kind == K_PRFILE;

	switch (advice) {
	case MADV_DONTNEED:
	case MADV_COLD:
	case MADV_PAGEOUT:
		return s->locked ? EINVAL : 0;
	case MADV_FREE:
		return s->locked || file ? EINVAL : 0;
	case MADV_REMOVE:
		if (s->locked || !file)
			return EINVAL;
		return s->kind == K_PRFILE ? EACCES : 0;
	case MADV_WIPEONFORK:
		return file ? EINVAL : 0;
	case MADV_KEEPONFORK:
	case MADV_DODUMP:
		return s->kind == K_DROP ? EINVAL : 0;
	case MADV_POPULATE_READ:
		return s->prot ? 0 : EINVAL;
	case MADV_POPULATE_WRITE:
		return s->prot & PROT_WRITE ? 0 : EINVAL;
	}
	return 0;
}

static void madv_apply(int advice, int i)
{
	struct slot *s = &slots[i];
	struct data *d = slot_data(i);

	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		if (!shared_kind(s->kind))
			d->state = D_ZERO;
		break;
	case MADV_FREE:
		if (d->state == D_DATA)
			d->state = D_EITHER;
		break;
	case MADV_REMOVE:
		d->state = D_ZERO;
		break;
	case MADV_DONTFORK:
		s->dontfork = true;
		break;
	case MADV_DOFORK:
		s->dontfork = false;
		break;
	case MADV_WIPEONFORK:
		s->wipe = true;
		break;
	case MADV_KEEPONFORK:
		s->wipe = false;
		break;
	case MADV_DONTDUMP:
		s->dontdump = true;
		break;
	case MADV_DODUMP:
		s->dontdump = false;
		break;
	}
}

/*
 * What madvise(@first, @n pages, @advice) gives, applied to the model:
 * madvise_walk_vmas() skips holes but answers ENOMEM at the end, and
 * stops at the first VMA that fails, after changing those before it.
 * Where the answer is not the model's to know, more are allowed:
 *  - MADV_POPULATE_*: 6.1 walks on past a hole, mainline stops at it with
 *    ENOMEM; populating changes nothing the model tracks.
 *  - MADV_COLLAPSE: EINVAL for VMAs too small for a THP, else 0, EAGAIN or
 *    ENOMEM as khugepaged's scan goes; no 2 MiB range fits in the arena,
 *    so nothing is collapsed and nothing changes.
 */
static struct expect madv_model(int advice, int first, int n)
{
	bool hole = false;
	struct expect x;
	int i, e;

	if (advice == MADV_COLLAPSE) {
		x = one(0);
		also(&x, EINVAL);
		also(&x, EAGAIN);
		also(&x, ENOMEM);
		return x;
	}
	for (i = first; i < first + n; i++) {
		if (!mapped(i)) {
			if (!hole && (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE)) {
				x = one(ENOMEM);
				for (; i < first + n; i++) {
					e = mapped(i) ? madv_page_err(advice, i) : 0;
					if (e) {
						also(&x, e);
						break;
					}
				}
				return x;
			}
			hole = true;
			continue;
		}
		e = madv_page_err(advice, i);
		if (e)
			return one(e);
		madv_apply(advice, i);
	}
	return one(hole ? ENOMEM : 0);
}

static int random_advice(void)
{
	if (chance(4))
		return 26 + below(20);	/* none of these exist in 6.1 */
	return below(MADV_COLLAPSE + 1);
}

static void op_madvise(void)
{
	int first, n, advice = random_advice(), err;
	bool unaligned = chance(2);
	struct expect want;
	size_t len;

	pick_range(&first, &n);
	len = chance(2) ? 0 : bytes(n);
	snprintf(op_desc, sizeof(op_desc), "madvise(slot %d%s, %d pages (len %zu), MADV_%s (%d))",
		 first, unaligned ? " + unaligned" : "", n, len, advice_name(advice), advice);
	err = madvise(page(first) + (unaligned ? 32 : 0), len, advice) ? errno : 0;
	if (!advice_valid(advice) || unaligned)
		want = one(EINVAL);
	else if (!len)
		want = one(0);
	else
		want = madv_model(advice, first, n);
	note_range(first, n);
	check_errno(G_MADVISE, err, &want);
}

/* MADV_MERGEABLE aimed at droppable memory: accepted, and never "mg". */
static void op_mergeable(void)
{
	int i, first = -1, n = 0, err;

	for (i = below(NPAGES); i < NPAGES && n < MAX_RUN; i++) {
		if (slots[i].kind != K_DROP) {
			if (first >= 0)
				break;
			continue;
		}
		if (first < 0)
			first = i;
		n++;
	}
	if (first < 0)
		return;
	snprintf(op_desc, sizeof(op_desc), "madvise(slot %d, %d droppable pages, MADV_MERGEABLE)",
		 first, n);
	err = madvise(page(first), (size_t)n * psize, MADV_MERGEABLE) ? errno : 0;
	note_range(first, n);
	check_errno(G_MADVISE, err, &(struct expect){ 1, { have_ksm ? 0 : EINVAL } });
}

static int pidfd = -2;

static void op_process_madvise(void)
{
	static const int advices[] = { MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED };
	int advice = advices[below(3)], nvec = 1 + below(3), i, first, n, e;
	struct iovec iov[3];
	struct expect want = one(0);
	long ret, done = 0;
	bool bad = false;

	if (pidfd == -2)
		pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0) {
		if (!skipped[G_PMADV] && !checks[G_PMADV]) {
			skipped[G_PMADV] = true;
			skip_why[G_PMADV] = "pidfd_open() failed";
		}
		return;
	}
	snprintf(op_desc, sizeof(op_desc), "process_madvise(pidfd of self, MADV_%s:",
		 advice_name(advice));
	for (i = 0; i < nvec; i++) {
		pick_range(&first, &n);
		iov[i].iov_base = page(first);
		iov[i].iov_len = (size_t)n * psize;
		snprintf(op_desc + strlen(op_desc), sizeof(op_desc) - strlen(op_desc),
			 " [slot %d, %d pages]", first, n);
		note_range(first, n);
		/* do_madvise() per vector, up to the first that fails. */
		if (bad)
			continue;
		e = madv_model(advice, first, n).v[0];
		if (e) {
			want = one(done ? 0 : e);
			bad = true;
			continue;
		}
		done += iov[i].iov_len;
	}
	strncat(op_desc, ")", sizeof(op_desc) - strlen(op_desc) - 1);
	ret = syscall(SYS_process_madvise, pidfd, iov, nvec, advice, 0);
	if (ret < 0) {
		check_errno(G_PMADV, errno, &want);
		return;
	}
	if (check_errno(G_PMADV, 0, &want) && ret != done)
		fail(G_PMADV, "returned %ld, expected %ld bytes", ret, done);
}

/* ---------------------------------------------------------------- */
/* mlock and friends                                                */

/*
 * What mlock or mlock2 on @first, @n gives, applied to the model:
 * apply_vma_lock_flags() fails at a hole (ENOMEM), keeping what it did
 * before it; droppable VMAs are passed over (never VM_LOCKED). Then
 * __mm_populate() faults the range in, but for VMAs locked on fault: a
 * PROT_NONE one there fails with EFAULT, which mlock reports as ENOMEM.
 * A droppable VMA never gets VM_LOCKONFAULT, so it is populated.
 */
static int mlock_model(int first, int n, bool onfault)
{
	int i;

	if (!n)
		return 0;
	if (!mapped(first))
		return ENOMEM;
	for (i = first; i < first + n; i++) {
		if (!mapped(i))
			return ENOMEM;
		if (slots[i].kind == K_DROP)
			continue;
		slots[i].locked = true;
		slots[i].onfault = onfault;
	}
	for (i = first; i < first + n; i++)
		if (!slots[i].prot && !slots[i].onfault)
			return ENOMEM;
	return 0;
}

static int munlock_model(int first, int n)
{
	int i;

	if (!n)
		return 0;
	if (!mapped(first))
		return ENOMEM;
	for (i = first; i < first + n; i++) {
		if (!mapped(i))
			return ENOMEM;
		slots[i].locked = slots[i].onfault = false;
	}
	return 0;
}

static void mlockall_model(int flags)
{
	int i;

	mcl_future = flags & MCL_FUTURE;
	mcl_onfault = mcl_future && (flags & MCL_ONFAULT);
	if (!(flags & MCL_CURRENT) && flags)
		return;
	for (i = 0; i < NPAGES; i++) {
		if (!mapped(i) || slots[i].kind == K_DROP)
			continue;
		slots[i].locked = flags & MCL_CURRENT;
		slots[i].onfault = (flags & MCL_CURRENT) && (flags & MCL_ONFAULT);
	}
}

static void op_mlock(void)
{
	int first, n, err, want, which = below(100), flags = 0;
	int off = chance(10) ? 1 + below(psize - 1) : 0;
	size_t len;

	pick_range(&first, &n);
	/* The start is rounded down and the length up: still @n slots. */
	len = n ? (size_t)n * psize - off : 0;
	if (which < 40) {
		snprintf(op_desc, sizeof(op_desc), "mlock(slot %d + %d, %d pages)", first, off, n);
		err = mlock(page(first) + off, len) ? errno : 0;
		want = mlock_model(first, n, false);
	} else if (which < 70) {
		flags = chance(70) ? MLOCK_ONFAULT : chance(50) ? 0 : 2;
		snprintf(op_desc, sizeof(op_desc), "mlock2(slot %d + %d, %d pages, %#x)",
			 first, off, n, flags);
		err = syscall(SYS_mlock2, page(first) + off, len, flags) ? errno : 0;
		want = flags & ~MLOCK_ONFAULT ? EINVAL :
		       mlock_model(first, n, flags & MLOCK_ONFAULT);
	} else {
		snprintf(op_desc, sizeof(op_desc), "munlock(slot %d + %d, %d pages)", first, off, n);
		err = munlock(page(first) + off, len) ? errno : 0;
		want = munlock_model(first, n);
	}
	note_range(first, n);
	check_errno(G_MLOCK, err, &(struct expect){ 1, { want } });
}

static void op_mlockall(void)
{
	static const int choices[] = {
		MCL_CURRENT, MCL_FUTURE, MCL_CURRENT | MCL_FUTURE, MCL_CURRENT | MCL_ONFAULT,
		MCL_FUTURE | MCL_ONFAULT, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT,
		0, MCL_ONFAULT, 8,
	};
	int flags, err, want = 0;

	if (chance(35)) {
		snprintf(op_desc, sizeof(op_desc), "munlockall()");
		err = munlockall() ? errno : 0;
		mlockall_model(0);
	} else {
		flags = choices[below(ARRAY_SIZE(choices))];
		snprintf(op_desc, sizeof(op_desc), "mlockall(%#x)", flags);
		err = mlockall(flags) ? errno : 0;
		if (!flags || flags == MCL_ONFAULT || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)))
			want = EINVAL;
		else
			mlockall_model(flags);
	}
	check_errno(G_MLOCK, err, &(struct expect){ 1, { want } });
}

/* ---------------------------------------------------------------- */
/* userfaultfd                                                      */

/*
 * Registers a fully mapped range and closes the descriptor at once, so
 * that nothing ever faults on it. Droppable pages anywhere in the range:
 * EINVAL, whatever the mode. MISSING on anonymous and shmem memory
 * succeeds; WP succeeds on private anonymous memory and, with pte markers
 * configured, on shmem too: 0 or EINVAL there.
 */
static void op_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	int i, first, n = 0, fd, err;
	bool drop = false, shm = false;
	struct expect want;

	for (i = below(NPAGES); i < NPAGES && !mapped(i); i++)
		;
	first = i;
	for (; i < NPAGES && mapped(i) && n < MAX_RUN; i++)
		n++;
	if (!n)
		return;
	n = 1 + below(n);
	for (i = first; i < first + n; i++) {
		drop |= slots[i].kind == K_DROP;
		shm |= slots[i].kind != K_DROP && slots[i].kind != K_ANON;
	}
	op_drop = drop;
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (uffd_state == 0) {
			uffd_state = -errno;
			printf("# userfaultfd(): %s, not tested\n", strerror(errno));
		}
		skipped[G_UFFD] = true;
		skip_why[G_UFFD] = errno == ENOSYS ? "no userfaultfd (ENOSYS)" :
				   errno == EPERM ? "userfaultfd not permitted (EPERM)" :
				   "userfaultfd() failed";
		return;
	}
	uffd_state = 1;
	skipped[G_UFFD] = false;
	reg.range.start = (unsigned long)page(first);
	reg.range.len = (unsigned long)n * psize;
	reg.mode = chance(70) ? UFFDIO_REGISTER_MODE_MISSING : UFFDIO_REGISTER_MODE_WP;
	snprintf(op_desc, sizeof(op_desc), "UFFDIO_REGISTER(slot %d, %d pages, mode %s)%s",
		 first, n, reg.mode == UFFDIO_REGISTER_MODE_MISSING ? "MISSING" : "WP",
		 drop ? " over droppable pages" : "");
	if (ioctl(fd, UFFDIO_API, &api)) {
		fail(G_UFFD, "UFFDIO_API: %s", strerror(errno));
		close(fd);
		return;
	}
	err = ioctl(fd, UFFDIO_REGISTER, &reg) ? errno : 0;
	close(fd);
	want = one(drop ? EINVAL : 0);
	if (!drop && shm && reg.mode == UFFDIO_REGISTER_MODE_WP)
		also(&want, EINVAL);
	note_range(first, n);
	check_errno(G_UFFD, err, &want);
}

/* ---------------------------------------------------------------- */
/* fork                                                             */

static void child_check(void)
{
	int i, err;

	is_child = true;
	check_smaps();
	for (i = 0; i < NPAGES && !stop; i++) {
		if (!mapped(i))
			continue;
		err = msync(page(i), psize, MS_ASYNC) ? errno : 0;
		if (slots[i].dontfork != (err == ENOMEM)) {
			fail(G_FORK, "slot %d (%s%s): msync says %s", i, kind_name[slots[i].kind],
			     slots[i].dontfork ? ", MADV_DONTFORK" : "", err_name(err));
			continue;
		}
		if (!slots[i].dontfork)
			verify_page(i, true);
	}
	fflush(stdout);
	_exit(stop ? 1 : 0);
}

static void op_fork(void)
{
	int status;
	pid_t pid;

	snprintf(op_desc, sizeof(op_desc), "fork()");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail(G_FORK, "fork: %s", strerror(errno));
		return;
	}
	if (!pid)
		child_check();
	checks[G_FORK]++;
	if (waitpid(pid, &status, 0) != pid)
		fail(G_FORK, "waitpid: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail(G_FORK, "the child %s %d", WIFEXITED(status) ? "exited with" : "died of signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* ---------------------------------------------------------------- */
/* Writes                                                           */

static void op_write(void)
{
	int first, n, i;

	pick_range(&first, &n);
	snprintf(op_desc, sizeof(op_desc), "write patterns (slot %d, %d pages)", first, n);
	for (i = first; i < first + n && !stop; i++)
		write_slot(i);
	note_range(first, n);
}

/* ---------------------------------------------------------------- */
/* The run                                                          */

struct op {
	const char *name;
	void (*fn)(void);
	unsigned int weight;
	bool changes_vmas;	/* check smaps after it */
};

static const struct op ops[] = {
	{ "mmap", op_mmap, 20, true },
	{ "munmap", op_munmap, 4, true },
	{ "mremap", op_mremap, 12, true },
	{ "mprotect", op_mprotect, 8, true },
	{ "madvise", op_madvise, 18, true },
	{ "MADV_MERGEABLE", op_mergeable, 2, true },
	{ "mlock", op_mlock, 8, true },
	{ "mlockall", op_mlockall, 1, true },
	{ "userfaultfd", op_uffd, 3, true },
	{ "process_madvise", op_process_madvise, 3, false },
	{ "fork", op_fork, 1, false },
	{ "write", op_write, 18, false },
};
#define NR_OPS (ARRAY_SIZE(ops))

static const struct op *pick_op(void)
{
	unsigned int total = 0, r;
	size_t i;

	for (i = 0; i < NR_OPS; i++)
		total += ops[i].weight;
	r = below(total);
	for (i = 0; r >= ops[i].weight; i++)
		r -= ops[i].weight;
	op_count[i]++;
	return &ops[i];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(void)
{
	double start = now();
	unsigned int since_smaps = 0;
	const struct op *o;

	for (op_index = 0; op_index < nops && !stop; op_index++) {
		if (now() - start > max_secs) {
			printf("# time cap of %lu s reached after %lu ops\n", max_secs, op_index);
			break;
		}
		ntouched = 0;
		op_drop = false;
		op_desc[0] = '\0';
		o = pick_op();
		o->fn();
		since_smaps += o->changes_vmas;
		if (!stop && since_smaps >= SMAPS_EVERY) {
			check_smaps();
			since_smaps = 0;
		}
		if (!stop && (op_index + 1) % FULL_CHECK_EVERY == 0)
			verify_all();
		else if (!stop)
			verify_sample();
		memcpy(history[op_index % HISTORY], op_desc, sizeof(op_desc));
	}
	if (!stop) {
		snprintf(op_desc, sizeof(op_desc), "final check after the last op");
		check_smaps();
		verify_all();
	}
	printf("# %lu ops in %.1f s\n", op_index, now() - start);
}

/* ---------------------------------------------------------------- */
/* Setup                                                            */

/*
 * A reservation of RESERVE bytes, shared anonymous so that nothing the
 * fuzzer maps ever merges with it, and the arena in its middle between
 * two 2 MiB boundaries: no huge page fits in it, and every VMA the
 * fuzzer makes stays inside it.
 */
static bool set_up_arena(void)
{
	char *res, *inner;
	int i;

	res = mmap(NULL, RESERVE, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return false;
	reserve_lo = (unsigned long)res;
	reserve_hi = reserve_lo + RESERVE;
	inner = (char *)((reserve_lo + HPAGE - 1) & ~(HPAGE - 1)) + HPAGE / 4;
	if (mmap(inner, NPAGES * psize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) != inner)
		return false;
	arena = inner;
	/* The arena starts as one plain anonymous PROT_NONE mapping. */
	for (i = 0; i < NPAGES; i++)
		slots[i].kind = K_ANON;
	return true;
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && (!*end || *end == ' ' || *end == '\n');
}

static bool read_cmdline(bool *have_seed)
{
	static char cmdline[4096];
	unsigned long v;
	char *w;

	if (!read_all("/proc/cmdline", cmdline, sizeof(cmdline)))
		return true;
	for (w = strtok(cmdline, " \n"); w; w = strtok(NULL, " \n")) {
		if (!strncmp(w, "mmfuzz.seed=", 12)) {
			if (!parse_ulong(w + 12, &v))
				return false;
			seed = v;
			*have_seed = true;
		} else if (!strncmp(w, "mmfuzz.ops=", 11)) {
			if (!parse_ulong(w + 11, &nops))
				return false;
		} else if (!strncmp(w, "mmfuzz.time=", 12)) {
			if (!parse_ulong(w + 12, &max_secs))
				return false;
		}
	}
	return true;
}

static bool get_params(int argc, char **argv)
{
	bool have_seed = false;
	unsigned long v;

	if (!read_cmdline(&have_seed))
		return false;
	if (argc > 1) {
		if (!parse_ulong(argv[1], &v))
			return false;
		seed = v;
		have_seed = true;
	}
	if (argc > 2 && !parse_ulong(argv[2], &nops))
		return false;
	if (argc > 3 && !parse_ulong(argv[3], &max_secs))
		return false;
	if (!have_seed && syscall(SYS_getrandom, &seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ getpid();
	if (!have_seed)
		seed &= 0xffffffffffffULL;	/* short enough to type */
	rng = mix64(seed) | 1;
	return true;
}

static void report(void)
{
	int g, bad = 0;
	size_t i;

	printf("# ops:");
	for (i = 0; i < NR_OPS; i++)
		printf(" %s %lu", ops[i].name, op_count[i]);
	printf("\n");
	for (g = 0; g <= G_PMADV; g++)
		print_tally(g);
	for (g = 0; g < NR_GROUPS; g++) {
		if (failed[g]) {
			bad++;
			printf("not ok %d %s\n", g + 1, group_name[g]);
		} else if (skipped[g] && !checks[g]) {
			printf("ok %d %s # SKIP %s\n", g + 1, group_name[g], skip_why[g]);
		} else {
			printf("ok %d %s (%lu checks)\n", g + 1, group_name[g], checks[g]);
		}
	}
	printf("# %s; seed %llu\n", bad ? "FAILED" : "all passed", (unsigned long long)seed);
}

/*
 * With swap, MADV_PAGEOUT and process_madvise() really swap plain pages
 * out (and the data checks see them come back), and a droppable page that
 * reclaim sent to swap would show in smaps: without it, the "Swap: 0 kB"
 * check could not fail. In the guest no swap is a failure; a host run
 * goes on without.
 */
static bool set_up_swap(void)
{
	char err[256];

	if (!zram_swap_on("256M", err, sizeof(err))) {
		printf("# swap: /dev/zram0\n");
		return true;
	}
	printf("# no swap: %s\n", err);
	if (getppid() != 1)
		return true;
	printf("Bail out! the guest has no zram swap\n");
	return false;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	psize = sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n1..%d\n", NR_GROUPS);
	if (!get_params(argc, argv)) {
		printf("# usage: mmfuzz [SEED [OPS [SECONDS]]], or mmfuzz.seed= mmfuzz.ops= mmfuzz.time=\n");
		return 2;
	}
	printf("# seed %llu, %lu ops, at most %lu s; reproduce: make check-debug BOOT_ARGS=mmfuzz.seed=%llu (host: mmfuzz %llu %lu)\n",
	       (unsigned long long)seed, nops, max_secs, (unsigned long long)seed,
	       (unsigned long long)seed, nops);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	have_ksm = !stat("/sys/kernel/mm/ksm", &st);
	have_thp = !stat("/sys/kernel/mm/transparent_hugepage", &st);
	printf("# KSM %s, THP %s\n", have_ksm ? "yes" : "no", have_thp ? "yes" : "no");
	if (!set_up_swap())
		return 1;
	if (!set_up_arena()) {
		printf("# cannot set up the arena: %s\nBail out!\n", strerror(errno));
		return 1;
	}
	run();
	munlockall();
	report();
	return stop ? 1 : 0;
}
