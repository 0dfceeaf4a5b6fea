#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-guest.sh FLAVOUR: build the test programs statically from the
# assembled tree's own Makefiles and pack the initramfs: busybox, init,
# the tests, numactl, the kernel modules. Output: $MO_OUT/FLAVOUR/initramfs.cpio.gz
. "$(dirname "$0")/lib.sh"

flavour=${1:-test}
kb=$MO_BUILD/$flavour
out=$MO_OUT/$flavour
mkdir -p "$out" "$MO_LOGS"
log=$MO_LOGS/build-guest-$flavour.log
: > "$log"

# Upstream suites we run, and ours; all built by tools/testing/selftests/mm
# of our tree against its uapi headers. Every flavour's guest gets the same
# binaries, so the unpatched kernel runs exactly the same benchmark.
MM_TESTS=(migration rmap migrate_nodes migrate_bench migrate_offload migrate_callers
	migrate_dma_drivers migrate_folio_types)
tree=$MO_TREE
hdr=$kb

python3 "$MO_HARNESS/assemble.py" "$MO_TOP" "$MO_SRC" "$MO_TREE"
step "guest: uapi headers and mm selftests (${MM_TESTS[*]})"
make -s -C "$tree" O="$hdr" ARCH=x86_64 headers >> "$log" 2>&1 ||
	die "headers failed; see $log"
st=$MO_OUT/selftests-mm
mkdir -p "$st"
targets=()
for t in "${MM_TESTS[@]}"; do targets+=("$st/$t"); done
if ! make -C "$tree/tools/testing/selftests/mm" OUTPUT="$st" \
	KHDR_INCLUDES="-isystem $hdr/usr/include" USERLDFLAGS=-static \
	"${targets[@]}" >> "$log" 2>&1; then
	grep -E 'error|warning' "$log" | head -n 20 >&2
	die "selftests build failed; see $log"
fi
if grep -E '(migrate_nodes|migrate_bench|migrate_offload|migrate_callers|migrate_dma_drivers|migrate_folio_types|mo_knobs|numa_move)\.c:[0-9]+:[0-9]+: warning' "$log" >&2; then
	die "our selftests build with warnings; see $log"
fi

step "guest: initramfs"
root=$out/root.new
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib,lib64,usr/bin,tests/bin}
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
cp "$MO_HARNESS/guest/init" "$root/init"
cp "$MO_HARNESS"/guest/tests/*.sh "$root/tests/"
for t in "${MM_TESTS[@]}"; do cp "$st/$t" "$root/tests/bin/"; done

# numactl, migratepages and stress-ng are dynamic: bring their library
# closure.
for prog in /usr/bin/numactl /usr/bin/migratepages /usr/bin/migspeed /usr/bin/stress-ng; do
	[ -x "$prog" ] || continue
	cp "$prog" "$root/usr/bin/"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done

if [ -d "$kb/modules-staging/lib" ]; then
	cp -a "$kb/modules-staging/lib/modules" "$root/lib/"
fi

# Repack only when the content changed, so boots stay cached.
sum=$(cd "$root" && find . -print0 | LC_ALL=C sort -z | xargs -0 ls -ld --time-style=+ | md5sum; \
	find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | md5sum)
if [ ! -f "$out/initramfs.cpio.gz" ] || [ "$sum" != "$(cat "$out/root.sum" 2>/dev/null)" ]; then
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 > "$out/initramfs.cpio.gz.new"
	mv "$out/initramfs.cpio.gz.new" "$out/initramfs.cpio.gz"
	echo "$sum" > "$out/root.sum"
fi
rm -rf "$out/root" && mv "$root" "$out/root"
step "guest: $(du -h "$out/initramfs.cpio.gz" | cut -f1) initramfs at $out/initramfs.cpio.gz"
