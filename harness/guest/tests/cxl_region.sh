#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cxl_region.sh [SIZE_MIB [ONLINE_TYPE]]: in the guest (busybox sh, no cxl
# tool), turn the volatile capacity of a CXL type-3 memdev into System RAM
# on a CPU-less NUMA node, by hand through sysfs, and print that node's id
# on stdout (everything else goes to stderr).
#
#   SIZE_MIB     region size in MiB, a multiple of 256 (default: the whole
#                volatile capacity of the memdev)
#   ONLINE_TYPE  online_movable (default), online_kernel or online: how the
#                new memory blocks are onlined. online_movable keeps kernel
#                allocations (page tables among them) off the CXL memory,
#                which QEMU emulates as MMIO, and lets it be unplugged.
#   CXL_MEMDEV   the memdev to use (default: the first with RAM capacity)
#   CXL_TIMEOUT  seconds to wait for each asynchronous step (default 300)
#   MO_SYSFS     where sysfs is (default /sys; for a dry run on a copy)
#
# Needs a kernel with harness/config/cxl.config and the QEMU 10 guest of
# harness/vm.sh with MO_CXL=1. The steps and where each comes
# from, all in the Linux 7.3 tree:
#   ABI   = Documentation/ABI/testing/sysfs-bus-cxl
#   DAX   = Documentation/ABI/testing/sysfs-bus-dax
#   DRV   = Documentation/driver-api/cxl/linux/cxl-driver.rst
#   HP    = Documentation/driver-api/cxl/linux/memory-hotplug.rst
#   MEM   = Documentation/ABI/testing/sysfs-devices-memory,
#           Documentation/admin-guide/mm/memory-hotplug.rst
# Same order as cxl-cli's create-region and as ndctl's
# test/cxl-region-sysfs.sh (DPA first, then the region).
set -eu

sys=${MO_SYSFS:-/sys}
cxl=$sys/bus/cxl/devices
size_mib=${1:-0}
online=${2:-online_movable}
limit=${CXL_TIMEOUT:-300}
aob=$sys/devices/system/memory/auto_online_blocks
old_aob=

log() { echo "cxl_region: $*" >&2; }
die() {
	log "error: $*"
	dmesg 2>/dev/null | grep -iE 'cxl|dax|region' | tail -n 20 >&2 || true
	exit 1
}
# wr VALUE FILE: one logged sysfs write; an error from the kernel (EBUSY,
# ENXIO, EINVAL...) ends the script.
wr() {
	log "echo $1 > ${2#"$sys"}"
	printf '%s\n' "$1" > "$2" || die "writing '$1' to ${2#"$sys"} failed"
}
# wait_for WHAT COMMAND...: poll once a second until COMMAND succeeds.
wait_for() {
	what=$1
	shift
	n=0
	until "$@" > /dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -lt "$limit" ] || die "no $what after ${limit}s"
		sleep 1
	done
}
restore_aob() {
	if [ -n "$old_aob" ] && [ "$(cat "$aob")" != "$old_aob" ]; then
		log "restoring auto_online_blocks=$old_aob"
		printf '%s\n' "$old_aob" > "$aob" || true
	fi
}
trap restore_aob EXIT

case $online in
online | online_kernel | online_movable) ;;
*) die "ONLINE_TYPE must be online, online_kernel or online_movable, not $online" ;;
esac
[ -d "$sys/bus/cxl" ] || die "no CXL bus in $sys/bus (CONFIG_CXL_BUS)"

# The root decoder: one per CFMWS of the ACPI CEDT (QEMU's cxl-fmw.N),
# created by cxl_acpi. devtype cxl_decoder_root, cap_ram 1, and it has
# create_ram_region (ABI: decoderX.Y/cap_ram, create_ram_region; DRV:
# "Root Decoder").
root_decoder() {
	for d in "$cxl"/decoder*; do
		[ -f "$d/create_ram_region" ] || continue
		[ "$(cat "$d/devtype")" = cxl_decoder_root ] || continue
		[ "$(cat "$d/cap_ram")" = 1 ] || continue
		echo "${d##*/}"
		return 0
	done
	return 1
}
# A memdev (cxl_pci + cxl_mem) with volatile capacity (ABI: memX/ram/size,
# "Volatile Only Capacity" in bytes, printed as hex).
ram_memdev() {
	for m in "$cxl"/mem*; do
		[ -f "$m/ram/size" ] || continue
		[ $(($(cat "$m/ram/size"))) -gt 0 ] || continue
		echo "${m##*/}"
		return 0
	done
	return 1
}
# The endpoint port of memdev $1: its 'uport' symlink names the device
# that published the port, the memdev itself (ABI: portX/uport; DRV:
# "Endpoint").
endpoint_of() {
	for e in "$cxl"/endpoint*; do
		[ -e "$e/uport" ] || continue
		[ "$(basename "$(readlink -f "$e/uport")")" = "$1" ] || continue
		echo "${e##*/}"
		return 0
	done
	return 1
}
# The lowest-numbered endpoint decoder of port $1 with no DPA allocated:
# allocations must happen in increasing decoder id order (ABI:
# decoderX.Y/dpa_size).
free_decoder() {
	for d in "$cxl/$1"/decoder*; do
		[ -f "$d/dpa_size" ] || continue
		[ $(($(cat "$d/dpa_size"))) -eq 0 ] || continue
		echo "${d##*/}"
		return 0
	done
	return 1
}
# A RAM region already committed (a second run of this script).
committed_region() {
	for r in "$cxl"/region*; do
		[ -f "$r/commit" ] || continue
		[ "$(cat "$r/mode")" = ram ] || continue
		[ "$(cat "$r/commit")" = 1 ] || continue
		echo "${r##*/}"
		return 0
	done
	return 1
}
# The device-dax instance of region $1: regionZ/dax_regionZ/daxZ.Y
# (DRV: "DAX Region"; drivers/dax/cxl.c).
dax_of() {
	for d in "$cxl/$1"/dax_region*/dax*.*; do
		[ -d "$d" ] || continue
		echo "${d##*/}"
		return 0
	done
	return 1
}
driver_of() {
	basename "$(readlink -f "$1/driver")"
}
bound_to_kmem() {
	[ "$(driver_of "$daxdev")" = kmem ]
}
# in_list N LIST: is N in a node list such as 0-1,3?
in_list() {
	for part in $(echo "$2" | tr ',' ' '); do
		case $part in
		*-*)
			if [ "$1" -ge "${part%-*}" ] && [ "$1" -le "${part#*-}" ]; then
				return 0
			fi
			;;
		*)
			[ "$1" != "$part" ] || return 0
			;;
		esac
	done
	return 1
}

