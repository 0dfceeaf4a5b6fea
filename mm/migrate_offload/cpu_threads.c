// SPDX-License-Identifier: GPL-2.0
/*
 * The "threads" provider (kind cpu-threads): several CPUs copy one batch.
 *
 * The batch is seen as one run of bytes (its folios back to back) and cut
 * into page-aligned chunks, so a 2 MiB folio is split across threads and
 * small folios are grouped. The calling thread and its helpers take
 * chunks from the front until none are left, rather than fixed equal
 * shares: a helper starts only once its CPU has woken up, and with fixed
 * shares the caller would then wait for the helper's whole share. Taking
 * chunks, a late helper copies less and the caller more. Helpers run on a
 * dedicated unbound workqueue (its cpumask and affinity are in
 * /sys/devices/virtual/workqueue/migrate_copy/). Each helper is queued on
 * a chosen CPU: near the destination (or source) node, and always one the
 * caller's cpuset allows; the workqueue's "cpu" affinity scope keeps it
 * there. The call returns only after every helper has finished.
 *
 * Copies are machine-check safe: a poisoned source page fails only its
 * folio, which the rest of the chain then handles.
 *
 * Helpers only run on CPUs that are idle when the batch starts: a copy
 * for one task must not preempt other work, the caller's own cgroup's
 * included. With no idle CPU the caller copies alone (counted in busy).
 *
 * The CPU time a helper spends on a batch is charged to the caller's
 * cgroup (cpu.stat usage_usec, through cgroup_account_cputime()) as well
 * as shown in helper_time_us; the scheduler also counts it for the
 * kworker that ran it, in the root cgroup. It cannot be charged against
 * a cpu.max quota, so a caller under one copies alone (counted in
 * quota_bound): helpers would let it run beyond its quota.
 */
#define pr_fmt(fmt) "migrate_offload: threads: " fmt

#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/cpuset.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/migrate_offload.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/isolation.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "knob.h"
#include "slots.h"

#define MT_MAX_THREADS	32

enum mt_placement {
	MT_NEAR_DST,
	MT_NEAR_SRC,
	MT_ANYWHERE,
	MT_NR_PLACEMENTS
};

static const char * const mt_placement_names[MT_NR_PLACEMENTS] = {
	[MT_NEAR_DST] = "dst",
	[MT_NEAR_SRC] = "src",
	[MT_ANYWHERE] = "any",
};

static struct workqueue_struct *mt_wq;
static unsigned int mt_threads = 4;		/* including the caller */
static unsigned long mt_chunk_size = SZ_256K;	/* taken at a time */
static enum mt_placement mt_placement = MT_NEAR_DST;
static atomic64_t mt_helper_ns = ATOMIC64_INIT(0);
static atomic64_t mt_helpers = ATOMIC64_INIT(0);
static atomic64_t mt_busy = ATOMIC64_INIT(0);
static atomic64_t mt_quota_bound = ATOMIC64_INIT(0);

/* One batch being copied: everyone takes chunks at @next. */
struct mt_batch {
	struct migrate_offload_req *req;
	struct task_struct *caller;	/* waits for every helper */
	u64 chunk;
	atomic64_t next;	/* first byte nobody has taken yet */
};

struct mt_helper {
	struct work_struct work;
	struct mt_batch *batch;
};

/*
 * What one call needs beyond its stack, preallocated per possible CPU
 * (slots.h): the copy path runs in reclaim and must not allocate. A call
 * that finds every context busy copies alone.
 */
struct mt_ctx {
	cpumask_var_t cpus;
	struct mt_helper helpers[MT_MAX_THREADS - 1];
};

static DEFINE_PER_CPU(struct mo_slot, mt_slots);

/*
 * Where one thread is in the batch. The chunks a thread takes only move
 * forward, so it need not walk the items from the start for each one.
 */
struct mt_cursor {
	unsigned int i;		/* the item holding byte @pos */
	u64 pos;		/* the first byte of item @i */
};

