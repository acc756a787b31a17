// SPDX-License-Identifier: GPL-2.0
/*
 * Demo: getrandom() from the vDSO next to the getrandom() syscall, with the
 * number of syscalls each makes, counted by a ptrace parent.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALLS 20000
#define LEN 16

#include "../vdso.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * CALLS syscalls, then CALLS vDSO calls, each phase started by a getppid()
 * that a tracing parent takes as a marker. Prints the timings if asked.
 */
static void run_calls(vgetrandom_fn vgetrandom, int print)
{
	struct vgetrandom_opaque_params params;
	char buf[LEN];
	void *state;
	double t;
	int i;

	syscall(SYS_getppid);
	t = now_ns();
	for (i = 0; i < CALLS; i++)
		syscall(SYS_getrandom, buf, sizeof(buf), 0);
	if (print)
		printf("  getrandom() syscall: %6.0f ns/call\n", (now_ns() - t) / CALLS);

	syscall(SYS_getppid);
	vgetrandom(NULL, 0, 0, &params, ~0UL);
	state = mmap(NULL, params.size_of_opaque_state, params.mmap_prot,
		     params.mmap_flags, -1, 0);
	t = now_ns();
	for (i = 0; i < CALLS; i++)
		vgetrandom(buf, sizeof(buf), 0, state, params.size_of_opaque_state);
	if (print)
		printf("  vDSO getrandom():    %6.0f ns/call\n", (now_ns() - t) / CALLS);
	munmap(state, params.size_of_opaque_state);
}

/* Counts the child's getrandom syscalls in each phase. */
static void count_syscalls(pid_t child)
{
	struct user_regs_struct regs;
	int status, phase = -1, entry = 1;
	long count[2] = { 0, 0 };

	waitpid(child, &status, 0);
	ptrace(PTRACE_SETOPTIONS, child, NULL, PTRACE_O_TRACESYSGOOD);
	for (;;) {
		ptrace(PTRACE_SYSCALL, child, NULL, NULL);
		if (waitpid(child, &status, 0) < 0 || WIFEXITED(status))
			break;
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue;
		if (entry) {
			ptrace(PTRACE_GETREGS, child, NULL, &regs);
			if (regs.orig_rax == SYS_getppid && phase < 1)
				phase++;
			else if (regs.orig_rax == SYS_getrandom && phase >= 0)
				count[phase]++;
		}
		entry = !entry;
	}
	printf("\n  getrandom syscalls made for %d calls: syscall %ld, vDSO %ld\n",
	       CALLS, count[0], count[1]);
}

int main(void)
{
	vgetrandom_fn vgetrandom = vdso_sym("__vdso_getrandom");
	pid_t child;

	if (!vgetrandom) {
		printf("This kernel's vDSO has no __vdso_getrandom.\n");
		return 1;
	}
	printf("%d calls of %d bytes each way (under QEMU's TCG emulation these\n"
	       "timings say little about real hardware):\n", CALLS, LEN);
	run_calls(vgetrandom, 1);
	fflush(stdout);

	/* Again, traced, to count the syscalls. */
	child = fork();
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		run_calls(vgetrandom, 0);
		_exit(0);
	}
	count_syscalls(child);
	return 0;
}