# cxl_acpi, cxl_pci, cxl_mem and cxl_port probe asynchronously at boot.
wait_for "CXL root decoder with RAM capability (cxl_acpi, CEDT CFMWS)" root_decoder
rd=$(root_decoder)
mem=${CXL_MEMDEV:-}
if [ -z "$mem" ]; then
	wait_for "CXL memdev with volatile capacity (cxl_pci)" ram_memdev
	mem=$(ram_memdev)
fi
wait_for "endpoint port for $mem (cxl_mem, cxl_port)" endpoint_of "$mem"
ep=$(endpoint_of "$mem")

cap=$(($(cat "$cxl/$mem/ram/size")))
if [ "$size_mib" -gt 0 ]; then
	size=$((size_mib * 1048576))
else
	size=$cap
fi
# HPA and DPA are allocated in 256 MiB units (drivers/cxl/core/region.c
# alloc_hpa(), core/port.c dpa_size_store()).
[ $((size % 268435456)) -eq 0 ] || die "size $size is not a multiple of 256 MiB"
[ "$size" -gt 0 ] && [ "$size" -le "$cap" ] || die "size $size: $mem has $cap bytes of RAM"
[ "$size" -le $(($(cat "$cxl/$rd/size"))) ] || die "size $size exceeds the window of $rd"
log "root decoder $rd, memdev $mem ($cap bytes RAM), endpoint $ep, region size $size"

# Online policy for the memory kmem is about to hotplug: kmem onlines with
# mhp_get_default_online_type(), which a write to auto_online_blocks sets
# (HP: "Default Online Behavior"; MEM: auto_online_blocks). Set before the
# region is enabled: dax0.0 binds to kmem, and hotplugs, during that.
[ -f "$aob" ] || die "no $aob (CONFIG_MEMORY_HOTPLUG)"
old_aob=$(cat "$aob")
[ "$old_aob" = "$online" ] || wr "$online" "$aob"

if region=$(committed_region); then
	log "$region is already committed; not creating another"
else
	wait_for "free endpoint decoder in $ep" free_decoder "$ep"
	epd=$(free_decoder "$ep")

	# 1. DPA: the endpoint decoder takes its capacity from the ram
	#    partition. 'mode' first (which partition), then 'dpa_size'
	#    (ABI: decoderX.Y/mode, decoderX.Y/dpa_size; both only while
	#    the decoder is disabled).
	wr ram "$cxl/$epd/mode"
	wr "$size" "$cxl/$epd/dpa_size"

	# 2. A new region below the root decoder: write back the name that
	#    reading create_ram_region offers (ABI: create_ram_region, an
	#    atomic compare-exchange; EBUSY if someone else took it).
	region=$(cat "$cxl/$rd/create_ram_region")
	wr "$region" "$cxl/$rd/create_ram_region"
	wait_for "$region" test -d "$cxl/$region"

	# 3. Geometry, then size: ways and granularity must be set before
	#    size allocates HPA from the window (ABI: regionZ/interleave_ways,
	#    interleave_granularity, size). One device: 1 way. Granularity:
	#    the root decoder's, as cxl-cli and ndctl's test do (with one
	#    way at the root any valid granularity is accepted).
	wr 1 "$cxl/$region/interleave_ways"
	wr "$(cat "$cxl/$rd/interleave_granularity")" "$cxl/$region/interleave_granularity"
	wr "$size" "$cxl/$region/size"

	# 4. The endpoint decoder at position 0 (ABI: regionZ/target[0..N];
	#    ENXIO if it cannot be reached from this root decoder).
	wr "$epd" "$cxl/$region/target0"

	# 5. Commit: program and commit the HDM decoders from the root down
	#    (ABI: regionZ/commit). Fails with ENXIO and "Failed to
	#    synchronize CPU cache state" in any VM unless the kernel has
	#    CONFIG_CXL_REGION_INVALIDATION_TEST=y (then dmesg says
	#    "Bypassing cpu_cache_invalidate_memregion() for testing!").
	wr 1 "$cxl/$region/commit"
