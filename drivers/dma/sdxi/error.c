// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi error log (3.4): the function appends an entry for every failed
 * descriptor or context and raises MSI-X vector 0. Each entry becomes a
 * tracepoint and, when it names a client context, the recovery of that
 * context. The set-up and processing steps follow the specification's
 * "Error Log Initialization" and "Error Log Processing by Software".
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>

#include "sdxi.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define SDXI_ERR_STS_ALL	(SDXI_ERR_STS_STS | SDXI_ERR_STS_OVF | \
				 SDXI_ERR_STS_ERR)

/**
 * sdxi_errlog_init() - set the error log up
 * @sdxi: the function, stopped, with sdxi_errlog_irq() already installed
 *	on vector 0 so that no entry can go unnoticed
 *
 * Return: 0 or -ENOMEM.
 */
int sdxi_errlog_init(struct sdxi_dev *sdxi)
{
	size_t size = SDXI_ERRLOG_ENTRIES * sizeof(*sdxi->errlog);
	void __iomem *regs = sdxi->regs;

	/* 1: no log, no error interrupts; 2: nothing pending. */
	writeq(0, regs + SDXI_MMIO_ERR_CFG);
	writeq(SDXI_ERR_STS_ALL, regs + SDXI_MMIO_ERR_STS);

	/* 3: zeroed, so no entry reads as valid before the function wrote it. */
	sdxi->errlog = dmam_alloc_coherent(sdxi_dev(sdxi), size,
					   &sdxi->errlog_dma, GFP_KERNEL);
	if (!sdxi->errlog)
		return -ENOMEM;

	/*
	 * 4: interrupts for context-level errors as well. CTL0's error
	 * interrupt enable goes with the activation request: every CTL0
	 * write is a state request, and a reset now would undo CTL2.
	 */
	writeq(SDXI_ERR_CTL_EN, regs + SDXI_MMIO_ERR_CTL);

	/* 5: both indexes from zero; 6: the log, in 64-entry units. */
	writeq(0, regs + SDXI_MMIO_ERR_WRT);
	writeq(0, regs + SDXI_MMIO_ERR_RD);
	writeq((sdxi->errlog_dma & SDXI_ERR_CFG_PTR) |
	       FIELD_PREP(SDXI_ERR_CFG_SZ, SDXI_ERRLOG_ENTRIES / SDXI_ERRLOG_UNIT) |
	       SDXI_ERR_CFG_EN, regs + SDXI_MMIO_ERR_CFG);
	return 0;
}

/**
 * sdxi_errlog_disable() - stop the function from writing the log
 * @sdxi: the function, stopped
 */
void sdxi_errlog_disable(struct sdxi_dev *sdxi)
{
	writeq(0, sdxi->regs + SDXI_MMIO_ERR_CFG);
}

static void sdxi_errlog_entry(struct sdxi_dev *sdxi, struct sdxi_errlog_ent *e)
{
	struct sdxi_err err;

	if (!sdxi_errlog_decode(e, &err))
		return;
	trace_sdxi_error(sdxi, &err);

	/* Context 0 is admin: its callers see the CSB error themselves. */
	if (err.cxt >= 1 && err.cxt <= sdxi->nr_chans)
		sdxi_chan_error(&sdxi->chans[err.cxt - 1], sdxi_err_result(&err),
				err.index);
}

/* Vector 0 is the function's own: anything pending in ERR_STS is ours. */
irqreturn_t sdxi_errlog_irq(int irq, void *data)
{
	struct sdxi_dev *sdxi = data;
	u64 sts = readq(sdxi->regs + SDXI_MMIO_ERR_STS);

	if (sts == ~0ULL || !(sts & SDXI_ERR_STS_ALL))
		return IRQ_NONE;
	return IRQ_WAKE_THREAD;
}

/**
 * sdxi_errlog_thread() - read the new entries of the error log
 * @irq: vector 0
 * @data: the function
 *
 * Runs in a thread: an entry can stand for many failed transactions,
 * and their recovery and tracing are no work for hard interrupt
 * context.
 *
 * Return: IRQ_HANDLED, or IRQ_NONE if there was nothing to read.
 */
irqreturn_t sdxi_errlog_thread(int irq, void *data)
{
	struct sdxi_dev *sdxi = data;
	void __iomem *regs = sdxi->regs;
	u64 sts, rd, wrt;

	/* 1: read the status; all ones is a function that is gone. */
	sts = readq(regs + SDXI_MMIO_ERR_STS);
	if (sts == ~0ULL || !(sts & SDXI_ERR_STS_ALL))
		return IRQ_NONE;
	if (sts & (SDXI_ERR_STS_OVF | SDXI_ERR_STS_ERR)) {
		trace_sdxi_error_status(sdxi, sts);
		dev_err_ratelimited(sdxi_dev(sdxi), "error log %s\n",
				    sts & SDXI_ERR_STS_ERR ?
				    "not working" : "overflowed, entries lost");
	}

	/* 2: where we are; 3: acknowledge; 4: where the function is. */
	rd = readq(regs + SDXI_MMIO_ERR_RD);
	writeq(sts & SDXI_ERR_STS_ALL, regs + SDXI_MMIO_ERR_STS);
	wrt = readq(regs + SDXI_MMIO_ERR_WRT);
	/* 5: nothing new; a vanished function reads as all ones. */
	if (rd == wrt || rd == ~0ULL || wrt == ~0ULL)
		return IRQ_HANDLED;

	/* Never trust the function to stay within the log. */
	if (wrt - rd > SDXI_ERRLOG_ENTRIES)
		rd = wrt - SDXI_ERRLOG_ENTRIES;
	dma_rmb();
	/* 6-10: every new entry, each cleared once read. */
	for (; rd != wrt; rd++) {
		struct sdxi_errlog_ent *e = &sdxi->errlog[rd % SDXI_ERRLOG_ENTRIES];

		sdxi_errlog_entry(sdxi, e);
		WRITE_ONCE(e->dw0, 0);
	}
	/* 11: hand the entries back; the clears are done first. */
	dma_wmb();
	writeq(rd, regs + SDXI_MMIO_ERR_RD);
	return IRQ_HANDLED;
}
