#!/bin/sh
# Upstream tools/testing/selftests/mm/migration (needs >= 3 CPUs, 2 nodes).
exec migration