fi

# 6. Enable the region: bind it to the cxl_region driver, as cxl-cli's
#    cxl_region_enable() does after the commit (its probe returns ENXIO
#    for a region that is not committed, so nothing bound it before). For a
#    RAM region the driver adds dax_regionZ, cxl_dax_region (DEV_DAX_CXL)
#    creates daxZ.Y with IORESOURCE_DAX_KMEM, and the dax bus matches that
#    to kmem (drivers/cxl/core/region.c cxl_region_probe(),
#    drivers/dax/cxl.c, drivers/dax/bus.c dax_match_type()).
if [ ! -e "$cxl/$region/driver" ]; then
	wr "$region" "$sys/bus/cxl/drivers/cxl_region/bind"
fi
wait_for "dax device under $region (CONFIG_DEV_DAX_CXL)" dax_of "$region"
dax=$(dax_of "$region")
daxdev=$sys/bus/dax/devices/$dax
wait_for "driver for $dax" test -e "$daxdev/driver"

# 7. kmem: normally bound already. If device_dax has it (kmem was not
#    there when it probed), move it as daxctl does: unbind, then new_id on
#    kmem (DAX and drivers/dax/bus.c new_id_store(); DEV_DAX_KMEM help:
#    "a DAX device must be unbound from the device_dax driver and bound
#    to this kmem driver").
drv=$(driver_of "$daxdev")
if [ "$drv" != kmem ]; then
	[ -d "$sys/bus/dax/drivers/kmem" ] || die "$dax is bound to $drv and there is no kmem driver (CONFIG_DEV_DAX_KMEM)"
	wr "$dax" "$sys/bus/dax/drivers/$drv/unbind"
	wr "$dax" "$sys/bus/dax/drivers/kmem/new_id"
	wait_for "kmem binding of $dax" bound_to_kmem
fi

# 8. Online. With auto_online_blocks set above kmem has onlined already;
#    Linux 7.3's daxZ.Y/state (DAX) reports it. If the blocks came up
#    offline, state only moves to an online type from "unplugged", so
#    unplug first; without that attribute, online each memory block of the
#    range (MEM: memoryN/state, block_size_bytes in hex).
if [ -f "$daxdev/state" ]; then
	st=$(cat "$daxdev/state")
	log "$dax (kmem) state: $st"
	case $st in
	online*) ;;
	offline)
		wr unplugged "$daxdev/state"
		wr "$online" "$daxdev/state"
		;;
	unplugged) wr "$online" "$daxdev/state" ;;
	*) die "$dax is in state $st" ;;
	esac
else
	bs=$((0x$(cat "$sys/devices/system/memory/block_size_bytes")))
	start=$(($(cat "$daxdev/resource")))
	end=$((start + $(cat "$daxdev/size") - 1))
	i=$((start / bs))
	while [ "$i" -le $((end / bs)) ]; do
		f=$sys/devices/system/memory/memory$i/state
		# The kernel may be onlining the block itself meanwhile (kmem
		# probes asynchronously, with auto_online_blocks set): a write
		# that loses that race fails, and the block is online anyway.
		if [ -f "$f" ] && [ "$(cat "$f")" = offline ] &&
		   ! printf '%s\n' "$online" > "$f" 2> /dev/null; then
			log "memory$i: onlining it failed; waiting for the kernel to"
			n=0
			until grep -q '^online' "$f"; do
				n=$((n + 1))
				[ "$n" -lt 10 ] || die "memory$i stays $(cat "$f")"
				sleep 1
			done
		fi
		i=$((i + 1))
	done
fi

# 9. The node: target_node is the node daxZ.Y becomes when online (DAX:
#    target_node), the fake proximity domain Linux gave the CFMWS window
#    (drivers/acpi/numa/srat.c acpi_parse_cfmws()).
node=$(cat "$daxdev/target_node")
nd=$sys/devices/system/node/node$node
[ -d "$nd" ] || die "node $node of $dax does not exist"
kb=$(awk '/MemTotal/ { print $4 }' "$nd/meminfo")
[ "${kb:-0}" -gt 0 ] || die "node $node has no memory online"
cpus=$(cat "$nd/cpulist")
[ -z "$cpus" ] || log "warning: node $node has CPUs $cpus"
tier=none
for t in "$sys"/devices/virtual/memory_tiering/memory_tier*; do
	[ -f "$t/nodelist" ] || continue
	if in_list "$node" "$(cat "$t/nodelist")"; then
		tier=${t##*/}
	fi
done
log "$region -> $dax (kmem) -> node $node: ${kb} kB, CPUs '${cpus}', $tier"
echo "$node"
