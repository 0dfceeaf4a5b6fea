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
 * When migration streams the batch (mdma_submit_req()), it sleeps per
 * folio instead, and commits each as soon as its transfers reported;
 * not where a mapping needs syncs (swiotlb, non-coherent engines): the
 * copy reaches a destination only when it is unmapped.
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
 * reference keeps the callbacks' code loaded until then. A terminate of
 * the channel that succeeds later (another batch's, or the provider's
 * before it gives the channel back, when drivers may drop what they hold
 * without a report) stops those transfers for good, and no callback of
 * theirs runs after it: then it ends the part itself (mdma.orphans).
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
#include "slots.h"

/* Shares shorter than this cost more in mappings and interrupts. */
#define MDMA_PART_MIN	SZ_256K

/*
 * While migration commits folios as their copies end (streaming), an
 * in-order channel also interrupts at the end of a folio once this much
 * was copied since its last interrupt: often enough that a THP is
 * committed about as soon as it is copied, rarely enough for small folios.
 */
#define MDMA_STREAM_IRQ_BYTES	SZ_1M

/* Per folio: how its transfers, on any channel, went. */
struct mdma_item {
	atomic_t left;			/* its transfers not yet reported */
	int status;
	struct folio *held;		/* its destination, kept from reuse */
	unsigned int first, nr;		/* its pieces */
	bool reported;			/* its status went to the core */
};

struct mdma_part;

/* A folio, or part of one, in one channel's share: what a callback gets. */
struct mdma_piece {
	struct mdma_item *it;
	struct mdma_part *p;
	unsigned int len;
	bool folio_end;			/* the last piece of its folio */
	bool engine_failed;		/* the engine, not an injection, failed */
	bool skipped;			/* not copied: its folio failed elsewhere */
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
	struct list_head orphan_node;	/* on mdma.orphans, while orphan */
	atomic_t left;			/* transfers not yet reported */
	unsigned int submitted;		/* transfers submitted (by the owner) */
	unsigned int base;		/* see mdma_part_cut() */
};

/* At most one folio per part boundary is cut in two. */
#define MDMA_MAX_PIECES	(MIGRATE_COPY_BATCH_MAX + MDMA_MAX_CHANS - 1)

/*
 * A batch's bookkeeping, preallocated per possible CPU (slots.h) when the
 * provider is first enabled: the copy path runs in reclaim and must not
 * allocate. @src and @dst hold one entry per piece, in the order of the
 * pieces; each part maps its own run of them. @lock orders a callback's
 * last report on a part against the owner's decision to leave the part
 * to its late transfers; @refs counts the owner and the orphaned parts
 * still waiting for a transfer. The batch goes back to its slot when the
 * last of them lets go.
 */
struct mdma_batch {
	int slot;			/* the CPU whose batch it is */
	unsigned int nr;		/* folios */
	unsigned int nr_parts;		/* parts in use */
	int srcu_idx;			/* its section of mdma.srcu */
	unsigned long deadline;		/* jiffies: terminate after this */
	bool hurried;			/* a MIGRATE_ASYNC caller's deadline */
	bool streaming;			/* folios commit as they are copied */
	bool expired;			/* its deadline passed: terminated */
	spinlock_t lock;		/* see above */
	unsigned int refs;
	struct work_struct late_work;
	struct mdma_part parts[MDMA_MAX_CHANS];
	struct mdma_item items[MIGRATE_COPY_BATCH_MAX];
	struct mdma_piece pieces[MDMA_MAX_PIECES];
	struct scatterlist src[MDMA_MAX_PIECES];
	struct scatterlist dst[MDMA_MAX_PIECES];
};

static DEFINE_PER_CPU(struct mo_slot, mdma_slots);

static void mdma_late_free_work(struct work_struct *work);

/*
 * A transfer of part @p is over, of folio @it unless NULL: count it, wake
 * who waits for it.
 */
static void mdma_report(struct mdma_part *p, struct mdma_item *it)
{
	struct mdma_batch *b = p->b;
	bool last, item_done = false, gone = false;
	unsigned long flags;

	spin_lock_irqsave(&b->lock, flags);
	if (it)
		item_done = !atomic_dec_return(&it->left) && b->streaming;
	/* A count of transfers that restarts from 0, not a refcount_t. */
	last = !atomic_dec_return(&p->left);
	if (last && p->orphan)
		gone = !--b->refs;
	/* The last access to the batch: its owner may free it from now. */
	spin_unlock_irqrestore(&b->lock, flags);
	if (gone)
		queue_work(mdma.late_wq, &b->late_work);
	else if ((last || item_done) && wq_has_sleeper(&mdma.wq))
		wake_up_all(&mdma.wq);
}

