// SPDX-License-Identifier: GPL-2.0
/*
 * VM fork: when a snapshot of this VM is restored as a clone with a new VM
 * generation ID, every live vDSO getrandom() state must rekey, once, before
 * its next output, and that output must differ from what the same state
 * would have given without the clone. A restore with the same ID (the
 * control) must change nothing: no rekey, and exactly that output.
 *
 * The host clones the VM when asked on the control port (harness/vm.sh):
 * "CLONE NEW" or "CLONE SAME", answered by "RESTORED" from the restored VM.
 * 6.1's vmgenid driver then reseeds the crng and logs it.
 *
 * What the state "would have given" is what a copy of it, taken just
 * before the clone, gives then: the copy has the same key, batch and
 * generation. Rekeys are counted with ptrace: 32-byte getrandom syscalls.
 *
 * Scheduled reseeds also move the generation; one in the middle of the
 * clone would make the rekeys happen without the VM generation ID having
 * anything to do with it. So each attempt starts right after a scheduled
 * reseed (the next is then half the uptime or a minute away, and the
 * guest's clock stands still while it is being cloned), the kernel's generation is read
 * from the vDSO data page before and after, and an attempt in which it
 * moved by more than the clone accounts for is made again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "../vdso.h"

#define CONTROL_PORT		"/dev/ttyS2"
#define RESTORE_TIMEOUT_MS	120000
#define VMFORK_LOG		"crng reseeded due to virtual machine fork"
#define VMFORK_LOG_WAIT_S	10
#define RNG_DATA_OFFSET		640	/* struct vdso_rng_data in the vvar page */
#define NR_STATES		4
#define OUT_LEN			64
#define KEY_LEN			32
#define ATTEMPTS		3
#define MARKER_MAGIC		0x766d666bUL

enum step { STEP_WARM, STEP_BEFORE, STEP_WAIT, STEP_STATE0, NR_STEPS = STEP_STATE0 + NR_STATES };

/* What the traced child reports back through a pipe. */
struct outcome {
	const char *error;		/* what went wrong, NULL if nothing */
	uint64_t gen_warm, gen_before, gen_after;
	bool short_output;		/* a call returned less than asked */
	int vmfork_logs;		/* new VMFORK_LOG lines */
	bool same_output[NR_STATES];	/* output equal to the copy's */
};

/* Per step, as the tracer saw it. */
struct counts {
	unsigned int syscalls[NR_STEPS];	/* getrandom syscalls */
	unsigned int rekeys[NR_STEPS];		/* of KEY_LEN bytes */
};

static vgetrandom_fn vgetrandom;
static struct vgetrandom_opaque_params params;
static int failures;

static void ktap(bool ok, int n, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
	failures += !ok;
}

static void marker(enum step step)
{
	syscall(SYS_getppid, MARKER_MAGIC, (unsigned long)step);
}

/* Where random.c publishes its generation, which the vDSO reads. */
static const uint64_t *rng_generation(void)
{
	unsigned long start, end;
	char line[256];
	void *p = NULL;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && !p && fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]") && sscanf(line, "%lx-%lx", &start, &end) == 2)
			p = (char *)start + RNG_DATA_OFFSET;
	if (f)
		fclose(f);
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The longest the next scheduled reseed can be away, at uptime @t: random.c
 * waits max(1 s, uptime / 2) from each reseed for the first two minutes,
 * a minute after that. Timers that far out may fire late, and an emulated
 * guest on a busy host later still: half as long again, and ten seconds.
 */
static double reseed_wait_max(double t)
{
	double interval = t < 120 ? (t / 2 > 1 ? t / 2 : 1) : 60;

	return interval * 1.5 + 10;
}

static uint64_t generation(const uint64_t *gen)
{
	return __atomic_load_n(gen, __ATOMIC_ACQUIRE);
}

/* Waits for the next scheduled reseed. Returns false if none came. */
static bool wait_for_reseed(const uint64_t *gen)
{
	uint64_t start = generation(gen);
	double deadline = now_s() + reseed_wait_max(now_s());

	while (generation(gen) == start && now_s() < deadline)
		usleep(1000);
	return generation(gen) != start;
}

