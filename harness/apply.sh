#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# apply.sh DIR SERIES: make the git tree DIR hold the base plus the patches
# listed in SERIES (one file name per line, relative to SERIES' directory).
#
# Commits in DIR are the series being edited: they are never thrown away
# unless the harness put them there (apply, export), so a stale tree is
# refreshed but unexported work makes this stop instead.

set -eu

dir=$1
series=$2
pdir=$(dirname "$series")

die() { echo "apply: $*" >&2; exit 1; }

[ -r "$series" ] || die "no series file $series"
patches=
for p in $(grep -v '^#' "$series"); do
	case $p in /*) ;; *) p=$pdir/$p ;; esac
	[ -r "$p" ] || die "$series names $p, which does not exist"
	patches="$patches $p"
done

cd "$dir"
git diff --quiet HEAD ||
	die "$dir has uncommitted changes: commit them and run 'make export', or 'make reset'"

# What the series gives, applied to base in an index of its own, against
# what the tree has: contents, not patch-ids (git patch-id stops reading a
# diff at an empty context line, and export.sh writes those).
index=$(mktemp)
trap 'rm -f "$index"' EXIT
# The trees the series gives after each patch, against HEAD's commits
# from base: "have" is how many of them the tree holds already, in order.
# Stepping from one prefix of a series to another (harness/builds.sh)
# then rewrites only the files of the patches in between, and kbuild
# rebuilds only what they touch.
GIT_INDEX_FILE=$index git read-tree base
commits=$(git rev-list --reverse base..HEAD)
set -- $commits
have=0 n=0 keep=base
for p in $patches; do
	case $p in /*) ;; *) p=$OLDPWD/$p ;; esac
	GIT_INDEX_FILE=$index git apply --cached "$p" 2>/dev/null ||
		die "$(basename "$p") does not apply to $(git log -1 --format=%s base)"
	n=$((n + 1))
	if [ "$have" = $((n - 1)) ] && [ $# -gt 0 ] &&
	   [ "$(GIT_INDEX_FILE=$index git write-tree)" = "$(git rev-parse "$1^{tree}")" ]; then
		have=$n keep=$1
		shift
	fi
done
if { [ "$have" = "$n" ] && [ $# -eq 0 ]; } ||
   [ "$(GIT_INDEX_FILE=$index git write-tree)" = "$(git rev-parse 'HEAD^{tree}')" ]; then
	echo "apply: $dir already has the series ($(git rev-list --count base..HEAD) patches)"
	git rev-parse HEAD >.git/harness-head
	exit 0
fi
# The tree differs: it is stale if its HEAD is what the harness last
# applied or exported (or the base); other commits are work not saved.
head=$(git rev-parse HEAD)
[ "$head" = "$(git rev-parse base)" ] || [ "$head" = "$(cat .git/harness-head 2>/dev/null)" ] ||
	die "$dir has commits not in patches/: run 'make export' to keep them, or 'make reset' to drop them"

git am --abort >/dev/null 2>&1 || true
base=$(git log -1 --format=%s base)
git reset -q --hard "$keep"
[ "$keep" = "$head" ] || echo "apply: from $(git log -1 --format=%s)"
set -- $patches
shift "$have"
patches=$*
for p in $patches; do
	case $p in /*) ;; *) p=$OLDPWD/$p ;; esac
	if ! git am -q --keep-cr "$p" >/dev/null 2>&1; then
		git am --abort >/dev/null 2>&1 || true
		git reset -q --hard base
		die "$(basename "$p") does not apply to $base ($(make -s kernelversion))"
	fi
	echo "apply: $(git log -1 --format=%s)"
done
git rev-parse HEAD >.git/harness-head