/* Copy [start, end) of the batch; mark folios whose copy hit poison. */
static void mt_copy_range(struct migrate_offload_req *req, struct mt_cursor *c,
			  u64 start, u64 end)
{
	while (c->i < req->nr && c->pos < end) {
		struct migrate_offload_item *it = req->items[c->i];
		u64 size = folio_size(it->src), off, to;

		off = start > c->pos ? start - c->pos : 0;
		to = min(end - c->pos, size);
		for (; off < to; off += PAGE_SIZE) {
			unsigned long n = off >> PAGE_SHIFT;

			if (copy_mc_highpage(folio_page(it->dst, n),
					     folio_page(it->src, n)))
				WRITE_ONCE(it->status, -EHWPOISON);
			cond_resched();
		}
		if (to < size)	/* the rest of the folio is in a later chunk */
			break;
		c->pos += size;
		c->i++;
	}
}

static void mt_take_chunks(struct mt_batch *b)
{
	u64 bytes = b->req->bytes, start;
	struct mt_cursor c = {};

	while ((start = atomic64_fetch_add(b->chunk, &b->next)) < bytes)
		mt_copy_range(b->req, &c, start, min(start + b->chunk, bytes));
}

static void mt_helper_work(struct work_struct *work)
{
	struct mt_helper *h = container_of(work, struct mt_helper, work);
	u64 t0 = ktime_get_ns();

	u64 ns;

	mt_take_chunks(h->batch);
	ns = ktime_get_ns() - t0;
	atomic64_add(ns, &mt_helper_ns);
	atomic64_inc(&mt_helpers);
	/* The caller waits for this work: its task and cgroup are there. */
	rcu_read_lock();
	cgroup_account_cputime(h->batch->caller, ns);
	rcu_read_unlock();
}

/*
 * Only CPUs with nothing to run: a helper queued on a busy one would
 * preempt its work, or wait behind it while the caller copies alone.
 */
static void mt_keep_idle(struct cpumask *cpus)
{
	int cpu;

	for_each_cpu(cpu, cpus)
		if (!idle_cpu(cpu))
			cpumask_clear_cpu(cpu, cpus);
}

/*
 * CPUs for the helpers: online, idle, allowed by the caller's cpuset, open to
 * workqueues (not isolated), not the caller's own CPU, and on the
 * preferred node when it has any of those. The cpuset, not the task's
 * affinity: helpers are kernel work done for the task, and a task bound
 * to its source node's CPUs should still get helpers near the
 * destination.
 */
static void mt_pick_cpus(struct migrate_offload_req *req, struct cpumask *cpus)
{
	struct folio *folio = req->items[0]->dst;
	int node = NUMA_NO_NODE;

	cpuset_cpus_allowed(current, cpus);
	cpumask_and(cpus, cpus, cpu_online_mask);
	cpumask_and(cpus, cpus, housekeeping_cpumask(HK_TYPE_WQ));
	cpumask_clear_cpu(raw_smp_processor_id(), cpus);
	mt_keep_idle(cpus);
	if (mt_placement == MT_NEAR_SRC)
		folio = req->items[0]->src;
	if (mt_placement != MT_ANYWHERE)
		node = folio_nid(folio);
	if (node != NUMA_NO_NODE &&
	    cpumask_intersects(cpus, cpumask_of_node(node)))
		cpumask_and(cpus, cpus, cpumask_of_node(node));
}

/* The caller's CPU time is limited by a quota (cgroup cpu.max). */
static bool mt_quota_bound_caller(void)
{
	bool bound;

	rcu_read_lock();
	bound = cfs_task_bw_constrained(current);
	rcu_read_unlock();
	return bound;
}

static void mt_copy(struct migrate_offload_provider *prov,
		    struct migrate_offload_req *req)
{
	struct mt_batch batch = {
		.req = req,
		.caller = current,
		.chunk = READ_ONCE(mt_chunk_size),
		.next = ATOMIC64_INIT(0),
	};
	struct mt_ctx *ctx = NULL;
	unsigned int nr, i;
	int cpu, slot;

