// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the test initramfs.
 *
 * Mounts what the tests need, waits for the CRNG, then runs every
 * executable in /tests, /extra and /demo, each directory in sorted order.
 * What a program prints goes to the console and, each line prefixed by
 * "| " and framed by TEST and EXIT lines, to the results port (ttyS1).
 * Only this file writes to that port, so the host can trust its framing:
 * harness/report.sh reads it.
 * Then the machine powers off.
 *
 * Any failure is printed loudly, reported as INIT-FAIL and powers off.
 * Nothing here may return from main: PID 1 exiting panics the kernel.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define RESULTS_PORT		"/dev/ttyS1"
#define RESULTS_PORT_DEV	makedev(4, 65)	/* ttyS1, if devtmpfs failed */
#define DEFAULT_TIMEOUT_S	600
#define MAX_TIMEOUT_S		(7 * 24 * 3600)
#define CRNG_TIMEOUT_S		60
#define KILL_GRACE_MS		5000

#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define LOUD(msg)	"\x1b[37m\x1b[41m\x1b[1m" msg "\x1b[0m"
#define PRETTY(msg)	"\x1b[32m\x1b[1m" msg "\x1b[0m"

/* Where lines go, and whether the last byte sent there left a line open. */
struct sink {
	int fd;
	bool mid_line;
};

static struct sink console = { .fd = STDOUT_FILENO };
static struct sink results = { .fd = -1 };

static bool probe_only;
static unsigned long test_timeout_s = DEFAULT_TIMEOUT_S;

static int write_all(struct sink *sink, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(sink->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		sink->mid_line = buf[n - 1] != '\n';
		buf += n;
		len -= n;
	}
	return 0;
}

/* Writes one whole line: starts a new one first if output left one open. */
static int vwrite_line(struct sink *sink, const char *fmt, va_list ap)
{
	char line[1024];
	int len = 0, n;

	if (sink->mid_line)
		line[len++] = '\n';
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	if (n > 0)
		len += n;
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	return write_all(sink, line, len);
}

static int __printf(2, 3) write_line(struct sink *sink, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vwrite_line(sink, fmt, ap);
	va_end(ap);
	return ret;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Opened non-blocking so that a missing carrier cannot hang the open, then
 * made raw (no \n to \r\n), local (modem lines ignored) and without flow
 * control, then blocking again so that no write is ever dropped.
 */
static int open_results_port(void)
{
	struct termios tio;
	int fd, err;

	fd = open(RESULTS_PORT, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &tio) < 0)
		goto close_fd;
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL;
	tio.c_cflag &= ~CRTSCTS;
	if (tcsetattr(fd, TCSANOW, &tio) < 0 || fcntl(fd, F_SETFL, 0) < 0)
		goto close_fd;
	return fd;

close_fd:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/*
 * Reboot rather than power off, which needs ACPI (a debug or base kernel
 * may be built without): QEMU, started with -no-reboot, takes it as the
 * end of the run.
 */
static void __noreturn power_off(void)
{
	sync();
	if (results.fd >= 0)
		tcdrain(results.fd);
	reboot(RB_AUTOBOOT);
	write_line(&console, LOUD("init: reboot failed: %s"), strerror(errno));
	for (;;)
		pause();
}

/*
 * The one way out on error. If the results port is not open yet, it is
 * opened here, with a node of our own if devtmpfs is what failed, so that
 * the host learns why instead of seeing a silent guest.
 */
static void __noreturn __printf(1, 2) fail(const char *fmt, ...)
{
	char msg[512], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; *p; p++)		/* a file name must not split the line */
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	write_line(&console, "\n" LOUD("INIT FAILED") " \x1b[31m\x1b[1m%s\x1b[0m\n", msg);
	if (results.fd < 0) {
		mknod(RESULTS_PORT, S_IFCHR | 0600, RESULTS_PORT_DEV);
		results.fd = open_results_port();
	}
	if (results.fd >= 0)
		write_line(&results, "INIT-FAIL %s", msg);
	power_off();
}

static void __printf(1, 2) report(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vwrite_line(&results, fmt, ap);
	va_end(ap);
	if (ret < 0)
		fail("write to %s: %s", RESULTS_PORT, strerror(errno));
}

/*
 * A test's output goes to the results port with every line prefixed by
 * "| ", so that no test can print a line that reads as init's framing.
 */
