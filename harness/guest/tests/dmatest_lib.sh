#!/bin/sh
# Not a test: dmatest helpers the DMA engine tests source.
DT=/sys/module/dmatest/parameters

chans_of() { ls "/sys/bus/pci/devices/$1/dma" 2>/dev/null; }

# dmatest CHANNEL|"" ITERATIONS THREADS [param=value ...]: run and wait,
# leaving the summary lines in /tmp/dt and the kernel's messages of the
# run in /tmp/dt.log.
dmatest() {
	chan=$1 iters=$2 threads=$3
	shift 3
	echo 0 > $DT/run
	echo "$iters" > $DT/iterations
	echo "$threads" > $DT/threads_per_chan
	echo 0 > $DT/noverify
	echo 4096 > $DT/test_buf_size
	echo 3000 > $DT/timeout
	for kv in "$@"; do echo "${kv#*=}" > "$DT/${kv%%=*}"; done
	# Parameters are taken when a channel is added: set them first.
	echo 0 > $DT/max_channels
	echo "$chan" > $DT/channel
	# Clear the kernel's log buffer (the console keeps everything): a
	# count of lines would go wrong once the buffer wraps.
	dmesg -c > /dev/null
	echo 1 > $DT/run
	cat $DT/wait > /dev/null
	dmesg > /tmp/dt.log
	grep 'dmatest: .*summary' /tmp/dt.log > /tmp/dt
}
tests_sum() { sed -n 's/.*summary \([0-9]*\) tests.*/\1/p' /tmp/dt | awk '{s += $1} END {print s + 0}'; }
fails_sum() { sed -n 's/.*tests, \([0-9]*\) failures.*/\1/p' /tmp/dt | awk '{s += $1} END {print s + 0}'; }
kbs_sum() { sed -n 's/.* iops \([0-9]*\) KB\/s.*/\1/p' /tmp/dt | awk '{s += $1} END {print s + 0}'; }