	for (i = 0; i < req->nr; i++)
		req->items[i]->status = 0;

	/* Threads, the caller included: never more than there are chunks. */
	nr = min_t(u64, READ_ONCE(mt_threads),
		   DIV_ROUND_UP_ULL(req->bytes, batch.chunk));
	nr = nr ? nr - 1 : 0;	/* the helpers */
	if (nr && mt_quota_bound_caller()) {
		atomic64_inc(&mt_quota_bound);
		nr = 0;
	}
	if (nr)
		ctx = mo_slots_take(&mt_slots, &slot);
	if (ctx) {
		mt_pick_cpus(req, ctx->cpus);
		if (cpumask_empty(ctx->cpus))
			atomic64_inc(&mt_busy);
		nr = min(nr, cpumask_weight(ctx->cpus));
	} else {
		nr = 0;
	}

	cpu = -1;
	for (i = 0; i < nr; i++) {
		ctx->helpers[i].batch = &batch;
		cpu = cpumask_next_wrap(cpu, ctx->cpus);
		queue_work_on(cpu, mt_wq, &ctx->helpers[i].work);
	}
	mt_take_chunks(&batch);
	/*
	 * Nothing is left to take. A helper still queued would find nothing
	 * either: cancel it instead of waiting for its CPU to wake up. One
	 * already running may be finishing its last chunk: wait for it.
	 */
	for (i = 0; i < nr; i++)
		cancel_work_sync(&ctx->helpers[i].work);
	if (ctx)
		mo_slot_put(&mt_slots, slot);
}

static struct migrate_offload_provider mt_provider = {
	.name = "threads",
	.owner = THIS_MODULE,
	.kind = MIGRATE_COPY_CPU_THREADS,
	.rating = 200,
	.caps = {
		.max_batch_folios = 0,
		/*
		 * For "auto" until measured: waking helpers costs tens of
		 * microseconds; then a few CPUs copy at several GB/s each.
		 */
		.est = {
			.call_ns = 30 * NSEC_PER_USEC,
			.folio_ns = 200,
			.ps_per_byte = 50,
		},
	},
	/*
	 * Waking helpers costs more than copying a few base pages; the
	 * defaults keep small folios on the plain CPU path.
	 */
	.thresholds = {
		.min_folio_order = 4,
		.min_batch_bytes = SZ_512K,
	},
	.copy = mt_copy,
};

static ssize_t threads_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mt_threads));
}

static ssize_t threads_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	unsigned int n;
	int ret = mo_knob_u32(buf, count, 0, &n);

	if (ret)
		return ret;
	if (!n || n > MT_MAX_THREADS)
		return -EINVAL;
	WRITE_ONCE(mt_threads, n);
	return count;
}

static struct kobj_attribute threads_attr = __ATTR_RW(threads);

static ssize_t chunk_size_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(mt_chunk_size));
}

static ssize_t chunk_size_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	u64 size;
	int ret = mo_knob_u64(buf, count, 0, &size);

	if (ret)
		return ret;
	if (size < PAGE_SIZE || size > SZ_1G || !PAGE_ALIGNED(size))
		return -EINVAL;
	WRITE_ONCE(mt_chunk_size, size);
	return count;
}

static struct kobj_attribute chunk_size_attr = __ATTR_RW(chunk_size);

static ssize_t placement_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	int i, len = 0;

	for (i = 0; i < MT_NR_PLACEMENTS; i++)
		len += sysfs_emit_at(buf, len, i == READ_ONCE(mt_placement) ?
				     "[%s] " : "%s ", mt_placement_names[i]);
	buf[len - 1] = '\n';
	return len;
}

static ssize_t placement_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	int i = mo_knob_word(buf, count, mt_placement_names,
			     ARRAY_SIZE(mt_placement_names));

	if (i < 0)
		return i;
	WRITE_ONCE(mt_placement, i);
	return count;
}

