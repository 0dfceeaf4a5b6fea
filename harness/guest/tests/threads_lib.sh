#!/bin/sh
# Not a test: helpers the threads benchmarks and probes source.
mig=/sys/kernel/mm/migration thr=$mig/providers/threads

# threads_force: every folio of a move_pages() batch to the threads
# provider (policy threads, no thresholds, helpers near the destination).
threads_force() {
	echo threads > $mig/policy/syscall_or_cpuset
	echo 4096 > $thr/min_folio_size
	echo 0 > $thr/min_batch_bytes
	echo dst > $thr/placement
	echo 1 > $thr/enabled
}

# move_ns MB: move MB MiB of 2 MiB folios from node 0 to node 1 with a
# mover bound to node 0 (its helpers then get node 1's CPUs); prints the
# move_pages() time in ns, nothing when the move failed.
move_ns() {
	numactl --cpunodebind=0 migrate_bench -m "$1" -r 1 -s 2048 |
		sed -n 's/^raw:.* ns=//p'
}

# median: of the numbers on stdin, one a line; "-" when there are none.
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

# quartiles: the 25th, 50th and 75th percentile of the numbers on stdin.
quartiles() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 3) / 4)], v[int((NR + 1) / 2)], v[int((3 * NR + 3) / 4)]; else print "-" }'
}
