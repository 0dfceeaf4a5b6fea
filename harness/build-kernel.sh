#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh FLAVOUR: assemble the tree, configure, build bzImage and
# modules out of tree (O=) with ccache, and install the modules into a
# staging directory the initramfs picks up.
. "$(dirname "$0")/lib.sh"

flavour=${1:-test}
out=$MO_BUILD/$flavour

"$MO_HARNESS/fetch-kernel.sh"
if [ "$flavour" = vanilla ]; then
	tree=$MO_SRC
	# The reference kernel builds from the pristine tree itself.
	MO_TREE=$MO_SRC "$MO_HARNESS/kconfig.sh" vanilla
else
	tree=$MO_TREE
	python3 "$MO_HARNESS/assemble.py" "$MO_TOP" "$MO_SRC" "$MO_TREE"
	"$MO_HARNESS/kconfig.sh" "$flavour"
fi

mkdir -p "$MO_LOGS"
log=$MO_LOGS/build-$flavour.log
step "building the $flavour kernel (log: $log)"
if ! make -C "$tree" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$MO_JOBS" \
	bzImage modules > "$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -n 30 >&2
	die "kernel build ($flavour) failed; see $log"
fi

# Stage modules only when they changed, so the initramfs stays cached.
mods=$out/modules-staging
rel=$(cat "$out/include/config/kernel.release")
if [ ! -f "$mods/.stamp" ] || [ -n "$(find "$out" -name '*.ko' -newer "$mods/.stamp" -print -quit)" ]; then
	rm -rf "$mods"
	make -s -C "$tree" O="$out" ARCH=x86_64 INSTALL_MOD_PATH="$mods" \
		INSTALL_MOD_STRIP=1 modules_install >> "$log" 2>&1
	rm -f "$mods/lib/modules/$rel/build" "$mods/lib/modules/$rel/source"
	touch "$mods/.stamp"
fi
step "kernel $rel ($flavour) ready: $out/arch/x86/boot/bzImage"
