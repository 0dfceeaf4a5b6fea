/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SDXi (SNIA Smart Data Accelerator Interface 1.0) PCI function model.
 *
 * A test device for the migrate-offload project: it implements the part
 * of SDXi 1.0 that a memcpy DMA engine driver needs (function state
 * machine, admin context, context tables, descriptor rings with doorbells,
 * COPY/NOP/INTR descriptors, completion status blocks, the error log) plus
 * vendor-specific fault injection so the driver's error paths can be
 * tested. It follows the specification's rules as harness/qemu/sdxi-model.md
 * lists them with their sources, not any driver; where the spec lets
 * hardware behave in several ways, the "adversary" property makes the
 * model do each, seeded (completions out of order and late, copies going
 * on after CXT_STOP, descriptors re-polled, doorbells late, copies slow).
 *
 * Execution model: a doorbell write only marks the context pending and
 * schedules a bottom half, so the vCPU's MMIO write returns at once and
 * descriptors run asynchronously per context. One bottom-half run is
 * bounded (descriptors and bytes) and reschedules itself, so a 4 GiB copy
 * does not freeze the guest; a virtual-clock timer serves what waits for
 * time. All state is touched only with the BQL held (MMIO handlers, the
 * bottom half and the timer).
 *
 * Not for migration: the device is marked unmigratable.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/units.h"
#include "qemu/bswap.h"
#include "qemu/bitops.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#define TYPE_SDXI "sdxi"
OBJECT_DECLARE_SIMPLE_TYPE(SdxiState, SDXI)

/* PCI identity: QEMU's id space for emulated devices, SDXi class code. */
#define SDXI_VENDOR_ID          PCI_VENDOR_ID_REDHAT
#define SDXI_DEVICE_ID          0x0120
#define SDXI_CLASS_ID           0x1201  /* 12h accelerator, 01h SDXi */
#define SDXI_PROG_IF            0x00

#define SDXI_REGS_BAR           0
#define SDXI_DB_BAR             2
#define SDXI_MSIX_BAR           4
#define SDXI_REGS_SIZE          (256 * KiB)
#define SDXI_DB_STRIDE          (4 * KiB)       /* CAP0.db_stride = 0 */

/* Limits of the properties (what the register fields and MSI-X allow). */
#define SDXI_MAX_CXTS           4096
#define SDXI_MAX_VECTORS        2048

/* BAR0 register offsets. */
#define R_CTL0                  0x00000
#define R_GRP_ENUM              0x00008
#define R_CTL2                  0x00010
#define R_STS0                  0x00100
#define R_CAP0                  0x00200
#define R_CAP1                  0x00208
#define R_VER                   0x00210
#define R_CXT_L2                0x10000
#define R_RKEY                  0x10100
#define R_ERR_CTL               0x20000
#define R_ERR_STS               0x20008
#define R_ERR_CFG               0x20010
#define R_ERR_WRT               0x20020
#define R_ERR_RD                0x20028
#define R_DBG_FAIL_NTH          0x30000
#define R_DBG_FAIL_CLASS        0x30008
#define R_DBG_STALL_NTH         0x30010
#define R_DBG_DROP_IRQ          0x30018
#define R_DBG_EXECUTED          0x30020
#define R_DBG_ERRORS            0x30028
#define R_DBG_REORDERED         0x30030
#define R_DBG_LATE_CSB          0x30038
#define R_DBG_DRAINED           0x30040
#define R_DBG_ABANDONED         0x30048
#define R_DBG_REPOLLS           0x30050
#define R_DBG_ADVERSARY         0x30058
#define R_DBG_SEED              0x30060

/* Writable bits of each register; a write to any other bit is reserved. */
#define CTL0_GSR_MASK           0x3ULL
#define CTL0_ERR_INTR_EN        BIT_ULL(4)
#define CTL0_WMASK              0xffffffff0fffff17ULL
#define CTL2_WMASK              0xfffffffffffff00fULL
#define CXT_L2_WMASK            0xfffffffffffff000ULL
#define RKEY_WMASK              0xfffffffffffff01fULL
#define ERR_CTL_EN              BIT_ULL(0)
#define ERR_STS_STS             BIT_ULL(0)
#define ERR_STS_OVF             BIT_ULL(1)
#define ERR_STS_ERR             BIT_ULL(3)
#define ERR_STS_W1C             (ERR_STS_STS | ERR_STS_OVF | ERR_STS_ERR)
#define ERR_CFG_EN              BIT_ULL(0)
#define ERR_CFG_WMASK           0xfffffffffffff03fULL
#define ERR_CFG_PTR_MASK        0xfffffffffffff000ULL

/* CTL0.fn_gsr requests and STS0.fn_gsv states. */
enum { GSR_RESET = 0, GSR_STOP_SOFT = 1, GSR_STOP_HARD = 2, GSR_ACTIVE = 3 };
enum {
    FN_STOPPED = 0, FN_INIT = 1, FN_ACTIVE = 2, FN_STOPPING_SOFT = 3,
    FN_STOPPING_HARD = 4, FN_ERROR = 5,
};

/* Capabilities the model advertises (see "Model values" in the doc). */
#define CAP_MAX_DS_RING_SZ      2       /* 1024 << 2 = 4096 entries */
#define CAP_MAX_BUFFER          11      /* 2^(11 + 21) = 4 GiB */
#define CAP_MAX_ERRLOG_SZ       0       /* log of at most 1 << 0 units */
#define CAP_MAX_AKEY_SZ         0       /* 256 << 0 AKey entries */
#define CAP_MMIO64              BIT_ULL(6)
#define RING_MIN_ENTRIES        1024    /* 64 KiB, Table 3-1 */
#define RING_MAX_ENTRIES        (1024u << CAP_MAX_DS_RING_SZ)
#define ERRLOG_UNIT_ENTRIES     64      /* 4 KiB of 64-byte entries */

/* Context states as the CXT_STS.state field encodes them. */
enum {
    CXT_STOPPED_SW = 0, CXT_RUNNING = 1, CXT_STOPPING_SW = 2,
    CXT_STOPPED_FN = 4, CXT_STOPPING_FN = 6, CXT_ERROR = 0xf,
};

/* Descriptor opcode word and types/subtypes. */
#define DSC_SIZE                64
#define DSC_VL                  BIT(0)
#define DSC_FE                  BIT(2)
#define DSC_OPCODE_RSVD         0xf80000f0u     /* [7:4], [31:27] */
#define DSC_TYPE_DMAB           0x001
#define DSC_TYPE_ADMIN          0x002
#define DSC_TYPE_INTR           0x004
#define DMAB_NOP                0x01
#define DMAB_COPY               0x03
#define ADMIN_CXT_START_NM      0x03
#define ADMIN_CXT_STOP          0x04
#define ADMIN_SYNC              0x06
#define INTR_INTR               0x00
#define CSB_NP                  BIT_ULL(0)
#define CSB_RSVD                0x1eULL
#define CSB_ADDR_MASK           (~0x1fULL)
#define CSB_FLAGS_ER            BIT(31)

/* AKey entry, first 16-bit word. */
#define AKEY_VL                 BIT(0)
#define AKEY_IV                 BIT(1)
#define AKEY_ENTRY_SIZE         16

/*
 * Error classes: implementation defined (the spec gives no values); the
 * model's own, listed in the doc. Drivers should not need them.
 */
#define ERR_INVALID_DSC         0x0001
#define ERR_INVALID_CXT         0x0002
#define ERR_RING_OVERFLOW       0x0003
#define ERR_DATA_READ           0x0101
#define ERR_DATA_WRITE          0x0102

/* Error-log "(flagged) processing step" codes of the spec. */
enum {
    STEP_INTERNAL = 1, STEP_CXT_L2 = 2, STEP_CXT_L1 = 3, STEP_CXT_CTL = 4,
    STEP_CXT_STS = 5, STEP_WRITE_INDEX = 6, STEP_DESCRIPTOR = 7,
    STEP_CST_BLK = 8, STEP_ATOMIC = 9, STEP_DATA = 10, STEP_AKEY = 11,
    STEP_RKEY = 12,
};

/* Error-log sub_step codes. */
enum { SUB_OTHER = 0, SUB_TRANSLATION = 1, SUB_ACCESS = 2, SUB_VALIDATION = 3 };

#define ERRLOG_TYPE             0x7f7
#define BUF_NONE                (-1)

/* Error-log reaction: what the function did about the error. */
enum { REACT_NONE = 0, REACT_CXT_STOPPED = 1, REACT_FN_STOPPED = 2 };

/*
 * Bounds of one bottom-half run, so the main loop (and vCPUs waiting for
 * the BQL to do MMIO) get a turn between runs even while a context has
 * gigabytes queued.
 */
#define BH_MAX_DESCRIPTORS      256
#define BH_MAX_BYTES            (16 * MiB)
#define TURN_MAX_DESCRIPTORS    32      /* per context per round: fairness */
#define COPY_CHUNK              (64 * KiB)

/* Descriptors one context may have fetched and not retired. */
#define DEPTH_MAX               8

/* Adversary behaviours (property "adversary"), see the doc. */
#define ADV_OOO                 0x01    /* unfenced complete out of order */
#define ADV_CSB_DELAY           0x02    /* completion blocks written late */
#define ADV_STOP_DRAIN          0x04    /* copies run on after CXT_STOP */
#define ADV_VL_REPOLL           0x08    /* random re-poll of vl=0 slots */
#define ADV_PREFETCH            0x10    /* write index read without doorbells */
#define ADV_DB_DELAY            0x20    /* doorbells act late */
#define ADV_SLOW                0x40    /* a chunk per tick at most */
#define ADV_ALL                 0x7f

/* Virtual-time period of the timer while anything waits for time. */
#define TICK_NS                 (100 * SCALE_US)
#define REPOLL_NS               (50 * SCALE_US)

