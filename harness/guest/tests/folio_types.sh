#!/bin/sh
# Ours: copy offload of shmem, page cache, swap cache and hugetlb folios
# (migrate_folio_types). Swap goes on the second RAM disk, so that
# swapped-in anonymous folios sit in the swap cache; the first RAM disk's
# page cache is the block device case. The SDXi driver gives the
# dmaengine provider channels for the hugetlb cases.
modprobe sdxi 2>/dev/null
if mkswap /dev/ram1 >/dev/null 2>&1 && swapon /dev/ram1; then
	trap 'swapoff /dev/ram1' EXIT
else
	echo "# no swap on /dev/ram1: the swap cache case will skip"
fi
migrate_folio_types
