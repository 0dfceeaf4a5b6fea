/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AMD PTDMA ("Pass-Through DMA") PCI function model.
 *
 * A test device for the migrate-offload project: the command queue of
 * the AMD PTDMA engine as Linux 7.3's drivers/dma/amd/ptdma programs it
 * (one queue, 32-byte descriptors in a ring, head and tail registers,
 * interrupt enable and status, the queue status error code), with the
 * passthrough engine's plain memcpy, plus vendor-specific fault injection
 * so the driver's error and timeout paths can be tested. The contract the
 * model and the drivers share is harness/qemu/ptdma-model.md in the
 * project; every layout and rule below comes from there, and the comments
 * say why when the code picks one of several possible readings. There is
 * no public register specification: the layout is the one the driver
 * (and the CCP driver it derives from) uses.
 *
 * Execution model: a tail (doorbell) or control write only schedules a
 * bottom half, so the vCPU's MMIO write returns at once and descriptors
 * run asynchronously, in order, from head to tail. One bottom-half run
 * is bounded (descriptors and bytes) and reschedules itself, so a 4 GiB
 * copy does not freeze the guest. All state is touched only with the BQL
 * held (MMIO handlers and the main-loop bottom half).
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
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#define TYPE_PTDMA "amd-ptdma"
OBJECT_DECLARE_SIMPLE_TYPE(PtdmaState, PTDMA)

/* PCI identity of the real function (Starship/Matisse PTDMA). */
#define PTDMA_VENDOR_ID         PCI_VENDOR_ID_AMD
#define PTDMA_DEVICE_ID         0x1498
#define PTDMA_CLASS_ID          PCI_CLASS_CRYPT_OTHER   /* 10h/80h */

/* The driver maps BAR 2 (dev_vdata.bar); MSI-X lives in BAR 5. */
#define PTDMA_REGS_BAR          2
#define PTDMA_MSIX_BAR          5
#define PTDMA_REGS_SIZE         (1 * MiB)
#define PTDMA_MSIX_SIZE         (8 * KiB)
#define PTDMA_MSIX_PBA          (4 * KiB)
#define PTDMA_VECTORS           1

/* Global registers (BAR 2). */
#define R_QUEUE_PRIO            0x0000
#define R_REQID_CONFIG          0x0004
#define R_TIMEOUT               0x0008
#define R_VERSION               0x0010
#define R_IRQ_MASK              0x0040
#define R_IRQ_STATUS            0x0200
#define R_CONFIG                0x1120
#define R_CLK_GATE_CTL          0x6004

/* Queue 0's registers: the driver's reg_control = BAR + 0x1000. */
#define R_Q                     0x1000
#define R_Q_CONTROL             (R_Q + 0x000)
#define R_Q_TAIL_LO             (R_Q + 0x004)
#define R_Q_HEAD_LO             (R_Q + 0x008)
#define R_Q_INT_ENABLE          (R_Q + 0x00c)
#define R_Q_INT_STATUS          (R_Q + 0x010)
#define R_Q_STATUS              (R_Q + 0x100)
#define R_Q_INT_STATUS_RO       (R_Q + 0x104)
#define R_Q_DMA_STATUS          (R_Q + 0x108)
#define R_Q_DMA_READ_STATUS     (R_Q + 0x10c)
#define R_Q_DMA_WRITE_STATUS    (R_Q + 0x110)
#define R_Q_ABORT               (R_Q + 0x114)
#define R_Q_AX_CACHE            (R_Q + 0x118)

/* Vendor debug window (model only), far from anything the driver uses. */
#define R_DBG                   0xf0000
#define R_DBG_FAIL_NTH          (R_DBG + 0x00)
#define R_DBG_FAIL_CODE         (R_DBG + 0x04)
#define R_DBG_STALL_NTH         (R_DBG + 0x08)
#define R_DBG_DROP_IRQ          (R_DBG + 0x0c)
#define R_DBG_EXECUTED          (R_DBG + 0x10)
#define R_DBG_ERRORS            (R_DBG + 0x14)
#define R_DBG_RELEASE           (R_DBG + 0x18)
#define R_DBG_IRQS              (R_DBG + 0x1c)

