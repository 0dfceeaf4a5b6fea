/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SDXi (SNIA Smart Data Accelerator Interface 1.0) PCI function model.
 *
 * A test device for the migrate-offload project: it implements the part
 * of SDXi 1.0 that a memcpy DMA engine driver needs (function state
 * machine, admin context, context tables, descriptor rings with doorbells,
 * COPY/NOP/INTR descriptors, completion status blocks, the error log) plus
 * vendor-specific fault injection so the driver's error paths can be
 * tested. The contract the model and the Linux driver share is
 * harness/qemu/sdxi-model.md in the project; every layout and rule below
 * comes from there, and the comments say why when the code picks one of
 * several possible readings.
 *
 * Execution model: a doorbell write only marks the context pending and
 * schedules a bottom half, so the vCPU's MMIO write returns at once and
 * descriptors run asynchronously, in order, per context. One bottom-half
 * run is bounded (descriptors and bytes) and reschedules itself, so a
 * 4 GiB copy does not freeze the guest. All state is touched only with
 * the BQL held (MMIO handlers and the main-loop bottom half).
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
#define CAP_MAX_BUFFER          10      /* 2 << (10 + 21) = 4 GiB */
#define CAP_MAX_ERRLOG_SZ       0       /* log of at most 1 << 0 units */
#define CAP_MAX_AKEY_SZ         0       /* 256 << 0 AKey entries */
#define CAP_MMIO64              BIT_ULL(6)
#define OPB_DMAB                BIT(0)
#define OPB_ADMIN               BIT(1)
#define OPB_INTR                BIT(2)
#define CAP_OPB_000             (OPB_DMAB | OPB_ADMIN | OPB_INTR)

#define RING_MIN_ENTRIES        64
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

/* Error classes (the doc's list). */
#define ERR_INVALID_DSC         0x0001
#define ERR_INVALID_CXT         0x0002
#define ERR_RING_OVERFLOW       0x0003
#define ERR_DATA_READ           0x0101
#define ERR_DATA_WRITE          0x0102

/*
 * Error-log "step": where in the processing of a descriptor the error was
 * found. SDXi leaves the encoding to the implementation; the model's
 * values are listed in the doc.
 */
enum {
    STEP_START = 0,     /* function activation, context start */
    STEP_FETCH = 1,     /* write index, ring read */
    STEP_DECODE = 2,    /* descriptor validation */
    STEP_EXECUTE = 3,   /* data movement, AKey lookup, interrupt */
    STEP_COMPLETE = 4,  /* completion block or context status write */
};

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
    EXEC_WAIT,          /* SYNC waiting for a copy in progress elsewhere */
} SdxiExec;

typedef struct SdxiCxt {
    uint8_t state;
    bool loaded;        /* tables below were read by a start since reset */
    bool pending;       /* doorbell rung or start: check the write index */
    bool stalled;       /* DBG_STALL_NTH hit: no progress until stopped */
    bool busy;          /* dsc[] holds the descriptor at read_index */
    bool copying;       /* COPY validated and started, copy_done valid */

    /* Cached at start: software must stop a context to change these. */
    uint64_t ring;
    uint32_t ring_entries;
    uint64_t sts_ptr;
    uint64_t wi_ptr;
    uint64_t akey_table;
    uint32_t akey_entries;
    uint32_t opb;

    uint64_t read_index;
    uint64_t write_index;   /* last value read from wi_ptr */

    uint8_t dsc[DSC_SIZE];
    uint64_t copy_done;
    int irq_vector;         /* INTR: vector to raise after completion */

    /* Why the current descriptor failed, for the error log. */
    uint16_t fail_class;
    uint8_t fail_step;
} SdxiCxt;

struct SdxiState {
    PCIDevice parent_obj;

    MemoryRegion regs;
    MemoryRegion doorbells;
    MemoryRegion msix;
    QEMUBH *bh;
    uint8_t *bounce;
    SdxiCxt *cxt;
    uint32_t rr;            /* next context a bottom half looks at first */

    /* Registers. */
    uint64_t ctl0;
    uint64_t ctl2;
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

