#!/bin/sh
# Copy phase and move_pages() throughput node 0 -> node 1 of 512 x 2 MiB
# folios and of 256 MiB of 4 KiB folios under four setups: the unchanged
# path (no provider enabled), the batch copied by one thread (threads=1),
# and the threads provider with 2 and 3 threads. The setups take turns,
# three rounds after a warm-up, so drift hits them alike; each line gives
# the median. Copy-phase time comes from the providers' stats/time_us.
# Numbers from TCG emulation: compare ratios within one run only.
mig=/sys/kernel/mm/migration
thr=$mig/providers/threads

copy_us() {
	echo $(( $(cat "$mig/providers/cpu/stats/time_us") + $(cat "$thr/stats/time_us") ))
}

setup() {	# setup NAME
	case $1 in
	unchanged) echo 0 > "$thr/enabled" ;;
	*) echo 1 > "$thr/enabled"; echo "${1#t}" > "$thr/threads" ;;
	esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

[ -d "$thr" ] || { echo "no threads provider"; exit 4; }
for p in "$mig"/policy/*; do echo none > "$p"; done
echo threads > "$mig/policy/syscall_or_cpuset"
echo 4096 > "$thr/min_folio_size"	# the 4 KiB rows measure threads too
echo 0 > "$thr/min_batch_bytes"
rm -f /tmp/bt.*
for sz in 2048 4; do
	mb=256
	[ "$sz" = 2048 ] && mb=1024
	setup t1
	migrate_bench -m "$mb" -r 1 -s "$sz" > /dev/null	# warm-up
	for round in 1 2 3; do
		for s in unchanged t1 t2 t3; do
			setup $s
			c0=$(copy_us)
			ns=$(migrate_bench -m "$mb" -r 1 -s "$sz" | sed -n 's/^raw:.* ns=//p')
			[ -n "$ns" ] || { echo "migrate_bench failed"; exit 1; }
			echo "$ns $(( $(copy_us) - c0 ))" >> "/tmp/bt.$sz.$s"
		done
	done
	for s in unchanged t1 t2 t3; do
		ns=$(cut -d' ' -f1 "/tmp/bt.$sz.$s" | median)
		us=$(cut -d' ' -f2 "/tmp/bt.$sz.$s" | median)
		awk -v s=$s -v sz=$sz -v mb=$mb -v ns=$ns -v us=$us 'BEGIN {
			printf "folio %4s KiB x %4d MiB  %-9s move_pages %7.3f GB/s  copy phase %s\n",
			sz, mb, s, mb * 1048576 / ns,
			s == "unchanged" ? "(not measured: no batch)" : sprintf("%7.3f s", us / 1e6) }'
	done
done
echo "helpers run: $(cat "$thr/helpers"), helper copy time $(cat "$thr/helper_time_us") us"
