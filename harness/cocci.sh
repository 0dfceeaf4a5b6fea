#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cocci.sh TREE OBJTREE FILE...: every Coccinelle script of the tree's
# scripts/coccinelle in report mode on the given files (paths relative to
# TREE), the way scripts/coccicheck runs them, which in Linux 7.3 only
# takes whole directories (M=). Prints the reports, each line prefixed
# with its script's name; exit 1 if any, 2 if spatch itself failed on a
# script (its messages go to stderr): a script that cannot run is no
# script that found nothing.
. "$(dirname "$0")/lib.sh"
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
files=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The scripts that apply: report mode, and a spatch new enough.
scripts=()
for cocci in scripts/coccinelle/*/*.cocci; do
	grep -q 'virtual[[:space:]]\+report' "$cocci" || continue
	req=$(sed -n 's/^\/\/ *Requires: *//p' "$cocci")
	if [ -n "$req" ] && ! printf '%s\n%s\n' "$req" "$version" | sort -CV; then
		continue
	fi
	scripts+=("$cocci")
done

# run_one N COCCI: one script on the files; its reports, messages and
# exit status go to $work/N.{out,err,rc}.
run_one() {
	local n=$1 cocci=$2 opt rc=0
	opt=$(sed -n 's/^\/\/ *Options: *//p' "$cocci")
	# shellcheck disable=SC2086
	spatch -D report --no-show-diff --very-quiet --cocci-file "$cocci" \
		$opt "${inc[@]}" "${files[@]}" > "$work/$n.out" 2> "$work/$n.err" ||
		rc=$?
	echo $rc > "$work/$n.rc"
}

# spatch is single-threaded: run MO_JOBS scripts at a time (each in the
# background, a slot freed as one ends), then report in script order.
for i in "${!scripts[@]}"; do
	mo_job_slot
	run_one "$i" "${scripts[$i]}" &
done
wait

reports=0 broken=0
for i in "${!scripts[@]}"; do
	cocci=${scripts[$i]}
	rc=$(cat "$work/$i.rc" 2>/dev/null || echo "none")
	if [ "$rc" != 0 ]; then
		echo "cocci.sh: spatch exited $rc on $cocci:" >&2
		tail -n 5 "$work/$i.err" >&2
		broken=1
	fi
	if [ -s "$work/$i.out" ]; then
		sed "s|^|$(basename "$cocci"): |" "$work/$i.out"
		reports=1
	fi
done
[ $broken = 0 ] || exit 2
exit $reports
