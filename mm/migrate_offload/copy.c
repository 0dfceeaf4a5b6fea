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

/* Whether @it has a side on @nodes, which is not empty (no affinity). */
static bool mo_node_ok(const nodemask_t *nodes,
		       const struct migrate_offload_item *it)
{
	return node_isset(folio_nid(it->src), *nodes) ||
	       node_isset(folio_nid(it->dst), *nodes);
}

/*
 * Providers of kind cpu-threads copy with copy_mc_highpage(), which keeps
 * the architecture's page metadata (arm64's MTE tags) with the data;
 * others (DMA engines) copy the data alone.
 */
static bool mo_copies_whole(const struct migrate_offload_provider *prov,
			    const struct migrate_offload_item *it)
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

/* What a provider did with some folios, for its counters and traces. */
struct mo_tally {
	unsigned int copied, declined, failed, recopied, busy;
	unsigned int types[MO_NR_TYPES];
	u64 bytes;
};

/*
 * Account for what @e did with @it. A folio it did not copy goes back to
 * "pending" for the rest of the chain, unless its error is final.
 */
static void mo_settle(struct migrate_offload_entry *e,
		      struct migrate_offload_item *it, struct mo_tally *t)
{
	if (!it->status) {
		t->copied++;
		t->bytes += folio_size(it->src);
		t->recopied += !!it->failures;
		t->types[mo_folio_type(it->src)]++;
		it->by = e;
		return;
	}
	if (it->status == -EBUSY) {
		t->busy++;
	} else if (it->status == -EAGAIN || it->status == -EOPNOTSUPP) {
		t->declined++;
	} else {
		t->failed++;
		it->failures++;
	}
	/*
	 * Final errors: a memory error in the source (reading the folio
	 * again, by another provider or the CPU, would only consume the
	 * poison again), or an engine that could not be stopped and may
	 * still write the destination (which its provider keeps).
	 * Migration's own error path takes the folio.
	 */
	if (it->status == -EHWPOISON || it->status == -ENOTRECOVERABLE)
		return;
	it->status = -EAGAIN;
}

static void mo_tally_add(struct migrate_offload_entry *e,
			 const struct mo_tally *t)
{
	mo_stat_add(e, MO_STAT_FOLIOS, t->copied);
	mo_stat_add_types(e, t->types);
	mo_stat_add(e, MO_STAT_BYTES, t->bytes);
	mo_stat_add(e, MO_STAT_DECLINED, t->declined);
	mo_stat_add(e, MO_STAT_BUSY, t->busy);
	mo_stat_add(e, MO_STAT_FAILED, t->failed);
	mo_stat_add(e, MO_STAT_FALLBACKS, t->declined + t->failed + t->busy);
	mo_stat_add(e, MO_STAT_RECOPIED, t->recopied);
}

/* The end of a provider call: its counters and trace events. */
static void mo_call_done(struct migrate_offload_entry *e,
			 const struct migrate_offload_req *req,
			 unsigned int copied, unsigned int failed,
			 unsigned int declined, u64 t0)
{
	mo_stat_add(e, MO_STAT_TIME_NS, ktime_get_ns() - t0);
	mo_stat_add(e, MO_STAT_BATCHES, 1);
	if (mo_in_ahead_worker())
		mo_stat_add(e, MO_STAT_AHEAD, 1);
	trace_migrate_offload_copy(e->name, req->nr, req->bytes, copied, failed,
				   declined);
	if (failed)
		trace_migrate_offload_fallback(e->name, failed, "failed");
	if (declined)
		trace_migrate_offload_fallback(e->name, declined, "declined");
}

/*
 * The cost class of @nr folios of @bytes from @first on, whose path
 * stands for the path of them all.
 */
static unsigned int mo_class_of(const struct migrate_offload_item *first,
				unsigned int nr, u64 bytes)
{
	return mo_cost_class(nr, bytes, folio_nid(first->src),
			     folio_nid(first->dst));
}

/*
 * Teach the cost model what a call of @e in class @c cost its caller:
 * @ns, plus the CPU's price for the bytes it did not copy (the CPU copies
 * them again). A call it refused whole as busy says nothing of its speed.
 */
static void mo_call_cost(struct migrate_offload_entry *e,
			 const struct migrate_offload_req *req, unsigned int c,
			 u64 copied_bytes, unsigned int busy, u64 ns)
{
	if (busy == req->nr)
		return;
	ns += mo_cost_predict(mo_cpu_provider.entry, c,
			      req->bytes - copied_bytes);
	mo_cost_sample(e, c, req->bytes, ns);
}

