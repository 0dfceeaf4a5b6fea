#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-qemu.sh: build the guest's QEMU: Debian bookworm's qemu source
# (fetch-qemu.sh) with our device models added under hw/misc: the SDXi
# engine (harness/qemu/sdxi.c, see sdxi-model.md; device "sdxi") and the
# AMD PTDMA engine (harness/qemu/ptdma.c, see ptdma-model.md; device
# "amd-ptdma"), harness/qemu/tcg-tlb-min.diff (MO_TCG_TLB_MIN_BITS: a
# floor on the size of TCG's software TLB, for the benchmark) and
# harness/qemu/pxb-static-prt.diff (the interrupt routes of a pxb bus as
# a constant table, not an AML loop the guest interprets). Installs
# the binary as $MO_QEMU_BIN (lib.sh), which vm.sh
# runs. Does nothing when neither model, this script nor the pinned
# version changed since the last build; a change of a model alone
# rebuilds in seconds.
#
# The dfsg source has no firmware blobs; the binary finds SeaBIOS, the
# option ROMs (kvmvapic, linuxboot_dma) and iPXE where Debian's packages
# (seabios, qemu-system-data, ipxe-qemu) put them, the path Debian's own
# build uses.
. "$(dirname "$0")/lib.sh"

models=(sdxi.c ptdma.c)
diffs=(tcg-tlb-min.diff pxb-static-prt.diff)
devices=$MO_HARNESS/qemu/devices.mak
bindir=$(dirname "$MO_QEMU_BIN")
stamp=$bindir/.stamp
want=$(cat "${models[@]/#/$MO_HARNESS/qemu/}" "${diffs[@]/#/$MO_HARNESS/qemu/}" "$devices" \
	"$0" | sha256sum |
	cut -c1-16)-$MO_QEMU_VER

# diff_in DIFF: is harness/qemu/DIFF applied to the source (it reverses
# cleanly)?
diff_in() {
	patch -s -R -p1 --dry-run -d "$MO_QEMU_SRC" < "$MO_HARNESS/qemu/$1" \
		> /dev/null 2>&1
}

# Up to date: same stamp and every model and diff already in the source tree.
uptodate() {
	local m
	[ -x "$MO_QEMU_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] ||
		return 1
	for m in "${models[@]}"; do
		cmp -s "$MO_HARNESS/qemu/$m" "$MO_QEMU_SRC/hw/misc/$m" || return 1
	done
	for m in "${diffs[@]}"; do
		diff_in "$m" || return 1
	done
	cmp -s "$devices" "$MO_QEMU_SRC/configs/devices/x86_64-softmmu/mo-guest.mak"
}
uptodate && exit 0

"$MO_HARNESS/fetch-qemu.sh"
src=$MO_QEMU_SRC

# Add the devices to the source tree. Each edit checks first, so a second
# run changes nothing and ninja rebuilds only what did change.
add_model() {	# add_model FILE CONFIG
	local file=$1 config=$2
	cmp -s "$MO_HARNESS/qemu/$file" "$src/hw/misc/$file" ||
		cp "$MO_HARNESS/qemu/$file" "$src/hw/misc/$file"
	grep -q "^config $config\$" "$src/hw/misc/Kconfig" ||
		cat >> "$src/hw/misc/Kconfig" <<-KCONFIG

		config $config
		    bool
		    default y if PCI_DEVICES
		    depends on PCI && MSI_NONBROKEN
		KCONFIG
	grep -q "CONFIG_$config'" "$src/hw/misc/meson.build" ||
		echo "softmmu_ss.add(when: 'CONFIG_$config', if_true: files('$file'))" \
			>> "$src/hw/misc/meson.build"
}
add_model sdxi.c SDXI
add_model ptdma.c AMD_PTDMA

# The devices to build (see devices.mak).
cmp -s "$devices" "$src/configs/devices/x86_64-softmmu/mo-guest.mak" ||
	cp "$devices" "$src/configs/devices/x86_64-softmmu/mo-guest.mak"

# Changes to QEMU's own files, each applied once.
for d in "${diffs[@]}"; do
	diff_in "$d" || patch -s -p1 -d "$src" < "$MO_HARNESS/qemu/$d" ||
		die "qemu: $d does not apply to $src"
done

# Only what the test guest needs: x86 system emulation under TCG, user
# networking (q35's default NIC), the devices of devices.mak and nothing
# else (a third fewer objects to compile than with the default devices).
conf=(--target-list=x86_64-softmmu --without-default-features
      --without-default-devices --with-devices-x86_64=mo-guest
      --enable-tcg --enable-slirp --enable-fdt=system
      --disable-docs --disable-tools --disable-werror --disable-user
      --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
      --with-pkgversion="migrate-offload sdxi, Debian ${MO_QEMU_VER#*:}"
      --cc="ccache gcc" --host-cc=gcc)
# Configure again (from scratch) when the options or the source change.
signature="$src ${conf[*]}"
mkdir -p "$MO_QEMU_BUILD"
if [ ! -f "$MO_QEMU_BUILD/build.ninja" ] ||
   [ "$(cat "$MO_QEMU_BUILD/.mo-configure" 2>/dev/null)" != "$signature" ]; then
	step "qemu: configuring $MO_QEMU_VER in $MO_QEMU_BUILD"
	rm -rf "$MO_QEMU_BUILD" && mkdir -p "$MO_QEMU_BUILD"
	log=$MO_QEMU_BUILD/configure.log
	(cd "$MO_QEMU_BUILD" && "$src/configure" "${conf[@]}") > "$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "qemu configure failed (log: $log)"; }
	echo "$signature" > "$MO_QEMU_BUILD/.mo-configure"
fi

step "qemu: building qemu-system-x86_64 with the SDXi and PTDMA models"
log=$MO_QEMU_BUILD/build.log
ninja -C "$MO_QEMU_BUILD" -j"$MO_JOBS" qemu-system-x86_64 > "$log" 2>&1 ||
	{ grep -E -A5 'error|FAILED' "$log" | head -n 40 >&2
	  die "qemu build failed (log: $log)"; }

# Install by rename, so a boot running the old binary is not disturbed.
mkdir -p "$bindir"
cp "$MO_QEMU_BUILD/qemu-system-x86_64" "$MO_QEMU_BIN.new"
mv -f "$MO_QEMU_BIN.new" "$MO_QEMU_BIN"
for dev in sdxi amd-ptdma; do
	"$MO_QEMU_BIN" -device "$dev,help" 2>&1 | grep -q fail-nth ||
		die "$MO_QEMU_BIN has no $dev device"
done
echo "$want" > "$stamp"
step "qemu: installed $MO_QEMU_BIN"
