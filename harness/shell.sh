#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# shell.sh: build (if needed) and boot the guest with an interactive shell.
. "$(dirname "$0")/lib.sh"

"$MO_HARNESS/build-kernel.sh" test
"$MO_HARNESS/build-guest.sh" test
"$MO_HARNESS/build-qemu.sh"
exec "$MO_HARNESS/vm.sh" test shell shell
