// SPDX-License-Identifier: GPL-2.0
/*
 * The "dmaengine" migration copy provider (kind dma): batches are copied by
 * any dmaengine channel offering DMA_MEMCPY (SDXi, PTDMA, AE4DMA, IDXD,
 * ...). Registered disabled; enable it in
 * /sys/kernel/mm/migration/providers/dmaengine/.
 *
 * Channels are held only while the provider is enabled.
 *
 * Knobs in that directory:
 *   devices     engines to use, comma-separated device names (empty: all);
 *               writing it takes and gives back channels accordingly
 *   rescan      write 1: take channels that appeared since
 *   channels    most channels one batch is spread over
 *   timeout_ms  how long a batch may take before it is terminated
 *   async_timeout_ms  the same for callers in MIGRATE_ASYNC
 *   max_errors  drop a channel after this many failed batches in a row
 *
 * What it holds, refused and counted is in debugfs (dma_debugfs.c), with
 * fault injection: fail_submit/ (refuse to submit a transfer) and
 * fail_completion/ (report a completed transfer failed).
 */
#define pr_fmt(fmt) "migrate_offload: dma: " fmt

#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "dma.h"
#include "knob.h"

struct mdma mdma = {
	.stripe = 4,
	.timeout_ms = 2000,
	.async_timeout_ms = 100,
	.max_errors = 3,
	.orphans = LIST_HEAD_INIT(mdma.orphans),
	.orphan_lock = __SPIN_LOCK_UNLOCKED(mdma.orphan_lock),
};

DECLARE_FAULT_ATTR(mdma_fail_submit);
DECLARE_FAULT_ATTR(mdma_fail_completion);

static int mdma_enable(struct migrate_offload_provider *prov, bool enable)
{
	int ret;

	/* Only now: a provider never enabled costs no memory for batches. */
	if (enable) {
		ret = mdma_batches_alloc();
		if (ret)
			return ret;
	}
	return mdma_chans_enable(enable);
}

struct migrate_offload_provider mdma_provider = {
	.name = "dmaengine",
	.owner = THIS_MODULE,
	.kind = MIGRATE_COPY_DMA,
	.rating = 300,
	.caps = {
		/* The caller only sleeps until the engines are done. */
		.copies_ahead = true,
		/*
		 * For "auto" until measured: a submission and its interrupt
		 * cost tens of microseconds, each folio a mapping and a
		 * descriptor; then an engine moves tens of GB/s.
		 */
		.est = {
			.call_ns = 20 * NSEC_PER_USEC,
			.folio_ns = 2 * NSEC_PER_USEC,
			.ps_per_byte = 40,
		},
	},
	/*
	 * Mapping, descriptors and an interrupt cost more than a CPU copy of
	 * a few base pages: small folios and small batches stay on the CPU.
	 * make bench (emulated SDXi, a guest CPU copying 8 bytes at a time)
	 * put the crossover between 256 KiB folios (DMA 0.8x of the CPU
	 * path) and 1 MiB ones (1.1x; 1.5x at 2 MiB); re-measure on real
	 * engines.
	 */
	.thresholds = {
		.min_folio_order = 8,
		.min_batch_bytes = SZ_1M,
	},
	.copy = mdma_copy,
	.submit = mdma_submit_req,
	.wait = mdma_wait_item,
	.finish = mdma_finish,
	.enable = mdma_enable,
};

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	ssize_t len;

	mutex_lock(&mdma.scan_lock);
	len = sysfs_emit(buf, "%s\n", mdma.devices);
	mutex_unlock(&mdma.scan_lock);
	return len;
}

/*
 * A newline alone is the empty list: every engine. Anything else is a
 * list of names, which mdma_chans_set_devices() checks against the
 * engines there are before anything changes.
 */
static ssize_t devices_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	char list[MDMA_DEVICES_LEN] = "";
	int len, ret;

	if (count != 1 || *buf != '\n') {
		len = mo_knob_len(buf, count);
		if (len < 0)
			return len;
		if (len >= MDMA_DEVICES_LEN)
			return -EINVAL;
		memcpy(list, buf, len);
		list[len] = '\0';
	}
	ret = mdma_chans_set_devices(list);
	return ret ? : count;
}

static struct kobj_attribute devices_attr = __ATTR_RW(devices);

/*
 * Only "1": the file is a trigger, not a boolean, and "0" taking
 * channels would be a surprise.
 */
