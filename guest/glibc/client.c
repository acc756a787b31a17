// SPDX-License-Identifier: GPL-2.0
/*
 * The glibc client: an ordinary dynamically linked program that draws
 * random bytes through the C library, the way applications do. It is built
 * once against the host's glibc 2.36 and run in the guest under either
 * glibc 2.41 (which routes getrandom() and arc4random*() through
 * __vdso_getrandom) or 2.36 (which always makes the syscall), by
 * guest/glibc/glibc.c.
 *
 * The work is split into phases. Each begins with a marker: a getppid
 * syscall carrying MARK_MAGIC, the phase number, the address of stop_flag
 * and one phase-specific word in its otherwise ignored arguments. A ptrace
 * parent sees the markers and counts the getrandom syscalls between them.
 * When the C library falls back to the syscall, a million traced syscalls
 * would take minutes under QEMU TCG, so the tracer may set stop_flag to
 * end the phase's loops early; the client prints how many calls it made.
 *
 *   client [-n N]	run the phases (N: calls in the big loops)
 *   client -b		untraced benchmark: ns per call
 *
 * Output lines are "key value ..." pairs for the tracer to parse. Keep the
 * phase numbers in sync with guest/glibc/glibc.c.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "phases.h"

#define __noreturn	__attribute__((noreturn))

#define RESEED_THREADS	4		/* plus the main thread */
#define NTHREADS	16
#define ENTROPY_CALLS	10
#define CHILD_CALLS	1000
#define UNIFORM_BOUND	1000003U

/*
 * Set by the tracer (another process, hence volatile) to end a phase's
 * loops; cleared by each marker.
 */
static volatile long stop_flag;

/* glibc 2.36 has arc4random*(); looked up at run time all the same, so
 * the client also runs on, and reports, a C library without them.
 */
static uint32_t (*p_arc4random)(void);
static void (*p_arc4random_buf)(void *, size_t);
static uint32_t (*p_arc4random_uniform)(uint32_t);