    /* Properties. */
    uint32_t num_cxts;
    uint32_t num_vectors;
    uint64_t prop_fail_nth;
    uint16_t prop_fail_class;
    uint64_t prop_stall_nth;
    uint64_t prop_drop_irq;
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

/* ---- Error log ----------------------------------------------------------- */

static void sdxi_err_irq(SdxiState *s)
{
    /* Both enables: the log's own and the function's error interrupt. */
    if ((s->err_ctl & ERR_CTL_EN) && (s->ctl0 & CTL0_ERR_INTR_EN)) {
        msix_notify(&s->parent_obj, 0);
    }
}

/*
 * Append an entry to the error log. cxt < 0: no context (cv clear);
 * div: dsc_index holds the failing descriptor's index. Anything that
 * keeps the entry from being written is reported in ERR_STS instead:
 * ovf for a full log, err for a log that cannot be written.
 */
static void sdxi_log_error(SdxiState *s, uint16_t cls, unsigned step,
                           unsigned reaction, int cxt, bool div,
                           uint64_t index, unsigned type)
{
    uint8_t e[64] = { 0 };
    uint64_t units, entries, addr;

    if (!(s->err_cfg & ERR_CFG_EN)) {
        sdxi_guest_error(s, "error log disabled: class 0x%04x (context %d) "
                         "not logged", cls, cxt);
        return;
    }
    units = extract64(s->err_cfg, 1, 5);
    units = units ? units : 1;
    if (units > (1u << CAP_MAX_ERRLOG_SZ) || (s->err_cfg & 0xfc0)) {
        sdxi_guest_error(s, "ERR_CFG 0x%" PRIx64 " invalid (size above "
                         "CAP1.max_errlog_sz or reserved bits): class 0x%04x "
                         "not logged", s->err_cfg, cls);
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

    stl_le_p(e + 0, 1 | (step & 0x3f) << 8 | (type & 0x7ff) << 16);
    stw_le_p(e + 4, (cxt >= 0) | div << 1 | (reaction & 7) << 12);
    stw_le_p(e + 6, cxt >= 0 ? cxt : 0);
    stq_le_p(e + 8, div ? index : 0);
    stw_le_p(e + 48, cls);

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

/* Forget any work in flight (a stop abandons what has not executed). */
static void sdxi_cxt_drop_work(SdxiCxt *x)
{
    x->pending = false;
    x->stalled = false;
    x->busy = false;
    x->copying = false;
}

/*
 * Read context c's L2/L1 entries and CXT_CTL, check them and fill *x.
 * Returns false with *why set if the tables are not usable.
 */
static bool sdxi_cxt_load(SdxiState *s, unsigned c, SdxiCxt *x,
                          const char **why)
{
    uint8_t l2e[8], l1[32], ctl[64], sts[16];
    uint64_t l2, l1_addr, ctl_ptr, akey_ptr, ring_ptr, v;
    uint32_t misc0, ring_sz;

    l2 = s->cxt_l2 & CXT_L2_WMASK;
    if (!dma_read(s, l2 + (c >> 7) * 8, l2e, sizeof(l2e))) {
        *why = "L2 table not readable";
        return false;
    }
    v = ldq_le_p(l2e);
    if (!(v & 1)) {
        *why = "L2 entry not valid";
        return false;
    }
    if (v & 0xffe) {
        *why = "L2 entry reserved bits set";
        return false;
    }
    l1_addr = (v & ~0xfffULL) + (c & 127) * 32;
    if (!dma_read(s, l1_addr, l1, sizeof(l1))) {
        *why = "L1 table not readable";
        return false;
    }
    ctl_ptr = ldq_le_p(l1 + 0);
    akey_ptr = ldq_le_p(l1 + 8);
    misc0 = ldl_le_p(l1 + 16);
    if (!(ctl_ptr & 1)) {
        *why = "L1 entry not valid";
        return false;
    }
    /*
     * Reserved: cxt_ctl_ptr [5:3], akey_ptr [11:4], misc0 [31:24], bytes
     * 24..31. ka and pv are accepted; the model has no PASID support and
     * serves every context from the function's own address space.
     */
    if ((ctl_ptr & 0x38) || (akey_ptr & 0xff0) || (misc0 & 0xff000000) ||
        !zero_bytes(l1, 24, 32)) {
        *why = "L1 entry reserved bits set";
        return false;
    }
    if ((akey_ptr & 0xf) > CAP_MAX_AKEY_SZ) {
        *why = "L1 akey_sz above CAP1.max_akey_sz";
        return false;
    }
    if (!dma_read(s, ctl_ptr & ~0x3fULL, ctl, sizeof(ctl))) {
        *why = "context control not readable";
        return false;
    }
    ring_ptr = ldq_le_p(ctl + 0);
    ring_sz = ldl_le_p(ctl + 8);
    x->sts_ptr = ldq_le_p(ctl + 16);
    x->wi_ptr = ldq_le_p(ctl + 24);
    if (!(ring_ptr & 1)) {
        *why = "descriptor ring not valid";
        return false;
    }
    if ((ring_ptr & 0x2) || !zero_bytes(ctl, 12, 16) ||
        (x->sts_ptr & 0xf) || (x->wi_ptr & 0x7) || !zero_bytes(ctl, 32, 64)) {
        *why = "context control reserved bits set";
        return false;
    }
    if (!is_power_of_2(ring_sz) || ring_sz < RING_MIN_ENTRIES ||
        ring_sz > RING_MAX_ENTRIES) {
        *why = "ring size not a power of two within 64..4096";
        return false;
    }
    if (!dma_read(s, x->sts_ptr, sts, sizeof(sts))) {
        *why = "context status not readable";
        return false;
    }
    x->ring = ring_ptr & ~0x3fULL;
    x->ring_entries = ring_sz;
    x->akey_table = akey_ptr & ~0xfffULL;
    x->akey_entries = 256u << (akey_ptr & 0xf);
    x->opb = ldl_le_p(l1 + 20);
    /* START_NM: "no modify": the index software left in CXT_STS stands. */
    x->read_index = ldq_le_p(sts + 8);
    x->write_index = x->read_index;
    return true;
}

/*
 * Start context c: load its tables, mark it running and pending so the
 * next bottom half reads its write index (acting as a doorbell: the
 * CXT_START db_value is not needed for that, any doorbell value is).
 */
static bool sdxi_cxt_start(SdxiState *s, unsigned c, const char **why)
{
    SdxiCxt *x = &s->cxt[c], n = { 0 };

    if (x->state != CXT_STOPPED_SW && x->state != CXT_STOPPED_FN) {
        *why = "context not stopped";
        return false;
    }
    if (!sdxi_cxt_load(s, c, &n, why)) {
        return false;
    }
    n.state = CXT_RUNNING;
    n.loaded = true;
    n.pending = true;
    n.irq_vector = -1;
    if (!sdxi_write_state(s, &n)) {
        *why = "context status not writable";
        return false;
    }
    *x = n;
    qemu_bh_schedule(s->bh);
    return true;
}

/* Stop context c with the given final state, abandoning its work. */
static void sdxi_cxt_stop(SdxiState *s, unsigned c, uint8_t state)
{
    SdxiCxt *x = &s->cxt[c];

    sdxi_cxt_drop_work(x);
    x->state = state;
    if (x->loaded && !sdxi_write_state(s, x)) {
        sdxi_guest_error(s, "context %u: status not writable at stop", c);
    }
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
        s->cxt[c].irq_vector = -1;
    }
    s->err_wrt = 0;
    s->err_rd = 0;
    s->err_sts = 0;
    s->dbg_executed = 0;
    s->dbg_errors = 0;
    s->fn_state = FN_STOPPED;
}

static void sdxi_fn_request(SdxiState *s, unsigned gsr)
{
    const char *why = NULL;

    switch (gsr) {
    case GSR_RESET:
        sdxi_fn_reset(s);
        break;
    case GSR_STOP_SOFT:
    case GSR_STOP_HARD:
        /*
         * Execution is synchronous per descriptor (a copy in progress is
         * abandoned), so soft and hard stop both end at once. Accepted
         * from the error state too, so software can get back to stopped.
         */
        if (s->fn_state == FN_STOPPED) {
            break;
        }
        for (unsigned c = 0; c < s->num_cxts; c++) {
            if (s->cxt[c].state == CXT_RUNNING ||
                s->cxt[c].state == CXT_ERROR) {
                sdxi_cxt_stop(s, c, CXT_STOPPED_FN);
            }
        }
        s->fn_state = FN_STOPPED;
        break;
    case GSR_ACTIVE:
        if (s->fn_state != FN_STOPPED) {
            if (s->fn_state != FN_ACTIVE) {
                sdxi_guest_error(s, "CTL0 active request in state %u ignored",
                                 s->fn_state);
            }
            break;
        }
        s->fn_state = FN_ACTIVE;
        /* The admin context must be stopped to be started again. */
        if (s->cxt[0].state != CXT_STOPPED_FN) {
            s->cxt[0].state = CXT_STOPPED_SW;
        }
        if (!sdxi_cxt_start(s, 0, &why)) {
            sdxi_guest_error(s, "admin context: %s: function error", why);
            s->fn_state = FN_ERROR;
            sdxi_log_error(s, ERR_INVALID_CXT, STEP_START, REACT_FN_STOPPED,
                           0, false, 0, 0);
        }
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
#define SDXI_FAIL(x, cls, step, ...) do {       \
        sdxi_guest_error(s, __VA_ARGS__);       \
        (x)->fail_class = (cls);                \
        (x)->fail_step = (step);                \
        return EXEC_FAILED;                     \
    } while (0)

static SdxiExec sdxi_exec_copy(SdxiState *s, unsigned c, SdxiCxt *x,
                               SdxiBudget *b)
{
    const uint8_t *d = x->dsc;
    uint64_t total = (uint64_t)(uint32_t)ldl_le_p(d + 4) + 1;
    uint64_t src = ldq_le_p(d + 16), dst = ldq_le_p(d + 24);

    while (x->copy_done < total) {
        uint64_t len = MIN(total - x->copy_done, COPY_CHUNK);

        if (b->bytes == 0) {
            return EXEC_YIELD;
        }
        if (!dma_read(s, src + x->copy_done, s->bounce, len)) {
            SDXI_FAIL(x, ERR_DATA_READ, STEP_EXECUTE,
                 "context %u: COPY source 0x%" PRIx64 " not readable",
                 c, src + x->copy_done);
        }
        if (!dma_write(s, dst + x->copy_done, s->bounce, len)) {
            SDXI_FAIL(x, ERR_DATA_WRITE, STEP_EXECUTE,
                 "context %u: COPY destination 0x%" PRIx64 " not writable",
                 c, dst + x->copy_done);
        }
        x->copy_done += len;
        b->bytes -= MIN(b->bytes, len);
    }
    return EXEC_DONE;
}

static SdxiExec sdxi_exec_dmab(SdxiState *s, unsigned c, SdxiCxt *x,
                               unsigned sub, SdxiBudget *b)
{
    const uint8_t *d = x->dsc;

    if (x->copying) {
        return sdxi_exec_copy(s, c, x, b);
    }
    if (!(x->opb & OPB_DMAB)) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "context %u: DMA-base group not enabled", c);
    }
    switch (sub) {
    case DMAB_NOP:
        if (!zero_bytes(d, 4, 56)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "context %u: NOP reserved bytes set", c);
        }
        break;
    case DMAB_COPY: {
        uint64_t total = (uint64_t)(uint32_t)ldl_le_p(d + 4) + 1;
        uint64_t src = ldq_le_p(d + 16), dst = ldq_le_p(d + 24);
        uint16_t w;

        /* +8 attr (memory attributes, ignored: all memory is coherent). */
        if (!zero_bytes(d, 9, 12) || !zero_bytes(d, 32, 56)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "context %u: COPY reserved bytes set", c);
        }
        if (src + total - 1 < src || dst + total - 1 < dst) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "context %u: COPY wraps the address space", c);
        }
        /* Each address is qualified by an AKey: both must be valid. */
        if (!sdxi_akey(s, c, x, lduw_le_p(d + 12), &w) ||
            !sdxi_akey(s, c, x, lduw_le_p(d + 14), &w)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_EXECUTE,
                 "context %u: COPY with an invalid AKey", c);
        }
        if (src < dst + total && dst < src + total) {
            /* Undefined in SDXi; the model just copies forward. */
            sdxi_guest_error(s, "context %u: COPY buffers overlap", c);
        }
        break;
    }
    default:
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "context %u: unknown DMA-base subtype 0x%02x", c, sub);
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
                             c, x->read_index);
            return EXEC_STALL;
        }
        if (fail) {
            /* The destination is left untouched. */
            SDXI_FAIL(x, s->dbg_fail_class, STEP_EXECUTE,
                 "context %u: injected failure 0x%04" PRIx64 " at index %"
                 PRIu64, c, s->dbg_fail_class, x->read_index);
        }
    }
    if (sub == DMAB_NOP) {
        return EXEC_DONE;
    }
    x->copying = true;
    x->copy_done = 0;
    return sdxi_exec_copy(s, c, x, b);
}

