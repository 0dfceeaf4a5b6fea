#!/bin/sh
# The control of the benchmark: the unpatched kernel against ours with
# offload off ("default", the unpatched path behind a static key). Both
# boot the same initramfs and run this, interleaved over several boots
# (harness/bench.sh), so that the ratio between them shows how much boot
# to boot placement and host noise alone move a number. One "control"
# line per measurement. Numbers from TCG emulation.
# The moves name one address per folio (migrate_bench -F): named page by
# page, the unpatched kernel migrates a range of THPs one folio per
# migrate_pages() call, which a fix of this series outside the offload
# path ("mm/migrate: move_pages(): queue every page of a large folio")
# changes, and the control is of the offload-off path, not of that fix.
# With mo.bench_mark=1, migrate_bench marks each timed move on the console
# ("mark: begin" / "mark: end") for harness/bench-noise.sh, which watches
# QEMU's threads from the host meanwhile.
. /tests/bench_lib.sh
REPS=${MO_BENCH_CONTROL_REPS:-9}
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.bench_control_reps=*) REPS=${kv#*=} ;;
	mo.boot=*) BOOT=${kv#*=} ;;
	mo.bench_mark=1) MARK=-M ;;
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
		bench_move $sz $mb -F ${MARK:-} || { fails=$((fails + 1)); continue; }
		echo "control boot=${BOOT:-0} kernel=$kernel round=$r size_kb=$sz mib=$mb $whole split=$split busy=$busy ipi=$ipi ns=$ns"
	done
done
if [ $fails = 0 ]; then echo "ok 1 control"; else echo "not ok 1 control # $fails failed moves"; fi
echo "1..1"
