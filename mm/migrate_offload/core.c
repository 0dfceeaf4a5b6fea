// SPDX-License-Identifier: GPL-2.0
/*
 * Registry of migration copy providers.
 *
 * Providers register with a name, a kind, a rating and capabilities; the
 * core keeps an entry for each (its sysfs directory, thresholds, stats)
 * that may outlive the provider's module. The built-in "cpu" provider is
 * registered first, cannot be disabled and ends every chain.
 *
 * Lifetime: the copy path walks the list and uses the entries it finds
 * inside one SRCU read-side section (mo_srcu) per batch, which costs a
 * per-CPU counter, not an atomic on a cache line every CPU shares.
 * Unregistering removes the entry from the list and waits for the SRCU
 * grace period: after it no batch can use the entry, and the provider's
 * module may go away. The entry itself lives on until its kobject is
 * released.
 */
#define pr_fmt(fmt) "migrate_offload: " fmt

#include <linux/ctype.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>

#include "internal.h"

/* Serialises registration, enabling, and sysfs walks of the list. */
DEFINE_MUTEX(mo_lock);
LIST_HEAD(mo_providers);
DEFINE_SRCU(mo_srcu);

/* On while some provider other than "cpu" is enabled. */
static DEFINE_STATIC_KEY_FALSE(mo_active_key);
static unsigned int mo_nr_offloaders;

static const char * const mo_kind_names[MIGRATE_COPY_NR_KINDS] = {
	[MIGRATE_COPY_CPU] = "cpu",
	[MIGRATE_COPY_CPU_THREADS] = "cpu-threads",
	[MIGRATE_COPY_DMA] = "dma",
};

const char *mo_kind_name(enum migrate_offload_kind kind)
{
	return kind < MIGRATE_COPY_NR_KINDS ? mo_kind_names[kind] : "?";
}

/**
 * migrate_offload_active() - may a batch go anywhere but the CPU?
 *
 * Return: true while at least one provider other than "cpu" is enabled.
 * When false, migration takes its unchanged per-folio path.
 */
bool migrate_offload_active(void)
{
	return static_branch_unlikely(&mo_active_key);
}

struct migrate_offload_entry *mo_find_locked(const char *name)
{
	struct migrate_offload_entry *e;

	lockdep_assert_held(&mo_lock);
	list_for_each_entry(e, &mo_providers, list)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* Keep the static key in step with the number of enabled offloaders. */
int mo_set_enabled(struct migrate_offload_entry *e, bool enable)
{
	lockdep_assert_held(&mo_lock);
	if (e->dead)
		return -ENODEV;
	if (e->prov->kind == MIGRATE_COPY_CPU)
		return enable ? 0 : -EINVAL;
	if (e->enabled == enable)
		return 0;
	if (enable && mo_batches_alloc())
		return -ENOMEM;
	if (enable && e->prov->enable) {
		int ret = e->prov->enable(e->prov, true);

		if (ret)
			return ret;
	}
	WRITE_ONCE(e->enabled, enable);
	if (enable && mo_nr_offloaders++ == 0)
		static_branch_enable(&mo_active_key);
	else if (!enable && --mo_nr_offloaders == 0)
		static_branch_disable(&mo_active_key);
	if (!enable && e->prov->enable)
		e->prov->enable(e->prov, false);
	return 0;
}

void mo_stats_read(struct migrate_offload_entry *e, struct mo_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct mo_stats *s = per_cpu_ptr(e->stats, cpu);

		for (i = 0; i < MO_NR_STATS; i++)
			sum->v[i] += READ_ONCE(s->v[i]);
		for (i = 0; i < MO_NR_WINDOWS; i++)
			sum->window[i] += READ_ONCE(s->window[i]);
	}
}

static bool mo_name_valid(const char *name)
{
	size_t len = name ? strnlen(name, MIGRATE_PROVIDER_NAME_LEN) : 0;
	size_t i;

	if (!len || len == MIGRATE_PROVIDER_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    name[i] != '-' && name[i] != '_')
			return false;
	/* Policy words must stay unambiguous. */
	return !mo_is_hint_word(name);
}

/**
 * migrate_offload_register() - make a copy provider available
 * @prov: the provider; it must stay valid until unregistered
 *
 * The provider starts disabled (the built-in "cpu" one excepted): the
 * administrator enables it in /sys/kernel/mm/migration/providers/NAME/.
 * A provider may enable itself through its module parameters.
 *
 * Return: 0, -EINVAL for a bad name, kind or capabilities, -EEXIST if
 * the name is taken, -ENOMEM.
 */