static SdxiExec sdxi_exec_intr(SdxiState *s, unsigned c, SdxiCxt *x,
                               unsigned sub)
{
    const uint8_t *d = x->dsc;
    uint16_t w, vector;

    if (!(x->opb & OPB_INTR)) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "context %u: interrupt group not enabled", c);
    }
    if (sub != INTR_INTR || !zero_bytes(d, 4, 12) || !zero_bytes(d, 14, 56)) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "context %u: bad INTR descriptor", c);
    }
    if (!sdxi_akey(s, c, x, lduw_le_p(d + 12), &w) || !(w & AKEY_IV)) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_EXECUTE,
             "context %u: INTR AKey without a valid interrupt", c);
    }
    vector = extract32(w, 4, 11);
    if (vector >= s->num_vectors) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_EXECUTE,
             "context %u: INTR vector %u beyond the %u MSI-X vectors",
             c, vector, s->num_vectors);
    }
    if (countdown(&s->dbg_drop_irq)) {
        sdxi_guest_error(s, "context %u: injected drop of vector %u",
                         c, vector);
    } else {
        /* Raised after completion, so the handler sees the CSB done. */
        x->irq_vector = vector;
    }
    return EXEC_DONE;
}

/* Check an admin descriptor's context range and VF fields. */
static bool sdxi_admin_range(SdxiState *s, const uint8_t *d,
                             unsigned *first, unsigned *last)
{
    /* +5 vflags [0] vf: the model has no virtual functions. */
    if (d[5]) {
        return false;
    }
    *first = lduw_le_p(d + 8);
    *last = lduw_le_p(d + 10);
    return *first <= *last && *last < s->num_cxts;
}

