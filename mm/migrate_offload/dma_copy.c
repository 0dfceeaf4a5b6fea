// SPDX-License-Identifier: GPL-2.0
/*
 * Copying a batch with DMA engines.
 *
 * The batch is cut into one contiguous run of bytes per channel, of
 * equal size (at page boundaries, inside a folio too: one 2 MiB folio
 * may be copied by several engines at once), on up to "channels"
 * channels, but none shorter than MDMA_PART_MIN. Channels are chosen
 * near the destination node first, the least loaded (fewest shares in
 * flight) first among equals. A run is a list of pieces, each a folio
 * or a page-aligned part of one. For each channel both sides are mapped
 * with one dma_map_sgtable() each; transfers are cut where a piece, a
 * mapped segment or the engine's maximum segment ends, so every
 * transfer belongs to exactly one folio. Every transfer reports its result
 * through callback_result; only the last one of an in-order channel
 * asks for an interrupt (every one does on engines that complete out of
 * order), and the caller sleeps until each channel's share is reported.
 *
 * A folio counts as copied only if all its transfers reported success.
 * On timeout the channels still busy are terminated
 * (dmaengine_terminate_sync), after which no callback can run; folios
 * not reported copied are failed and the rest of the chain (at worst
 * the CPU) copies them. A caller in MIGRATE_ASYNC (a NUMA hinting fault,
 * async compaction, demotion from reclaim) waits at most
 * async_timeout_ms; a batch cut there says nothing against the engine.
 *
 * Channels are shared by concurrent batches, and a terminate drops every
 * transfer on the channel, other batches' too. So that one stall costs
 * one timeout, not one per batch queued behind it, each channel keeps a
 * terminate generation (mdma_chan.term_gen): odd while a terminate runs,
 * two more after each. A batch reads it once its transfers are
 * submitted; a terminate that begins after that read sees them, so once
 * the generation has moved two past the (even) value read, the batch's
 * unreported transfers are gone for good and it stops waiting at once.
 *
 * A terminate can fail (the driver cannot abort a transfer the engine
 * started). Then nothing the part handed to the engine may be reused:
 * its unfinished folios fail with -ENOTRECOVERABLE (their move fails, the
 * source stays mapped), the provider keeps a reference on their
 * destinations, the batch memory and the DMA mappings, and the channel is
 * retired. The batch then belongs to its late transfers: the callback of
 * the last one hands it to mdma.late_wq, which frees it all. A module
 * reference keeps the callbacks' code loaded until then.
 */
#define pr_fmt(fmt) "migrate_offload: dma: " fmt

#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "dma.h"

/* Shares shorter than this cost more in mappings and interrupts. */
#define MDMA_PART_MIN	SZ_256K

/* Per folio: how its transfers, on any channel, went. */
struct mdma_item {
	atomic_t left;			/* its transfers not yet reported */
	int status;
	struct folio *held;		/* its destination, kept from reuse */
};

struct mdma_part;

/* A folio, or part of one, in one channel's share: what a callback gets. */
struct mdma_piece {
	struct mdma_item *it;
	struct mdma_part *p;
	unsigned int len;
	bool engine_failed;		/* the engine, not an injection, failed */
};

/*
 * One channel's share of the batch: pieces [first, first + nr), and the
 * same run of the batch's scatterlists.
 */
struct mdma_part {
	struct mdma_batch *b;
	struct mdma_chan *mc;
	struct device *dev;		/* the engine's, for the mappings */
	unsigned int first, nr;
	struct sg_table src, dst;	/* views into mdma_batch's tables */
	bool mapped;
	bool timed_out;			/* we terminated the channel */
	bool unstoppable;		/* our terminate failed */
	bool orphan;			/* its late transfers own the batch */
	atomic_t left;			/* transfers not yet reported */
	unsigned int base;		/* see mdma_part_cut() */
};

