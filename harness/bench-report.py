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

ROW = re.compile(r"^(row|control|budget) (.*)$")


def parse(paths, what="row"):
    rows = []
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                m = ROW.match(line.strip())
                if m and m.group(1) == what:
                    rows.append(dict(kv.split("=", 1) for kv in m.group(2).split()))
    return rows


def paired(base, other):
    """Per-round ratios base_ns / other_ns (> 1: other is faster), for the
    rounds both have: median, min, max, n."""
    rs = sorted(float(base[k]) / float(other[k]) for k in base if k in other)
    if not rs:
        return None
    return statistics.median(rs), rs[0], rs[-1], len(rs)


def round_times(rs):
    """A setup's rounds in ns, fastest first."""
    return sorted(float(r["ns"]) for r in rs)


def fastest(base, other):
    """The fastest round of base over the fastest of other (> 1: other is
    faster), and how far each side's rounds spread above their fastest."""
    b, o = round_times(base), round_times(other)
    return b[0] / o[0], "rounds up to +%.0f %% and +%.0f %% over the fastest" % (
        (b[-1] / b[0] - 1) * 100, (o[-1] / o[0] - 1) * 100)


def not_whole(r):
    """A round whose memory was not all in folios of its size. Older logs
    do not say, and hugetlb rounds say -1 (hugetlb pages are never
    split): both taken as whole."""
    return (0 <= int(r.get("whole_src", 100)) < 100 or
            0 <= int(r.get("whole_dst", 100)) < 100 or int(r.get("split", 0)) > 0)


