#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sdxi-test.py QEMU [LOG]: drive the SDXi device model through QEMU's qtest
protocol, without a guest kernel, and check it against
harness/qemu/sdxi-model.md: registers, function and context state
machines, admin ring, COPY/NOP/INTR, completion blocks, the error log
with its interrupt, and the fault-injection registers.

The test plays the driver: it writes the tables into guest RAM, programs
BARs and MSI-X through config space (MSI-X messages are aimed at guest
RAM, so an interrupt shows up as a word written there), rings doorbells
and polls. Prints one line per case and "N passed, N failed" last; exit
status 0 only if every case passed. LOG receives the model's
LOG_GUEST_ERROR lines (many are expected: the test makes mistakes on
purpose).
"""
import struct
import sys
import time

from qtest import QTest, pattern, run_cases

# Guest physical layout of the test's structures (RAM starts at 0).
L2 = 0x100000
L1 = 0x101000
CTL = 0x102000          # CXT_CTL of context c at CTL + 64 * c
STS = 0x103000          # CXT_STS of context c at STS + 16 * c
WI = 0x103800           # write index of context c at WI + 8 * c
AKEY = 0x104000
ERRLOG = 0x105000
CSB = 0x106000          # completion block n at CSB + 32 * n
MSI = 0x107000          # vector v writes its data at MSI + 4 * v
RING = 0x110000         # ring of context c at RING + 0x10000 * c
SRC = 0x1000000
DST = 0x5000000
RING_SZ = 64

BAR0 = 0xe0000000
BAR2 = 0xe0100000
BAR4 = 0xe0200000
DBG = BAR0 + 0x30000

# Opcodes: type << 16 | subtype << 8 | vl.
NOP = 0x001 << 16 | 0x01 << 8 | 1
COPY = 0x001 << 16 | 0x03 << 8 | 1
START = 0x002 << 16 | 0x03 << 8 | 1
STOP = 0x002 << 16 | 0x04 << 8 | 1
SYNC = 0x002 << 16 | 0x06 << 8 | 1
INTR = 0x004 << 16 | 0x00 << 8 | 1


def desc(opcode, body=b'', csb=None):
    """A 64-byte descriptor: opcode, bytes 4..55 from body, csb_ptr."""
    body = body.ljust(52, b'\0')
    csb_ptr = 1 if csb is None else CSB + 32 * csb
    return struct.pack('<I52sQ', opcode, body, csb_ptr)


def copy_body(size, src, dst, akey0=0, akey1=0, attr=0):
    return struct.pack('<IB3xHHQQ', size - 1, attr, akey0, akey1, src, dst)


def range_body(first, last, pre=b'\0\0\0\0'):
    return pre + struct.pack('<HH', first, last)


class Sdxi:
    """The test's driver: one function, contexts 0 (admin) and 1, 2."""

    def __init__(self, q):
        self.q = q
        self.wi = {}

    def setup_pci(self):
        q = self.q
        for bar, addr in ((0x10, BAR0), (0x18, BAR2), (0x20, BAR4)):
            q.cfg_wl(bar, addr)
            q.cfg_wl(bar + 4, 0)
        q.cfg_wl(0x04, 0x6)             # memory space + bus master
        cap = q.cfg_rl(0x34) & 0xff
        while cap:
            hdr = q.cfg_rl(cap)
            if hdr & 0xff == 0x11:
                break
            cap = (hdr >> 8) & 0xff
        assert cap, 'no MSI-X capability'
        ctrl = q.cfg_rl(cap)
        q.cfg_wl(cap, ctrl | 1 << 31)   # MSI-X enable (bit 15 of control)
        table = q.cfg_rl(cap + 4)
        assert table & 7 == 4 and table & ~7 == 0, 'MSI-X table not at BAR4+0'
        for v in range((ctrl >> 16 & 0x7ff) + 1):
            e = BAR4 + 16 * v
            q.wl(e, MSI + 4 * v)
            q.wl(e + 4, 0)
            q.wl(e + 8, 0x100 + v)
            q.wl(e + 12, 0)             # unmasked

    def msi(self, v):
        return self.q.rl(MSI + 4 * v)

    def clear_msi(self):
        self.q.memset(MSI, 64, 0)

    def setup_cxt(self, c, opb=0x7, ring_sz=RING_SZ, ctl_extra=None,
                  read_index=0):
        q = self.q
        q.wq(L2 + 8 * (c >> 7), L1 | 1)
        q.write(L1 + 32 * (c & 127),
                struct.pack('<QQII8x', CTL + 64 * c | 1, AKEY, 0, opb))
        ctl = struct.pack('<QI4xQQ32x', RING + 0x10000 * c | 1, ring_sz,
                          STS + 16 * c, WI + 8 * c)
        if ctl_extra:
            ctl = ctl_extra(ctl)
        q.write(CTL + 64 * c, ctl)
        q.write(STS + 16 * c, struct.pack('<QQ', 0, read_index))
        q.wq(WI + 8 * c, read_index)
        self.wi[c] = read_index

    def setup_function(self):
        q = self.q
        q.memset(L2, 0x8000, 0)
        q.memset(ERRLOG, 4096, 0)
        self.clear_msi()
        # AKey 0: valid, vector 1; AKey 1: valid, no interrupt; 2: invalid.
        q.write(AKEY, struct.pack('<HHI4xI', 1 | 2 | 1 << 4, 0, 0, 0) +
                struct.pack('<HHI4xI', 1, 0, 0, 0) + bytes(16))
        self.setup_cxt(0, opb=0x7)
        q.wq(BAR0 + 0x10000, L2)                # CXT_L2
        q.wq(BAR0 + 0x20010, ERRLOG | 1)        # ERR_CFG: en, 1 unit
        q.wq(BAR0 + 0x20000, 1)                 # ERR_CTL.en
        q.wq(BAR0 + 0x00000, 3 | 1 << 4)        # active, err_intr_en

    def cxt_state(self, c):
        return self.q.read(STS + 16 * c, 1)[0] & 0xf

    def read_index(self, c):
        return self.q.rq(STS + 16 * c + 8)

    def csb(self, n, signal=1):
        self.q.write(CSB + 32 * n, struct.pack('<QI20x', signal, 0))

    def csb_get(self, n):
        return struct.unpack('<QI', self.q.read(CSB + 32 * n, 12))

    def submit(self, c, *descs, ring=True):
        for d in descs:
            slot = self.wi[c] % RING_SZ
            self.q.write(RING + 0x10000 * c + 64 * slot, d)
            self.wi[c] += 1
        self.q.wq(WI + 8 * c, self.wi[c])
        if ring:
            self.q.wq(BAR2 + 4096 * c, self.wi[c])

    def wait(self, cond, what, timeout=30.0):
        end = time.time() + timeout
        while time.time() < end:
            if cond():
                return
            time.sleep(0.002)
        raise AssertionError('timed out waiting for ' + what)

    def wait_index(self, c, index, timeout=30.0):
        self.wait(lambda: self.read_index(c) >= index,
                  'context %d read index %d (at %d, state %x)' %
                  (c, index, self.read_index(c), self.cxt_state(c)), timeout)

    def admin(self, *descs):
        self.submit(0, *descs)
        self.wait_index(0, self.wi[0])

    def start(self, c, csb=20):
        self.csb(csb)
        self.admin(desc(START, range_body(c, c), csb))
        return self.csb_get(csb)

    def stop(self, c, csb=21):
        self.csb(csb)
        self.admin(desc(STOP, range_body(c, c), csb))
        return self.csb_get(csb)

    def errlog(self, i):
        e = self.q.read(ERRLOG + 64 * (i % 64), 64)
        op, misc0, cxt, index = struct.unpack_from('<IHHQ', e)
        cls, = struct.unpack_from('<H', e, 48)
        return dict(vl=op & 1, step=op >> 8 & 0x3f, type=op >> 16 & 0x7ff,
                    cv=misc0 & 1, div=misc0 >> 1 & 1,
                    reaction=misc0 >> 12 & 7, cxt=cxt, index=index, cls=cls)

    def err_wrt(self):
        return self.q.rq(BAR0 + 0x20020)

    def ack_errors(self):
        self.q.wq(BAR0 + 0x20028, self.err_wrt())
        self.q.wq(BAR0 + 0x20008, 0xb)


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def identity(q, s):
    ids = q.cfg_rl(0x00)
    assert ids == 0x01201b36, 'ids %08x' % ids
    cls = q.cfg_rl(0x08) >> 8
    assert cls == 0x120100, 'class %06x' % cls
    for bar, flags in ((0x10, 0x4), (0x18, 0x4), (0x20, 0x4)):
        q.cfg_wl(bar, 0xffffffff)
        v = q.cfg_rl(bar)
        assert v & 0x7 == flags, 'BAR at 0x%x not 64-bit memory: %x' % (bar, v)
    q.cfg_wl(0x10, 0xffffffff)
    size0 = (~q.cfg_rl(0x10) & 0xffffffff) + 0x10 & ~0xf
    assert size0 == 256 * 1024, 'BAR0 size %x' % size0
    s.setup_pci()
    cap0, cap1, ver = q.rq(BAR0 + 0x200), q.rq(BAR0 + 0x208), q.rq(BAR0 + 0x210)
    assert cap0 == 2 << 24, 'CAP0 %x' % cap0
    assert cap1 == (10 | 1 << 6 | 8 << 16 | 7 << 32), 'CAP1 %x' % cap1
    assert ver == 1 << 16, 'VER %x' % ver
    assert q.rq(BAR0 + 0x100) == 0, 'STS0 not stopped at reset'
    # 32-bit halves of a 64-bit register, reserved bits dropped.
    q.wl(BAR0 + 0x10104, 0x12345678)
    q.wl(BAR0 + 0x10100, 0x9abcdfff)
    v = q.rq(BAR0 + 0x10100)                    # RKEY
    assert v == 0x123456789abcd01f, 'RKEY %x' % v
    q.wq(BAR0 + 0x10100, 0)


