// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi context tables, descriptor rings and the admin context.
 *
 * The driver uses one level-1 table (contexts 0..127). Context 0 is the
 * admin context: the function starts it when it becomes active, and the
 * driver starts and stops every client context through it. Admin
 * operations are rare (probe, recovery, teardown) and synchronous.
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iopoll.h>

#include "sdxi.h"

/* Generous: the function answers admin work in microseconds on hardware. */
#define SDXI_ADMIN_TIMEOUT_US	(2 * USEC_PER_SEC)

int sdxi_tables_init(struct sdxi_dev *sdxi)
{
	struct device *dev = sdxi_dev(sdxi);

	sdxi->l2 = dmam_alloc_coherent(dev, SZ_4K, &sdxi->l2_dma, GFP_KERNEL);
	sdxi->l1 = dmam_alloc_coherent(dev, SZ_4K, &sdxi->l1_dma, GFP_KERNEL);
	if (!sdxi->l2 || !sdxi->l1)
		return -ENOMEM;

	sdxi->l2[0] = cpu_to_le64((sdxi->l1_dma & SDXI_L2_ENT_LV01_PTR) |
				  SDXI_L2_ENT_VL);
	writeq(sdxi->l2_dma & SDXI_CXT_L2_PTR, sdxi->regs + SDXI_MMIO_CXT_L2);
	return 0;
}

/*
 * Layout of the per-context control page: the function requires 64-byte
 * alignment for CXT_CTL, 16 for CXT_STS and 8 for the write index.
 */
#define SDXI_CTL_OFF		0
#define SDXI_STS_OFF		64
#define SDXI_WRIDX_OFF		128

int sdxi_ring_init(struct sdxi_dev *sdxi, struct sdxi_ring *ring, u16 id,
		   u32 entries, u16 vector)
{
	struct sdxi_cxt_l1_ent *l1 = &sdxi->l1[id];
	struct device *dev = sdxi_dev(sdxi);
	dma_addr_t ctl_dma;
	void *ctl;
	u32 opb;

	if (id >= SDXI_L1_ENTRIES || !is_power_of_2(entries))
		return -EINVAL;
	if ((u64)(id + 1) * sdxi->db_stride >
	    pci_resource_len(sdxi->pdev, SDXI_BAR_DOORBELLS))
		return -ENODEV;

	ring->desc = dmam_alloc_coherent(dev, entries * sizeof(*ring->desc),
					 &ring->desc_dma, GFP_KERNEL);
	ring->csb = dmam_alloc_coherent(dev, entries * sizeof(*ring->csb),
					&ring->csb_dma, GFP_KERNEL);
	ring->akeys = dmam_alloc_coherent(dev, SZ_4K, &ring->akeys_dma,
					  GFP_KERNEL);
	ctl = dmam_alloc_coherent(dev, SZ_4K, &ctl_dma, GFP_KERNEL);
	if (!ring->desc || !ring->csb || !ring->akeys || !ctl)
		return -ENOMEM;

	ring->ctl = ctl + SDXI_CTL_OFF;
	ring->sts = ctl + SDXI_STS_OFF;
	ring->wr_index = ctl + SDXI_WRIDX_OFF;
	ring->ctl_dma = ctl_dma + SDXI_CTL_OFF;
	ring->sts_dma = ctl_dma + SDXI_STS_OFF;
	ring->wr_index_dma = ctl_dma + SDXI_WRIDX_OFF;
	ring->doorbell = sdxi->doorbells + id * sdxi->db_stride;
	ring->entries = entries;
	ring->id = id;
	ring->write = 0;

	/* AKey 0 of every context raises the context's own vector. */
	ring->akeys[0].intr_num = cpu_to_le16(SDXI_AKEY_VL | SDXI_AKEY_IV |
				FIELD_PREP(SDXI_AKEY_INTR_NUM, vector));

	ring->ctl->ds_ring_ptr = cpu_to_le64((ring->desc_dma &
					      SDXI_CXT_CTL_DS_RING_PTR) |
					     SDXI_CXT_CTL_VL);
	ring->ctl->ds_ring_sz = cpu_to_le32(entries);
	ring->ctl->cxt_sts_ptr = cpu_to_le64(ring->sts_dma &
					     SDXI_CXT_CTL_CXT_STS_PTR);
	ring->ctl->write_index_ptr = cpu_to_le64(ring->wr_index_dma &
						 SDXI_CXT_CTL_WRITE_INDEX_PTR);

	opb = id ? SDXI_OPB_DMAB | SDXI_OPB_INTR : SDXI_OPB_ADMIN;
	l1->akey_ptr = cpu_to_le64(ring->akeys_dma & SDXI_L1_ENT_AKEY_PTR);
	l1->misc0 = 0;
	l1->opb_000_enb = cpu_to_le32(opb);
	/* The entry becomes valid only once everything it points to is. */
	dma_wmb();
	l1->cxt_ctl_ptr = cpu_to_le64((ring->ctl_dma &
				       SDXI_L1_ENT_CXT_CTL_PTR) |
				      SDXI_L1_ENT_VL);
	return 0;
}

