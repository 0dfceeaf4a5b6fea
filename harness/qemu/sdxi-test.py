#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sdxi-test.py QEMU [LOG]: drive the SDXi device model through QEMU's qtest
protocol, without a guest kernel, and check it against the rules of
harness/qemu/sdxi-model.md, independently of any driver: activation,
function and context state machines, ring minimum, read index at fetch,
descriptors not yet valid, fences, COPY/NOP/INTR, completion blocks, stop
semantics, the error log layout with its interrupt, the fault-injection
registers, and the adversary (out-of-order and late completions, copies
running on after CXT_STOP) under several seeds.

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

from qtest import QTest, pattern, run_cases, wait_for

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
RING_SZ = 1024          # Table 3-1 minimum; rings are 64 KiB apart
MAXBUF = 11 << 20       # L1 misc0 max_buffer 11: 4 GiB
CTL2 = 11 | 8 << 16 | 7 << 32   # max_buffer, max_cxt 8, groups 0x7

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


def fence(d):
    """The same descriptor with fe (bit 2 of the opcode) set."""
    return struct.pack('<I', struct.unpack_from('<I', d)[0] | 4) + d[4:]


def copy_body(size, src, dst, akey0=0, akey1=0, attr=0):
    return struct.pack('<IB3xHHQQ', size - 1, attr, akey0, akey1, src, dst)


def range_body(first, last, pre=b'\0\0\0\0'):
    return pre + struct.pack('<HH', first, last)


