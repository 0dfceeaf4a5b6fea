#!/bin/sh
# Where the benchmark's round-to-round noise comes from; not one of
# make bench's tables (harness/bench-noise.sh boots it and reads it).
# ROUNDS rounds of one timed move of 256 MiB of 2 MiB folios and one of
# 64 MiB of 4 KiB folios, node 0 -> node 1, each from compacted memory
# as in the control. migrate_bench -M marks each timed move on the
# console ("mark: begin" / "mark: end"), so that the host can tell which
# of QEMU's threads ran, and which waited for a host CPU, meanwhile.
# One "noise" line per move. Numbers from TCG emulation.
. /tests/bench_lib.sh
ROUNDS=8
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.noise_rounds=*) ROUNDS=${kv#*=} ;;
	esac
done
kernel=vanilla
[ -d /sys/kernel/mm/migration ] && kernel=patched
fails=0
migrate_bench -m 64 -r 1 -s 2048 > /dev/null	# warm-up
for r in $(seq "$ROUNDS"); do
	for sz in 4 2048; do
		mb=256
		[ $sz = 4 ] && mb=64
		echo 1 > /proc/sys/vm/compact_memory
		bench_move $sz $mb -M || { fails=$((fails + 1)); continue; }
		echo "noise kernel=$kernel round=$r size_kb=$sz mib=$mb $whole split=$split busy=$busy ipi=$ipi ns=$ns"
	done
done
if [ $fails = 0 ]; then echo "ok 1 noise"; else echo "not ok 1 noise # $fails failed moves"; fi
echo "1..1"
