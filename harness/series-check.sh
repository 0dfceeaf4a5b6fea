#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# series-check.sh (make series-check): is every patch of the series fit to
# be sent? Makes the series (series.sh, which also proves that it gives
# the assembled tree), then for each patch in order:
#
#   checkpatch  scripts/checkpatch.pl --strict on the mail, run from the
#               pristine tree. Only FILE_PATH_CHANGES ("does MAINTAINERS
#               need updating?") is forgiven, and only when every file
#               the patch adds is in a MAINTAINERS entry the series adds
#               (the line says in which patch).
#   min         the tree at that patch, built with allnoconfig plus
#               harness/config/series-min.config plus every option of
#               ours introduced so far (all must end up enabled, but
#               for those series-min.config names "not-in-min")
#   test        the tree at that patch, built with the test kernel's
#               fragments (as kconfig.sh makes them) plus
#               harness/config/series-test.config; options of ours the
#               series has not introduced yet are allowed to be missing
#
# A build fails on an error, and on a compiler or modpost warning in a
# file the series adds or changes. The builds are incremental from patch
# to patch, with ccache: the tree is $MO_CACHE/series/check (a hardlinked
# copy of the pristine tree, moved from patch to patch with git), the
# build directories $MO_BUILD/series-min and $MO_BUILD/series-test.
#
#   arches      once, the final tree for other architectures: arm64
#               (with MTE) and 32-bit x86 (with HIGHMEM), each from
#               allnoconfig plus harness/config/series-ARCH.config plus
#               every option of ours the architecture can have (those it
#               cannot are named on "# not-on-ARCH: SYMBOL" lines); the
#               same rules for warnings
#
#   SERIES_CHECK=checkpatch   checkpatch only (no compilation)
#   SERIES_CHECK=build        builds only
#   SERIES_CONFIGS="min"      which builds (default "min test"; empty
#                             for none)
#   SERIES_ARCHES="arm64"     which other architectures (default
#                             "arm64 i386"; empty for none)
#
# Logs: logs/series/; one line per result in logs/series/results.txt.
# Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"

mode=${SERIES_CHECK:-all}
case $mode in all|checkpatch|build) ;; *) die "SERIES_CHECK=$mode: all, checkpatch or build" ;; esac
configs=${SERIES_CONFIGS-min test}
arches=${SERIES_ARCHES-arm64 i386}
[ "$mode" != checkpatch ] || { configs=; arches=; }
for c in $configs; do
	case $c in min|test) ;; *) die "SERIES_CONFIGS: unknown build $c (min, test)" ;; esac
done

