// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing the providers a batch visits: the caller's hint, or the
 * administrator's policy for the migrate reason, selects enabled
 * providers; they are ordered by rating, best first. The built-in "cpu"
 * provider is never part of a chain: it always takes what is left.
 */
#include <linux/export.h>
#include <linux/rculist.h>
#include <linux/string.h>

#include "internal.h"

static bool mo_hint_matches(enum migrate_hint_type type, const char *name,
			    const struct migrate_offload_entry *e,
			    enum migrate_copy_kind kind)
{
	switch (type) {
	case MIGRATE_HINT_ANY:
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
 *
 * Every entry returned holds a reference; drop it with mo_put_entry().
 *
 * Return: the number of entries in @chain.
 */
int mo_build_chain(const struct migrate_hint *hint, enum migrate_reason reason,
		   int nid, struct migrate_offload_entry **chain)
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
	if (type == MIGRATE_HINT_NONE || type >= MIGRATE_HINT_NR_TYPES)
		return 0;

	rcu_read_lock();
	list_for_each_entry_rcu(e, &mo_providers, list) {
		/* Listed entries keep their provider until unregistered. */
		enum migrate_copy_kind kind = e->prov->kind;
		int rating = READ_ONCE(e->rating);

		if (n == MO_MAX_CHAIN)
			break;
		if (kind == MIGRATE_COPY_CPU || !READ_ONCE(e->enabled) ||
		    !mo_hint_matches(type, name, e, kind))
			continue;
		if (!refcount_inc_not_zero(&e->users))
			continue;
		/* Insertion sort: chains are short. */
		for (i = n; i > 0 && READ_ONCE(chain[i - 1]->rating) < rating; i--)
			chain[i] = chain[i - 1];
		chain[i] = e;
		n++;
	}
	rcu_read_unlock();
	return n;
}

/**
 * migrate_offload_wanted() - may a batch of @reason with @hint leave the CPU?
 * @reason: why the folios migrate
 * @hint: the caller's hint, or NULL for the policy of @reason
 *
 * A cheap test that lets migration keep its unchanged per-folio path when
 * no provider is enabled or the hint or policy says "none".
 *
 * Return: true if building a batch for the providers is worth it.
 */
bool migrate_offload_wanted(enum migrate_reason reason,
			    const struct migrate_hint *hint)
{
	struct mo_policy pol;

	if (!migrate_offload_active())
		return false;
	if (hint && hint->type != MIGRATE_HINT_DEFAULT)
		return hint->type != MIGRATE_HINT_NONE;
	mo_policy_get(reason, &pol);
	return pol.type != MIGRATE_HINT_NONE;
}
EXPORT_SYMBOL_GPL(migrate_offload_wanted);
