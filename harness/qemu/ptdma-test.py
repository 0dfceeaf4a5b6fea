#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ptdma-test.py QEMU [LOG]: drive the AMD PTDMA device model (amd-ptdma)
through QEMU's qtest protocol, without a guest kernel, and check it
against harness/qemu/ptdma-model.md: PCI identity and BARs, registers,
the Linux 7.3 driver's init and submit sequences, batches with one IOC,
ring wrap-around, interrupt enable/status, bad descriptors, DMA errors
and the fault-injection registers.

The test plays the driver: it writes descriptors into guest RAM,
programs BARs and MSI-X (or MSI) through config space (messages are
aimed at guest RAM, so an interrupt shows up as a word written there),
writes tail and control, and polls. Prints one line per case and
"N passed, N failed" last; exit status 0 only if every case passed. LOG
receives the model's LOG_GUEST_ERROR lines (many are expected: the test
makes mistakes on purpose).
"""
import struct
import sys
import time

from qtest import QTest, pattern, run_cases, wait_for

# Guest physical layout of the test's structures (RAM starts at 0).
RING = 0x100000         # 32 descriptors of 32 bytes, page aligned
MSI = 0x107000          # the interrupt message writes its data here
SRC = 0x1000000
DST = 0x5000000
QLEN = 32               # the 7.3 driver's CMD_Q_LEN
QSIZE_VAL = 4           # ffs(32) - 2: 2 << 4 = 32 entries

BAR2 = 0xe0000000
BAR5 = 0xe0100000
Q = BAR2 + 0x1000       # queue 0 registers
CONTROL, TAIL, HEAD, INT_EN, INT_STS = (Q + o for o in (0, 4, 8, 0xc, 0x10))
Q_STATUS, Q_INT_STATUS = Q + 0x100, Q + 0x104
DBG = BAR2 + 0xf0000
FAIL_NTH, FAIL_CODE, STALL_NTH, DROP_IRQ = (DBG + o for o in (0, 4, 8, 0xc))
EXECUTED, ERRORS, RELEASE, IRQS = (DBG + o for o in (0x10, 0x14, 0x18, 0x1c))

RUN, HALT = 1, 2
COMPLETION, ERROR = 1, 2
DW0 = 0x500012          # CMD_DESC_DW0_VAL: engine 5, eom, ioc
IOC, SOC = 2, 1


def desc(src, dst, n, dw0=DW0, dw3=0, dw5=0, rsvd=(0, 0)):
    """A 32-byte descriptor as pt_core_perform_passthru() builds it."""
    return struct.pack('<8I', dw0, n, src & 0xffffffff,
                       (src >> 32) & 0xffff | dw3, dst & 0xffffffff,
                       (dst >> 32) & 0xffff | dw5, rsvd[0], rsvd[1])


class Pt:
    """The test's driver: the 7.3 ptdma driver's register sequences."""

    def __init__(self, q):
        self.q = q
        self.qidx = 0

    def setup_pci(self, msix=True):
        q = self.q
        q.cfg_wl(0x18, BAR2)
        q.cfg_wl(0x24, BAR5)
        q.cfg_wl(0x04, 0x6)             # memory space + bus master
        caps = q.caps()
        if msix:
            cap = caps[0x11]
            ctrl = q.cfg_rl(cap)
            q.cfg_wl(cap, ctrl | 1 << 31)   # MSI-X enable
            q.wl(BAR5, MSI)
            q.wl(BAR5 + 4, 0)
            q.wl(BAR5 + 8, 0x100)
            q.wl(BAR5 + 12, 0)              # unmasked
        else:
            cap = caps[0x05]
            q.cfg_wl(cap + 4, MSI)          # 64-bit MSI: addr lo, hi, data
            q.cfg_wl(cap + 8, 0)
            q.cfg_wl(cap + 12, 0x200)
            q.cfg_wl(cap, q.cfg_rl(cap) | 1 << 16)  # MSI enable

    def init(self):
        """pt_core_init(): the register writes in the driver's order."""
        q = self.q
        q.wl(BAR2 + 0x1120, 1)          # CMD_CONFIG_VHB_EN
        q.wl(BAR2 + 0x0, 6)             # CMD_QUEUE_PRIO
        q.wl(BAR2 + 0x8, 0)             # CMD_TIMEOUT_DISABLE
        q.wl(BAR2 + 0x6004, 0x1001)     # CMD_CLK_GATE_CONFIG
        q.wl(BAR2 + 0x4, 0)             # CMD_CONFIG_REQID
        q.wl(INT_EN, 0)
        q.wl(CONTROL, 0)
        q.rl(Q_INT_STATUS)
        q.rl(Q_STATUS)
        q.wl(INT_STS, 3)
        self.qcontrol = QSIZE_VAL << 3 | (RING >> 32) << 16
        q.wl(TAIL, RING)
        q.wl(HEAD, RING)
        q.wl(CONTROL, self.qcontrol)
        q.wl(INT_EN, 3)
        self.qidx = 0

    def tail(self):
        return RING + self.qidx * 32

    def submit(self, *descs, ring=True, run=True):
        """pt_core_execute_cmd(): copy, bump qidx, write tail, RUN."""
        for d in descs:
            self.q.write(RING + self.qidx * 32, d)
            self.qidx = (self.qidx + 1) % QLEN
        if ring:
            self.q.wl(TAIL, self.tail())
        if run:
            self.q.wl(CONTROL, self.qcontrol | RUN)

    def handler(self):
        """pt_core_irq_handler(): disable, read, acknowledge, enable."""
        q = self.q
        q.wl(INT_EN, 0)
        status = q.rl(INT_STS)
        qs = q.rl(Q_STATUS) if status else 0
        if status:
            q.wl(INT_STS, status)
        q.wl(INT_EN, 3)
        return status, qs & 0x3f

    def flush(self):
        """pt_do_cmd_complete() after an error: head = tail."""
        self.q.wl(HEAD, self.tail())

    def msi(self):
        return self.q.rl(MSI)

    def clear_msi(self):
        self.q.wl(MSI, 0)

    def wait(self, cond, what, timeout=30.0):
        wait_for(cond, what, timeout, lambda: time.sleep(0.002))

    def wait_idle(self, timeout=30.0):
        q = self.q
        self.wait(lambda: q.rl(HEAD) == q.rl(TAIL) or q.rl(CONTROL) & HALT,
                  lambda: 'head %x to reach tail %x' % (q.rl(HEAD),
                                                        q.rl(TAIL)),
                  timeout)

    def wait_halt(self):
        self.wait(lambda: self.q.rl(CONTROL) & HALT, 'the queue to halt')

    def quiet(self, s=0.05):
        """Give the model's bottom half a chance to do what it must not."""
        time.sleep(s)
        self.q.rl(HEAD)


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def identity(q, p):
    ids = q.cfg_rl(0x00)
    assert ids == 0x14981022, 'ids %08x' % ids
    rev_cls = q.cfg_rl(0x08)
    assert rev_cls == 0x10800000, 'class/revision %08x' % rev_cls
    sub = q.cfg_rl(0x2c)
    assert sub == 0x14981022, 'subsystem %08x' % sub
    sizes = {}
    for i in range(6):
        reg = 0x10 + 4 * i
        q.cfg_wl(reg, 0xffffffff)
        v = q.cfg_rl(reg)
        sizes[i] = 0 if v == 0 else (~v & 0xffffffff) + 0x10 & ~0xf
        if v:
            assert v & 0xf == 0, 'BAR%d not 32-bit memory: %x' % (i, v)
        q.cfg_wl(reg, 0)
    assert sizes == {0: 0, 1: 0, 2: 1 << 20, 3: 0, 4: 0, 5: 8192}, sizes
    caps = q.caps()
    assert 0x05 in caps and 0x11 in caps and 0x10 in caps, caps
    nvec = (q.cfg_rl(caps[0x11]) >> 16 & 0x7ff) + 1
    assert nvec == 1, 'MSI-X vectors %d' % nvec
    assert q.cfg_rl(caps[0x11] + 4) == 5, 'MSI-X table not at BAR5+0'
    assert q.cfg_rl(caps[0x11] + 8) == 0x1005, 'PBA not at BAR5+0x1000'
    assert q.cfg_rl(0x3c) >> 8 & 0xff == 0, 'interrupt pin set'
    p.setup_pci()


