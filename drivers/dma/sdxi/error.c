// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi error log: the function appends an entry for every failed
 * descriptor or context and raises MSI-X vector 0. The driver turns each
 * entry into a message and into the recovery of the context it names.
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>

#include "sdxi.h"

int sdxi_errlog_init(struct sdxi_dev *sdxi)
{
	size_t size = SDXI_ERRLOG_ENTRIES * sizeof(*sdxi->errlog);

	sdxi->errlog = dmam_alloc_coherent(sdxi_dev(sdxi), size,
					   &sdxi->errlog_dma, GFP_KERNEL);
	if (!sdxi->errlog)
		return -ENOMEM;

	/* sz counts 4 KiB units (64 entries) beyond the first. */
	sdxi->errlog_read = readq(sdxi->regs + SDXI_MMIO_ERR_WRT);
	writeq(sdxi->errlog_read, sdxi->regs + SDXI_MMIO_ERR_RD);
	writeq((sdxi->errlog_dma & SDXI_ERR_CFG_PTR) |
	       FIELD_PREP(SDXI_ERR_CFG_SZ, size / SZ_4K - 1) | SDXI_ERR_CFG_EN,
	       sdxi->regs + SDXI_MMIO_ERR_CFG);
	writeq(SDXI_ERR_STS_STS | SDXI_ERR_STS_OVF | SDXI_ERR_STS_ERR,
	       sdxi->regs + SDXI_MMIO_ERR_STS);
	writeq(SDXI_ERR_CTL_EN, sdxi->regs + SDXI_MMIO_ERR_CTL);
	return 0;
}

static const char *sdxi_reaction(unsigned int re)
{
	switch (re) {
	case 0:
		return "none";
	case 1:
		return "context stopped";
	case 2:
		return "function stopped";
	default:
		return "unknown";
	}
}

static void sdxi_errlog_entry(struct sdxi_dev *sdxi,
			      const struct sdxi_errlog_ent *e)
{
	u32 opcode = le32_to_cpu(READ_ONCE(e->opcode));
	u16 misc = le16_to_cpu(e->misc0);
	u16 cxt = le16_to_cpu(e->cxt_num);
	u16 class = le16_to_cpu(e->err_class);

	if (!(opcode & SDXI_ERRLOG_VL))
		return;

	dev_err_ratelimited(sdxi_dev(sdxi),
			    "error class %#06x, context %d, descriptor %lld, type %#x step %lu, reaction: %s\n",
			    class, misc & SDXI_ERRLOG_CV ? cxt : -1,
			    misc & SDXI_ERRLOG_DIV ?
			    (long long)le64_to_cpu(e->dsc_index) : -1LL,
			    (unsigned int)FIELD_GET(SDXI_ERRLOG_TYPE, opcode),
			    FIELD_GET(SDXI_ERRLOG_STEP, opcode),
			    sdxi_reaction(FIELD_GET(SDXI_ERRLOG_RE, misc)));

	/* Context 0 is admin: its callers see the CSB error themselves. */
	if ((misc & SDXI_ERRLOG_CV) && cxt >= 1 && cxt <= sdxi->nr_chans)
		sdxi_chan_error(&sdxi->chans[cxt - 1], class,
				misc & SDXI_ERRLOG_DIV ?
				le64_to_cpu(e->dsc_index) : U64_MAX);
}

irqreturn_t sdxi_errlog_irq(int irq, void *data)
{
	struct sdxi_dev *sdxi = data;
	u64 sts, wrt;

	sts = readq(sdxi->regs + SDXI_MMIO_ERR_STS);
	if (!(sts & (SDXI_ERR_STS_STS | SDXI_ERR_STS_OVF | SDXI_ERR_STS_ERR)))
		return IRQ_NONE;
	/* Clear first: an entry logged meanwhile raises the bit again. */
	writeq(sts, sdxi->regs + SDXI_MMIO_ERR_STS);

	if (sts & SDXI_ERR_STS_OVF)
		dev_err_ratelimited(sdxi_dev(sdxi), "error log overflowed\n");
	if (sts & SDXI_ERR_STS_ERR)
		dev_err_ratelimited(sdxi_dev(sdxi), "error log unwritable\n");

	wrt = readq(sdxi->regs + SDXI_MMIO_ERR_WRT);
	/* Never trust the device to stay within the log. */
	if (wrt - sdxi->errlog_read > SDXI_ERRLOG_ENTRIES)
		sdxi->errlog_read = wrt - SDXI_ERRLOG_ENTRIES;
	dma_rmb();
	while (sdxi->errlog_read < wrt) {
		sdxi_errlog_entry(sdxi, &sdxi->errlog[sdxi->errlog_read %
						      SDXI_ERRLOG_ENTRIES]);
		sdxi->errlog_read++;
	}
	writeq(sdxi->errlog_read, sdxi->regs + SDXI_MMIO_ERR_RD);
	return IRQ_HANDLED;
}
