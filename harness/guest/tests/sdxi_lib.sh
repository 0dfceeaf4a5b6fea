#!/bin/sh
# Not a test: helpers that the SDXi tests source. The emulated function's
# vendor debug registers (harness/qemu/sdxi-model.md) inject faults.
DBG=0x30000
FAIL_NTH=0x00 FAIL_CLASS=0x08 STALL_NTH=0x10 DROP_IRQ=0x18

# The PCI functions of class SDXi.
sdxi_fns() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x120100 ] && basename "$d"
	done
}

# bar0 BDF: the bus address of the function's register BAR.
bar0() {
	head -n1 "/sys/bus/pci/devices/$1/resource" | cut -d' ' -f1
}

# dbg BDF REG VALUE: write a debug register of that function.
dbg() {
	devmem $(($(bar0 $1) + DBG + $2)) 64 "$3"
}

# Read-only counters of the model's adversary (harness/qemu/sdxi-model.md).
ADVERSARY=0x58 SEED=0x60 REORDERED=0x30 LATE_CSB=0x38 DRAINED=0x40
ABANDONED=0x48 REPOLLS=0x50

# dbg_get BDF REG: read a debug register of that function.
dbg_get() {
	printf '%d' "$(devmem $(($(bar0 $1) + DBG + $2)) 64)"
}

# adv_report: one TAP line per function with an adversary: its seed, and
# that its out-of-order completion and late status writes happened.
adv_report() {
	for f in $(sdxi_fns); do
		a=$(dbg_get $f $ADVERSARY)
		[ "$a" != 0 ] || continue
		ro=$(dbg_get $f $REORDERED) late=$(dbg_get $f $LATE_CSB)
		check "adversary on $f did its worst" \
			$([ "$ro" -gt 0 ] && [ "$late" -gt 0 ]; echo $?) \
			"seed $(dbg_get $f $SEED), mask $a, reordered $ro, late CSBs $late, re-polls $(dbg_get $f $REPOLLS), drained $(dbg_get $f $DRAINED), abandoned $(dbg_get $f $ABANDONED)"
	done
}
