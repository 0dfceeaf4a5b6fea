/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SDXi dmaengine driver: what the parts of the driver share.
 *
 * One PCI function owns a context table; context 0 is the admin context
 * the driver uses to start and stop the others, and each dmaengine
 * channel is one client context with its own descriptor ring, doorbell
 * and MSI-X vector.
 */
#ifndef _SDXI_H
#define _SDXI_H

#include <linux/dmaengine.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../virt-dma.h"
#include "hw.h"

#define SDXI_DRV_NAME		"sdxi"

/* The admin ring is only used for start/stop/sync: a few slots suffice. */
#define SDXI_ADMIN_ENTRIES	64
#define SDXI_ERRLOG_ENTRIES	64

/*
 * struct sdxi_ring - one context's descriptor ring and control blocks
 * @desc: the ring, @entries slots (a power of two)
 * @csb: one completion status block per ring slot
 * @ctl: context control the function reads when the context starts
 * @sts: context status the function writes (state, read index)
 * @wr_index: the write index the function reads on a doorbell
 * @doorbell: this context's doorbell in BAR2
 * @write: next index the driver writes (free running)
 * @id: context number
 */
struct sdxi_ring {
	struct sdxi_desc *desc;
	struct sdxi_cst_blk *csb;
	struct sdxi_cxt_ctl *ctl;
	struct sdxi_cxt_sts *sts;
	__le64 *wr_index;
	struct sdxi_akey_ent *akeys;
	void __iomem *doorbell;
	dma_addr_t desc_dma, csb_dma, ctl_dma, sts_dma, wr_index_dma;
	dma_addr_t akeys_dma;
	u64 write;
	u32 entries;
	u16 id;
};

/*
 * struct sdxi_dma_desc - one dmaengine transaction (a single COPY or NOP)
 * @vd: virt-dma bookkeeping
 * @src: source bus address
 * @dst: destination bus address
 * @len: bytes to copy (0 for DMA_INTERRUPT)
 * @index: ring index the transaction was written to
 * @node: link in the channel's list of transactions on the ring
 */
struct sdxi_dma_desc {
	struct virt_dma_desc vd;
	dma_addr_t src;
	dma_addr_t dst;
	size_t len;
	u64 index;
	struct list_head node;
};

#define SDXI_FAILED_COOKIES	16

/*
 * struct sdxi_chan - a dmaengine channel on one client context
 * @vc: virt-dma channel; its lock protects everything below
 * @ring: the context's ring
 * @active: transactions written to the ring, oldest first
 * @stopped: no new work goes to the ring (recovery or teardown pending)
 * @dead: the function is gone; everything fails
 * @reset_index: ring index at the last recovery; the failures of
 *	descriptors before it have been dealt with
 * @last_progress: jiffies of the last completion or submission
 * @failed: recent cookies that completed with an error, for tx_status
 * @err_class: error class the error log reported for this context
 * @recover_work: stops, cleans and restarts the context
 * @watchdog: finds completions whose interrupt got lost, and stalls
 * @irq: the MSI-X vector of this context
 */
struct sdxi_chan {
	struct virt_dma_chan vc;
	struct sdxi_dev *sdxi;
	struct sdxi_ring ring;
	struct list_head active;
	bool stopped;
	bool dead;
	u64 reset_index;
	unsigned long last_progress;
	dma_cookie_t failed[SDXI_FAILED_COOKIES];
	unsigned int nr_failed;
	u16 err_class;
	struct work_struct recover_work;
	struct delayed_work watchdog;
	int irq;
};

/*
 * struct sdxi_dev - one SDXi function
 * @pdev: the PCI function
 * @regs: BAR0
 * @doorbells: BAR2
 * @db_stride: bytes between doorbells
 * @max_ring: largest ring the function accepts, in entries
 * @max_copy: largest single COPY, in bytes
 * @l2: level-2 context table
 * @l1: the one level-1 table (contexts 0..127)
 * @admin: ring of context 0
 * @admin_lock: serializes admin descriptors
 * @errlog: error log ring
 * @errlog_read: driver's error log read index
 * @dma: the dmaengine device
 * @chans: client channels
 * @nr_chans: number of client channels
 * @removing: set once remove started; new work fails
 */
struct sdxi_dev {
	struct pci_dev *pdev;
	void __iomem *regs;
	void __iomem *doorbells;
	u32 db_stride;
	u32 max_ring;
	u64 max_copy;
	__le64 *l2;
	struct sdxi_cxt_l1_ent *l1;
	dma_addr_t l2_dma, l1_dma;
	struct sdxi_ring admin;
	struct mutex admin_lock;	/* one admin operation at a time */
	struct sdxi_errlog_ent *errlog;
	dma_addr_t errlog_dma;
	u64 errlog_read;
	struct dma_device dma;
	struct sdxi_chan *chans;
	unsigned int nr_chans;
	bool removing;
};

static inline struct sdxi_chan *to_sdxi_chan(struct dma_chan *c)
{
	return container_of(c, struct sdxi_chan, vc.chan);
}

static inline struct device *sdxi_dev(struct sdxi_dev *sdxi)
{
	return &sdxi->pdev->dev;
}

/* desc.c: encoders, pure functions of their arguments */
void sdxi_encode_copy(struct sdxi_desc *d, dma_addr_t src, dma_addr_t dst,
		      u64 len, dma_addr_t csb);
void sdxi_encode_nop(struct sdxi_desc *d, dma_addr_t csb);
void sdxi_encode_intr(struct sdxi_desc *d, u16 akey);
void sdxi_encode_cxt(struct sdxi_desc *d, u8 subtype, u16 first, u16 last,
		     dma_addr_t csb);
u32 sdxi_ring_space(u64 write, u64 read, u32 entries);
u32 sdxi_ring_slot(u64 index, u32 entries);

/* context.c: tables, rings and the admin context */
int sdxi_tables_init(struct sdxi_dev *sdxi);
int sdxi_ring_init(struct sdxi_dev *sdxi, struct sdxi_ring *ring, u16 id,
		   u32 entries, u16 vector);
void sdxi_ring_post(struct sdxi_ring *ring, const struct sdxi_desc *d);
void sdxi_ring_ring(struct sdxi_ring *ring);
void sdxi_ring_reset(struct sdxi_ring *ring);
u64 sdxi_ring_read_index(struct sdxi_ring *ring);
u8 sdxi_ring_state(struct sdxi_ring *ring);
int sdxi_admin_cxt(struct sdxi_dev *sdxi, u8 subtype, u16 id);
int sdxi_fn_set_state(struct sdxi_dev *sdxi, enum sdxi_fn_request req,
		      enum sdxi_fn_state want);

/* error.c: the error log */
int sdxi_errlog_init(struct sdxi_dev *sdxi);
irqreturn_t sdxi_errlog_irq(int irq, void *data);

/* dma.c: the dmaengine side */
int sdxi_dma_register(struct sdxi_dev *sdxi, unsigned int nr_chans);
void sdxi_dma_stop(struct sdxi_dev *sdxi);
void sdxi_chan_error(struct sdxi_chan *chan, u16 err_class, u64 index);

#endif /* _SDXI_H */
