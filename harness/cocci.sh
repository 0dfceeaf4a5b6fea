#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cocci.sh TREE OBJTREE FILE...: every Coccinelle script of the tree's
# scripts/coccinelle in report mode on the given files (paths relative to
# TREE), the way scripts/coccicheck runs them, which in Linux 7.3 only
# takes whole directories (M=). Prints the reports, each line prefixed
# with its script's name; exit 1 if any, 2 if spatch itself failed on a
# script (its messages go to stderr): a script that cannot run is no
# script that found nothing.
set -euo pipefail
tree=$1 obj=$2
shift 2
cd "$tree"
inc=(-I arch/x86/include -I "$obj/arch/x86/include/generated" -I include
     -I "$obj/include" -I arch/x86/include/uapi
     -I "$obj/arch/x86/include/generated/uapi" -I include/uapi
     -I "$obj/include/generated/uapi"
     --include include/linux/compiler-version.h
     --include include/linux/kconfig.h)
version=$(spatch --version | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -n1)
reports=0 broken=0
errs=$(mktemp)
trap 'rm -f "$errs"' EXIT
for cocci in scripts/coccinelle/*/*.cocci; do
	grep -q 'virtual[[:space:]]\+report' "$cocci" || continue
	req=$(sed -n 's/^\/\/ *Requires: *//p' "$cocci")
	if [ -n "$req" ] && ! printf '%s\n%s\n' "$req" "$version" | sort -CV; then
		continue
	fi
	opt=$(sed -n 's/^\/\/ *Options: *//p' "$cocci")
	# shellcheck disable=SC2086
	rc=0
	out=$(spatch -D report --no-show-diff --very-quiet --cocci-file "$cocci" \
		$opt "${inc[@]}" "$@" 2> "$errs") || rc=$?
	if [ $rc -ne 0 ]; then
		echo "cocci.sh: spatch exited $rc on $cocci:" >&2
		tail -n 5 "$errs" >&2
		broken=1
	fi
	if [ -n "$out" ]; then
		sed "s|^|$(basename "$cocci"): |" <<< "$out"
		reports=1
	fi
done
[ $broken = 0 ] || exit 2
exit $reports
