// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi dmaengine provider: DMA_MEMCPY and DMA_INTERRUPT on client
 * contexts.
 *
 * Each transaction becomes one COPY (or NOP) descriptor with the
 * completion status block of its ring slot; a burst ends with one fenced
 * INTR descriptor, so a burst costs one interrupt. The function's read
 * index counts fetched descriptors, not finished ones, and unfenced
 * descriptors may finish in any order: a transaction is done when its
 * block says so, results are handed out in submission order, and a slot
 * (with its block) is reused only once the transaction that last used
 * it was collected. A context that failed, stalled or was terminated is
 * stopped through the admin context, emptied and started again by
 * recover_work, which sleeps; everything that runs in atomic context
 * only flags and queues.
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../dmaengine.h"
#include "sdxi.h"

static unsigned int timeout_ms = 5000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Restart a context whose work makes no progress for this long (0: never)");

/* How often a busy channel looks for completions whose interrupt got lost. */
#define SDXI_POLL		msecs_to_jiffies(100)

static struct sdxi_dma_desc *to_sdxi_desc(struct virt_dma_desc *vd)
{
	return container_of(vd, struct sdxi_dma_desc, vd);
}

static void sdxi_desc_free(struct virt_dma_desc *vd)
{
	kfree(to_sdxi_desc(vd));
}

/* Remember a failed cookie; runs of consecutive ones share an entry. */
static void sdxi_note_failed(struct sdxi_chan *chan, dma_cookie_t cookie)
{
	unsigned int n = chan->nr_failed;

	if (n && chan->failed[n - 1].last + 1 == cookie) {
		chan->failed[n - 1].last = cookie;
		return;
	}
	if (chan->nr_failed == SDXI_FAILED_RUNS) {
		memmove(chan->failed, chan->failed + 1,
			sizeof(chan->failed) - sizeof(chan->failed[0]));
		chan->nr_failed--;
	}
	chan->failed[chan->nr_failed].first = cookie;
	chan->failed[chan->nr_failed].last = cookie;
	chan->nr_failed++;
}

static bool sdxi_cookie_failed(struct sdxi_chan *chan, dma_cookie_t cookie)
{
	unsigned int i;

	for (i = 0; i < chan->nr_failed; i++)
		if (cookie >= chan->failed[i].first &&
		    cookie <= chan->failed[i].last)
			return true;
	return false;
}

/* Complete @d with @result; failures are remembered for tx_status. */
static void sdxi_finish(struct sdxi_chan *chan, struct sdxi_dma_desc *d,
			enum dmaengine_tx_result result)
{
	d->vd.tx_result.result = result;
	d->vd.tx_result.residue = result == DMA_TRANS_NOERROR ? 0 : d->len;
	if (result != DMA_TRANS_NOERROR)
		sdxi_note_failed(chan, d->vd.tx.cookie);
	vchan_cookie_complete(&d->vd);
}

/*
 * Stop feeding the ring and let recover_work restart the context. A
 * stopped channel already has a recovery queued or running (or needs
 * none: it is dead or going away), and that recovery stops the context
 * before it cleans the ring: it deals with whatever failed meanwhile. A
 * second one, queued while the first runs, would stop the context again
 * after the restart and abort the client's next transfers.
 */
static void sdxi_chan_stop_locked(struct sdxi_chan *chan)
{
	if (chan->stopped)
		return;
	chan->stopped = true;
	if (!chan->dead && !READ_ONCE(chan->sdxi->removing))
		queue_work(system_dfl_wq, &chan->recover_work);
}

static struct sdxi_cst_blk *sdxi_desc_csb(struct sdxi_chan *chan,
					  struct sdxi_dma_desc *d)
{
	return &chan->ring.csb[sdxi_ring_slot(d->index, chan->ring.entries)];
}

/* Complete @d, whose block has signalled; false if it failed. */
static bool sdxi_collect(struct sdxi_chan *chan, struct sdxi_dma_desc *d)
{
	u32 flags;

	/* The flags are valid only once the signal reached zero. */
	dma_rmb();
	flags = le32_to_cpu(READ_ONCE(sdxi_desc_csb(chan, d)->flags));
	list_del(&d->node);
	chan->last_progress = jiffies;
	if (flags & SDXI_CST_BLK_ER) {
		sdxi_finish(chan, d, chan->err_result);
		return false;
	}
	sdxi_finish(chan, d, DMA_TRANS_NOERROR);
	return true;
}

