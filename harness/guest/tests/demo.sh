#!/bin/sh
# What `make run` shows: the topology, THP, the offload sysfs tree and
# move_pages() throughput per folio size, then the same through the
# offload core, with the providers' counters before and after.
MB=256
mig=/sys/kernel/mm/migration

# Prefix our lines so the host can tell them from kernel messages.
main() {

echo "== NUMA nodes (numactl -H)"
numactl -H
echo "== memory tiers"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -d "$t" ] && echo "$(basename "$t"): nodes $(cat "$t/nodelist")"
done
echo "== THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"

stats() {
	printf '%-8s %8s %8s %12s %8s %8s %10s\n' provider batches folios bytes failed recopied time_us
	for p in "$mig"/providers/*; do
		s=$p/stats
		printf '%-8s %8s %8s %12s %8s %8s %10s\n' "$(basename "$p")" \
			"$(cat "$s/batches")" "$(cat "$s/folios")" "$(cat "$s/bytes")" \
			"$(cat "$s/failed")" "$(cat "$s/recopied")" "$(cat "$s/time_us")"
	done
}

if [ ! -d "$mig" ]; then
	echo "== move_pages() node 0 -> node 1, ${MB} MiB (TCG emulation: compare ratios only)"
	migrate_bench -m "$MB" -r 1
	exit
fi

echo "== $mig"
echo "-- available_providers"
cat "$mig/available_providers"
echo "-- policy"
for f in "$mig"/policy/*; do
	printf '%-18s %s\n' "$(basename "$f")" "$(cat "$f")"
done

echo "== move_pages() node 0 -> node 1, ${MB} MiB, no provider enabled (the unchanged path)"
echo "   (TCG emulation: compare ratios within this run only)"
migrate_bench -m "$MB" -r 1

if [ -d "$mig/providers/threads" ]; then
	echo 1 > "$mig/providers/threads/enabled"
	echo threads > "$mig/policy/syscall_or_cpuset"
	echo "== 4 KiB and 2 MiB again, through the 'threads' provider ($(cat "$mig/providers/threads/threads") threads;"
	echo "   its thresholds leave 4 KiB folios to the CPU)"
else
	modprobe test_migrate_offload enable=1
	echo "== 4 KiB and 2 MiB again, through the offload core: provider 'test' (a CPU copy) enabled"
fi
cat "$mig/available_providers"
stats
migrate_bench -m "$MB" -r 1 -s 4,2048
echo "-- counters after"
stats
}

main 2>&1 | sed 's/^/| /'