def control(rows):
    """The unpatched kernel against ours with offload off, boot by boot:
    lines for the report and whether the control held."""
    md = ["", "### Control: unpatched kernel against ours with offload off (TCG emulation)", "",
          "Interleaved boots (unpatched, patched, unpatched, ...); per boot the",
          "fastest of each kernel's rounds, and the ratio unpatched / patched",
          "(above 1: ours is faster). The fastest, not the median: what slows",
          "a round under emulation only ever adds time, and in the 3-round",
          "medians of earlier runs it moved single boots by up to 2.5x. A run",
          "whose control median is off 1.00 by more than the boots' own",
          "spread is INVALID: its other ratios would be boot noise. Ratios",
          "of the tables above compare",
          "setups within one boot, paired by round, and do not depend on it.",
          "Not whole: rounds (unpatched/patched) in which some of the memory",
          "was not in folios of the size asked for, before or after the move",
          "(no THP at the fault, or split by migration): those moved base",
          "pages, several times slower. The moves name one address per",
          "folio (migrate_bench -F): named page by page, the unpatched kernel",
          "migrates a range of THPs one folio per migrate_pages() call, which",
          "a fix of this series outside the offload path changes.", "",
          "| folio | per-boot ratios | median | spread | not whole | verdict |",
          "|---|---|---|---|---|---|"]
    valid = True
    for sz in sorted({int(r["size_kb"]) for r in rows}):
        per = {}
        for r in rows:
            if int(r["size_kb"]) == sz:
                per.setdefault((r["boot"], r["kernel"]), []).append(float(r["ns"]))
        ratios = []
        for b in sorted({b for b, _ in per}, key=int):
            v, p = per.get((b, "vanilla")), per.get((b, "patched"))
            if v and p:
                ratios.append(min(v) / min(p))
        if not ratios:
            continue
        med = statistics.median(ratios)
        spread = max(abs(x - med) for x in ratios)
        ok = abs(med - 1) <= max(spread, 0.01)
        valid &= ok
        broken = {k: sum(1 for r in rows if int(r["size_kb"]) == sz and
                         r["kernel"] == k and not_whole(r))
                  for k in ("vanilla", "patched")}
        md.append("| %s | %s | %.3f | +-%.1f%% | %d/%d | %s |" % (
            "%d KiB" % sz if sz < 1024 else "%d MiB" % (sz // 1024),
            " ".join("%.3f" % x for x in ratios), med, 100 * spread,
            broken["vanilla"], broken["patched"],
            "held" if ok else "INVALID"))
    return md, valid


def budget(rows):
    """The batch budget table: paired ratios to the same round's default,
    and the folios' unmapped windows."""
    if not rows:
        return []
    by = {}
    for r in rows:
        by.setdefault((r["setup"], int(r["budget_mb"])), {})[r["round"]] = r
    base = by.get(("default", 2), {})
    if not base:
        return []
    mib = int(next(iter(base.values()))["mib"])
    bns = {k: r["ns"] for k, r in base.items()}
    bmax = statistics.median(int(r["max_us"]) for r in base.values())
    bp50 = statistics.median(int(r["p50_us"]) for r in base.values())
    md = ["", "### Batch byte budget: %d x 2 MiB, node 0 -> node 1 (TCG emulation)" % (mib // 2), "",
          "move_pages() speed-up over the same round's default (offload off,",
          "the unpatched path), median [min-max] over %d paired rounds; the" % len(base),
          "folios' unmapped windows, p50 / max in ms (median over the rounds).",
          "Default: p50 %.1f ms, max %.1f ms (one THP per batch). DMA rows use" % (bp50 / 1e3, bmax / 1e3),
          "the emulated SDXi engine, which copies with the host's memcpy.", "",
          "| setup | budget | speed-up | window p50 | window max | max / default max |",
          "|---|---|---|---|---|---|"]
    for (s, b) in sorted(k for k in by if k[0] != "default"):
        rs = by[(s, b)]
        p = paired(bns, {k: r["ns"] for k, r in rs.items()})
        if not p:
            continue
        wmax = statistics.median(int(r["max_us"]) for r in rs.values())
        wp50 = statistics.median(int(r["p50_us"]) for r in rs.values())
        md.append("| %s | %d MiB | %.2fx [%.2f-%.2f] | %.1f ms | %.1f ms | %.1fx |" % (
            s, b, p[0], p[1], p[2], wp50 / 1e3, wmax / 1e3, wmax / bmax if bmax else 0))
    return md


COST = re.compile(r"framework_cost: (\d+) x order (\d+): per-folio copy (\d+) ns, "
                  r"batch path with every provider declining (\d+) ns .*decision (\d+) ns")


def framework_cost(paths):
    """The KUnit case framework_cost, which every boot of the patched
    bench kernel runs: per batch shape, the medians over the boots."""
    got = {}
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                m = COST.search(line)
                if m:
                    nr, order, plain, batch, dec = map(int, m.groups())
                    got.setdefault((nr, order), []).append((plain, batch, dec))
    if not got:
        return []
    md = ["", "### Framework cost: the batch path with every provider declining (TCG emulation)", "",
          "KUnit case framework_cost, run by every boot of the patched bench",
          "kernel (no KASAN, no lockdep): the folios copied one by one with",
          "folio_mc_copy(), against migrate_offload_copy() with a provider that",
          "is offered and declines every folio (the CPU then copies them), best",
          "of 5 rounds each; and the decision alone (migrate_offload_wanted()),",
          "which is all a batch pays when no provider would take it. Medians",
          "over the boots [min-max]; goal: under 1 % of the batch's copy.", "",
          "| batch | boots | per-folio copy | batch path, all declining | extra | decision | decision share |",
          "|---|---|---|---|---|---|---|"]
    for (nr, order), v in sorted(got.items(), key=lambda kv: kv[0][1]):
        plain = statistics.median(p for p, _, _ in v)
        extra = [(b - p) / p * 100 for p, b, _ in v]
        dec = statistics.median(d for _, _, d in v)
        kb = 4 << order
        md.append("| %d x %s | %d | %.0f us | %.0f us | %+.1f %% [%+.1f %% to %+.1f %%] | %.0f ns | %.3f %% |" %
                  (nr, "%d MiB" % (kb >> 10) if kb >= 1024 else "%d KiB" % kb,
                   len(v), plain / 1000,
                   statistics.median(b for _, b, _ in v) / 1000,
                   statistics.median(extra), min(extra), max(extra), dec,
                   dec / plain * 100))
    return md


def gbps(r):
    return int(r["mib"]) * 1048576 / float(r["ns"])


def group(rows, kind, key):
    out = {}
    for r in rows:
        if r["kind"] == kind:
            out.setdefault((r["setup"], key(r) if callable(key) else int(r[key])),
                           []).append(r)
    return out


def mem_key(r):
    """Columns of the memory type table: anonymous, shmem, then hugetlb,
    each by folio size."""
    rank = {"anon": 0, "shmem": 1, "hugetlb": 2}
    return (rank.get(r.get("mem", "anon"), 3), int(r["size_kb"]), r.get("mem", "anon"))


def mem_name(k):
    kb, mem = k[1], k[2]
    return "%s %s" % (mem, "%d MiB" % (kb // 1024) if kb < 1048576 else
                      "%d GiB" % (kb // 1048576))


def stats(rs):
    v = sorted(gbps(r) for r in rs)
    share = [int(r["copy_us"]) * 1e3 / float(r["ns"]) for r in rs]
    return statistics.median(v), v[0], v[-1], statistics.median(share)


def order(setups):
    first = ["vanilla", "default", "enabled", "auto"]
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
            base = groups.get(("default", k))
            p = None
            if base and s not in ("vanilla", "default"):
                p = paired({r.get("round"): r["ns"] for r in base},
                           {r.get("round"): r["ns"] for r in rs})
            ratio = " (%.2fx [%.2f-%.2f])" % p[:3] if p else ""
            sh = ", copy %d%%" % round(100 * share) if share > 0 else ""
            cells.append("%.3f%s<br>[%.3f-%.3f%s]" % (med, ratio, lo, hi, sh))
        lines.append("| %s | %s |" % (s, " | ".join(cells)))
    return lines


def control_only(out, logs):
    """bench-report.py --control OUTDIR LOG...: the control table alone,
    into OUTDIR/control.md."""
    crows = parse(logs, "control")
    if not crows:
        print("bench-report: no control rows in %s" % " ".join(logs), file=sys.stderr)
        return 1
    md, valid = control(crows)
    md += ["", "Control: %s." % ("held" if valid else "INVALID")]
    with open(out + "/control.md", "w") as f:
        f.write("\n".join(md).lstrip("\n") + "\n")
    return 0


def main():
    if sys.argv[1] == "--control":
        return control_only(sys.argv[2], sys.argv[3:])
    out, logs = sys.argv[1], sys.argv[2:]
    rows = parse(logs)
    crows = parse(logs, "control")
    brows = parse(logs, "budget")
    if not rows:
        print("bench-report: no rows in %s" % " ".join(logs), file=sys.stderr)
        return 1
    with open(out + "/raw.txt", "w") as f:
        for r in rows:
            f.write(" ".join("%s=%s" % kv for kv in r.items()) + "\n")
    sizes = group(rows, "size", "size_kb")
    counts = group(rows, "count", "mib")
    types = group(rows, "type", mem_key)
    md = ["### move_pages() node 0 -> node 1, GB/s by folio size (TCG emulation)",
          "",
          "Median GB/s (speed-up over the same boot's default, offload off,",
          "paired by round: median [min-max]) [min-max GB/s over the rounds,",
          "copy phase as a share of move_pages() time]. The unpatched kernel",
          "ran in another boot: compare it through the control below. The DMA rows",
          "use the emulated SDXi engine, which copies with the host's memcpy:",
          "they say nothing about real hardware.",
          ""]
    md += table(sizes, "size_kb", "KiB",
                lambda k: "%d KiB" % k if k < 1024 else "%d MiB" % (k // 1024))
    if counts:
        md += ["", "### 2 MiB folios by count (GB/s, TCG emulation)", ""]
        md += table(counts, "mib", "MiB", lambda k: "%d x 2 MiB" % (k // 2))
    if types:
        md += ["", "### By memory type: GB/s (TCG emulation)", "",
               "Anonymous and shmem THPs, hugetlb pages; each cell as above,",
               "the ratio to the same boot's default (offload off).", ""]
        md += table(types, "mem", "", mem_name)
    # The guard: with offload enabled as booted (thresholds "auto"), small folios
    # must not lose against offload off in the same boot (target 0.98x).
    # The auto policy: no size may lose (target 0.98x), and at 2 MiB it
    # should be within 5 % of the best fixed setup of the same boot.
    md.append("")
    guards = [("enabled", k) for k in (4, 16, 64)]
    guards += [("auto", k) for k in sorted({k for _, k in sizes})]
    for setup, k in guards:
        base, rs = sizes.get(("default", k)), sizes.get((setup, k))
        if not base or not rs:
            continue
        p = paired({r.get("round"): r["ns"] for r in base},
                   {r.get("round"): r["ns"] for r in rs})
        if p:
            md.append("Guard, %d KiB folios, %s vs default, paired: %.3fx "
                      "[%.3f-%.3f] over %d rounds (target >= 0.98x): %s" %
                      (k, setup, p[0], p[1], p[2], p[3],
                       "ok" if p[0] >= 0.98 else "SLOWER"))
            # The fastest round of each (min-of-N): a round the host slowed
            # moves a paired ratio, never a minimum.
            f = fastest(base, rs)
            md.append("Guard, %d KiB folios, %s vs default, fastest rounds: "
                      "%.3fx (%s) (target >= 0.98x): %s" %
                      (k, setup, f[0], f[1], "ok" if f[0] >= 0.98 else "SLOWER"))
    # Both by the median round and by the fastest: a round slowed by the
    # emulation (see the control) moves a median of three, never a minimum.
    for what, pick in (("medians", lambda v: v[len(v) // 2]),
                       ("fastest rounds", lambda v: v[0])):
        best = None
        for (s, k), rs in sizes.items():
            if k != 2048 or s in ("vanilla", "default", "auto", "enabled"):
                continue
            t = pick(round_times(rs))
            if best is None or t < best[1]:
                best = (s, t)
        if best and sizes.get(("auto", 2048)):
            t = pick(round_times(sizes[("auto", 2048)]))
            md.append("auto at 2 MiB: %.3fx the time of the best fixed setup (%s), "
                      "%s (target <= 1.05x): %s" %
                      (t / best[1], best[0], what, "ok" if t <= best[1] * 1.05 else "SLOWER"))
    md += budget(brows)
    md += framework_cost(logs)
    cmd, valid = control(crows)
    md += cmd
    md += ["", "Control: %s." % ("held" if valid and crows else
                                 "INVALID (see the control table)" if crows else
                                 "not measured")]
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
