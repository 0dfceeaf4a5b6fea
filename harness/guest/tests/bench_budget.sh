#!/bin/sh
# The batch byte budget: move_pages() of MO_BENCH_BUDGET_MB MiB of 2 MiB
# folios from node 0 to node 1 by a mover bound to node 0, for budgets
# of 2, 8, 32 and 64 MiB under threads-2, dma-1 and dma-4 (and dma-4
# copying ahead in batch_parts 4, "dma-4-ahead"), in paired
# rounds: every round measures "default" (offload off: the unpatched
# path) first, then every setup x budget, so that each ratio compares
# measurements taken minutes apart in the same boot. Also measures how
# long each folio stayed unmapped (tracepoint
# migrate_offload:migrate_offload_folio_window, on for every setup,
# default included). One "budget" line per measurement; harness/bench-
# report.py makes the table. Numbers from TCG emulation, DMA rows from
# the emulated SDXi engine: compare ratios within one run only.
. /tests/threads_lib.sh
MB=1024
REPS=${MO_BENCH_REPS:-3}
BUDGETS="2 8 32 64"
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.bench_reps=*) REPS=${kv#*=} ;;
	mo.bench_budget_mb=*) MB=${kv#*=} ;;
	mo.bench_budgets=*) BUDGETS=$(echo "${kv#*=}" | tr , ' ') ;;
	esac
done
dma=$mig/providers/dmaengine
dmadbg=/sys/kernel/debug/migrate_dma
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs none $tr 2>/dev/null
ev=$tr/events/migrate_offload/migrate_offload_folio_window

fns() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/class)" = "$1" ] && printf '%s,' "${d##*/}"
	done | sed 's/,$//'
}

if [ ! -d $thr ] || [ ! -d $ev ]; then
	echo "# no threads provider or no window tracepoint"
	echo "ok 1 # SKIP nothing to measure"; echo "1..1"; exit 0
fi
setups="threads-2"
sdxi=$(fns 0x120100)
modprobe sdxi 2>/dev/null
modprobe migrate_dma 2>/dev/null
if [ -d $dma ] && [ -n "$sdxi" ]; then
	echo "$sdxi" > $dma/devices
	echo 1 > $dma/enabled
	nch=$(wc -l < $dmadbg/in_use)
	echo 0 > $dma/enabled
	setups="$setups dma-1"
	[ "$nch" -ge 4 ] && setups="$setups dma-4 dma-4-ahead"
fi
saved_budget=$(cat $mig/batch_bytes)
saved_policy=$(sed 's/.*\[\(.*\)\].*/\1/' $mig/policy/syscall_or_cpuset)
saved_parts=$(cat $mig/batch_parts)

setup() { # setup NAME BUDGET_MB
	echo 0 > $thr/enabled
	[ -d $dma ] && echo 0 > $dma/enabled
	echo $(($2 << 20)) > $mig/batch_bytes
	echo "$saved_parts" > $mig/batch_parts
	case $1 in
	default) echo "$saved_policy" > $mig/policy/syscall_or_cpuset ;;
	threads-*) threads_force; echo "${1#threads-}" > $thr/threads ;;
	dma-*-ahead)
		setup "${1%-ahead}" "$2"
		echo 4 > $mig/batch_parts ;;
	dma-*)
		echo 1 > $dma/enabled; echo "${1#dma-}" > $dma/channels
		echo 4096 > $dma/min_folio_size; echo 0 > $dma/min_batch_bytes
		echo dmaengine > $mig/policy/syscall_or_cpuset ;;
	esac
}

# measure SETUP BUDGET ROUND: one move, its time and the folios' windows.
measure() {
	setup "$1" "$2"
	echo 1 > /proc/sys/vm/compact_memory
	echo 0 > $ev/enable
	: > $tr/trace
	echo 1 > $ev/enable
	ns=$(move_ns $MB)
	echo 0 > $ev/enable
	[ -n "$ns" ] || { echo "# move failed: $1 budget $2"; return 1; }
	# The folios of the timed move went to node 1: the windows of the
	# fault-in and of the move back to node 0 came first, so keep the
	# last MB/2 events.
	w=$(sed -n 's/.*migrate_offload_folio_window:.* ns=\([0-9]*\).*/\1/p' $tr/trace |
		tail -n $((MB / 2)) | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%d %d %d", NR, v[int((NR + 1) / 2)] / 1000, v[NR] / 1000; else print "0 0 0" }')
	set -- "$1" "$2" "$3" $w
	echo "budget round=$3 setup=$1 budget_mb=$2 mib=$MB ns=$ns folios=$4 p50_us=$5 max_us=$6"
}

fails=0
echo 2048 > $tr/buffer_size_kb
measure default 2 0 > /dev/null	# warm-up
for r in $(seq "$REPS"); do
	measure default 2 "$r" || fails=$((fails + 1))
	for s in $setups; do
		for b in $BUDGETS; do
			# One part at 2 MiB: copying ahead changes nothing.
			[ "$s" = dma-4-ahead ] && [ "$b" = 2 ] && continue
			measure "$s" "$b" "$r" || fails=$((fails + 1))
		done
	done
done
setup default 2
echo "$saved_budget" > $mig/batch_bytes
echo "$saved_parts" > $mig/batch_parts
if [ $fails = 0 ]; then echo "ok 1 budget benchmark"; else echo "not ok 1 budget benchmark # $fails failed moves"; fi
echo "1..1"
