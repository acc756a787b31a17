// SPDX-License-Identifier: GPL-2.0
/*
 * Does the real glibc use the vDSO getrandom? Runs the unmodified client
 * (guest/glibc/client.c, dynamically linked) under glibc 2.41 from Debian
 * 13 and, as the control, under the system's glibc 2.36, with ptrace
 * counting the getrandom syscalls (x86-64 nr 318) of each phase the client
 * marks. Prints KTAP; exits 0 if all passed, 1 if any failed, 4 (skip) if
 * glibc 2.41 is not in the initramfs (the harness could not fetch it).
 *
 * Layout under $GLIBC_ROOT (default /glibc):
 *   2.41/ld-linux-x86-64.so.2, 2.41/libc.so.6, the same under 2.36/,
 *   client, and SKIP (one line: why 2.41 is missing) if it is.
 *
 * A getrandom syscall is a rekey if it asks for 32 bytes into a buffer
 * other than the one the phase's marker named: the vDSO fetching a new key
 * for a state. Anything else in a vDSO phase is a fallback to the syscall.
 * Keep the phase numbers in sync with client.c.
 */

#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "phases.h"

#define NR_GETRANDOM	318
#define KSFT_SKIP	4

#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define RESEED_STATES	5
#define NTHREADS	16
#define ENTROPY_CALLS	10
#define CHILD_CALLS	1000

/*
 * A million calls: about 0.1 s natively and a few seconds under TCG through
 * the vDSO. Traced syscalls are far slower, so once a phase has made
 * STOP_AFTER of them it has shown what it does and the tracer ends it.
 */
#define CALLS		1000000L
#define STOP_AFTER	1000
#define TIMEOUT_S	540

enum role { MAIN, CHILD, NROLES };	/* the client, or its forked child */

struct count {
	long total;		/* getrandom syscalls */
	long rekeys;		/* of them, 32 bytes into somewhere else */
	long into_buf;		/* of them, into the marker's buffer */
	bool seen;		/* the phase's marker was seen */
	bool stopped;		/* the tracer ended the phase */
};

struct trace {
	const char *libc;	/* "2.41" or "2.36" */
	pid_t pid;
	int status;		/* the client's wait status */
	struct count count[NROLES][PH_MAX];
	int phase[NROLES];
	unsigned long buf[NROLES];	/* the marker's buffer */
	unsigned long stop[NROLES];	/* the client's stop_flag */
	char *out;		/* what the client printed */
};

static const char *root = "/glibc";
static int test_no, failures;

static void __printf(2, 3) ktap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failures += !ok;
}

static char *path(const char *fmt, ...)
{
	static char buf[4][512];
	static int i;
	char rel[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

static char *read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(buf, cap *= 2);

			if (!p)
				break;
			buf = p;
		}
	}
	buf[len] = '\0';
	return buf;
}

/* The rest of the client's first output line that starts with key. */
static const char *line(const struct trace *t, const char *key)
{
	size_t len = strlen(key);
	const char *p = t->out;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return p + len + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return "";
}

/* Which process a tracee belongs to: a thread of the client or of its child. */
static enum role role_of(pid_t tid, pid_t client)
{
	static pid_t known[256];
	static unsigned char roles[256];
	char file[64], buf[256];
	FILE *f;
	pid_t tgid = tid;
	int i;

	for (i = 0; i < 256 && known[i]; i++)
		if (known[i] == tid)
			return roles[i];
	snprintf(file, sizeof(file), "/proc/%d/status", tid);
	f = fopen(file, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	if (i < 256) {
		known[i] = tid;
		roles[i] = tgid == client ? MAIN : CHILD;
	}
	return tgid == client ? MAIN : CHILD;
}

/* A syscall entry of a tracee: a marker, a getrandom, or not ours. */
static void on_syscall(struct trace *t, pid_t tid)
{
	struct __ptrace_syscall_info si;
	enum role r;
	struct count *c;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(si), &si) <= 0 ||
	    si.op != PTRACE_SYSCALL_INFO_ENTRY)
		return;
	r = role_of(tid, t->pid);
	if (si.entry.nr == SYS_getppid && si.entry.args[0] == MARK_MAGIC &&
	    si.entry.args[1] < PH_MAX) {
		t->phase[r] = si.entry.args[1];
		t->stop[r] = si.entry.args[2];
		t->buf[r] = si.entry.args[3];
		t->count[r][t->phase[r]].seen = true;
		return;
	}
	if (si.entry.nr != NR_GETRANDOM)
		return;
	c = &t->count[r][t->phase[r]];
	c->total++;
	if (si.entry.args[0] == t->buf[r])
		c->into_buf++;
	else if (si.entry.args[1] == 32)
		c->rekeys++;
	/* Enough seen: tell the client's loops to stop (any stopped thread
	 * of the process will do: they share stop_flag).
	 */
	if (c->total > STOP_AFTER && !c->stopped && t->stop[r]) {
		c->stopped = true;
		ptrace(PTRACE_POKEDATA, tid, (void *)t->stop[r], (void *)1L);
	}
}

