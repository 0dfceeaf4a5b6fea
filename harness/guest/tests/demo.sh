#!/bin/sh
# What `make run` shows, on the kernel without debug options (the bench
# flavour): the topology, memory tiers, the offload sysfs tree, then
# move_pages() of MB MiB from node 0 to node 1 on the unchanged path and
# through the offload core, in paired rounds (the two setups back to back,
# their order swapped every round, so drift hits both alike), with the
# median of the per-round ratios and the providers' counters.
#
# "offloaded" is the setup `make bench` found fastest on this guest for
# 2 MiB folios: the threads provider (2 threads) and the dmaengine
# provider on the emulated SDXi functions enabled with their thresholds
# at "auto", the default ("enabled" in the README's table): under the
# move_pages() policy, also "auto", the measured cost decides. 4 KiB
# folios, which no provider is measured to copy faster, show that the
# batch path costs nothing when it cannot help.
#
#   mo.demo_mb=N      MiB per move (default 128)
#   mo.demo_rounds=N  paired rounds of 2 MiB folios (default 5)
. /tests/threads_lib.sh
MB=128
ROUNDS=5
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.demo_mb=*) MB=${kv#*=} ;;
	mo.demo_rounds=*) ROUNDS=${kv#*=} ;;
	esac
done
dma=$mig/providers/dmaengine
dmadbg=/sys/kernel/debug/migrate_dma

stats() {
	printf '%-10s %8s %8s %12s %8s %8s %10s\n' provider batches folios bytes failed recopied time_us
	for p in "$mig"/providers/*; do
		s=$p/stats
		printf '%-10s %8s %8s %12s %8s %8s %10s\n' "$(basename "$p")" \
			"$(cat "$s/batches")" "$(cat "$s/folios")" "$(cat "$s/bytes")" \
			"$(cat "$s/failed")" "$(cat "$s/recopied")" "$(cat "$s/time_us")"
	done
}

# setup unchanged|offloaded
setup() {
	for p in $thr $dma; do
		[ -d $p ] && echo 0 > $p/enabled
	done
	[ "$1" = offloaded ] || return 0
	echo 2 > $thr/threads
	for p in $thr $dma; do
		[ -d $p ] && echo 1 > $p/enabled
	done
}

# move KIB: move_pages() time in ns of MB MiB of KIB KiB folios.
move() {
	echo 1 > /proc/sys/vm/compact_memory
	numactl --cpunodebind=0 migrate_bench -m "$MB" -r 1 -s "$1" |
		sed -n 's/^raw:.* ns=//p'
}

# pairs KIB ROUNDS: paired rounds; prints the median ratio and the list.
pairs() {
	: > /tmp/demo.ratios
	r=1
	while [ $r -le "$2" ]; do
		if [ $((r % 2)) = 1 ]; then
			setup unchanged; a=$(move "$1")
			setup offloaded; b=$(move "$1")
		else
			setup offloaded; b=$(move "$1")
			setup unchanged; a=$(move "$1")
		fi
		if [ -n "$a" ] && [ -n "$b" ]; then
			awk -v a="$a" -v b="$b" -v mb="$MB" -v r="$r" 'BEGIN {
				printf "   round %d: unchanged %.3f GB/s, offloaded %.3f GB/s: %.2fx\n",
					r, mb * 1048576 / a, mb * 1048576 / b, a / b }'
			awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f\n", a / b }' >> /tmp/demo.ratios
		else
			echo "   round $r: a move failed"
		fi
		r=$((r + 1))
	done
	echo "   median of $(wc -l < /tmp/demo.ratios) paired rounds: $(median < /tmp/demo.ratios)x" \
		"[$(sort -n /tmp/demo.ratios | paste -sd' ')]"
}

main() {

echo "== kernel $(uname -r): no debug options (make check boots the KASAN/lockdep one)"
echo "== NUMA nodes (numactl -H)"
numactl -H
echo "== memory tiers"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -d "$t" ] && echo "$(basename "$t"): nodes $(cat "$t/nodelist")"
done
echo "== THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"

if [ ! -d "$mig" ]; then
	echo "== no $mig: this kernel has no migration copy offload"
	migrate_bench -m "$MB" -r 1
	exit
fi
modprobe sdxi 2>/dev/null
modprobe migrate_dma 2>/dev/null

echo "== $mig"
echo "-- available_providers"
cat "$mig/available_providers"
for p in $(cat "$mig/available_providers"); do
	d=$mig/providers/$p
	printf '%-10s kind=%s rating=%s enabled=%s\n' "$p" "$(cat $d/kind)" \
		"$(cat $d/rating)" "$(cat $d/enabled)"
done
echo "-- policy"
for f in "$mig"/policy/*; do
	printf '%-18s %s\n' "$(basename "$f")" "$(cat "$f")"
done

echo "== move_pages() node 0 -> node 1, $MB MiB of 2 MiB folios, $ROUNDS paired rounds"
echo "   unchanged: no provider enabled; offloaded: threads (2 threads) and"
echo "   dmaengine enabled, thresholds and policy at auto"
pairs 2048 "$ROUNDS"
echo "== the same with 4 KiB folios (the CPU copies what no provider beats)"
pairs 4 3
if [ -d $dma ]; then
	setup offloaded
	echo "-- dmaengine channels while enabled (none are held while disabled)"
	cat $dmadbg/in_use
fi
setup unchanged
echo "-- provider counters"
stats
echo "== what the ratios mean: QEMU TCG emulates every CPU, and the SDXi engine"
echo "   copies with the host's memcpy, so a ratio above 1 shows the batch path and"
echo "   its providers working on this 2-core host; it predicts nothing about hardware."
}

main 2>&1 | sed 's/^/| /'