/*
 * One entry per piece in each table, in the order of the pieces; at
 * most one folio per part boundary is cut in two, so there are fewer
 * than nr + MDMA_MAX_CHANS pieces. @lock orders a callback's last
 * report on a part against the owner's decision to leave the part to
 * its late transfers; @refs counts the owner and the orphaned parts
 * still waiting for a transfer.
 */
struct mdma_batch {
	struct mdma_item *items;
	unsigned int nr;
	struct mdma_piece *pieces;
	struct sg_table src, dst;
	spinlock_t lock;		/* see above */
	unsigned int refs;
	struct work_struct late_work;
	struct mdma_part parts[MDMA_MAX_CHANS];
};

static void mdma_late_free_work(struct work_struct *work);

static void mdma_done(void *param, const struct dmaengine_result *res)
{
	struct mdma_piece *pc = param;
	struct mdma_item *it = pc->it;
	struct mdma_part *p = pc->p;
	struct mdma_batch *b = p->b;
	bool last, gone = false;
	unsigned long flags;

	if (res->result != DMA_TRANS_NOERROR) {
		WRITE_ONCE(pc->engine_failed, true);
		WRITE_ONCE(it->status, -EIO);
		mdma_stat_add(MDMA_FAILED, 1);
	} else if (should_fail(&mdma_fail_completion, 1)) {
		WRITE_ONCE(it->status, -EIO);
		mdma_stat_add(MDMA_FAILED, 1);
	} else {
		mdma_stat_add(MDMA_COMPLETED, 1);
	}
	spin_lock_irqsave(&b->lock, flags);
	atomic_dec(&it->left);
	/* A count of transfers that restarts from 0, not a refcount_t. */
	last = !atomic_dec_return(&p->left);
	if (last && p->orphan)
		gone = !--b->refs;
	/* The last access to the batch: its owner may free it from now. */
	spin_unlock_irqrestore(&b->lock, flags);
	if (gone)
		queue_work(mdma.late_wq, &b->late_work);
	else if (last && wq_has_sleeper(&mdma.wq))
		wake_up_all(&mdma.wq);
}

/* At @gen, a terminate begun after the part was submitted has ended. */
static bool mdma_gen_cut(struct mdma_part *p, unsigned int gen)
{
	return (int)(gen - p->base) >= 2;
}

static bool mdma_part_cut(struct mdma_part *p)
{
	return mdma_gen_cut(p, atomic_read_acquire(&p->mc->term_gen));
}

/* If a terminate runs on @mc at generation @gen, wait for it to end. */
static void mdma_terminate_wait(struct mdma_chan *mc, unsigned int gen)
{
	if (gen & 1)
		wait_event(mdma.wq, atomic_read(&mc->term_gen) != gen);
}

static bool mdma_part_over(struct mdma_part *p)
{
	return !atomic_read_acquire(&p->left) || mdma_part_cut(p);
}

static bool mdma_batch_over(struct mdma_batch *b, unsigned int parts)
{
	unsigned int i;

	for (i = 0; i < parts; i++)
		if (!mdma_part_over(&b->parts[i]))
			return false;
	return true;
}

/*
 * Terminate the part's channel unless a terminate begun after the part
 * was submitted ends first. One terminate at a time per channel: a
 * batch that finds one running waits for it and looks again.
 */
static void mdma_terminate(struct mdma_part *p)
{
	struct mdma_chan *mc = p->mc;
	unsigned int gen;
	int ret;

	for (;;) {
		gen = atomic_read_acquire(&mc->term_gen);
		if (mdma_gen_cut(p, gen) || !atomic_read_acquire(&p->left))
			return;
		if (gen & 1) {
			mdma_terminate_wait(mc, gen);
			continue;
		}
		if (atomic_cmpxchg(&mc->term_gen, gen, gen + 1) == gen)
			break;
	}
	ret = dmaengine_terminate_sync(mc->chan);
	if (ret) {
		/* Nothing was cut: every batch on it must try, and fail. */
		p->unstoppable = true;
		mdma_chans_retire(mc, ret);
		atomic_set_release(&mc->term_gen, gen);
	} else {
		p->timed_out = true;
		atomic_set_release(&mc->term_gen, gen + 2);
	}
	wake_up_all(&mdma.wq);
}

