#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm.sh FLAVOUR PLAN NAME [TIMEOUT]: boot a built kernel on the 3-node
# guest, run PLAN (comma-separated tests of harness/guest/tests, or
# "shell"), keep the console in $MO_LOGS/NAME.log. Kills the guest after
# TIMEOUT seconds (default 1200). Exit status: QEMU's, or 124 on timeout.
#
# Topology (TCG, q35 with HMAT, 4 vCPUs, 6 GiB):
#   node 0: CPUs 0-1, 2 GiB    node 1: CPUs 2-3, 2 GiB
#   node 2: no CPU, 2 GiB, far (300 ns, 5 GB/s): a CXL-like lower tier
# plus one SDXi function per node (harness/qemu/sdxi-model.md), each
# behind its own PCIe expander bridge whose ACPI _PXM puts it on that node.
#
#   MO_QEMU         QEMU binary (default: ours, from build-qemu.sh)
#   MO_QEMU_ARGS    more QEMU arguments
#   MO_SDXI_NODES   nodes that get an SDXi function (default "0 1 2";
#                   empty: none)
#   MO_SDXI_ARGS    properties appended to every sdxi device, e.g.
#                   fail-nth=3,fail-class=0x102 (see -device sdxi,help)
#   MO_SDXI_SEED    seed of the first function's adversary (default 1);
#                   the function on node n gets MO_SDXI_SEED + n, so one
#                   boot runs three seeds
#   MO_SDXI_ADVERSARY  what the adversaries may do (sdxi-model.md;
#                   default 0x3f, all but SLOW, which only slows a
#                   guest down; 0: a well-behaved function;
#                   empty: neither seed nor adversary property)
#   MO_CXL          1: a 1 GiB volatile CXL type-3 memory device as well,
#                   on Debian's QEMU 10 (fetch-qemu10.sh; our QEMU 7.2
#                   cannot emulate volatile CXL memory), and therefore
#                   without our SDXi and PTDMA models
. "$(dirname "$0")/lib.sh"

flavour=$1 plan=$2 name=$3 limit=${4:-1200}
kernel=$MO_BUILD/$flavour/arch/x86/boot/bzImage
initrd=${MO_INITRD:-$MO_OUT/$flavour/initramfs.cpio.gz}
qemu=${MO_QEMU:-$MO_QEMU_BIN}
cxl=()
if [ -n "${MO_CXL:-}" ]; then
	[ -n "${MO_QEMU:-}" ] || qemu=$("$MO_HARNESS/fetch-qemu10.sh")
	MO_SDXI_NODES= MO_PTDMA_NODES=
	# QEMU 10's docs/system/devices/cxl.rst, "one directly attached CXL
	# Type 3 Volatile Memory device": a CXL host bridge (bus 128, clear
	# of the expander bridges below), a root port, the device, and a
	# 4 GiB fixed memory window the guest sees as root decoder
	# decoder0.0. The memory is QEMU I/O memory: slow under TCG. It gets
	# no HMAT entry; kmem gives its node the default DAX tier (5 x DRAM),
	# so it sits between DRAM and node 2.
	cxl=(-M cxl=on
	     -object "memory-backend-ram,id=cxlvmem0,size=1G${MO_PREALLOC:+,prealloc=on}"
	     -device pxb-cxl,id=cxl.1,bus=pcie.0,bus_nr=128
	     -device cxl-rp,id=cxlrp0,bus=cxl.1,port=0,chassis=40,slot=0
	     -device cxl-type3,id=cxlmem0,bus=cxlrp0,volatile-memdev=cxlvmem0
	     -M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G)
fi
command -v "$qemu" > /dev/null || die "no QEMU at $qemu; run harness/build-qemu.sh first"
[ -f "$kernel" ] || die "no kernel at $kernel; build it first"
[ -f "$initrd" ] || die "no initramfs at $initrd; build it first"
mkdir -p "$MO_LOGS"
log=$MO_LOGS/$name.log

