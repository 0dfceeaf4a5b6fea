/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State the migration offload core keeps per provider, shared by the
 * registry, the copy path, the policy and sysfs.
 */
#ifndef _MM_MIGRATE_OFFLOAD_INTERNAL_H
#define _MM_MIGRATE_OFFLOAD_INTERNAL_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/migrate_offload.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/seqlock.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/srcu.h>

/* Longest chain: every provider a batch may visit before the CPU. */
#define MO_MAX_CHAIN	8

enum mo_stat_item {
	MO_STAT_BATCHES,	/* calls into the provider */
	MO_STAT_FOLIOS,		/* folios it copied */
	MO_STAT_BYTES,		/* bytes it copied */
	MO_STAT_DECLINED,	/* folios it declined or left untouched */
	MO_STAT_FAILED,		/* folios whose copy it reported failed */
	MO_STAT_FALLBACKS,	/* folios it passed down the chain */
	MO_STAT_SKIPPED,	/* batches its thresholds kept from it */
	MO_STAT_RECOPIED,	/* folios it copied after another failed them */
	MO_STAT_TIME_NS,	/* time spent in its copy callback */
	MO_STAT_AHEAD,		/* calls made ahead, from the worker */
	MO_STAT_BUSY,		/* folios it refused as busy (-EBUSY) */
	MO_STAT_COST,		/* calls "auto" kept from it by cost */
	/* Folios it copied, by what they hold (mo_folio_type()). */
	MO_STAT_ANON,		/* anonymous, not in the swap cache */
	MO_STAT_SHMEM,		/* shmem, tmpfs and memfd */
	MO_STAT_FILE,		/* other page cache */
	MO_STAT_SWAPCACHE,	/* in the swap cache */
	MO_STAT_HUGETLB,	/* hugetlb, anonymous or hugetlbfs */
	MO_NR_STATS
};

#define MO_NR_TYPES	(MO_STAT_HUGETLB - MO_STAT_ANON + 1)

/*
 * Unmapped windows of the folios a provider copied, by log2 of the
 * window in microseconds: bucket 0 holds windows below 2 us, the last
 * one everything from 2^(MO_NR_WINDOWS - 1) us (about 8 s) up.
 */
#define MO_NR_WINDOWS	24

struct mo_stats {
	u64 v[MO_NR_STATS];
	u64 window[MO_NR_WINDOWS];
};

/*
 * The cost model (cost.c): per class of a call, a fixed cost per call and
 * a cost per byte. A class is a size (base pages, larger folios below PMD
 * size, PMD size and up) on a path (mo_cost_path()).
 */
enum mo_cost_size {
	MO_COST_BASE,		/* base pages */
	MO_COST_LARGE,		/* larger, below PMD size */
	MO_COST_PMD,		/* PMD size and up */
	MO_COST_SIZES
};

enum mo_cost_path {
	MO_COST_LOCAL,		/* within one node */
	MO_COST_NEAR,		/* between two nodes of the top memory tier */
	MO_COST_TIER,		/* to or from a lower memory tier */
	MO_COST_PATHS
};

#define MO_COST_CLASSES		(MO_COST_SIZES * MO_COST_PATHS)

/* A class's index in &migrate_offload_entry.cost, and back. */
static inline unsigned int mo_cost_cell(unsigned int size, unsigned int path)
{
	return path * MO_COST_SIZES + size;
}

static inline unsigned int mo_cost_size_of(unsigned int c)
{
	return c % MO_COST_SIZES;
}

static inline unsigned int mo_cost_path_of(unsigned int c)
{
	return c / MO_COST_SIZES;
}

#define MO_COST_SNAP		4	/* a sample this far off replaces */
#define MO_COST_MARGIN_SHIFT	3	/* win by 1/8 of the time */
#define MO_COST_RETRY		32	/* lost calls before a retry */
#define MO_COST_RETRY_NS	NSEC_PER_SEC	/* or this long unsampled */
#define MO_COST_PROBES		4	/* calls measured before giving up */
#define MO_COST_CPU_EVERY	64	/* won calls between CPU refreshes */
#define MO_COST_CPU_STALE_NS	(250 * NSEC_PER_MSEC)	/* or this long */
#define MO_COST_CPU_GUESS_PS	1000	/* the CPU before its probe: 1 GB/s */