/* How many times the kernel log has said that a VM fork reseeded the crng. */
static int vmfork_logs(void)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf = size > 0 ? malloc(size + 1) : NULL;
	int n = 0, len;
	char *p;

	len = buf ? klogctl(3, buf, size) : -1;	/* SYSLOG_ACTION_READ_ALL */
	if (len < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	for (p = buf; (p = strstr(p, VMFORK_LOG)); p++)
		n++;
	free(buf);
	return n;
}

/*
 * Asks the host for a clone and waits until it has restored the VM.
 * Returns 0 or an errno.
 */
static int clone_vm(const char *how)
{
	struct pollfd pfd = { .events = POLLIN };
	char reply[64] = "";
	struct termios tio;
	size_t len = 0;
	ssize_t n;

	pfd.fd = open(CONTROL_PORT, O_RDWR | O_NOCTTY);
	if (pfd.fd < 0 || tcgetattr(pfd.fd, &tio))
		return errno;
	cfmakeraw(&tio);
	tcsetattr(pfd.fd, TCSANOW, &tio);
	tcflush(pfd.fd, TCIOFLUSH);
	dprintf(pfd.fd, "CLONE %s\n", how);
	while (!strchr(reply, '\n') && len < sizeof(reply) - 1) {
		if (poll(&pfd, 1, RESTORE_TIMEOUT_MS) != 1)
			break;
		n = read(pfd.fd, reply + len, sizeof(reply) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		reply[len] = '\0';
	}
	close(pfd.fd);
	return strncmp(reply, "RESTORED", 8) ? ETIMEDOUT : 0;
}

/* Waits up to VMFORK_LOG_WAIT_S for the kernel to log more VM forks than @before. */
static int vmfork_logs_after(int before, bool expect)
{
	double deadline = now_s() + (expect ? VMFORK_LOG_WAIT_S : 1);
	int n;

	do {
		n = vmfork_logs();
		if (n > before)
			break;
		usleep(10000);
	} while (now_s() < deadline);
	return n - before;
}

/* The traced child: warm up the states, clone, use each state once. */
static void clone_and_use(const char *how, int report)
{
	const uint64_t *gen = rng_generation();
	unsigned char want[NR_STATES][OUT_LEN], got[OUT_LEN];
	size_t size = params.size_of_opaque_state;
	size_t psize = getpagesize();
	struct outcome o = { 0 };
	unsigned char *page, *copies;
	int i, logs;

	/*
	 * The states and their copies in plain memory: in droppable memory,
	 * reclaim could wipe a state and make it rekey without any clone.
	 */
	page = mmap(NULL, psize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	copies = mmap(NULL, psize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || copies == MAP_FAILED)
		o.error = "mmap failed";
	else if (!gen)
		o.error = "no [vvar] mapping";
	else if (NR_STATES * size > psize)
		o.error = "states too big for a page";
	else if (!wait_for_reseed(gen))
		o.error = "the kernel did not reseed on its schedule";
	if (o.error)
		goto out;
	for (i = 0; i < NR_STATES; i++)
		o.short_output |= vgetrandom(got, 16, 0, page + i * size, size) != 16;
	o.gen_warm = generation(gen);
	marker(STEP_WARM);

	/* What each state would give next, were there no clone. */
	for (i = 0; i < NR_STATES; i++) {
		memcpy(copies + i * size, page + i * size, size);
		o.short_output |= vgetrandom(want[i], OUT_LEN, 0, copies + i * size, size) !=
				  OUT_LEN;
	}
	logs = vmfork_logs();
	o.gen_before = generation(gen);
	marker(STEP_BEFORE);

	if (clone_vm(how)) {
		o.error = "the host did not clone the VM (no answer on " CONTROL_PORT ")";
		goto out;
	}
	o.vmfork_logs = vmfork_logs_after(logs, !strcmp(how, "NEW"));
	o.gen_after = generation(gen);
	marker(STEP_WAIT);

	for (i = 0; i < NR_STATES; i++) {
		memset(got, 0, sizeof(got));
		o.short_output |= vgetrandom(got, OUT_LEN, 0, page + i * size, size) != OUT_LEN;
		o.same_output[i] = !memcmp(got, want[i], OUT_LEN);
		marker(STEP_STATE0 + i);
	}
out:
	if (write(report, &o, sizeof(o)) != sizeof(o))
		_exit(2);
	_exit(0);
}

/* Counts the traced child's getrandom syscalls between its markers. */
static bool trace(pid_t child, struct counts *c)
{
	unsigned int syscalls = 0, rekeys = 0;
	struct user_regs_struct regs;
	bool entry = true;
	int status;

	memset(c, 0, sizeof(*c));
	if (waitpid(child, &status, 0) != child ||
	    ptrace(PTRACE_SETOPTIONS, child, NULL, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL))
		return false;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, child, NULL, NULL) ||
		    waitpid(child, &status, 0) != child)
			return false;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return WIFEXITED(status) && !WEXITSTATUS(status);
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		if (entry && !ptrace(PTRACE_GETREGS, child, NULL, &regs)) {
			if (regs.orig_rax == SYS_getrandom) {
				syscalls++;
				rekeys += regs.rsi == KEY_LEN;
			} else if (regs.orig_rax == SYS_getppid && regs.rdi == MARKER_MAGIC &&
				   regs.rsi < NR_STEPS) {
				c->syscalls[regs.rsi] = syscalls;
				c->rekeys[regs.rsi] = rekeys;
				syscalls = 0;
				rekeys = 0;
			}
		}
		entry = !entry;
	}
}

