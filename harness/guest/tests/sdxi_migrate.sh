#!/bin/sh
# Page migration through the "dma" provider on the emulated SDXi
# functions: every byte checked by migrate_nodes (all node pairs, three
# folio sizes) while the device model fails descriptors, stalls contexts
# or loses the function to an unbind, and while the policy is switched
# under load. TAP on stdout.
. /tests/tap_lib.sh

mig=/sys/kernel/mm/migration
dma=$mig/providers/dmaengine
dmadbg=/sys/kernel/debug/migrate_dma
st() { cat "$dmadbg/dma_stats/$1"; }
core() { cat "$dma/stats/$1"; }

. /tests/sdxi_lib.sh
moves() { # moves LOGNAME [migrate_nodes options]: bytes verified
	log=/tmp/$1.log
	shift
	migrate_nodes "$@" > "$log" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -n 20 "$log" | sed 's/^/# /'
	return $rc
}

modprobe sdxi && modprobe migrate_dma
check "load sdxi and migrate_dma" $?
[ -d "$dma" ] || { echo "1..$n"; exit 1; }
# Disabled, the provider leaves every channel to other clients.
check "disabled provider holds no channel" $([ -z "$(cat "$dmadbg/in_use")" ]; echo $?)
echo 1 > "$dma/enabled"
nch=$(wc -l < "$dmadbg/in_use")
check "dma provider holds the SDXi channels" $([ "$nch" -ge 2 ]; echo $?) "$nch channels"
nodes=$(sed 's/.*node=//' "$dmadbg/in_use" | sort -u | tr '\n' ' ')
check "channels on several nodes" $([ "$(echo $nodes | wc -w)" -ge 2 ]; echo $?) "nodes $nodes"
check "no SDXi channel refused" $([ -z "$(cat "$dmadbg/refused")" ]; echo $?) "$(head -n1 "$dmadbg/refused")"

