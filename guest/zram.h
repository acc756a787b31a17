/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swap for the guest test programs, which have no mkswap and no swapon(8):
 * zram_swap_on() makes /dev/zram0 a swap device, writing the swap header
 * itself. And smaps_read(), which walks /proc/PID/smaps one VMA at a time.
 *
 * Needs CONFIG_ZRAM, CONFIG_SWAP and a compressor (CONFIG_CRYPTO_LZO) in
 * the kernel, root, /proc, /sys and devtmpfs on /dev.
 */
#ifndef GUEST_ZRAM_H
#define GUEST_ZRAM_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/swap.h>

#define ZRAM_DEV		"/dev/zram0"
#define ZRAM_SYSFS		"/sys/block/zram0"
#define ZRAM_PAGE_SIZE		4096
#define ZRAM_SWAP_MAGIC		"SWAPSPACE2"

/*
 * The version 1 swap header, as union swap_header in include/linux/swap.h
 * lays it out for 4 KiB pages: the fields from byte 1024, the magic in the
 * last ten bytes of the first page.
 */
struct zram_swap_info {
	uint32_t version;
	uint32_t last_page;
	uint32_t nr_badpages;
	unsigned char uuid[16];
	unsigned char label[16];
};

#define ZRAM_SWAP_INFO_OFFSET	1024

static inline void __attribute__((format(printf, 3, 4)))
zram_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Whether /proc/swaps lists @dev. -1 if /proc/swaps cannot be read. */
static inline int zram_swap_listed(const char *dev)
{
	size_t n = strlen(dev);
	char line[512];
	int found = 0;
	FILE *f;

	f = fopen("/proc/swaps", "r");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, dev, n) && (line[n] == ' ' || line[n] == '\t');
	fclose(f);
	return found;
}

/* Writes @val to the sysfs file @path. 0, or -1 with errno set. */
static inline int zram_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, saved;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, len);
	saved = errno;
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	errno = n < 0 ? saved : EIO;
	return -1;
}

/* Reads an unsigned number from the file @path into @val. 0, or -1. */
static inline int zram_read_ull(const char *path, unsigned long long *val)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		if (!n)
			errno = ENODATA;
		return -1;
	}
	buf[n] = '\0';
	errno = 0;
	*val = strtoull(buf, NULL, 0);
	return errno ? -1 : 0;
}

/*
 * Writes a version 1 swap header for a device of @bytes into its first page
 * and makes sure it reached the device. 0, or -1 with @err filled in.
 */
