#!/bin/sh
# What `make run` shows: the topology, THP, and move_pages() throughput
# per folio size.
MB=256

# Prefix our lines so the host can tell them from kernel messages.
main() {
echo "== NUMA nodes (numactl -H)"
numactl -H
echo "== memory tiers"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	[ -d "$t" ] && echo "$(basename "$t"): nodes $(cat "$t/nodelist")"
done
echo "== THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
echo "== move_pages() node 0 -> node 1, ${MB} MiB (TCG emulation: compare ratios only)"
migrate_bench -m "$MB" -r 1
}

main 2>&1 | sed 's/^/| /'
