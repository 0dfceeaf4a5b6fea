#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-qemu.sh: build the guest's QEMU: Debian bookworm's qemu source
# (fetch-qemu.sh) with our SDXi device model (harness/qemu/sdxi.c, see
# harness/qemu/sdxi-model.md) added as hw/misc/sdxi.c. Installs the
# binary as $MO_QEMU_BIN (lib.sh), which vm.sh runs. Does nothing when
# neither sdxi.c, this script nor the pinned version changed since the
# last build; a change of sdxi.c alone rebuilds in seconds.
#
# The dfsg source has no firmware blobs; the binary finds SeaBIOS, the
# option ROMs (kvmvapic, linuxboot_dma) and iPXE where Debian's packages
# (seabios, qemu-system-data, ipxe-qemu) put them, the path Debian's own
# build uses.
. "$(dirname "$0")/lib.sh"

model=$MO_HARNESS/qemu/sdxi.c
bindir=$(dirname "$MO_QEMU_BIN")
stamp=$bindir/.stamp
want=$(cat "$model" "$0" | sha256sum | cut -c1-16)-$MO_QEMU_VER

[ -x "$MO_QEMU_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
	cmp -s "$model" "$MO_QEMU_SRC/hw/misc/sdxi.c" && exit 0

"$MO_HARNESS/fetch-qemu.sh"
src=$MO_QEMU_SRC

# Add the device to the source tree. Each edit checks first, so a second
# run changes nothing and ninja rebuilds only what did change.
cmp -s "$model" "$src/hw/misc/sdxi.c" || cp "$model" "$src/hw/misc/sdxi.c"
grep -q '^config SDXI$' "$src/hw/misc/Kconfig" ||
	cat >> "$src/hw/misc/Kconfig" <<'KCONFIG'

config SDXI
    bool
    default y if PCI_DEVICES
    depends on PCI && MSI_NONBROKEN
KCONFIG
grep -q "CONFIG_SDXI'" "$src/hw/misc/meson.build" ||
	echo "softmmu_ss.add(when: 'CONFIG_SDXI', if_true: files('sdxi.c'))" \
		>> "$src/hw/misc/meson.build"

# Only what the test guest needs: x86 system emulation under TCG, user
# networking (q35's default NIC) and nothing else.
conf=(--target-list=x86_64-softmmu --without-default-features
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

step "qemu: building qemu-system-x86_64 with the SDXi model"
log=$MO_QEMU_BUILD/build.log
ninja -C "$MO_QEMU_BUILD" -j"$MO_JOBS" qemu-system-x86_64 > "$log" 2>&1 ||
	{ grep -E -A5 'error|FAILED' "$log" | head -n 40 >&2
	  die "qemu build failed (log: $log)"; }

# Install by rename, so a boot running the old binary is not disturbed.
mkdir -p "$bindir"
cp "$MO_QEMU_BUILD/qemu-system-x86_64" "$MO_QEMU_BIN.new"
mv -f "$MO_QEMU_BIN.new" "$MO_QEMU_BIN"
"$MO_QEMU_BIN" -device sdxi,help 2>&1 | grep -q fail-nth ||
	die "$MO_QEMU_BIN has no sdxi device"
echo "$want" > "$stamp"
step "qemu: installed $MO_QEMU_BIN"