/* VERSION: [5:0] version, [18:15] queues (what debugfs decodes). */
#define PTDMA_VERSION           1
#define PTDMA_QUEUES            1
#define VERSION_VALUE           (PTDMA_VERSION | PTDMA_QUEUES << 15)

/* Queue control register. */
#define CTRL_RUN                BIT(0)
#define CTRL_HALT               BIT(1)          /* read-only: halted */
#define CTRL_MEM_LOCATION       BIT(2)          /* kept, ignored */
#define CTRL_SIZE_SHIFT         3
#define CTRL_SIZE_LEN           5
#define CTRL_HI_SHIFT           16              /* [31:16]: address 47:32 */
#define CTRL_WMASK              0xffff00fdu     /* all but HALT and [15:8] */
/* Largest ring the 32-bit head and tail can walk: 64 << 26 = 4 GiB. */
#define RING_SIZE_MAX           26

/* Interrupt enable/status bits. */
#define INT_COMPLETION          BIT(0)
#define INT_ERROR               BIT(1)
#define INT_QUEUE_STOPPED       BIT(2)          /* enable kept, never set */
#define INT_EMPTY_QUEUE         BIT(3)          /* enable kept, never set */
#define INT_ENABLE_MASK         0xfu

/* Queue status: [5:0] the error code (the driver's CMD_Q_ERROR). */
#define Q_STATUS_ERROR_MASK     0x3fu

/* Descriptor (32 bytes, eight little-endian dwords). */
#define DSC_SIZE                32
#define DW0_SOC                 BIT(0)
#define DW0_IOC                 BIT(1)
#define DW0_RSVD                (BIT(2) | 0xfe000000u)  /* [2], [31:25] */
#define DW0_FUNCTION(dw0)       extract32(dw0, 5, 15)
#define DW0_ENGINE(dw0)         extract32(dw0, 20, 4)
#define ENGINE_PASSTHRU         5
#define DW_MEM(dw)              extract32(dw, 16, 2)    /* dw3, dw5 */
#define DW3_RSVD                0x7c000000u     /* [30:26] */
#define DW5_RSVD                0x7ffc0000u     /* [30:18] */
#define DW_FIXED                BIT(31)
#define MEM_SYSTEM              0

/* Error codes (the CCP family's numbering, which the driver prints). */
#define ERR_ILLEGAL_ENGINE      0x01
#define ERR_ILLEGAL_FUNC_TYPE   0x03
#define ERR_ILLEGAL_FUNC_RSVD   0x08
#define ERR_ILLEGAL_MEM_ADDR    0x0b
#define ERR_ILLEGAL_MEM_SEL     0x0c
#define ERR_IDMA0_AXI_SLVERR    0x13    /* source read failed */
#define ERR_ODMA0_AXI_SLVERR    0x26    /* destination write failed */

/* Bounds of one bottom-half run (see the comment at the top). */
#define BH_MAX_DESCRIPTORS      256
#define BH_MAX_BYTES            (16 * MiB)
#define COPY_CHUNK              (64 * KiB)

typedef enum {
    EXEC_DONE,          /* completed: head moves past it */
    EXEC_FAILED,        /* failed: queue halts on it with an error code */
    EXEC_STALL,         /* fault injection: not executed until released */
    EXEC_YIELD,         /* copy partly done, budget used up */
} PtdmaExec;

struct PtdmaState {
    PCIDevice parent_obj;

    MemoryRegion regs;
    MemoryRegion msix;
    QEMUBH *bh;
    uint8_t *bounce;

    /* Global registers: kept for software, no effect on the model. */
    uint32_t queue_prio;
    uint32_t reqid_config;
    uint32_t timeout;
    uint32_t irq_mask;
    uint32_t config;
    uint32_t clk_gate;

    /* Queue 0. */
    uint32_t control;       /* as written, HALT excluded */
    uint32_t tail;          /* low 32 bits of the descriptor address */
    uint32_t head;
    uint32_t int_enable;
    uint32_t int_status;
    uint32_t q_status;
    uint32_t abort;
    uint32_t ax_cache;
    bool halted;            /* stopped by an error or SOC until restarted */
    bool stalled;           /* DBG_STALL_NTH hit: no progress */
    bool irq_level;         /* int_status & int_enable, last evaluated */