static bool sdxi_signalled(struct sdxi_chan *chan, struct sdxi_dma_desc *d)
{
	return !le64_to_cpu(READ_ONCE(sdxi_desc_csb(chan, d)->signal));
}

/*
 * Take finished transactions off the ring in submission order: one that
 * finished ahead of an older one waits for it. Return: how many.
 */
static unsigned int sdxi_chan_complete(struct sdxi_chan *chan)
{
	struct sdxi_dma_desc *d, *n;
	unsigned int done = 0;

	list_for_each_entry_safe(d, n, &chan->active, node) {
		if (!sdxi_signalled(chan, d))
			break;
		done++;
		/* The context stopped itself at this descriptor. */
		if (!sdxi_collect(chan, d))
			sdxi_chan_stop_locked(chan);
	}
	return done;
}

/*
 * The context is stopped, so no block changes any more: what finished
 * completes with its own result, in order, and the rest is aborted.
 */
static void sdxi_chan_reap(struct sdxi_chan *chan)
{
	struct sdxi_dma_desc *d, *n;

	list_for_each_entry_safe(d, n, &chan->active, node) {
		if (sdxi_signalled(chan, d)) {
			sdxi_collect(chan, d);
		} else {
			list_del(&d->node);
			sdxi_finish(chan, d, DMA_TRANS_ABORTED);
		}
	}
}

/*
 * Free slots: what the function has fetched, bounded by the oldest
 * transaction not collected yet, whose block a new descriptor in the
 * same slot would re-arm while the function may still write it.
 */
static u32 sdxi_chan_space(struct sdxi_chan *chan)
{
	struct sdxi_ring *ring = &chan->ring;
	struct sdxi_dma_desc *oldest;
	u32 space;

	space = sdxi_ring_space(ring->write, sdxi_ring_read_index(ring),
				ring->entries);
	oldest = list_first_entry_or_null(&chan->active, struct sdxi_dma_desc,
					  node);
	if (oldest)
		space = min(space, sdxi_ring_space(ring->write, oldest->index,
						   ring->entries));
	return space;
}

/* Fail everything not yet on the ring: the function is gone. */
static void sdxi_chan_fail_issued(struct sdxi_chan *chan)
{
	struct virt_dma_desc *vd;

	while ((vd = vchan_next_desc(&chan->vc))) {
		list_del(&vd->node);
		sdxi_finish(chan, to_sdxi_desc(vd), DMA_TRANS_ABORTED);
	}
}

/* Move issued transactions to the ring while there is room. */
static void sdxi_chan_start(struct sdxi_chan *chan)
{
	struct sdxi_ring *ring = &chan->ring;
	struct virt_dma_desc *vd;
	unsigned int posted = 0;
	struct sdxi_desc hw;
	u32 space;

	if (chan->dead) {
		sdxi_chan_fail_issued(chan);
		return;
	}
	if (chan->stopped)
		return;

	space = sdxi_chan_space(chan);
	/* Keep one slot for the INTR that closes the burst. */
	while (space > 1 && (vd = vchan_next_desc(&chan->vc))) {
		struct sdxi_dma_desc *d = to_sdxi_desc(vd);
		u32 slot = sdxi_ring_slot(ring->write, ring->entries);
		struct sdxi_cst_blk *csb = &ring->csb[slot];
		dma_addr_t csb_dma = ring->csb_dma + slot * sizeof(*csb);

		WRITE_ONCE(csb->flags, 0);
		WRITE_ONCE(csb->signal, cpu_to_le64(1));
		if (d->len)
			sdxi_encode_copy(&hw, d->src, d->dst, d->len, csb_dma);
		else
			sdxi_encode_nop(&hw, csb_dma);
		d->index = ring->write;
		sdxi_ring_post(ring, &hw);
		list_del(&vd->node);
		list_add_tail(&d->node, &chan->active);
		space--;
		posted++;
	}
	if (!posted)
		return;

	sdxi_encode_intr(&hw, 0);
	sdxi_ring_post(ring, &hw);
	sdxi_ring_ring(ring);
	chan->last_progress = jiffies;
	if (!delayed_work_pending(&chan->watchdog))
		mod_delayed_work(system_dfl_wq, &chan->watchdog, SDXI_POLL);
}

