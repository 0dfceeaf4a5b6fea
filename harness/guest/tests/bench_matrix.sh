#!/bin/sh
# The migration benchmark matrix, run on the unpatched and on the patched
# kernel alike: move_pages() of MO_BENCH_MB MiB from node 0 to node 1 for
# each folio size, under every setup the kernel offers, MO_BENCH_REPS
# rounds in which the setups take turns (so drift hits them alike); then
# 2 MiB folios by count, then by memory type (anonymous and shmem THPs,
# 2 MiB hugetlb pages) on a few setups. With mo.bench_huge=1 (a boot that
# reserved a 1 GiB hugetlb page on nodes 1 and 2) only 1 GiB hugetlb
# pages, from node 1 to node 2. One "row" line per measurement; harness/bench-
# report.py turns them into tables and a plot. Numbers come from TCG
# emulation (and an emulated DMA engine that copies with host memcpy):
# compare ratios within one run only. The guard sizes (4, 16, 64 KiB) run
# MO_BENCH_GUARD_REPS rounds in all (mo.bench_guard_reps=) for offload
# off, "enabled" and "auto".
. /tests/bench_lib.sh
MB=${MO_BENCH_MB:-256}
REPS=${MO_BENCH_REPS:-3}
GUARD_REPS=${MO_BENCH_GUARD_REPS:-9}
SIZES=${MO_BENCH_SIZES:-4 16 64 256 1024 2048}
COUNTS=${MO_BENCH_COUNTS:-1 4 16 64 256}
mig=/sys/kernel/mm/migration
dmadbg=/sys/kernel/debug/migrate_dma

for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.bench_mb=*) MB=${kv#*=} ;;
	mo.bench_reps=*) REPS=${kv#*=} ;;
	mo.bench_guard_reps=*) GUARD_REPS=${kv#*=} ;;
	mo.bench_counts=*) COUNTS=$(echo "${kv#*=}" | tr , ' ') ;;
	mo.bench_sizes=*) SIZES=$(echo "${kv#*=}" | tr , ' ') ;;
	mo.bench_huge=1) HUGE=1 ;;
	esac
done

# The knobs setup() changes, as sysfs paths.
knobs() {
	ls -d $mig/policy/* $mig/providers/threads/min_* \
		$mig/providers/dmaengine/min_* 2>/dev/null
}

# The PCI functions of a class or vendor:device, comma-separated.
fns() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/class)" = "$1" ] ||
			[ "$(cat $d/vendor):$(cat $d/device)" = "$1" ] && printf '%s,' "${d##*/}"
	done | sed 's/,$//'
}