static void marker(enum phase phase, long arg)
{
	stop_flag = 0;
	syscall(SYS_getppid, MARK_MAGIC, (long)phase, (long)&stop_flag, arg);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void hex(char *out, const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", buf[i]);
}

/* Fills buf with getrandom(), which may return short counts. */
static bool fill(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* One draw from this thread's state, whichever way the library offers. */
static void draw(void)
{
	uint32_t v;

	if (p_arc4random)
		p_arc4random();
	else
		fill(&v, sizeof(v));
}

static void lookup(void)
{
	p_arc4random = (uint32_t (*)(void))dlsym(RTLD_DEFAULT, "arc4random");
	p_arc4random_buf = (void (*)(void *, size_t))
		dlsym(RTLD_DEFAULT, "arc4random_buf");
	p_arc4random_uniform = (uint32_t (*)(uint32_t))
		dlsym(RTLD_DEFAULT, "arc4random_uniform");
	printf("have_arc4random %d %d %d\n", !!p_arc4random,
	       !!p_arc4random_buf, !!p_arc4random_uniform);
}

/* The first calls allocate this thread's state and key it. */
static void warmup(void)
{
	unsigned char buf[16];
	int i;

	marker(PH_WARMUP, 0);
	for (i = 0; i < 3; i++) {
		fill(buf, sizeof(buf));
		draw();
	}
}

static void report(const char *name, long calls, long bad, double t0)
{
	double ns = calls ? (now_ns() - t0) / calls : 0;

	printf("%s calls %ld bad %ld ns %.1f\n", name, calls, bad, ns);
}

/* The marker names buf so the tracer can tell a rekey (into the state)
 * from a fallback syscall (into the caller's buffer).
 */
static void getrandom_phase(long n)
{
	unsigned char buf[16];
	long i, bad = 0;
	double t0;

	marker(PH_GETRANDOM, (long)buf);
	t0 = now_ns();
	for (i = 0; i < n && !stop_flag; i++)
		bad += getrandom(buf, sizeof(buf), 0) != sizeof(buf);
	report("getrandom", i, bad, t0);
}

static void arc4random_phases(long n)
{
	unsigned char buf[64];
	long i, bad = 0;
	double t0;

	if (!p_arc4random || !p_arc4random_buf || !p_arc4random_uniform) {
		printf("arc4random absent\n");
		return;
	}

	marker(PH_ARC4RANDOM, 0);
	t0 = now_ns();
	for (i = 0; i < n && !stop_flag; i++)
		p_arc4random();
	report("arc4random", i, 0, t0);

	marker(PH_ARC4RANDOM_BUF, (long)buf);
	t0 = now_ns();
	for (i = 0; i < n / 10 && !stop_flag; i++)
		p_arc4random_buf(buf, sizeof(buf));
	report("arc4random_buf", i, 0, t0);

	marker(PH_ARC4RANDOM_UNIFORM, 0);
	t0 = now_ns();
	for (i = 0; i < n / 10 && !stop_flag; i++)
		bad += p_arc4random_uniform(UNIFORM_BOUND) >= UNIFORM_BOUND;
	report("arc4random_uniform", i, bad, t0);
}

/* glibc 2.41 keeps getentropy() on the syscall: expected, not a bug. */
static void getentropy_phase(void)
{
	unsigned char buf[32];
	long i, bad = 0;

	marker(PH_GETENTROPY, (long)buf);
	for (i = 0; i < ENTROPY_CALLS; i++)
		bad += getentropy(buf, sizeof(buf)) != 0;
	printf("getentropy calls %ld bad %ld\n", i, bad);
}

/* The child's state was wiped by fork (MAP_DROPPABLE implies wipe-on-fork),
 * so its first draw must rekey and then come from its own new key.
 */
static void __noreturn fork_child(int fd)
{
	unsigned char buf[32], more[16];
	long i;
	int ok;

	marker(PH_CHILD_FIRST, (long)buf);
	ok = fill(buf, sizeof(buf));
	marker(PH_CHILD_MORE, (long)more);
	for (i = 0; i < CHILD_CALLS && !stop_flag; i++)
		ok &= fill(more, sizeof(more));
	if (!ok || write(fd, buf, sizeof(buf)) != sizeof(buf))
		_exit(1);
	_exit(0);
}

static void fork_phase(void)
{
	unsigned char mine[32], theirs[32];
	char h1[65], h2[65];
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0) {
		printf("fork error pipe %d\n", errno);
		return;
	}
	fflush(stdout);		/* or the child would print it again */
	marker(PH_FORK, (long)mine);
	pid = fork();
	if (pid < 0) {
		printf("fork error fork %d\n", errno);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		fork_child(fds[1]);
	}
	close(fds[1]);
	fill(mine, sizeof(mine));
	if (read(fds[0], theirs, sizeof(theirs)) != sizeof(theirs) ||
	    waitpid(pid, &status, 0) != pid || status != 0) {
		printf("fork error child\n");
		return;
	}
	close(fds[0]);
	hex(h1, mine, sizeof(mine));
	hex(h2, theirs, sizeof(theirs));
	printf("fork parent %s child %s differ %d\n", h1, h2,
	       memcmp(mine, theirs, sizeof(mine)) != 0);
}

struct worker {
	pthread_t thread;
	pthread_barrier_t *start;
	long calls;
	unsigned char first[16];
};

static long thread_calls;

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	unsigned char buf[64];
	long i;

	/* Released together, so that the states are taken concurrently. */
	pthread_barrier_wait(w->start);
	p_arc4random_buf(w->first, sizeof(w->first));
	for (i = 1; i < thread_calls && !stop_flag; i++)
		p_arc4random_buf(buf, sizeof(buf));
	w->calls = i;
	return NULL;
}