typedef struct SdxiBudget {
    unsigned dsc;
    uint64_t bytes;
} SdxiBudget;

/* Outcome of executing (part of) one descriptor. */
typedef enum {
    EXEC_DONE,          /* completed successfully */
    EXEC_DONE_ER,       /* completed, CSB gets er; errors already logged */
    EXEC_FAILED,        /* failed: log, CSB er, context enters error */
    EXEC_STALL,         /* fault injection: never executes */
    EXEC_YIELD,         /* partly done (copy), budget used up */
    EXEC_WAIT,          /* admin SYNC waiting for other contexts */
    EXEC_LATER,         /* throttled: no further chunk until a tick */
} SdxiExec;

/* A descriptor the function has fetched and not yet retired. */
typedef struct SdxiOp {
    uint8_t dsc[DSC_SIZE];
    uint64_t index;         /* its ring index */
    bool copying;           /* COPY validated and started, copy_done valid */
    bool executed;          /* done; waiting for its CSB write (csb_due) */
    bool stalled;           /* DBG_STALL_NTH: never executes */
    bool er;                /* its CSB gets er */
    uint64_t copy_done;
    int64_t csb_due;        /* virtual ns when its completion is written */
    int irq_vector;         /* INTR: vector to raise after completion */

    /* Why it failed, for the error log. */
    uint16_t fail_class;
    uint8_t fail_step;
    uint8_t fail_sub;
    int fail_buf;
} SdxiOp;

typedef struct SdxiCxt {
    uint8_t state;
    bool loaded;        /* tables below were read by a start since reset */
    bool pending;       /* doorbell rung or start: check the write index */
    uint8_t final;      /* state a stopping context ends in */
    int64_t drain_end;  /* STOP_DRAIN: abandon what is left after this */
    int64_t chunk_next; /* STOP_DRAIN, SLOW: next chunk not before this */
    int64_t wake;       /* re-poll or delayed doorbell due (0: none) */

    /* Cached at start: software must stop a context to change these. */
    uint64_t ring;
    uint32_t ring_entries;
    uint64_t sts_ptr;
    uint64_t wi_ptr;
    uint64_t akey_table;
    uint32_t akey_entries;
    uint32_t opb;
    uint64_t max_copy;

    uint64_t read_index;    /* descriptors fetched */
    uint64_t write_index;   /* last value read from wi_ptr */

    SdxiOp op[DEPTH_MAX];   /* fetched, oldest first */
    unsigned nr_ops;
} SdxiCxt;

struct SdxiState {
    PCIDevice parent_obj;

    MemoryRegion regs;
    MemoryRegion doorbells;
    MemoryRegion msix;
    QEMUBH *bh;
    QEMUTimer *timer;
    uint8_t *bounce;
    SdxiCxt *cxt;
    uint32_t rr;            /* next context a bottom half looks at first */
    uint64_t rng;           /* adversary's PRNG state */

    /* Registers. */
    uint64_t ctl0;
    uint64_t ctl2;
    bool ctl2_written;      /* since the last function reset */
    uint64_t cxt_l2;
    uint64_t rkey;
    uint64_t err_ctl;
    uint64_t err_sts;
    uint64_t err_cfg;
    uint64_t err_wrt;
    uint64_t err_rd;
    uint8_t fn_state;

    /* Vendor debug registers (fault injection and counters). */
    uint64_t dbg_fail_nth;
    uint64_t dbg_fail_class;
    uint64_t dbg_stall_nth;
    uint64_t dbg_drop_irq;
    uint64_t dbg_executed;
    uint64_t dbg_errors;
    uint64_t dbg_reordered;
    uint64_t dbg_late_csb;
    uint64_t dbg_drained;
    uint64_t dbg_abandoned;
    uint64_t dbg_repolls;

    /* Properties. */
    uint32_t num_cxts;
    uint32_t num_vectors;
    uint64_t prop_fail_nth;
    uint16_t prop_fail_class;
    uint64_t prop_stall_nth;
    uint64_t prop_drop_irq;
    uint64_t seed;
    uint32_t adversary;
    bool opb_by_type;
};

static const char *sdxi_name(SdxiState *s)
{
    return DEVICE(s)->id ? DEVICE(s)->id : "sdxi";
}

#define sdxi_guest_error(s, fmt, ...)                           \
    qemu_log_mask(LOG_GUEST_ERROR, "%s: " fmt "\n", sdxi_name(s), \
                  ## __VA_ARGS__)

static bool dma_read(SdxiState *s, uint64_t addr, void *buf, uint64_t len)
{
    return pci_dma_read(&s->parent_obj, addr, buf, len) == MEMTX_OK;
}

static bool dma_write(SdxiState *s, uint64_t addr, const void *buf,
                      uint64_t len)
{
    return pci_dma_write(&s->parent_obj, addr, buf, len) == MEMTX_OK;
}

/* True if bytes [from, to) of buf are all zero: reserved fields. */
static bool zero_bytes(const uint8_t *buf, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++) {
        if (buf[i]) {
            return false;
        }
    }
    return true;
}

/*
 * Fault-injection countdowns: a value of N fires on the Nth event from
 * the time it was written, once; 0 is off. Returns true when it fires.
 */
static bool countdown(uint64_t *nth)
{
    if (*nth == 0) {
        return false;
    }
    return --*nth == 0;
}

/* ---- Adversary ------------------------------------------------------------ */

static bool adv(SdxiState *s, uint32_t what)
{
    return s->adversary & what;
}