/* Channels may share a vector: only one that completed work handled it. */
static irqreturn_t sdxi_chan_irq(int irq, void *data)
{
	struct sdxi_chan *chan = data;
	unsigned int done = 0;
	unsigned long flags;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (!chan->dead) {
		done = sdxi_chan_complete(chan);
		sdxi_chan_start(chan);
	}
	spin_unlock_irqrestore(&chan->vc.lock, flags);
	return done ? IRQ_HANDLED : IRQ_NONE;
}

/**
 * sdxi_chan_error() - the error log reported a failure on a context
 * @chan: the channel of that context
 * @result: what the entry says about the failed transaction
 * @index: ring index of the failed descriptor, U64_MAX if the entry has none
 *
 * The failed descriptor's completion may have been collected first, and
 * the context may be running again by the time the entry is read: an
 * entry for a descriptor before the last recovery changes nothing.
 *
 * Context: any; takes the channel lock.
 */
void sdxi_chan_error(struct sdxi_chan *chan, enum dmaengine_tx_result result,
		     u64 index)
{
	unsigned long flags;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (index >= chan->reset_index) {
		chan->err_result = result;
		sdxi_chan_complete(chan);
		sdxi_chan_stop_locked(chan);
	}
	spin_unlock_irqrestore(&chan->vc.lock, flags);
}

/*
 * Runs every SDXI_POLL while work is on the ring: picks up completions
 * whose interrupt never came, notices a context in error state and
 * restarts one that made no progress for timeout_ms.
 */
static void sdxi_chan_watchdog(struct work_struct *work)
{
	struct sdxi_chan *chan = container_of(to_delayed_work(work),
					      struct sdxi_chan, watchdog);
	unsigned long flags;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (chan->dead || chan->stopped)
		goto out;
	sdxi_chan_complete(chan);
	sdxi_chan_start(chan);
	if (list_empty(&chan->active) || chan->stopped)
		goto out;
	if (sdxi_ring_state(&chan->ring) == SDXI_CXT_ERR_FN) {
		sdxi_chan_stop_locked(chan);
	} else if (timeout_ms && time_after(jiffies, chan->last_progress +
					   msecs_to_jiffies(timeout_ms))) {
		dev_err_ratelimited(chan->vc.chan.device->dev,
				    "context %u: no progress for %u ms, restarting it\n",
				    chan->ring.id, timeout_ms);
		sdxi_chan_stop_locked(chan);
	} else {
		mod_delayed_work(system_dfl_wq, &chan->watchdog, SDXI_POLL);
	}
out:
	spin_unlock_irqrestore(&chan->vc.lock, flags);
}

/*
 * Stop the context, fail what it did not finish, empty the ring and start
 * it again. A context that does not stop may still be writing its
 * buffers: only stopping the whole function makes them safe, and then
 * every channel is dead.
 */
static void sdxi_chan_recover(struct work_struct *work)
{
	struct sdxi_chan *chan = container_of(work, struct sdxi_chan,
					      recover_work);
	struct sdxi_dev *sdxi = chan->sdxi;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (chan->dead || READ_ONCE(sdxi->removing)) {
		spin_unlock_irqrestore(&chan->vc.lock, flags);
		return;
	}
	chan->stopped = true;
	spin_unlock_irqrestore(&chan->vc.lock, flags);

	ret = sdxi_cxt_stop(sdxi, &chan->ring);
	if (ret) {
		dev_err(sdxi_dev(sdxi), "context %u does not stop (%d): stopping the function\n",
			chan->ring.id, ret);
		queue_work(system_dfl_wq, &sdxi->fail_work);
		return;
	}

	spin_lock_irqsave(&chan->vc.lock, flags);
	/* Stopped: the function no longer touches these buffers. */
	sdxi_chan_reap(chan);
	sdxi_ring_reset(&chan->ring);
	chan->reset_index = chan->ring.write;
	spin_unlock_irqrestore(&chan->vc.lock, flags);

	ret = sdxi_cxt_start(sdxi, &chan->ring);

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (ret) {
		dev_err(sdxi_dev(sdxi), "context %u: cannot restart (%d)\n",
			chan->ring.id, ret);
		chan->dead = true;
	} else if (!READ_ONCE(sdxi->removing)) {
		chan->stopped = false;
		chan->err_result = DMA_TRANS_ABORTED;
	}
	sdxi_chan_start(chan);
	spin_unlock_irqrestore(&chan->vc.lock, flags);
}