static void mdma_done(void *param, const struct dmaengine_result *res)
{
	struct mdma_piece *pc = param;

	if (res->result != DMA_TRANS_NOERROR) {
		WRITE_ONCE(pc->engine_failed, true);
		WRITE_ONCE(pc->it->status, -EIO);
		mdma_stat_add(MDMA_FAILED, 1);
	} else if (should_fail(&mdma_fail_completion, 1)) {
		WRITE_ONCE(pc->it->status, -EIO);
		mdma_stat_add(MDMA_FAILED, 1);
	} else {
		mdma_stat_add(MDMA_COMPLETED, 1);
	}
	mdma_report(pc->p, pc->it);
}

/*
 * An interrupt descriptor (mdma_submit_irq()) of part @param copies
 * nothing: whatever it reports says nothing of any folio.
 */
static void mdma_irq_done(void *param, const struct dmaengine_result *res)
{
	mdma_stat_add(MDMA_COMPLETED, 1);
	mdma_report(param, NULL);
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
 * The transfers of @p, orphaned, are gone: a terminate of its channel
 * succeeded after they were submitted. Take it off mdma.orphans and count
 * them reported; the last part of its batch hands the batch to
 * mdma.late_wq, as its last callback would have. Under mdma.orphan_lock.
 */
static void mdma_orphan_end(struct mdma_part *p)
{
	struct mdma_batch *b = p->b;
	bool gone = false;

	lockdep_assert_held(&mdma.orphan_lock);
	list_del_init(&p->orphan_node);
	spin_lock(&b->lock);
	if (atomic_read(&p->left)) {
		atomic_set(&p->left, 0);
		gone = !--b->refs;
	}
	spin_unlock(&b->lock);
	if (gone)
		queue_work(mdma.late_wq, &b->late_work);
}

/* A terminate of @mc succeeded: end the parts orphaned there before it. */
static void mdma_orphans_stopped(struct mdma_chan *mc)
{
	struct mdma_part *p, *n;

	spin_lock_irq(&mdma.orphan_lock);
	list_for_each_entry_safe(p, n, &mdma.orphans, orphan_node)
		if (p->mc == mc && mdma_part_cut(p))
			mdma_orphan_end(p);
	spin_unlock_irq(&mdma.orphan_lock);
}

/**
 * mdma_orphans_release() - stop a retired channel before it is given back
 * @mc: the channel; no batch can pick it any more
 *
 * A driver may drop the transfers it still holds, without a report, when
 * its channel is freed: terminate it once more first. If that succeeds,
 * the parts orphaned on it end now. If not, they stay with their
 * transfers, whose reports may still come, but leave mdma.orphans, which
 * must not name a channel slot that is reused.
 */
void mdma_orphans_release(struct mdma_chan *mc)
{
	struct mdma_part *p, *n;

	/*
	 * No batch terminates it meanwhile: none can pick it. Two past
	 * every listed part's base, the terminate cuts them all.
	 */
	if (!dmaengine_terminate_sync(mc->chan)) {
		atomic_add(2, &mc->term_gen);
		mdma_orphans_stopped(mc);
		return;
	}
	spin_lock_irq(&mdma.orphan_lock);
	list_for_each_entry_safe(p, n, &mdma.orphans, orphan_node)
		if (p->mc == mc)
			list_del_init(&p->orphan_node);
	spin_unlock_irq(&mdma.orphan_lock);
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
		mdma_orphans_stopped(mc);
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
static unsigned int mdma_pick(struct migrate_offload_req *req,
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

/* Give the batch back to its slot: nothing of it is in use any more. */
static void mdma_free(struct mdma_batch *b)
{
	mo_slot_put(&mdma_slots, b->slot);
}

/* A preallocated batch, made ready for @req; NULL if all are busy. */
static struct mdma_batch *mdma_get(struct migrate_offload_req *req)
{
	struct mdma_batch *b;
	int slot;

	b = mo_slots_take(&mdma_slots, &slot);
	if (!b)
		return NULL;
	b->slot = slot;
	b->nr = req->nr;
	b->nr_parts = 0;
	b->streaming = false;
	b->expired = false;
	b->refs = 1;
	memset(b->items, 0, req->nr * sizeof(b->items[0]));
	sg_init_table(b->src, req->nr + MDMA_MAX_CHANS - 1);
	sg_init_table(b->dst, req->nr + MDMA_MAX_CHANS - 1);
	return b;
}

/**
 * mdma_batches_alloc() - give every possible CPU its batch
 *
 * Called when the provider is enabled, under the core's mutex; batches
 * stay until the module goes, when none can be in use any more.
 *
 * Return: 0 or -ENOMEM.
 */
int mdma_batches_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mdma_batch *b;

		if (per_cpu_ptr(&mdma_slots, cpu)->obj)
			continue;
		b = kvzalloc_node(sizeof(*b), GFP_KERNEL, cpu_to_node(cpu));
		if (!b)
			return -ENOMEM;
		spin_lock_init(&b->lock);
		INIT_WORK(&b->late_work, mdma_late_free_work);
		mo_slot_publish(&mdma_slots, cpu, b);
	}
	return 0;
}

/* Module exit: every batch was given back (orphans pin the module). */
void mdma_batches_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kvfree(per_cpu_ptr(&mdma_slots, cpu)->obj);
}

