#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# refresh-patch.sh patches/NNNN-x.patch: after editing the files a patch
# touches in the assembled tree ($MO_TREE), rewrite the patch's diff from
# pristine to the tree, keeping its header. Works for files only this
# patch touches (it refuses otherwise).
. "$(dirname "$0")/lib.sh"

patch=$1
[ -f "$patch" ] || die "no patch $patch"
files=$(grep -E '^\+\+\+ b/' "$patch" | sed 's|^+++ b/||')
for f in $files; do
	others=$(grep -l -E "^\+\+\+ b/$f\$" "$MO_TOP"/patches/*.patch | grep -v "$(basename "$patch")" || true)
	[ -z "$others" ] || die "$f is also touched by $others"
done
tmp=$(mktemp)
sed '/^---$/q' "$patch" > "$tmp"
grep -q '^---$' "$tmp" || die "$patch has no '---' line after its message"
for f in $files; do
	(cd "$MO_SRC/.." && diff -u --label "a/$f" --label "b/$f" "pristine/$f" "$MO_TREE/$f") >> "$tmp" || true
done
mv "$tmp" "$patch"
echo "refreshed $patch ($(echo $files | wc -w) files)"