/**
 * struct mo_cost_class - what one class of calls costs a provider
 * @fixed_ns: cost of a call, whatever its size (ns)
 * @ps_per_byte: cost of each byte (ps)
 * @lock: taken, only tried, to learn a sample
 * @samples: calls learned from
 * @stamp: when it last learned (ns), or the CPU's refresh was claimed
 * @fit_n: calls in the fit since it last started over, up to 8
 * @mx: weighted mean size of the calls (64-byte units)
 * @my: weighted mean time of the calls (ns)
 * @vxx: weighted variance of the sizes
 * @cxy: weighted covariance of sizes and times
 * @won: a call of it was once measured faster than the CPU: worth
 *	retrying
 * @lost: calls "auto" kept from it since it last won or was retried
 * @decided: calls "auto" gave it, to let the CPU copy one now and then
 */
struct mo_cost_class {
	u64 fixed_ns;
	u64 ps_per_byte;
	spinlock_t lock;	/* learning a sample; only tried */
	unsigned int samples;
	u64 stamp;
	unsigned int fit_n;
	s64 mx, my, vxx, cxy;
	bool won;
	unsigned int lost;
	unsigned int decided;
};

/**
 * struct migrate_offload_entry - the core's side of a provider
 * @prov: the provider; NULL once unregistered
 * @name: copy of the provider's name (outlives the provider module)
 * @list: in mo_providers, walked under mo_srcu by the copy path
 * @kobj: the provider's sysfs directory; freed by the core
 * @dead: unregistered; no longer listed and cannot be enabled
 * @enabled: chosen by the administrator
 * @rating: place in chains; starts as the provider's own
 * @min_folio_order: the smallest folio order the administrator set
 * @min_batch_bytes: the smallest batch the administrator set
 * @min_folio_auto: no @min_folio_order was set, or "auto" since: what
 *	applies is derived (mo_min_order())
 * @min_batch_auto: @min_batch_bytes is "auto", likewise (mo_min_bytes())
 * @max_batch_folios: most folios per call (0: the provider's limit)
 * @nodes_seq: guards @nodes, which the provider may change at any time
 *	(migrate_offload_set_nodes()) while batches read it without a lock
 * @nodes: nodes it serves well; starts as its caps.nodes
 * @stats: per-CPU counters
 * @cost: what its copies cost, learned (cost.c)
 */
struct migrate_offload_entry {
	struct migrate_offload_provider *prov;
	char name[MIGRATE_PROVIDER_NAME_LEN];
	struct list_head list;
	struct kobject kobj;
	bool dead;
	bool enabled;
	int rating;
	unsigned int min_folio_order;
	u64 min_batch_bytes;
	bool min_folio_auto;
	bool min_batch_auto;
	unsigned int max_batch_folios;
	seqlock_t nodes_seq;
	nodemask_t nodes;
	struct mo_stats __percpu *stats;
	struct mo_cost_class cost[MO_COST_CLASSES];
};

/*
 * The thresholds a batch of @e meets, @by_cost under the "auto" policy.
 * One the administrator left at "auto" (the default) is the provider's
 * own guess under every other policy; under "auto" the cost model, which
 * measures instead of guessing, decides alone above what the provider
 * can take at all. A value is written before its flag is cleared
 * (mo_set_min_order()), so a batch that finds the flag clear reads it.
 */
static inline unsigned int mo_min_order(const struct migrate_offload_entry *e,
					bool by_cost)
{
	const struct migrate_offload_provider *prov = e->prov;

	/* Pairs with mo_set_min_order(): a clear flag's value is there. */
	if (!smp_load_acquire(&e->min_folio_auto))
		return READ_ONCE(e->min_folio_order);
	if (by_cost)
		return prov->caps.min_folio_order;
	return max(prov->caps.min_folio_order, prov->thresholds.min_folio_order);
}

static inline u64 mo_min_bytes(const struct migrate_offload_entry *e,
			       bool by_cost)
{
	/* Pairs with mo_set_min_bytes(). */
	if (!smp_load_acquire(&e->min_batch_auto))
		return READ_ONCE(e->min_batch_bytes);
	return by_cost ? 0 : e->prov->thresholds.min_batch_bytes;
}

/* The administrator's thresholds; writers hold mo_lock, for sysfs reads. */
static inline void mo_set_min_order(struct migrate_offload_entry *e,
				    bool is_auto, unsigned int order)
{
	if (!is_auto)
		WRITE_ONCE(e->min_folio_order, order);
	/* Pairs with mo_min_order(): the value before the flag. */
	smp_store_release(&e->min_folio_auto, is_auto);
}