/* One call into the provider: account for what it did with each folio. */
static void mo_call(struct migrate_offload_entry *e,
		    struct migrate_offload_req *req)
{
	struct migrate_offload_provider *prov = e->prov;
	struct mo_tally t = {};
	unsigned int i;
	u64 t0;

	/* Every item is pending (-EAGAIN): mo_pick() took no other. */
	might_sleep();
	t0 = ktime_get_ns();
	prov->copy(prov, req);
	for (i = 0; i < req->nr; i++)
		mo_settle(e, req->items[i], &t);
	mo_tally_add(e, &t);
	mo_call_cost(e, req, mo_class_of(req->items[0], req->nr, req->bytes),
		     t.bytes, t.busy, ktime_get_ns() - t0);
	mo_call_done(e, req, t.copied, t.failed, t.declined + t.busy, t0);
}

/*
 * "auto": only a provider predicted to beat the CPU gets @nr folios of
 * @bytes. Asked once per offer: the answer moves the model's retry and
 * refresh counters, so asking twice would skip a retry.
 */
static bool mo_cost_ok(struct migrate_offload_entry *e,
		       const struct migrate_offload_item *first,
		       unsigned int nr, u64 bytes)
{
	if (mo_cost_choose(e, mo_class_of(first, nr, bytes), bytes))
		return true;
	mo_stat_add(e, MO_STAT_COST, 1);
	trace_migrate_offload_fallback(e->name, nr, "cost");
	return false;
}

/*
 * The pending folios of @b that @e takes (folio size, node affinity,
 * whole copies), into @out, and their bytes into @bytes, with the
 * thresholds of the "auto" policy when @by_cost. Returns how many, or 0
 * when none or when they add up to less than @e's threshold.
 */
static unsigned int mo_pick(struct migrate_offload_entry *e,
			    struct migrate_offload_batch *b, bool by_cost,
			    struct migrate_offload_item **out, u64 *bytes)
{
	unsigned int min_order = mo_min_order(e, by_cost);
	unsigned int i, order, nr = 0;
	nodemask_t nodes;
	bool anywhere;

	*bytes = 0;
	mo_nodes_read(e, &nodes);
	anywhere = nodes_empty(nodes);
	for (i = 0; i < b->nr; i++) {
		struct migrate_offload_item *it = &b->items[i];

		if (it->status != -EAGAIN)
			continue;
		order = folio_order(it->src);
		if (order < min_order || (!anywhere && !mo_node_ok(&nodes, it)) ||
		    !mo_copies_whole(e->prov, it))
			continue;
		out[nr++] = it;
		*bytes += PAGE_SIZE << order;
	}
	if (nr && *bytes < mo_min_bytes(e, by_cost)) {
		mo_stat_add(e, MO_STAT_SKIPPED, 1);
		trace_migrate_offload_fallback(e->name, nr, "threshold");
		return 0;
	}
	return nr;
}

static unsigned int mo_max_nr(struct migrate_offload_entry *e)
{
	return min_not_zero(READ_ONCE(e->max_batch_folios),
			    e->prov->caps.max_batch_folios);
}

/* Offer the pending folios of @b that @e can take, in chunks it accepts. */
static void mo_offer(struct migrate_offload_entry *e,
		     struct migrate_offload_batch *b, bool by_cost)
{
	const struct migrate_offload_caps *caps = &e->prov->caps;
	unsigned int max_nr = mo_max_nr(e);
	struct migrate_offload_req req = {
		.reason = b->reason,
		.mode = b->mode,
	};
	unsigned int nr, start;
	u64 bytes;

