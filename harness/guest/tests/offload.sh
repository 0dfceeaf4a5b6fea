#!/bin/sh
# Ours: migration copy offload selftests (sysfs, policies, fallback,
# unloading the provider under load). Loads test_migrate_offload.
exec migrate_offload
