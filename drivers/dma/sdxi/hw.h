/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SDXi 1.0 memory-resident structures and registers, as laid out by the
 * SNIA Smart Data Accelerator Interface specification (section numbers
 * below refer to it). Everything the function reads or writes in memory
 * is little endian; reserved fields must be zero.
 */
#ifndef _SDXI_HW_H
#define _SDXI_HW_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

#define SDXI_BAR_REGS			0
#define SDXI_BAR_DOORBELLS		2

/* Function registers in BAR0 (section 9). All are 64 bits wide. */
#define SDXI_MMIO_CTL0			0x00000
#define   SDXI_CTL0_FN_GSR		GENMASK_ULL(1, 0)
#define   SDXI_CTL0_FN_PASID_VL		BIT_ULL(2)
#define   SDXI_CTL0_FN_ERR_INTR_EN	BIT_ULL(4)
#define   SDXI_CTL0_FN_PASID		GENMASK_ULL(27, 8)
#define   SDXI_CTL0_FN_GRP_ID		GENMASK_ULL(63, 32)
#define SDXI_MMIO_CTL2			0x00010
#define   SDXI_CTL2_MAX_BUFFER		GENMASK_ULL(3, 0)
#define   SDXI_CTL2_MAX_AKEY_SZ		GENMASK_ULL(15, 12)
#define   SDXI_CTL2_MAX_CXT		GENMASK_ULL(31, 16)
#define   SDXI_CTL2_OPB_000_AVL		GENMASK_ULL(63, 32)
#define SDXI_MMIO_STS0			0x00100
#define   SDXI_STS0_FN_GSV		GENMASK_ULL(2, 0)
#define SDXI_MMIO_CAP0			0x00200
#define   SDXI_CAP0_DB_STRIDE		GENMASK_ULL(22, 20)
#define   SDXI_CAP0_MAX_DS_RING_SZ	GENMASK_ULL(28, 24)
#define SDXI_MMIO_CAP1			0x00208
#define   SDXI_CAP1_MAX_BUFFER		GENMASK_ULL(3, 0)
#define   SDXI_CAP1_MAX_ERRLOG_SZ	GENMASK_ULL(11, 8)
#define   SDXI_CAP1_MAX_AKEY_SZ		GENMASK_ULL(15, 12)
#define   SDXI_CAP1_MAX_CXT		GENMASK_ULL(31, 16)
#define   SDXI_CAP1_OPB_000_CAP		GENMASK_ULL(63, 32)
#define SDXI_MMIO_VER			0x00210
#define   SDXI_VER_MINOR		GENMASK_ULL(7, 0)
#define   SDXI_VER_MAJOR		GENMASK_ULL(23, 16)
#define SDXI_MMIO_CXT_L2		0x10000
#define   SDXI_CXT_L2_PTR		GENMASK_ULL(63, 12)
#define SDXI_MMIO_ERR_CTL		0x20000
#define   SDXI_ERR_CTL_EN		BIT_ULL(0)
#define SDXI_MMIO_ERR_STS		0x20008
#define   SDXI_ERR_STS_STS		BIT_ULL(0)
#define   SDXI_ERR_STS_OVF		BIT_ULL(1)
#define   SDXI_ERR_STS_ERR		BIT_ULL(3)
#define SDXI_MMIO_ERR_CFG		0x20010
#define   SDXI_ERR_CFG_EN		BIT_ULL(0)
#define   SDXI_ERR_CFG_SZ		GENMASK_ULL(5, 1)
#define   SDXI_ERR_CFG_PTR		GENMASK_ULL(63, 12)
#define SDXI_MMIO_ERR_WRT		0x20020
#define SDXI_MMIO_ERR_RD		0x20028

/* CTL0.fn_gsr requests and STS0.fn_gsv states. */
enum sdxi_fn_request {
	SDXI_GSR_RESET		= 0,
	SDXI_GSR_STOP_SOFT	= 1,
	SDXI_GSR_STOP_HARD	= 2,
	SDXI_GSR_ACTIVE		= 3,
};

