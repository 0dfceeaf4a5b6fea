#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh: build (if needed), boot, and show the demo: the node list, THP,
# and move_pages() throughput per folio size.
. "$(dirname "$0")/lib.sh"

"$MO_HARNESS/build-kernel.sh" test
"$MO_HARNESS/build-guest.sh" test
"$MO_HARNESS/build-qemu.sh"
"$MO_HARNESS/vm.sh" test demo run-demo 1800 || true
log=$MO_LOGS/run-demo.log
# The demo's own output, without the kernel's boot chatter.
sed -n 's/^| //p' "$log"
python3 "$MO_HARNESS/results.py" "$log" run-demo > "$MO_LOGS/run-demo.results" ||
	{ grep FAIL "$MO_LOGS/run-demo.results"; die "the demo failed; see $log"; }
step "done (console log: $log)"