/* Whether @a serves a batch for @node better than @b. */
static bool mdma_better(struct mdma_chan *a, struct mdma_chan *b, int node)
{
	bool near_a = a->node == node, near_b = b->node == node;

	if (near_a != near_b)
		return near_a;
	return atomic_read(&a->load) < atomic_read(&b->load);
}

/*
 * Channels for this batch: near the destination first, then the least
 * loaded; the channel array's order breaks ties.
 */
static unsigned int mdma_pick(struct migrate_copy_req *req,
			      struct mdma_chan **pick)
{
	int node = folio_nid(req->items[0]->dst);
	unsigned int want = READ_ONCE(mdma.stripe);
	unsigned int n = 0, i, j;

	for (i = 0; i < MDMA_MAX_CHANS; i++) {
		struct mdma_chan *mc = &mdma.chans[i];

		/* Pairs with mdma_scan_locked(): a live slot is filled in. */
		if (!smp_load_acquire(&mc->live) || READ_ONCE(mc->retired))
			continue;
		for (j = n; j > 0 && mdma_better(mc, pick[j - 1], node); j--)
			pick[j] = pick[j - 1];
		pick[j] = mc;
		n++;
	}
	return min(n, want);
}

/*
 * Everything a batch needs is allocated before it enters its read-side
 * section of mdma.srcu, and not from the reserves. Reclaim can migrate
 * (demotion), so any allocation here may recurse into this provider,
 * and a writer of the channel set waits for our section. And under
 * PF_MEMALLOC (kswapd, direct reclaim) the allocation would otherwise
 * eat the emergency reserves, when failing it only costs a CPU copy.
 */
#define MDMA_GFP	(GFP_NOIO | __GFP_NOWARN | __GFP_NOMEMALLOC)

static void mdma_free(struct mdma_batch *b)
{
	sg_free_table(&b->dst);
	sg_free_table(&b->src);
	kfree(b->pieces);
	kfree(b->items);
	kfree(b);
}

static struct mdma_batch *mdma_alloc(struct migrate_copy_req *req)
{
	unsigned int pieces = req->nr + MDMA_MAX_CHANS - 1;
	struct mdma_batch *b;

	b = kzalloc_obj(*b, MDMA_GFP);
	if (!b)
		return NULL;
	spin_lock_init(&b->lock);
	b->refs = 1;
	b->nr = req->nr;
	INIT_WORK(&b->late_work, mdma_late_free_work);
	b->items = kzalloc_objs(*b->items, req->nr, MDMA_GFP);
	b->pieces = kzalloc_objs(*b->pieces, pieces, MDMA_GFP);
	if (!b->items || !b->pieces ||
	    sg_alloc_table(&b->src, pieces, MDMA_GFP) ||
	    sg_alloc_table(&b->dst, pieces, MDMA_GFP)) {
		mdma_free(b);
		return NULL;
	}
	return b;
}

/* Map the part's run of entries, which mdma_split() pointed it at. */
static int mdma_map(struct mdma_part *p)
{
	struct device *dev = p->mc->chan->device->dev;
	int ret;

	p->dev = dev;
	p->src.orig_nents = p->nr;
	p->dst.orig_nents = p->nr;
	ret = dma_map_sgtable(dev, &p->src, DMA_TO_DEVICE, 0);
	if (ret)
		goto err;
	ret = dma_map_sgtable(dev, &p->dst, DMA_FROM_DEVICE, 0);
	if (ret) {
		dma_unmap_sgtable(dev, &p->src, DMA_TO_DEVICE, 0);
		goto err;
	}
	p->mapped = true;
	return 0;
err:
	mdma_stat_add(MDMA_MAP_ERRORS, 1);
	return ret;
}

static void mdma_unmap(struct mdma_part *p)
{
	if (!p->mapped)
		return;
	dma_unmap_sgtable(p->dev, &p->dst, DMA_FROM_DEVICE, 0);
	dma_unmap_sgtable(p->dev, &p->src, DMA_TO_DEVICE, 0);
}

