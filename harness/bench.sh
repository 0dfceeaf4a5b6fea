#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh: build the benchmark kernel (our tree, no debug options), boot
# it and run the guest benchmarks; tables go to stdout and results/.
# Numbers come from TCG emulation: only ratios within one run mean
# anything.
. "$(dirname "$0")/lib.sh"

PLAN=${MO_BENCH_PLAN:-bench_threads}
"$MO_HARNESS/build-kernel.sh" bench
"$MO_HARNESS/build-guest.sh" bench
"$MO_HARNESS/build-qemu.sh"
"$MO_HARNESS/vm.sh" bench "$PLAN" bench 3600 || true
log=$MO_LOGS/bench.log
python3 "$MO_HARNESS/results.py" "$log" bench > "$MO_LOGS/bench.results" ||
	{ grep FAIL "$MO_LOGS/bench.results"; die "the benchmark run failed; see $log"; }
out=$MO_TOP/results
mkdir -p "$out"
{
	echo "# $(date -u +%F) $(nproc) host cores, QEMU TCG emulation, kernel $(cat "$MO_BUILD/bench/include/config/kernel.release") (no debug options)"
	sed -n '/@@MO BEGIN/,/@@MO END/p' "$log" | grep -v -e '^\[' -e '@@MO'
} | tee "$out/bench-threads.txt"
step "done (console log: $log, table: results/bench-threads.txt)"