def sync_body(first, last, flt):
    return bytes([flt, 0, 0, 0]) + struct.pack('<HH', first, last)


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
                  read_index=0, misc0=MAXBUF):
        q = self.q
        q.wq(L2 + 8 * (c >> 7), L1 | 1)
        q.write(L1 + 32 * (c & 127),
                struct.pack('<QQII8x', CTL + 64 * c | 1, AKEY, misc0, opb))
        ctl = struct.pack('<QI4xQQ32x', RING + 0x10000 * c | 1, ring_sz,
                          STS + 16 * c, WI + 8 * c)
        if ctl_extra:
            ctl = ctl_extra(ctl)
        q.write(CTL + 64 * c, ctl)
        q.write(STS + 16 * c, struct.pack('<QQ', 0, read_index))
        q.wq(WI + 8 * c, read_index)
        self.wi[c] = read_index

    def setup_function(self, opb=0x7, ctl2=CTL2, jump=True):
        """The activation procedure (4.1.8): CTL2, tables, admin context
        marked RUN by software, error log, active, jump start."""
        q = self.q
        q.memset(L2, 0x8000, 0)
        q.memset(ERRLOG, 4096, 0)
        self.clear_msi()
        # AKey 0: valid, vector 1; AKey 1: valid, no interrupt; 2: invalid.
        q.write(AKEY, struct.pack('<HHI4xI', 1 | 2 | 1 << 4, 0, 0, 0) +
                struct.pack('<HHI4xI', 1, 0, 0, 0) + bytes(16))
        if ctl2 is not None:
            q.wq(BAR0 + 0x10, ctl2)
        self.setup_cxt(0, opb=opb)
        q.wb(STS, 1)                            # admin state RUN, by software
        q.wq(BAR0 + 0x10000, L2)                # CXT_L2
        q.wq(BAR0 + 0x20010, 0)                 # ERR_CFG off
        q.wq(BAR0 + 0x20020, 0)                 # ERR_WRT, ERR_RD zero
        q.wq(BAR0 + 0x20028, 0)
        q.wq(BAR0 + 0x20010, ERRLOG | 1 << 1 | 1)   # ERR_CFG: 1 unit, en
        q.wq(BAR0 + 0x20000, 1)                 # ERR_CTL.en
        q.wq(BAR0 + 0x00000, 3 | 1 << 4)        # active, err_intr_en
        if jump:
            q.wq(BAR2, 0)                       # jump start: doorbell 0

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

    def step(self, ns=200000):
        """qtest's virtual clock moves only when told: the model's timers
        (late completions, re-polls, drains) need it to."""
        self.q.cmd('clock_step %d' % ns)

    def wait(self, cond, what, timeout=30.0):
        def poll():
            self.step()
            time.sleep(0.001)
        wait_for(cond, what, timeout, poll)

    def wait_index(self, c, index, timeout=30.0):
        self.wait(lambda: self.read_index(c) >= index,
                  lambda: 'context %d read index %d (at %d, state %x)' %
                  (c, index, self.read_index(c), self.cxt_state(c)), timeout)

    def admin(self, *descs):
        self.submit(0, *descs)
        self.wait_index(0, self.wi[0])

    def start(self, c, csb=20):
        self.csb(csb)
        self.admin(fence(desc(START, range_body(c, c), csb)))
        self.wait(lambda: self.csb_get(csb)[0] == 0, 'CXT_START')
        return self.csb_get(csb)

    def stop(self, c, csb=21):
        """CXT_STOP, then SYNC(STOP) carrying the CSB: stopped after it."""
        self.csb(csb)
        self.admin(fence(desc(STOP, range_body(c, c))),
                   fence(desc(SYNC, sync_body(c, c, 1), csb)))
        self.wait(lambda: self.csb_get(csb)[0] == 0, 'SYNC(STOP)')
        return self.csb_get(csb)

    def errlog(self, i):
        """Entry i by the spec's bit positions: vl [0], step [13:8], type
        [26:16], cv [32], div [33], bv [34], buf [38:36], sub_step
        [43:40], re [46:44], cxt_num [63:48], dsc_index [127:64],
        err_class at byte 44; vendor bytes 48-63 (the model: type)."""
        e = self.q.read(ERRLOG + 64 * (i % 64), 64)
        op, dw1, index = struct.unpack_from('<IIQ', e)
        cls, = struct.unpack_from('<H', e, 44)
        dtype, = struct.unpack_from('<H', e, 48)
        assert e[16:44] == bytes(28) and e[46:48] == bytes(2), 'reserved set'
        return dict(vl=op & 1, step=op >> 8 & 0x3f, etype=op >> 16 & 0x7ff,
                    cv=dw1 & 1, div=dw1 >> 1 & 1, bv=dw1 >> 2 & 1,
                    buf=dw1 >> 4 & 7, sub=dw1 >> 8 & 0xf,
                    reaction=dw1 >> 12 & 7, cxt=dw1 >> 16, index=index,
                    cls=cls, type=dtype)

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
    # max_buffer 11: 2^(11+21) = 4 GiB
    assert cap1 == (11 | 1 << 6 | 8 << 16 | 7 << 32), 'CAP1 %x' % cap1
    assert ver == 1 << 16, 'VER %x' % ver
    assert q.rq(BAR0 + 0x100) == 0, 'STS0 not stopped at reset'
    # 32-bit halves of a 64-bit register, reserved bits dropped.
    q.wl(BAR0 + 0x10104, 0x12345678)
    q.wl(BAR0 + 0x10100, 0x9abcdfff)
    v = q.rq(BAR0 + 0x10100)                    # RKEY
    assert v == 0x123456789abcd01f, 'RKEY %x' % v
    q.wq(BAR0 + 0x10100, 0)


@case
def activation_needs_ctl2(q, s):
    """4.1.8 1b: CTL2 from CAP1 before ACTIVE, else no function."""
    s.setup_function(ctl2=None, jump=False)
    assert q.rq(BAR0 + 0x100) == 5, 'STS0 %d without CTL2' % q.rq(BAR0 + 0x100)
    q.wq(BAR0, 0)                               # reset from ERROR
    assert q.rq(BAR0 + 0x100) == 0
    s.setup_function(ctl2=12 | 7 << 32, jump=False)     # above CAP1
    assert q.rq(BAR0 + 0x100) == 5, 'CTL2 above CAP1 accepted'
    q.wq(BAR0, 0)