@case
def activate(q, s):
    s.setup_function()
    assert q.rq(BAR0 + 0x100) == 2, 'STS0 %d' % q.rq(BAR0 + 0x100)
    assert s.cxt_state(0) == 1, 'admin context not running'
    s.setup_cxt(1)
    assert s.start(1) == (0, 0), 'CXT_START CSB'
    assert s.cxt_state(1) == 1, 'context 1 not running'


@case
def copy_small(q, s):
    data = pattern(4096 + 123, 1)
    q.write(SRC, data)
    q.memset(DST, 8192, 0)
    s.csb(0, signal=2)
    s.submit(1, desc(NOP, csb=None), desc(COPY, copy_body(len(data), SRC, DST), 0))
    s.wait_index(1, s.wi[1])
    assert q.read(DST, len(data)) == data, 'data differ'
    assert q.read(DST + len(data), 1) == b'\0', 'copied past the end'
    assert s.csb_get(0) == (1, 0), 'CSB %r' % (s.csb_get(0),)


@case
def copy_large(q, s):
    """40 MiB: several bottom halves; markers every 64 KiB."""
    n = 40 << 20
    q.memset(SRC, n, 0x5a)
    q.memset(DST, n + 4096, 0)
    for off in range(0, n, 1 << 16):
        q.wq(SRC + off + 8, 0x1000000000000 + off)
    q.wq(SRC + n - 8, 0xfeedf00d)
    s.csb(1)
    before = q.rq(DBG + 0x20)
    s.submit(1, desc(COPY, copy_body(n, SRC, DST), 1))
    s.wait(lambda: s.csb_get(1)[0] == 0, 'large copy', 120)
    for off in range(0, n, 1 << 16):
        assert q.rq(DST + off + 8) == 0x1000000000000 + off, 'marker %x' % off
        assert q.rl(DST + off + 0x100) == 0x5a5a5a5a
    assert q.rq(DST + n - 8) == 0xfeedf00d
    assert q.rq(DST + n) == 0, 'copied past the end'
    assert s.read_index(1) == s.wi[1]
    assert q.rq(DBG + 0x20) == before + 1, 'DBG_EXECUTED'