    /* The descriptor at head once fetched and validated. */
    bool busy;
    uint8_t dsc[DSC_SIZE];
    uint64_t copy_done;
    uint8_t fail_code;      /* why it failed (EXEC_FAILED) */

    /* Vendor debug registers. */
    uint32_t dbg_fail_nth;
    uint32_t dbg_fail_code;
    uint32_t dbg_stall_nth;
    uint32_t dbg_drop_irq;
    uint32_t dbg_executed;
    uint32_t dbg_errors;
    uint32_t dbg_irqs;

    /* Properties. */
    uint32_t prop_fail_nth;
    uint8_t prop_fail_code;
    uint32_t prop_stall_nth;
    uint32_t prop_drop_irq;
    bool prop_msix;
    bool prop_msi;
};

static const char *ptdma_name(PtdmaState *s)
{
    return DEVICE(s)->id ? DEVICE(s)->id : TYPE_PTDMA;
}

#define ptdma_guest_error(s, fmt, ...)                            \
    qemu_log_mask(LOG_GUEST_ERROR, "%s: " fmt "\n", ptdma_name(s), \
                  ## __VA_ARGS__)

static bool dma_read(PtdmaState *s, uint64_t addr, void *buf, uint64_t len)
{
    return pci_dma_read(&s->parent_obj, addr, buf, len) == MEMTX_OK;
}

static bool dma_write(PtdmaState *s, uint64_t addr, const void *buf,
                      uint64_t len)
{
    return pci_dma_write(&s->parent_obj, addr, buf, len) == MEMTX_OK;
}

/*
 * Fault-injection countdowns: a value of N fires on the Nth event from
 * the time it was written, once; 0 is off. Returns true when it fires.
 */
static bool countdown(uint32_t *nth)
{
    if (*nth == 0) {
        return false;
    }
    return --*nth == 0;
}

/* ---- Queue geometry ------------------------------------------------------ */

/*
 * The ring is the naturally aligned block of 2 << size entries that holds
 * head: the driver encodes size as ffs(entries) - 2 and allocates the
 * ring page aligned ("page alignment satisfies our needs for N <= 128"),
 * and head and tail are byte addresses that wrap inside that block.
 */
static uint32_t ptdma_ring_mask(PtdmaState *s)
{
    unsigned size = extract32(s->control, CTRL_SIZE_SHIFT, CTRL_SIZE_LEN);

    return (uint32_t)((64ULL << MIN(size, RING_SIZE_MAX)) - 1);
}

/* Bits 47:32 of every queue address come from the control register. */
static uint64_t ptdma_addr(PtdmaState *s, uint32_t lo)
{
    return (uint64_t)extract32(s->control, CTRL_HI_SHIFT, 16) << 32 | lo;
}

static uint32_t ptdma_next(PtdmaState *s, uint32_t ptr)
{
    uint32_t mask = ptdma_ring_mask(s);

    return (ptr & ~mask) | ((ptr + DSC_SIZE) & mask);
}

static bool ptdma_runnable(PtdmaState *s)
{
    return (s->control & CTRL_RUN) && !s->halted && !s->stalled;
}

static void ptdma_kick(PtdmaState *s)
{
    if (ptdma_runnable(s)) {
        qemu_bh_schedule(s->bh);
    }
}

/* Forget the descriptor in flight: a copy part-way done is redone later. */
static void ptdma_drop_work(PtdmaState *s)
{
    s->busy = false;
    s->copy_done = 0;
}

/* ---- Interrupts ---------------------------------------------------------- */

/*
 * The queue's interrupt is a level, int_status & int_enable, turned into
 * a message on its rising edge: a status bit that stays set (software has
 * not written it back) sends nothing more, and enabling a pending status
 * sends one. The driver's handler relies on exactly this: it disables,
 * reads and acknowledges the status, then enables again.
 */
static void ptdma_send_irq(PtdmaState *s)
{
    PCIDevice *pdev = &s->parent_obj;

    if (!msix_enabled(pdev) && !msi_enabled(pdev)) {
        return;         /* no INTx: the driver polls status then */
    }
    if (countdown(&s->dbg_drop_irq)) {
        ptdma_guest_error(s, "injected drop of an interrupt (status 0x%x)",
                          s->int_status);
        return;
    }
    if (msix_enabled(pdev)) {
        msix_notify(pdev, 0);
    } else {
        msi_notify(pdev, 0);
    }
    s->dbg_irqs++;
}

static void ptdma_update_irq(PtdmaState *s)
{
    bool level = (s->int_status & s->int_enable) != 0;

    if (level && !s->irq_level) {
        ptdma_send_irq(s);
    }
    s->irq_level = level;
}

/* ---- Descriptor execution ------------------------------------------------ */

#define PTDMA_FAIL(code, ...) do {              \
        ptdma_guest_error(s, __VA_ARGS__);      \
        s->fail_code = (code);                  \
        return EXEC_FAILED;                     \
    } while (0)