static struct dma_async_tx_descriptor *
sdxi_prep_memcpy(struct dma_chan *c, dma_addr_t dst, dma_addr_t src,
		 size_t len, unsigned long flags)
{
	struct sdxi_chan *chan = to_sdxi_chan(c);
	struct sdxi_dma_desc *d;

	if (!len || len > chan->sdxi->max_copy)
		return NULL;
	d = kzalloc_obj(*d, GFP_NOWAIT);
	if (!d)
		return NULL;
	d->src = src;
	d->dst = dst;
	d->len = len;
	INIT_LIST_HEAD(&d->node);
	return vchan_tx_prep(&chan->vc, &d->vd, flags);
}

static struct dma_async_tx_descriptor *
sdxi_prep_interrupt(struct dma_chan *c, unsigned long flags)
{
	struct sdxi_chan *chan = to_sdxi_chan(c);
	struct sdxi_dma_desc *d;

	d = kzalloc_obj(*d, GFP_NOWAIT);
	if (!d)
		return NULL;
	INIT_LIST_HEAD(&d->node);
	return vchan_tx_prep(&chan->vc, &d->vd, flags);
}

static void sdxi_issue_pending(struct dma_chan *c)
{
	struct sdxi_chan *chan = to_sdxi_chan(c);
	unsigned long flags;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (vchan_issue_pending(&chan->vc))
		sdxi_chan_start(chan);
	spin_unlock_irqrestore(&chan->vc.lock, flags);
}

static enum dma_status sdxi_tx_status(struct dma_chan *c, dma_cookie_t cookie,
				      struct dma_tx_state *state)
{
	struct sdxi_chan *chan = to_sdxi_chan(c);
	struct virt_dma_desc *vd;
	struct sdxi_dma_desc *d;
	enum dma_status status;
	unsigned long flags;
	u32 residue = 0;

	/*
	 * Under the lock that cookie assignment and completion take: read
	 * unlocked, the last used and last completed cookies can come from
	 * different moments and make a finished transaction look busy when
	 * another thread submits and completes on the channel meanwhile.
	 */
	spin_lock_irqsave(&chan->vc.lock, flags);
	status = dma_cookie_status(c, cookie, state);
	if (status == DMA_COMPLETE) {
		if (sdxi_cookie_failed(chan, cookie))
			status = DMA_ERROR;
	} else {
		/* Residue is per descriptor: all of it until it is done. */
		vd = vchan_find_desc(&chan->vc, cookie);
		if (vd) {
			residue = to_sdxi_desc(vd)->len;
		} else {
			list_for_each_entry(d, &chan->active, node) {
				if (d->vd.tx.cookie == cookie) {
					residue = d->len;
					break;
				}
			}
		}
		dma_set_residue(state, residue);
	}
	spin_unlock_irqrestore(&chan->vc.lock, flags);
	return status;
}

/*
 * Atomic context allowed: take every transaction away from the client
 * and let recover_work stop the context; device_synchronize waits for it.
 */
static int sdxi_terminate_all(struct dma_chan *c)
{
	struct sdxi_chan *chan = to_sdxi_chan(c);
	struct sdxi_dma_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(head);

	spin_lock_irqsave(&chan->vc.lock, flags);
	list_for_each_entry_safe(d, n, &chan->active, node) {
		list_del(&d->node);
		/* Freed by vchan_synchronize(), after the context stopped. */
		vchan_terminate_vdesc(&d->vd);
	}
	vchan_get_all_descriptors(&chan->vc, &head);
	sdxi_chan_stop_locked(chan);
	spin_unlock_irqrestore(&chan->vc.lock, flags);
	vchan_dma_desc_free_list(&chan->vc, &head);
	return 0;
}

static void sdxi_synchronize(struct dma_chan *c)
{
	struct sdxi_chan *chan = to_sdxi_chan(c);

	flush_work(&chan->recover_work);
	vchan_synchronize(&chan->vc);
}