	nr = mo_pick(e, b, by_cost, b->scratch, &bytes);
	if (nr && by_cost && !mo_cost_ok(e, b->scratch[0], nr, bytes))
		return;
	/* Most often all of them fit in one call: no second walk. */
	if (nr && (!max_nr || nr <= max_nr) &&
	    (!caps->max_batch_bytes || bytes <= caps->max_batch_bytes)) {
		req.items = b->scratch;
		req.nr = nr;
		req.bytes = bytes;
		mo_call(e, &req);
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

/*
 * The CPU copies @it; what it did goes into @t, as for any provider.
 * -EHWPOISON, its only error, is final: migration's own error path
 * takes the folio.
 */
static void mo_cpu_copy_item(struct migrate_offload_item *it, struct mo_tally *t)
{
	it->status = folio_mc_copy(it->dst, it->src);
	mo_settle(mo_cpu_provider.entry, it, t);
}

static void mo_cpu_done(const struct mo_tally *t,
			const struct migrate_offload_item *first, u64 t0)
{
	struct migrate_offload_entry *e = mo_cpu_provider.entry;

	if (!(t->copied + t->failed))
		return;
	mo_stat_add(e, MO_STAT_TIME_NS, ktime_get_ns() - t0);
	mo_stat_add(e, MO_STAT_BATCHES, 1);
	mo_stat_add(e, MO_STAT_FOLIOS, t->copied);
	mo_stat_add(e, MO_STAT_BYTES, t->bytes);
	mo_stat_add(e, MO_STAT_FAILED, t->failed);
	mo_stat_add(e, MO_STAT_RECOPIED, t->recopied);
	mo_stat_add_types(e, t->types);
	if (t->copied)
		mo_cost_sample(e, mo_class_of(first, t->copied, t->bytes),
			       t->bytes, ktime_get_ns() - t0);
}

/* The end of every chain: the CPU copies what nobody else did. */
static unsigned int mo_cpu_copy_rest(struct migrate_offload_batch *b)
{
	struct migrate_offload_item *first = NULL;
	struct mo_tally t = {};
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < b->nr; i++) {
		if (b->items[i].status != -EAGAIN)
			continue;
		if (!first)
			first = &b->items[i];
		mo_cpu_copy_item(&b->items[i], &t);
		cond_resched();
	}
	mo_cpu_done(&t, first, t0);
	return t.copied;
}

/* A folio whose streamed copy failed: the CPU copies it before its commit. */
static void mo_cpu_copy_one(struct migrate_offload_item *it)
{
	struct mo_tally t = {};
	u64 t0 = ktime_get_ns();

	mo_cpu_copy_item(it, &t);
	mo_cpu_done(&t, it, t0);
}

/* Account for one folio of a stream, once its copy is over. */
static void mo_stream_settle(struct migrate_offload_stream *st,
			     struct migrate_offload_item *it)
{
	struct mo_tally t = {};

	mo_settle(st->by, it, &t);
	mo_tally_add(st->by, &t);
	st->copied += t.copied;
	st->copied_bytes += t.bytes;
	st->failed += t.failed;
	st->declined += t.declined + t.busy;
	st->busy += t.busy;
}

/*
 * Start @e's copy of what it takes of @b, and return while its engine
 * copies: migration commits each folio as soon as its own copy is over
 * (migrate_offload_copy_folio()). What @e did not start goes on down the
 * chain at once. A stream is one call, so a provider whose limits would
 * split the folios is offered them the usual way instead.
 *
 * Return: false when @e must be offered the folios the usual way.
 */
static bool mo_stream_start(struct migrate_offload_entry *e,
			    struct migrate_offload_batch *b, bool by_cost)
{
	const struct migrate_offload_caps *caps = &e->prov->caps;
	struct migrate_offload_stream *st = &b->stream;
	unsigned int max_nr = mo_max_nr(e), i, nr, busy = 0;
	u64 bytes;

	/* The cost only once the stream is sure: mo_offer() asks otherwise. */
	nr = mo_pick(e, b, by_cost, st->items, &bytes);
	if (!nr)
		return true;
	if ((max_nr && nr > max_nr) ||
	    (caps->max_batch_bytes && bytes > caps->max_batch_bytes))
		return false;
	if (by_cost && !mo_cost_ok(e, st->items[0], nr, bytes))
		return true;
	st->req = (struct migrate_offload_req) {
		.items = st->items,
		.nr = nr,
		.bytes = bytes,
		.reason = b->reason,
		.mode = b->mode,
	};
	st->by = e;
	st->cost_class = mo_class_of(st->items[0], nr, bytes);
	st->pos = 0;
	st->copied = 0;
	st->failed = 0;
	st->declined = 0;
	st->busy = 0;
	st->copied_bytes = 0;
	might_sleep();
	st->t0 = ktime_get_ns();
	e->prov->submit(e->prov, &st->req);
	st->waited = ktime_get_ns() - st->t0;
	for (i = 0; i < nr; i++) {
		if (st->items[i]->status == -EINPROGRESS)
			busy++;
		else
			mo_stream_settle(st, st->items[i]);
	}
	if (!busy)
		migrate_offload_copy_finish(b);
	return true;
}

/**
 * migrate_offload_copy_folio() - make sure a folio is copied before its commit
 * @batch: the batch migrate_offload_copy() copied
 * @it: one of its items, in the order of the items
 *
 * For a folio a provider still copies (-EINPROGRESS), waits for its copy
 * and, if it failed, copies it with the CPU. On return its status is
 * what migrate_offload_copy() would have left. Later folios may still be
 * copied meanwhile.
 */
void migrate_offload_copy_folio(struct migrate_offload_batch *batch,
				struct migrate_offload_item *it)
{
	struct migrate_offload_stream *st = &batch->stream;
	struct migrate_offload_entry *e = st->by;

