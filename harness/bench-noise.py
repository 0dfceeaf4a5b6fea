#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-noise.py LOG OUT: watch a guest running guest/tests/bench_control.sh
with mo.bench_mark=1 from the host, then say what ran while each timed
move did.

Waits for the QEMU process whose command line has mo.bench_mark=1,
then until it exits: reads LOG (its console) as it grows, and at each
"mark: begin" and "mark: end" line (migrate_bench -M, around each timed
move_pages()) snapshots every QEMU thread's /proc schedstat (time run,
time runnable but waiting for a host CPU) and the host's /proc/stat.
Writes OUT: one line per move with the guest's time and, meanwhile, the
host time (ms) each QEMU thread ran and waited, and what the rest of the
host ran; then the moves sorted by time, so that whatever the slow ones
share stands out. QEMU must run with -name ...,debug-threads=on for its
vCPU threads to have names ("CPU 0/TCG").

Host timestamps of the marks lag the guest by the serial console and
the poll interval (a few ms); the moves take 100 ms and more."""
import os
import re
import sys
import time

POLL = 0.005


def qemu_pid():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"qemu-system-x86_64") and \
                any(b"mo.bench_mark=1" in a for a in cmd):
            return int(pid)
    return None


def threads(pid):
    """{tid: (name, run_ns, wait_ns)} of QEMU's threads now."""
    out = {}
    base = "/proc/%d/task" % pid
    try:
        tids = os.listdir(base)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("%s/%s/comm" % (base, tid)) as f:
                name = f.read().strip()
            with open("%s/%s/schedstat" % (base, tid)) as f:
                run, wait, _ = f.read().split()
        except (OSError, ValueError):
            continue
        out[int(tid)] = (name, int(run), int(wait))
    return out


def host_busy():
    """The host's busy time so far, in ns (all CPUs: user, nice, system,
    irq, softirq, steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 10**9 // hz


def snapshot(pid):
    return time.monotonic_ns(), threads(pid), host_busy()


def delta(a, b):
    """What happened between snapshots a and b."""
    t0, th0, h0 = a
    t1, th1, h1 = b
    per = {}
    qemu_run = 0
    for tid, (name, run, wait) in th1.items():
        r0, w0 = th0.get(tid, (name, 0, 0))[1:]
        per.setdefault(name, [0, 0])
        per[name][0] += run - r0
        per[name][1] += wait - w0
        qemu_run += run - r0
    return {"wall": t1 - t0, "per": per, "other": (h1 - h0) - qemu_run}


def watch(log, pid):
    moves = []
    noise = []
    begin = None
    begin_read = reads = 0
    pos = 0
    part = ""
    while True:
        alive = os.path.exists("/proc/%d" % pid)
        try:
            with open(log, errors="replace") as f:
                f.seek(pos)
                data = f.read()
                pos = f.tell()
        except OSError:
            data = ""
        part += data
        reads += 1
        lines = part.split("\n")
        part = lines.pop()
        for line in lines:
            # Both marks in one read: the move ran between two polls,
            # and the snapshots would say nothing of it.
            if "mark: begin" in line:
                begin = snapshot(pid)
                begin_read = reads
            elif "mark: end" in line and begin:
                d = delta(begin, snapshot(pid))
                d["blind"] = begin_read == reads
                moves.append(d)
                begin = None
            m = re.search(r"^control (.*)$", line.strip())
            if m:
                noise.append(dict(kv.split("=", 1) for kv in m.group(1).split()))
        if not alive:
            return moves, noise
        time.sleep(POLL)


def ms(ns):
    return "%.0f" % (ns / 1e6)


def report(moves, noise, out):
    rows = []
    blind = sum(1 for mv in moves if mv["blind"])
    for mv, nz in zip(moves, noise):
        if mv["blind"]:
            continue
        vcpus = sorted((n for n in mv["per"] if "/TCG" in n),
                       key=lambda n: -mv["per"][n][0])
        mover = vcpus[0] if vcpus else "-"
        others = sum(mv["per"][n][0] for n in vcpus[1:])
        rest = sum(v[0] for n, v in mv["per"].items() if "/TCG" not in n)
        rows.append((int(nz["size_kb"]), int(nz["ns"]), nz, mv, mover, others, rest))
    lines = ["# bench-noise: what ran on the host while each timed move did (TCG emulation)",
             "# guest_ms: move_pages() time in the guest; wall: host ms between the marks;",
             "# mover: the vCPU thread that ran most, its run/wait ms (wait: runnable, no host CPU);",
             "# vcpus: the other vCPU threads' run ms; qemu: QEMU's other threads' run ms;",
             "# host: what the rest of the host ran, ms; busy/ipi: the guest's view (ticks of 10 ms)",
             "size_kb round guest_ms wall mover run wait vcpus qemu host busy ipi"]
    for size in sorted({r[0] for r in rows}):
        sel = [r for r in rows if r[0] == size]
        for r in sorted(sel, key=lambda r: r[1]):
            _, ns, nz, mv, mover, others, rest = r
            run, wait = mv["per"].get(mover, (0, 0))
            lines.append("%s %s %s %s %s %s %s %s %s %s %s %s" % (
                size, nz.get("round"), ms(ns), ms(mv["wall"]), mover.replace(" ", ""),
                ms(run), ms(wait), ms(others), ms(rest), ms(mv["other"]),
                nz.get("busy", "-"), nz.get("ipi", "-")))
        names = sorted({n for r in sel for n in r[3]["per"]})
        lines.append("# %d KiB, per QEMU thread, run/wait ms summed over the fastest"
                     " and the slowest half of the moves:" % size)
        half = len(sel) // 2
        fast = sorted(sel, key=lambda r: r[1])[:half]
        slow = sorted(sel, key=lambda r: r[1])[-half:] if half else []
        for n in names:
            f = [sum(r[3]["per"].get(n, (0, 0))[i] for r in fast) for i in (0, 1)]
            s = [sum(r[3]["per"].get(n, (0, 0))[i] for r in slow) for i in (0, 1)]
            lines.append("#   %-24s fast %6s/%-6s slow %6s/%-6s" % (
                n, ms(f[0]), ms(f[1]), ms(s[0]), ms(s[1])))
    if blind:
        lines.append("# %d moves left out: both of their marks came in one poll" % blind)
    if len(moves) != len(noise):
        lines.append("# WARNING: %d marked moves, %d noise lines" % (len(moves), len(noise)))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    log, out = sys.argv[1:3]
    deadline = time.monotonic() + 120
    pid = None
    while pid is None and time.monotonic() < deadline:
        pid = qemu_pid()
        time.sleep(0.1)
    if pid is None:
        sys.exit("bench-noise: no QEMU running a marked control")
    moves, noise = watch(log, pid)
    if not moves:
        sys.exit("bench-noise: no marked moves in %s" % log)
    report(moves, noise, out)


if __name__ == "__main__":
    main()
