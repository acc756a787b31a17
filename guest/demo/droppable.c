// SPDX-License-Identifier: GPL-2.0
/*
 * Demo: what MAP_DROPPABLE memory looks like and what it does under a
 * memory cgroup limit, next to plain anonymous memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif

#define CGROUP "/sys/fs/cgroup/droppable-demo"
#define LIMIT_MB 32
#define FILL_MB 256

static void show_vmflags(void *addr)
{
	unsigned long start, end, want = (unsigned long)addr;
	char line[256];
	int in_vma = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in_vma = start <= want && want < end;
		else if (in_vma && !strncmp(line, "VmFlags:", 8))
			printf("  smaps of the mapping: %s", line);
	}
	if (f)
		fclose(f);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/* Fill FILL_MB of memory of the given type inside the cgroup, twice over. */
static void fill_in_cgroup(int type)
{
	size_t len = (size_t)FILL_MB << 20, i, zero = 0;
	char pid[32];
	char *p;
	int pass;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(CGROUP "/cgroup.procs", pid))
		exit(2);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, type | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(3);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < len; i += 4096)
			p[i] = 1;
	for (i = 0; i < len; i += 4096)
		zero += !p[i];
	printf("  wrote %d MiB twice under a %d MiB limit: alive, %zu of %zu pages were dropped (read back 0)\n",
	       FILL_MB, LIMIT_MB, zero, len / 4096);
	exit(0);
}

static void run(const char *what, int type)
{
	int status;
	pid_t child;

	printf("%s:\n", what);
	fflush(stdout);
	child = fork();
	if (child == 0)
		fill_in_cgroup(type);
	waitpid(child, &status, 0);
	if (WIFSIGNALED(status))
		printf("  killed by signal %d (%s): the OOM killer\n",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status))
		printf("  setup failed (exit %d)\n", WEXITSTATUS(status));
}

int main(void)
{
	char limit[32];
	void *p;

	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap(MAP_DROPPABLE): %s: this kernel has no droppable memory\n",
		       strerror(errno));
		return 1;
	}
	printf("mmap(MAP_DROPPABLE | MAP_ANONYMOUS) works; VmFlags dp = droppable,\n"
	       "wf = wiped on fork, dd = not dumped, nr = not charged:\n");
	show_vmflags(p);

	snprintf(limit, sizeof(limit), "%dM", LIMIT_MB);
	if ((mkdir(CGROUP, 0755) && errno != EEXIST) ||
	    write_file(CGROUP "/memory.max", limit)) {
		printf("no memory cgroup at " CGROUP ": %s\n", strerror(errno));
		return 1;
	}
	write_file(CGROUP "/memory.swap.max", "0");
	printf("\nA cgroup with memory.max = %d MiB and no swap.\n", LIMIT_MB);
	run("Droppable memory", MAP_DROPPABLE);
	run("Plain private anonymous memory", MAP_PRIVATE);
	rmdir(CGROUP);
	return 0;
}
