#!/bin/sh
# Ours: the dmaengine provider when every DMA mapping is bounced through
# swiotlb (the check-bounce boot, swiotlb=...,force, as in confidential
# guests): a bounced copy reaches its folio only at the unmap, so no
# batch may stream (folios commit one by one), and every byte arrives,
# also when transfers fail and the CPU copies their folios.
modprobe sdxi 2>/dev/null
exec migrate_offload -r dmaengine.base_page.one_and_four_channels \
	-r dmaengine.mthp_64k.one_and_four_channels \
	-r dmaengine.base_page.failing_transfers
