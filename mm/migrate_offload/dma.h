/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "dmaengine" migration copy provider (kind dma): what its parts share.
 *
 * dma_chans.c owns the set of dmaengine channels the provider holds,
 * dma_copy.c turns a batch into transfers on some of them, and
 * dma_provider.c registers the provider and its sysfs knobs.
 */
#ifndef _MIGRATE_OFFLOAD_DMA_H
#define _MIGRATE_OFFLOAD_DMA_H

#include <linux/atomic.h>
#include <linux/dmaengine.h>
#include <linux/fault-inject.h>
#include <linux/migrate_offload.h>
#include <linux/mutex.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct dentry;

#define MDMA_MAX_CHANS		32
#define MDMA_DEVICES_LEN	256
#define MDMA_REFUSED_LEN	96

/*
 * struct mdma_chan - one slot for a channel the provider holds
 * @chan: the dmaengine channel, requested with dma_request_channel();
 *	NULL while the slot is free
 * @live: batches may pick it; set once the slot is filled in, cleared
 *	before the channel is given back, which then waits for the batches
 *	that may have picked it (mdma.srcu)
 * @node: NUMA node of its engine (NUMA_NO_NODE if unknown)
 * @errors: consecutive batches that failed on it
 * @retired: a terminate failed: its transfers may still run, so no batch
 *	uses it again; it is given back when its engine goes away or the
 *	provider is disabled
 * @term_gen: odd while a batch terminates the channel, two more after
 *	each terminate: it tells the batches whose transfers were on the
 *	channel when a terminate began that those transfers are gone
 * @load: batches' shares in flight on it, to pick the least loaded
 */
struct mdma_chan {
	struct dma_chan *chan;
	bool live;
	int node;
	unsigned int errors;
	bool retired;
	atomic_t term_gen;
	atomic_t load;
};

/* Descriptor-level counters, shown in debugfs migrate_dma/dma_stats/. */
enum mdma_stat {
	MDMA_SUBMITTED,		/* descriptors submitted */
	MDMA_COMPLETED,		/* descriptors that reported success */
	MDMA_FAILED,		/* descriptors that failed or never ran */
	MDMA_TIMEOUTS,		/* batches that timed out */
	MDMA_ASYNC_TIMEOUTS,	/* of those, cut at async_timeout_ms */
	MDMA_ABORTED,		/* batches cut short by another's terminate */
	MDMA_SUBMIT_ERRORS,	/* prep or submit refused */
	MDMA_MAP_ERRORS,	/* dma_map_sgtable() failed */
	MDMA_LOST,		/* channels dropped: unbind or repeated errors */
	MDMA_UNSTOPPABLE,	/* batches whose transfers could not be stopped */
	MDMA_LATE_FREED,	/* of those, freed after their last late transfer */
	MDMA_STRIPED,		/* batches whose folio(s) spanned channels */
	MDMA_STREAMED,		/* batches whose folios committed one by one */
	MDMA_EARLY,		/* folios reported copied while later ones ran */
	MDMA_SYNCED,		/* batches not streamed: mappings need syncs */
	MDMA_IRQ_ADDED,		/* interrupts queued for a part's last transfer */
	MDMA_SKIPPED,		/* pieces of folios failed on another part */
	MDMA_NR_STATS
};

/*
 * struct mdma - the provider's state
 * @scan_lock: held to change the channel set (take or give back
 *	channels), so that the set is stable under it alone; never taken by
 *	a batch, so it may be held across dma_request_channel()
 * @enabled: channels are held only while the provider is enabled
 * @refused: channels the last scan would not use, with the reason
 * @nr_refused: entries in @refused
 * @srcu: a batch's read-side section, from picking its channels to its
 *	return; a channel leaves the set only after its grace period
 * @chans: slots for the channels held, @nr of them in use; a slot never
 *	moves, so a batch may pick from them while the set changes
 * @devices: admin's comma-separated engine names; empty for all
 * @stripe: most channels one batch is spread over
 * @timeout_ms: wait this long for a batch before terminating it
 * @async_timeout_ms: the same for callers in MIGRATE_ASYNC, if shorter
 * @max_errors: drop a channel after this many failed batches in a row
 * @wq: batches waiting for their transfers, or for a terminate
 * @late_wq: frees batches whose transfers outlived them (see dma_copy.c);
 *	destroyed at module exit, so it waits for the last of them
 * @orphans: the parts of those batches still waiting for a transfer, for
 *	a terminate of their channel that succeeds later: it ends them
 * @orphan_lock: guards @orphans; never taken in a callback
 */
struct mdma {
	struct mutex scan_lock;		/* see above: not in the copy path */
	bool enabled;
	char refused[MDMA_MAX_CHANS][MDMA_REFUSED_LEN];
	unsigned int nr_refused;
	struct srcu_struct srcu;
	struct mdma_chan chans[MDMA_MAX_CHANS];
	unsigned int nr;
	char devices[MDMA_DEVICES_LEN];
	unsigned int stripe;
	unsigned int timeout_ms;
	unsigned int async_timeout_ms;
	unsigned int max_errors;
	wait_queue_head_t wq;
	struct workqueue_struct *late_wq;
	struct list_head orphans;
	spinlock_t orphan_lock;		/* see above */
	atomic64_t stats[MDMA_NR_STATS];
};

extern struct mdma mdma;
extern struct migrate_offload_provider mdma_provider;
extern struct fault_attr mdma_fail_submit;
extern struct fault_attr mdma_fail_completion;

static inline void mdma_stat_add(enum mdma_stat s, long v)
{
	atomic64_add(v, &mdma.stats[s]);
}

/* dma_chans.c */
int mdma_chans_scan(void);
int mdma_chans_set_devices(const char *list);
int mdma_chans_enable(bool enable);
void mdma_chans_failed(struct mdma_chan *mc, bool failed);
void mdma_chans_retire(struct mdma_chan *mc, int err);
void mdma_orphans_release(struct mdma_chan *mc);
int mdma_chans_init(void);
void mdma_chans_exit(void);

/* dma_copy.c */
/* Bytes per cgroup (dma_cgroup.c) */
void mdma_cg_account(u64 bytes);
void mdma_cg_debugfs(struct dentry *dir);

/* dma_debugfs.c */
void mdma_debugfs_init(void);
void mdma_debugfs_exit(void);

int mdma_batches_alloc(void);
void mdma_batches_free(void);
void mdma_copy(struct migrate_offload_provider *prov,
	       struct migrate_offload_req *req);
void mdma_submit_req(struct migrate_offload_provider *prov,
		     struct migrate_offload_req *req);
void mdma_wait_item(struct migrate_offload_provider *prov,
		    struct migrate_offload_req *req, unsigned int i);
void mdma_finish(struct migrate_offload_provider *prov,
		 struct migrate_offload_req *req);

#endif /* _MIGRATE_OFFLOAD_DMA_H */