static struct kobj_attribute placement_attr = __ATTR_RW(placement);

static ssize_t helper_time_us_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  div_u64(atomic64_read(&mt_helper_ns), NSEC_PER_USEC));
}

static struct kobj_attribute helper_time_us_attr = __ATTR_RO(helper_time_us);

/* The counters: read-only, one value each. */
struct mt_counter {
	struct kobj_attribute attr;
	atomic64_t *val;
};

static ssize_t mt_counter_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct mt_counter *c = container_of(attr, struct mt_counter, attr);

	return sysfs_emit(buf, "%lld\n", atomic64_read(c->val));
}

#define MT_COUNTER(_name, _val)						\
	{								\
		.attr = __ATTR(_name, 0444, mt_counter_show, NULL),	\
		.val = &(_val),						\
	}

static struct mt_counter mt_counters[] = {
	MT_COUNTER(helpers, mt_helpers),
	MT_COUNTER(busy, mt_busy),
	MT_COUNTER(quota_bound, mt_quota_bound),
};

static struct attribute *mt_attrs[] = {
	&threads_attr.attr,
	&chunk_size_attr.attr,
	&placement_attr.attr,
	&helper_time_us_attr.attr,
	&mt_counters[0].attr.attr,
	&mt_counters[1].attr.attr,
	&mt_counters[2].attr.attr,
	NULL
};

static const struct attribute_group mt_group = {
	.attrs = mt_attrs,
};

static const struct attribute_group *mt_groups[] = {
	&mt_group,
	NULL
};

static int __init mt_ctx_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mt_ctx *ctx;
		unsigned int i;

		ctx = kzalloc_node(sizeof(*ctx), GFP_KERNEL, cpu_to_node(cpu));
		if (!ctx)
			return -ENOMEM;
		if (!zalloc_cpumask_var_node(&ctx->cpus, GFP_KERNEL,
					     cpu_to_node(cpu))) {
			kfree(ctx);
			return -ENOMEM;
		}
		for (i = 0; i < ARRAY_SIZE(ctx->helpers); i++)
			INIT_WORK(&ctx->helpers[i].work, mt_helper_work);
		mo_slot_publish(&mt_slots, cpu, ctx);
	}
	return 0;
}

static int __init mo_threads_init(void)
{
	struct workqueue_attrs *attrs;
	int ret;

	/*
	 * Demotion copies from kswapd and direct reclaim: the helpers must
	 * make progress under memory pressure (a rescuer), and a reclaimer
	 * may only flush work of a WQ_MEM_RECLAIM workqueue.
	 */
	mt_wq = alloc_workqueue("migrate_copy",
				WQ_UNBOUND | WQ_SYSFS | WQ_MEM_RECLAIM, 0);
	if (!mt_wq)
		return -ENOMEM;
	/* One pod per CPU, strict: a helper runs on the CPU it was given. */
	attrs = alloc_workqueue_attrs();
	if (!attrs) {
		ret = -ENOMEM;
		goto err;
	}
	cpumask_copy(attrs->cpumask, cpu_possible_mask);
	attrs->affn_scope = WQ_AFFN_CPU;
	attrs->affn_strict = true;
	ret = apply_workqueue_attrs(mt_wq, attrs);
	free_workqueue_attrs(attrs);
	if (ret)
		goto err;

	/*
	 * Contexts already allocated stay: the provider is built in, and
	 * without it nothing calls them.
	 */
	ret = mt_ctx_alloc();
	if (ret)
		goto err;
	mt_threads = clamp(num_online_cpus(), 1U, 4U);
	mt_provider.groups = mt_groups;
	ret = migrate_offload_register(&mt_provider);
	if (ret)
		goto err;
	return 0;
err:
	destroy_workqueue(mt_wq);
	pr_err("not available (%d)\n", ret);
	return ret;
}
late_initcall(mo_threads_init);