@case
def activation_jump_start(q, s):
    """ACTIVE starts no context; the admin context runs once software set
    its CXT_STS to RUN and rang its doorbell."""
    s.setup_function(jump=False)
    assert q.rq(BAR0 + 0x100) == 2, 'STS0 %d' % q.rq(BAR0 + 0x100)
    s.submit(0, desc(NOP), ring=False)
    s.step(2000000)
    assert s.read_index(0) == 0, 'admin context ran without a doorbell'
    q.wb(STS, 0)                                # state not RUN: ignored
    q.wq(BAR2, s.wi[0])
    s.step(2000000)
    assert s.read_index(0) == 0, 'admin context started without RUN'
    q.wb(STS, 1)
    q.wq(BAR2, s.wi[0])
    s.wait_index(0, s.wi[0])
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
    s.wait(lambda: s.csb_get(0)[0] == 1, 'copy')
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
def descriptor_not_yet_valid(q, s):
    """[read, write) may hold vl=0 slots: the function waits, no error."""
    w0, r0 = s.err_wrt(), q.rq(DBG + 0x50)
    s.csb(8)
    d = bytearray(desc(NOP, csb=8))
    d[0] &= ~1                                  # vl clear
    slot = s.wi[1] % RING_SZ
    s.submit(1, bytes(d))
    s.step(3000000)
    assert s.cxt_state(1) == 1 and s.err_wrt() == w0, 'vl=0 taken for an error'
    assert s.read_index(1) == s.wi[1] - 1, 'fetched a descriptor with vl=0'
    assert q.rq(DBG + 0x50) > r0, 'DBG_REPOLLS'
    q.wb(RING + 0x10000 + 64 * slot, d[0] | 1)  # software sets vl last
    s.wait(lambda: s.csb_get(8)[0] == 0, 're-polled descriptor')
    assert s.read_index(1) == s.wi[1]


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
    assert e['vl'] and e['etype'] == 0x7f7 and e['cls'] == 1, e
    assert e['cv'] and e['div'] and not e['bv'], e
    assert e['cxt'] == 1 and e['index'] == s.wi[1] - 2, e
    assert e['reaction'] == 1 and e['step'] == 7 and e['sub'] == 3, e
    assert e['type'] == 1, e
    assert q.rq(BAR0 + 0x20008) & 1, 'ERR_STS.sts'
    assert s.msi(0) == 0x100, 'error vector 0 not raised'
    # The failed one was fetched; the next one waits for a restart.
    assert s.read_index(1) == s.wi[1] - 1
    s.ack_errors()
    assert q.rq(BAR0 + 0x20008) == 0, 'ERR_STS W1C'
    # Doorbells of a context in error are ignored; stop, start, go on.
    q.wq(BAR2 + 4096, s.wi[1])
    s.step(2000000)
    assert s.read_index(1) == s.wi[1] - 1
    assert s.stop(1) == (0, 0) and s.cxt_state(1) == 0
    assert s.start(1) == (0, 0) and s.cxt_state(1) == 1
    s.wait_index(1, s.wi[1])


@case
def bad_akey_and_group(q, s):
    for body, opb, step in ((copy_body(64, SRC, DST, akey1=2), 0x7, 11),
                            (struct.pack('<8xH', 1), 0x7, 11),  # INTR, no iv
                            (struct.pack('<8xH', 0), 0x1, 7)):  # group off
        s.stop(1)
        s.setup_cxt(1, opb=opb, read_index=s.wi[1])
        s.start(1)
        w0 = s.err_wrt()
        op = COPY if len(body) > 12 else INTR
        s.submit(1, desc(op, body))
        s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
        e = s.errlog(w0)
        assert e['cls'] == 1 and e['cxt'] == 1 and e['step'] == step, e
        s.ack_errors()
    s.stop(1)
    s.setup_cxt(1, read_index=s.wi[1])
    s.start(1)