if [ -d $mig ]; then
	kernel=patched
	# The dma-N rows run on the SDXi functions, ptdma-1 on the PTDMA one.
	sdxi=$(fns 0x120100) ptdma=$(fns 0x1022:0x1498)
	modprobe sdxi 2>/dev/null
	[ -n "$ptdma" ] && modprobe ptdma 2>/dev/null
	modprobe migrate_dma 2>/dev/null
	setups="default enabled auto threads-1 threads-2 threads-3 threads-4"
	if [ -d $mig/providers/dmaengine ] && [ -n "$sdxi" ]; then
		echo "$sdxi" > $mig/providers/dmaengine/devices
		# Channels are held only while the provider is enabled.
		echo 1 > $mig/providers/dmaengine/enabled
		nch=$(wc -l < $dmadbg/in_use)
		echo 0 > $mig/providers/dmaengine/enabled
		for c in 1 2 4 8; do [ $c -le "$nch" ] && setups="$setups dma-$c"; done
	fi
	[ -d $mig/providers/dmaengine ] && [ -n "$ptdma" ] && setups="$setups ptdma-1"
	# Boot-time state, restored before every measurement (a policy
	# reads as a list with the choice in brackets).
	for p in $(knobs); do
		sed 's/.*\[\(.*\)\].*/\1/' "$p" > "/tmp/boot.$(echo "${p#$mig/}" | tr / .)"
	done
else
	kernel=vanilla
	setups=vanilla
fi
echo "# kernel=$kernel setups: $setups"

copy_us() {
	[ -d $mig ] || { echo 0; return; }
	cat $mig/providers/*/stats/time_us | awk '{ s += $1 } END { print s }'
}

# setup NAME: put the kernel in that state.
setup() {
	[ -d $mig ] || return 0
	thr=$mig/providers/threads dma=$mig/providers/dmaengine
	# As booted: providers registered disabled, default policies and
	# thresholds ("auto"); "enabled" switches them on as they are.
	for p in $(knobs); do
		cat "/tmp/boot.$(echo "${p#$mig/}" | tr / .)" > "$p" ||
			echo "# setup $1: cannot restore $p"
	done
	for d in $thr $dma; do
		[ -d $d ] || continue
		echo 0 > $d/enabled
	done
	# Engines are given back and taken only when the list changes.
	devs=$sdxi
	[ "$1" = ptdma-1 ] && devs=$ptdma
	[ -d $dma ] && [ "$(cat $dma/devices)" != "$devs" ] && echo "$devs" > $dma/devices
	case $1 in
	default) ;;
	enabled)
		for d in $thr $dma; do [ -d $d ] && echo 1 > $d/enabled; done
		[ -d $thr ] && echo 2 > $thr/threads ;;
	auto)
		# Every provider, no thresholds: the cost model alone decides.
		for d in $thr $dma; do
			[ -d $d ] || continue
			echo 1 > $d/enabled
			echo 4096 > $d/min_folio_size; echo 0 > $d/min_batch_bytes
		done
		[ -d $thr ] && echo 2 > $thr/threads
		echo auto > $mig/policy/syscall_or_cpuset ;;
	threads-*)
		echo 1 > $thr/enabled; echo "${1#threads-}" > $thr/threads
		echo 4096 > $thr/min_folio_size; echo 0 > $thr/min_batch_bytes
		echo threads > $mig/policy/syscall_or_cpuset ;;
	dma-*|ptdma-*)
		echo 1 > $dma/enabled; echo "${1#*dma-}" > $dma/channels
		echo 4096 > $dma/min_folio_size; echo 0 > $dma/min_batch_bytes
		echo dmaengine > $mig/policy/syscall_or_cpuset ;;
	esac
}

measure() { # measure SIZE_KB MIB KIND [MEMORY [FROM TO]]
	# Start from compacted memory: whether node 1 still has free 2 MiB
	# blocks (or the THPs must be split and moved page by page) would
	# otherwise depend on what the setups before left behind.
	echo 1 > /proc/sys/vm/compact_memory
	c0=$(copy_us)
	bench_move "$1" "$2" -k "${4:-anon}" -f "${5:-0}" -t "${6:-1}" ||
		{ echo "# migrate_bench failed: $s ${4:-anon} $1 KiB x $2 MiB"; return 1; }
	echo "row kind=$3 kernel=$kernel round=$round setup=$s mem=${4:-anon} size_kb=$1 mib=$2 ns=$ns copy_us=$(( $(copy_us) - c0 )) split=$split busy=$busy ipi=$ipi $whole"
}

# hugetlb pages of SIZE_KB on nodes: hugetlb SIZE_KB COUNT NODE...; the
# count reserved on each is the status.
hugetlb() {
	kb=$1 nr=$2
	shift 2
	for n in "$@"; do
		f=/sys/devices/system/node/node$n/hugepages/hugepages-${kb}kB/nr_hugepages
		[ -w $f ] || return 1
		echo "$nr" > $f 2>/dev/null
		[ "$(cat $f)" -ge "$nr" ] || return 1
	done
}

fails=0
setup default
migrate_bench -m 64 -r 1 -s 2048 > /dev/null	# warm-up
[ -n "${HUGE:-}" ] && SIZES= COUNTS=
for round in $(seq "$REPS"); do
	for sz in $SIZES; do
		for s in $setups; do
			setup $s
			measure "$sz" "$MB" size || fails=$((fails + 1))
		done
	done
done
# The guard sizes again, to GUARD_REPS rounds in all, offload off against
# "enabled" and "auto" only: those must not lose at small sizes by more
# than 2 %, and one setup's rounds at 4 KiB spread by 30 % and more, which
# three rounds cannot tell from a loss.
gsizes=
for sz in $SIZES; do
	case $sz in 4|16|64) gsizes="$gsizes $sz" ;; esac
done
[ $kernel = patched ] || gsizes=
for round in $(seq $((REPS + 1)) "$GUARD_REPS"); do
	for sz in $gsizes; do
		for s in default enabled auto; do
			setup $s
			measure "$sz" "$MB" size || fails=$((fails + 1))
		done
	done
done
for round in $(seq "$REPS"); do
	for n in $COUNTS; do
		for s in $setups; do
			setup $s
			measure 2048 $((n * 2)) count || fails=$((fails + 1))
		done
	done
done
# By memory type: the unpatched kernel, offload off, two threads, four
# DMA channels, where the boot has them.
tsetups=
for s in $setups; do
	case $s in vanilla|default|threads-2|dma-4) tsetups="$tsetups $s" ;; esac
done
if [ -n "${HUGE:-}" ]; then
	mems=
	if hugetlb 1048576 1 1 2; then
		mems="hugetlb:1048576:1024:1:2"
	else
		echo "# no 1 GiB hugetlb page on nodes 1 and 2: no 1 GiB row"
		fails=$((fails + 1))
	fi
else
	mems="anon:2048:$MB:0:1 shmem:2048:$MB:0:1"
	hugetlb 2048 $((MB / 2)) 0 1 && mems="$mems hugetlb:2048:$MB:0:1"
fi
for round in $(seq "$REPS"); do
	for m in $mems; do
		set -- $(echo $m | tr : ' ')
		for s in $tsetups; do
			setup $s
			measure "$2" "$3" type "$1" "$4" "$5" || fails=$((fails + 1))
		done
	done
done
[ -n "${HUGE:-}" ] || hugetlb 2048 0 0 1
setup default
[ $kernel = patched ] && cat $mig/providers/*/stats/failed | awk '{ s += $1 } END { print "# folios failed by providers: " s }'
[ $fails = 0 ]
