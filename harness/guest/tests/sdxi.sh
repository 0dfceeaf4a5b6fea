#!/bin/sh
# The SDXi driver on the emulated functions (one per NUMA node): KUnit,
# dmatest over every channel, injected descriptor errors, stalls and lost
# interrupts, unbind/bind with and without clients. TAP on stdout.
n=0
ok() { n=$((n + 1)); echo "ok $n $1${2:+ # $2}"; }
nok() { n=$((n + 1)); echo "not ok $n $1${2:+ # $2}"; }
check() { # check NAME COND-EXIT-STATUS [note]
	if [ "$2" = 0 ]; then ok "$1" "$3"; else nok "$1" "$3"; fi
}

. /tests/dmatest_lib.sh
. /tests/sdxi_lib.sh

fns=$(sdxi_fns)
nfns=$(echo $fns | wc -w)
check "sdxi functions present" $([ "$nfns" -ge 2 ]; echo $?) "$nfns functions"

modprobe sdxi
check "modprobe sdxi" $?

# KUnit runs when its module loads; report each case.
modprobe sdxi_kunit
check "modprobe sdxi_kunit" $?
res=/sys/kernel/debug/kunit/sdxi_desc/results
if [ -r $res ]; then
	grep -E '^    (not )?ok ' $res | sed 's/^    //' | while read -r line; do
		name=$(echo "$line" | sed 's/^\(not \)\{0,1\}ok [0-9]* //')
		case $line in
		ok*) echo "ok 0 kunit/sdxi_desc/$name" ;;
		*) echo "not ok 0 kunit/sdxi_desc/$name" ;;
		esac
	done
	grep -q '^ok .* sdxi_desc' $res
	check "kunit sdxi_desc" $?
else
	nok "kunit sdxi_desc" "no results in debugfs"
fi

bound=$(ls -d /sys/bus/pci/drivers/sdxi/0000:* 2>/dev/null | wc -l)
check "every function bound" $([ "$bound" = "$nfns" ]; echo $?) "$bound of $nfns"

nodes=""
for f in $fns; do nodes="$nodes $(cat /sys/bus/pci/devices/$f/numa_node)"; done
distinct=$(echo $nodes | tr ' ' '\n' | sort -u | grep -vc '^-1$')
check "functions on distinct NUMA nodes" \
	$([ "$distinct" = "$nfns" ]; echo $?) "nodes:$nodes"

nchans=0
for f in $fns; do nchans=$((nchans + $(chans_of $f | wc -l))); done
check "channels registered" $([ "$nchans" -ge "$nfns" ]; echo $?) "$nchans channels"

modprobe dmatest
# Every channel, two threads each, data verified.
dmatest "" 500 2
t=$(tests_sum) f=$(fails_sum) th=$(wc -l < /tmp/dt)
check "dmatest all channels" $([ "$th" = $((nchans * 2)) ] && [ "$t" = $((nchans * 1000)) ] && [ "$f" = 0 ]; echo $?) \
	"$th threads, $t tests, $f failures, $(kbs_sum) KB/s total (emulated)"

# Throughput without verification, 1 MiB transfers (emulated).
dmatest "" 50 1 noverify=1 test_buf_size=1048576
check "dmatest 1 MiB noverify" $([ "$(fails_sum)" = 0 ]; echo $?) \
	"$(tests_sum) tests, $(kbs_sum) KB/s total (emulated)"

f0=$(echo $fns | cut -d' ' -f1)
c0=$(chans_of $f0 | head -n1)
tr=/sys/kernel/tracing
echo 1 > $tr/events/sdxi/sdxi_error/enable
echo > $tr/trace

# Injected descriptor error: exactly one transfer fails, reported as an
# error to the client; the channel recovers by itself.
dbg $f0 $FAIL_CLASS 0x0101
dbg $f0 $FAIL_NTH 3
dmatest $c0 10 1
check "injected error fails one transfer" \
	$([ "$(tests_sum)" = 10 ] && [ "$(fails_sum)" = 1 ]; echo $?) "$(cat /tmp/dt)"
