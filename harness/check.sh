#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: everything `make check` runs, ending with "N passed, N failed".
#
#   MO_PLAN   guest tests of the main boot (default below)
#   MO_ONLY   run only these guest tests (comma list), no static checks
#             and no device-model test
#
# Before anything runs, it writes down every result it must produce
# (harness/manifest.py expect: the static checks' names, the manifest's
# model tests, KUnit suites and guest tests, each boot); at the end every
# one that is missing is a FAIL. A helper that exits non-zero without
# printing a FAIL line is a FAIL of its own.
. "$(dirname "$0")/lib.sh"

PLAN=${MO_PLAN:-smoke,offload,auto,folio_types,dma_drivers,dma_pressure,callers,migration,rmap,sdxi,sdxi_migrate,ptdma}
res=$MO_LOGS/check-results.txt
expected=$MO_LOGS/check-expected.txt
mkdir -p "$MO_LOGS"
: > "$res"
: > "$expected"

record() { tee -a "$res"; }

summary() {
	echo
	echo "== summary ($(( $(date +%s) - mo_t0 ))s; results in $res, logs in $MO_LOGS)"
	python3 "$MO_HARNESS/manifest.py" check "$expected" "$res"
}

# reporting NAME CMD...: run a helper that prints "PASS/FAIL/SKIP name"
# lines and record them; its other output goes to its log, its stderr
# also to the terminal. A non-zero exit without a FAIL line is a FAIL.
reporting() {
	local name=$1 rc=0 out err
	shift
	out=$MO_LOGS/step-${name//\//_}.out err=$MO_LOGS/step-${name//\//_}.err
	"$@" 2>&1 > "$out" | tee "$err" >&2 || rc=$?
	awk '/^(PASS|FAIL|SKIP) /' "$out" | record
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name: exited $rc without reporting a failure ($(grep -m1 '^error:' "$err" || tail -n1 "$err"))" | record
	fi
}

# gate NAME CMD...: a step that must work for anything after it to mean
# something; on failure the summary counts all that never ran.
gate() {
	local name=$1; shift
	if "$@" > "$MO_LOGS/step-$name.log" 2>&1; then
		echo "PASS $name" | record
	else
		echo "FAIL $name: $(grep -m1 -E '^error:' "$MO_LOGS/step-$name.log" || tail -n1 "$MO_LOGS/step-$name.log")" | record
		sed -n '/^error:/,$p' "$MO_LOGS/step-$name.log" | head -n 20 >&2
		summary
		exit 1
	fi
}

# The manifest of this run.
manifest() {
	local static=$MO_LOGS/static-expected.txt
	printf '%s =\n' build-kernel build-qemu build-guest
	if [ -n "${MO_ONLY:-}" ]; then
		python3 "$MO_HARNESS/manifest.py" expect "$MO_HARNESS/manifest" \
			--only "check-only:$MO_ONLY"
	else
		"$MO_HARNESS/static-checks.sh" --list > "$static"
		python3 "$MO_HARNESS/manifest.py" expect "$MO_HARNESS/manifest" \
			--static-list "$static" "check-main:$PLAN" check-cxl:cxl \
			check-crash:crash
	fi
}
manifest > "$expected.new" 2> "$MO_LOGS/step-manifest.log" ||
	{ cat "$MO_LOGS/step-manifest.log" >&2; echo "FAIL manifest: cannot list the expected results" | record; summary; exit 1; }
mv "$expected.new" "$expected"
step "check: $(wc -l < "$expected") results expected ($expected)"

step "check: kernel source, tree assembly, config, build"
gate build-kernel "$MO_HARNESS/build-kernel.sh" test
grep '^\[' "$MO_LOGS/step-build-kernel.log" >&2 || :

gate build-guest "$MO_HARNESS/build-guest.sh" test

# Side jobs: what needs no guest (the static checks, the device models'
# own qtests) runs in the background under SCHED_IDLE, on the CPU time
# the foreground leaves: the QEMU build's configure and link, then the
# boots (a guest under TCG kept 57 % of two cores busy during the
# offload tests). SCHED_IDLE, not nice: a waking vCPU thread preempts
# it at once. Each job's results go to a file of its own, added to the
# run's once all are done. Each job has a process group of its own
# (set -m), so that an interrupted check stops it too: a background job
# ignores the terminal's SIGINT.
side_pids=() side_files=()
side() {	# side NAME CMD...: run "reporting NAME CMD..." in the background
	local name=$1
	shift
	side_files+=("$MO_LOGS/side-$name.txt")
	: > "${side_files[-1]}"
	set -m
	(
		res=${side_files[-1]}
		reporting "$name" chrt --idle 0 "$@"
		step "check: $name done"
	) &
	side_pids+=($!)
	set +m
}
trap 'for p in "${side_pids[@]}"; do kill -- -"$p" 2> /dev/null || :; done' EXIT
trap 'exit 130' INT TERM

if [ -z "${MO_ONLY:-}" ]; then
	step "check: static checks, in the background"
	side static-checks "$MO_HARNESS/static-checks.sh"
fi

step "check: QEMU with the SDXi device model"
gate build-qemu "$MO_HARNESS/build-qemu.sh"
grep '^\[' "$MO_LOGS/step-build-qemu.log" >&2 || :

if [ -z "${MO_ONLY:-}" ]; then
	step "check: device-model tests, in the background"
	for model in sdxi ptdma; do
		side "$model-model" timeout 600 python3 \
			"$MO_HARNESS/qemu/$model-test.py" "$MO_QEMU_BIN" \
			"$MO_LOGS/$model-model.log"
	done
fi

boot() {	# boot NAME PLAN [results.py options]
	local name=$1 plan=$2 rc=0 t0
	shift 2
	t0=$(date +%s)
	"$MO_HARNESS/vm.sh" test "$plan" "$name" "${MO_TIMEOUT:-1800}" || rc=$?
	# QEMU exits 0 when the guest powers off, and after a panic too
	# (-no-reboot): anything else is a failure of the boot itself.
	if [ $rc -ne 0 ]; then
		echo "FAIL boot/$name/qemu: vm.sh exited $rc$([ $rc != 124 ] || echo ': the guest timed out')" | record
	fi
	reporting "results/$name" python3 "$MO_HARNESS/results.py" \
		"$MO_LOGS/$name.log" "$name" "$@"
	step "boot $name: $(( $(date +%s) - t0 )) s on the host"
}

if [ -n "${MO_ONLY:-}" ]; then
	boot check-only "$MO_ONLY" --kunit
else
	boot check-main "$PLAN" --kunit
	# 1 GiB hugetlb pages, reserved at boot on nodes 1 and 2 (1 GiB of
	# each node's 2 GiB): a boot of its own, to leave the others be.
	(export MO_APPEND="hugepagesz=1G hugepages=1:1,2:1"
	 boot check-huge folio_types_1g)
	# Every DMA mapping bounced through swiotlb, as in confidential
	# guests (256 MiB of bounce buffers: a batch of the largest budget
	# maps 64 MiB each way).
	(export MO_APPEND="swiotlb=131072,force"
	 boot check-bounce dma_bounce)
	# CXL memory needs Debian's QEMU 10 (vm.sh MO_CXL=1): a boot of its own.
	(export MO_CXL=1; boot check-cxl cxl)
	# The harness must notice a kernel crash: crash one on purpose.
	boot check-crash crash --expect-crash
fi
# The side jobs' results; one never printed is missing from the manifest
# and fails there.
[ ${#side_pids[@]} = 0 ] || step "check: waiting for the background jobs"
for i in "${!side_pids[@]}"; do
	wait "${side_pids[$i]}" || :
	cat "${side_files[$i]}" >> "$res"
done
summary
