// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi context tables, descriptor rings and the admin context.
 *
 * The driver uses one level-1 table (contexts 0..127). Context 0 is the
 * admin context: software marks it running and rings its doorbell once
 * the function is active, and the driver starts and stops every client
 * context through it. Admin operations are rare (probe, recovery,
 * teardown) and synchronous.
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/ktime.h>

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

	/* The spec allows any size from 1024; a power of two is our choice. */
	if (id >= SDXI_L1_ENTRIES || entries < SDXI_RING_MIN ||
	    !is_power_of_2(entries))
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

	/*
	 * se and csa stay clear: se asks the function to make every
	 * descriptor's writes visible in ring order, which the driver never
	 * relies on (the fenced INTR that ends a burst orders what it must),
	 * and csa offers completion status modes the driver does not use.
	 */
	ring->ctl->ds_ring_ptr = cpu_to_le64((ring->desc_dma &
					      SDXI_CXT_CTL_DS_RING_PTR) |
					     SDXI_CXT_CTL_VL);
	ring->ctl->ds_ring_sz = cpu_to_le32(entries);
	ring->ctl->cxt_sts_ptr = cpu_to_le64(ring->sts_dma &
					     SDXI_CXT_CTL_CXT_STS_PTR);
	ring->ctl->write_index_ptr = cpu_to_le64(ring->wr_index_dma &
						 SDXI_CXT_CTL_WRITE_INDEX_PTR);

	/*
	 * Every group the function offers: the bit order of opb_000 is not
	 * something to guess, and admin descriptors are refused outside
	 * context 0 anyway. max_buffer covers the largest copy we issue.
	 */
	l1->akey_ptr = cpu_to_le64(ring->akeys_dma & SDXI_L1_ENT_AKEY_PTR);
	l1->misc0 = cpu_to_le32(FIELD_PREP(SDXI_L1_ENT_MAX_BUFFER,
					   sdxi->max_buffer));
	l1->opb_000_enb = cpu_to_le32(sdxi->opb);
	/* The entry becomes valid only once everything it points to is. */
	dma_wmb();
	/* ka: a hint that the context is busy; it is, while it exists. */
	l1->cxt_ctl_ptr = cpu_to_le64((ring->ctl_dma &
				       SDXI_L1_ENT_CXT_CTL_PTR) |
				      SDXI_L1_ENT_KA | SDXI_L1_ENT_VL);
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

/*
 * Make a stopped context's ring empty: nothing left to execute. While a
 * context is stopped its CXT_STS is software's (4.1.8.4 has software set
 * the admin context's state itself), and CXT_START_NM resumes from the
 * read index found there.
 */
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

/*
 * 4.1.8.4.b: software, not the function, puts the admin context in the
 * RUN state before the function is activated; the function picks it up
 * at the first doorbell (sdxi_admin_jump_start()).
 */
void sdxi_admin_prepare(struct sdxi_dev *sdxi)
{
	struct sdxi_ring *admin = &sdxi->admin;

	WRITE_ONCE(admin->sts->read_index, 0);
	WRITE_ONCE(*admin->wr_index, 0);
	WRITE_ONCE(admin->sts->state, SDXI_CXT_RUN);
	dma_wmb();
}

/*
 * 4.1.8.10.b and 4.3.4 "Jump Start 1": the admin context of an active
 * function starts when its doorbell is written with the write index; it
 * never gets a CXT_START.
 */
void sdxi_admin_jump_start(struct sdxi_dev *sdxi)
{
	sdxi_ring_ring(&sdxi->admin);
}

/*
 * Post @n admin descriptors, the last one with a completion status
 * block, and wait for it. Admin work is synchronous and serialized, so
 * the slot's block is free again when the previous call returns: a call
 * that timed out leaves the function failed (sdxi_cxt_stop()'s callers
 * stop it), and the admin ring is not used again.
 */