grep -q 'completion error status' /tmp/dt.log
check "error reported as DMA_ERROR status" $?
grep -q "sdxi_error: $f0 context 1 descriptor [0-9]* step 10 sub_step 2 buffer 0 reaction 1" $tr/trace
check "error log entry traced: source buffer failed" $? "$(grep -m1 sdxi_error: $tr/trace | sed 's/.*sdxi_error: //')"
dbg $f0 $FAIL_CLASS 0x0102
dbg $f0 $FAIL_NTH 1
dmatest $c0 5 1
check "write error fails one transfer" $([ "$(fails_sum)" = 1 ]; echo $?)
grep -q "sdxi_error: $f0 context 1 descriptor [0-9]* step 10 sub_step 2 buffer 1 reaction 1" $tr/trace
check "error log entry traced: destination buffer failed" $?
echo 0 > $tr/events/sdxi/sdxi_error/enable
dmatest $c0 20 1
check "channel works after errors" $([ "$(fails_sum)" = 0 ]; echo $?)

# A stalled context with the driver's watchdog off: transfers time out
# until the client terminates (dmatest does at thread exit); the restart
# must leave a working channel.
echo 0 > /sys/module/sdxi/parameters/timeout_ms
dbg $f0 $STALL_NTH 1
dmatest $c0 2 1 timeout=1000
check "stalled context times out" $([ "$(fails_sum)" = 2 ]; echo $?)
dmatest $c0 20 1
check "terminate restarts a stalled context" $([ "$(fails_sum)" = 0 ]; echo $?) "$(cat /tmp/dt)"

# The watchdog restarts a stalled context by itself.
echo 300 > /sys/module/sdxi/parameters/timeout_ms
dbg $f0 $STALL_NTH 2
dmatest $c0 6 1
check "watchdog aborts the stalled transfer only" \
	$([ "$(tests_sum)" = 6 ] && [ "$(fails_sum)" = 1 ]; echo $?) "$(cat /tmp/dt)"
grep -q 'no progress for 300 ms' /tmp/dt.log
check "watchdog reported the stall" $?
echo 5000 > /sys/module/sdxi/parameters/timeout_ms

# A lost interrupt costs time, not transfers.
dbg $f0 $DROP_IRQ 1
dmatest $c0 5 1
check "lost interrupt recovered by polling" $([ "$(fails_sum)" = 0 ]; echo $?)

# Unbind and bind without clients.
drv=/sys/bus/pci/drivers/sdxi
echo $f0 > $drv/unbind
check "unbind idle function" $([ -z "$(chans_of $f0)" ]; echo $?)
echo $f0 > $drv/bind
c0=$(chans_of $f0 | head -n1)
check "bind again" $([ -n "$c0" ]; echo $?)
dmatest $c0 20 1
check "rebound function copies" $([ "$(fails_sum)" = 0 ] && [ "$(tests_sum)" = 20 ]; echo $?)

# Unbind while dmatest holds every channel of the function and copies.
echo 0 > $DT/run
echo 2000 > $DT/iterations
echo 1 > $DT/threads_per_chan
echo 0 > $DT/noverify
echo 4096 > $DT/test_buf_size
for c in $(chans_of $f0); do echo $c > $DT/channel; done
echo 1 > $DT/run
sleep 1
dmesg -c > /dev/null
echo $f0 > $drv/unbind
check "unbind with clients" $?
cat $DT/wait > /dev/null
dmesg | grep 'dmatest: .*summary' > /tmp/dt
nch=$(wc -l < /tmp/dt)
# Transfers still queued at the unbind fail; the threads all finish.
check "clients see failures, not a hang" \
	$([ "$nch" -ge 1 ] && [ "$(fails_sum)" -ge 1 ]; echo $?) "$(cat /tmp/dt | tr '\n' ' ')"
echo $f0 > $drv/bind
c0=$(chans_of $f0 | head -n1)
dmatest $c0 20 1
check "function works after unbind under load" $([ "$(fails_sum)" = 0 ] && [ "$(tests_sum)" = 20 ]; echo $?)

# Give the channels back for the tests that follow.
echo 0 > $DT/run
rmmod dmatest
echo "1..$n"
