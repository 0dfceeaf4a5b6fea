// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes the dmaengine provider took on for each cgroup: an engine's time
 * is not CPU time, so no cgroup controller charges it, but an
 * administrator sharing engines between tenants wants to see who used
 * them. debugfs migrate_dma/cgroup_bytes lists, per cgroup (by id and
 * path), the bytes of the batches submitted on behalf of its tasks.
 *
 * Counted in the copy path, which must not allocate or wait: a fixed
 * table of cgroup ids, filled with cmpxchg and probed linearly. Once
 * it is full, further cgroups count under "other". An id stays in the
 * table after its cgroup is gone (shown as such): ids are never reused.
 */
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/cgroup.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "dma.h"

#define MDMA_CG_BITS	6
#define MDMA_CG_SLOTS	BIT(MDMA_CG_BITS)

struct mdma_cg_slot {
	atomic64_t id;		/* cgroup id, 0 while free */
	atomic64_t bytes;
};

static struct mdma_cg_slot mdma_cg[MDMA_CG_SLOTS];
static atomic64_t mdma_cg_other = ATOMIC64_INIT(0);

/* The id of the caller's cgroup on the default hierarchy (1 for root). */
static u64 mdma_cg_current(void)
{
	u64 id = 1;

#ifdef CONFIG_CGROUPS
	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
#endif
	return id;
}

/**
 * mdma_cg_account() - count bytes handed to the engines for the caller
 * @bytes: the bytes of a batch just submitted
 */
void mdma_cg_account(u64 bytes)
{
	u64 id = mdma_cg_current();
	unsigned int h = hash_64(id, MDMA_CG_BITS), i;

	for (i = 0; i < MDMA_CG_SLOTS; i++) {
		struct mdma_cg_slot *s = &mdma_cg[(h + i) % MDMA_CG_SLOTS];
		s64 cur = atomic64_read(&s->id);

		if (!cur && atomic64_try_cmpxchg(&s->id, &cur, id))
			cur = id;
		if (cur == id) {
			atomic64_add(bytes, &s->bytes);
			return;
		}
	}
	atomic64_add(bytes, &mdma_cg_other);
}

static int mdma_cg_show(struct seq_file *m, void *v)
{
	char *path = kmalloc(PATH_MAX, GFP_KERNEL);
	unsigned int i;

	if (!path)
		return -ENOMEM;
	seq_puts(m, "id bytes path\n");
	for (i = 0; i < MDMA_CG_SLOTS; i++) {
		u64 id = atomic64_read(&mdma_cg[i].id);
		struct cgroup *cg __maybe_unused;

		if (!id)
			continue;
		strscpy(path, "(gone)", PATH_MAX);
#ifdef CONFIG_CGROUPS
		cg = cgroup_get_from_id(id);
		if (!IS_ERR(cg)) {
			if (cgroup_path(cg, path, PATH_MAX) < 0)
				strscpy(path, "?", PATH_MAX);
			cgroup_put(cg);
		}
#endif
		seq_printf(m, "%llu %lld %s\n", id,
			   atomic64_read(&mdma_cg[i].bytes), path);
	}
	seq_printf(m, "other %lld -\n", atomic64_read(&mdma_cg_other));
	kfree(path);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mdma_cg);

void mdma_cg_debugfs(struct dentry *dir)
{
	debugfs_create_file("cgroup_bytes", 0400, dir, NULL, &mdma_cg_fops);
}
