// SPDX-License-Identifier: GPL-2.0
/*
 * Runs Linux 6.1's own mm selftests (tools/testing/selftests/vm) in the
 * guest, as a regression bar for the series: the same programs, with the
 * same arguments, run on the base kernel and on the patched one.
 *
 * The table of tests is compiled in: harness/vmtests.sh generates
 * vmtests-list.h from harness/vmtests.list, which also says why each
 * program of the directory that is not run is left out. The programs are
 * found in /vmtests (harness/vmtests.sh builds them into OUTDIR/bin).
 *
 * Each test runs in a process group of its own, with its output on a pipe,
 * stdin on /dev/null and /tmp as its working directory; a test that
 * outlives its timeout has its whole group killed. The output is KTAP:
 *
 *	TAP version 13
 *	1..N
 *	# <the test's output, each line prefixed, long outputs trimmed>
 *	# <name args>: <how it ended>, ran S.SSS s
 *	ok N name args
 *	not ok N name args # exit 1 | signal 11 | timeout after T s
 *	ok N name args # SKIP <the test's last line>	(exit 4, KSFT_SKIP)
 *	ok N name args # SKIP no <path> in this kernel	(what it needs)
 *	ok N name args # SKIP no <flag> in this kernel	(a CPU flag it needs)
 *
 * The exit status is 0 if and only if no test printed "not ok".
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#ifndef BIN_DIR
#define BIN_DIR		"/vmtests"
#endif
#define WORK_DIR	"/tmp"
#define HUGE_DIR	WORK_DIR "/huge"	/* run_vmtests.sh's ./huge */
#define NOBODY		65534
#define KSFT_SKIP	4
#define MAX_ARGS	15
#define HEAD_LINES	60	/* lines of a test's output relayed as they come */
#define TAIL_LINES	40	/* and the last ones, kept until it ends */
#define NOTE_LINES	40	/* and lines between them that tell of failures */
#define LINE_MAX_LEN	240	/* longer lines are cut */
#define DRAIN_MS	3000	/* for output still in the pipe after the end */
#define KILL_GRACE_MS	5000	/* for a killed test to die */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

struct vmtest {
	const char *name;
	const char *argv[MAX_ARGS + 1];	/* after argv[0], NULL-terminated */
	unsigned int timeout_s;
	bool nobody;			/* run as uid/gid 65534, no groups */
	const char *sysctl;		/* "vm.key=value" set while it runs */
	const char *needs;		/* a path or CPU flag: without it, skip */
};

/*
 * VMTEST(timeout, root|nobody, "vm.key=value" or NULL, "/needed/path" or
 *	  NULL, "program", "arg", ..., NULL)
 */
#define USER_root	false
#define USER_nobody	true

#define VMTEST(timeout, user, setting, path, prog, ...) \
	{ .name = prog, .argv = { __VA_ARGS__ }, .timeout_s = timeout, \
	  .nobody = USER_##user, .sysctl = setting, .needs = path },

static const struct vmtest tests[] = {
#include "vmtests-list.h"
};

#define NR_TESTS	ARRAY_SIZE(tests)

static unsigned int timeout_scale = 1;

/* A test's output, cut into lines: the head goes out at once, the tail is kept. */
struct output {
	char line[LINE_MAX_LEN + 1];
	size_t len;
	bool cut;			/* the current line was longer */
	unsigned long lines;
	unsigned long printed;		/* lines after the head printed or left out */
	unsigned int notes;		/* lines relayed for important() */
	char tail[TAIL_LINES][LINE_MAX_LEN + 1];
	bool tail_cut[TAIL_LINES];
	bool tail_done[TAIL_LINES];	/* printed as a note already */
	char last[LINE_MAX_LEN + 1];	/* last non-empty line: a skip's reason */
};

static struct output out;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Our stdout is a pipe to init: no line may sit in a buffer while a test runs. */
static void __printf(1, 2) say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Control characters would garble the console, and a CR would split the line. */
static void clean(char *s)
{
	for (; *s; s++)
		if (*s == '\t')
			*s = ' ';
		else if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

/*
 * "vm.a=b": sets /proc/sys/vm/a to b, and returns its old value in old
 * (NULL: only restores). False with a message on failure.
 */
static bool set_sysctl(const char *setting, const char *restore, char *old,
		       size_t size)
{
	const char *eq = strchr(setting, '=');
	const char *value = restore ? restore : eq + 1;
	char path[128];
	ssize_t n;
	size_t i;
	int fd;

	n = snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - setting),
		     setting);
	for (i = strlen("/proc/sys/"); i < (size_t)n && i < sizeof(path); i++)
		if (path[i] == '.')
			path[i] = '/';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (old) {
		n = read(fd, old, size - 1);
		if (n <= 0)
			goto fail_close;
		old[n] = '\0';
		old[strcspn(old, "\n")] = '\0';
	}
	n = strlen(value);
	if (pwrite(fd, value, n, 0) != n)
		goto fail_close;
	close(fd);
	return true;
fail_close:
	close(fd);
fail:
	say("# vmtests: %s %s: %s\n", path, value, strerror(errno));
	return false;
}