/*
 * Does the CPU see the part's copy only once it is unmapped (or synced)?
 * Bounced segments (swiotlb) and engines that do not snoop the CPU's
 * caches need syncs; asked per destination segment, since swiotlb may
 * bounce some and not others.
 */
static bool mdma_dst_needs_sync(struct mdma_part *p)
{
	struct scatterlist *sg;
	unsigned int i;

	if (!dma_dev_need_sync(p->dev))
		return false;
	for_each_sgtable_dma_sg(&p->dst, sg, i)
		if (dma_need_sync(p->dev, sg_dma_address(sg)))
			return true;
	return false;
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

	spin_lock_irq(&mdma.orphan_lock);
	for (i = 0; i < b->nr_parts; i++)
		if (b->parts[i].orphan)
			list_del_init(&b->parts[i].orphan_node);
	spin_unlock_irq(&mdma.orphan_lock);
	for (i = 0; i < b->nr_parts; i++) {
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
				struct migrate_offload_req *req)
{
	unsigned int i, j, orphans = 0;
	u32 new = 0;
	bool sync;

	BUILD_BUG_ON(MDMA_MAX_CHANS > 32);
	spin_lock_irq(&b->lock);
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];

		if (!p->unstoppable || p->orphan || !atomic_read(&p->left))
			continue;
		p->orphan = true;
		b->refs++;
		orphans++;
		new |= BIT(i);
		get_device(p->dev);
		/*
		 * Where the mapping needs syncs, even a folio whose transfers
		 * all ended holds its copy only after the unmap, which waits
		 * for the late ones: it fails too, or the unmap would write
		 * over what the CPU or the task put there since.
		 */
		sync = mdma_dst_needs_sync(p);
		for (j = 0; j < p->nr; j++) {
			struct mdma_piece *pc = &b->pieces[p->first + j];
			struct mdma_item *it = pc->it;

			/*
			 * Once per folio, which two parts may share. Not for
			 * a piece this part skipped: no late write of its
			 * can land there, unless its unmap syncs.
			 */
			if ((!sync && (!atomic_read(&it->left) || pc->skipped)) ||
			    it->held)
				continue;
			it->held = req->items[it - b->items]->dst;
			folio_get(it->held);
		}
	}
	spin_unlock_irq(&b->lock);
	if (!new)
		return orphans;
	/*
	 * Where terminates to come can end them. One of another batch that
	 * succeeded since ours failed has ended already, and may have looked
	 * before they were listed: then they end here.
	 */
	spin_lock_irq(&mdma.orphan_lock);
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];

		if (!(new & BIT(i)))
			continue;
		list_add_tail(&p->orphan_node, &mdma.orphans);
		if (mdma_part_cut(p))
			mdma_orphan_end(p);
	}
	spin_unlock_irq(&mdma.orphan_lock);
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