/*
 * Free a batch whose transfers outlived its owner: all of them have
 * reported now, so the engine is done with the mappings and folios.
 */
static void mdma_late_free(struct mdma_batch *b)
{
	unsigned int i;

	for (i = 0; i < MDMA_MAX_CHANS; i++) {
		struct mdma_part *p = &b->parts[i];

		if (!p->orphan)
			continue;
		mdma_unmap(p);
		put_device(p->dev);
	}
	for (i = 0; i < b->nr; i++)
		if (b->items[i].held)
			folio_put(b->items[i].held);
	mdma_stat_add(MDMA_LATE_FREED, 1);
	mdma_free(b);
	module_put(THIS_MODULE);
}

static void mdma_late_free_work(struct work_struct *work)
{
	mdma_late_free(container_of(work, struct mdma_batch, late_work));
}

/*
 * Leave the parts whose terminate failed, and which still have transfers
 * out, to those transfers. Their unfinished folios fail for good; the
 * destinations are kept so that a late write lands in memory nobody
 * uses. Returns how many parts were left.
 */
static unsigned int mdma_orphan(struct mdma_batch *b, unsigned int parts,
				struct migrate_copy_req *req)
{
	unsigned int i, j, orphans = 0;

	spin_lock_irq(&b->lock);
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];

		if (!p->unstoppable || !atomic_read(&p->left))
			continue;
		p->orphan = true;
		b->refs++;
		orphans++;
		get_device(p->dev);
		for (j = 0; j < p->nr; j++) {
			struct mdma_item *it = b->pieces[p->first + j].it;

			/* Once per folio, which two parts may share. */
			if (!atomic_read(&it->left) || it->held)
				continue;
			it->held = req->items[it - b->items]->dst;
			folio_get(it->held);
		}
	}
	spin_unlock_irq(&b->lock);
	return orphans;
}

/* A folio not copied here, unless it already failed. */
static void mdma_decline(struct mdma_item *it)
{
	if (!READ_ONCE(it->status))
		WRITE_ONCE(it->status, -EAGAIN);
}

/* A cursor over the DMA segments of one side. */
struct mdma_cursor {
	struct scatterlist *sg;
	unsigned int off;
};

static dma_addr_t mdma_cursor_addr(struct mdma_cursor *c)
{
	return sg_dma_address(c->sg) + c->off;
}

static unsigned int mdma_cursor_left(struct mdma_cursor *c)
{
	return sg_dma_len(c->sg) - c->off;
}

static void mdma_cursor_advance(struct mdma_cursor *c, unsigned int len)
{
	c->off += len;
	if (c->off == sg_dma_len(c->sg)) {
		c->sg = sg_next(c->sg);
		c->off = 0;
	}
}

/*
 * Submit the part's transfers. A folio whose transfers could not all be
 * submitted is failed; later folios of the part are left to the chain.
 */
static void mdma_submit(struct mdma_batch *b, struct mdma_part *p,
			struct migrate_copy_req *req)
{
	struct dma_chan *chan = p->mc->chan;
	struct dma_device *dma = chan->device;
	unsigned int max_seg = dma_get_max_seg_size(dma->dev);
	bool per_desc_irq = dma_has_cap(DMA_COMPLETION_NO_ORDER, dma->cap_mask);
	struct mdma_cursor s = { p->src.sgl, 0 }, d = { p->dst.sgl, 0 };
	unsigned int i;

	/*
	 * Transfers submitted while a terminate runs may be dropped by it
	 * unseen (see mdma_part_cut()); wait for it to end, it is short.
	 */
	mdma_terminate_wait(p->mc, atomic_read(&p->mc->term_gen));

