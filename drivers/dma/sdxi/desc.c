// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDXi descriptor encoding, error log decoding and ring index arithmetic.
 *
 * Kept free of device state so KUnit can check the bytes against the
 * layouts of the specification.
 */
#include <kunit/visibility.h>
#include <linux/bitfield.h>
#include <linux/log2.h>
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
EXPORT_SYMBOL_IF_KUNIT(sdxi_encode_copy);

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
EXPORT_SYMBOL_IF_KUNIT(sdxi_encode_nop);

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
EXPORT_SYMBOL_IF_KUNIT(sdxi_encode_intr);

/**
 * sdxi_encode_cxt() - encode an admin descriptor over a context range
 * @d: descriptor to fill
 * @subtype: SDXI_SUB_CXT_START_NM, SDXI_SUB_CXT_STOP or SDXI_SUB_SYNC
 * @first: first context
 * @last: last context (inclusive)
 * @csb: completion status block, 0 for none
 *
 * Fenced, as starting or stopping a context must be: every earlier admin
 * descriptor has completed when it runs.
 */
void sdxi_encode_cxt(struct sdxi_desc *d, u8 subtype, u16 first, u16 last,
		     dma_addr_t csb)
{
	struct sdxi_dsc_cxt *c = (struct sdxi_dsc_cxt *)d;

	memset(c, 0, sizeof(*c));
	c->opcode = sdxi_opcode(SDXI_TYPE_ADMIN, subtype, SDXI_DSC_FE);
	c->cxt_start = cpu_to_le16(first);
	c->cxt_end = cpu_to_le16(last);
	c->csb_ptr = sdxi_csb_ptr(csb);
}
EXPORT_SYMBOL_IF_KUNIT(sdxi_encode_cxt);

/**
 * sdxi_encode_sync() - encode a fenced SYNC admin descriptor
 * @d: descriptor to fill
 * @flt: what to wait for (SDXI_SYNC_STOP: contexts of the range that are
 *	still stopping, with their work in flight)
 * @first: first context
 * @last: last context (inclusive)
 * @csb: completion status block, 0 for none
 */
void sdxi_encode_sync(struct sdxi_desc *d, enum sdxi_sync_filter flt,
		      u16 first, u16 last, dma_addr_t csb)
{
	struct sdxi_dsc_cxt *c = (struct sdxi_dsc_cxt *)d;

	sdxi_encode_cxt(d, SDXI_SUB_SYNC, first, last, csb);
	c->cflags = FIELD_PREP(SDXI_SYNC_FLT, flt);
}
EXPORT_SYMBOL_IF_KUNIT(sdxi_encode_sync);

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
EXPORT_SYMBOL_IF_KUNIT(sdxi_ring_space);

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
EXPORT_SYMBOL_IF_KUNIT(sdxi_ring_slot);

/**
 * sdxi_max_buffer_code() - the max_buffer code covering a buffer size
 * @bytes: largest buffer, 1 to 4 GiB
 *
 * Return: the smallest n with 2^(n + 21) >= @bytes.
 */
u8 sdxi_max_buffer_code(u64 bytes)
{
	if (bytes <= 1ULL << SDXI_MAX_BUFFER_SHIFT)
		return 0;
	return min(order_base_2(bytes) - SDXI_MAX_BUFFER_SHIFT,
		   SDXI_MAX_BUFFER_4G);
}
EXPORT_SYMBOL_IF_KUNIT(sdxi_max_buffer_code);

/**
 * sdxi_max_buffer_bytes() - the buffer size a max_buffer code allows
 * @code: a max_buffer field
 *
 * Return: 2^(@code + 21) bytes, at most 4 GiB.
 */
u64 sdxi_max_buffer_bytes(u8 code)
{
	return 1ULL << (min_t(u8, code, SDXI_MAX_BUFFER_4G) +
			SDXI_MAX_BUFFER_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(sdxi_max_buffer_bytes);

/**
 * sdxi_errlog_decode() - decode an error log header entry
 * @e: the entry, as the function wrote it
 * @err: the decoded fields
 *
 * Return: false if @e is not a valid header entry (vl clear, or another
 * entry type), which the caller skips.
 */
bool sdxi_errlog_decode(const struct sdxi_errlog_ent *e, struct sdxi_err *err)
{
	u32 dw0 = le32_to_cpu(READ_ONCE(e->dw0));
	u32 dw1 = le32_to_cpu(e->dw1);

	if (!(dw0 & SDXI_ERRLOG_VL) ||
	    FIELD_GET(SDXI_ERRLOG_TYPE_MASK, dw0) != SDXI_ERRLOG_TYPE)
		return false;
	err->step = FIELD_GET(SDXI_ERRLOG_STEP, dw0);
	err->sub_step = FIELD_GET(SDXI_ERRLOG_SUB_STEP, dw1);
	err->reaction = FIELD_GET(SDXI_ERRLOG_RE, dw1);
	err->cxt = dw1 & SDXI_ERRLOG_CV ? FIELD_GET(SDXI_ERRLOG_CXT_NUM, dw1) : -1;
	err->buf = dw1 & SDXI_ERRLOG_BV ? FIELD_GET(SDXI_ERRLOG_BUF, dw1) : -1;
	err->index = dw1 & SDXI_ERRLOG_DIV ? le64_to_cpu(e->dsc_index) : U64_MAX;
	err->err_class = le16_to_cpu(e->err_class);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(sdxi_errlog_decode);

/**
 * sdxi_err_result() - the dmaengine result of a failed COPY
 * @err: the error log entry that names it
 *
 * Error classes are left to the implementation; the step and the buffer
 * are not: a data access failure on a COPY's first buffer is a failed
 * read of the source, on its second a failed write of the destination.
 *
 * Return: DMA_TRANS_READ_FAILED, DMA_TRANS_WRITE_FAILED or
 * DMA_TRANS_ABORTED.
 */
enum dmaengine_tx_result sdxi_err_result(const struct sdxi_err *err)
{
	if (err->step != SDXI_STEP_DATA_BUFFER)
		return DMA_TRANS_ABORTED;
	switch (err->buf) {
	case SDXI_ERRLOG_BUF_SRC:
		return DMA_TRANS_READ_FAILED;
	case SDXI_ERRLOG_BUF_DST:
		return DMA_TRANS_WRITE_FAILED;
	default:
		return DMA_TRANS_ABORTED;
	}
}
EXPORT_SYMBOL_IF_KUNIT(sdxi_err_result);
