/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The knobs of /sys/kernel/mm/migration for selftests: read and write
 * them with errors returned (bad-input tests need the errno), keep the
 * background's migrations on the CPU while a test counts a provider's
 * folios, and put everything back afterwards.
 */
#ifndef __MO_KNOBS_H__
#define __MO_KNOBS_H__

#include <stddef.h>

#define MIG		"/sys/kernel/mm/migration/"
#define PROV(n, f)	MIG "providers/" n "/" f

int knob_read(const char *path, char *buf, size_t size);
int knob_write(const char *path, const char *val);
int knob_write_len(const char *path, const void *val, size_t len);
unsigned long long knob_num(const char *path);
int policy_current(const char *path, char *out, size_t size);

#define MAX_KNOBS	32

/* Saved values, written back newest first by knobs_restore(). */
struct knobs {
	char path[MAX_KNOBS][128];
	char value[MAX_KNOBS][64];
	int nr;
};

int knobs_save(struct knobs *k, const char *path);
int knobs_set(struct knobs *k, const char *path, const char *val);
void knobs_restore(struct knobs *k);
void policies_isolate(struct knobs *k, const char *keep);

/*
 * What the dmaengine provider shows for debugging (channels held and
 * refused, descriptor counters) is in debugfs, not with its knobs.
 */
#define DMA_DBG(f)	"/sys/kernel/debug/migrate_dma/" f

/*
 * Fault injection (failslab, fail_page_alloc) for the tasks that set
 * /proc/self/make-it-fail. The faults are counted: "times" goes down by
 * one for each.
 */
#define FI(attr, f)	"/sys/kernel/debug/" attr "/" f
#define FI_TIMES	10000
#define FI_TIMES_STR	"10000"

int fi_arm(struct knobs *k, const char *attr, const char *probability);
long fi_injected(const char *attr);

#endif /* __MO_KNOBS_H__ */
