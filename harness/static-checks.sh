#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks on what we wrote: our patches and our new files. Prints
# "PASS name" / "FAIL name: why" lines like results.py; exit 1 on a failure.
#
#   checkpatch --strict   every patch in patches/, every new file of ours
#   sparse (C=2) + W=1    every kernel C file we add or patch, compiled in
#                         a check-only build directory with the test config
#   kernel-doc -Wall      every kernel C and header file of ours
#   coccicheck            every kernel directory holding C files of ours
#
# A checker that cannot run fails its check: a silently skipped sparse is
# exactly the defect this guards against.
. "$(dirname "$0")/lib.sh"

tree=$MO_TREE
cb=$MO_BUILD/check
logdir=$MO_LOGS/static
mkdir -p "$logdir"
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

cd "$MO_TOP"
ours=$(git ls-files --cached --others --exclude-standard -- \
	arch block crypto Documentation drivers fs include init ipc kernel lib \
	mm net samples security sound tools virt 2>/dev/null | sort)
patches=$(grep -v '^\s*#' patches/series 2>/dev/null | awk 'NF {print $1}')

# Kernel files ending in $1 (outside tools/): ours and those our patches touch.
kernel_files() {
	local p
	{
		echo "$ours"
		for p in $patches; do sed -n 's|^+++ b/||p' "patches/$p"; done
	} | grep -E "\\$1\$" | grep -v '^tools/' | sort -u || true
}
kernel_c=$(kernel_files .c)
kernel_h=$(kernel_files .h)
abi_docs=$(echo "$ours" | grep '^Documentation/ABI/' || true)

# --list: the results this script must print, one name a line, computed
# from the same file lists; check.sh reports any that goes missing.
if [ "${1:-}" = --list ]; then
	for p in $patches; do echo "checkpatch/$p"; done
	for f in $ours; do echo "checkpatch/$f"; done
	echo sparse/valid
	for f in $kernel_c; do echo "sparse+W=1/$f"; done
	for f in $kernel_c $kernel_h; do echo "kernel-doc/$f"; done
	for f in $abi_docs; do echo "abi/$f"; done
	echo maintainers
	echo coccicheck
	exit 0
fi

# --- checkpatch ---------------------------------------------------------
# The tree comes from Debian's tarball, without git history: checkpatch
# cannot look up the commits that Fixes: tags name.
cp_opts=(--strict --no-summary --quiet --show-types --ignore UNKNOWN_COMMIT_ID)
# cp_one KEY ARG...: checkpatch on a patch or (-f) a file, from the
# kernel tree: in our own git checkout, checkpatch would take the patch
# for a file that git tracks and check its diff lines. Its verdict and
# output go to $cpdir/KEY.{rc,out}.
cpdir=$(mktemp -d)
trap 'rm -rf "$cpdir"' EXIT
cp_one() {
	local key=$1 rc=0
	shift
	(cd "$tree" && scripts/checkpatch.pl "${cp_opts[@]}" "$@") \
		> "$cpdir/$key.out" 2>&1 || rc=$?
	echo $rc > "$cpdir/$key.rc"
}
# cp_verdict KEY NAME: PASS or FAIL for one checkpatch run; a run that
# left no status (killed) fails.
cp_verdict() {
	local key=$1 out
	out=$(cat "$cpdir/$key.out" 2>/dev/null || true)
	if [ "$(cat "$cpdir/$key.rc" 2>/dev/null || true)" = 0 ]; then
		pass "checkpatch/$2"
	else
		echo "$out" > "$logdir/checkpatch-$key.log"
		fail "checkpatch/$2" "$(echo "$out" | grep -m1 -E 'ERROR|WARNING|CHECK' || echo "checkpatch did not finish")"
	fi
}
# One checkpatch per patch and per file, MO_JOBS at a time (perl's start
# and checkpatch's own set-up dominate a small file).
for p in $patches; do
	mo_job_slot
	cp_one "$p" "$MO_TOP/patches/$p" &
done
for f in $ours; do
	mo_job_slot
	cp_one "${f//\//_}" -f "$f" &
done
wait
for p in $patches; do cp_verdict "$p" "$p"; done
for f in $ours; do cp_verdict "${f//\//_}" "$f"; done

# --- sparse + W=1 -------------------------------------------------------
sparse=$("$MO_HARNESS/fetch-tools.sh")
# checker-valid.sh prints 1 for a checker the kernel accepts, 0 otherwise.
if [ "$(cd "$tree" && sh scripts/checker-valid.sh "$sparse" -D__x86_64__ 2>/dev/null)" != 1 ]; then
	fail "sparse/valid" "$sparse is not a sparse Linux 7.3 accepts (checker-valid.sh)"