"$MO_HARNESS/series.sh"
steps=$MO_CACHE/series/steps.tsv
[ -s "$steps" ] || die "series.sh wrote no $steps"
nsteps=$(wc -l < "$steps")
logdir=$MO_LOGS/series
rm -rf "$logdir"
mkdir -p "$logdir"
res=$logdir/results.txt
: > "$res"
# The configuration fragments of the same source as the series.
frags=$MO_CACHE/series/config
base_dir=$MO_CACHE/series/base-${MO_KVER//\~/_}.git	# as series.py names it
repo=$MO_CACHE/series/repo.git
base=$(git --git-dir="$base_dir" rev-parse refs/heads/pristine)
last=$(git --git-dir="$repo" rev-parse refs/heads/series)

# Files the series adds or changes: warnings in them fail a build.
touched=$(git --git-dir="$repo" diff --name-only "$base" "$last")
touched_re=$(echo "$touched" | sed 's/[.[\*^$]/\\&/g' | paste -sd'|')

# --- checkpatch -------------------------------------------------------------
# MAINTAINERS patterns the series adds, and the patch that adds each.
maint_cover() {
	python3 - "$1" "$MO_TOP/results/series" <<'PY'
import fnmatch, glob, os, re, sys
mail, outdir = sys.argv[1:3]
added = []
for n, m in enumerate(sorted(glob.glob(os.path.join(outdir, "0*.patch")))[1:], 1):
    text = open(m, errors="replace").read()
    if "+++ b/MAINTAINERS" in text:
        part = text.split("+++ b/MAINTAINERS", 1)[1].split("\ndiff --git", 1)[0]
        added += [(p, n) for p in re.findall(r"^\+F:\s+(\S+)", part, re.M)]
def match(path, pat):
    if pat.endswith("/"):
        return path.startswith(pat)
    return fnmatch.fnmatchcase(path, pat) or path.startswith(pat + "/")
new = re.findall(r"^diff --git a/\S+ b/(\S+)\nnew file mode", open(mail, errors="replace").read(), re.M)
where = set()
for f in new:
    hits = [n for p, n in added if match(f, p)]
    if not hits:
        print("uncovered %s" % f)
        sys.exit(0)
    where.add(min(hits))
print("covered %s" % ",".join(str(n) for n in sorted(where)))
PY
}

checkpatch() {
	local num=$1 mail=$2 log=$logdir/checkpatch-$(printf %02d "$1").log out types cover
	out=$(cd "$MO_SRC" && scripts/checkpatch.pl --strict --show-types --no-summary --ignore UNKNOWN_COMMIT_ID "$mail" 2>&1) && {
		cp_result="ok"; return 0; }
	echo "$out" > "$log"
	types=$(grep -oE '^(ERROR|WARNING|CHECK):[A-Z_]+' <<< "$out" | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')
	if [ "$(grep -cE '^(ERROR|WARNING|CHECK):' <<< "$out")" = \
	     "$(grep -cE '^WARNING:FILE_PATH_CHANGES:' <<< "$out")" ]; then
		cover=$(maint_cover "$mail")
		case $cover in
		covered*)
			cp_result="ok (new files: MAINTAINERS entry in patch ${cover#covered })"
			return 0 ;;
		esac
		cp_result="FAIL (${cover}: $types)"
		return 1
	fi
	cp_result="FAIL ($types; $log)"
	return 1
}

# --- builds -----------------------------------------------------------------
tree=$MO_CACHE/series/check

setup_tree() {
	local gd=$tree/.git
	# A new pristine tree (another MO_KVER) needs a new copy.
	if [ "$(cat "$gd/mo-base" 2>/dev/null)" != "$base" ]; then
		step "series-check: hardlinked copy of the pristine tree in $tree"
		rm -rf "$tree"
		cp -al "$MO_SRC" "$tree"
		git init -q "$tree"
	fi
	# The commits live in the series' repositories: borrow their objects
	# before pointing HEAD at one of them.
	printf '%s\n%s\n' "$repo/objects" "$base_dir/objects" > "$gd/objects/info/alternates"
	if [ "$(cat "$gd/mo-base" 2>/dev/null)" != "$base" ]; then
		cp "$base_dir/pristine.index" "$gd/index"
		git --git-dir="$gd" config core.trustctime false
		git --git-dir="$gd" update-ref HEAD "$base"
		echo "$base" > "$gd/mo-base"
	fi
}

# fragment FILE TAG SYMBOLS...: FILE, then CONFIG_SYM=y for each of our
# SYMBOLS that FILE does not name on a "# TAG: SYMBOL (why)" line.
fragment() {
	local file=$1 tag=$2 without sym
	shift 2
	without=$(sed -n "s/^# $tag: *\([A-Z0-9_]*\).*/\1/p" "$file")
	cat "$file"
	for sym in "$@"; do
		grep -qxF -- "$sym" <<< "$without" || echo "CONFIG_$sym=y"
	done
}

# Kconfig of one build at the current patch into $MO_BUILD/series-$cfg;
# $1: config, $2: our options introduced so far. Prints what is missing.
make_config() {
	local cfg=$1 intro=$2 out=$MO_BUILD/series-$1 scratch=$MO_BUILD/series-kconfig-$1
	local files=() f line opt val sym missing=0
	mkdir -p "$out" "$scratch"
	case $cfg in
	min)
		# Options of ours that cannot be enabled without what the min
		# build leaves out on purpose (NUMA, SMP): series-min.config
		# names each on a "# not-in-min: SYMBOL (why)" line.
		fragment "$frags/series-min.config" not-in-min $intro \
			> "$scratch/fragment.config"
		files=("$scratch/fragment.config")
		make -s -C "$tree" O="$scratch" ARCH=x86_64 \
			KCONFIG_ALLCONFIG="$scratch/fragment.config" allnoconfig > /dev/null ||
			{ echo "make allnoconfig failed"; return 1; }
		;;
	test)
		for f in $(mo_kconfig_frags test) series-test; do
			files+=("$frags/$f.config")
		done
		files+=("$tree/tools/testing/selftests/mm/config")
		{ make -s -C "$tree" O="$scratch" ARCH=x86_64 tinyconfig > /dev/null &&
		  (cd "$scratch" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$scratch" \
			"$scratch/.config" "${files[@]}" > /dev/null) &&
		  make -s -C "$tree" O="$scratch" ARCH=x86_64 olddefconfig > /dev/null; } ||
			{ echo "making the test .config failed"; return 1; }
		;;
	esac
	# Ours not introduced yet may be missing; everything else must be set
	# as asked (ours: built in or as a module).
	for f in "${files[@]}"; do
		while IFS= read -r line; do
			case $line in CONFIG_*=*) ;; *) continue ;; esac
			opt=${line%%=*}; val=${line#*=}
			sym=${opt#CONFIG_}
			if grep -qw -- "$sym" <<< "$all_ours" && ! grep -qw -- "$sym" <<< "$intro"; then
				continue
			fi
			if [ "$val" = n ]; then
				grep -q "^$opt=" "$scratch/.config" || continue
			elif grep -qx "$opt=$val" "$scratch/.config"; then
				continue
			elif grep -qw -- "$sym" <<< "$intro" && grep -qE "^$opt=[ym]$" "$scratch/.config"; then
				continue
			fi
			echo "$line: got $(grep -E "^$opt=|^# $opt is not set" "$scratch/.config" || echo absent)"
			missing=$((missing + 1))
		done < "$f"
	done
	cmp -s "$scratch/.config" "$out/.config" || cp "$scratch/.config" "$out/.config"
	return $missing
}

# compile OUT ARCH CROSS LOG: vmlinux and modules of $tree in OUT, the
# output appended to LOG. Prints why it failed (an error, or a warning
# in a file the series adds or changes) and returns 1; prints nothing
# when it worked.
compile() {
	local out=$1 arch=$2 cross=$3 log=$4 warn
	# vmlinux, not bzImage: compressing the image (xz) proves nothing
	# about the patch and costs most of a minute at every step.
	if ! make -C "$tree" O="$out" ARCH="$arch" ${cross:+CROSS_COMPILE=$cross} \
		CC="ccache ${cross}gcc" -j"$MO_JOBS" vmlinux modules >> "$log" 2>&1; then
		grep -m1 -E 'error|Error' "$log" || tail -n1 "$log"
		return 1
	fi
	warn=$(grep -E "(^|/)($touched_re):[0-9]+:([0-9]+:)? warning:|^WARNING: modpost: .*(migrate_offload|migrate_dma|sdxi)" "$log" || true)
	if [ -n "$warn" ]; then
		echo "warning: $(head -n1 <<< "$warn")"
		return 1
	fi
}

build() {
	local cfg=$1 num=$2 intro=$3 out=$MO_BUILD/series-$1
	local log=$logdir/build-$cfg-$(printf %02d "$num").log miss why
	if ! miss=$(make_config "$cfg" "$intro" 2>&1); then
		echo "$miss" > "$log"
		b_result="FAIL (config: $(head -n1 <<< "$miss"))"
		return 1
	fi
	: > "$log"
	if ! why=$(compile "$out" x86_64 "" "$log"); then
		b_result="FAIL ($why)"
		return 1
	fi
	b_result="ok"
}

# The final tree for another architecture; $1: arm64 or i386.
arch_build() {
	local arch=$1 out=$MO_BUILD/series-$1 log=$logdir/build-$1.log
	local cross= frag=$frags/series-$1.config line opt val why
	case $arch in
	arm64) cross=aarch64-linux-gnu- ;;
	i386) ;;
	*) a_result="FAIL (no such architecture here: $arch)"; return 1 ;;
	esac
	[ -f "$frag" ] || { a_result="FAIL (no $frag)"; return 1; }
	command -v "${cross}gcc" > /dev/null ||
		{ a_result="FAIL (no ${cross}gcc)"; return 1; }
	mkdir -p "$out"
	fragment "$frag" "not-on-$arch" $all_ours > "$out/fragment.config"
	if ! make -s -C "$tree" O="$out" ARCH="$arch" ${cross:+CROSS_COMPILE=$cross} \
		KCONFIG_ALLCONFIG="$out/fragment.config" allnoconfig > "$log" 2>&1; then
		a_result="FAIL (allnoconfig: $(tail -n1 "$log"))"
		return 1
	fi
	# Everything asked for is set; ours may come out as modules.
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		opt=${line%%=*}; val=${line#*=}
		grep -qx "$opt=$val" "$out/.config" && continue
		grep -qw -- "${opt#CONFIG_}" <<< "$all_ours" &&
			grep -qE "^$opt=[ym]$" "$out/.config" && continue
		a_result="FAIL (config: $line: got $(grep -E "^$opt=|^# $opt is not set" "$out/.config" || echo absent))"
		return 1
	done < "$out/fragment.config"
	if ! why=$(compile "$out" "$arch" "$cross" "$log"); then
		a_result="FAIL ($why)"
		return 1
	fi
	a_result="ok"
}