static int sdxi_alloc_chan_resources(struct dma_chan *c)
{
	return to_sdxi_chan(c)->dead ? -ENODEV : 0;
}

static void sdxi_free_chan_resources(struct dma_chan *c)
{
	sdxi_terminate_all(c);
	sdxi_synchronize(c);
	vchan_free_chan_resources(to_virt_chan(c));
}

/* The last reference to the dmaengine device is gone: free it all. */
static void sdxi_dma_release(struct dma_device *dma)
{
	struct sdxi_dev *sdxi = container_of(dma, struct sdxi_dev, dma);
	unsigned int i;

	for (i = 0; i < sdxi->nr_chans; i++)
		tasklet_kill(&sdxi->chans[i].vc.task);
	kfree(sdxi->chans);
	kfree(sdxi);
}

static int sdxi_chan_init(struct sdxi_dev *sdxi, struct sdxi_chan *chan,
			  unsigned int i)
{
	struct pci_dev *pdev = sdxi->pdev;
	u16 vector = 1 + i % (sdxi->nr_vectors - 1);
	int ret;

	chan->sdxi = sdxi;
	chan->err_result = DMA_TRANS_ABORTED;
	INIT_LIST_HEAD(&chan->active);
	INIT_WORK(&chan->recover_work, sdxi_chan_recover);
	INIT_DELAYED_WORK(&chan->watchdog, sdxi_chan_watchdog);
	chan->vc.desc_free = sdxi_desc_free;

	ret = sdxi_ring_init(sdxi, &chan->ring, i + 1, sdxi->max_ring, vector);
	if (ret)
		return ret;
	chan->irq = pci_irq_vector(pdev, vector);
	ret = request_irq(chan->irq, sdxi_chan_irq, IRQF_SHARED, SDXI_DRV_NAME,
			  chan);
	if (ret)
		return ret;
	ret = sdxi_cxt_start(sdxi, &chan->ring);
	if (ret) {
		free_irq(chan->irq, chan);
		return ret;
	}
	vchan_init(&chan->vc, &sdxi->dma);
	return 0;
}

/* Fail everything a dead channel holds; the function no longer runs it. */
static void sdxi_chan_fail_all(struct sdxi_chan *chan)
{
	struct sdxi_dma_desc *d, *n;

	spin_lock_irq(&chan->vc.lock);
	chan->dead = true;
	list_for_each_entry_safe(d, n, &chan->active, node) {
		list_del(&d->node);
		sdxi_finish(chan, d, DMA_TRANS_ABORTED);
	}
	sdxi_chan_fail_issued(chan);
	spin_unlock_irq(&chan->vc.lock);
}

/*
 * A context did not stop: stop the function, which ends every context,
 * and only then fail what was in flight. If even that fails, bus
 * mastering goes off so the function cannot reach memory we give back.
 */
static void sdxi_fn_fail(struct work_struct *work)
{
	struct sdxi_dev *sdxi = container_of(work, struct sdxi_dev, fail_work);
	unsigned int i;

	if (READ_ONCE(sdxi->failed) || READ_ONCE(sdxi->removing))
		return;
	WRITE_ONCE(sdxi->failed, true);
	for (i = 0; i < sdxi->nr_chans; i++) {
		spin_lock_irq(&sdxi->chans[i].vc.lock);
		sdxi->chans[i].stopped = true;
		spin_unlock_irq(&sdxi->chans[i].vc.lock);
	}
	if (sdxi_fn_stop(sdxi)) {
		dev_err(sdxi_dev(sdxi), "function does not stop: bus mastering off\n");
		pci_clear_master(sdxi->pdev);
	}
	for (i = 0; i < sdxi->nr_chans; i++)
		sdxi_chan_fail_all(&sdxi->chans[i]);
}

/**
 * sdxi_dma_register() - start client contexts and register their channels
 * @sdxi: the function, active, with its admin context running
 * @nr_chans: channels wanted
 *
 * Return: 0 or a negative errno; on error nothing stays registered and
 * the caller still owns @sdxi.
 */
