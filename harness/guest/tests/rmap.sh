#!/bin/sh
# Upstream tools/testing/selftests/mm/rmap: anon, shm, file, ksm mappings.
exec rmap