static void threads_phase(long n)
{
	struct worker w[NTHREADS];
	pthread_barrier_t start;
	long calls = 0;
	int i, j, started = 0, distinct = 1;

	if (!p_arc4random_buf)
		return;
	thread_calls = n / 100;
	pthread_barrier_init(&start, NULL, NTHREADS);
	marker(PH_THREADS, 0);
	for (i = 0; i < NTHREADS; i++) {
		w[i].start = &start;
		if (pthread_create(&w[i].thread, NULL, thread_main, &w[i]))
			break;
	}
	started = i;
	/* A missing thread would leave the others at the barrier forever. */
	if (started < NTHREADS) {
		printf("threads error create %d\n", started);
		exit(1);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].thread, NULL);
		calls += w[i].calls;
	}
	for (i = 0; i < NTHREADS; i++)
		for (j = i + 1; j < NTHREADS; j++)
			if (!memcmp(w[i].first, w[j].first, sizeof(w[i].first)))
				distinct = 0;
	pthread_barrier_destroy(&start);
	printf("threads %d calls %ld distinct %d\n", started, calls, distinct);
}

static pthread_barrier_t go, done;

/* A helper keeps its state in use across the rounds: one draw each. */
static void *reseed_thread(void *arg)
{
	int r;

	(void)arg;
	draw();
	pthread_barrier_wait(&done);
	for (r = 0; r < RESEED_ROUNDS; r++) {
		pthread_barrier_wait(&go);
		draw();
		pthread_barrier_wait(&done);
	}
	return NULL;
}

/* Each round: reseed, then one draw per live state (the helpers' and
 * ours); the tracer expects one rekey syscall per state. Several rounds
 * let the tracer tolerate a background reseed landing inside one.
 */
static void reseed_phase(void)
{
	pthread_t t[RESEED_THREADS];
	int fd, r, i, err = 0;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("reseed error open %d\n", errno);
		return;
	}
	pthread_barrier_init(&go, NULL, RESEED_THREADS + 1);
	pthread_barrier_init(&done, NULL, RESEED_THREADS + 1);
	marker(PH_RESEED_SETUP, 0);
	for (i = 0; i < RESEED_THREADS; i++)
		if (pthread_create(&t[i], NULL, reseed_thread, NULL)) {
			printf("reseed error create\n");
			exit(1);
		}
	draw();
	pthread_barrier_wait(&done);
	for (r = 0; r < RESEED_ROUNDS; r++) {
		if (ioctl(fd, RNDRESEEDCRNG) < 0 && !err)
			err = errno;
		marker(PH_RESEED + r, 0);
		pthread_barrier_wait(&go);
		draw();
		pthread_barrier_wait(&done);
	}
	for (i = 0; i < RESEED_THREADS; i++)
		pthread_join(t[i], NULL);
	close(fd);
	printf("reseed rounds %d states %d error %d\n", RESEED_ROUNDS,
	       RESEED_THREADS + 1, err);
}

/* ns per call of fn over about budget_ns of wall time. */
static double bench(void (*fn)(void), double budget_ns)
{
	double t0 = now_ns(), t;
	long calls = 0;
	int i;

	do {
		for (i = 0; i < 1000; i++)
			fn();
		calls += 1000;
		t = now_ns() - t0;
	} while (t < budget_ns);
	return t / calls;
}

static void bench_getrandom(void)
{
	unsigned char buf[16];

	fill(buf, sizeof(buf));
}

static void bench_arc4random(void)
{
	p_arc4random();
}

static void benchmark(void)
{
	warmup();
	printf("bench getrandom16 ns %.1f\n", bench(bench_getrandom, 3e8));
	if (p_arc4random)
		printf("bench arc4random ns %.1f\n",
		       bench(bench_arc4random, 3e8));
}

int main(int argc, char **argv)
{
	long n = 1000000;
	int opt;
	bool bench_only = false;

	while ((opt = getopt(argc, argv, "bn:")) != -1) {
		switch (opt) {
		case 'b':
			bench_only = true;
			break;
		case 'n':
			n = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: client [-b] [-n N]\n");
			return 2;
		}
	}

	marker(PH_START, 0);
	lookup();
	if (bench_only) {
		benchmark();
		return 0;
	}
	warmup();
	getrandom_phase(n);
	arc4random_phases(n);
	getentropy_phase();
	fork_phase();
	threads_phase(n);
	reseed_phase();
	marker(PH_END, 0);
	printf("done\n");
	return 0;
}