/* xorshift64*: small, seeded, the same sequence for the same seed. */
static uint64_t rnd(SdxiState *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(SdxiState *s, uint64_t n)
{
    return n ? rnd(s) % n : 0;
}

static int64_t now_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* Operation-group bit of a descriptor type in opb_000 fields. */
static uint32_t opb_bit(SdxiState *s, unsigned type)
{
    if (s->opb_by_type) {
        return type < 32 ? BIT(type) : 0;
    }
    switch (type) {
    case DSC_TYPE_DMAB:     return BIT(0);
    case DSC_TYPE_ADMIN:    return BIT(1);
    case DSC_TYPE_INTR:     return BIT(2);
    }
    return 0;
}

static uint32_t cap_opb(SdxiState *s)
{
    return opb_bit(s, DSC_TYPE_DMAB) | opb_bit(s, DSC_TYPE_ADMIN) |
           opb_bit(s, DSC_TYPE_INTR);
}

/* ---- Error log ----------------------------------------------------------- */

static void sdxi_err_irq(SdxiState *s)
{
    /* Both enables: the log's own and the function's error interrupt. */
    if ((s->err_ctl & ERR_CTL_EN) && (s->ctl0 & CTL0_ERR_INTR_EN)) {
        msix_notify(&s->parent_obj, 0);
    }
}

/*
 * Append an error-log header entry. cxt < 0: no context (cv clear);
 * div: dsc_index holds the failing descriptor's index; buf >= 0: which
 * buffer of the descriptor failed (bv). Anything that keeps the entry
 * from being written is reported in ERR_STS instead: ovf for a full log,
 * err for a log that is misconfigured or cannot be written.
 */
static void sdxi_log(SdxiState *s, uint16_t cls, unsigned step, unsigned sub,
                     unsigned reaction, int cxt, bool div, uint64_t index,
                     int buf, unsigned type)
{
    uint8_t e[64] = { 0 };
    uint64_t units, entries, addr;

    if (!(s->err_cfg & ERR_CFG_EN)) {
        sdxi_guest_error(s, "error log disabled: class 0x%04x (context %d) "
                         "not logged", cls, cxt);
        return;
    }
    units = extract64(s->err_cfg, 1, 5);
    if (units == 0 || units > (1u << CAP_MAX_ERRLOG_SZ) ||
        (s->err_cfg & 0xfc0)) {
        sdxi_guest_error(s, "ERR_CFG 0x%" PRIx64 " invalid (size 0, above "
                         "CAP1.max_errlog_sz, or reserved bits): class "
                         "0x%04x not logged", s->err_cfg, cls);
        s->err_sts |= ERR_STS_ERR;
        sdxi_err_irq(s);
        return;
    }
    entries = units * ERRLOG_UNIT_ENTRIES;
    /* Free-running indexes: unsigned difference; ERR_RD ahead reads full. */
    if (s->err_wrt - s->err_rd >= entries) {
        sdxi_guest_error(s, "error log full: class 0x%04x dropped", cls);
        s->err_sts |= ERR_STS_OVF;
        sdxi_err_irq(s);
        return;
    }

    stl_le_p(e + 0, 1 | (step & 0x3f) << 8 | ERRLOG_TYPE << 16);
    stl_le_p(e + 4, (cxt >= 0) | div << 1 | (buf >= 0) << 2 |
             (buf >= 0 ? (buf & 7) << 4 : 0) | (sub & 0xf) << 8 |
             (reaction & 7) << 12 | (uint32_t)(cxt >= 0 ? cxt : 0) << 16);
    stq_le_p(e + 8, div ? index : 0);
    stw_le_p(e + 44, cls);
    stw_le_p(e + 48, type);     /* vendor: the failed descriptor's type */

    addr = (s->err_cfg & ERR_CFG_PTR_MASK) + (s->err_wrt % entries) * 64;
    if (!dma_write(s, addr, e, sizeof(e))) {
        sdxi_guest_error(s, "error log at 0x%" PRIx64 " not writable", addr);
        s->err_sts |= ERR_STS_ERR;
        sdxi_err_irq(s);
        return;
    }
    s->err_wrt++;
    s->dbg_errors++;
    s->err_sts |= ERR_STS_STS;
    sdxi_err_irq(s);
}

/* ---- Contexts ------------------------------------------------------------ */

static bool sdxi_write_state(SdxiState *s, SdxiCxt *x)
{
    uint8_t b = x->state;

    return dma_write(s, x->sts_ptr, &b, 1);
}

static bool sdxi_write_read_index(SdxiState *s, SdxiCxt *x)
{
    uint8_t b[8];

    stq_le_p(b, x->read_index);
    return dma_write(s, x->sts_ptr + 8, b, sizeof(b));
}

/* Drop op i (it will never complete: no CSB write). */
static void sdxi_op_remove(SdxiCxt *x, unsigned i)
{
    memmove(&x->op[i], &x->op[i + 1], (x->nr_ops - i - 1) * sizeof(x->op[0]));
    x->nr_ops--;
}

/* Abandon everything in flight (or only stalled descriptors). */
static void sdxi_cxt_abandon(SdxiState *s, SdxiCxt *x, bool stalled_only)
{
    for (unsigned i = x->nr_ops; i-- > 0;) {
        if (!stalled_only || x->op[i].stalled) {
            sdxi_op_remove(x, i);
            s->dbg_abandoned++;
        }
    }
}

/* Forget any work (a failure or a hard stop abandons what is in flight). */
static void sdxi_cxt_drop_work(SdxiState *s, SdxiCxt *x)
{
    x->pending = false;
    x->wake = 0;
    sdxi_cxt_abandon(s, x, false);
}

/*
 * Read context c's L2/L1 entries and CXT_CTL, check them and fill *x.
 * Returns false with *why, *step and *sub set if the tables are not
 * usable; x->sts_ptr is valid once *step is past STEP_CXT_CTL.
 */
static bool sdxi_cxt_load(SdxiState *s, unsigned c, SdxiCxt *x,
                          const char **why, unsigned *step, unsigned *sub)
{
    uint8_t l2e[8], l1[32], ctl[64], sts[16];
    uint64_t l2, l1_addr, ctl_ptr, akey_ptr, ring_ptr, v;
    uint32_t misc0, ring_sz;
    unsigned buf_code;

#define LOAD_FAIL(st, sb, msg) do {     \
        *step = (st);                   \
        *sub = (sb);                    \
        *why = (msg);                   \
        return false;                   \
    } while (0)

    l2 = s->cxt_l2 & CXT_L2_WMASK;
    if (!dma_read(s, l2 + (c >> 7) * 8, l2e, sizeof(l2e))) {
        LOAD_FAIL(STEP_CXT_L2, SUB_ACCESS, "L2 table not readable");
    }
    v = ldq_le_p(l2e);
    if (!(v & 1)) {
        LOAD_FAIL(STEP_CXT_L2, SUB_VALIDATION, "L2 entry not valid");
    }
    if (v & 0xffe) {
        LOAD_FAIL(STEP_CXT_L2, SUB_VALIDATION, "L2 entry reserved bits set");
    }
    l1_addr = (v & ~0xfffULL) + (c & 127) * 32;
    if (!dma_read(s, l1_addr, l1, sizeof(l1))) {
        LOAD_FAIL(STEP_CXT_L1, SUB_ACCESS, "L1 table not readable");
    }
    ctl_ptr = ldq_le_p(l1 + 0);
    akey_ptr = ldq_le_p(l1 + 8);
    misc0 = ldl_le_p(l1 + 16);
    if (!(ctl_ptr & 1)) {
        LOAD_FAIL(STEP_CXT_L1, SUB_VALIDATION, "L1 entry not valid");
    }
    /*
     * Reserved: cxt_ctl_ptr [5:3], akey_ptr [11:4], misc0 [31:24], bytes
     * 24..31. ka and pv are accepted; the model has no PASID support and
     * serves every context from the function's own address space.
     */
    if ((ctl_ptr & 0x38) || (akey_ptr & 0xff0) || (misc0 & 0xff000000) ||
        !zero_bytes(l1, 24, 32)) {
        LOAD_FAIL(STEP_CXT_L1, SUB_VALIDATION, "L1 entry reserved bits set");
    }
    if ((akey_ptr & 0xf) > CAP_MAX_AKEY_SZ) {
        LOAD_FAIL(STEP_CXT_L1, SUB_VALIDATION,
                  "L1 akey_sz above CAP1.max_akey_sz");
    }
    if (!dma_read(s, ctl_ptr & ~0x3fULL, ctl, sizeof(ctl))) {
        LOAD_FAIL(STEP_CXT_CTL, SUB_ACCESS, "context control not readable");
    }
    ring_ptr = ldq_le_p(ctl + 0);
    ring_sz = ldl_le_p(ctl + 8);
    x->sts_ptr = ldq_le_p(ctl + 16) & ~0xfULL;
    x->wi_ptr = ldq_le_p(ctl + 24);
    if (!(ring_ptr & 1)) {
        LOAD_FAIL(STEP_CXT_CTL, SUB_VALIDATION, "descriptor ring not valid");
    }
    if ((ring_ptr & 0x2) || !zero_bytes(ctl, 12, 16) ||
        (ldq_le_p(ctl + 16) & 0xf) || (x->wi_ptr & 0x7) ||
        !zero_bytes(ctl, 32, 64)) {
        LOAD_FAIL(STEP_CXT_CTL, SUB_VALIDATION,
                  "context control reserved bits set");
    }
    /* Table 3-1: 64 KiB at least; a power of two is not required. */
    if (ring_sz < RING_MIN_ENTRIES || ring_sz > RING_MAX_ENTRIES) {
        LOAD_FAIL(STEP_CXT_CTL, SUB_VALIDATION,
                  "ring size outside 1024..CAP0.max_ds_ring_sz");
    }
    if (!dma_read(s, x->sts_ptr, sts, sizeof(sts))) {
        LOAD_FAIL(STEP_CXT_STS, SUB_ACCESS, "context status not readable");
    }
#undef LOAD_FAIL
    x->ring = ring_ptr & ~0x3fULL;
    x->ring_entries = ring_sz;
    x->akey_table = akey_ptr & ~0xfffULL;
    x->akey_entries = 256u << (akey_ptr & 0xf);
    x->opb = ldl_le_p(l1 + 20);
    buf_code = MIN(extract32(misc0, 20, 4), extract64(s->ctl2, 0, 4));
    x->max_copy = 1ULL << (MIN(buf_code, CAP_MAX_BUFFER) + 21);
    /* START_NM: "no modify": the index software left in CXT_STS stands. */
    x->read_index = ldq_le_p(sts + 8);
    x->write_index = x->read_index;
    return true;
}

/*
 * Context c's tables are bad (rule 10): it enters the error state when
 * its CXT_STS is known (read from a valid CXT_CTL), and gets an error-log
 * entry naming the table. admin_index: the CXT_START's index, or -1 for
 * a jump start.
 */
static void sdxi_cxt_load_failed(SdxiState *s, unsigned c, SdxiCxt *n,
                                 unsigned step, unsigned sub,
                                 int64_t admin_index)
{
    SdxiCxt *x = &s->cxt[c];

    if (step >= STEP_CXT_STS || (step == STEP_CXT_CTL && n->sts_ptr &&
                                 sub == SUB_VALIDATION)) {
        x->sts_ptr = n->sts_ptr;
        x->loaded = true;
        x->state = CXT_ERROR;
        sdxi_write_state(s, x);
    }
    sdxi_log(s, ERR_INVALID_CXT, step, sub, REACT_CXT_STOPPED, c,
             admin_index >= 0, admin_index, BUF_NONE,
             admin_index >= 0 ? DSC_TYPE_ADMIN : 0);
}

/*
 * Start context c: load its tables, mark it running and pending so the
 * next bottom half reads its write index. A context that cannot be
 * loaded enters the error state (when its CXT_STS is known) and gets an
 * error-log entry; admin_index is the CXT_START's index (div), or -1.
 */
static bool sdxi_cxt_start(SdxiState *s, unsigned c, int64_t admin_index)
{
    SdxiCxt *x = &s->cxt[c], n = { 0 };
    const char *why;
    unsigned step = 0, sub = 0;

    if (x->state != CXT_STOPPED_SW && x->state != CXT_STOPPED_FN) {
        sdxi_guest_error(s, "CXT_START %u: context not stopped", c);
        sdxi_log(s, ERR_INVALID_CXT, STEP_CXT_STS, SUB_VALIDATION, REACT_NONE,
                 c, admin_index >= 0, admin_index, BUF_NONE, DSC_TYPE_ADMIN);
        return false;
    }
    if (!sdxi_cxt_load(s, c, &n, &why, &step, &sub)) {
        sdxi_guest_error(s, "context %u does not start: %s", c, why);
        sdxi_cxt_load_failed(s, c, &n, step, sub, admin_index);
        return false;
    }
    n.state = CXT_RUNNING;
    n.loaded = true;
    n.pending = true;
    if (!sdxi_write_state(s, &n)) {
        sdxi_log(s, ERR_INVALID_CXT, STEP_CXT_STS, SUB_ACCESS,
                 REACT_CXT_STOPPED, c, admin_index >= 0, admin_index,
                 BUF_NONE, DSC_TYPE_ADMIN);
        return false;
    }
    *x = n;
    qemu_bh_schedule(s->bh);
    return true;
}

/* The stop of a stopping context is over: nothing left in flight. */
static void sdxi_cxt_stopped(SdxiState *s, SdxiCxt *x)
{
    sdxi_cxt_drop_work(s, x);
    x->state = x->final;
    if (x->loaded && !sdxi_write_state(s, x)) {
        sdxi_guest_error(s, "context status not writable at stop");
    }
}

/*
 * Stop a context. hard: abandon all work in flight at once. Otherwise
 * the context stops fetching and is "stopping" while what it fetched
 * completes (with STOP_DRAIN slowly, and for a bounded, random time after
 * which the rest is abandoned); a stalled descriptor never completes and
 * is abandoned at once. final: the state it ends in.
 */