static SdxiExec sdxi_exec_admin(SdxiState *s, unsigned c, SdxiCxt *x,
                                unsigned sub)
{
    const uint8_t *d = x->dsc;
    unsigned first, last;
    bool er = false;

    /* Admin operations belong to the admin context only (SDXi 3.4). */
    if (c != 0 || !(x->opb & OPB_ADMIN)) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "context %u: admin descriptor not allowed here", c);
    }
    if (!sdxi_admin_range(s, d, &first, &last)) {
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "admin: bad context range or VF flags");
    }
    switch (sub) {
    case ADMIN_CXT_START_NM:
        if (d[4] || !zero_bytes(d, 12, 16) || !zero_bytes(d, 24, 56)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "admin: CXT_START reserved bytes set");
        }
        /*
         * A context that cannot start stays as it was and gets its own
         * log entry (reaction none); the admin context goes on, and the
         * descriptor's CSB carries er.
         */
        for (unsigned t = first; t <= last; t++) {
            const char *why;

            if (!sdxi_cxt_start(s, t, &why)) {
                sdxi_guest_error(s, "admin: CXT_START %u: %s", t, why);
                sdxi_log_error(s, ERR_INVALID_CXT, STEP_START, REACT_NONE,
                               t, true, x->read_index,
                               DSC_TYPE_ADMIN);
                er = true;
            }
        }
        return er ? EXEC_DONE_ER : EXEC_DONE;
    case ADMIN_CXT_STOP:
        if (d[4] || !zero_bytes(d, 12, 56)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "admin: CXT_STOP reserved bytes set");
        }
        for (unsigned t = first; t <= last; t++) {
            sdxi_cxt_stop(s, t, CXT_STOPPED_SW);
        }
        return EXEC_DONE;
    case ADMIN_SYNC:
        /* +4 cflags: a filter of what to wait for; all of it is waited for. */
        if (!zero_bytes(d, 12, 56)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "admin: SYNC reserved bytes set");
        }
        /* Only a copy spanning bottom halves can be "earlier, unfinished". */
        for (unsigned t = first; t <= last; t++) {
            if (t != c && s->cxt[t].copying) {
                return EXEC_WAIT;
            }
        }
        return EXEC_DONE;
    default:
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "admin: unknown subtype 0x%02x", sub);
    }
}

