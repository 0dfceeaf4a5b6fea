#!/bin/sh
# Not a test: where the threads provider's time goes, batch by batch.
# migrate_pages_batch() takes at most NR_MAX_BATCHED_MIGRATION (512)
# pages at a time, so with 2 MiB folios every batch is one folio and the
# provider pays its fixed costs (queue a helper, wake its idle vCPU,
# wait for it) once per 2 MiB. With tracepoints (global clock, so that
# times on different CPUs compare), for MB MiB of 2 MiB folios moved
# from node 0 to node 1 by a mover bound to node 0, with 1 and 2
# threads, the medians per batch of:
#   batch   migrate_offload_batch_start -> _end (the whole copy)
#   wake    the helper queued -> running (workqueue_queue_work ->
#           workqueue_execute_start of mt_helper_work)
#   helper  the helper's copy of its share
#   after   the helper done -> the batch done: the caller still copying
#           its own share, or waking up from its wait for the helper
# Numbers from TCG emulation. Run it on the bench kernel:
#   harness/build-guest.sh bench
#   MO_APPEND="mo.tt_rounds=6 mo.tt_threads=1,2" \
#	harness/vm.sh bench threads_trace probe-threads
. /tests/threads_lib.sh
T=/sys/kernel/tracing
MB=128 THREADS="1 2" ROUNDS=3 CHUNKS=
for kv in $(cat /proc/cmdline); do
	case $kv in
	mo.tt_threads=*) THREADS=$(echo "${kv#*=}" | tr , ' ') ;;
	mo.tt_rounds=*) ROUNDS=${kv#*=} ;;
	mo.tt_mb=*) MB=${kv#*=} ;;
	mo.tt_chunks=*) CHUNKS=$(echo "${kv#*=}" | tr , ' ') ;;
	esac
done
[ -d $thr ] || { echo "ok 1 # SKIP no threads provider"; echo "1..1"; exit 0; }
[ -d $T/events ] || mount -t tracefs nodev $T

threads_force
CHUNKS=${CHUNKS:-$(cat $thr/chunk_size)}
echo global > $T/trace_clock
echo 16384 > $T/buffer_size_kb
for e in migrate_offload/migrate_offload_batch_start \
	 migrate_offload/migrate_offload_batch_end \
	 workqueue/workqueue_queue_work workqueue/workqueue_execute_start \
	 workqueue/workqueue_execute_end; do
	echo 1 > $T/events/$e/enable
done

for round in $(seq $ROUNDS); do
	for t in $THREADS; do
	for chunk in $CHUNKS; do
		echo $t > $thr/threads
		echo $chunk > $thr/chunk_size
		echo 1 > /proc/sys/vm/compact_memory
		echo > $T/trace
		echo 1 > $T/tracing_on
		ns=$(move_ns $MB)
		echo 0 > $T/tracing_on
		awk '
		{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($i, 1, length($i) - 1); break } }
		/migrate_offload_batch_start:/ { bs = ts; q = es = ee = w = "" }
		/workqueue_queue_work:/ && /workqueue=migrate_copy/ {
			q = ts; w = $0; sub(/.*work struct=/, "", w); sub(/ .*/, "", w) }
		/workqueue_execute_start:/ && index($0, "work struct " w ":") { es = ts }
		/workqueue_execute_end:/ && index($0, "work struct " w ":") { ee = ts }
		/migrate_offload_batch_end:/ && bs != "" {
			if (q != "" && es != "" && ee != "")
				printf "%d %d %d %d\n", (ts - bs) * 1e6, (es - q) * 1e6, (ee - es) * 1e6, (ts - ee) * 1e6
			else
				printf "%d - - -\n", (ts - bs) * 1e6
			bs = ""
		}' $T/trace > /tmp/tt.$t
		cat /tmp/tt.$t >> /tmp/all.$t.$chunk
		n=$(wc -l < /tmp/tt.$t)
		echo "# round $round threads=$t chunk=$((chunk / 1024))K: move $((ns / 1000)) us, $n batches; per batch median: batch $(cut -d' ' -f1 /tmp/tt.$t | median) us, wake $(cut -d' ' -f2 /tmp/tt.$t | grep -vx -- - | median) us, helper $(cut -d' ' -f3 /tmp/tt.$t | grep -vx -- - | median) us, after $(cut -d' ' -f4 /tmp/tt.$t | grep -vx -- - | median) us"
	done
	done
done
# Every batch of every round: rounds differ by where their folios lie,
# which under TCG alone can double a copy's time.
for t in $THREADS; do
	for chunk in $CHUNKS; do
		f=/tmp/all.$t.$chunk
		echo "# all rounds threads=$t chunk=$((chunk / 1024))K: $(wc -l < $f) batches; batch us quartiles $(cut -d' ' -f1 $f | quartiles), helper $(cut -d' ' -f3 $f | grep -vx -- - | quartiles)"
	done
done
echo 0 > $thr/enabled
echo "ok 1 threads trace"
echo "1..1"
