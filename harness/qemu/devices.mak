# QEMU device configuration of the test guest's QEMU (build-qemu.sh copies
# it to configs/devices/x86_64-softmmu/mo-guest.mak and configures with
# --without-default-devices --with-devices-x86_64=mo-guest): the q35
# machine and what our guests put on it, and nothing of the several
# hundred other devices a default build compiles. Kconfig's select adds
# what these need (ICH9, AHCI, ACPI with HMAT, the serial port, ...).

CONFIG_Q35=y
# Our engines, on PCIe expander buses with a root port each (vm.sh).
CONFIG_SDXI=y
CONFIG_AMD_PTDMA=y
CONFIG_PXB=y
CONFIG_PCIE_PORT=y
# QEMU 7.2's expander bridge and CXL host code call into CXL and its
# type 3 device even for a plain pxb-pcie.
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
# What q35 creates by default, so that the guest sees the machine a
# default build gives it: QEMU exits without the HPET, the vmport (both
# on by default), the parallel port or the default NIC model; the VGA is
# the default display.
CONFIG_HPET=y
CONFIG_VMPORT=y
CONFIG_VMMOUSE=y
CONFIG_PARALLEL=y
CONFIG_E1000E_PCI_EXPRESS=y
CONFIG_VGA_PCI=y
