// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing the providers a batch visits: the caller's hint, or the
 * administrator's policy for the migrate reason, selects enabled
 * providers; they are ordered by rating, best first. The built-in "cpu"
 * provider is never part of a chain: it always takes what is left.
 */
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/rculist.h>
#include <linux/string.h>

#include "internal.h"

static bool mo_hint_matches(enum migrate_hint_type type, const char *name,
			    const struct migrate_offload_entry *e,
			    enum migrate_offload_kind kind)
{
	switch (type) {
	case MIGRATE_HINT_ANY:
	case MIGRATE_HINT_AUTO:
		return true;
	case MIGRATE_HINT_CPU_THREADS:
		return kind == MIGRATE_COPY_CPU_THREADS;
	case MIGRATE_HINT_DMA:
		return kind == MIGRATE_COPY_DMA;
	case MIGRATE_HINT_PROVIDER:
		return name && !strcmp(name, e->name);
	default:
		return false;
	}
}

/**
 * mo_build_chain() - the providers a batch goes to before the CPU
 * @hint: the caller's hint, or NULL for the policy of @reason
 * @reason: why the folios migrate
 * @nid: the batch's destination node, whose preference (if any) stands
 *	in for the policy of @reason unless that policy is "none"
 * @chain: filled with up to %MO_MAX_CHAIN entries, best rated first
 * @type_out: set, unless NULL, to the hint type the chain was built for
 *	(the policy's or the node's when @hint is NULL or the default)
 *
 * Called inside a read-side section of mo_srcu, which keeps the entries
 * returned valid until it ends.
 *
 * Return: the number of entries in @chain.
 */
int mo_build_chain(const struct migrate_hint *hint, enum migrate_reason reason,
		   int nid, struct migrate_offload_entry **chain,
		   enum migrate_hint_type *type_out)
{
	enum migrate_hint_type type = hint ? hint->type : MIGRATE_HINT_DEFAULT;
	const char *name = hint ? hint->provider : NULL;
	struct migrate_offload_entry *e;
	struct mo_policy pol;
	int n = 0, i;

	if (type == MIGRATE_HINT_DEFAULT) {
		mo_policy_get(reason, &pol);
		if (pol.type != MIGRATE_HINT_NONE) {
			struct mo_policy node;

			mo_node_policy_get(nid, &node);
			if (node.type != MIGRATE_HINT_DEFAULT)
				pol = node;
		}
		type = pol.type;
		name = pol.name;
	}
	if (type_out)
		*type_out = type;
	if (type == MIGRATE_HINT_NONE || type >= MIGRATE_HINT_NR_TYPES)
		return 0;

	list_for_each_entry_srcu(e, &mo_providers, list,
				 srcu_read_lock_held(&mo_srcu)) {
		/* Listed entries keep their provider until unregistered. */
		enum migrate_offload_kind kind = e->prov->kind;
		int rating = READ_ONCE(e->rating);

		if (kind == MIGRATE_COPY_CPU || !READ_ONCE(e->enabled) ||
		    !mo_hint_matches(type, name, e, kind))
			continue;
		/* A full chain keeps the best rated: the lowest makes room. */
		if (n == MO_MAX_CHAIN) {
			if (READ_ONCE(chain[n - 1]->rating) >= rating)
				continue;
			n--;
		}
		/* Insertion sort: chains are short. */
		for (i = n; i > 0 && READ_ONCE(chain[i - 1]->rating) < rating; i--)
			chain[i] = chain[i - 1];
		chain[i] = e;
		n++;
	}
	return n;
}

/*
 * Under "auto", the smallest folio order for which some provider of
 * @chain might beat the CPU on a full batch, on any path (the sources
 * are not known yet); above the last order when none might, and the
 * batch is not built.
 */
