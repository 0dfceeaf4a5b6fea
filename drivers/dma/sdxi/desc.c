// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi descriptor encoding and ring index arithmetic.
 *
 * Kept free of device state so KUnit can check the bytes against the
 * layouts of the specification.
 */
#include <linux/bitfield.h>
#include <linux/string.h>

#include "sdxi.h"

static __le32 sdxi_opcode(u16 type, u8 subtype, u32 flags)
{
	return cpu_to_le32(SDXI_DSC_VL | flags |
			   FIELD_PREP(SDXI_DSC_SUBTYPE, subtype) |
			   FIELD_PREP(SDXI_DSC_TYPE, type));
}

/* A zero CSB address means "no completion block" (np). */
static __le64 sdxi_csb_ptr(dma_addr_t csb)
{
	if (!csb)
		return cpu_to_le64(SDXI_DSC_NP);
	return cpu_to_le64(csb & SDXI_DSC_CSB_PTR);
}

/**
 * sdxi_encode_copy() - encode a DSC_DMAB_COPY descriptor
 * @d: descriptor to fill (all 64 bytes are written)
 * @src: source bus address
 * @dst: destination bus address
 * @len: bytes to copy, 1 to 4 GiB (encoded as len - 1)
 * @csb: completion status block, 0 for none
 */
void sdxi_encode_copy(struct sdxi_desc *d, dma_addr_t src, dma_addr_t dst,
		      u64 len, dma_addr_t csb)
{
	struct sdxi_dsc_copy *c = (struct sdxi_dsc_copy *)d;

	memset(c, 0, sizeof(*c));
	c->opcode = sdxi_opcode(SDXI_TYPE_DMAB, SDXI_SUB_COPY, 0);
	c->size = cpu_to_le32((u32)(len - 1));
	c->addr0 = cpu_to_le64(src);
	c->addr1 = cpu_to_le64(dst);
	c->csb_ptr = sdxi_csb_ptr(csb);
}

/**
 * sdxi_encode_nop() - encode a DSC_DMAB_NOP descriptor
 * @d: descriptor to fill
 * @csb: completion status block, 0 for none
 */
void sdxi_encode_nop(struct sdxi_desc *d, dma_addr_t csb)
{
	memset(d, 0, sizeof(*d));
	d->opcode = sdxi_opcode(SDXI_TYPE_DMAB, SDXI_SUB_NOP, 0);
	d->csb_ptr = sdxi_csb_ptr(csb);
}

/**
 * sdxi_encode_intr() - encode a fenced DSC_INTR descriptor
 * @d: descriptor to fill
 * @akey: AKey entry whose interrupt vector is raised
 *
 * The fence makes the interrupt wait for every earlier descriptor of the
 * context, so one interrupt at the end of a burst covers the burst.
 */
void sdxi_encode_intr(struct sdxi_desc *d, u16 akey)
{
	struct sdxi_dsc_intr *i = (struct sdxi_dsc_intr *)d;

	memset(i, 0, sizeof(*i));
	i->opcode = sdxi_opcode(SDXI_TYPE_INTR, SDXI_SUB_INTR, SDXI_DSC_FE);
	i->akey = cpu_to_le16(akey);
	i->csb_ptr = sdxi_csb_ptr(0);
}

/**
 * sdxi_encode_cxt() - encode an admin descriptor over a context range
 * @d: descriptor to fill
 * @subtype: SDXI_SUB_CXT_START_NM, SDXI_SUB_CXT_STOP or SDXI_SUB_SYNC
 * @first: first context
 * @last: last context (inclusive)
 * @csb: completion status block, 0 for none
 */
void sdxi_encode_cxt(struct sdxi_desc *d, u8 subtype, u16 first, u16 last,
		     dma_addr_t csb)
{
	struct sdxi_dsc_cxt *c = (struct sdxi_dsc_cxt *)d;

	memset(c, 0, sizeof(*c));
	c->opcode = sdxi_opcode(SDXI_TYPE_ADMIN, subtype, 0);
	c->cxt_start = cpu_to_le16(first);
	c->cxt_end = cpu_to_le16(last);
	c->csb_ptr = sdxi_csb_ptr(csb);
}

/**
 * sdxi_ring_space() - free slots in a ring
 * @write: driver's write index
 * @read: function's read index
 * @entries: ring size, a power of two
 *
 * Indexes never wrap (64 bits), so the difference is the number of slots
 * in use; a read index ahead of the write index is a device bug and
 * leaves no space rather than a huge one.
 *
 * Return: slots that may be written.
 */
u32 sdxi_ring_space(u64 write, u64 read, u32 entries)
{
	if (read > write || write - read > entries)
		return 0;
	return entries - (u32)(write - read);
}

/**
 * sdxi_ring_slot() - slot of a ring index
 * @index: free-running index
 * @entries: ring size, a power of two
 *
 * Return: @index modulo @entries.
 */
u32 sdxi_ring_slot(u64 index, u32 entries)
{
	return index & (entries - 1);
}
