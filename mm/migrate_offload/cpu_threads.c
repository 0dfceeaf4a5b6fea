// SPDX-License-Identifier: GPL-2.0
/*
 * The "threads" provider (kind cpu-threads): several CPUs copy one batch.
 *
 * The batch is seen as one run of bytes (its folios back to back) and cut
 * into equal page-aligned shares, one per thread, so a 2 MiB folio is
 * split across threads and small folios are grouped. The calling thread
 * copies the first share itself; helpers run on a dedicated unbound
 * workqueue (its cpumask and affinity are in
 * /sys/devices/virtual/workqueue/migrate_copy/). Each helper is queued on
 * a chosen CPU: near the destination (or source) node, and always one the
 * caller's cpuset allows; the workqueue's "cpu" affinity scope keeps it
 * there. The call returns only after every helper has finished.
 *
 * Copies are machine-check safe: a poisoned source page fails only its
 * folio, which the rest of the chain then handles.
 *
 * The kernel charges helper CPU time to kworkers, not to the migrating
 * task; the provider reports it in helper_time_us so it can at least be
 * seen.
 */
#define pr_fmt(fmt) "migrate_offload: threads: " fmt

#include <linux/cpumask.h>
#include <linux/cpuset.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/migrate_offload.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/isolation.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

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
static unsigned long mt_chunk_size = SZ_256K;	/* smallest share */
static enum mt_placement mt_placement = MT_NEAR_DST;
static atomic64_t mt_helper_ns = ATOMIC64_INIT(0);
static atomic64_t mt_helpers = ATOMIC64_INIT(0);

struct mt_share {
	struct work_struct work;
	struct migrate_copy_req *req;
	u64 start;		/* byte range of the batch, back to back */
	u64 end;
};

/* Copy [start, end) of the batch; mark folios whose copy hit poison. */
static void mt_copy_range(struct migrate_copy_req *req, u64 start, u64 end)
{
	u64 pos = 0;
	unsigned int i;

	for (i = 0; i < req->nr && pos < end; i++) {
		struct migrate_copy_item *it = req->items[i];
		u64 size = folio_size(it->src), off, to;

		if (pos + size <= start) {
			pos += size;
			continue;
		}
		off = max(start, pos) - pos;
		to = min(end, pos + size) - pos;
		for (; off < to; off += PAGE_SIZE) {
			unsigned long n = off >> PAGE_SHIFT;

			if (copy_mc_highpage(folio_page(it->dst, n),
					     folio_page(it->src, n)))
				WRITE_ONCE(it->status, -EHWPOISON);
			cond_resched();
		}
		pos += size;
	}
}

static void mt_helper(struct work_struct *work)
{
	struct mt_share *share = container_of(work, struct mt_share, work);
	u64 t0 = ktime_get_ns();

	mt_copy_range(share->req, share->start, share->end);
	atomic64_add(ktime_get_ns() - t0, &mt_helper_ns);
}

/*
 * CPUs for the helpers: online, allowed by the caller's cpuset, open to
 * workqueues (not isolated), not the caller's own CPU, and on the
 * preferred node when it has any of those. The cpuset, not the task's
 * affinity: helpers are kernel work done for the task, and a task bound
 * to its source node's CPUs should still get helpers near the
 * destination.
 */
static void mt_pick_cpus(struct migrate_copy_req *req, struct cpumask *cpus)
{
	struct folio *folio = req->items[0]->dst;
	int node = NUMA_NO_NODE;

	cpuset_cpus_allowed(current, cpus);
	cpumask_and(cpus, cpus, cpu_online_mask);
	cpumask_and(cpus, cpus, housekeeping_cpumask(HK_TYPE_WQ));
	cpumask_clear_cpu(raw_smp_processor_id(), cpus);
	if (mt_placement == MT_NEAR_SRC)
		folio = req->items[0]->src;
	if (mt_placement != MT_ANYWHERE)
		node = folio_nid(folio);
	if (node != NUMA_NO_NODE &&
	    cpumask_intersects(cpus, cpumask_of_node(node)))
		cpumask_and(cpus, cpus, cpumask_of_node(node));
}

static void mt_copy(struct migrate_copy_provider *prov,
		    struct migrate_copy_req *req)
{
	unsigned int threads = READ_ONCE(mt_threads), nr, i;
	unsigned long chunk = READ_ONCE(mt_chunk_size);
	struct mt_share *shares = NULL;
	bool have_cpus = false;
	cpumask_var_t cpus;
	u64 share;
	int cpu;

	for (i = 0; i < req->nr; i++)
		req->items[i]->status = 0;

	nr = min_t(u64, threads, DIV_ROUND_UP_ULL(req->bytes, chunk));
	if (nr > 1)
		have_cpus = alloc_cpumask_var(&cpus, GFP_NOWAIT | __GFP_NOWARN);
	if (have_cpus) {
		mt_pick_cpus(req, cpus);
		nr = min(nr, cpumask_weight(cpus) + 1);
		if (nr > 1)
			shares = kmalloc_objs(*shares, nr,
					      GFP_NOWAIT | __GFP_NOWARN);
	}
	if (!shares)
		nr = 1;
	share = round_up(DIV_ROUND_UP_ULL(req->bytes, nr), PAGE_SIZE);

	/* Helpers take shares 1..nr-1; the caller keeps share 0. */
	cpu = -1;
	for (i = 1; i < nr; i++) {
		shares[i].req = req;
		shares[i].start = min(i * share, req->bytes);
		shares[i].end = min((i + 1) * share, req->bytes);
		INIT_WORK(&shares[i].work, mt_helper);
		cpu = cpumask_next_wrap(cpu, cpus);
		queue_work_on(cpu, mt_wq, &shares[i].work);
	}
	mt_copy_range(req, 0, min(share, req->bytes));
	for (i = 1; i < nr; i++)
		flush_work(&shares[i].work);
	atomic64_add(nr - 1, &mt_helpers);
	if (have_cpus)
		free_cpumask_var(cpus);
	kfree(shares);
}

static struct migrate_copy_provider mt_provider = {
	.name = "threads",
	.owner = THIS_MODULE,
	.kind = MIGRATE_COPY_CPU_THREADS,
	.rating = 200,
	.caps = {
		.max_batch_folios = 0,
		.may_sleep = true,
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
	int ret = kstrtouint(buf, 0, &n);

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
	unsigned long size;
	int ret = kstrtoul(buf, 0, &size);

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
	int i = sysfs_match_string(mt_placement_names, buf);

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

static ssize_t helpers_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&mt_helpers));
}

static struct kobj_attribute helpers_attr = __ATTR_RO(helpers);

static struct attribute *mt_attrs[] = {
	&threads_attr.attr,
	&chunk_size_attr.attr,
	&placement_attr.attr,
	&helper_time_us_attr.attr,
	&helpers_attr.attr,
	NULL
};

static const struct attribute_group mt_group = {
	.attrs = mt_attrs,
};

static const struct attribute_group *mt_groups[] = {
	&mt_group,
	NULL
};

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
