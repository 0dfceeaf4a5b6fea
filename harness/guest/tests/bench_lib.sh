#!/bin/sh
# Not a test: the timed move the benchmark tables (bench_control.sh,
# bench_matrix.sh) share, so that they measure and describe it alike.
# Numbers from TCG emulation.

vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# bench_move SIZE_KB MIB [migrate_bench options]: one timed move_pages()
# of MIB MiB in folios of SIZE_KB, by a mover on node 0's CPUs (helper
# threads placed near the destination then get other CPUs). Sets
#   ns     the move's time in ns
#   whole  "whole_src=P whole_dst=P": percent of the memory in folios of
#          the size asked for before and after the move; a 2 MiB move
#          that found no THP (at the fault, or at the destination where
#          migration splits it) moves base pages, several times slower
#   split  THPs split by migration meanwhile
# Returns 1 when the move failed or printed no time.
bench_move() {
	_kb=$1 _mb=$2
	shift 2
	_s0=$(vmstat thp_migration_split)
	_raw=$(numactl --cpunodebind=0 migrate_bench -m "$_mb" -r 1 -s "$_kb" "$@" |
		sed -n 's/^raw: //p')
	split=$(( $(vmstat thp_migration_split) - _s0 ))
	ns=${_raw##* ns=}
	whole=$(echo "$_raw" | sed -n 's/.*\(whole_src=[-0-9]* whole_dst=[-0-9]*\).*/\1/p')
	[ -n "$_raw" ] && [ -n "$ns" ]
}
