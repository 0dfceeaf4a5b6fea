#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the checkers Debian 12 ships too old: Linux 7.3's checker-valid.sh
# needs a sparse that understands __typeof_unqual__ (>= 0.6.5); with
# bookworm's 0.6.4, "make C=1" prints a notice and silently skips sparse.
. "$(dirname "$0")/lib.sh"

SPARSE_VER=${SPARSE_VER:-0.6.5~rc1-2}
sparse_bin=$MO_TOOLS/sparse-$SPARSE_VER/sparse

if [ ! -x "$sparse_bin" ]; then
	step "sparse: fetching and building $SPARSE_VER from Debian sid's source"
	apt_dir=$MO_CACHE/apt-src
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
	cat > "$apt_dir/sources.list" <<LIST
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
LIST
	apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
		  -o Dir::Etc::SourceParts=/nonexistent
		  -o Dir::State::Lists="$apt_dir/lists"
		  -o Dir::Cache::archives="$apt_dir/archives"
		  -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	apt-get "${apt_opts[@]}" -qq update
	tmp=$MO_TOOLS/.sparse.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	(cd "$tmp" && apt-get "${apt_opts[@]}" -qq source "sparse=$SPARSE_VER" >/dev/null)
	srcdir=$(find "$tmp" -maxdepth 1 -type d -name 'sparse-*' | head -n1)
	[ -n "$srcdir" ] || die "sparse source $SPARSE_VER not found"
	make -C "$srcdir" -j"$MO_JOBS" -s sparse CC=gcc HAVE_LLVM=no HAVE_GTK=no HAVE_SQLITE=no >/dev/null 2>&1
	rm -rf "$(dirname "$sparse_bin")"
	mv "$srcdir" "$(dirname "$sparse_bin")"
	rm -rf "$tmp"
fi
"$sparse_bin" --version >/dev/null || die "sparse at $sparse_bin does not run"
echo "$sparse_bin"
