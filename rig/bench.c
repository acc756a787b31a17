// SPDX-License-Identifier: GPL-2.0
/*
 * ns/call of: the series' vgetrandom in the rig (with the block function
 * the vDSO's alternatives pick on this CPU, and with the one block SSE2
 * one, for a machine whose kernel has no vDSO getrandom), the running kernel's own
 * __vdso_getrandom (if its vDSO has one), the getrandom syscall, and OpenSSL
 * ChaCha20 making as many bytes. Pinned to one CPU, warmed up, each figure
 * the median of REPS runs. Usage: bench [table|tsv]
 */

#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "rig.h"

#define REPS		9
#define RUN_NS		10000000.0	/* aim for 10 ms per run */

typedef ssize_t (*vgetrandom_fn)(void *, size_t, unsigned int, void *, size_t);

static const size_t sizes[] = { 4, 16, 32, 64, 256, 1024, 4096, 65536 };
static uint8_t buf[65536], zeros[65536];

/* ---- the kernel's vDSO ---- */

static const char *verdef_name(const Elf64_Verdef *vd, const char *str)
{
	const Elf64_Verdaux *aux = (const void *)((const char *)vd + vd->vd_aux);

	return str + aux->vda_name;
}

/* Finds @name, version @version, in the vDSO's dynamic symbol table. */
static void *vdso_sym(const char *version, const char *name)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const Elf64_Word *hash = NULL;
	const Elf64_Versym *versym = NULL;
	const Elf64_Verdef *verdef = NULL;
	const char *str = NULL;
	uintptr_t base = 0;
	int i, have_load = 0;
	Elf64_Word n;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return NULL;
	ph = (const void *)((const char *)eh + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			base = (uintptr_t)eh + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const void *)((const char *)eh + ph[i].p_offset);
		}
	}
	if (!have_load || !dyn)
		return NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		void *p = (void *)(base + dyn->d_un.d_ptr);

		switch (dyn->d_tag) {
		case DT_SYMTAB: sym = p; break;
		case DT_STRTAB: str = p; break;
		case DT_HASH: hash = p; break;
		case DT_VERSYM: versym = p; break;
		case DT_VERDEF: verdef = p; break;
		}
	}
	if (!sym || !str || !hash)
		return NULL;
	n = hash[1];	/* nchain: the number of symbols */
	for (i = 0; i < (int)n; i++) {
		const Elf64_Verdef *vd = verdef;

		if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || !sym[i].st_shndx ||
		    strcmp(str + sym[i].st_name, name))
			continue;
		if (!versym || !vd)
			return (void *)(base + sym[i].st_value);
		for (;;) {
			if (!(vd->vd_flags & VER_FLG_BASE) &&
			    vd->vd_ndx == (versym[i] & 0x7fff) &&
			    !strcmp(verdef_name(vd, str), version))
				return (void *)(base + sym[i].st_value);
			if (!vd->vd_next)
				break;
			vd = (const void *)((const char *)vd + vd->vd_next);
		}
	}
	return NULL;
}

/* ---- the candidates ---- */

static uint8_t *rig_state;
static vgetrandom_fn kvdso;
static void *kvdso_state;
static size_t kvdso_state_len;
static EVP_CIPHER_CTX *ossl;

/* What the vDSO runs once patched on this CPU: AVX2 if it has it. */
static vgetrandom_fn series;
static uint8_t *x1_state;

static void run_series(size_t n)
{
	if (series(buf, n, 0, rig_state, rig_layout.size) != (ssize_t)n)
		abort();
}

/* The series' C code with the one block SSE2 function, as before. */
static void run_sse2x1(size_t n)
{
	if (rig_vgetrandom_sse2x1(buf, n, 0, x1_state, rig_layout.size) != (ssize_t)n)
		abort();
}

static void run_kvdso(size_t n)
{
	if (kvdso(buf, n, 0, kvdso_state, kvdso_state_len) != (ssize_t)n)
		abort();
}

static void run_syscall(size_t n)
{
	if (syscall(SYS_getrandom, buf, n, 0) != (long)n)
		abort();
}