static SdxiExec sdxi_exec(SdxiState *s, unsigned c, SdxiCxt *x, SdxiBudget *b)
{
    uint32_t op = ldl_le_p(x->dsc);
    uint64_t csb = ldq_le_p(x->dsc + 56);
    unsigned type = extract32(op, 16, 11), sub = extract32(op, 8, 8);

    if (!x->copying) {
        if (!(op & DSC_VL)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "context %u: descriptor %" PRIu64 " not valid (vl clear)",
                 c, x->read_index);
        }
        if (op & DSC_OPCODE_RSVD) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "context %u: opcode 0x%08x reserved bits set", c, op);
        }
        if (!(csb & CSB_NP) && (csb & CSB_RSVD)) {
            SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
                 "context %u: csb_ptr 0x%" PRIx64 " not 32-byte aligned",
                 c, csb);
        }
    }
    switch (type) {
    case DSC_TYPE_DMAB:
        return sdxi_exec_dmab(s, c, x, sub, b);
    case DSC_TYPE_ADMIN:
        return sdxi_exec_admin(s, c, x, sub);
    case DSC_TYPE_INTR:
        return sdxi_exec_intr(s, c, x, sub);
    default:
        SDXI_FAIL(x, ERR_INVALID_DSC, STEP_DECODE,
             "context %u: unknown descriptor type 0x%03x", c, type);
    }
}