	if (it->status != -EINPROGRESS)
		return;
	/* Folios are committed in order: look from the last one on. */
	while (st->pos < st->req.nr && st->items[st->pos] != it)
		st->pos++;
	if (!WARN_ON_ONCE(!e || st->pos == st->req.nr)) {
		u64 t0 = ktime_get_ns();

		e->prov->wait(e->prov, &st->req, st->pos);
		st->waited += ktime_get_ns() - t0;
	}
	if (WARN_ON_ONCE(it->status == -EINPROGRESS)) {
		/* A provider that broke its word: end all of its stream. */
		migrate_offload_copy_finish(batch);
		return;
	}
	mo_stream_settle(st, it);
	if (it->status == -EAGAIN)
		mo_cpu_copy_one(it);
}

/**
 * migrate_offload_copy_finish() - end the copy a provider streams, if any
 * @batch: the batch migrate_offload_copy() copied
 *
 * Called once the batch's folios are committed, or before they are given
 * up: after it no engine touches a folio of the batch, and every folio
 * whose copy had not been waited for has its final status.
 */
void migrate_offload_copy_finish(struct migrate_offload_batch *batch)
{
	struct migrate_offload_stream *st = &batch->stream;
	struct migrate_offload_entry *e = st->by;
	unsigned int i, n = 0;
	u64 t0;

	if (!e)
		return;
	/* Those not settled yet: still in progress. */
	for (i = 0; i < st->req.nr; i++)
		if (st->items[i]->status == -EINPROGRESS)
			batch->scratch[n++] = st->items[i];
	t0 = ktime_get_ns();
	e->prov->finish(e->prov, &st->req);
	st->waited += ktime_get_ns() - t0;
	for (i = 0; i < n; i++) {
		struct migrate_offload_item *it = batch->scratch[i];

		/* No safe choice left: its move fails. */
		if (WARN_ON_ONCE(it->status == -EINPROGRESS))
			it->status = -ENOTRECOVERABLE;
		mo_stream_settle(st, it);
		if (it->status == -EAGAIN)
			mo_cpu_copy_one(it);
	}
	mo_call_cost(e, &st->req, st->cost_class, st->copied_bytes, st->busy,
		     st->waited);
	mo_call_done(e, &st->req, st->copied, st->failed, st->declined,
		     st->t0);
	st->by = NULL;
}

/*
 * "auto": the chain in the order of the providers' predicted time for
 * the whole batch, fastest first; equal predictions keep the rating order.
 */
static void mo_sort_by_cost(struct migrate_offload_entry **chain, int n,
			    unsigned int c, u64 bytes)
{
	u64 pred[MO_MAX_CHAIN];
	int i, j;

	for (i = 0; i < n; i++) {
		struct migrate_offload_entry *e = chain[i];
		u64 p = mo_cost_predict(e, c, bytes);

		for (j = i; j > 0 && pred[j - 1] > p; j--) {
			pred[j] = pred[j - 1];
			chain[j] = chain[j - 1];
		}
		pred[j] = p;
		chain[j] = e;
	}
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
 *
 * When the caller allows it (&migrate_offload_batch.may_stream) and the
 * chain has a provider that copies on an engine (&migrate_offload_provider
 * .submit), that provider's folios may still be in progress on return
 * (-EINPROGRESS): the caller then calls migrate_offload_copy_folio()
 * before committing each folio, and migrate_offload_copy_finish() once.
 * The provider the stream runs on stays valid until then: the batch
 * holds its own read-side section of mo_srcu.
 */
void migrate_offload_copy(struct migrate_offload_batch *batch)
{
	struct migrate_offload_entry *chain[MO_MAX_CHAIN];
	enum migrate_hint_type type;
	unsigned int i, cpu;
	bool stream, by_cost;
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
			   NUMA_NO_NODE, chain, &type);
	by_cost = type == MIGRATE_HINT_AUTO;
	if (by_cost && batch->nr)
		mo_sort_by_cost(chain, n,
				mo_class_of(batch->items, batch->nr, bytes),
				bytes);
	stream = batch->may_stream && !batch->stream.by;
	for (i = 0; i < n; i++) {
		/* The first provider that can, copies while folios commit. */
		if (stream && chain[i]->prov->submit &&
		    mo_stream_start(chain[i], batch, by_cost)) {
			stream = false;
			continue;
		}
		mo_offer(chain[i], batch, by_cost);
	}
	srcu_read_unlock(&mo_srcu, idx);
	cpu = mo_cpu_copy_rest(batch);
	trace_migrate_offload_batch_end(batch->nr, n, cpu);
}