static int sdxi_admin_run(struct sdxi_dev *sdxi, struct sdxi_desc *d,
			  unsigned int n, const char *what, u16 id)
{
	struct sdxi_ring *admin = &sdxi->admin;
	struct sdxi_cst_blk *csb;
	unsigned int i;
	u64 signal;
	u32 slot;
	int ret;

	lockdep_assert_held(&sdxi->admin_lock);
	if (sdxi_ring_space(admin->write, sdxi_ring_read_index(admin),
			    admin->entries) < n)
		return -EBUSY;
	slot = sdxi_ring_slot(admin->write + n - 1, admin->entries);
	csb = &admin->csb[slot];
	WRITE_ONCE(csb->flags, 0);
	WRITE_ONCE(csb->signal, cpu_to_le64(1));
	d[n - 1].csb_ptr = cpu_to_le64((admin->csb_dma + slot * sizeof(*csb)) &
				       SDXI_DSC_CSB_PTR);
	for (i = 0; i < n; i++)
		sdxi_ring_post(admin, &d[i]);
	sdxi_ring_ring(admin);

	ret = read_poll_timeout(le64_to_cpu, signal, !signal, 10,
				SDXI_ADMIN_TIMEOUT_US, false,
				READ_ONCE(csb->signal));
	/* Nothing but the signal may be read before it reached zero. */
	dma_rmb();
	if (!ret && (le32_to_cpu(READ_ONCE(csb->flags)) & SDXI_CST_BLK_ER))
		ret = -EIO;
	if (ret)
		dev_err_ratelimited(sdxi_dev(sdxi), "%s of context %u failed: %d\n",
				    what, id, ret);
	return ret;
}

/**
 * sdxi_cxt_start() - start a stopped client context
 * @sdxi: the function, active, with its admin context running
 * @ring: the context; it resumes at the read index in its CXT_STS
 *
 * Context: may sleep.
 * Return: 0, -EIO if the function refused, -ETIMEDOUT.
 */
int sdxi_cxt_start(struct sdxi_dev *sdxi, struct sdxi_ring *ring)
{
	struct sdxi_desc d;
	int ret;

	sdxi_encode_cxt(&d, SDXI_SUB_CXT_START_NM, ring->id, ring->id, 0);
	mutex_lock(&sdxi->admin_lock);
	ret = sdxi_admin_run(sdxi, &d, 1, "start", ring->id);
	mutex_unlock(&sdxi->admin_lock);
	return ret;
}

static bool sdxi_cxt_stopped(u8 state)
{
	return state == SDXI_CXT_STOP_SW || state == SDXI_CXT_STOP_FN ||
	       state == SDXI_CXT_ERR_FN;
}

/**
 * sdxi_cxt_stop() - stop a client context and wait until it is stopped
 * @sdxi: the function
 * @ring: the context
 *
 * CXT_STOP completes once the function accepted the stop, while the
 * context may still be stopping with descriptors in flight (STOPG_SW):
 * its completion proves nothing about the context's buffers. A SYNC
 * with the STOP filter completes only when no context of its range is
 * stopping any more, and the context's own status must then say
 * stopped. Only after that does the caller fail what did not complete.
 *
 * Context: may sleep.
 * Return: 0 once the function no longer touches the context's buffers,
 * else a negative errno: the context may still be running, and only
 * stopping the whole function makes its buffers safe.
 */
int sdxi_cxt_stop(struct sdxi_dev *sdxi, struct sdxi_ring *ring)
{
	struct sdxi_desc d[2];
	u8 state;
	int ret;

	sdxi_encode_cxt(&d[0], SDXI_SUB_CXT_STOP, ring->id, ring->id, 0);
	sdxi_encode_sync(&d[1], SDXI_SYNC_STOP, ring->id, ring->id, 0);
	mutex_lock(&sdxi->admin_lock);
	ret = sdxi_admin_run(sdxi, d, 2, "stop", ring->id);
	mutex_unlock(&sdxi->admin_lock);
	if (ret)
		return ret;

	ret = read_poll_timeout(sdxi_ring_state, state, sdxi_cxt_stopped(state),
				10, SDXI_ADMIN_TIMEOUT_US, false, ring);
	if (ret)
		dev_err_ratelimited(sdxi_dev(sdxi),
				    "context %u still in state %#x after its stop\n",
				    ring->id, state);
	return ret;
}

