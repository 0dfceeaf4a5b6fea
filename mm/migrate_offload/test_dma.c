// SPDX-License-Identifier: GPL-2.0
/*
 * A dmaengine driver that breaks the promises of the dmaengine API on
 * request, for the selftests of the "dmaengine" migration copy provider
 * (tools/testing/selftests/mm/migrate_dma_drivers.c).
 *
 * It registers a platform device, "test_migrate_dma", with two private
 * DMA_MEMCPY channels that copy with the CPU from a workqueue, 64 KiB per
 * transfer at most, so a folio takes several. The device has no IOMMU:
 * its DMA addresses are physical ones (dma-direct, maybe bounced). The
 * "mode" parameter says how it misbehaves:
 *
 *   good            keeps every promise
 *   no_terminate    has no device_terminate_all
 *   no_synchronize  has no device_synchronize
 *   no_result       calls back without a result, which the dmaengine core
 *                   reports as success, and does not set
 *                   DMA_COMPLETION_RESULT
 *   false_success   as no_result, and skips every Nth copy while
 *                   reporting it done
 *   errors          fails every Nth transfer, and says so
 *   out_of_order    runs each channel's issued transfers newest first,
 *                   without DMA_COMPLETION_NO_ORDER
 *   stall           holds every Nth transfer for late_ms, then completes
 *                   it; terminate drops it like the others
 *   unstoppable     holds every Nth transfer for late_ms; while it holds
 *                   one, terminate fails with -EBUSY; then it writes the
 *                   held transfers' destinations late, with stale data (a
 *                   byte pattern, so that a destination put to use too
 *                   early shows it), and reports them
 *   stops_later     as unstoppable, but only the first terminate of a
 *                   channel fails; the next one drops the held transfers
 *                   without a report, as a terminate that succeeds may,
 *                   and so does freeing the channel
 *
 * Writing a channel's index to the "unplug" parameter unregisters that
 * channel alone, the way idxd drops the channel of a work queue being
 * disabled, with the device still bound.
 *
 * A driver that sets DMA_COMPLETION_RESULT and still reports success for
 * a failed copy, or whose terminate returns 0 and keeps writing, breaks
 * what it declared; no client can tell, so no mode does it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/highmem.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#define TMD_NAME	"test_migrate_dma"
#define TMD_CHANS	2

enum tmd_mode {
	TMD_GOOD,
	TMD_NO_TERMINATE,
	TMD_NO_SYNCHRONIZE,
	TMD_NO_RESULT,
	TMD_FALSE_SUCCESS,
	TMD_ERRORS,
	TMD_OUT_OF_ORDER,
	TMD_STALL,
	TMD_UNSTOPPABLE,
	TMD_STOPS_LATER,
};

static const char * const tmd_modes[] = {
	[TMD_GOOD] = "good",
	[TMD_NO_TERMINATE] = "no_terminate",
	[TMD_NO_SYNCHRONIZE] = "no_synchronize",
	[TMD_NO_RESULT] = "no_result",
	[TMD_FALSE_SUCCESS] = "false_success",
	[TMD_ERRORS] = "errors",
	[TMD_OUT_OF_ORDER] = "out_of_order",
	[TMD_STALL] = "stall",
	[TMD_UNSTOPPABLE] = "unstoppable",
	[TMD_STOPS_LATER] = "stops_later",
};

static char *mode = "good";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "how the channels misbehave (see the source)");

static unsigned int every = 5;
module_param(every, uint, 0444);
MODULE_PARM_DESC(every, "the Nth transfer of a channel fails, lies or is held");

static unsigned int late_ms = 3000;
module_param(late_ms, uint, 0444);
MODULE_PARM_DESC(late_ms,
		 "how long stall, unstoppable and stops_later hold a transfer");

static enum tmd_mode tmd_mode;
static struct workqueue_struct *tmd_wq;
static struct platform_device *tmd_pdev;

struct tmd_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	dma_addr_t dst, src;
	size_t len;
};

/*
 * @lock guards the lists and @refused; @work runs @issued one transfer at
 * a time and @late the @held ones. Only @work counts transfers (@nth).
 */
struct tmd_chan {
	struct dma_chan chan;
	spinlock_t lock;		/* see above */
	struct list_head submitted, issued, held;
	struct work_struct work;
	struct delayed_work late;
	unsigned long nth;
	bool refused;		/* stops_later: its one failed terminate */
};

struct tmd {
	struct dma_device dma;
	struct tmd_chan chans[TMD_CHANS];
	bool unplugged[TMD_CHANS];
};

/* The bound device, for "unplug"; @tmd_lock orders it against remove. */
static DEFINE_MUTEX(tmd_lock);
static struct tmd *tmd_bound;