# --- the patches -------------------------------------------------------------
all_ours=$(cut -f4 "$steps" | tail -n1)
[ -z "$configs" ] || setup_tree
step "series-check: $nsteps patches; checkpatch${configs:+, builds: $configs}"
while IFS=$'\t' read -r num commit mail intro subject; do
	[ "$intro" != - ] || intro=
	line=$(printf '%2d/%d' "$num" "$nsteps")
	if [ "$mode" != build ]; then
		if checkpatch "$num" "$mail"; then
			echo "PASS series/$num/checkpatch" >> "$res"
		else
			echo "FAIL series/$num/checkpatch: $cp_result" >> "$res"
		fi
		line+="  checkpatch: $cp_result"
	fi
	if [ -n "$configs" ]; then
		git -C "$tree" checkout -q -f --detach "$commit" ||
			die "cannot check out patch $num in $tree"
		for cfg in $configs; do
			step "series-check: patch $num/$nsteps, $cfg build"
			if build "$cfg" "$num" "$intro"; then
				echo "PASS series/$num/build-$cfg" >> "$res"
			else
				echo "FAIL series/$num/build-$cfg: $b_result" >> "$res"
			fi
			line+="  $cfg: $b_result"
		done
	fi
	echo "$line  $subject"
done < "$steps"

# --- other architectures, on the final tree ---------------------------------
if [ -n "$arches" ]; then
	[ -n "$configs" ] || setup_tree
	git -C "$tree" checkout -q -f --detach "$last" ||
		die "cannot check out the last patch in $tree"
	for arch in $arches; do
		step "series-check: the final tree for $arch"
		if arch_build "$arch"; then
			echo "PASS series/arch/$arch" >> "$res"
		else
			echo "FAIL series/arch/$arch: $a_result" >> "$res"
		fi
		echo "$arch: $a_result"
	done
fi

if [ -n "$configs$arches" ]; then
	# git replaced, never rewrote, the files it changed: the pristine tree
	# behind the hard links is intact.
	for f in $touched; do
		[ ! -e "$tree/$f" ] || [ "$(stat -c %h "$tree/$f")" = 1 ] ||
			die "$tree/$f shares its inode with the pristine tree after checkout"
	done
fi

p=$(grep -c '^PASS' "$res" || true)
f=$(grep -c '^FAIL' "$res" || true)
echo
grep '^FAIL' "$res" || true
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
