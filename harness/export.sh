#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# export.sh DIR PATCHDIR: write the commits base..HEAD of DIR to PATCHDIR
# with git format-patch, keep the hand-written subject and blurb of the
# cover letter, and rewrite PATCHDIR/series.

set -eu

dir=$1
out=$2
cover=$out/0000-cover-letter.patch

die() { echo "export: $*" >&2; exit 1; }

git -C "$dir" diff --quiet HEAD || die "$dir has uncommitted changes: commit them first"
n=$(git -C "$dir" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "$dir has no commits on top of base"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Empty context lines stay empty: checkpatch, run on a patch file that git
# tracks, checks it as a source file and takes " " for trailing whitespace.
git -C "$dir" -c diff.suppressBlankEmpty=true format-patch -q --cover-letter --no-signature -o "$tmp" base..HEAD

# Carry the subject line and blurb over from the committed cover letter.
if [ -r "$cover" ]; then
	awk -v old="$cover" '
	BEGIN {
		while ((getline l < old) > 0) {
			if (l ~ /^Subject: /) subject = l
			else if (state == 0 && subject != "" && l == "") state = 1
			else if (state == 1 && l ~ /^[A-Za-z].*\([0-9]+\):$/) state = 2
			else if (state == 1) blurb = blurb l "\n"
		}
		sub(/\n+$/, "\n", blurb)
	}
	/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, substr(subject, index(subject, "]") + 2)) }
	/^\*\*\* BLURB HERE \*\*\*$/ { printf "%s", blurb; next }
	{ print }' "$tmp/0000-cover-letter.patch" > "$tmp/cover" &&
		mv "$tmp/cover" "$tmp/0000-cover-letter.patch"
fi

rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/*.patch "$out"/
(cd "$out" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-') > "$out/series"
# The tree now holds what patches/ holds: apply.sh may refresh it later.
git -C "$dir" rev-parse HEAD >"$(git -C "$dir" rev-parse --absolute-git-dir)/harness-head"
echo "export: $n patches to $out"