/* One attempt; returns false if a scheduled reseed got in the way. */
static bool attempt(const char *how, bool new_id, bool *ok)
{
	unsigned int i, rekeyed = 0, same = 0;
	struct outcome o = { .error = "no report from the traced child" };
	struct counts c;
	int fds[2];
	bool traced, clean;
	pid_t pid;

	if (pipe(fds))
		return *ok = false, true;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(fds[0]);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		clone_and_use(how, fds[1]);
	}
	close(fds[1]);
	traced = pid > 0 && trace(pid, &c);
	if (read(fds[0], &o, sizeof(o)) != sizeof(o))
		o.error = "no report from the traced child";
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (!traced || o.error) {
		printf("# %s: %s\n", how, traced ? o.error : "tracing failed");
		return *ok = false, true;
	}

	for (i = 0; i < NR_STATES; i++) {
		rekeyed += c.syscalls[STEP_STATE0 + i] == 1 && c.rekeys[STEP_STATE0 + i] == 1;
		same += o.same_output[i];
	}
	printf("# %s: generation %llu -> %llu, %d VM fork reseed(s) logged, ", how,
	       (unsigned long long)o.gen_before, (unsigned long long)o.gen_after, o.vmfork_logs);
	printf("%u of %d states rekeyed once, %u gave what they would have without the clone\n",
	       rekeyed, NR_STATES, same);
	if (o.short_output) {
		printf("# %s: a vDSO call returned less than it was asked for\n", how);
		return *ok = false, true;
	}
	clean = c.syscalls[STEP_BEFORE] == 0 && c.syscalls[STEP_WAIT] == 0 &&
		o.gen_before == o.gen_warm && o.gen_after - o.gen_before <= (new_id ? 1 : 0);
	if (!clean)
		return false;
	if (new_id)
		*ok = o.vmfork_logs == 1 && o.gen_after == o.gen_before + 1 &&
		      rekeyed == NR_STATES && same == 0;
	else
		*ok = o.vmfork_logs == 0 && rekeyed == 0 && same == NR_STATES;
	for (i = 0; !new_id && i < NR_STATES; i++)
		*ok &= c.syscalls[STEP_STATE0 + i] == 0;
	return true;
}

static void check(int n, const char *how, bool new_id, const char *what)
{
	bool ok = false;
	int i;

	for (i = 1; i <= ATTEMPTS; i++) {
		if (attempt(how, new_id, &ok))
			break;
		printf("# %s: attempt %d: a scheduled reseed came in between, again\n", how, i);
	}
	ktap(ok, n, what);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..2\n");
	vgetrandom = vdso_sym("__vdso_getrandom");
	if (!vgetrandom || vgetrandom(NULL, 0, 0, &params, ~0UL)) {
		printf("# no __vdso_getrandom in this kernel's vDSO\n");
		ktap(false, 1, "VM clone with a new generation ID: every state rekeys once");
		ktap(false, 2, "VM restore with the same generation ID: nothing changes");
		return 1;
	}
	check(1, "NEW", true,
	      "VM clone with a new generation ID: every state rekeys once, new output");
	check(2, "SAME", false,
	      "VM restore with the same generation ID (control): no rekey, same output");
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       2 - failures, failures);
	return failures ? 1 : 0;
}