static int tmd_unplug(const char *val, const struct kernel_param *kp)
{
	unsigned int i;
	int ret;

	ret = kstrtouint(val, 0, &i);
	if (ret)
		return ret;
	if (i >= TMD_CHANS)
		return -EINVAL;
	mutex_lock(&tmd_lock);
	if (!tmd_bound || tmd_bound->unplugged[i]) {
		ret = -ENODEV;
	} else {
		struct dma_chan *chan = &tmd_bound->chans[i].chan;

		dma_async_device_channel_unregister(&tmd_bound->dma, chan);
		list_del(&chan->device_node);
		tmd_bound->unplugged[i] = true;
	}
	mutex_unlock(&tmd_lock);
	return ret;
}

static const struct kernel_param_ops tmd_unplug_ops = { .set = tmd_unplug };
module_param_cb(unplug, &tmd_unplug_ops, NULL, 0200);
MODULE_PARM_DESC(unplug, "write a channel's index to unregister it alone");

static struct tmd_chan *to_tmd_chan(struct dma_chan *chan)
{
	return container_of(chan, struct tmd_chan, chan);
}

static dma_cookie_t tmd_submit(struct dma_async_tx_descriptor *tx)
{
	struct tmd_chan *tc = to_tmd_chan(tx->chan);
	struct tmd_desc *d = container_of(tx, struct tmd_desc, tx);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&tc->lock, flags);
	cookie = tx->chan->cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->chan->cookie = cookie;
	tx->cookie = cookie;
	list_add_tail(&d->node, &tc->submitted);
	spin_unlock_irqrestore(&tc->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
tmd_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		size_t len, unsigned long flags)
{
	struct tmd_desc *d = kzalloc_obj(*d, GFP_NOWAIT | __GFP_NOWARN);

	if (!d)
		return NULL;
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.flags = flags;
	d->tx.tx_submit = tmd_submit;
	d->dst = dst;
	d->src = src;
	d->len = len;
	return &d->tx;
}

static void tmd_issue_pending(struct dma_chan *chan)
{
	struct tmd_chan *tc = to_tmd_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&tc->lock, flags);
	list_splice_tail_init(&tc->submitted, &tc->issued);
	spin_unlock_irqrestore(&tc->lock, flags);
	queue_work(tmd_wq, &tc->work);
}

#define TMD_STALE	0x5a

/*
 * The engine's copy, or with @stale its late write of garbage: DMA
 * addresses are physical ones.
 */
static void tmd_write(struct tmd_chan *tc, struct tmd_desc *d, bool stale)
{
	struct device *dev = tc->chan.device->dev;
	phys_addr_t to = dma_to_phys(dev, d->dst);
	phys_addr_t from = dma_to_phys(dev, d->src);
	size_t left = d->len;

	while (left) {
		size_t n = min3(left, PAGE_SIZE - offset_in_page(to),
				PAGE_SIZE - offset_in_page(from));
		void *dst = kmap_local_page(pfn_to_page(PHYS_PFN(to)));
		void *src = kmap_local_page(pfn_to_page(PHYS_PFN(from)));

		if (stale)
			memset(dst + offset_in_page(to), TMD_STALE, n);
		else
			memcpy(dst + offset_in_page(to),
			       src + offset_in_page(from), n);
		kunmap_local(src);
		kunmap_local(dst);
		to += n;
		from += n;
		left -= n;
	}
}

/* Report @d done with @result (or, lying, with no result) and free it. */
static void tmd_complete(struct tmd_chan *tc, struct tmd_desc *d,
			 enum dmaengine_tx_result result)
{
	struct dma_async_tx_descriptor *tx = &d->tx;
	struct dmaengine_result res = {
		.result = result,
		.residue = result == DMA_TRANS_NOERROR ? 0 : d->len,
	};
	unsigned long flags;

	/* What the core hands a callback when a driver passes no result. */
	if (tmd_mode == TMD_NO_RESULT || tmd_mode == TMD_FALSE_SUCCESS)
		res = (struct dmaengine_result) { .result = DMA_TRANS_NOERROR };
	spin_lock_irqsave(&tc->lock, flags);
	if (dma_async_is_complete(tx->cookie, tc->chan.completed_cookie,
				  tc->chan.cookie) != DMA_COMPLETE)
		tc->chan.completed_cookie = tx->cookie;
	spin_unlock_irqrestore(&tc->lock, flags);
	if (tx->callback_result)
		tx->callback_result(tx->callback_param, &res);
	else if (tx->callback)
		tx->callback(tx->callback_param);
	kfree(d);
}