static inline int zram_mkswap(const char *dev, unsigned long long bytes,
			      char *err, size_t errlen)
{
	static unsigned char page[ZRAM_PAGE_SIZE];
	struct zram_swap_info info = { .version = 1 };
	unsigned long long pages = bytes / ZRAM_PAGE_SIZE;
	int fd;

	if (pages < 10 || pages - 1 > UINT32_MAX) {
		zram_err(err, errlen, "mkswap %s: unusable size of %llu bytes", dev, bytes);
		errno = EINVAL;
		return -1;
	}
	info.last_page = pages - 1;
	info.nr_badpages = 0;
	if (getrandom(info.uuid, sizeof(info.uuid), GRND_NONBLOCK) != sizeof(info.uuid))
		memset(info.uuid, 0x5a, sizeof(info.uuid));
	info.uuid[6] = (info.uuid[6] & 0x0f) | 0x40;	/* a version 4 UUID */
	info.uuid[8] = (info.uuid[8] & 0x3f) | 0x80;
	strncpy((char *)info.label, "guest-zram", sizeof(info.label));

	memset(page, 0, sizeof(page));
	memcpy(page + ZRAM_SWAP_INFO_OFFSET, &info, sizeof(info));
	memcpy(page + ZRAM_PAGE_SIZE - strlen(ZRAM_SWAP_MAGIC), ZRAM_SWAP_MAGIC,
	       strlen(ZRAM_SWAP_MAGIC));

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		zram_err(err, errlen, "mkswap: open %s: %s", dev, strerror(errno));
		return -1;
	}
	if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page)) {
		if (errno == 0)
			errno = EIO;
		zram_err(err, errlen, "mkswap: write the swap header to %s: %s", dev,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (fsync(fd)) {
		zram_err(err, errlen, "mkswap: fsync %s: %s", dev, strerror(errno));
		close(fd);
		return -1;
	}
	/* swapon opens the device exclusively: it must be closed by then. */
	if (close(fd)) {
		zram_err(err, errlen, "mkswap: close %s: %s", dev, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Makes /dev/zram0 a swap device of @disksize (a size zram's sysfs takes,
 * such as "256M"). Nothing to do if it is swap already; a zram0 that has a
 * size already (a previous test set it up, say) keeps it. Returns 0, or -1
 * with the failing step and errno in @err.
 */
static inline int zram_swap_on(const char *disksize, char *err, size_t errlen)
{
	unsigned long long size;
	int listed;

	listed = zram_swap_listed(ZRAM_DEV);
	if (listed < 0) {
		zram_err(err, errlen, "read /proc/swaps: %s (CONFIG_SWAP?)", strerror(errno));
		return -1;
	}
	if (listed)
		return 0;
	if (access(ZRAM_SYSFS, F_OK)) {
		zram_err(err, errlen, "no %s: %s (CONFIG_ZRAM?)", ZRAM_SYSFS, strerror(errno));
		return -1;
	}
	if (zram_read_ull(ZRAM_SYSFS "/disksize", &size)) {
		zram_err(err, errlen, "read %s/disksize: %s", ZRAM_SYSFS, strerror(errno));
		return -1;
	}
	if (!size) {
		if (zram_write_file(ZRAM_SYSFS "/disksize", disksize)) {
			zram_err(err, errlen, "write %s to %s/disksize: %s (a compressor?)",
				 disksize, ZRAM_SYSFS, strerror(errno));
			return -1;
		}
		if (zram_read_ull(ZRAM_SYSFS "/disksize", &size) || !size) {
			zram_err(err, errlen, "read %s/disksize back: %s", ZRAM_SYSFS,
				 size ? strerror(errno) : "still 0");
			return -1;
		}
	}
	if (zram_mkswap(ZRAM_DEV, size, err, errlen))
		return -1;
	if (swapon(ZRAM_DEV, 0)) {
		zram_err(err, errlen, "swapon %s: %s", ZRAM_DEV, strerror(errno));
		return -1;
	}
	if (zram_swap_listed(ZRAM_DEV) != 1) {
		zram_err(err, errlen, "swapon %s succeeded but /proc/swaps does not list it",
			 ZRAM_DEV);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/*
 * Undoes zram_swap_on(): swapoff, and a reset of the device, which frees its
 * memory and gives it size 0 again. 0, or -1 with @err filled in.
 */
static inline int zram_swap_off(char *err, size_t errlen)
{
	if (zram_swap_listed(ZRAM_DEV) == 1 && swapoff(ZRAM_DEV)) {
		zram_err(err, errlen, "swapoff %s: %s", ZRAM_DEV, strerror(errno));
		return -1;
	}
	if (zram_write_file(ZRAM_SYSFS "/reset", "1")) {
		zram_err(err, errlen, "write 1 to %s/reset: %s", ZRAM_SYSFS, strerror(errno));
		return -1;
	}
	return 0;
}

/* One VMA of /proc/PID/smaps: its range, flags and the figures in kB. */
struct smaps_vma {
	unsigned long start, end;
	char name[256];			/* path or [heap] etc., "" if none */
	char flags[128];		/* the VmFlags line's value */
	unsigned long rss_kb, swap_kb, locked_kb, anon_kb;
};

/* Whether @vma's VmFlags has the two-letter flag @flag ("dp", "lo"...). */
static inline int smaps_has_flag(const struct smaps_vma *vma, const char *flag)
{
	const char *p;

	for (p = vma->flags; (p = strstr(p, flag)); p += 2)
		if ((p == vma->flags || p[-1] == ' ') && (p[2] == ' ' || p[2] == '\0'))
			return 1;
	return 0;
}

/*
 * Calls @fn for every VMA of process @pid (0: this one) until it returns
 * non-zero. Returns what @fn last returned, or -1 with errno if smaps could
 * not be read (the process is gone: ENOENT or ESRCH).
 */
static inline int smaps_read(pid_t pid, int (*fn)(const struct smaps_vma *, void *),
			     void *arg)
{
	struct smaps_vma vma;
	int have = 0, ret = 0;
	unsigned long a, b;
	char path[64], line[512];
	FILE *f;
	int off;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/smaps");
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		off = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &a, &b, &off) == 2 && off) {
			if (have)
				ret = fn(&vma, arg);
			memset(&vma, 0, sizeof(vma));
			vma.start = a;
			vma.end = b;
			snprintf(vma.name, sizeof(vma.name), "%s", line + off);
			have = 1;
		} else if (!have) {
			continue;
		} else if (!strncmp(line, "VmFlags:", 8)) {
			snprintf(vma.flags, sizeof(vma.flags), "%s", line + 8 + strspn(line + 8, " "));
		} else {
			sscanf(line, "Rss: %lu kB", &vma.rss_kb);
			sscanf(line, "Swap: %lu kB", &vma.swap_kb);
			sscanf(line, "Locked: %lu kB", &vma.locked_kb);
			sscanf(line, "Anonymous: %lu kB", &vma.anon_kb);
		}
	}
	if (!ret && have)
		ret = fn(&vma, arg);
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	return ret;
}

#endif /* GUEST_ZRAM_H */
