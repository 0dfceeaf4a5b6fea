// SPDX-License-Identifier: GPL-2.0
/*
 * Reading, writing, saving and restoring /sys/kernel/mm/migration knobs
 * for the migration selftests (see mo_knobs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mo_knobs.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

int knob_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * One write(2) of @len bytes, which may hold a NUL: sysfs hands the store
 * all of them, so the bad-input tests can check that none is ignored.
 */
int knob_write_len(const char *path, const void *val, size_t len)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

int knob_write(const char *path, const char *val)
{
	return knob_write_len(path, val, strlen(val));
}

unsigned long long knob_num(const char *path)
{
	char buf[64];

	if (knob_read(path, buf, sizeof(buf)))
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

/* The bracketed word of a policy file: the current choice. */
int policy_current(const char *path, char *out, size_t size)
{
	char buf[512], *open, *close;

	if (knob_read(path, buf, sizeof(buf)))
		return -1;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close || (size_t)(close - open) > size)
		return -1;
	*close = '\0';
	snprintf(out, size, "%s", open + 1);
	return 0;
}

/* Remember @path's value (a policy's chosen word) for knobs_restore(). */
int knobs_save(struct knobs *k, const char *path)
{
	char *v;

	if (k->nr == MAX_KNOBS)
		return -ENOSPC;
	v = k->value[k->nr];
	if (policy_current(path, v, sizeof(k->value[0])) &&
	    knob_read(path, v, sizeof(k->value[0])))
		return -ENOENT;
	snprintf(k->path[k->nr], sizeof(k->path[0]), "%s", path);
	k->nr++;
	return 0;
}

/* Save @path, then write @val to it. */
int knobs_set(struct knobs *k, const char *path, const char *val)
{
	int ret = knobs_save(k, path);

	return ret ? ret : knob_write(path, val);
}

void knobs_restore(struct knobs *k)
{
	while (k->nr > 0) {
		k->nr--;
		knob_write(k->path[k->nr], k->value[k->nr]);
	}
}

/*
 * Other migrations run in the background (NUMA balancing): while a test
 * counts a provider's folios, every reason but @keep copies on the CPU.
 */
void policies_isolate(struct knobs *k, const char *keep)
{
	char path[512];
	struct dirent *d;
	DIR *dir;

	dir = opendir(MIG "policy");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || (keep && !strcmp(d->d_name, keep)))
			continue;
		snprintf(path, sizeof(path), MIG "policy/%s", d->d_name);
		knobs_set(k, path, "none");
	}
	if (dir)
		closedir(dir);
}

/*
 * Faults for tasks with make-it-fail set only, sleeping allocations,
 * user pages (__GFP_HIGHMEM) and order 0 included, with @probability
 * percent. The probability goes last, so that knobs_restore() turns it
 * off first.
 */
int fi_arm(struct knobs *k, const char *attr, const char *probability)
{
	const char * const set[][2] = {
		{ "task-filter", "Y" }, { "interval", "1" },
		{ "ignore-gfp-wait", "N" }, { "ignore-gfp-highmem", "N" },
		{ "min-order", "0" }, { "verbose", "0" },
		{ "times", FI_TIMES_STR }, { "probability", probability },
	};
	char path[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(set); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", attr,
			 set[i][0]);
		/* failslab has neither of the page allocator's filters. */
		if (access(path, F_OK))
			continue;
		if (knobs_set(k, path, set[i][1]))
			return -1;
	}
	return 0;
}

long fi_injected(const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/times", attr);
	return FI_TIMES - (long)knob_num(path);
}