static void sdxi_cxt_stop(SdxiState *s, unsigned c, uint8_t final, bool hard)
{
    SdxiCxt *x = &s->cxt[c];

    x->final = final;
    if (x->state == CXT_STOPPED_SW || x->state == CXT_STOPPED_FN) {
        return;
    }
    if (x->state == CXT_ERROR || hard) {
        sdxi_cxt_stopped(s, x);
        return;
    }
    sdxi_cxt_abandon(s, x, true);
    x->pending = false;
    x->wake = 0;
    if (!x->nr_ops) {
        sdxi_cxt_stopped(s, x);
        return;
    }
    x->state = final == CXT_STOPPED_FN ? CXT_STOPPING_FN : CXT_STOPPING_SW;
    x->drain_end = adv(s, ADV_STOP_DRAIN) ?
                   now_ns() + (1 + rnd_below(s, 20)) * SCALE_MS : 0;
    sdxi_write_state(s, x);
    qemu_bh_schedule(s->bh);
}

static bool sdxi_stopping(SdxiCxt *x)
{
    return x->state == CXT_STOPPING_SW || x->state == CXT_STOPPING_FN;
}

/* ---- Function state machine ---------------------------------------------- */

static void sdxi_fn_reset(SdxiState *s)
{
    /*
     * Every context stops, without writing guest memory: software may
     * already have freed the tables it is resetting the function for.
     */
    for (unsigned c = 0; c < s->num_cxts; c++) {
        memset(&s->cxt[c], 0, sizeof(s->cxt[c]));
        s->cxt[c].state = CXT_STOPPED_SW;
    }
    s->err_wrt = 0;
    s->err_rd = 0;
    s->err_sts = 0;
    s->ctl2_written = false;
    s->dbg_executed = 0;
    s->dbg_errors = 0;
    s->dbg_reordered = 0;
    s->dbg_late_csb = 0;
    s->dbg_drained = 0;
    s->dbg_abandoned = 0;
    s->dbg_repolls = 0;
    s->fn_state = FN_STOPPED;
}

/* CTL2 programmed since the last reset, within what CAP1 offers. */
static bool sdxi_ctl2_ok(SdxiState *s)
{
    uint32_t avl = s->ctl2 >> 32;

    return s->ctl2_written && extract64(s->ctl2, 0, 4) <= CAP_MAX_BUFFER &&
           extract64(s->ctl2, 12, 4) <= CAP_MAX_AKEY_SZ &&
           extract64(s->ctl2, 16, 16) <= s->num_cxts - 1 &&
           !(avl & ~cap_opb(s));
}

/* A function stop ends once no context is stopping any more. */
static void sdxi_fn_stop_done(SdxiState *s)
{
    if (s->fn_state != FN_STOPPING_SOFT && s->fn_state != FN_STOPPING_HARD) {
        return;
    }
    for (unsigned c = 0; c < s->num_cxts; c++) {
        if (sdxi_stopping(&s->cxt[c])) {
            return;
        }
    }
    s->fn_state = FN_STOPPED;
}

static void sdxi_fn_request(SdxiState *s, unsigned gsr)
{
    bool hard = gsr == GSR_STOP_HARD;

    switch (gsr) {
    case GSR_RESET:
        /* The spec defines no reset of a running function: refuse it. */
        if (s->fn_state != FN_STOPPED && s->fn_state != FN_ERROR) {
            sdxi_guest_error(s, "CTL0 reset request in state %u ignored "
                             "(stop the function first)", s->fn_state);
            break;
        }
        sdxi_fn_reset(s);
        break;
    case GSR_STOP_SOFT:
    case GSR_STOP_HARD:
        if (s->fn_state == FN_STOPPED || s->fn_state == FN_ERROR ||
            (!hard && s->fn_state == FN_STOPPING_SOFT)) {
            break;
        }
        s->fn_state = hard ? FN_STOPPING_HARD : FN_STOPPING_SOFT;
        for (unsigned c = 0; c < s->num_cxts; c++) {
            uint8_t st = s->cxt[c].state;

            if (st == CXT_RUNNING || st == CXT_ERROR || sdxi_stopping(&s->cxt[c])) {
                sdxi_cxt_stop(s, c, CXT_STOPPED_FN, hard);
            }
        }
        sdxi_fn_stop_done(s);
        break;
    case GSR_ACTIVE:
        if (s->fn_state != FN_STOPPED) {
            if (s->fn_state != FN_ACTIVE) {
                sdxi_guest_error(s, "CTL0 active request in state %u ignored",
                                 s->fn_state);
            }
            break;
        }
        /* 4.1.8 step 1b: software programs CTL2 from CAP1 first. */
        if (!sdxi_ctl2_ok(s)) {
            sdxi_guest_error(s, "CTL2 0x%" PRIx64 " %s: function error",
                             s->ctl2, s->ctl2_written ?
                             "exceeds CAP1" : "never written");
            s->fn_state = FN_ERROR;
            sdxi_log(s, ERR_INVALID_CXT, STEP_INTERNAL, SUB_VALIDATION,
                     REACT_FN_STOPPED, -1, false, 0, BUF_NONE, 0);
            break;
        }
        /* No context starts: software jump-starts the admin context. */
        s->fn_state = FN_ACTIVE;
        break;
    }
}

/* ---- Descriptor execution ------------------------------------------------ */

/* Look AKey entry idx of context x up; false (and a log line) if invalid. */
static bool sdxi_akey(SdxiState *s, unsigned c, SdxiCxt *x, uint16_t idx,
                      uint16_t *word0)
{
    uint8_t e[AKEY_ENTRY_SIZE];

    if (idx >= x->akey_entries) {
        sdxi_guest_error(s, "context %u: AKey %u beyond the table", c, idx);
        return false;
    }
    if (!dma_read(s, x->akey_table + idx * AKEY_ENTRY_SIZE, e, sizeof(e))) {
        sdxi_guest_error(s, "context %u: AKey table not readable", c);
        return false;
    }
    *word0 = lduw_le_p(e);
    if (!(*word0 & AKEY_VL)) {
        sdxi_guest_error(s, "context %u: AKey %u not valid", c, idx);
        return false;
    }
    return true;
}

/*
 * Record why the descriptor fails (for its error-log entry), say so on
 * the guest-error log, and return EXEC_FAILED. Uses the caller's s.
 */
#define SDXI_FAIL(o, cls, step, sub, buf, ...) do {     \
        sdxi_guest_error(s, __VA_ARGS__);               \
        (o)->fail_class = (cls);                        \
        (o)->fail_step = (step);                        \
        (o)->fail_sub = (sub);                          \
        (o)->fail_buf = (buf);                          \
        return EXEC_FAILED;                             \
    } while (0)

static SdxiExec sdxi_exec_copy(SdxiState *s, unsigned c, SdxiCxt *x,
                               SdxiOp *o, SdxiBudget *b, bool throttle)
{
    const uint8_t *d = o->dsc;
    uint64_t total = (uint64_t)(uint32_t)ldl_le_p(d + 4) + 1;
    uint64_t src = ldq_le_p(d + 16), dst = ldq_le_p(d + 24);

    /* A throttled context copies one chunk per tick: slowly. */
    if (throttle) {
        if (now_ns() < x->chunk_next) {
            return EXEC_LATER;
        }
        x->chunk_next = now_ns() + TICK_NS;
    }

    while (o->copy_done < total) {
        uint64_t len = MIN(total - o->copy_done, COPY_CHUNK);

        if (b->bytes == 0) {
            return EXEC_YIELD;
        }
        if (!dma_read(s, src + o->copy_done, s->bounce, len)) {
            SDXI_FAIL(o, ERR_DATA_READ, STEP_DATA, SUB_ACCESS, 0,
                 "context %u: COPY source 0x%" PRIx64 " not readable",
                 c, src + o->copy_done);
        }
        if (!dma_write(s, dst + o->copy_done, s->bounce, len)) {
            SDXI_FAIL(o, ERR_DATA_WRITE, STEP_DATA, SUB_ACCESS, 1,
                 "context %u: COPY destination 0x%" PRIx64 " not writable",
                 c, dst + o->copy_done);
        }
        o->copy_done += len;
        b->bytes -= MIN(b->bytes, len);
        if (throttle && o->copy_done < total) {
            return EXEC_LATER;
        }
    }
    return EXEC_DONE;
}