static void report_output(const char *buf, size_t len)
{
	const char *nl;
	size_t n;

	while (len) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) + 1 : len;
		if ((!results.mid_line && write_all(&results, "| ", 2) < 0) ||
		    write_all(&results, buf, n) < 0)
			fail("write to %s: %s", RESULTS_PORT, strerror(errno));
		buf += n;
		len -= n;
	}
}

static void mount_fs(const char *type, const char *target)
{
	if (mkdir(target, 0755) < 0 && errno != EEXIST)
		fail("mkdir %s: %s", target, strerror(errno));
	if (mount(type, target, type, 0, NULL) < 0)
		fail("mount %s on %s: %s", type, target, strerror(errno));
}

/* The initramfs may have no /dev/console, so the kernel opened nothing. */
static void attach_console(void)
{
	int fd, i;

	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fail("open /dev/console: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		if (fd != i && dup2(fd, i) < 0)
			fail("dup2 /dev/console to %d: %s", i, strerror(errno));
	if (fd > 2)
		close(fd);
}

static void write_file(const char *path, const char *text)
{
	ssize_t len = strlen(text);
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	if (write(fd, text, len) != len)
		fail("write \"%s\" to %s: %s", text, path, strerror(errno));
	close(fd);
}

/*
 * devtmpfs comes first: without it there is neither a console to shout on
 * nor a results port to report on.
 */
static void set_up_system(void)
{
	mount_fs("devtmpfs", "/dev");
	attach_console();
	write_line(&console, PRETTY("[+] Mounting filesystems..."));
	results.fd = open_results_port();
	if (results.fd < 0)
		fail("open %s: %s", RESULTS_PORT, strerror(errno));
	mount_fs("proc", "/proc");
	mount_fs("sysfs", "/sys");
	mount_fs("tmpfs", "/tmp");
	mount_fs("cgroup2", "/sys/fs/cgroup");
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
}

static unsigned long parse_timeout(const char *text)
{
	unsigned long seconds;
	char *end;

	errno = 0;
	seconds = strtoul(text, &end, 10);
	if (errno || end == text || *end || !seconds || seconds > MAX_TIMEOUT_S)
		fail("bad harness.timeout=%s: want 1 to %d seconds", text, MAX_TIMEOUT_S);
	return seconds;
}

static void read_cmdline(void)
{
	char cmdline[4096], *word;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open /proc/cmdline: %s", strerror(errno));
	while ((n = read(fd, cmdline + len, sizeof(cmdline) - 1 - len)) > 0)
		len += n;
	if (n < 0)
		fail("read /proc/cmdline: %s", strerror(errno));
	close(fd);
	cmdline[len] = '\0';

	for (word = strtok(cmdline, " \t\n"); word; word = strtok(NULL, " \t\n")) {
		if (!strcmp(word, "harness.probe=1"))
			probe_only = true;
		else if (!strncmp(word, "harness.timeout=", 16))
			test_timeout_s = parse_timeout(word + 16);
	}
}

static void wait_for_crng(void)
{
	long long start = now_ms(), waited;
	char byte;

	write_line(&console, PRETTY("[+] Waiting for the CRNG..."));
	while (getrandom(&byte, 1, GRND_NONBLOCK) < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail("getrandom: %s", strerror(errno));
		if (now_ms() - start >= CRNG_TIMEOUT_S * 1000)
			fail("crng not ready after %d s", CRNG_TIMEOUT_S);
		sleep_ms(100);
	}
	waited = now_ms() - start;
	write_line(&console, PRETTY("[+] CRNG ready after %lld.%03lld s"),
		   waited / 1000, waited % 1000);
}

static void report_kernel(void)
{
	struct utsname uts;

	if (uname(&uts) < 0)
		fail("uname: %s", strerror(errno));
	report("KERNEL %s %s", uts.release, uts.version);
	write_line(&console, PRETTY("[+] Testing %s %s %s"), uts.sysname,
		   uts.release, uts.machine);
}

/* In the child: its own session, so that a timeout can kill all it started. */
static void __noreturn exec_test(const char *path, int out)
{
	char *const argv[] = { (char *)path, NULL };
	char *const envp[] = { "PATH=/tests:/extra:/bin", "HOME=/tmp", NULL };
	int null;

	if (setsid() < 0 || chdir("/tmp") < 0)
		goto fail;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	execve(path, argv, envp);
fail:
	dprintf(out, "init: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* Copies a test's output everywhere until EOF (true) or the deadline. */
static bool relay_output(int fd, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	char buf[4096];
	ssize_t n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		n = poll(&pfd, 1, left < INT_MAX ? (int)left : INT_MAX);
		if (n < 0 && errno != EINTR)
			fail("poll test output: %s", strerror(errno));
		if (n <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			fail("read test output: %s", strerror(errno));
		if (n == 0)
			return true;
		if (n < 0)
			continue;
		write_all(&console, buf, n);
		report_output(buf, n);
	}
}

/* A test may close its output long before it exits: keep the deadline. */
static bool wait_until(pid_t pid, long long deadline, int *wstatus)
{
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, wstatus, WNOHANG);
		if (ret == pid)
			return true;
		if (ret < 0 && errno != EINTR)
			fail("waitpid %d: %s", pid, strerror(errno));
		if (now_ms() >= deadline)
			return false;
		sleep_ms(10);
	}
}

/*
 * Kills the test's whole session, then gives it a few seconds to flush
 * and die. A process that escaped the session, or one stuck in the kernel,
 * is left behind so that the remaining tests still run.
 */
static void stop_timed_out_test(const char *label, pid_t pid, int out)
{
	long long deadline = now_ms() + KILL_GRACE_MS;
	int wstatus;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	relay_output(out, deadline);
	write_line(&console, LOUD("[!] %s: timed out after %lu s, killed"),
		   label, test_timeout_s);
	if (!wait_until(pid, deadline, &wstatus))
		write_line(&console, LOUD("[!] %s: pid %d still alive after SIGKILL"),
			   label, pid);
}

static void describe_exit(int wstatus, char *status, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(status, len, "code %d", WEXITSTATUS(wstatus));
	else
		snprintf(status, len, "signal %d", WTERMSIG(wstatus));
}

/* Orphans of any test end up as our children. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* A newline in a name would break the one-line TEST and EXIT framing. */
static bool has_control_char(const char *name)
{
	for (; *name; name++)
		if ((unsigned char)*name < ' ' || *name == 0x7f)
			return true;
	return false;
}

static void run_test(const char *path)
{
	const char *label = path + 1;	/* "tests/name" */
	long long deadline;
	char status[32];
	int out[2], wstatus;
	pid_t pid;

	if (has_control_char(label))
		fail("control character in a file name in /%.*s",
		     (int)(strchr(label, '/') - label), label);
	report("TEST %s", label);
	write_line(&console, PRETTY("[+] %s"), label);
	if (pipe2(out, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork for %s: %s", label, strerror(errno));
	if (!pid)
		exec_test(path, out[1]);
	close(out[1]);

	deadline = now_ms() + test_timeout_s * 1000LL;
	if (relay_output(out[0], deadline) && wait_until(pid, deadline, &wstatus)) {
		describe_exit(wstatus, status, sizeof(status));
		reap_orphans();
		/* What is still in the session would disturb the next tests. */
		if (!kill(-pid, SIGKILL))
			write_line(&console, LOUD("[!] %s: left processes behind, killed them"),
				   label);
	} else {
		stop_timed_out_test(label, pid, out[0]);
		snprintf(status, sizeof(status), "timeout");
	}
	close(out[0]);
	reap_orphans();

	report("EXIT %s %s", label, status);
	write_line(&console, PRETTY("[+] %s: %s"), label, status);
}

static bool is_executable_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail("stat %s: %s", path, strerror(errno));
	return S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* Byte order, whatever the locale. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_directory(const char *dir, bool required)
{
	struct dirent **entries;
	char path[PATH_MAX];
	int count, i;

	count = scandir(dir, &entries, NULL, by_name);
	if (count < 0 && errno == ENOENT && !required)
		return;
	if (count < 0)
		fail("scandir %s: %s", dir, strerror(errno));
	for (i = 0; i < count; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name) >=
		    (int)sizeof(path))
			fail("path too long: %s/%s", dir, entries[i]->d_name);
		if (is_executable_file(path))
			run_test(path);
		free(entries[i]);
	}
	free(entries);
}

int main(void)
{
	/* Run by mistake on a workstation, this would power it off. */
	if (getpid() != 1) {
		fprintf(stderr, "init: not PID 1, refusing to run\n");
		return 1;
	}

	set_up_system();
	read_cmdline();
	if (probe_only) {
		report("PROBE-OK");
		power_off();
	}
	wait_for_crng();
	report_kernel();
	run_directory("/tests", true);
	run_directory("/extra", false);
	run_directory("/demo", false);
	report("DONE");
	write_line(&console, PRETTY("[+] Done, powering off"));
	power_off();
}