for p in "$mig"/policy/*; do echo none > "$p"; done
# By name: another provider of kind dma (the selftests' "test") may be
# loaded, and "dma" would pick the best rated one.
echo dmaengine > "$mig/policy/syscall_or_cpuset"
echo 4096 > "$dma/min_folio_size"
echo 0 > "$dma/min_batch_bytes"
echo 1 > "$dma/enabled"

# Clean runs, one and several channels per batch.
for c in 1 4; do
	echo $c > "$dma/channels"
	f0=$(core folios) d0=$(st completed)
	moves clean$c
	rc=$?
	df=$(( $(core folios) - f0 )) dd=$(( $(st completed) - d0 ))
	check "migrate_nodes through dma, $c channel(s) per batch" \
		$([ $rc = 0 ] && [ $df -gt 0 ] && [ $dd -ge $df ]; echo $?) \
		"$df folios, $dd transfers"
done
check "no transfer failed on a healthy engine" $([ "$(st failed)" = 0 ] && [ "$(core failed)" = 0 ]; echo $?)

# Injected descriptor errors on every function: the folios fail, the CPU
# copies them again, the bytes are right.
fns=$(sdxi_fns)
for f in $fns; do dbg $f $FAIL_CLASS 0x0101; dbg $f $FAIL_NTH 5; done
fail0=$(core failed) rec0=$(core recopied)
cpu0=$(cat $mig/providers/cpu/stats/folios)
moves errors
check "migration correct with injected DMA errors" $?
check "failed folios counted and copied by the CPU" \
	$([ $(( $(core failed) - fail0 )) -ge 1 ] && [ $(( $(cat $mig/providers/cpu/stats/folios) - cpu0 )) -ge 1 ]; echo $?) \
	"failed +$(( $(core failed) - fail0 )), cpu folios +$(( $(cat $mig/providers/cpu/stats/folios) - cpu0 ))"

# A stalled context: the batch times out, is terminated, the CPU copies.
echo 300 > "$dma/timeout_ms"
for f in $fns; do dbg $f $STALL_NTH 3; done
t0=$(st timeouts)
moves stall
check "migration correct with stalled DMA contexts" $?
check "timeouts counted" $([ $(( $(st timeouts) - t0 )) -ge 1 ]; echo $?) "+$(( $(st timeouts) - t0 ))"
echo 2000 > "$dma/timeout_ms"
moves after
check "engine healthy again after stalls" $?

# Two migrations sharing one stalled channel: the batch that met the
# stall times out once, and its terminate drops the other's transfers
# too; that one must see it at once (aborted), not wait its own timeout
# and terminate the channel again (sdxi_migrate with the adversary off,
# MO_SDXI_ADVERSARY=0, shows the abort every time). The provider spreads concurrent
# batches over the least loaded channels, so to make them share one the
# function gets a single channel.
echo 0 > "$dma/enabled"
rmmod sdxi && modprobe sdxi channels=1
echo 1 > "$dma/enabled"
f0=$(echo $fns | cut -d' ' -f1)
echo "$f0" > "$dma/devices"
echo 1 > "$dma/channels"
echo 3000 > "$dma/timeout_ms"
ch=$(wc -l < "$dmadbg/in_use")
t0=$(st timeouts) a0=$(st aborted)
dbg $f0 $STALL_NTH 3
( moves share1 -t all_pairs ) & p1=$!
( moves share2 -t all_pairs ) & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
dt=$(( $(st timeouts) - t0 )) da=$(( $(st aborted) - a0 ))
check "two migrations sharing a stalled channel correct" \
	$([ $r1 = 0 ] && [ $r2 = 0 ]; echo $?) "$ch channel(s) of $f0"
# The other batch is aborted by that terminate, or (the adversary
# completes descriptors out of order around the stalled one) finished
# before it: never a second timeout.
check "one stall costs one timeout, the other batch not a second one" \
	$([ $dt = 1 ]; echo $?) "timeouts +$dt, aborted +$da"
echo 0 > "$dma/enabled"
rmmod sdxi && modprobe sdxi
echo > "$dma/devices"
echo 1 > "$dma/enabled"
echo 4 > "$dma/channels"
echo 2000 > "$dma/timeout_ms"

# The kernel's fault injection: refused submissions and failed completions.
fi_set() { # fi_set NAME PROBABILITY
	d=/sys/kernel/debug/migrate_dma/$1
	echo "$2" > $d/probability; echo 1 > $d/interval; echo -1 > $d/times
	echo 0 > $d/verbose
}
if [ -d /sys/kernel/debug/migrate_dma/fail_submit ]; then
	for fi in fail_submit fail_completion; do
		fi_set $fi 20
		s0=$(st submit_errors) f0=$(st failed)
		moves $fi
		rc=$?
		fi_set $fi 0
		ds=$(( $(st submit_errors) - s0 )) df=$(( $(st failed) - f0 ))
		check "migration correct with $fi" $rc "submit_errors +$ds, failed +$df"
		[ $fi = fail_submit ] && hit=$ds || hit=$df
		check "$fi injected faults" $([ "$hit" -ge 1 ]; echo $?)
	done
fi

# Unbind one SDXi function in the middle of a migration loop.
f0=$(echo $fns | cut -d' ' -f1)
lost0=$(st lost)
( for i in 1 2 3; do moves unbind$i || exit 1; done ) &
pid=$!
sleep 4
echo $f0 > /sys/bus/pci/drivers/sdxi/unbind
wait $pid
check "migration correct across an unbind of the engine" $?
check "channels of the unbound engine given back" \
	$([ $(( $(st lost) - lost0 )) -ge 1 ] && ! grep -q "$f0" "$dmadbg/in_use"; echo $?) "lost +$(( $(st lost) - lost0 ))"
echo $f0 > /sys/bus/pci/drivers/sdxi/bind
echo 1 > "$dma/rescan"
check "rescan takes the rebound engine's channels" $(grep -q "$f0" "$dmadbg/in_use"; echo $?)

# Stress: migrations on all CPUs while the policy and channel count
# change, with stress-ng's NUMA stressor (mbind, migrate_pages,
# move_pages, its own verification) alongside when the initramfs has it.
touch /tmp/stress
( i=0; while [ -e /tmp/stress ]; do
	for v in dma threads dmaengine any none; do
		echo $v > "$mig/policy/syscall_or_cpuset"; sleep 0.2
	done
	echo $(( i % 4 + 1 )) > "$dma/channels"; i=$((i + 1))
	echo $i > /tmp/switches
done ) &
spin=$!
# Only the byte checks: splitting mTHPs under concurrent migration is
# allowed, so the folio_size tests would be noise here.
( moves s1 -t all_pairs ) & p1=$!
( moves s2 -t all_pairs ) & p2=$!
p3=
if command -v stress-ng > /dev/null; then
	# One op per worker: under TCG and KASAN one takes about half a
	# minute, and stress-ng only looks at its timeout between ops.
	stress-ng --numa 1 --numa-ops 1 --verify --timeout 60s \
		--metrics-brief > /tmp/sng.log 2>&1 &
	p3=$!
fi
# Show where things stand if the stress does not end in time.
( sleep 240; [ -e /tmp/stress ] || exit 0
  echo "# stress still running after 240 s: backtraces follow"
  echo l > /proc/sysrq-trigger; echo w > /proc/sysrq-trigger
  kill $p1 $p2 $p3 2>/dev/null ) &
guard=$!
wait $p1; r1=$?
wait $p2; r2=$?
r3=0
[ -n "$p3" ] && { wait $p3; r3=$?; }
rm -f /tmp/stress
kill $guard 2>/dev/null
wait $spin
check "stress: concurrent migrations while switching providers" \
	$([ $r1 = 0 ] && [ $r2 = 0 ]; echo $?) "$(cat /tmp/switches) policy rounds"
if [ -n "$p3" ]; then
	[ $r3 = 0 ] || sed 's/^/# /' /tmp/sng.log | tail -n 20
	check "stress-ng --numa alongside" $r3 "$(grep -m1 ' numa ' /tmp/sng.log | tr -s ' ')"
fi

# The tiering callers through DMA: demotion under memory pressure to the
# CPU-less node, a node preference, a driver's "dma" hint.
MO_PROVIDER=dmaengine migrate_callers -t demotion -t node_preference \
	-t driver_hint > /tmp/callers.log 2>&1
r=$?
[ $r = 0 ] || tail -n 30 /tmp/callers.log | sed 's/^/# /'
check "callers through dmaengine: demotion, node preference, driver hint" $r \
	"$(grep -m1 'demoted' /tmp/callers.log | sed 's/^# *//')"

# Every byte above was checked with the functions' adversaries on
# (seeded, harness/vm.sh): they reordered completions and wrote status
# blocks late.
adv_report

echo 0 > "$dma/enabled"
check "disabling gives the channels back" $([ -z "$(cat "$dmadbg/in_use")" ]; echo $?)
rmmod migrate_dma
check "unload migrate_dma" $?
echo "1..$n"
