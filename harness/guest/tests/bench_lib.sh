#!/bin/sh
# Not a test: the timed move the benchmark tables (bench_control.sh,
# bench_matrix.sh) share, so that they measure and describe it alike.
# Numbers from TCG emulation.

vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# Each CPU's busy time so far (user, nice, system, irq, softirq), in
# USER_HZ ticks, comma-separated.
cpu_busy() {
	awk '/^cpu[0-9]/ { printf "%s%d", s, $2 + $3 + $4 + $7 + $8; s = "," } END { print "" }' /proc/stat
}

# busy_delta BEFORE AFTER: cpu_busy() AFTER minus BEFORE, CPU by CPU.
busy_delta() {
	echo "$1 $2" | awk '{ n = split($1, a, ","); split($2, b, ",")
		for (i = 1; i <= n; i++) printf "%s%d", (i == 1 ? "" : ","), b[i] - a[i]
		print "" }'
}

# TLB shootdown and function call IPIs received so far, all CPUs.
ipis() {
	awk '$1 == "TLB:" || $1 == "CAL:" { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' /proc/interrupts
}

# bench_move SIZE_KB MIB [migrate_bench options]: one timed move_pages()
# of MIB MiB in folios of SIZE_KB, by a mover on node 0's CPUs (helper
# threads placed near the destination then get other CPUs). Sets
#   ns     the move's time in ns
#   whole  "whole_src=P whole_dst=P": percent of the memory in folios of
#          the size asked for before and after the move; a 2 MiB move
#          that found no THP (at the fault, or at the destination where
#          migration splits it) moves base pages, several times slower
#   split  THPs split by migration meanwhile
#   busy   each CPU's busy time meanwhile, in USER_HZ ticks ("3,0,12,1"):
#          with 4 vCPUs on 2 host cores, work on the other vCPUs can
#          take host time from the mover's
#   ipi    TLB shootdown and function call IPIs meanwhile
# Returns 1 when the move failed or printed no time.
bench_move() {
	_kb=$1 _mb=$2
	shift 2
	_s0=$(vmstat thp_migration_split)
	_b0=$(cpu_busy)
	_i0=$(ipis)
	_raw=$(numactl --cpunodebind=0 migrate_bench -m "$_mb" -r 1 -s "$_kb" "$@" |
		sed -n 's/^raw: //p')
	busy=$(busy_delta "$_b0" "$(cpu_busy)")
	ipi=$(( $(ipis) - _i0 ))
	split=$(( $(vmstat thp_migration_split) - _s0 ))
	ns=${_raw##* ns=}
	whole=$(echo "$_raw" | sed -n 's/.*\(whole_src=[-0-9]* whole_dst=[-0-9]*\).*/\1/p')
	[ -n "$_raw" ] && [ -n "$ns" ]
}