/*
 * Finish the descriptor at read_index: signal its CSB (decrement, er on
 * failure), advance read_index past it, publish read_index in CXT_STS.
 * A failed descriptor is consumed too: its CSB says it completed (with
 * an error), and the log's dsc_index names it. Returns false with *cls
 * set if the completion itself could not be written.
 */
static bool sdxi_complete(SdxiState *s, SdxiCxt *x, bool er, uint16_t *cls)
{
    uint64_t csb = ldq_le_p(x->dsc + 56);
    bool ok = true;

    x->busy = false;
    x->copying = false;
    if (!(csb & CSB_NP)) {
        uint64_t addr = csb & CSB_ADDR_MASK;
        uint8_t blk[12];

        /*
         * Read-modify-write: the driver does not touch a CSB while the
         * descriptor is in flight, so this stands in for SDXi's atomic
         * decrement.
         */
        if (dma_read(s, addr, blk, sizeof(blk))) {
            stq_le_p(blk, ldq_le_p(blk) - 1);
            if (er) {
                stl_le_p(blk + 8, ldl_le_p(blk + 8) | CSB_FLAGS_ER);
            }
            ok = dma_write(s, addr, blk, sizeof(blk));
        } else {
            ok = false;
        }
        if (!ok) {
            *cls = ERR_DATA_WRITE;
        }
    }
    x->read_index++;
    if (!sdxi_write_read_index(s, x) && ok) {
        *cls = ERR_INVALID_CXT;
        ok = false;
    }
    s->dbg_executed++;
    return ok;
}

/* Context c fails: error state, CXT_STS, error-log entry. */
static void sdxi_cxt_fail(SdxiState *s, unsigned c, uint16_t cls,
                          unsigned step, bool div, uint64_t index,
                          unsigned type)
{
    SdxiCxt *x = &s->cxt[c];

    sdxi_cxt_drop_work(x);
    x->state = CXT_ERROR;
    if (!sdxi_write_state(s, x)) {
        sdxi_guest_error(s, "context %u: status not writable", c);
    }
    sdxi_log_error(s, cls, step, REACT_CXT_STOPPED, c, div, index, type);
}

/*
 * One turn of context c: up to TURN_MAX_DESCRIPTORS descriptors within
 * budget b. Returns true if anything moved.
 */