else
	mkdir -p "$cb"
	if ! cmp -s "$MO_BUILD/test/.config" "$cb/.config"; then
		cp "$MO_BUILD/test/.config" "$cb/.config"
	fi
	step "static: preparing the check build directory"
	make -s -C "$tree" O="$cb" ARCH=x86_64 CC="ccache gcc" -j"$MO_JOBS" \
		olddefconfig prepare > "$logdir/prepare.log" 2>&1 ||
		die "check build prepare failed; see $logdir/prepare.log"
	objs=() arm64_objs=()
	for f in $kernel_c; do
		case $f in
		arch/arm64/*) arm64_objs+=("${f%.c}.o") ;;
		arch/*) fail "sparse+W=1/$f" "no build for its architecture" ;;
		*) objs+=("${f%.c}.o"); rm -f "$cb/${f%.c}.o" ;;
		esac
	done
	out=
	if [ ${#objs[@]} -gt 0 ]; then
		step "static: sparse and W=1 on ${#objs[@]} files"
		out=$(make -C "$tree" O="$cb" ARCH=x86_64 CC="ccache gcc" W=1 C=1 \
			CHECK="$sparse" -j"$MO_JOBS" "${objs[@]}" 2>&1) ||
			fail "sparse+W=1/build" "$(echo "$out" | grep -m1 -E 'error|Error')"
		echo "$out" > "$logdir/sparse-w1.log"
	fi
	# arm64 files (the arch hooks we add) build for arm64: defconfig,
	# MTE and the offload core, which calls them (copy.c, built again
	# here, so its warnings on arm64 count against it too).
	if [ ${#arm64_objs[@]} -gt 0 ]; then
		ab=$MO_BUILD/check-arm64
		amake=(make -C "$tree" O="$ab" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
		       CC="ccache aarch64-linux-gnu-gcc" -j"$MO_JOBS")
		step "static: sparse and W=1 on ${#arm64_objs[@]} arm64 files"
		mkdir -p "$ab"
		{ [ -f "$ab/.config" ] || "${amake[@]}" -s defconfig; } > "$logdir/prepare-arm64.log" 2>&1 &&
		"$tree/scripts/config" --file "$ab/.config" -e ARM64_MTE -e MIGRATION \
			-e MIGRATE_OFFLOAD -e MIGRATE_OFFLOAD_CPU_THREADS &&
		"${amake[@]}" -s olddefconfig prepare >> "$logdir/prepare-arm64.log" 2>&1 ||
			die "arm64 check build prepare failed; see $logdir/prepare-arm64.log"
		rm -f "$ab/mm/migrate_offload/copy.o"
		for o in "${arm64_objs[@]}"; do rm -f "$ab/$o"; done
		aout=$("${amake[@]}" W=1 C=1 CHECK="$sparse" "${arm64_objs[@]}" \
			mm/migrate_offload/copy.o 2>&1) ||
			fail "sparse+W=1/build-arm64" "$(echo "$aout" | grep -m1 -E 'error|Error')"
		echo "$aout" > "$logdir/sparse-w1-arm64.log"
		out=$out$'\n'$aout
	fi
	for f in $kernel_c; do
		# Messages name the file relative to the tree or absolute.
		msgs=$(echo "$out" | grep -E "(^|/)$f:[0-9]+:[0-9]*:? ?(warning|error)" || true)
		if ! grep -qE "^\s+CHECK\s+(.*/)?$f\$" <<< "$out"; then
			fail "sparse+W=1/$f" "sparse did not run on it"
		elif [ -n "$msgs" ]; then
			fail "sparse+W=1/$f" "$(echo "$msgs" | head -n1)"
		else
			pass "sparse+W=1/$f"
		fi
	done
	for f in $kernel_h; do
		msgs=$(echo "$out" | grep -E "(^|/)$f:[0-9]+:[0-9]*:? ?(warning|error)" || true)
		[ -z "$msgs" ] || fail "sparse+W=1/$f" "$(echo "$msgs" | head -n1)"
	done
	pass "sparse/valid ($($sparse --version), $(echo "$kernel_c" | awk 'NF' | wc -l) files)"
fi

# --- kernel-doc -----------------------------------------------------------
# Upstream files we patch may carry warnings of their own: only warnings
# the pristine file does not have count (line numbers aside).
for f in $kernel_c $kernel_h; do
	out=$(cd "$tree" && scripts/kernel-doc -none -Wall "$f" 2>&1 | sed 's/:[0-9][0-9]* / /' | sort -u)
	if [ -f "$MO_SRC/$f" ]; then
		base=$(cd "$MO_SRC" && scripts/kernel-doc -none -Wall "$f" 2>&1 | sed 's/:[0-9][0-9]* / /' | sort -u)
		out=$(comm -23 <(echo "$out") <(echo "$base"))
	fi
	if [ -n "$out" ]; then
		echo "$out" >> "$logdir/kernel-doc.log"
		fail "kernel-doc/$f" "$(echo "$out" | head -n1)"
	else
		pass "kernel-doc/$f"
	fi
