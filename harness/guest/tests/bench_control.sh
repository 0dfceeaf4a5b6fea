#!/bin/sh
# The control of the benchmark: the unpatched kernel against ours with
# offload off ("default", the unpatched path behind a static key). Both
# boot the same initramfs and run this, interleaved over several boots
# (harness/bench.sh), so that the ratio between them shows how much boot
# to boot placement and host noise alone move a number. One "control"
# line per measurement. Numbers from TCG emulation.
REPS=${MO_BENCH_CONTROL_REPS:-3}
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.bench_control_reps=*) REPS=${kv#*=} ;;
	mo.boot=*) BOOT=${kv#*=} ;;
	esac
done
kernel=vanilla
[ -d /sys/kernel/mm/migration ] && kernel=patched
fails=0
migrate_bench -m 64 -r 1 -s 2048 > /dev/null	# warm-up
for r in $(seq "$REPS"); do
	for sz in 4 2048; do
		mb=256
		[ $sz = 4 ] && mb=64
		echo 1 > /proc/sys/vm/compact_memory
		s0=$(sed -n 's/^thp_migration_split //p' /proc/vmstat)
		raw=$(numactl --cpunodebind=0 migrate_bench -m $mb -r 1 -s $sz |
			sed -n 's/^raw: //p')
		ns=${raw##* ns=}
		[ -n "$raw" ] && [ -n "$ns" ] || { fails=$((fails + 1)); continue; }
		# How much of it moved as folios of the size asked for: a 2 MiB
		# move that found no THP (at the fault or at the destination,
		# where migration splits it) moves base pages, several times
		# slower; the report tells such rounds apart.
		whole=$(echo "$raw" | sed -n 's/.*\(whole_src=[-0-9]* whole_dst=[-0-9]*\).*/\1/p')
		split=$(( $(sed -n 's/^thp_migration_split //p' /proc/vmstat) - s0 ))
		echo "control boot=${BOOT:-0} kernel=$kernel round=$r size_kb=$sz mib=$mb $whole split=$split ns=$ns"
	done
done
if [ $fails = 0 ]; then echo "ok 1 control"; else echo "not ok 1 control # $fails failed moves"; fi
echo "1..1"