# MO_PREALLOC=1 (the benchmark): touch all guest RAM on the host before
# boot. Otherwise the first guest write to a page costs a host page
# fault, and a migration's speed depends on whether its destination was
# ever used before in this boot: up to 10x apart between rounds.
prealloc=${MO_PREALLOC:+,prealloc=on}
numa=(
	-object memory-backend-ram,size=2G,id=m0$prealloc
	-object memory-backend-ram,size=2G,id=m1$prealloc
	-object memory-backend-ram,size=2G,id=m2$prealloc
	-numa node,nodeid=0,cpus=0-1,memdev=m0,initiator=0
	-numa node,nodeid=1,cpus=2-3,memdev=m1,initiator=1
	-numa node,nodeid=2,memdev=m2,initiator=0
	-numa dist,src=0,dst=1,val=20 -numa dist,src=0,dst=2,val=30
	-numa dist,src=1,dst=2,val=30
)
# HMAT: local DRAM fast, the other socket slower, node 2 far and narrow,
# so the kernel puts node 2 in a lower memory tier (a demotion target).
for i in 0 1; do
	for t in 0 1 2; do
		if [ "$t" = 2 ]; then lat=300 bw=5G
		elif [ "$t" = "$i" ]; then lat=100 bw=20G
		else lat=150 bw=10G
		fi
		numa+=(-numa "hmat-lb,initiator=$i,target=$t,hierarchy=memory,data-type=access-latency,latency=$lat"
		       -numa "hmat-lb,initiator=$i,target=$t,hierarchy=memory,data-type=access-bandwidth,bandwidth=$bw")
	done
done

# SDXi functions. A pxb-pcie is a host bridge of its own in the DSDT, with
# _PXM = numa_node, so Linux puts the bridge's devices on that node (dev
# ->numa_node, what the driver allocates near). Bus numbers 0x20 apart
# leave room below each bridge; chassis numbers must be unique.
# Each function's adversary does, seeded, what the spec lets hardware do
# (completions late and out of order, copies running on after CXT_STOP,
# descriptors re-polled, doorbells late).
sdxi=() seeds="" adv=${MO_SDXI_ADVERSARY-0x3f}
for n in ${MO_SDXI_NODES-0 1 2}; do
	seed=$(( ${MO_SDXI_SEED:-1} + n ))
	[ -z "$adv" ] || seeds="$seeds sdxi$n:$seed"
	sdxi+=(-device "pxb-pcie,id=pxb$n,bus_nr=$(( 0x20 * (n + 1) )),numa_node=$n,bus=pcie.0"
	       -device "pcie-root-port,id=rp$n,bus=pxb$n,chassis=$(( n + 1 )),slot=0"
	       -device "sdxi,id=sdxi$n,bus=rp$n${adv:+,seed=$seed,adversary=$adv}${MO_SDXI_ARGS:+,$MO_SDXI_ARGS}")
done

# An AMD PTDMA function (harness/qemu/ptdma-model.md) per node listed,
# on the node's SDXi bridge when it has one.
ptdma=()
for n in ${MO_PTDMA_NODES-1}; do
	case " ${MO_SDXI_NODES-0 1 2} " in
	*" $n "*) ;;
	*) ptdma+=(-device "pxb-pcie,id=pxb$n,bus_nr=$(( 0x20 * (n + 1) )),numa_node=$n,bus=pcie.0") ;;
	esac
	ptdma+=(-device "pcie-root-port,id=ptrp$n,bus=pxb$n,chassis=$(( n + 17 )),slot=0"
		-device "amd-ptdma,id=ptdma$n,bus=ptrp$n${MO_PTDMA_ARGS:+,$MO_PTDMA_ARGS}")
done

