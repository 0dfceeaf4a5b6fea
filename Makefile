# SPDX-License-Identifier: GPL-2.0
#
# The front door. Everything expensive is cached under $(MO_CACHE)
# (default ~/.cache/migrate-offload); console logs land in logs/.

H := harness

.PHONY: help deps run check shell bench bench-noise kernel guest qemu static test series series-check clean-cache

help:
	@echo "make run      build and boot the patched kernel, show the demo"
	@echo "make check    every test and static check; ends with 'N passed, N failed'"
	@echo "make shell    boot the guest with an interactive shell"
	@echo "make bench    benchmark against the unpatched kernel (QUICK=1: under 10 min;"
	@echo "              CONTROL=1: the control alone, results/control/)"
	@echo "make bench-noise  what ran on the host during each benchmark move"
	@echo "              (a diagnostic: results/noise-*.txt)"
	@echo "make test T=a,b  boot once and run only guest tests a,b (harness/guest/tests)"
	@echo "make kernel   assemble the tree and build the test kernel"
	@echo "make guest    build the test programs and the initramfs"
	@echo "make qemu     build the guest's QEMU (Debian's, plus the SDXi device model)"
	@echo "make static   static checks only (checkpatch, sparse, W=1, kernel-doc, coccicheck)"
	@echo "make series   the work as an upstream patch series in results/series/ (no build)"
	@echo "make series-check  checkpatch and two builds for every patch of the series,"
	@echo "              the final tree for arm64 (MTE) and i386 (HIGHMEM)"
	@echo "              (SERIES_CHECK=checkpatch: checkpatch only)"
	@echo "make deps     install the Debian packages the harness needs"
	@echo "make clean-cache  delete the cache (sources, trees, builds)"

deps:
	@$(H)/install-deps.sh

run: deps
	@$(H)/run.sh

check: deps
	@$(H)/check.sh

shell: deps
	@$(H)/shell.sh

test: deps
	@MO_ONLY=$(T) $(H)/check.sh

kernel: deps
	@$(H)/build-kernel.sh test

guest: kernel
	@$(H)/build-guest.sh test

qemu: deps
	@$(H)/build-qemu.sh

static: kernel
	@$(H)/static-checks.sh

bench: deps
	@MO_BENCH_QUICK=$(QUICK) MO_BENCH_CONTROL_ONLY=$(CONTROL) $(H)/bench.sh

bench-noise: deps
	@$(H)/bench-noise.sh

series: deps
	@$(H)/series.sh

series-check: deps
	@$(H)/series-check.sh

clean-cache:
	rm -rf $${MO_CACHE:-$$HOME/.cache/migrate-offload}
