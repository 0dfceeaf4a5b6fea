#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh: the migration benchmark against the unpatched kernel.
#
# Builds the unpatched 7.3 kernel (pristine tree, base config) and ours
# (same base config plus our options, no debug options), boots each on
# the same guest topology and runs guest/tests/bench_matrix.sh: every
# folio size x every setup the kernel offers, several rounds, and the
# batch budget table (bench_budget.sh); then the control, unpatched
# against our kernel with offload off, over MO_BENCH_BOOTS interleaved
# boots of each (default 5). Writes
# results/bench.md (tables), results/bench.png (plot), results/raw.txt
# and the console logs, and puts the table into README.md.
#
#   MO_BENCH_QUICK=1   64 MiB per measurement, one round, fewer counts
#   MO_BENCH_CONTROL_ONLY=1  the control boots alone (about 8 minutes):
#                      results/control/ (control.md, console logs);
#                      README.md is left alone
#   MO_TCG_TLB_MIN_BITS  the floor on TCG's TLB size (default 14; empty:
#                      QEMU's own sizing), see harness/qemu/tcg-tlb-min.diff
#
# Numbers come from TCG emulation, and the DMA engines are emulated SDXi
# and PTDMA functions copying with the host's memcpy: only ratios within
# one run mean anything, and DMA rows predict nothing about hardware.
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
# TCG's TLB at no fewer than 2^14 entries (64 MiB of reach): with QEMU's
# own sizing, a 2 MiB-folio move's run time on its vCPU thread ranged
# 2.5-3x from round to round in one boot (bench-noise.sh); with this
# floor, 1.1x in two boots of 12 rounds but for one round, and the
# fastest rounds no slower.
export MO_TCG_TLB_MIN_BITS=${MO_TCG_TLB_MIN_BITS-14}
control_only=${MO_BENCH_CONTROL_ONLY:-}
if [ -n "${MO_BENCH_QUICK:-}" ]; then
	args="mo.bench_mb=64 mo.bench_reps=1 mo.bench_guard_reps=1 mo.bench_counts=1,16 mo.bench_budget_mb=256 mo.bench_budgets=2,32"
else
	# 128 MiB per size and counts to 512 keep the whole run under 30
	# minutes on 2 host cores (11 setups x 3 rounds).
	args="mo.bench_mb=128 mo.bench_reps=3 mo.bench_counts=1,8,64,512"
fi
"$MO_HARNESS/build-qemu.sh"
"$MO_HARNESS/build-kernel.sh" vanilla
"$MO_HARNESS/build-kernel.sh" bench
"$MO_HARNESS/build-guest.sh" bench
initrd=$MO_OUT/bench/initramfs.cpio.gz

out=$MO_TOP/results${control_only:+/control}
mkdir -p "$out"
rm -f "$out"/console-*.log
# Boots interleaved: vanilla, patched, vanilla, patched, ... Every boot
# runs the control (bench_control.sh: unpatched against our "default");
# the first pair also runs the matrix, and the first patched boot the
# paired threads and budget benchmarks.
boots=${MO_BENCH_BOOTS:-5}
[ -n "${MO_BENCH_QUICK:-}" ] && boots=${MO_BENCH_BOOTS:-2}
for i in $(seq "$boots"); do
	for k in vanilla bench; do
		# The unpatched kernel boots the same initramfs: its programs
		# are static and need nothing but move_pages(); our modules
		# stay unused.
		plan=bench_control
		if [ "$i" = 1 ] && [ -z "$control_only" ]; then
			plan=$plan,bench_matrix
			[ $k = vanilla ] || plan=$plan,bench_threads,bench_budget
		fi
		# Measured on a well-behaved SDXi function: the adversary's
		# delays are for correctness tests, not for numbers.
		MO_SDXI_ADVERSARY=${MO_SDXI_ADVERSARY-0} \
		MO_INITRD=$initrd MO_APPEND="$args mo.boot=$i" MO_PREALLOC=1 \
			"$MO_HARNESS/vm.sh" "$k" "$plan" "bench-$k-$i" 3600 || true
		python3 "$MO_HARNESS/results.py" "$MO_LOGS/bench-$k-$i.log" "bench-$k-$i" \
			> "$MO_LOGS/bench-$k-$i.results" ||
			{ grep FAIL "$MO_LOGS/bench-$k-$i.results"; die "the $k benchmark (boot $i) failed; see $MO_LOGS/bench-$k-$i.log"; }
		cp "$MO_LOGS/bench-$k-$i.log" "$out/console-$k-$i.log"
	done
done

if [ -n "$control_only" ]; then
	python3 "$MO_HARNESS/bench-report.py" --control "$out" "$out"/console-*.log ||
		die "no control rows"
	secs=$(( $(date +%s) - t0 ))
	cat "$out/control.md"
	step "done in ${secs}s: results/control/control.md"
	exit 0
fi

# 1 GiB hugetlb pages need a 1 GiB range free on both nodes, which only
# boot time reliably has: a pair of boots that reserve them (on nodes 1
# and 2: node 0's memory holds the kernel) and measure only them.
for k in vanilla bench; do
	MO_SDXI_ADVERSARY=${MO_SDXI_ADVERSARY-0} MO_INITRD=$initrd MO_PREALLOC=1 \
	MO_APPEND="$args mo.boot=huge mo.bench_huge=1 hugepagesz=1G hugepages=1:1,2:1" \
		"$MO_HARNESS/vm.sh" "$k" bench_matrix "bench-$k-huge" 3600 || true
	python3 "$MO_HARNESS/results.py" "$MO_LOGS/bench-$k-huge.log" "bench-$k-huge" \
		> "$MO_LOGS/bench-$k-huge.results" ||
		{ grep FAIL "$MO_LOGS/bench-$k-huge.results"; die "the $k benchmark (1 GiB pages) failed; see $MO_LOGS/bench-$k-huge.log"; }
	cp "$MO_LOGS/bench-$k-huge.log" "$out/console-$k-huge.log"
done

python3 "$MO_HARNESS/bench-report.py" "$out" "$out"/console-*.log \
	> /dev/null || die "no benchmark rows"
secs=$(( $(date +%s) - t0 ))
{
	echo "Measured $(date -u +%F) on $(nproc) host cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "QEMU TCG emulation, 4 vCPUs, 3 NUMA nodes; kernels 7.3.4 unpatched and patched,"
	echo "same base config, no debug options; \`make bench${MO_BENCH_QUICK:+ (quick)}\` took $((secs / 60)) min $((secs % 60)) s."
	echo
	cat "$out/bench.md"
	summary=$(sed -n 's/^# threads summary: //p' "$out/console-bench-1.log")
	if [ -n "$summary" ]; then
		echo
		echo "### threads: copy phase of 512 x 2 MiB, 1 thread against 2 (TCG emulation)"
		echo
		echo "Paired rounds, node-0-bound mover, helper near the destination: $summary."
	fi
} > "$out/bench.md.tmp" && mv "$out/bench.md.tmp" "$out/bench.md"

# README: the table between the markers.
python3 - "$MO_TOP/README.md" "$out/bench.md" <<'PY'
import sys
readme, table = sys.argv[1], open(sys.argv[2]).read()
s = open(readme).read()
a, b = "<!-- bench:begin -->", "<!-- bench:end -->"
if a in s and b in s:
    s = s[:s.index(a) + len(a)] + "\n" + table + s[s.index(b):]
    open(readme, "w").write(s)
PY
cat "$out/bench.md"
step "done in ${secs}s: results/bench.md, results/bench.png, results/raw.txt"
