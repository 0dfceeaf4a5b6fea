#!/bin/sh
# Ours: migration copy offload selftests (sysfs, policies, fallback,
# unloading the provider under load, the dmaengine provider). Loads
# test_migrate_offload, and the SDXi driver so the dmaengine fixture
# has channels.
modprobe sdxi 2>/dev/null
exec migrate_offload