@case
def max_buffer(q, s):
    """L1 misc0 max_buffer n allows 2^(n+21) bytes: 0 is 2 MiB."""
    s.stop(1)
    s.setup_cxt(1, read_index=s.wi[1], misc0=0)
    s.start(1)
    w0 = s.err_wrt()
    s.csb(9)
    s.submit(1, desc(COPY, copy_body(2 << 20, SRC, DST), 9))
    s.wait(lambda: s.csb_get(9)[0] == 0, '2 MiB copy')
    assert s.csb_get(9) == (0, 0) and s.err_wrt() == w0
    s.submit(1, desc(COPY, copy_body((2 << 20) + 1, SRC, DST)))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
    e = s.errlog(w0)
    assert e['step'] == 7 and e['sub'] == 3 and e['cls'] == 1, e
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
    assert e['step'] == 6, e
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
    s.wait(lambda: s.csb_get(4)[0] == 0, 'first copy')
    assert s.csb_get(4) == (0, 0) and s.csb_get(5) == (0, 1 << 31)
    assert q.read(DST, 256) == data
    assert q.read(DST + 256, 256) == bytes(256), 'failed copy wrote'
    e = s.errlog(w0)
    assert e['cls'] == 0x102 and e['index'] == s.wi[1] - 1, e
    # A data access failure of the destination buffer (buf 1).
    assert e['step'] == 10 and e['sub'] == 2 and e['bv'] and e['buf'] == 1, e
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
    e = s.errlog(w0)
    assert e['cls'] == 0x101 and e['step'] == 10 and e['buf'] == 0, e
    s.ack_errors()
    s.stop(1)
    s.start(1)
    # 4 GiB - 1 size field: runs off the end of RAM part way through.
    s.submit(1, desc(COPY, copy_body(1 << 32, SRC, DST)))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state', 120)
    e = s.errlog(w0 + 1)
    assert e['cls'] == 0x102 and e['buf'] == 1, e
    s.ack_errors()
    s.stop(1)
    s.start(1)


@case
def read_index_at_fetch(q, s):
    """A stalled descriptor was fetched: the read index is past it while
    its CSB never changes; a stop abandons it."""
    q.wq(DBG + 0x10, 1)
    data = pattern(128, 3)
    q.write(SRC, data)
    q.memset(DST, 128, 0)
    s.csb(6)
    s.submit(1, desc(COPY, copy_body(128, SRC, DST), 6))
    s.wait_index(1, s.wi[1])
    q.wq(BAR2 + 4096, s.wi[1])                  # ringing again changes nothing
    s.step(2000000)
    assert s.cxt_state(1) == 1 and s.read_index(1) == s.wi[1]
    assert s.csb_get(6) == (1, 0) and q.read(DST, 128) == bytes(128)
    # SYNC(CXT) does not wait for a stalled (never started) descriptor.
    s.csb(7)
    s.admin(desc(SYNC, sync_body(1, 1, 0), 7))
    s.wait(lambda: s.csb_get(7)[0] == 0, 'SYNC')
    a0 = q.rq(DBG + 0x48)
    s.stop(1)
    assert s.cxt_state(1) == 0 and q.rq(DBG + 0x48) == a0 + 1, 'not abandoned'
    s.start(1)
    s.step(2000000)
    assert s.csb_get(6) == (1, 0), 'abandoned descriptor ran after restart'


@case
def drop_irq(q, s):
    q.wq(DBG + 0x18, 1)
    s.clear_msi()
    s.submit(1, desc(INTR, struct.pack('<8xH', 0)))
    s.wait_index(1, s.wi[1])
    s.step(2000000)
    assert s.msi(1) == 0, 'dropped interrupt was sent'
    s.submit(1, desc(INTR, struct.pack('<8xH', 0)))
    s.wait(lambda: s.msi(1) == 0x101, 'second interrupt')