/* Step over @len bytes, across segments: a piece copied by nobody. */
static void mdma_cursor_skip(struct mdma_cursor *c, unsigned int len)
{
	while (len) {
		unsigned int step = min(len, mdma_cursor_left(c));

		mdma_cursor_advance(c, step);
		len -= step;
	}
}

/*
 * Submit @tx with @done(@param) as its callback, counted on part @p and,
 * unless NULL, on folio @it until it reports. Returns false, with nothing
 * counted, when the engine refuses it.
 */
static bool mdma_queue(struct dma_async_tx_descriptor *tx,
		       dma_async_tx_callback_result done, void *param,
		       struct mdma_part *p, struct mdma_item *it)
{
	tx->callback_result = done;
	tx->callback_param = param;
	if (it)
		atomic_inc(&it->left);
	atomic_inc(&p->left);
	if (!dma_submit_error(dmaengine_submit(tx))) {
		mdma_stat_add(MDMA_SUBMITTED, 1);
		p->submitted++;
		return true;
	}
	atomic_dec(&p->left);
	if (it)
		atomic_dec(&it->left);
	return false;
}

/* Can the engine queue a descriptor that only interrupts? */
static bool mdma_can_irq(struct dma_device *dma)
{
	return dma_has_cap(DMA_INTERRUPT, dma->cap_mask) &&
	       dma->device_prep_dma_interrupt;
}

/*
 * A refused submission, or pieces skipped at the end of part @p, left its
 * last transfer without DMA_PREP_INTERRUPT: an engine that honours the
 * flag would report none of the part until its timeout, and then the
 * channel, shared, would be terminated. Where the engine has one, queue
 * an interrupt descriptor behind it, which an in-order channel completes
 * after it. It counts for the part alone: no folio waits for it, nor
 * fails if it never ends. If it is refused too, the timeout stands.
 */
static void mdma_submit_irq(struct mdma_part *p)
{
	struct dma_chan *chan = p->mc->chan;
	struct dma_device *dma = chan->device;
	struct dma_async_tx_descriptor *tx = NULL;

	if (mdma_can_irq(dma))
		tx = dma->device_prep_dma_interrupt(chan, DMA_PREP_INTERRUPT |
						    DMA_CTRL_ACK);
	if (tx && mdma_queue(tx, mdma_irq_done, p, p, NULL))
		mdma_stat_add(MDMA_IRQ_ADDED, 1);
}

/*
 * Submit the part's transfers. A folio whose transfers could not all be
 * submitted is failed; later folios of the part are left to the chain.
 * A piece of a folio cut between parts that failed already (a refused
 * submission or a failed transfer on a part before this one, a mapping
 * of any part that failed) is not copied: the chain copies the folio
 * again whole, and a transfer for it would only take engine time. Only
 * the part's last piece is copied anyway when it must carry the part's
 * interrupt and the engine cannot queue one alone.
 */
static void mdma_submit(struct mdma_batch *b, struct mdma_part *p,
			struct migrate_offload_req *req)
{
	struct dma_chan *chan = p->mc->chan;
	struct dma_device *dma = chan->device;
	unsigned int max_seg = dma_get_max_seg_size(dma->dev);
	bool per_desc_irq = dma_has_cap(DMA_COMPLETION_NO_ORDER, dma->cap_mask);
	struct mdma_cursor s = { p->src.sgl, 0 }, d = { p->dst.sgl, 0 };
	bool owed = false;	/* a transfer submitted since the last interrupt */
	u64 since_irq = 0;
	unsigned int i, gen;

	/*
	 * Transfers submitted while a terminate runs may be dropped by it
	 * unseen (see mdma_part_cut()); wait for it to end, it is short.
	 */
	mdma_terminate_wait(p->mc, atomic_read(&p->mc->term_gen));

