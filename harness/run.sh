#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh: build (if needed), boot, and show the demo (guest/tests/demo.sh):
# the nodes, tiers and sysfs tree, then move_pages() in paired rounds on
# the unchanged path and through the offload core. It boots the kernel
# without debug options (the bench flavour) with preallocated guest RAM,
# as `make bench` does: the KASAN/lockdep test kernel is for make check,
# and its speed says nothing about the offload.
. "$(dirname "$0")/lib.sh"

"$MO_HARNESS/build-kernel.sh" bench
"$MO_HARNESS/build-guest.sh" bench
"$MO_HARNESS/build-qemu.sh"
rc=0
# The demo shows a well-behaved SDXi function (no adversary).
MO_SDXI_ADVERSARY=${MO_SDXI_ADVERSARY-0} MO_PREALLOC=1 "$MO_HARNESS/vm.sh" bench demo run-demo 1800 || rc=$?
log=$MO_LOGS/run-demo.log
# The demo's own output, without the kernel's boot chatter.
sed -n 's/^| //p' "$log"
[ $rc = 0 ] || die "QEMU exited $rc; see $log"
python3 "$MO_HARNESS/results.py" "$log" run-demo > "$MO_LOGS/run-demo.results" 2>/dev/null ||
	{ grep FAIL "$MO_LOGS/run-demo.results"; die "the demo failed; see $log"; }
step "done (console log: $log)"