	for (i = 0; i < p->nr; i++) {
		struct mdma_piece *pc = &b->pieces[p->first + i];
		struct mdma_item *it = pc->it;
		unsigned int left = pc->len;

		while (left) {
			struct dma_async_tx_descriptor *tx = NULL;
			unsigned long flags = DMA_CTRL_ACK;
			unsigned int len;

			len = min3(left, max_seg,
				   min(mdma_cursor_left(&s),
				       mdma_cursor_left(&d)));
			if (per_desc_irq ||
			    (i == p->nr - 1 && len == left))
				flags |= DMA_PREP_INTERRUPT;
			if (!should_fail(&mdma_fail_submit, len))
				tx = dmaengine_prep_dma_memcpy(chan,
							       mdma_cursor_addr(&d),
							       mdma_cursor_addr(&s),
							       len, flags);
			if (tx) {
				tx->callback_result = mdma_done;
				tx->callback_param = pc;
				atomic_inc(&it->left);
				atomic_inc(&p->left);
				if (dma_submit_error(dmaengine_submit(tx))) {
					atomic_dec(&p->left);
					atomic_dec(&it->left);
					tx = NULL;
				}
			}
			if (!tx) {
				mdma_stat_add(MDMA_SUBMIT_ERRORS, 1);
				WRITE_ONCE(it->status, -EIO);
				goto out;
			}
			mdma_stat_add(MDMA_SUBMITTED, 1);
			mdma_cursor_advance(&s, len);
			mdma_cursor_advance(&d, len);
			left -= len;
		}
	}
out:
	/* Pieces never started: their folios are declined. */
	for (i++; i < p->nr; i++)
		mdma_decline(b->pieces[p->first + i].it);
	dma_async_issue_pending(chan);
	/*
	 * Pairs with the cmpxchg in mdma_terminate(): a terminate that
	 * begins after this read finds our transfers on the channel.
	 */
	smp_mb();
	p->base = (atomic_read(&p->mc->term_gen) + 1) & ~1U;
}

/*
 * Cut the batch into runs of equal bytes, at page boundaries, one per
 * channel of @pick (@n at most); fill the scatterlists, one entry per
 * piece, and point each run at its first entries. Returns the number of
 * runs.
 */
static unsigned int mdma_split(struct mdma_batch *b,
			       struct migrate_copy_req *req,
			       struct mdma_chan **pick, unsigned int n)
{
	struct scatterlist *s = b->src.sgl, *d = b->dst.sgl;
	unsigned int i, part = 0, nr = 0;
	u64 per, room;

	n = clamp_t(u64, div64_u64(req->bytes, MDMA_PART_MIN), 1, n);
	per = round_up(div64_u64(req->bytes + n - 1, n), PAGE_SIZE);
	room = per;
	b->parts[0] = (struct mdma_part) {
		.b = b, .mc = pick[0], .src.sgl = s, .dst.sgl = d };
	for (i = 0; i < req->nr; i++) {
		struct migrate_copy_item *ci = req->items[i];
		size_t off = 0, size = folio_size(ci->src);

		while (off < size) {
			unsigned int len;

			if (!room) {
				part++;
				b->parts[part] = (struct mdma_part) {
					.b = b, .mc = pick[part], .first = nr,
					.src.sgl = s, .dst.sgl = d };
				/* n * per covers the batch: the last fits. */
				room = part + 1 < n ? per : U64_MAX;
			}
			/* Folios are far smaller than 4 GiB. */
			len = min_t(u64, size - off, room);
			b->pieces[nr++] = (struct mdma_piece) {
				.it = &b->items[i], .p = &b->parts[part],
				.len = len,
			};
			/* Page-aligned and based: any DMA mapping takes it. */
			sg_set_page(s, folio_page(ci->src, off >> PAGE_SHIFT),
				    len, 0);
			sg_set_page(d, folio_page(ci->dst, off >> PAGE_SHIFT),
				    len, 0);
			s = sg_next(s);
			d = sg_next(d);
			b->parts[part].nr++;
			off += len;
			room -= len;
		}
	}
	return part + 1;
}