enum sdxi_fn_state {
	SDXI_GSV_STOP		= 0,
	SDXI_GSV_INIT		= 1,
	SDXI_GSV_ACTIVE		= 2,
	SDXI_GSV_STOPG_SOFT	= 3,
	SDXI_GSV_STOPG_HARD	= 4,
	SDXI_GSV_ERROR		= 5,
};

/*
 * max_buffer fields (CAP1, CTL2, L1 misc0) encode a largest buffer of
 * 2^(n + 21) bytes; 11 is 4 GiB, the most a COPY's 32-bit size can say.
 */
#define SDXI_MAX_BUFFER_SHIFT		21
#define SDXI_MAX_BUFFER_4G		11

/* 3.2.1: the level-2 context table, 512 pointers to level-1 tables. */
#define SDXI_L2_ENTRIES			512
#define SDXI_L2_ENT_VL			BIT_ULL(0)
#define SDXI_L2_ENT_LV01_PTR		GENMASK_ULL(63, 12)

/* 3.2.2: a level-1 table holds 128 context entries of 32 bytes. */
#define SDXI_L1_ENTRIES			128

struct sdxi_cxt_l1_ent {
	__le64 cxt_ctl_ptr;
#define SDXI_L1_ENT_VL			BIT_ULL(0)
#define SDXI_L1_ENT_KA			BIT_ULL(1)
#define SDXI_L1_ENT_PV			BIT_ULL(2)
#define SDXI_L1_ENT_CXT_CTL_PTR		GENMASK_ULL(63, 6)
	__le64 akey_ptr;
#define SDXI_L1_ENT_AKEY_SZ		GENMASK_ULL(3, 0)
#define SDXI_L1_ENT_AKEY_PTR		GENMASK_ULL(63, 12)
	__le32 misc0;
#define SDXI_L1_ENT_PASID		GENMASK(19, 0)
#define SDXI_L1_ENT_MAX_BUFFER		GENMASK(23, 20)
	__le32 opb_000_enb;
	__le64 rsvd;
};

static_assert(sizeof(struct sdxi_cxt_l1_ent) == 32);

/* 3.3: context control, read by the function when a context starts. */
struct sdxi_cxt_ctl {
	__le64 ds_ring_ptr;
#define SDXI_CXT_CTL_VL			BIT_ULL(0)
#define SDXI_CXT_CTL_QOS		GENMASK_ULL(3, 2)
#define SDXI_CXT_CTL_SE			BIT_ULL(4)
#define SDXI_CXT_CTL_CSA		BIT_ULL(5)
#define SDXI_CXT_CTL_DS_RING_PTR	GENMASK_ULL(63, 6)
	__le32 ds_ring_sz;
	__le32 rsvd0;
	__le64 cxt_sts_ptr;
#define SDXI_CXT_CTL_CXT_STS_PTR	GENMASK_ULL(63, 4)
	__le64 write_index_ptr;
#define SDXI_CXT_CTL_WRITE_INDEX_PTR	GENMASK_ULL(63, 3)
	__le64 rsvd1[4];
};

static_assert(sizeof(struct sdxi_cxt_ctl) == 64);

/* 3.4: context status, written by the function while the context runs. */
struct sdxi_cxt_sts {
	u8 state;
#define SDXI_CXT_STS_STATE		GENMASK(3, 0)
	u8 misc0;
	u8 rsvd[6];
	__le64 read_index;
};

static_assert(sizeof(struct sdxi_cxt_sts) == 16);

enum sdxi_cxt_state {
	SDXI_CXT_STOP_SW	= 0x0,
	SDXI_CXT_RUN		= 0x1,
	SDXI_CXT_STOPG_SW	= 0x2,
	SDXI_CXT_STOP_FN	= 0x4,
	SDXI_CXT_STOPG_FN	= 0x6,
	SDXI_CXT_ERR_FN		= 0xf,
};

