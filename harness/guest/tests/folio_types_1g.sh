#!/bin/sh
# Ours: the 1 GiB hugetlb cases of migrate_folio_types (CPU, threads,
# dmaengine), in a boot that reserved a 1 GiB page on nodes 1 and 2
# (check.sh: hugepagesz=1G hugepages=1:1,2:1), since a 1 GiB range is
# rarely free once a test boot has run for a while.
modprobe sdxi 2>/dev/null
exec migrate_folio_types -v anon_1g