# Not acpi=noirq, although interpreting the expander bridges' _PRT for an
# INTx nobody uses costs ~16 s per SDXi function under KASAN and TCG: with
# it, one boot in seven hit a KASAN report in handle_edge_irq() during
# early boot.
# movablecore: every node keeps some ZONE_MOVABLE memory, which can always
# be offlined (the memory hotplug caller test needs such blocks).
append="console=ttyS0 mo.plan=$plan panic=-1 loglevel=7 movablecore=768M ${MO_APPEND:-}"
# la57=off: with 5-level paging, some boots (about one in ten) hit a KASAN
# wild-memory-access in handle_edge_irq() as the timer is set up, before
# any of our code runs.
# erms=off,fsrm=off: with them the kernel copies pages with rep movsb,
# which TCG runs one byte at a time, each byte a softmmu TLB lookup; when
# the source and destination pages share a slot of the direct-mapped TLB
# (2 MiB-aligned folios often do), every byte becomes a victim-TLB swap.
# A host profile of a 1 GiB migration had victim_tlb_hit at 33% and byte
# loads and stores at 15%, and one-thread copies of 1 GiB took 2 to 37 s.
# Without them the kernel copies 8 bytes at a time: 0.35 to 0.83 s. Real
# CPUs copy fast either way; this keeps the emulated CPU copy from being
# an outlier that flatters every offload.
cmd=("$qemu" -M q35,hmat=on -accel tcg,thread=multi -cpu max,la57=off,erms=off,fsrm=off
     -smp 4,sockets=2,cores=2,threads=1 -m 6G "${numa[@]}" -kernel "$kernel" -initrd "$initrd"
     -append "$append" -no-reboot "${sdxi[@]}" "${ptdma[@]}" "${cxl[@]}"
     ${MO_QEMU_ARGS:-})

if [ "$plan" = shell ]; then
	step "booting $flavour for an interactive shell (log: $log)"
	"${cmd[@]}" -nographic 2>&1 | tee "$log"
	exit "${PIPESTATUS[0]}"
fi

step "booting $flavour: plan $plan (limit ${limit}s, log: $log)${seeds:+; SDXi adversary $adv, seeds$seeds}"
set +e
# A fresh log: the progress reader below must not replay an old one.
rm -f "$log"
timeout -k 10 "$limit" "${cmd[@]}" -display none -serial stdio -monitor none \
	< /dev/null > "$log" 2>&1 &
qpid=$!
# How much of the guest's RAM (its mappings of 1 GiB and more) the host
# backs with huge pages: an emulated access to RAM on 4 KiB host pages
# costs host TLB misses, so a boot that got fewer huge pages (a host
# with fragmented memory) is slower throughout. Said once booted.
host_thp() {
	q=$(pgrep -P "$1" 2>/dev/null | head -n 1)
	[ -n "$q" ] || return 0
	awk '/^[0-9a-f]+-/ { big = 0 } /^Size:/ { big = $2 >= 1048576 }
	     big && /^Rss:/ { r += $2 } big && /^AnonHugePages:/ { h += $2 }
	     END { if (r) printf "%d of %d MiB", h / 1024, r / 1024 }' \
		"/proc/$q/smaps" 2>/dev/null
}
# Show progress while the guest runs: one line per test started.
tail -n +1 -F --pid=$qpid "$log" 2>/dev/null | while IFS= read -r line; do
	case $line in
	*"@@MO BOOTED"*) step "  booted: ${line#*@@MO BOOTED }"
		thp=$(host_thp $qpid)
		[ -z "$thp" ] || step "  guest RAM in host huge pages: $thp" ;;
	*"@@MO BEGIN"*) step "  running ${line#*@@MO BEGIN }" ;;
	*"@@MO END"*) set -- ${line#*@@MO END }; step "  finished $1 ($2)" ;;
	esac
done
wait $qpid
rc=$?
set -e
[ $rc -eq 124 ] && echo "vm: guest killed after ${limit}s" >&2
exit $rc