int migrate_offload_register(struct migrate_offload_provider *prov)
{
	struct migrate_offload_entry *e;
	int ret;

	if (!mo_name_valid(prov->name) ||
	    (!prov->copy && prov != &mo_cpu_provider) ||
	    (prov->submit && (!prov->copy || !prov->wait || !prov->finish)) ||
	    prov->kind >= MIGRATE_COPY_NR_KINDS ||
	    (prov->kind == MIGRATE_COPY_CPU && prov != &mo_cpu_provider) ||
	    prov->caps.min_folio_order > MAX_PAGE_ORDER ||
	    prov->thresholds.min_folio_order > MAX_PAGE_ORDER)
		return -EINVAL;

	e = kzalloc_obj(*e, GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->stats = alloc_percpu(struct mo_stats);
	if (!e->stats) {
		kfree(e);
		return -ENOMEM;
	}
	strscpy(e->name, prov->name);
	e->prov = prov;
	e->rating = prov->rating;
	e->min_folio_auto = true;
	e->min_batch_auto = true;
	e->max_batch_folios = prov->caps.max_batch_folios;
	seqlock_init(&e->nodes_seq);
	e->nodes = prov->caps.nodes;
	e->enabled = prov->kind == MIGRATE_COPY_CPU;
	mo_cost_init_entry(e);

	mutex_lock(&mo_lock);
	if (mo_find_locked(prov->name)) {
		ret = -EEXIST;
		goto err;
	}
	ret = mo_sysfs_add(e);
	if (ret) {
		/* The kobject owns the entry now; its release frees it. */
		mutex_unlock(&mo_lock);
		return ret;
	}
	prov->entry = e;
	list_add_tail_rcu(&e->list, &mo_providers);
	mutex_unlock(&mo_lock);
	pr_info("provider %s (%s, rating %d) registered\n", prov->name,
		mo_kind_name(prov->kind), prov->rating);
	return 0;
err:
	mutex_unlock(&mo_lock);
	mo_entry_release(e);
	return ret;
}
EXPORT_SYMBOL_GPL(migrate_offload_register);

/**
 * migrate_offload_enable() - enable or disable a provider from its driver
 * @prov: a registered provider
 * @enable: the new state
 *
 * For a driver's own module parameter; the administrator uses sysfs.
 *
 * Return: 0, or -EINVAL for the "cpu" provider, -ENODEV once unregistered.
 */
int migrate_offload_enable(struct migrate_offload_provider *prov, bool enable)
{
	int ret = -ENODEV;

	mutex_lock(&mo_lock);
	if (prov->entry)
		ret = mo_set_enabled(prov->entry, enable);
	mutex_unlock(&mo_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(migrate_offload_enable);

/**
 * migrate_offload_unregister() - take a copy provider away
 * @prov: a registered provider
 *
 * Waits until no batch uses the provider any more; the folios of batches
 * that would have gone to it take the rest of their chain. Safe to call
 * from module exit while migrations run.
 */
void migrate_offload_unregister(struct migrate_offload_provider *prov)
{
	struct migrate_offload_entry *e = prov->entry;

	if (WARN_ON(!e || prov == &mo_cpu_provider))
		return;
	mutex_lock(&mo_lock);
	mo_set_enabled(e, false);
	e->dead = true;
	list_del_rcu(&e->list);
	mutex_unlock(&mo_lock);

	/* The batches that found the entry are done after this. */
	synchronize_srcu(&mo_srcu);

	/* Drains sysfs readers and writers, then drops the kobject. */
	pr_info("provider %s unregistered\n", e->name);
	mo_sysfs_del(e);
	prov->entry = NULL;
}
EXPORT_SYMBOL_GPL(migrate_offload_unregister);

/**
 * migrate_offload_set_nodes() - change the nodes a provider serves well
 * @prov: a registered provider
 * @nodes: its new node affinity; empty for every node
 *
 * For providers whose affinity follows what they hold, e.g. the nodes of
 * the DMA engines a provider has channels on. Batches read the set
 * without a lock, so a nodemask of MAX_NUMNODES bits is never seen half
 * written: they see the old set or the new one. Any context; it neither
 * sleeps nor waits for batches.
 */
void migrate_offload_set_nodes(struct migrate_offload_provider *prov,
			       const nodemask_t *nodes)
{
	struct migrate_offload_entry *e = prov->entry;

	if (WARN_ON_ONCE(!e))
		return;
	write_seqlock(&e->nodes_seq);
	e->nodes = *nodes;
	write_sequnlock(&e->nodes_seq);
}
EXPORT_SYMBOL_GPL(migrate_offload_set_nodes);

/* A consistent copy of @e's nodes; lockless, for the copy path. */
void mo_nodes_read(struct migrate_offload_entry *e, nodemask_t *nodes)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&e->nodes_seq);
		*nodes = e->nodes;
	} while (read_seqretry(&e->nodes_seq, seq));
}

void mo_entry_release(struct migrate_offload_entry *e)
{
	free_percpu(e->stats);
	kfree(e);
}