static inline void mo_set_min_bytes(struct migrate_offload_entry *e,
				    bool is_auto, u64 bytes)
{
	if (!is_auto)
		WRITE_ONCE(e->min_batch_bytes, bytes);
	/* Pairs with mo_min_bytes(). */
	smp_store_release(&e->min_batch_auto, is_auto);
}

/* Registry (core.c) */
extern struct mutex mo_lock;
extern struct list_head mo_providers;
extern struct srcu_struct mo_srcu;
extern struct migrate_offload_provider mo_cpu_provider;
struct migrate_offload_entry *mo_find_locked(const char *name);
int mo_set_enabled(struct migrate_offload_entry *e, bool enable);
void mo_stats_read(struct migrate_offload_entry *e, struct mo_stats *sum);
const char *mo_kind_name(enum migrate_offload_kind kind);
void mo_nodes_read(struct migrate_offload_entry *e, nodemask_t *nodes);

/* Chains (chain.c) */
int mo_build_chain(const struct migrate_hint *hint, enum migrate_reason reason,
		   int nid, struct migrate_offload_entry **chain,
		   enum migrate_hint_type *type);

/* The cost model (cost.c) */
unsigned int mo_cost_path(int src_nid, int dst_nid);
unsigned int mo_cost_class(unsigned int nr, u64 bytes, int src_nid,
			   int dst_nid);
unsigned int mo_cost_class_min_order(unsigned int c);
u64 mo_cost_predict(const struct migrate_offload_entry *e, unsigned int c,
		    u64 bytes);
void mo_cost_sample(struct migrate_offload_entry *e, unsigned int c,
		    u64 bytes, u64 ns);
bool mo_cost_may_win(const struct migrate_offload_entry *e, unsigned int c,
		     u64 bytes);
bool mo_cost_choose(struct migrate_offload_entry *e, unsigned int c,
		    u64 bytes);
void mo_cost_init_entry(struct migrate_offload_entry *e);
void mo_cost_probe_cpu(void);
int mo_cost_debugfs_init(void);
extern struct dentry *mo_debugfs;

/* Preallocated batches and the batch byte budget (batch.c) */
#define MO_BATCH_BYTES_MIN	SZ_2M
#define MO_BATCH_BYTES_MAX	SZ_1G
#define MO_BATCH_PARTS_MAX	16
extern u64 mo_batch_bytes;
extern unsigned int mo_batch_parts;
int mo_batches_alloc(void);

/* Copying ahead (ahead.c) */
bool mo_may_copy_ahead(void);
bool mo_in_ahead_worker(void);
void mo_ahead_init(struct migrate_offload_batch *b);

/* Policy (policy.c) */
struct mo_policy {
	enum migrate_hint_type type;
	char name[MIGRATE_PROVIDER_NAME_LEN];
};

void mo_policy_get(enum migrate_reason reason, struct mo_policy *pol);
int mo_policy_parse(const char *buf, size_t count, struct mo_policy *pol);
int mo_policy_set(enum migrate_reason reason, const struct mo_policy *pol);
bool mo_reason_offloadable(enum migrate_reason reason);
const char *mo_hint_name(enum migrate_hint_type type);
bool mo_policy_choice(const struct migrate_offload_entry *e);

/* The hint types an administrator writes as words, in display order. */
#define MO_NR_POLICY_WORDS	5
extern const enum migrate_hint_type mo_policy_words[MO_NR_POLICY_WORDS];
bool mo_is_hint_word(const char *name);

/* Per-node preferences (node_policy.c) */
void mo_node_policy_get(int nid, struct mo_policy *pol);
int mo_node_policy_admin(int nid, const struct mo_policy *pol);
int mo_node_policy_init(struct kobject *root);

/* sysfs (sysfs.c) */
ssize_t mo_policy_show(const struct mo_policy *pol, bool with_default,
		       char *buf);
int mo_sysfs_init(void);
int mo_sysfs_add(struct migrate_offload_entry *e);
void mo_sysfs_del(struct migrate_offload_entry *e);
void mo_entry_release(struct migrate_offload_entry *e);

#endif /* _MM_MIGRATE_OFFLOAD_INTERNAL_H */
