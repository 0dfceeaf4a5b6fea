#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs. Idempotent: nothing is
# fetched when everything is there already. ocaml-nox: coccicheck scripts
# with OCaml rules (badzero.cocci) cannot run without it, and a script
# that cannot run fails coccicheck. The second group builds the
# guest's QEMU (bookworm's, with our SDXi device model) from source.
# gcc-aarch64-linux-gnu: the static checks build the arm64 files we
# patch (and their callers) for arm64.
set -euo pipefail

pkgs=(build-essential flex bison bc libelf-dev libssl-dev ccache cpio
      xz-utils zstd kmod rsync python3 python3-yaml dpkg-dev
      qemu-system-x86 busybox-static libnuma-dev libcap-dev numactl
      coccinelle ocaml-nox git gcc-aarch64-linux-gnu
      meson ninja-build libglib2.0-dev libpixman-1-dev pkg-config
      libslirp-dev libfdt-dev seabios ipxe-qemu qemu-system-data
      gnuplot-nox stress-ng patch)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