@case
def interrupt(q, s):
    s.clear_msi()
    s.csb(2)
    s.submit(1, desc(INTR, struct.pack('<8xH', 0), 2))
    s.wait(lambda: s.msi(1) == 0x101, 'MSI-X vector 1')
    assert s.csb_get(2) == (0, 0)
    assert s.msi(0) == 0, 'error vector fired'


@case
def invalid_descriptor(q, s):
    s.clear_msi()
    s.csb(3)
    w0 = s.err_wrt()
    bad = bytearray(desc(NOP, csb=3))
    bad[40] = 1                                 # reserved byte
    s.submit(1, bytes(bad), desc(NOP))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'context error state')
    assert s.csb_get(3) == (0, 1 << 31), 'CSB %r' % (s.csb_get(3),)
    assert s.err_wrt() == w0 + 1, 'ERR_WRT'
    e = s.errlog(w0)
    assert e['vl'] and e['cls'] == 1 and e['cv'] and e['div'], e
    assert e['cxt'] == 1 and e['index'] == s.wi[1] - 2, e
    assert e['reaction'] == 1 and e['type'] == 1 and e['step'] == 2, e
    assert q.rq(BAR0 + 0x20008) & 1, 'ERR_STS.sts'
    assert s.msi(0) == 0x100, 'error vector 0 not raised'
    # The failed one is consumed; the next one waits for a restart.
    assert s.read_index(1) == s.wi[1] - 1
    s.ack_errors()
    assert q.rq(BAR0 + 0x20008) == 0, 'ERR_STS W1C'
    # Doorbells of a context in error are ignored; stop, start, go on.
    q.wq(BAR2 + 4096, s.wi[1])
    time.sleep(0.05)
    assert s.read_index(1) == s.wi[1] - 1
    assert s.stop(1) == (0, 0) and s.cxt_state(1) == 0
    assert s.start(1) == (0, 0) and s.cxt_state(1) == 1
    s.wait_index(1, s.wi[1])