static SdxiExec sdxi_exec_dmab(SdxiState *s, unsigned c, SdxiCxt *x,
                               SdxiOp *o, unsigned sub, SdxiBudget *b)
{
    const uint8_t *d = o->dsc;
    bool throttle = adv(s, ADV_SLOW) ||
                    (sdxi_stopping(x) && adv(s, ADV_STOP_DRAIN));

    if (o->copying) {
        return sdxi_exec_copy(s, c, x, o, b, throttle);
    }
    switch (sub) {
    case DMAB_NOP:
        if (!zero_bytes(d, 4, 56)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: NOP reserved bytes set", c);
        }
        break;
    case DMAB_COPY: {
        uint64_t total = (uint64_t)(uint32_t)ldl_le_p(d + 4) + 1;
        uint64_t src = ldq_le_p(d + 16), dst = ldq_le_p(d + 24);
        uint16_t w;

        /* +8 attr (memory attributes, ignored: all memory is coherent). */
        if (!zero_bytes(d, 9, 12) || !zero_bytes(d, 32, 56)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: COPY reserved bytes set", c);
        }
        if (total > x->max_copy) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: COPY of %" PRIu64 " bytes above "
                 "max_buffer (%" PRIu64 ")", c, total, x->max_copy);
        }
        if (src + total - 1 < src || dst + total - 1 < dst) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: COPY wraps the address space", c);
        }
        /* Each address is qualified by an AKey: both must be valid. */
        if (!sdxi_akey(s, c, x, lduw_le_p(d + 12), &w)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_AKEY, SUB_VALIDATION, 0,
                 "context %u: COPY with an invalid source AKey", c);
        }
        if (!sdxi_akey(s, c, x, lduw_le_p(d + 14), &w)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_AKEY, SUB_VALIDATION, 1,
                 "context %u: COPY with an invalid destination AKey", c);
        }
        if (src < dst + total && dst < src + total) {
            /* Undefined in SDXi; the model just copies forward. */
            sdxi_guest_error(s, "context %u: COPY buffers overlap", c);
        }
        break;
    }
    default:
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
             BUF_NONE, "context %u: unknown DMA-base subtype 0x%02x", c, sub);
    }

    /*
     * Fault injection counts valid DMA-base descriptors about to execute.
     * A stall wins over a failure of the same descriptor: it never runs.
     */
    {
        bool stall = countdown(&s->dbg_stall_nth);
        bool fail = countdown(&s->dbg_fail_nth);

        if (stall) {
            sdxi_guest_error(s, "context %u: injected stall at index %" PRIu64,
                             c, o->index);
            return EXEC_STALL;
        }
        if (fail) {
            /* The destination is left untouched. */
            SDXI_FAIL(o, s->dbg_fail_class, STEP_DATA, SUB_ACCESS,
                 s->dbg_fail_class == ERR_DATA_WRITE ? 1 : 0,
                 "context %u: injected failure 0x%04" PRIx64 " at index %"
                 PRIu64, c, s->dbg_fail_class, o->index);
        }
    }
    if (sub == DMAB_NOP) {
        return EXEC_DONE;
    }
    o->copying = true;
    o->copy_done = 0;
    return sdxi_exec_copy(s, c, x, o, b, throttle);
}

static SdxiExec sdxi_exec_intr(SdxiState *s, unsigned c, SdxiCxt *x,
                               SdxiOp *o, unsigned sub)
{
    const uint8_t *d = o->dsc;
    uint16_t w, vector;

    if (sub != INTR_INTR || !zero_bytes(d, 4, 12) || !zero_bytes(d, 14, 56)) {
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
             BUF_NONE, "context %u: bad INTR descriptor", c);
    }
    if (!sdxi_akey(s, c, x, lduw_le_p(d + 12), &w) || !(w & AKEY_IV)) {
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_AKEY, SUB_VALIDATION, BUF_NONE,
             "context %u: INTR AKey without a valid interrupt", c);
    }
    vector = extract32(w, 4, 11);
    if (vector >= s->num_vectors) {
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_AKEY, SUB_VALIDATION, BUF_NONE,
             "context %u: INTR vector %u beyond the %u MSI-X vectors",
             c, vector, s->num_vectors);
    }
    if (countdown(&s->dbg_drop_irq)) {
        sdxi_guest_error(s, "context %u: injected drop of vector %u",
                         c, vector);
    } else {
        /* Raised after completion, so the handler sees the CSB done. */
        o->irq_vector = vector;
    }
    return EXEC_DONE;
}

/* vflags (byte 5) bits of admin descriptors. */
#define VFLAGS_HS               BIT(5)  /* CXT_STOP: hard stop */
#define VFLAGS_DV               BIT(6)  /* CXT_START: db_value valid */
#define VFLAGS_VF               BIT(7)  /* vf_num names a VF */

/* SYNC filters (cflags [2:0]). */
enum { FLT_CXT = 0, FLT_STOP = 1, FLT_AKEY = 2, FLT_RKEY = 3, FLT_FN = 4 };

/* Check an admin descriptor's context range and VF flag. */
static bool sdxi_admin_range(SdxiState *s, const uint8_t *d, uint8_t allowed,
                             unsigned *first, unsigned *last)
{
    /* The model has no virtual functions; other vflags are reserved. */
    if (d[5] & ~allowed) {
        return false;
    }
    *first = lduw_le_p(d + 8);
    *last = lduw_le_p(d + 10);
    return *first <= *last && *last < s->num_cxts;
}

/* Work a SYNC with filter flt over [first, last] still waits for. */
static bool sdxi_sync_waits(SdxiState *s, unsigned self, unsigned flt,
                            unsigned first, unsigned last)
{
    for (unsigned t = first; t <= last; t++) {
        SdxiCxt *y = &s->cxt[t];

        if (t == self) {
            continue;
        }
        if (flt == FLT_STOP && sdxi_stopping(y)) {
            return true;
        }
        if (flt == FLT_CXT) {
            for (unsigned i = 0; i < y->nr_ops; i++) {
                if (!y->op[i].stalled) {
                    return true;
                }
            }
        }
    }
    return false;
}

static SdxiExec sdxi_exec_admin(SdxiState *s, unsigned c, SdxiCxt *x,
                                SdxiOp *o, unsigned sub)
{
    const uint8_t *d = o->dsc;
    unsigned first, last, flt;
    bool er = false;

    /* Admin operations belong to the admin context only. */
    if (c != 0) {
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
             BUF_NONE, "context %u: admin descriptor not allowed here", c);
    }
    switch (sub) {
    case ADMIN_CXT_START_NM:
        if (!sdxi_admin_range(s, d, VFLAGS_DV, &first, &last) || d[4] ||
            !zero_bytes(d, 12, 16) || !zero_bytes(d, 24, 56)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "admin: bad CXT_START (range, vflags, reserved)");
        }
        /*
         * A context that cannot start gets its own log entry; the other
         * contexts of the range still start, the admin context goes on,
         * and the descriptor's CSB carries er. db_value (dv) acts as a
         * doorbell, which a start implies anyway.
         */
        for (unsigned t = first; t <= last; t++) {
            if (!sdxi_cxt_start(s, t, o->index)) {
                er = true;
            }
        }
        return er ? EXEC_DONE_ER : EXEC_DONE;
    case ADMIN_CXT_STOP:
        if (!sdxi_admin_range(s, d, VFLAGS_HS, &first, &last) || d[4] ||
            !zero_bytes(d, 12, 56)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "admin: bad CXT_STOP (range, vflags, reserved)");
        }
        /* Completes once accepted: the contexts may still be stopping. */
        for (unsigned t = first; t <= last; t++) {
            if (t != c) {
                sdxi_cxt_stop(s, t, CXT_STOPPED_SW, d[5] & VFLAGS_HS);
            }
        }
        return EXEC_DONE;
    case ADMIN_SYNC:
        flt = d[4] & 7;
        if (!sdxi_admin_range(s, d, 0, &first, &last) || (d[4] & ~7) ||
            flt > FLT_FN || !zero_bytes(d, 16, 56)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "admin: bad SYNC (range, filter, reserved)");
        }
        return sdxi_sync_waits(s, c, flt, first, last) ? EXEC_WAIT : EXEC_DONE;
    default:
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
             BUF_NONE, "admin: unknown subtype 0x%02x", sub);
    }
}

static SdxiExec sdxi_exec(SdxiState *s, unsigned c, SdxiCxt *x, SdxiOp *o,
                          SdxiBudget *b)
{
    uint32_t op = ldl_le_p(o->dsc);
    uint64_t csb = ldq_le_p(o->dsc + 56);
    unsigned type = extract32(op, 16, 11), sub = extract32(op, 8, 8);

    if (!o->copying) {
        if (op & DSC_OPCODE_RSVD) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: opcode 0x%08x reserved bits set",
                 c, op);
        }
        if (!(csb & CSB_NP) && (csb & CSB_RSVD)) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: csb_ptr 0x%" PRIx64 " not 32-byte "
                 "aligned", c, csb);
        }
        if (!(x->opb & opb_bit(s, type))) {
            SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
                 BUF_NONE, "context %u: operation group of type 0x%03x not "
                 "enabled", c, type);
        }
    }
    switch (type) {
    case DSC_TYPE_DMAB:
        return sdxi_exec_dmab(s, c, x, o, sub, b);
    case DSC_TYPE_ADMIN:
        return sdxi_exec_admin(s, c, x, o, sub);
    case DSC_TYPE_INTR:
        return sdxi_exec_intr(s, c, x, o, sub);
    default:
        SDXI_FAIL(o, ERR_INVALID_DSC, STEP_DESCRIPTOR, SUB_VALIDATION,
             BUF_NONE, "context %u: unknown descriptor type 0x%03x", c, type);
    }
}

/*
 * Write op i's completion (decrement its CSB signal, er on failure),
 * raise its interrupt and retire it. Returns false if the CSB could not
 * be written.
 */
static bool sdxi_retire(SdxiState *s, SdxiCxt *x, unsigned i)
{
    SdxiOp *o = &x->op[i];
    uint64_t csb = ldq_le_p(o->dsc + 56);
    int vector = o->irq_vector;
    bool ok = true;

    if (!(csb & CSB_NP)) {
        uint64_t addr = csb & CSB_ADDR_MASK;
        uint8_t blk[12];

        /*
         * Read-modify-write: software does not touch a CSB while its
         * descriptor is in flight, so this stands in for SDXi's atomic
         * decrement.
         */
        if (dma_read(s, addr, blk, sizeof(blk))) {
            stq_le_p(blk, ldq_le_p(blk) - 1);
            if (o->er) {
                stl_le_p(blk + 8, ldl_le_p(blk + 8) | CSB_FLAGS_ER);
            }
            ok = dma_write(s, addr, blk, sizeof(blk));
        } else {
            ok = false;
        }
    }
    if (i > 0) {
        s->dbg_reordered++;
    }
    if (sdxi_stopping(x)) {
        s->dbg_drained++;
    }
    s->dbg_executed++;
    sdxi_op_remove(x, i);
    if (ok && vector >= 0) {
        msix_notify(&s->parent_obj, vector);
    }
    return ok;
}

