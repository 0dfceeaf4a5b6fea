// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi dmaengine provider: DMA_MEMCPY and DMA_INTERRUPT on client
 * contexts.
 *
 * Each transaction becomes one COPY (or NOP) descriptor with its own
 * completion status block; a burst ends with one fenced INTR descriptor,
 * so a burst costs one interrupt. Completions are taken in ring order.
 * A context that failed, stalled or was terminated is stopped through
 * the admin context, emptied and started again by recover_work, which
 * sleeps; everything that runs in atomic context only flags and queues.
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

static enum dmaengine_tx_result sdxi_result(u16 err_class)
{
	switch (err_class) {
	case SDXI_ERR_CLASS_READ:
		return DMA_TRANS_READ_FAILED;
	case SDXI_ERR_CLASS_WRITE:
		return DMA_TRANS_WRITE_FAILED;
	default:
		return DMA_TRANS_ABORTED;
	}
}

/* Complete @d with @result; failures are remembered for tx_status. */
static void sdxi_finish(struct sdxi_chan *chan, struct sdxi_dma_desc *d,
			enum dmaengine_tx_result result)
{
	d->vd.tx_result.result = result;
	d->vd.tx_result.residue = result == DMA_TRANS_NOERROR ? 0 : d->len;
	if (result != DMA_TRANS_NOERROR)
		chan->failed[chan->nr_failed++ % SDXI_FAILED_COOKIES] =
			d->vd.tx.cookie;
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

/* Take finished transactions off the ring, oldest first. */
static void sdxi_chan_complete(struct sdxi_chan *chan)
{
	struct sdxi_ring *ring = &chan->ring;
	struct sdxi_dma_desc *d, *n;

	list_for_each_entry_safe(d, n, &chan->active, node) {
		struct sdxi_cst_blk *csb;
		u32 flags;

		csb = &ring->csb[sdxi_ring_slot(d->index, ring->entries)];
		if (le64_to_cpu(READ_ONCE(csb->signal)))
			break;
		dma_rmb();
		flags = le32_to_cpu(READ_ONCE(csb->flags));
		list_del(&d->node);
		chan->last_progress = jiffies;
		if (flags & SDXI_CST_BLK_ER) {
			sdxi_finish(chan, d, sdxi_result(chan->err_class));
			/* The context stopped itself at this descriptor. */
			sdxi_chan_stop_locked(chan);
		} else {
			sdxi_finish(chan, d, DMA_TRANS_NOERROR);
		}
	}
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

	space = sdxi_ring_space(ring->write, sdxi_ring_read_index(ring),
				ring->entries);
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

static irqreturn_t sdxi_chan_irq(int irq, void *data)
{
	struct sdxi_chan *chan = data;
	unsigned long flags;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (!chan->dead) {
		sdxi_chan_complete(chan);
		sdxi_chan_start(chan);
	}
	spin_unlock_irqrestore(&chan->vc.lock, flags);
	return IRQ_HANDLED;
}

/**
 * sdxi_chan_error() - the error log reported a failure on a context
 * @chan: the channel of that context
 * @err_class: the error class of the entry
 * @index: ring index of the failed descriptor, U64_MAX if the entry has none
 *
 * The watchdog may have found the failed descriptor's completion first
 * and the context may be running again by the time the entry is read:
 * an entry for a descriptor before the last recovery changes nothing.
 *
 * Context: any; takes the channel lock.
 */
void sdxi_chan_error(struct sdxi_chan *chan, u16 err_class, u64 index)
{
	unsigned long flags;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (index >= chan->reset_index) {
		chan->err_class = err_class;
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
 * it again. A context that cannot be stopped or started is dead.
 */
static void sdxi_chan_recover(struct work_struct *work)
{
	struct sdxi_chan *chan = container_of(work, struct sdxi_chan,
					      recover_work);
	struct sdxi_dev *sdxi = chan->sdxi;
	struct sdxi_dma_desc *d, *n;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (chan->dead || READ_ONCE(sdxi->removing)) {
		spin_unlock_irqrestore(&chan->vc.lock, flags);
		return;
	}
	chan->stopped = true;
	spin_unlock_irqrestore(&chan->vc.lock, flags);

	ret = sdxi_admin_cxt(sdxi, SDXI_SUB_CXT_STOP, chan->ring.id);

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (!ret) {
		/* Stopped: the function no longer touches these buffers. */
		sdxi_chan_complete(chan);
		list_for_each_entry_safe(d, n, &chan->active, node) {
			list_del(&d->node);
			sdxi_finish(chan, d, DMA_TRANS_ABORTED);
		}
		sdxi_ring_reset(&chan->ring);
		chan->reset_index = chan->ring.write;
	}
	spin_unlock_irqrestore(&chan->vc.lock, flags);

	if (!ret)
		ret = sdxi_admin_cxt(sdxi, SDXI_SUB_CXT_START_NM, chan->ring.id);

	spin_lock_irqsave(&chan->vc.lock, flags);
	if (ret) {
		dev_err(sdxi_dev(sdxi), "context %u: cannot restart (%d)\n",
			chan->ring.id, ret);
		chan->dead = true;
	} else if (!READ_ONCE(sdxi->removing)) {
		chan->stopped = false;
		chan->err_class = 0;
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
	enum dma_status status;
	unsigned long flags;
	unsigned int i;

	/*
	 * Under the lock that cookie assignment and completion take: read
	 * unlocked, the last used and last completed cookies can come from
	 * different moments and make a finished transaction look busy when
	 * another thread submits and completes on the channel meanwhile.
	 */
	spin_lock_irqsave(&chan->vc.lock, flags);
	status = dma_cookie_status(c, cookie, state);
	if (status == DMA_COMPLETE) {
		for (i = 0; i < SDXI_FAILED_COOKIES; i++)
			if (chan->failed[i] == cookie)
				status = DMA_ERROR;
	} else {
		vd = vchan_find_desc(&chan->vc, cookie);
		/* Residue is per descriptor: all of it until it is done. */
		dma_set_residue(state, vd ? to_sdxi_desc(vd)->len : 0);
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
	u16 vector = 1 + i % (pci_msix_vec_count(pdev) - 1);
	int ret;

	chan->sdxi = sdxi;
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
	ret = sdxi_admin_cxt(sdxi, SDXI_SUB_CXT_START_NM, chan->ring.id);
	if (ret) {
		free_irq(chan->irq, chan);
		return ret;
	}
	vchan_init(&chan->vc, &sdxi->dma);
	return 0;
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

	INIT_LIST_HEAD(&dma->channels);
	dma->dev = dev;
	dma_cap_set(DMA_MEMCPY, dma->cap_mask);
	dma_cap_set(DMA_INTERRUPT, dma->cap_mask);
	/*
	 * Each descriptor has its own completion status block, whose error
	 * bit sdxi_chan_complete() reads before it completes the transfer,
	 * and virt-dma calls back every completed descriptor.
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
	while (sdxi->nr_chans) {
		struct sdxi_chan *chan = &sdxi->chans[--sdxi->nr_chans];

		sdxi_admin_cxt(sdxi, SDXI_SUB_CXT_STOP, chan->ring.id);
		free_irq(chan->irq, chan);
		tasklet_kill(&chan->vc.task);
	}
	kfree(sdxi->chans);
	sdxi->chans = NULL;
	return ret;
}

/**
 * sdxi_dma_stop() - stop all channels; clients may still hold them
 * @sdxi: the function
 *
 * Every context is stopped and every transaction on it or queued for it
 * completes with DMA_TRANS_ABORTED; so does anything a client still
 * holding a channel submits later. The caller then resets the function
 * and unregisters the dmaengine device; @sdxi is freed when the last
 * client lets go.
 */
void sdxi_dma_stop(struct sdxi_dev *sdxi)
{
	unsigned int i;

	WRITE_ONCE(sdxi->removing, true);
	for (i = 0; i < sdxi->nr_chans; i++) {
		struct sdxi_chan *chan = &sdxi->chans[i];

		spin_lock_irq(&chan->vc.lock);
		chan->stopped = true;
		spin_unlock_irq(&chan->vc.lock);
		/* A recovery in flight owns the admin context: let it end. */
		flush_work(&chan->recover_work);
		cancel_delayed_work_sync(&chan->watchdog);
		sdxi_admin_cxt(sdxi, SDXI_SUB_CXT_STOP, chan->ring.id);
		free_irq(chan->irq, chan);
	}
	/* With every context stopped, nothing touches client buffers. */
	for (i = 0; i < sdxi->nr_chans; i++) {
		struct sdxi_chan *chan = &sdxi->chans[i];
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
}