@case
def registers(q, p):
    assert q.rl(BAR2 + 0x10) == 0x8001, 'VERSION %x' % q.rl(BAR2 + 0x10)
    for reg, v in ((0x0, 6), (0x4, 0x5a), (0x8, 0), (0x40, 0x3),
                   (0x1120, 1), (0x6004, 0x1001)):
        q.wl(BAR2 + reg, v)
        assert q.rl(BAR2 + reg) == v, 'global 0x%x' % reg
    assert q.rl(BAR2 + 0x200) == 0, 'IRQ_STATUS'
    # Control: HALT (read-only) and [15:8] (reserved) are not kept.
    q.wl(CONTROL, 0xfffffffe)
    assert q.rl(CONTROL) == 0xffff00fc, 'control %x' % q.rl(CONTROL)
    q.wl(CONTROL, 0)
    # Head and tail are 32-byte aligned; the low bits are dropped.
    q.wl(HEAD, 0x1234567f)
    q.wl(TAIL, 0x89abcdef)
    assert (q.rl(HEAD), q.rl(TAIL)) == (0x12345660, 0x89abcde0)
    q.wl(INT_EN, 0xffffffff)
    assert q.rl(INT_EN) == 0xf
    q.wl(INT_EN, 0)
    # Status is write-1-to-clear: software cannot set it.
    q.wl(INT_STS, 0xffffffff)
    assert q.rl(INT_STS) == 0 and q.rl(Q_STATUS) == 0
    # Unknown and other queues' registers read 0; a 64-bit read splits.
    assert q.rl(BAR2 + 0x2000) == 0 and q.rl(BAR2 + 0x80000) == 0
    q.wl(BAR2 + 0x1120, 0x11)
    assert q.rq(BAR2 + 0x1120) == 0x11, '64-bit read %x' % q.rq(BAR2 + 0x1120)
    # Debug registers: defaults (no properties) and the read-only counters.
    got = [q.rl(DBG + o) for o in range(0, 0x20, 4)]
    assert got == [0, 0x13, 0, 0, 0, 0, 0, 0], got
    q.wl(FAIL_CODE, 0x40)                       # no error code: refused
    assert q.rl(FAIL_CODE) == 0x13
    q.wl(EXECUTED, 5)
    assert q.rl(EXECUTED) == 0