static u8 sdxi_fn_state(struct sdxi_dev *sdxi)
{
	u64 sts = readq(sdxi->regs + SDXI_MMIO_STS0);

	/* All ones: the function is gone (surprise removal). */
	if (sts == ~0ULL)
		return U8_MAX;
	return FIELD_GET(SDXI_STS0_FN_GSV, sts);
}

/*
 * Every write of CTL0 is a state request, so other CTL0 bits change only
 * with one: @set is ORed in (the error interrupt goes on with ACTIVE).
 */
static void sdxi_fn_request(struct sdxi_dev *sdxi, enum sdxi_fn_request req,
			    u64 set)
{
	u64 ctl0 = readq(sdxi->regs + SDXI_MMIO_CTL0);

	ctl0 &= ~SDXI_CTL0_FN_GSR;
	ctl0 |= FIELD_PREP(SDXI_CTL0_FN_GSR, req) | set;
	writeq(ctl0, sdxi->regs + SDXI_MMIO_CTL0);
}

/**
 * sdxi_fn_activate() - activate a stopped, fully set up function
 * @sdxi: the function
 *
 * Context: may sleep.
 * Return: 0, -EIO if the function went to its error state, -ETIMEDOUT.
 */
int sdxi_fn_activate(struct sdxi_dev *sdxi)
{
	u8 state;
	int ret;

	sdxi_fn_request(sdxi, SDXI_GSR_ACTIVE, SDXI_CTL0_FN_ERR_INTR_EN);
	ret = read_poll_timeout(sdxi_fn_state, state,
				state == SDXI_GSV_ACTIVE ||
				state == SDXI_GSV_ERROR || state == U8_MAX,
				10, SDXI_ADMIN_TIMEOUT_US, false, sdxi);
	if (!ret && state != SDXI_GSV_ACTIVE)
		ret = -EIO;
	return ret;
}

/* A soft stop lets work in flight finish; past this, stop it hard. */
#define SDXI_SOFT_STOP_US	(USEC_PER_SEC / 2)

/**
 * sdxi_fn_stop() - bring the function to its stopped state
 * @sdxi: the function
 *
 * A soft stop first, a hard one if the soft stop does not end in time,
 * and a reset only from the error state: the spec defines no reset of a
 * running function. Memory given to the function may be freed only
 * after this succeeded.
 *
 * Context: may sleep.
 * Return: 0 when the function reports STOP, -ENODEV if it reads as gone
 * or in a state the spec does not define, -ETIMEDOUT.
 */
int sdxi_fn_stop(struct sdxi_dev *sdxi)
{
	ktime_t start = ktime_get();
	enum sdxi_fn_request sent = SDXI_GSR_ACTIVE;
	s64 us;
	u8 state;

	for (;;) {
		state = sdxi_fn_state(sdxi);
		us = ktime_us_delta(ktime_get(), start);
		switch (state) {
		case SDXI_GSV_STOP:
			return 0;
		case SDXI_GSV_INIT:
		case SDXI_GSV_ACTIVE:
			if (sent != SDXI_GSR_STOP_SOFT) {
				sdxi_fn_request(sdxi, SDXI_GSR_STOP_SOFT, 0);
				sent = SDXI_GSR_STOP_SOFT;
			}
			break;
		case SDXI_GSV_STOPG_SOFT:
			if (us > SDXI_SOFT_STOP_US && sent != SDXI_GSR_STOP_HARD) {
				sdxi_fn_request(sdxi, SDXI_GSR_STOP_HARD, 0);
				sent = SDXI_GSR_STOP_HARD;
			}
			break;
		case SDXI_GSV_STOPG_HARD:
			break;
		case SDXI_GSV_ERROR:
			if (sent != SDXI_GSR_RESET) {
				sdxi_fn_request(sdxi, SDXI_GSR_RESET, 0);
				sent = SDXI_GSR_RESET;
			}
			break;
		default:
			dev_err(sdxi_dev(sdxi), "function in state %#x\n", state);
			return -ENODEV;
		}
		if (us > SDXI_ADMIN_TIMEOUT_US) {
			dev_err(sdxi_dev(sdxi), "function stuck in state %u\n",
				state);
			return -ETIMEDOUT;
		}
		usleep_range(50, 100);
	}
}
