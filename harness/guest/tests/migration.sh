#!/bin/sh
# Upstream tools/testing/selftests/mm/migration (needs >= 3 CPUs, 2 nodes),
# with the threads provider taking every folio move_pages() migrates, so
# that its cases of memory accessed while it moves (private and shared
# anonymous memory, THPs, hugetlb) go through the batch copy.
mig=/sys/kernel/mm/migration
thr=$mig/providers/threads pol=$mig/policy/syscall_or_cpuset
if [ -d $thr ]; then
	old_pol=$(sed 's/.*\[\(.*\)\].*/\1/' $pol)
	old_size=$(cat $thr/min_folio_size) old_bytes=$(cat $thr/min_batch_bytes)
	before=$(cat $thr/stats/folios)
	before_h=$(cat $thr/stats/folios_hugetlb) before_s=$(cat $thr/stats/folios_shmem)
	echo 4096 > $thr/min_folio_size
	echo 0 > $thr/min_batch_bytes
	echo 1 > $thr/enabled
	echo threads > $pol
fi
migration
rc=$?
if [ -d $thr ]; then
	echo "# threads provider copied $(( $(cat $thr/stats/folios) - before )) folios" \
		"(hugetlb $(( $(cat $thr/stats/folios_hugetlb) - before_h ))," \
		"shmem $(( $(cat $thr/stats/folios_shmem) - before_s )))"
	echo "$old_pol" > $pol
	echo 0 > $thr/enabled
	echo "$old_size" > $thr/min_folio_size
	echo "$old_bytes" > $thr/min_batch_bytes
fi
exit $rc
