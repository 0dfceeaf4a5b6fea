// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node preferences: what the memory of a node asks for, whatever
 * the migrate reason. The driver that brings far memory online knows
 * what it is (a CXL expander is best filled and drained by a DMA engine)
 * better than the administrator's per-reason policy can; the
 * administrator sees and can change the choice in
 * /sys/kernel/mm/migration/nodes/node<N>.
 *
 * A batch takes the preference of its destination node. It never
 * overrides a caller's explicit hint, nor a reason whose policy is
 * "none": that is the administrator keeping a latency-bound path on the
 * CPU.
 */
#include <linux/export.h>
#include <linux/nodemask.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"
#include "knob.h"

static DEFINE_SEQLOCK(mo_node_seq);
static struct mo_policy *mo_node_policies;	/* nr_node_ids entries */

/**
 * mo_node_policy_get() - the preference of a node
 * @nid: the node; anything not a possible node has none
 * @pol: filled in; %MIGRATE_HINT_DEFAULT when the node has no preference
 */
void mo_node_policy_get(int nid, struct mo_policy *pol)
{
	unsigned int seq;

	if (!mo_node_policies || nid < 0 || nid >= nr_node_ids) {
		pol->type = MIGRATE_HINT_DEFAULT;
		return;
	}
	do {
		seq = read_seqbegin(&mo_node_seq);
		*pol = mo_node_policies[nid];
	} while (read_seqretry(&mo_node_seq, seq));
}

static int mo_node_policy_set(int nid, const struct mo_policy *pol)
{
	if (!mo_node_policies || nid < 0 || nid >= nr_node_ids ||
	    !node_possible(nid) || pol->type >= MIGRATE_HINT_NR_TYPES)
		return -EINVAL;
	write_seqlock(&mo_node_seq);
	mo_node_policies[nid] = *pol;
	write_sequnlock(&mo_node_seq);
	return 0;
}

/**
 * migrate_offload_set_node_hint() - say how memory on a node wants copying
 * @nid: the node whose memory the caller owns or brought online
 * @hint: what batches migrating to @nid should use when their caller
 *	gave no hint; %MIGRATE_HINT_DEFAULT removes the preference. A
 *	%MIGRATE_HINT_PROVIDER name need not be registered yet.
 *
 * Meant for the driver that onlines a node's memory (a CXL memory
 * expander asks for %MIGRATE_HINT_DMA), on its online path, and to
 * remove again when the memory goes away. The administrator can change
 * it in sysfs afterwards; the last writer wins.
 *
 * Context: any context that may take a spinlock.
 * Return: 0, or -EINVAL for an impossible node, hint type or name.
 */
int migrate_offload_set_node_hint(int nid, const struct migrate_hint *hint)
{
	struct mo_policy pol = { .type = hint->type };

	if (hint->type == MIGRATE_HINT_PROVIDER) {
		if (!hint->provider || !hint->provider[0] ||
		    strscpy(pol.name, hint->provider, sizeof(pol.name)) < 0 ||
		    mo_is_hint_word(pol.name))
			return -EINVAL;
	}
	return mo_node_policy_set(nid, &pol);
}
EXPORT_SYMBOL_GPL(migrate_offload_set_node_hint);

/* nodes/node<N>: one attribute per possible node. */
static struct kobj_attribute *mo_node_attrs;
static struct attribute **mo_node_attr_ptrs;

static int attr_node(struct kobj_attribute *attr)
{
	return attr - mo_node_attrs;
}

static ssize_t node_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct mo_policy pol;

	mo_node_policy_get(attr_node(attr), &pol);
	return mo_policy_show(&pol, true, buf);
}

/* What policy/<reason> takes, or "default": no preference. */
static ssize_t node_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	static const char * const def[] = { "default" };
	struct mo_policy pol;
	int ret;

	if (mo_knob_word(buf, count, def, ARRAY_SIZE(def)) >= 0) {
		memset(&pol, 0, sizeof(pol));
		ret = 0;
	} else {
		ret = mo_policy_parse(buf, count, &pol);
	}
	if (!ret)
		ret = mo_node_policy_set(attr_node(attr), &pol);
	return ret ? : count;
}

static struct attribute_group mo_node_group = {
	.name = "nodes",
};

/**
 * mo_node_policy_init() - create nodes/ below the migration directory
 * @root: /sys/kernel/mm/migration
 *
 * Return: 0 or a negative errno.
 */
int mo_node_policy_init(struct kobject *root)
{
	int nid, n = 0;

	mo_node_policies = kcalloc(nr_node_ids, sizeof(*mo_node_policies),
				   GFP_KERNEL);
	mo_node_attrs = kcalloc(nr_node_ids, sizeof(*mo_node_attrs),
				GFP_KERNEL);
	mo_node_attr_ptrs = kcalloc(nr_node_ids + 1,
				    sizeof(*mo_node_attr_ptrs), GFP_KERNEL);
	if (!mo_node_policies || !mo_node_attrs || !mo_node_attr_ptrs)
		goto free_arrays;
	for_each_node(nid) {
		struct kobj_attribute *a = &mo_node_attrs[nid];

		sysfs_attr_init(&a->attr);
		a->attr.name = kasprintf(GFP_KERNEL, "node%d", nid);
		if (!a->attr.name)
			goto free_names;
		a->attr.mode = 0644;
		a->show = node_show;
		a->store = node_store;
		mo_node_attr_ptrs[n++] = &a->attr;
	}
	mo_node_group.attrs = mo_node_attr_ptrs;
	return sysfs_create_group(root, &mo_node_group);

	/* Built-in and called once at boot: nothing else to undo. */
free_names:
	while (n--)
		kfree(mo_node_attr_ptrs[n]->name);
free_arrays:
	kfree(mo_node_attr_ptrs);
	kfree(mo_node_attrs);
	kfree(mo_node_policies);
	mo_node_policies = NULL;
	return -ENOMEM;
}
