#!/bin/sh
# CXL memory in the guest (its own boot: Debian's QEMU 10 with a
# volatile cxl-type3 device, harness/vm.sh with MO_CXL=1): cxl_region.sh
# turns it into a RAM region that dax/kmem onlines as a CPU-less node;
# the CXL online path (drivers/dax/cxl.c, patches/0019) gives that node
# the preference "dma". Checked: the node, its lower memory tier, the
# preference, that move_pages() to it goes to a DMA-kind provider
# although the policy names the threads provider, and that the policy
# applies again once the preference is removed; every byte compared.
# The DMA-kind provider is test_migrate_offload (this QEMU has no DMA
# engine model). TAP on stdout.
. /tests/tap_lib.sh
mig=/sys/kernel/mm/migration thr=$mig/providers/threads tst=$mig/providers/test

node=$(/tests/cxl_region.sh 2> /tmp/cxl_region.log)
rc=$?
[ $rc = 0 ] || sed 's/^/# /' /tmp/cxl_region.log | tail -n 30
check "CXL RAM region online through dax/kmem" \
	$([ $rc = 0 ] && [ -n "$node" ] && [ -d /sys/devices/system/node/node$node ]; echo $?) \
	"node $node"
[ -n "$node" ] && [ -d /sys/devices/system/node/node$node ] || { echo "1..$n"; exit 1; }

cpus=$(cat /sys/devices/system/node/node$node/cpulist)
mem=$(awk '/MemTotal/ { print $4 }' /sys/devices/system/node/node$node/meminfo)
check "the CXL node has memory and no CPU" \
	$([ -z "$cpus" ] && [ "${mem:-0}" -gt 0 ]; echo $?) "$mem kB"

# memory_tierN/nodelist: a higher N is a lower (slower) tier.
tier_of() {
	for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
		for r in $(tr ',' ' ' < $t/nodelist); do
			lo=${r%-*} hi=${r#*-}
			[ "$1" -ge "$lo" ] && [ "$1" -le "$hi" ] && echo "${t##*memory_tier}"
		done
	done
}
t0=$(tier_of 0) tn=$(tier_of $node)
check "the CXL node is in a lower memory tier than node 0" \
	$([ -n "$t0" ] && [ -n "$tn" ] && [ "$tn" -gt "$t0" ]; echo $?) \
	"tiers: node 0 $t0, node $node $tn"

pref=$(cat $mig/nodes/node$node)
check "the CXL online path set the node's preference to dma" \
	$(echo "$pref" | grep -q '\[dma\]'; echo $?) "$pref"

# move_pages() to the CXL node: the policy says threads, the node's
# preference says dma, and the preference wins.
modprobe test_migrate_offload enable=1
for p in $mig/policy/*; do echo none > "$p"; done
echo threads > $mig/policy/syscall_or_cpuset
for d in $thr $tst; do
	echo 4096 > $d/min_folio_size
	echo 0 > $d/min_batch_bytes
	echo 1 > $d/enabled
done
# moves: 16 MiB of 4 KiB and 2 MiB folios node 0 -> CXL node, every word
# checked; sets rc, and dt and dd: the folios the threads and the
# DMA-kind provider copied.
moves() {
	t1=$(cat $thr/stats/folios) d1=$(cat $tst/stats/folios)
	numactl --cpunodebind=0 migrate_bench -f 0 -t $node -s 4,2048 -m 16 -r 1 > /tmp/cxl_move.log 2>&1
	rc=$?
	dt=$(( $(cat $thr/stats/folios) - t1 )) dd=$(( $(cat $tst/stats/folios) - d1 ))
}
moves
check "move_pages() to the CXL node goes to DMA, not the policy's threads" \
	$([ $rc = 0 ] && [ $dd -gt 0 ] && [ $dt = 0 ]; echo $?) \
	"dma-kind $dd folios, threads $dt"

echo default > $mig/nodes/node$node
moves
check "without the preference the policy applies again" \
	$([ $rc = 0 ] && [ $dt -gt 0 ] && [ $dd = 0 ]; echo $?) \
	"threads $dt folios, dma-kind $dd"
echo dma > $mig/nodes/node$node

# No demotion under memory pressure here: it worked (migrate_callers'
# demotion case, every byte compared), but QEMU 10 died with a
# segmentation fault just after it, most likely running program text
# that reclaim had demoted to the CXL memory, which QEMU models as I/O
# memory. Demotion is tested towards node 2 in the main boot.
echo 0 > $tst/enabled
rmmod test_migrate_offload
echo "1..$n"