static PtdmaExec ptdma_copy(PtdmaState *s, uint64_t *budget)
{
    const uint8_t *d = s->dsc;
    /* ldl_le_p() returns int: go through uint32_t, no sign extension. */
    uint64_t total = (uint32_t)ldl_le_p(d + 4);
    uint64_t src = (uint64_t)extract32(ldl_le_p(d + 12), 0, 16) << 32 |
                   (uint32_t)ldl_le_p(d + 8);
    uint64_t dst = (uint64_t)extract32(ldl_le_p(d + 20), 0, 16) << 32 |
                   (uint32_t)ldl_le_p(d + 16);

    while (s->copy_done < total) {
        uint64_t len = MIN(total - s->copy_done, COPY_CHUNK);

        if (*budget == 0) {
            return EXEC_YIELD;
        }
        if (!dma_read(s, src + s->copy_done, s->bounce, len)) {
            PTDMA_FAIL(ERR_IDMA0_AXI_SLVERR,
                       "source 0x%" PRIx64 " not readable",
                       src + s->copy_done);
        }
        if (!dma_write(s, dst + s->copy_done, s->bounce, len)) {
            PTDMA_FAIL(ERR_ODMA0_AXI_SLVERR,
                       "destination 0x%" PRIx64 " not writable",
                       dst + s->copy_done);
        }
        s->copy_done += len;
        *budget -= MIN(*budget, len);
    }
    return EXEC_DONE;
}

/*
 * Check the descriptor at head (already in s->dsc). Only what the
 * passthrough engine does for a plain memcpy is modelled: engine 5,
 * function 0 (no byte swap, no bitwise operation), system memory on both
 * sides. init, eom, prot and lsb_cxt_id are accepted and ignored (they
 * matter only to other engines or to bitwise masks).
 */
static PtdmaExec ptdma_validate(PtdmaState *s)
{
    const uint8_t *d = s->dsc;
    uint32_t dw0 = ldl_le_p(d), dw3 = ldl_le_p(d + 12);
    uint32_t dw5 = ldl_le_p(d + 20);

    if (DW0_ENGINE(dw0) != ENGINE_PASSTHRU) {
        PTDMA_FAIL(ERR_ILLEGAL_ENGINE, "descriptor at 0x%08x: engine %u "
                   "(only passthrough, 5, is modelled)", s->head,
                   DW0_ENGINE(dw0));
    }
    if (DW0_FUNCTION(dw0) != 0) {
        PTDMA_FAIL(ERR_ILLEGAL_FUNC_TYPE, "descriptor at 0x%08x: "
                   "passthrough function 0x%x (byte swap/bitwise not "
                   "modelled)", s->head, DW0_FUNCTION(dw0));
    }
    if ((dw0 & DW0_RSVD) || (dw3 & (DW3_RSVD | DW_FIXED)) ||
        (dw5 & (DW5_RSVD | DW_FIXED)) || ldl_le_p(d + 24) ||
        ldl_le_p(d + 28)) {
        PTDMA_FAIL(ERR_ILLEGAL_FUNC_RSVD, "descriptor at 0x%08x: reserved "
                   "or fixed-address bits set", s->head);
    }
    if (DW_MEM(dw3) != MEM_SYSTEM || DW_MEM(dw5) != MEM_SYSTEM) {
        PTDMA_FAIL(ERR_ILLEGAL_MEM_SEL, "descriptor at 0x%08x: memory "
                   "type src %u dst %u (only system memory, 0)", s->head,
                   DW_MEM(dw3), DW_MEM(dw5));
    }
    if (ldl_le_p(d + 4) == 0) {
        /* Accepted as a no-op; no driver should submit one, so say it. */
        ptdma_guest_error(s, "descriptor at 0x%08x: zero length", s->head);
    }
    return EXEC_DONE;
}