static void start_client(struct trace *t, int out, char *const argv[])
{
	t->pid = fork();
	if (t->pid < 0) {
		perror("fork");
		exit(1);
	}
	if (t->pid)
		return;
	dup2(out, STDOUT_FILENO);
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	raise(SIGSTOP);
	execv(argv[0], argv);
	_exit(127);
}

static void trace_client(struct trace *t, char *const argv[])
{
	FILE *out = tmpfile();
	int status, sig;
	pid_t tid;

	if (!out) {
		perror("tmpfile");
		exit(1);
	}
	memset(t->count, 0, sizeof(t->count));
	memset(t->phase, 0, sizeof(t->phase));
	memset(t->stop, 0, sizeof(t->stop));
	start_client(t, fileno(out), argv);
	if (waitpid(t->pid, &status, 0) != t->pid || !WIFSTOPPED(status)) {
		perror("waitpid");
		exit(1);
	}
	ptrace(PTRACE_SETOPTIONS, t->pid, NULL,
	       PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
	       PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
	       PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
	ptrace(PTRACE_SYSCALL, t->pid, NULL, NULL);
	t->status = -1;
	while ((tid = waitpid(-1, &status, __WALL)) > 0) {
		if (!WIFSTOPPED(status)) {
			if (tid == t->pid)
				t->status = status;
			continue;
		}
		sig = WSTOPSIG(status);
		if (sig == (SIGTRAP | 0x80))
			on_syscall(t, tid);
		/* Event stops and the SIGSTOP new tracees start with are ours;
		 * any other signal goes on to the client.
		 */
		if (sig == SIGTRAP || sig == (SIGTRAP | 0x80) || sig == SIGSTOP)
			sig = 0;
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
	}
	t->out = read_fd(fileno(out));
	fclose(out);
}

static void run(struct trace *t, const char *libc, bool bench)
{
	char *argv[] = {
		path("%s/ld-linux-x86-64.so.2", libc), "--library-path",
		path("%s", libc), path("client"), bench ? "-b" : "-n", NULL, NULL,
	};
	char n[32];

	snprintf(n, sizeof(n), "%ld", CALLS);
	if (!bench)
		argv[5] = n;
	t->libc = libc;
	trace_client(t, argv);
}

/* Untraced: the timings of the demo line. */
static double bench_ns(const char *libc, const char *what)
{
	char *argv[] = {
		path("%s/ld-linux-x86-64.so.2", libc), "--library-path",
		path("%s", libc), path("client"), "-b", NULL,
	};
	FILE *out = tmpfile();
	struct trace t = { .libc = libc };
	int status = -1;
	double ns = 0;
	pid_t pid;

	if (!out)
		return 0;
	pid = fork();
	if (pid == 0) {
		dup2(fileno(out), STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	t.out = read_fd(fileno(out));
	fclose(out);
	if (status == 0)
		sscanf(line(&t, what), "ns %lf", &ns);
	free(t.out);
	return ns;
}

static const struct count *count(const struct trace *t, enum role r, int ph)
{
	return &t->count[r][ph];
}

/* Says how the client's calls of a phase went; calls < 0 if missing. */
static long calls(const struct trace *t, const char *key, long *bad)
{
	long n = -1, b = 0;

	sscanf(line(t, key), "calls %ld bad %ld", &n, &b);
	if (bad)
		*bad = b;
	return n;
}

/*
 * A vDSO phase: all its calls made, no fallback syscalls. One rekey is
 * tolerated (and said): the kernel may reseed in the background while a
 * million calls run, and the state then rightly fetches a new key.
 */
static void check_vdso_phase(const struct trace *t, int ph, const char *key,
			     const char *what, long want)
{
	const struct count *c = count(t, MAIN, ph);
	long n, bad, fallback = c->total - c->rekeys;
	bool ok;

	n = calls(t, key, &bad);
	ok = c->seen && n == want && !bad && !fallback && c->rekeys <= 1;
	ktap(ok, "glibc %s: %ld x %s after warm-up: %ld getrandom syscalls%s%s",
	     t->libc, n < 0 ? 0 : n, what, c->total,
	     c->rekeys && !fallback ? " (a rekey after a kernel reseed)" : "",
	     c->stopped ? " (stopped early)" : "");
	if (bad)
		printf("# %s: %ld calls returned a wrong result\n", key, bad);
	if (fallback && !c->rekeys)
		printf("# %s: every call made the syscall: glibc found no usable "
		       "__vdso_getrandom in this kernel's vDSO\n", key);
}

static void check_getentropy(const struct trace *t)
{
	const struct count *c = count(t, MAIN, PH_GETENTROPY);
	long bad, n = calls(t, "getentropy", &bad);

	ktap(n == ENTROPY_CALLS && !bad && c->into_buf == ENTROPY_CALLS,
	     "glibc %s: getentropy() still makes the getrandom syscall, as "
	     "expected (glibc routes only getrandom/arc4random through the "
	     "vDSO): %ld calls, %ld syscalls", t->libc, n, c->total);
}

static void check_fork(const struct trace *t)
{
	const struct count *first = count(t, CHILD, PH_CHILD_FIRST);
	const struct count *more = count(t, CHILD, PH_CHILD_MORE);
	const char *f = line(t, "fork");
	int differ = 0;

	if (strstr(f, "differ "))
		differ = atoi(strstr(f, "differ ") + 7);
	ktap(differ == 1, "glibc %s: fork: parent and child draw different bytes",
	     t->libc);
	if (*f)
		printf("# fork %.*s\n", (int)strcspn(f, "\n"), f);
	ktap(first->seen && more->seen && first->total == 1 &&
	     first->rekeys == 1 && more->total == 0,
	     "glibc %s: fork: the child's first call rekeys (getrandom "
	     "syscalls: %ld, 32-byte rekeys: %ld), its next %d calls make %ld",
	     t->libc, first->total, first->rekeys, CHILD_CALLS, more->total);
	printf("# fork: the parent made %ld getrandom syscalls after the fork\n",
	       count(t, MAIN, PH_FORK)->total);
}

static void check_threads(const struct trace *t)
{
	const struct count *c = count(t, MAIN, PH_THREADS);
	int threads = 0, distinct = 0;
	long n = 0;

	sscanf(line(t, "threads"), "%d calls %ld distinct %d", &threads, &n,
	       &distinct);
	ktap(threads == NTHREADS && n == NTHREADS * (CALLS / 100) && distinct &&
	     c->total == c->rekeys && c->rekeys <= NTHREADS,
	     "glibc %s: %d threads x %ld arc4random_buf() concurrently: distinct "
	     "outputs, %ld getrandom syscalls (%ld rekeys of new states)",
	     t->libc, threads, CALLS / 100, c->total, c->rekeys);
}

static void check_reseed(const struct trace *t)
{
	const struct count *c;
	int r, err = -1, good = -1;
	char seen[128] = "";
	size_t len = 0;

	sscanf(line(t, "reseed"), "rounds %*d states %*d error %d", &err);
	for (r = 0; r < RESEED_ROUNDS; r++) {
		c = count(t, MAIN, PH_RESEED + r);
		len += snprintf(seen + len, sizeof(seen) - len, "%s%ld",
				r ? "," : "", c->total);
		if (good < 0 && c->seen && c->total == RESEED_STATES &&
		    c->rekeys == RESEED_STATES)
			good = r;
	}
	ktap(err == 0 && good >= 0,
	     "glibc %s: RNDRESEEDCRNG: exactly one rekey syscall per state in "
	     "use (%d states; syscalls per round: %s)", t->libc, RESEED_STATES,
	     seen);
	if (err > 0)
		printf("# ioctl(RNDRESEEDCRNG): %s\n", strerror(err));
}

static void check_control(const struct trace *t)
{
	const struct count *c = count(t, MAIN, PH_GETRANDOM);
	long n = calls(t, "getrandom", NULL);

	ktap(WIFEXITED(t->status) && !WEXITSTATUS(t->status) && n > 0 &&
	     c->into_buf >= n,
	     "control: glibc %s: %ld x getrandom(buf, 16, 0) make %ld getrandom "
	     "syscalls%s", t->libc, n, c->total,
	     c->stopped ? " (stopped early)" : "");
	printf("# control: glibc %s: arc4random %ld, arc4random_buf %ld, "
	       "getentropy %ld syscalls\n", t->libc,
	       count(t, MAIN, PH_ARC4RANDOM)->total,
	       count(t, MAIN, PH_ARC4RANDOM_BUF)->total,
	       count(t, MAIN, PH_GETENTROPY)->total);
}

#define NTESTS	11

/* Never a pass without glibc 2.41: one SKIP line that says why. */
static void skip_all(const char *why)
{
	printf("1..1\n");
	printf("ok 1 glibc 2.41 client uses the vDSO getrandom # SKIP %s\n", why);
	exit(KSFT_SKIP);
}

static void skip_if_missing(void)
{
	char why[256] = "";
	struct stat st;
	FILE *f;

	f = fopen(path("SKIP"), "r");
	if (f) {
		if (!fgets(why, sizeof(why), f))
			strcpy(why, "glibc 2.41 not fetched (no reason given)");
		why[strcspn(why, "\n")] = '\0';
		fclose(f);
		skip_all(why);
	}
	if (stat(path("2.41/libc.so.6"), &st) < 0)
		skip_all("glibc 2.41 is not in the initramfs");
	if (stat(path("2.36/libc.so.6"), &st) < 0 || stat(path("client"), &st) < 0)
		skip_all("the glibc 2.36 control or the client is missing");
}

/* The timings' label: where they were taken, from the hypervisor's CPUID
 * signature (QEMU's TCG says "TCGTCGTCGTCG").
 */
static const char *where(void)
{
	static char label[64];
	unsigned int a, b, c, d, sig[4] = { 0 };

	__cpuid(1, a, b, c, d);
	if (!(c & (1U << 31)))
		return "native timings";
	__cpuid(0x40000000, a, sig[0], sig[1], sig[2]);
	if (!memcmp(sig, "TCGTCGTCGTCG", 12))
		return "QEMU TCG timings";
	if (!memcmp(sig, "KVMKVMKVM", 9))
		return "KVM timings";
	snprintf(label, sizeof(label), "timings in a VM, hypervisor \"%s\"",
		 (char *)sig);
	return label;
}

static void demo_line(const struct trace *t)
{
	const struct count *c = count(t, MAIN, PH_ARC4RANDOM);
	bool vdso = c->seen && c->total == c->rekeys;

	double new = bench_ns("2.41", "bench arc4random");
	double old = bench_ns("2.36", "bench arc4random");
	double newg = bench_ns("2.41", "bench getrandom16");
	double oldg = bench_ns("2.36", "bench getrandom16");

	printf("# glibc 2.41 arc4random: %.0f ns/call; glibc 2.36: %.0f ns/call "
	       "(%s; getrandom(16 bytes): %.0f vs %.0f ns/call). %s; 2.36 "
	       "makes the getrandom syscall every time.\n", new, old, where(),
	       newg, oldg, vdso ?
	       "2.41 calls __vdso_getrandom and stays in user space" :
	       "This kernel's vDSO has no getrandom, so 2.41 makes the syscall too");
}

int main(void)
{
	static struct trace new, old;
	const char *env = getenv("GLIBC_ROOT");

	if (env && *env)
		root = env;
	setvbuf(stdout, NULL, _IOLBF, 0);
	skip_if_missing();
	alarm(TIMEOUT_S);

	printf("1..%d\n", NTESTS);
	printf("# %ld calls per vDSO phase; a phase whose syscalls pass %d is "
	       "stopped early\n", CALLS, STOP_AFTER);
	run(&new, "2.41", false);
	ktap(WIFEXITED(new.status) && !WEXITSTATUS(new.status) &&
	     new.out && strstr(new.out, "\ndone\n"),
	     "glibc 2.41: the client ran all phases under ptrace");
	check_vdso_phase(&new, PH_GETRANDOM, "getrandom",
			 "getrandom(buf, 16, 0)", CALLS);
	check_vdso_phase(&new, PH_ARC4RANDOM, "arc4random", "arc4random()", CALLS);
	check_vdso_phase(&new, PH_ARC4RANDOM_BUF, "arc4random_buf",
			 "arc4random_buf(buf, 64)", CALLS / 10);
	check_vdso_phase(&new, PH_ARC4RANDOM_UNIFORM, "arc4random_uniform",
			 "arc4random_uniform(1000003)", CALLS / 10);
	check_getentropy(&new);
	check_fork(&new);
	check_threads(&new);
	check_reseed(&new);

	run(&old, "2.36", false);
	check_control(&old);

	demo_line(&new);
	return failures ? 1 : 0;
}