/* 3.5: an access key; the one an INTR descriptor names picks its vector. */
struct sdxi_akey_ent {
	__le16 intr_num;
#define SDXI_AKEY_VL			BIT(0)
#define SDXI_AKEY_IV			BIT(1)
#define SDXI_AKEY_INTR_NUM		GENMASK(14, 4)
	__le16 tgt_sfunc;
	__le32 pasid;
	__le16 stag;
	__le16 rsvd0;
	__le16 rkey;
	__le16 rsvd1;
};

static_assert(sizeof(struct sdxi_akey_ent) == 16);
#define SDXI_AKEY_TABLE_ENTRIES		256	/* akey_sz 0: one 4 KiB page */

/* 6.2.1: completion status block; the function decrements signal. */
struct sdxi_cst_blk {
	__le64 signal;
	__le32 flags;
#define SDXI_CST_BLK_ER			BIT(31)
	__le32 rsvd[5];
};

static_assert(sizeof(struct sdxi_cst_blk) == 32);

/*
 * 6.1: every descriptor is 64 bytes: an opcode word, 52 bytes of
 * operation, and the completion status block pointer. The function only
 * looks at a descriptor whose opcode has vl set, so the opcode is
 * written last.
 */
struct sdxi_desc {
	__le32 opcode;
#define SDXI_DSC_VL			BIT(0)
#define SDXI_DSC_SE			BIT(1)
#define SDXI_DSC_FE			BIT(2)
#define SDXI_DSC_CH			BIT(3)
#define SDXI_DSC_CSR			BIT(4)
#define SDXI_DSC_RB			BIT(5)
#define SDXI_DSC_SUBTYPE		GENMASK(15, 8)
#define SDXI_DSC_TYPE			GENMASK(26, 16)
	u8 body[52];
	__le64 csb_ptr;
#define SDXI_DSC_NP			BIT_ULL(0)
#define SDXI_DSC_CSB_PTR		GENMASK_ULL(63, 5)
};

static_assert(sizeof(struct sdxi_desc) == 64);

/* Table 6-1/6-2: operation groups, types and subtypes. */
#define SDXI_TYPE_DMAB			0x001
#define SDXI_TYPE_ADMIN			0x002
#define SDXI_TYPE_INTR			0x004
#define SDXI_SUB_NOP			0x01
#define SDXI_SUB_COPY			0x03
#define SDXI_SUB_INTR			0x00
#define SDXI_SUB_CXT_START_NM		0x03
#define SDXI_SUB_CXT_STOP		0x04
#define SDXI_SUB_SYNC			0x06

/* SYNC filters (cflags.flt): what the SYNC waits for. */
enum sdxi_sync_filter {
	SDXI_SYNC_CXT		= 0,
	SDXI_SYNC_STOP		= 1,
	SDXI_SYNC_AKEY		= 2,
	SDXI_SYNC_RKEY		= 3,
	SDXI_SYNC_FN		= 4,
};

/* Body layouts (offsets from the start of the descriptor). */
struct sdxi_dsc_copy {
	__le32 opcode;
	__le32 size;		/* bytes - 1 */
	u8 attr;
	u8 rsvd0[3];
	__le16 akey0;		/* source */
	__le16 akey1;		/* destination */
	__le64 addr0;		/* source */
	__le64 addr1;		/* destination */
	u8 rsvd1[24];
	__le64 csb_ptr;
};

static_assert(sizeof(struct sdxi_dsc_copy) == 64);

struct sdxi_dsc_intr {
	__le32 opcode;
	u8 rsvd0[8];
	__le16 akey;
	u8 rsvd1[42];
	__le64 csb_ptr;
};

static_assert(sizeof(struct sdxi_dsc_intr) == 64);

