// SPDX-License-Identifier: GPL-2.0
/*
 * What the dmaengine provider shows for debugging, in debugfs
 * migrate_dma/: the administrator's knobs stay in sysfs, but which
 * channels it holds, which it refused and its descriptor-level counters
 * are for whoever debugs an engine or the provider, and several of them
 * are more than one value.
 *
 *   in_use          the channels held: channel, engine, node=<node>, and
 *                   "retired" for a channel whose terminate failed
 *   refused         free channels of allowed engines the last scan would
 *                   not take, with the reason
 *   dma_stats/      one counter per file (enum mdma_stat)
 *   cgroup_bytes    bytes per initiating cgroup (dma_cgroup.c)
 *   fail_submit/, fail_completion/  fault injection
 *                   (CONFIG_FAULT_INJECTION_DEBUG_FS)
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "dma.h"

static struct dentry *mdma_debugfs;

static int in_use_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&mdma.scan_lock);
	for (i = 0; i < MDMA_MAX_CHANS; i++) {
		if (!mdma.chans[i].live)
			continue;
		seq_printf(m, "%s %s node=%d%s\n",
			   dma_chan_name(mdma.chans[i].chan),
			   dev_name(mdma.chans[i].chan->device->dev),
			   mdma.chans[i].node,
			   READ_ONCE(mdma.chans[i].retired) ? " retired" : "");
	}
	mutex_unlock(&mdma.scan_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(in_use);

static int refused_show(struct seq_file *m, void *v)
{
	unsigned int i;

	mutex_lock(&mdma.scan_lock);
	for (i = 0; i < mdma.nr_refused; i++)
		seq_printf(m, "%s\n", mdma.refused[i]);
	mutex_unlock(&mdma.scan_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(refused);

static const char * const mdma_stat_names[MDMA_NR_STATS] = {
	[MDMA_SUBMITTED] = "submitted",
	[MDMA_COMPLETED] = "completed",
	[MDMA_FAILED] = "failed",
	[MDMA_TIMEOUTS] = "timeouts",
	[MDMA_ASYNC_TIMEOUTS] = "async_timeouts",
	[MDMA_ABORTED] = "aborted",
	[MDMA_SUBMIT_ERRORS] = "submit_errors",
	[MDMA_MAP_ERRORS] = "map_errors",
	[MDMA_LOST] = "lost",
	[MDMA_UNSTOPPABLE] = "unstoppable",
	[MDMA_LATE_FREED] = "late_freed",
	[MDMA_STRIPED] = "striped",
	[MDMA_STREAMED] = "streamed",
	[MDMA_EARLY] = "early",
	[MDMA_SYNCED] = "synced",
	[MDMA_IRQ_ADDED] = "irq_added",
	[MDMA_SKIPPED] = "skipped_pieces",
};

static int mdma_stat_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(mdma_stat_fops, mdma_stat_get, NULL, "%llu\n");

void mdma_debugfs_init(void)
{
	struct dentry *stats;
	int i;

	mdma_debugfs = debugfs_create_dir("migrate_dma", NULL);
	debugfs_create_file("in_use", 0400, mdma_debugfs, NULL, &in_use_fops);
	debugfs_create_file("refused", 0400, mdma_debugfs, NULL,
			    &refused_fops);
	stats = debugfs_create_dir("dma_stats", mdma_debugfs);
	for (i = 0; i < MDMA_NR_STATS; i++)
		debugfs_create_file_unsafe(mdma_stat_names[i], 0400, stats,
					   &mdma.stats[i], &mdma_stat_fops);
	mdma_cg_debugfs(mdma_debugfs);
	fault_create_debugfs_attr("fail_submit", mdma_debugfs,
				  &mdma_fail_submit);
	fault_create_debugfs_attr("fail_completion", mdma_debugfs,
				  &mdma_fail_completion);
}

void mdma_debugfs_exit(void)
{
	debugfs_remove_recursive(mdma_debugfs);
}
