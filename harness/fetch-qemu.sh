#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian bookworm's qemu source package once and unpack it into the
# cache ($MO_QEMU_SRC). A second call does nothing. build-qemu.sh adds our
# SDXi device model to it and builds the guest's QEMU.
. "$(dirname "$0")/lib.sh"

[ -f "$MO_QEMU_SRC/.unpacked" ] && exit 0

apt_dir=$MO_CACHE/qemu/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/dl"
# Both suites: a point release moves the newest version from bookworm to
# bookworm-security and back, and the pinned version is in one of them.
cat > "$apt_dir/sources.list" <<LIST
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
LIST

# A private apt configuration: the machine's own sources stay untouched.
apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
	  -o Dir::Etc::SourceParts=/nonexistent
	  -o Dir::State::Lists="$apt_dir/lists"
	  -o Dir::Cache::archives="$apt_dir/archives"
	  -o Dir::State::status=/var/lib/dpkg/status
	  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Get::List-Cleanup=0)

dsc=$apt_dir/dl/qemu_${MO_QEMU_VER#*:}.dsc
if [ ! -f "$dsc" ]; then
	step "apt: fetching the source of qemu=$MO_QEMU_VER from bookworm"
	apt-get "${apt_opts[@]}" -qq update
	if ! (cd "$apt_dir/dl" && apt-get "${apt_opts[@]}" -qq source --download-only "qemu=$MO_QEMU_VER"); then
		# Debian keeps only the newest security update in the archive.
		newest=$(apt-cache "${apt_opts[@]}" showsrc qemu | awk '/^Version:/ {print $2}' |
			 sort -V | tail -n1)
		[ -n "$newest" ] || die "qemu is not in bookworm's sources"
		echo "warning: qemu $MO_QEMU_VER is gone; using the newest, $newest" >&2
		(cd "$apt_dir/dl" && apt-get "${apt_opts[@]}" -qq source --download-only "qemu=$newest")
		dsc=$apt_dir/dl/qemu_${newest#*:}.dsc
	fi
fi

step "unpacking $(basename "$dsc")"
tmp=$MO_CACHE/qemu/.unpack.$$
rm -rf "$tmp" && mkdir -p "$tmp"
# Debian's patches (security fixes among them) are applied by -x.
# apt checked the files against the signed Release; no keyring needed.
dpkg-source --no-check -q -x "$dsc" "$tmp/qemu" >/dev/null
rm -rf "$MO_QEMU_SRC" && mkdir -p "$(dirname "$MO_QEMU_SRC")"
mv "$tmp/qemu" "$MO_QEMU_SRC"
rm -rf "$tmp"
touch "$MO_QEMU_SRC/.unpacked"
step "qemu source at $MO_QEMU_SRC"