static void run_openssl(size_t n)
{
	int len;

	if (!EVP_EncryptUpdate(ossl, buf, &len, zeros, n) || len != (int)n)
		abort();
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double time_loop(void (*fn)(size_t), size_t n, unsigned long iters)
{
	double t = now_ns();
	unsigned long i;

	for (i = 0; i < iters; i++)
		fn(n);
	return now_ns() - t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int use_min;

/* Median (or with BENCH_STAT=min, fastest) ns/call over REPS runs, each about RUN_NS long, after a warm-up. */
static double measure(void (*fn)(size_t), size_t n)
{
	unsigned long iters = 1;
	double t, r[REPS];
	int i;

	while ((t = time_loop(fn, n, iters)) < RUN_NS / 10)
		iters *= 2;
	iters = iters * (RUN_NS / t) + 1;
	time_loop(fn, n, iters / 4 + 1);
	for (i = 0; i < REPS; i++)
		r[i] = time_loop(fn, n, iters) / iters;
	qsort(r, REPS, sizeof(r[0]), cmp_double);
	/* On a loaded machine the fastest run is the one least disturbed. */
	return use_min ? r[0] : r[REPS / 2];
}

static int setup(int *cpu)
{
	uint8_t key[32] = { 1 }, iv[16] = { 0 };
	struct {
		uint32_t size, prot, flags, reserved[13];
	} p;
	cpu_set_t set;

	*cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(*cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		*cpu = -1;

	rig_state = aligned_alloc(4096, 4096);
	memset(rig_state, 0, 4096);
	x1_state = aligned_alloc(4096, 4096);
	memset(x1_state, 0, 4096);
	series = __builtin_cpu_supports("avx2") ? rig_vgetrandom_avx2x6 : rig_vgetrandom;

	kvdso = (vgetrandom_fn)vdso_sym("LINUX_2.6", "__vdso_getrandom");
	if (kvdso && !kvdso(NULL, 0, 0, &p, ~0UL)) {
		kvdso_state = mmap(NULL, 4096, p.prot, p.flags, -1, 0);
		kvdso_state_len = p.size;
		if (kvdso_state == MAP_FAILED)
			kvdso = NULL;
	} else {
		kvdso = NULL;
	}

	ossl = EVP_CIPHER_CTX_new();
	return ossl && EVP_EncryptInit_ex(ossl, EVP_chacha20(), NULL, key, iv);
}

static void col(int have, double v, const char *fmt)
{
	if (have)
		printf(fmt, v);
	else
		printf("%9s ", "-");
}

int main(int argc, char **argv)
{
	int tsv = argc > 1 && !strcmp(argv[1], "tsv");
	int cpu, have_ossl = setup(&cpu);
	const char *stat = getenv("BENCH_STAT");

	use_min = stat && !strcmp(stat, "min");
	unsigned int i;

	if (tsv) {
		printf("bytes\tseries_ns\tsse2x1_ns\tkernel_vdso_ns\tsyscall_ns\topenssl_ns\n");
	} else {
		printf("# ns/call, %s of %d runs of ~%.0f ms, pinned to CPU %d; kernel vDSO: %s\n",
		       use_min ? "fastest" : "median", REPS, RUN_NS / 1e6, cpu, kvdso ? "__vdso_getrandom@LINUX_2.6" : "none");
		printf("# CPU flags: avx2 %s, avx512vl %s; series = the %s path (as the vDSO is patched on this CPU), sse2x1 = the series' one-block SSE2 path\n",
		       __builtin_cpu_supports("avx2") ? "yes" : "no",
		       __builtin_cpu_supports("avx512vl") ? "yes" : "no",
		       __builtin_cpu_supports("avx2") ? "avx2x6" : "sse2x3");
		printf("# kvdso/ser, x1/ser: times faster than the kernel vDSO and the one-block path; ossl/ser: OpenSSL-relative throughput\n");
		printf("%7s %10s %10s %10s %10s %10s %9s %9s %9s %9s\n", "bytes", "series",
		       "sse2x1", "kern-vDSO", "syscall", "OpenSSL", "sys/ser", "kvdso/ser",
		       "x1/ser", "ossl/ser");
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		double s = measure(run_series, n);
		double x = measure(run_sse2x1, n);
		double k = kvdso ? measure(run_kvdso, n) : 0;
		double y = measure(run_syscall, n);
		double o = have_ossl ? measure(run_openssl, n) : 0;

		if (tsv) {
			printf("%zu\t%.1f\t%.1f\t", n, s, x);
			if (kvdso)
				printf("%.1f", k);
			printf("\t%.1f\t", y);
			if (have_ossl)
				printf("%.1f", o);
			printf("\n");
			continue;
		}
		printf("%7zu %10.1f %10.1f ", n, s, x);
		col(kvdso != NULL, k, "%10.1f ");
		printf("%10.1f ", y);
		col(have_ossl, o, "%10.1f ");
		printf("%9.2f ", y / s);
		col(kvdso != NULL, k / s, "%9.2f ");
		printf("%9.2f ", x / s);
		col(have_ossl, o / s, "%9.2f");
		printf("\n");
	}
	return 0;
}