/* A line worth relaying even from the middle of a long output. */
static bool important(const char *line)
{
	return strcasestr(line, "not ok") || strcasestr(line, "fail") ||
	       strcasestr(line, "error");
}

/*
 * The first HEAD_LINES lines go out at once, and so do up to NOTE_LINES of
 * the later ones that look like failures; the others wait in a ring of
 * TAIL_LINES, of which flush_output() prints those not printed yet.
 */
static void end_line(void)
{
	unsigned long slot;

	out.line[out.len] = '\0';
	clean(out.line);
	if (out.len)
		memcpy(out.last, out.line, out.len + 1);
	if (out.lines < HEAD_LINES) {
		say("# %s%s\n", out.line, out.cut ? " [...]" : "");
	} else {
		slot = (out.lines - HEAD_LINES) % TAIL_LINES;
		memcpy(out.tail[slot], out.line, out.len + 1);
		out.tail_cut[slot] = out.cut;
		out.tail_done[slot] = false;
		if (out.notes < NOTE_LINES && important(out.line)) {
			if (out.lines - out.printed > HEAD_LINES)
				say("# [... %lu lines left out ...]\n",
				    out.lines - out.printed - HEAD_LINES);
			say("# %s%s\n", out.line, out.cut ? " [...]" : "");
			out.tail_done[slot] = true;
			out.notes++;
			out.printed = out.lines + 1 - HEAD_LINES;
		}
	}
	out.lines++;
	out.len = 0;
	out.cut = false;
}

static void take_output(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n')
			end_line();
		else if (out.len < LINE_MAX_LEN)
			out.line[out.len++] = buf[i];
		else
			out.cut = true;
	}
}

static void flush_output(void)
{
	unsigned long first, i, slot;

	if (out.len || out.cut)
		end_line();
	if (out.lines <= HEAD_LINES)
		return;
	/* Lines after HEAD_LINES: out.printed of them are out already. */
	first = out.lines > HEAD_LINES + TAIL_LINES ? out.lines - TAIL_LINES : HEAD_LINES;
	if (first < out.printed + HEAD_LINES)
		first = out.printed + HEAD_LINES;
	if (first > out.printed + HEAD_LINES)
		say("# [... %lu lines left out ...]\n", first - out.printed - HEAD_LINES);
	for (i = first; i < out.lines; i++) {
		slot = (i - HEAD_LINES) % TAIL_LINES;
		if (!out.tail_done[slot])
			say("# %s%s\n", out.tail[slot], out.tail_cut[slot] ? " [...]" : "");
	}
}

/* "name arg arg": the name of a test point. */
static void describe(const struct vmtest *t, char *buf, size_t size)
{
	size_t len;
	int i;

	len = snprintf(buf, size, "%s", t->name);
	for (i = 0; t->argv[i] && len < size; i++)
		len += snprintf(buf + len, size - len, " %s", t->argv[i]);
	clean(buf);
}

/* In the child: a process group of its own, so that a timeout kills it all. */
static void __noreturn exec_test(const struct vmtest *t, int fd)
{
	char path[256];
	char *argv[MAX_ARGS + 2];
	char *const envp[] = { "PATH=" BIN_DIR ":/bin", "HOME=" WORK_DIR, NULL };
	int null, i;

	if (setpgid(0, 0) < 0 || chdir(WORK_DIR) < 0)
		goto fail;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		goto fail;
	if (t->nobody && (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
			  setuid(NOBODY) < 0))
		goto fail;
	snprintf(path, sizeof(path), BIN_DIR "/%s", t->name);
	argv[0] = path;
	for (i = 0; t->argv[i]; i++)
		argv[i + 1] = (char *)t->argv[i];
	argv[i + 1] = NULL;
	execve(path, argv, envp);
fail:
	dprintf(fd, "vmtests: cannot run %s: %s\n", t->name, strerror(errno));
	_exit(127);
}

/* Reads what is there; false at EOF or on error. */
static bool read_some(int fd)
{
	char buf[4096];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	take_output(buf, n);
	return true;
}

/*
 * A killed test stuck in the kernel must not stop the others: it is waited
 * for a while, then left behind (and reported, since that is a bug itself).
 */