/* Run one transfer the way the mode says. */
static void tmd_run(struct tmd_chan *tc, struct tmd_desc *d)
{
	bool nth = every && !(++tc->nth % every);

	if (nth && tmd_mode == TMD_ERRORS) {
		tmd_complete(tc, d, DMA_TRANS_WRITE_FAILED);
		return;
	}
	if (nth && tmd_mode == TMD_FALSE_SUCCESS) {
		tmd_complete(tc, d, DMA_TRANS_NOERROR);
		return;
	}
	if (nth && (tmd_mode == TMD_STALL || tmd_mode == TMD_UNSTOPPABLE ||
		    tmd_mode == TMD_STOPS_LATER)) {
		spin_lock_irq(&tc->lock);
		list_add_tail(&d->node, &tc->held);
		spin_unlock_irq(&tc->lock);
		queue_delayed_work(tmd_wq, &tc->late, msecs_to_jiffies(late_ms));
		return;
	}
	tmd_write(tc, d, false);
	tmd_complete(tc, d, DMA_TRANS_NOERROR);
}

static void tmd_work(struct work_struct *work)
{
	struct tmd_chan *tc = container_of(work, struct tmd_chan, work);
	bool newest_first = tmd_mode == TMD_OUT_OF_ORDER;
	struct tmd_desc *d;

	/* One at a time, so that a terminate drops what has not run. */
	for (;;) {
		spin_lock_irq(&tc->lock);
		if (list_empty(&tc->issued)) {
			spin_unlock_irq(&tc->lock);
			return;
		}
		d = newest_first ?
			list_last_entry(&tc->issued, struct tmd_desc, node) :
			list_first_entry(&tc->issued, struct tmd_desc, node);
		list_del(&d->node);
		spin_unlock_irq(&tc->lock);
		tmd_run(tc, d);
		cond_resched();
	}
}

/*
 * The held transfers, late: a stalled engine copies them, one that could
 * not be stopped writes stale data; then the report.
 */
static void tmd_late(struct work_struct *work)
{
	struct tmd_chan *tc = container_of(to_delayed_work(work),
					   struct tmd_chan, late);
	struct tmd_desc *d, *n;
	LIST_HEAD(late);

	spin_lock_irq(&tc->lock);
	list_splice_init(&tc->held, &late);
	spin_unlock_irq(&tc->lock);
	list_for_each_entry_safe(d, n, &late, node) {
		list_del(&d->node);
		tmd_write(tc, d, tmd_mode != TMD_STALL);
		tmd_complete(tc, d, DMA_TRANS_NOERROR);
	}
}

static int tmd_terminate_all(struct dma_chan *chan)
{
	struct tmd_chan *tc = to_tmd_chan(chan);
	struct tmd_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(drop);

	spin_lock_irqsave(&tc->lock, flags);
	if (!list_empty(&tc->held) &&
	    (tmd_mode == TMD_UNSTOPPABLE ||
	     (tmd_mode == TMD_STOPS_LATER && !tc->refused))) {
		tc->refused = true;
		spin_unlock_irqrestore(&tc->lock, flags);
		return -EBUSY;
	}
	list_splice_init(&tc->held, &drop);
	list_splice_init(&tc->submitted, &drop);
	list_splice_init(&tc->issued, &drop);
	spin_unlock_irqrestore(&tc->lock, flags);
	list_for_each_entry_safe(d, n, &drop, node)
		kfree(d);
	return 0;
}

/*
 * The transfer running when terminate dropped the others ends here, and
 * so do held transfers that the late work took before the terminate: it
 * found none held, yet their callbacks may still be to come.
 */
static void tmd_synchronize(struct dma_chan *chan)
{
	flush_work(&to_tmd_chan(chan)->work);
	flush_delayed_work(&to_tmd_chan(chan)->late);
}

static enum dma_status tmd_tx_status(struct dma_chan *chan,
				     dma_cookie_t cookie,
				     struct dma_tx_state *state)
{
	struct tmd_chan *tc = to_tmd_chan(chan);
	dma_cookie_t done, used;
	unsigned long flags;

	spin_lock_irqsave(&tc->lock, flags);
	done = chan->completed_cookie;
	used = chan->cookie;
	spin_unlock_irqrestore(&tc->lock, flags);
	dma_set_tx_state(state, done, used, 0);
	return dma_async_is_complete(cookie, done, used);
}

/*
 * The client gave the channel back: whatever the engine still holds
 * completes now (a real engine would finish it some time), the rest is
 * dropped. In stops_later, the engine is stopped first, which drops what
 * it holds unreported, if its terminate works by now.
 */