@case
def ring_minimum(q, s):
    """Table 3-1: 64 KiB = 1024 entries at least; any size up to the
    maximum, a power of two or not."""
    for c, size, ok in ((2, 64, False), (3, 1023, False), (4, 1024, True),
                        (5, 1500, True), (6, 4097, False)):
        w0 = s.err_wrt()
        s.setup_cxt(c, ring_sz=size)
        csb = s.start(c)
        if ok:
            assert csb == (0, 0) and s.cxt_state(c) == 1, (size, csb)
            s.stop(c)
        else:
            assert csb == (0, 1 << 31), (size, csb)
            assert s.cxt_state(c) == 0xf, 'size %d: state %x' % (size, s.cxt_state(c))
            e = s.errlog(w0)
            assert e['cxt'] == c and e['step'] == 4 and e['reaction'] == 1, e
            s.ack_errors()
            s.stop(c)
    # A ring of 1500: slots wrap by modulo.
    s.setup_cxt(5, ring_sz=1500, read_index=1499)
    s.start(5)
    s.csb(10)
    s.csb(11)
    q.write(RING + 0x50000 + 64 * 1499, desc(NOP, csb=10))
    q.write(RING + 0x50000, desc(NOP, csb=11))
    q.wq(WI + 8 * 5, 1501)
    q.wq(BAR2 + 4096 * 5, 1501)
    s.wait(lambda: s.csb_get(11)[0] == 0, 'wrapped slot')
    assert s.csb_get(10)[0] == 0
    s.stop(5)


@case
def errlog_config(q, s):
    """ERR_CFG.sz counts 64-entry units: 0 is no log (ERR_STS.err)."""
    s.ack_errors()
    q.wq(BAR0 + 0x20010, 0)
    q.wq(BAR0 + 0x20010, ERRLOG | 1)            # en, sz 0
    w0 = s.err_wrt()
    s.submit(1, desc(0x001 << 16 | 0x7f << 8 | 1))
    s.wait(lambda: s.cxt_state(1) == 0xf, 'error state')
    assert s.err_wrt() == w0, 'entry written to a log of size 0'
    assert q.rq(BAR0 + 0x20008) & 8, 'ERR_STS.err not set'
    q.wq(BAR0 + 0x20010, 0)
    q.wq(BAR0 + 0x20010, ERRLOG | 1 << 1 | 1)
    s.ack_errors()
    s.stop(1)
    s.start(1)


@case
def admin_errors(q, s):
    # Starting a running context: logged against it, admin goes on.
    w0 = s.err_wrt()
    csb = s.start(1)
    assert csb == (0, 1 << 31), 'CSB %r' % (csb,)
    e = s.errlog(w0)
    assert e['cls'] == 2 and e['cxt'] == 1 and e['reaction'] == 0, e
    assert s.cxt_state(0) == 1 and s.cxt_state(1) == 1
    s.ack_errors()
    # vf is bit 7 of byte 5: a VF the model does not have.
    s.csb(23)
    s.submit(0, desc(STOP, range_body(1, 1, pre=b'\0\x80\0\0'), 23))
    s.wait(lambda: s.cxt_state(0) == 0xf, 'admin error state')
    assert s.errlog(w0 + 1)['cls'] == 1
    s.ack_errors()


@case
def reset_only_when_stopped(q, s):
    """RESET of an active function is refused; soft stop, then reset."""
    q.wq(BAR0, 0 | 1 << 4)
    assert q.rq(BAR0 + 0x100) != 0, 'RESET of an active function accepted'
    q.wq(BAR0, 1 | 1 << 4)                      # soft stop
    s.wait(lambda: q.rq(BAR0 + 0x100) == 0, 'soft stop')
    q.wq(BAR0, 0)
    assert q.rq(BAR0 + 0x100) == 0 and s.err_wrt() == 0
    assert q.rq(DBG + 0x20) == 0, 'DBG_EXECUTED not reset'


