#!/bin/sh
# Not a test: how CPU copies scale with vCPUs in this emulated guest.
# One copier (dd from /dev/zero: the kernel clears the user buffer with
# the same string instructions a folio copy uses) on CPU 0, then one each
# on CPUs 0 and 2. Under TCG on few host cores, two vCPUs copying at once
# may not double the throughput, which bounds what any multi-threaded
# copy can show here. TAP on stdout.
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
echo "ok 1 scaling probe"
echo "1..1"