	for (i = 0; i < p->nr; i++) {
		struct mdma_piece *pc = &b->pieces[p->first + i];
		struct mdma_item *it = pc->it;
		unsigned int left = pc->len;

		if (READ_ONCE(it->status) &&
		    !(owed && i == p->nr - 1 && !mdma_can_irq(dma))) {
			pc->skipped = true;
			mdma_cursor_skip(&s, left);
			mdma_cursor_skip(&d, left);
			mdma_stat_add(MDMA_SKIPPED, 1);
			continue;
		}
		while (left) {
			struct dma_async_tx_descriptor *tx = NULL;
			unsigned long flags = DMA_CTRL_ACK;
			unsigned int len;

			len = min3(left, max_seg,
				   min(mdma_cursor_left(&s),
				       mdma_cursor_left(&d)));
			since_irq += len;
			if (per_desc_irq ||
			    (len == left &&
			     (i == p->nr - 1 ||
			      (b->streaming && pc->folio_end &&
			       since_irq >= MDMA_STREAM_IRQ_BYTES)))) {
				flags |= DMA_PREP_INTERRUPT;
				since_irq = 0;
			}
			if (!should_fail(&mdma_fail_submit, len))
				tx = dmaengine_prep_dma_memcpy(chan,
							       mdma_cursor_addr(&d),
							       mdma_cursor_addr(&s),
							       len, flags);
			if (!tx || !mdma_queue(tx, mdma_done, pc, p, it)) {
				mdma_stat_add(MDMA_SUBMIT_ERRORS, 1);
				WRITE_ONCE(it->status, -EIO);
				if (owed)
					mdma_submit_irq(p);
				goto out;
			}
			owed = !(flags & DMA_PREP_INTERRUPT);
			mdma_cursor_advance(&s, len);
			mdma_cursor_advance(&d, len);
			left -= len;
		}
	}
	/* The part's last pieces were skipped, their interrupt with them. */
	if (owed)
		mdma_submit_irq(p);
out:
	/* Pieces never started: their folios are declined. */
	for (i++; i < p->nr; i++)
		mdma_decline(b->pieces[p->first + i].it);
	dma_async_issue_pending(chan);
	/*
	 * Pairs with the cmpxchg in mdma_terminate(): a terminate that
	 * begins after this read finds our transfers on the channel. One
	 * running now may or may not: count from its end, whose generation
	 * says whether it worked (a failed one puts the old one back).
	 */
	smp_mb();
	gen = atomic_read(&p->mc->term_gen);
	while (gen & 1) {
		mdma_terminate_wait(p->mc, gen);
		gen = atomic_read_acquire(&p->mc->term_gen);
	}
	p->base = gen;
}

/*
 * Cut the batch into runs of equal bytes, at page boundaries, one per
 * channel of @pick (@n at most); fill the scatterlists, one entry per
 * piece, and point each run at its first entries. Returns the number of
 * runs.
 */
static unsigned int mdma_split(struct mdma_batch *b,
			       struct migrate_offload_req *req,
			       struct mdma_chan **pick, unsigned int n)
{
	struct scatterlist *s = b->src, *d = b->dst;
	unsigned int i, part = 0, nr = 0;
	u64 per, room;

	n = clamp_t(u64, div64_u64(req->bytes, MDMA_PART_MIN), 1, n);
	per = round_up(div64_u64(req->bytes + n - 1, n), PAGE_SIZE);
	room = per;
	b->parts[0] = (struct mdma_part) {
		.b = b, .mc = pick[0], .src.sgl = s, .dst.sgl = d };
	for (i = 0; i < req->nr; i++) {
		struct migrate_offload_item *ci = req->items[i];
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
			if (!off)
				b->items[i].first = nr;
			b->items[i].nr++;
			b->pieces[nr++] = (struct mdma_piece) {
				.it = &b->items[i], .p = &b->parts[part],
				.len = len, .folio_end = off + len == size,
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

/*
 * Every channel the batch would use already copies for another batch:
 * the engines are saturated, and this batch would only queue behind.
 */
static bool mdma_saturated(struct mdma_chan **pick, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!atomic_read(&pick[i]->load))
			return false;
	return true;
}

/* Refuse @req whole: the CPU is better than a wait for busy engines. */
static void mdma_refuse_busy(struct migrate_offload_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr; i++)
		req->items[i]->status = -EBUSY;
}

/*
 * Pick channels for @req, split it, map and submit each part. Returns the
 * batch, whose transfers may be running, or NULL when nothing was
 * submitted: every item is then still -EAGAIN (declined), or -EBUSY when
 * every preallocated batch or every channel it would use is busy.
 */
static struct mdma_batch *mdma_start(struct migrate_offload_req *req,
				     bool streaming)
{
	unsigned int ms = READ_ONCE(mdma.timeout_ms);
	struct mdma_chan *pick[MDMA_MAX_CHANS];
	unsigned int i, j, n, parts;
	struct mdma_batch *b;

	/* The core never hands over more in one call. */
	if (WARN_ON_ONCE(req->nr > MIGRATE_COPY_BATCH_MAX))
		return NULL;
	b = mdma_get(req);
	if (!b) {
		mdma_refuse_busy(req);
		return NULL;
	}
	b->streaming = streaming;
	b->hurried = false;
	if (req->mode == MIGRATE_ASYNC &&
	    READ_ONCE(mdma.async_timeout_ms) < ms) {
		ms = READ_ONCE(mdma.async_timeout_ms);
		b->hurried = true;
	}

	b->srcu_idx = srcu_read_lock(&mdma.srcu);
	n = mdma_pick(req, pick);
	if (!n || mdma_saturated(pick, n)) {
		srcu_read_unlock(&mdma.srcu, b->srcu_idx);
		mdma_free(b);
		if (n)
			mdma_refuse_busy(req);
		return NULL;
	}
	parts = mdma_split(b, req, pick, n);
	b->nr_parts = parts;
	/* More pieces than folios: some folio is cut between channels. */
	if (b->parts[parts - 1].first + b->parts[parts - 1].nr > req->nr)
		mdma_stat_add(MDMA_STRIPED, 1);
	mdma_cg_account(req->bytes);
	b->deadline = jiffies + msecs_to_jiffies(ms);
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];