@case
def single_copy(q, p):
    """The 7.3 driver's init and one memcpy, interrupt and handler."""
    p.init()
    assert q.rl(CONTROL) == QSIZE_VAL << 3 and q.rl(INT_EN) == 3
    data = pattern(4096 + 123, 1)
    q.write(SRC, data)
    q.memset(DST, 8192, 0)
    p.clear_msi()
    p.submit(desc(SRC, DST, len(data)))
    p.wait(lambda: p.msi() == 0x100, 'MSI-X message')
    assert q.read(DST, len(data)) == data, 'data differ'
    assert q.read(DST + len(data), 1) == b'\0', 'copied past the end'
    assert q.rl(HEAD) == RING + 32 == q.rl(TAIL)
    assert q.rl(INT_STS) == COMPLETION and q.rl(Q_INT_STATUS) == COMPLETION
    assert q.rl(CONTROL) == QSIZE_VAL << 3 | RUN, 'control %x' % q.rl(CONTROL)
    assert (q.rl(EXECUTED), q.rl(ERRORS), q.rl(IRQS)) == (1, 0, 1)
    assert p.handler() == (COMPLETION, 0)
    p.clear_msi()
    p.quiet()
    assert p.msi() == 0 and q.rl(IRQS) == 1, 'interrupt after the handler'


