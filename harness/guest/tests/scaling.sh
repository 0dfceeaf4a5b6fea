#!/bin/sh
# Not a test: how CPU copies scale with vCPUs in this emulated guest.
# One copier (dd from /dev/zero: the kernel clears the user buffer with
# the same string instructions a folio copy uses) on CPU 0, then one each
# on CPUs 0 and 2. Under TCG on few host cores, two vCPUs copying at once
# may not double the throughput, which bounds what any multi-threaded
# copy can show here. TAP on stdout. Run it on the bench kernel:
#   harness/build-guest.sh bench && harness/vm.sh bench scaling probe-scaling
mb=1024
up() { cut -d' ' -f1 /proc/uptime; }
copier() { # copier CPU: seconds one dd on that CPU takes
	t0=$(up)
	taskset -c "$1" dd if=/dev/zero of=/dev/null bs=1M count=$mb 2> /dev/null
	awk -v a="$t0" -v b="$(up)" 'BEGIN { print b - a }'
}
t1=$(copier 0)
copier 0 > /tmp/c0 & copier 2 > /tmp/c2; wait
t2a=$(cat /tmp/c0) t2b=$(cat /tmp/c2)
echo "# one copier: $mb MiB in $t1 s; two at once: $t2a s and $t2b s"
awk -v a="$t1" -v b="$t2a" -v c="$t2b" -v m="$mb" 'BEGIN {
	s = b > c ? b : c
	printf "# scaling: 1 copier %.2f GB/s, 2 copiers %.2f GB/s total (%.2fx)\n",
		m / 1024 / a, 2 * m / 1024 / s, (2 * m / s) / (m / a) }'

# The same question for migration: two move_pages() of 2 MiB folios at
# once (unchanged path, no provider), one on each node's CPUs, against
# one alone; then the threads provider with 1 and 2 threads, with its
# copy-phase time and its helpers' copy time.
mig=/sys/kernel/mm/migration thr=$mig/providers/threads
mover() { # mover CPU: ns of one move_pages() of 128 MiB of 2 MiB folios
	taskset -c "$1" migrate_bench -m 128 -r 1 -s 2048 |
		sed -n 's/^raw:.* ns=//p'
}
if [ -d $thr ]; then
	for p in $mig/policy/*; do echo none > "$p"; done
	echo 0 > $thr/enabled
	mover 0 > /dev/null
	for r in 1 2 3; do
		a=$(mover 0)
		mover 0 > /tmp/m0 & mover 2 > /tmp/m2; wait
		echo "# moves: alone $a ns; together $(cat /tmp/m0) and $(cat /tmp/m2) ns"
	done
	echo threads > $mig/policy/syscall_or_cpuset
	echo 4096 > $thr/min_folio_size
	echo 0 > $thr/min_batch_bytes
	echo 1 > $thr/enabled
	busy() { awk '/^cpu[0-9]/ { printf "%s:%d ", $1, $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
	for r in 1 2 3; do
		for t in 1 2-dst 2-src; do
			echo ${t%-*} > $thr/threads
			[ "$t" = 1 ] || echo ${t#*-} > $thr/placement
			c0=$(cat $thr/stats/time_us) h0=$(cat $thr/helper_time_us)
			b0=$(busy)
			# Bound to node 0 like the benchmark.
			ns=$(numactl --cpunodebind=0 migrate_bench -m 128 -r 1 -s 2048 |
				sed -n 's/^raw:.* ns=//p')
			echo "# threads=$t: move $ns ns, copy phase $(( $(cat $thr/stats/time_us) - c0 )) us, helpers copied $(( $(cat $thr/helper_time_us) - h0 )) us"
			echo "#   busy ticks before: $b0"
			echo "#   busy ticks after:  $(busy)"
		done
	done
	echo dst > $thr/placement
	echo 0 > $thr/enabled
fi
echo "ok 1 scaling probe"
echo "1..1"
