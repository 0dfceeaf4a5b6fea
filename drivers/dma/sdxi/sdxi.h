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

/*
 * Table 3-1 makes 64 KiB (1024 descriptors) the smallest ring, the admin
 * context's included, although the admin ring only ever holds a few.
 */
#define SDXI_RING_MIN		1024
#define SDXI_ADMIN_ENTRIES	SDXI_RING_MIN
/* The smallest error log, one unit; errors are rare and read at once. */
#define SDXI_ERRLOG_ENTRIES	SDXI_ERRLOG_UNIT

/*
 * struct sdxi_ring - one context's descriptor ring and control blocks
 * @desc: the ring, @entries slots (a power of two, at least 1024)
 * @csb: one completion status block per ring slot, re-armed only once
 *	the transaction that last used it was collected
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

/*
 * Failed transactions, for tx_status: runs of consecutive cookies, so
 * that a recovery which aborts a whole ring costs one entry.
 */
#define SDXI_FAILED_RUNS	32

struct sdxi_cookie_run {
	dma_cookie_t first;
	dma_cookie_t last;
};

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
 * @failed: the last SDXI_FAILED_RUNS runs of cookies that failed, oldest
 *	first; tx_status is exact for every cookie from @failed[0].first on
 * @nr_failed: runs in @failed
 * @err_result: what the error log said about this context's failure
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
	struct sdxi_cookie_run failed[SDXI_FAILED_RUNS];
	unsigned int nr_failed;
	enum dmaengine_tx_result err_result;
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
 * @max_buffer: @max_copy as a max_buffer code (CTL2, L1 misc0)
 * @opb: operation groups the function offers (CAP1.opb_000_cap)
 * @nr_vectors: MSI-X vectors allocated
 * @l2: level-2 context table
 * @l1: the one level-1 table (contexts 0..127)
 * @admin: ring of context 0
 * @admin_lock: serializes admin descriptors
 * @errlog: error log ring
 * @dma: the dmaengine device
 * @chans: client channels
 * @nr_chans: number of client channels
 * @removing: set once remove started; new work fails
 * @failed: the function could not stop a context; every channel is dead
 * @fail_work: stops the function after such a failure
 */
struct sdxi_dev {
	struct pci_dev *pdev;
	void __iomem *regs;
	void __iomem *doorbells;
	u32 db_stride;
	u32 max_ring;
	u64 max_copy;
	u8 max_buffer;
	u32 opb;
	unsigned int nr_vectors;
	__le64 *l2;
	struct sdxi_cxt_l1_ent *l1;
	dma_addr_t l2_dma, l1_dma;
	struct sdxi_ring admin;
	struct mutex admin_lock;	/* one admin operation at a time */
	struct sdxi_errlog_ent *errlog;
	dma_addr_t errlog_dma;
	struct dma_device dma;
	struct sdxi_chan *chans;
	unsigned int nr_chans;
	bool removing;
	bool failed;
	struct work_struct fail_work;
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
void sdxi_encode_sync(struct sdxi_desc *d, enum sdxi_sync_filter flt,
		      u16 first, u16 last, dma_addr_t csb);
u32 sdxi_ring_space(u64 write, u64 read, u32 entries);
u32 sdxi_ring_slot(u64 index, u32 entries);
u8 sdxi_max_buffer_code(u64 bytes);
u64 sdxi_max_buffer_bytes(u8 code);

/*
 * struct sdxi_err - one error log entry, decoded
 * @step: enum sdxi_err_step
 * @sub_step: enum sdxi_err_sub_step
 * @reaction: enum sdxi_err_reaction
 * @cxt: context number, or -1 if the entry names none
 * @buf: failed buffer of the descriptor, or -1 if the entry names none
 * @index: ring index of the failed descriptor, or U64_MAX
 * @err_class: implementation-defined error class
 */
struct sdxi_err {
	u8 step;
	u8 sub_step;
	u8 reaction;
	int cxt;
	int buf;
	u64 index;
	u16 err_class;
};

bool sdxi_errlog_decode(const struct sdxi_errlog_ent *e, struct sdxi_err *err);
enum dmaengine_tx_result sdxi_err_result(const struct sdxi_err *err);

/* context.c: tables, rings and the admin context */
int sdxi_tables_init(struct sdxi_dev *sdxi);
int sdxi_ring_init(struct sdxi_dev *sdxi, struct sdxi_ring *ring, u16 id,
		   u32 entries, u16 vector);
void sdxi_ring_post(struct sdxi_ring *ring, const struct sdxi_desc *d);
void sdxi_ring_ring(struct sdxi_ring *ring);
void sdxi_ring_reset(struct sdxi_ring *ring);
u64 sdxi_ring_read_index(struct sdxi_ring *ring);
u8 sdxi_ring_state(struct sdxi_ring *ring);
void sdxi_admin_prepare(struct sdxi_dev *sdxi);
void sdxi_admin_jump_start(struct sdxi_dev *sdxi);
int sdxi_cxt_start(struct sdxi_dev *sdxi, struct sdxi_ring *ring);
int sdxi_cxt_stop(struct sdxi_dev *sdxi, struct sdxi_ring *ring);
int sdxi_fn_activate(struct sdxi_dev *sdxi);
int sdxi_fn_stop(struct sdxi_dev *sdxi);

/* error.c: the error log */
int sdxi_errlog_init(struct sdxi_dev *sdxi);
void sdxi_errlog_disable(struct sdxi_dev *sdxi);
irqreturn_t sdxi_errlog_irq(int irq, void *data);
irqreturn_t sdxi_errlog_thread(int irq, void *data);

/* dma.c: the dmaengine side */
int sdxi_dma_register(struct sdxi_dev *sdxi, unsigned int nr_chans);
void sdxi_dma_quiesce(struct sdxi_dev *sdxi);
void sdxi_dma_fail_all(struct sdxi_dev *sdxi);
void sdxi_chan_error(struct sdxi_chan *chan, enum dmaengine_tx_result result,
		     u64 index);

#endif /* _SDXI_H */