@case
def batch_one_ioc(q, p):
    """Eight descriptors in flight, only the last asks for an interrupt."""
    n, size = 8, 3000
    data = pattern(n * size, 2)
    q.write(SRC, data)
    q.memset(DST, n * size + 64, 0)
    p.clear_msi()
    irqs = q.rl(IRQS)
    ds = [desc(SRC + i * size, DST + i * size, size,
               dw0=DW0 & ~IOC | (IOC if i == n - 1 else 0)) for i in range(n)]
    p.submit(*ds)
    p.wait(lambda: p.msi() == 0x100, 'MSI-X message')
    assert q.rl(HEAD) == p.tail()
    assert q.read(DST, n * size) == data
    assert q.rl(IRQS) == irqs + 1, 'interrupts %d' % (q.rl(IRQS) - irqs)
    assert p.handler() == (COMPLETION, 0)
    # Without IOC nothing is signalled: software sees progress in head.
    p.clear_msi()
    quiet = desc(SRC, DST, 64, dw0=DW0 & ~IOC)
    p.submit(quiet, quiet)
    p.wait_idle()
    p.quiet()
    assert q.rl(HEAD) == p.tail() and q.rl(INT_STS) == 0 and p.msi() == 0


@case
def ring_wrap(q, p):
    """Descriptors across the end of the ring; then a full ring (31)."""
    while p.qidx != QLEN - 3:                   # move to slot 29
        p.submit(desc(SRC, DST, 8, dw0=DW0 & ~IOC))
    p.wait_idle()
    data = pattern(8 * 512, 3)
    q.write(SRC, data)
    q.memset(DST, len(data), 0)
    p.submit(*[desc(SRC + i * 512, DST + i * 512, 512, dw0=DW0 & ~IOC)
               for i in range(8)])
    assert p.qidx == 5
    p.wait_idle()
    assert q.rl(HEAD) == RING + 5 * 32, 'head %x' % q.rl(HEAD)
    assert q.read(DST, len(data)) == data
    # The most a ring holds: QLEN - 1 (head == tail means empty).
    q.memset(DST, 31 * 64, 0)
    q.wl(CONTROL, p.qcontrol)                   # stop, fill, then run
    p.submit(*[desc(SRC + i * 64, DST + i * 64, 64, dw0=DW0 & ~IOC)
               for i in range(QLEN - 1)], run=False)
    p.quiet()
    assert q.rl(HEAD) == RING + 5 * 32, 'ran while stopped'
    q.wl(CONTROL, p.qcontrol | RUN)
    p.wait_idle()
    assert q.rl(HEAD) == RING + 4 * 32 == p.tail()
    assert q.read(DST, 31 * 64) == data[:31 * 64]
    assert q.rl(INT_STS) == 0


@case
def interrupt_enable(q, p):
    """Polled mode (enable 0), then enabling a pending status sends one."""
    p.clear_msi()
    q.wl(INT_EN, 0)
    irqs = q.rl(IRQS)
    p.submit(desc(SRC, DST, 256))
    p.wait(lambda: q.rl(INT_STS) == COMPLETION, 'completion status')
    p.quiet()
    assert p.msi() == 0 and q.rl(IRQS) == irqs, 'interrupt while disabled'
    q.wl(INT_EN, 3)
    p.wait(lambda: p.msi() == 0x100, 'message on enable')
    # Still pending: a second completion sends nothing until acknowledged.
    p.clear_msi()
    p.submit(desc(SRC, DST, 256))
    p.wait_idle()
    p.quiet()
    assert p.msi() == 0 and q.rl(IRQS) == irqs + 1
    q.wl(INT_STS, COMPLETION)
    p.submit(desc(SRC, DST, 256))
    p.wait(lambda: p.msi() == 0x100, 'message after acknowledge')
    assert q.rl(IRQS) == irqs + 2
    # A masked MSI-X vector holds the message until unmasked.
    p.handler()
    p.clear_msi()
    q.wl(BAR5 + 12, 1)
    p.submit(desc(SRC, DST, 256))
    p.wait_idle()
    p.quiet()
    assert p.msi() == 0 and q.rl(BAR5 + 0x1000) & 1, 'PBA bit'
    q.wl(BAR5 + 12, 0)
    p.wait(lambda: p.msi() == 0x100, 'message on unmask')
    p.handler()


