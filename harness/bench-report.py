#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py OUTDIR LOG...: turn the "row" lines that
harness/guest/tests/bench_matrix.sh printed in the console logs of the
unpatched and the patched boot into OUTDIR/bench.md (tables: median GB/s,
spread, ratio to the unpatched kernel, copy-phase share), OUTDIR/raw.txt
(every measurement), OUTDIR/bench.dat + bench.gp and, when gnuplot is
there, OUTDIR/bench.png (throughput against folio size per setup).
Exit status 1 if no rows were found."""
import re
import shutil
import statistics
import subprocess
import sys

ROW = re.compile(r"^row (.*)$")


def parse(paths):
    rows = []
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                m = ROW.match(line.strip())
                if m:
                    rows.append(dict(kv.split("=", 1) for kv in m.group(1).split()))
    return rows


def gbps(r):
    return int(r["mib"]) * 1048576 / float(r["ns"])


def group(rows, kind, key):
    out = {}
    for r in rows:
        if r["kind"] == kind:
            out.setdefault((r["setup"], int(r[key])), []).append(r)
    return out


def stats(rs):
    v = sorted(gbps(r) for r in rs)
    share = [int(r["copy_us"]) * 1e3 / float(r["ns"]) for r in rs]
    return statistics.median(v), v[0], v[-1], statistics.median(share)


def order(setups):
    first = ["vanilla", "default", "enabled"]
    return [s for s in first if s in setups] + sorted(s for s in setups if s not in first)


def table(groups, key, unit, fmt):
    setups = order({s for s, _ in groups})
    keys = sorted({k for _, k in groups})
    lines = ["| setup | " + " | ".join(fmt(k) for k in keys) + " |",
             "|---|" + "---|" * len(keys)]
    for s in setups:
        cells = []
        for k in keys:
            rs = groups.get((s, k))
            if not rs:
                cells.append("-")
                continue
            med, lo, hi, share = stats(rs)
            base = groups.get(("vanilla", k))
            ratio = " (%.2fx)" % (med / stats(base)[0]) if base and s != "vanilla" else ""
            sh = ", copy %d%%" % round(100 * share) if share > 0 else ""
            cells.append("%.3f%s<br>[%.3f-%.3f%s]" % (med, ratio, lo, hi, sh))
        lines.append("| %s | %s |" % (s, " | ".join(cells)))
    return lines


def main():
    out, logs = sys.argv[1], sys.argv[2:]
    rows = parse(logs)
    if not rows:
        print("bench-report: no rows in %s" % " ".join(logs), file=sys.stderr)
        return 1
    with open(out + "/raw.txt", "w") as f:
        for r in rows:
            f.write(" ".join("%s=%s" % kv for kv in r.items()) + "\n")
    sizes = group(rows, "size", "size_kb")
    counts = group(rows, "count", "mib")
    md = ["### move_pages() node 0 -> node 1, GB/s by folio size (TCG emulation)",
          "",
          "Median GB/s (ratio to the unpatched kernel) [min-max over the",
          "rounds, copy phase as a share of move_pages() time]. The DMA rows",
          "use the emulated SDXi engine, which copies with the host's memcpy:",
          "they say nothing about real hardware.",
          ""]
    md += table(sizes, "size_kb", "KiB",
                lambda k: "%d KiB" % k if k < 1024 else "%d MiB" % (k // 1024))
    if counts:
        md += ["", "### 2 MiB folios by count (GB/s, TCG emulation)", ""]
        md += table(counts, "mib", "MiB", lambda k: "%d x 2 MiB" % (k // 2))
    # The guard: with offload enabled at default thresholds, 4 KiB
    # folios must not lose against the unpatched kernel beyond its noise.
    md.append("")
    base = sizes.get(("vanilla", 4))
    for s in ("default", "enabled"):
        rs = sizes.get((s, 4))
        if not base or not rs:
            continue
        bmed, blo, bhi, _ = stats(base)
        med = stats(rs)[0]
        noise = (bhi - blo) / bmed if bmed else 0
        verdict = "ok" if med >= bmed * (1 - max(noise, 0.05)) else "SLOWER"
        md.append("Guard, 4 KiB folios, %s vs unpatched: %.3f vs %.3f GB/s "
                  "(noise %.0f%%): %s" % (s, med, bmed, 100 * noise, verdict))
    with open(out + "/bench.md", "w") as f:
        f.write("\n".join(md) + "\n")
    # Plot: one line per setup, GB/s against folio size.
    setups = order({s for s, _ in sizes})
    keys = sorted({k for _, k in sizes})
    with open(out + "/bench.dat", "w") as f:
        f.write("# size_kb " + " ".join(setups) + "\n")
        for k in keys:
            f.write("%d %s\n" % (k, " ".join(
                "%.4f" % stats(sizes[(s, k)])[0] if (s, k) in sizes else "NaN"
                for s in setups)))
    gp = ['set terminal png size 900,560',
          'set output "%s/bench.png"' % out,
          'set title "move_pages() node 0 -> 1 (QEMU TCG emulation; DMA = emulated SDXi)"',
          'set xlabel "folio size (KiB)"', 'set ylabel "GB/s"', 'set logscale x 2',
          'set key outside right', 'set grid']
    plots = ['"%s/bench.dat" using 1:%d with linespoints title "%s"' % (out, i + 2, s)
             for i, s in enumerate(setups)]
    gp.append("plot " + ", ".join(plots))
    with open(out + "/bench.gp", "w") as f:
        f.write("\n".join(gp) + "\n")
    if shutil.which("gnuplot"):
        subprocess.run(["gnuplot", out + "/bench.gp"], check=False)
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