static unsigned int mo_auto_min_order(struct migrate_offload_entry **chain,
				      int n)
{
	u64 budget = READ_ONCE(mo_batch_bytes), bytes;
	unsigned int size, path, order;
	int i;

	for (size = 0; size < MO_COST_SIZES; size++) {
		order = mo_cost_class_min_order(size);
		bytes = min_t(u64, budget, (u64)MIGRATE_COPY_BATCH_MAX *
					   (PAGE_SIZE << order));
		for (path = 0; path < MO_COST_PATHS; path++)
			for (i = 0; i < n; i++)
				if (mo_cost_may_win(chain[i],
						    mo_cost_cell(size, path),
						    bytes))
					return order;
	}
	return MAX_PAGE_ORDER + 1;
}

/* The least a provider of @chain takes: a batch below it goes nowhere. */
static void mo_chain_floor(struct migrate_offload_entry **chain, int n,
			   enum migrate_hint_type type,
			   struct migrate_offload_floor *floor)
{
	bool by_cost = type == MIGRATE_HINT_AUTO;
	int i;

	floor->min_order = MAX_PAGE_ORDER + 1;
	floor->min_bytes = U64_MAX;
	/* Only the first provider is sure to be offered every part. */
	floor->ahead = n && chain[0]->prov->caps.copies_ahead &&
		       mo_may_copy_ahead();
	for (i = 0; i < n; i++) {
		floor->min_order = min(floor->min_order,
				       mo_min_order(chain[i], by_cost));
		floor->min_bytes = min(floor->min_bytes,
				       mo_min_bytes(chain[i], by_cost));
	}
	if (by_cost)
		floor->min_order = max(floor->min_order,
				       mo_auto_min_order(chain, n));
}

/**
 * migrate_offload_wanted() - may a batch of @reason with @hint leave the CPU?
 * @reason: why the folios migrate
 * @hint: the caller's hint, or NULL for the policy of @reason
 * @nid: the batch's destination node, or %NUMA_NO_NODE
 * @floor: set, when it returns true, to the least the providers the
 *	batch would visit take
 *
 * Lets migration keep its unchanged per-folio path when no provider is
 * enabled, the hint or policy says "none", or no enabled provider
 * matches them; and lets it leave out of the batch the folios no
 * provider would take. Under "auto", folio sizes no provider is predicted
 * to copy faster than the CPU stay out too, and when that is all of them
 * the batch is not built. Walks the providers without writing to memory
 * other CPUs share.
 *
 * Return: true if building a batch for the providers may be worth it.
 */
bool migrate_offload_wanted(enum migrate_reason reason,
			    const struct migrate_hint *hint, int nid,
			    struct migrate_offload_floor *floor)
{
	struct migrate_offload_entry *chain[MO_MAX_CHAIN];
	enum migrate_hint_type type;
	int n, idx;

	if (!migrate_offload_active())
		return false;
	if (hint && hint->type == MIGRATE_HINT_NONE)
		return false;
	idx = srcu_read_lock(&mo_srcu);
	n = mo_build_chain(hint, reason, nid, chain, &type);
	mo_chain_floor(chain, n, type, floor);
	srcu_read_unlock(&mo_srcu, idx);
	return n > 0 && floor->min_order <= MAX_PAGE_ORDER;
}

/**
 * migrate_offload_batch_pages() - how deep a batch of @reason may be
 * @reason: why the folios migrate
 * @hint: the caller's hint, or NULL for the policy of @reason
 * @min_order: set to the smallest folio order a provider would take
 *
 * When some provider may take the folios, migrate_pages() puts up to
 * the batch byte budget (/sys/kernel/mm/migration/batch_bytes) of folios
 * of at least @min_order into one batch, so that one provider call (one
 * wake-up of the helper threads, one round of DMA submissions spread
 * over all channels) covers several large folios.
 *
 * Return: the budget in pages, or 0 when batches stay as they are.
 */
unsigned long migrate_offload_batch_pages(enum migrate_reason reason,
					  const struct migrate_hint *hint,
					  unsigned int *min_order)
{
	struct migrate_offload_floor floor;

	if (!migrate_offload_wanted(reason, hint, NUMA_NO_NODE, &floor))
		return 0;
	*min_order = floor.min_order;
	return READ_ONCE(mo_batch_bytes) >> PAGE_SHIFT;
}