/* Context c fails: error state, CXT_STS, error-log entry. */
static void sdxi_cxt_fail(SdxiState *s, unsigned c, uint16_t cls,
                          unsigned step, unsigned sub, bool div,
                          uint64_t index, int buf, unsigned type)
{
    SdxiCxt *x = &s->cxt[c];

    sdxi_cxt_drop_work(s, x);
    x->state = CXT_ERROR;
    if (!sdxi_write_state(s, x)) {
        sdxi_guest_error(s, "context %u: status not writable", c);
    }
    sdxi_log(s, cls, step, sub, REACT_CXT_STOPPED, c, div, index, buf, type);
}

/* The op that may run next, or -1: unfenced ones in any order (OOO). */
static int sdxi_pick(SdxiState *s, SdxiCxt *x)
{
    int cand[DEPTH_MAX], n = 0;

    for (unsigned i = 0; i < x->nr_ops; i++) {
        SdxiOp *o = &x->op[i];

        if (o->stalled || o->executed) {
            continue;
        }
        /* fe: every earlier descriptor retired first. */
        if ((ldl_le_p(o->dsc) & DSC_FE) && i > 0) {
            continue;
        }
        cand[n++] = i;
        if (!adv(s, ADV_OOO)) {
            break;
        }
    }
    if (!n) {
        return -1;
    }
    return cand[adv(s, ADV_OOO) ? rnd_below(s, n) : 0];
}

/*
 * Fetch one descriptor into the context's in-flight set. Returns false
 * if nothing can be fetched now (empty ring, a vl=0 slot to re-poll, a
 * full set, a fence waiting), or the context failed.
 */
static bool sdxi_fetch(SdxiState *s, unsigned c, SdxiCxt *x)
{
    unsigned depth = adv(s, ADV_OOO) ? DEPTH_MAX : 1;
    uint8_t d[DSC_SIZE];
    SdxiOp *o;

    if (x->nr_ops >= depth || x->state != CXT_RUNNING) {
        return false;
    }
    /* Nothing is fetched past a fenced descriptor still waiting. */
    if (x->nr_ops && (ldl_le_p(x->op[x->nr_ops - 1].dsc) & DSC_FE)) {
        return false;
    }
    if (x->read_index == x->write_index) {
        uint8_t wi[8];

        if (!dma_read(s, x->wi_ptr, wi, sizeof(wi))) {
            sdxi_guest_error(s, "context %u: write index not readable", c);
            sdxi_cxt_fail(s, c, ERR_INVALID_CXT, STEP_WRITE_INDEX, SUB_ACCESS,
                          false, 0, BUF_NONE, 0);
            return false;
        }
        /*
         * The index in memory is what counts, whatever order doorbells
         * came in; one behind the read index is a broken ring (below).
         */
        x->write_index = ldq_le_p(wi);
        if (x->write_index - x->read_index > x->ring_entries) {
            sdxi_guest_error(s, "context %u: write index %" PRIu64
                             " overflows the ring (read index %" PRIu64
                             ", %u entries)", c, x->write_index,
                             x->read_index, x->ring_entries);
            sdxi_cxt_fail(s, c, ERR_RING_OVERFLOW, STEP_WRITE_INDEX,
                          SUB_VALIDATION, false, 0, BUF_NONE, 0);
            return false;
        }
        if (x->write_index == x->read_index) {
            x->pending = false;
            return false;
        }
    }
    if (!dma_read(s, x->ring + (x->read_index % x->ring_entries) * DSC_SIZE,
                  d, DSC_SIZE)) {
        sdxi_guest_error(s, "context %u: ring not readable", c);
        sdxi_cxt_fail(s, c, ERR_INVALID_CXT, STEP_DESCRIPTOR, SUB_ACCESS,
                      true, x->read_index, BUF_NONE, 0);
        return false;
    }
    /*
     * [read, write) may hold descriptors software has not validated yet
     * (the spec's own enqueue advances the write index first): wait and
     * look again, that is no error.
     */
    if (!(ldl_le_p(d) & DSC_VL)) {
        int64_t delay = adv(s, ADV_VL_REPOLL) ?
                        (10 + rnd_below(s, 990)) * SCALE_US : REPOLL_NS;

        s->dbg_repolls++;
        x->pending = false;
        x->wake = now_ns() + delay;
        return false;
    }
    if ((ldl_le_p(d) & DSC_FE) && x->nr_ops) {
        return false;       /* fetched once everything before it retired */
    }
    o = &x->op[x->nr_ops++];
    memset(o, 0, sizeof(*o));
    memcpy(o->dsc, d, DSC_SIZE);
    o->index = x->read_index;
    o->irq_vector = -1;
    o->fail_buf = BUF_NONE;
    /* The read index counts fetched descriptors. */
    x->read_index++;
    if (!sdxi_write_read_index(s, x)) {
        sdxi_cxt_fail(s, c, ERR_INVALID_CXT, STEP_CXT_STS, SUB_ACCESS, false,
                      0, BUF_NONE, 0);
        return false;
    }
    return true;
}

/* Retire what is due; a failed CSB write fails the context. */
static bool sdxi_retire_due(SdxiState *s, unsigned c, SdxiCxt *x)
{
    int64_t now = now_ns();
    bool progress = false;

    for (unsigned i = 0; i < x->nr_ops;) {
        SdxiOp *o = &x->op[i];
        uint64_t index = o->index;
        unsigned type = extract32(ldl_le_p(o->dsc), 16, 11);

        if (!o->executed || o->csb_due > now) {
            i++;
            continue;
        }
        progress = true;
        if (!sdxi_retire(s, x, i)) {
            sdxi_guest_error(s, "context %u: completion of %" PRIu64
                             " not writable", c, index);
            sdxi_cxt_fail(s, c, ERR_DATA_WRITE, STEP_CST_BLK, SUB_ACCESS,
                          true, index, BUF_NONE, type);
            return true;
        }
    }
    return progress;
}

/* Op o has executed: its CSB is written now, or later (CSB_DELAY). */
static void sdxi_executed(SdxiState *s, SdxiOp *o, bool er)
{
    o->executed = true;
    o->copying = false;
    o->er = er;
    o->csb_due = 0;
    if (adv(s, ADV_CSB_DELAY) && rnd_below(s, 2)) {
        o->csb_due = now_ns() + rnd_below(s, 2000) * SCALE_US;
        s->dbg_late_csb++;
    }
}

/*
 * One turn of context c: fetch, execute, retire, up to
 * TURN_MAX_DESCRIPTORS steps within budget b. Returns true if anything
 * moved.
 */
static bool sdxi_cxt_turn(SdxiState *s, unsigned c, SdxiBudget *b)
{
    SdxiCxt *x = &s->cxt[c];
    bool progress = false;

    for (unsigned n = 0; n < TURN_MAX_DESCRIPTORS && b->dsc && b->bytes; n++) {
        SdxiExec r;
        SdxiOp *o;
        int i;

        if (sdxi_retire_due(s, c, x)) {
            progress = true;
        }
        if (x->state == CXT_RUNNING) {
            while (sdxi_fetch(s, c, x)) {
                progress = true;
            }
        }
        if (x->state != CXT_RUNNING && !sdxi_stopping(x)) {
            return true;
        }
        i = sdxi_pick(s, x);
        if (i < 0) {
            break;
        }
        o = &x->op[i];
        r = sdxi_exec(s, c, x, o, b);
        switch (r) {
        case EXEC_YIELD:
            return true;
        case EXEC_WAIT:
        case EXEC_LATER:
            /*
             * Nothing more for now; but a stopping context whose drain
             * time is over abandons even a copy that is still running.
             */
            goto check_stop;
        case EXEC_STALL:
            /* Fetched, so the read index is past it; it never runs. */
            o->stalled = true;
            break;
        case EXEC_DONE:
        case EXEC_DONE_ER:
            sdxi_executed(s, o, r == EXEC_DONE_ER);
            break;
        case EXEC_FAILED: {
            uint64_t index = o->index;
            unsigned type = extract32(ldl_le_p(o->dsc), 16, 11);
            SdxiOp f = *o;

            /* The failing descriptor completes with er at once. */
            o->er = true;
            o->executed = true;
            sdxi_retire(s, x, i);
            sdxi_cxt_fail(s, c, f.fail_class, f.fail_step, f.fail_sub, true,
                          index, f.fail_buf, type);
            return true;
        }
        }
        progress = true;
        b->dsc--;
        /* An admin CXT_STOP may have stopped this very context. */
        if (x->state != CXT_RUNNING && !sdxi_stopping(x)) {
            return true;
        }
    }
check_stop:
    if (sdxi_stopping(x)) {
        bool left = false;

        for (unsigned i = 0; i < x->nr_ops; i++) {
            left |= !x->op[i].stalled;
        }
        if (!left || (x->drain_end && now_ns() >= x->drain_end)) {
            sdxi_cxt_stopped(s, x);
            sdxi_fn_stop_done(s);
            progress = true;
        }
    }
    return progress;
}

static bool sdxi_runnable(SdxiCxt *x)
{
    if (sdxi_stopping(x)) {
        return true;
    }
    if (x->state != CXT_RUNNING) {
        return false;
    }
    for (unsigned i = 0; i < x->nr_ops; i++) {
        if (!x->op[i].stalled) {
            return true;
        }
    }
    return x->pending;
}

/*
 * Something waits for time to pass: a CSB, a re-poll, a drain, a doorbell,
 * a slow copy.
 */
static bool sdxi_waits(SdxiState *s)
{
    for (unsigned c = 0; c < s->num_cxts; c++) {
        SdxiCxt *x = &s->cxt[c];

        if (x->wake || sdxi_stopping(x) ||
            (adv(s, ADV_PREFETCH) && x->state == CXT_RUNNING)) {
            return true;
        }
        for (unsigned i = 0; i < x->nr_ops; i++) {
            if (x->op[i].executed ||
                (adv(s, ADV_SLOW) && x->op[i].copying)) {
                return true;
            }
        }
    }
    return false;
}

