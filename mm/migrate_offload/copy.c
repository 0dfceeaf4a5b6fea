// SPDX-License-Identifier: GPL-2.0
/*
 * Running a batch down its chain: each provider gets the folios it can
 * take (folio size, node affinity, thresholds), split to its batch
 * limits; what it declines or fails to copy goes to the next one, and
 * the CPU copies whatever is left. Data is never lost: a folio is only
 * reported copied when some provider, or the CPU, copied it.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/timekeeping.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/migrate_offload.h>

static void mo_stat_add(struct migrate_offload_entry *e, enum mo_stat_item i,
			u64 v)
{
	this_cpu_add(e->stats->v[i], v);
}

static bool mo_node_ok(const nodemask_t *nodes,
		       const struct migrate_copy_item *it)
{
	if (nodes_empty(*nodes))
		return true;
	return node_isset(folio_nid(it->src), *nodes) ||
	       node_isset(folio_nid(it->dst), *nodes);
}

/*
 * Providers of kind cpu-threads copy with copy_mc_highpage(), which keeps
 * the architecture's page metadata (arm64's MTE tags) with the data;
 * others (DMA engines) copy the data alone.
 */
static bool mo_copies_whole(const struct migrate_copy_provider *prov,
			    const struct migrate_copy_item *it)
{
	return prov->kind == MIGRATE_COPY_CPU_THREADS ||
	       !arch_folio_needs_cpu_copy(it->src);
}

/* What @src holds, as an index into the per-type counters. */
static unsigned int mo_folio_type(struct folio *src)
{
	struct address_space *mapping;
	enum mo_stat_item type;

	if (folio_test_hugetlb(src)) {
		type = MO_STAT_HUGETLB;
	} else if (folio_test_swapcache(src)) {
		type = MO_STAT_SWAPCACHE;
	} else if (folio_test_anon(src)) {
		type = MO_STAT_ANON;
	} else {
		mapping = folio_mapping(src);
		type = mapping && shmem_mapping(mapping) ? MO_STAT_SHMEM :
			MO_STAT_FILE;
	}
	return type - MO_STAT_ANON;
}

static void mo_stat_add_types(struct migrate_offload_entry *e,
			      const unsigned int *types)
{
	unsigned int t;

	for (t = 0; t < MO_NR_TYPES; t++)
		if (types[t])
			mo_stat_add(e, MO_STAT_ANON + t, types[t]);
}

/* One call into the provider: account for what it did with each folio. */
static void mo_call(struct migrate_offload_entry *e,
		    struct migrate_copy_req *req)
{
	struct migrate_copy_provider *prov = e->prov;
	unsigned int i, copied = 0, declined = 0, failed = 0, recopied = 0;
	unsigned int types[MO_NR_TYPES] = {};
	u64 bytes = 0, t0;

	for (i = 0; i < req->nr; i++)
		req->items[i]->status = -EAGAIN;
	if (prov->caps.may_sleep)
		might_sleep();
	t0 = ktime_get_ns();
	prov->copy(prov, req);
	mo_stat_add(e, MO_STAT_TIME_NS, ktime_get_ns() - t0);

	for (i = 0; i < req->nr; i++) {
		struct migrate_copy_item *it = req->items[i];

		if (!it->status) {
			copied++;
			bytes += folio_size(it->src);
			recopied += !!it->failures;
			types[mo_folio_type(it->src)]++;
			it->by = e;
			continue;
		}
		if (it->status == -EAGAIN || it->status == -EOPNOTSUPP) {
			declined++;
		} else {
			failed++;
			it->failures++;
		}
		/*
		 * Final errors: a memory error in the source (reading the
		 * folio again, by another provider or the CPU, would only
		 * consume the poison again), or an engine that could not be
		 * stopped and may still write the destination (which its
		 * provider keeps). Migration's own error path takes the folio.
		 */
		if (it->status == -EHWPOISON || it->status == -ENOTRECOVERABLE)
			continue;
		/* Not copied: back to "pending" for the rest of the chain. */
		it->status = -EAGAIN;
	}
	mo_stat_add(e, MO_STAT_BATCHES, 1);
	if (mo_in_ahead_worker())
		mo_stat_add(e, MO_STAT_AHEAD, 1);
	mo_stat_add(e, MO_STAT_FOLIOS, copied);
	mo_stat_add_types(e, types);
	mo_stat_add(e, MO_STAT_BYTES, bytes);
	mo_stat_add(e, MO_STAT_DECLINED, declined);
	mo_stat_add(e, MO_STAT_FAILED, failed);
	mo_stat_add(e, MO_STAT_FALLBACKS, declined + failed);
	mo_stat_add(e, MO_STAT_RECOPIED, recopied);
	trace_migrate_offload_copy(e->name, req->nr, req->bytes, copied, failed,
				   declined);
	if (failed)
		trace_migrate_offload_fallback(e->name, failed, "failed");
	if (declined)
		trace_migrate_offload_fallback(e->name, declined, "declined");
}

