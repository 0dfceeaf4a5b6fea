#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kconfig.sh FLAVOUR: write the .config of a build flavour into its build
# directory, and prove that every option the fragments ask for is set.
#
#   test     our tree + base + debug + offload + cxl + selftests/mm/config
#   bench    our tree without the debug options (for benchmarks)
#   vanilla  the pristine tree, without debug options or ours
. "$(dirname "$0")/lib.sh"

flavour=${1:-test}
tree=$MO_TREE
names=$(mo_kconfig_frags "$flavour") || die "unknown flavour $flavour"
read -ra frags <<< "$names"
files=()
for f in "${frags[@]}"; do files+=("$MO_HARNESS/config/$f.config"); done
files+=("$tree/tools/testing/selftests/mm/config")

out=$MO_BUILD/$flavour
scratch=$MO_BUILD/kconfig-$flavour
mkdir -p "$out" "$scratch"

# Kconfig only changes through the fragments, our Kconfig files and our
# patches: skip the (slow) merge when none of them changed.
key=$( (echo "$MO_KVER"; cat "$0" "${files[@]}"; cd "$MO_TOP" &&
	cat $(git ls-files --cached --others --exclude-standard -- patches '*Kconfig*' 2>/dev/null)) |
	md5sum | cut -d' ' -f1)
if [ -f "$out/.config" ] && [ "$(cat "$out/.config.key" 2>/dev/null)" = "$key" ]; then
	exit 0
fi

make -s -C "$tree" O="$scratch" ARCH=x86_64 tinyconfig >/dev/null
(cd "$scratch" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$scratch" \
	"$scratch/.config" "${files[@]}" >/dev/null)
make -s -C "$tree" O="$scratch" ARCH=x86_64 olddefconfig >/dev/null

# A silently dropped option (an unmet dependency) is an error.
missing=0
for f in "${files[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			opt=${line%%=*}; val=${line#*=}
			if [ "$val" = n ]; then
				grep -qx "# $opt is not set" "$scratch/.config" ||
				! grep -q "^$opt=" "$scratch/.config" && continue
			elif grep -qx "$opt=$val" "$scratch/.config"; then
				continue
			fi
			got=$(grep -E "^$opt=|^# $opt is not set" "$scratch/.config" || echo "absent")
			echo "config: $(basename "$f") asks for $line, got: $got" >&2
			missing=$((missing + 1))
			;;
		esac
	done < "$f"
done
[ "$missing" -eq 0 ] || die "$missing requested option(s) did not end up in the $flavour .config"

# Keep the old .config (and its timestamp) when nothing changed.
if ! cmp -s "$scratch/.config" "$out/.config"; then
	cp "$scratch/.config" "$out/.config"
	step "kconfig: $flavour .config updated"
fi
echo "$key" > "$out/.config.key"
