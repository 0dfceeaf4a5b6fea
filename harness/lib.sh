# SPDX-License-Identifier: GPL-2.0
# Common settings for the harness scripts. Source it; do not run it.
#
# Everything expensive (downloads, the pristine and assembled trees, build
# directories, tools) lives under $MO_CACHE, outside the work tree, so a
# second checkout or a later session on the same machine starts warm.

set -euo pipefail

MO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MO_HARNESS=$MO_TOP/harness
MO_CACHE=${MO_CACHE:-$HOME/.cache/migrate-offload}

# The kernel we stand on: Debian's linux-source-7.3 from trixie-backports.
MO_KPKG=linux-source-7.3
MO_KVER=${MO_KVER:-7.3.4-1~bpo13+1}
MO_KSUITE=trixie-backports

MO_SRC=$MO_CACHE/src/$MO_KVER/pristine	# unpacked, never modified
MO_TREE=$MO_CACHE/tree			# pristine + patches + overlay
MO_BUILD=$MO_CACHE/build		# O= build directories
MO_OUT=$MO_CACHE/out			# initramfs, logs, results
MO_TOOLS=$MO_CACHE/tools		# sparse and other built tools
MO_LOGS=${MO_LOGS:-$MO_TOP/logs}	# console logs kept for people to read

# The guest's QEMU: Debian bookworm's source plus our SDXi device model
# (harness/qemu/sdxi.c), built by build-qemu.sh. vm.sh runs $MO_QEMU_BIN
# unless MO_QEMU names another binary.
MO_QEMU_VER=${MO_QEMU_VER:-1:7.2+dfsg-7+deb12u18}
MO_QEMU_SRC=$MO_CACHE/qemu/src/${MO_QEMU_VER#*:}	# unpacked, then sdxi added
MO_QEMU_BUILD=$MO_CACHE/qemu/build		# meson/ninja build directory
MO_QEMU_BIN=$MO_CACHE/qemu/bin/qemu-system-x86_64

MO_JOBS=${MO_JOBS:-$(nproc)}

# mo_kconfig_frags FLAVOUR: the fragments (harness/config/NAME.config) a
# kernel flavour is configured with, in merge order. kconfig.sh makes the
# flavours from them, and series-check.sh's test build uses the test
# flavour's, so that every patch is built with what the test kernel has.
mo_kconfig_frags() {
	case $1 in
	test)	 echo base debug offload cxl swap ;;
	bench)	 echo base offload ;;
	vanilla) echo base ;;
	*)	 return 1 ;;
	esac
}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}

mo_t0=${mo_t0:-$(date +%s)}
export mo_t0

# mo_job_slot: wait until fewer than MO_JOBS background jobs of this shell
# run. Their exit status is not looked at here: each job writes its own
# to a file, which the caller reads once all are done.
mo_job_slot() {
	while [ "$(jobs -rp | wc -l)" -ge "$MO_JOBS" ]; do
		wait -n || :
	done
}

# step "what": a progress line with the elapsed time of the whole run.
step() {
	printf '[%4ds] %s\n' "$(( $(date +%s) - mo_t0 ))" "$*" >&2
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}
