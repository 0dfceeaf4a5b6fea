#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench-noise.sh [vanilla|bench ...]: where the benchmark's round-to-round
# noise comes from. Boots each kernel (default: both) with the benchmark's
# guest and runs the control (guest/tests/bench_control.sh, with
# MO_NOISE_ROUNDS rounds, default 8, of a 4 KiB and a 2 MiB move, each
# marked on the console), while bench-noise.py watches
# QEMU's threads from the host. Writes results/noise-KERNEL.txt: per move
# the guest's time and what ran on the host meanwhile (with MO_NOISE_TAG,
# results/noise-KERNEL-TAG.txt: to compare emulator settings, such as
# MO_TCG_TLB_MIN_BITS). A diagnostic, not a check: it asserts nothing.
# Numbers from TCG emulation.
. "$(dirname "$0")/lib.sh"

kernels=${*:-vanilla bench}
rounds=${MO_NOISE_ROUNDS:-8}
"$MO_HARNESS/build-qemu.sh"
for k in $kernels; do
	"$MO_HARNESS/build-kernel.sh" "$k"
done
"$MO_HARNESS/build-guest.sh" bench
out=$MO_TOP/results
mkdir -p "$out"
for k in $kernels; do
	name=noise-$k${MO_NOISE_TAG:+-$MO_NOISE_TAG}
	log=$MO_LOGS/$name.log
	python3 "$MO_HARNESS/bench-noise.py" "$log" "$out/$name.txt" &
	watcher=$!
	# As bench.sh boots them, but with named QEMU threads.
	MO_SDXI_ADVERSARY=0 MO_INITRD=$MO_OUT/bench/initramfs.cpio.gz MO_PREALLOC=1 \
	MO_QEMU_ARGS="-name mo-noise,debug-threads=on" \
	MO_APPEND="mo.bench_control_reps=$rounds mo.bench_mark=1" \
		"$MO_HARNESS/vm.sh" "$k" bench_control "$name" 1800 || true
	wait "$watcher" || die "bench-noise.py found nothing to report for $k; see $log"
done