@case
def bad_descriptors(q, p):
    """Unsupported engine/function/memory/reserved bits: error, halt."""
    for code, d in ((0x01, desc(SRC, DST, 64, dw0=0x400012)),
                    (0x03, desc(SRC, DST, 64, dw0=DW0 | 1 << 7)),
                    (0x08, desc(SRC, DST, 64, rsvd=(1, 0))),
                    (0x08, desc(SRC, DST, 64, dw0=DW0 | 1 << 30)),
                    (0x08, desc(SRC, DST, 64, dw5=1 << 31)),
                    (0x0c, desc(SRC, DST, 64, dw3=1 << 16)),
                    (0x0c, desc(SRC, DST, 64, dw5=2 << 16))):
        q.memset(DST, 64, 0)
        q.memset(DST + 64, 64, 0)
        p.clear_msi()
        errors = q.rl(ERRORS)
        failed = p.tail()
        # No IOC anywhere: the error interrupts anyway.
        p.submit(d, desc(SRC, DST + 64, 64, dw0=DW0 & ~IOC))
        p.wait_halt()
        p.wait(lambda: p.msi() == 0x100, 'error interrupt')
        assert q.rl(HEAD) == failed, 'head moved past the failed one'
        assert q.rl(Q_STATUS) == code, 'status %x, want %x' % (
            q.rl(Q_STATUS), code)
        assert q.rl(ERRORS) == errors + 1
        assert q.read(DST + 64, 64) == bytes(64), 'ran past the failure'
        # Neither a doorbell nor RUN restarts it before the acknowledge.
        q.wl(TAIL, p.tail())
        q.wl(CONTROL, p.qcontrol | RUN)
        p.quiet()
        assert q.rl(HEAD) == failed and q.rl(CONTROL) & HALT
        assert q.rl(ERRORS) == errors + 1, 'failed twice'
        assert p.handler() == (ERROR, code)
        # The driver flushes (head = tail) and goes on with the next one.
        p.flush()
        p.clear_msi()
        p.submit(desc(SRC, DST, 64))
        p.wait(lambda: p.msi() == 0x100, 'completion after the flush')
        assert not q.rl(CONTROL) & HALT and p.handler() == (COMPLETION, code)
        assert q.read(DST, 64) == q.read(SRC, 64)


@case
def restart_at_failed(q, p):
    """Without a flush, RUN resumes at the failed descriptor (head)."""
    q.wl(FAIL_CODE, 0x13)
    q.wl(FAIL_NTH, 1)
    q.memset(DST, 128, 0)
    failed = p.tail()
    p.submit(desc(SRC, DST, 64, dw0=DW0 & ~IOC), desc(SRC + 64, DST + 64, 64))
    p.wait_halt()
    assert q.rl(HEAD) == failed and q.read(DST, 128) == bytes(128)
    assert p.handler() == (ERROR, 0x13)
    q.wl(CONTROL, p.qcontrol | RUN)
    p.wait_idle()
    assert q.read(DST, 128) == q.read(SRC, 128)
    assert p.handler() == (COMPLETION, 0x13)