@case
def admin_context_bad(q, s):
    """A bad admin L1 entry: the jump start fails, context 0 error."""
    q.memset(L2, 0x8000, 0)
    q.wq(BAR0 + 0x10, CTL2)
    q.wq(L2, L1 | 1)                            # admin L1 entry not valid
    q.wq(BAR0 + 0x10000, L2)
    q.wq(BAR0 + 0x20010, 0)
    q.wq(BAR0 + 0x20010, ERRLOG | 1 << 1 | 1)
    q.wq(BAR0, 3 | 1 << 4)
    assert q.rq(BAR0 + 0x100) == 2
    q.wq(BAR2, 0)
    e = s.errlog(0)
    assert e['vl'] and e['cls'] == 2 and e['cxt'] == 0 and e['step'] == 3, e
    assert e['reaction'] == 1 and s.err_wrt() == 1, e
    q.wq(BAR0, 1 | 1 << 4)
    s.wait(lambda: q.rq(BAR0 + 0x100) == 0, 'stop')
    q.wq(BAR0, 0)


@case
def function_stop(q, s):
    s.setup_function()
    assert q.rq(BAR0 + 0x100) == 2
    s.wait_index(0, 0)
    s.setup_cxt(1)
    s.start(1)
    s.submit(1, desc(NOP))
    s.wait_index(1, s.wi[1])
    # Stop: running contexts end "stopped by function".
    q.wq(BAR0, 1 | 1 << 4)
    s.wait(lambda: q.rq(BAR0 + 0x100) == 0, 'soft stop')
    assert s.cxt_state(1) == 4


@case
def errlog_overflow(q, s):
    q.wq(BAR0, 1 | 1 << 4)
    s.wait(lambda: q.rq(BAR0 + 0x100) == 0, 'stop')
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


# ---- The adversary: separate QEMU instances with properties. ----

def fresh(qemu, props, log):
    q = QTest(qemu, 'sdxi' + props, log)
    s = Sdxi(q)
    s.setup_pci()
    s.setup_function(opb=0x16 if 'opb-by-type' in props else 0x7,
                     ctl2=CTL2 if 'opb-by-type' not in props else
                     11 | 8 << 16 | 0x16 << 32)
    s.wait_index(0, 0)
    s.setup_cxt(1, opb=0x16 if 'opb-by-type' in props else 0x7)
    assert s.start(1) == (0, 0)
    return q, s


def adversary_copies(q, s):
    """Unfenced copies of very different sizes, then a fenced NOP: all
    data right, the fenced one retires after all earlier ones."""
    sizes = [1 << 20, 512, 3 << 20, 64, 200000, 4096, 1 << 16, 777]
    off = 0
    descs = []
    q.memset(DST, 16 << 20, 0)
    for i, n in enumerate(sizes):
        q.write(SRC + off, pattern(n, 100 + i))
        s.csb(i)
        descs.append(desc(COPY, copy_body(n, SRC + off, DST + off), i))
        off += (n + 4095) & ~4095
    s.csb(30)
    descs.append(fence(desc(NOP, csb=30)))
    s.submit(1, *descs)
    s.wait(lambda: s.csb_get(30)[0] == 0, 'fenced NOP', 60)
    for i in range(len(sizes)):
        assert s.csb_get(i) == (0, 0), 'copy %d CSB %r at the fence' % (i, s.csb_get(i))
    off = 0
    for i, n in enumerate(sizes):
        assert q.read(DST + off, n) == pattern(n, 100 + i), 'copy %d data' % i
        off += (n + 4095) & ~4095
    return q.rq(DBG + 0x30), q.rq(DBG + 0x38)