/* CXT_START_NM, CXT_STOP and SYNC share the context-range header. */
struct sdxi_dsc_cxt {
	__le32 opcode;
	u8 cflags;
#define SDXI_SYNC_FLT			GENMASK(2, 0)
	u8 vflags;
#define SDXI_VFLAGS_HS			BIT(5)	/* CXT_STOP: hard stop */
#define SDXI_VFLAGS_DV			BIT(6)	/* CXT_START: db_value valid */
#define SDXI_VFLAGS_VF			BIT(7)	/* vf_num names a VF */
	__le16 vf_num;
	__le16 cxt_start;
	__le16 cxt_end;
	__le16 key_start;	/* SYNC only */
	__le16 key_end;		/* SYNC only */
	__le64 db_value;	/* CXT_START_NM only */
	u8 rsvd[32];
	__le64 csb_ptr;
};

static_assert(sizeof(struct sdxi_dsc_cxt) == 64);

/*
 * 3.4: error log header entries, 64 bytes each, written by the function
 * in a log of 64-entry units. The function marks a valid entry with vl
 * and type SDXI_ERRLOG_TYPE; the driver clears the word after reading
 * it, so a stale entry is never taken for a new one.
 */
struct sdxi_errlog_ent {
	__le32 dw0;
#define SDXI_ERRLOG_VL			BIT(0)
#define SDXI_ERRLOG_STEP		GENMASK(13, 8)
#define SDXI_ERRLOG_TYPE_MASK		GENMASK(26, 16)
	__le32 dw1;
#define SDXI_ERRLOG_CV			BIT(0)
#define SDXI_ERRLOG_DIV			BIT(1)
#define SDXI_ERRLOG_BV			BIT(2)
#define SDXI_ERRLOG_BUF			GENMASK(6, 4)
#define SDXI_ERRLOG_SUB_STEP		GENMASK(11, 8)
#define SDXI_ERRLOG_RE			GENMASK(14, 12)
#define SDXI_ERRLOG_CXT_NUM		GENMASK(31, 16)
	__le64 dsc_index;
	u8 rsvd0[28];
	__le16 err_class;
	__le16 rsvd1;
	__le32 vendor[4];
};

static_assert(sizeof(struct sdxi_errlog_ent) == 64);

#define SDXI_ERRLOG_TYPE		0x7f7
#define SDXI_ERRLOG_UNIT		64	/* entries per ERR_CFG.sz unit */

/* Where the function was when it found the error ("processing step"). */
enum sdxi_err_step {
	SDXI_STEP_INTERNAL	= 1,
	SDXI_STEP_CXT_L2	= 2,
	SDXI_STEP_CXT_L1	= 3,
	SDXI_STEP_CXT_CTL	= 4,
	SDXI_STEP_CXT_STS	= 5,
	SDXI_STEP_WRITE_INDEX	= 6,
	SDXI_STEP_DESCRIPTOR	= 7,
	SDXI_STEP_CST_BLK	= 8,
	SDXI_STEP_ATOMIC_DATA	= 9,
	SDXI_STEP_DATA_BUFFER	= 10,
	SDXI_STEP_AKEY		= 11,
	SDXI_STEP_RKEY		= 12,
};

enum sdxi_err_sub_step {
	SDXI_SUB_STEP_OTHER		= 0,
	SDXI_SUB_STEP_TRANSLATION	= 1,
	SDXI_SUB_STEP_ACCESS		= 2,
	SDXI_SUB_STEP_VALIDATION	= 3,
};

/* What the function did about it ("reaction"). */
enum sdxi_err_reaction {
	SDXI_RE_INFO		= 0,
	SDXI_RE_CXT_STOPPED	= 1,
	SDXI_RE_FN_STOPPED	= 2,
};

/* buf: which of a descriptor's buffers failed; COPY's addr0 is source. */
#define SDXI_ERRLOG_BUF_SRC		0
#define SDXI_ERRLOG_BUF_DST		1

#endif /* _SDXI_HW_H */
