#!/bin/sh
# Ours: copy offload of shmem, page cache, swap cache and hugetlb folios
# (migrate_folio_types). Swap goes on the second RAM disk, for the swap
# cache case; the first RAM disk's page cache is the block device case. The SDXi driver gives the
# dmaengine provider channels for the hugetlb cases. The 1 GiB hugetlb
# cases run in a boot of their own, which reserves the pages at boot
# (folio_types_1g).
modprobe sdxi 2>/dev/null
if mkswap /dev/ram1 >/dev/null 2>&1 && swapon /dev/ram1; then
	trap 'swapoff /dev/ram1' EXIT
else
	echo "# no swap on /dev/ram1: the swap cache case will skip"
fi
migrate_folio_types -V anon_1g
rc=$?
# What each provider copied, by type, for the record.
for p in /sys/kernel/mm/migration/providers/*; do
	s=$p/stats
	[ -f $s/folios_anon ] || continue
	echo "# ${p##*/}: folios $(cat $s/folios): anon $(cat $s/folios_anon)" \
		"shmem $(cat $s/folios_shmem) file $(cat $s/folios_file)" \
		"swapcache $(cat $s/folios_swapcache) hugetlb $(cat $s/folios_hugetlb)"
done
exit $rc