		atomic_inc(&p->mc->load);
		if (mdma_map(p)) {
			for (j = 0; j < p->nr; j++)
				mdma_decline(b->pieces[p->first + j].it);
			continue;
		}
		/*
		 * A mapping that needs syncs (bounced through swiotlb, or
		 * an engine that does not snoop the CPU's caches) puts the
		 * copy in the destination only when it is unmapped, at the
		 * end of the batch: no folio may be committed before.
		 */
		if (b->streaming && mdma_dst_needs_sync(p)) {
			b->streaming = false;
			mdma_stat_add(MDMA_SYNCED, 1);
		}
	}
	for (i = 0; i < parts; i++)
		if (b->parts[i].mapped)
			mdma_submit(b, &b->parts[i], req);
	return b;
}

/* What is left of the time the batch may take, in jiffies. */
static long mdma_time_left(struct mdma_batch *b)
{
	long left = (long)(b->deadline - jiffies);

	return max(left, 0L);
}

/*
 * The deadline passed: terminate the parts still running, after which no
 * callback of theirs can run, and leave those that could not be stopped
 * to their late transfers. Once per batch.
 */
static void mdma_expire(struct mdma_batch *b, struct migrate_offload_req *req)
{
	unsigned int i;

	if (b->expired)
		return;
	b->expired = true;
	for (i = 0; i < b->nr_parts; i++)
		if (!mdma_part_over(&b->parts[i]))
			mdma_terminate(&b->parts[i]);
	mdma_orphan(b, b->nr_parts, req);
}

/* Every part holding a piece of @it is over: its copy is as done as it gets. */
static bool mdma_item_over(struct mdma_batch *b, struct mdma_item *it)
{
	unsigned int i;

	if (!atomic_read_acquire(&it->left))
		return true;
	/* A part that skipped its piece has no transfer of it. */
	for (i = it->first; i < it->first + it->nr; i++)
		if (!b->pieces[i].skipped && !mdma_part_over(b->pieces[i].p))
			return false;
	return true;
}

/* The outcome of @it, once it is over or the batch expired. */
static int mdma_item_result(struct mdma_item *it)
{
	/* Held: its transfers may still write, whatever came. */
	int status = it->held ? -ENOTRECOVERABLE : READ_ONCE(it->status);

	/* Cut off with transfers unreported: not copied. */
	if (!status && atomic_read(&it->left))
		status = -ETIMEDOUT;
	return status;
}

/*
 * Wait for what is left of the batch, terminate what outlives its
 * deadline, give every item not reported yet its status, and account for
 * each channel. The batch is gone on return, or left to late transfers.
 */