/*
 * Write one descriptor at the ring's write index. The function may be
 * scanning the ring, so the opcode (with its valid bit) goes last.
 */
void sdxi_ring_post(struct sdxi_ring *ring, const struct sdxi_desc *d)
{
	struct sdxi_desc *slot = &ring->desc[sdxi_ring_slot(ring->write,
							     ring->entries)];

	memcpy(slot->body, d->body, sizeof(slot->body));
	slot->csb_ptr = d->csb_ptr;
	dma_wmb();
	WRITE_ONCE(slot->opcode, d->opcode);
	ring->write++;
}

/* Publish the write index, then tell the function. */
void sdxi_ring_ring(struct sdxi_ring *ring)
{
	dma_wmb();
	WRITE_ONCE(*ring->wr_index, cpu_to_le64(ring->write));
	/* writeq orders the memory writes above before the doorbell. */
	writeq(ring->write, ring->doorbell);
}

/* Make a stopped context's ring empty: nothing left to execute. */
void sdxi_ring_reset(struct sdxi_ring *ring)
{
	WRITE_ONCE(ring->sts->read_index, cpu_to_le64(ring->write));
	WRITE_ONCE(*ring->wr_index, cpu_to_le64(ring->write));
	dma_wmb();
}

u64 sdxi_ring_read_index(struct sdxi_ring *ring)
{
	return le64_to_cpu(READ_ONCE(ring->sts->read_index));
}

u8 sdxi_ring_state(struct sdxi_ring *ring)
{
	return FIELD_GET(SDXI_CXT_STS_STATE, READ_ONCE(ring->sts->state));
}

/**
 * sdxi_admin_cxt() - run one admin operation on one client context
 * @sdxi: the function
 * @subtype: SDXI_SUB_CXT_START_NM, SDXI_SUB_CXT_STOP or SDXI_SUB_SYNC
 * @id: the context
 *
 * Context: may sleep.
 * Return: 0, -EIO if the function reported an error, -ETIMEDOUT.
 */
int sdxi_admin_cxt(struct sdxi_dev *sdxi, u8 subtype, u16 id)
{
	struct sdxi_ring *admin = &sdxi->admin;
	struct sdxi_cst_blk *csb;
	struct sdxi_desc d;
	u64 signal;
	u32 slot;
	int ret;

	mutex_lock(&sdxi->admin_lock);
	if (!sdxi_ring_space(admin->write, sdxi_ring_read_index(admin),
			     admin->entries)) {
		ret = -EBUSY;
		goto out;
	}
	slot = sdxi_ring_slot(admin->write, admin->entries);
	csb = &admin->csb[slot];
	WRITE_ONCE(csb->flags, 0);
	WRITE_ONCE(csb->signal, cpu_to_le64(1));
	sdxi_encode_cxt(&d, subtype, id, id,
			admin->csb_dma + slot * sizeof(*csb));
	sdxi_ring_post(admin, &d);
	sdxi_ring_ring(admin);

	ret = read_poll_timeout(le64_to_cpu, signal, !signal, 10,
				SDXI_ADMIN_TIMEOUT_US, false,
				READ_ONCE(csb->signal));
	if (!ret && (le32_to_cpu(READ_ONCE(csb->flags)) & SDXI_CST_BLK_ER))
		ret = -EIO;
	if (ret)
		dev_err_ratelimited(sdxi_dev(sdxi),
				    "admin op %#x on context %u failed: %d\n",
				    subtype, id, ret);
out:
	mutex_unlock(&sdxi->admin_lock);
	return ret;
}

/**
 * sdxi_fn_set_state() - request a function state and wait for it
 * @sdxi: the function
 * @req: the request written to CTL0.fn_gsr
 * @want: the state STS0.fn_gsv must reach
 *
 * Context: may sleep.
 * Return: 0 or -ETIMEDOUT (-EIO if the function went to its error state).
 */
int sdxi_fn_set_state(struct sdxi_dev *sdxi, enum sdxi_fn_request req,
		      enum sdxi_fn_state want)
{
	u64 ctl0, sts;
	int ret;

	ctl0 = readq(sdxi->regs + SDXI_MMIO_CTL0);
	ctl0 &= ~SDXI_CTL0_FN_GSR;
	ctl0 |= FIELD_PREP(SDXI_CTL0_FN_GSR, req) | SDXI_CTL0_FN_ERR_INTR_EN;
	writeq(ctl0, sdxi->regs + SDXI_MMIO_CTL0);

	ret = readq_poll_timeout(sdxi->regs + SDXI_MMIO_STS0, sts,
				 FIELD_GET(SDXI_STS0_FN_GSV, sts) == want ||
				 FIELD_GET(SDXI_STS0_FN_GSV, sts) == SDXI_GSV_ERROR,
				 10, SDXI_ADMIN_TIMEOUT_US);
	if (!ret && FIELD_GET(SDXI_STS0_FN_GSV, sts) != want)
		ret = -EIO;
	return ret;
}
