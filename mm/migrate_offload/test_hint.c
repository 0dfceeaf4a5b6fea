// SPDX-License-Identifier: GPL-2.0
/*
 * A driver's own migrations with an explicit copy hint, the way a GPU or
 * accelerator driver that moves its buffers between nodes would do it:
 * gather the folios, then migrate_pages_hint() with what the copy should
 * use (a driver that keeps its DMA engines busy with device work asks for
 * cpu-threads). Also a node preference set from a driver, as the code
 * bringing CXL memory online would.
 *
 * For the selftests, in debugfs (migrate_offload/):
 *   move      write "<hint> <node> <start> <length> [async]": migrate the
 *             writer's pages in [start, start + length) to <node>; <hint>
 *             is none, any, cpu-threads, dma or a provider's name; with
 *             "async" in MIGRATE_ASYNC, as from a device's fault handler
 *             that must not wait long.
 *   moved     folios the last write migrated (read).
 *   node_hint write "<node> <hint>": migrate_offload_node_hint_get(), a
 *             driver's claim on the node's preference; "<node> default":
 *             migrate_offload_node_hint_put(), dropping one.
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mempolicy.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/swap.h>
#include <linux/uaccess.h>

#include "../internal.h"
#include "internal.h"

static unsigned int mo_example_moved;

/* Isolate the folios mapped in [start, end) that are not on @nid yet. */
static int mo_example_gather(struct mm_struct *mm, unsigned long start,
			     unsigned long end, int nid,
			     struct list_head *folios)
{
	unsigned long addr;
	int err = 0;

	mmap_read_lock(mm);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		struct folio_walk fw;
		struct folio *folio;

		if (!vma || !vma_migratable(vma)) {
			err = -EFAULT;
			break;
		}
		folio = folio_walk_start(&fw, vma, addr, 0);
		if (!folio)
			continue;	/* never touched: nothing to move */
		/* The other pages of a large folio find it isolated. */
		if (folio_nid(folio) != nid && !folio_is_zone_device(folio))
			isolate_folio_to_list(folio, folios);
		folio_walk_end(&fw, vma);
	}
	mmap_read_unlock(mm);
	return err;
}

static int mo_example_move(unsigned long start, unsigned long len, int nid,
			   const struct migrate_hint *hint,
			   enum migrate_mode mode)
{
	struct migration_target_control mtc = {
		.nid = nid,
		.gfp_mask = GFP_HIGHUSER_MOVABLE | __GFP_THISNODE,
		.reason = MR_SYSCALL,
	};
	unsigned int moved = 0;
	LIST_HEAD(folios);
	int err, ret;

	if (!PAGE_ALIGNED(start) || !len || start + len < start ||
	    nid < 0 || nid >= nr_node_ids || !node_state(nid, N_MEMORY))
		return -EINVAL;
	/* Folios faulted in just now may still sit in per-CPU LRU batches. */
	lru_add_drain_all();
	err = mo_example_gather(current->mm, start, PAGE_ALIGN(start + len),
				nid, &folios);
	if (list_empty(&folios))
		return err;
	ret = migrate_pages_hint(&folios, alloc_migration_target, NULL,
				 (unsigned long)&mtc, mode, MR_SYSCALL,
				 &moved, hint);
	if (ret)
		putback_movable_pages(&folios);
	WRITE_ONCE(mo_example_moved, moved);
	if (err)
		return err;
	return ret > 0 ? -EAGAIN : ret;
}

/* "<word>" to a hint; @name holds a provider's name. */
static int mo_example_hint(const char *word, struct migrate_hint *hint,
			   struct mo_policy *pol)
{
	int ret = mo_policy_parse(word, strlen(word), pol);

	if (ret)
		return ret;
	hint->type = pol->type;
	hint->provider = pol->name;
	return 0;
}

static ssize_t move_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char buf[96], word[MIGRATE_PROVIDER_NAME_LEN], flag[8] = "";
	enum migrate_mode mode = MIGRATE_SYNC;
	struct migrate_hint hint;
	unsigned long start, len;
	struct mo_policy pol;
	int nid, ret, n;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	n = sscanf(buf, "%31s %d %lx %lx %7s", word, &nid, &start, &len, flag);
	if (n < 4)
		return -EINVAL;
	if (n == 5) {
		if (strcmp(flag, "async"))
			return -EINVAL;
		mode = MIGRATE_ASYNC;
	}
	ret = mo_example_hint(word, &hint, &pol);
	if (!ret)
		ret = mo_example_move(start, len, nid, &hint, mode);
	return ret ? : count;
}

static const struct file_operations move_fops = {
	.write = move_write,
	.llseek = noop_llseek,
};

static ssize_t node_hint_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[64], word[MIGRATE_PROVIDER_NAME_LEN];
	struct migrate_hint hint = { .type = MIGRATE_HINT_DEFAULT };
	struct mo_policy pol;
	int nid, ret = 0;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%d %31s", &nid, word) != 2)
		return -EINVAL;
	if (!strcmp(word, "default")) {
		/* Only a node of a claim: not one the put would warn about. */
		if (nid < 0 || nid >= nr_node_ids || !node_possible(nid))
			return -EINVAL;
		migrate_offload_node_hint_put(nid);
		return count;
	}
	ret = mo_example_hint(word, &hint, &pol);
	if (!ret)
		ret = migrate_offload_node_hint_get(nid, &hint);
	return ret ? : count;
}

static const struct file_operations node_hint_fops = {
	.write = node_hint_write,
	.llseek = noop_llseek,
};

static int moved_get(void *data, u64 *val)
{
	*val = READ_ONCE(mo_example_moved);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(moved_fops, moved_get, NULL, "%llu\n");

static int __init mo_example_init(void)
{
	struct dentry *dir = mo_debugfs;

	debugfs_create_file("move", 0200, dir, NULL, &move_fops);
	debugfs_create_file("node_hint", 0200, dir, NULL, &node_hint_fops);
	debugfs_create_file_unsafe("moved", 0400, dir, NULL, &moved_fops);
	return 0;
}
late_initcall(mo_example_init);