def adversary_stop(q, s):
    """A 96 MiB copy in flight: CXT_STOP completes while the context is
    still stopping and copying (or, its CSB being late, has just
    stopped); SYNC(STOP) only once it stopped; the copy, far too long
    for the drain time (STOP_DRAIN: 1-20 ms), is abandoned. SLOW holds
    the copy to a 64 KiB chunk per 100 us or more of a clock that moves
    only when the test steps it, so the copy is surely in flight when
    the stop arrives, however busy the host is."""
    n, src, dst = 96 << 20, 0x1000000, 0x8000000
    q.memset(src, n, 0x77)
    q.memset(dst, n, 0)
    s.csb(12)
    s.csb(21)
    s.submit(1, desc(COPY, copy_body(n, src, dst), 12))
    s.wait(lambda: s.read_index(1) == s.wi[1], 'the copy fetched')
    assert s.csb_get(12)[0] == 1, 'the 96 MiB copy done before the stop'
    s.submit(0, fence(desc(STOP, range_body(1, 1), 21)))
    s.wait(lambda: s.csb_get(21)[0] == 0, 'CXT_STOP')
    st = s.cxt_state(1)
    abandoned = q.rq(DBG + 0x48)
    caught = s.csb_get(12)[0] == 1
    assert caught, 'the copy done before CXT_STOP completed'
    # CXT_STOP's CSB may come up to 2 ms late (CSB_DELAY), after a
    # drain time as short as 1 ms.
    assert st == 2 or (st == 0 and abandoned), \
        'state %x right after CXT_STOP, copy in flight, %d abandoned' % \
        (st, abandoned)
    s.csb(22)
    s.submit(0, fence(desc(SYNC, sync_body(1, 1, 1), 22)))
    s.wait(lambda: s.csb_get(22)[0] == 0, 'SYNC(STOP)', 60)
    assert s.cxt_state(1) == 0, 'state %x after SYNC(STOP)' % s.cxt_state(1)
    assert q.rq(DBG + 0x48) >= 1, 'the copy not abandoned at the drain time'
    assert s.csb_get(12)[0] == 1, 'an abandoned copy wrote its CSB'
    return caught


def run_adversary(qemu, log):
    passed = failed = 0
    reordered = late = caught = 0
    for seed in (1, 2, 3):
        name = 'adversary seed %d' % seed
        q = None
        try:
            q, s = fresh(qemu, ',adversary=0x7f,seed=%d' % seed, log)
            r, l = adversary_copies(q, s)
            reordered += r
            late += l
            c = adversary_stop(q, s)
            caught += c
            print('PASS sdxi-model/%s (reordered %d, late CSBs %d, stop '
                  'with a copy in flight: %s)' % (name, r, l, c))
            passed += 1
        except Exception as e:
            print('FAIL sdxi-model/%s: %s: %s' % (name, type(e).__name__, e))
            failed += 1
        if q:
            q.p.kill()
    if reordered and late and caught:
        print('PASS sdxi-model/adversary reorders, delays, drains (%d, %d, %d)'
              % (reordered, late, caught))
        passed += 1
    else:
        print('FAIL sdxi-model/adversary reorders, delays, drains: %d, %d, %d'
              % (reordered, late, caught))
        failed += 1
    q = None
    try:
        q, s = fresh(qemu, ',opb-by-type=on', log)
        assert q.rq(BAR0 + 0x208) >> 32 == 0x16, 'CAP1 opb'
        data = pattern(300, 9)
        q.write(SRC, data)
        s.csb(3)
        s.submit(1, desc(COPY, copy_body(300, SRC, DST), 3))
        s.wait(lambda: s.csb_get(3)[0] == 0, 'copy')
        assert q.read(DST, 300) == data
        s.stop(1)
        s.setup_cxt(1, opb=0x7, read_index=s.wi[1])
        s.start(1)
        s.submit(1, desc(INTR, struct.pack('<8xH', 0)))
        s.wait(lambda: s.cxt_state(1) == 0xf, 'INTR refused with 0x7')
        print('PASS sdxi-model/opb-by-type')
        passed += 1
    except Exception as e:
        print('FAIL sdxi-model/opb-by-type: %s: %s' % (type(e).__name__, e))
        failed += 1
    if q:
        q.p.kill()
    return passed, failed


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
    p, f = run_adversary(qemu, log)
    passed += p
    failed += f
    # Properties: the debug registers start from them.
    q = QTest(qemu, 'sdxi,cxts=3,vectors=4,fail-nth=7,fail-class=0x102,'
              'stall-nth=5,drop-irq-nth=6,seed=42,adversary=5', '/dev/null')
    try:
        s = Sdxi(q)
        s.setup_pci()
        got = [q.rq(DBG + o) for o in (0, 8, 0x10, 0x18, 0x58, 0x60)]
        assert got == [7, 0x102, 5, 6, 5, 42], got
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
