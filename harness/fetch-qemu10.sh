#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fetch-qemu10.sh: fetch Debian's QEMU 10 (qemu-system-x86 from
# bookworm-backports) for guests with volatile CXL memory, which our QEMU
# 7.2 cannot emulate. Unpacks it under $MO_CACHE/qemu10/root with
# dpkg-deb -x (nothing is installed), writes a wrapper that runs it from
# there, checks it and prints the wrapper's path on stdout:
#
#   MO_QEMU=$(harness/fetch-qemu10.sh) harness/vm.sh ...
#
# A second call only re-checks the binary (about one second, no network).
#
# What is fetched: qemu-system-x86, -common, -data and seabios (QEMU 10
# needs seabios > 1.16.3; bookworm has 1.16.2) from bookworm-backports,
# plus the module packages -modules-opengl and -modules-spice, plus every
# dependency that this machine lacks (apt resolves it against the host's
# dpkg status; libraries come from bookworm). The module packages matter:
# bookworm's qemu-system-common 7.2 (installed here by `make deps`) ships
# its modules in /usr/lib/x86_64-linux-gnu/qemu, and QEMU 10 looks there
# for any module missing from its own directory, then aborts ("Only
# modules from the same build can be loaded"), e.g. on `-device help`.
# If bookworm-backports ever lacks a new enough seabios, trixie's is used.
#
# The wrapper sets LD_LIBRARY_PATH (unpacked libraries), QEMU_MODULE_DIR
# and -L for the unpacked firmware: the Debian binary is not relocatable,
# and without -L it would load the host's older seabios from /usr/share.
#
#   MO_QEMU10_VER  the qemu-system-x86 version expected (a warning, not a
#                  failure, when bookworm-backports has moved on)
. "$(dirname "$0")/lib.sh"
set -euo pipefail

MO_QEMU10_VER=${MO_QEMU10_VER:-1:10.0.2+ds-2+deb13u1~bpo12+1}
top=$MO_CACHE/qemu10
root=$top/root
bin=$top/bin/qemu-system-x86_64
apt_dir=$top/apt
debs=$top/debs

# check: the wrapper runs QEMU 10 and it knows the CXL devices. These
# commands start no guest and exit at once.
check() {
	local ver devs d
	ver=$("$bin" --version 2>&1) || { echo "$ver" >&2; return 1; }
	case $ver in
	"QEMU emulator version 10."*) ;;
	*) echo "fetch-qemu10: unexpected version: $ver" >&2; return 1 ;;
	esac
	devs=$("$bin" -device help 2>&1) || { echo "$devs" >&2; return 1; }
	for d in cxl-type3 pxb-cxl cxl-rp; do
		case $devs in
		*"name \"$d\""*) ;;
		*) echo "fetch-qemu10: $bin has no device $d" >&2; return 1 ;;
		esac
	done
}

if [ -f "$top/.done" ] && [ -x "$bin" ] && check; then
	echo "$bin"
	exit 0
fi

mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" \
	 "$apt_dir/cache" "$apt_dir/empty" "$debs"
rm -f "$top/.done"
key=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$apt_dir/sources.list" <<LIST
deb [signed-by=$key] http://deb.debian.org/debian bookworm main
deb [signed-by=$key] http://deb.debian.org/debian bookworm-updates main
deb [signed-by=$key] http://deb.debian.org/debian-security bookworm-security main
deb [signed-by=$key] http://deb.debian.org/debian bookworm-backports main
LIST
: > "$apt_dir/preferences"

# A private apt configuration: the machine's sources, lists and caches
# stay untouched. The host's dpkg status is read (not written) so that apt
# fetches only what this machine lacks.
apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
	  -o Dir::Etc::SourceParts="$apt_dir/empty"
	  -o Dir::Etc::Preferences="$apt_dir/preferences"
	  -o Dir::Etc::PreferencesParts="$apt_dir/empty"
	  -o Dir::State::Lists="$apt_dir/lists"
	  -o Dir::Cache="$apt_dir/cache"
	  -o Dir::Cache::archives="$apt_dir/archives"
	  -o Dir::State::status=/var/lib/dpkg/status
	  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Get::List-Cleanup=0)

step "apt: reading bookworm and bookworm-backports (private lists in $apt_dir)"
apt-get "${apt_opts[@]}" -qq update

