#!/bin/sh
# Ours: the "auto" policy on real moves (mm/migrate_offload/cost.c), and
# what the threads provider's helpers are charged to. Every move is
# checked word by word by migrate_bench, from node 0 to node 1.
#   - the providers' thresholds read "auto" as booted: under the "auto"
#     policy their own guesses do not apply;
#   - base pages do not go to threads or DMA with their thresholds at
#     "auto", once the model has seen a few calls, but for the retries
#     of a provider that once won on them;
#   - 2 MiB folios move (to whoever the model finds faster: recorded);
#   - a provider that claims to be fast is tried, and once slowed down
#     ten times and more it is dropped after at most a few calls (taking
#     back a provider that is fast again is KUnit's: under emulation no
#     provider is reliably faster than the CPU);
#   - the helpers' CPU time shows in the mover's cgroup (cpu.stat), the
#     DMA provider's bytes in debugfs per cgroup, and with every other
#     CPU busy, or the mover under a cpu.max quota, the threads provider
#     wakes no helper.
# TAP on stdout.
. /tests/tap_lib.sh
. /tests/threads_lib.sh
dma=$mig/providers/dmaengine
pst() { cat "$mig/providers/$1/stats/$2"; }
# move MiB KiB [node]: one move there (node 1 unless named) and back,
# every word checked.
move() {
	numactl --cpunodebind=0 migrate_bench -m "$1" -r 1 -s "$2" \
		-t "${3:-1}" > /tmp/auto.log 2>&1 && return 0
	tail -n 5 /tmp/auto.log | sed 's/^/# /'
	return 1
}
cost() { sed 's/^/# cost: /' /sys/kernel/debug/migrate_offload/cost; }
# samples PATH: calls the model learned from on a path, all providers.
samples() {
	awk -v p="$1" '$3 == p { s += $6 } END { print s + 0 }' \
		/sys/kernel/debug/migrate_offload/cost
}

# The CPU's start: a 64 KiB copy timed late in boot, once ktime runs on
# the clocksource the kernel chose (timed earlier, under emulation, it
# took 0 ns: 1 TB/s, 1 ps per byte). The classes the CPU has not
# measured since still hold what it timed.
costf=/sys/kernel/debug/migrate_offload/cost
probe=$(sed -n 's/^probe: cpu \([0-9]*\) ps_per_byte$/\1/p' $costf)
other=$(awk -v p="$probe" '$1 == "cpu" && $6 == 0 && $5 != p' $costf | wc -l)
check "the CPU's start estimate is timed" \
	$([ -n "$probe" ] && [ "$probe" -ge 10 ] && [ "$other" = 0 ]; echo $?) \
	"probe ${probe:-none} ps per byte, $other unmeasured CPU classes without it"