static void mdma_end(struct mdma_batch *b, struct migrate_offload_req *req)
{
	bool timed_out = false, aborted = false, gone;
	unsigned int i, j, parts = b->nr_parts, orphans = 0;

	if (!wait_event_timeout(mdma.wq, mdma_batch_over(b, parts),
				mdma_time_left(b)))
		mdma_expire(b, req);
	/* Also waits out the callbacks still reporting on the batch. */
	mdma_orphan(b, parts, req);

	for (i = 0; i < req->nr; i++)
		if (!b->items[i].reported)
			req->items[i]->status = mdma_item_result(&b->items[i]);
	for (i = 0; i < parts; i++) {
		struct mdma_part *p = &b->parts[i];
		/* Cut short for a hurried caller: maybe only slow. */
		bool copied = false, broken = p->timed_out && !b->hurried;

		timed_out |= p->timed_out || p->unstoppable;
		aborted |= !p->timed_out && !p->unstoppable &&
			   atomic_read(&p->left);
		for (j = 0; j < p->nr; j++) {
			struct mdma_piece *pc = &b->pieces[p->first + j];

			copied |= !mdma_item_result(pc->it);
			broken |= READ_ONCE(pc->engine_failed);
		}
		atomic_dec(&p->mc->load);
		if (p->orphan) {
			orphans++;
			continue;
		}
		mdma_unmap(p);
		/*
		 * Only the engine's own failures, with nothing copied, count
		 * against the channel: injected faults, refused submissions
		 * and another batch's terminate say nothing about its health,
		 * nor does a part that submitted nothing.
		 */
		if (p->mapped && !p->unstoppable && p->submitted)
			mdma_chans_failed(p->mc, broken && !copied);
	}
	if (timed_out) {
		mdma_stat_add(MDMA_TIMEOUTS, 1);
		if (b->hurried)
			mdma_stat_add(MDMA_ASYNC_TIMEOUTS, 1);
		pr_warn_ratelimited("batch of %u folios timed out\n", req->nr);
	}
	if (aborted)
		mdma_stat_add(MDMA_ABORTED, 1);
	srcu_read_unlock(&mdma.srcu, b->srcu_idx);
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

void mdma_copy(struct migrate_offload_provider *prov,
	       struct migrate_offload_req *req)
{
	struct mdma_batch *b = mdma_start(req, false);

	if (b)
		mdma_end(b, req);
}

/*
 * Streaming: mdma_submit_req() returns once the transfers are submitted;
 * migration then commits each folio after mdma_wait_item() says its
 * transfers are over, while the engines copy the later ones, and ends
 * with mdma_finish(). Timeouts, terminates and transfers that cannot be
 * stopped are handled as for a batch copied in one go: a folio reported
 * copied had all its transfers succeed, and one that was not copied has
 * none left that could write it (or, if its terminate failed, is held
 * and fails for good).
 */
void mdma_submit_req(struct migrate_offload_provider *prov,
		     struct migrate_offload_req *req)
{
	struct mdma_batch *b = mdma_start(req, true);
	unsigned int i;

	req->priv = NULL;
	if (!b)
		return;
	if (!b->streaming) {
		/* Its mappings need syncs: copied in one go, as by mdma_copy(). */
		mdma_end(b, req);
		return;
	}
	req->priv = b;
	mdma_stat_add(MDMA_STREAMED, 1);
	for (i = 0; i < req->nr; i++) {
		struct mdma_item *it = &b->items[i];

		/* Already over: say so now, the core moves on with it. */
		if (!atomic_read_acquire(&it->left)) {
			req->items[i]->status = mdma_item_result(it);
			it->reported = true;
		} else {
			req->items[i]->status = -EINPROGRESS;
		}
	}
}

void mdma_wait_item(struct migrate_offload_provider *prov,
		    struct migrate_offload_req *req, unsigned int i)
{
	struct mdma_batch *b = req->priv;
	struct mdma_item *it = &b->items[i];

	if (!wait_event_timeout(mdma.wq, mdma_item_over(b, it),
				mdma_time_left(b)))
		mdma_expire(b, req);
	req->items[i]->status = mdma_item_result(it);
	it->reported = true;
	/* Its commit overlaps the copy of what is still running. */
	if (!req->items[i]->status && !mdma_batch_over(b, b->nr_parts))
		mdma_stat_add(MDMA_EARLY, 1);
}

void mdma_finish(struct migrate_offload_provider *prov,
		 struct migrate_offload_req *req)
{
	struct mdma_batch *b = req->priv;

	req->priv = NULL;
	if (b)
		mdma_end(b, req);
}