@case
def bad_akey_and_group(q, s):
    for body, opb in ((copy_body(64, SRC, DST, akey1=2), 0x7),
                      (struct.pack('<8xH', 1), 0x7),      # INTR, no iv
                      (struct.pack('<8xH', 0), 0x1)):     # INTR not enabled
        s.stop(1)
        s.setup_cxt(1, opb=opb, read_index=s.wi[1])
        s.start(1)
        w0 = s.err_wrt()
        op = COPY if len(body) > 12 else INTR
        s.submit(1, desc(op, body))
        s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
        e = s.errlog(w0)
        assert e['cls'] == 1 and e['cxt'] == 1, e
        s.ack_errors()
    s.stop(1)
    s.setup_cxt(1, read_index=s.wi[1])
    s.start(1)


@case
def ring_overflow(q, s):
    w0 = s.err_wrt()
    q.wq(WI + 8, s.wi[1] + RING_SZ + 1)
    q.wq(BAR2 + 4096, 0)
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
    e = s.errlog(w0)
    assert e['cls'] == 3 and e['cxt'] == 1 and not e['div'], e
    s.ack_errors()
    s.stop(1)
    q.wq(WI + 8, s.wi[1])
    s.start(1)


@case
def fail_injection(q, s):
    q.wq(DBG + 0x08, 0x0102)
    q.wq(DBG + 0x00, 2)
    data = pattern(256, 2)
    q.write(SRC, data)
    q.memset(DST, 512, 0)
    s.csb(4)
    s.csb(5)
    w0 = s.err_wrt()
    s.submit(1, desc(COPY, copy_body(256, SRC, DST), 4),
             desc(COPY, copy_body(256, SRC, DST + 256), 5))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
    assert s.csb_get(4) == (0, 0) and s.csb_get(5) == (0, 1 << 31)
    assert q.read(DST, 256) == data
    assert q.read(DST + 256, 256) == bytes(256), 'failed copy wrote'
    e = s.errlog(w0)
    assert e['cls'] == 0x102 and e['index'] == s.wi[1] - 1, e
    assert q.rq(DBG + 0x00) == 0, 'DBG_FAIL_NTH not spent'
    s.ack_errors()
    s.stop(1)
    s.start(1)
    q.wq(DBG + 0x08, 0x0101)


@case
def real_dma_errors(q, s):
    """A source beyond RAM and a destination running off its end."""
    w0 = s.err_wrt()
    s.submit(1, desc(COPY, copy_body(4096, 0x3f000000, DST)))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
    assert s.errlog(w0)['cls'] == 0x101
    s.ack_errors()
    s.stop(1)
    s.start(1)
    # 4 GiB - 1 size field: runs off the end of RAM part way through.
    s.submit(1, desc(COPY, copy_body(1 << 32, SRC, DST)))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state', 120)
    assert s.errlog(w0 + 1)['cls'] == 0x102
    s.ack_errors()
    s.stop(1)
    s.start(1)


@case
def stall(q, s):
    q.wq(DBG + 0x10, 1)
    data = pattern(128, 3)
    q.write(SRC, data)
    q.memset(DST, 128, 0)
    s.csb(6)
    s.submit(1, desc(COPY, copy_body(128, SRC, DST), 6))
    time.sleep(0.1)
    q.wq(BAR2 + 4096, s.wi[1])                  # ringing again changes nothing
    time.sleep(0.1)
    assert s.cxt_state(1) == 1 and s.read_index(1) == s.wi[1] - 1
    assert s.csb_get(6) == (1, 0) and q.read(DST, 128) == bytes(128)
    # SYNC does not wait for a stalled (never started) descriptor.
    s.csb(7)
    s.admin(desc(SYNC, range_body(1, 1), 7))
    assert s.csb_get(7) == (0, 0)
    s.stop(1)
    assert s.cxt_state(1) == 0
    s.start(1)                                  # resumes at the stalled one
    s.wait_index(1, s.wi[1])
    assert s.csb_get(6) == (0, 0) and q.read(DST, 128) == data


