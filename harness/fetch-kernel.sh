#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-7.3 binary package once and unpack the
# pristine tree into the cache. A second call does nothing.
. "$(dirname "$0")/lib.sh"

[ -f "$MO_SRC/.unpacked" ] && exit 0

apt_dir=$MO_CACHE/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/dl"
cat > "$apt_dir/sources.list" <<LIST
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $MO_KSUITE main
LIST

# A private apt configuration: the machine's own sources stay untouched.
apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
	  -o Dir::Etc::SourceParts=/nonexistent
	  -o Dir::State::Lists="$apt_dir/lists"
	  -o Dir::Cache::archives="$apt_dir/archives"
	  -o Dir::State::status=/var/lib/dpkg/status
	  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Get::List-Cleanup=0)

deb=$(ls "$apt_dir"/dl/${MO_KPKG}_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
	step "apt: fetching $MO_KPKG=$MO_KVER from $MO_KSUITE"
	apt-get "${apt_opts[@]}" -qq update
	if ! (cd "$apt_dir/dl" && apt-get "${apt_opts[@]}" -qq download "$MO_KPKG=$MO_KVER"); then
		newest=$(apt-cache "${apt_opts[@]}" madison "$MO_KPKG" | awk '{print $3; exit}')
		[ -n "$newest" ] || die "$MO_KPKG is not in $MO_KSUITE"
		echo "warning: $MO_KPKG $MO_KVER is gone; using the newest, $newest" >&2
		(cd "$apt_dir/dl" && apt-get "${apt_opts[@]}" -qq download "$MO_KPKG=$newest")
	fi
	deb=$(ls "$apt_dir"/dl/${MO_KPKG}_*.deb | head -n1)
fi

step "unpacking $(basename "$deb")"
tmp=$MO_CACHE/src/.unpack.$$
rm -rf "$tmp" && mkdir -p "$tmp"
dpkg-deb -x "$deb" "$tmp/deb"
tarball=$(ls "$tmp"/deb/usr/src/linux-source-*.tar.* | head -n1)
mkdir -p "$tmp/x"
tar -C "$tmp/x" -xf "$tarball"
rm -rf "$MO_SRC" && mkdir -p "$(dirname "$MO_SRC")"
mv "$tmp"/x/linux-source-* "$MO_SRC"
rm -rf "$tmp"
touch "$MO_SRC/.unpacked"
step "pristine tree at $MO_SRC"