/*
 * Fetch the descriptor at head, validate it and run the fault-injection
 * countdowns, which count descriptors that passed validation and are
 * about to execute. A stall wins over a failure of the same descriptor.
 */
static PtdmaExec ptdma_start(PtdmaState *s)
{
    PtdmaExec r;
    bool stall, fail;

    if (!dma_read(s, ptdma_addr(s, s->head), s->dsc, DSC_SIZE)) {
        PTDMA_FAIL(ERR_ILLEGAL_MEM_ADDR, "descriptor at 0x%" PRIx64
                   " not readable", ptdma_addr(s, s->head));
    }
    r = ptdma_validate(s);
    if (r != EXEC_DONE) {
        return r;
    }
    stall = countdown(&s->dbg_stall_nth);
    fail = countdown(&s->dbg_fail_nth);
    if (stall) {
        ptdma_guest_error(s, "injected stall at 0x%08x", s->head);
        return EXEC_STALL;
    }
    if (fail) {
        /* No data moves: the destination is left untouched. */
        PTDMA_FAIL(s->dbg_fail_code, "injected failure 0x%02x at 0x%08x",
                   s->dbg_fail_code, s->head);
    }
    s->busy = true;
    s->copy_done = 0;
    return EXEC_DONE;
}

/* The descriptor at head completed: move past it, signal if asked to. */
static void ptdma_complete(PtdmaState *s)
{
    uint32_t dw0 = ldl_le_p(s->dsc);

    ptdma_drop_work(s);
    s->head = ptdma_next(s, s->head);
    s->dbg_executed++;
    if (dw0 & DW0_IOC) {
        s->int_status |= INT_COMPLETION;
    }
    if (dw0 & DW0_SOC) {
        /* Stop on completion: the queue halts, without an error. */
        s->halted = true;
    }
    ptdma_update_irq(s);
}

/*
 * The descriptor at head failed (or the queue could not be read): the
 * queue halts with head still on it, so software learns which one failed
 * and moves head itself (the 7.3 driver writes head = tail to flush the
 * queue). The error interrupt fires whether or not IOC was asked for.
 */
static void ptdma_fail(PtdmaState *s, uint8_t code, bool counted)
{
    ptdma_drop_work(s);
    s->halted = true;
    s->q_status = (s->q_status & ~Q_STATUS_ERROR_MASK) |
                  (code & Q_STATUS_ERROR_MASK);
    s->int_status |= INT_ERROR;
    s->dbg_errors++;
    if (counted) {
        s->dbg_executed++;
    }
    ptdma_update_irq(s);
}

static void ptdma_bh(void *opaque)
{
    PtdmaState *s = opaque;
    uint64_t budget = BH_MAX_BYTES;
    unsigned n = BH_MAX_DESCRIPTORS;

    while (ptdma_runnable(s) && n && budget) {
        uint32_t mask = ptdma_ring_mask(s);
        PtdmaExec r;

        if (!s->busy) {
            if ((s->head ^ s->tail) & ~mask) {
                ptdma_guest_error(s, "tail 0x%08x outside the ring holding "
                                  "head 0x%08x (%u bytes)", s->tail, s->head,
                                  mask + 1);
                ptdma_fail(s, ERR_ILLEGAL_MEM_ADDR, false);
                return;
            }
            if (s->head == s->tail) {
                return;                 /* empty: idle until a doorbell */
            }
            r = ptdma_start(s);
            if (r == EXEC_STALL) {
                s->stalled = true;
                return;
            }
            if (r == EXEC_FAILED) {
                ptdma_fail(s, s->fail_code, true);
                return;
            }
        }
        r = ptdma_copy(s, &budget);
        switch (r) {
        case EXEC_YIELD:
            break;
        case EXEC_FAILED:
            ptdma_fail(s, s->fail_code, true);
            return;
        default:
            ptdma_complete(s);
            n--;
            break;
        }
    }
    /* Budget used up with work left: go on in the next run. */
    if (ptdma_runnable(s) && (s->busy || s->head != s->tail)) {
        qemu_bh_schedule(s->bh);
    }
}