@case
def dma_errors(q, p):
    """A source beyond RAM, a destination beyond RAM, an unreadable ring."""
    for code, d in ((0x13, desc(0x3f000000, DST, 4096)),
                    (0x26, desc(SRC, 0x3f000000, 4096)),
                    (0x13, desc(0x1000000000, DST, 64))):
        p.submit(d)
        p.wait_halt()
        assert q.rl(Q_STATUS) == code, 'status %x' % q.rl(Q_STATUS)
        assert p.handler()[0] == ERROR
        p.flush()
    # A destination that runs off the end of RAM part way (4 GiB - 1).
    q.memset(DST, 64, 0)
    p.submit(desc(SRC, DST, 0xffffffff))
    p.wait_halt()
    assert q.rl(Q_STATUS) == 0x26 and q.read(DST, 64) == q.read(SRC, 64)
    p.handler()
    p.flush()
    # The ring itself not readable: head in a hole (address bits 47:32).
    p.submit(desc(SRC, DST, 64), run=False)     # halted: waits
    q.wl(CONTROL, p.qcontrol | 0x10 << 16 | RUN)
    p.wait_halt()
    assert q.rl(Q_STATUS) == 0x0b, 'status %x' % q.rl(Q_STATUS)
    assert q.rl(HEAD) == p.tail() - 32
    assert p.handler()[0] == ERROR
    p.flush()
    # A tail outside the ring that holds head.
    q.wl(CONTROL, p.qcontrol | RUN)
    q.wl(TAIL, RING + 0x2000)
    p.wait_halt()
    assert q.rl(Q_STATUS) == 0x0b and q.rl(HEAD) == p.tail()
    assert p.handler()[0] == ERROR
    q.wl(TAIL, p.tail())
    q.wl(CONTROL, p.qcontrol | RUN)


@case
def large_copy(q, p):
    """40 MiB: several bottom-half runs; markers every 64 KiB."""
    n = 40 << 20
    q.memset(SRC, n, 0x5a)
    q.memset(DST, n + 4096, 0)
    for off in range(0, n, 1 << 16):
        q.wq(SRC + off + 8, 0x1000000000000 + off)
    q.wq(SRC + n - 8, 0xfeedf00d)
    executed = q.rl(EXECUTED)
    p.submit(desc(SRC, DST, n))
    p.wait(lambda: q.rl(INT_STS) & COMPLETION, 'large copy', 120)
    for off in range(0, n, 1 << 16):
        assert q.rq(DST + off + 8) == 0x1000000000000 + off, 'marker %x' % off
    assert q.rq(DST + n - 8) == 0xfeedf00d
    assert q.rq(DST + n) == 0, 'copied past the end'
    assert q.rl(EXECUTED) == executed + 1
    p.handler()


@case
def fail_injection(q, p):
    q.wl(FAIL_CODE, 0x09)
    q.wl(FAIL_NTH, 2)
    data = pattern(256, 4)
    q.write(SRC, data)
    q.memset(DST, 512, 0)
    failed = p.tail() + 32
    errors = q.rl(ERRORS)
    p.submit(desc(SRC, DST, 256, dw0=DW0 & ~IOC), desc(SRC, DST + 256, 256),
             desc(SRC, DST + 256, 256))
    p.wait_halt()
    assert q.rl(HEAD) == failed
    assert q.read(DST, 256) == data
    assert q.read(DST + 256, 256) == bytes(256), 'failed copy wrote'
    assert q.rl(FAIL_NTH) == 0, 'DBG_FAIL_NTH not spent'
    assert q.rl(ERRORS) == errors + 1
    assert p.handler() == (ERROR, 0x09)
    p.flush()
    q.wl(FAIL_CODE, 0x13)


@case
def stall(q, p):
    data = pattern(128, 5)
    q.write(SRC, data)
    # Released by the debug register.
    q.wl(STALL_NTH, 1)
    q.memset(DST, 128, 0)
    stalled = p.tail()
    p.submit(desc(SRC, DST, 128))
    p.wait(lambda: q.rl(RELEASE) == 1, 'stall')
    q.wl(TAIL, p.tail())                        # nothing helps but a release
    q.wl(CONTROL, p.qcontrol | RUN)
    p.quiet(0.1)
    assert q.rl(HEAD) == stalled and q.read(DST, 128) == bytes(128)
    assert q.rl(INT_STS) == 0 and not q.rl(CONTROL) & HALT
    q.wl(RELEASE, 1)
    p.wait_idle()
    assert q.rl(RELEASE) == 0 and q.read(DST, 128) == data
    p.handler()
    # Released by a queue stop: it runs when the queue runs again.
    q.wl(STALL_NTH, 1)
    q.memset(DST, 128, 0)
    p.submit(desc(SRC, DST, 128))
    p.wait(lambda: q.rl(RELEASE) == 1, 'stall')
    q.wl(CONTROL, p.qcontrol)
    assert q.rl(RELEASE) == 0
    p.quiet()
    assert q.read(DST, 128) == bytes(128), 'ran while stopped'
    q.wl(CONTROL, p.qcontrol | RUN)
    p.wait_idle()
    assert q.read(DST, 128) == data
    p.handler()