static void wait_dead(pid_t pid)
{
	long long end = now_ms() + KILL_GRACE_MS;

	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (now_ms() >= end) {
			say("# vmtests: pid %d still alive %d ms after SIGKILL\n",
			    pid, KILL_GRACE_MS);
			return;
		}
		usleep(10000);
	}
}

/*
 * Files a test left in hugetlbfs hold huge pages that the next test would
 * miss (run_vmtests.sh removes them too).
 */
static void clean_huge_dir(void)
{
	struct dirent *d;
	DIR *dir;

	dir = opendir(HUGE_DIR);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_type != DT_DIR && unlinkat(dirfd(dir), d->d_name, 0))
			say("# vmtests: rm %s/%s: %s\n", HUGE_DIR, d->d_name,
			    strerror(errno));
	closedir(dir);
}

/*
 * Huge pages a test reserved (protection_keys sets nr_hugepages and keeps
 * it) would be missing from the next one's memory: back to the boot's.
 */
static char boot_nr_hugepages[64];	/* "vm.nr_hugepages=N", if it exists */

static void save_nr_hugepages(void)
{
	char value[24];
	ssize_t n;
	int fd;

	fd = open("/proc/sys/vm/nr_hugepages", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, value, sizeof(value) - 1);
	close(fd);
	if (n <= 0)
		return;
	value[n] = '\0';
	value[strcspn(value, "\n")] = '\0';
	snprintf(boot_nr_hugepages, sizeof(boot_nr_hugepages),
		 "vm.nr_hugepages=%s", value);
}

static void restore_nr_hugepages(void)
{
	if (boot_nr_hugepages[0])
		set_sysctl(boot_nr_hugepages, NULL, NULL, 0);
}

/* Orphans of a test come to us (we are their subreaper): reap them. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * What a test needs: a path (a file system's mount point, a debugfs
 * file), or a CPU flag as the kernel lists it in /proc/cpuinfo, "la57"
 * for instance: what va_128TBswitch.sh checks before it runs the test.
 */
static bool have(const char *what)
{
	char line[4096], word[64];
	bool found = false;
	FILE *f;

	if (what[0] == '/')
		return !access(what, F_OK);
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return false;
	snprintf(word, sizeof(word), " %s ", what);
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = ' ';
		found = !strncmp(line, "flags", 5) && strstr(line, word);
	}
	fclose(f);
	return found;
}

/*
 * Runs one test; returns true if it passed or skipped. While it runs, its
 * output is relayed; after it ended (or was killed), whatever is left of its
 * process group is killed and the pipe drained for a while.
 */
static bool run_test(unsigned int nr, const struct vmtest *t, long long *ms)
{
	struct pollfd pfd = { .events = POLLIN };
	long long start, deadline, drain_end = 0;
	bool exited = false, timed_out = false, open = true;
	char name[512], how[64], old[64];
	int pipefd[2], wstatus = 0;
	pid_t pid, ret;

	memset(&out, 0, sizeof(out));
	describe(t, name, sizeof(name));
	if (t->needs && !have(t->needs)) {
		say("ok %u %s # SKIP no %s in this kernel\n", nr, name, t->needs);
		return true;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		say("not ok %u %s # pipe: %s\n", nr, name, strerror(errno));
		return false;
	}
	if (t->sysctl && !set_sysctl(t->sysctl, NULL, old, sizeof(old))) {
		close(pipefd[0]);
		close(pipefd[1]);
		say("not ok %u %s # cannot set %s\n", nr, name, t->sysctl);
		return false;
	}
	if (t->sysctl)
		say("# vmtests: %s for this test (was %s)\n", t->sysctl, old);
	start = now_ms();
	deadline = start + t->timeout_s * 1000LL * timeout_scale;
	pid = fork();
	if (pid < 0) {
		say("not ok %u %s # fork: %s\n", nr, name, strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		if (t->sysctl)
			set_sysctl(t->sysctl, old, NULL, 0);
		return false;
	}
	if (!pid)
		exec_test(t, pipefd[1]);
	/* Also here, so that no kill(-pid) can miss a group not made yet. */
	setpgid(pid, pid);
	close(pipefd[1]);
	pfd.fd = pipefd[0];

	while (!exited || open) {
		if (!exited) {
			ret = waitpid(pid, &wstatus, WNOHANG);
			if (ret == pid || (ret < 0 && errno == ECHILD)) {
				exited = true;
				*ms = now_ms() - start;
			} else if (now_ms() >= deadline) {
				kill(-pid, SIGKILL);
				*ms = now_ms() - start;
				exited = timed_out = true;
				wait_dead(pid);
			}
			if (exited) {
				/* Children it left behind hold the pipe open. */
				kill(-pid, SIGKILL);
				drain_end = now_ms() + DRAIN_MS;
			}
		} else if (now_ms() >= drain_end) {
			break;
		}
		if (!open) {
			/* It closed its output but runs on. */
			usleep(10000);
			continue;
		}
		if (poll(&pfd, 1, 50) > 0)
			open = read_some(pipefd[0]);
	}
	close(pipefd[0]);
	reap_orphans();
	flush_output();
	clean_huge_dir();
	restore_nr_hugepages();
	if (t->sysctl && !set_sysctl(t->sysctl, old, NULL, 0))
		say("# vmtests: could not restore %s to %s\n", t->sysctl, old);

	if (timed_out)
		snprintf(how, sizeof(how), "timeout after %u s", t->timeout_s * timeout_scale);
	else if (WIFEXITED(wstatus))
		snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(wstatus));
	else
		snprintf(how, sizeof(how), "signal %d", WTERMSIG(wstatus));
	say("# %s: %s, ran %lld.%03lld s\n", name, how, *ms / 1000, *ms % 1000);

	if (!timed_out && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		say("ok %u %s\n", nr, name);
		return true;
	}
	if (!timed_out && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == KSFT_SKIP) {
		say("ok %u %s # SKIP %s\n", nr, name, out.last[0] ? out.last : "exit 4");
		return true;
	}
	say("not ok %u %s # %s\n", nr, name, how);
	return false;
}