/* ---- BAR 2: registers ---------------------------------------------------- */

static uint64_t ptdma_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    PtdmaState *s = opaque;

    switch (addr) {
    case R_QUEUE_PRIO:          return s->queue_prio;
    case R_REQID_CONFIG:        return s->reqid_config;
    case R_TIMEOUT:             return s->timeout;
    case R_VERSION:             return VERSION_VALUE;
    case R_IRQ_MASK:            return s->irq_mask;
    case R_IRQ_STATUS:          return 0;
    case R_CONFIG:              return s->config;
    case R_CLK_GATE_CTL:        return s->clk_gate;
    case R_Q_CONTROL:
        return s->control | (s->halted ? CTRL_HALT : 0);
    case R_Q_TAIL_LO:           return s->tail;
    case R_Q_HEAD_LO:           return s->head;
    case R_Q_INT_ENABLE:        return s->int_enable;
    case R_Q_INT_STATUS:        return s->int_status;
    case R_Q_STATUS:            return s->q_status;
    case R_Q_INT_STATUS_RO:     return s->int_status;
    case R_Q_DMA_STATUS:
    case R_Q_DMA_READ_STATUS:
    case R_Q_DMA_WRITE_STATUS:  return 0;
    case R_Q_ABORT:             return s->abort;
    case R_Q_AX_CACHE:          return s->ax_cache;
    case R_DBG_FAIL_NTH:        return s->dbg_fail_nth;
    case R_DBG_FAIL_CODE:       return s->dbg_fail_code;
    case R_DBG_STALL_NTH:       return s->dbg_stall_nth;
    case R_DBG_DROP_IRQ:        return s->dbg_drop_irq;
    case R_DBG_EXECUTED:        return s->dbg_executed;
    case R_DBG_ERRORS:          return s->dbg_errors;
    case R_DBG_RELEASE:         return s->stalled;
    case R_DBG_IRQS:            return s->dbg_irqs;
    }
    ptdma_guest_error(s, "read of unknown register 0x%05" HWADDR_PRIx, addr);
    return 0;
}

static void ptdma_write_control(PtdmaState *s, uint32_t val)
{
    if (val & ~CTRL_WMASK) {
        ptdma_guest_error(s, "control: read-only/reserved bits 0x%x written",
                          val & ~CTRL_WMASK);
    }
    s->control = val & CTRL_WMASK;
    /*
     * A control write ends a halt, but not while the error that caused
     * it is unacknowledged: the 7.3 driver writes tail and then control
     * | RUN, and a descriptor that fails between the two writes must not
     * run again on the second one. Its handler clears INT_STATUS and
     * moves head past the failure before its next control write, which
     * then goes on from head. With RUN clear the queue is stopped by
     * software, which also releases a stall and abandons a copy part-way
     * done (it is redone from the start on the next run).
     */
    if (!(s->int_status & INT_ERROR)) {
        s->halted = false;
    }
    if (!(val & CTRL_RUN)) {
        s->stalled = false;
        ptdma_drop_work(s);
        return;
    }
    ptdma_kick(s);
}