@case
def drop_irq(q, p):
    q.wl(DROP_IRQ, 1)
    p.clear_msi()
    irqs = q.rl(IRQS)
    p.submit(desc(SRC, DST, 64))
    p.wait_idle()
    p.quiet()
    assert p.msi() == 0, 'dropped interrupt was sent'
    assert q.rl(INT_STS) == COMPLETION and q.rl(IRQS) == irqs
    assert q.rl(DROP_IRQ) == 0
    # The status stays set: polling (the driver's tx_status) finds it.
    assert p.handler()[0] == COMPLETION
    p.submit(desc(SRC, DST, 64))
    p.wait(lambda: p.msi() == 0x100, 'second interrupt')
    assert q.rl(IRQS) == irqs + 1
    p.handler()


@case
def stop_on_completion(q, p):
    """SOC: the queue halts after the descriptor, without an error."""
    q.memset(DST, 128, 0)
    # The doorbell alone (RUN is set): a CONTROL write would end the halt.
    assert q.rl(CONTROL) & RUN
    p.submit(desc(SRC, DST, 64, dw0=DW0 | SOC), desc(SRC + 64, DST + 64, 64),
             run=False)
    p.wait_halt()
    assert q.rl(HEAD) == p.tail() - 32
    assert q.read(DST + 64, 64) == bytes(64)
    assert p.handler()[0] == COMPLETION
    q.wl(CONTROL, p.qcontrol | RUN)
    p.wait_idle()
    assert q.read(DST, 128) == q.read(SRC, 128)
    p.handler()


def main():
    qemu = sys.argv[1]
    log = sys.argv[2] if len(sys.argv) > 2 else '/dev/null'
    q = QTest(qemu, 'amd-ptdma', log)
    p = Pt(q)
    passed, failed = run_cases(CASES, q, p, 'ptdma-model')
    try:
        q.close()
    except Exception:
        q.p.kill()

    # MSI only (the driver's fallback when MSI-X cannot be enabled).
    q = QTest(qemu, 'amd-ptdma,msix=off', log)
    try:
        p = Pt(q)
        assert 0x11 not in q.caps(), 'MSI-X offered'
        p.setup_pci(msix=False)
        p.init()
        q.write(SRC, pattern(64, 6))
        p.submit(desc(SRC, DST, 64))
        p.wait(lambda: p.msi() == 0x200, 'MSI message')
        assert q.read(DST, 64) == pattern(64, 6)
        print('PASS ptdma-model/msi')
        passed += 1
    except Exception as e:
        print('FAIL ptdma-model/msi: %s: %s' % (type(e).__name__, e))
        failed += 1
    q.close()

    # Properties: the debug registers start from them.
    q = QTest(qemu, 'amd-ptdma,fail-nth=7,fail-code=0x26,stall-nth=5,'
              'drop-irq-nth=6', '/dev/null')
    try:
        Pt(q).setup_pci()
        got = [q.rl(DBG + o) for o in (0, 4, 8, 0xc)]
        assert got == [7, 0x26, 5, 6], got
        print('PASS ptdma-model/properties')
        passed += 1
    except Exception as e:
        print('FAIL ptdma-model/properties: %s: %s' % (type(e).__name__, e))
        failed += 1
    q.close()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
