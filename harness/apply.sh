#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# apply.sh DIR SERIES: make the git tree DIR hold the base plus the patches
# listed in SERIES (one file name per line, relative to SERIES' directory).
#
# Commits in DIR are the series being edited: they are never thrown away
# unless patches/ already holds them (same patch-id), so a stale tree is
# refreshed but unexported work makes this stop instead.

set -eu

dir=$1
series=$2
pdir=$(dirname "$series")

die() { echo "apply: $*" >&2; exit 1; }

patch_ids() { git patch-id --stable | cut -d' ' -f1 | sort; }

[ -r "$series" ] || die "no series file $series"
patches=
for p in $(grep -v '^#' "$series"); do
	[ -r "$pdir/$p" ] || die "$series names $p, which does not exist"
	patches="$patches $pdir/$p"
done

cd "$dir"
git diff --quiet HEAD ||
	die "$dir has uncommitted changes: commit them and run 'make export', or 'make reset'"

want=$(cd - >/dev/null && cat $patches | patch_ids)
# As harness/export.sh writes them: git patch-id reads an empty context
# line differently from a " " one.
have=$(git -c diff.suppressBlankEmpty=true log -p --no-merges base..HEAD | patch_ids)
if [ "$want" = "$have" ]; then
	echo "apply: $dir already has the series ($(git rev-list --count base..HEAD) patches)"
	exit 0
fi
unsaved=$(printf '%s\n' "$have" | grep -vxF -e "$want" -e '' || true)
[ -z "$unsaved" ] ||
	die "$dir has $(echo "$unsaved" | wc -l) commit(s) not in patches/: run 'make export' to keep them, or 'make reset' to drop them"

git am --abort >/dev/null 2>&1 || true
git reset -q --hard base
base=$(git log -1 --format=%s base)
for p in $patches; do
	case $p in /*) ;; *) p=$OLDPWD/$p ;; esac
	if ! git am -q --keep-cr "$p" >/dev/null 2>&1; then
		git am --abort >/dev/null 2>&1 || true
		git reset -q --hard base
		die "$(basename "$p") does not apply to $base ($(make -s kernelversion))"
	fi
	echo "apply: $(git log -1 --format=%s)"
done