static void ptdma_regs_write(void *opaque, hwaddr addr, uint64_t val64,
                             unsigned size)
{
    PtdmaState *s = opaque;
    uint32_t val = val64;

    switch (addr) {
    case R_QUEUE_PRIO:
        s->queue_prio = val;
        return;
    case R_REQID_CONFIG:
        s->reqid_config = val;
        return;
    case R_TIMEOUT:
        s->timeout = val;
        return;
    case R_IRQ_MASK:
        s->irq_mask = val;
        return;
    case R_CONFIG:
        s->config = val;
        return;
    case R_CLK_GATE_CTL:
        s->clk_gate = val;
        return;
    case R_Q_CONTROL:
        ptdma_write_control(s, val);
        return;
    case R_Q_TAIL_LO:
        /* The doorbell: a halted or stalled queue waits all the same. */
        if (val & (DSC_SIZE - 1)) {
            ptdma_guest_error(s, "tail 0x%08x not 32-byte aligned", val);
        }
        s->tail = val & ~(DSC_SIZE - 1);
        ptdma_kick(s);
        return;
    case R_Q_HEAD_LO:
        if (val & (DSC_SIZE - 1)) {
            ptdma_guest_error(s, "head 0x%08x not 32-byte aligned", val);
        }
        if (s->busy) {
            ptdma_guest_error(s, "head written while the descriptor at "
                              "0x%08x runs: abandoned", s->head);
            ptdma_drop_work(s);
        }
        s->head = val & ~(DSC_SIZE - 1);
        ptdma_kick(s);
        return;
    case R_Q_INT_ENABLE:
        s->int_enable = val & INT_ENABLE_MASK;
        ptdma_update_irq(s);
        return;
    case R_Q_INT_STATUS:
        s->int_status &= ~val;          /* write 1 to clear */
        ptdma_update_irq(s);
        return;
    case R_Q_ABORT:
        s->abort = val;
        return;
    case R_Q_AX_CACHE:
        s->ax_cache = val;
        return;
    case R_DBG_FAIL_NTH:
        s->dbg_fail_nth = val;
        return;
    case R_DBG_FAIL_CODE:
        /* 0 would flag an error the driver cannot see: refused. */
        if (!(val & Q_STATUS_ERROR_MASK)) {
            ptdma_guest_error(s, "DBG_FAIL_CODE 0x%x has no error code", val);
            return;
        }
        s->dbg_fail_code = val & Q_STATUS_ERROR_MASK;
        return;
    case R_DBG_STALL_NTH:
        s->dbg_stall_nth = val;
        return;
    case R_DBG_DROP_IRQ:
        s->dbg_drop_irq = val;
        return;
    case R_DBG_RELEASE:
        if (s->stalled) {
            s->stalled = false;
            ptdma_kick(s);
        }
        return;
    case R_VERSION:
    case R_IRQ_STATUS:
    case R_Q_STATUS:
    case R_Q_INT_STATUS_RO:
    case R_Q_DMA_STATUS:
    case R_Q_DMA_READ_STATUS:
    case R_Q_DMA_WRITE_STATUS:
    case R_DBG_EXECUTED:
    case R_DBG_ERRORS:
    case R_DBG_IRQS:
        ptdma_guest_error(s, "write to read-only register 0x%05"
                          HWADDR_PRIx, addr);
        return;
    }
    ptdma_guest_error(s, "write to unknown register 0x%05" HWADDR_PRIx, addr);
}

