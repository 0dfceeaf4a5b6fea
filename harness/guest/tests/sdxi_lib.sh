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

# dbg BDF REG VALUE: write a debug register of that function.
dbg() {
	bar0=$(head -n1 "/sys/bus/pci/devices/$1/resource" | cut -d' ' -f1)
	devmem $((bar0 + DBG + $2)) 64 "$3"
}