/* Whether the kernel knows a file system type, from /proc/filesystems. */
static bool have_fs(const char *type)
{
	char line[128], *name;
	bool found = false;
	FILE *f;

	f = fopen("/proc/filesystems", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		name = strrchr(line, '\t');
		found = !strcmp(name ? name + 1 : line, type);
	}
	fclose(f);
	return found;
}

/*
 * What run_vmtests.sh has, where the kernel has it: hugetlbfs on ./huge
 * (the tests run in WORK_DIR), debugfs for gup_test, and an /etc/passwd.
 * A missing file system is no error: the tests that need it skip.
 */
static void set_up_mounts(void)
{
	static const struct {
		const char *type, *dir;
	} mounts[] = {
		{ "hugetlbfs", HUGE_DIR },
		{ "debugfs", "/sys/kernel/debug" },
	};
	unsigned int i;
	int fd;

	/* protection_keys opens /etc/passwd, which the initramfs may lack. */
	mkdir("/etc", 0755);
	fd = open("/etc/passwd", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "root:x:0:0:root:/:/bin/sh\n"
			    "nobody:x:%d:%d:nobody:/:/bin/false\n", NOBODY, NOBODY);
		close(fd);
	}

	for (i = 0; i < ARRAY_SIZE(mounts); i++) {
		if (!have_fs(mounts[i].type))
			continue;
		mkdir(mounts[i].dir, 0755);
		if (mount(mounts[i].type, mounts[i].dir, mounts[i].type, 0, NULL) &&
		    errno != EBUSY)
			say("# vmtests: mount %s on %s: %s\n", mounts[i].type,
			    mounts[i].dir, strerror(errno));
		else
			say("# vmtests: %s on %s\n", mounts[i].type, mounts[i].dir);
	}
}

/*
 * harness.slow=N on the kernel command line multiplies every timeout: a
 * debug kernel under emulation runs these tests many times slower.
 */
static void read_timeout_scale(void)
{
	char line[4096], *p;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		p = strstr(line, "harness.slow=");
		if (p)
			timeout_scale = strtoul(p + strlen("harness.slow="), NULL, 10);
		if (!timeout_scale)
			timeout_scale = 1;
	}
	fclose(f);
}

int main(void)
{
	long long ms, total = 0;
	struct utsname uts;
	bool all_ok = true;
	unsigned int i;

	/* It mounts and sets sysctls: not on a workstation, by mistake. */
	if (getppid() != 1) {
		fprintf(stderr, "vmtests: not started by the guest's init, refusing to run\n");
		return 2;
	}
	/* Orphans of the tests must not outlive them unseen, nor pile up. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	say("TAP version 13\n");
	read_timeout_scale();
	if (timeout_scale > 1)
		say("# vmtests: timeouts multiplied by %u (harness.slow=)\n", timeout_scale);
	if (!uname(&uts))
		say("# vmtests: 6.1 mm selftests on %s %s\n", uts.release, uts.version);
	set_up_mounts();
	save_nr_hugepages();
	say("1..%zu\n", NR_TESTS);
	for (i = 0; i < NR_TESTS; i++) {
		ms = 0;
		if (!run_test(i + 1, &tests[i], &ms))
			all_ok = false;
		total += ms;
	}
	say("# vmtests: %zu tests in %lld.%03lld s\n", NR_TESTS, total / 1000,
	    total % 1000);
	return all_ok ? 0 : 1;
}