@case
def drop_irq(q, s):
    q.wq(DBG + 0x18, 1)
    s.clear_msi()
    s.submit(1, desc(INTR, struct.pack('<8xH', 0)))
    s.wait_index(1, s.wi[1])
    time.sleep(0.05)
    assert s.msi(1) == 0, 'dropped interrupt was sent'
    s.submit(1, desc(INTR, struct.pack('<8xH', 0)))
    s.wait(lambda: s.msi(1) == 0x101, 'second interrupt')


@case
def admin_errors(q, s):
    # Starting a running context: logged against it, admin goes on.
    w0 = s.err_wrt()
    csb = s.start(1)
    assert csb == (0, 1 << 31), 'CSB %r' % (csb,)
    e = s.errlog(w0)
    assert e['cls'] == 2 and e['cxt'] == 1 and e['reaction'] == 0, e
    assert s.cxt_state(0) == 1 and s.cxt_state(1) == 1
    # A context with a bad ring size stays stopped.
    s.setup_cxt(2, ring_sz=100)
    csb = s.start(2)
    assert csb == (0, 1 << 31) and s.errlog(w0 + 1)['cxt'] == 2
    assert s.cxt_state(2) == 0
    s.ack_errors()
    # A range past the last context is an invalid descriptor: admin dies.
    s.csb(22)
    s.submit(0, desc(STOP, range_body(1, 9), 22))
    s.wait(lambda: s.cxt_state(0) == 0xf, 'admin error state')
    assert s.errlog(w0 + 2)['cls'] == 1
    s.ack_errors()


@case
def function_reset(q, s):
    q.wq(BAR0, 0)                               # reset
    assert q.rq(BAR0 + 0x100) == 0
    assert s.err_wrt() == 0 and q.rq(BAR0 + 0x20008) == 0
    assert q.rq(DBG + 0x20) == 0, 'DBG_EXECUTED not reset'
    # Bad admin L1 entry: activation fails, function error.
    q.wq(L1, 0)
    q.wq(BAR0, 3 | 1 << 4)
    assert q.rq(BAR0 + 0x100) == 5, 'STS0 %d' % q.rq(BAR0 + 0x100)
    e = s.errlog(0)
    assert e['cls'] == 2 and e['reaction'] == 2 and e['cxt'] == 0, e
    q.wq(BAR0, 0)
    s.setup_function()
    assert q.rq(BAR0 + 0x100) == 2
    s.setup_cxt(1)
    s.start(1)
    s.submit(1, desc(NOP))
    s.wait_index(1, s.wi[1])
    # Stop: running contexts end "stopped by function".
    q.wq(BAR0, 1 | 1 << 4)
    assert q.rq(BAR0 + 0x100) == 0 and s.cxt_state(1) == 4


@case
def errlog_overflow(q, s):
    q.wq(BAR0, 0)
    s.setup_function()
    for i in range(65):
        s.setup_cxt(1, read_index=0)
        s.start(1)
        s.submit(1, desc(0x001 << 16 | 0x7f << 8 | 1))
        s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
        s.stop(1)
    sts = q.rq(BAR0 + 0x20008)
    assert s.err_wrt() == 64 and sts & 3 == 3, 'wrt %d sts %x' % (s.err_wrt(), sts)


def main():
    qemu = sys.argv[1]
    log = sys.argv[2] if len(sys.argv) > 2 else '/dev/null'
    q = QTest(qemu, 'sdxi', log)
    s = Sdxi(q)
    passed, failed = run_cases(CASES, q, s, 'sdxi-model')
    try:
        q.close()
    except Exception:
        q.p.kill()
    # Properties: the debug registers start from them.
    q = QTest(qemu, 'sdxi,cxts=3,vectors=4,fail-nth=7,fail-class=0x102,'
              'stall-nth=5,drop-irq-nth=6', '/dev/null')
    try:
        s = Sdxi(q)
        s.setup_pci()
        got = [q.rq(DBG + o) for o in (0, 8, 0x10, 0x18)]
        assert got == [7, 0x102, 5, 6], got
        assert q.rq(BAR0 + 0x208) >> 16 & 0xffff == 2
        print('PASS sdxi-model/properties')
        passed += 1
    except Exception as e:
        print('FAIL sdxi-model/properties: %s' % e)
        failed += 1
    q.close()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