static const MemoryRegionOps ptdma_regs_ops = {
    .read = ptdma_regs_read,
    .write = ptdma_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* 32-bit registers; an aligned 64-bit access is split in two. */
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---- Device life cycle --------------------------------------------------- */

static void ptdma_reset(DeviceState *dev)
{
    PtdmaState *s = PTDMA(dev);

    s->queue_prio = 0;
    s->reqid_config = 0;
    s->timeout = 0;
    s->irq_mask = 0;
    s->config = 0;
    s->clk_gate = 0;
    s->control = 0;
    s->tail = 0;
    s->head = 0;
    s->int_enable = 0;
    s->int_status = 0;
    s->q_status = 0;
    s->abort = 0;
    s->ax_cache = 0;
    s->halted = false;
    s->stalled = false;
    s->irq_level = false;
    ptdma_drop_work(s);
    s->dbg_fail_nth = s->prop_fail_nth;
    s->dbg_fail_code = s->prop_fail_code;
    s->dbg_stall_nth = s->prop_stall_nth;
    s->dbg_drop_irq = s->prop_drop_irq;
    s->dbg_executed = 0;
    s->dbg_errors = 0;
    s->dbg_irqs = 0;
}

static void ptdma_realize(PCIDevice *pdev, Error **errp)
{
    PtdmaState *s = PTDMA(pdev);

    if (s->prop_fail_code == 0 || s->prop_fail_code > Q_STATUS_ERROR_MASK) {
        error_setg(errp, "amd-ptdma: fail-code must be 1..63");
        return;
    }
    if (!s->prop_msix && !s->prop_msi) {
        /* The driver needs one or the other; it never uses INTx. */
        error_setg(errp, "amd-ptdma: msix and msi cannot both be off");
        return;
    }

    if (pcie_endpoint_cap_init(pdev, 0) < 0) {
        error_setg(errp, "amd-ptdma: cannot add the PCIe capability");
        return;
    }
    if (s->prop_msi && msi_init(pdev, 0, PTDMA_VECTORS, true, false,
                                errp) < 0) {
        return;
    }

    memory_region_init_io(&s->regs, OBJECT(s), &ptdma_regs_ops, s,
                          "amd-ptdma-regs", PTDMA_REGS_SIZE);
    pci_register_bar(pdev, PTDMA_REGS_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);

    if (s->prop_msix) {
        /* Table at 0, PBA on the next page, in a BAR of their own. */
        memory_region_init(&s->msix, OBJECT(s), "amd-ptdma-msix",
                           PTDMA_MSIX_SIZE);
        if (msix_init(pdev, PTDMA_VECTORS, &s->msix, PTDMA_MSIX_BAR, 0,
                      &s->msix, PTDMA_MSIX_BAR, PTDMA_MSIX_PBA, 0,
                      errp) < 0) {
            return;
        }
        pci_register_bar(pdev, PTDMA_MSIX_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY,
                         &s->msix);
        msix_vector_use(pdev, 0);
    }

    s->bounce = g_malloc(COPY_CHUNK);
    /* The guard stops DMA from this device into its own BAR re-entering. */
    s->bh = qemu_bh_new_guarded(ptdma_bh, s,
                                &DEVICE(pdev)->mem_reentrancy_guard);
    ptdma_reset(DEVICE(s));
}

static void ptdma_exit(PCIDevice *pdev)
{
    PtdmaState *s = PTDMA(pdev);

    qemu_bh_delete(s->bh);
    if (s->prop_msix) {
        msix_uninit(pdev, &s->msix, &s->msix);
    }
    msi_uninit(pdev);
    g_free(s->bounce);
}

static const VMStateDescription vmstate_ptdma = {
    .name = TYPE_PTDMA,
    .unmigratable = 1,
};

static Property ptdma_properties[] = {
    DEFINE_PROP_UINT32("fail-nth", PtdmaState, prop_fail_nth, 0),
    DEFINE_PROP_UINT8("fail-code", PtdmaState, prop_fail_code,
                      ERR_IDMA0_AXI_SLVERR),
    DEFINE_PROP_UINT32("stall-nth", PtdmaState, prop_stall_nth, 0),
    DEFINE_PROP_UINT32("drop-irq-nth", PtdmaState, prop_drop_irq, 0),
    DEFINE_PROP_BOOL("msix", PtdmaState, prop_msix, true),
    DEFINE_PROP_BOOL("msi", PtdmaState, prop_msi, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void ptdma_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = ptdma_realize;
    k->exit = ptdma_exit;
    k->vendor_id = PTDMA_VENDOR_ID;
    k->device_id = PTDMA_DEVICE_ID;
    k->subsystem_vendor_id = PTDMA_VENDOR_ID;
    k->subsystem_id = PTDMA_DEVICE_ID;
    k->class_id = PTDMA_CLASS_ID;
    k->revision = 0;
    dc->desc = "AMD PTDMA pass-through DMA engine (memcpy, fault injection)";
    dc->reset = ptdma_reset;
    dc->vmsd = &vmstate_ptdma;
    device_class_set_props(dc, ptdma_properties);
    object_class_property_set_description(klass, "fail-nth",
        "initial DBG_FAIL_NTH: Nth valid descriptor fails (0 off)");
    object_class_property_set_description(klass, "fail-code",
        "initial DBG_FAIL_CODE: queue status error code of it (1..63)");
    object_class_property_set_description(klass, "stall-nth",
        "initial DBG_STALL_NTH: Nth valid descriptor waits for a release "
        "or a queue stop (0 off)");
    object_class_property_set_description(klass, "drop-irq-nth",
        "initial DBG_DROP_IRQ: Nth interrupt message is not sent (0 off)");
    object_class_property_set_description(klass, "msix",
        "offer MSI-X (one vector, BAR 5)");
    object_class_property_set_description(klass, "msi",
        "offer MSI (one vector)");
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo ptdma_info = {
    .name = TYPE_PTDMA,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(PtdmaState),
    .class_init = ptdma_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void ptdma_register_types(void)
{
    type_register_static(&ptdma_info);
}

type_init(ptdma_register_types)