int sdxi_dma_register(struct sdxi_dev *sdxi, unsigned int nr_chans)
{
	struct dma_device *dma = &sdxi->dma;
	struct device *dev = sdxi_dev(sdxi);
	unsigned int i;
	int ret;

	sdxi->chans = kzalloc_objs(*sdxi->chans, nr_chans);
	if (!sdxi->chans)
		return -ENOMEM;
	INIT_WORK(&sdxi->fail_work, sdxi_fn_fail);

	INIT_LIST_HEAD(&dma->channels);
	dma->dev = dev;
	dma_cap_set(DMA_MEMCPY, dma->cap_mask);
	dma_cap_set(DMA_INTERRUPT, dma->cap_mask);
	/*
	 * Each transaction has a completion status block of its own while
	 * it is on the ring, whose error bit sdxi_collect() reads before it
	 * completes the transfer, and virt-dma calls back every completed
	 * descriptor.
	 */
	dma_cap_set(DMA_COMPLETION_RESULT, dma->cap_mask);
	dma->directions = BIT(DMA_MEM_TO_MEM);
	dma->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	dma->copy_align = DMAENGINE_ALIGN_1_BYTE;
	dma->device_prep_dma_memcpy = sdxi_prep_memcpy;
	dma->device_prep_dma_interrupt = sdxi_prep_interrupt;
	dma->device_issue_pending = sdxi_issue_pending;
	dma->device_tx_status = sdxi_tx_status;
	dma->device_terminate_all = sdxi_terminate_all;
	dma->device_synchronize = sdxi_synchronize;
	dma->device_alloc_chan_resources = sdxi_alloc_chan_resources;
	dma->device_free_chan_resources = sdxi_free_chan_resources;
	dma->device_release = sdxi_dma_release;
	dma_set_max_seg_size(dev, min_t(u64, sdxi->max_copy, UINT_MAX));

	for (i = 0; i < nr_chans; i++) {
		ret = sdxi_chan_init(sdxi, &sdxi->chans[i], i);
		if (ret)
			goto err;
		sdxi->nr_chans++;
	}

	ret = dma_async_device_register(dma);
	if (ret)
		goto err;
	return 0;

err:
	dev_err(dev, "cannot set up channel %u: %d\n", sdxi->nr_chans, ret);
	/* Nothing was submitted: the caller's function stop is enough. */
	while (sdxi->nr_chans) {
		struct sdxi_chan *chan = &sdxi->chans[--sdxi->nr_chans];

		free_irq(chan->irq, chan);
		tasklet_kill(&chan->vc.task);
	}
	kfree(sdxi->chans);
	sdxi->chans = NULL;
	return ret;
}

/**
 * sdxi_dma_quiesce() - stop every context; clients may still hold channels
 * @sdxi: the function
 *
 * Nothing new reaches the rings. Work in flight is not failed yet: the
 * caller first stops the function (a context that did not stop may still
 * be copying), then calls sdxi_dma_fail_all().
 */
void sdxi_dma_quiesce(struct sdxi_dev *sdxi)
{
	unsigned int i;

	WRITE_ONCE(sdxi->removing, true);
	cancel_work_sync(&sdxi->fail_work);
	for (i = 0; i < sdxi->nr_chans; i++) {
		struct sdxi_chan *chan = &sdxi->chans[i];

		spin_lock_irq(&chan->vc.lock);
		chan->stopped = true;
		spin_unlock_irq(&chan->vc.lock);
		/* A recovery in flight owns the admin context: let it end. */
		flush_work(&chan->recover_work);
		cancel_delayed_work_sync(&chan->watchdog);
		if (!READ_ONCE(sdxi->failed))
			sdxi_cxt_stop(sdxi, &chan->ring);
		free_irq(chan->irq, chan);
	}
}

/**
 * sdxi_dma_fail_all() - fail everything outstanding on a stopped function
 * @sdxi: the function, stopped (or no longer bus master)
 *
 * Every transaction on a ring or queued for one completes with
 * DMA_TRANS_ABORTED; so does anything a client still holding a channel
 * submits later. The caller then unregisters the dmaengine device;
 * @sdxi is freed when the last client lets go.
 */
void sdxi_dma_fail_all(struct sdxi_dev *sdxi)
{
	unsigned int i;

	for (i = 0; i < sdxi->nr_chans; i++)
		sdxi_chan_fail_all(&sdxi->chans[i]);
}