static void sdxi_bh(void *opaque)
{
    SdxiState *s = opaque;
    SdxiBudget b = { .dsc = BH_MAX_DESCRIPTORS, .bytes = BH_MAX_BYTES };
    bool progress = true;

    if (s->fn_state == FN_STOPPED || s->fn_state == FN_ERROR) {
        return;
    }
    /* Round robin over the contexts until the budget or the work ends. */
    while (progress && b.dsc && b.bytes) {
        progress = false;
        for (unsigned i = 0; i < s->num_cxts && b.dsc && b.bytes; i++) {
            unsigned c = s->rr;

            s->rr = (s->rr + 1) % s->num_cxts;
            if (sdxi_runnable(&s->cxt[c]) && sdxi_cxt_turn(s, c, &b)) {
                progress = true;
            }
        }
    }
    for (unsigned c = 0; c < s->num_cxts; c++) {
        SdxiCxt *x = &s->cxt[c];

        /* Only work that can move now; the timer covers what waits. */
        if (x->pending || (x->nr_ops && sdxi_pick(s, x) >= 0 &&
                           x->state == CXT_RUNNING)) {
            if (b.dsc == 0 || b.bytes == 0) {
                qemu_bh_schedule(s->bh);
            }
            break;
        }
    }
    if (sdxi_waits(s) && !timer_pending(s->timer)) {
        timer_mod(s->timer, now_ns() + TICK_NS);
    }
}

/* Time passed: wake due contexts (re-polls, doorbells), run the bh. */
static void sdxi_tick(void *opaque)
{
    SdxiState *s = opaque;
    int64_t now = now_ns();

    for (unsigned c = 0; c < s->num_cxts; c++) {
        SdxiCxt *x = &s->cxt[c];

        if (x->wake && x->wake <= now) {
            x->wake = 0;
            x->pending = x->state == CXT_RUNNING;
        }
        /* The function may read the write index without a doorbell. */
        if (adv(s, ADV_PREFETCH) && x->state == CXT_RUNNING &&
            rnd_below(s, 4) == 0) {
            x->pending = true;
        }
    }
    qemu_bh_schedule(s->bh);
    if (sdxi_waits(s)) {
        timer_mod(s->timer, now + TICK_NS);
    }
}

/* ---- BAR0: registers ----------------------------------------------------- */

static uint64_t sdxi_cap0(SdxiState *s)
{
    return (uint64_t)CAP_MAX_DS_RING_SZ << 24;  /* sfunc 0, db_stride 0 */
}

static uint64_t sdxi_cap1(SdxiState *s)
{
    return CAP_MAX_BUFFER | CAP_MMIO64 |
           (uint64_t)CAP_MAX_ERRLOG_SZ << 8 |
           (uint64_t)CAP_MAX_AKEY_SZ << 12 |
           (uint64_t)(s->num_cxts - 1) << 16 |
           (uint64_t)cap_opb(s) << 32;
}

static uint64_t sdxi_reg_read(SdxiState *s, hwaddr reg)
{
    switch (reg) {
    case R_CTL0:            return s->ctl0;
    case R_GRP_ENUM:        return 0;
    case R_CTL2:            return s->ctl2;
    case R_STS0:            return s->fn_state;
    case R_CAP0:            return sdxi_cap0(s);
    case R_CAP1:            return sdxi_cap1(s);
    case R_VER:             return 1 << 16;     /* 1.0 */
    case R_CXT_L2:          return s->cxt_l2;
    case R_RKEY:            return s->rkey;
    case R_ERR_CTL:         return s->err_ctl;
    case R_ERR_STS:         return s->err_sts;
    case R_ERR_CFG:         return s->err_cfg;
    case R_ERR_WRT:         return s->err_wrt;
    case R_ERR_RD:          return s->err_rd;
    case R_DBG_FAIL_NTH:    return s->dbg_fail_nth;
    case R_DBG_FAIL_CLASS:  return s->dbg_fail_class;
    case R_DBG_STALL_NTH:   return s->dbg_stall_nth;
    case R_DBG_DROP_IRQ:    return s->dbg_drop_irq;
    case R_DBG_EXECUTED:    return s->dbg_executed;
    case R_DBG_ERRORS:      return s->dbg_errors;
    case R_DBG_REORDERED:   return s->dbg_reordered;
    case R_DBG_LATE_CSB:    return s->dbg_late_csb;
    case R_DBG_DRAINED:     return s->dbg_drained;
    case R_DBG_ABANDONED:   return s->dbg_abandoned;
    case R_DBG_REPOLLS:     return s->dbg_repolls;
    case R_DBG_ADVERSARY:   return s->adversary;
    case R_DBG_SEED:        return s->seed;
    }
    sdxi_guest_error(s, "read of unknown register 0x%05" HWADDR_PRIx, reg);
    return 0;
}

/*
 * Merge the bytes being written (wmask: the half or whole of the 64-bit
 * register the access covers) into old; bits outside valid are reserved
 * and are dropped with a complaint.
 */
static uint64_t merge(SdxiState *s, hwaddr reg, uint64_t old, uint64_t val,
                      uint64_t wmask, uint64_t valid)
{
    if (val & wmask & ~valid) {
        sdxi_guest_error(s, "register 0x%05" HWADDR_PRIx ": reserved bits "
                         "0x%" PRIx64 " written", reg, val & wmask & ~valid);
    }
    return (old & ~wmask) | (val & wmask & valid);
}

static void sdxi_reg_write(SdxiState *s, hwaddr reg, uint64_t val,
                           uint64_t wmask)
{
    switch (reg) {
    case R_CTL0:
        s->ctl0 = merge(s, reg, s->ctl0, val, wmask, CTL0_WMASK);
        /* Only a write of the low half is a state request. */
        if (wmask & CTL0_GSR_MASK) {
            sdxi_fn_request(s, s->ctl0 & CTL0_GSR_MASK);
        }
        return;
    case R_CTL2:
        /* Checked at activation; copies are limited by max_buffer. */
        s->ctl2 = merge(s, reg, s->ctl2, val, wmask, CTL2_WMASK);
        s->ctl2_written = true;
        return;
    case R_CXT_L2:
        s->cxt_l2 = merge(s, reg, s->cxt_l2, val, wmask, CXT_L2_WMASK);
        return;
    case R_RKEY:
        s->rkey = merge(s, reg, s->rkey, val, wmask, RKEY_WMASK);
        return;
    case R_ERR_CTL:
        s->err_ctl = merge(s, reg, s->err_ctl, val, wmask, ERR_CTL_EN);
        return;
    case R_ERR_STS:
        s->err_sts &= ~(val & wmask & ERR_STS_W1C);
        return;
    case R_ERR_CFG:
        s->err_cfg = merge(s, reg, s->err_cfg, val, wmask, ERR_CFG_WMASK);
        return;
    case R_ERR_WRT:
        /* Software may set up the log's indexes only while it is off. */
        if (s->err_cfg & ERR_CFG_EN) {
            sdxi_guest_error(s, "ERR_WRT written while the log is enabled");
            return;
        }
        s->err_wrt = merge(s, reg, s->err_wrt, val, wmask, ~0ULL);
        return;
    case R_ERR_RD:
        s->err_rd = merge(s, reg, s->err_rd, val, wmask, ~0ULL);
        return;
    case R_DBG_FAIL_NTH:
        s->dbg_fail_nth = merge(s, reg, s->dbg_fail_nth, val, wmask, ~0ULL);
        return;
    case R_DBG_FAIL_CLASS:
        s->dbg_fail_class = merge(s, reg, s->dbg_fail_class, val, wmask,
                                  0xffff);
        return;
    case R_DBG_STALL_NTH:
        s->dbg_stall_nth = merge(s, reg, s->dbg_stall_nth, val, wmask, ~0ULL);
        return;
    case R_DBG_DROP_IRQ:
        s->dbg_drop_irq = merge(s, reg, s->dbg_drop_irq, val, wmask, ~0ULL);
        return;
    case R_GRP_ENUM:
    case R_STS0:
    case R_CAP0:
    case R_CAP1:
    case R_VER:
    case R_DBG_EXECUTED:
    case R_DBG_ERRORS:
    case R_DBG_REORDERED:
    case R_DBG_LATE_CSB:
    case R_DBG_DRAINED:
    case R_DBG_ABANDONED:
    case R_DBG_REPOLLS:
    case R_DBG_ADVERSARY:
    case R_DBG_SEED:
        sdxi_guest_error(s, "write to read-only register 0x%05"
                         HWADDR_PRIx, reg);
        return;
    }
    sdxi_guest_error(s, "write to unknown register 0x%05" HWADDR_PRIx, reg);
}

static uint64_t sdxi_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    SdxiState *s = opaque;
    uint64_t v = sdxi_reg_read(s, addr & ~7ULL);

    if (size == 4) {
        return (addr & 4) ? v >> 32 : (uint32_t)v;
    }
    return v;
}

static void sdxi_regs_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    SdxiState *s = opaque;
    uint64_t wmask = ~0ULL;

    if (size == 4) {
        unsigned shift = (addr & 4) * 8;

        val = (val & 0xffffffffULL) << shift;
        wmask = 0xffffffffULL << shift;
    }
    sdxi_reg_write(s, addr & ~7ULL, val, wmask);
}