void mdma_copy(struct migrate_copy_provider *prov,
	       struct migrate_copy_req *req)
{
	unsigned int ms = READ_ONCE(mdma.timeout_ms);
	struct mdma_chan *pick[MDMA_MAX_CHANS];
	bool timed_out = false, aborted = false, gone, hurried = false;
	unsigned int i, j, n, parts = 0, orphans = 0;
	struct mdma_batch *b;
	int idx;

	b = mdma_alloc(req);
	if (!b)
		return;		/* every item stays -EAGAIN: declined */
	if (req->mode == MIGRATE_ASYNC &&
	    READ_ONCE(mdma.async_timeout_ms) < ms) {
		ms = READ_ONCE(mdma.async_timeout_ms);
		hurried = true;
	}

	idx = srcu_read_lock(&mdma.srcu);
	n = mdma_pick(req, pick);
	if (!n)
		goto out_unlock;
	parts = mdma_split(b, req, pick, n);
	/* More pieces than folios: some folio is cut between channels. */
	if (b->parts[parts - 1].first + b->parts[parts - 1].nr > req->nr)
		mdma_stat_add(MDMA_STRIPED, 1);
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];

		atomic_inc(&p->mc->load);
		if (!mdma_map(p)) {
			mdma_submit(b, p, req);
			continue;
		}
		for (j = 0; j < p->nr; j++)
			mdma_decline(b->pieces[p->first + j].it);
	}

	if (!wait_event_timeout(mdma.wq, mdma_batch_over(b, parts),
				msecs_to_jiffies(ms))) {
		/* After this no callback of the batch can run. */
		for (i = 0; i < parts; i++)
			if (!mdma_part_over(&b->parts[i]))
				mdma_terminate(&b->parts[i]);
	}
	/* Also waits out the callbacks still reporting on the batch. */
	orphans = mdma_orphan(b, parts, req);

	for (i = 0; i < req->nr; i++) {
		struct mdma_item *it = &b->items[i];
		/* Held: its transfers may still write, whatever came. */
		int status = it->held ? -ENOTRECOVERABLE : READ_ONCE(it->status);

		/* Cut off with transfers unreported: not copied. */
		if (!status && atomic_read(&it->left))
			status = -ETIMEDOUT;
		req->items[i]->status = status;
	}
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];
		/* Cut short for a hurried caller: maybe only slow. */
		bool copied = false, broken = p->timed_out && !hurried;

		timed_out |= p->timed_out || p->unstoppable;
		aborted |= !p->timed_out && !p->unstoppable &&
			   atomic_read(&p->left);
		for (j = 0; j < p->nr; j++) {
			struct mdma_piece *pc = &b->pieces[p->first + j];

			copied |= !req->items[pc->it - b->items]->status;
			broken |= READ_ONCE(pc->engine_failed);
		}
		atomic_dec(&p->mc->load);
		if (p->orphan)
			continue;
		mdma_unmap(p);
		/*
		 * Only the engine's own failures, with nothing copied, count
		 * against the channel: injected faults, refused submissions
		 * and another batch's terminate say nothing about its health.
		 */
		if (p->mapped && !p->unstoppable)
			mdma_chans_failed(p->mc, broken && !copied);
	}
	if (timed_out) {
		mdma_stat_add(MDMA_TIMEOUTS, 1);
		if (hurried)
			mdma_stat_add(MDMA_ASYNC_TIMEOUTS, 1);
		pr_warn_ratelimited("batch of %u folios timed out\n", req->nr);
	}
	if (aborted)
		mdma_stat_add(MDMA_ABORTED, 1);
out_unlock:
	srcu_read_unlock(&mdma.srcu, idx);
	if (!orphans) {
		mdma_free(b);
		return;
	}
	mdma_stat_add(MDMA_UNSTOPPABLE, 1);
	pr_warn_ratelimited("batch of %u folios left to %u channels that could not be stopped\n",
			    req->nr, orphans);
	__module_get(THIS_MODULE);
	spin_lock_irq(&b->lock);
	gone = !--b->refs;
	spin_unlock_irq(&b->lock);
	if (gone)
		mdma_late_free(b);
}