want=(qemu-system-x86/bookworm-backports
      qemu-system-modules-opengl/bookworm-backports
      qemu-system-modules-spice/bookworm-backports)

# resolve: simulate installing $want on this machine; print NAME=VERSION
# for every package that would be installed or upgraded.
resolve() {
	local out
	out=$(apt-get "${apt_opts[@]}" -s -q install --no-install-recommends "$@" 2>&1) ||
		{ echo "$out" >&2; return 1; }
	awk '$1 == "Inst" {
		for (i = 3; i <= NF; i++)
			if ($i ~ /^\(/) { print $2 "=" substr($i, 2); break }
	}' <<< "$out"
}

if ! plan=$(resolve "${want[@]}"); then
	# The last resort of the notes: trixie's seabios (pinned low, so
	# nothing else comes from trixie unless named).
	step "apt: bookworm-backports alone does not resolve; adding trixie for seabios"
	echo "deb [signed-by=$key] http://deb.debian.org/debian trixie main" >> "$apt_dir/sources.list"
	printf 'Package: *\nPin: release n=trixie\nPin-Priority: 1\n' > "$apt_dir/preferences"
	apt-get "${apt_opts[@]}" -qq update
	plan=$(resolve "${want[@]}" seabios/trixie) || die "apt cannot resolve qemu-system-x86 from bookworm-backports"
fi

got=$(sed -n 's/^qemu-system-x86=//p' <<< "$plan")
[ -n "$got" ] || die "apt plans no qemu-system-x86 (is a QEMU 10 installed on the host? then use /usr/bin/qemu-system-x86_64)"
[ "$got" = "$MO_QEMU10_VER" ] ||
	echo "warning: bookworm-backports has qemu-system-x86 $got, not $MO_QEMU10_VER; using $got" >&2

step "apt: downloading $(wc -l <<< "$plan") packages"
mapfile -t pkgs <<< "$plan"
(cd "$debs" && apt-get "${apt_opts[@]}" -qq download "${pkgs[@]}")
printf '%s\n' "${pkgs[@]}" > "$top/packages.txt"

step "unpacking into $root"
tmp=$top/.root.$$
rm -rf "$tmp" && mkdir -p "$tmp"
shopt -s nullglob
for p in "${pkgs[@]}"; do
	name=${p%%=*} ver=${p#*=}
	# apt names the file NAME_VERSION_ARCH.deb, the epoch's colon as %3a.
	files=("$debs/${name}_${ver/:/%3a}_"*.deb)
	[ ${#files[@]} -gt 0 ] || die "no .deb for $p in $debs"
	dpkg-deb -x "${files[0]}" "$tmp"
done
shopt -u nullglob
rm -rf "$root"
mv "$tmp" "$root"

lib=$root/usr/lib/x86_64-linux-gnu
missing=$(LD_LIBRARY_PATH=$lib ldd "$root/usr/bin/qemu-system-x86_64" | grep 'not found' || true)
[ -z "$missing" ] || die "qemu-system-x86_64 lacks libraries: $missing"
for m in "$lib"/qemu/*.so; do
	if LD_LIBRARY_PATH=$lib ldd "$m" | grep -q 'not found'; then
		echo "warning: module $(basename "$m") lacks libraries (QEMU warns if it loads it)" >&2
	fi
done

# Firmware directories searched first (-L), before the host's.
fw=(-L "$root/usr/share/seabios" -L "$root/usr/share/qemu")
[ -d "$root/usr/lib/ipxe/qemu" ] && fw+=(-L "$root/usr/lib/ipxe/qemu")
mkdir -p "$(dirname "$bin")"
{
	echo '#!/usr/bin/env bash'
	echo "# Written by harness/fetch-qemu10.sh: Debian's QEMU $got, unpacked."
	printf 'LD_LIBRARY_PATH=%q${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n' "$lib"
	printf 'QEMU_MODULE_DIR=%q\n' "$lib/qemu"
	echo 'export LD_LIBRARY_PATH QEMU_MODULE_DIR'
	printf 'exec %q' "$root/usr/bin/qemu-system-x86_64"
	printf ' %q' "${fw[@]}"
	echo ' "$@"'
} > "$bin.tmp"
chmod +x "$bin.tmp"
mv "$bin.tmp" "$bin"

check || die "the unpacked QEMU does not work (see above)"
touch "$top/.done"
step "QEMU $got at $bin"
echo "$bin"