/* Offer the pending folios of @b that @e can take, in chunks it accepts. */
static void mo_offer(struct migrate_offload_entry *e,
		     struct migrate_copy_batch *b)
{
	const struct migrate_copy_caps *caps = &e->prov->caps;
	unsigned int min_order = READ_ONCE(e->min_folio_order);
	unsigned int max_nr = min_not_zero(READ_ONCE(e->max_batch_folios),
					   caps->max_batch_folios);
	struct migrate_copy_req req = {
		.reason = b->reason,
		.mode = b->mode,
	};
	unsigned int i, nr = 0, start;
	u64 bytes = 0;

	for (i = 0; i < b->nr; i++) {
		struct migrate_copy_item *it = &b->items[i];

		if (it->status != -EAGAIN || folio_order(it->src) < min_order ||
		    !mo_node_ok(caps, it) || !mo_copies_whole(e->prov, it))
			continue;
		b->scratch[nr++] = it;
		bytes += folio_size(it->src);
	}
	if (!nr)
		return;
	if (bytes < READ_ONCE(e->min_batch_bytes)) {
		mo_stat_add(e, MO_STAT_SKIPPED, 1);
		trace_migrate_offload_fallback(e->name, nr, "threshold");
		return;
	}

	for (start = 0; start < nr; start += req.nr) {
		req.items = &b->scratch[start];
		req.nr = 0;
		req.bytes = 0;
		while (start + req.nr < nr && (!max_nr || req.nr < max_nr)) {
			u64 size = folio_size(b->scratch[start + req.nr]->src);

			if (req.nr && caps->max_batch_bytes &&
			    req.bytes + size > caps->max_batch_bytes)
				break;
			req.bytes += size;
			req.nr++;
		}
		mo_call(e, &req);
		cond_resched();
	}
}

/* The end of every chain: the CPU copies what nobody else did. */
static unsigned int mo_cpu_copy_rest(struct migrate_copy_batch *b)
{
	struct migrate_offload_entry *e = mo_cpu_provider.entry;
	unsigned int i, copied = 0, recopied = 0, failed = 0;
	unsigned int types[MO_NR_TYPES] = {};
	u64 bytes = 0, t0 = ktime_get_ns();

	for (i = 0; i < b->nr; i++) {
		struct migrate_copy_item *it = &b->items[i];

		if (it->status != -EAGAIN)
			continue;
		/* -EHWPOISON leaves the folio to migration's own error path. */
		it->status = folio_mc_copy(it->dst, it->src);
		if (it->status) {
			failed++;
			continue;
		}
		copied++;
		recopied += !!it->failures;
		types[mo_folio_type(it->src)]++;
		bytes += folio_size(it->src);
		it->by = e;
		cond_resched();
	}
	if (copied + failed) {
		mo_stat_add(e, MO_STAT_TIME_NS, ktime_get_ns() - t0);
		mo_stat_add(e, MO_STAT_BATCHES, 1);
		mo_stat_add(e, MO_STAT_FOLIOS, copied);
		mo_stat_add(e, MO_STAT_BYTES, bytes);
		mo_stat_add(e, MO_STAT_FAILED, failed);
		mo_stat_add(e, MO_STAT_RECOPIED, recopied);
		mo_stat_add_types(e, types);
	}
	return copied;
}

/**
 * migrate_offload_copy() - copy the contents of a batch of folios
 * @batch: the folios, their migrate reason and the caller's hint
 *
 * Walks the providers inside its own read-side section of mo_srcu: a
 * provider being unregistered waits for the batch, and the batch never
 * writes to the provider list's shared memory.
 *
 * On return every item's status is 0 (copied) or a final error: -EHWPOISON
 * (a memory error in the source, met by a provider or by the final CPU
 * copy, after which nobody reads the folio again) or -ENOTRECOVERABLE (a
 * provider's engine could not be stopped; the folio's move fails). A
 * failing provider costs speed, never data.
 */
void migrate_offload_copy(struct migrate_copy_batch *batch)
{
	struct migrate_offload_entry *chain[MO_MAX_CHAIN];
	unsigned int i, cpu;
	u64 bytes = 0;
	int n, idx;

	for (i = 0; i < batch->nr; i++) {
		batch->items[i].status = -EAGAIN;
		batch->items[i].failures = 0;
		batch->items[i].by = NULL;
		bytes += folio_size(batch->items[i].src);
	}
	trace_migrate_offload_batch_start(batch->nr, bytes, batch->reason,
					  mo_hint_name(batch->hint ?
						       batch->hint->type :
						       MIGRATE_HINT_DEFAULT));
	/* Batches mostly share one destination (move_pages(), mbind and
	 * demotion move to one node at a time): the first folio speaks for it.
	 */
	idx = srcu_read_lock(&mo_srcu);
	n = mo_build_chain(batch->hint, batch->reason,
			   batch->nr ? folio_nid(batch->items[0].dst) :
			   NUMA_NO_NODE, chain);
	for (i = 0; i < n; i++)
		mo_offer(chain[i], batch);
	srcu_read_unlock(&mo_srcu, idx);
	cpu = mo_cpu_copy_rest(batch);
	trace_migrate_offload_batch_end(batch->nr, n, cpu);
}
EXPORT_SYMBOL_GPL(migrate_offload_copy);
