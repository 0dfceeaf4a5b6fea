#!/bin/sh
# The AMD PTDMA driver on the emulated function (harness/qemu/ptdma-
# model.md): dmatest over its channel, polled and with interrupts, an
# injected command error that must reach the client, a stalled command
# that the client terminates, then migration through the dmaengine
# provider on the PTDMA channel alone, every byte compared: batches with
# several commands in flight and one interrupt, a failed command, a
# stalled one, a refused submission. The model's counters tell commands
# from interrupts. TAP on stdout.
. /tests/tap_lib.sh

. /tests/dmatest_lib.sh

# Vendor debug registers of the model, 32-bit, at BAR2 + 0xf0000.
PT_DBG=0xf0000 PT_FAIL_NTH=0x00 PT_STALL_NTH=0x08 PT_EXECUTED=0x10
PT_ERRORS=0x14 PT_IRQS=0x1c
pt_dbg() { # pt_dbg BDF REG [VALUE]
	bar2=$(sed -n 3p "/sys/bus/pci/devices/$1/resource" | cut -d' ' -f1)
	devmem $((bar2 + PT_DBG + $2)) 32 $3
}

fn=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1022:0x1498 ] && fn=${d##*/}
done
check "ptdma function present" $([ -n "$fn" ]; echo $?) \
	"$fn on node $(cat /sys/bus/pci/devices/$fn/numa_node 2>/dev/null)"
[ -n "$fn" ] || { echo "1..$n"; exit 1; }
modprobe ptdma
check "modprobe ptdma" $?
chan=$(chans_of "$fn" | head -n1)
check "channel registered" $([ -n "$chan" ]; echo $?) "$chan"

modprobe dmatest
dmatest "$chan" 500 1
check "dmatest 500 x 4 KiB, verified" \
	$([ "$(tests_sum)" = 500 ] && [ "$(fails_sum)" = 0 ]; echo $?) \
	"$(kbs_sum) KB/s (emulated)"
dmatest "$chan" 20 1 noverify=1 test_buf_size=1048576
check "dmatest 20 x 1 MiB" $([ "$(fails_sum)" = 0 ]; echo $?) \
	"$(kbs_sum) KB/s (emulated)"

# Polled (no DMA_PREP_INTERRUPT, tx_status until done): NTB-style users
# that poll must get their copies without a single interrupt.
i0=$(pt_dbg "$fn" $PT_IRQS)
dmatest "$chan" 100 1 polled=1
di=$(( $(pt_dbg "$fn" $PT_IRQS) - i0 ))
check "dmatest polled, 100 verified, no interrupt" \
	$([ "$(tests_sum)" = 100 ] && [ "$(fails_sum)" = 0 ] && [ $di = 0 ]; echo $?) \
	"$(fails_sum) failed, $di interrupts"
echo 0 > $DT/polled

# The 3rd command from now fails in the engine: exactly one of dmatest's
# transfers fails (dmatest reads the status, or finds the data wrong),
# and the driver logs the engine's error.
e0=$(pt_dbg "$fn" $PT_ERRORS)
pt_dbg "$fn" $PT_FAIL_NTH 3
dmatest "$chan" 10 1
logged=$(grep -c 'PTDMA error' /tmp/dt.log)
check "injected command error: one transfer fails, the driver logs it" \
	$([ "$(fails_sum)" = 1 ] && [ "$logged" -ge 1 ] &&
	  [ $(($(pt_dbg "$fn" $PT_ERRORS) - e0)) = 1 ]; echo $?) \
	"$(fails_sum) of $(tests_sum) failed, $logged logged"
dmatest "$chan" 20 1
check "the queue runs again after the error" $([ "$(fails_sum)" = 0 ]; echo $?)

# The 2nd command from now stalls in the engine: dmatest times out on it
# (and on the ones queued behind it) and terminates the channel when it
# ends; terminate must drop the stalled command and leave a working queue.
pt_dbg "$fn" $PT_STALL_NTH 2
dmatest "$chan" 3 1 timeout=500
check "a stalled command times out, not the kernel" \
	$([ "$(fails_sum)" -ge 1 ] && [ "$(tests_sum)" = 3 ]; echo $?) \
	"$(fails_sum) of $(tests_sum) timed out"
dmatest "$chan" 20 1
check "the queue runs again after terminate" \
	$([ "$(tests_sum)" = 20 ] && [ "$(fails_sum)" = 0 ]; echo $?)
rmmod dmatest

# Migration through the dmaengine provider on the PTDMA channel alone.
mig=/sys/kernel/mm/migration dma=$mig/providers/dmaengine
dmadbg=/sys/kernel/debug/migrate_dma
modprobe migrate_dma
echo "$fn" > $dma/devices
echo 1 > $dma/enabled
held=$(grep -c "$fn" $dmadbg/in_use)
check "dmaengine provider takes the PTDMA channel" \
	$([ "$held" -ge 1 ] && [ "$(wc -l < $dmadbg/in_use)" = "$held" ]; echo $?) \
	"$(head -n1 $dmadbg/in_use)"
for p in "$mig"/policy/*; do echo none > "$p"; done
echo dmaengine > $mig/policy/syscall_or_cpuset
echo 4096 > $dma/min_folio_size
echo 0 > $dma/min_batch_bytes
echo 1 > $dma/enabled
f0=$(cat $dma/stats/folios) x0=$(cat $dma/stats/failed)
e0=$(pt_dbg "$fn" $PT_EXECUTED) i0=$(pt_dbg "$fn" $PT_IRQS)
migrate_nodes > /tmp/ptm.log 2>&1
rc=$?
[ $rc = 0 ] || tail -n 20 /tmp/ptm.log | sed 's/^/# /'
df=$(( $(cat $dma/stats/folios) - f0 )) dx=$(( $(cat $dma/stats/failed) - x0 ))
de=$(( $(pt_dbg "$fn" $PT_EXECUTED) - e0 )) di=$(( $(pt_dbg "$fn" $PT_IRQS) - i0 ))
check "migrate_nodes through PTDMA, every byte compared" \
	$([ $rc = 0 ] && [ $df -gt 0 ] && [ $dx = 0 ]; echo $?) \
	"$df folios by DMA, $dx failed, $(cat $dmadbg/dma_stats/timeouts) timeouts"
# The provider asks for an interrupt on a batch's last transfer only;
# the driver keeps up to 31 commands on the ring, so a batch costs one
# interrupt per ring's worth of commands, not one per command.
check "batches run several commands per interrupt" \
	$([ $di -ge 1 ] && [ $de -ge $((8 * di)) ]; echo $?) \
	"$de commands, $di interrupts"

# An engine error during migration: the folio is copied again by the CPU.
c0=$(cat $mig/providers/cpu/stats/recopied)
pt_dbg "$fn" $PT_FAIL_NTH 5
migrate_nodes > /tmp/ptm.log 2>&1
rc=$?
dr=$(( $(cat $mig/providers/cpu/stats/recopied) - c0 ))
check "a failed PTDMA command costs a CPU copy, not data" \
	$([ $rc = 0 ] && [ $dr = 1 ]; echo $?) "$dr folios re-copied"

# A stalled command: the batch times out, the provider terminates the
# channel, the CPU copies what DMA did not; the queue works afterwards.
echo 300 > $dma/timeout_ms
t0=$(cat $dmadbg/dma_stats/timeouts)
pt_dbg "$fn" $PT_STALL_NTH 5
migrate_nodes > /tmp/ptm.log 2>&1
rc=$?
dt=$(( $(cat $dmadbg/dma_stats/timeouts) - t0 ))
check "a stalled PTDMA command costs a timeout, not data" \
	$([ $rc = 0 ] && [ $dt -ge 1 ]; echo $?) "$dt timeouts"
echo 2000 > $dma/timeout_ms
x0=$(cat $dma/stats/failed)
migrate_nodes > /tmp/ptm.log 2>&1
rc=$?
check "PTDMA copies again after the timeout" \
	$([ $rc = 0 ] && [ "$(cat $dma/stats/failed)" = "$x0" ]; echo $?)

# A submission refused in the middle of a batch (the kernel's fault
# injection: the 17th transfer of base pages from now). The 16 before it
# did not ask for an interrupt and PTDMA raises none unasked, so the
# provider queues a DMA_INTERRUPT descriptor behind them: the batch ends
# without waiting out timeout_ms and terminating the channel, and the
# CPU copies the refused folio and those after it.
fis=$dmadbg/fail_submit
ds=x da=x dt=x rc=1
if [ -d $fis ]; then
	s0=$(cat $dmadbg/dma_stats/submit_errors) t0=$(cat $dmadbg/dma_stats/timeouts)
	a0=$(cat $dmadbg/dma_stats/irq_added)
	echo 0 > $fis/verbose; echo 1 > $fis/interval
	echo $((16 * 4096 + 1)) > $fis/space; echo 1 > $fis/times
	echo 100 > $fis/probability
	migrate_nodes -v base_page > /tmp/ptm.log 2>&1
	rc=$?
	echo 0 > $fis/probability; echo 0 > $fis/space
	[ $rc = 0 ] || tail -n 20 /tmp/ptm.log | sed 's/^/# /'
	ds=$(( $(cat $dmadbg/dma_stats/submit_errors) - s0 ))
	da=$(( $(cat $dmadbg/dma_stats/irq_added) - a0 ))
	dt=$(( $(cat $dmadbg/dma_stats/timeouts) - t0 ))
fi
check "a submission refused mid-batch costs CPU copies, not a timeout" \
	$([ $rc = 0 ] && [ "$ds" = 1 ] && [ "$da" = 1 ] && [ "$dt" = 0 ]; echo $?) \
	"submit_errors +$ds, irq_added +$da, timeouts +$dt"
echo 0 > $dma/enabled
echo > $dma/devices
rmmod migrate_dma
check "unload migrate_dma" $?
echo "1..$n"