done

# --- ABI documentation ------------------------------------------------------
for f in $abi_docs; do
	out=$(cd "$tree" && python3 tools/docs/get_abi.py validate 2>&1 | grep -F "$f" || true)
	n=$(cd "$tree" && python3 tools/docs/get_abi.py search '.' 2>/dev/null | grep -c "Defined on file(s):.*$f" || true)
	if [ -n "$out" ]; then
		fail "abi/$f" "$(echo "$out" | head -n1)"
	elif [ "$n" -eq 0 ]; then
		fail "abi/$f" "get_abi.py finds no entry in it"
	else
		pass "abi/$f ($n entries)"
	fi
done

# --- MAINTAINERS covers every new file ------------------------------------------
uncovered=()
for f in $(echo "$ours" | grep -v '^Documentation/.*index.rst$' || true); do
	# get_maintainer.pl's status is no verdict: only the sections count.
	sections=$(cd "$tree" && scripts/get_maintainer.pl --no-git --sections -f "$f" 2>/dev/null) ||
		sections=
	if ! grep -qE '^(MEMORY MANAGEMENT - MIGRATION COPY OFFLOAD|.*SDXI.*|.*PTDMA.*)$' <<< "$sections"; then
		uncovered+=("$f")
	fi
done
if [ ${#uncovered[@]} -gt 0 ]; then
	fail maintainers "${#uncovered[@]} files not covered by one of our MAINTAINERS entries: ${uncovered[*]}"
else
	pass "maintainers ($(echo "$ours" | wc -l) files checked)"
fi

# --- coccicheck -----------------------------------------------------------
# Every report-mode script on all our kernel C files at once; the result is
# cached by the content of the files, the scripts and spatch's version.
if ! command -v spatch >/dev/null; then
	fail "coccicheck" "spatch (coccinelle) is not installed"
elif [ -n "$kernel_c" ]; then
	# Keyed on everything that makes the verdict: spatch, the files and
	# the pristine copies of the upstream ones (the baseline), the
	# scripts, and the scripts that run them (this one, cocci.sh, lib.sh).
	key=$( (spatch --version | head -n1; cd "$tree" && cat $kernel_c $kernel_h \
		scripts/coccinelle/*/*.cocci; for f in $kernel_c; do
			if [ -f "$MO_SRC/$f" ]; then cat "$MO_SRC/$f"; fi; done
		cat "$MO_HARNESS/cocci.sh" "$MO_HARNESS/static-checks.sh" \
		"$MO_HARNESS/lib.sh") | md5sum | cut -c1-16)
	stamp=$MO_CACHE/cocci/$key
	if [ -f "$stamp" ]; then
		pass "coccicheck ($(echo "$kernel_c" | wc -l) files, cached)"
	else
		step "static: coccicheck on $(echo "$kernel_c" | wc -l) files"
		# cocci.sh exits 1 when it has reports, 2 and up when it failed.
		rc=0 cocci_ran=1
		out=$("$MO_HARNESS/cocci.sh" "$tree" "$cb" $kernel_c) || rc=$?
		[ $rc -le 1 ] || { cocci_ran=0; fail coccicheck "cocci.sh failed (exit $rc) on our tree"; }
		# Upstream files we patch: only reports the pristine file lacks
		# count (line and column numbers aside), as for kernel-doc.
		upstream=$(for f in $kernel_c; do
			if [ -f "$MO_SRC/$f" ]; then echo "$f"; fi; done)
		if [ -n "$out" ] && [ -n "$upstream" ]; then
			norm() { sed -E 's/:[0-9]+:[0-9]+-[0-9]+:/:/; s/line [0-9]+/line N/g'; }
			rc=0
			base=$("$MO_HARNESS/cocci.sh" "$MO_SRC" "$cb" $upstream) || rc=$?
			[ $rc -le 1 ] || { cocci_ran=0; fail coccicheck "cocci.sh failed (exit $rc) on the pristine tree"; }
			base=$(norm <<< "$base")
			out=$(while IFS= read -r line; do
				grep -qxF -- "$(norm <<< "$line")" <<< "$base" || echo "$line"
			done <<< "$out")
		fi
		if [ $cocci_ran = 0 ]; then
			:	# reported above; nothing to cache
		elif [ -z "$out" ]; then
			mkdir -p "$(dirname "$stamp")" && touch "$stamp"
			pass "coccicheck ($(echo "$kernel_c" | wc -l) files)"
		else
			echo "$out" > "$logdir/coccicheck.log"
			while IFS= read -r line; do
				fail "coccicheck" "$line"
			done <<< "$out"
		fi
	fi
fi

exit $failed
