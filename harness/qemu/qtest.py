# SPDX-License-Identifier: GPL-2.0
"""A client of QEMU's qtest protocol for our device models' tests.

QTest(qemu, device, log) starts qemu-system-x86_64 with qtest on stdio
and one device (its -device string, without addr=) at 00:<dev>.0, and
offers MMIO, guest memory and PCI configuration accesses. The model's
guest_errors go to log. pattern(), wait_for() and run_cases() serve the
tests.
"""
import atexit
import struct
import subprocess
import time


class QTestError(Exception):
    pass


class QTest:
    def __init__(self, qemu, device, log, dev=4):
        # The model's complaints about what the "driver" did go to log.
        args = [qemu, '-machine', 'q35', '-accel', 'qtest', '-qtest', 'stdio',
                '-qtest-log', '/dev/null', '-display', 'none', '-nodefaults',
                '-m', '256M', '-serial', 'none', '-monitor', 'none',
                '-d', 'guest_errors', '-D', log,
                '-device', '%s,addr=%02x.0' % (device, dev)]
        self.dev = dev
        self.err = open(log, 'a')
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err,
                                  text=True)
        # QEMU does not exit when the qtest stream closes: never leave it.
        atexit.register(self.p.kill)

    def cmd(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        while True:
            r = self.p.stdout.readline()
            if not r:
                raise QTestError('qemu exited during: ' + line)
            w = r.split()
            if w and w[0] == 'IRQ':
                continue
            if not w or w[0] != 'OK':
                raise QTestError('%s -> %s' % (line, r.strip()))
            return w[1:]

    def close(self):
        self.p.stdin.close()
        self.p.terminate()
        self.p.wait(timeout=10)
        self.err.close()

    def rq(self, a):
        return int(self.cmd('readq 0x%x' % a)[0], 16)

    def rl(self, a):
        return int(self.cmd('readl 0x%x' % a)[0], 16)

    def wq(self, a, v):
        self.cmd('writeq 0x%x 0x%x' % (a, v & (2**64 - 1)))

    def wl(self, a, v):
        self.cmd('writel 0x%x 0x%x' % (a, v & 0xffffffff))

    def wb(self, a, v):
        self.cmd('writeb 0x%x 0x%x' % (a, v))

    def read(self, a, n):
        return bytes.fromhex(self.cmd('read 0x%x 0x%x' % (a, n))[0][2:])

    def write(self, a, data):
        self.cmd('write 0x%x 0x%x 0x%s' % (a, len(data), data.hex()))

    def memset(self, a, n, v):
        self.cmd('memset 0x%x 0x%x 0x%x' % (a, n, v))

    # PCI configuration space through the 0xcf8/0xcfc ports.
    def cfg_addr(self, reg):
        self.cmd('outl 0xcf8 0x%x' % (0x80000000 | self.dev << 11 | (reg & 0xfc)))

    def cfg_rl(self, reg):
        self.cfg_addr(reg)
        return int(self.cmd('inl 0xcfc')[0], 16)

    def cfg_wl(self, reg, v):
        self.cfg_addr(reg)
        self.cmd('outl 0xcfc 0x%x' % v)

    def caps(self):
        """Capability id -> offset, from the standard list."""
        out = {}
        cap = self.cfg_rl(0x34) & 0xff
        while cap:
            hdr = self.cfg_rl(cap)
            out[hdr & 0xff] = cap
            cap = (hdr >> 8) & 0xff
        return out


# A wait gives up only after this many polls as well as its time: the
# tests run beside the boots under SCHED_IDLE, where a starved test may
# see its time pass without having looked more than a few times.
MIN_POLLS = 1000


def wait_for(cond, what, timeout, poll):
    """Call poll() until cond() holds; fail after timeout seconds and
    MIN_POLLS polls, whichever comes later. what, a string or a
    function returning one, says what was awaited: a function tells
    the state at the failure, not at the start."""
    end = time.time() + timeout
    polls = 0
    while not cond():
        if polls >= MIN_POLLS and time.time() >= end:
            raise AssertionError('timed out waiting for ' +
                                 (what() if callable(what) else what))
        poll()
        polls += 1


def pattern(n, seed):
    """n bytes of a seeded 64-bit LCG: data a copy cannot fake."""
    out = bytearray()
    x = seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out += struct.pack('<Q', x)
    return bytes(out[:n])


def run_cases(cases, q, model, name):
    """Run each case(q, model), print PASS/FAIL name/case; stop at a
    broken qtest stream. Returns (passed, failed)."""
    passed = failed = 0
    for fn in cases:
        try:
            fn(q, model)
            print('PASS %s/%s' % (name, fn.__name__))
            passed += 1
        except Exception as e:      # report and go on with the next case
            print('FAIL %s/%s: %s: %s' % (name, fn.__name__,
                                         type(e).__name__, e))
            failed += 1
            if isinstance(e, QTestError):
                break
    return passed, failed
