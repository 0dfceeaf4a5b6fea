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
 *
 * Drivers claim a preference and drop their claim again; claims are
 * counted, so that two CXL regions on one node (one CFMWS window) share
 * it and the first to go does not take it from the other. The
 * administrator's word, once written, stands whatever drivers claim or
 * drop afterwards, until the administrator writes "driver" to hand the
 * node back.
 */
#include <linux/export.h>
#include <linux/nodemask.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "internal.h"
#include "knob.h"

/**
 * struct mo_node_pref - the preference of one node
 * @pol: what batches to the node use: the administrator's, or else the
 *	drivers'
 * @drv: what the drivers claimed (the last claim, when they differ)
 * @claims: drivers holding a claim
 * @admin: @pol is the administrator's
 */
struct mo_node_pref {
	struct mo_policy pol;
	struct mo_policy drv;
	unsigned int claims;
	bool admin;
};

static DEFINE_SEQLOCK(mo_node_seq);
static struct mo_node_pref *mo_node_prefs;	/* nr_node_ids entries */

/**
 * mo_node_policy_get() - the preference of a node
 * @nid: the node; anything not a possible node has none
 * @pol: filled in; %MIGRATE_HINT_DEFAULT when the node has no preference
 */
void mo_node_policy_get(int nid, struct mo_policy *pol)
{
	unsigned int seq;

	if (!mo_node_prefs || nid < 0 || nid >= nr_node_ids) {
		pol->type = MIGRATE_HINT_DEFAULT;
		return;
	}
	do {
		seq = read_seqbegin(&mo_node_seq);
		*pol = mo_node_prefs[nid].pol;
	} while (read_seqretry(&mo_node_seq, seq));
}

static bool mo_node_valid(int nid)
{
	return mo_node_prefs && nid >= 0 && nid < nr_node_ids &&
	       node_possible(nid);
}

/**
 * mo_node_policy_admin() - the administrator's preference for a node
 * @nid: the node
 * @pol: the preference (%MIGRATE_HINT_DEFAULT: none), or NULL to hand
 *	the node back to what drivers claim
 *
 * Return: 0, or -EINVAL for an impossible node or hint type.
 */
int mo_node_policy_admin(int nid, const struct mo_policy *pol)
{
	struct mo_node_pref *p;

	if (!mo_node_valid(nid) || (pol && pol->type >= MIGRATE_HINT_NR_TYPES))
		return -EINVAL;
	p = &mo_node_prefs[nid];
	write_seqlock(&mo_node_seq);
	p->admin = !!pol;
	p->pol = pol ? *pol : p->drv;
	write_sequnlock(&mo_node_seq);
	return 0;
}

/**
 * migrate_offload_node_hint_get() - claim how memory on a node wants copying
 * @nid: the node whose memory the caller owns or brought online
 * @hint: what batches migrating to @nid should use when their caller
 *	gave no hint. A %MIGRATE_HINT_PROVIDER name need not be registered
 *	yet.
 *
 * Meant for the driver that onlines a node's memory (a CXL memory
 * expander asks for %MIGRATE_HINT_DMA), on its online path; it drops the
 * claim with migrate_offload_node_hint_put() when its memory goes away.
 * Claims are counted per node: the preference stays while any driver
 * holds one. Drivers that claim different hints for one node get the
 * last one. A preference the administrator wrote in sysfs stands
 * whatever drivers claim.
 *
 * Context: any context that may take a spinlock.
 * Return: 0, or -EINVAL for an impossible node, hint type or name (the
 * claim is then not taken).
 */
int migrate_offload_node_hint_get(int nid, const struct migrate_hint *hint)
{
	struct mo_policy pol = { .type = hint->type };
	struct mo_node_pref *p;

	if (!mo_node_valid(nid) || hint->type == MIGRATE_HINT_DEFAULT ||
	    hint->type >= MIGRATE_HINT_NR_TYPES)
		return -EINVAL;
	if (hint->type == MIGRATE_HINT_PROVIDER) {
		if (!hint->provider || !hint->provider[0] ||
		    strscpy(pol.name, hint->provider, sizeof(pol.name)) < 0 ||
		    mo_is_hint_word(pol.name))
			return -EINVAL;
	}
	p = &mo_node_prefs[nid];
	write_seqlock(&mo_node_seq);
	p->claims++;
	p->drv = pol;
	if (!p->admin)
		p->pol = pol;
	write_sequnlock(&mo_node_seq);
	return 0;
}
EXPORT_SYMBOL_GPL(migrate_offload_node_hint_get);

/**
 * migrate_offload_node_hint_put() - drop a claim on a node's preference
 * @nid: the node of a claim migrate_offload_node_hint_get() took
 *
 * The last claim gone, the node has no preference from drivers.
 *
 * Context: any context that may take a spinlock.
 */
void migrate_offload_node_hint_put(int nid)
{
	struct mo_node_pref *p;

	if (WARN_ON_ONCE(!mo_node_valid(nid)))
		return;
	p = &mo_node_prefs[nid];
	write_seqlock(&mo_node_seq);
	if (!WARN_ON_ONCE(!p->claims) && !--p->claims) {
		memset(&p->drv, 0, sizeof(p->drv));
		if (!p->admin)
			p->pol = p->drv;
	}
	write_sequnlock(&mo_node_seq);
}
EXPORT_SYMBOL_GPL(migrate_offload_node_hint_put);

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
	ssize_t len;

	mo_node_policy_get(attr_node(attr), &pol);
	len = mo_policy_show(&pol, true, buf);
	/* One more choice, never the current one: hand back to drivers. */
	if (len > 0 && buf[len - 1] == '\n')
		len += sysfs_emit_at(buf, len - 1, " driver\n") - 1;
	return len;
}

/*
 * What policy/<reason> takes, "default" (no preference) or "driver"
 * (whatever the drivers that onlined the node's memory claim).
 */
static ssize_t node_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	static const char * const words[] = { "default", "driver" };
	struct mo_policy pol;
	int ret;

	memset(&pol, 0, sizeof(pol));
	switch (mo_knob_word(buf, count, words, ARRAY_SIZE(words))) {
	case 0:
		ret = mo_node_policy_admin(attr_node(attr), &pol);
		break;
	case 1:
		ret = mo_node_policy_admin(attr_node(attr), NULL);
		break;
	default:
		ret = mo_policy_parse(buf, count, &pol);
		if (!ret)
			ret = mo_node_policy_admin(attr_node(attr), &pol);
	}
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

	mo_node_prefs = kcalloc(nr_node_ids, sizeof(*mo_node_prefs),
				GFP_KERNEL);
	mo_node_attrs = kcalloc(nr_node_ids, sizeof(*mo_node_attrs),
				GFP_KERNEL);
	mo_node_attr_ptrs = kcalloc(nr_node_ids + 1,
				    sizeof(*mo_node_attr_ptrs), GFP_KERNEL);
	if (!mo_node_prefs || !mo_node_attrs || !mo_node_attr_ptrs)
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
	kfree(mo_node_prefs);
	mo_node_prefs = NULL;
	return -ENOMEM;
}