# Every provider's thresholds as booted, and as every test before this
# one must have left them: "auto".
set -- $(ls "$mig"/providers/*/min_folio_size "$mig"/providers/*/min_batch_bytes)
notauto=$(for f in "$@"; do
	[ "$(cat "$f")" = auto ] || printf '%s ' "${f#$mig/providers/}=$(cat "$f")"
done)
check "thresholds read auto as booted" $([ $# -ge 2 ] && [ -z "$notauto" ]; echo $?) \
	"$# files${notauto:+, not auto: $notauto}"

# Leave the guest as found for the tests after this one: policies,
# thresholds, and migrate_dma unloaded if it was not loaded.
had_dma=$([ -d "$dma" ] && echo 1)
for p in "$mig"/policy/* "$mig"/providers/*/min_folio_size \
	 "$mig"/providers/*/min_batch_bytes "$thr/threads"; do
	echo "$p $(sed 's/.*\[\(.*\)\].*/\1/' "$p")"
done > /tmp/auto.saved
modprobe sdxi 2>/dev/null && modprobe migrate_dma 2>/dev/null
for p in "$mig"/policy/*; do echo none > "$p"; done
echo auto > "$mig/policy/syscall_or_cpuset"
check "policy takes auto" $(grep -q '\[auto\]' "$mig/policy/syscall_or_cpuset"; echo $?)
provs=threads
[ -d "$dma" ] && provs="threads dmaengine"
for p in $provs; do
	echo auto > "$mig/providers/$p/min_folio_size"
	echo auto > "$mig/providers/$p/min_batch_bytes"
	echo 1 > "$mig/providers/$p/enabled"
done
echo 2 > "$thr/threads"
echo dst > "$thr/placement"
offloaded() { # folios threads and DMA copied so far
	s=0
	for p in $provs; do s=$((s + $(pst $p folios))); done
	echo $s
}

# Base pages: the start-up estimates may send the first batches to a
# provider; what it then measures keeps the rest on the CPU. A provider
# that once learned to beat the CPU on base pages (earlier tests of this
# boot may have made it look so) is still retried by design, once per
# 32 lost calls and once a second: at most that, a batch of 256 folios
# each, may leave the CPU.
move 16 4
o0=$(offloaded) t0=$(date +%s)
move 64 4
rc=$?
secs=$(( $(date +%s) - t0 ))
d=$(( $(offloaded) - o0 ))
allowed=$(( 256 * 2 * (secs + 1 + 64 / 32) ))
check "auto: base pages stay on the CPU but for retries" \
	$([ $rc = 0 ] && [ $d -le $allowed ]; echo $?) \
	"offloaded $d of 16384 folios in $secs s (retries allow $allowed)"

# 2 MiB folios: whoever the model finds faster than the CPU. Which one
# that is under emulation (KASAN, an SDXi model with its adversary's
# delays, 4 vCPUs on 2 host cores) changes from run to run: recorded,
# not asserted.
move 64 2048
note=
for p in cpu $provs; do eval f0_$p=$(pst $p folios) c0_$p=$(pst $p cost_skipped); done
move 128 2048
rc=$?
for p in cpu $provs; do
	eval "d=\$(( \$(pst $p folios) - f0_$p )) k=\$(( \$(pst $p cost_skipped) - c0_$p ))"
	note="$note $p $d folios ($k batches kept from it),"
done
check "auto: 2 MiB folios moved, bytes verified" $rc "${note%,}"
cost

# Node 2 is a lower memory tier (HMAT): moves to it and back teach the
# model's "tier" path, and leave what it learned between nodes 0 and 1
# ("near") alone.
n0=$(samples near) t0=$(samples tier)
move 64 2048 2
rc=$?
dn=$(( $(samples near) - n0 )) dt=$(( $(samples tier) - t0 ))
check "auto: a move to a lower tier is learned on its own path" \
	$([ $rc = 0 ] && [ $dt -gt 0 ] && [ $dn = 0 ]; echo $?) \
	"tier +$dt samples, near +$dn"

# The test provider (a CPU copy, so as fast as the CPU at best) claims
# to be fast: "auto" gives it the first calls, then knows better. Slowed
# down ten times and more, it is dropped after at most one more call
# (and, should it ever have won, retried once per 32 lost calls and once
# per second without a sample: a few calls in all).
for p in $provs; do echo 0 > "$mig/providers/$p/enabled"; done
rmmod test_migrate_offload 2>/dev/null
modprobe test_migrate_offload est_call_ns=1000 est_ps_per_byte=10
tp=$mig/providers/test
echo 4096 > "$tp/min_folio_size"
echo 0 > "$tp/min_batch_bytes"
echo 1 > "$tp/enabled"
b0=$(pst test batches)
move 128 2048
rc=$?
calls=$(( $(pst test batches) - b0 ))
check "auto: a provider claiming to be fast is tried" \
	$([ $rc = 0 ] && [ $calls -ge 4 ]; echo $?) "$calls calls, $(pst test cost_skipped) kept from it"
p=/sys/module/test_migrate_offload/parameters/delay_us
echo 200000 > $p
b0=$(pst test batches) k0=$(pst test cost_skipped)
move 128 2048
rc=$?
move 128 2048 || rc=1
calls=$(( $(pst test batches) - b0 )) kept=$(( $(pst test cost_skipped) - k0 ))
check "auto: a provider slowed down 10x and more is dropped" \
	$([ $rc = 0 ] && [ $calls -le 6 ] && [ $kept -ge 24 ]; echo $?) \
	"$calls calls, $kept batches kept from it"
echo 0 > $p
cost
echo 0 > "$tp/enabled"
rmmod test_migrate_offload

# Accounting: a mover alone in a cgroup, threads forced; its cgroup's
# usage grows by its own CPU time plus (within 10 %) the helpers'.
cg=/sys/fs/cgroup
mkdir -p $cg
grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg
mkdir -p $cg/mover
threads_force
echo 4 > "$thr/threads"
usage() { sed -n 's/^usage_usec //p' $cg/mover/cpu.stat; }
u0=$(usage) h0=$(cat "$thr/helper_time_us")
sh -c "echo \$\$ > $cg/mover/cgroup.procs && exec numactl --cpunodebind=0 migrate_bench -m 256 -r 2 -s 2048" > /tmp/cg.log 2>&1
rc=$?
own=$(sed -n 's/^rusage: cpu_us=//p' /tmp/cg.log)
du=$(( $(usage) - u0 )) dh=$(( $(cat "$thr/helper_time_us") - h0 ))
check "helpers' time charged to the mover's cgroup" \
	$([ $rc = 0 ] && [ -n "$own" ] && [ "$dh" -gt 0 ] &&
	  [ $du -ge $(( own + dh * 9 / 10 )) ]; echo $?) \
	"cgroup usage +$du us, mover's own $own us, helpers $dh us"
rmdir $cg/mover 2>/dev/null

# Under a cpu.max quota the same mover gets no helper: their time could
# not be charged against the quota. The calls count in quota_bound.
mkdir -p $cg/quota
echo +cpu > $cg/cgroup.subtree_control 2>/dev/null
echo "50000 100000" > $cg/quota/cpu.max 2>/dev/null
h0=$(cat "$thr/helpers") q0=$(cat "$thr/quota_bound")
sh -c "echo \$\$ > $cg/quota/cgroup.procs && exec numactl --cpunodebind=0 migrate_bench -m 32 -r 1 -s 2048" > /tmp/cgq.log 2>&1
rc=$?
dh=$(( $(cat "$thr/helpers") - h0 )) dq=$(( $(cat "$thr/quota_bound") - q0 ))
check "no helper for a mover under cpu.max" \
	$([ $rc = 0 ] && grep -q "^50000 100000" $cg/quota/cpu.max &&
	  [ $dh = 0 ] && [ $dq -gt 0 ]; echo $?) \
	"cpu.max $(cat $cg/quota/cpu.max 2>/dev/null), helpers +$dh, quota_bound +$dq"
rmdir $cg/quota 2>/dev/null

# DMA engines' time is no CPU time; the dmaengine provider counts the
# bytes it took on per cgroup (debugfs migrate_dma/cgroup_bytes).
cgb=/sys/kernel/debug/migrate_dma/cgroup_bytes
if [ -d "$dma" ] && [ -r $cgb ]; then
	mkdir -p $cg/dmamover
	for p in "$mig"/policy/*; do echo none > "$p"; done
	echo dmaengine > "$mig/policy/syscall_or_cpuset"
	echo 0 > "$thr/enabled"
	echo 4096 > "$dma/min_folio_size"
	echo 0 > "$dma/min_batch_bytes"
	echo 1 > "$dma/enabled"
	cgbytes() { awk -v p=/dmamover '$3 == p { print $2 }' $cgb; }
	b0=$(cgbytes) f0=$(pst dmaengine bytes)
	sh -c "echo \$\$ > $cg/dmamover/cgroup.procs && exec numactl --cpunodebind=0 migrate_bench -m 64 -r 1 -s 2048" > /tmp/cgd.log 2>&1
	rc=$?
	db=$(( $(cgbytes) - ${b0:-0} )) df=$(( $(pst dmaengine bytes) - f0 ))
	check "DMA bytes counted for the mover's cgroup" \
		$([ $rc = 0 ] && [ $df -gt 0 ] && [ $db -ge $df ]; echo $?) \
		"cgroup_bytes +$db, provider copied +$df bytes"
	echo 0 > "$dma/enabled"
	rmdir $cg/dmamover 2>/dev/null
else
	check "DMA bytes counted for the mover's cgroup" 1 "no dmaengine provider or no $cgb"
fi

# Busy CPUs: every CPU but the mover's runs stress-ng; the threads
# provider finds no idle CPU, wakes no helper and counts the calls busy.
threads_force
echo 4 > "$thr/threads"
h0=$(cat "$thr/helpers") y0=$(cat "$thr/busy")
stress-ng --cpu 3 --taskset 1-3 --timeout 120 > /dev/null 2>&1 &
st=$!
sleep 2
numactl --physcpubind=0 migrate_bench -m 32 -r 1 -s 2048 > /tmp/busy.log 2>&1
rc=$?
kill $st 2>/dev/null
wait $st 2>/dev/null
dh=$(( $(cat "$thr/helpers") - h0 )) dy=$(( $(cat "$thr/busy") - y0 ))
check "busy CPUs: no helper woken" \
	$([ $rc = 0 ] && [ $dh = 0 ] && [ $dy -gt 0 ]; echo $?) \
	"helpers +$dh, calls that found no idle CPU +$dy"
echo 0 > "$thr/enabled"

[ -d "$dma" ] && echo 0 > "$dma/enabled"
[ -n "$had_dma" ] || rmmod migrate_dma 2>/dev/null
while read -r p v; do [ -e "$p" ] && echo "$v" > "$p"; done < /tmp/auto.saved

echo "1..$n"