static const MemoryRegionOps sdxi_regs_ops = {
    .read = sdxi_regs_read,
    .write = sdxi_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- BAR2: doorbells ---------------------------------------------------- */

static uint64_t sdxi_db_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

/*
 * 4.3.4 "Jump Start": the admin context of an active function starts at
 * a doorbell once software has set its CXT_STS state to RUN itself.
 */
static void sdxi_jump_start(SdxiState *s)
{
    SdxiCxt n = { 0 };
    const char *why;
    unsigned step, sub;
    uint8_t state;

    if (!sdxi_cxt_load(s, 0, &n, &why, &step, &sub)) {
        sdxi_guest_error(s, "admin context: %s", why);
        sdxi_cxt_load_failed(s, 0, &n, step, sub, -1);
        return;
    }
    if (!dma_read(s, n.sts_ptr, &state, 1) || (state & 0xf) != CXT_RUNNING) {
        sdxi_guest_error(s, "doorbell of the admin context, whose CXT_STS "
                         "state software did not set to RUN: ignored");
        return;
    }
    n.state = CXT_RUNNING;
    n.loaded = true;
    n.pending = true;
    s->cxt[0] = n;
    qemu_bh_schedule(s->bh);
}

static void sdxi_db_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    SdxiState *s = opaque;
    unsigned c = addr / SDXI_DB_STRIDE;
    SdxiCxt *x;

    /*
     * The value written is the new write index, but the function reads
     * the index from write_index_ptr anyway (it must be in memory before
     * the doorbell), so only the event matters.
     */
    if (c >= s->num_cxts || (addr % SDXI_DB_STRIDE) >= 8) {
        sdxi_guest_error(s, "doorbell write at 0x%" HWADDR_PRIx
                         " outside any context's doorbell", addr);
        return;
    }
    x = &s->cxt[c];
    if (s->fn_state == FN_ACTIVE && c == 0 &&
        (x->state == CXT_STOPPED_SW || x->state == CXT_STOPPED_FN)) {
        sdxi_jump_start(s);
        return;
    }
    if (s->fn_state != FN_ACTIVE || x->state != CXT_RUNNING) {
        sdxi_guest_error(s, "doorbell of context %u, which is not running "
                         "(function state %u, context state %u)", c,
                         s->fn_state, x->state);
        return;
    }
    if (adv(s, ADV_DB_DELAY) && rnd_below(s, 2)) {
        int64_t due = now_ns() + rnd_below(s, 500) * SCALE_US;

        if (!x->wake || x->wake > due) {
            x->wake = due;
        }
        if (!timer_pending(s->timer)) {
            timer_mod(s->timer, now_ns() + TICK_NS);
        }
        return;
    }
    x->pending = true;
    qemu_bh_schedule(s->bh);
}

static const MemoryRegionOps sdxi_db_ops = {
    .read = sdxi_db_read,
    .write = sdxi_db_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- Device life cycle --------------------------------------------------- */

static void sdxi_reset(DeviceState *dev)
{
    SdxiState *s = SDXI(dev);

    s->ctl0 = 0;
    s->ctl2 = 0;
    s->cxt_l2 = 0;
    s->rkey = 0;
    s->err_ctl = 0;
    s->err_cfg = 0;
    s->rr = 0;
    s->dbg_fail_nth = s->prop_fail_nth;
    s->dbg_fail_class = s->prop_fail_class;
    s->dbg_stall_nth = s->prop_stall_nth;
    s->dbg_drop_irq = s->prop_drop_irq;
    s->rng = s->seed ? s->seed : 0x9e3779b97f4a7c15ULL;
    sdxi_fn_reset(s);
}

static void sdxi_realize(PCIDevice *pdev, Error **errp)
{
    SdxiState *s = SDXI(pdev);
    uint64_t db_size, table_size, pba_offset, msix_size;

    if (s->num_cxts < 1 || s->num_cxts > SDXI_MAX_CXTS) {
        error_setg(errp, "sdxi: cxts must be 1..%u", SDXI_MAX_CXTS);
        return;
    }
    if (s->num_vectors < 1 || s->num_vectors > SDXI_MAX_VECTORS) {
        error_setg(errp, "sdxi: vectors must be 1..%u", SDXI_MAX_VECTORS);
        return;
    }

    pci_config_set_prog_interface(pdev->config, SDXI_PROG_IF);
    if (pcie_endpoint_cap_init(pdev, 0) < 0) {
        error_setg(errp, "sdxi: cannot add the PCIe capability");
        return;
    }

    memory_region_init_io(&s->regs, OBJECT(s), &sdxi_regs_ops, s,
                          "sdxi-regs", SDXI_REGS_SIZE);
    pci_register_bar(pdev, SDXI_REGS_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->regs);

    /* A BAR is a power of two: doorbells past the last context are dead. */
    db_size = pow2ceil((uint64_t)s->num_cxts * SDXI_DB_STRIDE);
    memory_region_init_io(&s->doorbells, OBJECT(s), &sdxi_db_ops, s,
                          "sdxi-doorbells", db_size);
    pci_register_bar(pdev, SDXI_DB_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->doorbells);

    /* MSI-X table and PBA in their own BAR, on separate pages. */
    table_size = (uint64_t)s->num_vectors * PCI_MSIX_ENTRY_SIZE;
    pba_offset = QEMU_ALIGN_UP(table_size, 4 * KiB);
    msix_size = pow2ceil(pba_offset + QEMU_ALIGN_UP(s->num_vectors, 64) / 8);
    memory_region_init(&s->msix, OBJECT(s), "sdxi-msix", msix_size);
    if (msix_init(pdev, s->num_vectors, &s->msix, SDXI_MSIX_BAR, 0,
                  &s->msix, SDXI_MSIX_BAR, pba_offset, 0, errp) < 0) {
        return;
    }
    pci_register_bar(pdev, SDXI_MSIX_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->msix);
    for (unsigned v = 0; v < s->num_vectors; v++) {
        msix_vector_use(pdev, v);
    }

    s->cxt = g_new0(SdxiCxt, s->num_cxts);
    s->bounce = g_malloc(COPY_CHUNK);
    /* The guard stops DMA from this device into its own BARs re-entering. */
    s->bh = qemu_bh_new_guarded(sdxi_bh, s,
                                &DEVICE(pdev)->mem_reentrancy_guard);
    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, sdxi_tick, s);
    if (s->adversary & ~ADV_ALL) {
        error_setg(errp, "sdxi: adversary bits 0x%x unknown",
                   s->adversary & ~ADV_ALL);
        return;
    }
    if (s->adversary) {
        qemu_log("%s: adversary 0x%x, seed %" PRIu64 "\n", sdxi_name(s),
                 s->adversary, s->seed);
    }
    sdxi_reset(DEVICE(s));
}

static void sdxi_exit(PCIDevice *pdev)
{
    SdxiState *s = SDXI(pdev);

    qemu_bh_delete(s->bh);
    timer_free(s->timer);
    msix_uninit(pdev, &s->msix, &s->msix);
    g_free(s->bounce);
    g_free(s->cxt);
}

static const VMStateDescription vmstate_sdxi = {
    .name = "sdxi",
    .unmigratable = 1,
};

static Property sdxi_properties[] = {
    DEFINE_PROP_UINT32("cxts", SdxiState, num_cxts, 9),
    DEFINE_PROP_UINT32("vectors", SdxiState, num_vectors, 9),
    DEFINE_PROP_UINT64("fail-nth", SdxiState, prop_fail_nth, 0),
    DEFINE_PROP_UINT16("fail-class", SdxiState, prop_fail_class,
                       ERR_DATA_READ),
    DEFINE_PROP_UINT64("stall-nth", SdxiState, prop_stall_nth, 0),
    DEFINE_PROP_UINT64("drop-irq-nth", SdxiState, prop_drop_irq, 0),
    DEFINE_PROP_UINT64("seed", SdxiState, seed, 0),
    DEFINE_PROP_UINT32("adversary", SdxiState, adversary, 0),
    DEFINE_PROP_BOOL("opb-by-type", SdxiState, opb_by_type, false),
    DEFINE_PROP_END_OF_LIST(),
};

static void sdxi_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = sdxi_realize;
    k->exit = sdxi_exit;
    k->vendor_id = SDXI_VENDOR_ID;
    k->device_id = SDXI_DEVICE_ID;
    k->class_id = SDXI_CLASS_ID;
    k->revision = 0;
    dc->desc = "SDXi 1.0 data mover (memcpy subset, fault injection)";
    dc->reset = sdxi_reset;
    dc->vmsd = &vmstate_sdxi;
    device_class_set_props(dc, sdxi_properties);
    object_class_property_set_description(klass, "cxts",
        "contexts including the admin context (1..4096)");
    object_class_property_set_description(klass, "vectors",
        "MSI-X vectors; 0 is the error log's (1..2048)");
    object_class_property_set_description(klass, "fail-nth",
        "initial DBG_FAIL_NTH: Nth DMA-base descriptor fails (0 off)");
    object_class_property_set_description(klass, "fail-class",
        "initial DBG_FAIL_CLASS: error class of the injected failure");
    object_class_property_set_description(klass, "stall-nth",
        "initial DBG_STALL_NTH: Nth DMA-base descriptor never runs (0 off)");
    object_class_property_set_description(klass, "drop-irq-nth",
        "initial DBG_DROP_IRQ: Nth INTR interrupt is not sent (0 off)");
    object_class_property_set_description(klass, "seed",
        "seed of the adversary's choices");
    object_class_property_set_description(klass, "adversary",
        "what the spec allows the model does (bits: 0x1 out of order, "
        "0x2 late CSBs, 0x4 drain after CXT_STOP, 0x8 re-poll delays, "
        "0x10 fetch without doorbell, 0x20 late doorbells)");
    object_class_property_set_description(klass, "opb-by-type",
        "opb_000 bits by descriptor type number (0x16) instead of 0x7");
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo sdxi_info = {
    .name = TYPE_SDXI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SdxiState),
    .class_init = sdxi_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void sdxi_register_types(void)
{
    type_register_static(&sdxi_info);
}

type_init(sdxi_register_types)