static bool sdxi_cxt_turn(SdxiState *s, unsigned c, SdxiBudget *b)
{
    SdxiCxt *x = &s->cxt[c];
    bool progress = false;

    for (unsigned n = 0; n < TURN_MAX_DESCRIPTORS && b->dsc && b->bytes; n++) {
        uint64_t index = x->read_index;
        unsigned type;
        uint16_t cls = 0;
        SdxiExec r;

        if (!x->busy) {
            if (x->read_index == x->write_index) {
                uint8_t wi[8];

                if (!dma_read(s, x->wi_ptr, wi, sizeof(wi))) {
                    sdxi_guest_error(s, "context %u: write index not "
                                     "readable", c);
                    sdxi_cxt_fail(s, c, ERR_INVALID_CXT, STEP_FETCH,
                                  false, 0, 0);
                    return true;
                }
                x->write_index = ldq_le_p(wi);
                if (x->write_index - x->read_index > x->ring_entries) {
                    sdxi_guest_error(s, "context %u: write index %" PRIu64
                                     " overflows the ring (read index %"
                                     PRIu64 ", %u entries)", c,
                                     x->write_index, x->read_index,
                                     x->ring_entries);
                    sdxi_cxt_fail(s, c, ERR_RING_OVERFLOW, STEP_FETCH,
                                  false, 0, 0);
                    return true;
                }
                if (x->write_index == x->read_index) {
                    x->pending = false;
                    return progress;
                }
            }
            if (!dma_read(s, x->ring + (index % x->ring_entries) * DSC_SIZE,
                          x->dsc, DSC_SIZE)) {
                sdxi_guest_error(s, "context %u: ring not readable", c);
                sdxi_cxt_fail(s, c, ERR_INVALID_CXT, STEP_FETCH, true,
                              index, 0);
                return true;
            }
            x->busy = true;
            x->copying = false;
            x->irq_vector = -1;
        }

        type = extract32(ldl_le_p(x->dsc), 16, 11);
        r = sdxi_exec(s, c, x, b);
        switch (r) {
        case EXEC_YIELD:
            return true;
        case EXEC_WAIT:
            return progress;
        case EXEC_STALL:
            /* Stays running with read_index on the stalled descriptor. */
            x->stalled = true;
            x->busy = false;
            x->pending = false;
            return true;
        case EXEC_DONE:
        case EXEC_DONE_ER:
            if (!sdxi_complete(s, x, r == EXEC_DONE_ER, &cls)) {
                sdxi_guest_error(s, "context %u: completion of %" PRIu64
                                 " not writable", c, index);
                sdxi_cxt_fail(s, c, cls, STEP_COMPLETE, true, index, type);
                return true;
            }
            if (x->irq_vector >= 0) {
                msix_notify(&s->parent_obj, x->irq_vector);
                x->irq_vector = -1;
            }
            break;
        case EXEC_FAILED:
            /* The first error is the one logged, not a CSB write error. */
            sdxi_complete(s, x, true, &cls);
            sdxi_cxt_fail(s, c, x->fail_class, x->fail_step, true, index,
                          type);
            return true;
        }
        progress = true;
        b->dsc--;
        /* An admin CXT_STOP may have stopped this very context. */
        if (x->state != CXT_RUNNING) {
            return true;
        }
    }
    return progress;
}

static bool sdxi_runnable(SdxiCxt *x)
{
    return x->state == CXT_RUNNING && x->pending && !x->stalled;
}

static void sdxi_bh(void *opaque)
{
    SdxiState *s = opaque;
    SdxiBudget b = { .dsc = BH_MAX_DESCRIPTORS, .bytes = BH_MAX_BYTES };
    bool progress = true;

    if (s->fn_state != FN_ACTIVE) {
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
        if (sdxi_runnable(&s->cxt[c])) {
            qemu_bh_schedule(s->bh);
            break;
        }
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
           (uint64_t)CAP_OPB_000 << 32;
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
        /* Kept for software; limits come from CAP0/CAP1. */
        s->ctl2 = merge(s, reg, s->ctl2, val, wmask, CTL2_WMASK);
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

static void sdxi_db_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    SdxiState *s = opaque;
    unsigned c = addr / SDXI_DB_STRIDE;

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
    if (s->fn_state != FN_ACTIVE || s->cxt[c].state != CXT_RUNNING) {
        sdxi_guest_error(s, "doorbell of context %u, which is not running "
                         "(function state %u, context state %u)", c,
                         s->fn_state, s->cxt[c].state);
        return;
    }
    if (!s->cxt[c].stalled) {
        s->cxt[c].pending = true;
        qemu_bh_schedule(s->bh);
    }
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
    sdxi_reset(DEVICE(s));
}

static void sdxi_exit(PCIDevice *pdev)
{
    SdxiState *s = SDXI(pdev);

    qemu_bh_delete(s->bh);
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