static ssize_t rescan_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	static const char * const one[] = { "1" };
	int ret = mo_knob_word(buf, count, one, ARRAY_SIZE(one));

	if (ret < 0)
		return ret;
	mdma_chans_scan();
	return count;
}

static struct kobj_attribute rescan_attr = __ATTR_WO(rescan);

/* The unsigned knobs: a variable and the range it accepts. */
struct mdma_knob {
	struct kobj_attribute attr;
	unsigned int *var;
	unsigned int min, max;
};

static ssize_t mdma_knob_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct mdma_knob *k = container_of(attr, struct mdma_knob, attr);

	return sysfs_emit(buf, "%u\n", READ_ONCE(*k->var));
}

static ssize_t mdma_knob_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	struct mdma_knob *k = container_of(attr, struct mdma_knob, attr);
	u32 v;
	int ret = mo_knob_u32(buf, count, 0, &v);

	if (ret)
		return ret;
	if (v < k->min || v > k->max)
		return -EINVAL;
	WRITE_ONCE(*k->var, v);
	return count;
}

#define MDMA_KNOB(_name, _var, _min, _max) {				\
	.attr = __ATTR(_name, 0644, mdma_knob_show, mdma_knob_store),	\
	.var = &(_var), .min = (_min), .max = (_max) }

static struct mdma_knob mdma_knobs[] = {
	MDMA_KNOB(channels, mdma.stripe, 1, MDMA_MAX_CHANS),
	MDMA_KNOB(timeout_ms, mdma.timeout_ms, 1, 600000),
	MDMA_KNOB(async_timeout_ms, mdma.async_timeout_ms, 1, 600000),
	MDMA_KNOB(max_errors, mdma.max_errors, 0, 1000000),
};

static struct attribute *mdma_attrs[] = {
	&devices_attr.attr,
	&rescan_attr.attr,
	&mdma_knobs[0].attr.attr,
	&mdma_knobs[1].attr.attr,
	&mdma_knobs[2].attr.attr,
	&mdma_knobs[3].attr.attr,
	NULL
};

static const struct attribute_group mdma_group = {
	.attrs = mdma_attrs,
};

static const struct attribute_group *mdma_groups[] = {
	&mdma_group,
	NULL
};

/*
 * Reclaim demotes through this provider, so a batch enters mdma.srcu
 * inside fs_reclaim. Show lockdep that order now: a grace period waited
 * for where reclaim may be needed is reported the first time it runs,
 * not only the day memory runs short.
 */
static void __init mdma_lockdep_reclaim(void)
{
	int idx;

	fs_reclaim_acquire(GFP_KERNEL);
	idx = srcu_read_lock(&mdma.srcu);
	srcu_read_unlock(&mdma.srcu, idx);
	fs_reclaim_release(GFP_KERNEL);
}

static int __init mdma_init(void)
{
	int ret;

	mutex_init(&mdma.scan_lock);
	init_waitqueue_head(&mdma.wq);
	ret = init_srcu_struct(&mdma.srcu);
	if (ret)
		return ret;
	mdma_lockdep_reclaim();
	mdma.late_wq = alloc_workqueue("migrate_dma_late",
				       WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!mdma.late_wq) {
		cleanup_srcu_struct(&mdma.srcu);
		return -ENOMEM;
	}
	ret = mdma_chans_init();
	if (ret) {
		destroy_workqueue(mdma.late_wq);
		cleanup_srcu_struct(&mdma.srcu);
		return ret;
	}

	mdma_debugfs_init();

	mdma_provider.groups = mdma_groups;
	ret = migrate_offload_register(&mdma_provider);
	if (ret) {
		mdma_debugfs_exit();
		mdma_chans_exit();
		destroy_workqueue(mdma.late_wq);
		cleanup_srcu_struct(&mdma.srcu);
	}
	return ret;
}
module_init(mdma_init);

static void __exit mdma_exit(void)
{
	/* Returns once no batch is inside mdma_copy() any more. */
	migrate_offload_unregister(&mdma_provider);
	mdma_debugfs_exit();
	mdma_chans_exit();
	/*
	 * Batches left to late transfers hold a module reference, so none
	 * is left; this waits for the work that freed the last of them.
	 */
	destroy_workqueue(mdma.late_wq);
	mdma_batches_free();
	cleanup_srcu_struct(&mdma.srcu);
}
module_exit(mdma_exit);

MODULE_DESCRIPTION("Migration copy provider for dmaengine memcpy channels");
MODULE_LICENSE("GPL");
