#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: everything `make check` runs, ending with "N passed, N failed".
#
#   MO_PLAN   guest tests of the main boot (default below)
#   MO_ONLY   run only these guest tests (comma list), no static checks
#             and no device-model test
. "$(dirname "$0")/lib.sh"

PLAN=${MO_PLAN:-smoke,offload,callers,migration,rmap,sdxi,sdxi_migrate,ptdma}
res=$MO_LOGS/check-results.txt
mkdir -p "$MO_LOGS"
: > "$res"

record() { tee -a "$res"; }

summary() {
	local p f s
	p=$(grep -c '^PASS' "$res" || true)
	f=$(grep -c '^FAIL' "$res" || true)
	s=$(grep -c '^SKIP' "$res" || true)
	echo
	echo "== summary ($(( $(date +%s) - mo_t0 ))s; results in $res, logs in $MO_LOGS)"
	grep '^FAIL' "$res" || true
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

# A step that must work for anything after it to mean something.
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

step "check: kernel source, tree assembly, config, build"
gate build-kernel "$MO_HARNESS/build-kernel.sh" test
grep '^\[' "$MO_LOGS/step-build-kernel.log" >&2 || true

step "check: QEMU with the SDXi device model"
gate build-qemu "$MO_HARNESS/build-qemu.sh"
grep '^\[' "$MO_LOGS/step-build-qemu.log" >&2 || true

if [ -z "${MO_ONLY:-}" ]; then
	step "check: static checks"
	"$MO_HARNESS/static-checks.sh" | record || true
	# The device models on their own, driven through qtest (seconds).
	for model in sdxi ptdma; do
		step "check: $model device model"
		model_log=$MO_LOGS/$model-model.log
		: > "$model_log"
		model_out=$(timeout 600 python3 "$MO_HARNESS/qemu/$model-test.py" \
			"$MO_QEMU_BIN" "$model_log" 2>> "$model_log") || true
		grep -E '^(PASS|FAIL)' <<< "$model_out" | record || true
		grep -qE '^[0-9]+ passed' <<< "$model_out" ||
			echo "FAIL $model-model: the test did not finish (see $model_log)" | record
	done
fi

gate build-guest "$MO_HARNESS/build-guest.sh" test

boot() {	# boot NAME PLAN [results.py options]
	local name=$1 plan=$2; shift 2
	"$MO_HARNESS/vm.sh" test "$plan" "$name" "${MO_TIMEOUT:-1800}" || true
	python3 "$MO_HARNESS/results.py" "$MO_LOGS/$name.log" "$name" "$@" | record || true
}

if [ -n "${MO_ONLY:-}" ]; then
	boot check-only "$MO_ONLY" --kunit
else
	boot check-main "$PLAN" --kunit
	# CXL memory needs Debian's QEMU 10 (vm.sh MO_CXL=1): a boot of its own.
	(export MO_CXL=1; boot check-cxl cxl)
	# The harness must notice a kernel crash: crash one on purpose.
	boot check-crash crash --expect-crash
fi
summary
