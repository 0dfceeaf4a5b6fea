#!/bin/sh
# Ours: the callers of migration copy offload (migrate_callers) through
# the threads provider: node preferences, a driver's explicit hint,
# mbind(), compaction, memory offlining, demotion to the CPU-less node.
# sdxi_migrate runs the tiering ones again through the dmaengine provider.
exec migrate_callers