static void tmd_free_chan_resources(struct dma_chan *chan)
{
	struct tmd_chan *tc = to_tmd_chan(chan);

	if (tmd_mode == TMD_STOPS_LATER)
		tmd_terminate_all(chan);
	flush_work(&tc->work);
	flush_delayed_work(&tc->late);
	tmd_terminate_all(chan);
}

static void tmd_release(struct dma_device *dma)
{
	kfree(container_of(dma, struct tmd, dma));
}

static int tmd_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct dma_device *dma;
	struct tmd *tmd;
	unsigned int i;
	int ret;

	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	dma_set_max_seg_size(dev, SZ_64K);
	tmd = kzalloc_obj(*tmd);
	if (!tmd)
		return -ENOMEM;
	dma = &tmd->dma;
	dma->dev = dev;
	dma_cap_set(DMA_MEMCPY, dma->cap_mask);
	dma_cap_set(DMA_PRIVATE, dma->cap_mask);
	if (tmd_mode != TMD_NO_RESULT && tmd_mode != TMD_FALSE_SUCCESS)
		dma_cap_set(DMA_COMPLETION_RESULT, dma->cap_mask);
	dma->directions = BIT(DMA_MEM_TO_MEM);
	dma->copy_align = DMAENGINE_ALIGN_1_BYTE;
	dma->device_prep_dma_memcpy = tmd_prep_memcpy;
	dma->device_issue_pending = tmd_issue_pending;
	dma->device_tx_status = tmd_tx_status;
	dma->device_free_chan_resources = tmd_free_chan_resources;
	dma->device_release = tmd_release;
	if (tmd_mode != TMD_NO_TERMINATE)
		dma->device_terminate_all = tmd_terminate_all;
	if (tmd_mode != TMD_NO_SYNCHRONIZE)
		dma->device_synchronize = tmd_synchronize;

	INIT_LIST_HEAD(&dma->channels);
	for (i = 0; i < TMD_CHANS; i++) {
		struct tmd_chan *tc = &tmd->chans[i];

		spin_lock_init(&tc->lock);
		INIT_LIST_HEAD(&tc->submitted);
		INIT_LIST_HEAD(&tc->issued);
		INIT_LIST_HEAD(&tc->held);
		INIT_WORK(&tc->work, tmd_work);
		INIT_DELAYED_WORK(&tc->late, tmd_late);
		tc->chan.device = dma;
		list_add_tail(&tc->chan.device_node, &dma->channels);
	}
	ret = dma_async_device_register(dma);
	if (ret) {
		kfree(tmd);
		return ret;
	}
	platform_set_drvdata(pdev, tmd);
	mutex_lock(&tmd_lock);
	tmd_bound = tmd;
	mutex_unlock(&tmd_lock);
	dev_info(dev, "%u channels, mode %s, every %u, late_ms %u\n",
		 TMD_CHANS, tmd_modes[tmd_mode], every, late_ms);
	return 0;
}

/* The core tells the clients first; the last one frees the device. */
static void tmd_remove(struct platform_device *pdev)
{
	struct tmd *tmd = platform_get_drvdata(pdev);

	mutex_lock(&tmd_lock);
	tmd_bound = NULL;
	dma_async_device_unregister(&tmd->dma);
	mutex_unlock(&tmd_lock);
}

static struct platform_driver tmd_driver = {
	.driver = { .name = TMD_NAME },
	.probe = tmd_probe,
	.remove = tmd_remove,
};

static int __init tmd_init(void)
{
	int ret = match_string(tmd_modes, ARRAY_SIZE(tmd_modes), mode);

	if (ret < 0) {
		pr_err("unknown mode '%s'\n", mode);
		return ret;
	}
	tmd_mode = ret;
	tmd_wq = alloc_workqueue(TMD_NAME, WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!tmd_wq)
		return -ENOMEM;
	ret = platform_driver_register(&tmd_driver);
	if (ret)
		goto err_wq;
	tmd_pdev = platform_device_register_simple(TMD_NAME, PLATFORM_DEVID_NONE,
						   NULL, 0);
	if (IS_ERR(tmd_pdev)) {
		ret = PTR_ERR(tmd_pdev);
		goto err_driver;
	}
	return 0;
err_driver:
	platform_driver_unregister(&tmd_driver);
err_wq:
	destroy_workqueue(tmd_wq);
	return ret;
}
module_init(tmd_init);

static void __exit tmd_exit(void)
{
	platform_device_unregister(tmd_pdev);
	platform_driver_unregister(&tmd_driver);
	destroy_workqueue(tmd_wq);
}
module_exit(tmd_exit);

MODULE_DESCRIPTION("Misbehaving dmaengine channels for migration offload selftests");
MODULE_LICENSE("GPL");
