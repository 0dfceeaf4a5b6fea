#!/bin/sh
# The threads provider's copy phase, paired: move_pages() of 512 x 2 MiB
# folios (1 GiB) from node 0 to node 1 by a mover bound to node 0, with
# the batch copied by one thread (threads=1: the provider's path without
# helpers) and by two (one helper near the destination), MO_BENCH_REPS
# rounds (at least 7), the two setups back to back in every round so
# that drift hits both alike. Prints one "threads" line per measurement
# and a summary: the median of the per-round ratios of copy-phase time
# (1 thread / 2 threads) and of move_pages() time. Copy-phase time comes
# from the provider's stats/time_us, helper time from helper_time_us.
# Numbers from TCG emulation: compare ratios within one run only.
. /tests/threads_lib.sh
MB=1024
REPS=${MO_BENCH_REPS:-5}
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.bench_reps=*) REPS=${kv#*=} ;;
	mo.bench_threads_mb=*) MB=${kv#*=} ;;
	esac
done
[ "$REPS" -ge 7 ] || REPS=7

[ -d $thr ] || { echo "# no threads provider"; echo "ok 1 # SKIP no threads provider"; echo "1..1"; exit 0; }

# The knobs this changes, restored at the end.
for f in $mig/policy/syscall_or_cpuset $thr/enabled $thr/threads \
	 $thr/min_folio_size $thr/min_batch_bytes $thr/placement; do
	sed 's/.*\[\(.*\)\].*/\1/' $f > /tmp/bt.saved.$(basename $f)
done
threads_force

measure() { # measure THREADS: "ns copy_us helper_us" of one move
	echo "$1" > $thr/threads
	echo 1 > /proc/sys/vm/compact_memory
	c0=$(cat $thr/stats/time_us) h0=$(cat $thr/helper_time_us)
	ns=$(move_ns $MB)
	[ -n "$ns" ] || return 1
	echo "$ns $(( $(cat $thr/stats/time_us) - c0 )) $(( $(cat $thr/helper_time_us) - h0 ))"
}

fails=0
measure 1 > /dev/null	# warm-up
: > /tmp/bt.ratios
for r in $(seq "$REPS"); do
	a=$(measure 1) || { fails=$((fails + 1)); continue; }
	b=$(measure 2) || { fails=$((fails + 1)); continue; }
	set -- $a $b
	echo "threads round=$r t=1 ns=$1 copy_us=$2 helper_us=$3"
	echo "threads round=$r t=2 ns=$4 copy_us=$5 helper_us=$6"
	awk -v a="$2" -v b="$5" -v m="$1" -v n="$4" \
		'BEGIN { printf "%.3f %.3f\n", a / b, m / n }' >> /tmp/bt.ratios
done
if [ -s /tmp/bt.ratios ]; then
	cr=$(cut -d' ' -f1 /tmp/bt.ratios | median)
	mr=$(cut -d' ' -f2 /tmp/bt.ratios | median)
	echo "# threads summary: $(wc -l < /tmp/bt.ratios) rounds of $((MB / 2)) x 2 MiB; copy phase 1 thread / 2 threads: median ${cr}x [$(cut -d' ' -f1 /tmp/bt.ratios | sort -n | paste -sd' ')]; move_pages time: median ${mr}x"
fi

for f in /tmp/bt.saved.*; do
	n=${f#/tmp/bt.saved.}
	case $n in
	syscall_or_cpuset) cat $f > $mig/policy/$n ;;
	*) cat $f > $thr/$n ;;
	esac
done
if [ $fails = 0 ]; then echo "ok 1 threads benchmark"; else echo "not ok 1 threads benchmark # $fails failed moves"; fi
echo "1..1"
