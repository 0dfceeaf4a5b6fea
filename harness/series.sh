#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# series.sh (make series): export our work as an upstream patch series.
#
# harness/series/split.txt says which of our files and quilt patches go
# into which patch, with what message; harness/series.py commits every
# patch on top of the pristine tree in a repository in the cache, writes
# the mails into results/series/ (0000-cover-letter.patch from
# harness/series/cover.txt and README.md's benchmark, then one mail per
# patch), and proves that git am of them onto a fresh copy of the
# pristine tree gives the tree assemble.py builds.
#
#   MO_SERIES_REV=HEAD     take our files from a commit, not the work tree
#   MO_SERIES_VERIFY=0     skip the git am check
#   MO_SERIES_PLAN=1       only check split.txt and the trees of the patches
#
# No compilation: see series-check.sh for checkpatch and builds per patch.
. "$(dirname "$0")/lib.sh"

"$MO_HARNESS/fetch-kernel.sh"
args=(--top "$MO_TOP" --pristine "$MO_SRC" --cache "$MO_CACHE" --kver "$MO_KVER"
      --out "$MO_TOP/results/series" --steps "$MO_CACHE/series/steps.tsv")
[ -z "${MO_SERIES_REV:-}" ] || args+=(--rev "$MO_SERIES_REV")
[ "${MO_SERIES_VERIFY:-1}" != 0 ] || args+=(--no-verify)
[ "${MO_SERIES_PLAN:-0}" = 0 ] || args+=(--plan-only)
step "series: from ${MO_SERIES_REV:-the work tree}"
python3 "$MO_HARNESS/series.py" "${args[@]}"
